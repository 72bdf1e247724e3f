//! Fixtures shared by the crate's unit tests: fixed dates, the shipped routekaart read by
//! the domain's own parser, and the demo school's team.

use chrono::NaiveDate;

use super::case::{DomainTag, Gezag, Intake, SignalSource};
use super::demo;
use super::plan::Words;
use super::route::Routekaart;
use super::team::Team;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn route() -> Routekaart {
    Routekaart::parse(include_str!("../../config/routekaart.toml")).unwrap()
}

/// What the demo school works with: the shipped routekaart and the demo team.
pub struct School {
    pub route: Routekaart,
    pub team: Team,
}

pub fn school() -> School {
    School { route: route(), team: demo::team() }
}

/// The prefill's words where the tests do not read them: values as debugged, no
/// section names.
pub const WORDS: Words = Words { value: |v, _| format!("{v:?}"), section: |_| "" };

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

/// A case with something in every part: names, a note, a recorded tandembespreking.
pub fn sample_case() -> crate::domain::case::Case {
    use crate::domain::route::{Value, Visit};
    let mut intake = child(d(2016, 4, 2), Gezag::BothParents);
    intake.first_name = "Zoë".into();
    intake.last_name = "de Wit".into();
    intake.note = "Zoë huilt vaak in de klas".into();
    let mut case = crate::domain::case::Case::new(crate::domain::case::CaseId::random(), intake, "S4".into(), None);
    let mut values = crate::domain::route::Values::new();
    values.insert("samenvatting".into(), Value::Text("Zorgen over Zoë thuis".into()));
    case.visits.push(Visit { step: "S3".into(), entered: d(2026, 9, 20), values, done: None });
    case.visits.push(Visit { step: "S4".into(), entered: d(2026, 9, 27), values: Default::default(), done: None });
    case
}
