//! The routekaart wizard: the current step's fields as a form, who acts, the deadline,
//! and the outcome that decides the next step. What is typed is kept as a draft on every
//! change; completing is refused with the reasons while a gate fails.

use chrono::NaiveDateTime;

use super::form::{Field, Form, Kind};
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::date;
use crate::domain::history::{Change, ChangeKind};
use crate::domain::route::{Blocker, Draft, FieldKind, StepDef, Value, Values};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    pub case: Case,
    pub form: Form,
    /// Why the step could not be completed, after the last try.
    pub blockers: Vec<String>,
}

const YES_NO: [&str; 2] = ["ja", "nee"];
const TEXT_MAX: usize = 1000;

/// What the wizard hands to the worker.
pub enum Outcome {
    Invalid,
    Blocked,
    Save(Box<Case>, Change),
}

impl Wizard {
    /// Opens the case's current step, filled from its draft, else from what was saved.
    pub fn open(case: &Case, draft: Option<&Draft>, config: &Config) -> Option<Wizard> {
        let step = config.route.step(&case.step)?;
        let saved = case.current_visit().map(|v| &v.values);
        let draft = draft.filter(|d| d.step == case.step);
        let mut fields: Vec<Field> = step
            .fields
            .iter()
            .map(|f| {
                let raw = match (draft, saved) {
                    (Some(d), _) => d.entries.get(&f.id).cloned(),
                    (None, Some(values)) => values.get(&f.id).map(|v| raw_of(v, config)),
                    (None, None) => None,
                };
                form_field(f.kind, &f.label, f.required, &f.options, raw.as_deref(), config)
            })
            .collect();
        if !step.outcomes.is_empty() {
            let options: Vec<String> = step.outcomes.iter().map(|o| o.label.clone()).collect();
            let chosen = draft.and_then(|d| d.entries.get(OUTCOME)).and_then(|o| options.iter().position(|x| x == o));
            fields.push(Field::choice(strings::OUTCOME, true, options, chosen));
        }
        let button = if step.closes { strings::RECORD_BUTTON } else { strings::COMPLETE_BUTTON };
        Some(Wizard { case: case.clone(), form: Form::with_button(fields, button), blockers: Vec::new() })
    }

    pub fn step<'a>(&self, config: &'a Config) -> Option<&'a StepDef> {
        config.route.step(&self.case.step)
    }

    /// "Stap 3/10 · Ouders betrekken & toestemming"
    pub fn title(&self, config: &Config) -> String {
        let pos = config.route.position(&self.case.step).unwrap_or(0);
        let name = self.step(config).map_or(self.case.step.as_str(), |s| s.name.as_str());
        format!("{} {pos}/{} · {name} · {}", strings::STEP, config.route.steps.len(), self.case.pupil_name())
    }

    /// What is on screen now, for the draft.
    pub fn draft(&self, config: &Config) -> Draft {
        let mut entries = std::collections::BTreeMap::new();
        if let Some(step) = self.step(config) {
            for (f, def) in self.form.fields.iter().zip(&step.fields) {
                entries.insert(def.id.clone(), raw_of_field(f));
            }
            if let Some(outcome) = self.form.fields.get(step.fields.len()) {
                entries.insert(OUTCOME.to_string(), raw_of_field(outcome));
            }
        }
        Draft { step: self.case.step.clone(), entries }
    }

    /// Reads the form into values; a date that does not parse is marked in the form.
    fn values(&mut self, config: &Config) -> Option<Values> {
        let step = self.step(config)?.clone();
        let mut values = Values::new();
        let mut errors = Vec::new();
        for (i, (f, def)) in self.form.fields.iter().zip(&step.fields).enumerate() {
            match value_of(f, def.kind, config) {
                Ok(Some(v)) => {
                    values.insert(def.id.clone(), v);
                }
                Ok(None) => {}
                Err(e) => errors.push((i, e)),
            }
        }
        if errors.is_empty() {
            Some(values)
        } else {
            self.form.show_errors(errors);
            None
        }
    }

    /// Saves what was recorded without completing the step.
    pub fn record(&mut self, config: &Config, now: NaiveDateTime) -> Outcome {
        let Some(values) = self.values(config) else { return Outcome::Invalid };
        let mut case = self.case.clone();
        case.record(values, now.date());
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::StepRecorded { step: case.step.clone() },
        };
        Outcome::Save(Box::new(case), change)
    }

    /// Completes the step if nothing blocks it; the chosen outcome decides the next step.
    pub fn complete(&mut self, config: &Config, now: NaiveDateTime) -> Outcome {
        let Some(step) = self.step(config).cloned() else { return Outcome::Invalid };
        if step.closes {
            return self.record(config, now);
        }
        let Some(values) = self.values(config) else { return Outcome::Invalid };
        let outcome = self.form.fields.get(step.fields.len()).and_then(|f| f.choice).map(|i| &step.outcomes[i]);
        let blockers =
            step.blockers(&values, outcome.map(|o| o.id.as_str()), &self.case.consents, &self.case.intake, now.date());
        if !blockers.is_empty() {
            self.blockers = blockers
                .into_iter()
                .map(|b| match b {
                    Blocker::Missing(label) => strings::missing(&label),
                    Blocker::Gate(message) => message,
                    Blocker::NoOutcome => strings::NO_OUTCOME.to_string(),
                })
                .collect();
            return Outcome::Blocked;
        }
        let Some(outcome) = outcome else { return Outcome::Blocked };
        let mut case = self.case.clone();
        case.complete_step(&config.route, values, outcome, &config.user, now.date());
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::StepCompleted { step: step.id.clone(), outcome: outcome.id.clone() },
        };
        Outcome::Save(Box::new(case), change)
    }
}

/// The draft key of the chosen outcome (never a field id: ids are plain words).
const OUTCOME: &str = "@uitkomst";

fn form_field(
    kind: FieldKind,
    label: &str,
    required: bool,
    options: &[String],
    raw: Option<&str>,
    config: &Config,
) -> Field {
    let raw = raw.unwrap_or_default();
    let pick = |opts: &[String]| opts.iter().position(|o| o == raw);
    match kind {
        FieldKind::Text => Field::text(label, required, TEXT_MAX, "", raw),
        FieldKind::Date => Field::text(label, required, 10, strings::DATE_HINT, raw),
        FieldKind::Choice => Field::choice(label, required, options.to_vec(), pick(options)),
        FieldKind::Multi => {
            let chosen: Vec<&str> = raw.split(',').map(str::trim).collect();
            Field::multi(
                label,
                required,
                options.to_vec(),
                options.iter().map(|o| chosen.contains(&o.as_str())).collect(),
            )
        }
        FieldKind::YesNo => {
            let opts: Vec<String> = YES_NO.iter().map(|s| s.to_string()).collect();
            Field::choice(label, required, opts.clone(), pick(&opts))
        }
        FieldKind::Person => {
            let names: Vec<String> = config.team.members.iter().map(|m| m.name.clone()).collect();
            Field::choice(label, required, names.clone(), pick(&names))
        }
        FieldKind::Score => {
            let opts: Vec<String> = (1..=5).map(|n| n.to_string()).collect();
            Field::choice(label, required, opts.clone(), pick(&opts))
        }
    }
}

/// A form field as draft text.
fn raw_of_field(f: &Field) -> String {
    match &f.kind {
        Kind::Text { .. } | Kind::Secret { .. } => f.text.clone(),
        Kind::Choice(options) => f.choice.map(|i| options[i].clone()).unwrap_or_default(),
        Kind::Multi(options) => {
            options.iter().zip(&f.checked).filter_map(|(o, on)| on.then_some(o.as_str())).collect::<Vec<_>>().join(",")
        }
    }
}

/// A stored value as the text its form field shows.
fn raw_of(v: &Value, config: &Config) -> String {
    match v {
        Value::Text(s) | Value::Choice(s) => s.clone(),
        Value::Date(d) => date::format(*d),
        Value::Multi(items) => items.join(","),
        Value::YesNo(b) => YES_NO[usize::from(!b)].to_string(),
        Value::Person(id) => config.team.name_of(id).to_string(),
        Value::Score(n) => n.to_string(),
    }
}

/// A form field as a value; None when empty.
fn value_of(f: &Field, kind: FieldKind, config: &Config) -> Result<Option<Value>, String> {
    let raw = raw_of_field(f);
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        FieldKind::Text if crate::domain::case::contains_bsn(raw) => return Err(strings::LOOKS_LIKE_BSN.to_string()),
        FieldKind::Text => Value::Text(raw.to_string()),
        FieldKind::Date => Value::Date(date::parse(raw).map_err(|e| e.to_string())?),
        FieldKind::Choice => Value::Choice(raw.to_string()),
        FieldKind::Multi => Value::Multi(raw.split(',').map(str::to_string).collect()),
        FieldKind::YesNo => Value::YesNo(raw == YES_NO[0]),
        FieldKind::Person => {
            Value::Person(config.team.members.iter().find(|m| m.name == raw).map_or(raw.to_string(), |m| m.id.clone()))
        }
        FieldKind::Score => Value::Score(raw.parse().map_err(|_| strings::SCORE_RANGE.to_string())?),
    }))
}
