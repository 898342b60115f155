//! simfleet: a mobile operator's business cabinet.

pub mod authz;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod export;
pub mod jobs;
pub mod mail;
pub mod provisioning;
pub mod roster;
pub mod services;
pub mod sms;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;

/// mimalloc: an import or a page allocates many small strings and rows, and glibc's malloc
/// spent a fifth of an import's time on them (consolidating and unlinking free chunks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
