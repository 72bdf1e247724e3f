//! The one-page overview for a gemeente's local IB network (the IB-ers with their wijkteam
//! contacts, domain.md §9): the indicators per school, the trend over six half-years,
//! escalations by reason and outcome, and what the tandems' reflections say. It leaves
//! the SWV, so every count from 1 to 4 shows as "<5" and no derived figure rests on fewer
//! than five cases.

use chrono::NaiveDate;

use super::monitor::{Gemeenten, Group, Level, groups, row_label};
use crate::domain::date;
use crate::domain::escalation::Reason;
use crate::domain::export::Period;
use crate::domain::figures::{self, Figures, MIN_CASES, small};
use crate::domain::team::same_name;
use crate::print::{Block, Chart, ChartPoint, Doc};
use crate::report::decimal;
use crate::store::SwvRecord;
use crate::strings::{self, Label, small_count};

/// Half-years the trend covers, the chosen one last.
pub const TREND: usize = 6;

/// The overview of `gemeente` for `period`, made on `today`; None when no school the
/// SWV has records of lies in that gemeente (its name as the SWV wrote it, or differing
/// only in case or spaces).
pub fn document(
    records: &[SwvRecord],
    gemeente: &str,
    gemeenten: &Gemeenten,
    period: Period,
    today: NaiveDate,
) -> Option<Doc> {
    let rows: Vec<Group> = groups(records, gemeenten)
        .into_iter()
        .filter(|g| g.level != Level::Total && same_name(&g.gemeente, gemeente))
        .collect();
    let total = rows.iter().find(|g| g.level == Level::Gemeente)?;
    let name = total.name.clone();
    let figures_of = |g: &Group, p: Period| figures::figures(g.records.iter().map(|r| &r.record), p);
    let now = figures_of(total, period);
    let reflections = figures::reflections(total.records.iter().map(|r| &r.record), period);
    let mut blocks = vec![
        Block::Heading(strings::NETWORK_INDICATORS.into()),
        indicator_table(&rows, |g| figures_of(g, period)),
        Block::Heading(strings::network_trend(TREND)),
        trend_chart(total, period),
        Block::Heading(strings::NETWORK_ESCALATIONS.into()),
    ];
    blocks.push(escalation_block(&now));
    blocks.push(Block::Heading(strings::network_reflections(&small_count(reflections.recorded))));
    blocks.push(reflection_block(&reflections));
    blocks.push(Block::Paragraph(strings::NETWORK_SUPPRESSION.into()));
    Some(Doc {
        title: strings::network_title(&name, &period.to_string()),
        meta: vec![strings::network_meta(&date::format(today), rows.len() - 1)],
        blocks,
        footer: strings::network_title(&name, &period.to_string()),
    })
}

/// A mean (one decimal) or a share (a whole percent), as the report writes it, or "—"
/// where it rests on too few cases.
fn derived(x: Option<f64>, decimals: i32, unit: &str) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{}{unit}", decimal(v, decimals)))
}

fn indicator_table(rows: &[Group], figures_of: impl Fn(&Group) -> Figures) -> Block {
    let rows = rows
        .iter()
        .map(|g| {
            let f = figures_of(g);
            let satisfaction = (0..3).map(|who| derived(f.satisfaction(who), 1, "")).collect::<Vec<_>>().join(" / ");
            vec![
                row_label(g),
                small_count(f.started),
                small_count(f.active),
                small_count(f.joint_started),
                derived(f.in_time_percent(), 0, "%"),
                small_count(f.escalations.iter().sum()),
                satisfaction,
            ]
        })
        .collect();
    Block::Table { header: strings::NETWORK_COLUMNS.iter().map(|h| h.to_string()).collect(), rows }
}

/// Cases started, joint deployments started and escalations per half-year. A count too
/// small to publish is drawn at one height for all of them, under the line of five.
fn trend_chart(total: &Group, period: Period) -> Block {
    let mut periods = vec![period];
    while periods.len() < TREND {
        periods.insert(0, periods[0].previous());
    }
    let bar = |n: u64| (if small(n) { MIN_CASES - 1 } else { n }, small_count(n));
    let points = periods
        .iter()
        .map(|p| {
            let f = figures::figures(total.records.iter().map(|r| &r.record), *p);
            ChartPoint {
                label: p.to_string(),
                values: vec![bar(f.started), bar(f.joint_started), bar(f.escalations.iter().sum())],
            }
        })
        .collect();
    Block::Chart(Chart { series: strings::NETWORK_SERIES.iter().map(|s| s.to_string()).collect(), points })
}

/// Per reason with escalations in the period: resolved, unresolved, waiting, all.
fn escalation_block(f: &Figures) -> Block {
    let rows: Vec<Vec<String>> = Reason::ALL
        .iter()
        .filter(|r| f.reasons[r.index()] > 0)
        .map(|r| {
            let [resolved, unresolved, waiting] = f.outcomes[r.index()];
            let counts = [resolved, unresolved, waiting, f.reasons[r.index()]].map(small_count);
            std::iter::once(r.label().to_string()).chain(counts).collect()
        })
        .collect();
    if rows.is_empty() {
        return Block::Paragraph(strings::NETWORK_NO_ESCALATIONS.into());
    }
    Block::Table { header: strings::NETWORK_ESCALATION_COLUMNS.iter().map(|h| h.to_string()).collect(), rows }
}

/// What helped and what hindered, side by side, most named first.
fn reflection_block(r: &figures::Reflections) -> Block {
    if r.recorded == 0 {
        return Block::Paragraph(strings::NETWORK_NO_REFLECTIONS.into());
    }
    let cell = |list: &[(String, u64)], i: usize| {
        list.get(i).map_or_else(|| [String::new(), String::new()], |(label, n)| [label.clone(), small_count(*n)])
    };
    let rows = (0..r.helped.len().max(r.hindered.len()))
        .map(|i| cell(&r.helped, i).into_iter().chain(cell(&r.hindered, i)).collect())
        .collect();
    Block::Table { header: strings::NETWORK_REFLECTION_COLUMNS.iter().map(|h| h.to_string()).collect(), rows }
}
