//! The case list with 10,000 cases: drawing, filtering, loading from sled, and the real
//! binary from process start to the first frame that shows the loaded list.
//!
//! Targets: first frame < 150 ms, list draw < 2 ms, filter keystroke < 5 ms, RSS < 60 MB.
//!
//! Run with `cargo build --release && cargo bench --bench case_list`; the last group needs
//! the release binary (it is skipped with a message when it is missing).

use std::hint::black_box;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tandem::config::Config;
use tandem::domain::case::Case;
use tandem::domain::demo;
use tandem::store::crypto::KdfParams;
use tandem::store::{Loaded, Store};
use tandem::ui::keymap::Keymap;
use tandem::ui::model::{Model, Msg};
use tandem::ui::theme::Theme;
use tandem::ui::view;
use tandem::ui::worker::Reply;

const CASES: usize = 10_000;
const PASS: &[u8] = b"bench passphrase";
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// What the title bar says once the list is loaded.
const LOADED_TEXT: &str = "10000 dossiers";
/// Give up on one start of the binary after this long.
const START_DEADLINE: Duration = Duration::from_secs(20);
/// Measures a whole session's peak memory, when installed.
const GNU_TIME: &str = "/usr/bin/time";

fn fixed_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date")
}

fn config() -> Config {
    Config::demo().expect("demo config")
}

fn demo_cases(config: &Config) -> Vec<Case> {
    demo::cases(CASES, 1, &config.route, &config.team, fixed_now().date())
}

fn empty_model(config: Config) -> Model {
    let keymap = Keymap::new(&config.keys).expect("default keymap");
    Model::new(config, keymap, Theme { color: true }, false, false, None, fixed_now())
}

/// A model with every case loaded, as after the worker's first reply, sized 120×40.
fn loaded_model() -> Model {
    let config = config();
    let cases = demo_cases(&config);
    let mut model = empty_model(config);
    feed(&mut model, cases);
    model.update(Msg::Resize(WIDTH, HEIGHT), fixed_now());
    assert_eq!(model.visible.len(), CASES);
    model
}

fn feed(model: &mut Model, cases: Vec<Case>) {
    model.update(Msg::Reply(Reply::Loaded(Ok(Loaded { cases, damaged: vec![], drafts: vec![] }))), fixed_now());
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test terminal")
}

fn draw(terminal: &mut Terminal<TestBackend>, model: &Model) {
    terminal.draw(|f| view::draw(model, f)).expect("draw");
}

fn in_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("case_list");
    group.sample_size(50).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));

    // 1. One frame of the list at 120×40.
    let model = loaded_model();
    let mut term = terminal();
    draw(&mut term, &model);
    group.bench_function("draw_list_120x40", |b| b.iter(|| draw(&mut term, black_box(&model))));

    // 2. One filter keystroke: with "s" already typed, alternately type "e" (→ "se") and
    //    erase it again (→ "s"). Every iteration is exactly one keystroke; both refilter all
    //    10,000 rows.
    let mut model = loaded_model();
    model.update(key(KeyCode::Char('/')), fixed_now());
    model.update(key(KeyCode::Char('s')), fixed_now());
    assert!(model.list.filtering && model.list.filter == "s", "filter mode did not start");
    let only_s = model.visible.len();
    model.update(key(KeyCode::Char('e')), fixed_now());
    assert_eq!(model.list.filter, "se");
    let se = model.visible.len();
    model.update(key(KeyCode::Backspace), fixed_now());
    assert_eq!((model.list.filter.as_str(), model.visible.len()), ("s", only_s), "Backspace did not erase");
    eprintln!("filter: \"s\" matches {only_s} of {CASES} cases, \"se\" matches {se}");

    let mut typed = false;
    let mut keystroke = |model: &mut Model| {
        let code = if typed { KeyCode::Backspace } else { KeyCode::Char('e') };
        typed = !typed;
        black_box(model.update(key(code), fixed_now()));
    };
    group.bench_function("filter_keystroke", |b| b.iter(|| keystroke(&mut model)));
    // What the user waits for: the keystroke plus the frame drawn after it.
    let mut term = terminal();
    group.bench_function("filter_keystroke_and_draw_120x40", |b| {
        b.iter(|| {
            keystroke(&mut model);
            draw(&mut term, &model);
        })
    });

    // The escalation overview: every open escalation of 10,000 cases, sorted, one frame.
    let mut model = loaded_model();
    model.update(key(KeyCode::Char('O')), fixed_now());
    let open = model.overview_rows().len();
    eprintln!("escalation overview: {open} open escalations among {CASES} cases");
    let mut term = terminal();
    group.bench_function("escalation_overview_frame_120x40", |b| b.iter(|| draw(&mut term, black_box(&model))));

    // Part of the start: turning the worker's 10,000 cases into sorted list rows.
    let config = config();
    let cases = demo_cases(&config);
    group.bench_function("apply_loaded_10000_cases", |b| {
        b.iter_batched(
            || (empty_model(config.clone()), cases.clone()),
            |(mut model, cases)| {
                feed(&mut model, cases);
                model
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn store(c: &mut Criterion) {
    // 3. The load on a real sled store, filled once before measuring.
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    let config = config();
    {
        let mut store = Store::open(&store_dir).expect("open store");
        store.create_key(PASS, KdfParams::cheap().expect("kdf"), &config.user, fixed_now()).expect("key");
        store.insert_new(&demo_cases(&config), &config.user, fixed_now()).expect("insert cases");
    }
    // Reopened, so the first read comes from the files rather than from sled's cache.
    let mut store = Store::open(&store_dir).expect("reopen store");
    store.unlock(PASS).expect("unlock");
    let route = &config.route;
    let started = Instant::now();
    let first = store.load_all(route).expect("load cases");
    eprintln!("first load after open, making the light rows: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    assert_eq!(first.cases.len(), CASES);

    let mut group = c.benchmark_group("case_list");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    // The cases loaded are dropped outside the timing: at start there is nothing to drop,
    // and on a reload the screens hand the old ones to the worker (`Job::Discard`).
    // What the screens load (light rows), and as the baseline every case decoded whole.
    group.bench_function("load_10000_cases", |b| b.iter_with_large_drop(|| store.load_all(route).expect("load cases")));
    group.bench_function("load_10000_full_cases", |b| {
        b.iter_with_large_drop(|| store.load_cases().expect("load cases"))
    });
    group.finish();
    let mut drops: Vec<Duration> = (0..5)
        .map(|_| {
            let loaded = store.load_all(route).expect("load cases");
            let started = Instant::now();
            drop(black_box(loaded));
            started.elapsed()
        })
        .collect();
    drops.sort();
    eprintln!("dropping 10,000 loaded cases (on the worker): {:.0} ms (median of 5)", drops[2].as_secs_f64() * 1e3);
    drop(store);
}

fn binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/tandem")
}

fn start_to_first_frame(c: &mut Criterion) {
    // 4. The real binary in a pseudo-terminal, from spawn to the loaded list on screen.
    let bin = binary();
    if !bin.is_file() {
        eprintln!(
            "SKIPPED case_list/start_to_first_frame: {} does not exist; run `cargo build --release` first.",
            bin.display()
        );
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(&bin)
        .arg("--home")
        .arg(home.path())
        .args(["demo", "--cases", &CASES.to_string()])
        .env_remove("TANDEM_HOME")
        .env("TANDEM_PASSPHRASE", std::str::from_utf8(PASS).unwrap_or_default())
        .output()
        .expect("run tandem demo");
    assert!(out.status.success(), "tandem demo failed: {}", String::from_utf8_lossy(&out.stderr));

    let (mut loaded_rss_kb, mut session_rss_kb) = (0, None::<u64>);
    let mut loaded = Vec::new();
    let mut group = c.benchmark_group("case_list");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("start_to_first_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let run = start_once(&bin, home.path());
                total += run.first_frame;
                loaded.push(run.loaded);
                loaded_rss_kb = loaded_rss_kb.max(run.loaded_rss_kb);
                session_rss_kb = session_rss_kb.max(run.session_rss_kb);
            }
            total
        })
    });
    group.finish();
    loaded.sort();
    if let Some(median) = loaded.get(loaded.len() / 2) {
        eprintln!("start to unlocked, loaded list (median of {}): {:.0} ms", loaded.len(), median.as_secs_f64() * 1e3);
    }
    eprintln!(
        "peak RSS at the loaded list: {} MB (VmHWM of tandem with {CASES} cases, highest over all runs)",
        loaded_rss_kb / 1024
    );
    match session_rss_kb {
        Some(kb) => eprintln!("peak RSS of the whole session, quitting and its backup included: {} MB", kb / 1024),
        None => eprintln!("peak RSS of the whole session: not measured ({GNU_TIME} is missing)"),
    }
}

struct Run {
    /// Until the first frame (the unlock screen, unlocking with the passphrase given).
    first_frame: Duration,
    /// Until the list shows every case: includes Argon2 (calibrated to ~0.5 s) and loading.
    loaded: Duration,
    /// VmHWM once the list shows.
    loaded_rss_kb: u64,
    /// The peak over the whole session, quitting (and its backup) included; None without GNU time.
    session_rss_kb: Option<u64>,
}

/// Starts tandem once at 120×40, waits for the loaded list, reads its peak RSS, quits it.
fn start_once(bin: &Path, home: &Path) -> Run {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};

    let pair = native_pty_system()
        .openpty(PtySize { rows: HEIGHT, cols: WIDTH, pixel_width: 0, pixel_height: 0 })
        .expect("open pty");
    // GNU time reports the peak of the whole session, the backup at quit included.
    let peak_file = home.join("peak-rss-kb");
    let timed = Path::new(GNU_TIME).is_file();
    let mut cmd = if timed {
        let mut cmd = CommandBuilder::new(GNU_TIME);
        cmd.args(["-f", "%M", "-o"]);
        cmd.arg(&peak_file);
        cmd.arg(bin);
        cmd
    } else {
        CommandBuilder::new(bin)
    };
    cmd.arg("--home");
    cmd.arg(home);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TANDEM_PASSPHRASE", std::str::from_utf8(PASS).unwrap_or_default());
    cmd.env_remove("TANDEM_HOME");
    cmd.env_remove("NO_COLOR");
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let mut writer = pair.master.take_writer().expect("pty writer");

    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("spawn tandem");
    // Our copy of the slave end must go, or the reader never sees the end of output.
    drop(pair.slave);

    // The reader blocks, so it gets its own thread; it ends when the child has exited.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let reader_thread = std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });

    let mut screen = vt100::Parser::new(HEIGHT, WIDTH, 0);
    let mut first_frame = None;
    let loaded = loop {
        let left = START_DEADLINE.checked_sub(started.elapsed()).unwrap_or_default();
        let chunk = match rx.recv_timeout(left) {
            Ok(chunk) => chunk,
            Err(e) => {
                let _ = child.kill();
                panic!("tandem did not show \"{LOADED_TEXT}\" ({e:?}); screen:\n{}", screen.screen().contents());
            }
        };
        // Answer a cursor-position query, should the terminal library ask one.
        if chunk.windows(4).any(|w| w == b"\x1b[6n") {
            let _ = writer.write_all(b"\x1b[1;1R").and_then(|()| writer.flush());
        }
        screen.process(&chunk);
        if first_frame.is_none() && screen.screen().contents().contains("tandem") {
            first_frame = Some(started.elapsed());
        }
        if screen.screen().contents().contains(LOADED_TEXT) {
            break started.elapsed();
        }
    };

    let pid = child.process_id().expect("child pid");
    let tandem = if timed { only_child(pid).expect("tandem under time") } else { pid };
    let loaded_rss_kb = vm_hwm_kb(tandem).unwrap_or(0);
    writer.write_all(b"q").and_then(|()| writer.flush()).expect("send q");
    let status = child.wait().expect("wait for tandem");
    assert!(status.success(), "tandem exited with {status:?}");
    drop(writer);
    drop(pair.master);
    let _ = reader_thread.join();
    let session_rss_kb = std::fs::read_to_string(&peak_file).ok().and_then(|s| s.trim().parse().ok());
    Run { first_frame: first_frame.unwrap_or(loaded), loaded, loaded_rss_kb, session_rss_kb }
}

/// The one child process of `pid` (Linux only).
fn only_child(pid: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// The peak resident set size of a process in kB, from /proc (Linux only).
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

criterion_group!(benches, in_memory, store, start_to_first_frame);
criterion_main!(benches);
