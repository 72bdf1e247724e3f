//! An acknowledged save survives `kill -9`. This test binary re-runs itself as the
//! writer: `crash_child_writer` is ignored in a normal run; run by the parent with
//! `--ignored --exact` and `TANDEM_CRASH_CHILD_DIR` set, it saves cases in a loop and prints each id once
//! `Store::save` has returned Ok. The parent kills it at a random moment, reopens the
//! store and checks that everything acknowledged is there.
//!
//! `crash_child_importer` does the same for the SWV: run with `TANDEM_CRASH_SWV_DIR` set,
//! it imports a folder of pre-made bundles one by one and prints each bundle's folder
//! once its import has returned.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tandem::bundle::SwvIdentity;
use tandem::config::Config;
use tandem::config::ExportSettings;
use tandem::domain::case::{CaseId, Field};
use tandem::domain::demo;
use tandem::domain::history::{Change, ChangeKind, DeleteReason};
use tandem::domain::plan::{self, PlanBook};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::store::{SeenBundle, SwvRecord, TeamState};
use tandem::swv::{self, FileReport, Outcome, SwvConfig, Team};

const CHILD_ENV: &str = "TANDEM_CRASH_CHILD_DIR";
const SWV_CHILD_ENV: &str = "TANDEM_CRASH_SWV_DIR";
const SWV_ROUNDS: u64 = 12;
/// Enough work that a kill between 50 and 400 ms often lands inside the import.
const TEAM_CASES: [usize; 3] = [25, 30, 35];
const EXPORTS: usize = 3;

/// The children's first line, before they open a store.
const STARTED: &str = "started";

/// One kill test at a time: each needs the cores to get work done before its kills.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
const ROUNDS: u64 = 20;
const PASS: &[u8] = b"crash test passphrase";

/// The writer, run only as the child of `acknowledged_saves_survive_kill_9` (ignored in a
/// normal run, so it never counts as a passed test).
#[test]
#[ignore = "the child of acknowledged_saves_survive_kill_9"]
fn crash_child_writer() {
    let dir = std::env::var_os(CHILD_ENV).expect("run only as the child of acknowledged_saves_survive_kill_9");
    say_started();
    let mut store = Store::open(Path::new(&dir)).expect("child opens the store");
    store.unlock(PASS).expect("child unlocks the store");
    // First a restore of what is there (so nothing acknowledged goes): a kill during it
    // must leave the old store or the restored one.
    let backups = Path::new(&dir).with_extension("backups");
    let file = store.backup(&backups, chrono::Local::now().naive_local(), 2).expect("child backs up");
    store.restore(&file, chrono::Local::now().naive_local()).expect("child restores");
    store.unlock(PASS).expect("child unlocks the restored store");
    println!("restored");
    let route = Config::demo().unwrap().route;
    let team = demo::team();
    let now = chrono::Local::now().naive_local();
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut out = std::io::stdout().lock();
    let mut acknowledged = 0u64;
    // The parent kills us; the bound only keeps a forgotten child from running forever.
    for round in 0u64..100_000 {
        for mut case in demo::cases(16, seed.wrapping_add(round), &route, &team, now.date()) {
            case.revision = 0;
            let change = Change { case: Some(case.id), at: now, who: "anna".into(), kind: ChangeKind::Created };
            let saved = store.save(&case, &change).expect("save a new case");
            writeln!(out, "{}", saved.id).unwrap();
            out.flush().unwrap();
            acknowledged += 1;

            if acknowledged.is_multiple_of(3) {
                let mut edited = saved.clone();
                edited.intake.note = format!("bewerkt {acknowledged}");
                let change = Change {
                    case: Some(edited.id),
                    at: now,
                    who: "anna".into(),
                    kind: ChangeKind::Edited { fields: vec![Field::Note] },
                };
                let resaved = store.save(&edited, &change).expect("save an edit");
                writeln!(out, "rev {} {}", resaved.id, resaved.revision).unwrap();
                out.flush().unwrap();
            }
            if acknowledged.is_multiple_of(4) {
                let cx = plan::Context { case: &saved, route: &route, team: &team };
                let book = PlanBook {
                    versions: vec![plan::Plan::prefilled(&cx, &tandem::strings::PLAN_WORDS, now.date())],
                    heads: Vec::new(),
                    session: String::new(),
                };
                let change = Change {
                    case: Some(saved.id),
                    at: now,
                    who: "anna".into(),
                    kind: ChangeKind::PlanStarted { version: 1 },
                };
                store.save_plan(saved.id, &book, Some(&change)).expect("save a plan");
                writeln!(out, "plan {}", saved.id).unwrap();
                out.flush().unwrap();
            }
            if acknowledged.is_multiple_of(5) {
                // Said first: a kill after the deletion but before "del" leaves it either way.
                writeln!(out, "deleting {}", saved.id).unwrap();
                out.flush().unwrap();
                let kind = ChangeKind::Deleted { reason: DeleteReason::Request };
                store
                    .delete_case(saved.id, Change { case: Some(saved.id), at: now, who: "anna".into(), kind })
                    .expect("delete a case");
                writeln!(out, "del {}", saved.id).unwrap();
                out.flush().unwrap();
            }
        }
    }
}

fn say_started() {
    println!("{STARTED}");
    std::io::stdout().flush().unwrap();
}

/// What a child acknowledged: each id with the highest revision it reported, the cases
/// with a saved plan, and the deleted ones.
#[derive(Default)]
struct Acknowledged {
    revisions: HashMap<CaseId, u64>,
    plans: HashSet<CaseId>,
    deleted: HashSet<CaseId>,
    /// Being deleted when the kill came, perhaps: there or not, both are fine.
    deleting: HashSet<CaseId>,
}

fn parse_acknowledged(lines: &[String]) -> Acknowledged {
    let mut ack = Acknowledged::default();
    let acked = &mut ack.revisions;
    for (i, line) in lines.iter().enumerate() {
        let id_after = |prefix: &str| line.strip_prefix(prefix).and_then(|id| id.trim().parse::<uuid::Uuid>().ok());
        if let Some(id) = id_after("plan ") {
            ack.plans.insert(CaseId(id));
        } else if let Some(id) = id_after("deleting ") {
            ack.deleting.insert(CaseId(id));
        } else if let Some(id) = id_after("del ") {
            ack.deleted.insert(CaseId(id));
        } else if let Some(rest) = line.strip_prefix("rev ") {
            let parsed = match rest.split(' ').collect::<Vec<_>>()[..] {
                [id, rev] => id.parse::<uuid::Uuid>().ok().zip(rev.parse::<u64>().ok()),
                _ => None,
            };
            let Some((id, rev)) = parsed else {
                // Only the very last line can have been cut off by the kill.
                assert_eq!(i + 1, lines.len(), "malformed line from the writer: {line:?}");
                continue;
            };
            let known = acked.entry(CaseId(id)).or_insert(0);
            *known = (*known).max(rev);
        } else if let Ok(uuid) = line.trim().parse::<uuid::Uuid>() {
            acked.entry(CaseId(uuid)).or_insert(1);
        }
        // Anything else is libtest's own chatter ("running 1 test", ...).
    }
    ack
}

/// A delay between 50 and 400 ms that differs per round, without a random crate.
fn kill_delay(round: u64) -> Duration {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    let mixed = (nanos ^ round.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    Duration::from_millis(50 + (mixed >> 33) % 351)
}

/// Starts the child, SIGKILLs it `delay` after it said `STARTED` and returns the lines it
/// printed. The child
/// must neither stop by itself nor fail before the kill.
fn run_and_kill(command: &mut Command, delay: Duration, from: &str) -> Vec<String> {
    let mut child =
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                lines.lock().unwrap().push(line);
            }
        })
    };
    let stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    // The delay counts from the child's line `from`, so a slow start (or restore) on a busy
    // machine does not eat it.
    let mut start = None;
    while start.is_none_or(|s: Instant| s.elapsed() < delay) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child stopped by itself ({status}): {}", errors.join().unwrap());
        }
        if start.is_none() && lines.lock().unwrap().iter().any(|l| l.contains(from)) {
            start = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed, not finished");
    reader.join().unwrap();
    let stderr = errors.join().unwrap();
    assert!(!stderr.contains("panicked"), "the child failed before the kill:\n{stderr}");
    std::mem::take(&mut *lines.lock().unwrap())
}

#[test]
fn acknowledged_saves_survive_kill_9() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    // The key is made once; every writer and every check unlocks with the passphrase.
    Store::open(&store_dir)
        .unwrap()
        .create_key(PASS, KdfParams::cheap().unwrap(), "anna", chrono::Local::now().naive_local())
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut all: HashMap<CaseId, u64> = HashMap::new();
    let (mut plans, mut deleted) = (HashSet::new(), HashSet::new());
    let mut restores = 0;
    let mut rounds_with_acks = 0;

    for round in 0..ROUNDS {
        let mut child = Command::new(&exe);
        child
            .args(["crash_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &store_dir);
        // Odd rounds kill from the start (so also during the restore), even rounds once the
        // restore is done (so during the saves), whatever the load of the machine.
        let from = if round % 2 == 1 { STARTED } else { "restored" };
        let lines = run_and_kill(&mut child, kill_delay(round), from);

        restores += lines.iter().filter(|l| l.ends_with("restored")).count();
        let acked = parse_acknowledged(&lines);
        if !acked.revisions.is_empty() {
            rounds_with_acks += 1;
        }
        for (id, rev) in acked.revisions {
            let known = all.entry(id).or_insert(0);
            *known = (*known).max(rev);
        }
        plans.extend(acked.plans);
        for id in acked.deleting.difference(&acked.deleted) {
            all.remove(id);
            plans.remove(id);
        }
        for id in acked.deleted {
            all.remove(&id);
            plans.remove(&id);
            deleted.insert(id);
        }

        // Everything acknowledged so far, in this round and the ones before, is there.
        let mut store = Store::open(&store_dir).unwrap_or_else(|e| panic!("round {round}: reopen after kill -9: {e}"));
        store.unlock(PASS).unwrap_or_else(|e| panic!("round {round}: unlock after kill -9: {e}"));
        for (id, rev) in &all {
            let case = store
                .case(*id)
                .unwrap_or_else(|e| panic!("round {round}: case {id} unreadable: {e}"))
                .unwrap_or_else(|| panic!("round {round}: acknowledged case {id} is gone"));
            assert!(
                case.revision >= *rev,
                "round {round}: case {id} at revision {}, acknowledged {rev}",
                case.revision
            );
            let history = store.history(*id).unwrap_or_else(|e| panic!("round {round}: history of {id}: {e}"));
            assert!(history.len() as u64 >= *rev, "round {round}: {id} has {} history entries", history.len());
        }
        for id in &plans {
            let plan = store.plan(*id).unwrap_or_else(|e| panic!("round {round}: plan of {id}: {e}"));
            assert!(plan.is_some(), "round {round}: acknowledged plan of {id} is gone");
        }
        for id in &deleted {
            assert_eq!(store.case(*id).unwrap(), None, "round {round}: deleted case {id} came back");
            assert_eq!(store.plan(*id).unwrap(), None, "round {round}: deleted case {id} kept its plan");
        }
        // What was written but not yet acknowledged is all-or-nothing: no torn records.
        let verified = store.verify().unwrap_or_else(|e| panic!("round {round}: store damaged: {e}"));
        assert!(verified.cases >= all.len());
        drop(store);
    }

    assert!(
        rounds_with_acks * 2 >= ROUNDS,
        "only {rounds_with_acks} of {ROUNDS} rounds saved anything before the kill; the test proves too little"
    );
    assert!(!all.is_empty());
    assert!(!plans.is_empty() && !deleted.is_empty(), "plan saves and deletions were acknowledged too");
    assert!(restores > 0, "no writer got through its restore");
}

/// The fixed time every SWV import runs at, so stores can be compared field by field.
fn swv_at() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
}

/// A round's folder: the SWV store, its identity, the trusted teams and the bundles.
struct SwvRound<'a>(&'a Path);

impl SwvRound<'_> {
    fn store(&self) -> std::path::PathBuf {
        self.0.join("swv")
    }
    fn identity(&self) -> SwvIdentity {
        SwvIdentity::parse(&std::fs::read_to_string(self.0.join("identity")).unwrap()).unwrap()
    }
    fn trust(&self) -> SwvConfig {
        serde_json::from_slice(&std::fs::read(self.0.join("trust.json")).unwrap()).unwrap()
    }
}

/// The bundle folders in import order: one bundle each.
fn bundle_folders(sync: &Path) -> Vec<std::path::PathBuf> {
    let mut folders: Vec<_> = std::fs::read_dir(sync).unwrap().map(|e| e.unwrap().path()).collect();
    folders.sort();
    folders
}

/// The importer, run only as the child of `acknowledged_swv_imports_survive_kill_9`.
#[test]
#[ignore = "the child of acknowledged_swv_imports_survive_kill_9"]
fn crash_child_importer() {
    let dir =
        std::env::var_os(SWV_CHILD_ENV).expect("run only as the child of acknowledged_swv_imports_survive_kill_9");
    say_started();
    let round = SwvRound(Path::new(&dir));
    let (identity, trust) = (round.identity(), round.trust());
    let mut store = Store::open(&round.store()).expect("child opens the SWV store");
    store.unlock(PASS).expect("child unlocks the SWV store");
    let mut out = std::io::stdout().lock();
    for folder in bundle_folders(trust.folder.as_deref().unwrap()) {
        let reports = swv::import_folder(&store, &folder, &identity, &trust, swv_at()).expect("import a bundle");
        assert!(reports.iter().all(|r| matches!(r.outcome, Outcome::Imported { .. } | Outcome::Again)), "{reports:?}");
        writeln!(out, "applied {}", folder.display()).unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "complete").unwrap();
    out.flush().unwrap();
    // The parent kills us; the bound only keeps a forgotten child from running forever.
    std::thread::sleep(Duration::from_secs(60));
}

/// Everything the SWV holds, in a comparable order.
fn swv_state(store: &Store) -> (Vec<SwvRecord>, Vec<(String, TeamState)>, Vec<SeenBundle>) {
    let mut records = store.swv_records().unwrap();
    // Stores may hold them under other keys: sort by content.
    records.sort_by_cached_key(|r| serde_json::to_string(r).unwrap());
    let mut seen = store.swv_seen().unwrap();
    seen.sort_by(|a, b| (&a.team, a.sequence).cmp(&(&b.team, b.sequence)));
    (records, store.swv_teams().unwrap(), seen)
}

fn new_swv_store(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    store.create_key(PASS, KdfParams::cheap().unwrap(), "swv", swv_at()).unwrap();
    store
}

/// Teams with `TEAM_CASES` cases, each exporting `EXPORTS` bundles with one case changed
/// before each next one; each bundle in a folder of its own (named in import order) below
/// `sync`.
fn make_bundles(home: &Path, sync: &Path, identity: &SwvIdentity) -> SwvConfig {
    let mut teams = Vec::new();
    let mut homes = Vec::new();
    let homes_len = TEAM_CASES.len();
    for t in 0..homes_len as u64 {
        let mut config = Config::demo().unwrap();
        config.school.name = format!("School {t}");
        let mut store = Store::open(&home.join(format!("team{t}"))).unwrap();
        store.create_key(PASS, KdfParams::cheap().unwrap(), "anna", swv_at()).unwrap();
        let list = demo::cases(TEAM_CASES[t as usize], 40 + t, &config.route, &config.team, swv_at().date());
        store.insert_new(&list, "anna", swv_at()).unwrap();
        let key = tandem::exports::signing_key(&store, "anna", swv_at()).unwrap().public();
        teams.push(Team { name: config.school.name.clone(), key: key.key, gemeente: None });
        homes.push((store, config));
    }
    for export in 0..EXPORTS {
        for (n, (store, config)) in homes.iter_mut().enumerate() {
            if export > 0 {
                let mut case = store.load_cases().unwrap().cases.remove(export);
                let before = store.case(case.id).unwrap().unwrap();
                case.intake.note = format!("bijgewerkt {export}");
                store.save(&case, &Change::between(Some(&before), &case, "anna", swv_at()).unwrap()).unwrap();
            }
            export_into(store, config, &sync.join(format!("{:02}", export * homes_len + n)), identity);
        }
    }
    SwvConfig { folder: Some(sync.to_path_buf()), teams, ..Default::default() }
}

fn export_into(store: &Store, config: &mut Config, folder: &Path, identity: &SwvIdentity) {
    std::fs::create_dir_all(folder).unwrap();
    config.export = Some(ExportSettings { folder: folder.to_path_buf(), recipient: identity.recipient() });
    tandem::exports::bundle(store, config, swv_at()).unwrap();
}

#[test]
fn acknowledged_swv_imports_survive_kill_9() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let sync = dir.path().join("sync");
    let identity = SwvIdentity::generate(chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap());
    let trust = make_bundles(dir.path(), &sync, &identity);
    let folders = bundle_folders(&sync);
    assert_eq!(folders.len(), TEAM_CASES.len() * EXPORTS);

    // What an uninterrupted import holds, and which bundle each folder brings.
    let reference = new_swv_store(&dir.path().join("reference"));
    let mut brings = HashMap::new();
    let took = Instant::now();
    for folder in &folders {
        let reports = swv::import_folder(&reference, folder, &identity, &trust, swv_at()).unwrap();
        let [FileReport { outcome: Outcome::Imported { school, sequence, .. }, .. }] = &reports[..] else {
            panic!("{reports:?}")
        };
        brings.insert(folder.display().to_string(), (school.clone(), *sequence));
    }
    // Kills are timed within what the whole import takes here, counted from the child's first
    // applied bundle, so they land in the middle of an import however fast or busy the machine.
    let import_span = took.elapsed();
    let expected = swv_state(&reference);
    assert_eq!(expected.0.len(), TEAM_CASES.iter().sum::<usize>());
    drop(reference);

    let exe = std::env::current_exe().unwrap();
    let (mut partial, mut complete) = (0, 0);
    for round in 0..SWV_ROUNDS {
        // A fresh SWV store each round, so every kill lands somewhere in an import.
        let round_dir = dir.path().join(format!("round{round}"));
        std::fs::create_dir_all(&round_dir).unwrap();
        std::fs::write(round_dir.join("identity"), identity.to_file_text()).unwrap();
        std::fs::write(round_dir.join("trust.json"), serde_json::to_vec(&trust).unwrap()).unwrap();
        let paths = SwvRound(&round_dir);
        drop(new_swv_store(&paths.store()));

        let mut child = Command::new(&exe);
        child
            .args(["crash_child_importer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(SWV_CHILD_ENV, &round_dir);
        let share = kill_delay(round).as_millis() as u32 % 100;
        let lines = run_and_kill(&mut child, import_span * share / 100, "applied ");
        // The first line follows libtest's "test crash_child_importer ... ".
        let applied: Vec<&str> = lines.iter().filter_map(|l| l.split_once("applied ").map(|(_, f)| f)).collect();
        if lines.iter().any(|l| l == "complete") {
            complete += 1;
        } else if !applied.is_empty() {
            partial += 1;
        }

        let mut store =
            Store::open(&paths.store()).unwrap_or_else(|e| panic!("round {round}: reopen after kill -9: {e}"));
        store.unlock(PASS).unwrap_or_else(|e| panic!("round {round}: unlock after kill -9: {e}"));
        store.verify().unwrap_or_else(|e| panic!("round {round}: SWV store damaged: {e}"));
        let (_, teams, seen) = swv_state(&store);
        for folder in &applied {
            let (school, sequence) = &brings[*folder];
            let (team_id, state) = teams
                .iter()
                .find(|(_, s)| &s.school == school)
                .unwrap_or_else(|| panic!("round {round}: acknowledged {school} is gone"));
            assert!(state.sequences.contains(sequence), "round {round}: {school} lost bundle {sequence}");
            let times = seen.iter().filter(|b| &b.team == team_id && b.sequence == *sequence).count();
            assert_eq!(times, 1, "round {round}: bundle {sequence} of {school} seen {times} times");
        }
        // A later import completes it to what an uninterrupted one holds.
        for folder in &folders {
            swv::import_folder(&store, folder, &identity, &paths.trust(), swv_at()).unwrap();
        }
        assert!(swv_state(&store) == expected, "round {round}: the completed import differs from an uninterrupted one");
        store.verify().unwrap_or_else(|e| panic!("round {round}: SWV store damaged after completing: {e}"));
    }
    assert!(partial > 0, "no round was killed in the middle of the import; the test proves too little");
    assert!(complete < SWV_ROUNDS, "every import finished before the kill");
}
