//! A pupil's case: what is recorded at intake (the signal, step S0) plus where it stands
//! on the routekaart. There is deliberately no BSN field, and notes that look like one
//! are refused: tandem may not store it (domain.md §5).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::absence::WeekHours;
use super::consent::Consent;
use super::date::{self, DateError};
use super::escalation::{Absence, Dismissal, Escalation};
use super::route::{self, Done, Outcome, Routekaart, Values, Visit};
use super::share;

/// A random id: the key reveals nothing about the pupil or the order of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CaseId(pub Uuid);

impl CaseId {
    pub fn random() -> Self {
        CaseId(Uuid::new_v4())
    }

    pub fn from_rng(rng: &mut impl rand::Rng) -> Self {
        CaseId(uuid::Builder::from_random_bytes(rng.random()).into_uuid())
    }
}

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

choice_enum!(
    /// Who holds parental authority; consent later depends on it.
    Gezag { BothParents = "beide_ouders", Mother = "moeder", Father = "vader",
            Guardian = "voogd", Other = "anders" });
choice_enum!(
    /// Who raised the signal.
    SignalSource { Teacher = "leerkracht", IbEr = "ib", Wijkteam = "wijkteam",
                   Parent = "ouder", Pupil = "leerling", Other = "anders" });
choice_enum!(
    /// The domains a question touches; `Safety` marks "zorgen over veiligheid".
    DomainTag { Education = "onderwijs", Shared = "gedeeld", YouthCare = "jeugdhulp",
                Safety = "veiligheid" });

/// Primary school groups 1 to 8.
pub const GROEPEN: std::ops::RangeInclusive<u8> = 1..=8;

/// What is recorded at the signal (step S0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub groep: u8,
    pub gezag: Gezag,
    pub signal_date: NaiveDate,
    pub source: SignalSource,
    pub domains: Vec<DomainTag>,
    #[serde(default)]
    pub note: String,
    /// Member id of the case holder.
    pub holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    /// Bumped by the store on every save; the SWV export later keeps the highest.
    pub revision: u64,
    pub intake: Intake,
    /// A `StepDef::id` of the routekaart.
    pub step: String,
    /// The next date something must have happened.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// When the case reached a closing step; starts the retention clock.
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// The route walked so far, oldest first; the last visit is the current step.
    #[serde(default)]
    pub visits: Vec<Visit>,
    /// Consent decisions per purpose, in the order recorded.
    #[serde(default)]
    pub consents: Vec<Consent>,
    /// Escalations up the ladder, oldest first; at most one open.
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// Periods away from school (a thuiszitter after 4 weeks).
    #[serde(default)]
    pub absences: Vec<Absence>,
    /// Hours of unauthorised absence per school week, in week order (a report to DUO
    /// at 16 hours within 4 school weeks).
    #[serde(default)]
    pub absence_hours: Vec<WeekHours>,
    /// Escalation suggestions set aside, with why.
    #[serde(default)]
    pub dismissals: Vec<Dismissal>,
    /// The school whose pupil this is: one copy may hold the cases of several schools.
    #[serde(default)]
    pub school: String,
    /// What this copy holds of the case beyond the record (never travels).
    #[serde(default, skip_serializing_if = "is_default")]
    pub copy: share::Copy,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Case {
    /// A case not stored yet (revision 0) with nothing walked on the route.
    pub fn new(id: CaseId, intake: Intake, step: String, due: Option<NaiveDate>) -> Case {
        Case {
            id,
            revision: 0,
            intake,
            step,
            due,
            closed_on: None,
            visits: Vec::new(),
            consents: Vec::new(),
            escalations: Vec::new(),
            absences: Vec::new(),
            absence_hours: Vec::new(),
            dismissals: Vec::new(),
            school: String::new(),
            copy: share::Copy::default(),
        }
    }

    pub fn pupil_name(&self) -> String {
        let i = &self.intake;
        if i.last_name.is_empty() { i.first_name.clone() } else { format!("{} {}", i.first_name, i.last_name) }
    }

    /// Moves the case to `step`: entering a closing step starts the retention clock,
    /// leaving one stops it.
    pub fn set_step(&mut self, step: String, route: &Routekaart, today: NaiveDate) {
        match (route.closes(&self.step) && self.closed_on.is_some(), route.closes(&step)) {
            (false, true) => self.closed_on = Some(today),
            (_, false) => self.closed_on = None,
            (true, true) => {}
        }
        self.step = step;
    }

    /// A closed case closed on the date its closing step records (the retention clock and
    /// the SWV's figures count from it), not on the day that step was entered.
    pub fn date_closing(&mut self, route: &Routekaart) {
        if self.closed_on.is_none() {
            return;
        }
        if let Some(on) = self.current_visit().and_then(|v| route.closing_date(&self.step, &v.values)) {
            self.closed_on = Some(on);
        }
    }

    /// The open visit of the current step (a case from before the route was recorded
    /// has none until its step is first worked on).
    pub fn current_visit(&self) -> Option<&Visit> {
        self.visits.last().filter(|v| v.step == self.step && v.done.is_none())
    }

    /// Stores what was recorded in the current step without completing it.
    pub fn record(&mut self, values: Values, today: NaiveDate) {
        if self.current_visit().is_none() {
            self.visits.push(Visit { step: self.step.clone(), entered: today, values: Values::new(), done: None });
        }
        if let Some(v) = self.visits.last_mut() {
            v.values = values;
        }
    }

    /// Clears the signal's note once the route bars it (a safety concern: the meldcode
    /// branch keeps no content).
    pub fn bar_note(&mut self, route: &Routekaart) {
        if route.note_barred(&self.visits) {
            self.intake.note.clear();
        }
    }

    /// Names `own` (this copy's school) as the school of a case recorded before cases
    /// named theirs.
    pub fn name_school(&mut self, own: &str) {
        if self.school.is_empty() {
            self.school = own.to_string();
        }
    }

    /// Drops what completed steps recorded: the screens never show it, and thousands of
    /// cases stay in memory. The store fills it in again on save (`fill_from`); the
    /// parents' copy is made from the stored case.
    /// Deadlines count from dates recorded in earlier steps, and a safety concern bars the
    /// note: those values stay.
    pub fn lighten(&mut self, route: &Routekaart) {
        let sources = route.kept_fields();
        for v in self.visits.iter_mut().filter(|v| v.done.is_some()) {
            let step = v.step.as_str();
            v.values.retain(|field, _| sources.contains(&(step, field)));
        }
        // Decoding grows lists by doubling: a route of nine visits holds room for sixteen.
        self.visits.shrink_to_fit();
        self.consents.shrink_to_fit();
    }

    /// Restores what `lighten` dropped, from the stored case: a completed visit never
    /// changes, so the stored visit at the same place has all its values.
    pub fn fill_from(&mut self, stored: &Case) {
        for (v, s) in self.visits.iter_mut().zip(&stored.visits) {
            if v.done.is_some() && v.step == s.step && v.done == s.done {
                v.values = s.values.clone();
            }
        }
    }

    /// Completes the current step with `outcome` and enters the step it leads to. The
    /// caller has checked `StepDef::blockers`.
    pub fn complete_step(&mut self, route: &Routekaart, values: Values, outcome: &Outcome, by: &str, today: NaiveDate) {
        self.record(values, today);
        if let Some(v) = self.visits.last_mut() {
            v.done = Some(Done { on: today, outcome: outcome.id.clone(), by: by.to_string() });
        }
        self.visits.push(Visit { step: outcome.next.clone(), entered: today, values: Values::new(), done: None });
        self.set_step(outcome.next.clone(), route, today);
    }

    /// The earliest of the date set by hand and the routekaart's deadline for the step.
    pub fn next_due(&self, route: &Routekaart) -> Option<NaiveDate> {
        let route_due = if route.closes(&self.step) { None } else { route::deadline(route, &self.visits) };
        match (self.due, route_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn has_domain(&self, tag: DomainTag) -> bool {
        self.intake.domains.contains(&tag)
    }

    /// Which fields differ from `before`: the history says what changed, never the content.
    pub fn changed_fields(&self, before: &Case) -> Vec<Field> {
        let (a, b) = (&self.intake, &before.intake);
        let checks = [
            (Field::FirstName, a.first_name != b.first_name),
            (Field::LastName, a.last_name != b.last_name),
            (Field::BirthDate, a.birth_date != b.birth_date),
            (Field::Groep, a.groep != b.groep),
            (Field::Gezag, a.gezag != b.gezag),
            (Field::SignalDate, a.signal_date != b.signal_date),
            (Field::Source, a.source != b.source),
            (Field::Domains, a.domains != b.domains),
            (Field::Note, a.note != b.note),
            (Field::Holder, a.holder != b.holder),
            (Field::Due, self.due != before.due),
            (Field::Step, self.step != before.step),
        ];
        checks.into_iter().filter_map(|(f, changed)| changed.then_some(f)).collect()
    }
}

/// The fields of the case form, in form order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FirstName,
    LastName,
    BirthDate,
    Groep,
    Gezag,
    SignalDate,
    Source,
    Domains,
    Note,
    Holder,
    Due,
    /// Shown, not edited in the form: the routekaart wizard moves a case on.
    Step,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::FirstName,
        Field::LastName,
        Field::BirthDate,
        Field::Groep,
        Field::Gezag,
        Field::SignalDate,
        Field::Source,
        Field::Domains,
        Field::Note,
        Field::Holder,
        Field::Due,
        Field::Step,
    ];

    /// The fields of the case form, in order: all but the step (last), which the wizard
    /// moves.
    pub fn form() -> &'static [Field] {
        &Field::ALL[..Field::ALL.len() - 1]
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn required(self) -> bool {
        !matches!(self, Field::LastName | Field::Note | Field::Due)
    }
}

pub const NAME_MAX: usize = 40;
pub const NOTE_MAX: usize = 500;
/// Ages a primary-school pupil can plausibly have on the signal date; outside this a
/// typo in the year is far more likely than a real case.
pub const AGE_RANGE: std::ops::RangeInclusive<u32> = 2..=16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    Date(DateError),
    TooLong { max: usize },
    InFuture,
    AgeOutOfRange { age: Option<u32> },
    DueBeforeSignal,
    LooksLikeBsn,
    UnknownMember,
}

/// The case form's content as typed, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseDraft {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub groep: Option<u8>,
    pub gezag: Option<Gezag>,
    pub signal_date: String,
    pub source: Option<SignalSource>,
    pub domains: Vec<DomainTag>,
    pub note: String,
    pub holder: Option<String>,
    pub step: Option<String>,
    pub due: String,
}

impl CaseDraft {
    pub fn from_case(case: &Case) -> Self {
        let i = &case.intake;
        CaseDraft {
            first_name: i.first_name.clone(),
            last_name: i.last_name.clone(),
            birth_date: date::format(i.birth_date),
            groep: Some(i.groep),
            gezag: Some(i.gezag),
            signal_date: date::format(i.signal_date),
            source: Some(i.source),
            domains: i.domains.clone(),
            note: i.note.clone(),
            holder: Some(i.holder.clone()),
            step: Some(case.step.clone()),
            due: case.due.map(date::format).unwrap_or_default(),
        }
    }

    /// Checks one field on its own (for inline errors while typing).
    pub fn check_field(&self, field: Field, today: NaiveDate) -> Option<FieldError> {
        self.validate(today, &|_| true)
            .err()
            .and_then(|errs| errs.into_iter().find(|(f, _)| *f == field).map(|(_, e)| e))
    }

    /// Validates every field; `is_member` says whether a holder id belongs to the team.
    /// Returns the intake, step and due date, or every problem found in form order.
    #[allow(clippy::type_complexity)]
    pub fn validate(
        &self,
        today: NaiveDate,
        is_member: &dyn Fn(&str) -> bool,
    ) -> Result<(Intake, String, Option<NaiveDate>), Vec<(Field, FieldError)>> {
        let mut errors = Vec::new();
        let first_name = check_text(Field::FirstName, &self.first_name, NAME_MAX, &mut errors);
        let last_name = check_text(Field::LastName, &self.last_name, NAME_MAX, &mut errors);
        let birth = check_date(Field::BirthDate, &self.birth_date, &mut errors);
        let signal = check_date(Field::SignalDate, &self.signal_date, &mut errors);
        let due = check_date(Field::Due, &self.due, &mut errors);
        check_date_order(birth, signal, due, today, &mut errors);
        self.check_choices(is_member, &mut errors);
        let note = check_text(Field::Note, &self.note, NOTE_MAX, &mut errors);

        errors.sort_by_key(|(f, _)| *f as usize);
        match (birth, signal, self.groep, self.gezag, self.source, &self.holder, &self.step) {
            (Some(birth_date), Some(signal_date), Some(groep), Some(gezag), Some(source), Some(h), Some(step))
                if errors.is_empty() =>
            {
                let mut domains = self.domains.clone();
                domains.sort();
                domains.dedup();
                let intake = Intake {
                    first_name,
                    last_name,
                    birth_date,
                    groep,
                    gezag,
                    signal_date,
                    source,
                    domains,
                    note,
                    holder: h.clone(),
                };
                Ok((intake, step.clone(), due))
            }
            _ => Err(errors),
        }
    }

    /// The fields picked from a list: each must be chosen, the holder from the team.
    fn check_choices(&self, is_member: &dyn Fn(&str) -> bool, errors: &mut Vec<(Field, FieldError)>) {
        let mut err = |f: Field, e: FieldError| errors.push((f, e));
        if self.groep.is_none() {
            err(Field::Groep, FieldError::Required);
        }
        if self.gezag.is_none() {
            err(Field::Gezag, FieldError::Required);
        }
        if self.source.is_none() {
            err(Field::Source, FieldError::Required);
        }
        if self.domains.is_empty() {
            err(Field::Domains, FieldError::Required);
        }
        match &self.holder {
            None => err(Field::Holder, FieldError::Required),
            Some(h) if !is_member(h) => err(Field::Holder, FieldError::UnknownMember),
            Some(_) => {}
        }
        if self.step.is_none() {
            err(Field::Step, FieldError::Required);
        }
    }
}

/// A text field, trimmed: required unless the field is optional, at most `max`
/// characters, and no BSN.
fn check_text(f: Field, s: &str, max: usize, errors: &mut Vec<(Field, FieldError)>) -> String {
    let s = s.trim();
    if s.is_empty() && f.required() {
        errors.push((f, FieldError::Required));
    } else if s.chars().count() > max {
        errors.push((f, FieldError::TooLong { max }));
    } else if contains_bsn(s) {
        errors.push((f, FieldError::LooksLikeBsn));
    }
    s.to_string()
}

/// A typed date; None when empty (an error if the field is required) or not a date.
fn check_date(f: Field, s: &str, errors: &mut Vec<(Field, FieldError)>) -> Option<NaiveDate> {
    if s.trim().is_empty() {
        if f.required() {
            errors.push((f, FieldError::Required));
        }
        return None;
    }
    date::parse(s).map_err(|e| errors.push((f, FieldError::Date(e)))).ok()
}

/// The dates against today and each other: a birth that fits a primary-school pupil on
/// the signal date, no signal after today, the next action not before the signal.
fn check_date_order(
    birth: Option<NaiveDate>,
    signal: Option<NaiveDate>,
    due: Option<NaiveDate>,
    today: NaiveDate,
    errors: &mut Vec<(Field, FieldError)>,
) {
    if let Some(b) = birth {
        let on = signal.unwrap_or(today);
        let age = date::age_on(b, on);
        if b > today {
            errors.push((Field::BirthDate, FieldError::InFuture));
        } else if !age.is_some_and(|a| AGE_RANGE.contains(&a)) {
            errors.push((Field::BirthDate, FieldError::AgeOutOfRange { age }));
        }
    }
    if signal.is_some_and(|s| s > today) {
        errors.push((Field::SignalDate, FieldError::InFuture));
    }
    if let (Some(s), Some(d)) = (signal, due)
        && d < s
    {
        errors.push((Field::Due, FieldError::DueBeforeSignal));
    }
}

/// Most characters that may stand between two digits of one number ("111 - 222 - 333").
const BSN_GAP: usize = 3;

/// True when `text` holds nine digits that pass the BSN "elfproef", written together or
/// with spaces, dots, dashes or other signs between them (but no letters, and no more
/// than `BSN_GAP` signs in a row). Nine digits cut from a longer number ("0612345678")
/// do not count. The one check of every free-text field tandem stores.
pub fn contains_bsn(text: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    // The digit groups of the number being read, and the signs since its last digit.
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut gap = 0;
    let mut found = false;
    // Compatibility forms first: full-width digits are digits too.
    for c in text.nfkc() {
        if let Some(digit) = c.to_digit(10) {
            if gap > 0 || groups.is_empty() {
                groups.push(Vec::new());
            }
            gap = 0;
            if let Some(g) = groups.last_mut() {
                g.push(digit);
            }
        } else if c.is_alphanumeric() || gap >= BSN_GAP {
            found |= has_bsn(&groups);
            groups.clear();
            gap = 0;
        } else {
            gap += 1;
        }
    }
    found || has_bsn(&groups)
}

/// Whether whole consecutive digit groups of one number make nine digits that pass the
/// elfproef.
fn has_bsn(groups: &[Vec<u32>]) -> bool {
    (0..groups.len()).any(|start| {
        let mut digits = Vec::new();
        for g in &groups[start..] {
            digits.extend_from_slice(g);
            if digits.len() >= 9 {
                break;
            }
        }
        digits.len() == 9 && elfproef(&digits)
    })
}

fn elfproef(digits: &[u32]) -> bool {
    let sum: i64 =
        digits[..8].iter().zip((2..=9).rev()).map(|(d, w)| i64::from(*d) * w).sum::<i64>() - i64::from(digits[8]);
    sum % 11 == 0 && digits.iter().any(|d| *d != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::d;

    const TODAY: (i32, u32, u32) = (2026, 11, 23);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn good() -> CaseDraft {
        CaseDraft {
            first_name: " Sem ".into(),
            last_name: "".into(),
            birth_date: "14-03-2017".into(),
            groep: Some(4),
            gezag: Some(Gezag::BothParents),
            signal_date: "02-11-2026".into(),
            source: Some(SignalSource::Teacher),
            domains: vec![DomainTag::Shared, DomainTag::Education, DomainTag::Shared],
            note: "Slaapt slecht, komt vaak te laat.".into(),
            holder: Some("anna".into()),
            step: Some("S0".into()),
            due: "".into(),
        }
    }

    fn errors(draft: &CaseDraft) -> Vec<(Field, FieldError)> {
        draft.validate(today(), &|id| id == "anna").unwrap_err()
    }

    #[test]
    fn a_good_draft_becomes_an_intake() {
        let (intake, step, due) = good().validate(today(), &|id| id == "anna").unwrap();
        assert_eq!(intake.first_name, "Sem");
        assert_eq!(intake.domains, vec![DomainTag::Education, DomainTag::Shared]);
        assert_eq!(intake.birth_date, d(2017, 3, 14));
        assert_eq!((step.as_str(), due), ("S0", None));
    }

    #[test]
    fn every_required_field_is_named() {
        let errs = errors(&CaseDraft::default());
        let fields: Vec<Field> = errs.iter().map(|(f, _)| *f).collect();
        let required: Vec<Field> = Field::ALL.into_iter().filter(|f| f.required()).collect();
        assert_eq!(fields, required);
        assert!(errs.iter().all(|(_, e)| *e == FieldError::Required));
    }

    #[test]
    fn dates_are_checked_against_today_and_each_other() {
        let mut draft = good();
        draft.signal_date = "24-11-2026".into();
        assert_eq!(errors(&draft), vec![(Field::SignalDate, FieldError::InFuture)]);

        let mut draft = good();
        draft.birth_date = "14-03-1917".into();
        assert_eq!(errors(&draft), vec![(Field::BirthDate, FieldError::AgeOutOfRange { age: Some(109) })]);

        let mut draft = good();
        draft.due = "01-11-2026".into();
        assert_eq!(errors(&draft), vec![(Field::Due, FieldError::DueBeforeSignal)]);

        let mut draft = good();
        draft.due = "31-11-2026".into();
        assert_eq!(errors(&draft), vec![(Field::Due, FieldError::Date(DateError::NoSuchDay))]);
    }

    #[test]
    fn unknown_holder_and_long_note_are_refused() {
        let mut draft = good();
        draft.holder = Some("piet".into());
        draft.note = "x".repeat(NOTE_MAX + 1);
        assert_eq!(
            errors(&draft),
            vec![(Field::Note, FieldError::TooLong { max: NOTE_MAX }), (Field::Holder, FieldError::UnknownMember)]
        );
    }

    #[test]
    fn a_bsn_in_a_note_is_refused() {
        // 111222333 passes the elfproef; 123456789 does not.
        assert!(contains_bsn("bsn 111222333 genoemd"));
        assert!(!contains_bsn("tel 123456789"));
        assert!(!contains_bsn("1112223330"));
        for sep in ["111 222 333", "111.222.333", "111-222-333", "111 - 222 - 333", "111/222/333", "1 1 1 2 2 2 3 3 3"]
        {
            assert!(contains_bsn(&format!("bsn: {sep}.")), "{sep}");
        }
        assert!(contains_bsn("１１１２２２３３３"), "full-width digits");
        assert!(contains_bsn("groep 5 111 222 333"), "a number before it does not hide it");
        assert!(!contains_bsn("tel 06-12 34 56 78"), "nine digits cut from a phone number do not count");
        assert!(!contains_bsn("111 222 33 4"), "the elfproef still decides");
        assert!(!contains_bsn("111a222b333"), "letters end a number");
        assert!(!contains_bsn("111    222    333"), "a long gap ends a number");
        let mut draft = good();
        draft.note = "BSN 111222333".into();
        assert_eq!(errors(&draft), vec![(Field::Note, FieldError::LooksLikeBsn)]);
    }

    #[test]
    fn check_field_reports_only_that_field() {
        let mut draft = good();
        draft.birth_date = "3-3".into();
        draft.first_name.clear();
        assert_eq!(draft.check_field(Field::BirthDate, today()), Some(FieldError::Date(DateError::Shape)));
        assert_eq!(draft.check_field(Field::Groep, today()), None);
    }

    #[test]
    fn closing_starts_the_retention_clock_and_reopening_stops_it() {
        let route: Routekaart = crate::domain::testing::route();
        let (intake, step, due) = good().validate(today(), &|_| true).unwrap();
        let mut c = Case::new(CaseId::random(), intake, step, due);
        c.set_step("S8".into(), &route, d(2026, 1, 5));
        assert_eq!(c.closed_on, Some(d(2026, 1, 5)));
        c.set_step("S8".into(), &route, d(2026, 3, 1));
        assert_eq!(c.closed_on, Some(d(2026, 1, 5)), "staying closed keeps the first date");
        c.set_step("S7".into(), &route, d(2026, 3, 1));
        assert_eq!(c.closed_on, None);
    }

    #[test]
    fn a_case_closes_on_the_date_its_closing_step_records() {
        let route: Routekaart = crate::domain::testing::route();
        let (intake, step, due) = good().validate(today(), &|_| true).unwrap();
        let mut c = Case::new(CaseId::random(), intake, step, due);
        let recorded = d(2026, 11, 25);
        c.set_step("S8".into(), &route, recorded);
        let mut values = Values::new();
        values.insert("datum".into(), route::Value::Date(d(2026, 11, 20)));
        values.insert("reden".into(), route::Value::Text("doelen behaald".into()));
        c.record(values, recorded);
        c.date_closing(&route);
        assert_eq!(c.closed_on, Some(d(2026, 11, 20)), "closed on the recorded date, not the day it was typed");
        c.set_step("S7".into(), &route, recorded);
        c.date_closing(&route);
        assert_eq!(c.closed_on, None, "an open case has no closing date");
    }

    #[test]
    fn a_light_copy_loses_nothing_once_filled_from_the_stored_case() {
        let config = crate::domain::testing::school();
        let stored = crate::domain::demo::cases(10, 3, &config.route, &config.team, today())
            .into_iter()
            .find(|c| c.visits.len() > 3)
            .unwrap();
        let mut light = stored.clone();
        light.lighten(&config.route);
        let kept: Vec<&str> = light
            .visits
            .iter()
            .filter(|v| v.done.is_some())
            .flat_map(|v| v.values.iter().map(|(k, _)| k.as_str()))
            .collect();
        let stays = ["datum", "gestart", "veiligheid"];
        assert!(kept.iter().all(|k| stays.contains(k)), "only deadline dates and the safety answer stay: {kept:?}");
        assert_eq!(light.current_visit(), stored.current_visit(), "the step being worked on keeps its values");
        light.intake.note = "bewerkt".into();
        light.fill_from(&stored);
        assert_eq!(light.visits, stored.visits);
        assert_eq!(light.intake.note, "bewerkt");
    }

    #[test]
    fn changed_fields_name_what_changed() {
        let (intake, step, due) = good().validate(today(), &|_| true).unwrap();
        let before = Case::new(CaseId::random(), intake, step, due);
        let mut after = before.clone();
        after.intake.note = "anders".into();
        after.due = Some(today());
        assert_eq!(after.changed_fields(&before), vec![Field::Note, Field::Due]);
        assert!(before.changed_fields(&before).is_empty());
    }
}
