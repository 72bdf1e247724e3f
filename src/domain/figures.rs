//! The figures the SWV monitors per school and period (domain.md §6), computed from the
//! imported records. Pure: the dashboard and the reports share them.

use chrono::NaiveDate;

use super::escalation::{Level, Reason};
use super::export::{Period, Record};

/// The plan should be agreed within this many days of the tandem discussion.
pub const PLAN_DAYS: i64 = 42;

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
    pub resolved: u64,
    pub unresolved: u64,
    pub waiting: u64,
    pub median_days_to_decision: Option<f64>,
    pub meldcode: u64,
    pub thuiszitters: u64,
    /// Mean satisfaction (1-5) of school, wijkteam and parents at evaluations in the period.
    pub satisfaction: [Option<f64>; 3],
}

impl Figures {
    /// Share of agreed plans that were in time, in percent.
    pub fn in_time_percent(&self) -> Option<f64> {
        (self.plans_agreed > 0).then(|| 100.0 * self.plans_in_time as f64 / self.plans_agreed as f64)
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
            match e.resolved {
                Some(true) => f.resolved += 1,
                Some(false) => f.unresolved += 1,
                None => f.waiting += 1,
            }
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
    f.median_days_to_decision = median(days);
    for (i, s) in scores.into_iter().enumerate() {
        f.satisfaction[i] = mean(s.into_iter());
    }
    f
}

/// Open E2 escalations waiting for the SWV director: (school, opened), oldest first.
pub fn waiting_for_director<'a>(records: impl Iterator<Item = (&'a str, &'a Record)>) -> Vec<(String, NaiveDate)> {
    let mut out: Vec<(String, NaiveDate)> = records
        .flat_map(|(school, r)| {
            r.escalations
                .iter()
                .filter(|e| e.level == Level::E2 && e.to_director && e.decided.is_none())
                // Only the newest rung of an escalation counts; a later rung means it went up.
                .filter(move |e| !r.escalations.iter().any(|x| x.opened > e.opened && x.level > e.level))
                .map(move |e| (school.to_string(), e.opened))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The reason labels in the order of `Figures::reasons`.
pub fn reason_labels() -> Vec<&'static str> {
    Reason::ALL.iter().map(|r| r.label()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(f.in_time_percent(), Some(50.0));
        assert_eq!((f.escalations, f.reasons[Reason::Funding.index()]), ([1, 1, 0], 2));
        assert_eq!((f.resolved, f.unresolved, f.waiting), (1, 1, 0));
        assert_eq!(f.median_days_to_decision, Some(20.5));
        assert_eq!((f.meldcode, f.thuiszitters), (1, 1));
        assert_eq!(f.satisfaction, [Some(3.0), Some(4.0), Some(5.0)]);
    }

    #[test]
    fn director_waiting_list_skips_what_went_up_or_was_decided() {
        let mut r = rec(d(2026, 1, 1));
        let fact = |level, opened, decided: Option<NaiveDate>| EscalationFact {
            level,
            reason: Reason::NoOffer,
            opened,
            to_director: true,
            decided,
            resolved: decided.map(|_| false),
        };
        r.escalations = vec![fact(Level::E2, d(2026, 9, 1), None)];
        let mut s = r.clone();
        s.escalations = vec![fact(Level::E2, d(2026, 8, 1), None), fact(Level::E3, d(2026, 10, 1), None)];
        let mut t = r.clone();
        t.escalations = vec![fact(Level::E2, d(2026, 7, 1), Some(d(2026, 7, 20)))];
        let list = waiting_for_director([("A", &r), ("B", &s), ("C", &t)].into_iter());
        assert_eq!(list, [("A".to_string(), d(2026, 9, 1))]);
    }
}
