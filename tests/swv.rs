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
    store.insert_plans(&demo::plans(&list, &config.route, &config.team, &tandem::strings::PLAN_WORDS)).unwrap();
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
            Team { name: t.config.school.name.clone(), key: key.key, gemeente: None }
        })
        .collect();
    SwvConfig { folder: Some(folder.to_path_buf()), teams, ..Default::default() }
}

fn at(minutes: i64) -> NaiveDateTime {
    now() + chrono::Duration::minutes(minutes)
}

#[test]
fn three_teams_round_trip_into_one_swv_store() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
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
    let identity = SwvIdentity::generate(common::now_utc());
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
    // Only a case whose dossier went along may carry its child's data; no other birth date leaves.
    let mut births = 0;
    for c in t.store.load_cases().unwrap().cases.iter().filter(|c| !shared.contains(&c.pupil_name())) {
        let birth = c.intake.birth_date;
        assert!(!text.contains(&birth.to_string()), "a birth date left: {birth}");
        assert!(!text.contains(&birth.format("%d-%m-%Y").to_string()), "a birth date left: {birth}");
        births += 1;
    }
    assert!(births > 20, "{births}");
}

#[test]
fn bad_files_are_refused_or_left_each_with_its_reason() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
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
    let other_swv = SwvIdentity::generate(common::now_utc());
    let stranger = team("Onbekend", 3, 5, tempfile::tempdir().unwrap().path(), &identity);
    let foreign_key = tandem::exports::signing_key(&stranger.store, "anna", now()).unwrap();
    put(
        "tandem-other-000001.bundle",
        &bundle::seal(b"{}", &foreign_key, &other_swv.recipient(), common::now_utc()).unwrap(),
    );
    put(
        "tandem-stranger-000001.bundle",
        &bundle::seal(b"{}", &foreign_key, &identity.recipient(), common::now_utc()).unwrap(),
    );
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
    let identity = SwvIdentity::generate(common::now_utc());
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

/// The payload of `team`'s next bundle (written to a scratch folder, then opened).
fn next_payload(t: &TeamHome, identity: &SwvIdentity) -> Payload {
    let written = tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    let key = tandem::exports::signing_key(&t.store, "anna", now()).unwrap();
    let (json, _) = bundle::open(&std::fs::read(&written.file).unwrap(), identity, &[key.public()]).unwrap();
    std::fs::remove_file(&written.file).unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// `json` signed with the team's own key and sealed for `recipient`: what a trusted team
/// (or anyone holding its key) can send.
fn signed(t: &TeamHome, json: &[u8], recipient: &str) -> Vec<u8> {
    let key = tandem::exports::signing_key(&t.store, "anna", now()).unwrap();
    bundle::seal(json, &key, recipient, common::now_utc()).unwrap()
}

fn backdate(file: &Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(file).unwrap().set_modified(old).unwrap();
}

/// Imports `folder` into a fresh SWV store; the outcome per file name.
fn import_each(
    folder: &Path,
    identity: &SwvIdentity,
    config: &SwvConfig,
) -> (tempfile::TempDir, Store, Vec<(String, Outcome)>) {
    let dir = tempfile::tempdir().unwrap();
    let store = swv_store(dir.path());
    let reports = swv::import_folder(&store, folder, identity, config, chrono::Local::now().naive_local()).unwrap();
    let named = reports.into_iter().map(|r| (r.file.file_name().unwrap().to_string_lossy().into_owned(), r.outcome));
    (dir, store, named.collect())
}

/// Every refusal the README promises, each with exactly its own reason, through a folder
/// import; none of them changes the store.
#[test]
fn signed_bundles_that_claim_too_much_or_the_wrong_thing_are_refused() {
    use tandem::domain::export::{MAX_CASES, OutOfBounds};
    use tandem::strings;
    let scratch = tempfile::tempdir().unwrap();
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let t = team("OBS Team M", 6, 8, scratch.path(), &identity);
    let config = trust(&[&t], sync.path());
    let good = next_payload(&t, &identity);
    let recipient = identity.recipient();
    let put = |name: &str, bytes: &[u8]| {
        let file = sync.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        file
    };
    let edited = |name: &str, edit: &dyn Fn(&mut Payload)| {
        let mut p = good.clone();
        p.bundle_id = uuid::Uuid::new_v4();
        edit(&mut p);
        put(name, &signed(&t, &serde_json::to_vec(&p).unwrap(), &recipient))
    };
    put("tandem-json-000001.bundle", &signed(&t, b"{\"format\": ", &recipient));
    edited("tandem-format-000001.bundle", &|p| p.format = "tandem-bundle/9".into());
    edited("tandem-recipient-000001.bundle", &|p| p.recipient = SwvIdentity::generate(common::now_utc()).recipient());
    edited("tandem-teamid-000001.bundle", &|p| p.team_id = "0123456789ABCDEF".into());
    edited("tandem-school-000001.bundle", &|p| p.school = "OBS Team A".into());
    edited("tandem-sequence-000001.bundle", &|p| p.sequence = 1_000_000_000_000);
    edited("tandem-zero-000001.bundle", &|p| p.sequence = 0);
    edited("tandem-cases-000001.bundle", &|p| {
        let one = p.cases[0].clone();
        p.cases = (0..=MAX_CASES)
            .map(|i| tandem::domain::export::CaseRecord { case: format!("c{i}"), ..one.clone() })
            .collect();
    });
    let full = signed(&t, &serde_json::to_vec(&good).unwrap(), &recipient);
    backdate(&put("tandem-cut-000001.bundle", &full[..full.len() / 2]));
    backdate(&put("tandem-empty-000001.bundle", b""));
    backdate(&put("tandem-zeros-000001.bundle", &vec![0u8; 4096]));
    // Sparse: gigabytes on paper, nothing on disk; refused without reading it.
    let sparse = put("tandem-sparse-000001.bundle", b"age-encryption.org/v1\n");
    std::fs::File::options().write(true).open(&sparse).unwrap().set_len(8 << 30).unwrap();

    let started = std::time::Instant::now();
    let (_dir, store, outcomes) = import_each(sync.path(), &identity, &config);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    let expected: Vec<(&str, String)> = vec![
        ("cases", strings::payload_bound(OutOfBounds::Cases)),
        ("cut", strings::BUNDLE_DAMAGED.to_string()),
        ("empty", strings::BUNDLE_STAYS_EMPTY.to_string()),
        ("format", strings::payload_format("tandem-bundle/9")),
        ("json", "unreadable".to_string()),
        ("recipient", strings::PAYLOAD_OTHER_RECIPIENT.to_string()),
        ("school", strings::payload_school_mismatch("OBS Team M", "OBS Team A")),
        ("sequence", strings::sequence_jump(1_000_000_000_000, 0)),
        ("sparse", strings::bundle_file_too_large(bundle::MAX_FILE / (1024 * 1024))),
        ("teamid", strings::payload_team_mismatch("OBS Team M")),
        ("zero", strings::sequence_jump(0, 0)),
        ("zeros", strings::BUNDLE_STAYS_EMPTY.to_string()),
    ];
    assert_eq!(outcomes.len(), expected.len(), "{outcomes:?}");
    for ((name, outcome), (what, why)) in outcomes.iter().zip(&expected) {
        assert_eq!(name, &format!("tandem-{what}-000001.bundle"));
        let Outcome::Refused(got) = outcome else { panic!("{name}: {outcome:?}") };
        if *what == "json" {
            let detail = got.strip_prefix("De bundel is goed ondertekend maar de inhoud is onleesbaar (").unwrap();
            assert!(detail.starts_with("EOF while parsing"), "{got}");
        } else {
            assert_eq!(got, why, "{name}");
        }
    }
    assert!(store.swv_records().unwrap().is_empty());
    assert!(store.swv_teams().unwrap().is_empty());
}

/// A bundle id seen before, with other content, through a folder import: the second file
/// is refused and the first one's records stay.
#[test]
fn a_reused_bundle_id_is_refused_in_a_folder_import() {
    let scratch = tempfile::tempdir().unwrap();
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let t = team("De Vlinder", 4, 9, scratch.path(), &identity);
    let config = trust(&[&t], sync.path());
    let first = next_payload(&t, &identity);
    let mut second = first.clone();
    second.sequence = 2;
    second.cases[0].revision += 5;
    second.cases[0].record.step = "S8".into();
    for (name, p) in [("tandem-A-000001.bundle", &first), ("tandem-A-000002.bundle", &second)] {
        std::fs::write(sync.path().join(name), signed(&t, &serde_json::to_vec(p).unwrap(), &identity.recipient()))
            .unwrap();
    }
    let (_dir, store, outcomes) = import_each(sync.path(), &identity, &config);
    assert!(matches!(outcomes[0].1, Outcome::Imported { newer: 4, older: 0, .. }), "{outcomes:?}");
    assert_eq!(outcomes[1].1, Outcome::Refused(tandem::strings::BUNDLE_ID_REUSED.into()));
    let records = store.swv_records().unwrap();
    assert!(records.iter().all(|r| r.record.step != "S8"), "nothing of the refused bundle was applied");
}

/// The school comes from the trust list: a payload's own spelling of the same name is
/// accepted, but the records are filed under the trusted name.
#[test]
fn records_are_filed_under_the_trusted_school_name() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let t = team("obs  de VLINDER", 3, 11, sync.path(), &identity);
    tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    let mut config = trust(&[&t], sync.path());
    config.teams[0].name = "OBS De Vlinder".into();
    let (_dir, store, outcomes) = import_each(sync.path(), &identity, &config);
    assert!(matches!(&outcomes[0].1, Outcome::Imported { school, .. } if school == "OBS De Vlinder"), "{outcomes:?}");
    let records = store.swv_records().unwrap();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.school == "OBS De Vlinder"));
    assert!(store.swv_teams().unwrap().iter().all(|(_, s)| s.school == "OBS De Vlinder"));
}

/// A store that holds a sequence number of 10^12 (an older tandem took it) reports the
/// missing ones as one range, and importing an empty folder stays instant.
#[test]
fn a_huge_sequence_number_costs_nothing_afterwards() {
    let scratch = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let t = team("De Vlinder", 2, 12, scratch.path(), &identity);
    let mut p = next_payload(&t, &identity);
    let dir = tempfile::tempdir().unwrap();
    let store = swv_store(dir.path());
    store.import_bundle(&p, "a", now()).unwrap();
    p.bundle_id = uuid::Uuid::new_v4();
    p.sequence = 1_000_000_000_000;
    store.import_bundle(&p, "b", now()).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let config = trust(&[&t], empty.path());
    let started = std::time::Instant::now();
    let reports = swv::import_folder(&store, empty.path(), &identity, &config, now()).unwrap();
    let teams = store.swv_teams().unwrap();
    assert!(reports.is_empty());
    assert_eq!(teams[0].1.gaps(), [(2, 999_999_999_999)]);
    assert!(started.elapsed() < std::time::Duration::from_millis(500), "{:?}", started.elapsed());
    assert!(
        tandem::strings::sequence_gap("De Vlinder", &teams[0].1.gaps()).contains("bundel 2–999999999999 ontbreekt")
    );
}

/// A case escalated to the SWV director with consent carries its dossier to the SWV.
#[test]
fn a_bundle_carries_the_dossier_of_a_case_escalated_to_the_director() {
    use tandem::domain::consent::{Consent, ConsentForm};
    use tandem::domain::escalation::{self, Ask, Domain, Level, Reason, Terms};
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let t = team("De Vlinder", 3, 13, sync.path(), &identity);
    let mut case = t.store.load_cases().unwrap().cases.remove(0);
    case.escalations.clear();
    let ask = Ask {
        reason: Reason::NoOffer,
        domain: Domain::Education,
        question: "Is er plaats op de school voor speciaal basisonderwijs?".into(),
        asked_by: "anna".into(),
        deciders: &[],
        terms: Terms::default(),
        gemeente: None,
    };
    let today = now().date();
    escalation::open(&mut case, Level::E2, &ask, today).unwrap();
    case.consents.push(Consent::by_all(
        escalation::SWV_PURPOSE,
        tandem::domain::consent::Decision::Given,
        ConsentForm::Written,
        &case.intake,
        today,
        "anna",
    ));
    let change = tandem::domain::history::Change {
        case: Some(case.id),
        at: now(),
        who: "anna".into(),
        kind: tandem::domain::history::ChangeKind::Escalated { level: Level::E2 },
    };
    t.store.save(&case, &change).unwrap();
    tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    let config = trust(&[&t], sync.path());
    let swv_dir = tempfile::tempdir().unwrap();
    let store = swv_store(swv_dir.path());
    swv::import_folder(&store, sync.path(), &identity, &config, at(2)).unwrap();
    let with_dossier: Vec<_> = store.swv_records().unwrap().into_iter().filter_map(|r| r.dossier).collect();
    assert_eq!(with_dossier.len(), 1, "{with_dossier:?}");
    assert_eq!(with_dossier[0].pupil, case.pupil_name());
    assert_eq!(with_dossier[0].rungs.len(), 1);
    assert_eq!(with_dossier[0].rungs[0].question, ask.question);
}

/// The dashboard runs through the keymap like every screen: its keys from the shipped
/// keymap (or the user's), and `?` shows them.
#[test]
fn the_dashboard_keys_come_from_the_keymap_and_question_mark_lists_them() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tandem::ui::app::{Input, Program};
    use tandem::ui::dashboard::{Dashboard, DashboardMsg, demo};
    use tandem::ui::keymap::Keymap;

    let draw = |dash: &Dashboard| {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| Program::draw(dash, f)).unwrap();
        terminal.backend().to_string()
    };
    let press = |dash: &mut Dashboard, code: KeyCode, mods: KeyModifiers| {
        dash.handle(DashboardMsg::Input(Input::Key(KeyEvent::new(code, mods))), now())
    };
    let key = |dash: &mut Dashboard, code: KeyCode| press(dash, code, KeyModifiers::NONE);
    let config = Config::demo().unwrap();
    let overrides = [("previous_period".to_string(), vec!["h".to_string()])].into();
    let mut dash = Dashboard::new(tandem::ui::theme::Theme { color: false }, Keymap::new(&overrides).unwrap(), now());
    assert!(!dash.handle(DashboardMsg::Loaded(Ok(demo(&config, now().date()))), now()));

    let current = dash.period;
    assert!(draw(&dash).contains(" h/→ ander halfjaar · ↑/↓ school · ? hulp · q stoppen"), "{}", draw(&dash));
    assert!(!key(&mut dash, KeyCode::Left), "left is no key of the dashboard any more");
    assert_eq!(dash.period, current);
    key(&mut dash, KeyCode::Char('h'));
    assert_eq!(dash.period, current.previous());
    key(&mut dash, KeyCode::Right);
    key(&mut dash, KeyCode::Right);
    assert_eq!(dash.period, current, "not past the current half-year");
    key(&mut dash, KeyCode::Char('j'));
    key(&mut dash, KeyCode::Down);
    assert_eq!(dash.selected, 2);
    key(&mut dash, KeyCode::Up);
    assert_eq!(dash.selected, 1);

    // ? lists every key of the dashboard with what it does, from the keymap.
    assert!(!key(&mut dash, KeyCode::Char('?')));
    let help = draw(&dash);
    assert!(help.contains(tandem::ui::text::context_title(tandem::ui::action::Context::Dashboard)), "{help}");
    for what in ["vorig halfjaar", "volgend halfjaar", "vorige school", "stoppen"] {
        assert!(help.contains(what), "{what} in\n{help}");
    }
    assert!(help.contains("h ") && help.contains("?/F1"), "the keys as mapped:\n{help}");
    // Esc closes the help without quitting; then q quits, and so does Ctrl-C.
    assert!(!key(&mut dash, KeyCode::Esc));
    assert!(!draw(&dash).contains("vorig halfjaar"));
    assert!(key(&mut dash, KeyCode::Char('q')));
    assert!(press(&mut dash, KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(key(&mut dash, KeyCode::Esc));
    // Any key closes the help without doing anything else, but Ctrl-C quits from it too.
    assert!(!key(&mut dash, KeyCode::Char('?')) && !key(&mut dash, KeyCode::Char('q')));
    assert!(!key(&mut dash, KeyCode::Char('?')));
    assert!(press(&mut dash, KeyCode::Char('c'), KeyModifiers::CONTROL));
}

#[test]
fn a_case_both_partners_export_counts_once_and_other_schools_cases_stay_home() {
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let ib = team("OBS De Linde", 6, 21, sync.path(), &identity);
    // The wijkteam partner's copy: the same six cases (synced), one of its own, and one of
    // another school it also works with.
    let wt = team("OBS De Linde", 1, 22, sync.path(), &identity);
    let shared = ib.store.load_cases().unwrap().cases;
    wt.store.insert_new(&shared, "anna", now()).unwrap();
    let mut elsewhere = demo::cases(1, 23, &wt.config.route, &wt.config.team, now().date()).remove(0);
    elsewhere.school = "De Klimop".into();
    wt.store.insert_new(&[elsewhere], "anna", now()).unwrap();

    for t in [&ib, &wt] {
        tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    }
    let config = trust(&[&ib, &wt], sync.path());
    let swv_dir = tempfile::tempdir().unwrap();
    let store = swv_store(swv_dir.path());
    let reports = swv::import_folder(&store, sync.path(), &identity, &config, at(2)).unwrap();
    assert!(reports.iter().all(|r| matches!(r.outcome, Outcome::Imported { .. })), "{reports:?}");
    let records = store.swv_records().unwrap();
    assert_eq!(records.len(), 6 + 1, "each shared case once, De Klimop's case not at all");
    assert!(records.iter().all(|r| r.school == "OBS De Linde"));
}

/// The count columns of a report row (REPORT_HEADERS), each as the CSV shows it.
fn shown_counts(f: &tandem::domain::figures::Figures) -> Vec<(usize, String)> {
    let shown = |n: u64| if (1..5).contains(&n) { "<5".to_string() } else { n.to_string() };
    let counts = [
        (1, f.started),
        (2, f.closed),
        (3, f.active),
        (4, f.joint_started),
        (5, f.plans_agreed),
        (7, f.escalations[0]),
        (8, f.escalations[1]),
        (9, f.escalations[2]),
        (10, f.resolved),
        (11, f.unresolved),
        (12, f.waiting),
        (14, f.meldcode),
        (15, f.thuiszitters),
    ];
    counts.into_iter().map(|(i, n)| (i, shown(n))).collect()
}

/// Four schools in three gemeenten (one written twice, in other case and spacing) export
/// bundles; the SWV imports them. Every row of the report, per school, per gemeente and
/// for the whole SWV, has what those schools' own stores hold, with counts from 1 to 4 as
/// "<5" and no share or mean from fewer than five; the reflections per gemeente are the
/// teams' own, and only their categories travelled.
#[test]
fn an_swv_with_three_gemeenten_reports_each_and_the_total_from_bundles() {
    use tandem::domain::export::{self, Period, Record};
    use tandem::domain::figures;
    let sync = tempfile::tempdir().unwrap();
    let identity = SwvIdentity::generate(common::now_utc());
    let specs = [
        ("OBS A", 60, "Overbetuwe"),
        ("CBS B", 14, " overbetuwe "),
        ("IKC C", 30, "Buren"),
        ("RKBS D", 8, "Neder-Betuwe"),
    ];
    let teams: Vec<TeamHome> = specs
        .iter()
        .enumerate()
        .map(|(i, (name, n, _))| team(name, *n, 40 + i as u64, sync.path(), &identity))
        .collect();
    for t in &teams {
        tandem::exports::bundle(&t.store, &t.config, at(1)).unwrap();
    }
    let mut config = trust(&teams.iter().collect::<Vec<_>>(), sync.path());
    for (team, (_, _, gemeente)) in config.teams.iter_mut().zip(&specs) {
        team.gemeente = Some(gemeente.to_string());
    }
    let swv_dir = tempfile::tempdir().unwrap();
    let store = swv_store(swv_dir.path());
    swv::import_folder(&store, sync.path(), &identity, &config, at(2)).unwrap();
    let records = store.swv_records().unwrap();
    let gemeenten = swv::Gemeenten::of(&config);
    let today = now().date();
    let period = Period::of(today);

    // What each team's own store gives, read there and not through the SWV.
    let own: Vec<Vec<Record>> = teams
        .iter()
        .map(|t| {
            let cases = t.store.load_cases().unwrap().cases;
            cases.iter().map(|c| export::record(c, &t.config.route, at(1).date())).collect()
        })
        .collect();
    let of = |schools: &[usize]| -> Vec<&Record> { schools.iter().flat_map(|i| own[*i].iter()).collect() };
    let expected: Vec<(&str, Vec<&Record>, &str)> = vec![
        ("IKC C", of(&[2]), "Buren"),
        ("Totaal Buren", of(&[2]), "Buren"),
        ("RKBS D", of(&[3]), "Neder-Betuwe"),
        ("Totaal Neder-Betuwe", of(&[3]), "Neder-Betuwe"),
        ("CBS B", of(&[1]), "Overbetuwe"),
        ("OBS A", of(&[0]), "Overbetuwe"),
        ("Totaal Overbetuwe", of(&[0, 1]), "Overbetuwe"),
        ("Totaal", of(&[0, 1, 2, 3]), ""),
    ];
    let tables = swv::report_tables(&records, period, &gemeenten);
    let csv = String::from_utf8(tandem::report::csv_report(&tables)).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(2).take(expected.len()).map(|l| l.split(';').collect()).collect();
    let mut suppressed = 0;
    for ((label, recs, gemeente), row) in expected.iter().zip(&rows) {
        assert_eq!(row[0], *label, "{csv}");
        assert_eq!(row[19], *gemeente, "the gemeente column, as the SWV first wrote it: {csv}");
        let f = figures::figures(recs.iter().copied(), period);
        for (i, want) in shown_counts(&f) {
            assert_eq!(row[i], want, "{label}, column {}: {csv}", tandem::strings::REPORT_HEADERS[i]);
            suppressed += usize::from(want == "<5");
        }
        // A share or a mean is there exactly when it rests on five or more.
        assert_eq!(row[6].is_empty(), f.in_time_percent().is_none(), "{label}: {csv}");
        assert_eq!(row[13].is_empty(), f.median_days().is_none(), "{label}: {csv}");
        for who in 0..3 {
            assert_eq!(row[16 + who].is_empty(), f.satisfaction(who).is_none(), "{label}: {csv}");
        }
    }
    assert!(suppressed > 0, "the small school shows small counts as <5: {csv}");
    let sheets: Vec<String> = swv::gemeente_tables(&records, period, &gemeenten).into_iter().map(|t| t.title).collect();
    assert_eq!(sheets, ["Buren", "Neder-Betuwe", "Overbetuwe"], "a sheet per gemeente");

    // Reflections: per gemeente what its teams recorded, categories only.
    let groups = swv::groups(&records, &gemeenten);
    let overbetuwe = groups.iter().find(|g| g.name == "Overbetuwe" && g.level == swv::Level::Gemeente).unwrap();
    let seen = figures::reflections(overbetuwe.records.iter().map(|r| &r.record), period);
    assert_eq!(seen, figures::reflections(of(&[0, 1]).into_iter(), period));
    let all_year: Vec<_> = (0..2).map(|k| if k == 0 { period } else { period.previous() }).collect();
    let recorded: u64 = all_year.iter().map(|p| figures::reflections(of(&[0, 1, 2, 3]).into_iter(), *p).recorded).sum();
    assert!(recorded > 0, "the demo teams record reflections at evaluation and closure");
    for (payload, json) in payloads(sync.path(), &identity, &config) {
        let text = String::from_utf8(json).unwrap();
        assert!(!text.contains("Wat kon beter"), "the free line stays in the team ({})", payload.school);
    }
}
