//! The export to the SWV end to end: three teams write bundles into one sync folder, the
//! SWV imports them; no name or note of a case without an SWV dossier leaves a team;
//! damaged, foreign and half-written files are refused or left, each with its reason.

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use common::{PASSPHRASE, now};
use tandem::bundle::{self, SwvIdentity};
use tandem::config::{Config, ExportSettings};
use tandem::domain::demo;
use tandem::domain::export::Payload;
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::swv::{self, Outcome, SwvConfig, Team};

struct TeamHome {
    store: Store,
    config: Config,
    names: Vec<String>,
    notes: Vec<String>,
    _dir: tempfile::TempDir,
}

/// A team with `cases` demo cases (seeded by `seed`) exporting to `folder` for `swv`.
fn team(name: &str, cases: usize, seed: u64, folder: &Path, swv: &SwvIdentity) -> TeamHome {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo().unwrap();
    config.school.name = name.into();
    config.export = Some(ExportSettings { folder: folder.to_path_buf(), recipient: swv.recipient() });
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    store.create_key(PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), "anna", now()).unwrap();
    let list = demo::cases(cases, seed, &config.route, &config.team, now().date());
    store.insert_new(&list, "anna", now()).unwrap();
    store.insert_plans(&demo::plans(&list, &config.route, &config.team)).unwrap();
    let names = list.iter().map(|c| c.pupil_name()).collect();
    let notes = list.iter().map(|c| c.intake.note.clone()).filter(|n| n.len() > 10).collect();
    TeamHome { store, config, names, notes, _dir: dir }
}

fn swv_store(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    store.create_key(PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), "swv", now()).unwrap();
    store
}

fn trust(teams: &[&TeamHome], folder: &Path) -> SwvConfig {
    let teams = teams
        .iter()
        .map(|t| {
            let key = tandem::exports::signing_key(&t.store, "anna", now()).unwrap().public();
            Team { name: t.config.school.name.clone(), key: key.key }
        })
        .collect();
    SwvConfig { folder: Some(folder.to_path_buf()), teams }
}

fn at(minutes: i64) -> NaiveDateTime {
    now() + chrono::Duration::minutes(minutes)
}

#[test]
fn three_teams_round_trip_into_one_swv_store() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate();
    let teams: Vec<TeamHome> =
        (0..3).map(|i| team(&format!("School {i}"), 30 + i * 5, i as u64 + 10, sync.path(), &identity)).collect();
    for t in &teams {
        let written = tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
        assert_eq!(written.sequence, 1);
    }
    let config = trust(&teams.iter().collect::<Vec<_>>(), sync.path());
    let swv_dir = tempfile::tempdir().unwrap();
    let store = swv_store(swv_dir.path());
    let reports = swv::import_folder(&store, sync.path(), &identity, &config, at(2)).unwrap();
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| matches!(r.outcome, Outcome::Imported { .. })), "{reports:?}");
    assert_eq!(store.swv_records().unwrap().len(), 30 + 35 + 40);
    assert_eq!(store.verify().unwrap().entries, 2, "the key, then one import on the SWV's audit trail");

    // Importing again changes nothing; a second export with one case changed updates one record.
    let again = swv::import_folder(&store, sync.path(), &identity, &config, at(3)).unwrap();
    assert!(again.iter().all(|r| r.outcome == Outcome::Again));
    let t = &teams[0];
    let mut case = t.store.load_cases().unwrap().cases.remove(0);
    case.intake.note = "bijgewerkt".into();
    let change =
        tandem::domain::history::Change::between(Some(&t.store.case(case.id).unwrap().unwrap()), &case, "anna", at(4))
            .unwrap();
    t.store.save(&case, &change).unwrap();
    tandem::exports::bundle(&t.store, &t.config, at(5)).unwrap();
    let third = swv::import_folder(&store, sync.path(), &identity, &config, at(6)).unwrap();
    let newer: Vec<usize> = third
        .iter()
        .filter_map(|r| match r.outcome {
            Outcome::Imported { newer, .. } => Some(newer),
            _ => None,
        })
        .collect();
    assert_eq!(newer, [1], "{third:?}");
    assert!(store.swv_teams().unwrap().iter().all(|(_, s)| s.gaps().is_empty()));
}

/// Every file in the folder, decrypted and opened as the SWV would.
fn payloads(folder: &Path, identity: &SwvIdentity, config: &SwvConfig) -> Vec<(Payload, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let (json, _) = bundle::open(&bytes, identity, &config.keys()).unwrap();
        out.push((serde_json::from_slice(&json).unwrap(), json));
    }
    out
}

#[test]
fn no_name_or_note_of_a_case_without_dossier_leaves_the_team() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate();
    let t = team("De Vlinder", 120, 3, sync.path(), &identity);
    tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    let config = trust(&[&t], sync.path());
    let (payload, json) = payloads(sync.path(), &identity, &config).remove(0);
    let text = String::from_utf8(json).unwrap();
    let shared: Vec<String> =
        payload.cases.iter().filter_map(|c| c.dossier.as_ref().map(|d| d.pupil.clone())).collect();
    let mut checked = 0;
    for name in t.names.iter().filter(|n| !shared.contains(n)) {
        // First names alone are too common to scan for; full names must never appear.
        if name.contains(' ') {
            assert!(!text.contains(name.as_str()), "{name} left the team");
            checked += 1;
        }
    }
    for note in &t.notes {
        assert!(!text.contains(note.as_str()), "a note left the team: {note}");
    }
    assert!(checked > 20, "{checked}");
    for c in &t.store.load_cases().unwrap().cases {
        let birth = c.intake.birth_date.to_string();
        assert!(!text.contains(&birth) || payload.cases.iter().any(|p| p.dossier.is_some()), "a birth date left");
    }
}

#[test]
fn bad_files_are_refused_or_left_each_with_its_reason() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate();
    let t = team("De Vlinder", 10, 4, sync.path(), &identity);
    let good = tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap().file;
    let bytes = std::fs::read(&good).unwrap();
    let config = trust(&[&t], sync.path());
    let put = |name: &str, data: &[u8]| -> PathBuf {
        let p = sync.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    // Another SWV's bundle, an unknown team's bundle, damage, half-written, empty, garbage.
    let other_swv = SwvIdentity::generate();
    let stranger = team("Onbekend", 3, 5, tempfile::tempdir().unwrap().path(), &identity);
    let foreign_key = tandem::exports::signing_key(&stranger.store, "anna", now()).unwrap();
    put("tandem-other-000001.bundle", &bundle::seal(b"{}", &foreign_key, &other_swv.recipient()).unwrap());
    put("tandem-stranger-000001.bundle", &bundle::seal(b"{}", &foreign_key, &identity.recipient()).unwrap());
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 40] ^= 0x55;
    let tampered = put("tandem-tampered-000001.bundle", &flipped);
    // Broken for longer than a sync tool takes: damaged, not still arriving.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&tampered).unwrap().set_modified(old).unwrap();
    put("tandem-half-000001.bundle", &bytes[..bytes.len() / 2]);
    put("tandem-empty-000001.bundle", b"");
    put("tandem-garbage-000001.bundle", b"dit is geen bundel maar gewoon tekst\n");
    put("tandem-AB-000001.sync-conflict-20261123-101010-XYZ.bundle", &bytes);
    put(".tandem-AB-000002.bundle.tmp", &bytes[..10]);

    let swv_dir = tempfile::tempdir().unwrap();
    let store = swv_store(swv_dir.path());
    let reports =
        swv::import_folder(&store, sync.path(), &identity, &config, chrono::Local::now().naive_local()).unwrap();
    let of = |needle: &str| -> Outcome {
        reports
            .iter()
            .find(|r| r.file.to_string_lossy().contains(needle))
            .map(|r| r.outcome.clone())
            .unwrap_or_else(|| panic!("{needle}: {reports:?}"))
    };
    let refused = |needle: &str| match of(needle) {
        Outcome::Refused(why) => why,
        other => panic!("{needle}: {other:?}"),
    };
    let messages = [refused("other"), refused("stranger"), refused("tampered"), refused("garbage")];
    for (i, a) in messages.iter().enumerate() {
        for b in &messages[i + 1..] {
            assert_ne!(a, b, "each refusal has its own reason");
        }
    }
    assert_eq!(of("half"), Outcome::Waiting, "a half-written file is left until complete");
    assert_eq!(of("empty"), Outcome::Waiting);
    assert_eq!(of("sync-conflict"), Outcome::Conflict);
    assert_eq!(of(".tmp"), Outcome::Waiting);
    assert!(matches!(of(&good.file_name().unwrap().to_string_lossy()), Outcome::Imported { .. }));
    assert_eq!(store.swv_records().unwrap().len(), 10, "only the good bundle was applied");
}

#[test]
fn the_export_key_in_the_list_writes_a_bundle() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate();
    let mut h = common::Harness::with_cases(20, 100, 30);
    h.model.config.export = Some(ExportSettings { folder: sync.path().to_path_buf(), recipient: identity.recipient() });
    h.key(crossterm::event::KeyCode::Char('E'));
    assert!(h.text().contains("Gaat mee: 20 dossiers als cijfers"), "{}", h.text());
    h.key(crossterm::event::KeyCode::Enter);
    let files: Vec<PathBuf> = std::fs::read_dir(sync.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert!(h.text().contains("Bundel 1 geschreven"), "{}", h.text());
    let key = tandem::exports::signing_key(&h.store, "anna", now()).unwrap().public();
    let (json, _) = bundle::open(&std::fs::read(&files[0]).unwrap(), &identity, &[key]).unwrap();
    let payload: Payload = serde_json::from_slice(&json).unwrap();
    assert_eq!((payload.sequence, payload.cases.len()), (1, 20));

    // Without export settings the screen says what to set up.
    h.key(crossterm::event::KeyCode::Esc);
    h.model.config.export = None;
    h.key(crossterm::event::KeyCode::Char('E'));
    assert!(h.text().contains("[export]"), "{}", h.text());
    h.key(crossterm::event::KeyCode::Enter);
    assert!(h.text().contains("nog geen export ingesteld"), "{}", h.text());
}
