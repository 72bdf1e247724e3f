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
