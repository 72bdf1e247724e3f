//! The figures the SWV monitors per school and period (domain.md §6), computed from the
//! imported records. Pure: the dashboard and the reports share them.

use chrono::NaiveDate;

use super::escalation::{DeciderRole, Level};
use super::export::{Period, Record};
use super::team::{name_key, same_name};

/// The plan should be agreed within this many days of the tandem discussion.
pub const PLAN_DAYS: i64 = 42;

/// Small-count rule: a figure derived from fewer cases than this (a mean, a median, a
/// share) is not shown, and neither is a share whose numerator is that small.
pub const MIN_CASES: u64 = 5;

/// Whether a count from 1 to [`MIN_CASES`] - 1 (one that is shown as "<5").
pub fn small(n: u64) -> bool {
    (1..MIN_CASES).contains(&n)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub started: u64,
    pub closed: u64,
    pub active: u64,
    pub joint_started: u64,
    pub plans_agreed: u64,
    pub plans_in_time: u64,
    /// Escalation rungs opened in the period, per level (E1, E2, E3).
    pub escalations: [u64; 3],
    /// Per reason, in the order of `Reason::ALL`.
    pub reasons: [u64; 6],
    /// Per reason, its rungs resolved, unresolved and still waiting.
    pub outcomes: [[u64; 3]; 6],
    pub resolved: u64,
    pub unresolved: u64,
    pub waiting: u64,
    /// Decisions taken on rungs opened in the period: the base of the median.
    pub decisions: u64,
    /// Unsuppressed: read it through [`Figures::median_days`].
    median_days_to_decision: Option<f64>,
    pub meldcode: u64,
    pub thuiszitters: u64,
    /// Scores given by school, wijkteam and parents: the base of each mean.
    pub respondents: [u64; 3],
    /// Mean satisfaction (1-5) of school, wijkteam and parents at evaluations in the
    /// period, unsuppressed: read it through [`Figures::satisfaction`].
    satisfaction: [Option<f64>; 3],
}

impl Figures {
    /// Share of agreed plans that were in time, in percent; none from fewer than
    /// [`MIN_CASES`] plans, nor when the plans in time or the late ones are a small count
    /// (the share and the count shown beside it would give that count away).
    pub fn in_time_percent(&self) -> Option<f64> {
        let late = self.plans_agreed.saturating_sub(self.plans_in_time);
        let shown = self.plans_agreed >= MIN_CASES && !small(self.plans_in_time) && !small(late);
        shown.then(|| 100.0 * self.plans_in_time as f64 / self.plans_agreed as f64)
    }

    /// Median days from opening a rung to its decision; none from fewer than
    /// [`MIN_CASES`] decisions.
    pub fn median_days(&self) -> Option<f64> {
        self.median_days_to_decision.filter(|_| self.decisions >= MIN_CASES)
    }

    /// Mean satisfaction of school (0), wijkteam (1) or parents (2); none from fewer than
    /// [`MIN_CASES`] scores.
    pub fn satisfaction(&self, who: usize) -> Option<f64> {
        let n = self.respondents.get(who).copied().unwrap_or(0);
        self.satisfaction.get(who).copied().flatten().filter(|_| n >= MIN_CASES)
    }
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 })
}

fn mean(v: impl Iterator<Item = u8>) -> Option<f64> {
    let (sum, n) = v.fold((0u64, 0u64), |(s, n), x| (s + u64::from(x), n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}

fn overlaps(p: Period, from: NaiveDate, to: Option<NaiveDate>) -> bool {
    from <= p.end() && to.is_none_or(|t| t >= p.start())
}

pub fn figures<'a>(records: impl Iterator<Item = &'a Record>, p: Period) -> Figures {
    let mut f = Figures::default();
    let mut days = Vec::new();
    let mut scores: [Vec<u8>; 3] = Default::default();
    let inside = |d: Option<NaiveDate>| d.is_some_and(|d| p.contains(d));
    for r in records {
        f.started += u64::from(p.contains(r.started));
        f.closed += u64::from(inside(r.closed));
        f.active += u64::from(overlaps(p, r.started, r.closed));
        f.joint_started += u64::from(inside(r.joint_start));
        if inside(r.plan_agreed) {
            f.plans_agreed += 1;
            let in_time = r.tandem_date.zip(r.plan_agreed).is_some_and(|(t, a)| (a - t).num_days() <= PLAN_DAYS);
            f.plans_in_time += u64::from(in_time);
        }
        f.meldcode += u64::from(inside(r.meldcode_start));
        f.thuiszitters += u64::from(r.thuiszitter.iter().any(|(from, to)| overlaps(p, *from, *to)));
        for e in r.escalations.iter().filter(|e| p.contains(e.opened)) {
            f.escalations[e.level.index()] += 1;
            f.reasons[e.reason.index()] += 1;
            let outcome = match e.resolved {
                Some(true) => 0,
                Some(false) => 1,
                None => 2,
            };
            f.outcomes[e.reason.index()][outcome] += 1;
            *[&mut f.resolved, &mut f.unresolved, &mut f.waiting][outcome] += 1;
            if let Some(d) = e.decided {
                days.push((d - e.opened).num_days());
            }
        }
        for (_, s) in r.satisfaction.iter().filter(|(on, _)| p.contains(*on)) {
            for (i, x) in [s.school, s.wijkteam, s.parents].into_iter().enumerate() {
                scores[i].extend(x);
            }
        }
    }
    f.decisions = days.len() as u64;
    f.median_days_to_decision = median(days);
    for (i, s) in scores.into_iter().enumerate() {
        f.respondents[i] = s.len() as u64;
        f.satisfaction[i] = mean(s.into_iter());
    }
    f
}

/// How often each category was named at the reflections of a period, as helping and as
/// hindering the cooperation, most named first. Categories that differ only in case or
/// spaces are one, shown as first met; a category no routekaart offers any more still
/// counts under its stored label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reflections {
    /// The reflections recorded in the period: the base of the counts.
    pub recorded: u64,
    pub helped: Vec<(String, u64)>,
    pub hindered: Vec<(String, u64)>,
}

pub fn reflections<'a>(records: impl Iterator<Item = &'a Record>, p: Period) -> Reflections {
    /// Adds one reflection's labels; a category counts once per reflection.
    fn tally(counts: &mut Vec<(String, u64)>, labels: &[String]) {
        let mut seen: Vec<&str> = Vec::new();
        for label in labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
            if seen.iter().any(|s| same_name(s, label)) {
                continue;
            }
            seen.push(label);
            match counts.iter_mut().find(|(l, _)| same_name(l, label)) {
                Some((_, n)) => *n += 1,
                None => counts.push((label.to_string(), 1)),
            }
        }
    }
    let mut out = Reflections::default();
    for r in records.flat_map(|r| r.reflections.iter()).filter(|r| p.contains(r.on)) {
        out.recorded += 1;
        tally(&mut out.helped, &r.helped);
        tally(&mut out.hindered, &r.hindered);
    }
    for counts in [&mut out.helped, &mut out.hindered] {
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    out
}

/// An E2 question waiting for its binding decision, as the SWV lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E2Waiting {
    /// The gemeente whose official was asked, else the school's; None when neither is known.
    pub gemeente: Option<String>,
    pub school: String,
    pub opened: NaiveDate,
    /// Who it waits for, as the rung keeps them ("directeur SWV: drs. P. Verbeek").
    pub deciders: Vec<String>,
    /// The SWV director is among them.
    pub to_director: bool,
}

/// Open E2 escalations, per gemeente (by name, the unknown last) and oldest first within
/// it. `gemeente_of` gives a school's gemeente for a question whose rung names none.
pub fn waiting_at_e2<'a>(
    records: impl Iterator<Item = (&'a str, &'a Record)>,
    gemeente_of: impl Fn(&str) -> Option<String>,
) -> Vec<E2Waiting> {
    let mut out: Vec<E2Waiting> = records
        .flat_map(|(school, r)| {
            r.escalations
                .iter()
                .filter(|e| e.level == Level::E2 && e.decided.is_none())
                // Only the newest rung of an escalation counts; a later rung means it went up.
                .filter(move |e| !r.escalations.iter().any(|x| x.opened > e.opened && x.level > e.level))
                .map(move |e| (school, e))
        })
        .map(|(school, e)| E2Waiting {
            gemeente: e.gemeente.clone().or_else(|| gemeente_of(school)),
            school: school.to_string(),
            opened: e.opened,
            deciders: if e.deciders.is_empty() { fallback_deciders(e.to_director) } else { e.deciders.clone() },
            to_director: e.to_director,
        })
        .collect();
    out.sort_by_cached_key(|w| (w.gemeente.is_none(), w.gemeente.as_deref().map(name_key), w.opened, w.school.clone()));
    out
}

/// Who an E2 question from a bundle that did not name its deciders waits for: the SWV
/// director, or else the municipality's official.
fn fallback_deciders(to_director: bool) -> Vec<String> {
    let role = if to_director { DeciderRole::SwvDirector } else { DeciderRole::Municipality };
    vec![role.entry_name().to_string()]
}

/// E2 escalations to the SWV director that went on to E3: (school, the day the
/// E3 rung opened), newest first. The director has seen their dossier; it stays in view.
pub fn went_up_from_director<'a>(records: impl Iterator<Item = (&'a str, &'a Record)>) -> Vec<(String, NaiveDate)> {
    let mut out: Vec<(String, NaiveDate)> = records
        .filter_map(|(school, r)| {
            let to_director = r.escalations.iter().filter(|e| e.level == Level::E2 && e.to_director);
            let e2 = to_director.map(|e| e.opened).max()?;
            let e3 = r.escalations.iter().filter(|e| e.level == Level::E3 && e.opened >= e2).map(|e| e.opened).max()?;
            Some((school.to_string(), e3))
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::Reason;
    use crate::domain::export::EscalationFact;
    use crate::domain::monitoring::Satisfaction;
    use crate::domain::testing::d;

    fn rec(started: NaiveDate) -> Record {
        Record { step: "S6".into(), ..Record::started(started) }
    }

    #[test]
    fn figures_count_what_happened_in_the_period() {
        let h2 = Period { year: 2026, half: 2 };
        let mut a = rec(d(2026, 3, 1));
        a.closed = Some(d(2026, 9, 1));
        a.tandem_date = Some(d(2026, 7, 1));
        a.plan_agreed = Some(d(2026, 8, 12)); // 42 days: in time
        a.joint_start = Some(d(2026, 8, 20));
        a.satisfaction = vec![(d(2026, 10, 1), Satisfaction { school: Some(4), wijkteam: Some(5), parents: None })];
        let mut b = rec(d(2026, 7, 15));
        b.tandem_date = Some(d(2026, 7, 20));
        b.plan_agreed = Some(d(2026, 9, 30)); // late
        b.meldcode_start = Some(d(2026, 7, 16));
        b.thuiszitter = vec![(d(2026, 5, 1), None)];
        b.satisfaction = vec![(d(2026, 11, 1), Satisfaction { school: Some(2), wijkteam: Some(3), parents: Some(5) })];
        let fact = |level, opened, decided: Option<NaiveDate>, resolved| EscalationFact {
            level,
            reason: Reason::Funding,
            opened,
            to_director: level == Level::E2,
            decided,
            resolved,
            deciders: Vec::new(),
            gemeente: None,
        };
        b.escalations = vec![
            fact(Level::E1, d(2026, 8, 1), Some(d(2026, 8, 11)), Some(false)),
            fact(Level::E2, d(2026, 8, 12), Some(d(2026, 9, 12)), Some(true)),
            fact(Level::E1, d(2026, 6, 1), None, None),
        ];
        let old = rec(d(2025, 1, 1)); // closed before? no: still active
        let mut gone = rec(d(2025, 1, 1));
        gone.closed = Some(d(2026, 2, 1));
        let f = figures([&a, &b, &old, &gone].into_iter(), h2);
        assert_eq!((f.started, f.closed, f.active), (1, 1, 3));
        assert_eq!((f.joint_started, f.plans_agreed, f.plans_in_time), (1, 2, 1));
        // Two plans, two decisions, one or two scores each: too few to publish.
        assert_eq!(f.in_time_percent(), None);
        assert_eq!((f.escalations, f.reasons[Reason::Funding.index()]), ([1, 1, 0], 2));
        assert_eq!((f.resolved, f.unresolved, f.waiting), (1, 1, 0));
        assert_eq!(f.outcomes[Reason::Funding.index()], [1, 1, 0]);
        assert_eq!(f.median_days_to_decision, Some(20.5));
        assert_eq!((f.meldcode, f.thuiszitters), (1, 1));
        assert_eq!(f.satisfaction, [Some(3.0), Some(4.0), Some(5.0)]);
        assert_eq!((f.decisions, f.respondents), (2, [2, 2, 1]));
        assert_eq!(
            (f.median_days(), f.satisfaction(0), f.satisfaction(1), f.satisfaction(2)),
            (None, None, None, None)
        );
    }

    /// Each derived figure appears from five cases on, and a share never stands beside a
    /// small count of what it shares.
    #[test]
    fn derived_figures_need_five_cases() {
        let h2 = Period { year: 2026, half: 2 };
        let plan = |agreed_after: i64, score: Option<u8>| {
            let mut r = rec(d(2026, 7, 1));
            r.tandem_date = Some(d(2026, 7, 1));
            r.plan_agreed = Some(d(2026, 7, 1) + chrono::Duration::days(agreed_after));
            r.satisfaction = vec![(d(2026, 10, 1), Satisfaction { school: score, wijkteam: None, parents: None })];
            r.escalations = vec![EscalationFact {
                level: Level::E1,
                reason: Reason::NoOffer,
                opened: d(2026, 8, 1),
                to_director: false,
                decided: Some(d(2026, 8, 1) + chrono::Duration::days(agreed_after)),
                resolved: Some(true),
                deciders: Vec::new(),
                gemeente: None,
            }];
            r
        };
        let four: Vec<Record> = (0..4).map(|i| plan(10 + i, Some(4))).collect();
        let f = figures(four.iter(), h2);
        assert_eq!((f.plans_agreed, f.in_time_percent(), f.median_days(), f.satisfaction(0)), (4, None, None, None));
        let five: Vec<Record> = (0..5).map(|i| plan(10 + i, Some(3 + (i % 2) as u8))).collect();
        let f = figures(five.iter(), h2);
        assert_eq!(f.in_time_percent(), Some(100.0));
        assert_eq!(f.median_days(), Some(12.0));
        assert_eq!(f.satisfaction(0), Some(3.4));
        assert_eq!(f.satisfaction(1), None);
        // Six plans of which one was late: 83 % would give away the one late plan; of which
        // one was in time: 17 % would give away that one. Five and five: 50 %.
        let mut six: Vec<Record> = (0..5).map(|i| plan(10 + i, None)).collect();
        six.push(plan(60, None));
        assert_eq!(figures(six.iter(), h2).in_time_percent(), None);
        let mut late: Vec<Record> = (0..5).map(|_| plan(60, None)).collect();
        late.push(plan(10, None));
        assert_eq!(figures(late.iter(), h2).in_time_percent(), None);
        late.extend((0..4).map(|_| plan(10, None)));
        assert_eq!(figures(late.iter(), h2).in_time_percent(), Some(50.0));
    }

    #[test]
    fn reflections_count_each_category_once_per_reflection_in_the_period() {
        use crate::domain::monitoring::Reflection;
        let h2 = Period { year: 2026, half: 2 };
        let reflection = |on, helped: &[&str], hindered: &[&str]| Reflection {
            on,
            helped: helped.iter().map(|s| s.to_string()).collect(),
            hindered: hindered.iter().map(|s| s.to_string()).collect(),
        };
        let mut a = rec(d(2026, 1, 1));
        a.reflections = vec![
            reflection(d(2026, 9, 1), &["snel schakelen in de tandem", "Snel  schakelen in de tandem "], &[]),
            reflection(d(2026, 6, 30), &["goede afstemming met ouders"], &["wachttijd jeugdhulp"]),
        ];
        let mut b = rec(d(2026, 1, 1));
        b.reflections = vec![reflection(
            d(2026, 12, 31),
            &["snel schakelen in de tandem"],
            &["wachttijd jeugdhulp", "een categorie van vroeger"],
        )];
        let r = reflections([&a, &b].into_iter(), h2);
        assert_eq!(r.recorded, 2, "the reflection of June lies in the first half-year");
        assert_eq!(r.helped, [("snel schakelen in de tandem".to_string(), 2)]);
        assert_eq!(
            r.hindered,
            [("een categorie van vroeger".to_string(), 1), ("wachttijd jeugdhulp".to_string(), 1)],
            "a label no routekaart offers still counts; equal counts by name"
        );
        assert_eq!(reflections([&a].into_iter(), h2.previous()).hindered, [("wachttijd jeugdhulp".to_string(), 1)]);
    }

    #[test]
    fn the_e2_list_is_per_gemeente_and_skips_what_went_up_or_was_decided() {
        let mut r = rec(d(2026, 1, 1));
        let fact = |level, opened, decided: Option<NaiveDate>| EscalationFact {
            level,
            reason: Reason::NoOffer,
            opened,
            to_director: true,
            decided,
            resolved: decided.map(|_| false),
            deciders: Vec::new(),
            gemeente: None,
        };
        r.escalations = vec![fact(Level::E2, d(2026, 9, 1), None)];
        let mut s = r.clone();
        s.escalations = vec![fact(Level::E2, d(2026, 8, 1), None), fact(Level::E3, d(2026, 10, 1), None)];
        let mut t = r.clone();
        t.escalations = vec![fact(Level::E2, d(2026, 7, 1), Some(d(2026, 7, 20)))];
        // A care question of school D, asked of Buren's official; E is an older bundle's.
        let mut u = r.clone();
        u.escalations = vec![EscalationFact {
            to_director: false,
            deciders: vec!["gemeente (OGGO): J. Bakker".into()],
            gemeente: Some("Buren".into()),
            ..fact(Level::E2, d(2026, 10, 2), None)
        }];
        let mut v = r.clone();
        v.escalations = vec![EscalationFact { to_director: false, ..fact(Level::E2, d(2026, 6, 2), None) }];
        let records = [("A", &r), ("B", &s), ("C", &t), ("D", &u), ("E", &v)];
        let gemeente_of = |school: &str| (school != "E").then(|| "Overbetuwe".to_string());
        let list = waiting_at_e2(records.into_iter(), gemeente_of);
        let shown: Vec<(Option<&str>, &str, &str)> =
            list.iter().map(|w| (w.gemeente.as_deref(), w.school.as_str(), w.deciders[0].as_str())).collect();
        assert_eq!(
            shown,
            [
                (Some("Buren"), "D", "gemeente (OGGO): J. Bakker"),
                (Some("Overbetuwe"), "A", "directeur SWV"),
                (None, "E", "gemeente (OGGO)"),
            ],
            "per gemeente, the rung's own before the school's; a bundle without deciders names the role"
        );
        assert!(list[1].to_director && !list[0].to_director);
        // B's escalation went up to E3: it stays in view as such.
        let up = went_up_from_director([("A", &r), ("B", &s), ("C", &t)].into_iter());
        assert_eq!(up, [("B".to_string(), d(2026, 10, 1))]);
    }
}
