//! Facts the SWV monitors (domain.md §6), read from the route a case walked through the
//! fields the routekaart marks with `measure`.

use chrono::NaiveDate;

use super::case::Case;
use super::route::{Measure, Routekaart, Value, Visit};

/// The satisfaction scores given at one evaluation (1 to 5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Satisfaction {
    pub school: Option<u8>,
    pub wijkteam: Option<u8>,
    pub parents: Option<u8>,
}

/// What helped and what hindered the cooperation, as the tandem reflected on it at one
/// evaluation or at closure: the categories chosen, never content about the child.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reflection {
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub helped: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hindered: Vec<String>,
}

/// The values of the fields marked `measure` in one visit.
fn measured<'a>(route: &'a Routekaart, visit: &'a Visit, measure: Measure) -> impl Iterator<Item = &'a Value> {
    route
        .step(&visit.step)
        .into_iter()
        .flat_map(|s| s.fields.iter())
        .filter(move |f| f.measure == Some(measure))
        .filter_map(move |f| visit.values.get(&f.id))
}

fn first_date(route: &Routekaart, visit: &Visit, measure: Measure) -> Option<NaiveDate> {
    measured(route, visit, measure).find_map(|v| match v {
        Value::Date(d) => Some(*d),
        _ => None,
    })
}

/// The day the meldcode was started, if it was.
pub fn meldcode_start(case: &Case, route: &Routekaart) -> Option<NaiveDate> {
    case.visits.iter().find_map(|v| first_date(route, v, Measure::MeldcodeStart))
}

/// The date of the (last) tandem discussion.
pub fn tandem_date(case: &Case, route: &Routekaart) -> Option<NaiveDate> {
    case.visits.iter().filter_map(|v| first_date(route, v, Measure::TandemDate)).max()
}

/// The date the joint deployment of education and care actually started (indicator 1).
pub fn joint_start(case: &Case, route: &Routekaart) -> Option<NaiveDate> {
    case.visits.iter().find_map(|v| first_date(route, v, Measure::JointStart))
}

/// The day the plan was agreed: the first completed visit whose agreement field says yes.
pub fn plan_agreed(case: &Case, route: &Routekaart) -> Option<NaiveDate> {
    case.visits.iter().find_map(|v| {
        let agreed = measured(route, v, Measure::PlanAgreement).any(|x| *x == Value::YesNo(true));
        if agreed { v.done.as_ref().map(|d| d.on) } else { None }
    })
}

/// Days from the (last) tandem discussion before the plan to the agreed plan.
pub fn days_to_plan(case: &Case, route: &Routekaart) -> Option<i64> {
    let agreed = plan_agreed(case, route)?;
    let discussed =
        case.visits.iter().filter_map(|v| first_date(route, v, Measure::TandemDate)).filter(|d| *d <= agreed).max()?;
    Some((agreed - discussed).num_days())
}

/// Satisfaction per completed evaluation with its date, oldest first (indicator 2).
pub fn satisfaction(case: &Case, route: &Routekaart) -> Vec<(NaiveDate, Satisfaction)> {
    let score = |v: &Visit, m: Measure| {
        measured(route, v, m).find_map(|x| match x {
            Value::Score(n) => Some(*n),
            _ => None,
        })
    };
    case.visits
        .iter()
        .filter_map(|v| {
            let s = Satisfaction {
                school: score(v, Measure::SatisfactionSchool),
                wijkteam: score(v, Measure::SatisfactionWijkteam),
                parents: score(v, Measure::SatisfactionParents),
            };
            Some((v.done.as_ref()?.on, s)).filter(|(_, s)| *s != Satisfaction::default())
        })
        .collect()
}

/// The reflections recorded at completed visits (and at closure), oldest first; the
/// categories as stored, so one a newer routekaart no longer offers still counts.
pub fn reflections(case: &Case, route: &Routekaart) -> Vec<Reflection> {
    let chosen = |v: &Visit, m: Measure| -> Vec<String> {
        measured(route, v, m)
            .flat_map(|x| match x {
                Value::Multi(items) => items.clone(),
                _ => Vec::new(),
            })
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    case.visits
        .iter()
        .filter_map(|v| {
            let on = v.done.as_ref().map(|d| d.on).or(case.closed_on.filter(|_| route.closes(&v.step)))?;
            let r = Reflection {
                on,
                helped: chosen(v, Measure::ReflectionHelped),
                hindered: chosen(v, Measure::ReflectionHindered),
            };
            (!r.helped.is_empty() || !r.hindered.is_empty()).then_some(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::route::{Done, Values};
    use crate::domain::testing::{d, route, sample_case};

    fn visit(step: &str, on: chrono::NaiveDate, helped: &[&str], done: bool) -> Visit {
        let mut values = Values::new();
        values.insert("hielp".into(), Value::Multi(helped.iter().map(|s| s.to_string()).collect()));
        values.insert("hinderde".into(), Value::Multi(vec!["wachttijd jeugdhulp".into()]));
        values.insert("reflectie".into(), Value::Text("Eerder bellen".into()));
        let done = done.then(|| Done { on, outcome: "afsluiten".into(), by: "anna".into() });
        Visit { step: step.into(), entered: on, values, done }
    }

    /// Completed evaluations and the closure reflect; a draft does not. A category the
    /// routekaart no longer offers keeps its stored label; the free line never leaves.
    #[test]
    fn reflections_are_read_from_completed_evaluations_and_the_closure() {
        let route = route();
        let mut case = sample_case();
        case.visits = vec![
            visit("S7", d(2026, 9, 1), &["snel schakelen in de tandem", "een categorie van vroeger"], true),
            visit("S7", d(2026, 10, 1), &["goede afstemming met ouders"], false),
        ];
        let got = reflections(&case, &route);
        assert_eq!(got.len(), 1, "the open evaluation is a draft");
        assert_eq!(got[0].helped, ["snel schakelen in de tandem", "een categorie van vroeger"]);
        assert_eq!((got[0].on, got[0].hindered.as_slice()), (d(2026, 9, 1), &["wachttijd jeugdhulp".to_string()][..]));
        case.visits.push(visit("S8", d(2026, 11, 2), &[], false));
        case.step = "S8".into();
        case.closed_on = Some(d(2026, 11, 3));
        let got = reflections(&case, &route);
        assert_eq!(got.len(), 2, "the closing step reflects when the case is closed");
        assert_eq!((got[1].on, got[1].helped.len()), (d(2026, 11, 3), 0));
        assert!(!format!("{got:?}").contains("Eerder bellen"));
    }
}
