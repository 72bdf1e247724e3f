//! The plan's list items as forms: per item type one pair, `…_form` fills a form from
//! the item and `…_from` reads the item back by field name. The plan's own rules (a
//! signature under a complete plan only) come from `domain::plan`.

use chrono::NaiveDate;

use super::form::{Field, Form, Problems};
use super::plan_editor::{ItemForm, ListPart};
use crate::domain::date;
use crate::domain::plan::{
    Action, ActionStatus, Concern, Division, Goal, Party, Payer, Plan, PlanDomain, Priority, SignatureRefusal, Signer,
    SignerRole,
};
use crate::strings::{self, Label};

const TEXT_MAX: usize = 300;
const NAME_MAX: usize = 80;

/// The fields' names.
mod id {
    pub const TEXT: &str = "text";
    pub const PRIORITY: &str = "priority";
    pub const DOMAIN: &str = "domain";
    pub const WHAT: &str = "what";
    pub const PAYER: &str = "payer";
    pub const CRITERION: &str = "criterion";
    pub const CONCERN: &str = "concern";
    pub const PARTY: &str = "party";
    pub const PERSON: &str = "person";
    pub const BY: &str = "by";
    pub const STATUS: &str = "status";
    pub const GOAL: &str = "goal";
    pub const REGIEHOUDER: &str = "regiehouder";
    pub const CONTACT: &str = "contact";
    pub const EVALUATION: &str = "evaluation";
    pub const ROLE: &str = "role";
    pub const NAME: &str = "name";
    pub const SIGNED: &str = "signed";
    pub const OPP: &str = "opp";
    pub const MELDCODE: &str = "meldcode";
}

/// The form for row `index` of `part` (None: a new row), filled with its values.
pub fn form(plan: &Plan, part: ListPart, index: Option<usize>, today: NaiveDate) -> Form {
    Form::new(match part {
        ListPart::Concerns => concern_form(index.and_then(|i| plan.concerns.get(i))),
        ListPart::Division => division_form(index.and_then(|i| plan.division.get(i))),
        ListPart::Goals => goal_form(plan, index.and_then(|i| plan.goals.get(i))),
        ListPart::Actions => action_form(plan, index.and_then(|i| plan.actions.get(i))),
        ListPart::Regie => regie_form(plan),
        ListPart::Evaluations => evaluation_form(index.and_then(|i| plan.evaluations.get(i)).copied(), today),
        ListPart::Signers => signer_form(index.and_then(|i| plan.signers.get(i))),
        ListPart::References => references_form(plan),
    })
}

/// Checks the form and writes it into the plan; returns the row's index.
pub fn apply(plan: &mut Plan, item: &ItemForm, today: NaiveDate) -> Result<usize, Problems> {
    let f = &item.form;
    let mut problems = f.bsn_problems();
    problems.extend(f.missing());
    let (index, ok) = (item.index, |problems: Problems| if problems.is_empty() { Ok(()) } else { Err(problems) });
    match item.part {
        ListPart::Concerns => {
            ok(problems)?;
            let id = match index.and_then(|i| plan.concerns.get(i)) {
                Some(c) => c.id,
                None => plan.fresh_id(),
            };
            Ok(upsert(&mut plan.concerns, index, concern_from(f, id)))
        }
        ListPart::Division => ok(problems).map(|()| upsert(&mut plan.division, index, division_from(f))),
        ListPart::Goals => {
            ok(problems)?;
            let id = match index.and_then(|i| plan.goals.get(i)) {
                Some(g) => g.id,
                None => plan.fresh_id(),
            };
            let g = goal_from(plan, f, id);
            Ok(upsert(&mut plan.goals, index, g))
        }
        ListPart::Actions => {
            let a = action_from(plan, f, &mut problems);
            ok(problems).map(|()| upsert(&mut plan.actions, index, a))
        }
        ListPart::Regie => {
            ok(problems)?;
            (plan.regiehouder, plan.contact) = regie_from(f);
            Ok(0)
        }
        ListPart::Evaluations => {
            let d = evaluation_from(f, &mut problems);
            let Some(d) = d.filter(|_| problems.is_empty()) else { return Err(problems) };
            if index.is_none() && plan.evaluations.contains(&d) {
                return Err(vec![(id::EVALUATION, strings::EVALUATION_TWICE.into())]);
            }
            upsert(&mut plan.evaluations, index, d);
            plan.evaluations.sort();
            Ok(plan.evaluations.iter().position(|x| *x == d).unwrap_or(0))
        }
        ListPart::Signers => {
            let s = signer_from(f, &mut problems);
            problems.extend(plan.signature_refusals(&s, today).into_iter().map(|r| (id::SIGNED, refusal(r))));
            ok(problems).map(|()| upsert(&mut plan.signers, index, s))
        }
        ListPart::References => {
            (plan.opp, plan.meldcode) = references_from(f);
            Ok(0)
        }
    }
}

/// What the domain's refusal of a signature says.
fn refusal(r: SignatureRefusal) -> String {
    match r {
        SignatureRefusal::InFuture => strings::IN_FUTURE.into(),
        SignatureRefusal::Incomplete(open) => strings::plan_incomplete_to_sign(open),
    }
}

fn text(label: &str, required: bool, value: &str) -> Field {
    Field::text(label, required, TEXT_MAX, "", value)
}

fn date_field(label: &str, required: bool, value: Option<NaiveDate>) -> Field {
    Field::text(label, required, 10, strings::DATE_HINT, &value.map(date::format).unwrap_or_default())
}

fn yes_no(label: &str, value: bool) -> Field {
    Field::choice(label, true, strings::YES_NO.map(String::from).to_vec(), Some(usize::from(!value)))
}

/// A choice of one of `all`, showing `label` of each, set to `value`.
fn choice<T: Copy + PartialEq>(
    name: &str,
    required: bool,
    all: &[T],
    label: fn(T) -> &'static str,
    value: Option<&T>,
) -> Field {
    let options = all.iter().map(|x| label(*x).to_string()).collect();
    Field::choice(name, required, options, value.and_then(|v| all.iter().position(|x| x == v)))
}

fn concern_form(c: Option<&Concern>) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    vec![
        text(l.concern, true, c.map_or("", |c| &c.text)).named(id::TEXT),
        choice(l.priority, true, Priority::ALL, Label::label, c.map(|c| &c.priority)).named(id::PRIORITY),
    ]
}

fn concern_from(f: &Form, key: u32) -> Concern {
    Concern {
        id: key,
        text: f.text(id::TEXT),
        priority: f.pick(id::PRIORITY, Priority::ALL).unwrap_or(Priority::Middle),
    }
}

fn division_form(d: Option<&Division>) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    vec![
        choice(l.domain, true, PlanDomain::ALL, Label::label, d.map(|d| &d.domain)).named(id::DOMAIN),
        text(l.what, false, d.map_or("", |d| &d.what)).named(id::WHAT),
        choice(l.payer, true, Payer::ALL, Label::label, d.and_then(|d| d.payer.as_ref())).named(id::PAYER),
    ]
}

fn division_from(f: &Form) -> Division {
    Division {
        domain: f.pick(id::DOMAIN, PlanDomain::ALL).unwrap_or(PlanDomain::Gedeeld),
        what: f.text(id::WHAT),
        payer: f.pick(id::PAYER, Payer::ALL),
    }
}

fn goal_form(plan: &Plan, g: Option<&Goal>) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    let concerns: Vec<String> = plan.concerns.iter().map(|c| strings::shorten(&c.text, 50)).collect();
    let concern = g.and_then(|g| g.concern).and_then(|id| plan.concerns.iter().position(|c| c.id == id));
    vec![
        text(l.goal, true, g.map_or("", |g| &g.text)).named(id::TEXT),
        choice(l.domain, true, PlanDomain::ALL, Label::label, g.map(|g| &g.domain)).named(id::DOMAIN),
        text(l.criterion, false, g.map_or("", |g| &g.criterion)).named(id::CRITERION),
        Field::choice(l.for_concern, false, concerns, concern).named(id::CONCERN),
    ]
}

/// The goal as typed, under `key` (kept, or fresh for a new goal).
fn goal_from(plan: &Plan, f: &Form, key: u32) -> Goal {
    Goal {
        id: key,
        text: f.text(id::TEXT),
        domain: f.pick(id::DOMAIN, PlanDomain::ALL).unwrap_or(PlanDomain::Gedeeld),
        criterion: f.text(id::CRITERION),
        concern: f.choice(id::CONCERN).and_then(|c| plan.concerns.get(c)).map(|c| c.id),
    }
}

fn action_form(plan: &Plan, a: Option<&Action>) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    let goals: Vec<String> =
        plan.goals.iter().enumerate().map(|(i, g)| format!("{} {}", i + 1, strings::shorten(&g.text, 50))).collect();
    let goal = a.and_then(|a| a.goal).and_then(|id| plan.goals.iter().position(|g| g.id == id));
    let status = Some(a.map_or(&ActionStatus::Planned, |a| &a.status));
    vec![
        text(l.what, true, a.map_or("", |a| &a.what)).named(id::WHAT),
        choice(l.party, false, Party::ALL, Label::label, a.and_then(|a| a.party.as_ref())).named(id::PARTY),
        Field::text(l.person, false, NAME_MAX, "", a.map_or("", |a| &a.person)).named(id::PERSON),
        date_field(l.by, false, a.and_then(|a| a.by)).named(id::BY),
        choice(l.status, true, ActionStatus::ALL, Label::label, status).named(id::STATUS),
        Field::choice(l.for_goal, false, goals, goal).named(id::GOAL),
    ]
}

fn action_from(plan: &Plan, f: &Form, problems: &mut Problems) -> Action {
    Action {
        what: f.text(id::WHAT),
        party: f.pick(id::PARTY, Party::ALL),
        person: f.text(id::PERSON),
        by: f.date(id::BY, problems),
        status: f.pick(id::STATUS, ActionStatus::ALL).unwrap_or(ActionStatus::Planned),
        goal: f.choice(id::GOAL).and_then(|g| plan.goals.get(g)).map(|g| g.id),
    }
}

fn regie_form(plan: &Plan) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    vec![
        Field::text(l.regiehouder, true, NAME_MAX, "", &plan.regiehouder).named(id::REGIEHOUDER),
        Field::text(l.contact, false, NAME_MAX, strings::CONTACT_HINT, &plan.contact).named(id::CONTACT),
    ]
}

fn regie_from(f: &Form) -> (String, String) {
    (f.text(id::REGIEHOUDER), f.text(id::CONTACT))
}

fn evaluation_form(d: Option<NaiveDate>, today: NaiveDate) -> Vec<Field> {
    // A new evaluation date starts 12 weeks out, the routekaart's usual term.
    let d = d.or_else(|| today.checked_add_days(chrono::Days::new(84)));
    vec![date_field(strings::PLAN_FORM_LABELS.evaluation, true, d).named(id::EVALUATION)]
}

fn evaluation_from(f: &Form, problems: &mut Problems) -> Option<NaiveDate> {
    f.date(id::EVALUATION, problems)
}

fn signer_form(s: Option<&Signer>) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    vec![
        choice(l.role, true, SignerRole::ALL, Label::label, s.map(|s| &s.role)).named(id::ROLE),
        Field::text(l.name, false, NAME_MAX, "", s.map_or("", |s| &s.name)).named(id::NAME),
        date_field(l.signed, false, s.and_then(|s| s.signed)).named(id::SIGNED),
    ]
}

fn signer_from(f: &Form, problems: &mut Problems) -> Signer {
    let role = f.pick(id::ROLE, SignerRole::ALL).unwrap_or(SignerRole::Parent);
    Signer { role, name: f.text(id::NAME), signed: f.date(id::SIGNED, problems) }
}

fn references_form(plan: &Plan) -> Vec<Field> {
    let l = strings::PLAN_FORM_LABELS;
    vec![yes_no(l.opp, plan.opp).named(id::OPP), yes_no(l.meldcode, plan.meldcode).named(id::MELDCODE)]
}

fn references_from(f: &Form) -> (bool, bool) {
    (f.choice(id::OPP) == Some(0), f.choice(id::MELDCODE) == Some(0))
}

fn upsert<T>(list: &mut Vec<T>, index: Option<usize>, value: T) -> usize {
    match index.filter(|&i| i < list.len()) {
        Some(i) => {
            list[i] = value;
            i
        }
        None => {
            list.push(value);
            list.len() - 1
        }
    }
}
