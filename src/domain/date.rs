//! Dates as Dutch users type and read them: dd-mm-jjjj.

use chrono::NaiveDate;

/// Why a typed date was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not of the shape dd-mm-jjjj.
    Shape,
    /// Right shape, but no such day (31-02-2026).
    NoSuchDay,
    /// A year outside the range tandem accepts (typo guard).
    Year,
    /// The date of something that has happened, after today.
    InFuture,
}

/// Parses `dd-mm-jjjj`; `/` and `.` are accepted as separators and day and month may
/// have one digit, because that is how people type dates in a hurry.
pub fn parse(input: &str) -> Result<NaiveDate, DateError> {
    let parts: Vec<&str> = input.trim().split(['-', '/', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return Err(DateError::Shape);
    };
    let digits =
        |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(d, 1, 2) || !digits(m, 1, 2) || !digits(y, 4, 4) {
        return Err(DateError::Shape);
    }
    // The digit checks above make these parses infallible; map anyway instead of unwrapping.
    let (d, m, y): (u32, u32, i32) = match (d.parse(), m.parse(), y.parse()) {
        (Ok(d), Ok(m), Ok(y)) => (d, m, y),
        _ => return Err(DateError::Shape),
    };
    if !(1900..=2199).contains(&y) {
        return Err(DateError::Year);
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::NoSuchDay)
}

/// The date of something that has happened (a discussion, a decision, a signature):
/// refused when it lies after `today`.
pub fn date_not_in_future(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, DateError> {
    if date > today { Err(DateError::InFuture) } else { Ok(date) }
}

/// Formats as `dd-mm-jjjj`.
pub fn format(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

/// Full years between `birth` and `on` (age on a given day).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    on.years_since(birth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::d;

    #[test]
    fn a_date_of_what_happened_is_today_at_the_latest() {
        let today = d(2026, 11, 23);
        assert_eq!(date_not_in_future(today, today), Ok(today));
        assert_eq!(date_not_in_future(d(2025, 1, 1), today), Ok(d(2025, 1, 1)));
        assert_eq!(date_not_in_future(d(2026, 11, 24), today), Err(DateError::InFuture));
        assert_eq!(DateError::InFuture.to_string(), "deze datum ligt in de toekomst");
    }

    #[test]
    fn parses_dutch_dates() {
        assert_eq!(parse("03-09-2026"), Ok(d(2026, 9, 3)));
        assert_eq!(parse(" 3-9-2026 "), Ok(d(2026, 9, 3)));
        assert_eq!(parse("03/09/2026"), Ok(d(2026, 9, 3)));
        assert_eq!(parse("03.09.2026"), Ok(d(2026, 9, 3)));
    }

    #[test]
    fn rejects_typos_with_a_reason() {
        assert_eq!(parse(""), Err(DateError::Shape));
        assert_eq!(parse("2026-09-03"), Err(DateError::Shape));
        assert_eq!(parse("3-9-26"), Err(DateError::Shape));
        assert_eq!(parse("0a-09-2026"), Err(DateError::Shape));
        assert_eq!(parse("31-02-2026"), Err(DateError::NoSuchDay));
        assert_eq!(parse("00-01-2026"), Err(DateError::NoSuchDay));
        assert_eq!(parse("01-13-2026"), Err(DateError::NoSuchDay));
        assert_eq!(parse("01-01-0202"), Err(DateError::Year));
        assert_eq!(parse("29-02-2028"), Ok(d(2028, 2, 29)));
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format(d(2026, 1, 5)), "05-01-2026");
        assert_eq!(parse(&format(d(2026, 1, 5))), Ok(d(2026, 1, 5)));
    }

    #[test]
    fn age_counts_full_years() {
        assert_eq!(age_on(d(2014, 11, 23), d(2026, 11, 22)), Some(11));
        assert_eq!(age_on(d(2014, 11, 23), d(2026, 11, 23)), Some(12));
        assert_eq!(age_on(d(2027, 1, 1), d(2026, 1, 1)), None);
    }
}
