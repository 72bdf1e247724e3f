//! Consent per purpose (AVG, domain.md §5): under 12 the parents with gezag give it,
//! from 12 to 15 the parents and the child, from 16 the child. Computed from the birth
//! date on the day consent is recorded. A withdrawal counts from its date on.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Giver {
    Parents,
    ParentsAndChild,
    Child,
}

impl Giver {
    /// Whose consent counts for a child born on `birth`, on `on`.
    pub fn required(birth: NaiveDate, on: NaiveDate) -> Giver {
        match date::age_on(birth, on).unwrap_or(0) {
            0..=11 => Giver::Parents,
            12..=15 => Giver::ParentsAndChild,
            _ => Giver::Child,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentForm {
    Oral,
    Written,
}

/// One recorded decision: consent given or withdrawn for a purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub purpose: String,
    /// false: withdrawn.
    pub given: bool,
    pub by: Giver,
    pub form: ConsentForm,
    pub on: NaiveDate,
    /// Member id of who recorded it.
    pub recorded_by: String,
}

impl Consent {
    pub fn record(
        purpose: &str,
        given: bool,
        form: ConsentForm,
        birth: NaiveDate,
        on: NaiveDate,
        recorded_by: &str,
    ) -> Consent {
        Consent {
            purpose: purpose.to_string(),
            given,
            by: Giver::required(birth, on),
            form,
            on,
            recorded_by: recorded_by.to_string(),
        }
    }
}

/// The latest decision for `purpose` on or before `on`.
pub fn latest<'a>(consents: &'a [Consent], purpose: &str, on: NaiveDate) -> Option<&'a Consent> {
    consents.iter().filter(|c| c.purpose == purpose && c.on <= on).max_by_key(|c| c.on)
}

/// Whether consent for `purpose` holds on `on`: given, not withdrawn since, and by whoever
/// has to give it on `on`. Parents' consent from when the child was 11 must be asked
/// again (now of parents and child) once the child is 12.
pub fn given(consents: &[Consent], purpose: &str, birth: NaiveDate, on: NaiveDate) -> bool {
    latest(consents, purpose, on).is_some_and(|c| c.given && c.by == Giver::required(birth, on))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::d;

    #[test]
    fn who_consents_changes_at_12_and_16() {
        let birth = d(2014, 11, 23);
        assert_eq!(Giver::required(birth, d(2026, 11, 22)), Giver::Parents);
        assert_eq!(Giver::required(birth, d(2026, 11, 23)), Giver::ParentsAndChild);
        assert_eq!(Giver::required(birth, d(2030, 11, 22)), Giver::ParentsAndChild);
        assert_eq!(Giver::required(birth, d(2030, 11, 23)), Giver::Child);
    }

    #[test]
    fn withdrawal_counts_from_its_date() {
        let birth = d(2017, 3, 14);
        let mut c = vec![Consent::record("swv", true, ConsentForm::Written, birth, d(2026, 9, 1), "anna")];
        assert!(!given(&c, "swv", birth, d(2026, 8, 31)), "not before it was given");
        assert!(given(&c, "swv", birth, d(2026, 10, 1)));
        assert!(!given(&c, "wijkteam", birth, d(2026, 10, 1)), "per purpose");
        c.push(Consent::record("swv", false, ConsentForm::Oral, birth, d(2026, 10, 15), "anna"));
        assert!(given(&c, "swv", birth, d(2026, 10, 14)));
        assert!(!given(&c, "swv", birth, d(2026, 10, 15)));
    }

    #[test]
    fn consent_from_before_a_birthday_that_changes_who_consents_must_be_asked_again() {
        let birth = d(2014, 11, 23);
        let c = Consent::record("tandem", true, ConsentForm::Oral, birth, d(2026, 11, 1), "anna");
        assert_eq!(c.by, Giver::Parents);
        assert!(given(std::slice::from_ref(&c), "tandem", birth, d(2026, 11, 22)));
        assert!(!given(std::slice::from_ref(&c), "tandem", birth, d(2026, 11, 23)), "12 today: ask parents and child");
        let again = Consent::record("tandem", true, ConsentForm::Written, birth, d(2026, 11, 23), "anna");
        assert_eq!(again.by, Giver::ParentsAndChild);
        assert!(given(&[c, again], "tandem", birth, d(2026, 12, 1)));
    }
}
