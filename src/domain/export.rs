//! What a team sends the SWV (domain.md §6): per case a pseudonymous monitoring record
//! with its revision, and the escalation dossier only for a case escalated to the SWV
//! director with consent "delen met SWV". No name, birth date or free text of any other
//! case is ever in a payload.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::case::Case;
use super::escalation::{self, DeciderRole, Level, Reason, Rung};
use super::monitoring::{self, Reflection, Satisfaction};
use super::route::Routekaart;

pub const FORMAT: &str = "tandem-bundle/1";

/// What one bundle may claim, so that a validly signed but hostile or broken bundle cannot
/// make the SWV spend memory or time out of proportion to a real one. A school's team has a
/// few hundred cases at most, and exports weekly or monthly.
pub const MAX_CASES: usize = 10_000;
/// A bundle's sequence number may be at most this much above the highest seen from its team.
pub const MAX_SEQUENCE_JUMP: u64 = 10_000;
/// The longest school name, BRIN, team id, recipient, case pseudonym, step id or pupil name.
pub const MAX_SHORT_TEXT: usize = 200;
/// The most entries of one list in one case (escalation rungs, evaluations, absences).
pub const MAX_ENTRIES: usize = 500;
/// The most categories one reflection may name, as helped or as hindered.
pub const MAX_CATEGORIES: usize = 50;

/// A claim beyond the bounds above, for the refusal's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfBounds {
    Cases,
    Text(&'static str),
    Entries(&'static str),
    /// A reflection naming more than [`MAX_CATEGORIES`] categories.
    Categories,
}

/// A half-year: H1 is January to June, H2 July to December.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    pub year: i32,
    pub half: u8,
}

impl Period {
    pub fn of(day: NaiveDate) -> Period {
        Period { year: day.year(), half: if day.month() <= 6 { 1 } else { 2 } }
    }

    pub fn start(self) -> NaiveDate {
        let month = if self.half == 1 { 1 } else { 7 };
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn end(self) -> NaiveDate {
        let (m, d) = if self.half == 1 { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, m, d).unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        (self.start()..=self.end()).contains(&day)
    }

    pub fn previous(self) -> Period {
        if self.half == 2 { Period { half: 1, ..self } } else { Period { year: self.year - 1, half: 2 } }
    }

    pub fn next(self) -> Period {
        if self.half == 1 { Period { half: 2, ..self } } else { Period { year: self.year + 1, half: 1 } }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-H{}", self.year, self.half)
    }
}

/// A period that is not of the form "2026-H2", with the text as given (the wording is
/// `strings`').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError(pub String);

impl TryFrom<String> for Period {
    type Error = PeriodError;

    /// "2026-H2"
    fn try_from(s: String) -> Result<Period, PeriodError> {
        let bad = || PeriodError(s.clone());
        let (year, half) = s.trim().split_once("-H").ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let half: u8 = half.parse().map_err(|_| bad())?;
        if !(1..=2).contains(&half) || !(2000..=2200).contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, half })
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// One rung of an escalation as the SWV counts it: no question, no decision text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationFact {
    pub level: Level,
    pub reason: Reason,
    pub opened: NaiveDate,
    /// The SWV director is asked to decide.
    pub to_director: bool,
    pub decided: Option<NaiveDate>,
    pub resolved: Option<bool>,
    /// Who was asked to decide: role and name of officials as the rung keeps them
    /// ("directeur SWV: drs. P. Verbeek"), never a child.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deciders: Vec<String>,
    /// The gemeente whose official was asked, when the team's config names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
}

/// A case as the SWV monitors it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub started: NaiveDate,
    pub closed: Option<NaiveDate>,
    /// The routekaart step id (e.g. "S6"), never its content.
    pub step: String,
    pub tandem_date: Option<NaiveDate>,
    pub plan_agreed: Option<NaiveDate>,
    pub joint_start: Option<NaiveDate>,
    pub meldcode_start: Option<NaiveDate>,
    /// Periods away from school longer than 4 weeks.
    pub thuiszitter: Vec<(NaiveDate, Option<NaiveDate>)>,
    pub satisfaction: Vec<(NaiveDate, Satisfaction)>,
    pub escalations: Vec<EscalationFact>,
    /// What helped and hindered the cooperation, per evaluation and at closure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reflections: Vec<Reflection>,
}

impl Record {
    /// A case signalled on `started` with nothing else known yet.
    pub fn started(started: NaiveDate) -> Record {
        Record {
            started,
            closed: None,
            step: String::new(),
            tandem_date: None,
            plan_agreed: None,
            joint_start: None,
            meldcode_start: None,
            thuiszitter: Vec::new(),
            satisfaction: Vec::new(),
            escalations: Vec::new(),
            reflections: Vec::new(),
        }
    }
}

/// What the SWV director may see of an escalated case (with consent "delen met SWV").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dossier {
    pub pupil: String,
    pub groep: u8,
    pub rungs: Vec<Rung>,
    /// The current plan van aanpak as Markdown, when there is one.
    pub plan: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRecord {
    /// A pseudonym: the same case gives the same one in every bundle of its team.
    pub case: String,
    /// The same for every partner's copy of the case (`link`), where the pseudonym is
    /// the team's own: the SWV counts a case once, whichever partner exports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub revision: u64,
    pub record: Record,
    pub dossier: Option<Dossier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub format: String,
    pub bundle_id: Uuid,
    /// The signing key's id.
    pub team_id: String,
    pub school: String,
    pub brin: Option<String>,
    /// 1, 2, 3 ... per team; a gap shows a bundle that never arrived.
    pub sequence: u64,
    pub created: NaiveDateTime,
    pub period: Period,
    /// The age recipient it was encrypted to.
    pub recipient: String,
    pub cases: Vec<CaseRecord>,
}

/// How many cases the payload's JSON holds, counted without keeping them: checked before
/// the payload is read into memory. None when the JSON has no list of cases to count.
pub fn count_cases(json: &[u8]) -> Option<usize> {
    use serde::de::{IgnoredAny, SeqAccess, Visitor};

    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(Count)
    }
    #[derive(Deserialize)]
    struct Cases {
        #[serde(deserialize_with = "count")]
        cases: usize,
    }
    serde_json::from_slice::<Cases>(json).ok().map(|c| c.cases)
}

impl Payload {
    /// The first claim beyond what a bundle may hold, if any.
    pub fn out_of_bounds(&self) -> Option<OutOfBounds> {
        if self.cases.len() > MAX_CASES {
            return Some(OutOfBounds::Cases);
        }
        let long = |s: &str| s.chars().count() > MAX_SHORT_TEXT;
        let brin = self.brin.as_deref().unwrap_or("");
        let top =
            [("school", &*self.school), ("brin", brin), ("team_id", &*self.team_id), ("recipient", &*self.recipient)];
        if let Some((field, _)) = top.into_iter().find(|(_, s)| long(s)) {
            return Some(OutOfBounds::Text(field));
        }
        self.cases.iter().find_map(|c| {
            let r = &c.record;
            let pupil = c.dossier.as_ref().map_or("", |d| d.pupil.as_str());
            let link = c.link.as_deref().unwrap_or("");
            let texts = [("case", c.case.as_str()), ("link", link), ("step", r.step.as_str()), ("pupil", pupil)];
            let lists = [
                ("escalations", r.escalations.len()),
                ("satisfaction", r.satisfaction.len()),
                ("thuiszitter", r.thuiszitter.len()),
                ("rungs", c.dossier.as_ref().map_or(0, |d| d.rungs.len())),
                ("reflections", r.reflections.len()),
                ("deciders", r.escalations.iter().map(|e| e.deciders.len()).max().unwrap_or(0)),
            ];
            let mut categories = r.reflections.iter().flat_map(|x| [&x.helped, &x.hindered]);
            let officials = r.escalations.iter().flat_map(|e| e.deciders.iter().chain(&e.gemeente));
            let officials = officials.map(|s| ("decider", s.as_str()));
            texts
                .into_iter()
                .chain(officials)
                .find(|(_, s)| long(s))
                .map(|(f, _)| OutOfBounds::Text(f))
                .or_else(|| lists.into_iter().find(|(_, n)| *n > MAX_ENTRIES).map(|(f, _)| OutOfBounds::Entries(f)))
                .or_else(|| {
                    categories.find_map(|list| match list.len() > MAX_CATEGORIES {
                        true => Some(OutOfBounds::Categories),
                        false => list.iter().any(|s| long(s)).then_some(OutOfBounds::Text("category")),
                    })
                })
        })
    }
}

/// A case's pseudonym: not its id (which shows in the team's own file names).
pub fn pseudonym(team_id: &str, case: &Case) -> String {
    let digest = Sha256::new().chain_update(b"tandem-case/").chain_update(team_id).chain_update(case.id.0).finalize();
    data_encoding::HEXLOWER.encode(&digest[..16])
}

/// What ties the bundles of two partners' copies of one case together: a digest of the
/// case id, which is random and the same on every copy (the SWV cannot turn it back).
pub fn link(case: &Case) -> String {
    let digest = Sha256::new().chain_update(b"tandem-case-link/").chain_update(case.id.0).finalize();
    data_encoding::HEXLOWER.encode(&digest[..16])
}

pub fn record(case: &Case, route: &Routekaart, today: NaiveDate) -> Record {
    let long_absences = case
        .absences
        .iter()
        .filter(|a| (a.to.unwrap_or(today) - a.from).num_days() > escalation::THUISZITTER_DAYS)
        .map(|a| (a.from, a.to))
        .collect();
    let escalations = case
        .escalations
        .iter()
        .flat_map(|e| {
            e.rungs.iter().map(|r| EscalationFact {
                level: r.level,
                reason: e.reason,
                opened: r.opened,
                to_director: escalation::decider_roles(r.level, r.domain).contains(&DeciderRole::SwvDirector),
                decided: r.decision.as_ref().map(|d| d.on),
                resolved: r.decision.as_ref().map(|d| d.resolved),
                deciders: r.deciders.clone(),
                gemeente: r.gemeente.clone(),
            })
        })
        .collect();
    Record {
        started: case.intake.signal_date,
        closed: case.closed_on,
        step: case.step.clone(),
        tandem_date: monitoring::tandem_date(case, route),
        plan_agreed: monitoring::plan_agreed(case, route),
        joint_start: monitoring::joint_start(case, route),
        meldcode_start: monitoring::meldcode_start(case, route),
        thuiszitter: long_absences,
        satisfaction: monitoring::satisfaction(case, route),
        escalations,
        reflections: monitoring::reflections(case, route),
    }
}

/// The dossier, only when the rule of domain.md §6 allows it: an escalation to the SWV
/// director and consent "delen met SWV" recorded.
pub fn dossier(case: &Case, plan: Option<String>, today: NaiveDate) -> Option<Dossier> {
    let allowed = case.escalations.iter().any(|e| escalation::swv_consent(case, e, today) == Some(true));
    allowed.then(|| Dossier {
        pupil: case.pupil_name(),
        groep: case.intake.groep,
        rungs: case.escalations.iter().flat_map(|e| e.rungs.clone()).collect(),
        plan,
    })
}

/// Whether a case's dossier may go along (so the caller loads its plan only then).
pub fn may_share(case: &Case, today: NaiveDate) -> bool {
    case.escalations.iter().any(|e| escalation::swv_consent(case, e, today) == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseId;
    use crate::domain::consent::{Consent, ConsentForm, Decision};
    use crate::domain::escalation::{Ask, Domain, Terms};
    use crate::domain::testing::d;

    #[test]
    fn periods_are_half_years() {
        let p = Period::of(d(2026, 11, 23));
        assert_eq!(p.to_string(), "2026-H2");
        assert_eq!((p.start(), p.end()), (d(2026, 7, 1), d(2026, 12, 31)));
        assert_eq!(p.previous().to_string(), "2026-H1");
        assert_eq!(p.next().to_string(), "2027-H1");
        assert_eq!(Period::try_from("2026-H1".to_string()), Ok(Period { year: 2026, half: 1 }));
        assert!(Period::try_from("2026-H3".to_string()).is_err());
        assert!(Period::try_from("juli".to_string()).is_err());
    }

    fn payload(cases: usize) -> Payload {
        Payload {
            format: FORMAT.into(),
            bundle_id: Uuid::nil(),
            team_id: "0123456789ABCDEF".into(),
            school: "OBS De Vlinder".into(),
            brin: Some("12AB".into()),
            sequence: 1,
            created: d(2026, 11, 23).and_hms_opt(9, 0, 0).unwrap(),
            period: Period::of(d(2026, 11, 23)),
            recipient: "age1xyz".into(),
            cases: (0..cases)
                .map(|i| CaseRecord {
                    case: format!("c{i}"),
                    link: None,
                    revision: 1,
                    record: Record::started(d(2026, 9, 1)),
                    dossier: None,
                })
                .collect(),
        }
    }

    #[test]
    fn cases_are_counted_without_reading_them() {
        let json = serde_json::to_vec(&payload(7)).unwrap();
        assert_eq!(count_cases(&json), Some(7));
        assert_eq!(count_cases(b"{\"cases\": [1, {\"a\": [2, 3]}, \"x\"], \"other\": 1}"), Some(3));
        assert_eq!(count_cases(b"{\"cases\": 3}"), None);
        assert_eq!(count_cases(b"[1, 2]"), None);
        assert_eq!(count_cases(b"geen json"), None);
    }

    #[test]
    fn a_payload_claiming_too_much_is_out_of_bounds() {
        assert_eq!(payload(3).out_of_bounds(), None);
        assert_eq!(payload(MAX_CASES).out_of_bounds(), None);
        assert_eq!(payload(MAX_CASES + 1).out_of_bounds(), Some(OutOfBounds::Cases));
        let mut p = payload(2);
        p.school = "x".repeat(MAX_SHORT_TEXT + 1);
        assert_eq!(p.out_of_bounds(), Some(OutOfBounds::Text("school")));
        let mut p = payload(2);
        p.cases[1].record.step = "S".repeat(MAX_SHORT_TEXT + 1);
        assert_eq!(p.out_of_bounds(), Some(OutOfBounds::Text("step")));
        let mut p = payload(2);
        let stay = (d(2026, 1, 1), None);
        p.cases[0].record.thuiszitter = vec![stay; MAX_ENTRIES + 1];
        assert_eq!(p.out_of_bounds(), Some(OutOfBounds::Entries("thuiszitter")));
        let reflection = |helped: Vec<String>| Reflection { on: d(2026, 1, 1), helped, hindered: Vec::new() };
        let mut p = payload(2);
        p.cases[1].record.reflections = vec![reflection(vec!["x".repeat(MAX_SHORT_TEXT + 1)])];
        assert_eq!(p.out_of_bounds(), Some(OutOfBounds::Text("category")));
        p.cases[1].record.reflections = vec![reflection(vec!["wachttijd".into(); MAX_CATEGORIES + 1])];
        assert_eq!(p.out_of_bounds(), Some(OutOfBounds::Categories));
        p.cases[1].record.reflections = vec![reflection(vec!["wachttijd".into(); MAX_CATEGORIES])];
        assert_eq!(p.out_of_bounds(), None);
    }

    #[test]
    fn only_an_escalation_to_the_director_with_consent_carries_a_dossier() {
        let config = crate::domain::testing::school();
        let today = d(2026, 11, 23);
        let mut case = crate::domain::demo::cases(1, 3, &config.route, &config.team, today).remove(0);
        case.id = CaseId::random();
        case.escalations.clear();
        assert!(dossier(&case, None, today).is_none());
        let ask = |domain| Ask {
            reason: Reason::NoOffer,
            domain,
            question: "Plaatsing?".into(),
            asked_by: "anna".into(),
            deciders: &[],
            terms: Terms::default(),
            gemeente: None,
        };
        escalation::open(&mut case, Level::E2, &ask(Domain::Care), today).unwrap();
        case.consents.push(Consent::by_all(
            escalation::SWV_PURPOSE,
            Decision::Given,
            ConsentForm::Written,
            &case.intake,
            today,
            "anna",
        ));
        assert!(dossier(&case, None, today).is_none(), "a care question goes to the municipality, not the SWV");
        case.escalations.clear();
        escalation::open(&mut case, Level::E2, &ask(Domain::Education), today).unwrap();
        let dossier = dossier(&case, Some("# plan".into()), today).unwrap();
        assert_eq!(dossier.pupil, case.pupil_name());
        assert_eq!(dossier.rungs[0].question, "Plaatsing?");
        let facts = record(&case, &config.route, today).escalations;
        assert!(facts[0].to_director && facts[0].decided.is_none());
        assert_ne!(pseudonym("TEAM", &case), case.id.0.simple().to_string()[..32]);
        assert_eq!(pseudonym("TEAM", &case), pseudonym("TEAM", &case));
    }
}
