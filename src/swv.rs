//! SWV mode (`tandem swv`): the SWV's settings and identity, importing the bundles that
//! a sync tool brings into its folder, and the figures it reports. Every refusal names
//! the file and the reason and leaves the store as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bundle::{self, SwvIdentity, TeamKey};
use crate::config::{ConfigError, parse_toml};
use crate::domain::export::{FORMAT, MAX_CASES, MAX_SEQUENCE_JUMP, OutOfBounds, Payload, Period, count_cases};
use crate::domain::figures::{self, Figures};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::team::{name_key, same_name};
use crate::paths::Paths;
use crate::report::{Cell, Table};
use crate::store::{Imported, Store, StoreError, SwvRecord};
use crate::strings;

/// A team the SWV trusts: its name and public signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    pub key: String,
    /// The gemeente the school lies in: the SWV reports per gemeente as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
}

/// `swv.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwvConfig {
    /// Where the sync tool brings the teams' bundles.
    #[serde(default)]
    pub folder: Option<PathBuf>,
    #[serde(default)]
    pub teams: Vec<Team>,
    /// The dashboard's keys where they differ from the shipped keymap, as in config.toml.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl SwvConfig {
    pub fn load(paths: &Paths) -> Result<SwvConfig, ConfigError> {
        let file = paths.swv_config_file();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let config: SwvConfig = parse_toml(&file, &text)?;
                for t in &config.teams {
                    TeamKey::parse(&t.key).map_err(|e| ConfigError::Invalid {
                        file: file.clone(),
                        problem: strings::team_key_invalid(&t.name, &e.to_string()),
                    })?;
                }
                Ok(config)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SwvConfig::default()),
            Err(error) => Err(ConfigError::Read { file, error }),
        }
    }

    pub fn save(&self, paths: &Paths) -> Result<(), ConfigError> {
        let file = paths.swv_config_file();
        let fail = |error| ConfigError::Write { file: file.clone(), error };
        let text = toml::to_string_pretty(self).map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        let text = format!("{}{text}", strings::SWV_CONFIG_HEADER);
        crate::atomic::write(&file, text.as_bytes()).map_err(fail)
    }

    /// Sets the gemeente of every team of `school`; the school's name as trusted, or None
    /// when no team has that name.
    pub fn set_gemeente(&mut self, school: &str, gemeente: &str) -> Option<String> {
        let mut found = None;
        for t in self.teams.iter_mut().filter(|t| same_name(&t.name, school)) {
            t.gemeente = Some(gemeente.trim().to_string());
            found = Some(t.name.clone());
        }
        found
    }

    /// The trusted keys, in the order of `teams` (a key that is not one is left out).
    pub fn keys(&self) -> Vec<TeamKey> {
        self.trusted().keys
    }

    fn trusted(&self) -> Trusted<'_> {
        let teams: Vec<(&Team, TeamKey)> =
            self.teams.iter().filter_map(|t| TeamKey::parse(&t.key).ok().map(|k| (t, k))).collect();
        Trusted { keys: teams.iter().map(|(_, k)| k.clone()).collect(), teams }
    }
}

/// The trusted teams with their parsed keys; `keys[i]` is `teams[i]`'s, so the index of
/// the key that signed a bundle names its team.
struct Trusted<'a> {
    teams: Vec<(&'a Team, TeamKey)>,
    keys: Vec<TeamKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum SwvError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error("{}", strings::swv_no_identity(.0))]
    NoIdentity(PathBuf),
    #[error("{}", strings::swv_no_folder(.0))]
    NoFolder(PathBuf),
    #[error("{}", strings::swv_io(.0, .1))]
    Io(PathBuf, std::io::Error),
}

/// The SWV's identity, created on first use (only its owner may read the file).
pub fn identity(paths: &Paths, create: bool) -> Result<SwvIdentity, SwvError> {
    let file = paths.swv_identity_file();
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(SwvIdentity::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let id = SwvIdentity::generate(chrono::Utc::now());
            crate::atomic::write(&file, id.to_file_text().as_bytes()).map_err(|e| SwvError::Io(file.clone(), e))?;
            crate::atomic::private_file(&file).map_err(|e| SwvError::Io(file.clone(), e))?;
            Ok(id)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SwvError::NoIdentity(file)),
        Err(e) => Err(SwvError::Io(file, e)),
    }
}

/// What happened to one file in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported {
        school: String,
        sequence: u64,
        newer: usize,
        older: usize,
    },
    Again,
    /// Still being written by the sync tool (or empty): left for the next import.
    Waiting,
    /// A sync tool's conflict copy: reported, not imported.
    Conflict,
    Refused(String),
}

impl Outcome {
    /// What the import says about `file`.
    pub fn line(&self, file: &Path) -> String {
        let name = file.display().to_string();
        match self {
            Outcome::Imported { school, sequence, newer, older } => {
                strings::import_imported(file, school, *sequence, *newer, *older)
            }
            Outcome::Again => strings::import_again(file),
            Outcome::Waiting => strings::import_waiting(file),
            Outcome::Conflict => strings::conflict_line(&name),
            Outcome::Refused(why) => strings::refused_line(&name, why),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: PathBuf,
    pub outcome: Outcome,
}

/// Names sync tools give files they are still writing, and their conflict copies.
fn classify(name: &str) -> Option<Outcome> {
    let lower = name.to_lowercase();
    let partial = name.starts_with('.')
        || name.starts_with("~$")
        || [".tmp", ".part", ".partial", ".crdownload", ".download", ".!sync", ".syncthing"]
            .iter()
            .any(|s| lower.ends_with(s))
        || lower.contains(".syncthing.");
    if partial {
        return Some(Outcome::Waiting);
    }
    let conflict = lower.contains(".sync-conflict-")
        || lower.contains("(conflicted copy")
        || lower.contains("conflict copy")
        || lower.contains("_conflict-")
        || lower.contains("(conflict");
    conflict.then_some(Outcome::Conflict)
}

/// Bundles are named `tandem-*.bundle`; anything else in the folder is not ours.
fn is_bundle_name(name: &str) -> bool {
    name.starts_with("tandem-") && name.contains(".bundle")
}

/// Imports every complete bundle in `dir` in name order. Each file is checked (signature
/// against the trusted teams, decryption, recipient, format) before one transaction
/// applies it; a refused file changes nothing.
pub fn import_folder(
    store: &Store,
    dir: &Path,
    identity: &SwvIdentity,
    config: &SwvConfig,
    at: NaiveDateTime,
) -> Result<Vec<FileReport>, SwvError> {
    let entries = std::fs::read_dir(dir).map_err(|_| SwvError::NoFolder(dir.to_path_buf()))?;
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let files: Vec<(PathBuf, Option<Outcome>)> = files
        .into_iter()
        .filter_map(|file| {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match classify(&name) {
                Some(o) => Some((file, Some(o))),
                None if is_bundle_name(&name) => Some((file, None)),
                None => None,
            }
        })
        .collect();
    // Decrypting and verifying is most of the work and needs no store: all cores do it,
    // then the bundles are applied one by one in name order.
    let trusted = config.trusted();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let chunk = files.len().div_ceil(threads).max(1);
    let checked: Vec<Result<Checked, Outcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let trusted = &trusted;
                scope.spawn(move || {
                    part.iter()
                        .map(|(file, early)| match early {
                            Some(o) => Err(o.clone()),
                            None => check(file, identity, trusted, at),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A panic in a check is a bug; carry it to this thread rather than hide it.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut out = Vec::new();
    for ((file, _), result) in files.into_iter().zip(checked) {
        let outcome = match result {
            Err(o) => o,
            Ok(c) => apply(store, &c, at)?,
        };
        out.push(FileReport { file, outcome });
    }
    // What reached the SWV is on its own audit trail.
    let bundles = out.iter().filter(|r| matches!(r.outcome, Outcome::Imported { .. })).count();
    if bundles > 0 {
        store.append_event(Change::store_event(ChangeKind::BundlesImported { bundles }, "swv", at))?;
    }
    Ok(out)
}

/// Applies a checked bundle: refused when its sequence number jumps too far past the
/// team's highest (so one bundle cannot claim a million missing ones).
fn apply(store: &Store, c: &Checked, at: NaiveDateTime) -> Result<Outcome, SwvError> {
    let highest = store.swv_team(&c.payload.team_id)?.map_or(0, |t| t.highest());
    let sequence = c.payload.sequence;
    if sequence == 0 || sequence > highest.saturating_add(MAX_SEQUENCE_JUMP) {
        return Ok(Outcome::Refused(strings::sequence_jump(sequence, highest)));
    }
    Ok(match store.import_bundle(&c.payload, &c.digest, at) {
        Ok(Imported::Applied { newer, older }) => {
            Outcome::Imported { school: c.payload.school.clone(), sequence, newer, older }
        }
        Ok(Imported::Again) => Outcome::Again,
        Err(StoreError::Conflict) => Outcome::Refused(strings::BUNDLE_ID_REUSED.into()),
        Err(e) => return Err(e.into()),
    })
}

/// A bundle that passed every check: ready to apply. Its school is the trusted team's.
struct Checked {
    payload: Payload,
    digest: String,
}

/// Reads, decrypts and verifies one file; the outcome when it cannot be applied.
fn check(file: &Path, identity: &SwvIdentity, trusted: &Trusted, at: NaiveDateTime) -> Result<Checked, Outcome> {
    let refused = |why: String| Err(Outcome::Refused(why));
    let bytes = read_bounded(file)?;
    let (payload_bytes, signer) = match bundle::open(&bytes, identity, &trusted.keys) {
        Ok(opened) => opened,
        // Empty, or zeros a sync tool reserved but has not filled yet; still so after the
        // settle time, it never will be filled.
        Err(bundle::BundleError::Empty) if recently_changed(file, at) => return Err(Outcome::Waiting),
        Err(bundle::BundleError::Empty) => return refused(strings::BUNDLE_STAYS_EMPTY.into()),
        // A file cut short is usually one the sync tool is still writing; one that stays
        // broken for longer was damaged.
        Err(bundle::BundleError::Truncated) if recently_changed(file, at) => return Err(Outcome::Waiting),
        Err(bundle::BundleError::Truncated) => return refused(strings::BUNDLE_DAMAGED.into()),
        Err(e) => return refused(e.to_string()),
    };
    // Counted before the cases are read, so a bundle of a million cases costs no memory.
    if count_cases(&payload_bytes).is_some_and(|n| n > MAX_CASES) {
        return refused(strings::payload_bound(OutOfBounds::Cases));
    }
    let mut payload: Payload = serde_json::from_slice(&payload_bytes)
        .map_err(|e| Outcome::Refused(strings::payload_unreadable(&e.to_string())))?;
    if let Some(bound) = payload.out_of_bounds() {
        return refused(strings::payload_bound(bound));
    }
    let (team, key) = trusted.teams.get(signer).ok_or_else(|| Outcome::Refused(strings::BUNDLE_DAMAGED.into()))?;
    if payload.format != FORMAT {
        return refused(strings::payload_format(&payload.format));
    }
    if payload.recipient != identity.recipient() {
        return refused(strings::PAYLOAD_OTHER_RECIPIENT.into());
    }
    if payload.team_id != key.id() {
        return refused(strings::payload_team_mismatch(&team.name));
    }
    // The SWV files the figures under the name it trusted the team as, never under one the
    // payload chooses.
    if !same_name(&payload.school, &team.name) {
        return refused(strings::payload_school_mismatch(&team.name, &payload.school));
    }
    payload.school = team.name.clone();
    let digest = data_encoding::HEXLOWER.encode(&Sha256::digest(&payload_bytes));
    Ok(Checked { payload, digest })
}

/// The file's bytes, read only when its length (from the file system, before reading)
/// fits a bundle, and never more than that: a sparse file of gigabytes is refused unread.
fn read_bounded(file: &Path) -> Result<Vec<u8>, Outcome> {
    use std::io::Read;
    let io = |e: std::io::Error| Outcome::Refused(strings::swv_io(file, &e));
    let handle = std::fs::File::open(file).map_err(io)?;
    let len = handle.metadata().map_err(io)?.len();
    let too_large = || Outcome::Refused(strings::bundle_file_too_large(bundle::MAX_FILE / (1024 * 1024)));
    if len > bundle::MAX_FILE {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    handle.take(bundle::MAX_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    // It grew while being read.
    if bytes.len() as u64 > bundle::MAX_FILE {
        return Err(too_large());
    }
    Ok(bytes)
}

/// How long a broken file counts as still arriving.
const SETTLE_MINUTES: i64 = 10;

fn recently_changed(file: &Path, now: NaiveDateTime) -> bool {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    let modified = modified.map(|t| chrono::DateTime::<chrono::Local>::from(t).naive_local());
    modified.is_none_or(|m| now - m < chrono::Duration::minutes(SETTLE_MINUTES))
}

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

    #[test]
    fn sync_tools_files_are_recognised() {
        for name in [".tandem-x.bundle.tmp", "tandem-x.bundle.part", "~$tandem.bundle", "tandem-1.bundle.syncthing.tmp"]
        {
            assert_eq!(classify(name), Some(Outcome::Waiting), "{name}");
        }
        for name in [
            "tandem-AB-000003.sync-conflict-20261123-101010-ABCDEF.bundle",
            "tandem-AB-000003 (conflicted copy 2026-11-23).bundle",
            "tandem-AB-000003 (Conflict copy).bundle",
        ] {
            assert_eq!(classify(name), Some(Outcome::Conflict), "{name}");
        }
        assert_eq!(classify("tandem-AB-000003.bundle"), None);
        assert!(!is_bundle_name("notes.txt"));
    }
}
