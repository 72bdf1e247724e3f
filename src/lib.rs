//! tandem: the school tandem's case tool. See README.md for the layers and data flow.
#![forbid(unsafe_code)]

pub mod atomic;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod cores;
pub mod crdt;
pub mod domain;
pub mod exports;
pub mod partners;
pub mod paths;
pub mod print;
pub mod report;
pub mod store;
pub mod strings;
pub mod swv;
pub mod sync;
pub mod ui;

/// The allocator of every binary built on this crate (its settings: `.cargo/config.toml`).
/// A sync makes many small allocations (automerge's columns and ops), and glibc's
/// allocator was about a fifth of its CPU time; with jemalloc the week's sync is about 9 %
/// faster (README, "Benchmarks").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
