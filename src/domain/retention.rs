//! How long case content is kept: by default 2 years after closure (domain.md §5), after
//! which only anonymous figures (a tombstone) stay for monitoring.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::case::{Case, DomainTag};

pub const DEFAULT_YEARS: u32 = 2;
/// The list warns this many days before a case is due for deletion.
pub const WARN_DAYS: i64 = 30;

/// The day a closed case's content is due for deletion.
pub fn deletion_date(case: &Case, years: u32) -> Option<NaiveDate> {
    case.closed_on.and_then(|c| c.checked_add_months(Months::new(12 * years)))
}

/// Due for deletion on `today` (or earlier).
pub fn is_due(case: &Case, years: u32, today: NaiveDate) -> bool {
    deletion_date(case, years).is_some_and(|d| d <= today)
}

/// The deletion date when it falls within the warning window (or has passed).
pub fn upcoming(case: &Case, years: u32, today: NaiveDate) -> Option<NaiveDate> {
    deletion_date(case, years).filter(|d| (*d - today).num_days() <= WARN_DAYS)
}

/// What stays of a deleted case: no name, no dates finer than a month, no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// "2026-03"
    pub signal_month: String,
    pub closed_month: Option<String>,
    pub domains: Vec<DomainTag>,
    pub last_step: String,
}

impl Tombstone {
    pub fn of(case: &Case) -> Tombstone {
        let month = |d: NaiveDate| format!("{:04}-{:02}", d.year(), d.month());
        Tombstone {
            signal_month: month(case.intake.signal_date),
            closed_month: case.closed_on.map(month),
            domains: case.intake.domains.clone(),
            last_step: case.step.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use crate::domain::testing::d;
    use crate::domain::testing::school;

    fn case(closed: Option<NaiveDate>) -> Case {
        let config = school();
        let mut c = demo::cases(1, 1, &config.route, &config.team, d(2026, 11, 23)).remove(0);
        c.closed_on = closed;
        c
    }

    #[test]
    fn deletion_falls_due_two_years_after_closure() {
        let c = case(Some(d(2024, 12, 20)));
        assert_eq!(deletion_date(&c, 2), Some(d(2026, 12, 20)));
        assert!(!is_due(&c, 2, d(2026, 12, 19)));
        assert!(is_due(&c, 2, d(2026, 12, 20)));
        assert_eq!(upcoming(&c, 2, d(2026, 11, 19)), None, "31 days ahead: not yet shown");
        assert_eq!(upcoming(&c, 2, d(2026, 11, 20)), Some(d(2026, 12, 20)));
        assert_eq!(deletion_date(&c, 5), Some(d(2029, 12, 20)));
        // 29 February closes to 28 February two years on.
        assert_eq!(deletion_date(&case(Some(d(2028, 2, 29))), 2), Some(d(2030, 2, 28)));
    }

    #[test]
    fn open_cases_are_never_due() {
        let c = case(None);
        assert_eq!(deletion_date(&c, 2), None);
        assert!(!is_due(&c, 0, d(2100, 1, 1)));
    }

    #[test]
    fn a_tombstone_keeps_nothing_personal() {
        let mut c = case(Some(d(2025, 6, 3)));
        c.intake.first_name = "Noortje".into();
        c.intake.last_name = "Bakker".into();
        c.intake.note = "Huilt vaak in de kring".into();
        let t = Tombstone::of(&c);
        let json = serde_json::to_string(&t).unwrap();
        for personal in ["Noortje", "Bakker", "Huilt vaak in de kring"] {
            assert!(!json.contains(personal), "{personal} in {json}");
        }
        assert_eq!(t.closed_month.as_deref(), Some("2025-06"));
    }
}
