//! Synthetic but realistic cases for the demo store, tests and benchmarks. Every name
//! is invented; the same seed and day give the same cases.

use chrono::{Days, NaiveDate};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::case::{Case, CaseId, DomainTag, Gezag, Intake, SignalSource};
use super::consent::{Consent, ConsentForm, Decision};
use super::escalation::{self, Absence, Ask, Decider, DeciderRole, Domain, Level, Reason, Terms};
use super::plan::{
    Action, ActionStatus, Concern, Context, Division, Goal, Party, Payer, Plan, PlanBook, PlanDomain, Priority, Words,
};
use super::route::{Condition, Done, FieldKind, Value, Values, Visit};
use super::route::{Measure, Routekaart};
use super::team::{Member, Team};

const FIRST: &[&str] = &[
    "Sem", "Noah", "Liam", "Lucas", "Finn", "Daan", "Levi", "Milan", "Bram", "Luuk", "Mees", "Sven", "Jesse", "Adam",
    "Mohammed", "Ayoub", "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Yara", "Eva", "Liv",
    "Saar", "Noor", "Fleur", "Lotte", "Fenna", "Amira", "Ilse", "Jasmijn", "Renée",
];
const LAST: &[&str] = &[
    "",
    "",
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
    "Öztürk",
    "Nguyễn",
];
const NOTES: &[&str] = &[
    "Komt de laatste weken vaak te laat; moeder geeft aan dat het 's ochtends thuis moeizaam gaat.",
    "Leerkracht ziet terugtrekkend gedrag in de klas en op het plein sinds de herfstvakantie.",
    "Leesontwikkeling stagneert ondanks extra instructie in de kleine groep (8 weken).",
    "Boze uitbarstingen bij overgangsmomenten; twee keer de klas uit gestuurd deze maand.",
    "Ouders vragen zelf om hulp bij opvoeding na scheiding; twee huishoudens.",
    "Regelmatig afwezig op maandag; verzuim al besproken met ouders.",
    "Vader meldt slaapproblemen en angst om naar school te gaan.",
    "Concentratie in de middag zeer laag; eet weinig tussen de middag.",
    "Broertje krijgt al jeugdhulp; ouders willen afstemming tussen school en wijkteam.",
    "",
];

/// The demo school's team.
pub fn team() -> Team {
    let m = |id: &str, name: &str, role: &str| Member { id: id.into(), name: name.into(), role: role.into() };
    Team {
        members: vec![
            m("anna", "Anna Bakker", "ib"),
            m("youssef", "Youssef El Idrissi", "wijkteam"),
            m("marieke", "Marieke Dijkstra", "leerplicht"),
        ],
    }
}

/// The demo region's decision makers.
pub fn deciders() -> Vec<Decider> {
    let d =
        |role, name: &str, contact: &str| Decider { role, name: name.into(), contact: contact.into(), gemeente: None };
    vec![
        d(DeciderRole::SchoolDirector, "Ria Hoekstra", "directie@devlinder.example"),
        d(DeciderRole::TeamLead, "Karim Bouzid", "teamleider@wijkteam.example"),
        d(DeciderRole::SwvDirector, "drs. P. Verbeek", "directeur@swv.example"),
        Decider {
            gemeente: Some("Overbetuwe".into()),
            ..d(DeciderRole::Municipality, "M. de Lange (OGGO)", "oggo@overbetuwe.example")
        },
        // Some pupils live across the border: that gemeente's official decides on their care.
        Decider {
            gemeente: Some("Neder-Betuwe".into()),
            ..d(DeciderRole::Municipality, "J. Bakker (OGGO)", "oggo@nederbetuwe.example")
        },
        d(DeciderRole::Oggo, "Bestuurlijk OGGO-overleg", "secretariaat@gemeente.example"),
    ]
}

/// The demo region's decision makers, with `gemeente`'s own OGGO official: what a school
/// in that gemeente configures.
pub fn deciders_in(gemeente: &str) -> Vec<Decider> {
    let official = match gemeente {
        "Overbetuwe" => "M. de Lange (OGGO)",
        "Neder-Betuwe" => "J. Bakker (OGGO)",
        _ => "S. Visser (OGGO)",
    };
    let mut list: Vec<Decider> = deciders().into_iter().filter(|d| d.role != DeciderRole::Municipality).collect();
    list.push(Decider {
        role: DeciderRole::Municipality,
        name: official.into(),
        contact: String::new(),
        gemeente: Some(gemeente.into()),
    });
    list
}

/// `count` cases spread over every step of `route`, signalled in the year before `today`;
/// about one in six is overdue and about one in twelve carries a safety concern.
pub fn cases(count: usize, seed: u64, route: &Routekaart, team: &Team, today: NaiveDate) -> Vec<Case> {
    cases_asking(count, seed, route, team, &deciders(), today)
}

/// The demo cases of a school whose escalations go to `deciders`.
pub fn cases_asking(
    count: usize,
    seed: u64,
    route: &Routekaart,
    team: &Team,
    deciders: &[Decider],
    today: NaiveDate,
) -> Vec<Case> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            // Cycle through steps so even a small demo shows every stage.
            let step = &route.steps[i % route.steps.len()];
            // Closed cases reach back almost two years, so some are near their deletion date.
            let closed_on = step.closes.then(|| today - Days::new(rng.random_range(0..725)));
            let signal_date = match closed_on {
                Some(c) => c - Days::new(rng.random_range(30..200)),
                None => today - Days::new(rng.random_range(0..365)),
            };
            let age_days = rng.random_range(4 * 365..12 * 365);
            let birth_date = signal_date - Days::new(age_days);
            let groep = (age_days / 365 - 3).clamp(1, 8) as u8;
            let mut domains: Vec<DomainTag> =
                DomainTag::ALL[..3].iter().copied().filter(|_| rng.random_bool(0.45)).collect();
            if domains.is_empty() {
                domains.push(DomainTag::Shared);
            }
            if step.id == "M" || rng.random_ratio(1, 12) {
                domains.push(DomainTag::Safety);
            }
            let due = (!step.closes).then(|| {
                if rng.random_ratio(1, 6) {
                    // Overdue, but never due before the signal itself.
                    (today - Days::new(rng.random_range(1..40))).max(signal_date)
                } else {
                    today + Days::new(rng.random_range(0..60))
                }
            });
            let holder = team.members[rng.random_range(0..team.members.len().min(2))].id.clone();
            let mut case = Case {
                id: CaseId::from_rng(&mut rng),
                revision: 1,
                intake: Intake {
                    first_name: pick(&mut rng, FIRST),
                    last_name: pick(&mut rng, LAST),
                    birth_date,
                    groep,
                    gezag: *Gezag::ALL.choose(&mut rng).unwrap_or(&Gezag::BothParents),
                    signal_date,
                    source: *SignalSource::ALL.choose(&mut rng).unwrap_or(&SignalSource::Teacher),
                    domains,
                    note: pick(&mut rng, NOTES),
                    holder,
                },
                step: step.id.clone(),
                due,
                closed_on,
                visits: Vec::new(),
                consents: Vec::new(),
                escalations: Vec::new(),
                absences: Vec::new(),
                absence_hours: Vec::new(),
                dismissals: Vec::new(),
                school: String::new(),
                copy: Default::default(),
            };
            let end = closed_on.unwrap_or(today).max(signal_date);
            walk(&mut case, route, end, &mut rng);
            case.bar_note(route);
            if closed_on.is_none() {
                stuck(&mut case, deciders, today, &mut rng);
            }
            case
        })
        .collect()
}

/// Records a plausible walk from the signal to the case's step: each earlier step with
/// its required fields filled and completed with the outcome towards the next one, the
/// consents its gates need, and the current step recorded but open.
fn walk(case: &mut Case, route: &Routekaart, end: NaiveDate, rng: &mut SmallRng) {
    let first = route.first().map(|s| s.id.clone()).unwrap_or_default();
    let mut path = route.shortest_path(&first, |s| s.id == case.step);
    // Most closed cases went the whole way, through an evaluation (with its satisfaction
    // scores), rather than the shortest way out.
    let evaluation =
        route.steps.iter().find(|s| s.fields.iter().any(|f| f.measure == Some(Measure::SatisfactionSchool)));
    if let Some(eval) = evaluation.filter(|_| route.closes(&case.step) && rng.random_ratio(2, 3)) {
        let mut through = route.shortest_path(&first, |s| s.id == eval.id);
        let onwards = route.shortest_path(&eval.id, |s| s.id == case.step);
        if through.last() == onwards.first() && onwards.len() > 1 {
            through.extend(onwards.into_iter().skip(1));
            path = through;
        }
    }
    let start = case.intake.signal_date;
    let span = (end - start).num_days().max(0) as u64;
    let n = path.len().max(1) as u64;
    for (i, id) in path.iter().enumerate() {
        let Some(step) = route.step(id) else { continue };
        let on = start + Days::new(span * i as u64 / n);
        let outcome = path.get(i + 1).and_then(|next| step.outcomes.iter().find(|o| &o.next == next));
        let mut values = Values::new();
        let conditions = outcome
            .and_then(|o| o.when.as_ref())
            .into_iter()
            .chain(step.gates.iter().filter_map(|g| g.require.as_ref()));
        let forced: Vec<&Condition> = conditions.collect();
        for f in &step.fields {
            let value = match forced.iter().find(|c| c.field == f.id) {
                Some(c) if f.kind == FieldKind::YesNo => Value::YesNo(c.equals == "ja"),
                Some(c) => Value::Choice(c.equals.clone()),
                None => match f.kind {
                    FieldKind::Text => Value::Text(format!("{} (demo)", f.label)),
                    FieldKind::Date => Value::Date(on),
                    FieldKind::Choice => Value::Choice(f.options.first().cloned().unwrap_or_default()),
                    FieldKind::Multi => Value::Multi(some_of(&f.options, case.id, &f.id)),
                    FieldKind::YesNo => Value::YesNo(false),
                    FieldKind::Person => Value::Person(case.intake.holder.clone()),
                    FieldKind::Score => Value::Score(rng.random_range(3..=5)),
                    FieldKind::Number => Value::Number(8),
                    FieldKind::Goals => Value::Goals(Vec::new()),
                },
            };
            values.insert(f.id.clone(), value);
        }
        for purpose in step.gates.iter().filter_map(|g| g.consent.as_ref()) {
            let form = if rng.random_bool(0.5) { ConsentForm::Oral } else { ConsentForm::Written };
            case.consents.push(Consent::by_all(purpose, Decision::Given, form, &case.intake, on, &case.intake.holder));
        }
        let done = outcome.map(|o| Done { on, outcome: o.id.clone(), by: case.intake.holder.clone() });
        case.visits.push(Visit { step: id.clone(), entered: on, values, done });
    }
}

/// One or two of `options`, picked from the case id (not the random stream, so adding a
/// multi field to the routekaart leaves the rest of the demo as it was).
fn some_of(options: &[String], case: CaseId, field: &str) -> Vec<String> {
    let bytes = case.0.as_bytes();
    let n = options.len().max(1);
    // The first two options come up more often, as a region's main themes do.
    let skewed = |b: u8| match usize::from(b) % (2 * n) {
        k if k < n => k,
        k => (k - n) % 2.min(n),
    };
    let first = skewed(bytes[field.len() % bytes.len()]);
    let second = skewed(bytes[(field.len() + 7) % bytes.len()]);
    let mut picked: Vec<String> = options.get(first).cloned().into_iter().collect();
    if second != first && bytes[0].is_multiple_of(2) {
        picked.extend(options.get(second).cloned());
    }
    picked
}

const CONCERNS: &[(&str, &str, &str)] = &[
    (
        "Komt vaak te laat of niet op school",
        "Is vier weken lang elke dag voor 8.30 uur op school",
        "Verzuimregistratie: geen ongeoorloofd verzuim",
    ),
    (
        "Boze uitbarstingen bij overgangsmomenten",
        "Kan bij drie overgangen per dag zelf een time-out kiezen",
        "Observatie leerkracht: hoogstens één uitbarsting per week",
    ),
    ("Leesontwikkeling stagneert", "Leest in maart op AVI-niveau E5", "AVI-toets in maart"),
    ("Moeite met slapen en piekeren", "Slaapt vijf nachten per week voor 21 uur", "Slaapdagboek van ouders"),
];

/// The plan of every demo case that reached the plan step (the step whose field
/// records the parents' agreement): signed when that step was completed, a draft while
/// the case is there. Pre-filled from the route like a real plan, with a concern, its
/// goal, an action on each side and an evaluation date.
pub fn plans(cases: &[Case], route: &Routekaart, team: &Team, words: &Words) -> Vec<(CaseId, PlanBook)> {
    let is_plan_step =
        |id: &str| route.step(id).is_some_and(|s| s.fields.iter().any(|f| f.measure == Some(Measure::PlanAgreement)));
    cases
        .iter()
        .filter_map(|case| {
            let visit = case.visits.iter().find(|v| is_plan_step(&v.step))?;
            let cx = Context { case, route, team };
            let mut plan = Plan::prefilled(&cx, words, visit.entered);
            let n = case.id.0.as_bytes()[0] as usize;
            let (concern, goal, criterion) = CONCERNS[n % CONCERNS.len()];
            let concern_id = plan.fresh_id();
            plan.concerns.push(Concern { id: concern_id, text: concern.into(), priority: Priority::High });
            let goal_id = plan.fresh_id();
            plan.goals.push(Goal {
                id: goal_id,
                text: goal.into(),
                domain: PlanDomain::Gedeeld,
                criterion: criterion.into(),
                concern: Some(concern_id),
            });
            plan.division.push(Division {
                domain: PlanDomain::Gedeeld,
                what: "Begeleiding in de klas en thuis, afgestemd in de tandem".into(),
                payer: Some(Payer::Gemeente),
            });
            let by = visit.entered + Days::new(28);
            for (what, party) in
                [("Vaste begeleider in de klas", Party::School), ("Gezinsgesprekken thuis", Party::Wijkteam)]
            {
                let status = if visit.done.is_some() { ActionStatus::Busy } else { ActionStatus::Planned };
                plan.actions.push(Action {
                    what: what.into(),
                    party: Some(party),
                    person: String::new(),
                    by: Some(by),
                    status,
                    goal: Some(goal_id),
                });
            }
            plan.evaluations.push(visit.entered + Days::new(84));
            plan.contact = "06-12345678 (demo)".into();
            for (i, s) in plan.signers.iter_mut().enumerate() {
                if s.name.is_empty() {
                    s.name = format!("Ouder {} van {}", i + 1, case.intake.first_name);
                }
                s.signed = visit.done.as_ref().map(|d| d.on);
            }
            Some((case.id, PlanBook { versions: vec![plan], heads: Vec::new(), session: String::new() }))
        })
        .collect()
}

const QUESTIONS: &[(Reason, Domain, &str)] = &[
    (Reason::Funding, Domain::Both, "Wie betaalt de begeleiding onder schooltijd: het SWV-arrangement of de gemeente?"),
    (
        Reason::NoOffer,
        Domain::Education,
        "Er is geen passende plek; kan het SWV een tijdelijke plaatsing op een SBO regelen?",
    ),
    (
        Reason::Waiting,
        Domain::Care,
        "De wachttijd voor de jeugd-GGZ is 9 maanden; kan de gemeente overbruggingszorg inzetten?",
    ),
    (Reason::Disagree, Domain::Both, "School en wijkteam zijn het oneens over wie de regie neemt."),
];

/// Some open cases are stuck: about one in seven is escalated (E1 waiting, E2 past its
/// term, or E3), and about one in twelve has been away from school for weeks.
fn stuck(case: &mut Case, deciders: &[Decider], today: NaiveDate, rng: &mut SmallRng) {
    if rng.random_ratio(1, 12) {
        let from = today - Days::new(rng.random_range(10..60));
        case.absences.push(Absence { from, to: None });
    }
    if !rng.random_ratio(1, 7) {
        return;
    }
    let (reason, domain, question) = QUESTIONS[rng.random_range(0..QUESTIONS.len())];
    let ask = Ask {
        reason,
        domain,
        question: question.into(),
        asked_by: case.intake.holder.clone(),
        deciders,
        terms: Terms::default(),
        gemeente: None,
    };
    let level = [Level::E1, Level::E2, Level::E3][rng.random_range(0..3)];
    let opened = today - Days::new(rng.random_range(3..40));
    let opened = opened.max(case.intake.signal_date);
    // Every demo escalation is valid: nothing else is open yet.
    let _ = escalation::open(case, level, &ask, opened);
    // About half of those below E3 already have a decision, most of them unblocking.
    let waited = rng.random_range(3..21);
    if level != Level::E3 && rng.random_bool(0.5) && (today - opened).num_days() > waited {
        let on = opened + Days::new(waited as u64);
        let resolved = rng.random_ratio(2, 3);
        let what = if resolved { "Akkoord: inzet wordt bekostigd" } else { "Geen besluit mogelijk binnen het budget" };
        let decision = escalation::Decision { by: "demo".into(), what: what.into(), on, follow_up: None, resolved };
        let _ = escalation::decide(case, decision, on);
    }
}

fn pick(rng: &mut SmallRng, from: &[&str]) -> String {
    from.choose(rng).copied().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseDraft;
    use crate::domain::testing::route;

    #[test]
    fn demo_cases_are_valid_deterministic_and_cover_every_step() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let route = route();
        let team = team();
        let a = cases(40, 7, &route, &team, today);
        assert_eq!(a, cases(40, 7, &route, &team, today));
        for s in &route.steps {
            assert!(a.iter().any(|c| c.step == s.id));
        }
        assert!(a.iter().any(|c| c.due.is_some_and(|d| d < today)));
        for c in &a {
            let valid = CaseDraft::from_case(c).validate(today, &|id| team.member(id).is_some());
            assert!(valid.is_ok(), "{c:?}: {valid:?}");
        }
    }

    #[test]
    fn demo_plans_are_complete_and_signed_once_their_step_is_done() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let route = route();
        let team = team();
        let list = cases(40, 7, &route, &team, today);
        let plans = plans(&list, &route, &team, &crate::domain::testing::WORDS);
        assert!(plans.len() >= 10, "{}", plans.len());
        let mut signed = 0;
        for (id, book) in &plans {
            let case = list.iter().find(|c| c.id == *id).unwrap();
            let plan = book.current().unwrap();
            let done = case.visits.iter().any(|v| v.step == "S5" && v.done.is_some());
            assert_eq!(plan.is_frozen(), done, "{}", case.step);
            signed += usize::from(done);
            let open: Vec<_> = plan
                .missing()
                .into_iter()
                .filter(|m| done || m.place.section != crate::domain::plan::Section::SignOff)
                .collect();
            assert!(open.is_empty(), "{open:?}");
        }
        assert!(signed > 0 && signed < plans.len());
    }
}
