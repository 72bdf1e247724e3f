//! Store tests against real sled in temporary directories.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;
use crate::domain::case::Field;
use crate::domain::demo;
use crate::domain::history::{ChangeKind, DeleteReason};
use crate::domain::testing::school;

const PASS: &[u8] = b"correct paard batterij niet";

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
}

fn cases(n: usize) -> Vec<Case> {
    let config = school();
    demo::cases(n, 3, &config.route, &config.team, now().date())
}

fn created(case: &Case) -> Change {
    Change { case: Some(case.id), at: now(), who: "anna".into(), kind: ChangeKind::Created }
}

fn new_case() -> Case {
    let mut case = cases(1).remove(0);
    case.revision = 0;
    case
}

/// A new store with a key, unlocked; also returns its recovery key.
fn keyed(dir: &Path) -> (Store, RecoveryKey) {
    let mut store = Store::open(dir).unwrap();
    assert_eq!(store.key_state().unwrap(), KeyState::NeedsKey);
    let recovery = store.create_key(PASS, KdfParams::cheap().unwrap(), "anna", now()).unwrap();
    (store, recovery)
}

/// Every file below `dir` with its bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn reopen(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    assert_eq!(store.key_state().unwrap(), KeyState::Locked);
    store.unlock(PASS).unwrap();
    store
}

#[test]
fn saves_bump_the_revision_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case();
    {
        let (store, _) = keyed(dir.path());
        let saved = store.save(&case, &created(&case)).unwrap();
        assert_eq!(saved.revision, 1);
        let mut edited = saved.clone();
        edited.intake.note = "Gesprek gepland.".into();
        let change = Change::between(Some(&saved), &edited, "youssef", now()).unwrap();
        assert_eq!(store.save(&edited, &change).unwrap().revision, 2);
    }
    let store = reopen(dir.path());
    let loaded = store.load_cases().unwrap();
    assert!(loaded.damaged.is_empty());
    assert_eq!(loaded.cases.len(), 1);
    assert_eq!(loaded.cases[0].revision, 2);
    assert_eq!(loaded.cases[0].intake.note, "Gesprek gepland.");
    let history = store.history(case.id).unwrap();
    let kinds: Vec<&ChangeKind> = history.iter().map(|c| &c.kind).collect();
    assert_eq!(kinds, [&ChangeKind::Created, &ChangeKind::Edited { fields: vec![Field::Note] }]);
    assert_eq!(history[1].who, "youssef");
    // KeyCreated + 2 case entries.
    assert_eq!(store.verify().unwrap(), Verified { cases: 1, entries: 3, tombstones: 0 });
}

#[test]
fn nothing_is_readable_before_unlocking() {
    let dir = tempfile::tempdir().unwrap();
    drop(keyed(dir.path()));
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(store.load_cases(), Err(StoreError::Locked)));
    assert!(matches!(store.save(&new_case(), &created(&new_case())), Err(StoreError::Locked)));
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(keyed(dir.path()));
    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(store.unlock(b"verkeerd wachtwoord"), Err(StoreError::WrongPassphrase)));
    assert_eq!(store.key_state().unwrap(), KeyState::Locked);
    store.unlock(PASS).unwrap();
    assert_eq!(store.key_state().unwrap(), KeyState::Unlocked);
    store.lock();
    assert_eq!(store.key_state().unwrap(), KeyState::Locked);
}

#[test]
fn the_recovery_key_opens_a_store_with_a_forgotten_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (store, recovery) = keyed(dir.path());
    let case = new_case();
    store.save(&case, &created(&case)).unwrap();
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    let wrong = RecoveryKey::random().unwrap();
    assert!(matches!(store.unlock_with_recovery(&wrong), Err(StoreError::WrongRecoveryKey)));
    store.unlock_with_recovery(&RecoveryKey::parse(&recovery.display()).unwrap()).unwrap();
    let event = Change::store_event(ChangeKind::RecoveryUsed, "anna", now());
    store.change_passphrase(b"een heel nieuwe zin", KdfParams::cheap().unwrap(), event).unwrap();
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(store.unlock(PASS), Err(StoreError::WrongPassphrase)));
    store.unlock(b"een heel nieuwe zin").unwrap();
    assert_eq!(store.load_cases().unwrap().cases.len(), 1, "re-wrapping the key left the data as it was");
    assert!(store.verify().is_ok());
}

#[test]
fn a_stale_revision_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let case = new_case();
    let saved = store.save(&case, &created(&case)).unwrap();
    assert!(matches!(store.save(&case, &created(&case)), Err(StoreError::Conflict)));
    assert_eq!(store.case(case.id).unwrap(), Some(saved));
    assert_eq!(store.history(case.id).unwrap().len(), 1);
}

#[test]
fn histories_stay_apart_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(30);
    store.insert_new(&list, "anna", now()).unwrap();
    assert_eq!(store.load_cases().unwrap().cases.len(), 30);
    for case in &list {
        let h = store.history(case.id).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].case, Some(case.id));
    }
    assert_eq!(store.verify().unwrap().entries, 31);
}

#[test]
fn a_second_open_is_refused_while_the_first_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::AlreadyOpen(_)));
    assert!(err.to_string().contains("tandem is al geopend"));
    drop(first);
    assert!(Store::open(dir.path()).is_ok(), "the lock goes with the store");
}

#[test]
fn a_store_from_a_newer_tandem_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.trees.meta.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
        store.trees.db.flush().unwrap();
    }
    let err = Store::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found } if found == SCHEMA_VERSION + 1));
    assert!(err.to_string().contains("nieuwere tandem"));
}

#[test]
fn a_store_that_lost_its_schema_is_damaged_not_new() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _) = keyed(dir.path());
        store.trees.meta.remove(SCHEMA_KEY).unwrap();
        store.trees.db.flush().unwrap();
    }
    assert!(matches!(Store::open(dir.path()), Err(StoreError::Damaged { .. })));
}

#[test]
fn a_flipped_byte_damages_one_record_and_the_rest_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(5);
    store.insert_new(&list, "anna", now()).unwrap();
    let key = list[2].id.0.as_bytes();
    let mut value = store.trees.cases.get(key).unwrap().unwrap().to_vec();
    let mid = value.len() / 2;
    value[mid] ^= 0x01;
    store.trees.cases.insert(key, value).unwrap();

    let loaded = store.load_cases().unwrap();
    assert_eq!(loaded.cases.len(), 4);
    assert_eq!(loaded.damaged, vec![(hex(key), CodecError::Tampered)]);
    assert!(matches!(store.verify(), Err(StoreError::Record { .. })));
    assert!(matches!(store.case(list[2].id), Err(StoreError::Record { .. })));
}

#[test]
fn values_swapped_between_keys_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(2);
    store.insert_new(&list, "anna", now()).unwrap();
    let (a, b) = (list[0].id.0.as_bytes(), list[1].id.0.as_bytes());
    let va = store.trees.cases.get(a).unwrap().unwrap();
    store.trees.cases.insert(b, va).unwrap();
    assert!(matches!(store.case(list[1].id), Err(StoreError::Record { error: CodecError::Tampered, .. })));
    assert!(store.case(list[0].id).unwrap().is_some());
}

#[test]
fn a_planted_plain_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let case = new_case();
    store.trees.cases.insert(case.id.0.as_bytes(), encode_plain(&case).unwrap()).unwrap();
    assert!(matches!(store.case(case.id), Err(StoreError::Record { error: CodecError::UnknownFormat(1), .. })));
}

/// Rewrites one audit entry through `edit`, sealed properly under the data key: only the
/// hash chain can tell.
fn tamper_entry(store: &Store, seq: u64, edit: impl FnOnce(&mut Entry)) {
    let key = store.key.as_ref().unwrap();
    for item in store.trees.history.iter() {
        let (k, v) = item.unwrap();
        let mut entry: Entry = codec::decode(key, "history", &k, &v).unwrap();
        if entry.seq == seq {
            edit(&mut entry);
            store.trees.history.insert(&k, codec::encode(key, "history", &k, &entry).unwrap()).unwrap();
            return;
        }
    }
    panic!("no entry {seq}");
}

#[test]
fn a_tampered_audit_chain_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    store.insert_new(&cases(5), "anna", now()).unwrap();
    assert!(store.verify().is_ok());

    tamper_entry(&store, 3, |e| e.details.as_mut().unwrap().who = "mallory".into());
    assert!(matches!(store.verify(), Err(StoreError::Chain(3))));
    assert!(store.verify().unwrap_err().to_string().contains("regel 3"));
}

#[test]
fn a_removed_audit_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(3);
    store.insert_new(&list, "anna", now()).unwrap();
    let k = store.trees.history.scan_prefix(list[1].id.0.as_bytes()).keys().next().unwrap().unwrap();
    store.trees.history.remove(k).unwrap();
    assert!(matches!(store.verify(), Err(StoreError::Chain(_))));
}

#[test]
fn lost_recent_writes_are_noticed_through_the_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    store.insert_new(&cases(3), "anna", now()).unwrap();
    let head = parse_head(&store.trees.meta.get(HEAD_KEY).unwrap().unwrap()).unwrap();
    let ahead = Head { seq: head.seq + 2, hash: [9; 32] };
    std::fs::write(dir.path().join(ANCHOR_FILE), serde_json::to_vec(&ahead).unwrap()).unwrap();
    let err = store.verify().unwrap_err();
    assert!(matches!(err, StoreError::Truncated { expected, found } if expected == head.seq + 2 && found == head.seq));
}

#[test]
fn deleting_a_case_keeps_only_anonymous_figures_and_a_sound_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(3);
    store.insert_new(&list, "anna", now()).unwrap();
    let gone = list[1].id;
    let event = Change {
        case: Some(gone),
        at: now(),
        who: "anna".into(),
        kind: ChangeKind::Deleted { reason: DeleteReason::Request },
    };
    store.delete_case(gone, event).unwrap();

    assert_eq!(store.case(gone).unwrap(), None);
    assert!(store.history(gone).unwrap().is_empty(), "the case's history details are redacted");
    let v = store.verify().unwrap();
    assert_eq!((v.cases, v.tombstones), (2, 1));
    let last = store.audit_entries().unwrap().pop().unwrap();
    assert_eq!(last.details.unwrap().kind, ChangeKind::Deleted { reason: DeleteReason::Request });
}

#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let store_dir = dir.path().join("store");
    let list = cases(20);
    let file = {
        let (store, _) = keyed(&store_dir);
        store.insert_new(&list, "anna", now()).unwrap();
        let mut file = None;
        for minute in 0..4 {
            file = Some(store.backup(&backups, now() + chrono::Duration::minutes(minute), 3).unwrap());
        }
        // A change after the last backup, which the restore undoes.
        store.delete_case(list[0].id, created(&list[0])).unwrap();
        file.unwrap()
    };
    let found = list_backups(&backups);
    assert_eq!(found.len(), 3, "only the newest 3 are kept");
    assert_eq!(found[0].path, file);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "a backup is owner-only");
    }
    // Written in pieces, the file is still its header (the checksum of the body) and the body.
    let bytes = std::fs::read(&file).unwrap();
    let newline = bytes.iter().position(|b| *b == b'\n').unwrap();
    let sum = data_encoding::HEXLOWER.encode(&<sha2::Sha256 as sha2::Digest>::digest(&bytes[newline + 1..]));
    assert_eq!(std::str::from_utf8(&bytes[..newline]).unwrap(), format!("tandem-backup 1 {sum}"));
    let body: serde_json::Value = serde_json::from_slice(&bytes[newline + 1..]).unwrap();
    assert_eq!(body["trees"].as_array().unwrap().len(), 9, "every tree");

    // A damaged backup is refused and changes nothing.
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    let broken = dir.path().join("broken.backup");
    std::fs::write(&broken, &bytes).unwrap();
    let refused = restore(&store_dir, &broken, now());
    assert!(matches!(refused, Err(StoreError::Damaged { .. })), "{refused:?}");
    assert_eq!(reopen(&store_dir).load_cases().unwrap().cases.len(), 19);

    restore(&store_dir, &file, now()).unwrap();
    let store = reopen(&store_dir);
    assert_eq!(store.load_cases().unwrap().cases.len(), 20);
    assert!(store.verify().is_ok(), "the anchor follows the restored head");
}

/// The checksum covers the body and the header is parsed strictly, so a flip of any one
/// bit is refused: every bit of the header and of a spread of the body's bytes (all of
/// them would take minutes), its first and last bytes included.
#[test]
fn every_single_bit_flip_in_a_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let file = {
        let (store, _) = keyed(&store_dir);
        store.insert_new(&cases(2), "anna", now()).unwrap();
        store.backup(&dir.path().join("backups"), now(), 1).unwrap()
    };
    let bytes = std::fs::read(&file).unwrap();
    let header = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    let stride = ((bytes.len() - header) / 64).max(1);
    let body = (header..bytes.len()).step_by(stride).chain(header..header + 16).chain(bytes.len() - 16..bytes.len());
    let broken = dir.path().join("broken.backup");
    for at in (0..header).chain(body) {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1 << bit;
            std::fs::write(&broken, &flipped).unwrap();
            let refused = restore(&store_dir, &broken, now());
            assert!(matches!(refused, Err(StoreError::Damaged { .. })), "bit {bit} of byte {at}: {refused:?}");
        }
    }
    assert_eq!(reopen(&store_dir).load_cases().unwrap().cases.len(), 2, "no refused backup changed the store");
}

#[test]
fn restore_is_refused_while_the_store_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let file = store.backup(&dir.path().join("b"), now(), 2).unwrap();
    assert!(matches!(restore(dir.path(), &file, now()), Err(StoreError::AlreadyOpen(_))));
}

#[test]
fn no_plaintext_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = cases(50);
    let markers: Vec<String> = (0..list.len()).map(|i| format!("MARKER{i:04}XQ")).collect();
    for (case, marker) in list.iter_mut().zip(&markers) {
        case.intake.note = format!("notitie {marker}");
        case.intake.last_name = format!("Achter{marker}");
    }
    {
        let (store, _) = keyed(&dir.path().join("store"));
        store.insert_new(&list, "anna", now()).unwrap();
        let mut edited = list[0].clone();
        edited.intake.first_name = "ZZVOORNAAMZZ".into();
        let change = Change::between(Some(&list[0]), &edited, "anna", now()).unwrap();
        store.save(&edited, &change).unwrap();
        store.backup(&dir.path().join("backups"), now(), 2).unwrap();
    }
    let files = files_under(dir.path());
    for (p, bytes) in &files {
        for needle in markers.iter().map(String::as_str).chain(["ZZVOORNAAMZZ", &list[3].intake.first_name]) {
            if needle.len() < 4 {
                continue;
            }
            assert!(!contains(bytes, needle.as_bytes()), "{needle} found in {}", p.display());
        }
    }
    assert!(files.len() >= 4, "the database, its config, the anchor and a backup were scanned");
}

#[test]
fn a_store_from_before_encryption_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let list = cases(4);
    {
        // What the first version wrote: plain values, schema 1, history keyed by counter.
        let store = Store::open(dir.path()).unwrap();
        let t = &store.trees;
        t.meta.insert(SCHEMA_KEY, &1u32.to_be_bytes()).unwrap();
        // Like sled's counter, the old numbers start at 0: new chain numbers collide with them.
        for (i, case) in list.iter().enumerate() {
            let mut marked = case.clone();
            marked.intake.note = format!("PLAINMARK{i}");
            t.cases.insert(case.id.0.as_bytes(), encode_plain(&marked).unwrap()).unwrap();
            let k = history_key(case.id.0.as_bytes(), 2 * i as u64);
            t.history.insert(k, encode_plain(&created(case)).unwrap()).unwrap();
            let edit = Change { kind: ChangeKind::Edited { fields: vec![Field::Note] }, ..created(case) };
            t.history
                .insert(history_key(case.id.0.as_bytes(), 2 * i as u64 + 1), encode_plain(&edit).unwrap())
                .unwrap();
        }
        t.db.flush().unwrap();
    }
    let (store, _) = keyed(dir.path());
    assert_eq!(store.load_cases().unwrap().cases.len(), 4);
    assert_eq!(store.history(list[2].id).unwrap().len(), 2);
    assert_eq!(store.verify().unwrap().entries, 9);
    for item in store.trees.cases.iter() {
        assert_eq!(item.unwrap().1[0], 3, "every value is sealed and packed (format 3) now");
    }
    drop(store);
    // Nothing of the plain values is left anywhere in the folder.
    for (p, bytes) in files_under(dir.path()) {
        assert!(!contains(&bytes, b"PLAINMARK"), "plain text left in {}", p.display());
    }
    assert!(reopen(dir.path()).verify().is_ok());
}

#[test]
fn garbage_in_the_database_file_is_damage_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _) = keyed(dir.path());
        store.insert_new(&cases(200), "anna", now()).unwrap();
    }
    // sled keeps its config in db/conf; garbling it makes sled refuse (or panic on) open.
    std::fs::write(dir.path().join("db").join("conf"), b"\x00garbage\xff\xfe").unwrap();
    let err = Store::open(dir.path()).err().expect("a garbled store must not open");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().contains("beschadigd"));
}

#[test]
fn inserting_an_existing_case_again_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let list = cases(3);
    store.insert_new(&list, "anna", now()).unwrap();
    assert!(matches!(store.insert_new(&list[1..2], "anna", now()), Err(StoreError::Conflict)));
    assert_eq!(store.verify().unwrap().entries, 4, "nothing of the refused batch was written");
}

#[test]
fn plans_are_sealed_kept_with_backups_and_erased_with_their_case() {
    use crate::domain::plan::{Context, Plan, PlanBook};
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let config = school();
    let case = new_case();
    let (store, _) = keyed(&store_dir);
    store.save(&case, &created(&case)).unwrap();
    assert_eq!(store.plan(case.id).unwrap(), None);

    let cx = Context { case: &case, route: &config.route, team: &config.team };
    let mut plan = Plan::prefilled(&cx, &crate::strings::PLAN_WORDS, now().date());
    plan.vraag = "Merkwoord-plan-7731".into();
    let book = PlanBook { versions: vec![plan], heads: Vec::new(), session: String::new() };
    let started =
        Change { case: Some(case.id), at: now(), who: "anna".into(), kind: ChangeKind::PlanStarted { version: 1 } };
    store.save_plan(case.id, &book, Some(&started)).unwrap();
    store.save_plan(case.id, &book, None).unwrap();
    let kinds: Vec<ChangeKind> = store.history(case.id).unwrap().into_iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Created, ChangeKind::PlanStarted { version: 1 }], "autosaves leave no history");
    let backup = store.backup(&dir.path().join("backups"), now(), 3).unwrap();
    drop(store);
    assert!(files_under(&store_dir).iter().all(|(_, b)| !contains(b, b"Merkwoord-plan-7731")), "plan text is sealed");

    let store = reopen(&store_dir);
    assert_eq!(store.plan(case.id).unwrap(), Some(book.clone()));
    store.delete_case(case.id, created(&case)).unwrap();
    assert_eq!(store.plan(case.id).unwrap(), None, "erasure takes the plan along");
    drop(store);

    restore(&store_dir, &backup, now()).unwrap();
    assert_eq!(reopen(&store_dir).plan(case.id).unwrap(), Some(book), "backups carry plans");
}

mod swv_import {
    use super::*;
    use crate::domain::export::{CaseRecord, FORMAT, Payload, Period, Record};

    /// A bundle of `team` with `sequence` carrying (case, revision, step) triples.
    pub fn payload(team: &str, sequence: u64, cases: &[(&str, u64, &str)]) -> Payload {
        Payload {
            format: FORMAT.into(),
            bundle_id: uuid::Uuid::from_u128(
                (u128::from(sequence) << 64)
                    | u128::from(team.len() as u64 * 7919 + team.bytes().map(u64::from).sum::<u64>()),
            ),
            team_id: team.into(),
            school: format!("School {team}"),
            brin: None,
            sequence,
            created: now(),
            period: Period::of(now().date()),
            recipient: "age1test".into(),
            cases: cases
                .iter()
                .map(|(case, revision, step)| CaseRecord {
                    case: case.to_string(),
                    link: None,
                    revision: *revision,
                    record: Record { step: step.to_string(), ..Record::started(now().date()) },
                    dossier: None,
                })
                .collect(),
        }
    }

    pub fn digest(p: &Payload) -> String {
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(serde_json::to_vec(p).unwrap()))
    }

    use sha2::Digest;

    fn steps(store: &Store) -> Vec<(String, u64, String)> {
        let mut v: Vec<_> =
            store.swv_records().unwrap().into_iter().map(|r| (r.team, r.revision, r.record.step)).collect();
        v.sort();
        v
    }

    #[test]
    fn import_is_idempotent_newer_revisions_win_and_reused_ids_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = keyed(dir.path());
        let one = payload("A", 1, &[("c1", 3, "S3"), ("c2", 1, "S1")]);
        assert_eq!(store.import_bundle(&one, &digest(&one), now()).unwrap(), Imported::Applied { newer: 2, older: 0 });
        assert_eq!(store.import_bundle(&one, &digest(&one), now()).unwrap(), Imported::Again);
        let older = payload("A", 3, &[("c1", 2, "S2"), ("c2", 2, "S2")]);
        assert_eq!(
            store.import_bundle(&older, &digest(&older), now()).unwrap(),
            Imported::Applied { newer: 1, older: 1 }
        );
        assert_eq!(steps(&store), [("A".into(), 2, "S2".into()), ("A".into(), 3, "S3".into())]);

        // Same id, other content: refused, nothing written.
        let mut forged = one.clone();
        forged.cases[0].revision = 99;
        assert!(matches!(store.import_bundle(&forged, &digest(&forged), now()), Err(StoreError::Conflict)));
        assert_eq!(steps(&store), [("A".into(), 2, "S2".into()), ("A".into(), 3, "S3".into())]);

        let teams = store.swv_teams().unwrap();
        assert_eq!(teams[0].1.gaps(), [(2, 2)], "bundle 2 never came");
        drop(store);
        assert_eq!(steps(&reopen(dir.path())).len(), 2, "imports survive reopening");
    }
}

mod swv_order {
    use super::swv_import::{digest, payload};
    use super::*;
    use crate::domain::export::Payload;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A case's content follows from its team, pseudonym and revision, as it does for a
    /// real team (one revision, one content).
    fn step(team: &str, case: &str, revision: u64) -> String {
        let n = team.len() as u64 * 31 + case.bytes().map(u64::from).sum::<u64>() + revision * 7;
        format!("S{}", n % 9)
    }

    /// Per team (0..3) its bundles in sequence order, each a list of (case 0..5, revision).
    fn bundles_strategy() -> impl Strategy<Value = Vec<Vec<Vec<(u8, u64)>>>> {
        let bundle = proptest::collection::vec((0u8..5, 1u64..20), 0..5);
        proptest::collection::vec(proptest::collection::vec(bundle, 1..5), 1..4)
    }

    fn payloads(teams: &[Vec<Vec<(u8, u64)>>]) -> Vec<Payload> {
        let mut out = Vec::new();
        for (t, bundles) in teams.iter().enumerate() {
            let team = ["A", "B", "C"][t];
            for (i, cases) in bundles.iter().enumerate() {
                // One case once per bundle, as a team's export has it.
                let unique: BTreeMap<u8, u64> = cases.iter().copied().collect();
                let named: Vec<(String, u64, String)> =
                    unique.into_iter().map(|(c, r)| (format!("c{c}"), r, step(team, &format!("c{c}"), r))).collect();
                let refs: Vec<(&str, u64, &str)> = named.iter().map(|(c, r, s)| (c.as_str(), *r, s.as_str())).collect();
                out.push(payload(team, i as u64 + 1, &refs));
            }
        }
        out
    }

    /// Records as (team, case step, revision), each team's sequence numbers, and the trail of
    /// bundles seen (team, sequence, digest).
    type State = (Vec<(String, u64, String)>, Vec<(String, Vec<u64>)>, BTreeSet<(String, u64, String)>);

    fn state(store: &Store) -> State {
        let mut records: Vec<_> =
            store.swv_records().unwrap().into_iter().map(|r| (r.team, r.revision, r.record.step)).collect();
        records.sort();
        let teams =
            store.swv_teams().unwrap().into_iter().map(|(t, s)| (t, s.sequences.into_iter().collect())).collect();
        let seen = store.swv_seen().unwrap().into_iter().map(|b| (b.team, b.sequence, b.digest)).collect();
        (records, teams, seen)
    }

    /// What any import order must end in, worked out without a store: per case its highest
    /// revision, per team every sequence number, every bundle once.
    fn expected(all: &[Payload]) -> State {
        let mut best: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut teams: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for p in all {
            for c in &p.cases {
                let r = best.entry((p.team_id.clone(), c.case.clone())).or_insert(0);
                *r = (*r).max(c.revision);
            }
            teams.entry(p.team_id.clone()).or_default().push(p.sequence);
            seen.insert((p.team_id.clone(), p.sequence, digest(p)));
        }
        let mut records: Vec<_> =
            best.into_iter().map(|((team, case), r)| (team.clone(), r, step(&team, &case, r))).collect();
        records.sort();
        (records, teams.into_iter().collect(), seen)
    }

    proptest! {
        /// Any order, with duplicates anywhere in between, ends in the same SWV state and
        /// the same trail of bundles seen, and writes nothing on the audit trail itself.
        #[test]
        fn import_order_does_not_matter(
            (teams, mut order) in bundles_strategy().prop_flat_map(|teams| {
                let n = teams.iter().map(Vec::len).sum::<usize>();
                (Just(teams), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
            }),
            dups in proptest::collection::vec((any::<proptest::sample::Index>(), any::<proptest::sample::Index>()), 0..6),
        ) {
            let all = payloads(&teams);
            for (at, which) in &dups {
                let at = at.index(order.len() + 1);
                order.insert(at, which.index(all.len()));
            }
            let dir = tempfile::tempdir().unwrap();
            let (store, _) = keyed(dir.path());
            let entries = store.verify().unwrap().entries;
            for i in &order {
                store.import_bundle(&all[*i], &digest(&all[*i]), now()).unwrap();
            }
            prop_assert_eq!(state(&store), expected(&all));
            prop_assert_eq!(store.verify().unwrap().entries, entries);
        }
    }
}

/// A store with history, closed again; its database and backups live under `dir`.
fn store_with_backup(dir: &Path) -> (PathBuf, PathBuf, Vec<Case>) {
    let (store_dir, backups) = (dir.join("store"), dir.join("backups"));
    let list = cases(4);
    let (store, _) = keyed(&store_dir);
    store.insert_new(&list, "anna", now()).unwrap();
    store.backup(&backups, now(), 3).unwrap();
    (store_dir, backups, list)
}

#[test]
fn a_store_whose_database_is_gone_is_missing_not_new() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, backups, list) = store_with_backup(dir.path());
    std::fs::remove_dir_all(store_dir.join("db")).unwrap();
    // The anchor shows there was a store: no new empty one, whatever opens it.
    assert!(matches!(Store::open(&store_dir), Err(StoreError::Missing(_))));
    assert!(!store_dir.join("db").exists(), "nothing was created in its place");
    // Without the anchor the backups still show it; the newest good one is offered.
    std::fs::remove_file(store_dir.join(ANCHOR_FILE)).unwrap();
    let failure = open_checked(&store_dir, &backups).err().expect("a missing store must not open");
    assert!(matches!(failure.error, StoreError::Missing(_)), "{:?}", failure.error);
    let backup = failure.backup.expect("the newest backup is offered");
    assert!(failure.error.to_string().contains("ontbreekt"), "{}", failure.error);

    // Restoring it from the screens' stand-in brings everything back.
    let mut stand_in = Store::for_restore(&store_dir).unwrap();
    stand_in.restore(&backup.path, now()).unwrap();
    drop(stand_in);
    assert_eq!(reopen(&store_dir).load_cases().unwrap().cases.len(), list.len());
    // A truly new store (no anchor, no backups) opens as new.
    let fresh = dir.path().join("fresh");
    assert!(open_checked(&fresh, &dir.path().join("no-backups")).is_ok());
}

#[test]
fn a_missing_or_garbled_anchor_on_a_store_with_history_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, _, _) = store_with_backup(dir.path());
    let anchor = store_dir.join(ANCHOR_FILE);
    std::fs::remove_file(&anchor).unwrap();
    let err = Store::open(&store_dir).err().expect("a store with history needs its anchor");
    assert!(matches!(err, StoreError::AnchorMissing(_)), "{err:?}");
    assert!(err.to_string().contains("anchor.json"), "{err}");
    std::fs::write(&anchor, b"{\"seq\": kapot").unwrap();
    let err = Store::open(&store_dir).err().expect("a garbled anchor is damage");
    assert!(err.to_string().contains(strings::ANCHOR_UNREADABLE), "{err}");
    assert!(err.is_damage());

    // A store without history is fine without one (nothing to roll back).
    let empty = dir.path().join("empty");
    drop(Store::open(&empty).unwrap());
    std::fs::remove_file(empty.join(ANCHOR_FILE)).unwrap();
    assert!(Store::open(&empty).is_ok());
}

#[test]
fn a_store_rolled_back_to_an_older_copy_is_older_than_its_newest_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, backups, _) = store_with_backup(dir.path());
    // A copy of the whole store as it was, anchor included.
    let old = dir.path().join("old");
    copy_dir(&store_dir, &old);
    {
        let store = reopen(&store_dir);
        store.insert_new(&cases(6)[4..], "anna", now()).unwrap();
        store.backup(&backups, now() + chrono::Duration::minutes(1), 3).unwrap();
        assert!(store.check_backups(&backups).is_ok());
    }
    std::fs::remove_dir_all(&store_dir).unwrap();
    std::fs::rename(&old, &store_dir).unwrap();
    let store = reopen(&store_dir);
    assert!(store.verify().is_ok(), "the old copy is sound in itself");
    let err = store.check_backups(&backups).unwrap_err();
    assert!(matches!(err, StoreError::BehindBackup { backup: 7, found: 5, .. }), "{err:?}");
    assert!(err.to_string().contains("ouder dan de nieuwste back-up"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn damage_sled_cannot_open_comes_with_the_newest_good_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, backups, list) = store_with_backup(dir.path());
    std::fs::write(store_dir.join("db").join("conf"), b"\x00garbage\xff\xfe").unwrap();
    let failure = open_checked(&store_dir, &backups).err().expect("a garbled store must not open");
    assert!(failure.error.is_damage(), "{:?}", failure.error);
    let backup = failure.backup.expect("the newest good backup is named");
    assert_eq!(backup, list_backups(&backups)[0]);
    let mut stand_in = Store::for_restore(&store_dir).unwrap();
    stand_in.restore(&backup.path, now()).unwrap();
    drop(stand_in);
    let store = reopen(&store_dir);
    assert_eq!(store.load_cases().unwrap().cases.len(), list.len());
    assert!(store.verify().is_ok());
}

/// A full disk after sled wrote the case but before its flush completed: here the anchor
/// cannot be written (a folder stands where its temporary file goes).
#[test]
fn a_save_that_failed_to_flush_is_recognised_when_saved_again() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let case = new_case();
    let blocker = dir.path().join(format!(".{ANCHOR_FILE}.tmp"));
    std::fs::create_dir(&blocker).unwrap();
    let err = store.save(&case, &created(&case)).unwrap_err();
    assert!(matches!(err, StoreError::NotFlushed(_)), "{err:?}");
    assert!(err.to_string().contains("geen tweede dossier"), "{err}");
    std::fs::remove_dir(&blocker).unwrap();

    // The same save again (the form keeps the new case's id): done once, not twice.
    let saved = store.save(&case, &created(&case)).unwrap();
    assert_eq!(saved.revision, 1);
    assert_eq!(store.load_cases().unwrap().cases.len(), 1);
    assert_eq!(store.history(case.id).unwrap().len(), 1, "one history entry");
    assert!(store.verify().is_ok(), "the anchor caught up");
    // A different save on the old revision is still a conflict.
    let mut other = case.clone();
    other.intake.note = "iets anders".into();
    assert!(matches!(store.save(&other, &created(&other)), Err(StoreError::Conflict)));
}

#[test]
fn two_restores_in_the_same_second_keep_both_replaced_databases() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, backups, list) = store_with_backup(dir.path());
    let file = list_backups(&backups)[0].path.clone();
    restore(&store_dir, &file, now()).unwrap();
    restore(&store_dir, &file, now()).unwrap();
    let aside = std::fs::read_dir(&store_dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("db.replaced-"))
        .count();
    assert_eq!(aside, 2);
    assert_eq!(reopen(&store_dir).load_cases().unwrap().cases.len(), list.len());
}

/// A restore killed between moving the old database aside and moving the restored one
/// in: the next open finishes it instead of finding the store missing.
#[test]
fn a_restore_cut_off_between_its_renames_is_finished_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store_dir, _, list) = store_with_backup(dir.path());
    copy_dir(&store_dir.join("db"), &store_dir.join("db.restoring"));
    std::fs::write(store_dir.join("db.restoring.done"), b"").unwrap();
    std::fs::rename(store_dir.join("db"), store_dir.join("db.replaced-x")).unwrap();
    let store = reopen(&store_dir);
    assert_eq!(store.load_cases().unwrap().cases.len(), list.len());
    assert!(!store_dir.join("db.restoring.done").exists());
    // Without the mark (a restore cut off while building) nothing is moved in.
    drop(store);
    std::fs::rename(store_dir.join("db"), store_dir.join("db.restoring")).unwrap();
    assert!(matches!(Store::open(&store_dir), Err(StoreError::Missing(_))));
}

fn member_secret(id: &str) -> MemberSecret {
    MemberSecret { id: id.into(), signing_key: vec![7; 158], age_identity: "AGE-SECRET-KEY-1X".into() }
}

fn store_events(store: &Store) -> Vec<ChangeKind> {
    store.audit_entries().unwrap().into_iter().filter_map(|e| e.details).map(|c| c.kind).collect()
}

#[test]
fn member_keys_are_made_once_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _) = keyed(dir.path());
        assert!(store.member().unwrap().is_none());
        let event = || Change::store_event(ChangeKind::MemberKeysCreated, "anna", now());
        assert_eq!(store.create_member(&member_secret("aaaa1111"), event()).unwrap().id, "aaaa1111");
        // A second making (another start, a race) keeps the first keys and logs nothing.
        let kept = store.create_member(&member_secret("bbbb2222"), event()).unwrap();
        assert_eq!(kept.id, "aaaa1111");
    }
    let store = reopen(dir.path());
    let member = store.member().unwrap().unwrap();
    assert_eq!((member.id.as_str(), member.signing_key.as_slice()), ("aaaa1111", &[7u8; 158][..]));
    let made = store_events(&store).into_iter().filter(|k| *k == ChangeKind::MemberKeysCreated).count();
    assert_eq!(made, 1);
    store.verify().unwrap();
    // Sealed like every value: the secret key text is nowhere on disk in the clear.
    assert!(files_under(dir.path()).iter().all(|(_, bytes)| !contains(bytes, b"AGE-SECRET-KEY-1X")));
}

#[test]
fn partners_are_added_kept_and_removed_with_audit_entries() {
    let dir = tempfile::tempdir().unwrap();
    let partner = Partner {
        id: "c0ffee123456".into(),
        name: "Joost Visser".into(),
        card_name: "Joost".into(),
        role: "wijkteam".into(),
        organisation: "gemeente".into(),
        school: "De Regenboog".into(),
        brin: Some("12AB".into()),
        signing_key: "RWS-key".into(),
        recipient: "age1-recipient".into(),
        added: now(),
    };
    {
        let (store, _) = keyed(dir.path());
        let added = Change::store_event(ChangeKind::PartnerAdded { member: partner.id.clone() }, "anna", now());
        store.add_partner(&partner, added).unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.partners().unwrap(), vec![partner.clone()]);
    assert!(files_under(dir.path()).iter().all(|(_, bytes)| !contains(bytes, b"Joost Visser")));
    let removed = || Change::store_event(ChangeKind::PartnerRemoved { member: partner.id.clone() }, "anna", now());
    assert!(store.remove_partner(&partner.id, removed()).unwrap());
    assert!(store.partners().unwrap().is_empty());
    assert!(!store.remove_partner(&partner.id, removed()).unwrap(), "a second removal finds nothing");
    let events = store_events(&store);
    let member = partner.id.clone();
    assert!(events.contains(&ChangeKind::PartnerAdded { member: member.clone() }));
    assert_eq!(events.iter().filter(|k| **k == ChangeKind::PartnerRemoved { member: member.clone() }).count(), 1);
    store.verify().unwrap();
    drop(store);
    assert!(reopen(dir.path()).partners().unwrap().is_empty());
}

/// Every case lightened as the screens hold it, in key order.
fn lightened(store: &Store, route: &Routekaart) -> Vec<Case> {
    let mut all = store.load_cases().unwrap().cases;
    all.iter_mut().for_each(|c| c.lighten(route));
    all
}

/// A store holding `n` demo cases, loaded once for the list (so its pages of light copies
/// are made), with the routekaart it was loaded with.
fn listed(n: usize) -> (tempfile::TempDir, Store, Routekaart, Vec<Case>) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = keyed(dir.path());
    let route = school().route;
    let list = cases(n);
    store.insert_new(&list, "anna", now()).unwrap();
    store.load_all(&route).unwrap();
    (dir, store, route, list)
}

#[test]
fn the_list_loads_light_rows_made_from_the_records_as_they_are_now() {
    let (_dir, store, route, list) = listed(40);
    let first = store.load_all(&route).unwrap();
    let pages: std::collections::BTreeSet<_> = list.iter().map(|c| rows::page_of(c.id.0.as_bytes())).collect();
    assert_eq!(store.trees.rows.len(), pages.len(), "a page was made for each first byte of an id");
    assert_eq!(first.cases, lightened(&store, &route));
    assert!(first.cases.iter().any(|c| c.visits.iter().any(|v| v.done.is_some())), "the demo completes steps");

    // A save leaves the old row behind; the next load sees it was made from another record.
    let before = store.case(list[7].id).unwrap().unwrap();
    let mut edited = before.clone();
    edited.intake.first_name = "Zoë".into();
    let kind = ChangeKind::Edited { fields: edited.changed_fields(&before) };
    let saved = store.save(&edited, &Change { case: Some(edited.id), at: now(), who: "anna".into(), kind }).unwrap();
    let again = store.load_all(&route).unwrap();
    assert!(again.cases.contains(&{
        let mut light = saved;
        light.lighten(&route);
        light
    }));
    assert_eq!(again.cases, lightened(&store, &route));
    assert!(again.damaged.is_empty());
}

#[test]
fn rows_are_made_again_when_the_routekaart_keeps_other_fields() {
    let (_dir, store, mut route, _) = listed(40);
    let before = route.kept_fields().len();
    for step in &mut route.steps {
        step.clears_note_when = None;
    }
    assert!(route.kept_fields().len() < before, "the test changes what is kept");
    let loaded = store.load_all(&route).unwrap();
    assert_eq!(loaded.cases, lightened(&store, &route));
}

#[test]
fn a_damaged_page_of_rows_is_made_again_from_its_records() {
    let (_dir, store, route, list) = listed(5);
    let page = |i: usize| rows::page_of(list[i].id.0.as_bytes());
    let mut flipped = store.trees.rows.get(page(2)).unwrap().unwrap().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    store.trees.rows.insert(page(2), flipped).unwrap();
    // A page planted from another first byte does not pass for this one's either.
    let other = store.trees.rows.get(page(3)).unwrap().unwrap();
    store.trees.rows.insert(page(4), other).unwrap();

    let loaded = store.load_all(&route).unwrap();
    assert!(loaded.damaged.is_empty(), "a row is a cache: its record is read instead");
    assert_eq!(loaded.cases, lightened(&store, &route));
}

#[test]
fn a_deleted_case_takes_its_page_of_rows_along() {
    let (_dir, store, route, list) = listed(3);
    let gone = list[1].id;
    let kind = ChangeKind::Deleted { reason: DeleteReason::Request };
    store.delete_case(gone, Change { case: Some(gone), at: now(), who: "anna".into(), kind }).unwrap();
    let page = rows::page_of(gone.0.as_bytes());
    assert_eq!(store.trees.rows.get(page).unwrap(), None, "gone at once, not at the next load");
    assert_eq!(store.load_all(&route).unwrap().cases.len(), 2);
}
