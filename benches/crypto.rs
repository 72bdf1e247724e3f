//! What encryption costs: unlocking with the production Argon2id setting, loading 10,000
//! sealed cases and saving one, the last two each beside the same work on plain JSON
//! (`encode_plain`) in a raw sled database.
//!
//! Targets: loading 10,000 encrypted cases < 150 ms and at most 1.5× the plain load.
//!
//! Run with `cargo bench --bench crypto`. Besides criterion's estimates it prints the
//! ratios encrypted/plain from its own interleaved runs, and where the load time goes.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

use tandem::config::Config;
use tandem::domain::case::{Case, CaseId, Field};
use tandem::domain::demo;
use tandem::domain::history::{Change, ChangeKind};
use tandem::store::crypto::{KdfParams, SecretKey};
use tandem::store::{Store, decode_plain, encode_plain};

const CASES: usize = 10_000;
const PASS: &[u8] = b"bench passphrase";
/// The production setting: what `tandem` calibrates Argon2id to when making a key.
const UNLOCK_TIME: Duration = Duration::from_millis(500);
/// Runs of each side for the printed ratios (interleaved, median taken).
const LOAD_RUNS: usize = 20;
const SAVE_RUNS: usize = 30;
const LOAD_TARGET_MS: f64 = 150.0;
const LOAD_MAX_RATIO: f64 = 1.5;

fn fixed_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The same 10,000 cases twice: sealed in a real store, and as plain values in a raw sled db.
struct Fixture {
    store: Store,
    plain_db: sled::Db,
    plain: sled::Tree,
    cases: Vec<Case>,
    kdf: KdfParams,
    who: String,
    // Last, so the databases are closed before their folder goes.
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let config = Config::demo().expect("demo config");
    let cases = demo::cases(CASES, 1, &config.route, &config.team, fixed_now().date());
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    let plain_dir = dir.path().join("plain");

    let started = Instant::now();
    let kdf = KdfParams::calibrate(UNLOCK_TIME).expect("calibrate kdf");
    eprintln!(
        "Argon2id calibrated to {} ms: m = {} MiB, t = {}, p = {} (calibration took {:.0} ms)",
        UNLOCK_TIME.as_millis(),
        kdf.m_kib / 1024,
        kdf.t,
        kdf.p,
        ms(started.elapsed())
    );
    {
        let mut store = Store::open(&store_dir).expect("open store");
        store.create_key(PASS, kdf.clone(), &config.user, fixed_now()).expect("create key");
        let started = Instant::now();
        store.insert_new(&cases, &config.user, fixed_now()).expect("insert cases");
        eprintln!("insert_new of {CASES} encrypted cases: {:.0} ms", ms(started.elapsed()));
    }
    {
        let db = sled::open(&plain_dir).expect("open plain db");
        let tree = db.open_tree("cases").expect("plain tree");
        let started = Instant::now();
        for case in &cases {
            tree.insert(case.id.0.as_bytes(), encode_plain(case).expect("encode plain")).expect("insert plain");
        }
        db.flush().expect("flush plain");
        eprintln!("insert of {CASES} plain cases: {:.0} ms", ms(started.elapsed()));
    }

    // Both reopened, so the first read of each comes from the files.
    let mut store = Store::open(&store_dir).expect("reopen store");
    let started = Instant::now();
    store.unlock(PASS).expect("unlock");
    eprintln!("first unlock after open: {:.0} ms", ms(started.elapsed()));
    let plain_db = sled::open(&plain_dir).expect("reopen plain db");
    let plain = plain_db.open_tree("cases").expect("plain tree");

    let started = Instant::now();
    let loaded = store.load_cases().expect("load cases");
    let encrypted_first = started.elapsed();
    let started = Instant::now();
    let plain_loaded = load_plain(&plain);
    let plain_first = started.elapsed();
    assert_eq!((loaded.cases.len(), loaded.damaged.len()), (CASES, 0));
    assert_eq!(plain_loaded.len(), CASES);
    eprintln!("first load after open: encrypted {:.1} ms, plain {:.1} ms", ms(encrypted_first), ms(plain_first));
    Fixture { store, plain_db, plain, cases, kdf, who: config.user, dir }
}

/// The plain baseline of `Store::load_cases`: iterate the tree, decode every value.
fn load_plain(tree: &sled::Tree) -> Vec<Case> {
    let mut cases = Vec::new();
    for item in tree.iter() {
        let (_, value) = item.expect("sled read");
        cases.push(decode_plain::<Case>(&value).expect("plain case"));
    }
    cases
}

/// One case edited over and over: every call gives it a new note.
struct Editor {
    case: Case,
    base_note: String,
    edits: u64,
}

impl Editor {
    fn new(case: Case) -> Editor {
        Editor { base_note: case.intake.note.clone(), case, edits: 0 }
    }

    fn edited(&mut self) -> Case {
        self.edits += 1;
        let mut case = self.case.clone();
        case.intake.note = format!("{} (bewerking {})", self.base_note, self.edits);
        case
    }
}

fn edit_change(id: CaseId, who: &str) -> Change {
    Change {
        case: Some(id),
        at: fixed_now(),
        who: who.to_string(),
        kind: ChangeKind::Edited { fields: vec![Field::Note] },
    }
}

/// `Store::save` of one edited case; the store returns it with its new revision.
fn save_encrypted(store: &Store, editor: &mut Editor, change: &Change) {
    let edited = editor.edited();
    editor.case = store.save(&edited, change).expect("save");
}

/// The plain baseline of a save: one raw insert of the plain value, flushed.
fn save_plain(db: &sled::Db, tree: &sled::Tree, editor: &mut Editor) {
    let mut edited = editor.edited();
    edited.revision += 1;
    tree.insert(edited.id.0.as_bytes(), encode_plain(&edited).expect("encode plain")).expect("insert plain");
    db.flush().expect("flush plain");
    editor.case = edited;
}

/// Medians of `runs` runs of `a` and of `b`, interleaved so drift hits both alike.
fn compare(runs: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let (mut ta, mut tb) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let started = Instant::now();
        a();
        ta.push(started.elapsed());
        let started = Instant::now();
        b();
        tb.push(started.elapsed());
    }
    (median(ta), median(tb))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn median_of(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .collect(),
    )
}

/// What `codec::decode` does per value, split up: sled iteration alone, XChaCha20-Poly1305
/// opening alone (same JSON, same associated data as the store), JSON decoding alone.
fn load_profile(cases: &[Case], tree: &sled::Tree) -> String {
    let key = SecretKey::random().expect("key");
    let aad = |k: &[u8]| [b"cases".as_slice(), &[0], k].concat();
    let plain: Vec<(Vec<u8>, Vec<u8>)> =
        cases.iter().map(|c| (c.id.0.as_bytes().to_vec(), encode_plain(c).expect("encode plain"))).collect();
    let sealed: Vec<(Vec<u8>, Vec<u8>)> =
        plain.iter().map(|(k, v)| (k.clone(), key.seal(&aad(k), &v[1..]).expect("seal"))).collect();
    let json_bytes: usize = plain.iter().map(|(_, v)| v.len() - 1).sum();

    let iterate = median_of(LOAD_RUNS, || {
        let mut bytes = 0;
        for item in tree.iter() {
            let (k, v) = item.expect("sled read");
            bytes += k.len() + v.len();
        }
        black_box(bytes);
    });
    let open = median_of(LOAD_RUNS, || {
        for (k, s) in &sealed {
            black_box(key.open(&aad(k), s).expect("open"));
        }
    });
    let json = median_of(LOAD_RUNS, || {
        for (_, v) in &plain {
            black_box(decode_plain::<Case>(v).expect("decode plain"));
        }
    });
    format!(
        "where loading 10,000 cases goes (medians of {LOAD_RUNS}): sled iteration {:.1} ms, \
         decrypt+verify {:.1} ms, JSON decode {:.1} ms ({} bytes of JSON per case on average)",
        ms(iterate),
        ms(open),
        ms(json),
        json_bytes / cases.len()
    )
}

/// What else a `Store::save` does besides sealing: the cost of sealing one case, and of the
/// anchor file written (and fsynced) after every flush.
fn save_profile(case: &Case, dir: &Path) -> String {
    let key = SecretKey::random().expect("key");
    let json = encode_plain(case).expect("encode plain");
    let aad = [b"cases".as_slice(), &[0], case.id.0.as_bytes()].concat();
    let runs = 1000;
    let started = Instant::now();
    for _ in 0..runs {
        black_box(key.seal(&aad, &json[1..]).expect("seal"));
    }
    let seal = started.elapsed() / runs;
    let anchor = dir.join("anchor-probe.json");
    let head = br#"{"seq":10001,"hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
    let write = median_of(SAVE_RUNS, || tandem::atomic::write(&anchor, head).expect("atomic write"));
    format!(
        "where saving one case goes: sealing the case {:.1} µs; besides sled's flush the store also \
         appends a sealed history entry in a 3-tree transaction and writes + fsyncs the anchor file \
         (an atomic::write alone: {:.2} ms median)",
        seal.as_secs_f64() * 1e6,
        ms(write)
    )
}

/// "encryption cost on ...: X.XX× (encrypted A ms, plain B ms)", A and B with `decimals`.
fn ratio_line(what: &str, (encrypted, plain): (Duration, Duration), decimals: usize) -> String {
    format!(
        "encryption cost on {what}: {:.2}× (encrypted {:.decimals$} ms, plain {:.decimals$} ms)",
        encrypted.as_secs_f64() / plain.as_secs_f64(),
        ms(encrypted),
        ms(plain)
    )
}

fn crypto(c: &mut Criterion) {
    let Fixture { mut store, plain_db, plain, cases, kdf, who, dir } = fixture();

    // 1. Unlock: Argon2id at the production setting, then unwrapping the data key.
    let mut group = c.benchmark_group("crypto");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.bench_function("unlock", |b| b.iter(|| store.unlock(black_box(PASS)).expect("unlock")));
    group.finish();

    // 2. Loading every case: sealed in the store vs. plain in a raw sled db.
    let mut group = c.benchmark_group("crypto");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("load_10000_encrypted", |b| b.iter(|| store.load_cases().expect("load cases")));
    group.bench_function("load_10000_plain", |b| b.iter(|| load_plain(&plain)));
    group.finish();
    let load = compare(
        LOAD_RUNS,
        || {
            black_box(store.load_cases().expect("load cases"));
        },
        || {
            black_box(load_plain(&plain));
        },
    );
    let load_profile = load_profile(&cases, &plain);

    // 3. Saving one edited case (each save accepted: the next uses the returned revision),
    //    flushed to disk, vs. a raw insert of its plain value and a flush.
    let first = store.load_cases().expect("load cases").cases.swap_remove(0);
    let change = edit_change(first.id, &who);
    let mut sealed_editor = Editor::new(first.clone());
    let mut plain_editor = Editor::new(first);
    let mut group = c.benchmark_group("crypto");
    group
        .sample_size(30)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("save_one_case_encrypted", |b| b.iter(|| save_encrypted(&store, &mut sealed_editor, &change)));
    group.bench_function("save_one_case_plain", |b| b.iter(|| save_plain(&plain_db, &plain, &mut plain_editor)));
    group.finish();
    let save = compare(
        SAVE_RUNS,
        || save_encrypted(&store, &mut sealed_editor, &change),
        || save_plain(&plain_db, &plain, &mut plain_editor),
    );
    let stored = store.case(sealed_editor.case.id).expect("read case").expect("case still there");
    assert_eq!((stored.revision, &stored.intake.note), (sealed_editor.case.revision, &sealed_editor.case.intake.note));
    let save_profile = save_profile(&sealed_editor.case, dir.path());

    eprintln!();
    eprintln!("unlock: Argon2id m = {} MiB, t = {}, p = {} (see crypto/unlock above)", kdf.m_kib / 1024, kdf.t, kdf.p);
    eprintln!("{}", ratio_line("loading 10,000 cases", load, 1));
    let ratio = load.0.as_secs_f64() / load.1.as_secs_f64();
    eprintln!(
        "  targets: encrypted load < {LOAD_TARGET_MS:.0} ms: {}; at most {LOAD_MAX_RATIO}× plain: {}",
        if ms(load.0) < LOAD_TARGET_MS { "met" } else { "MISSED" },
        if ratio <= LOAD_MAX_RATIO { "met" } else { "MISSED" }
    );
    eprintln!("  {load_profile}");
    eprintln!("{}", ratio_line("saving one case", save, 3));
    eprintln!("  {save_profile}");
    eprintln!(
        "  (ratios: medians of {LOAD_RUNS} resp. {SAVE_RUNS} interleaved runs each; {} saves of one case in total)",
        sealed_editor.edits
    );
}

criterion_group!(benches, crypto);
criterion_main!(benches);
