//! What the SWV's figures are grouped by and the report tables for the OGGO meeting:
//! schools per gemeente (`swv.toml`), a total per gemeente and for the SWV.

use std::collections::BTreeMap;

use crate::domain::export::Period;
use crate::domain::figures::{self, Figures};
use crate::domain::team::{name_key, same_name};
use crate::report::{Cell, Table};
use crate::store::SwvRecord;
use crate::strings;

use super::SwvConfig;
/// Which gemeente each school lies in, from `swv.toml`. Names that differ only in case or
/// spaces are one school, one gemeente; a gemeente shows as first written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gemeenten {
    /// School (`name_key`) → gemeente (`name_key`).
    schools: BTreeMap<String, String>,
    /// Gemeente (`name_key`) → its name as first written.
    names: BTreeMap<String, String>,
}

impl Gemeenten {
    pub fn of(config: &SwvConfig) -> Gemeenten {
        let pairs: Vec<(&str, &str)> =
            config.teams.iter().filter_map(|t| t.gemeente.as_deref().map(|g| (t.name.as_str(), g))).collect();
        Gemeenten::from_pairs(&pairs)
    }

    pub fn from_pairs(pairs: &[(&str, &str)]) -> Gemeenten {
        let mut g = Gemeenten::default();
        for (school, gemeente) in pairs.iter().filter(|(_, gemeente)| !gemeente.trim().is_empty()) {
            let key = name_key(gemeente);
            g.names.entry(key.clone()).or_insert_with(|| gemeente.split_whitespace().collect::<Vec<_>>().join(" "));
            g.schools.entry(name_key(school)).or_insert(key);
        }
        g
    }

    /// The gemeente of `school`, if the SWV named one.
    pub fn of_school(&self, school: &str) -> Option<&str> {
        self.schools.get(&name_key(school)).and_then(|k| self.names.get(k)).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.schools.is_empty()
    }

    /// The gemeenten named, in name order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.values().map(String::as_str)
    }
}

/// What a row of the SWV's figures covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    School,
    /// The schools of one gemeente together.
    Gemeente,
    /// The whole SWV.
    Total,
}

/// One row of the SWV's figures and the records it counts.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub level: Level,
    /// The school, the gemeente, or "Totaal".
    pub name: String,
    /// The gemeente a school or gemeente row belongs to (`GEEN_GEMEENTE` when none).
    pub gemeente: String,
    pub records: Vec<&'a SwvRecord>,
}

/// The rows the dashboard and the report show: per gemeente (in name order, the schools
/// without one last) its schools and, when the SWV names gemeenten, the gemeente's
/// total; then the SWV's total. Names that differ only in case or spaces are one.
pub fn groups<'a>(records: &'a [SwvRecord], gemeenten: &Gemeenten) -> Vec<Group<'a>> {
    type Schools<'a> = Vec<(String, Vec<&'a SwvRecord>)>;
    let mut by_gemeente: Vec<(String, Schools)> = Vec::new();
    for (school, rs) in by_school(records) {
        let gemeente = gemeenten.of_school(&school).unwrap_or(strings::NO_GEMEENTE);
        match by_gemeente.iter_mut().find(|(g, _)| same_name(g, gemeente)) {
            Some((_, schools)) => schools.push((school, rs)),
            None => by_gemeente.push((gemeente.to_string(), vec![(school, rs)])),
        }
    }
    by_gemeente.sort_by_key(|(g, _)| (g == strings::NO_GEMEENTE, name_key(g)));
    let mut rows = Vec::new();
    for (gemeente, schools) in by_gemeente {
        let all: Vec<&SwvRecord> = schools.iter().flat_map(|(_, rs)| rs.iter().copied()).collect();
        for (school, rs) in schools {
            rows.push(Group { level: Level::School, name: school, gemeente: gemeente.clone(), records: rs });
        }
        if !gemeenten.is_empty() {
            rows.push(Group { level: Level::Gemeente, name: gemeente.clone(), gemeente, records: all });
        }
    }
    let all = records.iter().collect();
    rows.push(Group { level: Level::Total, name: strings::REPORT_TOTAL.into(), gemeente: String::new(), records: all });
    rows
}

/// Per school, in name order, with its records.
pub fn by_school(records: &[SwvRecord]) -> Vec<(String, Vec<&SwvRecord>)> {
    let mut schools: Vec<(String, Vec<&SwvRecord>)> = Vec::new();
    for r in records {
        match schools.iter_mut().find(|(s, _)| same_name(s, &r.school)) {
            Some((_, v)) => v.push(r),
            None => schools.push((r.school.clone(), vec![r])),
        }
    }
    schools.sort_by(|a, b| a.0.cmp(&b.0));
    schools
}

fn count(n: u64) -> Cell {
    Cell::Count(n)
}

fn number(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Number)
}

/// The report for the OGGO meeting: the figures of domain.md §6 for `period`, one row per
/// school, per gemeente (when the SWV names them) and for the SWV, each with its gemeente
/// in the last column; a second table of escalations per reason.
pub fn report_tables(records: &[SwvRecord], period: Period, gemeenten: &Gemeenten) -> Vec<Table> {
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    for g in groups(records, gemeenten) {
        let f = figures::figures(g.records.iter().map(|r| &r.record), period);
        let label = row_label(&g);
        let mut row = figure_row(&label, &f);
        row.push(if g.level == Level::Total { Cell::Empty } else { Cell::Text(g.gemeente.clone()) });
        rows.push(row);
        let mut row = vec![Cell::Text(label)];
        row.extend(f.reasons.iter().map(|n| count(*n)));
        reasons.push(row);
    }
    let mut reason_headers = vec![strings::REPORT_SCHOOL.to_string()];
    reason_headers.extend(crate::domain::escalation::Reason::ALL.iter().map(|r| strings::Label::label(*r).to_string()));
    let mut headers: Vec<String> = strings::REPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    headers.push(strings::REPORT_GEMEENTE.into());
    vec![
        Table { title: strings::report_title(&period.to_string()), headers, rows },
        Table { title: strings::REPORT_REASONS_TITLE.into(), headers: reason_headers, rows: reasons },
    ]
}

/// One table per gemeente for its half-yearly overleg (a sheet each in the workbook): its
/// schools and its total. None when the SWV names no gemeente.
pub fn gemeente_tables(records: &[SwvRecord], period: Period, gemeenten: &Gemeenten) -> Vec<Table> {
    if gemeenten.is_empty() {
        return Vec::new();
    }
    let headers: Vec<String> = strings::REPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    let mut tables: Vec<Table> = Vec::new();
    for g in groups(records, gemeenten).into_iter().filter(|g| g.level != Level::Total) {
        let f = figures::figures(g.records.iter().map(|r| &r.record), period);
        if tables.last().is_none_or(|t| t.title != g.gemeente) {
            tables.push(Table { title: g.gemeente.clone(), headers: headers.clone(), rows: Vec::new() });
        }
        if let Some(t) = tables.last_mut() {
            t.rows.push(figure_row(&row_label(&g), &f));
        }
    }
    tables
}

/// How a row is named: the school, "Totaal GEMEENTE", or "Totaal".
pub fn row_label(g: &Group) -> String {
    match g.level {
        Level::School => g.name.clone(),
        Level::Gemeente => strings::gemeente_total(&g.name),
        Level::Total => strings::REPORT_TOTAL.into(),
    }
}

fn figure_row(school: &str, f: &Figures) -> Vec<Cell> {
    vec![
        Cell::Text(school.to_string()),
        count(f.started),
        count(f.closed),
        count(f.active),
        count(f.joint_started),
        count(f.plans_agreed),
        f.in_time_percent().map_or(Cell::Empty, Cell::Percent),
        count(f.escalations[0]),
        count(f.escalations[1]),
        count(f.escalations[2]),
        count(f.resolved),
        count(f.unresolved),
        count(f.waiting),
        number(f.median_days()),
        count(f.meldcode),
        count(f.thuiszitters),
        number(f.satisfaction(0)),
        number(f.satisfaction(1)),
        number(f.satisfaction(2)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::{Level, Reason};
    use crate::domain::export::{EscalationFact, Record};
    use crate::domain::monitoring::Satisfaction;
    use crate::domain::testing::d;

    /// A case of `school` started on 1 July 2026 whose plan was agreed in time, with a
    /// school satisfaction score and an E1 escalation decided after `decided_after` days.
    fn case(school: &str, score: Option<u8>, decided_after: Option<i64>) -> SwvRecord {
        let mut record = Record { step: "S6".into(), ..Record::started(d(2026, 7, 1)) };
        record.tandem_date = Some(d(2026, 7, 6));
        record.plan_agreed = Some(d(2026, 8, 3));
        record.joint_start = Some(d(2026, 8, 10));
        record.satisfaction = vec![(d(2026, 10, 1), Satisfaction { school: score, wijkteam: Some(4), parents: None })];
        record.escalations = decided_after
            .map(|days| EscalationFact {
                level: Level::E1,
                reason: Reason::NoOffer,
                opened: d(2026, 9, 1),
                to_director: false,
                decided: Some(d(2026, 9, 1) + chrono::Duration::days(days)),
                resolved: Some(true),
                deciders: Vec::new(),
                gemeente: None,
            })
            .into_iter()
            .collect();
        SwvRecord {
            team: school.into(),
            school: school.into(),
            revision: 1,
            record,
            dossier: None,
            link: None,
            imported: None,
        }
    }

    #[test]
    fn schools_are_grouped_per_gemeente_with_a_total_each_and_suppressed_alike() {
        let mut records = Vec::new();
        for (school, n) in [("De Linde", 6), ("de  linde", 1), ("Het Anker", 2), ("De Klimop", 7), ("Los", 3)] {
            records.extend((0..n).map(|_| case(school, None, None)));
        }
        let gemeenten =
            Gemeenten::from_pairs(&[("DE LINDE", "Buren"), ("Het Anker", "Overbetuwe"), ("De Klimop", " buren ")]);
        let labels: Vec<(String, usize)> =
            groups(&records, &gemeenten).iter().map(|g| (row_label(g), g.records.len())).collect();
        let expect = [
            ("De Klimop", 7),
            ("De Linde", 7),
            ("Totaal Buren", 14),
            ("Het Anker", 2),
            ("Totaal Overbetuwe", 2),
            ("Los", 3),
            ("Totaal (geen gemeente)", 3),
            ("Totaal", 19),
        ];
        assert_eq!(labels, expect.map(|(l, n)| (l.to_string(), n)));
        let period = Period { year: 2026, half: 2 };
        let tables = report_tables(&records, period, &gemeenten);
        let csv = String::from_utf8(crate::report::csv_report(&tables)).unwrap();
        assert!(csv.contains("\r\nTotaal Buren;14;"), "{csv}");
        assert!(csv.contains("\r\nHet Anker;<5;0;<5;"), "small counts stay suppressed: {csv}");
        assert!(csv.contains(";Overbetuwe\r\n"), "the gemeente column: {csv}");
        let sheets: Vec<String> = gemeente_tables(&records, period, &gemeenten).into_iter().map(|t| t.title).collect();
        assert_eq!(sheets, ["Buren", "Overbetuwe", "(geen gemeente)"]);
        assert!(gemeente_tables(&records, period, &Gemeenten::default()).is_empty());
    }

    /// The report's figures against numbers worked out by hand. A: six cases, five scored
    /// 3, 4, 4, 5, 5 (mean 4.2), six wijkteam scores of 4, five decisions after 10, 20, 30,
    /// 40 and 50 days (median 30), all plans in time. B: two cases, so every derived
    /// figure of B is left out and its counts are "<5". The total: eight plans in time,
    /// seven school scores summing to 24.
    #[test]
    fn report_figures_match_a_hand_count() {
        let mut records: Vec<SwvRecord> =
            [3, 4, 4, 5, 5].iter().zip([10, 20, 30, 40, 50]).map(|(s, days)| case("A", Some(*s), Some(days))).collect();
        records.push(case("A", None, None));
        records.push(case("B", Some(1), None));
        records.push(case("B", Some(2), None));
        let tables = report_tables(&records, Period { year: 2026, half: 2 }, &Gemeenten::default());
        let c = Cell::Count;
        let rows = &tables[0].rows;
        assert_eq!(tables[0].title, "Monitor 2026-H2");
        let a = vec![
            Cell::Text("A".into()),
            c(6),
            c(0),
            c(6),
            c(6),
            c(6),
            Cell::Percent(100.0),
            c(5),
            c(0),
            c(0),
            c(5),
            c(0),
            c(0),
            Cell::Number(30.0),
            c(0),
            c(0),
            Cell::Number(4.2),
            Cell::Number(4.0),
            Cell::Empty,
        ];
        let b = vec![
            Cell::Text("B".into()),
            c(2),
            c(0),
            c(2),
            c(2),
            c(2),
            Cell::Empty,
            c(0),
            c(0),
            c(0),
            c(0),
            c(0),
            c(0),
            Cell::Empty,
            c(0),
            c(0),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ];
        let mut total = a.clone();
        total[0] = Cell::Text(strings::REPORT_TOTAL.into());
        for i in [1, 3, 4, 5] {
            total[i] = c(8);
        }
        total[16] = Cell::Number(24.0 / 7.0);
        let (mut a, mut b) = (a, b);
        a.push(Cell::Text(strings::NO_GEMEENTE.into()));
        b.push(Cell::Text(strings::NO_GEMEENTE.into()));
        total.push(Cell::Empty);
        assert_eq!(rows, &vec![a, b, total]);
        let reasons: Vec<Vec<Cell>> = tables[1].rows.clone();
        let no_offer = 1 + Reason::NoOffer.index();
        assert_eq!(reasons.iter().map(|r| r[no_offer].clone()).collect::<Vec<_>>(), [c(5), c(0), c(5)]);
        // As the CSV shows it: B's counts are "<5", and no share or mean stands beside them.
        let csv = String::from_utf8(crate::report::csv_report(&tables)).unwrap();
        assert!(csv.contains("\r\nA;6;0;6;6;6;100;5;0;0;5;0;0;30,0;0;0;4,2;4,0;;(geen gemeente)\r\n"), "{csv}");
        assert!(csv.contains("\r\nB;<5;0;<5;<5;<5;;0;0;0;0;0;0;;0;0;;;;(geen gemeente)\r\n"), "{csv}");
    }
}
