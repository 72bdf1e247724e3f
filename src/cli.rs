//! The command line: start the TUI (own store or demo) and the scripting commands
//! `demo`, `list` and `check`. Every failure ends as one Dutch message and exit code 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::config::{self, Config, ConfigError};
use crate::domain::{date, demo, listing};
use crate::paths::Paths;
use crate::store::{Store, StoreError};
use crate::strings;
use crate::ui::app::{self, Launch};
use crate::ui::keymap::{Keymap, KeymapError};

#[derive(Debug, Parser)]
#[command(name = "tandem", version, about = strings::CLI_ABOUT)]
pub struct Cli {
    /// Map voor config en gegevens (anders de mappen van het besturingssysteem).
    #[arg(long, env = "TANDEM_HOME", global = true, value_name = "MAP")]
    home: Option<PathBuf>,
    /// Open een wegwerp-demo met verzonnen dossiers; er wordt niets bewaard.
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Schrijf N verzonnen dossiers in de store (voor proberen, tests en benchmarks).
    Demo {
        #[arg(long, default_value_t = 200, value_name = "N")]
        cases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Druk de dossiers af: id, leerling, groep, stap, datum (tab-gescheiden).
    List,
    /// Controleer config en store; eindigt met een foutcode bij een probleem.
    Check,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", strings::keymap_in_config(.0))]
    Keymap(#[from] KeymapError),
    #[error("{}", strings::NO_HOME)]
    NoHome,
    #[error("{}", strings::terminal_failed(.0))]
    Terminal(std::io::Error),
}

/// Cases in the demo that `tandem --demo` opens.
const DEMO_CASES: usize = 60;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.demo && cli.command.is_some() {
        Cli::command().error(clap::error::ErrorKind::ArgumentConflict, strings::DEMO_WITH_COMMAND).exit();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("tandem: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    if cli.demo {
        return start_demo();
    }
    let paths = Paths::resolve(cli.home.as_deref()).ok_or(CliError::NoHome)?;
    match cli.command {
        None => start(&paths),
        Some(Command::Demo { cases, seed }) => write_demo(&paths, cases, seed),
        Some(Command::List) => list(&paths),
        Some(Command::Check) => check(&paths),
    }
}

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn start(paths: &Paths) -> Result<(), CliError> {
    init_logging(&paths.log_file());
    let route = config::load_routekaart(paths)?;
    let loaded = Config::load(paths)?;
    let first_start = loaded.is_none();
    let config = loaded.unwrap_or_else(|| Config::unconfigured(route));
    let keymap = Keymap::new(&config.keys)?;
    let store = Store::open(&paths.store_dir())?;
    tracing::info!(dir = %paths.data_dir.display(), "tandem gestart");
    let launch = Launch { config, keymap, store, paths: Some(paths.clone()), first_start, demo: false };
    app::run(launch).map_err(CliError::Terminal)
}

fn start_demo() -> Result<(), CliError> {
    // A fresh folder that is removed again on exit: the demo keeps nothing.
    let tmp = tempfile::Builder::new()
        .prefix("tandem-demo-")
        .tempdir()
        .map_err(|error| StoreError::Io { dir: std::env::temp_dir(), error })?;
    let paths = Paths::under(tmp.path());
    init_logging(&paths.log_file());
    let config = Config::demo()?;
    let store = Store::open(&paths.store_dir())?;
    let now = now();
    let cases = demo::cases(DEMO_CASES, now.and_utc().timestamp() as u64, &config.route, &config.team, now.date());
    store.insert_new(&cases, &config.user, now)?;
    let keymap = Keymap::new(&config.keys)?;
    let launch = Launch { config, keymap, store, paths: None, first_start: false, demo: true };
    app::run(launch).map_err(CliError::Terminal)
}

fn write_demo(paths: &Paths, count: usize, seed: u64) -> Result<(), CliError> {
    let config = match Config::load(paths)? {
        Some(c) => c,
        None => {
            let c = Config::demo()?;
            c.save(paths)?;
            c
        }
    };
    let store = Store::open(&paths.store_dir())?;
    let now = now();
    let cases = demo::cases(count, seed, &config.route, &config.team, now.date());
    store.insert_new(&cases, &config.user, now)?;
    println!("{}", strings::demo_written(count, store.dir()));
    Ok(())
}

fn list(paths: &Paths) -> Result<(), CliError> {
    let route = config::load_routekaart(paths)?;
    let team = Config::load(paths)?.map(|c| c.team).unwrap_or_default();
    let store = Store::open(&paths.store_dir())?;
    let loaded = store.load_cases()?;
    let today = now().date();
    let mut rows: Vec<listing::Row> = loaded.cases.iter().map(|c| listing::Row::new(c, &route, &team, today)).collect();
    rows.sort_by(listing::urgency);
    let mut out = std::io::stdout().lock();
    for r in rows {
        let due = r.due.map(date::format).unwrap_or_else(|| "-".into());
        // A closed pipe (`tandem list | head`) is not an error worth reporting.
        if writeln!(out, "{}\t{}\t{}\t{}\t{}", r.id, r.pupil, r.groep, r.step, due).is_err() {
            break;
        }
    }
    if !loaded.damaged.is_empty() {
        eprintln!("tandem: {}", strings::damaged_records(loaded.damaged.len()));
    }
    Ok(())
}

fn check(paths: &Paths) -> Result<(), CliError> {
    let route = config::load_routekaart(paths)?;
    println!("{}", strings::check_route(route.steps.len()));
    match Config::load(paths)? {
        Some(config) => {
            Keymap::new(&config.keys)?;
            println!("{}", strings::check_config(&paths.config_file(), config.team.members.len()));
        }
        None => println!("{}", strings::check_no_config(&paths.config_file())),
    }
    let store = Store::open(&paths.store_dir())?;
    let (cases, entries) = store.verify()?;
    println!("{}", strings::check_store(store.dir(), cases, entries));
    Ok(())
}

/// Logs go to a file in the data dir, never to the screen. Without a writable file the
/// app still runs, just without a log.
fn init_logging(file: &Path) {
    let Some(dir) = file.parent() else { return };
    let opened =
        std::fs::create_dir_all(dir).and_then(|()| std::fs::OpenOptions::new().create(true).append(true).open(file));
    let Ok(log) = opened else { return };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(log))
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let log_path = file.to_path_buf();
    // The details go to the log; the user gets a short message after the terminal is
    // restored (ratatui's hook runs before this one).
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        eprintln!("{}", strings::crashed(&log_path));
    }));
}
