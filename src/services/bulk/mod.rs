//! Bulk changes: one action over many lines. Built on what changes one line (the same rules,
//! the same Provisioner, the durable job runner). `selection` resolves which lines an operation
//! acts on (the operation keeps that list, so a line that matches the filter later is not in
//! it); `preview` checks each of them against the single-line rules.

pub mod preview;
pub mod selection;
