//! Unauthorised absence in hours per school week (domain.md §4): 16 hours within 4
//! school weeks must be reported to DUO within 5 working days. Weeks are counted as
//! calendar weeks (Monday to Sunday); a week without a record counts as 0 hours.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Hours that make a report to DUO.
pub const DUO_HOURS: u32 = 16;
/// Within this many school weeks.
pub const DUO_WEEKS: u64 = 4;
/// The school reports within this many working days.
pub const DUO_WORKING_DAYS: u32 = 5;
/// More hours than a school week has is a typing error.
pub const MAX_WEEK_HOURS: u32 = 40;

/// Hours of unauthorised absence in the school week that starts on `week` (a Monday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekHours {
    pub week: NaiveDate,
    pub hours: u32,
}

/// The Monday of the week `day` is in.
pub fn monday(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday()))).unwrap_or(day)
}

/// Records `hours` for the week of `day`, replacing what was recorded for that week;
/// the list stays in week order.
pub fn record(list: &mut Vec<WeekHours>, day: NaiveDate, hours: u32) {
    let week = monday(day);
    list.retain(|w| w.week != week);
    list.push(WeekHours { week, hours });
    list.sort_by_key(|w| w.week);
}

/// A duty to report to DUO: the school week in which the hours reached 16 within 4
/// school weeks, and the last day to report (5 working days after that week).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuoReport {
    pub week: NaiveDate,
    pub hours: u32,
    pub deadline: NaiveDate,
}

/// `n` working days (Monday to Friday) after `day`.
fn working_days_after(day: NaiveDate, n: u32) -> NaiveDate {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// Every report the recorded hours call for, oldest first: a window of 4 weeks ending
/// in a week that brings it to 16 hours; the next window starts after that week.
pub fn duo_reports(list: &[WeekHours]) -> Vec<DuoReport> {
    let mut out = Vec::new();
    let mut after: Option<NaiveDate> = None;
    for w in list {
        let start = w.week.checked_sub_days(Days::new((DUO_WEEKS - 1) * 7)).unwrap_or(w.week);
        let hours: u32 = list
            .iter()
            .filter(|x| x.week >= start && x.week <= w.week && after.is_none_or(|a| x.week > a))
            .map(|x| x.hours)
            .sum();
        if hours >= DUO_HOURS {
            // The school week ends on Friday; the working days count from there.
            let friday = w.week.checked_add_days(Days::new(4)).unwrap_or(w.week);
            out.push(DuoReport { week: w.week, hours, deadline: working_days_after(friday, DUO_WORKING_DAYS) });
            after = Some(w.week);
        }
    }
    out
}

/// The report still to be made on `today`: the latest, until its deadline has passed.
pub fn duo_due(list: &[WeekHours], today: NaiveDate) -> Option<DuoReport> {
    duo_reports(list).pop().filter(|r| today <= r.deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::d;

    #[test]
    fn hours_are_kept_per_week_and_a_week_is_recorded_once() {
        let mut list = Vec::new();
        record(&mut list, d(2026, 11, 25), 4); // a Wednesday
        record(&mut list, d(2026, 11, 2), 3);
        record(&mut list, d(2026, 11, 29), 6); // the Sunday of the first week: replaces it
        assert_eq!(list, [WeekHours { week: d(2026, 11, 2), hours: 3 }, WeekHours { week: d(2026, 11, 23), hours: 6 }]);
    }

    #[test]
    fn sixteen_hours_within_four_weeks_must_be_reported_within_five_working_days() {
        let mut list = Vec::new();
        record(&mut list, d(2026, 10, 5), 6);
        record(&mut list, d(2026, 10, 12), 5);
        record(&mut list, d(2026, 10, 19), 4);
        assert!(duo_reports(&list).is_empty(), "15 hours");
        // A fifth week: the first falls out of the window.
        record(&mut list, d(2026, 11, 2), 4);
        assert!(duo_reports(&list).is_empty(), "5 + 4 + 4 within 4 weeks");
        record(&mut list, d(2026, 11, 2), 7);
        let r = duo_reports(&list);
        assert_eq!(r, [DuoReport { week: d(2026, 11, 2), hours: 16, deadline: d(2026, 11, 13) }]);
        // Friday 6-11 plus 5 working days is Friday 13-11.
        assert_eq!(duo_due(&list, d(2026, 11, 13)), r.first().copied());
        assert_eq!(duo_due(&list, d(2026, 11, 14)), None, "past its deadline");
    }

    #[test]
    fn after_a_report_the_count_starts_again() {
        let mut list = Vec::new();
        record(&mut list, d(2026, 10, 5), 16);
        record(&mut list, d(2026, 10, 12), 8);
        assert_eq!(duo_reports(&list).len(), 1, "the 16 hours already reported do not count twice");
        record(&mut list, d(2026, 10, 19), 8);
        let r = duo_reports(&list);
        assert_eq!(r.iter().map(|r| r.week).collect::<Vec<_>>(), [d(2026, 10, 5), d(2026, 10, 19)]);
    }
}
