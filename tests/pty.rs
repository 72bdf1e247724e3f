//! The real binary in a pseudo-terminal: what a user sees and types, start to exit.
//! A vt100 parser fed from the pty plays the terminal; every spawn gets its own
//! `--home` so nothing touches the real user directories.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

mod common;

use common::{BIN, PASSPHRASE as PASS, tandem_cli as cli};
const TIMEOUT: Duration = Duration::from_secs(10);
/// Between keys that a terminal reader could merge into one escape sequence.
const KEY_GAP: Duration = Duration::from_millis(150);

const TAB: &[u8] = b"\t";
const RIGHT: &[u8] = b"\x1b[C";
const CTRL_S: &[u8] = b"\x13";

/// One tandem in a pseudo-terminal.
struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, unparsed.
    raw: Arc<Mutex<Vec<u8>>>,
    reader_done: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    // Kept open for the child's lifetime: dropping the master hangs up the terminal.
    _master: Box<dyn MasterPty + Send>,
}

impl Tui {
    /// Starts `tandem ARGS` in a `cols`×`rows` terminal, with extra environment `env`.
    fn spawn(args: &[&str], env: &[(&str, &Path)], cols: u16, rows: u16) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("TANDEM_PASSPHRASE", PASS);
        cmd.env_remove("TANDEM_HOME");
        cmd.env_remove("NO_COLOR");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn tandem");
        // Only the child may hold the slave side, so the reader sees the end when it exits.
        drop(pair.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let reader_done = Arc::new(AtomicBool::new(false));
        let mut input = pair.master.try_clone_reader().expect("pty reader");
        let reader = {
            let (parser, raw, done) = (parser.clone(), raw.clone(), reader_done.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match input.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            parser.lock().unwrap().process(&buf[..n]);
                            raw.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                    }
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let writer = pair.master.take_writer().expect("pty writer");
        Tui { parser, raw, reader_done, reader: Some(reader), writer, child, _master: pair.master }
    }

    /// Starts the TUI on `home` at 100×30.
    fn start(home: &Path) -> Tui {
        Tui::spawn(&["--home", path_str(home)], &[], 100, 30)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Sends one key, then leaves a gap so the next key is read on its own.
    fn key(&mut self, bytes: &[u8]) {
        self.send(bytes);
        std::thread::sleep(KEY_GAP);
    }

    fn screen(&self) -> vt100::Screen {
        self.parser.lock().unwrap().screen().clone()
    }

    fn contents(&self) -> String {
        self.screen().contents()
    }

    fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until `text` is on screen; panics with the screen when it never comes.
    fn wait_for(&self, text: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.contents().contains(text) {
                return;
            }
            if start.elapsed() > timeout {
                panic!("waited {timeout:?} for {text:?}; the screen shows:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to end and for its last output to be parsed.
    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                break status;
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("tandem did not exit within {timeout:?}; the screen shows:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when the terminal hangs up; give it a moment to drain.
        let drained = Instant::now();
        while !self.reader_done.load(Ordering::SeqCst) && drained.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.reader_done.load(Ordering::SeqCst)
            && let Some(reader) = self.reader.take()
        {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // A failed test must not leave a tandem running (and holding its store lock).
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A home with the demo config and `cases` demo cases, written by the binary itself.
fn configured_home(cases: usize) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let out = cli(home.path(), &["demo", "--cases", &cases.to_string(), "--seed", "1"]);
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    home
}

fn today() -> String {
    chrono::Local::now().date_naive().format("%d-%m-%Y").to_string()
}

#[test]
fn case_survives_restart() {
    let home = configured_home(3);
    let mut tui = Tui::start(home.path());
    tui.wait_for("3 dossiers", TIMEOUT);

    tui.key(b"n");
    tui.wait_for("Nieuw dossier", TIMEOUT);
    // The pre-filled fields are there before anything is typed.
    tui.wait_for(&today(), TIMEOUT);

    tui.send(b"Pietje"); // Voornaam/initialen
    tui.wait_for("Pietje", TIMEOUT);
    tui.key(TAB);
    tui.send(b"Puk"); // Achternaam
    tui.wait_for("Puk", TIMEOUT);
    tui.key(TAB);
    tui.send(b"14-03-2017"); // Geboortedatum
    tui.wait_for("14-03-2017", TIMEOUT);
    tui.key(TAB);
    tui.key(RIGHT); // Groep: the first choice, groep 1
    tui.wait_for("◀ 1 ▶", TIMEOUT);
    tui.key(TAB);
    tui.key(RIGHT); // Gezag
    tui.wait_for("beide ouders", TIMEOUT);
    tui.key(TAB);
    tui.key(TAB); // Signaaldatum: today, kept
    tui.key(RIGHT); // Bron van signaal
    tui.wait_for("leerkracht", TIMEOUT);
    tui.key(TAB);
    tui.key(b"1"); // Domeinen: onderwijs
    tui.wait_for("[x] onderwijs", TIMEOUT);
    tui.key(TAB);
    tui.send(b"Komt vaak te laat."); // Korte notitie
    tui.wait_for("Komt vaak te laat.", TIMEOUT);
    // Casushouder, Huidige stap are pre-filled; Volgende actie vóór is optional.
    tui.key(CTRL_S);
    tui.wait_for("opgeslagen", TIMEOUT);
    tui.wait_for("4 dossiers", TIMEOUT);
    tui.key(b"q");
    let status = tui.wait_exit(TIMEOUT);
    assert!(status.success(), "exit status {status:?}");
    drop(tui);

    let mut tui = Tui::start(home.path());
    tui.wait_for("4 dossiers", TIMEOUT);
    tui.wait_for("Pietje Puk", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
    drop(tui);

    let out = cli(home.path(), &["list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let line = stdout.lines().find(|l| l.contains("Pietje Puk")).unwrap_or_else(|| panic!("no Pietje in:\n{stdout}"));
    assert_eq!(line.split('\t').nth(2), Some("1"), "groep 1: {line}");
}

#[test]
fn clean_exit_restores_terminal() {
    let home = configured_home(2);
    let mut tui = Tui::start(home.path());
    tui.wait_for("2 dossiers", TIMEOUT);
    assert!(tui.screen().alternate_screen(), "the TUI runs on the alternate screen");
    tui.key(b"q");
    let status = tui.wait_exit(TIMEOUT);
    assert!(status.success(), "exit status {status:?}");

    let screen = tui.screen();
    assert!(!screen.alternate_screen(), "still on the alternate screen after exit");
    assert!(!screen.hide_cursor(), "cursor still hidden after exit");
    let raw = tui.raw_output();
    assert!(raw.windows(8).any(|w| w == b"\x1b[?1049l"), "no 'leave alternate screen' sequence in the output");
    // Nothing but the terminal sequences: no panic text, no error message.
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("panicked") && !text.contains("tandem:"), "unexpected output: {text}");
}

#[test]
fn ctrl_c_in_a_form_quits_cleanly() {
    let home = configured_home(2);
    let mut tui = Tui::start(home.path());
    tui.wait_for("2 dossiers", TIMEOUT);
    tui.key(b"n");
    tui.wait_for("Voornaam", TIMEOUT);
    tui.key(b"\x03");
    let status = tui.wait_exit(TIMEOUT);
    assert!(status.success(), "exit status {status:?}");
    assert!(!tui.screen().alternate_screen(), "still on the alternate screen after exit");
}

#[test]
fn second_instance_gets_clear_message() {
    let home = configured_home(2);
    let mut tui = Tui::start(home.path());
    tui.wait_for("2 dossiers", TIMEOUT);

    let out = cli(home.path(), &["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a second tandem on the same store must refuse");
    assert!(stderr.contains("tandem is al geopend"), "stderr: {stderr}");
    // Nothing is damaged: no talk of backups or of calling the administrator.
    assert!(!stderr.contains("back-up"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "nothing listed: {}", String::from_utf8_lossy(&out.stdout));

    // The first one is unharmed and quits normally, after which the store is free again.
    tui.wait_for("2 dossiers", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
    let out = cli(home.path(), &["list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

/// `tandem passphrase`: the current one from the environment, the new one typed twice.
#[test]
fn the_passphrase_command_sets_a_new_one() {
    let home = configured_home(2);
    let mut tui = Tui::spawn(&["passphrase", "--home", path_str(home.path())], &[], 100, 30);
    let new = "een heel nieuwe zin";
    tui.wait_for("Nieuwe wachtwoordzin", TIMEOUT);
    tui.send(format!("{new}\r").as_bytes());
    tui.wait_for("Nog een keer", TIMEOUT);
    tui.send(format!("{new}\r").as_bytes());
    tui.wait_for("Wachtwoordzin gewijzigd", TIMEOUT);
    assert!(tui.wait_exit(TIMEOUT).success());
    let list = |passphrase: &str| {
        std::process::Command::new(BIN)
            .args(["list", "--home", path_str(home.path())])
            .env_remove("TANDEM_HOME")
            .env("TANDEM_PASSPHRASE", passphrase)
            .output()
            .unwrap()
    };
    assert!(!list(PASS).status.success(), "the old passphrase no longer opens it");
    let out = list(new);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

/// The store's database is gone (or sled cannot open it): the TUI names the problem and
/// the newest backup, offers no new passphrase, and Enter restores it.
#[test]
fn a_missing_store_offers_the_newest_backup_in_the_tui() {
    let home = configured_home(3);
    assert!(cli(home.path(), &["backup"]).status.success());
    std::fs::remove_dir_all(home.path().join("data").join("store").join("db")).unwrap();
    let mut tui = Tui::start(home.path());
    tui.wait_for("De gegevens zijn niet in orde", TIMEOUT);
    tui.wait_for("ontbreekt", TIMEOUT);
    tui.wait_for("Nieuwste goede back-up", TIMEOUT);
    assert!(!tui.contents().contains("Kies een wachtwoordzin"), "{}", tui.contents());
    tui.key(b"\r");
    tui.wait_for("Back-up teruggezet", TIMEOUT);
    tui.send(format!("{PASS}\r").as_bytes());
    tui.wait_for("3 dossiers", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
}

#[test]
fn too_small_terminal_says_so_and_q_quits() {
    let home = configured_home(1);
    let mut tui = Tui::spawn(&["--home", path_str(home.path())], &[], 60, 20);
    tui.wait_for("Venster te klein", TIMEOUT);
    tui.wait_for("60×20", TIMEOUT);
    tui.key(b"q");
    let status = tui.wait_exit(TIMEOUT);
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn demo_mode_is_marked() {
    let home = tempfile::tempdir().unwrap();
    // The demo keeps its throw-away store in the temp dir; point that at our own.
    let tmp = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(&["--home", path_str(home.path()), "--demo"], &[("TMPDIR", tmp.path())], 100, 30);
    tui.wait_for("DEMO", TIMEOUT);
    tui.wait_for("niets bewaard", TIMEOUT);
    tui.wait_for("60 dossiers", TIMEOUT);
    tui.key(b"q");
    let status = tui.wait_exit(TIMEOUT);
    assert!(status.success(), "exit status {status:?}");

    // Nothing kept: no config or data in the home, and the demo folder is gone.
    assert_eq!(entries(home.path()), Vec::<PathBuf>::new(), "the demo wrote into --home");
    assert_eq!(entries(tmp.path()), Vec::<PathBuf>::new(), "the demo left files behind");
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

/// Starts tandem on a home with `cases` cases and opens the one case that `filter` finds.
fn open_case(home: &Path, cases: usize, filter: &[u8]) -> Tui {
    let mut tui = Tui::start(home);
    tui.wait_for(&format!("{cases} dossiers"), TIMEOUT);
    tui.key(b"/");
    tui.send(filter);
    tui.wait_for("1 dossier", TIMEOUT);
    tui.key(b"\r");
    tui.wait_for("Route", TIMEOUT);
    tui
}

/// Starts tandem, finds the one case in S1 by filtering and opens its step.
fn open_step_of_case_in_s1(home: &Path) -> Tui {
    let mut tui = open_case(home, 3, b"verkennen");
    tui.key(b"w");
    tui.wait_for("Stap 2/9", TIMEOUT);
    tui
}

#[test]
fn a_step_being_typed_survives_a_killed_app() {
    let home = configured_home(3);
    // Open the case in S1 and start typing in its first field (a text field).
    let mut tui = open_step_of_case_in_s1(home.path());
    tui.key(b"\x15"); // Ctrl-U: clear the field
    tui.send(b"HALVERWEGE");
    tui.wait_for("HALVERWEGE", TIMEOUT);
    // Give the worker a moment for the last draft write, then kill without warning.
    std::thread::sleep(Duration::from_millis(300));
    tui.child.kill().unwrap();
    let _ = tui.child.wait();
    drop(tui);

    let mut tui = open_step_of_case_in_s1(home.path());
    tui.wait_for("HALVERWEGE", TIMEOUT);
    tui.key(b"\x1b");
    tui.wait_for("Route", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
}

/// Starts tandem and opens the plan of the one case in S4.
fn open_plan_of_case_in_s4(home: &Path) -> Tui {
    let mut tui = open_case(home, 10, b"analyse");
    tui.key(b"p");
    tui.wait_for("Integraal plan van aanpak", TIMEOUT);
    tui.key(b"\x1b[B"); // down: section 2
    tui.wait_for("De vraag, in hun eigen woorden", TIMEOUT);
    tui
}

#[test]
fn a_paste_into_the_plan_is_text_and_is_kept() {
    let home = configured_home(10);
    let mut tui = open_plan_of_case_in_s4(home.path());
    tui.key(b"\r");
    // A bracketed paste with characters that are shortcuts elsewhere (q quits, ? helps).
    tui.send(b"\x1b[200~Geplakt uit Word: q? caf\x65\xcc\x81\x1b[201~");
    tui.wait_for("Geplakt uit Word: q? café", TIMEOUT);
    tui.key(b"\x1b"); // leave the text: saved
    tui.key(b"\x1b"); // close the plan
    tui.wait_for("Route", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
    let raw = tui.raw_output();
    let has = |seq: &[u8]| raw.windows(seq.len()).any(|w| w == seq);
    assert!(has(b"\x1b[?2004h") && has(b"\x1b[?2004l"), "bracketed paste switched on and off again");
    drop(tui);

    let tui = open_plan_of_case_in_s4(home.path());
    tui.wait_for("Geplakt uit Word: q? café", TIMEOUT);
}

#[test]
fn the_swv_demo_dashboard_shows_and_changes_period() {
    let home = tempfile::tempdir().unwrap();
    let mut tui = Tui::spawn(&["swv", "--demo", "--home", path_str(home.path())], &[], 120, 40);
    tui.wait_for("SWV-monitor", TIMEOUT);
    tui.wait_for("E2 wacht op een besluit", TIMEOUT);
    tui.wait_for("Totaal", TIMEOUT);
    let period = |tui: &Tui| {
        tui.contents().lines().next().unwrap_or_default().trim().rsplit(' ').next().unwrap_or_default().to_string()
    };
    let before = period(&tui);
    tui.key(b"\x1b[D"); // left: the half-year before
    let start = std::time::Instant::now();
    while period(&tui) == before && start.elapsed() < TIMEOUT {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_ne!(period(&tui), before, "{}", tui.contents());
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
    assert_eq!(entries(home.path()), Vec::<PathBuf>::new(), "the demo writes nothing");
}

#[test]
fn a_partner_is_added_and_the_shared_folder_chosen_on_the_partner_screen() {
    let (home, partner) = (configured_home(2), configured_home(2));
    let config = partner.path().join("config/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("user = \"anna\""), "{text}");
    std::fs::write(&config, text.replace("user = \"anna\"", "user = \"youssef\"")).unwrap();
    let card = partner.path().join("kaart.txt");
    let out = cli(partner.path(), &["partner", "key"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&card, &out.stdout).unwrap();
    let share = tempfile::tempdir().unwrap();
    let folder = share.path().join("samen");

    let mut tui = Tui::start(home.path());
    tui.wait_for("2 dossiers", TIMEOUT);
    tui.key(b"T");
    tui.wait_for("Nog geen tandempartners", TIMEOUT);
    tui.key(b"n");
    tui.wait_for("Kaartbestand", TIMEOUT);
    tui.send(path_str(&card).as_bytes());
    tui.key(TAB);
    tui.send(b"Youssef El Amrani");
    tui.key(b"\r");
    tui.key(b"\r");
    tui.wait_for("Vingerafdruk vergelijken", TIMEOUT);
    tui.key(b"j");
    tui.wait_for("is toegevoegd als tandempartner", TIMEOUT);
    tui.wait_for("Youssef El Amrani", TIMEOUT);
    tui.key(b"e");
    tui.wait_for("Gedeelde map", TIMEOUT);
    tui.send(path_str(&folder).as_bytes());
    tui.key(b"\r");
    tui.key(b"\r");
    tui.wait_for("De gedeelde map is nu", TIMEOUT);
    tui.wait_for("↻ gesynchroniseerd", TIMEOUT);
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());

    let listed = cli(home.path(), &["partner", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Youssef El Amrani"));
    let written = std::fs::read_to_string(home.path().join("config/config.toml")).unwrap();
    assert!(written.contains("[sync]") && written.contains(path_str(&folder)), "{written}");
    let files: Vec<PathBuf> =
        entries(&folder).into_iter().filter(|p| p.extension().is_some_and(|e| e == "tandem")).collect();
    assert!(!files.is_empty(), "the first sync wrote the partner's changes into the folder");
}

/// Quitting a checked store leaves a backup (the screens' cases are dropped before it is
/// written, to keep the session's peak memory down; the backup must still be made).
#[test]
fn quitting_leaves_a_backup() {
    let home = configured_home(3);
    let backups = home.path().join("data").join("backups");
    let mut tui = Tui::start(home.path());
    tui.wait_for("3 dossiers", TIMEOUT);
    // The start-up check runs after the list shows; a backup is made only of a checked store.
    std::thread::sleep(Duration::from_secs(2));
    tui.key(b"q");
    assert!(tui.wait_exit(TIMEOUT).success());
    drop(tui);
    let files: Vec<_> = std::fs::read_dir(&backups).map(|d| d.flatten().collect()).unwrap_or_default();
    assert_eq!(files.len(), 1, "one backup in {}", backups.display());
    let out = cli(home.path(), &["check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
