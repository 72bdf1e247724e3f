//! Recording consent for a purpose (given or withdrawn), with whose consent it is
//! computed from the child's age on the date of the decision.

use chrono::NaiveDateTime;

use super::form::{Field, Form};
use crate::config::Config;
use crate::domain::case::Case;
use crate::domain::consent::{Consent, ConsentForm};
use crate::domain::date;
use crate::domain::history::{Change, ChangeKind};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentScreen {
    pub case: Case,
    pub form: Form,
}

const PURPOSE: usize = 0;
const DECISION: usize = 1;
const FORM_KIND: usize = 2;
const DATE: usize = 3;

impl ConsentScreen {
    pub fn new(case: &Case, config: &Config, now: NaiveDateTime) -> ConsentScreen {
        let purposes = config.route.purposes.iter().map(|p| p.name.clone()).collect();
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let form = Form::with_button(
            vec![
                Field::choice(strings::CONSENT_PURPOSE, true, purposes, None),
                Field::choice(strings::CONSENT_DECISION, true, strs(strings::CONSENT_DECISIONS), Some(0)),
                Field::choice(strings::CONSENT_FORM, true, strs(strings::CONSENT_FORMS), None),
                Field::text(strings::CONSENT_DATE, true, 10, strings::DATE_HINT, &date::format(now.date())),
            ],
            strings::RECORD_BUTTON,
        );
        ConsentScreen { case: case.clone(), form }
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
        let on = match date::parse(&f[DATE].text) {
            Ok(d) if d > now.date() => {
                errors.push((DATE, strings::IN_FUTURE.to_string()));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push((DATE, e.to_string()));
                None
            }
        };
        let (Some(p), Some(decision), Some(kind), Some(on), true) =
            (f[PURPOSE].choice, f[DECISION].choice, f[FORM_KIND].choice, on, errors.is_empty())
        else {
            self.form.show_errors(errors);
            return None;
        };
        let purpose = config.route.purposes[p].id.clone();
        let given = decision == 0;
        let form = if kind == 0 { ConsentForm::Oral } else { ConsentForm::Written };
        let mut case = self.case.clone();
        case.consents.push(Consent::record(&purpose, given, form, case.intake.birth_date, on, &config.user));
        let change = Change {
            case: Some(case.id),
            at: now,
            who: config.user.clone(),
            kind: ChangeKind::ConsentRecorded { purpose, given },
        };
        Some((Box::new(case), change))
    }
}
