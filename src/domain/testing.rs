//! Fixtures shared by the domain's unit tests: fixed dates and the shipped routekaart.

use chrono::NaiveDate;

use super::case::{DomainTag, Gezag, Intake, SignalSource};
use super::route::Routekaart;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn route() -> Routekaart {
    crate::config::Config::demo().unwrap().route
}

/// A child born on `birth` with `gezag`; the rest of the intake does not matter.
pub fn child(birth: NaiveDate, gezag: Gezag) -> Intake {
    Intake {
        first_name: "Sem".into(),
        last_name: String::new(),
        birth_date: birth,
        groep: 5,
        gezag,
        signal_date: d(2026, 9, 1),
        source: SignalSource::Teacher,
        domains: vec![DomainTag::Shared],
        note: String::new(),
        holder: "anna".into(),
    }
}
