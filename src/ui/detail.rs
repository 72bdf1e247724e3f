//! A case's detail screen: what is known, its history, and the doors to the wizard,
//! the plan, consent, escalation and erasure. Its view is `view/detail.rs`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::case_form::CaseForm;
use super::consent_form::ConsentScreen;
use super::escalation_form::{self, EscalationScreen};
use super::model::{Model, Notice, Popup, Screen};
use super::screen::{Nav, Page};
use super::wizard::Wizard;
use super::worker::{Job, Reply};
use crate::domain::case::CaseId;
use crate::domain::escalation;
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::Goal;
use crate::domain::route::FieldKind;
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub id: CaseId,
    /// None while the worker is still reading it.
    pub history: Option<Result<Vec<Change>, String>>,
    pub scroll: u16,
}

impl Detail {
    pub fn new(id: CaseId) -> Detail {
        Detail { id, history: None, scroll: 0 }
    }

    /// An escalation form for the case, or the error why `action` cannot be done now.
    fn escalation_form(&self, m: &Model, action: Action) -> Option<Result<EscalationScreen, String>> {
        use escalation_form::Kind;
        let today = m.now.date();
        let case = m.cases.get(&self.id)?;
        let open = escalation::open_one(case, today);
        let kind = match (action, open) {
            (Action::Escalate, None) => Ok(Kind::Open),
            (Action::Escalate, Some(e)) => e.next_level(today).map(Kind::Up).ok_or_else(|| match e.state(today) {
                escalation::State::Waiting { .. } => strings::escalation_waiting(
                    &e.current().and_then(|r| r.due).map(crate::domain::date::format).unwrap_or_default(),
                    &m.keymap.first_key_label(Context::Detail, Action::Decide),
                ),
                _ => strings::ESCALATION_NOT_UP.to_string(),
            }),
            (Action::Decide, Some(e)) if matches!(e.state(today), escalation::State::Waiting { .. }) => {
                Ok(Kind::Decide)
            }
            (Action::EditQuestion, Some(_)) => Ok(Kind::Question),
            (Action::Decide | Action::EditQuestion, _) => Err(strings::ESCALATION_NONE.to_string()),
            (Action::Dismiss, _) => {
                let triggers = escalation::triggers(case, &m.config.route, today);
                if triggers.is_empty() { Err(strings::NO_SUGGESTION.to_string()) } else { Ok(Kind::Dismiss(triggers)) }
            }
            _ => Ok(Kind::Absence),
        };
        Some(kind.map(|kind| EscalationScreen::new(case, kind, &m.config, m.now)))
    }

    /// The wizard on the case's current step; an evaluation per goal needs the plan in
    /// force first, so that is asked of the worker.
    fn wizard(&self, m: &mut Model) -> Nav {
        let per_goal = m
            .cases
            .get(&self.id)
            .and_then(|c| m.config.route.step(&c.step))
            .is_some_and(|s| s.fields.iter().any(|f| f.kind == FieldKind::Goals));
        if per_goal {
            m.job(Job::PlanGoals(self.id));
            return Nav::Stay;
        }
        open_wizard(m, self.id, &[])
    }

    /// The parents' copy of everything kept about the child (right of access), made by
    /// the worker from the stored case.
    fn export_access(&self, m: &mut Model) {
        let change =
            Change { case: Some(self.id), at: m.now, who: m.config.user.clone(), kind: ChangeKind::AccessExport };
        m.job(Job::ExportAccess { id: self.id, config: Box::new(m.config.clone()), change });
    }
}

/// A case's detail screen, with its history asked of the worker.
pub(super) fn open(m: &mut Model, id: CaseId) -> Screen {
    m.job(Job::History(id));
    Screen::Detail(Box::new(Detail::new(id)))
}

/// Opens the wizard on the case's current step, with the goals of its plan in force.
fn open_wizard(m: &mut Model, id: CaseId, goals: &[Goal]) -> Nav {
    let Some(case) = m.cases.get(&id) else { return Nav::Stay };
    match Wizard::open(case, m.drafts.get(&id), &m.config, m.now.date(), goals) {
        Some(w) => Nav::Push(Screen::Wizard(Box::new(w))),
        None => {
            let text = strings::unknown_step(&case.step);
            m.error(text);
            Nav::Stay
        }
    }
}

/// The consent screen for a case (from the detail screen or a step of the wizard).
pub(super) fn consent(m: &Model, id: CaseId) -> Nav {
    match m.cases.get(&id) {
        Some(case) => Nav::Push(Screen::Consent(Box::new(ConsentScreen::new(case, &m.config, m.now)))),
        None => Nav::Stay,
    }
}

impl Page for Detail {
    fn context(&self) -> Context {
        Context::Detail
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        use Action::*;
        match action {
            Escalate | Decide | Dismiss | Absence | EditQuestion => match self.escalation_form(m, action) {
                Some(Ok(screen)) => return Nav::Push(Screen::Escalate(Box::new(screen))),
                Some(Err(message)) => m.error(message),
                None => {}
            },
            Edit => {
                if let Some(case) = m.cases.get(&self.id) {
                    return Nav::Push(Screen::Case(Box::new(CaseForm::edit(case, &m.config))));
                }
            }
            Back => return Nav::Pop,
            Up => self.scroll = self.scroll.saturating_sub(1),
            Down => self.scroll = self.scroll.saturating_add(1),
            Plan => {
                let (config, who, at) = (Box::new(m.config.clone()), m.config.user.clone(), m.now);
                m.note(strings::PLAN_OPENING.into());
                m.job(Job::OpenPlan { id: self.id, config, who, at });
            }
            ExportAccess => self.export_access(m),
            Delete => m.popup = Some(Popup::ConfirmDelete(self.id)),
            Settle => match m.cases.get(&self.id) {
                Some(case) if !case.copy.clashes.is_empty() => m.popup = Some(Popup::Settle(self.id)),
                _ => m.note(strings::NO_CLASH.into()),
            },
            Consent => return consent(m, self.id),
            Wizard => return self.wizard(m),
            _ => {}
        }
        Nav::Stay
    }

    fn on_reply(&mut self, m: &mut Model, reply: Reply) -> Nav {
        match reply {
            Reply::History(id, history) if id == self.id => self.history = Some(history),
            Reply::PlanGoals(id, Ok(goals)) if id == self.id => return open_wizard(m, id, &goals),
            Reply::Plan(id, Ok(book)) if id == self.id => {
                m.plan_saved_at = m.now;
                return Nav::Push(Screen::Plan(Box::new(super::plan_editor::PlanEditor::new(id, *book))));
            }
            Reply::Exported(Ok(_)) => m.job(Job::History(self.id)),
            _ => {}
        }
        Nav::Stay
    }

    fn on_notice(&mut self, m: &mut Model, notice: Notice) -> Nav {
        match notice {
            Notice::Deleted(id) if id == self.id => return Nav::Pop,
            // A case that was open when the app locked gets its history back.
            Notice::Loaded => m.job(Job::History(self.id)),
            Notice::Saved { id, .. } if id == self.id => m.job(Job::History(id)),
            _ => {}
        }
        Nav::Stay
    }

    fn lock(&mut self) -> bool {
        self.history = None;
        true
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::detail::draw(m, self, frame, area);
        None
    }
}
