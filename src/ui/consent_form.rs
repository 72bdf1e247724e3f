//! Recording consent for a purpose (given, refused or withdrawn) and who decided: the
//! parties offered are those whose consent counts for the child's age today.

use chrono::NaiveDateTime;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form};
use super::model::{Model, Notice};
use super::screen::{Nav, Page, close_when_saved, form_action, save_case};
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::consent::{Consent, ConsentError, ConsentForm, Decision, Party};
use crate::domain::date;
use crate::domain::history::{Change, ChangeKind};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentScreen {
    pub case: Case,
    pub form: Form,
    /// The parties of the "who" field, in its order.
    pub parties: Vec<Party>,
}

const PURPOSE: usize = 0;
const DECISION: usize = 1;
const FORM_KIND: usize = 2;
const WHO: usize = 3;
const DATE: usize = 4;

impl ConsentScreen {
    pub fn new(case: &Case, config: &Config, now: NaiveDateTime) -> ConsentScreen {
        let purposes = config.route.purposes.iter().map(|p| p.name.clone()).collect();
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parties = Party::required(&case.intake, now.date());
        let who = parties.iter().map(|p| p.label(case.intake.gezag).to_string()).collect();
        let form = Form::with_button(
            vec![
                Field::choice(strings::CONSENT_PURPOSE, true, purposes, None),
                Field::choice(strings::CONSENT_DECISION, true, strs(strings::CONSENT_DECISIONS), Some(0)),
                Field::choice(strings::CONSENT_FORM, true, strs(strings::CONSENT_FORMS), None),
                Field::multi(strings::CONSENT_WHO, true, who, vec![true; parties.len()]),
                Field::text(strings::CONSENT_DATE, true, 10, strings::DATE_HINT, &date::format(now.date())),
            ],
            strings::RECORD_BUTTON,
        );
        ConsentScreen { case: case.clone(), form, parties }
    }

    /// The case with the decision added and its history entry, or None with the problems
    /// shown in the form.
    pub fn submit(&mut self, config: &Config, now: NaiveDateTime) -> Option<(Box<Case>, Change)> {
        let f = &self.form.fields;
        let mut errors = self.form.bsn_errors();
        for i in [PURPOSE, DECISION, FORM_KIND] {
            if f[i].choice.is_none() {
                errors.push((i, strings::REQUIRED.to_string()));
            }
        }
        let on = date::parse(&f[DATE].text).map_err(|e| errors.push((DATE, e.to_string()))).ok();
        let (Some(p), Some(decision), Some(kind), Some(on), true) =
            (f[PURPOSE].choice, f[DECISION].choice, f[FORM_KIND].choice, on, errors.is_empty())
        else {
            self.form.show_errors(errors);
            return None;
        };
        let purpose = config.route.purposes[p].id.clone();
        let decision = Decision::ALL[decision.min(Decision::ALL.len() - 1)];
        let form = if kind == 0 { ConsentForm::Oral } else { ConsentForm::Written };
        let parties = self.parties.iter().zip(&f[WHO].checked).filter(|(_, on)| **on).map(|(p, _)| *p).collect();
        let mut case = self.case.clone();
        match Consent::record(&purpose, decision, parties, form, &case.intake, on, now.date(), &config.user) {
            Ok(c) => case.consents.push(c),
            Err(e) => {
                let at = if e == ConsentError::InFuture { DATE } else { WHO };
                self.form.show_errors(vec![(at, e.to_string())]);
                return None;
            }
        }
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::consent(purpose, decision),
        };
        Some((Box::new(case), change))
    }
}

impl Page for ConsentScreen {
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
            Some((case, change)) => save_case(&mut self.form, m, case, change),
            None => m.error(strings::FIX_FIELDS.into()),
        }
        Nav::Stay
    }

    fn on_notice(&mut self, _: &mut Model, notice: Notice) -> Nav {
        close_when_saved(notice)
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::form_screen(m, strings::CONSENT_TITLE, &self.form, frame, area)
    }
}
