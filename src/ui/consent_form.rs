//! Recording consent for a purpose (given, refused or withdrawn) and who decided: the
//! parties offered are those whose consent counts for the child's age today.

use chrono::NaiveDateTime;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form};
use super::model::{Model, Notice};
use super::screen::{Nav, Page, close_when_saved, form_action, form_page, save_case};
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

/// The fields' names.
mod id {
    pub const PURPOSE: &str = "purpose";
    pub const DECISION: &str = "decision";
    pub const FORM: &str = "form";
    pub const WHO: &str = "who";
    pub const DATE: &str = "date";
}

impl ConsentScreen {
    pub fn new(case: &Case, config: &Config, now: NaiveDateTime) -> ConsentScreen {
        let purposes = config.route.purposes.iter().map(|p| p.name.clone()).collect();
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parties = Party::required(&case.intake, now.date());
        let who = parties.iter().map(|p| strings::party(*p, case.intake.gezag).to_string()).collect();
        let today = date::format(now.date());
        let form = Form::with_button(
            vec![
                Field::choice(strings::CONSENT_PURPOSE, true, purposes, None).named(id::PURPOSE),
                Field::choice(strings::CONSENT_DECISION, true, strs(strings::CONSENT_DECISIONS), Some(0))
                    .named(id::DECISION),
                Field::choice(strings::CONSENT_FORM, true, strs(strings::CONSENT_FORMS), None).named(id::FORM),
                Field::multi(strings::CONSENT_WHO, true, who, vec![true; parties.len()]).named(id::WHO),
                Field::text(strings::CONSENT_DATE, true, 10, strings::DATE_HINT, &today).named(id::DATE),
            ],
            strings::RECORD_BUTTON,
        );
        ConsentScreen { case: case.clone(), form, parties }
    }

    /// The case with the decision added and its history entry, or None with the problems
    /// shown in the form.
    pub fn submit(&mut self, config: &Config, now: NaiveDateTime) -> Option<(Box<Case>, Change)> {
        let f = &self.form;
        let mut problems = f.bsn_problems();
        for at in [id::PURPOSE, id::DECISION, id::FORM] {
            if f.choice(at).is_none() {
                problems.push((at, strings::REQUIRED.to_string()));
            }
        }
        let on = date::parse(&f.text(id::DATE)).map_err(|e| problems.push((id::DATE, e.to_string()))).ok();
        let (Some(p), Some(decision), Some(kind), Some(on), true) =
            (f.choice(id::PURPOSE), f.choice(id::DECISION), f.choice(id::FORM), on, problems.is_empty())
        else {
            self.form.show_problems(problems);
            return None;
        };
        let purpose = config.route.purposes[p].id.clone();
        let decision = Decision::ALL[decision.min(Decision::ALL.len() - 1)];
        let form = if kind == 0 { ConsentForm::Oral } else { ConsentForm::Written };
        let parties = self.parties.iter().zip(f.checked(id::WHO)).filter(|(_, on)| **on).map(|(p, _)| *p).collect();
        let mut case = self.case.clone();
        match Consent::record(&purpose, decision, parties, form, &case.intake, on, now.date(), &config.user) {
            Ok(c) => case.consents.push(c),
            Err(e) => {
                let at = if e == ConsentError::InFuture { id::DATE } else { id::WHO };
                self.form.show_problems(vec![(at, e.to_string())]);
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
    form_page!();

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
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
