//! Store tests against real sled in temporary directories.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;
use crate::config::Config;
use crate::domain::case::Field;
use crate::domain::demo;
use crate::domain::history::ChangeKind;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
}

fn cases(n: usize) -> Vec<Case> {
    let config = Config::demo().unwrap();
    demo::cases(n, 3, &config.route, &config.team, now().date())
}

fn created(case: &Case) -> Change {
    Change { case: case.id, at: now(), who: "anna".into(), kind: ChangeKind::Created }
}

fn new_case() -> Case {
    let mut case = cases(1).remove(0);
    case.revision = 0;
    case
}

#[test]
fn saves_bump_the_revision_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case();
    {
        let store = Store::open(dir.path()).unwrap();
        let saved = store.save(&case, &created(&case)).unwrap();
        assert_eq!(saved.revision, 1);
        let mut edited = saved.clone();
        edited.intake.note = "Gesprek gepland.".into();
        let change = Change::between(Some(&saved), &edited, "youssef", now()).unwrap();
        assert_eq!(store.save(&edited, &change).unwrap().revision, 2);
    }
    let store = Store::open(dir.path()).unwrap();
    let loaded = store.load_cases().unwrap();
    assert!(loaded.damaged.is_empty());
    assert_eq!(loaded.cases.len(), 1);
    assert_eq!(loaded.cases[0].revision, 2);
    assert_eq!(loaded.cases[0].intake.note, "Gesprek gepland.");
    let history = store.history(case.id).unwrap();
    let kinds: Vec<&ChangeKind> = history.iter().map(|c| &c.kind).collect();
    assert_eq!(kinds, [&ChangeKind::Created, &ChangeKind::Edited { fields: vec![Field::Note] }]);
    assert_eq!(history[1].who, "youssef");
    assert_eq!(store.verify().unwrap(), (1, 2));
}

#[test]
fn a_stale_revision_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case = new_case();
    let saved = store.save(&case, &created(&case)).unwrap();
    // Saving the revision-0 copy again would overwrite revision 1: refused.
    assert!(matches!(store.save(&case, &created(&case)), Err(StoreError::Conflict)));
    assert_eq!(store.case(case.id).unwrap(), Some(saved));
    assert_eq!(store.history(case.id).unwrap().len(), 1);
}

#[test]
fn histories_stay_apart_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let list = cases(30);
    store.insert_new(&list, "anna", now()).unwrap();
    assert_eq!(store.load_cases().unwrap().cases.len(), 30);
    for case in &list {
        let h = store.history(case.id).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].case, case.id);
    }
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
        let meta = store.db.open_tree("meta").unwrap();
        meta.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
        store.db.flush().unwrap();
    }
    let err = Store::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found } if found == SCHEMA_VERSION + 1));
    assert!(err.to_string().contains("nieuwere tandem"));
}

#[test]
fn a_damaged_record_is_reported_and_the_rest_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let list = cases(5);
    store.insert_new(&list, "anna", now()).unwrap();
    let key = list[2].id.0.as_bytes();
    let mut value = store.cases.get(key).unwrap().unwrap().to_vec();
    let mid = value.len() / 2;
    value[mid] ^= 0xff;
    store.cases.insert(key, value).unwrap();

    let loaded = store.load_cases().unwrap();
    assert_eq!(loaded.cases.len(), 4);
    assert_eq!(loaded.damaged.len(), 1);
    assert_eq!(loaded.damaged[0].0, hex(key));
    assert!(matches!(store.verify(), Err(StoreError::Record { .. })));
    assert!(matches!(store.case(list[2].id), Err(StoreError::Record { .. })));
}

#[test]
fn a_newer_record_says_so_instead_of_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let case = new_case();
    store.cases.insert(case.id.0.as_bytes(), &b"\x01{\"v\":9,\"data\":{\"whatever\":1}}"[..]).unwrap();
    let err = store.case(case.id).unwrap_err().to_string();
    assert!(err.contains("nieuwer"), "{err}");
}

#[test]
fn garbage_in_the_database_file_is_damage_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_new(&cases(200), "anna", now()).unwrap();
    }
    // sled keeps its config in db/conf; garbling it makes sled refuse (or panic on) open.
    std::fs::write(dir.path().join("db").join("conf"), b"\x00garbage\xff\xfe").unwrap();
    let err = Store::open(dir.path()).err().expect("a garbled store must not open");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().contains("beschadigd"));
}
