//! Escalation up the ladder of domain.md §4: when the tandem is stuck, a case goes to
//! the people who can decide (E1 school director and wijkteam team lead; E2
//! doorzettingsmacht: the SWV director and/or the municipal OGGO official; E3 the
//! bestuurlijk OGGO agenda), and the clock runs until someone has decided. Triggers
//! suggest escalating without doing it.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::case::Case;
use super::route::{Measure, Routekaart, Value};
use super::team::same_name;

choice_enum!(
    Level { E1 = "e1", E2 = "e2", E3 = "e3" });
impl Level {
    /// "E1", "E2", "E3": the short form on lists and flags.
    pub fn code(self) -> &'static str {
        ["E1", "E2", "E3"][self.index()]
    }
}

choice_enum!(
    /// Reason categories of domain.md §4.
    Reason { Disagree = "oneens", Funding = "financiering", NoOffer = "geen_aanbod", Absent = "thuiszitten",
             ParentsRefuse = "ouders_weigeren", Waiting = "wachttijd" });
choice_enum!(
    /// Whose question it is at E2: the SWV director decides on education, the
    /// municipality on care.
    Domain { Education = "onderwijs", Care = "zorg", Both = "beide" });
choice_enum!(
    /// The configured people who decide at each level.
    DeciderRole { SchoolDirector = "schooldirecteur", TeamLead = "teamleider_wijkteam", SwvDirector = "swv_directeur",
                  Municipality = "gemeente_oggo", Oggo = "oggo_overleg" });

/// A person (or, for E3, the meeting) who decides; from the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decider {
    pub role: DeciderRole,
    pub name: String,
    #[serde(default)]
    pub contact: String,
    /// The gemeente this person decides for: each gemeente has its own OGGO official,
    /// and a copy that works with schools in several gemeenten names one per gemeente.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
}

/// Weeks to a decision per level (domain.md §4); E3 waits for the next OGGO meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Terms {
    pub e1_weeks: u32,
    pub e2_weeks: u32,
}

impl Default for Terms {
    fn default() -> Self {
        Terms { e1_weeks: 2, e2_weeks: 4 }
    }
}

impl Terms {
    pub fn due(&self, level: Level, from: NaiveDate) -> Option<NaiveDate> {
        let weeks = match level {
            Level::E1 => self.e1_weeks,
            Level::E2 => self.e2_weeks,
            Level::E3 => return None,
        };
        from.checked_add_days(Days::new(u64::from(weeks) * 7))
    }
}

/// Who decides at `level` on a question of `domain`.
pub fn decider_roles(level: Level, domain: Domain) -> &'static [DeciderRole] {
    use DeciderRole::*;
    match (level, domain) {
        (Level::E1, _) => &[SchoolDirector, TeamLead],
        (Level::E2, Domain::Education) => &[SwvDirector],
        (Level::E2, Domain::Care) => &[Municipality],
        (Level::E2, Domain::Both) => &[SwvDirector, Municipality],
        (Level::E3, _) => &[Oggo],
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Who decided (name, as told).
    pub by: String,
    pub what: String,
    pub on: NaiveDate,
    pub follow_up: Option<NaiveDate>,
    /// The decision unblocked the case.
    pub resolved: bool,
}

/// One level of an escalation: what was asked of whom, and what they decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    pub level: Level,
    /// Whose question it is at this level (who decides at E2).
    pub domain: Domain,
    pub opened: NaiveDate,
    /// Member id of who asked.
    pub asked_by: String,
    pub question: String,
    /// The deciders' names when it was asked ("role: name").
    pub deciders: Vec<String>,
    pub due: Option<NaiveDate>,
    pub decision: Option<Decision>,
    /// The gemeente whose official was asked (a care question at E2), when the config
    /// names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
}

/// An escalation of one case; going up a level adds a rung and keeps the earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub reason: Reason,
    /// Oldest first; the last is the current level.
    pub rungs: Vec<Rung>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for a decision; `overdue` once its term passed.
    Waiting {
        overdue: bool,
    },
    /// Decided, but the case is still stuck: it can go up a level.
    Unresolved,
    Resolved,
}

impl Escalation {
    pub fn current(&self) -> Option<&Rung> {
        self.rungs.last()
    }

    pub fn level(&self) -> Level {
        self.current().map_or(Level::E1, |r| r.level)
    }

    pub fn state(&self, today: NaiveDate) -> State {
        let Some(r) = self.current() else { return State::Resolved };
        match &r.decision {
            Some(d) if d.resolved => State::Resolved,
            Some(_) => State::Unresolved,
            None => State::Waiting { overdue: r.due.is_some_and(|d| today > d) },
        }
    }

    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.state(today) != State::Resolved
    }

    /// The level it may go up to now: when its term passed without a decision, or the
    /// decision did not unblock the case.
    pub fn next_level(&self, today: NaiveDate) -> Option<Level> {
        let up = match self.level() {
            Level::E1 => Level::E2,
            Level::E2 => Level::E3,
            Level::E3 => return None,
        };
        matches!(self.state(today), State::Waiting { overdue: true } | State::Unresolved).then_some(up)
    }
}

/// What is asked of the deciders, for a new escalation or the next level.
pub struct Ask<'a> {
    pub reason: Reason,
    pub domain: Domain,
    pub question: String,
    pub asked_by: String,
    pub deciders: &'a [Decider],
    pub terms: Terms,
    /// The gemeente whose deciders are asked, when the config names more than one.
    pub gemeente: Option<String>,
}

/// The configured decider of `role` for `gemeente`: the one naming that gemeente, else
/// one naming none, else (no gemeente asked) the first.
fn decider_of<'a>(role: DeciderRole, gemeente: Option<&str>, configured: &'a [Decider]) -> Option<&'a Decider> {
    let of_role = || configured.iter().filter(move |d| d.role == role);
    let named = |d: &&Decider| match (gemeente, d.gemeente.as_deref()) {
        (Some(g), Some(own)) => same_name(g, own),
        _ => false,
    };
    of_role()
        .find(named)
        .or_else(|| of_role().find(|d| d.gemeente.is_none()))
        .or_else(|| of_role().next().filter(|_| gemeente.is_none()))
}

/// Who decides at `level` on a question of `domain` in `gemeente`: each role with its
/// configured person, None where no name is configured.
pub fn deciders_for<'a>(
    level: Level,
    domain: Domain,
    configured: &'a [Decider],
    gemeente: Option<&str>,
) -> Vec<(DeciderRole, Option<&'a Decider>)> {
    decider_roles(level, domain)
        .iter()
        .map(|role| (*role, decider_of(*role, gemeente, configured).filter(|d| !d.name.trim().is_empty())))
        .collect()
}

/// The gemeenten the configured deciders name, each once, as first written.
pub fn decider_gemeenten(configured: &[Decider]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in configured.iter().filter_map(|d| d.gemeente.as_deref()).filter(|g| !g.trim().is_empty()) {
        if !out.iter().any(|o| same_name(o, g)) {
            out.push(g.trim().to_string());
        }
    }
    out
}

impl DeciderRole {
    /// The role as a rung's decider entry keeps it ("directeur SWV: drs. P. Verbeek").
    /// Stored text, so it never changes; it is also what users read as the role.
    pub fn entry_name(self) -> &'static str {
        ["schooldirecteur", "teamleider wijkteam", "directeur SWV", "gemeente (OGGO)", "bestuurlijk OGGO-overleg"]
            [self.index()]
    }
}

/// The placeholder that records from before version 0.9 stored as a decider's name.
const UNSET_BEFORE_0_9: &str = "(niet ingesteld)";

/// How a rung keeps who decides: "role: name", or the role alone when no name is
/// configured or the name only repeats the role (the E3 meeting).
fn decider_entry(role: DeciderRole, name: Option<&str>) -> String {
    match name.filter(|n| !n.eq_ignore_ascii_case(role.entry_name())) {
        Some(name) => format!("{}: {name}", role.entry_name()),
        None => role.entry_name().to_string(),
    }
}

/// The name in a rung's decider entry; None for a role without a name (and for the
/// placeholder that records from before version 0.9 stored as a name).
pub fn decider_name(entry: &str) -> Option<&str> {
    entry.split_once(": ").map(|(_, n)| n.trim()).filter(|n| !n.is_empty() && *n != UNSET_BEFORE_0_9)
}

/// The role of a rung's decider entry, as stored.
pub fn decider_role(entry: &str) -> &str {
    entry.split_once(": ").map_or(entry, |(r, _)| r)
}

fn rung(ask: &Ask, level: Level, today: NaiveDate) -> Rung {
    let chosen = deciders_for(level, ask.domain, ask.deciders, ask.gemeente.as_deref());
    let deciders = chosen.iter().map(|(role, d)| decider_entry(*role, d.map(|d| d.name.trim()))).collect();
    // Only a question for a municipality's official belongs to a gemeente.
    let official = chosen.iter().find(|(role, _)| *role == DeciderRole::Municipality);
    let gemeente = official.and_then(|(_, d)| d.and_then(|d| d.gemeente.clone()).or_else(|| ask.gemeente.clone()));
    Rung {
        level,
        domain: ask.domain,
        opened: today,
        asked_by: ask.asked_by.clone(),
        question: ask.question.trim().to_string(),
        deciders,
        due: ask.terms.due(level, today),
        decision: None,
        gemeente,
    }
}

/// Why an escalation step was refused (the wording is `strings`').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationError {
    AlreadyOpen,
    CannotGoUp,
    NoneOpen,
    NoQuestion,
    /// A decision dated after today.
    InFuture,
}

/// Starts an escalation on the case at `level`; one at a time.
pub fn open(case: &mut Case, level: Level, ask: &Ask, today: NaiveDate) -> Result<(), EscalationError> {
    if case.escalations.iter().any(|e| e.is_open(today)) {
        return Err(EscalationError::AlreadyOpen);
    }
    if ask.question.trim().is_empty() {
        return Err(EscalationError::NoQuestion);
    }
    case.escalations.push(Escalation { reason: ask.reason, rungs: vec![rung(ask, level, today)] });
    Ok(())
}

/// The open escalation of a case, if any.
pub fn open_one(case: &Case, today: NaiveDate) -> Option<&Escalation> {
    case.escalations.iter().rev().find(|e| e.is_open(today))
}

fn open_mut(case: &mut Case, today: NaiveDate) -> Option<&mut Escalation> {
    case.escalations.iter_mut().rev().find(|e| e.is_open(today))
}

/// Corrects the question of the open escalation's current level (a stored question may
/// name the child, which keeps the E3 agenda from being written); the level it is at.
pub fn edit_question(case: &mut Case, question: &str, today: NaiveDate) -> Result<Level, EscalationError> {
    if question.trim().is_empty() {
        return Err(EscalationError::NoQuestion);
    }
    let rung = open_mut(case, today).and_then(|e| e.rungs.last_mut()).ok_or(EscalationError::NoneOpen)?;
    rung.question = question.trim().to_string();
    Ok(rung.level)
}

/// Takes the open escalation up one level, keeping what happened below.
pub fn go_up(case: &mut Case, ask: &Ask, today: NaiveDate) -> Result<Level, EscalationError> {
    if ask.question.trim().is_empty() {
        return Err(EscalationError::NoQuestion);
    }
    let e = open_mut(case, today).ok_or(EscalationError::NoneOpen)?;
    let level = e.next_level(today).ok_or(EscalationError::CannotGoUp)?;
    e.rungs.push(rung(ask, level, today));
    Ok(level)
}

/// Records the decision on the open level; it cannot be dated after `today`.
pub fn decide(case: &mut Case, decision: Decision, today: NaiveDate) -> Result<(), EscalationError> {
    if decision.on > today {
        return Err(EscalationError::InFuture);
    }
    let e = open_mut(case, today).ok_or(EscalationError::NoneOpen)?;
    match e.rungs.last_mut() {
        Some(r) if r.decision.is_none() => {
            r.decision = Some(decision);
            Ok(())
        }
        _ => Err(EscalationError::NoneOpen),
    }
}

/// A period the pupil was away from school; `to` None while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// More than this many days away in one period makes a thuiszitter.
pub const THUISZITTER_DAYS: i64 = 28;
/// The plan should be agreed this long after the tandem discussion.
pub const PLAN_WEEKS: u64 = 6;

/// What may call for escalation (domain.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    PlanLate,
    EvaluationOverdue,
    Thuiszitter,
    Disagreement,
}

/// A suggestion to escalate: what and since when (a dismissal holds for that `since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub since: NaiveDate,
    pub why: Why,
}

/// What a suggestion says, as data (the wording is `strings::trigger_why`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The plan is not agreed 6 weeks after the tandem discussion of that day.
    PlanLate(NaiveDate),
    /// The evaluation was due that day.
    EvaluationOverdue(NaiveDate),
    /// Away from school since `from`, for `days` days.
    Absent { from: NaiveDate, days: i64 },
    /// The tandem discussion ended in this outcome (its label).
    Disagreement(String),
}

/// A suggestion set aside, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    pub kind: TriggerKind,
    pub since: NaiveDate,
    pub reason: String,
    pub by: String,
    pub on: NaiveDate,
}

fn has_measure(route: &Routekaart, step: &str, pred: impl Fn(Measure) -> bool) -> bool {
    route.step(step).is_some_and(|s| s.fields.iter().any(|f| f.measure.is_some_and(&pred)))
}

/// The suggestions that stand for a case today: none while an escalation is open or
/// the case is closed, and none that were dismissed.
pub fn triggers(case: &Case, route: &Routekaart, today: NaiveDate) -> Vec<Trigger> {
    if case.closed_on.is_some() || open_one(case, today).is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The plan is not agreed 6 weeks after the latest tandem discussion.
    let tandem_date = case.visits.iter().rev().find_map(|v| {
        let step = route.step(&v.step)?;
        step.fields.iter().filter(|f| f.measure == Some(Measure::TandemDate)).find_map(|f| match v.values.get(&f.id) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        })
    });
    if let Some(d) = tandem_date {
        let agreed = case.visits.iter().any(|v| {
            v.done.as_ref().is_some_and(|x| x.on >= d) && has_measure(route, &v.step, |m| m == Measure::PlanAgreement)
        });
        let late = d.checked_add_days(Days::new(PLAN_WEEKS * 7)).is_some_and(|limit| today > limit);
        if late && !agreed {
            out.push(Trigger { kind: TriggerKind::PlanLate, since: d, why: Why::PlanLate(d) });
        }
    }
    // The evaluation step's deadline passed.
    let evaluating = has_measure(route, &case.step, |m| {
        matches!(m, Measure::SatisfactionSchool | Measure::SatisfactionWijkteam | Measure::SatisfactionParents)
    });
    if let (true, Some(due)) = (evaluating, case.due.filter(|d| *d < today)) {
        out.push(Trigger { kind: TriggerKind::EvaluationOverdue, since: due, why: Why::EvaluationOverdue(due) });
    }
    // Away from school for more than 4 weeks in one period that still lasts.
    for a in case.absences.iter().filter(|a| a.to.is_none_or(|to| to >= today)) {
        let days = (today - a.from).num_days();
        if days > THUISZITTER_DAYS {
            out.push(Trigger {
                kind: TriggerKind::Thuiszitter,
                since: a.from,
                why: Why::Absent { from: a.from, days },
            });
        }
    }
    // The tandem discussion ended in disagreement (an outcome marked `escalate`).
    if let Some(v) = case.visits.iter().rev().find(|v| v.done.is_some()) {
        let done = v.done.as_ref().map(|d| (d.on, d.outcome.as_str()));
        let outcome = route.step(&v.step).and_then(|s| done.and_then(|(_, o)| s.outcomes.iter().find(|x| x.id == o)));
        if let (Some((on, _)), Some(o)) = (done, outcome.filter(|o| o.escalate)) {
            let opened_since = case.escalations.iter().any(|e| e.rungs.first().is_some_and(|r| r.opened >= on));
            if !opened_since {
                out.push(Trigger {
                    kind: TriggerKind::Disagreement,
                    since: on,
                    why: Why::Disagreement(o.label.clone()),
                });
            }
        }
    }
    out.retain(|t| !case.dismissals.iter().any(|d| d.kind == t.kind && d.since == t.since));
    out
}

/// A row of the escalation overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRow {
    pub case: super::case::CaseId,
    pub pupil: String,
    pub level: Level,
    pub reason: Reason,
    pub opened: NaiveDate,
    pub due: Option<NaiveDate>,
    /// The rung's decider entries, as stored.
    pub deciders: Vec<String>,
    pub question: String,
    pub state: State,
    /// The SWV may receive the dossier: escalated to the SWV director with consent
    /// "delen met SWV" recorded. None when the SWV director is not involved.
    pub swv_consent: Option<bool>,
}

/// The purpose whose consent lets an escalation dossier go to the SWV.
pub const SWV_PURPOSE: &str = "delen_swv";

pub fn swv_consent(case: &Case, e: &Escalation, today: NaiveDate) -> Option<bool> {
    let to_swv = e.rungs.iter().any(|r| decider_roles(r.level, r.domain).contains(&DeciderRole::SwvDirector));
    to_swv.then(|| super::consent::given(&case.consents, SWV_PURPOSE, &case.intake, today))
}

/// Every open escalation, the most urgent deadline first (overdue first, none last).
pub fn overview<'a>(cases: impl Iterator<Item = &'a Case>, today: NaiveDate) -> Vec<OpenRow> {
    let mut rows: Vec<OpenRow> = cases
        .filter_map(|c| {
            let e = open_one(c, today)?;
            let r = e.current()?;
            Some(OpenRow {
                case: c.id,
                pupil: c.pupil_name(),
                level: r.level,
                reason: e.reason,
                opened: r.opened,
                due: r.due,
                deciders: r.deciders.clone(),
                question: r.question.clone(),
                state: e.state(today),
                swv_consent: swv_consent(c, e, today),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.due.is_none(), a.due, std::cmp::Reverse(a.level), a.opened, &a.pupil).cmp(&(
            b.due.is_none(),
            b.due,
            std::cmp::Reverse(b.level),
            b.opened,
            &b.pupil,
        ))
    });
    rows
}

/// An E3 question that names its child, so the agenda is not written: which case, at
/// which level, which name (the fix is in that case's escalation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub case: super::case::CaseId,
    pub pupil: String,
    pub level: Level,
    pub name: String,
}

/// An open E3 question on the agenda: its reason, the question and since when.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AgendaItem {
    pub reason: Reason,
    pub question: String,
    pub opened: NaiveDate,
}

/// The E3 items for the bestuurlijk OGGO, by reason: structural, so no child is named.
/// Refused, with every place to fix, when a question holds a name of its case
/// (`names::found_in`).
pub fn agenda<'a>(cases: impl Iterator<Item = &'a Case>, today: NaiveDate) -> Result<Vec<AgendaItem>, Vec<Named>> {
    let mut items = Vec::new();
    let mut named = Vec::new();
    for case in cases {
        let Some((e, r)) = open_one(case, today).and_then(|e| Some(e).zip(e.current())) else { continue };
        if r.level != Level::E3 {
            continue;
        }
        if let Some(name) = super::names::found_in(&r.question, &super::names::of_case(case)) {
            named.push(Named { case: case.id, pupil: case.pupil_name(), level: r.level, name });
        }
        items.push(AgendaItem { reason: e.reason, question: r.question.clone(), opened: r.opened });
    }
    if !named.is_empty() {
        return Err(named);
    }
    items.sort();
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{CaseId, DomainTag, Gezag, Intake, SignalSource};
    use crate::domain::consent::{Consent, ConsentForm};
    use crate::domain::route::{Done, Values, Visit};
    use crate::domain::testing::route;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn case(name: &str, step: &str) -> Case {
        let intake = Intake {
            first_name: name.into(),
            last_name: String::new(),
            birth_date: NaiveDate::from_ymd_opt(2016, 5, 1).unwrap(),
            groep: 5,
            gezag: Gezag::BothParents,
            signal_date: d(8, 20),
            source: SignalSource::Teacher,
            domains: vec![DomainTag::Shared],
            note: String::new(),
            holder: "anna".into(),
        };
        Case::new(CaseId::random(), intake, step.into(), None)
    }

    /// Each gemeente has its own OGGO official: a care question goes to the one of the
    /// gemeente asked, and the rung keeps that gemeente; a question for the SWV director
    /// alone belongs to no gemeente.
    #[test]
    fn a_care_question_goes_to_the_official_of_the_gemeente_asked() {
        let deciders = crate::domain::demo::deciders();
        assert_eq!(decider_gemeenten(&deciders), ["Overbetuwe", "Neder-Betuwe"]);
        let care = |gemeente: Option<&str>| Ask {
            domain: Domain::Care,
            deciders: &deciders,
            gemeente: gemeente.map(str::to_string),
            ..ask("Wie betaalt de begeleiding?")
        };
        let rung_of = |ask: &Ask| {
            let mut c = crate::domain::testing::sample_case();
            open(&mut c, Level::E2, ask, d(11, 2)).unwrap();
            c.escalations[0].rungs[0].clone()
        };
        let rung = rung_of(&care(Some("neder-betuwe ")));
        assert_eq!(
            (rung.deciders, rung.gemeente.as_deref()),
            (vec!["gemeente (OGGO): J. Bakker (OGGO)".to_string()], Some("Neder-Betuwe"))
        );
        let rung = rung_of(&care(None));
        assert_eq!(rung.deciders, ["gemeente (OGGO): M. de Lange (OGGO)"], "none asked: the first configured");
        assert_eq!(rung.gemeente.as_deref(), Some("Overbetuwe"));
        let rung = rung_of(&care(Some("Buren")));
        assert_eq!(
            (rung.deciders, rung.gemeente.as_deref()),
            (vec!["gemeente (OGGO)".to_string()], Some("Buren")),
            "no official named for Buren: the role, and the gemeente asked"
        );
        let rung = rung_of(&Ask { domain: Domain::Education, ..care(Some("Neder-Betuwe")) });
        assert_eq!((rung.deciders, rung.gemeente), (vec!["directeur SWV: drs. P. Verbeek".to_string()], None));
    }

    fn ask(question: &str) -> Ask<'static> {
        Ask {
            reason: Reason::Funding,
            domain: Domain::Education,
            question: question.into(),
            asked_by: "anna".into(),
            deciders: &[],
            terms: Terms::default(),
            gemeente: None,
        }
    }

    fn visit(step: &str, vals: &[(&str, Value)], done: Option<(NaiveDate, &str)>) -> Visit {
        let values: Values = vals.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let done = done.map(|(on, o)| Done { on, outcome: o.into(), by: "anna".into() });
        Visit { step: step.into(), entered: d(9, 1), values, done }
    }

    #[test]
    fn terms_and_deciders_follow_the_ladder() {
        let t = Terms::default();
        assert_eq!(t.due(Level::E1, d(11, 2)), Some(d(11, 16)));
        assert_eq!(t.due(Level::E2, d(11, 2)), Some(d(11, 30)));
        assert_eq!(t.due(Level::E3, d(11, 2)), None, "E3 waits for the OGGO meeting");
        assert_eq!(decider_roles(Level::E1, Domain::Care), [DeciderRole::SchoolDirector, DeciderRole::TeamLead]);
        assert_eq!(decider_roles(Level::E2, Domain::Education), [DeciderRole::SwvDirector]);
        assert_eq!(decider_roles(Level::E2, Domain::Care), [DeciderRole::Municipality]);
        assert_eq!(decider_roles(Level::E2, Domain::Both), [DeciderRole::SwvDirector, DeciderRole::Municipality]);
    }

    #[test]
    fn an_escalation_waits_goes_up_when_late_or_unresolved_and_keeps_its_history() {
        let mut c = case("Sem", "S4");
        let deciders = crate::domain::demo::deciders();
        let first = Ask { deciders: &deciders, ..ask("Wie betaalt de begeleiding?") };
        open(&mut c, Level::E1, &first, d(11, 2)).unwrap();
        assert_eq!(open(&mut c, Level::E1, &first, d(11, 3)), Err(EscalationError::AlreadyOpen));
        let e = open_one(&c, d(11, 3)).unwrap();
        assert_eq!(
            e.current().unwrap().deciders,
            ["schooldirecteur: Ria Hoekstra", "teamleider wijkteam: Karim Bouzid"]
        );
        assert_eq!(e.state(d(11, 16)), State::Waiting { overdue: false });
        assert_eq!(e.next_level(d(11, 16)), None, "not before the term has passed");
        assert_eq!(e.state(d(11, 17)), State::Waiting { overdue: true });

        // Late: up to E2, to the SWV director, with a new term.
        let second = Ask { deciders: &deciders, ..ask("Doorzettingsmacht: SWV betaalt?") };
        assert_eq!(go_up(&mut c, &second, d(11, 17)), Ok(Level::E2));
        let e = open_one(&c, d(11, 17)).unwrap();
        assert_eq!(e.rungs.len(), 2, "E1 stays in the history");
        assert_eq!(e.current().unwrap().due, Some(d(12, 15)));
        assert_eq!(e.current().unwrap().deciders, ["directeur SWV: drs. P. Verbeek"]);

        // Decided without unblocking: may go up again; decided and resolved: closed.
        let no = Decision {
            by: "Verbeek".into(),
            what: "Geen budget".into(),
            on: d(11, 20),
            follow_up: None,
            resolved: false,
        };
        decide(&mut c, no, d(11, 20)).unwrap();
        assert_eq!(open_one(&c, d(11, 20)).unwrap().state(d(11, 20)), State::Unresolved);
        assert_eq!(go_up(&mut c, &ask("Structureel tekort"), d(11, 21)), Ok(Level::E3));
        assert_eq!(go_up(&mut c, &ask("hoger"), d(11, 21)), Err(EscalationError::CannotGoUp));
        let yes = Decision {
            by: "OGGO".into(),
            what: "Budget".into(),
            on: d(12, 1),
            follow_up: Some(d(3, 1)),
            resolved: true,
        };
        decide(&mut c, yes.clone(), d(12, 1)).unwrap();
        assert!(open_one(&c, d(12, 1)).is_none());
        assert_eq!(decide(&mut c, yes, d(12, 2)), Err(EscalationError::NoneOpen));
        assert_eq!(go_up(&mut c, &ask("?"), d(12, 2)), Err(EscalationError::NoneOpen));
        assert_eq!(open(&mut c, Level::E1, &ask(" "), d(12, 2)), Err(EscalationError::NoQuestion));
    }

    #[test]
    fn a_decision_cannot_be_dated_after_today() {
        let mut c = case("Sem", "S4");
        open(&mut c, Level::E1, &ask("Wie betaalt?"), d(11, 2)).unwrap();
        let on =
            |day| Decision { by: "Ria".into(), what: "Ja".into(), on: d(11, day), follow_up: None, resolved: true };
        assert_eq!(decide(&mut c, on(21), d(11, 20)), Err(EscalationError::InFuture));
        assert!(open_one(&c, d(11, 20)).is_some_and(|e| e.current().is_some_and(|r| r.decision.is_none())));
        assert_eq!(decide(&mut c, on(20), d(11, 20)), Ok(()), "today is fine");
    }

    #[test]
    fn plan_late_after_six_weeks_without_agreement() {
        let r = route();
        let mut c = case("Sem", "S5");
        c.visits = vec![visit("S3", &[("datum", Value::Date(d(9, 1)))], Some((d(9, 1), "analyse")))];
        assert!(triggers(&c, &r, d(10, 13)).is_empty(), "6 weeks to the day is still in time");
        let t = triggers(&c, &r, d(10, 14));
        assert_eq!(t.iter().map(|t| t.kind).collect::<Vec<_>>(), [TriggerKind::PlanLate]);
        c.visits.push(visit("S5", &[("akkoord_ouders", Value::YesNo(true))], Some((d(10, 10), "uitvoeren"))));
        assert!(triggers(&c, &r, d(10, 14)).is_empty(), "agreed (even late) ends it");
    }

    #[test]
    fn evaluation_overdue_thuiszitter_and_disagreement() {
        let r = route();
        let mut c = case("Sem", "S7");
        c.due = Some(d(11, 1));
        assert_eq!(triggers(&c, &r, d(11, 2))[0].kind, TriggerKind::EvaluationOverdue);
        c.step = "S6".into();
        assert!(triggers(&c, &r, d(11, 2)).is_empty(), "only the evaluation step counts");

        c.absences.push(Absence { from: d(10, 1), to: None });
        assert!(triggers(&c, &r, d(10, 29)).is_empty(), "28 days is not more than 4 weeks");
        assert_eq!(triggers(&c, &r, d(10, 30))[0].kind, TriggerKind::Thuiszitter);
        c.absences[0].to = Some(d(10, 20));
        assert!(triggers(&c, &r, d(10, 30)).is_empty(), "back at school");

        let mut c = case("Noor", "S3");
        c.visits = vec![visit("S3", &[], Some((d(11, 2), "oneens")))];
        assert_eq!(triggers(&c, &r, d(11, 3))[0].kind, TriggerKind::Disagreement);
        open(&mut c, Level::E1, &ask("Wie?"), d(11, 3)).unwrap();
        assert!(triggers(&c, &r, d(11, 4)).is_empty(), "none while an escalation is open");
    }

    #[test]
    fn a_dismissed_suggestion_stays_away_until_its_cause_is_new() {
        let r = route();
        let mut c = case("Sem", "S6");
        c.absences.push(Absence { from: d(9, 1), to: None });
        let t = triggers(&c, &r, d(11, 1)).remove(0);
        c.dismissals.push(Dismissal {
            kind: t.kind,
            since: t.since,
            reason: "ziek, arts betrokken".into(),
            by: "anna".into(),
            on: d(11, 1),
        });
        assert!(triggers(&c, &r, d(11, 2)).is_empty());
        c.absences[0].to = Some(d(11, 5));
        c.absences.push(Absence { from: d(11, 20), to: None });
        assert_eq!(triggers(&c, &r, d(12, 20)).len(), 1, "a new absence is a new suggestion");
    }

    #[test]
    fn the_overview_puts_the_nearest_deadline_first_and_marks_swv_consent() {
        let mut a = case("Anna", "S4");
        let mut b = case("Bram", "S4");
        let mut e3 = case("Cas", "S4");
        let closed = case("Dirk", "S4");
        open(&mut a, Level::E1, &ask("?"), d(11, 10)).unwrap(); // due 24-11
        open(&mut b, Level::E2, &ask("?"), d(11, 1)).unwrap(); // due 29-11
        open(&mut e3, Level::E3, &ask("Structureel"), d(10, 1)).unwrap(); // no due
        b.consents.push(Consent::by_all(
            SWV_PURPOSE,
            crate::domain::consent::Decision::Given,
            ConsentForm::Written,
            &b.intake,
            d(11, 1),
            "anna",
        ));
        let cases = [e3.clone(), b.clone(), closed, a.clone()];
        let rows = overview(cases.iter(), d(11, 20));
        let names: Vec<&str> = rows.iter().map(|r| r.pupil.as_str()).collect();
        assert_eq!(names, ["Anna", "Bram", "Cas"]);
        assert_eq!(rows[0].swv_consent, None, "E1 does not go to the SWV");
        assert_eq!(rows[1].swv_consent, Some(true));
        assert_eq!(rows[1].level, Level::E2);

        let items = agenda(cases.iter(), d(11, 20)).unwrap();
        assert_eq!(items, [AgendaItem { reason: Reason::Funding, question: "Structureel".into(), opened: d(10, 1) }]);
    }

    #[test]
    fn an_agenda_question_that_names_its_child_is_refused_with_the_place() {
        let mut c = case("Noor", "S4");
        c.intake.last_name = "Bakker".into();
        open(&mut c, Level::E3, &ask("Noör zit thuis omdat er geen plek is"), d(10, 1)).unwrap();
        let other = case("Sem", "S4");
        let refused = agenda([other, c.clone()].iter(), d(11, 20)).unwrap_err();
        assert_eq!(refused, [Named { case: c.id, pupil: "Noor Bakker".into(), level: Level::E3, name: "Noor".into() }]);

        assert_eq!(edit_question(&mut c, "  ", d(11, 20)), Err(EscalationError::NoQuestion));
        assert_eq!(edit_question(&mut c, " Zit thuis: geen plek ", d(11, 20)), Ok(Level::E3));
        assert_eq!(c.escalations[0].rungs.len(), 1, "corrected in place");
        let items = agenda([c.clone()].iter(), d(11, 20)).unwrap();
        assert_eq!(items.iter().map(|i| i.question.as_str()).collect::<Vec<_>>(), ["Zit thuis: geen plek"]);
        let mut quiet = case("Sem", "S4");
        assert_eq!(edit_question(&mut quiet, "vraag", d(11, 20)), Err(EscalationError::NoneOpen));
    }
}
