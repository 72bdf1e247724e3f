//! The scripting commands of the real binary (`demo`, `list`, `check`, `audit`,
//! `backup`, `restore`), each on its own temporary home.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{BIN, PASSPHRASE as PASS, tandem_cli as tandem};

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert!(out.status.success(), "exit {:?}\nstdout: {}\nstderr: {}", out.status, stdout(out), stderr(out));
}

/// Fails with one readable Dutch message: no panic, no backtrace hint.
#[track_caller]
fn assert_clean_failure(out: &Output) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected a failure; stdout: {}", stdout(out));
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(err.starts_with("tandem: "), "stderr: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "stderr: {err}");
}

fn demo_home(cases: usize) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    assert_ok(&tandem(home.path(), &["demo", "--cases", &cases.to_string(), "--seed", "1"]));
    home
}

fn sled_dir(home: &Path) -> PathBuf {
    home.join("data").join("store").join("db")
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%d-%m-%Y").is_ok() && s.len() == 10
}

#[test]
fn demo_then_list_prints_tab_separated_lines() {
    let home = tempfile::tempdir().unwrap();
    let out = tandem(home.path(), &["demo", "--cases", "25", "--seed", "2"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("25 verzonnen dossiers"), "{}", stdout(&out));

    let out = tandem(home.path(), &["list"]);
    assert_ok(&out);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 25, "{text}");
    let mut ids = std::collections::HashSet::new();
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 6, "{line:?}");
        assert!(!fields[5].trim().is_empty(), "the school, last: {line:?}");
        let id: uuid::Uuid = fields[0].parse().unwrap_or_else(|e| panic!("id in {line:?}: {e}"));
        assert!(ids.insert(id), "duplicate id in {line:?}");
        assert!(!fields[1].trim().is_empty(), "pupil in {line:?}");
        let groep: u8 = fields[2].parse().unwrap_or_else(|e| panic!("groep in {line:?}: {e}"));
        assert!((1..=8).contains(&groep), "groep in {line:?}");
        assert!(!fields[3].trim().is_empty(), "step in {line:?}");
        assert!(fields[4] == "-" || is_date(fields[4]), "due in {line:?}");
    }
}

#[test]
fn check_passes_on_a_good_store_and_fails_on_a_damaged_one() {
    // A damaged log: sled keeps a snapshot of where every page lives, written when the
    // store is opened; damage in the part it covers is noticed on the next open.
    let home = demo_home(50);
    let log = sled_dir(home.path()).join("db");
    let written = std::fs::metadata(&log).unwrap().len();
    let out = tandem(home.path(), &["check"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("in orde") && text.contains("50 dossiers"), "{text}");
    assert!(
        std::fs::read_dir(sled_dir(home.path())).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("snap.")),
        "sled wrote no snapshot; the damage below may go unnoticed"
    );
    overwrite(&log, written / 2, &garbage(400));
    for cmd in ["check", "list"] {
        let out = tandem(home.path(), &[cmd]);
        assert_clean_failure(&out);
        assert!(stderr(&out).contains("beschadigd"), "{cmd}: {}", stderr(&out));
        if cmd == "list" {
            assert!(out.stdout.is_empty(), "nothing listed from a damaged store: {}", stdout(&out));
        }
    }

    // A damaged `conf` (sled's own settings file): cut short, or garbled.
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 2] = [
        ("truncated", |conf| std::fs::OpenOptions::new().write(true).open(conf).unwrap().set_len(10).unwrap()),
        ("garbled", |conf| overwrite(conf, 5, b"##########")),
    ];
    for (what, damage) in damages {
        let home = demo_home(5);
        assert_ok(&tandem(home.path(), &["check"]));
        damage(&sled_dir(home.path()).join("conf"));
        for cmd in ["check", "list"] {
            let out = tandem(home.path(), &[cmd]);
            assert_clean_failure(&out);
            assert!(stderr(&out).contains("beschadigd"), "conf {what}, {cmd}: {}", stderr(&out));
        }
    }
}

/// Damage in the part of sled's log written since the last open (no snapshot covers it
/// yet) is taken by sled for a torn write at a crash and cut off without a word. The
/// store notices anyway: the schema key or the audit head went with it, and the anchor
/// file outside sled still names the newest entry. The damage is a comb over the whole
/// log, so that it reaches the newest records wherever sled put them: a single stretch
/// (even the log's second half) could fall on pages sled no longer reads, which leaves
/// the store whole, and did in one run of four.
#[test]
fn damage_in_the_newest_log_records_is_noticed() {
    let home = demo_home(50);
    let log = sled_dir(home.path()).join("db");
    let written = std::fs::metadata(&log).unwrap().len();
    for at in (0..written - 400).step_by(4096) {
        overwrite(&log, at, &garbage(400));
    }
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("beschadigd") || err.contains("ontbreken") || err.contains("klopt niet"), "{err}");
}

#[test]
fn broken_config_names_file_and_line() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "user = \"anna\"\n\n[school\nname = \"De Regenboog\"\n").unwrap();
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("config.toml") && err.contains("regel 3"), "{err}");
    // The store is not touched when the config is broken.
    assert!(!home.path().join("data").join("store").exists(), "check created a store despite the broken config");
}

#[test]
fn unknown_key_name_is_reported_at_start() {
    let home = demo_home(1);
    let config = home.path().join("config").join("config.toml");
    let good = std::fs::read_to_string(&config).unwrap();

    std::fs::write(&config, format!("{good}\n[keys]\nquit = [\"hyper-q\"]\n")).unwrap();
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("hyper-q"), "{}", stderr(&out));
    // Starting the TUI stops on it too, before the terminal is touched.
    let out = Command::new(BIN)
        .arg("--home")
        .arg(home.path())
        .env_remove("TANDEM_HOME")
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("hyper-q"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no terminal sequences written: {:?}", stdout(&out));

    std::fs::write(&config, format!("{good}\n[keys]\nquit = [\"n\"]\n")).unwrap();
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("\"quit\"") && err.contains("\"new_case\""), "{err}");
}

#[test]
fn tandem_home_env_works_like_home_flag() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["demo", "--cases", "2", "--seed", "3"])
        .env("TANDEM_HOME", home.path())
        .env("TANDEM_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(home.path().join("config").join("config.toml").is_file(), "demo config not under TANDEM_HOME");

    let out = tandem(home.path(), &["list"]);
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
}

/// The form the README documents: `tandem --home DIR COMMAND`.
#[test]
fn home_flag_before_the_subcommand_works() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("--home")
            .arg(home.path())
            .args(args)
            .env_remove("TANDEM_HOME")
            .env("TANDEM_PASSPHRASE", PASS)
            .output()
            .unwrap()
    };
    assert_ok(&run(&["demo", "--cases", "3", "--seed", "4"]));
    let out = run(&["list"]);
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 3);
    assert_ok(&run(&["check"]));
}

/// Deterministic junk that is not valid sled framing.
fn garbage(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31) ^ 0xA5).collect()
}

fn overwrite(file: &Path, offset: u64, bytes: &[u8]) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.write_all(bytes).unwrap();
    f.sync_all().unwrap();
}

#[test]
fn a_new_store_prints_its_recovery_code_once() {
    let home = tempfile::tempdir().unwrap();
    let out = tandem(home.path(), &["demo", "--cases", "1", "--seed", "5"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("Herstelcode"), "{text}");
    let again = stdout(&tandem(home.path(), &["demo", "--cases", "1", "--seed", "6"]));
    assert!(!again.contains("Herstelcode"), "shown only when the key is made: {again}");
}

#[test]
fn a_wrong_passphrase_is_refused_clearly() {
    let home = demo_home(2);
    let out = Command::new(BIN)
        .args(["list", "--home"])
        .arg(home.path())
        .env_remove("TANDEM_HOME")
        .env("TANDEM_PASSPHRASE", "niet de goede zin")
        .output()
        .unwrap();
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("onjuist"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "nothing is listed");
}

#[test]
fn the_passphrase_can_come_from_a_file() {
    let home = demo_home(3);
    let file = home.path().join("pass.txt");
    std::fs::write(&file, format!("{PASS}\n")).unwrap();
    set_mode(&file, 0o600);
    let out = list_with_passphrase_file(home.path(), &file);
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 3);
}

/// `tandem list` with the passphrase from `file` only.
fn list_with_passphrase_file(home: &Path, file: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(["list", "--home"])
        .arg(home)
        .env_remove("TANDEM_HOME")
        .env_remove("TANDEM_PASSPHRASE")
        .env("TANDEM_PASSPHRASE_FILE", file)
        .output()
        .unwrap()
}

fn set_mode(file: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_passphrase_file_others_can_read_is_refused_with_the_fix() {
    let home = demo_home(1);
    let file = home.path().join("pass.txt");
    std::fs::write(&file, format!("{PASS}\n")).unwrap();
    for mode in [0o644, 0o666, 0o640] {
        set_mode(&file, mode);
        let out = list_with_passphrase_file(home.path(), &file);
        assert_clean_failure(&out);
        let err = stderr(&out);
        assert!(err.contains("ook voor anderen leesbaar") && err.contains(&format!("{mode:o}")), "{err}");
        assert!(err.contains(&format!("chmod 600 {}", file.display())), "{err}");
        assert!(out.stdout.is_empty(), "nothing is listed");
    }
}

/// The store (db) is gone, but the anchor and a backup show there was one: every command
/// says so and names the backup, nothing starts empty, and `demo` writes nothing.
#[test]
fn a_missing_store_is_damage_and_the_newest_backup_is_offered() {
    let home = demo_home(3);
    let out = tandem(home.path(), &["backup"]);
    assert_ok(&out);
    let file = stdout(&out).trim().trim_start_matches("Back-up geschreven: ").to_string();
    std::fs::remove_dir_all(sled_dir(home.path())).unwrap();
    let anchor = home.path().join("data").join("store").join("anchor.json");
    let before = std::fs::read(&anchor).unwrap();
    for cmd in [&["check"][..], &["list"], &["audit", "verify"], &["backup"], &["demo", "--cases", "2", "--seed", "9"]]
    {
        let out = tandem(home.path(), cmd);
        assert_clean_failure(&out);
        let err = stderr(&out);
        assert!(err.contains("ontbreekt") && err.contains("geen nieuwe, lege opslag"), "{cmd:?}: {err}");
        let restore = format!("tandem --home {} restore {file}", home.path().display());
        assert!(err.contains(&restore), "{cmd:?} names the exact command: {err}");
        assert!(!err.contains("wachtwoordzin"), "{cmd:?}: no new passphrase offered: {err}");
        // `check` reports the routekaart and config first; nothing about a store.
        assert!(!stdout(&out).contains("store"), "{cmd:?}: {}", stdout(&out));
    }
    assert!(!sled_dir(home.path()).exists(), "no empty store was started");
    assert_eq!(std::fs::read(&anchor).unwrap(), before, "the anchor is untouched");
    assert_ok(&tandem(home.path(), &["restore", &file]));
    assert_eq!(stdout(&tandem(home.path(), &["list"])).lines().count(), 3);
}

/// Deleting or garbling the anchor no longer switches the rollback check off, and a
/// store put back to an older copy (anchor and all) is older than its newest backup.
#[test]
fn a_lost_anchor_or_a_rolled_back_store_is_reported() {
    let home = demo_home(3);
    let store_dir = home.path().join("data").join("store");
    let anchor = store_dir.join("anchor.json");
    let good = std::fs::read(&anchor).unwrap();
    std::fs::remove_file(&anchor).unwrap();
    for cmd in ["check", "list"] {
        let out = tandem(home.path(), &[cmd]);
        assert_clean_failure(&out);
        assert!(stderr(&out).contains("ontbreekt anchor.json"), "{cmd}: {}", stderr(&out));
        assert!(stderr(&out).contains("Er is geen back-up gevonden"), "{cmd}: {}", stderr(&out));
    }
    std::fs::write(&anchor, b"garbled").unwrap();
    let out = tandem(home.path(), &["list"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("anchor.json") && stderr(&out).contains("onleesbaar"), "{}", stderr(&out));
    std::fs::write(&anchor, &good).unwrap();

    // An old copy of the whole store, then more work and a backup, then the old copy back.
    let old = home.path().join("old-store");
    assert!(Command::new("cp").arg("-a").arg(&store_dir).arg(&old).status().unwrap().success());
    assert_ok(&tandem(home.path(), &["demo", "--cases", "2", "--seed", "8"]));
    let out = tandem(home.path(), &["backup"]);
    assert_ok(&out);
    let file = stdout(&out).trim().trim_start_matches("Back-up geschreven: ").to_string();
    std::fs::remove_dir_all(&store_dir).unwrap();
    std::fs::rename(&old, &store_dir).unwrap();
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("ouder dan de nieuwste back-up") && err.contains(&file), "{err}");
}

/// sled cannot open the damaged store: the newest good backup and the command are named.
#[test]
fn a_store_sled_cannot_open_names_the_newest_good_backup() {
    let home = demo_home(4);
    let out = tandem(home.path(), &["backup"]);
    assert_ok(&out);
    let file = stdout(&out).trim().trim_start_matches("Back-up geschreven: ").to_string();
    overwrite(&sled_dir(home.path()).join("conf"), 5, b"##########");
    for cmd in ["check", "list"] {
        let out = tandem(home.path(), &[cmd]);
        assert_clean_failure(&out);
        let err = stderr(&out);
        assert!(err.contains("beschadigd") && err.contains(&format!("restore {file}")), "{cmd}: {err}");
    }
    assert_ok(&tandem(home.path(), &["restore", &file]));
    assert_ok(&tandem(home.path(), &["check"]));
}

#[test]
fn audit_verify_backup_and_restore_by_command() {
    let home = demo_home(5);
    let out = tandem(home.path(), &["audit", "verify"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("audit: in orde (6 regels"), "{}", stdout(&out));

    let out = tandem(home.path(), &["backup"]);
    assert_ok(&out);
    let file = stdout(&out).trim().trim_start_matches("Back-up geschreven: ").to_string();
    assert!(Path::new(&file).exists(), "{file}");

    assert_ok(&tandem(home.path(), &["demo", "--cases", "4", "--seed", "7"]));
    assert_eq!(stdout(&tandem(home.path(), &["list"])).lines().count(), 9);
    let out = tandem(home.path(), &["restore", &file]);
    assert_ok(&out);
    assert_eq!(stdout(&tandem(home.path(), &["list"])).lines().count(), 5, "the store is as it was at the backup");
    assert_ok(&tandem(home.path(), &["check"]));

    // A file that is not a backup is refused and changes nothing.
    let junk = home.path().join("junk.backup");
    std::fs::write(&junk, "dit is geen back-up").unwrap();
    let out = tandem(home.path(), &["restore", junk.to_str().unwrap()]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("geen tandem-back-up"), "{}", stderr(&out));
    assert_eq!(stdout(&tandem(home.path(), &["list"])).lines().count(), 5);
}

#[test]
fn a_damaged_store_is_found_by_check_and_mended_by_restore() {
    let home = demo_home(6);
    let out = tandem(home.path(), &["backup"]);
    assert_ok(&out);
    let file = stdout(&out).trim().trim_start_matches("Back-up geschreven: ").to_string();
    let anchor = home.path().join("data").join("store").join("anchor.json");
    std::fs::write(&anchor, r#"{"seq":999,"hash":"00"}"#.replace("\"00\"", &format!("\"{}\"", "0".repeat(64))))
        .unwrap();
    let out = tandem(home.path(), &["check"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("laatste wijzigingen ontbreken"), "{}", stderr(&out));
    assert_ok(&tandem(home.path(), &["restore", &file]));
    let out = tandem(home.path(), &["check"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("6 dossiers"), "{}", stdout(&out));
}

/// The id and name of the first listed case whose step starts with `step`.
fn listed_case(home: &Path, step: &str) -> (String, String) {
    let out = tandem(home, &["list"]);
    assert_ok(&out);
    let list = stdout(&out);
    let line = list.lines().find(|l| l.split('\t').nth(3).is_some_and(|s| s.starts_with(step))).expect("a case");
    let cols: Vec<&str> = line.split('\t').collect();
    (cols[0].to_string(), cols[1].to_string())
}

#[test]
fn plan_export_writes_a_pdf_and_markdown_that_read_back() {
    let home = demo_home(40);
    let (id, name) = listed_case(home.path(), "S6");
    let pdf = home.path().join("plan.pdf");
    let md = home.path().join("plan.md");
    let out = tandem(
        home.path(),
        &["plan", "export", &id[..8], "--pdf", pdf.to_str().unwrap(), "--md", md.to_str().unwrap()],
    );
    assert_ok(&out);
    assert!(stdout(&out).contains("plan.pdf"));

    let text =
        Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        name.as_str(),
        "Integraal plan van aanpak",
        "7. Doelen (SMART)",
        "13. Ondertekening",
        "Handtekening:",
        "pagina 1 van",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    let png = home.path().join("page");
    let render =
        Command::new("pdftoppm").args(["-png", "-r", "40", "-f", "1", "-l", "1"]).arg(&pdf).arg(&png).output().unwrap();
    assert!(render.status.success());
    let first = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("page 1 as PNG");
    assert!(std::fs::read(first).unwrap().starts_with(b"\x89PNG"));
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.starts_with("# Integraal plan van aanpak") && markdown.contains(&name));
}

#[test]
fn plan_export_mistakes_get_a_clear_message() {
    let home = demo_home(40);
    let (id, _) = listed_case(home.path(), "S6");
    let out = tandem(home.path(), &["plan", "export", &id[..8]]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("--pdf BESTAND"), "{}", stderr(&out));

    let out = tandem(home.path(), &["plan", "export", "ffffffff", "--md", "x.md"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("Geen dossier met id ffffffff"), "{}", stderr(&out));

    let (early, _) = listed_case(home.path(), "S1");
    let out = tandem(home.path(), &["plan", "export", &early, "--md", "x.md"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("nog geen plan van aanpak"), "{}", stderr(&out));

    // A file where a folder should be: not writable, even for root.
    let blocker = home.path().join("blocker");
    std::fs::write(&blocker, b"").unwrap();
    let target = blocker.join("plan.pdf");
    let out = tandem(home.path(), &["plan", "export", &id, "--pdf", target.to_str().unwrap()]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains(&format!("Kon {} niet schrijven", target.display())), "{}", stderr(&out));
}

#[cfg(unix)]
fn mode(file: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).unwrap().permissions().mode() & 0o777
}

#[test]
#[cfg(unix)]
fn agenda_writes_a_private_dated_file_never_over_the_last_and_refuses_a_childs_name() {
    use tandem::domain::escalation::{self, Ask, Level, Reason, Terms};
    let home = tempfile::tempdir().unwrap();
    assert_ok(&tandem(home.path(), &["demo", "--cases", "20", "--seed", "7"]));
    let first = tandem(home.path(), &["agenda"]);
    assert_ok(&first);
    assert!(stdout(&first).contains("E3-agenda geschreven") && stdout(&first).contains("niet versleuteld"));
    let paths = tandem::paths::Paths::under(home.path());
    let exports = paths.data_dir.join("exports");
    let files = |dir: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_ok(&tandem(home.path(), &["agenda"]));
    let written = files(&exports);
    assert_eq!(written.len(), 2, "the second agenda is written beside the first: {written:?}");
    assert!(written.iter().all(|n| n.starts_with("agenda-oggo-") && n.ends_with(".md")), "{written:?}");
    for name in &written {
        assert_eq!(mode(&exports.join(name)), 0o600, "{name}");
    }

    // An E3 question that names its child stops the agenda, saying where.
    let mut store = tandem::store::Store::open(&paths.store_dir()).unwrap();
    store.unlock(PASS.as_bytes()).unwrap();
    let quiet = store.load_cases().unwrap().cases.into_iter().find(|c| c.escalations.is_empty()).unwrap();
    let mut case = store.case(quiet.id).unwrap().unwrap();
    let name = case.intake.first_name.clone();
    let ask = Ask {
        reason: Reason::Absent,
        domain: escalation::Domain::Both,
        question: format!("{} zit thuis omdat er geen plek is", name.to_uppercase()),
        asked_by: "anna".into(),
        deciders: &[],
        terms: Terms::default(),
        gemeente: None,
    };
    let today = chrono::Local::now().date_naive();
    escalation::open(&mut case, Level::E3, &ask, today).unwrap();
    let change = tandem::domain::history::Change {
        case: Some(case.id),
        at: chrono::Local::now().naive_local(),
        who: "anna".into(),
        kind: tandem::domain::history::ChangeKind::Escalated { level: Level::E3 },
    };
    store.save(&case, &change).unwrap();
    drop(store);
    let refused = tandem(home.path(), &["agenda"]);
    assert_clean_failure(&refused);
    let err = stderr(&refused);
    let short = &case.id.0.simple().to_string()[..8];
    assert!(err.contains(&format!("noemt \"{name}\"")) && err.contains(short) && err.contains("E3"), "{err}");
    assert!(err.contains("pas de vraag aan met O in het dossier"), "it says how to fix it: {err}");
    assert_eq!(files(&exports).len(), 2, "nothing written");

    // --out writes where asked, but not over a file that is there.
    let out = home.path().join("agenda.md");
    std::fs::write(&out, "van eerder").unwrap();
    let mut store = tandem::store::Store::open(&paths.store_dir()).unwrap();
    store.unlock(PASS.as_bytes()).unwrap();
    let mut fixed = store.case(case.id).unwrap().unwrap();
    fixed.escalations.clear();
    store.save(&fixed, &change).unwrap();
    drop(store);
    assert_clean_failure(&tandem(home.path(), &["agenda", "--out", out.to_str().unwrap()]));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "van eerder");
    std::fs::remove_file(&out).unwrap();
    assert_ok(&tandem(home.path(), &["agenda", "--out", out.to_str().unwrap()]));
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("# Agenda bestuurlijk OGGO"));
    assert_eq!(mode(&out), 0o600);
}
