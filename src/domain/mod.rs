//! Pure types and rules. Nothing here touches disk, terminal or clock: "today" and
//! "now" always come in as arguments, so every rule is testable with fixed dates.

pub mod access;
pub mod audit;
pub mod case;
pub mod consent;
pub mod date;
pub mod demo;
pub mod history;
pub mod listing;
pub mod monitoring;
pub mod retention;
pub mod route;
pub mod team;
