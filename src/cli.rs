//! The command line: start the TUI (own store or demo) and the scripting commands
//! (`demo`, `list`, `check`, `agenda`, ...). Every failure ends as one Dutch message and exit code 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::config::Privacy;
use crate::config::{self, Config, ConfigError};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::{date, demo, listing};
use crate::paths::Paths;
use crate::store::crypto::{KDF_TARGET, KdfParams, MIN_PASSPHRASE};
use crate::store::{self, KeyState, Store, StoreError};
use crate::strings::{self, Label};
use crate::ui::action::{Action, Context};
use crate::ui::app::{self, Launch};
use crate::ui::gate::Gate;
use crate::ui::keymap::{Keymap, KeymapError};
use zeroize::Zeroizing;

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
        /// Vast startgetal voor dezelfde dossiers bij elke run (anders elke keer andere).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Druk de dossiers af: id, leerling (of anoniem), groep, stap, datum, school (tab-gescheiden).
    List,
    /// Controleer config en store; eindigt met een foutcode bij een probleem.
    Check,
    /// De wijzigingenlijst (audit).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Maak nu een back-up (versleuteld, in de map backups bij de gegevens).
    Backup,
    /// Zet een back-up terug; de huidige gegevens blijven ernaast bewaard.
    Restore {
        /// Het back-upbestand (tandem-JJJJMMDD-UUMMSS.backup).
        file: PathBuf,
    },
    /// Kies een nieuwe wachtwoordzin (de gegevens zelf worden niet opnieuw versleuteld).
    Passphrase,
    /// Het plan van aanpak van een dossier.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Schrijf de E3-agenda voor het bestuurlijk OGGO (zonder namen van kinderen), zoals a in het overzicht.
    Agenda {
        /// Het bestand om te schrijven (anders een gedateerd bestand in de map exports bij de gegevens).
        #[arg(long, value_name = "BESTAND")]
        out: Option<PathBuf>,
    },
    /// Schrijf een ondertekende, versleutelde bundel voor het SWV in de exportmap.
    Export {
        /// Toon alleen de publieke sleutel van het team (voor het SWV) met de vingerafdruk.
        #[arg(long)]
        key: bool,
    },
    /// Samenwerken: je eigen kaart, en de tandempartners die je vertrouwt.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// Synchroniseer met je tandempartners via de gedeelde map ([sync] folder in config.toml).
    Sync,
    /// SWV-modus: bundels van de scholen inlezen en de monitor bekijken.
    Swv {
        /// Bekijk de monitor met verzonnen cijfers van vier scholen (niets instellen, niets bewaard).
        #[arg(long)]
        demo: bool,
        #[command(subcommand)]
        command: Option<SwvCommand>,
    },
}

#[derive(Debug, Subcommand)]
enum SwvCommand {
    /// Maak de SWV-sleutel en -opslag; toont de sleutel (age1...) voor de teams.
    Init {
        /// De importmap waar de synchronisatie de bundels neerzet.
        #[arg(long, value_name = "MAP")]
        folder: Option<PathBuf>,
    },
    /// Vertrouw een team: zijn publieke sleutel (bestand of tekst) onder een naam.
    Trust {
        /// Het .pub-bestand van het team, of de sleutel zelf (RW...).
        key: String,
        /// De naam van de school of het team.
        #[arg(long)]
        name: String,
        /// De gemeente waarin de school ligt (het SWV rapporteert ook per gemeente).
        #[arg(long)]
        gemeente: Option<String>,
    },
    /// Zet de gemeente van een school die al vertrouwd is (alle teams met die naam).
    Gemeente {
        /// De naam van de school, zoals bij trust --name.
        #[arg(long)]
        school: String,
        /// De gemeente.
        gemeente: String,
    },
    /// Lees nieuwe bundels in uit een map (anders de map uit swv.toml).
    Import { dir: Option<PathBuf> },
    /// Schrijf het rapport voor het OGGO-overleg.
    Report {
        #[arg(long, value_name = "BESTAND")]
        csv: Option<PathBuf>,
        #[arg(long, value_name = "BESTAND")]
        xlsx: Option<PathBuf>,
        /// Schrijf het overzicht van één gemeente voor het IB-netwerk als PDF (met --gemeente).
        #[arg(long, value_name = "BESTAND", requires = "gemeente")]
        pdf: Option<PathBuf>,
        /// De gemeente van het overzicht voor het IB-netwerk (met --pdf).
        #[arg(long, requires = "pdf")]
        gemeente: Option<String>,
        /// Het halfjaar, bijvoorbeeld 2026-H2 (anders het huidige).
        #[arg(long)]
        period: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PartnerCommand {
    /// Druk je eigen kaart af (`tandem partner key > kaart.txt`) om aan je partner te geven.
    Key,
    /// Vertrouw een partner: lees de kaart, toon de vingerafdruk en vraag om bevestiging.
    Add {
        /// Het kaartbestand van de partner.
        file: PathBuf,
        /// De naam waaronder je de partner kent.
        #[arg(long)]
        name: String,
        /// Niet vragen: je hebt de vingerafdruk al telefonisch vergeleken (voor scripts).
        #[arg(long)]
        yes: bool,
    },
    /// De partners die je vertrouwt: id, naam, rol, school, vingerafdruk, toegevoegd op (tab-gescheiden).
    List,
    /// Vertrouw een partner niet meer (het id, of de eerste tekens daarvan).
    Remove { id: String },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Schrijf het plan als PDF (om te tekenen) en/of als Markdown.
    Export {
        /// Het dossier: het id uit `tandem list`, of de eerste tekens daarvan.
        case: String,
        /// PDF-bestand om te schrijven (A4).
        #[arg(long, value_name = "BESTAND")]
        pdf: Option<PathBuf>,
        /// Markdown-bestand om te schrijven.
        #[arg(long, value_name = "BESTAND")]
        md: Option<PathBuf>,
        /// Een eerdere versie (anders de nieuwste).
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Controleer de keten van de wijzigingenlijst en noem de eerste fout.
    Verify,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store did not open; when it is damaged, with the way back to the newest good
    /// backup.
    #[error("{}", open_failure(.0, .1.as_deref()))]
    Open(store::OpenFailure, Option<PathBuf>),
    #[error("{}", strings::keymap_in_config(.0))]
    Keymap(#[from] KeymapError),
    #[error("{}", strings::keymap_in_swv_config(.0))]
    SwvKeymap(KeymapError),
    #[error("{}", strings::NO_HOME)]
    NoHome,
    #[error("{}", strings::terminal_failed(.0))]
    Terminal(std::io::Error),
    #[error("{}", strings::passphrase_file(.0, .1))]
    PassphraseFile(PathBuf, std::io::Error),
    #[error("{}", strings::passphrase_file_open(.0, *.1))]
    PassphraseFileOpen(PathBuf, u32),
    #[error("{}", strings::NO_PASSPHRASE)]
    NoPassphrase,
    #[error("{}", strings::NEW_PASSPHRASE_INVALID)]
    NewPassphraseInvalid,
    #[error(transparent)]
    Export(#[from] crate::exports::ExportError),
    #[error("{}", strings::PLAN_EXPORT_NO_TARGET)]
    NoTarget,
    #[error("{}", strings::case_not_found(.0))]
    CaseNotFound(String),
    #[error("{}", strings::case_ambiguous(.0, *.1))]
    CaseAmbiguous(String, usize),
    #[error(transparent)]
    Swv(#[from] crate::swv::SwvError),
    #[error(transparent)]
    Partner(#[from] crate::partners::PartnerError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error("{}", strings::sync_refused(*.0))]
    SyncRefused(usize),
    #[error("{}", strings::partners::NEEDS_YES)]
    NeedsYes,
    #[error("{}", strings::partners::DECLINED)]
    Declined,
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Pdf(#[from] crate::print::pdf::PdfError),
    #[error("{}", strings::not_set_up(.0))]
    NotSetUp(PathBuf),
    #[error("{}", strings::no_key_yet(.0))]
    NoKeyYet(PathBuf),
    #[error("{}", strings::REPORT_NO_TARGET)]
    NoReportTarget,
    #[error("{}", strings::unknown_school(.0))]
    UnknownSchool(String),
    /// The gemeente asked for, and the gemeenten the SWV knows.
    #[error("{}", strings::unknown_gemeente(.0, .1))]
    UnknownGemeente(String, Vec<String>),
    #[error("{0}")]
    Period(crate::domain::export::PeriodError),
    #[error("{}", strings::IMPORT_REFUSED)]
    Refused,
    /// The places that name a child, and the key that corrects a question in the TUI.
    #[error("{}", strings::agenda_refused(.0, "\n", .1))]
    AgendaNamed(Vec<String>, String),
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
        Some(Command::Demo { cases, seed }) => {
            write_demo(&paths, cases, seed.unwrap_or_else(|| now().and_utc().timestamp_nanos_opt().unwrap_or(0) as u64))
        }
        Some(Command::List) => list(&paths),
        Some(Command::Check) => check(&paths),
        Some(Command::Audit { command: AuditCommand::Verify }) => audit_verify(&paths),
        Some(Command::Backup) => backup(&paths),
        Some(Command::Restore { file }) => {
            store::restore(&paths.store_dir(), &file, now())?;
            println!("{}", strings::restored(&file));
            Ok(())
        }
        Some(Command::Passphrase) => change_passphrase(&paths),
        Some(Command::Plan { command: PlanCommand::Export { case, pdf, md, version } }) => {
            plan_export(&paths, &case, pdf.as_deref(), md.as_deref(), version)
        }
        Some(Command::Agenda { out }) => agenda(&paths, out.as_deref()),
        Some(Command::Export { key }) => export(&paths, key),
        Some(Command::Partner { command }) => partner(&paths, command),
        Some(Command::Sync) => sync(&paths),
        Some(Command::Swv { demo: true, .. }) => {
            let keymap = Keymap::new(&Default::default())?;
            crate::ui::dashboard::run(crate::ui::dashboard::Source::Demo, keymap).map_err(CliError::Terminal)
        }
        Some(Command::Swv { command, .. }) => swv(&paths, command),
    }
}

fn export(paths: &Paths, key_only: bool) -> Result<(), CliError> {
    let config = Config::load(paths)?.ok_or_else(|| CliError::NotSetUp(paths.config_file()))?;
    let store = unlocked(paths, &config.user)?;
    if key_only {
        let public = crate::exports::signing_key(&store, &config.user, now())?.public();
        // Standard output is exactly a minisign .pub file (`> team.pub`); the fingerprint
        // and what to do with the file are for the person at the terminal.
        print!("{}", public.pub_file());
        eprintln!("{}", strings::team_key_fingerprint(&public.fingerprint()));
        return Ok(());
    }
    let written = crate::exports::bundle(&store, &config, now())?;
    println!("{}", strings::bundle_written(&written.file, written.sequence, written.cases, written.dossiers));
    Ok(())
}

/// `tandem partner ...`: the member keys are made on the first of these commands.
fn partner(paths: &Paths, command: PartnerCommand) -> Result<(), CliError> {
    use crate::partners::{self, Card};
    let config = Config::load(paths)?.ok_or_else(|| CliError::NotSetUp(paths.config_file()))?;
    let store = unlocked(paths, &config.user)?;
    let member = partners::member(&store, &config.user, now())?;
    match command {
        PartnerCommand::Key => {
            // Standard output is exactly the card (`> kaart.txt`); the rest is for the terminal.
            let card = Card::own(&member, &config);
            print!("{}", card.render(&member)?);
            eprintln!("{}", strings::partners::own_fingerprint(&card.fingerprint()));
        }
        PartnerCommand::Add { file, name, yes } => {
            let card = partners::read_card(&file)?;
            partners::check(&store, &config, &card, now())?;
            if !yes {
                confirm_fingerprint(&card)?;
            }
            let added = partners::trust(&store, &card, &name, &config.user, now())?;
            println!("{}", strings::partners::added(&added.name, &added.id, &card.fingerprint()));
        }
        PartnerCommand::List => partner_list(&store)?,
        PartnerCommand::Remove { id } => {
            let removed = partners::remove(&store, &id, &config.user, now())?;
            println!("{}", strings::partners::removed(&removed.name, &removed.id));
        }
    }
    Ok(())
}

/// `tandem sync`: exit 1 when a file was refused (each named with why).
fn sync(paths: &Paths) -> Result<(), CliError> {
    let config = Config::load(paths)?.ok_or_else(|| CliError::NotSetUp(paths.config_file()))?;
    let mut store = unlocked(paths, &config.user)?;
    if let Some(merging) = crate::sync::merging(&store, &config, now())? {
        store.set_merging(merging);
    }
    let report = crate::sync::run(&store, &config, now())?;
    for line in report.lines() {
        println!("{line}");
    }
    if let Err(e) = crate::sync::tidy(&store) {
        tracing::warn!("sync logs not tidied (tried again after the next sync): {e}");
    }
    if report.refused.is_empty() { Ok(()) } else { Err(CliError::SyncRefused(report.refused.len())) }
}

/// Asks "j/n" on the terminal; without a terminal the answer must come as `--yes`.
fn confirm_fingerprint(card: &crate::partners::Card) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsYes);
    }
    eprint!("{}", strings::partners::confirm(&card.fingerprint(), &card.name, &card.role, &card.school));
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).map_err(CliError::Terminal)?;
    match answer.trim().to_lowercase().as_str() {
        "j" | "ja" => Ok(()),
        _ => Err(CliError::Declined),
    }
}

fn partner_list(store: &Store) -> Result<(), CliError> {
    let partners = store.partners()?;
    if partners.is_empty() {
        eprintln!("{}", strings::partners::NO_PARTNERS);
    }
    let mut out = std::io::stdout().lock();
    for p in partners {
        let school = match &p.brin {
            Some(brin) => format!("{} ({brin})", p.school),
            None => p.school.clone(),
        };
        let fingerprint = crate::partners::fingerprint(&p.signing_key, &p.recipient);
        let added = date::format(p.added.date());
        if writeln!(out, "{}\t{}\t{}\t{school}\t{fingerprint}\t{added}", p.id, p.name, p.role).is_err() {
            break;
        }
    }
    Ok(())
}

/// The E3 agenda, with the checks of `a` in the escalation overview.
fn agenda(paths: &Paths, out: Option<&Path>) -> Result<(), CliError> {
    let config = Config::load(paths)?.ok_or_else(|| CliError::NotSetUp(paths.config_file()))?;
    let store = unlocked(paths, &config.user)?;
    let cases = store.load_cases()?.cases;
    let today = now().date();
    let text = crate::print::agenda::markdown(cases.iter(), &config.school.name, today).map_err(|named| {
        let key = Keymap::new(&config.keys)
            .map(|k| k.first_key_label(Context::Detail, Action::EditQuestion))
            .unwrap_or_default();
        CliError::AgendaNamed(named.iter().map(ToString::to_string).collect(), key)
    })?;
    let file = match out {
        Some(file) => {
            crate::exports::agenda_to(file, &text)?;
            file.to_path_buf()
        }
        None => crate::exports::agenda(&crate::exports::dir(Some(paths)), &text, today)?,
    };
    println!("{}", strings::agenda_written(&file));
    Ok(())
}

/// Opens (or with `create`, makes) the SWV's own store, unlocked.
fn swv_store(paths: &Paths, create: bool) -> Result<Store, CliError> {
    let mut store = Store::open(&paths.swv_store_dir())?;
    match store.key_state()? {
        KeyState::Unlocked => {}
        KeyState::Locked => unlock(&mut store)?,
        KeyState::NeedsKey if !create => return Err(crate::swv::SwvError::NoIdentity(paths.swv_identity_file()).into()),
        KeyState::NeedsKey => {
            let new = new_passphrase()?;
            let kdf = KdfParams::calibrate(KDF_TARGET).map_err(StoreError::from)?;
            let recovery = store.create_key(new.as_bytes(), kdf, "swv", now())?;
            println!("{}", strings::recovery_printed(&recovery.display()));
        }
    }
    Ok(store)
}

fn swv(paths: &Paths, command: Option<SwvCommand>) -> Result<(), CliError> {
    use crate::swv::{self, SwvConfig};
    match command {
        Some(SwvCommand::Init { folder }) => {
            let identity = swv::identity(paths, true)?;
            swv_store(paths, true)?;
            let mut config = SwvConfig::load(paths)?;
            if folder.is_some() || !paths.swv_config_file().exists() {
                config.folder = folder.or(config.folder);
                config.save(paths)?;
            }
            println!(
                "{}",
                strings::swv_ready(&identity.recipient(), &paths.swv_identity_file(), &paths.swv_config_file())
            );
            Ok(())
        }
        Some(SwvCommand::Trust { key, name, gemeente }) => {
            let text = std::fs::read_to_string(&key).unwrap_or(key);
            let team = crate::bundle::TeamKey::parse(&text)?;
            let mut config = SwvConfig::load(paths)?;
            config.teams.retain(|t| crate::bundle::TeamKey::parse(&t.key).map(|k| k.id()) != Ok(team.id()));
            let gemeente = gemeente.map(|g| g.trim().to_string()).filter(|g| !g.is_empty());
            config.teams.push(swv::Team { name: name.clone(), key: team.key.clone(), gemeente: gemeente.clone() });
            if let Some(g) = &gemeente {
                config.set_gemeente(&name, g);
            }
            config.save(paths)?;
            println!("{}", strings::team_trusted(&name, &team.fingerprint()));
            Ok(())
        }
        Some(SwvCommand::Gemeente { school, gemeente }) => {
            let mut config = SwvConfig::load(paths)?;
            let trusted = match gemeente.trim() {
                "" => None,
                g => config.set_gemeente(&school, g),
            };
            let Some(name) = trusted else { return Err(CliError::UnknownSchool(school)) };
            config.save(paths)?;
            println!("{}", strings::gemeente_set(&name, gemeente.trim()));
            Ok(())
        }
        Some(SwvCommand::Import { dir }) => {
            let config = SwvConfig::load(paths)?;
            let identity = swv::identity(paths, false)?;
            let dir = dir.or(config.folder.clone()).ok_or_else(|| swv::SwvError::NoFolder(PathBuf::from("?")))?;
            let store = swv_store(paths, false)?;
            let reports = swv::import_folder(&store, &dir, &identity, &config, now())?;
            let mut refused = false;
            for r in &reports {
                // A conflict copy needs someone to choose, as a refusal does.
                refused |= matches!(r.outcome, swv::Outcome::Refused(_) | swv::Outcome::Conflict);
                println!("{}", r.outcome.line(&r.file));
            }
            for (_, team) in store.swv_teams()? {
                let gaps = team.gaps();
                if !gaps.is_empty() {
                    println!("{}", strings::sequence_gap(&team.school, &gaps));
                }
            }
            if refused { Err(CliError::Refused) } else { Ok(()) }
        }
        Some(SwvCommand::Report { csv, xlsx, pdf, gemeente, period }) => {
            if csv.is_none() && xlsx.is_none() && pdf.is_none() {
                return Err(CliError::NoReportTarget);
            }
            let period = match period {
                Some(p) => crate::domain::export::Period::try_from(p).map_err(CliError::Period)?,
                None => crate::domain::export::Period::of(now().date()),
            };
            let store = swv_store(paths, false)?;
            let gemeenten = swv::Gemeenten::of(&SwvConfig::load(paths)?);
            let records = store.swv_records()?;
            let mut tables = swv::report_tables(&records, period, &gemeenten);
            if let Some(file) = csv {
                let bytes = crate::report::csv_report(&tables);
                write_report(&file, &bytes)?;
                println!("{}", strings::written(&file));
            }
            if let Some(file) = xlsx {
                tables.extend(swv::gemeente_tables(&records, period, &gemeenten));
                let bytes = crate::report::xlsx(&tables)?;
                write_report(&file, &bytes)?;
                println!("{}", strings::written(&file));
            }
            if let (Some(file), Some(gemeente)) = (pdf, gemeente) {
                let doc =
                    swv::network::document(&records, &gemeente, &gemeenten, period, now().date()).ok_or_else(|| {
                        CliError::UnknownGemeente(gemeente.clone(), gemeenten.names().map(str::to_string).collect())
                    })?;
                let bytes = crate::print::pdf::render(&doc, now())?;
                write_report(&file, &bytes)?;
                println!("{}", strings::network_written(&file));
            }
            Ok(())
        }
        None => {
            let config = SwvConfig::load(paths)?;
            let keymap = Keymap::new(&config.keys).map_err(CliError::SwvKeymap)?;
            let identity = swv::identity(paths, false)?;
            let store = swv_store(paths, false)?;
            let source = crate::ui::dashboard::Source::Store(Box::new((store, config, identity)));
            crate::ui::dashboard::run(source, keymap).map_err(CliError::Terminal)
        }
    }
}

/// A report of the SWV, for its owner only until they pass it on.
fn write_report(file: &Path, bytes: &[u8]) -> Result<(), CliError> {
    crate::atomic::write_private(file, bytes).map_err(|e| crate::swv::SwvError::Io(file.to_path_buf(), e).into())
}

/// The one case whose id starts with `query` (dashes and case ignored).
fn find_case(store: &Store, query: &str) -> Result<crate::domain::case::CaseId, CliError> {
    let want: String = query.chars().filter(|c| *c != '-').flat_map(char::to_lowercase).collect();
    let not_found = || CliError::CaseNotFound(query.to_string());
    if want.len() < 4 {
        return Err(not_found());
    }
    let ids: Vec<_> = store
        .load_cases()?
        .cases
        .into_iter()
        .map(|c| c.id)
        .filter(|id| id.0.simple().to_string().starts_with(&want))
        .collect();
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => Err(not_found()),
        more => Err(CliError::CaseAmbiguous(query.to_string(), more.len())),
    }
}

fn plan_export(
    paths: &Paths,
    query: &str,
    pdf: Option<&std::path::Path>,
    md: Option<&std::path::Path>,
    version: Option<u32>,
) -> Result<(), CliError> {
    if pdf.is_none() && md.is_none() {
        return Err(CliError::NoTarget);
    }
    let route = config::load_routekaart(paths)?;
    let config = Config::load(paths)?.unwrap_or_else(|| Config::unconfigured(route));
    let store = unlocked(paths, "")?;
    let id = find_case(&store, query)?;
    let at = now();
    let (_, book, doc) = crate::exports::plan_doc(&store, id, &config, version, at.date())?;
    crate::exports::write_doc(&doc, pdf, md, at)?;
    let missing = crate::print::pdf::unprintable(&doc);
    if pdf.is_some() && !missing.is_empty() {
        eprintln!("{}", strings::unprintable(&missing));
    }
    let version = version.or(book.current().map(|p| p.version)).unwrap_or(1);
    let change = Change { case: Some(id), at, who: config.user.clone(), kind: ChangeKind::PlanPrinted { version } };
    store.append_event(change)?;
    for file in [pdf, md].into_iter().flatten() {
        println!("{}", strings::written(file));
    }
    Ok(())
}

/// A passphrase given by the environment, for scripts: `TANDEM_PASSPHRASE_FILE` (a file
/// only its owner can read) or `TANDEM_PASSPHRASE` (visible to other processes of the
/// same user; avoid on shared machines).
fn passphrase_from_env() -> Result<Option<Zeroizing<String>>, CliError> {
    if let Some(file) = std::env::var_os("TANDEM_PASSPHRASE_FILE") {
        let file = PathBuf::from(file);
        owner_only(&file)?;
        let text = Zeroizing::new(std::fs::read_to_string(&file).map_err(|e| CliError::PassphraseFile(file, e))?);
        return Ok(Some(Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_string())));
    }
    Ok(std::env::var("TANDEM_PASSPHRASE").ok().map(Zeroizing::new))
}

/// As ssh does with keys: a passphrase file others can read is refused.
fn owner_only(file: &Path) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(file).map_err(|e| CliError::PassphraseFile(file.to_path_buf(), e))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(CliError::PassphraseFileOpen(file.to_path_buf(), mode & 0o777));
        }
    }
    Ok(())
}

/// The passphrase from the environment, or asked on the terminal without echo.
fn passphrase(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    match passphrase_from_env()? {
        Some(p) => Ok(p),
        None => ask(prompt),
    }
}

fn ask(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|_| CliError::NoPassphrase)
}

/// Typed passphrases tried before giving up.
const TRIES: u32 = 3;

/// Unlocks with the passphrase from the environment, or typed: a wrong one typed is
/// asked again after the same doubling wait as on the unlock screen.
fn unlock(store: &mut Store) -> Result<(), CliError> {
    match passphrase_from_env()? {
        Some(p) => Ok(store.unlock(p.as_bytes())?),
        None => unlock_typed(store, &mut || ask(strings::PROMPT_PASSPHRASE), &mut std::thread::sleep),
    }
}

fn unlock_typed(
    store: &mut Store,
    ask: &mut dyn FnMut() -> Result<Zeroizing<String>, CliError>,
    sleep: &mut dyn FnMut(std::time::Duration),
) -> Result<(), CliError> {
    let mut failures = 0;
    loop {
        match store.unlock(ask()?.as_bytes()) {
            Err(StoreError::WrongPassphrase) if failures + 1 < TRIES => {
                failures += 1;
                let secs = crate::ui::gate::wait_after(failures);
                eprintln!("{}", strings::wrong_passphrase_wait(secs));
                sleep(std::time::Duration::from_secs(secs.unsigned_abs()));
            }
            other => return Ok(other?),
        }
    }
}

/// Why the store did not open, and for damage what brings it back (a store open in
/// another window is not damaged: a backup is no answer to that).
fn open_failure(failure: &store::OpenFailure, home: Option<&Path>) -> String {
    if !failure.error.is_damage() {
        return failure.error.to_string();
    }
    let backup = failure.backup.as_ref().map(|b| (b.path.as_path(), &b.created));
    format!("{}\n{}", failure.error, strings::restore_offer(backup, home))
}

/// Opens the team's store with the quick checks (missing database, anchor); damage is
/// reported with the newest good backup and the command that restores it.
fn open_store(paths: &Paths) -> Result<Store, CliError> {
    store::open_checked(&paths.store_dir(), &paths.backup_dir()).map_err(|f| CliError::Open(f, paths.home.clone()))
}

/// Opens the store for a command, unlocked. A store without a key yet is None, unless
/// `create` (only `demo` writes): then the key is made and its recovery code printed once.
fn open_unlocked(paths: &Paths, who: &str, create: bool) -> Result<Option<Store>, CliError> {
    let mut store = open_store(paths)?;
    match store.key_state()? {
        KeyState::Unlocked => {}
        KeyState::Locked => unlock(&mut store)?,
        KeyState::NeedsKey if !create => return Ok(None),
        KeyState::NeedsKey => {
            let new = new_passphrase()?;
            let kdf = KdfParams::calibrate(KDF_TARGET).map_err(StoreError::from)?;
            let recovery = store.create_key(new.as_bytes(), kdf, who, now())?;
            println!("{}", strings::recovery_printed(&recovery.display()));
        }
    }
    Ok(Some(store))
}

/// The store, unlocked, for a command that needs its data; a store whose passphrase was
/// never set is an error (the command did nothing), not an empty success.
fn unlocked(paths: &Paths, who: &str) -> Result<Store, CliError> {
    open_unlocked(paths, who, false)?.ok_or_else(|| CliError::NoKeyYet(paths.store_dir()))
}

/// A new passphrase: from the environment, or typed twice.
fn new_passphrase() -> Result<Zeroizing<String>, CliError> {
    let (first, second) = match passphrase_from_env()? {
        Some(p) => (p.clone(), p),
        None => (passphrase(strings::PROMPT_NEW_PASSPHRASE)?, passphrase(strings::PROMPT_AGAIN)?),
    };
    if first != second || first.chars().count() < MIN_PASSPHRASE {
        return Err(CliError::NewPassphraseInvalid);
    }
    Ok(first)
}

fn audit_verify(paths: &Paths) -> Result<(), CliError> {
    let store = unlocked(paths, "")?;
    // The whole check: the chain, its recorded head and the anchor outside sled (a lost
    // tail of the chain would otherwise look sound).
    let verified = store.verify()?;
    println!("{}", strings::audit_ok(verified.entries));
    Ok(())
}

fn backup(paths: &Paths) -> Result<(), CliError> {
    let config = Config::load(paths)?;
    let keep = config.map(|c| c.privacy.backups).unwrap_or(Privacy::default().backups);
    let store = open_store(paths)?;
    let file = store.backup(&paths.backup_dir(), now(), keep)?;
    println!("{}", strings::backup_written(&file));
    Ok(())
}

fn change_passphrase(paths: &Paths) -> Result<(), CliError> {
    let user = Config::load(paths)?.map(|c| c.user).unwrap_or_default();
    let mut store = open_store(paths)?;
    unlock(&mut store)?;
    // The new one is always typed: the environment holds the current one.
    let first =
        Zeroizing::new(rpassword::prompt_password(strings::PROMPT_NEW_PASSPHRASE).map_err(|_| CliError::NoPassphrase)?);
    let second = Zeroizing::new(rpassword::prompt_password(strings::PROMPT_AGAIN).map_err(|_| CliError::NoPassphrase)?);
    if first != second || first.chars().count() < MIN_PASSPHRASE {
        return Err(CliError::NewPassphraseInvalid);
    }
    let kdf = KdfParams::calibrate(KDF_TARGET).map_err(StoreError::from)?;
    let event = Change::store_event(ChangeKind::PassphraseChanged, &user, now());
    store.change_passphrase(first.as_bytes(), kdf, event)?;
    println!("{}", strings::PASSPHRASE_CHANGED);
    Ok(())
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
    let (store, gate) = match store::open_checked(&paths.store_dir(), &paths.backup_dir()) {
        Ok(store) => {
            let gate = match store.key_state()? {
                KeyState::NeedsKey => Some(Gate::create()),
                KeyState::Locked => Some(Gate::unlock()),
                KeyState::Unlocked => None,
            };
            (store, gate)
        }
        // Damage with a backup to go back to: the screens offer it.
        Err(store::OpenFailure { error, backup: Some(backup) }) => {
            let problem = error.to_string();
            (Store::for_restore(&paths.store_dir())?, Some(Gate::Damaged { problem, backup: Some(backup) }))
        }
        Err(failure) => return Err(CliError::Open(failure, paths.home.clone())),
    };
    tracing::info!(dir = %paths.data_dir.display(), "tandem gestart");
    let passphrase = passphrase_from_env()?;
    let launch =
        Launch { config, keymap, store, paths: Some(paths.clone()), first_start, demo: false, gate, passphrase };
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
    let mut config = Config::demo()?;
    let mut store = Store::open(&paths.store_dir())?;
    let now = now();
    // The demo is encrypted like a real store, with a passphrase nobody needs to type.
    let kdf = KdfParams::cheap().map_err(StoreError::from)?;
    store.create_key(b"demo", kdf, &config.user, now)?;
    add_demo_cases(&store, &config, DEMO_CASES, now.and_utc().timestamp() as u64, now)?;
    // A wijkteam partner's copy beside it, synced through a folder in the same temp dir.
    crate::sync::demo::with_partner(&mut store, &mut config, tmp.path(), now)?;
    let keymap = Keymap::new(&config.keys)?;
    let launch =
        Launch { config, keymap, store, paths: None, first_start: false, demo: true, gate: None, passphrase: None };
    app::run(launch).map_err(CliError::Terminal)
}

/// Invented cases, with plans for those that reached the plan step.
fn add_demo_cases(
    store: &Store,
    config: &Config,
    count: usize,
    seed: u64,
    now: chrono::NaiveDateTime,
) -> Result<(), CliError> {
    let cases = demo::cases(count, seed, &config.route, &config.team, now.date());
    store.insert_new(&cases, &config.user, now)?;
    store.insert_plans(&demo::plans(&cases, &config.route, &config.team, &strings::PLAN_WORDS))?;
    // Loading once makes the list's light copies, so the first start lists from them
    // instead of making them (which takes twice as long and more memory). They are a
    // cache: the cases are stored, so a failure here only means the first start makes them.
    if let Err(e) = store.load_all(&config.route) {
        tracing::warn!("demo rows not made: {e}");
    }
    Ok(())
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
    let store = open_unlocked(paths, &config.user, true)?.ok_or(CliError::NoPassphrase)?;
    let now = now();
    add_demo_cases(&store, &config, count, seed, now)?;
    println!("{}", strings::demo_written(count, store.dir()));
    Ok(())
}

fn list(paths: &Paths) -> Result<(), CliError> {
    let route = config::load_routekaart(paths)?;
    let config = Config::load(paths)?;
    let years = config.as_ref().map_or(Privacy::default().retention_years, |c| c.privacy.retention_years);
    let own_school = config.as_ref().map(|c| c.school.name.clone()).unwrap_or_default();
    let team = config.map(|c| c.team).unwrap_or_default();
    let Some(store) = open_unlocked(paths, "", false)? else { return Ok(()) };
    let loaded = store.load_cases()?;
    let today = now().date();
    let mut rows: Vec<listing::Row> =
        loaded.cases.iter().map(|c| listing::Row::new(c, &route, &team, years, today)).collect();
    rows.sort_by(listing::urgency);
    let mut out = std::io::stdout().lock();
    for r in rows {
        let due = r.due.map(date::format).unwrap_or_else(|| "-".into());
        // A closed pipe (`tandem list | head`) is not an error worth reporting.
        let pupil = if r.anonymous { strings::ANONYMOUS_PUPIL } else { r.pupil.as_str() };
        let school = if r.school.is_empty() { own_school.as_str() } else { r.school.as_str() };
        if writeln!(out, "{}\t{pupil}\t{}\t{}\t{due}\t{school}", r.id, r.groep, r.step).is_err() {
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
            let missing: Vec<&str> = crate::domain::escalation::DeciderRole::ALL
                .iter()
                .filter(|r| !config.deciders.iter().any(|d| d.role == **r))
                .map(|r| r.label())
                .collect();
            if !missing.is_empty() {
                println!("{}", strings::check_deciders_missing(&missing.join(", ")));
            }
        }
        None => println!("{}", strings::check_no_config(&paths.config_file())),
    }
    let mut store = open_store(paths)?;
    if store.key_state()? == KeyState::NeedsKey {
        println!("{}", strings::check_no_key(store.dir()));
        return Ok(());
    }
    unlock(&mut store)?;
    let damaged = |error: StoreError| {
        let backup = store::newest_good_backup(&paths.backup_dir());
        CliError::Open(store::OpenFailure { error, backup }, paths.home.clone())
    };
    let v = store.verify().map_err(damaged)?;
    store.check_backups(&paths.backup_dir()).map_err(damaged)?;
    println!("{}", strings::check_store(store.dir(), v.cases, v.entries, v.tombstones));
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

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct paard batterij niet";

    fn locked_store(dir: &Path) -> Store {
        let mut store = Store::open(dir).unwrap();
        store.create_key(PASS.as_bytes(), KdfParams::cheap().unwrap(), "anna", now()).unwrap();
        store.lock();
        store
    }

    /// Typed answers in turn, and the waits slept between them.
    fn try_typed(answers: &[&str]) -> (Result<(), CliError>, Vec<u64>, Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = locked_store(dir.path());
        let mut answers = answers.iter().map(|a| Zeroizing::new(a.to_string()));
        let mut slept = Vec::new();
        let result = unlock_typed(&mut store, &mut || answers.next().ok_or(CliError::NoPassphrase), &mut |d| {
            slept.push(d.as_secs())
        });
        (result, slept, store, dir)
    }

    #[test]
    fn a_wrong_typed_passphrase_is_asked_again_after_a_doubling_wait() {
        let (result, slept, store, _dir) = try_typed(&["fout", "ook fout", PASS]);
        assert!(result.is_ok());
        assert_eq!(slept, [1, 2]);
        assert_eq!(store.key_state().unwrap(), KeyState::Unlocked);

        let (result, slept, _, _dir) = try_typed(&["fout", "fout", "fout", PASS]);
        assert!(matches!(result, Err(CliError::Store(StoreError::WrongPassphrase))), "three tries, then it stops");
        assert_eq!(slept, [1, 2]);
    }
}
