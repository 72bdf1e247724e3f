//! The case form: maps a case to form fields and back, and asks the domain to validate.

use chrono::{NaiveDate, NaiveDateTime};

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field as FormField, Form, Kind};
use super::model::{Model, Notice};
use super::screen::{Nav, Page, close_when_saved, form_action, form_page, save_case};
use crate::config::Config;
use crate::domain::case::{self, Case, CaseDraft, CaseId, DomainTag, Field, GROEPEN, Gezag, SignalSource};
use crate::domain::date;
use crate::domain::history::Change;
use crate::strings::{self, Label};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseForm {
    pub form: Form,
    /// The case being edited; None for a new one.
    pub original: Option<Case>,
    /// A new case's id, chosen once: saving again after a failed save is the same case.
    new_id: CaseId,
}

impl CaseForm {
    /// A new case: signalled today, held by the user, at the first step.
    pub fn new_case(config: &Config, today: NaiveDate) -> CaseForm {
        let draft = CaseDraft {
            signal_date: date::format(today),
            holder: Some(config.user.clone()),
            step: config.route.first().map(|s| s.id.clone()),
            ..CaseDraft::default()
        };
        CaseForm { form: Form::new(fields(&draft, config)), original: None, new_id: CaseId::random() }
    }

    /// Edits a case; on the meldcode branch the note is not offered (it takes nothing), nor
    /// is what this copy does not hold (it has stand-ins there, and saves never write them).
    pub fn edit(case: &Case, config: &Config) -> CaseForm {
        let mut form = Form::new(fields(&CaseDraft::from_case(case), config));
        let mut closed = |field: Field, hint| {
            if let Some(f) = form.fields.get_mut(field as usize) {
                *f = FormField::text(field.label(), false, 0, hint, "");
            }
        };
        if config.route.note_barred(&case.visits) {
            closed(Field::Note, strings::NOTE_BARRED_HINT);
        }
        for field in Field::form().iter().copied().filter(|f| case.copy.withholds(*f)) {
            closed(field, strings::NOT_SHARED_HINT);
        }
        CaseForm { form, original: Some(case.clone()), new_id: case.id }
    }

    pub fn title(&self) -> String {
        match &self.original {
            None => strings::NEW_CASE_TITLE.to_string(),
            Some(c) => format!("{} {}", strings::EDIT_CASE_TITLE, strings::pupil(c)),
        }
    }

    fn draft(&self, config: &Config) -> CaseDraft {
        let f = |field: Field| &self.form.fields[field as usize];
        let pick = |field: Field| f(field).choice;
        let typed = CaseDraft {
            first_name: f(Field::FirstName).text.clone(),
            last_name: f(Field::LastName).text.clone(),
            birth_date: f(Field::BirthDate).text.clone(),
            groep: pick(Field::Groep).map(|i| *GROEPEN.start() + i as u8),
            gezag: pick(Field::Gezag).map(|i| Gezag::ALL[i]),
            signal_date: f(Field::SignalDate).text.clone(),
            source: pick(Field::Source).map(|i| SignalSource::ALL[i]),
            domains: DomainTag::ALL
                .iter()
                .zip(&f(Field::Domains).checked)
                .filter_map(|(t, on)| on.then_some(*t))
                .collect(),
            note: f(Field::Note).text.clone(),
            holder: pick(Field::Holder).map(|i| config.team.members[i].id.clone()),
            step: match &self.original {
                Some(case) => Some(case.step.clone()),
                None => config.route.first().map(|s| s.id.clone()),
            },
            due: f(Field::Due).text.clone(),
        };
        // Where this copy holds no identity, what it has passes the checks; `submit` puts
        // back what the record held.
        match &self.original {
            Some(case) if case.copy.anonymous() => {
                let kept = CaseDraft::from_case(case);
                let first_name = strings::ANONYMOUS_PUPIL.to_string();
                CaseDraft {
                    first_name,
                    last_name: kept.last_name,
                    birth_date: kept.birth_date,
                    gezag: kept.gezag,
                    ..typed
                }
            }
            _ => typed,
        }
    }

    /// Re-checks one field after the user left it, so errors show while typing on.
    pub fn check_field(&mut self, index: usize, config: &Config, today: NaiveDate) {
        if let Some(&field) = Field::form().get(index) {
            let draft = self.draft(config);
            // An untouched empty field is not an error yet; it is flagged on save.
            let empty = draft_is_empty(&self.form.fields[index]);
            self.form.fields[index].error =
                if empty { None } else { draft.check_field(field, today).map(|e| e.to_string()) };
        }
    }

    /// Validates everything; on failure the errors are shown in the form.
    pub fn submit(&mut self, config: &Config, now: NaiveDateTime) -> Submitted {
        let draft = self.draft(config);
        match draft.validate(now.date(), &|id| config.team.member(id).is_some()) {
            Err(errors) => {
                self.form.show_errors(errors.into_iter().map(|(f, e)| (f as usize, e.to_string())).collect());
                Submitted::Invalid
            }
            Ok((intake, step, due)) => {
                self.form.show_errors(Vec::new());
                let mut case = match &self.original {
                    Some(o) => Case { intake: kept_withheld(intake, o), due, ..o.clone() },
                    None => Case::new(self.new_id, intake, step.clone(), due),
                };
                case.set_step(step, &config.route, now.date());
                match Change::between(self.original.as_ref(), &case, &config.user, now) {
                    Some(change) => Submitted::Save(Box::new(case), change),
                    None => Submitted::Unchanged,
                }
            }
        }
    }
}

pub enum Submitted {
    Invalid,
    Unchanged,
    Save(Box<Case>, Change),
}

/// `intake` with what `original`'s copy does not hold as the record holds it: a save
/// never writes those parts, and the record keeps its stand-ins.
fn kept_withheld(mut intake: case::Intake, original: &Case) -> case::Intake {
    let (keep, was) = (|f| original.copy.withholds(f), &original.intake);
    if keep(Field::FirstName) {
        intake.first_name.clone_from(&was.first_name);
    }
    if keep(Field::LastName) {
        intake.last_name.clone_from(&was.last_name);
    }
    if keep(Field::BirthDate) {
        intake.birth_date = was.birth_date;
    }
    if keep(Field::Gezag) {
        intake.gezag = was.gezag;
    }
    if keep(Field::Note) {
        intake.note.clone_from(&was.note);
    }
    intake
}

fn draft_is_empty(f: &FormField) -> bool {
    f.text.is_empty() && f.choice.is_none() && !f.checked.iter().any(|c| *c)
}

fn fields(d: &CaseDraft, config: &Config) -> Vec<FormField> {
    let labels = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Field::form()
        .iter()
        .filter_map(|&field| {
            let (label, req) = (field.label(), field.required());
            let f = match field {
                Field::FirstName => {
                    FormField::text(label, req, case::NAME_MAX, strings::FIRST_NAME_HINT, &d.first_name)
                }
                Field::LastName => FormField::text(label, req, case::NAME_MAX, "", &d.last_name),
                Field::BirthDate => FormField::text(label, req, 10, strings::DATE_HINT, &d.birth_date),
                Field::SignalDate => FormField::text(label, req, 10, strings::DATE_HINT, &d.signal_date),
                Field::Due => FormField::text(label, req, 10, strings::DATE_HINT, &d.due),
                Field::Note => FormField::text(label, req, case::NOTE_MAX, strings::NOTE_HINT, &d.note),
                Field::Groep => FormField::choice(
                    label,
                    req,
                    GROEPEN.map(|g| g.to_string()).collect(),
                    d.groep.map(|g| (g - GROEPEN.start()) as usize),
                ),
                Field::Gezag => FormField::choice(label, req, labels(strings::GEZAG), d.gezag.map(Gezag::index)),
                Field::Source => {
                    FormField::choice(label, req, labels(strings::SOURCES), d.source.map(SignalSource::index))
                }
                Field::Domains => FormField::multi(
                    label,
                    req,
                    labels(strings::DOMAINS),
                    DomainTag::ALL.iter().map(|t| d.domains.contains(t)).collect(),
                ),
                Field::Holder => FormField::choice(
                    label,
                    req,
                    config.team.members.iter().map(|m| format!("{} ({})", m.name, config.role_name(&m.role))).collect(),
                    d.holder.as_ref().and_then(|h| config.team.members.iter().position(|m| &m.id == h)),
                ),
                // Not in `Field::form()`: the wizard moves the step.
                Field::Step => return None,
            };
            Some(f)
        })
        .collect()
}

impl Page for CaseForm {
    form_page!();

    fn move_focus(&mut self, m: &mut Model, forward: bool) {
        let left = self.form.step_focus(forward);
        self.check_field(left, &m.config, m.now.date());
    }

    /// Choice fields are complete as soon as they change: check them right away.
    fn typed(&mut self, m: &mut Model, index: usize, _: bool) {
        if !matches!(self.form.fields.get(index).map(|f| &f.kind), Some(Kind::Text { .. })) {
            self.check_field(index, &m.config, m.now.date());
        }
    }

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        match self.submit(&m.config, m.now) {
            Submitted::Invalid => m.error(strings::FIX_FIELDS.into()),
            Submitted::Unchanged => {
                m.note(strings::NO_CHANGES.into());
                return Nav::Pop;
            }
            Submitted::Save(case, change) => save_case(&mut self.form, m, case, change),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_without_the_identity_edits_the_rest_and_keeps_its_stand_ins() {
        let config = Config::demo().unwrap();
        let mut case = crate::domain::testing::sample_case();
        case.intake.first_name.clear();
        case.intake.last_name.clear();
        case.copy.withheld = vec![crate::domain::share::Part::Identity, crate::domain::share::Part::Notes];
        let mut form = CaseForm::edit(&case, &config);
        assert_eq!(form.title(), format!("{} {}", strings::EDIT_CASE_TITLE, strings::ANONYMOUS_PUPIL));
        for field in [Field::FirstName, Field::LastName, Field::BirthDate, Field::Gezag, Field::Note] {
            let f = &form.form.fields[field as usize];
            assert!(f.text.is_empty() && f.choice.is_none() && !f.required, "{field:?} is closed: {f:?}");
        }
        let groep = &mut form.form.fields[Field::Groep as usize].choice;
        *groep = groep.map(|g| if g == 0 { 1 } else { 0 });
        let at = crate::domain::testing::d(2026, 12, 3).and_hms_opt(9, 0, 0).unwrap();
        let Submitted::Save(saved, _) = form.submit(&config, at) else { panic!("{:?}", form.form) };
        assert_ne!(saved.intake.groep, case.intake.groep);
        assert_eq!((saved.intake.birth_date, saved.intake.gezag), (case.intake.birth_date, case.intake.gezag));
        assert!(saved.intake.first_name.is_empty());
        assert_eq!(saved.intake.note, case.intake.note);
    }
}
