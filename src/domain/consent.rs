//! Consent per purpose (AVG, domain.md §5): under 12 the parents with gezag give it
//! (both, when two have gezag), from 12 to 15 the parents and the child, from 16 the
//! child. Each record says who gave, refused or withdrew it, in what form and on which
//! day; the gate asks, for every party the child's age requires on that day, that the
//! party's latest decision is "gegeven".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::{Gezag, Intake};
use super::date;

/// Whose consent counts, by the child's age.
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

/// One person who can decide: a parent (or guardian) with gezag, or the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The one with gezag, or the first of two parents with gezag.
    FirstParent,
    /// The second parent when both have gezag.
    SecondParent,
    Child,
}

impl Party {
    /// The parents (or guardian) with gezag.
    pub fn parents(gezag: Gezag) -> &'static [Party] {
        match gezag {
            Gezag::BothParents => &[Party::FirstParent, Party::SecondParent],
            _ => &[Party::FirstParent],
        }
    }

    /// Exactly who must consent for `child` on `on`.
    pub fn required(child: &Intake, on: NaiveDate) -> Vec<Party> {
        let parents = Party::parents(child.gezag).iter().copied();
        match Giver::required(child.birth_date, on) {
            Giver::Parents => parents.collect(),
            Giver::ParentsAndChild => parents.chain([Party::Child]).collect(),
            Giver::Child => vec![Party::Child],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentForm {
    Oral,
    Written,
}

/// What a party decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Given,
    Refused,
    Withdrawn,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Given, Decision::Refused, Decision::Withdrawn];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One recorded decision for a purpose, by one or more parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct Consent {
    pub purpose: String,
    pub decision: Decision,
    /// Who decided. Empty only in records from before parties were recorded (see `by`).
    pub parties: Vec<Party>,
    /// Records from before parties were recorded said only whose consent counted then;
    /// such a record stands for all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Giver>,
    pub form: ConsentForm,
    pub on: NaiveDate,
    /// Member id of who recorded it.
    pub recorded_by: String,
}

/// A consent as stored, old records included: `given` (true or false for withdrawn)
/// and `by` until parties and refusals were recorded.
#[derive(Deserialize)]
struct Stored {
    purpose: String,
    #[serde(default)]
    decision: Option<Decision>,
    #[serde(default)]
    given: Option<bool>,
    #[serde(default)]
    parties: Vec<Party>,
    #[serde(default)]
    by: Option<Giver>,
    form: ConsentForm,
    on: NaiveDate,
    recorded_by: String,
}

impl From<Stored> for Consent {
    fn from(s: Stored) -> Consent {
        let decision = s.decision.unwrap_or(match s.given {
            Some(false) => Decision::Withdrawn,
            _ => Decision::Given,
        });
        // An old record without its category stood for the parents: the narrowest claim.
        let by = s.parties.is_empty().then(|| s.by.unwrap_or(Giver::Parents));
        Consent {
            purpose: s.purpose,
            decision,
            parties: s.parties,
            by,
            form: s.form,
            on: s.on,
            recorded_by: s.recorded_by,
        }
    }
}

/// Why a consent was not recorded (the wording is `strings`').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentError {
    NoParty,
    /// A party whose consent does not count on that day (a child under 12, parents of
    /// a child of 16).
    NotRequired,
    InFuture,
}

impl Consent {
    /// A decision of `parties` for `purpose` on `on`, for `child`: only parties whose
    /// consent counts on that day, and not after `today`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        purpose: &str,
        decision: Decision,
        parties: Vec<Party>,
        form: ConsentForm,
        child: &Intake,
        on: NaiveDate,
        today: NaiveDate,
        recorded_by: &str,
    ) -> Result<Consent, ConsentError> {
        if on > today {
            return Err(ConsentError::InFuture);
        }
        if parties.is_empty() {
            return Err(ConsentError::NoParty);
        }
        let required = Party::required(child, on);
        if parties.iter().any(|p| !required.contains(p)) {
            return Err(ConsentError::NotRequired);
        }
        let purpose = purpose.to_string();
        Ok(Consent { purpose, decision, parties, by: None, form, on, recorded_by: recorded_by.to_string() })
    }

    /// A decision of everyone whose consent counts on `on` (the demo, tests).
    pub fn by_all(
        purpose: &str,
        decision: Decision,
        form: ConsentForm,
        child: &Intake,
        on: NaiveDate,
        recorded_by: &str,
    ) -> Consent {
        let parties = Party::required(child, on);
        Consent { purpose: purpose.to_string(), decision, parties, by: None, form, on, recorded_by: recorded_by.into() }
    }

    /// Whether this record speaks for `party`.
    pub fn covers(&self, party: Party) -> bool {
        match self.by {
            None => self.parties.contains(&party),
            Some(Giver::Parents) => party != Party::Child,
            Some(Giver::ParentsAndChild) => true,
            Some(Giver::Child) => party == Party::Child,
        }
    }
}

/// The latest decision of `party` for `purpose` on or before `on` (the last recorded
/// of one day).
pub fn latest_of<'a>(consents: &'a [Consent], purpose: &str, party: Party, on: NaiveDate) -> Option<&'a Consent> {
    consents.iter().filter(|c| c.purpose == purpose && c.on <= on && c.covers(party)).max_by_key(|c| c.on)
}

/// Per party whose consent counts for `child` on `on`: their latest decision.
pub fn status<'a>(
    consents: &'a [Consent],
    purpose: &str,
    child: &Intake,
    on: NaiveDate,
) -> Vec<(Party, Option<&'a Consent>)> {
    Party::required(child, on).into_iter().map(|p| (p, latest_of(consents, purpose, p, on))).collect()
}

/// Whether consent for `purpose` holds on `on`: every party the child's age requires
/// on `on` gave it, and did not refuse or withdraw it since. A parents' consent from
/// when the child was 11 still lacks the child's once the child is 12.
pub fn given(consents: &[Consent], purpose: &str, child: &Intake, on: NaiveDate) -> bool {
    status(consents, purpose, child, on).iter().all(|(_, c)| c.is_some_and(|c| c.decision == Decision::Given))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{child, d};

    fn rec(kid: &Intake, decision: Decision, parties: &[Party], on: NaiveDate) -> Consent {
        Consent::record("swv", decision, parties.to_vec(), ConsentForm::Oral, kid, on, d(2030, 1, 1), "anna").unwrap()
    }

    use Party::{Child, FirstParent, SecondParent};

    #[test]
    fn who_consents_changes_at_12_and_16() {
        let birth = d(2014, 11, 23);
        assert_eq!(Giver::required(birth, d(2026, 11, 22)), Giver::Parents);
        assert_eq!(Giver::required(birth, d(2026, 11, 23)), Giver::ParentsAndChild);
        assert_eq!(Giver::required(birth, d(2030, 11, 22)), Giver::ParentsAndChild);
        assert_eq!(Giver::required(birth, d(2030, 11, 23)), Giver::Child);
        let both = child(birth, Gezag::BothParents);
        assert_eq!(Party::required(&both, d(2026, 11, 22)), [FirstParent, SecondParent]);
        assert_eq!(Party::required(&both, d(2026, 11, 23)), [FirstParent, SecondParent, Child]);
        assert_eq!(Party::required(&both, d(2030, 11, 23)), [Child]);
        assert_eq!(Party::required(&child(birth, Gezag::Mother), d(2026, 11, 1)), [FirstParent]);
    }

    #[test]
    fn under_12_both_parents_with_gezag_must_give_it() {
        let kid = child(d(2017, 3, 14), Gezag::BothParents);
        let mut c = vec![rec(&kid, Decision::Given, &[FirstParent], d(2026, 9, 1))];
        assert!(!given(&c, "swv", &kid, d(2026, 9, 2)), "one of two parents with gezag is not enough");
        c.push(rec(&kid, Decision::Given, &[SecondParent], d(2026, 9, 3)));
        assert!(given(&c, "swv", &kid, d(2026, 9, 3)));
        assert!(!given(&c, "swv", &kid, d(2026, 9, 2)), "not before the second gave it");
        assert!(!given(&c, "wijkteam", &kid, d(2026, 10, 1)), "per purpose");
        let single = child(d(2017, 3, 14), Gezag::Mother);
        assert!(given(&[rec(&single, Decision::Given, &[FirstParent], d(2026, 9, 1))], "swv", &single, d(2026, 9, 1)));
    }

    #[test]
    fn a_refusal_or_withdrawal_by_one_party_counts_from_its_date() {
        let kid = child(d(2012, 5, 1), Gezag::BothParents); // 14: parents and child
        let mut c = vec![rec(&kid, Decision::Given, &[FirstParent, SecondParent, Child], d(2026, 9, 1))];
        assert!(given(&c, "swv", &kid, d(2026, 9, 1)));
        c.push(rec(&kid, Decision::Refused, &[Child], d(2026, 10, 1)));
        assert!(given(&c, "swv", &kid, d(2026, 9, 30)));
        assert!(!given(&c, "swv", &kid, d(2026, 10, 1)), "the child refuses");
        c.push(rec(&kid, Decision::Given, &[Child], d(2026, 10, 8)));
        assert!(given(&c, "swv", &kid, d(2026, 10, 8)), "and later agrees");
        c.push(rec(&kid, Decision::Withdrawn, &[SecondParent], d(2026, 11, 1)));
        assert!(!given(&c, "swv", &kid, d(2026, 11, 1)));
    }

    #[test]
    fn only_the_parties_the_age_requires_can_be_recorded_and_not_in_the_future() {
        let young = child(d(2017, 3, 14), Gezag::BothParents);
        let rec = |kid: &Intake, parties: Vec<Party>, on| {
            Consent::record("swv", Decision::Given, parties, ConsentForm::Written, kid, on, d(2026, 11, 23), "anna")
        };
        assert_eq!(rec(&young, vec![Child], d(2026, 11, 1)), Err(ConsentError::NotRequired), "a child of 9");
        assert_eq!(rec(&young, vec![], d(2026, 11, 1)), Err(ConsentError::NoParty));
        assert_eq!(rec(&young, vec![FirstParent], d(2026, 11, 24)), Err(ConsentError::InFuture));
        let old = child(d(2009, 3, 14), Gezag::BothParents);
        assert_eq!(rec(&old, vec![FirstParent], d(2026, 11, 1)), Err(ConsentError::NotRequired), "16+: the child");
        assert!(rec(&old, vec![Child], d(2026, 11, 1)).is_ok());
    }

    #[test]
    fn at_12_the_childs_consent_is_needed_beside_the_parents() {
        let kid = child(d(2014, 11, 23), Gezag::Father);
        let c = vec![rec(&kid, Decision::Given, &[FirstParent], d(2026, 11, 1))];
        assert!(given(&c, "swv", &kid, d(2026, 11, 22)));
        assert!(!given(&c, "swv", &kid, d(2026, 11, 23)), "12 today: the child too");
        let c = [c, vec![rec(&kid, Decision::Given, &[Child], d(2026, 11, 23))]].concat();
        assert!(given(&c, "swv", &kid, d(2026, 12, 1)));
        assert_eq!(status(&c, "swv", &kid, d(2030, 11, 23)).len(), 1, "16: the child alone");
        assert!(given(&c, "swv", &kid, d(2030, 11, 23)));
    }

    #[test]
    fn old_records_stay_readable_and_count_for_whom_they_counted_then() {
        let kid = child(d(2014, 11, 23), Gezag::BothParents);
        let old =
            r#"{"purpose":"swv","given":true,"by":"parents","form":"oral","on":"2026-11-01","recorded_by":"anna"}"#;
        let c: Consent = serde_json::from_str(old).unwrap();
        assert_eq!((c.decision, c.by, c.parties.is_empty()), (Decision::Given, Some(Giver::Parents), true));
        assert!(given(std::slice::from_ref(&c), "swv", &kid, d(2026, 11, 22)), "both parents, as it was recorded");
        assert!(!given(std::slice::from_ref(&c), "swv", &kid, d(2026, 11, 23)), "12: ask the child");
        let withdrawn = old.replace(r#""given":true"#, r#""given":false"#);
        assert_eq!(serde_json::from_str::<Consent>(&withdrawn).unwrap().decision, Decision::Withdrawn);
        // A new record round-trips without the old fields.
        let new = rec(&kid, Decision::Refused, &[SecondParent], d(2026, 11, 2));
        let json = serde_json::to_string(&new).unwrap();
        assert!(!json.contains("given") && !json.contains(r#""by""#), "{json}");
        assert_eq!(serde_json::from_str::<Consent>(&json).unwrap(), new);
    }
}
