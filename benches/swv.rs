//! The export to the SWV at scale: a team of 2,000 cases exporting, and an SWV the size
//! of BePO importing a half-year from 80 teams (six monthly bundles each, every bundle a
//! full snapshot of the team's cases), against a raw sled batch insert of the same
//! records in the same run; then the dashboard's first frame on that store.
//!
//! Targets: import within 3x raw sled, the whole 80-team import under 10 s, the dashboard's
//! first frame under 200 ms. Run with `cargo bench --bench swv`.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tandem::bundle::{self, SigningKey, SwvIdentity};
use tandem::config::{Config, ExportSettings};
use tandem::domain::demo;
use tandem::domain::export::{self, CaseRecord, FORMAT, Payload, Period};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::swv::{self, SwvConfig, Team};
use tandem::ui::dashboard::{self, Dashboard};

const TEAMS: usize = 80;
const CASES_PER_TEAM: usize = 30;
const BUNDLES_PER_TEAM: u64 = 6;
const EXPORT_CASES: usize = 2_000;
const PASS: &[u8] = b"bench passphrase";

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date")
}

fn store(dir: &Path) -> Store {
    let mut store = Store::open(dir).expect("open store");
    store.create_key(PASS, KdfParams::cheap().expect("kdf"), "bench", now()).expect("key");
    store
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn export_2000(identity: &SwvIdentity) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sync = tempfile::tempdir().expect("tempdir");
    let mut config = Config::demo().expect("demo config");
    config.export = Some(ExportSettings { folder: sync.path().to_path_buf(), recipient: identity.recipient() });
    let store = store(&dir.path().join("store"));
    let cases = demo::cases(EXPORT_CASES, 1, &config.route, &config.team, now().date());
    store.insert_new(&cases, "bench", now()).expect("insert");
    store.insert_plans(&demo::plans(&cases, &config.route, &config.team, &tandem::strings::PLAN_WORDS)).expect("plans");
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            tandem::exports::bundle(&store, &config, now()).expect("export");
            started.elapsed()
        })
        .collect();
    let size =
        std::fs::read_dir(sync.path()).expect("folder").flatten().map(|e| e.metadata().map_or(0, |m| m.len())).max();
    eprintln!(
        "export of {EXPORT_CASES} cases (load, records, sign, encrypt, write): median {:.0} ms over 5 runs; bundle {} KB",
        ms(median(runs)),
        size.unwrap_or(0) / 1024
    );
}

/// 80 teams' bundles: the same cases in six monthly snapshots with rising revisions.
fn bundles(identity: &SwvIdentity) -> (Vec<Vec<u8>>, SwvConfig, usize) {
    let config = Config::demo().expect("demo config");
    let mut files = Vec::new();
    let mut teams = Vec::new();
    let mut records = 0;
    for t in 0..TEAMS {
        let key = SigningKey::generate().expect("a key");
        let team_id = key.public().id();
        teams.push(Team { name: format!("School {t}"), key: key.public().key, gemeente: None });
        let cases = demo::cases(CASES_PER_TEAM, t as u64, &config.route, &config.team, now().date());
        for seq in 1..=BUNDLES_PER_TEAM {
            let payload = Payload {
                format: FORMAT.into(),
                bundle_id: uuid::Uuid::new_v4(),
                team_id: team_id.clone(),
                school: format!("School {t}"),
                brin: None,
                sequence: seq,
                created: now(),
                period: Period::of(now().date()),
                recipient: identity.recipient(),
                cases: cases
                    .iter()
                    .map(|c| CaseRecord {
                        case: export::pseudonym(&team_id, c),
                        link: Some(export::link(c)),
                        revision: seq,
                        record: export::record(c, &config.route, now().date()),
                        dossier: None,
                    })
                    .collect(),
            };
            records += payload.cases.len();
            let json = serde_json::to_vec(&payload).expect("json");
            files.push(
                bundle::seal(
                    &json,
                    &key,
                    &identity.recipient(),
                    chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
                )
                .expect("seal"),
            );
        }
    }
    (files, SwvConfig { folder: None, teams, ..Default::default() }, records)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and only checks it builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let identity = SwvIdentity::generate(chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap());
    export_2000(&identity);

    let started = Instant::now();
    let (files, config, records) = bundles(&identity);
    eprintln!(
        "made {} bundles of {TEAMS} teams ({records} case records) in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    let sync = tempfile::tempdir().expect("tempdir");
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(sync.path().join(format!("tandem-{i:05}.bundle")), bytes).expect("write bundle");
    }

    // Where an import's time goes, before any store work.
    let started = Instant::now();
    let opened: Vec<Vec<u8>> =
        files.iter().map(|f| bundle::open(f, &identity, &config.keys()).expect("open").0).collect();
    let open_time = started.elapsed();
    let started = Instant::now();
    let parsed: Vec<Payload> = opened.iter().map(|j| serde_json::from_slice(j).expect("payload")).collect();
    eprintln!(
        "of which: decrypt + verify {:.0} ms, parse {:.0} ms ({} bundles)",
        ms(open_time),
        ms(started.elapsed()),
        parsed.len()
    );

    let mut import = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("tempdir");
        let swv_store = store(&dir.path().join("swv"));
        let started = Instant::now();
        let reports = swv::import_folder(&swv_store, sync.path(), &identity, &config, now()).expect("import");
        import.push(started.elapsed());
        assert!(reports.iter().all(|r| matches!(r.outcome, swv::Outcome::Imported { .. })));

        // The same records, as plain JSON, in one raw sled batch per bundle, flushed like an import.
        let db = sled::open(dir.path().join("raw")).expect("raw sled");
        let tree = db.open_tree("records").expect("tree");
        let payloads: Vec<Payload> = files
            .iter()
            .map(|f| {
                serde_json::from_slice(&bundle::open(f, &identity, &config.keys()).expect("open").0).expect("payload")
            })
            .collect();
        let started = Instant::now();
        for p in &payloads {
            let mut batch = sled::Batch::default();
            for c in &p.cases {
                batch.insert(format!("{}/{}", p.team_id, c.case).as_bytes(), serde_json::to_vec(c).expect("json"));
            }
            tree.apply_batch(batch).expect("batch");
            db.flush().expect("flush");
        }
        raw.push(started.elapsed());

        if import.len() == 3 {
            // The dashboard's first frame: read everything back, compute, draw.
            let keymap = tandem::ui::keymap::Keymap::new(&Default::default()).expect("keymap");
            let started = Instant::now();
            let loaded = dashboard::load(&swv_store, &SwvConfig::default(), &identity, now()).expect("load");
            let mut dash = Dashboard::new(tandem::ui::theme::Theme { color: true }, keymap, now());
            dash.loaded = Some(Ok(loaded));
            let mut terminal = Terminal::new(TestBackend::new(140, 50)).expect("terminal");
            terminal.draw(|f| dash.draw(f)).expect("draw");
            eprintln!(
                "dashboard first frame on that store (read {} records, figures, draw): {:.0} ms",
                TEAMS * CASES_PER_TEAM,
                ms(started.elapsed())
            );
        }
    }
    let (import, raw) = (median(import), median(raw));
    eprintln!(
        "import of {} bundles from {TEAMS} teams: median {:.2} s; raw sled batches of the same records: {:.2} s; ratio {:.2}x",
        files.len(),
        import.as_secs_f64(),
        raw.as_secs_f64(),
        import.as_secs_f64() / raw.as_secs_f64()
    );
}
