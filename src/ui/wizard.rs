//! The routekaart wizard: the current step's fields as a form, who acts, the deadline,
//! and the outcome that decides the next step. What is typed is kept as a draft on every
//! change; completing is refused with the reasons while a gate fails.

use chrono::{NaiveDate, NaiveDateTime};

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form, Kind};
use super::model::{Model, Notice};
use super::screen::{Nav, Page, form_access, form_action};
use super::worker::Job;
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::date;
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::Goal;
use crate::domain::route::{
    Blocker, Draft, FieldDef, FieldKind, GoalResult, Outcome as RouteOutcome, StepDef, Value, Values,
};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    pub case: Case,
    pub form: Form,
    /// Why the step could not be completed, after the last try; kept up to date while
    /// the fields change.
    pub blockers: Vec<String>,
    /// What is typed now would clear the signal's note (the meldcode branch keeps no
    /// content): the screen warns before it is saved.
    pub clears_note: bool,
    /// The last save recorded without completing: the wizard stays open once it is stored.
    pub recording: bool,
    /// The ids of the outcomes on offer, in the order of the outcome field's options.
    offered: Vec<String>,
    /// What each form field before the outcome stands for.
    slots: Vec<Slot>,
}

/// A form field of the wizard: a field of the step (its index), or within a per-goal
/// field one goal of the plan in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    field: usize,
    goal: Option<u32>,
}

const TEXT_MAX: usize = 1000;
/// Digits in a number field (weeks, hours).
const NUMBER_MAX: usize = 4;

/// What the wizard hands to the worker.
pub enum Outcome {
    Invalid,
    Blocked,
    Save(Box<Case>, Change),
}

impl Wizard {
    /// Opens the case's current step, filled from its draft, else from what was saved.
    /// A field required from an age (the child's agreement) is marked for the child's
    /// age `today`; a per-goal field asks once for each of `goals` (the plan in force).
    pub fn open(
        case: &Case,
        draft: Option<&Draft>,
        config: &Config,
        today: NaiveDate,
        goals: &[Goal],
    ) -> Option<Wizard> {
        let step = config.route.step(&case.step)?;
        let saved = case.current_visit().map(|v| &v.values);
        let draft = draft.filter(|d| d.step == case.step);
        let mut slots = Vec::new();
        let mut fields = Vec::new();
        for (i, f) in step.fields.iter().enumerate() {
            let required = f.required_on(case.intake.birth_date, today);
            if f.kind == FieldKind::Goals {
                for (n, g) in goals.iter().enumerate() {
                    let slot = Slot { field: i, goal: Some(g.id) };
                    let raw = raw_for(slot, f, draft, saved, config);
                    let label = strings::goal_label(n + 1, &g.text);
                    fields.push(form_field(FieldKind::Choice, &label, required, &f.options, raw.as_deref(), config));
                    slots.push(slot);
                }
            } else {
                let slot = Slot { field: i, goal: None };
                let raw = raw_for(slot, f, draft, saved, config);
                fields.push(form_field(f.kind, &f.label, required, &f.options, raw.as_deref(), config));
                slots.push(slot);
            }
        }
        let chosen = draft.and_then(|d| d.entries.get(OUTCOME)).and_then(|label| {
            let (values, _) = read(&fields, &slots, step, config, today);
            step.outcomes_for(&values).into_iter().position(|o| &o.label == label)
        });
        if !step.outcomes.is_empty() {
            fields.push(Field::choice(strings::OUTCOME, true, Vec::new(), None));
        }
        let button = if step.closes { strings::RECORD_BUTTON } else { strings::COMPLETE_BUTTON };
        let mut w = Wizard {
            case: case.clone(),
            form: Form::with_button(fields, button),
            blockers: Vec::new(),
            clears_note: false,
            recording: false,
            offered: Vec::new(),
            slots,
        };
        w.refresh(config, today);
        if let Some(f) = w.form.fields.get_mut(w.slots.len()) {
            f.choice = chosen;
        }
        Some(w)
    }

    /// After a change: offers only the outcomes whose condition holds (keeping the chosen
    /// one while it is still on offer), says whether the note would be cleared, and
    /// re-checks what blocked completing, so fixed problems leave the list.
    pub fn refresh(&mut self, config: &Config, today: NaiveDate) {
        let Some(step) = self.step(config) else { return };
        let (values, _) = read(&self.form.fields, &self.slots, step, config, today);
        let chosen = self.chosen(step).map(|o| o.id.clone());
        let offered = step.outcomes_for(&values);
        if let Some(f) = self.form.fields.get_mut(self.slots.len()) {
            f.kind = Kind::Choice(offered.iter().map(|o| o.label.clone()).collect());
            f.choice = chosen.and_then(|c| offered.iter().position(|o| o.id == c));
        }
        self.offered = offered.iter().map(|o| o.id.clone()).collect();
        self.clears_note = step.clears_note(&values) && !self.case.intake.note.trim().is_empty();
        if !self.blockers.is_empty() {
            self.blockers = self.blocker_texts(step, &values, today);
        }
    }

    /// Checks the field at `index` after it was left, so a bad date shows at once.
    pub fn check_field(&mut self, index: usize, config: &Config, today: NaiveDate) {
        let Some(slot) = self.slots.get(index).filter(|s| s.goal.is_none()) else { return };
        let Some(def) = self.step(config).and_then(|s| s.fields.get(slot.field)) else { return };
        if let Some(f) = self.form.fields.get_mut(index) {
            f.error = value_of(f, def, config, today).err();
        }
    }

    /// The outcome chosen in the form, if any.
    fn chosen<'a>(&self, step: &'a StepDef) -> Option<&'a RouteOutcome> {
        let i = self.form.fields.get(self.slots.len())?.choice?;
        let id = self.offered.get(i)?;
        step.outcomes.iter().find(|o| &o.id == id)
    }

    /// What stops completing the step with these values, in words.
    fn blocker_texts(&self, step: &StepDef, values: &Values, today: NaiveDate) -> Vec<String> {
        let outcome = self.chosen(step).map(|o| o.id.as_str());
        step.blockers(values, outcome, &self.case.consents, &self.case.intake, today)
            .into_iter()
            .map(|b| match b {
                Blocker::Missing(label) => strings::missing(&label),
                Blocker::InFuture(label) => strings::date_in_future(&label),
                Blocker::Gate(message) => message,
                Blocker::NoOutcome => strings::NO_OUTCOME.to_string(),
            })
            .collect()
    }

    pub fn step<'a>(&self, config: &'a Config) -> Option<&'a StepDef> {
        config.route.step(&self.case.step)
    }

    /// "Stap 3/9 · Ouders betrekken & toestemming · Noor": numbered on the main route; a
    /// side branch has no number ("Meldcode (zijpad) · Noor").
    pub fn title(&self, config: &Config) -> String {
        let name = self.step(config).map_or(self.case.step.as_str(), |s| s.name.as_str());
        let pupil = strings::pupil(&self.case);
        match config.route.position(&self.case.step) {
            Some(pos) => format!("{} {pos}/{} · {name} · {pupil}", strings::STEP, config.route.main_route().count()),
            None => format!("{name} ({}) · {pupil}", strings::BRANCH),
        }
    }

    /// What is on screen now, for the draft.
    pub fn draft(&self, config: &Config) -> Draft {
        let mut entries = std::collections::BTreeMap::new();
        if let Some(step) = self.step(config) {
            for (f, slot) in self.form.fields.iter().zip(&self.slots) {
                if let Some(def) = step.fields.get(slot.field) {
                    entries.insert(draft_key(*slot, def), raw_of_field(f));
                }
            }
            if let Some(outcome) = self.form.fields.get(self.slots.len()) {
                entries.insert(OUTCOME.to_string(), raw_of_field(outcome));
            }
        }
        Draft { step: self.case.step.clone(), entries }
    }

    /// Reads the form into values; a value that is not accepted is marked in the form.
    fn values(&mut self, config: &Config, today: NaiveDate) -> Option<Values> {
        let step = self.step(config)?;
        let (values, errors) = read(&self.form.fields, &self.slots, step, config, today);
        if errors.is_empty() {
            Some(values)
        } else {
            self.form.show_errors(errors);
            None
        }
    }

    /// Saves what was recorded without completing the step; the wizard stays open.
    pub fn record(&mut self, config: &Config, now: NaiveDateTime) -> Outcome {
        let Some(values) = self.values(config, now.date()) else { return Outcome::Invalid };
        self.recording = true;
        self.store_values(config, values, now)
    }

    fn store_values(&self, config: &Config, values: Values, now: NaiveDateTime) -> Outcome {
        let mut case = self.case.clone();
        case.record(values, now.date());
        case.bar_note(&config.route);
        case.date_closing(&config.route);
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::StepRecorded { step: case.step.clone() },
        };
        Outcome::Save(Box::new(case), change)
    }

    /// Completes the step if nothing blocks it; the chosen outcome decides the next step.
    /// A closing step has no outcome: what it records (date, reason) is checked and stored.
    pub fn complete(&mut self, config: &Config, now: NaiveDateTime) -> Outcome {
        let Some(values) = self.values(config, now.date()) else { return Outcome::Invalid };
        let Some(step) = self.step(config) else { return Outcome::Invalid };
        self.blockers = self.blocker_texts(step, &values, now.date());
        if !self.blockers.is_empty() {
            return Outcome::Blocked;
        }
        self.recording = false;
        if step.closes {
            return self.store_values(config, values, now);
        }
        let Some(outcome) = self.chosen(step) else { return Outcome::Blocked };
        let mut case = self.case.clone();
        case.complete_step(&config.route, values, outcome, &config.user, now.date());
        case.bar_note(&config.route);
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::StepCompleted { step: step.id.clone(), outcome: outcome.id.clone() },
        };
        Outcome::Save(Box::new(case), change)
    }
}

/// Reads `fields` (standing for `slots`) into values, with the problems found per field.
/// The goals of a per-goal field make one value, each goal with its result (empty while
/// not judged).
fn read(
    fields: &[Field],
    slots: &[Slot],
    step: &StepDef,
    config: &Config,
    today: NaiveDate,
) -> (Values, Vec<(usize, String)>) {
    let mut values = Values::new();
    let mut errors = Vec::new();
    for (i, (f, slot)) in fields.iter().zip(slots).enumerate() {
        let Some(def) = step.fields.get(slot.field) else { continue };
        if let Some(goal) = slot.goal {
            let mut results = match values.get(&def.id) {
                Some(Value::Goals(r)) => r.clone(),
                _ => Vec::new(),
            };
            results.push(GoalResult { goal, result: raw_of_field(f) });
            values.insert(def.id.clone(), Value::Goals(results));
            continue;
        }
        match value_of(f, def, config, today) {
            Ok(Some(v)) => values.insert(def.id.clone(), v),
            Ok(None) => {}
            Err(e) => errors.push((i, e)),
        }
    }
    (values, errors)
}

/// Where a slot's text is kept in the draft: the field id, with the goal for a per-goal
/// field ("doelen#2"; ids are plain words).
fn draft_key(slot: Slot, def: &FieldDef) -> String {
    match slot.goal {
        Some(goal) => format!("{}#{goal}", def.id),
        None => def.id.clone(),
    }
}

/// The text a slot opens with: from the draft, else from what was saved.
fn raw_for(
    slot: Slot,
    def: &FieldDef,
    draft: Option<&Draft>,
    saved: Option<&Values>,
    config: &Config,
) -> Option<String> {
    if let Some(d) = draft {
        return d.entries.get(&draft_key(slot, def)).cloned();
    }
    let value = saved?.get(&def.id)?;
    match (value, slot.goal) {
        (Value::Goals(results), Some(goal)) => results.iter().find(|r| r.goal == goal).map(|r| r.result.clone()),
        (v, None) => Some(raw_of(v, config)),
        _ => None,
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
        FieldKind::Number => Field::text(label, required, NUMBER_MAX, strings::NUMBER_HINT, raw),
        FieldKind::Choice | FieldKind::Goals => Field::choice(label, required, options.to_vec(), pick(options)),
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
            let opts: Vec<String> = strings::YES_NO.iter().map(|s| s.to_string()).collect();
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
        Value::YesNo(b) => strings::yes_no(*b).to_string(),
        Value::Person(id) => config.team.name_of(id).to_string(),
        Value::Score(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Goals(results) => results.iter().map(|r| r.result.as_str()).collect::<Vec<_>>().join(","),
    }
}

/// A form field as a value (None when empty), checked against its definition on `today`.
fn value_of(f: &Field, def: &FieldDef, config: &Config, today: NaiveDate) -> Result<Option<Value>, String> {
    let raw = raw_of_field(f);
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let value = parse(raw, def.kind, config)?;
    def.check(&value, today).map_err(|e| e.to_string())?;
    Ok(Some(value))
}

/// Typed text as a value of `kind`.
fn parse(raw: &str, kind: FieldKind, config: &Config) -> Result<Value, String> {
    Ok(match kind {
        FieldKind::Text if crate::domain::case::contains_bsn(raw) => return Err(strings::LOOKS_LIKE_BSN.to_string()),
        FieldKind::Text => Value::Text(raw.to_string()),
        FieldKind::Date => Value::Date(date::parse(raw).map_err(|e| e.to_string())?),
        // A per-goal field is read goal by goal (`read`): each goal is a choice.
        FieldKind::Choice | FieldKind::Goals => Value::Choice(raw.to_string()),
        FieldKind::Multi => Value::Multi(raw.split(',').map(str::to_string).collect()),
        FieldKind::YesNo => Value::YesNo(raw == strings::YES_NO[0]),
        FieldKind::Person => {
            Value::Person(config.team.members.iter().find(|m| m.name == raw).map_or(raw.to_string(), |m| m.id.clone()))
        }
        FieldKind::Score => Value::Score(raw.parse().map_err(|_| strings::SCORE_RANGE.to_string())?),
        FieldKind::Number => Value::Number(raw.parse().map_err(|_| strings::NOT_A_NUMBER.to_string())?),
    })
}

impl Page for Wizard {
    fn context(&self) -> Context {
        Context::Step
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        match action {
            Action::Consent if !self.form.saving => super::detail::consent(m, self.case.id),
            // The wizard keeps a draft of everything typed: leaving it loses nothing.
            Action::Back if !self.form.saving => Nav::Pop,
            Action::Back => Nav::Stay,
            _ => form_action(self, m, action),
        }
    }

    form_access!();

    fn unsaved(&self) -> bool {
        false
    }

    fn move_focus(&mut self, m: &mut Model, forward: bool) {
        let left = self.form.step_focus(forward);
        self.check_field(left, &m.config, m.now.date());
    }

    /// Every change in a step is kept as a draft at once: a crash loses nothing.
    fn typed(&mut self, m: &mut Model, _: usize, changed: bool) {
        if changed {
            self.refresh(&m.config, m.now.date());
            let draft = self.draft(&m.config);
            m.drafts.insert(self.case.id, draft.clone());
            m.job(Job::SaveDraft { id: self.case.id, draft });
        }
    }

    fn save(&mut self, m: &mut Model, complete: bool) -> Nav {
        let result = if complete { self.complete(&m.config, m.now) } else { self.record(&m.config, m.now) };
        match result {
            Outcome::Invalid => m.error(strings::FIX_FIELDS.into()),
            Outcome::Blocked => m.error(strings::BLOCKED.into()),
            Outcome::Save(case, change) => {
                self.form.saving = true;
                m.job(Job::Save { case, change, clear_draft: true });
            }
        }
        Nav::Stay
    }

    fn on_notice(&mut self, m: &mut Model, notice: Notice) -> Nav {
        let Notice::Saved { id, on_top } = notice else { return Nav::Stay };
        if on_top {
            m.drafts.remove(&id);
        }
        let Some(saved) = m.cases.get(&id).filter(|_| self.case.id == id) else {
            return if on_top { Nav::Pop } else { Nav::Stay };
        };
        self.case = saved.clone();
        // Ctrl-S records without completing: the wizard stays open and says so.
        if on_top && !self.recording {
            return Nav::Pop;
        }
        if on_top {
            let name = strings::pupil(saved);
            self.form.saving = false;
            self.recording = false;
            self.refresh(&m.config, m.now.date());
            m.note(strings::recorded_not_completed(&name));
        }
        Nav::Stay
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::wizard::draw(m, self, frame, area)
    }
}
