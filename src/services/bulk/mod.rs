//! Bulk changes: one change over many lines. Built on what changes one line (the same rules,
//! the same Provisioner, the durable job runner). `selection` resolves which lines an operation
//! acts on (the operation keeps that list, so a line that matches the filter later is not in
//! it), `lists` keeps the lists of numbers uploaded for it; `preview` checks each of them against the single-line rules; `operation` confirms,
//! cancels and retries; `run` is the job that changes the lines chunk by chunk.

pub mod change;
pub mod lists;
pub mod operation;
pub mod preview;
pub mod run;
pub mod selection;
