//! An acknowledged save survives `kill -9`. This test binary re-runs itself as the
//! writer: `crash_child_writer` is ignored in a normal run; run by the parent with
//! `--ignored --exact` and `TANDEM_CRASH_CHILD_DIR` set, it saves cases in a loop and prints each id once
//! `Store::save` has returned Ok. The parent kills it at a random moment, reopens the
//! store and checks that everything acknowledged is there.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tandem::config::Config;
use tandem::domain::case::{CaseId, Field};
use tandem::domain::demo;
use tandem::domain::history::{Change, ChangeKind, DeleteReason};
use tandem::domain::plan::{self, PlanBook};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;

const CHILD_ENV: &str = "TANDEM_CRASH_CHILD_DIR";
const ROUNDS: u64 = 20;
const PASS: &[u8] = b"crash test passphrase";

/// The writer, run only as the child of `acknowledged_saves_survive_kill_9` (ignored in a
/// normal run, so it never counts as a passed test).
#[test]
#[ignore = "the child of acknowledged_saves_survive_kill_9"]
fn crash_child_writer() {
    let dir = std::env::var_os(CHILD_ENV).expect("run only as the child of acknowledged_saves_survive_kill_9");
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
                let book = PlanBook { versions: vec![plan::Plan::prefilled(&cx, now.date())] };
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

#[test]
fn acknowledged_saves_survive_kill_9() {
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
        let mut child = Command::new(&exe)
            .args(["crash_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &store_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the writer");
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

        let delay = kill_delay(round);
        let start = Instant::now();
        while start.elapsed() < delay {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the writer stopped by itself ({status}): {}", errors.join().unwrap());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().expect("SIGKILL the writer");
        let status = child.wait().unwrap();
        assert!(!status.success(), "the writer was killed, not finished");
        reader.join().unwrap();
        let stderr = errors.join().unwrap();
        assert!(!stderr.contains("panicked"), "the writer failed before the kill:\n{stderr}");

        restores += lines.lock().unwrap().iter().filter(|l| l.ends_with("restored")).count();
        let acked = parse_acknowledged(&lines.lock().unwrap());
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
