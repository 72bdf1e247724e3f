//! The integraal plan van aanpak (domain.md §3): one plan for school and care, written
//! with the parents. A `PlanBook` keeps every version; the last one is being worked on
//! until all its signatures are dated, which freezes it. An adjustment after an
//! evaluation starts a new version from a copy, and the frozen ones stay readable.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::{Case, Gezag};
use super::date;
use super::route::{Measure, Routekaart, Value};
use super::team::Team;

/// Where a routekaart field's value goes in a new plan (`plan = "..."` in the file), so
/// nothing recorded on the route is asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanPart {
    Betrokkenen,
    Vraag,
    Krachten,
    Behoeften,
    Factoren,
    Zelf,
    /// A yes/no field: "ja" means an OPP or groeidocument exists.
    Opp,
    /// Any value means the meldcode was started.
    Meldcode,
}

impl PlanPart {
    /// The text a value goes into; None for the flags of §14.
    fn text(self) -> Option<TextPart> {
        match self {
            PlanPart::Betrokkenen => Some(TextPart::Betrokkenen),
            PlanPart::Vraag => Some(TextPart::Vraag),
            PlanPart::Krachten => Some(TextPart::Krachten),
            PlanPart::Behoeften => Some(TextPart::Behoeften),
            PlanPart::Factoren => Some(TextPart::Factoren),
            PlanPart::Zelf => Some(TextPart::Zelf),
            PlanPart::Opp | PlanPart::Meldcode => None,
        }
    }

    /// The section the value is shown in.
    fn section(self) -> Section {
        match self {
            PlanPart::Betrokkenen => Section::Family,
            PlanPart::Vraag => Section::Question,
            PlanPart::Krachten => Section::Strengths,
            PlanPart::Behoeften => Section::Needs,
            PlanPart::Factoren => Section::Factors,
            PlanPart::Zelf => Section::Own,
            PlanPart::Opp | PlanPart::Meldcode => Section::References,
        }
    }
}

/// A free-text part of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPart {
    Betrokkenen,
    Vraag,
    Krachten,
    Behoeften,
    Factoren,
    Zelf,
    Criteria,
    Delen,
}

choice_enum!(
    /// Where a goal or a piece of support belongs (domain.md §3).
    PlanDomain { Onderwijs = "onderwijs", Gedeeld = "gedeeld", Jeugdhulp = "jeugdhulp", Overig = "overig" });
choice_enum!(
    Priority { High = "hoog", Middle = "midden", Low = "laag" });
choice_enum!(
    /// Who carries out an action, when it is not a named person.
    Party { School = "school", Wijkteam = "wijkteam", Ouders = "ouders", Netwerk = "netwerk",
            Extern = "extern" });
choice_enum!(
    ActionStatus { Planned = "gepland", Busy = "bezig", Done = "klaar", Dropped = "vervallen" });
choice_enum!(
    /// Who pays for support in a domain.
    Payer { School = "school", Swv = "swv", Gemeente = "gemeente", Zvw = "zvw", Wlz = "wlz",
            Ouders = "ouders" });
choice_enum!(
    SignerRole { Parent = "ouder", Child = "kind", IbEr = "ib", Wijkteam = "wijkteam" });

/// A concern with its priority (§3); goals refer to it by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    pub id: u32,
    pub text: String,
    pub priority: Priority,
}

/// A SMART goal (§7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: u32,
    pub text: String,
    pub domain: PlanDomain,
    /// How the evaluation tells whether it was reached.
    pub criterion: String,
    /// The `Concern::id` it answers.
    pub concern: Option<u32>,
}

/// What will be done (§8): by a party or a named person, by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub what: String,
    pub party: Option<Party>,
    /// A named person, instead of or besides the party.
    pub person: String,
    pub by: Option<NaiveDate>,
    pub status: ActionStatus,
    pub goal: Option<u32>,
}

/// The division of responsibility for one domain (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub domain: PlanDomain,
    pub what: String,
    pub payer: Option<Payer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub role: SignerRole,
    pub name: String,
    pub signed: Option<NaiveDate>,
}

impl Signer {
    /// A signature cannot be dated after `today`.
    pub fn check_date(&self, today: NaiveDate) -> Result<(), PlanError> {
        if self.signed.is_some_and(|d| d > today) { Err(PlanError::SignedInFuture) } else { Ok(()) }
    }
}

/// Why a signature may not be put under a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRefusal {
    /// Dated after today.
    InFuture,
    /// The plan still lacks this many things outside the sign-off.
    Incomplete(usize),
}

impl Plan {
    /// What stands against `signer`'s signature: none dated after today, and none under
    /// a plan that still lacks something (its own signatures aside). A signer without a
    /// date signs nothing yet.
    pub fn signature_refusals(&self, signer: &Signer, today: NaiveDate) -> Vec<SignatureRefusal> {
        let mut refusals = Vec::new();
        if signer.check_date(today).is_err() {
            refusals.push(SignatureRefusal::InFuture);
        }
        let open = self.missing().iter().filter(|m| m.place.section != Section::SignOff).count();
        if signer.signed.is_some() && open > 0 {
            refusals.push(SignatureRefusal::Incomplete(open));
        }
        refusals
    }
}

/// One version of the plan; sections in the order of domain.md §3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub started: NaiveDate,
    /// §1 beside the pupil's own data: the people involved.
    pub betrokkenen: String,
    /// §2
    pub vraag: String,
    /// §3
    pub krachten: String,
    pub concerns: Vec<Concern>,
    /// §4
    pub behoeften: String,
    /// §5
    pub factoren: String,
    /// §6
    pub division: Vec<Division>,
    /// §7
    pub goals: Vec<Goal>,
    /// §8
    pub actions: Vec<Action>,
    /// §9
    pub zelf: String,
    /// §10
    pub regiehouder: String,
    pub contact: String,
    /// §11
    pub evaluations: Vec<NaiveDate>,
    pub criteria: String,
    /// §12, beside the consents recorded on the case.
    pub delen: String,
    /// §13
    pub signers: Vec<Signer>,
    /// §14: only whether they exist, never their content.
    pub opp: bool,
    pub meldcode: bool,
    /// The next free id for concerns and goals.
    pub next_id: u32,
}

/// The 14 sections of domain.md §3, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Family,
    Question,
    Strengths,
    Needs,
    Factors,
    Division,
    Goals,
    Actions,
    Own,
    Regie,
    Evaluation,
    Sharing,
    SignOff,
    References,
}

impl Section {
    pub const ALL: [Section; 14] = [
        Section::Family,
        Section::Question,
        Section::Strengths,
        Section::Needs,
        Section::Factors,
        Section::Division,
        Section::Goals,
        Section::Actions,
        Section::Own,
        Section::Regie,
        Section::Evaluation,
        Section::Sharing,
        Section::SignOff,
        Section::References,
    ];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a completeness item points: a section and, for lists, the item's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub section: Section,
    pub item: Option<usize>,
}

/// Something missing before the plan can be agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub place: Place,
    pub gap: PlanGap,
}

/// What is missing, with the texts of the items it names (the wording is `strings`').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanGap {
    Question,
    /// A concern (its text) without a goal.
    GoalFor(String),
    Goals,
    /// A goal (its text) without a criterion.
    Criterion(String),
    /// A domain with goals and nobody paying.
    Division(PlanDomain),
    Actions,
    /// An action (its text) without a party or person.
    Owner(String),
    /// An action (its text) without a date.
    By(String),
    Regie,
    Evaluation,
    /// A signer not signed yet: role and name.
    Signature(SignerRole, String),
}

/// The words the prefill writes into a plan, given by the layer that owns the wording:
/// how a recorded value reads, and each section's name (a field labelled like its
/// section is not repeated before its value).
pub struct Words {
    pub value: fn(&Value, &Team) -> String,
    pub section: fn(Section) -> &'static str,
}

/// Why a plan change was refused (the wording is `strings`').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    Frozen(u32),
    NotFrozen,
    /// A signature dated after today.
    SignedInFuture,
}

/// What the case gives a plan: the pupil, gezag, age and people come from here.
pub struct Context<'a> {
    pub case: &'a Case,
    pub route: &'a Routekaart,
    pub team: &'a Team,
}

impl Plan {
    /// A first version, pre-filled from what the route recorded. `case` must be the
    /// stored (full) case: light copies lack the values of completed steps.
    pub fn prefilled(cx: &Context, words: &Words, today: NaiveDate) -> Plan {
        let mut plan = Plan {
            version: 1,
            started: today,
            betrokkenen: String::new(),
            vraag: String::new(),
            krachten: String::new(),
            concerns: Vec::new(),
            behoeften: String::new(),
            factoren: String::new(),
            division: Vec::new(),
            goals: Vec::new(),
            actions: Vec::new(),
            zelf: String::new(),
            regiehouder: cx.team.name_of(&cx.case.intake.holder).to_string(),
            contact: String::new(),
            evaluations: Vec::new(),
            criteria: String::new(),
            delen: String::new(),
            signers: default_signers(cx, today),
            opp: false,
            meldcode: false,
            next_id: 1,
        };
        for visit in &cx.case.visits {
            let Some(step) = cx.route.step(&visit.step) else { continue };
            for (id, value) in visit.values.iter() {
                let Some(def) = step.fields.iter().find(|f| &f.id == id) else { continue };
                let Some(part) = def.plan else { continue };
                let text = (words.value)(value, cx.team);
                match part {
                    PlanPart::Opp => plan.opp = matches!(value, Value::YesNo(true)),
                    PlanPart::Meldcode => plan.meldcode |= !value.is_empty(),
                    _ => {}
                }
                let Some(target) = part.text().map(|t| plan.text_mut(t)) else { continue };
                if text.trim().is_empty() {
                    continue;
                }
                if !target.is_empty() {
                    target.push_str("\n\n");
                }
                // A label that says what the section's title says is not repeated before the value.
                if def.label.trim().eq_ignore_ascii_case((words.section)(part.section())) {
                    target.push_str(text.trim());
                } else {
                    target.push_str(&format!("{}: {}", def.label, text.trim()));
                }
            }
        }
        plan
    }

    pub fn text(&self, part: TextPart) -> &str {
        match part {
            TextPart::Betrokkenen => &self.betrokkenen,
            TextPart::Vraag => &self.vraag,
            TextPart::Krachten => &self.krachten,
            TextPart::Behoeften => &self.behoeften,
            TextPart::Factoren => &self.factoren,
            TextPart::Zelf => &self.zelf,
            TextPart::Criteria => &self.criteria,
            TextPart::Delen => &self.delen,
        }
    }

    pub fn text_mut(&mut self, part: TextPart) -> &mut String {
        match part {
            TextPart::Betrokkenen => &mut self.betrokkenen,
            TextPart::Vraag => &mut self.vraag,
            TextPart::Krachten => &mut self.krachten,
            TextPart::Behoeften => &mut self.behoeften,
            TextPart::Factoren => &mut self.factoren,
            TextPart::Zelf => &mut self.zelf,
            TextPart::Criteria => &mut self.criteria,
            TextPart::Delen => &mut self.delen,
        }
    }

    /// The version's signatures are all dated: it is agreed and frozen.
    pub fn signed_on(&self) -> Option<NaiveDate> {
        if self.signers.is_empty() {
            return None;
        }
        self.signers.iter().map(|s| s.signed).collect::<Option<Vec<_>>>()?.into_iter().max()
    }

    pub fn is_frozen(&self) -> bool {
        self.signed_on().is_some()
    }

    pub fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// What stops the plan from being agreed, in section order.
    pub fn missing(&self) -> Vec<Missing> {
        let at = |section, item| Place { section, item };
        let mut out = Vec::new();
        let mut need = |place: Place, gap: PlanGap| out.push(Missing { place, gap });
        if self.vraag.trim().is_empty() {
            need(at(Section::Question, None), PlanGap::Question);
        }
        for (i, c) in self.concerns.iter().enumerate() {
            if !self.goals.iter().any(|g| g.concern == Some(c.id)) {
                need(at(Section::Strengths, Some(i)), PlanGap::GoalFor(c.text.clone()));
            }
        }
        if self.goals.is_empty() {
            need(at(Section::Goals, None), PlanGap::Goals);
        }
        for (i, g) in self.goals.iter().enumerate() {
            if g.criterion.trim().is_empty() {
                need(at(Section::Goals, Some(i)), PlanGap::Criterion(g.text.clone()));
            }
        }
        for domain in PlanDomain::ALL {
            let has_goal = self.goals.iter().any(|g| g.domain == *domain);
            if has_goal && !self.division.iter().any(|d| d.domain == *domain && d.payer.is_some()) {
                need(at(Section::Division, None), PlanGap::Division(*domain));
            }
        }
        if self.actions.is_empty() {
            need(at(Section::Actions, None), PlanGap::Actions);
        }
        for (i, a) in self.actions.iter().enumerate() {
            if a.party.is_none() && a.person.trim().is_empty() {
                need(at(Section::Actions, Some(i)), PlanGap::Owner(a.what.clone()));
            }
            if a.by.is_none() {
                need(at(Section::Actions, Some(i)), PlanGap::By(a.what.clone()));
            }
        }
        if self.regiehouder.trim().is_empty() {
            need(at(Section::Regie, None), PlanGap::Regie);
        }
        if self.evaluations.is_empty() {
            need(at(Section::Evaluation, None), PlanGap::Evaluation);
        }
        for (i, s) in self.signers.iter().enumerate() {
            if s.signed.is_none() {
                need(at(Section::SignOff, Some(i)), PlanGap::Signature(s.role, s.name.clone()));
            }
        }
        out
    }

    /// The first place whose text looks like it holds a BSN (`case::contains_bsn`): such a
    /// plan is not saved.
    pub fn bsn_place(&self) -> Option<Place> {
        let at = |section, item| Place { section, item };
        let texts = [
            (at(Section::Family, None), self.betrokkenen.as_str()),
            (at(Section::Question, None), &self.vraag),
            (at(Section::Strengths, None), &self.krachten),
            (at(Section::Needs, None), &self.behoeften),
            (at(Section::Factors, None), &self.factoren),
            (at(Section::Own, None), &self.zelf),
            (at(Section::Regie, None), &self.regiehouder),
            (at(Section::Regie, None), &self.contact),
            (at(Section::Evaluation, None), &self.criteria),
            (at(Section::Sharing, None), &self.delen),
        ];
        let items = self.concerns.iter().enumerate().map(|(i, c)| (at(Section::Strengths, Some(i)), c.text.as_str()));
        let division = self.division.iter().enumerate().map(|(i, d)| (at(Section::Division, Some(i)), d.what.as_str()));
        let goals = self.goals.iter().enumerate().flat_map(|(i, g)| {
            [(at(Section::Goals, Some(i)), g.text.as_str()), (at(Section::Goals, Some(i)), g.criterion.as_str())]
        });
        let actions = self.actions.iter().enumerate().flat_map(|(i, a)| {
            [(at(Section::Actions, Some(i)), a.what.as_str()), (at(Section::Actions, Some(i)), a.person.as_str())]
        });
        let signers = self.signers.iter().enumerate().map(|(i, s)| (at(Section::SignOff, Some(i)), s.name.as_str()));
        texts
            .into_iter()
            .chain(items)
            .chain(division)
            .chain(goals)
            .chain(actions)
            .chain(signers)
            .find(|(_, text)| super::case::contains_bsn(text))
            .map(|(place, _)| place)
    }

    /// The next version: a copy to adjust, with its signatures cleared.
    pub fn next_version(&self, today: NaiveDate) -> Result<Plan, PlanError> {
        if !self.is_frozen() {
            return Err(PlanError::NotFrozen);
        }
        let mut next = self.clone();
        next.version += 1;
        next.started = today;
        for s in &mut next.signers {
            s.signed = None;
        }
        Ok(next)
    }
}

/// Records on the case what a signed plan settles, so the wizard does not ask it again:
/// the current step's agreement field (`measure = "plan_agreement"`) becomes "ja".
/// Returns whether the case changed.
pub fn record_agreement(case: &mut Case, route: &Routekaart, today: NaiveDate) -> bool {
    let Some(step) = route.step(&case.step) else { return false };
    let Some(field) = step.fields.iter().find(|f| f.measure == Some(Measure::PlanAgreement)) else { return false };
    let mut values = case.current_visit().map(|v| v.values.clone()).unwrap_or_default();
    if values.get(&field.id) == Some(&Value::YesNo(true)) {
        return false;
    }
    values.insert(field.id.clone(), Value::YesNo(true));
    case.record(values, today);
    true
}

/// Parents (two when both hold gezag), the child from 12, the IB-er and the wijkteam
/// member: names from the team where it knows them.
fn default_signers(cx: &Context, today: NaiveDate) -> Vec<Signer> {
    let signer = |role, name: &str| Signer { role, name: name.to_string(), signed: None };
    let member = |role: &str| cx.team.members.iter().find(|m| m.role == role).map_or("", |m| m.name.as_str());
    let parents = if cx.case.intake.gezag == Gezag::BothParents { 2 } else { 1 };
    let mut out: Vec<Signer> = (0..parents).map(|_| signer(SignerRole::Parent, "")).collect();
    if date::age_on(cx.case.intake.birth_date, today).is_some_and(|age| age >= 12) {
        out.push(signer(SignerRole::Child, &cx.case.intake.first_name));
    }
    out.push(signer(SignerRole::IbEr, member("ib")));
    out.push(signer(SignerRole::Wijkteam, member("wijkteam")));
    out
}

/// Every version of a case's plan, oldest first. Stored apart from the case: the list
/// never needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBook {
    pub versions: Vec<Plan>,
    /// The merge document's heads (hex) this book was read at (see `share::Copy::heads`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<String>,
    /// The plan editor holding this book (random per opening; never stored), so each of
    /// its saves builds on its own last one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session: String,
}

impl PlanBook {
    pub fn current(&self) -> Option<&Plan> {
        self.versions.last()
    }

    /// The plan in force: the newest signed version, else the one being made.
    pub fn in_force(&self) -> Option<&Plan> {
        self.versions.iter().rev().find(|p| p.is_frozen()).or_else(|| self.current())
    }

    /// The version being worked on; a frozen one may not change.
    pub fn editable(&mut self) -> Result<&mut Plan, PlanError> {
        match self.versions.last_mut() {
            Some(p) if p.is_frozen() => Err(PlanError::Frozen(p.version)),
            Some(p) => Ok(p),
            None => Err(PlanError::NotFrozen),
        }
    }

    pub fn start_next_version(&mut self, today: NaiveDate) -> Result<u32, PlanError> {
        let next = self.current().ok_or(PlanError::NotFrozen)?.next_version(today)?;
        let version = next.version;
        self.versions.push(next);
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{CaseId, Intake};
    use crate::domain::route::{Done, Values, Visit};
    use crate::domain::team::Member;
    use crate::domain::testing::{d, route};

    fn visit(step: &str, vals: &[(&str, Value)]) -> Visit {
        let values: Values = vals.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let done = Some(Done { on: d(2026, 10, 1), outcome: "x".into(), by: "anna".into() });
        Visit { step: step.into(), entered: d(2026, 9, 1), values, done }
    }

    fn case(birth: NaiveDate, gezag: Gezag) -> Case {
        let intake = Intake { last_name: "de Vries".into(), ..crate::domain::testing::child(birth, gezag) };
        let mut c = Case::new(CaseId::random(), intake, "S5".into(), None);
        c.visits = vec![
            visit("S1", &[("opp", Value::YesNo(true))]),
            visit("S2", &[("vraag_ouders", Value::Text("Sem wil weer graag naar school.".into()))]),
            visit(
                "S4",
                &[
                    ("onderwijsbehoeften", Value::Text("Korte instructie".into())),
                    ("ondersteuningsbehoeften", Value::Text("Rust thuis".into())),
                    ("krachten", Value::Text("Sportief".into())),
                    ("kind", Value::Text("Ik wil vriendjes".into())),
                ],
            ),
        ];
        c
    }

    fn team() -> Team {
        let m = |id: &str, name: &str, role: &str| Member { id: id.into(), name: name.into(), role: role.into() };
        Team { members: vec![m("anna", "Anna Bakker", "ib"), m("fatima", "Fatima El Amrani", "wijkteam")] }
    }

    /// The prefill's words as the tests need them: text values as typed, and the one
    /// section name the route's labels repeat.
    const WORDS: Words = Words {
        value: |v, _| match v {
            Value::Text(s) => s.clone(),
            other => format!("{other:?}"),
        },
        section: |s| if s == Section::Strengths { "Krachten en zorgen" } else { "" },
    };

    fn plan_for(c: &Case, today: NaiveDate) -> Plan {
        let route = route();
        let team = team();
        Plan::prefilled(&Context { case: c, route: &route, team: &team }, &WORDS, today)
    }

    /// A plan with nothing missing.
    #[test]
    fn a_signature_goes_under_a_complete_plan_and_is_not_dated_after_today() {
        let today = d(2026, 11, 23);
        let s = |signed| Signer { role: SignerRole::Parent, name: "Ouder".into(), signed };
        let done = complete();
        assert_eq!(done.signature_refusals(&s(Some(today)), today), vec![]);
        assert_eq!(done.signature_refusals(&s(Some(d(2026, 11, 24))), today), vec![SignatureRefusal::InFuture]);
        let mut open = complete();
        open.goals.clear();
        let lacking = open.missing().iter().filter(|m| m.place.section != Section::SignOff).count();
        assert!(lacking > 0);
        assert_eq!(
            open.signature_refusals(&s(Some(d(2026, 11, 24))), today),
            vec![SignatureRefusal::InFuture, SignatureRefusal::Incomplete(lacking)]
        );
        assert_eq!(open.signature_refusals(&s(None), today), vec![], "a signer without a date is no signature yet");
    }

    fn complete() -> Plan {
        let mut p = plan_for(&case(d(2018, 3, 1), Gezag::Mother), d(2026, 11, 23));
        let concern = p.fresh_id();
        p.concerns.push(Concern { id: concern, text: "Verzuim".into(), priority: Priority::High });
        let goal = p.fresh_id();
        p.goals.push(Goal {
            id: goal,
            text: "Sem is elke dag op school".into(),
            domain: PlanDomain::Gedeeld,
            criterion: "verzuimregistratie".into(),
            concern: Some(concern),
        });
        p.division.push(Division {
            domain: PlanDomain::Gedeeld,
            what: "begeleiding".into(),
            payer: Some(Payer::Gemeente),
        });
        p.actions.push(Action {
            what: "Gesprek met ouders".into(),
            party: Some(Party::Wijkteam),
            person: String::new(),
            by: Some(d(2026, 12, 1)),
            status: ActionStatus::Planned,
            goal: Some(goal),
        });
        p.evaluations.push(d(2027, 3, 1));
        p
    }

    #[test]
    fn the_plan_in_force_is_the_newest_signed_version() {
        let mut book = PlanBook::default();
        assert!(book.in_force().is_none());
        let mut signed = complete();
        for s in &mut signed.signers {
            s.signed = Some(d(2026, 11, 23));
        }
        assert!(signed.is_frozen());
        let draft = signed.next_version(d(2026, 11, 24)).unwrap();
        book.versions = vec![signed, draft];
        assert_eq!(book.in_force().map(|p| p.version), Some(1), "not the draft of version 2");
        book.versions.remove(0);
        assert_eq!(book.in_force().map(|p| p.version), Some(2), "without a signed one, the one being made");
    }

    #[test]
    fn prefill_takes_what_the_route_recorded() {
        let p = plan_for(&case(d(2018, 3, 1), Gezag::BothParents), d(2026, 11, 23));
        assert_eq!(
            p.vraag,
            "Vraag van de ouders: Sem wil weer graag naar school.\n\nWat zegt het kind zelf: Ik wil vriendjes"
        );
        assert_eq!(
            p.behoeften,
            "Onderwijsbehoeften: Korte instructie\n\nOpvoed- en ondersteuningsbehoeften: Rust thuis"
        );
        assert_eq!(p.krachten, "Sportief", "the section's title is not repeated before the value");
        assert!(p.opp && !p.meldcode);
        assert_eq!(p.regiehouder, "Anna Bakker");
        let roles: Vec<SignerRole> = p.signers.iter().map(|s| s.role).collect();
        assert_eq!(roles, [SignerRole::Parent, SignerRole::Parent, SignerRole::IbEr, SignerRole::Wijkteam]);
        assert_eq!(p.signers[3].name, "Fatima El Amrani");
    }

    #[test]
    fn the_child_signs_from_twelve_on_the_plan_date() {
        let c = case(d(2014, 11, 24), Gezag::Mother);
        let roles = |p: Plan| p.signers.iter().map(|s| s.role).collect::<Vec<_>>();
        assert_eq!(roles(plan_for(&c, d(2026, 11, 23))), [SignerRole::Parent, SignerRole::IbEr, SignerRole::Wijkteam]);
        assert_eq!(
            roles(plan_for(&c, d(2026, 11, 24))),
            [SignerRole::Parent, SignerRole::Child, SignerRole::IbEr, SignerRole::Wijkteam]
        );
    }

    fn missing_gaps(p: &Plan) -> Vec<PlanGap> {
        p.missing().into_iter().map(|m| m.gap).collect()
    }

    #[test]
    fn a_complete_plan_lacks_only_signatures() {
        let p = complete();
        let places: Vec<Place> = p.missing().into_iter().map(|m| m.place).collect();
        assert_eq!(
            places,
            (0..3).map(|i| Place { section: Section::SignOff, item: Some(i) }).collect::<Vec<_>>(),
            "{:?}",
            missing_gaps(&p)
        );
    }

    #[test]
    fn each_completeness_rule_names_its_place() {
        let only = |p: &Plan, place: Place| -> Vec<PlanGap> {
            p.missing()
                .into_iter()
                .filter(|m| m.place.section != Section::SignOff)
                .filter(|m| m.place == place)
                .map(|m| m.gap)
                .collect()
        };
        let at = |section, item| Place { section, item };

        let mut p = complete();
        p.vraag = " ".into();
        assert_eq!(only(&p, at(Section::Question, None)), [PlanGap::Question]);

        let mut p = complete();
        p.concerns.push(Concern { id: 99, text: "Slaapt slecht".into(), priority: Priority::Low });
        assert_eq!(only(&p, at(Section::Strengths, Some(1))), [PlanGap::GoalFor("Slaapt slecht".into())]);

        let mut p = complete();
        p.goals[0].criterion.clear();
        assert_eq!(only(&p, at(Section::Goals, Some(0))), [PlanGap::Criterion("Sem is elke dag op school".into())]);

        let mut p = complete();
        p.division[0].payer = None;
        assert_eq!(only(&p, at(Section::Division, None)), [PlanGap::Division(PlanDomain::Gedeeld)]);

        let mut p = complete();
        p.actions[0].party = None;
        p.actions[0].by = None;
        assert_eq!(
            only(&p, at(Section::Actions, Some(0))),
            [PlanGap::Owner("Gesprek met ouders".into()), PlanGap::By("Gesprek met ouders".into())]
        );
        p.actions[0].person = "Juf Ans".into();
        assert_eq!(only(&p, at(Section::Actions, Some(0))), [PlanGap::By("Gesprek met ouders".into())]);

        let mut p = complete();
        p.regiehouder.clear();
        p.evaluations.clear();
        assert_eq!(only(&p, at(Section::Regie, None)), [PlanGap::Regie]);
        assert_eq!(only(&p, at(Section::Evaluation, None)), [PlanGap::Evaluation]);

        let mut p = complete();
        p.goals.clear();
        p.actions.clear();
        assert!(only(&p, at(Section::Goals, None)) == [PlanGap::Goals]);
        assert!(only(&p, at(Section::Actions, None)) == [PlanGap::Actions]);

        let p = complete();
        assert_eq!(missing_gaps(&p)[0], PlanGap::Signature(SignerRole::Parent, String::new()));
    }

    #[test]
    fn a_bsn_anywhere_in_the_plan_is_found_with_its_place() {
        let mut p = complete();
        assert_eq!(p.bsn_place(), None);
        p.actions[0].person = "meester Jan (111 222 333)".into();
        assert_eq!(p.bsn_place(), Some(Place { section: Section::Actions, item: Some(0) }));
        p.factoren = "bsn 111-222-333".into();
        assert_eq!(p.bsn_place(), Some(Place { section: Section::Factors, item: None }));
    }

    #[test]
    fn signing_freezes_a_version_and_a_new_one_starts_from_a_copy() {
        let mut book = PlanBook { versions: vec![complete()], heads: Vec::new(), session: String::new() };
        assert_eq!(book.start_next_version(d(2026, 12, 1)), Err(PlanError::NotFrozen));
        let v1 = book.editable().unwrap();
        for (i, s) in v1.signers.iter_mut().enumerate() {
            s.signed = Some(d(2026, 11, 25 + i as u32));
        }
        assert_eq!(book.current().unwrap().signed_on(), Some(d(2026, 11, 27)));
        assert_eq!(book.editable().err(), Some(PlanError::Frozen(1)));

        assert_eq!(book.start_next_version(d(2027, 3, 1)), Ok(2));
        let v2 = book.editable().unwrap();
        assert_eq!((v2.version, v2.started), (2, d(2027, 3, 1)));
        assert!(v2.signers.iter().all(|s| s.signed.is_none()));
        v2.goals[0].text = "Sem is elke dag op tijd".into();
        assert_eq!(book.versions[0].goals[0].text, "Sem is elke dag op school", "the frozen version stays as it was");
    }

    #[test]
    fn a_signature_cannot_be_dated_after_today() {
        let s = |day| Signer { role: SignerRole::Parent, name: "Ouder".into(), signed: Some(d(2026, 11, day)) };
        assert_eq!(s(24).check_date(d(2026, 11, 23)), Err(PlanError::SignedInFuture));
        assert_eq!(s(23).check_date(d(2026, 11, 23)), Ok(()));
        let unsigned = Signer { signed: None, ..s(1) };
        assert_eq!(unsigned.check_date(d(2026, 11, 23)), Ok(()));
    }

    #[test]
    fn signing_records_the_agreement_in_the_plan_step_only() {
        let route = route();
        let mut c = case(d(2018, 3, 1), Gezag::Mother);
        assert!(record_agreement(&mut c, &route, d(2026, 11, 23)));
        assert_eq!(c.current_visit().unwrap().values.get("akkoord_ouders"), Some(&Value::YesNo(true)));
        assert!(!record_agreement(&mut c, &route, d(2026, 11, 23)), "already recorded");
        c.step = "S6".into();
        assert!(!record_agreement(&mut c, &route, d(2026, 11, 23)), "not the plan step");
    }

    #[test]
    fn a_plan_without_signers_is_never_frozen() {
        let mut p = complete();
        p.signers.clear();
        assert!(!p.is_frozen());
    }
}
