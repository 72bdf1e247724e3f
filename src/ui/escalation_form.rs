//! The forms around escalation: flag a case (level, reason, question, who asks), take
//! it up a level, correct the question, record the decision, set a suggestion aside, and
//! record absence.

use chrono::{NaiveDate, NaiveDateTime};

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form};
use super::model::{Model, Notice, Popup};
use super::screen::{Nav, Page, close_when_saved, form_action, save_case};
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::escalation::{
    self, Absence, Ask, Decision, Dismissal, Domain, EscalationError, Level, Reason, Trigger,
};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::{absence, date, names};
use crate::strings;

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

impl EscalationScreen {
    /// The form for `kind`; None when it does not apply (nothing open to decide, ...),
    /// with the reason.
    pub fn new(case: &Case, kind: Kind, config: &Config, now: NaiveDateTime) -> EscalationScreen {
        let l = strings::ESCALATION_LABELS;
        let today = date::format(now.date());
        let (names, me) = members(config);
        let current = escalation::open_one(case, now.date()).and_then(|e| e.current());
        let question = |text: &str| Field::text(l.question, true, QUESTION_MAX, strings::QUESTION_HINT, text);
        let fields = match &kind {
            Kind::Open => vec![
                Field::choice(l.level, true, strs(strings::LEVELS), Some(0)),
                Field::choice(l.reason, true, strs(strings::REASONS), None),
                Field::choice(l.domain, true, strs(strings::QUESTION_DOMAINS), None),
                question(""),
                Field::choice(l.asked_by, true, names, me),
            ],
            Kind::Up(_) => vec![
                Field::choice(l.domain, true, strs(strings::QUESTION_DOMAINS), current.map(|r| r.domain.index())),
                question(""),
                Field::choice(l.asked_by, true, names, me),
            ],
            Kind::Question => vec![question(current.map_or("", |r| r.question.as_str()))],
            Kind::Decide => {
                let by = current
                    .and_then(|r| r.deciders.iter().find_map(|d| escalation::decider_name(d)))
                    .unwrap_or_default()
                    .to_string();
                vec![
                    Field::text(l.decided_by, true, TEXT_MAX, "", &by),
                    Field::text(l.decision, true, QUESTION_MAX, "", ""),
                    Field::text(l.decided_on, true, 10, strings::DATE_HINT, &today),
                    Field::text(l.follow_up, false, 10, strings::DATE_HINT, ""),
                    Field::choice(l.resolved, true, strs(&["ja", "nee"]), None),
                ]
            }
            Kind::Dismiss(triggers) => vec![
                Field::choice(l.suggestion, true, triggers.iter().map(|t| t.why.clone()).collect(), Some(0)),
                Field::text(l.why_not, true, TEXT_MAX, "", ""),
            ],
            Kind::Absence => {
                let open = case.absences.iter().find(|a| a.to.is_none());
                // Empty unless a period is open: recording hours alone starts no period.
                let from = open.map(|a| date::format(a.from)).unwrap_or_default();
                vec![
                    Field::text(l.absent_from, false, 10, strings::DATE_HINT, &from),
                    Field::text(l.absent_to, false, 10, strings::DATE_HINT, ""),
                    Field::text(l.absence_week, false, 10, strings::DATE_HINT, &today),
                    Field::text(l.absence_hours, false, 2, strings::ABSENCE_HOURS_HINT, ""),
                ]
            }
        };
        EscalationScreen { case: case.clone(), kind, form: Form::new(fields) }
    }

    pub fn title(&self) -> String {
        let name = self.case.pupil_name();
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

    pub fn submit(&mut self, config: &Config, now: NaiveDateTime) -> Submitted {
        let today = now.date();
        let f = &self.form.fields;
        let mut errors: Vec<(usize, String)> = f
            .iter()
            .enumerate()
            .filter(|(_, x)| x.required && x.choice.is_none() && x.text.trim().is_empty())
            .map(|(i, _)| (i, strings::REQUIRED.to_string()))
            .chain(self.form.bsn_errors())
            .collect();
        let date_at = |i: usize, errors: &mut Vec<(usize, String)>| -> Option<NaiveDate> {
            let t = f[i].text.trim();
            if t.is_empty() {
                return None;
            }
            match date::parse(t) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push((i, e.to_string()));
                    None
                }
            }
        };
        let text = |i: usize| f[i].text.trim().to_string();
        let pick = |i: usize| f[i].choice;
        let member = |i: usize| pick(i).and_then(|m| config.team.members.get(m)).map(|m| m.id.clone());
        let mut case = self.case.clone();
        let question_at = match self.kind {
            Kind::Open => Some(3),
            Kind::Up(_) => Some(1),
            Kind::Question => Some(0),
            _ => None,
        };
        if let Some(i) = question_at
            && let Some(name) = names::found_in(&text(i), &names::of_case(&case))
        {
            errors.push((i, strings::name_in_question(&name)));
        }
        let id = case.id;
        let change = |kind| Change { case: Some(id), at: now, who: config.user.clone(), kind };
        let result = match &self.kind {
            Kind::Open | Kind::Up(_) => {
                let base = if self.kind == Kind::Open { 2 } else { 0 };
                let domain = pick(base).and_then(|i| Domain::ALL.get(i).copied());
                let reason = if self.kind == Kind::Open {
                    pick(1).and_then(|i| Reason::ALL.get(i).copied())
                } else {
                    escalation::open_one(&case, today).map(|e| e.reason)
                };
                let (Some(domain), Some(reason), Some(asked_by), true) =
                    (domain, reason, member(base + 2), errors.is_empty())
                else {
                    self.form.show_errors(errors);
                    return Submitted::Invalid;
                };
                let ask = Ask {
                    reason,
                    domain,
                    question: text(base + 1),
                    asked_by,
                    deciders: &config.deciders,
                    terms: config.escalation,
                };
                let level = match &self.kind {
                    Kind::Up(_) => escalation::go_up(&mut case, &ask, today),
                    _ => {
                        let level = pick(0).and_then(|i| Level::ALL.get(i).copied()).unwrap_or(Level::E1);
                        escalation::open(&mut case, level, &ask, today).map(|()| level)
                    }
                };
                match level {
                    Ok(level) => {
                        let who = case
                            .escalations
                            .last()
                            .and_then(|e| e.current())
                            .map(|r| r.deciders.iter().map(|d| escalation::decider_display(d)).collect::<Vec<_>>())
                            .unwrap_or_default()
                            .join(" en ");
                        let question = strings::confirm_escalate(level.label(), &who);
                        return Submitted::Confirm(
                            Box::new(case.clone()),
                            change(ChangeKind::Escalated { level }),
                            question,
                        );
                    }
                    Err(e) => Err(vec![(base + 1, e.to_string())]),
                }
            }
            Kind::Question if errors.is_empty() => escalation::edit_question(&mut case, &text(0), today)
                .map(|level| change(ChangeKind::QuestionEdited { level }))
                .map_err(|e| vec![(0, e.to_string())]),
            Kind::Question => Err(errors),
            Kind::Decide => {
                let on = date_at(2, &mut errors);
                let follow_up = date_at(3, &mut errors);
                match (on, pick(4), errors.is_empty()) {
                    (Some(on), Some(r), true) => {
                        let resolved = r == 0;
                        let decision = Decision { by: text(0), what: text(1), on, follow_up, resolved };
                        let level = escalation::open_one(&case, today).map_or(Level::E1, |e| e.level());
                        escalation::decide(&mut case, decision, today)
                            .map(|()| change(ChangeKind::EscalationDecided { level, resolved }))
                            .map_err(|e| vec![(if e == EscalationError::InFuture { 2 } else { 1 }, e.to_string())])
                    }
                    _ => Err(errors),
                }
            }
            Kind::Dismiss(triggers) => match (pick(0).and_then(|i| triggers.get(i)), errors.is_empty()) {
                (Some(t), true) => {
                    case.dismissals.push(Dismissal {
                        kind: t.kind,
                        since: t.since,
                        reason: text(1),
                        by: config.user.clone(),
                        on: today,
                    });
                    Ok(change(ChangeKind::TriggerDismissed { trigger: t.kind }))
                }
                _ => Err(errors),
            },
            Kind::Absence => {
                let from = date_at(0, &mut errors);
                let to = date_at(1, &mut errors);
                let week = date_at(2, &mut errors);
                let hours = absence_hours(&text(3)).map_err(|e| errors.push((3, e))).ok().flatten();
                for (i, d) in [(0, from), (2, week.filter(|_| hours.is_some()))] {
                    if d.is_some_and(|d| d > today) {
                        errors.push((i, strings::IN_FUTURE.into()));
                    }
                }
                if let (Some(a), Some(b)) = (from, to)
                    && b < a
                {
                    errors.push((1, strings::ABSENCE_BACKWARDS.into()));
                }
                if hours.is_some() && f[2].text.trim().is_empty() {
                    errors.push((2, strings::REQUIRED.into()));
                }
                if from.is_none() && hours.is_none() && errors.is_empty() {
                    errors.push((0, strings::ABSENCE_NOTHING.into()));
                }
                if !errors.is_empty() {
                    Err(errors)
                } else {
                    if let Some(from) = from {
                        match case.absences.iter_mut().find(|a| a.to.is_none()) {
                            Some(open) => (open.from, open.to) = (from, to),
                            None => case.absences.push(Absence { from, to }),
                        }
                    }
                    if let (Some(week), Some(hours)) = (week, hours) {
                        absence::record(&mut case.absence_hours, week, hours);
                    }
                    Ok(change(ChangeKind::AbsenceRecorded))
                }
            }
        };
        match result {
            Ok(change) => Submitted::Save(Box::new(case), change),
            Err(errors) => {
                self.form.show_errors(errors);
                Submitted::Invalid
            }
        }
    }
}

impl Page for EscalationScreen {
    fn context(&self) -> Context {
        Context::Form
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        form_action(self, m, action)
    }

    fn form(&self) -> Option<&Form> {
        Some(&self.form)
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        Some(&mut self.form)
    }

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        if self.form.saving {
            return Nav::Stay;
        }
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
