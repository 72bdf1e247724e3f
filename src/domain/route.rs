//! The routekaart as the code sees it: steps, the fields each step records, gates that
//! must hold before a step is completed, deadlines, and outcomes that lead to the next
//! step. The file `config/routekaart.toml` is the model; this module checks it and
//! interprets it. Nothing here knows TOML or files: errors name a place (`Locus`) that
//! the config loader turns into a line number.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::case::Intake;
use super::consent::{self, Consent};
use super::date;
use super::plan::PlanPart;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routekaart {
    /// What consent can be given for ("delen met wijkteam", ...).
    #[serde(default)]
    pub purposes: Vec<Purpose>,
    pub steps: Vec<StepDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// Short code stored in cases, e.g. "S3".
    pub id: String,
    /// Dutch name shown to users.
    pub name: String,
    /// Who acts in this step.
    #[serde(default)]
    pub who: String,
    /// A case at this step is finished; it sinks to the bottom of the list.
    #[serde(default)]
    pub closes: bool,
    /// This step records consent per purpose (the consent screen belongs to it).
    #[serde(default)]
    pub records_consent: bool,
    /// A side branch (the meldcode): not numbered with the main route, never shown as
    /// the way ahead on it.
    #[serde(default)]
    pub branch: bool,
    /// When this holds, the signal's note is not kept: the meldcode branch records only
    /// that it was started, by whom and when (domain.md §2).
    #[serde(default)]
    pub clears_note_when: Option<Condition>,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub gates: Vec<Gate>,
    #[serde(default)]
    pub deadline: Option<Deadline>,
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Choice,
    Multi,
    YesNo,
    /// A member of the team.
    Person,
    /// 1 to 5.
    Score,
    /// A whole number (weeks, hours).
    Number,
    /// One result per goal of the plan in force, each one of `options` (domain.md §2:
    /// behaald / deels / niet).
    Goals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Required once the child has this age on the day (the child's own agreement from 12).
    #[serde(default)]
    pub required_from_age: Option<u32>,
    /// The date of something that has happened: never after today.
    #[serde(default)]
    pub not_future: bool,
    /// For choice and multi.
    #[serde(default)]
    pub options: Vec<String>,
    /// What the SWV monitoring reads from this field.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// Where a new plan van aanpak takes this field's value.
    #[serde(default)]
    pub plan: Option<PlanPart>,
}

/// Fields the monitoring figures are computed from (domain.md §6), marked in the file so
/// a region may rename them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The date of the tandem discussion.
    TandemDate,
    /// Parents agree with the plan: completing its step means the plan is agreed.
    PlanAgreement,
    /// The date the joint deployment of education and care actually started.
    JointStart,
    SatisfactionSchool,
    SatisfactionWijkteam,
    SatisfactionParents,
    /// The day the meldcode was started (counted, never described).
    MeldcodeStart,
    /// What helped the cooperation (a reflection at evaluation or closure): only the
    /// chosen categories travel to the SWV.
    ReflectionHelped,
    /// What hindered the cooperation.
    ReflectionHindered,
}

impl Measure {
    /// The kind of field the monitoring can read this measure from.
    pub fn kind(self) -> FieldKind {
        use Measure::*;
        match self {
            TandemDate | JointStart | MeldcodeStart => FieldKind::Date,
            PlanAgreement => FieldKind::YesNo,
            SatisfactionSchool | SatisfactionWijkteam | SatisfactionParents => FieldKind::Score,
            ReflectionHelped | ReflectionHindered => FieldKind::Multi,
        }
    }
}

/// `field` has the value `equals` (for yes/no: "ja" or "nee").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

/// Must hold before the step can be completed: consent for a purpose, or a field value;
/// `unless` exempts (an anonymous consultation needs no consent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    #[serde(default)]
    pub consent: Option<String>,
    #[serde(default)]
    pub require: Option<Condition>,
    #[serde(default)]
    pub unless: Option<Condition>,
    /// Shown when the gate blocks, e.g. "Eerst toestemming van ouders voor de tandembespreking".
    pub message: String,
}

/// When the step must be completed: a number of weeks or school days after a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// "entered" (the day the case reached this step) or "STEP.field" (a date field of an
    /// earlier step, its latest value).
    pub from: String,
    #[serde(default)]
    pub weeks: u32,
    #[serde(default)]
    pub working_days: u32,
    /// Never later than this many months after `from` (evaluations: 12).
    #[serde(default)]
    pub max_months: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub label: String,
    pub next: String,
    /// Only offered when this holds.
    #[serde(default)]
    pub when: Option<Condition>,
    /// Choosing it suggests escalating (the tandem disagrees).
    #[serde(default)]
    pub escalate: bool,
}

/// A value recorded in a step field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    Text(String),
    Date(NaiveDate),
    Choice(String),
    Multi(Vec<String>),
    YesNo(bool),
    Person(String),
    Score(u8),
    Number(u32),
    Goals(Vec<GoalResult>),
}

/// How far one goal of the plan (`Goal::id`) was reached; empty while not judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalResult {
    pub goal: u32,
    pub result: String,
}

impl Value {
    /// The value as a condition compares it.
    pub fn as_condition_text(&self) -> String {
        match self {
            Value::Text(s) | Value::Choice(s) | Value::Person(s) => s.clone(),
            Value::Date(d) => d.to_string(),
            Value::Multi(v) => v.join(","),
            Value::YesNo(b) => if *b { "ja" } else { "nee" }.into(),
            Value::Score(n) => n.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Goals(v) => v.iter().map(|g| format!("{}={}", g.goal, g.result)).collect::<Vec<_>>().join(","),
        }
    }

    /// Nothing recorded; a per-goal value is empty until every goal has its result.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Text(s) | Value::Choice(s) | Value::Person(s) => s.trim().is_empty(),
            Value::Multi(v) => v.is_empty(),
            Value::Goals(v) => v.is_empty() || v.iter().any(|g| g.result.trim().is_empty()),
            _ => false,
        }
    }
}

/// What a visit recorded, field id → value. A small vector rather than a tree map: a
/// case holds a handful per visit, and thousands of cases stay in memory. Stored as a
/// JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(Vec<(String, Value)>);

impl Values {
    pub fn new() -> Values {
        Values(Vec::new())
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == field).map(|(_, v)| v)
    }

    pub fn insert(&mut self, field: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == field) {
            Some(slot) => slot.1 = value,
            None => self.0.push((field, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Keeps only the fields for which `keep` holds, and gives back the room of the others
    /// (thousands of lightened cases stay in memory).
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
        self.0.shrink_to_fit();
    }
}

impl FromIterator<(String, Value)> for Values {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Values {
        let mut values = Values::new();
        for (k, v) in iter {
            values.insert(k, v);
        }
        values
    }
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Values, D::Error> {
        let map = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(Values(map.into_iter().collect()))
    }
}

/// Where in the file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locus {
    File,
    Step(usize),
    Field(usize, usize),
    Gate(usize, usize),
    Deadline(usize),
    Outcome(usize, usize),
}

/// What makes a routekaart unusable, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    pub at: Locus,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NoSteps,
    EmptyId,
    DuplicateStep(String),
    DuplicateField(String),
    NoOptions(String),
    UnknownNext(String),
    DeadEnd(String),
    Unreachable(String),
    UnknownDateField(String),
    NoDeadlineLength,
    UnknownPurpose(String),
    UnknownConditionField(String),
    GateWithoutRule,
    /// A field marked with a measure that cannot be read from its type (field id, the
    /// type it needs).
    MeasureKind(String, FieldKind),
}

/// Why a routekaart file's text was refused: not TOML of the routekaart's shape, or a
/// model whose references do not hold.
#[derive(Debug)]
pub enum ParseError {
    Syntax(toml::de::Error),
    Invalid(RouteError),
}

impl Routekaart {
    /// Reads a routekaart file's text and checks it (`validate`).
    pub fn parse(text: &str) -> Result<Routekaart, ParseError> {
        let route: Routekaart = toml::from_str(text).map_err(ParseError::Syntax)?;
        route.validate().map_err(ParseError::Invalid)?;
        Ok(route)
    }

    /// Checks the whole file; every reference must resolve and every step be reachable.
    pub fn validate(&self) -> Result<(), RouteError> {
        let err = |at, problem| Err(RouteError { at, problem });
        if self.steps.is_empty() {
            return err(Locus::File, Problem::NoSteps);
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.id.trim().is_empty() || step.name.trim().is_empty() {
                return err(Locus::Step(i), Problem::EmptyId);
            }
            if self.steps[..i].iter().any(|s| s.id == step.id) {
                return err(Locus::Step(i), Problem::DuplicateStep(step.id.clone()));
            }
            let mut seen = BTreeSet::new();
            for (j, f) in step.fields.iter().enumerate() {
                if !seen.insert(&f.id) {
                    return err(Locus::Field(i, j), Problem::DuplicateField(f.id.clone()));
                }
                if matches!(f.kind, FieldKind::Choice | FieldKind::Multi | FieldKind::Goals) && f.options.is_empty() {
                    return err(Locus::Field(i, j), Problem::NoOptions(f.id.clone()));
                }
                if let Some(m) = f.measure.filter(|m| m.kind() != f.kind) {
                    return err(Locus::Field(i, j), Problem::MeasureKind(f.id.clone(), m.kind()));
                }
            }
            let known_field = |c: &Condition| step.fields.iter().any(|f| f.id == c.field);
            if let Some(c) = &step.clears_note_when
                && !known_field(c)
            {
                return err(Locus::Step(i), Problem::UnknownConditionField(c.field.clone()));
            }
            for (j, g) in step.gates.iter().enumerate() {
                if g.consent.is_none() && g.require.is_none() {
                    return err(Locus::Gate(i, j), Problem::GateWithoutRule);
                }
                if let Some(p) = &g.consent
                    && !self.purposes.iter().any(|x| &x.id == p)
                {
                    return err(Locus::Gate(i, j), Problem::UnknownPurpose(p.clone()));
                }
                for c in g.require.iter().chain(&g.unless) {
                    if !known_field(c) {
                        return err(Locus::Gate(i, j), Problem::UnknownConditionField(c.field.clone()));
                    }
                }
            }
            if let Some(d) = &step.deadline {
                if d.weeks == 0 && d.working_days == 0 {
                    return err(Locus::Deadline(i), Problem::NoDeadlineLength);
                }
                if d.from != "entered" && self.date_field(&d.from).is_none() {
                    return err(Locus::Deadline(i), Problem::UnknownDateField(d.from.clone()));
                }
            }
            if step.outcomes.is_empty() && !step.closes {
                return err(Locus::Step(i), Problem::DeadEnd(step.id.clone()));
            }
            for (j, o) in step.outcomes.iter().enumerate() {
                if self.step(&o.next).is_none() {
                    return err(Locus::Outcome(i, j), Problem::UnknownNext(o.next.clone()));
                }
                if let Some(c) = &o.when
                    && !known_field(c)
                {
                    return err(Locus::Outcome(i, j), Problem::UnknownConditionField(c.field.clone()));
                }
            }
        }
        let reachable = self.reachable();
        if let Some((i, s)) = self.steps.iter().enumerate().find(|(_, s)| !reachable.contains(s.id.as_str())) {
            return err(Locus::Step(i), Problem::Unreachable(s.id.clone()));
        }
        Ok(())
    }

    fn reachable(&self) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = self.steps.first().map(|s| s.id.as_str()).into_iter().collect();
        while let Some(id) = todo.pop() {
            if seen.insert(id)
                && let Some(step) = self.step(id)
            {
                todo.extend(step.outcomes.iter().map(|o| o.next.as_str()));
            }
        }
        seen
    }

    /// "S3.datum" → the date field `datum` of step S3, if it exists.
    fn date_field(&self, path: &str) -> Option<(&StepDef, &FieldDef)> {
        let (step, field) = path.split_once('.')?;
        let step = self.step(step)?;
        let field = step.fields.iter().find(|f| f.id == field && f.kind == FieldKind::Date)?;
        Some((step, field))
    }

    /// The shortest way along outcomes from `from` to the first step where `arrive` holds,
    /// both ends included; empty when there is none.
    pub fn shortest_path(&self, from: &str, arrive: impl Fn(&StepDef) -> bool) -> Vec<String> {
        let mut back: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        let mut found = None;
        while let Some(id) = queue.pop_front() {
            let Some(step) = self.step(id) else { continue };
            if arrive(step) {
                found = Some(id);
                break;
            }
            for o in &step.outcomes {
                if o.next != from && !back.contains_key(o.next.as_str()) {
                    back.insert(&o.next, id);
                    queue.push_back(&o.next);
                }
            }
        }
        let Some(mut at) = found else { return Vec::new() };
        let mut path = vec![at.to_string()];
        while let Some(prev) = back.get(at) {
            path.push(prev.to_string());
            at = prev;
        }
        path.reverse();
        path
    }

    /// The step a new case starts in. A validated routekaart has at least one step.
    pub fn first(&self) -> Option<&StepDef> {
        self.steps.first()
    }

    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The main route in file order: every step but the side branches.
    pub fn main_route(&self) -> impl Iterator<Item = &StepDef> {
        self.steps.iter().filter(|s| !s.branch)
    }

    /// 1-based position on the main route, for "Stap 3/9"; None for a side branch.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.main_route().position(|s| s.id == id).map(|i| i + 1)
    }

    /// The steps expected after `id` as the route is meant to be walked: the rest of the
    /// main route up to its closing step; from a side branch, the main route from the
    /// step the branch returns to. Nothing after a closing step.
    pub fn ahead(&self, id: &str) -> Vec<&StepDef> {
        if self.closes(id) {
            return Vec::new();
        }
        let on_main = |s: &StepDef| !s.branch;
        let (from, skip) = match self.step(id) {
            Some(s) if s.branch => match self.shortest_path(id, on_main).get(1) {
                Some(back) => (back.clone(), 0),
                None => return Vec::new(),
            },
            _ => (id.to_string(), 1),
        };
        let main: Vec<&StepDef> = self.main_route().collect();
        let Some(start) = main.iter().position(|s| s.id == from) else { return Vec::new() };
        let rest = &main[start + skip..];
        let end = rest.iter().position(|s| s.closes).map_or(rest.len(), |i| i + 1);
        rest[..end].to_vec()
    }

    /// "S3 Tandembespreking"; an unknown id (a step removed from the file) shows as itself.
    pub fn label(&self, id: &str) -> String {
        match self.step(id) {
            Some(s) => format!("{} {}", s.id, s.name),
            None => id.to_string(),
        }
    }

    pub fn closes(&self, id: &str) -> bool {
        self.step(id).is_some_and(|s| s.closes)
    }

    /// The date a closing step recorded in its first date field: when the case closed.
    pub fn closing_date(&self, id: &str, values: &Values) -> Option<NaiveDate> {
        let step = self.step(id).filter(|s| s.closes)?;
        let field = step.fields.iter().find(|f| f.kind == FieldKind::Date)?;
        match values.get(&field.id) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// The signal's note may not be kept: a step's `clears_note_when` held in what it
    /// recorded (a safety concern sends the case along the meldcode branch).
    pub fn note_barred(&self, visits: &[Visit]) -> bool {
        visits.iter().any(|v| self.step(&v.step).is_some_and(|s| s.clears_note(&v.values)))
    }

    /// Fields whose values stay in memory after their step is done: deadline sources and
    /// the conditions that bar the note.
    pub fn kept_fields(&self) -> Vec<(&str, &str)> {
        let deadlines = self.steps.iter().filter_map(|s| s.deadline.as_ref()).filter_map(|d| d.from.split_once('.'));
        let notes =
            self.steps.iter().filter_map(|s| s.clears_note_when.as_ref().map(|c| (s.id.as_str(), c.field.as_str())));
        deadlines.chain(notes).collect()
    }

    pub fn purpose_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.purposes.iter().find(|p| p.id == id).map_or(id, |p| p.name.as_str())
    }
}

/// One stay of a case in a step; loops make several visits to the same step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub step: String,
    pub entered: NaiveDate,
    #[serde(default)]
    pub values: Values,
    #[serde(default)]
    pub done: Option<Done>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub on: NaiveDate,
    pub outcome: String,
    /// Member id.
    pub by: String,
}

/// What is being typed in a step before it is saved: the raw text per field id (choices
/// by their option text, yes/no as "ja"/"nee", multi-choice comma-separated), kept so a
/// closed app or a crash loses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub step: String,
    pub entries: BTreeMap<String, String>,
}

/// Why a step cannot be completed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// A required field (its label) is empty.
    Missing(String),
    /// A date of something that happened (its label) lies after today.
    InFuture(String),
    /// A gate's own message.
    Gate(String),
    NoOutcome,
}

fn holds(c: &Condition, values: &Values) -> bool {
    values.get(&c.field).is_some_and(|v| v.as_condition_text() == c.equals)
}

impl FieldDef {
    /// Whether the field must be filled for a child born on `birth`, on `on`.
    pub fn required_on(&self, birth: NaiveDate, on: NaiveDate) -> bool {
        self.required || self.required_from_age.is_some_and(|a| date::age_on(birth, on).is_some_and(|age| age >= a))
    }

    /// What is wrong with `value` on `today`, if anything: a date of something that
    /// happened may not lie after today.
    pub fn check(&self, value: &Value, today: NaiveDate) -> Result<(), date::DateError> {
        match value {
            Value::Date(d) if self.not_future => date::date_not_in_future(*d, today).map(|_| ()),
            _ => Ok(()),
        }
    }
}

impl StepDef {
    /// Whether the signal's note may not be kept with these values.
    pub fn clears_note(&self, values: &Values) -> bool {
        self.clears_note_when.as_ref().is_some_and(|c| holds(c, values))
    }

    /// The outcomes on offer with these values.
    pub fn outcomes_for(&self, values: &Values) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| o.when.as_ref().is_none_or(|c| holds(c, values))).collect()
    }

    /// Everything that stops completing the step with `outcome` on `on`.
    pub fn blockers(
        &self,
        values: &Values,
        outcome: Option<&str>,
        consents: &[Consent],
        child: &Intake,
        on: NaiveDate,
    ) -> Vec<Blocker> {
        let mut out: Vec<Blocker> = self
            .fields
            .iter()
            .filter_map(|f| match values.get(&f.id).filter(|v| !v.is_empty()) {
                None if f.required_on(child.birth_date, on) => Some(Blocker::Missing(f.label.clone())),
                Some(v) if f.check(v, on).is_err() => Some(Blocker::InFuture(f.label.clone())),
                _ => None,
            })
            .collect();
        for g in &self.gates {
            if g.unless.as_ref().is_some_and(|c| holds(c, values)) {
                continue;
            }
            let consent_ok = g.consent.as_ref().is_none_or(|p| consent::given(consents, p, child, on));
            let rule_ok = g.require.as_ref().is_none_or(|c| holds(c, values));
            if !(consent_ok && rule_ok) {
                out.push(Blocker::Gate(g.message.clone()));
            }
        }
        let offered = self.outcomes_for(values);
        if !self.closes && !outcome.is_some_and(|o| offered.iter().any(|x| x.id == o)) {
            out.push(Blocker::NoOutcome);
        }
        out
    }
}

/// The day the case's current step must be completed, if the step has a deadline whose
/// start date is known.
pub fn deadline(route: &Routekaart, visits: &[Visit]) -> Option<NaiveDate> {
    let current = visits.last().filter(|v| v.done.is_none())?;
    let d = route.step(&current.step)?.deadline.as_ref()?;
    let named = d.from.split_once('.').and_then(|(step, field)| {
        visits.iter().rev().filter(|v| v.step == step).find_map(|v| match v.values.get(field) {
            Some(Value::Date(date)) => Some(*date),
            _ => None,
        })
    });
    // A step done before since that date (a plan re-made after an evaluation) gets its own
    // time from re-entering; without the date yet, the clock runs from entering.
    let done_since = |n: NaiveDate| {
        visits[..visits.len() - 1].iter().any(|v| v.step == current.step && v.done.as_ref().is_some_and(|x| x.on >= n))
    };
    let from = match named {
        Some(n) if !done_since(n) => n,
        _ => current.entered,
    };
    let mut due = from.checked_add_days(Days::new(u64::from(d.weeks) * 7))?;
    due = add_working_days(due, d.working_days);
    if let Some(m) = d.max_months {
        due = due.min(from.checked_add_months(Months::new(m))?);
    }
    Some(due)
}

/// Monday to Friday count as working days (school holidays are not known here).
pub fn add_working_days(mut day: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::{ConsentForm, Decision};
    use crate::domain::testing::{d, route};

    fn values(pairs: &[(&str, Value)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    const BIRTH: (i32, u32, u32) = (2017, 3, 14);

    fn birth() -> Intake {
        crate::domain::testing::child(d(BIRTH.0, BIRTH.1, BIRTH.2), crate::domain::case::Gezag::Mother)
    }

    #[test]
    fn required_fields_and_outcome_block_completion() {
        let r = route();
        let s0 = r.step("S0").unwrap();
        let b = s0.blockers(&Values::new(), None, &[], &birth(), d(2026, 11, 23));
        assert_eq!(b, [Blocker::Missing("Zorgen over veiligheid?".into()), Blocker::NoOutcome]);
        let v = values(&[("veiligheid", Value::YesNo(false))]);
        assert!(s0.blockers(&v, Some("verkennen"), &[], &birth(), d(2026, 11, 23)).is_empty());
    }

    #[test]
    fn safety_concerns_lead_to_the_meldcode_branch_only() {
        let r = route();
        let s0 = r.step("S0").unwrap();
        let yes = values(&[("veiligheid", Value::YesNo(true))]);
        let offered: Vec<&str> = s0.outcomes_for(&yes).iter().map(|o| o.next.as_str()).collect();
        assert_eq!(offered, ["M"]);
        assert_eq!(s0.blockers(&yes, Some("verkennen"), &[], &birth(), d(2026, 11, 23)), [Blocker::NoOutcome]);
    }

    #[test]
    fn without_a_safety_concern_only_exploring_is_offered() {
        let r = route();
        let s0 = r.step("S0").unwrap();
        let no = values(&[("veiligheid", Value::YesNo(false))]);
        let offered: Vec<&str> = s0.outcomes_for(&no).iter().map(|o| o.id.as_str()).collect();
        assert_eq!(offered, ["verkennen"]);
        assert!(s0.outcomes_for(&Values::new()).is_empty(), "nothing before the question is answered");
    }

    #[test]
    fn a_safety_concern_bars_the_signals_note() {
        let r = route();
        let s0 = r.step("S0").unwrap();
        let yes = values(&[("veiligheid", Value::YesNo(true))]);
        let no = values(&[("veiligheid", Value::YesNo(false))]);
        assert!(s0.clears_note(&yes));
        assert!(!s0.clears_note(&no));
        let done = Some(d(2026, 11, 2));
        assert!(r.note_barred(&[visit("S0", d(2026, 11, 2), &[("veiligheid", Value::YesNo(true))], done)]));
        assert!(!r.note_barred(&[visit("S0", d(2026, 11, 2), &[("veiligheid", Value::YesNo(false))], done)]));
        // What the bar reads stays when a case is lightened in memory.
        assert!(r.kept_fields().contains(&("S0", "veiligheid")));
        let mut unknown = r.clone();
        unknown.steps[0].clears_note_when = Some(Condition { field: "nergens".into(), equals: "ja".into() });
        assert_eq!(unknown.validate().unwrap_err().problem, Problem::UnknownConditionField("nergens".into()));
    }

    #[test]
    fn a_child_of_twelve_must_agree_to_the_plan() {
        let r = route();
        let s5 = r.step("S5").unwrap();
        let on = d(2026, 11, 23);
        let parents = values(&[("akkoord_ouders", Value::YesNo(true))]);
        let child = |birth| crate::domain::testing::child(birth, crate::domain::case::Gezag::Mother);
        let consent =
            |c: &Intake| Consent::by_all("gezamenlijk_plan", Decision::Given, ConsentForm::Written, c, on, "anna");
        let thirteen = child(d(2013, 6, 1));
        let b = s5.blockers(&parents, Some("uitvoeren"), &[consent(&thirteen)], &thirteen, on);
        assert_eq!(b, [Blocker::Missing("Kind (12+) akkoord?".into())]);
        let mut both = parents.clone();
        both.insert("akkoord_kind".into(), Value::YesNo(true));
        assert!(s5.blockers(&both, Some("uitvoeren"), &[consent(&thirteen)], &thirteen, on).is_empty());
        // Turning 12 tomorrow: not yet required today.
        let eleven = child(d(2014, 11, 24));
        assert!(s5.blockers(&parents, Some("uitvoeren"), &[consent(&eleven)], &eleven, on).is_empty());
        let eleven = eleven.birth_date;
        let kind = s5.fields.iter().find(|f| f.id == "akkoord_kind").unwrap();
        assert!(kind.required_on(eleven, d(2026, 11, 24)), "from the birthday on");
    }

    #[test]
    fn dates_of_what_happened_may_not_lie_ahead() {
        let r = route();
        let on = d(2026, 11, 23);
        let s3 = r.step("S3").unwrap();
        let base =
            [("deelnemers", Value::Text("Anna, Youssef".into())), ("besluit", Value::Choice("gezamenlijk".into()))];
        let mut v = values(&base);
        v.insert("datum".into(), Value::Date(d(2026, 11, 24)));
        assert_eq!(s3.blockers(&v, Some("analyse"), &[], &birth(), on), [Blocker::InFuture("Datum bespreking".into())]);
        v.insert("datum".into(), Value::Date(on));
        assert!(s3.blockers(&v, Some("analyse"), &[], &birth(), on).is_empty(), "today is fine");
        // Every date of something that happened says so in the routekaart.
        for (step, field) in [
            ("S1", "leerlingbespreking"),
            ("S3", "datum"),
            ("S6", "start_gezamenlijk"),
            ("S7", "datum"),
            ("S8", "datum"),
            ("M", "gestart"),
        ] {
            let f = r.step(step).unwrap().fields.iter().find(|f| f.id == field).unwrap();
            assert!(f.not_future && f.kind == FieldKind::Date, "{step}.{field}");
        }
    }

    #[test]
    fn goals_are_judged_one_by_one() {
        let r = route();
        let s7 = r.step("S7").unwrap();
        let f = s7.fields.iter().find(|f| f.id == "doelen").unwrap();
        assert_eq!(
            (f.kind, f.options.as_slice()),
            (FieldKind::Goals, ["behaald", "deels", "niet"].map(String::from).as_slice())
        );
        let judged = |results: &[&str]| {
            let goals = results.iter().zip(1..).map(|(r, goal)| GoalResult { goal, result: r.to_string() }).collect();
            Value::Goals(goals)
        };
        assert!(judged(&[]).is_empty(), "a plan without goals has nothing judged");
        assert!(judged(&["behaald", ""]).is_empty(), "every goal needs its result");
        assert!(!judged(&["behaald", "niet"]).is_empty());
        let mut v = values(&[
            ("datum", Value::Date(d(2026, 11, 23))),
            ("tevreden_school", Value::Score(4)),
            ("tevreden_wijkteam", Value::Score(4)),
        ]);
        v.insert("doelen".into(), judged(&["deels", ""]));
        let b = s7.blockers(&v, Some("doorgaan"), &[], &birth(), d(2026, 11, 23));
        assert_eq!(b, [Blocker::Missing("Doelen behaald".into())]);
    }

    #[test]
    fn closing_records_its_date_and_reason() {
        let r = route();
        let s8 = r.step("S8").unwrap();
        let on = d(2026, 11, 23);
        let b = s8.blockers(&Values::new(), None, &[], &birth(), on);
        assert_eq!(b, [Blocker::Missing("Datum van afsluiten".into()), Blocker::Missing("Reden van afsluiten".into())]);
    }

    #[test]
    fn the_main_route_is_numbered_and_lies_ahead() {
        let r = route();
        assert_eq!(r.main_route().count(), 9);
        assert_eq!((r.position("S0"), r.position("S8"), r.position("M")), (Some(1), Some(9), None));
        let ahead = |id| r.ahead(id).iter().map(|s| s.id.as_str()).collect::<Vec<_>>();
        assert_eq!(ahead("S1"), ["S2", "S3", "S4", "S5", "S6", "S7", "S8"]);
        assert_eq!(ahead("S0"), ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]);
        assert_eq!(ahead("M"), ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"], "back on the main route");
        assert!(ahead("S8").is_empty(), "nothing after closing");
    }

    #[test]
    fn the_tandem_discussion_needs_consent_unless_anonymous() {
        let r = route();
        let s2 = r.step("S2").unwrap();
        let on = d(2026, 11, 23);
        let base = [("gezag_aantal", Value::Choice("2".into())), ("vraag_ouders", Value::Text("rust".into()))];
        let v = values(&base);
        let b = s2.blockers(&v, Some("bespreken"), &[], &birth(), on);
        assert!(matches!(b.as_slice(), [Blocker::Gate(m)] if m.contains("toestemming")), "{b:?}");

        let mut anon = v.clone();
        anon.insert("anoniem".into(), Value::YesNo(true));
        assert!(s2.blockers(&anon, Some("bespreken"), &[], &birth(), on).is_empty(), "anonymous needs no consent");

        let consent = Consent::by_all("tandembespreking", Decision::Given, ConsentForm::Oral, &birth(), on, "anna");
        assert!(s2.blockers(&v, Some("bespreken"), std::slice::from_ref(&consent), &birth(), on).is_empty());
        let withdrawn =
            Consent::by_all("tandembespreking", Decision::Withdrawn, ConsentForm::Written, &birth(), on, "anna");
        let later = on.succ_opt().unwrap();
        let mut both = vec![consent];
        both.push(Consent { on: later, ..withdrawn });
        assert!(!s2.blockers(&v, Some("bespreken"), &both, &birth(), later).is_empty(), "withdrawn from its date");
    }

    #[test]
    fn the_plan_needs_parents_agreement_and_consent() {
        let r = route();
        let s5 = r.step("S5").unwrap();
        let on = d(2026, 11, 23);
        let consent = Consent::by_all("gezamenlijk_plan", Decision::Given, ConsentForm::Written, &birth(), on, "anna");
        let no = values(&[("akkoord_ouders", Value::YesNo(false))]);
        let b = s5.blockers(&no, Some("uitvoeren"), std::slice::from_ref(&consent), &birth(), on);
        assert!(matches!(b.as_slice(), [Blocker::Gate(m)] if m.contains("akkoord")), "{b:?}");
        let yes = values(&[("akkoord_ouders", Value::YesNo(true))]);
        assert!(s5.blockers(&yes, Some("uitvoeren"), &[consent], &birth(), on).is_empty());
    }

    fn visit(step: &str, entered: NaiveDate, vals: &[(&str, Value)], done: Option<NaiveDate>) -> Visit {
        Visit {
            step: step.into(),
            entered,
            values: values(vals),
            done: done.map(|on| Done { on, outcome: "x".into(), by: "anna".into() }),
        }
    }

    #[test]
    fn the_plan_is_due_six_weeks_after_the_tandem_discussion() {
        let r = route();
        let visits = [
            visit("S3", d(2026, 9, 1), &[("datum", Value::Date(d(2026, 9, 10)))], Some(d(2026, 9, 10))),
            visit("S4", d(2026, 9, 10), &[], Some(d(2026, 9, 20))),
            visit("S5", d(2026, 9, 20), &[], None),
        ];
        assert_eq!(deadline(&r, &visits), Some(d(2026, 10, 22)));
        // A completed case has no deadline; a step without one neither.
        assert_eq!(deadline(&r, &visits[..2]), None);
    }

    #[test]
    fn a_second_tandem_discussion_counts_from_its_own_date() {
        let r = route();
        let visits = [
            visit("S3", d(2026, 9, 1), &[("datum", Value::Date(d(2026, 9, 10)))], Some(d(2026, 9, 10))),
            visit("S3", d(2026, 9, 10), &[("datum", Value::Date(d(2026, 10, 1)))], Some(d(2026, 10, 1))),
            visit("S4", d(2026, 10, 1), &[], Some(d(2026, 10, 5))),
            visit("S5", d(2026, 10, 5), &[], None),
        ];
        assert_eq!(deadline(&r, &visits), Some(d(2026, 11, 12)));
    }

    #[test]
    fn evaluations_are_due_every_12_weeks_and_loop() {
        let r = route();
        let s7 = r.step("S7").unwrap();
        let offered: Vec<&str> = s7.outcomes_for(&Values::new()).iter().map(|o| o.next.as_str()).collect();
        assert_eq!(offered, ["S7", "S5", "S8", "S3"], "continue, adjust the plan, close, escalate");
        let visits = [visit("S7", d(2026, 1, 5), &[], None)];
        assert_eq!(deadline(&r, &visits), Some(d(2026, 3, 30)));
    }

    #[test]
    fn veilig_thuis_decides_within_five_working_days() {
        let r = route();
        // Started on a Thursday: Fri, Mon, Tue, Wed, Thu.
        let visits = [visit("M", d(2026, 11, 19), &[("gestart", Value::Date(d(2026, 11, 19)))], None)];
        assert_eq!(deadline(&r, &visits), Some(d(2026, 11, 26)));
        assert_eq!(add_working_days(d(2026, 11, 21), 1), d(2026, 11, 23), "Saturday + 1 = Monday");
    }

    #[test]
    fn the_way_ahead_is_the_shortest_path_to_closing() {
        let r = route();
        assert_eq!(r.shortest_path("S5", |s| s.closes), ["S5", "S6", "S7", "S8"]);
        assert_eq!(r.shortest_path("S0", |s| s.id == "M"), ["S0", "M"]);
        assert_eq!(r.shortest_path("S8", |s| s.closes), ["S8"]);
        assert!(r.shortest_path("X", |s| s.closes).is_empty());
    }

    #[test]
    fn a_plan_re_made_after_evaluation_gets_its_own_time() {
        let r = route();
        let visits = [
            visit("S3", d(2026, 1, 5), &[("datum", Value::Date(d(2026, 1, 10)))], Some(d(2026, 1, 10))),
            visit("S5", d(2026, 1, 20), &[], Some(d(2026, 2, 10))),
            visit("S7", d(2026, 3, 1), &[], Some(d(2026, 4, 20))),
            visit("S5", d(2026, 4, 20), &[], None),
        ];
        assert_eq!(deadline(&r, &visits), Some(d(2026, 6, 1)));
        // The meldcode clock runs from entering until the start date is recorded.
        assert_eq!(deadline(&r, &[visit("M", d(2026, 11, 19), &[], None)]), Some(d(2026, 11, 26)));
    }

    #[test]
    fn a_cap_in_months_limits_long_deadlines() {
        let mut r = route();
        let s7 = r.steps.iter_mut().find(|s| s.id == "S7").unwrap();
        s7.deadline = Some(Deadline { from: "entered".into(), weeks: 60, working_days: 0, max_months: Some(12) });
        let visits = [visit("S7", d(2026, 1, 31), &[], None)];
        assert_eq!(deadline(&r, &visits), Some(d(2027, 1, 31)));
    }
}
