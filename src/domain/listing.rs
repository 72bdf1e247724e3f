//! What the case list shows and in which order: most urgent first, filtered as you type.

use std::cmp::Ordering;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::case::{Case, CaseId, DomainTag};
use super::escalation::{self, Level};
use super::retention;
use super::route::Routekaart;
use super::team::Team;

/// A due date this close counts as "soon".
pub const SOON_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub overdue: bool,
    pub due_soon: bool,
    pub safety: bool,
    pub closed: bool,
    /// The content is due for deletion on this day, within the warning window.
    pub deletion: Option<NaiveDate>,
    /// The level of the open escalation.
    pub escalated: Option<Level>,
    /// Something suggests escalating (and nobody set it aside).
    pub suggested: bool,
    /// The last day to report unauthorised absence to DUO, while that report is due.
    pub duo: Option<NaiveDate>,
    /// Two copies gave one field different values: a member must pick one.
    pub clash: bool,
}

impl Flags {
    pub fn of(case: &Case, route: &Routekaart, retention_years: u32, today: NaiveDate) -> Flags {
        let closed = route.closes(&case.step);
        let days_left = case.next_due(route).map(|d| (d - today).num_days());
        Flags {
            overdue: !closed && days_left.is_some_and(|d| d < 0),
            due_soon: !closed && days_left.is_some_and(|d| (0..=SOON_DAYS).contains(&d)),
            safety: case.has_domain(DomainTag::Safety),
            closed,
            deletion: retention::upcoming(case, retention_years, today),
            escalated: escalation::open_one(case, today).map(|e| e.level()),
            suggested: !closed && !escalation::triggers(case, route, today).is_empty(),
            duo: super::absence::duo_due(&case.absence_hours, today).map(|r| r.deadline),
            clash: !case.copy.clashes.is_empty(),
        }
    }
}

/// One line of the case list, prepared once so drawing and filtering stay cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: CaseId,
    pub pupil: String,
    pub groep: u8,
    pub step: String,
    pub holder: String,
    pub due: Option<NaiveDate>,
    pub flags: Flags,
    /// This copy holds the case without the pupil's identity (no consent yet).
    pub anonymous: bool,
    pub school: String,
    /// "pupil groep step holder school", folded (see [`fold`]), that the filter searches.
    haystack: String,
    /// The school, folded, that `school:` terms search.
    school_folded: String,
}

impl Row {
    pub fn new(case: &Case, route: &Routekaart, team: &Team, retention_years: u32, today: NaiveDate) -> Row {
        let pupil = case.pupil_name();
        let step = route.label(&case.step);
        let holder = team.name_of(&case.intake.holder).to_string();
        let flags = Flags::of(case, route, retention_years, today);
        // "e2" finds the cases escalated to E2 (the haystack is folded to lowercase).
        let level = flags.escalated.map_or("", |l| l.code());
        let school = case.school.clone();
        let haystack = fold(&format!(
            "{pupil}\t{}\tgroep {}\t{step}\t{holder}\t{level}\t{school}",
            case.intake.groep, case.intake.groep
        ));
        Row {
            id: case.id,
            pupil,
            groep: case.intake.groep,
            step,
            holder,
            due: case.next_due(route),
            flags,
            anonymous: case.copy.anonymous(),
            school_folded: fold(&school),
            school,
            haystack,
        }
    }

    /// Every term of the query must occur somewhere in the row (name, groep, step,
    /// holder, school), and every `school:` term in its school.
    pub fn matches(&self, query: &Query) -> bool {
        query.found_in(&self.haystack) && query.schools.iter().all(|s| self.school_folded.contains(s.as_str()))
    }
}

/// Text as the filter compares it: lowercase, without diacritics ("Öztürk" → "ozturk"),
/// and letters that do not decompose spelled as people type them without the key
/// ("ı" → "i", "ø" → "o", "ß" → "ss", "ł" → "l").
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd().filter(|&c| !is_combining_mark(c)).flat_map(char::to_lowercase) {
        match c {
            'ı' => folded.push('i'),
            'ø' => folded.push('o'),
            'ß' => folded.push_str("ss"),
            'ł' => folded.push('l'),
            'đ' => folded.push('d'),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            c => folded.push(c),
        }
    }
    folded
}

/// A filter as typed, split into folded terms once rather than once per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
    /// What `school:NAAM` terms ask for, folded.
    schools: Vec<String>,
}

impl Query {
    /// Whether every term occurs in `haystack`, which is folded already (see [`fold`]).
    pub fn found_in(&self, haystack: &str) -> bool {
        self.terms.iter().all(|term| haystack.contains(term.as_str()))
    }

    /// No terms: everything matches, and nothing needs to be folded to know it.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.schools.is_empty()
    }

    /// Words are terms; "groep 3" (or "groep3") is one term, so it finds groep 3 and not
    /// step S3.
    pub fn new(text: &str) -> Query {
        let text = fold(text);
        let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let mut words = text.split_whitespace().peekable();
        let (mut terms, mut schools) = (Vec::new(), Vec::new());
        while let Some(word) = words.next() {
            if let Some(school) = word.strip_prefix("school:").filter(|s| !s.is_empty()) {
                schools.push(school.to_string());
                continue;
            }
            let glued = word.strip_prefix("groep").filter(|n| number(n));
            match glued.or_else(|| words.next_if(|n| word == "groep" && number(n))) {
                Some(n) => terms.push(format!("groep {n}")),
                None => terms.push(word.to_string()),
            }
        }
        Query { terms, schools }
    }
}

/// Most urgent first: open before closed, overdue (longest overdue first), then safety
/// concerns, then the nearest due date, then cases without a date; ties by name.
pub fn urgency(a: &Row, b: &Row) -> Ordering {
    let key = |r: &Row| (r.flags.closed, !r.flags.overdue, !r.flags.safety, r.due.is_none(), r.due);
    key(a).cmp(&key(b)).then_with(|| a.pupil.cmp(&b.pupil))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{Gezag, Intake, SignalSource};
    use crate::domain::team::Member;
    use crate::domain::testing::route;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn case(name: &str, step: &str, due: Option<NaiveDate>, safety: bool) -> Case {
        let mut domains = vec![DomainTag::Education];
        if safety {
            domains.push(DomainTag::Safety);
        }
        Case::new(
            CaseId::random(),
            Intake {
                first_name: name.into(),
                last_name: "Jansen".into(),
                birth_date: d(1, 1) - chrono::Days::new(365 * 8),
                groep: 5,
                gezag: Gezag::BothParents,
                signal_date: d(9, 1),
                source: SignalSource::Teacher,
                domains,
                note: String::new(),
                holder: "anna".into(),
            },
            step.into(),
            due,
        )
    }

    fn rows(cases: &[Case]) -> Vec<Row> {
        let team = Team { members: vec![Member { id: "anna".into(), name: "Anna Bakker".into(), role: "ib".into() }] };
        let mut rows: Vec<Row> = cases.iter().map(|c| Row::new(c, &route(), &team, 2, d(11, 23))).collect();
        rows.sort_by(urgency);
        rows
    }

    #[test]
    fn most_urgent_first() {
        let rows = rows(&[
            case("Closed", "S8", Some(d(1, 1)), true),
            case("NoDate", "S0", None, false),
            case("Later", "S0", Some(d(12, 20)), false),
            case("Soon", "S0", Some(d(11, 25)), false),
            case("Safety", "S0", None, true),
            case("LittleLate", "S0", Some(d(11, 22)), false),
            case("VeryLate", "S0", Some(d(10, 1)), false),
        ]);
        let names: Vec<&str> = rows.iter().map(|r| r.pupil.split(' ').next().unwrap()).collect();
        assert_eq!(names, ["VeryLate", "LittleLate", "Safety", "Soon", "Later", "NoDate", "Closed"]);
        assert!(rows[0].flags.overdue && !rows[0].flags.due_soon);
        assert!(rows[3].flags.due_soon);
        assert!(rows[6].flags.closed && !rows[6].flags.overdue);
    }

    #[test]
    fn closed_cases_near_their_deletion_date_are_flagged() {
        let mut c = case("Oud", "S8", None, false);
        c.closed_on = Some(NaiveDate::from_ymd_opt(2024, 12, 10).unwrap());
        let team = Team::default();
        let flags = Row::new(&c, &route(), &team, 2, d(11, 23)).flags;
        assert_eq!(flags.deletion, Some(d(12, 10)));
        assert_eq!(Row::new(&c, &route(), &team, 3, d(11, 23)).flags.deletion, None);
    }

    #[test]
    fn filter_matches_every_word_anywhere() {
        let rows = rows(&[case("Sem", "S0", None, false)]);
        let row = &rows[0];
        for q in ["", "sem", "SEM jans", "groep 5", "signaal", "bakker", "s0 anna", "5"] {
            assert!(row.matches(&Query::new(q)), "{q}");
        }
        for q in ["semx", "groep 6", "afsluiten", "sem piet", "groep 0"] {
            assert!(!row.matches(&Query::new(q)), "{q}");
        }
        assert_eq!(Query::new("Groep 3 S3").terms, ["groep 3", "s3"]);
        assert!(Query::new(" \t ").is_empty() && !Query::new("s3").is_empty(), "only blanks: no terms");
    }

    #[test]
    fn filter_ignores_diacritics_case_and_the_space_in_groep() {
        let mut nguyen = case("Nora", "S0", None, false);
        nguyen.intake.last_name = "Nguyễn".into();
        let mut ozturk = case("Fenna", "S0", None, false);
        ozturk.intake.last_name = "Öztürk".into();
        let mut others = case("Łukasz", "S0", None, false);
        others.intake.last_name = "Yılmaz-Søndergaard Straße".into();
        let rows = rows(&[nguyen, ozturk, others]);
        let found = |q: &str| -> Vec<String> {
            rows.iter().filter(|r| r.matches(&Query::new(q))).map(|r| r.pupil.clone()).collect()
        };
        assert_eq!(found("nguyen"), ["Nora Nguyễn"]);
        assert_eq!(found("NGUYỄN"), ["Nora Nguyễn"]);
        assert_eq!(found("ozturk"), ["Fenna Öztürk"]);
        assert_eq!(found("öztürk fenna"), ["Fenna Öztürk"]);
        for q in ["lukasz", "yilmaz", "sondergaard", "strasse", "groep5", "GROEP5 lukasz"] {
            assert!(found(q).contains(&"Łukasz Yılmaz-Søndergaard Straße".to_string()), "{q}");
        }
        assert_eq!(found("groep5").len(), 3);
        assert!(found("groep6").is_empty());
        assert_eq!(Query::new("Groep5 S3").terms, ["groep 5", "s3"]);
    }

    #[test]
    fn school_terms_search_the_school_and_a_partners_clash_and_anonymity_show() {
        let mut klimop = case("Sem", "S0", None, false);
        klimop.school = "De Klimop".into();
        let mut linde = case("Anna", "S0", None, false);
        linde.school = "OBS De Linde".into();
        linde.copy.withheld = vec![crate::domain::share::Part::Identity];
        linde.copy.clashes.push(crate::domain::share::Clash {
            part: crate::domain::share::Part::Core,
            path: "/due".into(),
            values: vec!["1".into(), "2".into()],
        });
        let rows = rows(&[klimop, linde]);
        let found = |q: &str| -> Vec<String> {
            rows.iter().filter(|r| r.matches(&Query::new(q))).map(|r| r.school.clone()).collect()
        };
        assert_eq!(found("school:klimop"), ["De Klimop"]);
        assert_eq!(found("school:LINDE anna"), ["OBS De Linde"]);
        assert_eq!(found("klimop"), ["De Klimop"]);
        assert!(found("school:linde sem").is_empty());
        assert!(!Query::new("school:x").is_empty());
        let linde = rows.iter().find(|r| r.school == "OBS De Linde").unwrap();
        assert!(linde.anonymous && linde.flags.clash);
        assert!(rows.iter().any(|r| !r.anonymous && !r.flags.clash));
    }
}
