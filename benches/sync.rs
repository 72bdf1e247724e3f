//! Working as a pair through a folder (issue 13): one sync after a week offline, what a save
//! gains from the merge documents, and the sizes after a school year; each against a
//! baseline measured in the same run.
//!
//! - `sync/sync_week_300_cases`: 300 shared cases (every consent given, so every part
//!   travels), the IB-er and the wijkteam member each make 500 changes offline (notes
//!   typed, dates, plan text); the wijkteam member syncs; measured is the IB-er's
//!   `sync::run` (read the folder, merge, write its own file, tell, clean) and the list's
//!   reload as the TUI does it after a sync (`load_all` with light copies). Baselines: the
//!   reload alone (`load_300_cases`) and a sync with nothing new (`sync_nothing_new_300_cases`).
//!   Target < 250 ms.
//! - `sync/save_with_docs` vs `sync/save_without_docs`: one edit of a case (`Store::save`,
//!   flushed) with the merge documents kept and without. Target < 2 ms added, a save < 5 ms.
//! - Sizes (printed once before the timings, not timed): a school year of a typical
//!   caseload, 60 cases and 3,000 edits with plans typed, synced weekly between two
//!   members; the sync folder after clean-up (target < 5 MB) and each store directory.
//!
//! Run with `cargo bench --bench sync` (about two minutes on the 2-core machine);
//! `cargo bench --bench sync -- save` runs only the saves (the sizes run without a filter
//! or with one that matches `sizes`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, NaiveDateTime};
use criterion::{BatchSize, Criterion, SamplingMode};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;

use tandem::config::{Config, SyncSettings};
use tandem::domain::case::{Case, CaseId};
use tandem::domain::consent::{Consent, ConsentForm, Decision, Party};
use tandem::domain::demo;
use tandem::domain::history::{Change, ChangeKind};
use tandem::domain::plan::PlanBook;
use tandem::partners::{self, Card};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::sync;

const PASS: &[u8] = b"bench passphrase";
/// Every consent the shipped `[[sharing]]` names: with all three every part travels.
const CONSENTS: [&str; 3] = ["tandembespreking", "delen_wijkteam", "gezamenlijk_plan"];
const WEEK_CASES: usize = 300;
const WEEK_EDITS: usize = 500;
const YEAR_CASES: usize = 60;
const YEAR_EDITS: usize = 3_000;
const YEAR_WEEKS: usize = 40;
/// Words typed into notes and plans, a few at a time.
const WORDS: &[&str] = &[
    "moeder", "belde", "over", "de", "afspraak", "met", "school", "gaat", "beter", "sinds", "maandag", "wijkteam",
    "komt", "langs", "Zoë", "en", "Renée", "spelen", "samen", "in", "de", "pauze",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The CPU time this process has used, every thread summed (including threads already
/// ended), in ms; from `/proc/self/stat`, so in 10 ms ticks: only a mean over many runs
/// is meaningful. None where there is no `/proc`. It leaves out the time spent waiting (for
/// a core, for the disk), not the machine's own speed: the same build measured 360–430 ms.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

/// One member's copy: its store, its config (`[sync]` into the shared folder), its dir.
struct Copy {
    store: Store,
    config: Config,
    dir: PathBuf,
}

fn config_for(user: &str, folder: &Path) -> Config {
    let mut config = Config::demo().expect("demo config");
    config.user = user.into();
    config.sync = Some(SyncSettings { folder: folder.to_path_buf() });
    config
}

/// A new store in `dir` for `user`, keeping merge documents.
fn new_copy(user: &str, dir: &Path, folder: &Path, at: NaiveDateTime) -> Copy {
    let mut store = Store::open(dir).expect("open store");
    store.create_key(PASS, KdfParams::cheap().expect("kdf"), user, at).expect("key");
    let config = config_for(user, folder);
    let merging = sync::merging(&store, &config, at).expect("member keys").expect("sync is set");
    store.set_merging(merging);
    Copy { store, config, dir: dir.to_path_buf() }
}

/// Opens an existing copy again (as the TUI does on start: a new actor, merging set).
fn reopen(user: &str, dir: &Path, folder: &Path, at: NaiveDateTime) -> Copy {
    let mut store = Store::open(dir).expect("open store");
    store.unlock(PASS).expect("unlock");
    let config = config_for(user, folder);
    let merging = sync::merging(&store, &config, at).expect("member keys").expect("sync is set");
    store.set_merging(merging);
    Copy { store, config, dir: dir.to_path_buf() }
}

/// `a` and `b` trust each other's cards.
fn pair(a: &Copy, b: &Copy, at: NaiveDateTime) {
    for (from, to) in [(a, b), (b, a)] {
        let member = partners::member(&from.store, &from.config.user, at).expect("member");
        let card = Card::own(&member, &from.config);
        let name = from.config.team.name_of(&from.config.user).to_string();
        partners::trust(&to.store, &card, &name, &to.config.user, at).expect("trust");
    }
}

fn sync_at(c: &Copy, at: NaiveDateTime) -> sync::Report {
    let report = sync::run(&c.store, &c.config, at).expect("sync");
    assert!(report.refused.is_empty(), "refused: {:?}", report.refused);
    report
}

/// A sync and the tidying after it, as the app does them.
fn sync_tidy(c: &Copy, at: NaiveDateTime) -> sync::Report {
    let report = sync_at(c, at);
    sync::tidy(&c.store).expect("tidy");
    report
}

/// Syncs `a`, `b`, `a`, ... until a round moves nothing (both hold the same, the folder is
/// cleaned as far as the `Taken` files allow).
fn settle(a: &Copy, b: &Copy, at: NaiveDateTime) {
    for _ in 0..6 {
        let (ra, rb) = (sync_tidy(a, at), sync_tidy(b, at));
        if ra.sent.is_empty() && rb.sent.is_empty() && ra.received.is_empty() && rb.received.is_empty() {
            return;
        }
    }
}

/// `count` demo cases of this school with every consent given on `on`, and their plans,
/// each plan's newest version a draft (a signed one gets its next version) so it can be
/// typed in.
fn shared_cases(config: &Config, count: usize, seed: u64, on: NaiveDate) -> (Vec<Case>, Vec<(CaseId, PlanBook)>) {
    let mut cases = demo::cases(count, seed, &config.route, &config.team, on);
    for case in &mut cases {
        case.school.clone_from(&config.school.name);
        // Given by everyone whose consent counts now and a year on, so that no consent
        // lapses while the benchmark runs (a child turning 12 needs its own).
        let mut parties = Party::required(&case.intake, on);
        for p in Party::required(&case.intake, on + Days::new(366)) {
            if !parties.contains(&p) {
                parties.push(p);
            }
        }
        for purpose in CONSENTS {
            let mut consent =
                Consent::by_all(purpose, Decision::Given, ConsentForm::Written, &case.intake, on, &config.user);
            consent.parties.clone_from(&parties);
            case.consents.push(consent);
        }
    }
    let mut plans = demo::plans(&cases, &config.route, &config.team, &tandem::strings::PLAN_WORDS);
    for (_, book) in &mut plans {
        if book.current().is_some_and(|p| p.is_frozen()) {
            book.start_next_version(on).expect("next plan version");
        }
    }
    (cases, plans)
}

/// What one edit is: a few words typed into the note, a new due date, or a few words
/// typed into the plan (when the case has one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Note,
    Date,
    Plan,
}

#[derive(Default, Debug)]
struct Edits {
    notes: usize,
    dates: usize,
    plans: usize,
}

fn words(rng: &mut SmallRng) -> String {
    let n = rng.random_range(2..7);
    let mut s = String::new();
    for _ in 0..n {
        s.push(' ');
        s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    s
}

/// One edit by `c`'s member of a case among `ids` (plan text only on `planned` ones).
fn edit(c: &Copy, ids: &[CaseId], planned: &[CaseId], rng: &mut SmallRng, at: NaiveDateTime, done: &mut Edits) {
    let kind = match rng.random_range(0..3) {
        0 => Kind::Note,
        1 => Kind::Date,
        _ if planned.is_empty() => Kind::Note,
        _ => Kind::Plan,
    };
    let who = c.config.user.clone();
    if kind == Kind::Plan {
        let id = planned[rng.random_range(0..planned.len())];
        let mut book = c.store.plan(id).expect("read plan").expect("a plan");
        let plan = book.editable().expect("a draft version");
        let typed = words(rng);
        match rng.random_range(0..3) {
            0 => plan.vraag.push_str(&typed),
            1 => plan.behoeften.push_str(&typed),
            _ => plan.zelf.push_str(&typed),
        }
        // The editor's autosave: no history entry.
        c.store.save_plan(id, &book, None).expect("save plan");
        done.plans += 1;
        return;
    }
    let id = ids[rng.random_range(0..ids.len())];
    let mut case = c.store.case(id).expect("read case").expect("a case");
    let before = case.clone();
    if kind == Kind::Note {
        case.intake.note.push_str(&words(rng));
        done.notes += 1;
    } else {
        case.due = Some(at.date() + Days::new(rng.random_range(1..60)));
        done.dates += 1;
    }
    let change = Change { case: Some(id), at, who, kind: ChangeKind::Edited { fields: case.changed_fields(&before) } };
    c.store.save(&case, &change).expect("save case");
}

fn dir_size(path: &Path) -> (u64, usize) {
    let (mut bytes, mut files) = (0, 0);
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                let (b, f) = dir_size(&entry.path());
                bytes += b;
                files += f;
            } else {
                bytes += meta.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn kb(bytes: u64) -> String {
    if bytes >= 1024 * 1024 { format!("{:.1} MB", bytes as f64 / 1048576.0) } else { format!("{} KB", bytes / 1024) }
}

/// A school year of one tandem: 60 cases, 3,000 edits over 40 weeks, a sync each week.
fn sizes() {
    let root = tempfile::tempdir().expect("tempdir");
    let folder = root.path().join("sync");
    std::fs::create_dir_all(&folder).expect("folder");
    let start = day(2026, 9, 1);
    let ib = new_copy("anna", &root.path().join("ib"), &folder, start);
    let wt = new_copy("youssef", &root.path().join("wijkteam"), &folder, start);
    pair(&ib, &wt, start);
    let (cases, plans) = shared_cases(&ib.config, YEAR_CASES, 11, start.date());
    ib.store.insert_new(&cases, &ib.config.user, start).expect("insert");
    ib.store.insert_plans(&plans).expect("plans");
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let planned: Vec<CaseId> = plans.iter().map(|(id, _)| *id).collect();
    let started = Instant::now();
    settle(&ib, &wt, start);
    let (folder_start, _) = dir_size(&folder);

    let mut rng = SmallRng::seed_from_u64(2026);
    let mut done = Edits::default();
    let (mut max_folder, mut max_files) = (0, 0);
    let mut clashes = 0;
    for week in 0..YEAR_WEEKS {
        let monday = start + Days::new(7 * week as u64);
        let edits = YEAR_EDITS / YEAR_WEEKS;
        for i in 0..edits {
            let at = monday + chrono::Duration::minutes(i as i64 * 20);
            // The IB-er works on more of the cases than the wijkteam member.
            let c = if rng.random_ratio(3, 5) { &ib } else { &wt };
            edit(c, &ids, &planned, &mut rng, at, &mut done);
        }
        let friday = monday + Days::new(4);
        sync_tidy(&ib, friday);
        sync_tidy(&wt, friday);
        let (bytes, files) = dir_size(&folder);
        (max_folder, max_files) = (max_folder.max(bytes), max_files.max(files));
        // The clashes are left as they are (nobody picks a value during the year).
        if week == YEAR_WEEKS - 1 {
            clashes = ib.store.load_cases().expect("load").cases.iter().filter(|c| !c.copy.clashes.is_empty()).count();
        }
    }
    let end = start + Days::new(7 * YEAR_WEEKS as u64);
    settle(&ib, &wt, end);
    let year = started.elapsed();
    let (folder_bytes, folder_files) = dir_size(&folder);
    let (ib_bytes, _) = dir_size(&ib.dir);
    let (wt_bytes, _) = dir_size(&wt.dir);
    let a = ib.store.load_cases().expect("load").cases;
    let b = wt.store.load_cases().expect("load").cases;
    let same = a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| x.id == y.id && x.intake.note == y.intake.note && x.due == y.due);

    println!(
        "sizes: a school year of {YEAR_CASES} cases, {} edits ({} notes typed, {} dates, {} plan texts typed; \
         {} cases with a plan), {YEAR_WEEKS} weekly syncs between two members, simulated in {:.1} s:",
        done.notes + done.dates + done.plans,
        done.notes,
        done.dates,
        done.plans,
        planned.len(),
        year.as_secs_f64()
    );
    println!(
        "  sync folder after clean-up: {} in {folder_files} files (target < 5 MB); at most {} in {max_files} files \
         after a weekly sync; {} after the first sync",
        kb(folder_bytes),
        kb(max_folder),
        kb(folder_start)
    );
    println!("  store of the IB-er: {}; store of the wijkteam member: {}", kb(ib_bytes), kb(wt_bytes));
    println!("  both copies hold the same notes and dates: {same}; cases with a clash left open: {clashes}");
    // Both copies must be released before the temp dir goes.
    drop((ib, wt));
}

/// The state just before the IB-er's sync after a week offline, kept as directories and
/// copied for every run (a sync changes it).
struct Week {
    _root: TempDir,
    ib: PathBuf,
    /// The IB-er's copy without its 500 edits.
    unedited: PathBuf,
    folder: PathBuf,
    at: NaiveDateTime,
}

fn week() -> Week {
    let root = tempfile::tempdir().expect("tempdir");
    let folder = root.path().join("sync");
    std::fs::create_dir_all(&folder).expect("folder");
    let start = day(2026, 11, 16);
    let ib = new_copy("anna", &root.path().join("ib"), &folder, start);
    let wt = new_copy("youssef", &root.path().join("wijkteam"), &folder, start);
    pair(&ib, &wt, start);
    let (cases, plans) = shared_cases(&ib.config, WEEK_CASES, 7, start.date());
    ib.store.insert_new(&cases, &ib.config.user, start).expect("insert");
    ib.store.insert_plans(&plans).expect("plans");
    let started = Instant::now();
    settle(&ib, &wt, start);
    let first = started.elapsed();
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let planned: Vec<CaseId> = plans.iter().map(|(id, _)| *id).collect();
    // The IB-er's copy before its own edits: its sync then only receives.
    let unedited = root.path().join("ib-unedited");
    let dir = ib.dir.clone();
    drop(ib);
    copy_dir(&dir, &unedited);
    let ib = reopen("anna", &dir, &folder, start);

    let monday = day(2026, 11, 23);
    let started = Instant::now();
    let mut rng = SmallRng::seed_from_u64(13);
    let mut done = [Edits::default(), Edits::default()];
    for i in 0..WEEK_EDITS {
        let at = monday + chrono::Duration::minutes(i as i64 * 7);
        edit(&ib, &ids, &planned, &mut rng, at, &mut done[0]);
        edit(&wt, &ids, &planned, &mut rng, at, &mut done[1]);
    }
    let editing = started.elapsed();
    let at = monday + Days::new(5);
    let sent = sync_at(&wt, at);
    assert_eq!(sent.sent.len(), 1, "the wijkteam member wrote one file: {sent:?}");
    let (bytes, files) = dir_size(&folder);
    eprintln!(
        "week: {WEEK_CASES} shared cases ({} with a plan) set up and synced both ways in {:.1} s; 2 x {WEEK_EDITS} \
         edits (IB-er {:?}, wijkteam {:?}) saved in {:.1} s ({:.2} ms a save); folder before the IB-er's sync: {} in \
         {files} files",
        planned.len(),
        first.as_secs_f64(),
        done[0],
        done[1],
        editing.as_secs_f64(),
        ms(editing) / (2 * WEEK_EDITS) as f64,
        kb(bytes)
    );
    let dir = ib.dir.clone();
    drop((ib, wt));
    Week { _root: root, ib: dir, unedited, folder, at }
}

/// A fresh copy of the week's state: the IB-er's store, reopened, and the folder.
fn fresh(week: &Week) -> (TempDir, Copy) {
    fresh_from(week, &week.ib)
}

fn fresh_from(week: &Week, ib: &Path) -> (TempDir, Copy) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, folder) = (tmp.path().join("ib"), tmp.path().join("sync"));
    copy_dir(ib, &dir);
    copy_dir(&week.folder, &folder);
    let copy = reopen("anna", &dir, &folder, week.at);
    (tmp, copy)
}

/// What the TUI does once a sync reports changes: reload the list as light copies.
fn reload(c: &Copy) -> usize {
    c.store.load_all(&c.config.route).expect("load").cases.len()
}

fn sync_week(c: &mut Criterion) {
    let week = week();
    // One run outside criterion, to say what it did and where the time goes.
    let (tmp, ib) = fresh(&week);
    let started = Instant::now();
    let report = sync_at(&ib, week.at);
    let synced = started.elapsed();
    let started = Instant::now();
    let n = reload(&ib);
    let loaded = started.elapsed();
    let clashes = ib.store.load_cases().expect("load").cases.iter().filter(|c| !c.copy.clashes.is_empty()).count();
    eprintln!(
        "week sync, one run: sync::run {:.0} ms (received {:?}, sent {:?}, cleaned {}), reload of {n} cases {:.0} ms; \
         {clashes} cases with a clash",
        ms(synced),
        report.received,
        report.sent,
        report.cleaned,
        ms(loaded)
    );
    drop((ib, tmp));
    // Where the time goes: the same sync on the copy without its own edits (it only
    // receives), and how long writing its own changes takes on its own.
    let (mut receiving, mut sending) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let (tmp, ib) = fresh_from(&week, &week.unedited);
        let started = Instant::now();
        let report = sync_at(&ib, week.at);
        receiving.push(started.elapsed());
        // It writes no file: what came from the partner is not sent back to them.
        assert!(!report.received.is_empty() && report.sent.is_empty(), "{report:?}");
        drop((ib, tmp));
        // The full copy with the partner's file gone: its sync only writes its own.
        let (tmp, ib) = fresh(&week);
        let partners: Vec<String> = ib.store.partners().expect("partners").iter().map(|p| p.id.clone()).collect();
        let folder = &ib.config.sync.as_ref().expect("sync").folder;
        for entry in std::fs::read_dir(folder).expect("folder").flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if partners.iter().any(|p| name.starts_with(p.as_str())) && !name.contains(".taken.") {
                std::fs::remove_file(entry.path()).expect("remove");
            }
        }
        let started = Instant::now();
        let report = sync_at(&ib, week.at);
        sending.push(started.elapsed());
        assert!(!report.sent.is_empty() && report.received.is_empty(), "{report:?}");
        drop((ib, tmp));
    }
    receiving.sort();
    sending.sort();
    eprintln!(
        "week sync split (median of 3): taking the partner's 500 changes {:.0} ms; \
         writing our own 500 {:.0} ms",
        ms(receiving[1]),
        ms(sending[1])
    );

    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let (mut runs, mut loads, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    group.bench_function("sync_week_300_cases", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (tmp, ib) = fresh(&week);
                let (started, cpu_before) = (Instant::now(), cpu_ms());
                let report = sync::run(&ib.store, &ib.config, week.at).expect("sync");
                let synced = started.elapsed();
                assert!(!report.received.is_empty() && report.refused.is_empty(), "{report:?}");
                let n = reload(&ib);
                let all = started.elapsed();
                if let (Some(before), Some(after)) = (cpu_before, cpu_ms()) {
                    cpu.push(after - before);
                }
                assert_eq!(n, WEEK_CASES);
                total += all;
                runs.push(synced);
                loads.push(all - synced);
                drop((ib, tmp));
            }
            total
        })
    });
    runs.sort();
    loads.sort();
    if !runs.is_empty() {
        eprintln!(
            "  of which sync::run median {:.0} ms, the reload median {:.0} ms ({} runs)",
            ms(runs[runs.len() / 2]),
            ms(loads[loads.len() / 2]),
            runs.len()
        );
    }
    if !cpu.is_empty() {
        eprintln!(
            "  CPU time of sync and reload, all cores summed: mean {:.0} ms",
            cpu.iter().sum::<f64>() / cpu.len() as f64
        );
    }

    // Baselines on the copy after that sync: the reload alone, and a sync with nothing new.
    let (tmp, ib) = fresh(&week);
    sync_at(&ib, week.at);
    group.bench_function("load_300_cases", |b| b.iter(|| reload(&ib)));
    group.bench_function("sync_nothing_new_300_cases", |b| {
        b.iter(|| {
            let report = sync::run(&ib.store, &ib.config, week.at).expect("sync");
            assert!(report.received.is_empty() && report.sent.is_empty(), "{report:?}");
            reload(&ib)
        })
    });
    group.finish();
    drop((ib, tmp));
}

/// One edit of a case in a store of 300 (with plans): with the documents kept (`merging`)
/// and without. Each save edits the next case, so no case's history grows much.
fn saves(c: &mut Criterion) {
    let at = day(2026, 11, 23);
    let root = tempfile::tempdir().expect("tempdir");
    let folder = root.path().join("sync");
    std::fs::create_dir_all(&folder).expect("folder");
    let with = new_copy("anna", &root.path().join("with"), &folder, at);
    let partner = new_copy("youssef", &root.path().join("partner"), &folder, at);
    pair(&with, &partner, at);
    let (cases, plans) = shared_cases(&with.config, WEEK_CASES, 5, at.date());
    with.store.insert_new(&cases, "anna", at).expect("insert");
    with.store.insert_plans(&plans).expect("plans");
    // The documents exist and were sent once, as on a copy that syncs.
    settle(&with, &partner, at);
    drop(partner);

    let mut without = Store::open(&root.path().join("without")).expect("open");
    without.create_key(PASS, KdfParams::cheap().expect("kdf"), "anna", at).expect("key");
    without.insert_new(&cases, "anna", at).expect("insert");
    without.insert_plans(&plans).expect("plans");
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();

    let mut group = c.benchmark_group("sync");
    group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for (name, store) in [("save_without_docs", &without), ("save_with_docs", &with.store)] {
        let mut next = 0usize;
        let mut rng = SmallRng::seed_from_u64(1);
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let id = ids[next % ids.len()];
                    next += 1;
                    let mut case = store.case(id).expect("read").expect("a case");
                    let before = case.clone();
                    case.intake.note.push_str(&words(&mut rng));
                    let fields = case.changed_fields(&before);
                    let change = Change { case: Some(id), at, who: "anna".into(), kind: ChangeKind::Edited { fields } };
                    (case, change)
                },
                |(case, change)| store.save(&case, &change).expect("save"),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
    drop((with, without));
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and only checks it builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Setting up a part costs seconds: only the parts a filter (a substring here) asks for.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |names: &[&str]| filter.as_deref().is_none_or(|f| names.iter().any(|n| n.contains(f)));
    if wanted(&["sizes"]) {
        sizes();
    }
    let mut c = Criterion::default().configure_from_args();
    if wanted(&["sync/sync_week_300_cases", "sync/load_300_cases", "sync/sync_nothing_new_300_cases"]) {
        sync_week(&mut c);
    }
    if wanted(&["sync/save_with_docs", "sync/save_without_docs"]) {
        saves(&mut c);
    }
    c.final_summary();
}
