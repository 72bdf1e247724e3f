//! The forms around escalation: flag a case (level, reason, question, who asks), take
//! it up a level, correct the question, record the decision, set a suggestion aside, and
//! record absence.

use chrono::{NaiveDate, NaiveDateTime};

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form, Problems};
use super::model::{Model, Notice, Popup};
use super::screen::{Nav, Page, close_when_saved, form_action, form_page, save_case};
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::escalation::{
    self, Absence, Ask, Decision, Dismissal, Domain, EscalationError, Level, Reason, Trigger,
};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::{absence, date, names};
use crate::strings::{self, Label};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Open,
    /// Up from the open escalation's level to this one.
    Up(Level),
    /// Correct the question of the open escalation's current level.
    Question,
    Decide,
    Dismiss(Vec<Trigger>),
    Absence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationScreen {
    pub case: Case,
    pub kind: Kind,
    pub form: Form,
}

pub enum Submitted {
    Invalid,
    Save(Box<Case>, Change),
    /// Escalating is confirmed first: the case, its change and the question to ask.
    Confirm(Box<Case>, Change, String),
}

const QUESTION_MAX: usize = 500;
const TEXT_MAX: usize = 300;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn members(config: &Config) -> (Vec<String>, Option<usize>) {
    let names = config.team.members.iter().map(|m| m.name.clone()).collect();
    (names, config.team.members.iter().position(|m| m.id == config.user))
}

/// The hours typed for a week: None when left empty.
fn absence_hours(text: &str) -> Result<Option<u32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(h) if h <= absence::MAX_WEEK_HOURS => Ok(Some(h)),
        _ => Err(strings::absence_hours_invalid(absence::MAX_WEEK_HOURS)),
    }
}

/// The fields' names.
mod id {
    pub const LEVEL: &str = "level";
    pub const REASON: &str = "reason";
    pub const DOMAIN: &str = "domain";
    pub const QUESTION: &str = "question";
    pub const ASKED_BY: &str = "asked_by";
    pub const GEMEENTE: &str = "gemeente";
    pub const DECIDED_BY: &str = "decided_by";
    pub const DECISION: &str = "decision";
    pub const DECIDED_ON: &str = "decided_on";
    pub const FOLLOW_UP: &str = "follow_up";
    pub const RESOLVED: &str = "resolved";
    pub const SUGGESTION: &str = "suggestion";
    pub const WHY_NOT: &str = "why_not";
    pub const ABSENT_FROM: &str = "absent_from";
    pub const ABSENT_TO: &str = "absent_to";
    pub const ABSENCE_WEEK: &str = "absence_week";
    pub const ABSENCE_HOURS: &str = "absence_hours";
}

/// The form of `kind` for `case`.
fn fields(case: &Case, kind: &Kind, config: &Config, now: NaiveDateTime) -> Vec<Field> {
    let l = strings::ESCALATION_LABELS;
    let today = date::format(now.date());
    let (names, me) = members(config);
    let current = escalation::open_one(case, now.date()).and_then(|e| e.current());
    let question =
        |text: &str| Field::text(l.question, true, QUESTION_MAX, strings::QUESTION_HINT, text).named(id::QUESTION);
    let asked_by = Field::choice(l.asked_by, true, names, me).named(id::ASKED_BY);
    let domain = |value| Field::choice(l.domain, true, strs(strings::QUESTION_DOMAINS), value).named(id::DOMAIN);
    let date_field = |label, value: &str| Field::text(label, true, 10, strings::DATE_HINT, value);
    // A care question goes to the official of the child's gemeente: asked only where the
    // config names officials for more than one.
    let gemeenten = escalation::decider_gemeenten(&config.deciders);
    let gemeente = (gemeenten.len() > 1).then(|| {
        let was = current.and_then(|r| r.gemeente.as_deref());
        let at = was.and_then(|g| gemeenten.iter().position(|o| crate::domain::team::same_name(o, g)));
        Field::choice(l.gemeente, false, gemeenten.clone(), Some(at.unwrap_or(0))).named(id::GEMEENTE)
    });
    match kind {
        Kind::Open => [
            Field::choice(l.level, true, strs(strings::LEVELS), Some(0)).named(id::LEVEL),
            Field::choice(l.reason, true, strs(strings::REASONS), None).named(id::REASON),
            domain(None),
            question(""),
            asked_by,
        ]
        .into_iter()
        .chain(gemeente)
        .collect(),
        Kind::Up(_) => {
            let domain = domain(current.map(|r| r.domain.index()));
            [domain, question(""), asked_by].into_iter().chain(gemeente).collect()
        }
        Kind::Question => vec![question(current.map_or("", |r| r.question.as_str()))],
        Kind::Decide => {
            let by = current
                .and_then(|r| r.deciders.iter().find_map(|d| escalation::decider_name(d)))
                .unwrap_or_default()
                .to_string();
            vec![
                Field::text(l.decided_by, true, TEXT_MAX, "", &by).named(id::DECIDED_BY),
                Field::text(l.decision, true, QUESTION_MAX, "", "").named(id::DECISION),
                date_field(l.decided_on, &today).named(id::DECIDED_ON),
                Field::text(l.follow_up, false, 10, strings::DATE_HINT, "").named(id::FOLLOW_UP),
                Field::choice(l.resolved, true, strs(&strings::YES_NO), None).named(id::RESOLVED),
            ]
        }
        Kind::Dismiss(triggers) => vec![
            Field::choice(l.suggestion, true, triggers.iter().map(|t| strings::trigger_why(&t.why)).collect(), Some(0))
                .named(id::SUGGESTION),
            Field::text(l.why_not, true, TEXT_MAX, "", "").named(id::WHY_NOT),
        ],
        Kind::Absence => {
            let open = case.absences.iter().find(|a| a.to.is_none());
            // Empty unless a period is open: recording hours alone starts no period.
            let from = open.map(|a| date::format(a.from)).unwrap_or_default();
            let optional_date = |label, value: &str| Field::text(label, false, 10, strings::DATE_HINT, value);
            vec![
                optional_date(l.absent_from, &from).named(id::ABSENT_FROM),
                optional_date(l.absent_to, "").named(id::ABSENT_TO),
                optional_date(l.absence_week, &today).named(id::ABSENCE_WEEK),
                Field::text(l.absence_hours, false, 2, strings::ABSENCE_HOURS_HINT, "").named(id::ABSENCE_HOURS),
            ]
        }
    }
}

impl EscalationScreen {
    /// The form for `kind` on `case`.
    pub fn new(case: &Case, kind: Kind, config: &Config, now: NaiveDateTime) -> EscalationScreen {
        let form = Form::new(fields(case, &kind, config, now));
        EscalationScreen { case: case.clone(), kind, form }
    }

    pub fn title(&self) -> String {
        let name = strings::pupil(&self.case);
        match &self.kind {
            Kind::Open => strings::escalate_title(&name),
            Kind::Up(level) => strings::escalate_up_title(&name, level.label()),
            Kind::Question => {
                strings::question_edit_title(&name, self.case.escalations.last().map_or("", |e| e.level().code()))
            }
            Kind::Decide => strings::decide_title(&name),
            Kind::Dismiss(_) => strings::dismiss_title(&name),
            Kind::Absence => strings::absence_title(&name),
        }
    }

    /// Checks the form and applies it to a copy of the case; what is wrong stays in the form.
    pub fn submit(&mut self, config: &Config, now: NaiveDateTime) -> Submitted {
        let mut problems = self.form.missing();
        problems.extend(self.form.bsn_problems());
        let mut case = self.case.clone();
        // A question names no child: it goes up to people who need not know who it is.
        if matches!(self.kind, Kind::Open | Kind::Up(_) | Kind::Question)
            && let Some(name) = names::found_in(&self.form.text(id::QUESTION), &names::of_case(&case))
        {
            problems.push((id::QUESTION, strings::name_in_question(&name)));
        }
        let (id, who) = (case.id, config.user.clone());
        let change = |kind| Change { case: Some(id), at: now, who, kind };
        let result = match &self.kind {
            Kind::Open | Kind::Up(_) => match self.ask(&mut case, config, now.date(), problems) {
                Ok(Ok(level)) => {
                    let question = strings::confirm_escalate(level.label(), &deciders(&case));
                    return Submitted::Confirm(Box::new(case), change(ChangeKind::Escalated { level }), question);
                }
                Ok(Err(problems)) | Err(problems) => Err(problems),
            },
            Kind::Question if problems.is_empty() => {
                escalation::edit_question(&mut case, &self.form.text(id::QUESTION), now.date())
                    .map(|level| change(ChangeKind::QuestionEdited { level }))
                    .map_err(|e| vec![(id::QUESTION, e.to_string())])
            }
            Kind::Question => Err(problems),
            Kind::Decide => self.decide(&mut case, now.date(), problems).map(change),
            Kind::Dismiss(triggers) => self.dismiss(triggers, &mut case, config, now.date(), problems).map(change),
            Kind::Absence => {
                self.absence(&mut case, now.date(), problems).map(|()| change(ChangeKind::AbsenceRecorded))
            }
        };
        match result {
            Ok(change) => Submitted::Save(Box::new(case), change),
            Err(problems) => {
                self.form.show_problems(problems);
                Submitted::Invalid
            }
        }
    }

    /// Opens an escalation or takes the open one up: the level reached, or (inside) what
    /// the domain refused.
    fn ask(
        &self,
        case: &mut Case,
        config: &Config,
        today: NaiveDate,
        problems: Problems,
    ) -> Result<Result<Level, Problems>, Problems> {
        let f = &self.form;
        let reason = match self.kind {
            Kind::Open => f.pick(id::REASON, Reason::ALL),
            _ => escalation::open_one(case, today).map(|e| e.reason),
        };
        let asked_by = f.choice(id::ASKED_BY).and_then(|m| config.team.members.get(m)).map(|m| m.id.clone());
        let (Some(domain), Some(reason), Some(asked_by), true) =
            (f.pick(id::DOMAIN, Domain::ALL), reason, asked_by, problems.is_empty())
        else {
            return Err(problems);
        };
        let question = f.text(id::QUESTION);
        let gemeente =
            f.choice(id::GEMEENTE).and_then(|i| escalation::decider_gemeenten(&config.deciders).get(i).cloned());
        let deciders = &config.deciders;
        let ask = Ask { reason, domain, question, asked_by, deciders, terms: config.escalation, gemeente };
        let level = match self.kind {
            Kind::Up(_) => escalation::go_up(case, &ask, today),
            _ => {
                let level = f.pick(id::LEVEL, Level::ALL).unwrap_or(Level::E1);
                escalation::open(case, level, &ask, today).map(|()| level)
            }
        };
        Ok(level.map_err(|e| vec![(id::QUESTION, e.to_string())]))
    }

    /// Records the decision on the open escalation.
    fn decide(&self, case: &mut Case, today: NaiveDate, mut problems: Problems) -> Result<ChangeKind, Problems> {
        let f = &self.form;
        let on = f.date(id::DECIDED_ON, &mut problems);
        let follow_up = f.date(id::FOLLOW_UP, &mut problems);
        let (Some(on), Some(r), true) = (on, f.choice(id::RESOLVED), problems.is_empty()) else { return Err(problems) };
        let resolved = r == 0;
        let decision = Decision { by: f.text(id::DECIDED_BY), what: f.text(id::DECISION), on, follow_up, resolved };
        let level = escalation::open_one(case, today).map_or(Level::E1, |e| e.level());
        escalation::decide(case, decision, today).map(|()| ChangeKind::EscalationDecided { level, resolved }).map_err(
            |e| {
                let at = if e == EscalationError::InFuture { id::DECIDED_ON } else { id::DECISION };
                vec![(at, e.to_string())]
            },
        )
    }

    /// Sets the chosen suggestion aside, with why.
    fn dismiss(
        &self,
        triggers: &[Trigger],
        case: &mut Case,
        config: &Config,
        today: NaiveDate,
        problems: Problems,
    ) -> Result<ChangeKind, Problems> {
        let (Some(t), true) = (self.form.choice(id::SUGGESTION).and_then(|i| triggers.get(i)), problems.is_empty())
        else {
            return Err(problems);
        };
        let reason = self.form.text(id::WHY_NOT);
        case.dismissals.push(Dismissal { kind: t.kind, since: t.since, reason, by: config.user.clone(), on: today });
        Ok(ChangeKind::TriggerDismissed { trigger: t.kind })
    }

    /// Records an absence period and/or the hours missed in a week.
    fn absence(&self, case: &mut Case, today: NaiveDate, mut problems: Problems) -> Result<(), Problems> {
        let f = &self.form;
        let from = f.date(id::ABSENT_FROM, &mut problems);
        let to = f.date(id::ABSENT_TO, &mut problems);
        let week = f.date(id::ABSENCE_WEEK, &mut problems);
        let hours =
            absence_hours(&f.text(id::ABSENCE_HOURS)).map_err(|e| problems.push((id::ABSENCE_HOURS, e))).ok().flatten();
        for (at, d) in [(id::ABSENT_FROM, from), (id::ABSENCE_WEEK, week.filter(|_| hours.is_some()))] {
            if d.is_some_and(|d| d > today) {
                problems.push((at, strings::IN_FUTURE.into()));
            }
        }
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            problems.push((id::ABSENT_TO, strings::ABSENCE_BACKWARDS.into()));
        }
        if hours.is_some() && f.text(id::ABSENCE_WEEK).is_empty() {
            problems.push((id::ABSENCE_WEEK, strings::REQUIRED.into()));
        }
        if from.is_none() && hours.is_none() && problems.is_empty() {
            problems.push((id::ABSENT_FROM, strings::ABSENCE_NOTHING.into()));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if let Some(from) = from {
            match case.absences.iter_mut().find(|a| a.to.is_none()) {
                Some(open) => (open.from, open.to) = (from, to),
                None => case.absences.push(Absence { from, to }),
            }
        }
        if let (Some(week), Some(hours)) = (week, hours) {
            absence::record(&mut case.absence_hours, week, hours);
        }
        Ok(())
    }
}

/// Who decides at the case's current level, for the question before escalating.
fn deciders(case: &Case) -> String {
    case.escalations
        .last()
        .and_then(|e| e.current())
        .map(|r| r.deciders.iter().map(|d| strings::decider_display(d)).collect::<Vec<_>>())
        .unwrap_or_default()
        .join(" en ")
}

impl Page for EscalationScreen {
    form_page!();

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        match self.submit(&m.config, m.now) {
            Submitted::Invalid => m.error(strings::FIX_FIELDS.into()),
            Submitted::Save(case, change) => save_case(&mut self.form, m, case, change),
            Submitted::Confirm(case, change, question) => {
                m.popup = Some(Popup::ConfirmEscalate(case, change, question))
            }
        }
        Nav::Stay
    }

    fn on_notice(&mut self, _: &mut Model, notice: Notice) -> Nav {
        close_when_saved(notice)
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::form_screen(m, &self.title(), &self.form, frame, area)
    }
}
