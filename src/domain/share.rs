//! What of a case travels to a partner, and how a case is cut into the parts that travel
//! (and are merged) separately and joined again.
//!
//! A case is cut into parts so that what a consent covers can be dropped whole on a
//! partner's copy: each part is a document of its own there. `core` holds no names and
//! no free text and always travels to the case's team; the other parts travel to a member
//! of another organisation only while the parents' consent for them holds. Which consent
//! covers which part, and which steps' records belong to it, is data (`[[sharing]]` in
//! `config/tandem.toml`); how a case is cut is structure, here.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::case::{Case, Field};
use super::consent;
use super::plan::PlanBook;
use super::team::same_name;

/// The parts of a case, each merged as a document of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Groep, step, domains, dates, visits, consents, absences: anonymous.
    Core,
    /// The pupil's names, birth date and gezag, and the records of the steps named for it.
    Identity,
    /// The intake note, the escalations and the records of the steps named for it.
    Notes,
    /// The plan van aanpak and the records of the steps named for it.
    Plan,
    /// The records of every other step (the meldcode among them): the school's own.
    School,
}

impl Part {
    pub const ALL: [Part; 5] = [Part::Core, Part::Identity, Part::Notes, Part::Plan, Part::School];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Part::Core => "core",
            Part::Identity => "identity",
            Part::Notes => "notes",
            Part::Plan => "plan",
            Part::School => "school",
        }
    }

    pub fn from_name(name: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// One consented part: the consent (a routekaart purpose id) that lets it travel to
/// another organisation, and the steps whose records it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedPart {
    pub part: Part,
    pub consent: String,
    #[serde(default)]
    pub steps: Vec<String>,
}

/// The whole mapping, as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sharing {
    pub parts: Vec<SharedPart>,
}

/// Who is to receive a case, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader<'a> {
    /// Staff of a school (the role's organisation is `school`).
    pub school_staff: bool,
    pub school: &'a str,
}

/// A value of the case that holds two concurrent values until a member picks one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clash {
    pub part: Part,
    /// Where in the part (a JSON pointer).
    pub path: String,
    /// Every value, as JSON text, the one shown meanwhile first.
    pub values: Vec<String>,
}

/// What this copy holds of a case beyond the record itself; never travels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Copy {
    /// Parts this copy does not hold (no consent): shown as `anoniem` and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clashes: Vec<Clash>,
    /// Per part, the document heads (hex) this record was made from: a save based on an
    /// older record merges with what came in since instead of undoing it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub heads: BTreeMap<Part, Vec<String>>,
    /// The revision of the last save made on this copy (later ones came in by sync).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub local_revision: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Copy {
    pub fn anonymous(&self) -> bool {
        self.withheld.contains(&Part::Identity)
    }

    /// Whether this copy lacks the part holding `field` (as `PLACED` places it): what the
    /// record has there is a stand-in, not the child's.
    pub fn withholds(&self, field: Field) -> bool {
        let part = match field {
            Field::FirstName | Field::LastName | Field::BirthDate | Field::Gezag => Part::Identity,
            Field::Note => Part::Notes,
            _ => return false,
        };
        self.withheld.contains(&part)
    }

    /// Puts in the clashes of the parts given, in place of what was known of them, in
    /// part order (within a part, as given).
    pub fn settle_clashes(&mut self, parts: BTreeMap<Part, Vec<Clash>>) {
        self.clashes.retain(|c| !parts.contains_key(&c.part));
        self.clashes.extend(parts.into_values().flatten());
        self.clashes.sort_by_key(|c| c.part);
    }
}

impl Sharing {
    /// The part that carries what was recorded in `step`.
    pub fn part_of_step(&self, step: &str) -> Part {
        self.parts.iter().find(|p| p.steps.iter().any(|s| s == step)).map_or(Part::School, |p| p.part)
    }

    /// The parts `reader` may receive of `case` on `today`: everything for the staff of
    /// the case's own school, nothing for another school's, and for anyone else the core
    /// and each part whose consent holds.
    pub fn entitled(&self, case: &Case, reader: Reader, today: NaiveDate) -> Vec<Part> {
        if reader.school_staff {
            return if same_name(reader.school, &case.school) { Part::ALL.to_vec() } else { Vec::new() };
        }
        let mut parts = vec![Part::Core];
        for p in &self.parts {
            if p.part != Part::Core && consent::given(&case.consents, &p.consent, &case.intake, today) {
                parts.push(p.part);
            }
        }
        parts.sort();
        parts.dedup();
        parts
    }
}

/// Where each piece of a case goes: `(path into the case's JSON, part)`. Visits' records
/// are placed by step in `split`.
const PLACED: &[(&[&str], Part)] = &[
    (&["intake", "first_name"], Part::Identity),
    (&["intake", "last_name"], Part::Identity),
    (&["intake", "birth_date"], Part::Identity),
    (&["intake", "gezag"], Part::Identity),
    (&["intake", "note"], Part::Notes),
    (&["escalations"], Part::Notes),
];
/// Fields of the record that are this copy's own and never travel.
const LOCAL: &[&str] = &["revision", "copy"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The joined parts are not a case (a partner's document of another shape).
    NotACase(String),
}

/// Cuts `case` (and its plan) into parts, each a JSON object of the same shape as the
/// case's own JSON, holding only its pieces. A part with nothing in it is left out.
pub fn split(case: &Case, plan: Option<&PlanBook>, sharing: &Sharing) -> BTreeMap<Part, Value> {
    let mut core = serde_json::to_value(case).unwrap_or_default();
    let mut parts: BTreeMap<Part, Map<String, Value>> = BTreeMap::new();
    if let Value::Object(map) = &mut core {
        for key in LOCAL {
            map.remove(*key);
        }
    }
    for (path, part) in PLACED {
        if let Some(v) = take(&mut core, path) {
            put(parts.entry(*part).or_default(), path, v);
        }
    }
    for (i, visit) in case.visits.iter().enumerate() {
        let Some(values) = core.pointer_mut(&format!("/visits/{i}/values")).map(Value::take) else { continue };
        if values.as_object().is_some_and(|m| !m.is_empty()) {
            put(parts.entry(sharing.part_of_step(&visit.step)).or_default(), &["visits", &i.to_string()], values);
        }
        if let Some(v) = core.pointer_mut(&format!("/visits/{i}")).and_then(Value::as_object_mut) {
            v.remove("values");
        }
    }
    if let Some(book) = plan {
        let mut book = serde_json::to_value(book).unwrap_or_default();
        if let Value::Object(m) = &mut book {
            m.remove("heads");
        }
        parts.entry(Part::Plan).or_default().insert("book".into(), book);
    }
    let mut out: BTreeMap<Part, Value> = parts.into_iter().map(|(p, m)| (p, Value::Object(m))).collect();
    out.insert(Part::Core, core);
    out
}

/// Joins parts into a case (and its plan); the parts missing are recorded as withheld
/// (except the plan and school records, which a case may simply not have yet). What
/// identity would give is filled in so that the record stays whole: empty names, the
/// gezag of both parents and a birth date estimated from the groep.
pub fn join(mut parts: BTreeMap<Part, Value>, held: &[Part]) -> Result<(Case, Option<PlanBook>), ShareError> {
    let mut case = parts.remove(&Part::Core).unwrap_or_else(|| Value::Object(Map::new()));
    let book = parts.get_mut(&Part::Plan).and_then(|p| p.as_object_mut()).and_then(|m| m.remove("book"));
    for value in parts.into_values() {
        let Value::Object(mut value) = value else { continue };
        if let Some(Value::Object(visits)) = value.remove("visits") {
            for (i, values) in visits {
                if let Some(v) = case.pointer_mut(&format!("/visits/{i}")).and_then(Value::as_object_mut) {
                    v.insert("values".into(), values);
                }
            }
        }
        merge(&mut case, Value::Object(value));
    }
    let withheld: Vec<Part> = [Part::Identity, Part::Notes].into_iter().filter(|p| !held.contains(p)).collect();
    if withheld.contains(&Part::Identity) {
        fill_identity(&mut case);
    }
    if let Value::Object(m) = &mut case {
        m.insert("revision".into(), Value::from(0));
    }
    let mut case: Case = serde_json::from_value(case).map_err(|e| ShareError::NotACase(e.to_string()))?;
    case.copy.withheld = withheld;
    let plan = book.map(serde_json::from_value).transpose().map_err(|e| ShareError::NotACase(e.to_string()))?;
    Ok((case, plan))
}

/// The stand-ins for a case without its identity part.
fn fill_identity(case: &mut Value) {
    let Some(intake) = case.get_mut("intake").and_then(Value::as_object_mut) else { return };
    let groep = intake.get("groep").and_then(Value::as_u64).unwrap_or(4) as i32;
    let signal = intake
        .get("signal_date")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .map_or(2000, |d| d.year());
    // A pupil in groep g is about g + 4 years old.
    let birth = format!("{:04}-01-01", signal - groep - 4);
    intake.entry("first_name").or_insert_with(|| Value::from(""));
    intake.entry("last_name").or_insert_with(|| Value::from(""));
    intake.entry("birth_date").or_insert_with(|| Value::from(birth));
    intake.entry("gezag").or_insert_with(|| Value::from("beide_ouders"));
}

fn take(value: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut at = value;
    for key in parents {
        at = at.get_mut(*key)?;
    }
    at.as_object_mut()?.remove(*last)
}

fn put(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut at = map;
    for key in parents {
        let next = at.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(m) = next else { return };
        at = m;
    }
    at.insert(last.to_string(), value);
}

/// Deep-merges `from` into `into`: objects key by key, anything else replaces.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Whether a string under `key` is free text (merged by character) rather than a single
/// value (which clashes when two copies set it differently).
pub fn is_text(key: &str, siblings: &Map<String, Value>) -> bool {
    // A step's free text is `{"t": "text", "v": "…"}` (`route::Value::Text`).
    TEXT_KEYS.contains(&key) || (key == "v" && siblings.get("t").and_then(Value::as_str) == Some("text"))
}

/// The keys of free text in a case and its plan.
const TEXT_KEYS: &[&str] = &[
    "note",
    "betrokkenen",
    "vraag",
    "krachten",
    "behoeften",
    "factoren",
    "zelf",
    "criteria",
    "delen",
    "text",
    "criterion",
    "what",
    "question",
    "reason",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::{Consent, ConsentForm, Decision, Party};
    use crate::domain::testing::{d, sample_case};

    fn sharing() -> Sharing {
        let part = |part, consent: &str, steps: &[&str]| SharedPart {
            part,
            consent: consent.into(),
            steps: steps.iter().map(|s| s.to_string()).collect(),
        };
        Sharing {
            parts: vec![
                part(Part::Identity, "tandembespreking", &["S3"]),
                part(Part::Notes, "delen_wijkteam", &["S0", "S1", "S2", "S4"]),
                part(Part::Plan, "gezamenlijk_plan", &["S5", "S6", "S7", "S8"]),
            ],
        }
    }

    const WIJKTEAM: Reader = Reader { school_staff: false, school: "" };

    #[test]
    fn the_core_holds_no_names_and_no_free_text() {
        let case = sample_case();
        let parts = split(&case, None, &sharing());
        let core = parts[&Part::Core].to_string();
        assert!(!core.contains(&case.intake.first_name), "{core}");
        assert!(!core.contains(&case.intake.last_name), "{core}");
        assert!(!core.contains(&case.intake.note), "{core}");
        assert!(parts[&Part::Identity].to_string().contains(&case.intake.first_name));
    }

    #[test]
    fn split_then_join_gives_the_case_back_and_only_missing_parts_are_withheld() {
        let case = sample_case();
        let parts = split(&case, None, &sharing());
        let held: Vec<Part> = parts.keys().copied().collect();
        let (back, plan) = join(parts.clone(), &held).unwrap();
        assert_eq!(plan, None);
        assert_eq!(Case { revision: case.revision, ..back.clone() }, case);

        let mut anonymous = parts.clone();
        anonymous.remove(&Part::Identity);
        let (back, _) = join(anonymous, &[Part::Core, Part::Notes]).unwrap();
        assert_eq!(back.copy.withheld, [Part::Identity]);
        assert!(back.copy.anonymous());
        let stand_ins: Vec<Field> = Field::ALL.into_iter().filter(|f| back.copy.withholds(*f)).collect();
        assert_eq!(stand_ins, [Field::FirstName, Field::LastName, Field::BirthDate, Field::Gezag]);
        assert_eq!(back.intake.first_name, "");
        assert_eq!(back.intake.groep, case.intake.groep);
    }

    #[test]
    fn another_organisation_gets_the_core_until_the_parents_consent() {
        let mut case = sample_case();
        let today = d(2026, 3, 1);
        assert_eq!(sharing().entitled(&case, WIJKTEAM, today), [Part::Core]);
        let parties = Party::required(&case.intake, today);
        let given = Consent::record(
            "tandembespreking",
            Decision::Given,
            parties.clone(),
            ConsentForm::Oral,
            &case.intake,
            today,
            today,
            "anna",
        )
        .unwrap();
        case.consents.push(given);
        assert_eq!(sharing().entitled(&case, WIJKTEAM, today), [Part::Core, Part::Identity]);
        let later = d(2026, 4, 1);
        let withdrawn = Consent::record(
            "tandembespreking",
            Decision::Withdrawn,
            parties,
            ConsentForm::Oral,
            &case.intake,
            later,
            later,
            "anna",
        )
        .unwrap();
        case.consents.push(withdrawn);
        assert_eq!(sharing().entitled(&case, WIJKTEAM, later), [Part::Core]);
    }

    #[test]
    fn school_staff_get_all_of_their_own_schools_cases_and_none_of_another() {
        let mut case = sample_case();
        case.school = "De Klimop".into();
        let today = d(2026, 3, 1);
        let own = Reader { school_staff: true, school: " de klimop " };
        let other = Reader { school_staff: true, school: "De Linde" };
        assert_eq!(sharing().entitled(&case, own, today), Part::ALL);
        assert!(sharing().entitled(&case, other, today).is_empty());
    }

    #[test]
    fn a_steps_records_go_with_the_part_named_for_the_step_else_stay_at_school() {
        assert_eq!(sharing().part_of_step("S3"), Part::Identity);
        assert_eq!(sharing().part_of_step("S5"), Part::Plan);
        assert_eq!(sharing().part_of_step("M1"), Part::School);
    }
}
