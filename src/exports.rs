//! Files tandem writes for people: the parents' copy (right of access) and the printed
//! plan van aanpak. They go into a private folder; an erased case takes its files along.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::domain::access;
use crate::domain::case::{Case, CaseId};
use crate::domain::history::Change;
use crate::domain::plan::{self, PlanBook};
use crate::paths::Paths;
use crate::print::{self, Doc};
use crate::store::{Store, StoreError};
use crate::strings;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pdf(#[from] print::pdf::PdfError),
    #[error("{}", strings::export_write_failed(.path, .error))]
    Write { path: PathBuf, error: std::io::Error },
    #[error("{}", strings::NO_SUCH_CASE)]
    NoCase,
    #[error("{}", strings::NO_PLAN)]
    NoPlan,
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error("{}", strings::NO_EXPORT_SETTINGS)]
    NoExportSettings,
    #[error("{}", strings::export_folder_gone(.0))]
    NoFolder(PathBuf),
    #[error("{}", strings::export_exists(.0))]
    Exists(PathBuf),
}

/// Where the copies go: the private exports folder, or for the demo (fictional data,
/// whose store is thrown away) a folder in the system's temporary directory.
pub fn dir(paths: Option<&Paths>) -> PathBuf {
    paths.map_or_else(|| std::env::temp_dir().join("tandem-demo-afdrukken"), |p| p.data_dir.join("exports"))
}

/// tandem's own copies folder: created when missing, only the owner may enter it.
fn own_dir(dir: &Path) -> Result<(), ExportError> {
    let fail = |error| ExportError::Write { path: dir.to_path_buf(), error };
    std::fs::create_dir_all(dir).map_err(fail)?;
    crate::atomic::private_dir(dir).map_err(fail)
}

/// Writes atomically (the old file or the new one, never half), readable by the owner
/// only: what tandem writes here is not encrypted.
fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let fail = |error| ExportError::Write { path: path.to_path_buf(), error };
    crate::atomic::write_private(path, bytes).map_err(fail)
}

/// `dir/stem.ext` for each of `exts`, or with "-2", "-3", ... added to the stem when
/// any of them exists: writing again never replaces a copy made before.
fn fresh<const N: usize>(dir: &Path, stem: &str, exts: [&str; N]) -> [PathBuf; N] {
    let at = |n: u32| {
        let stem = if n < 2 { stem.to_string() } else { format!("{stem}-{n}") };
        exts.map(|ext| dir.join(format!("{stem}.{ext}")))
    };
    (1..=u32::MAX).map(at).find(|paths| paths.iter().all(|p| !p.exists())).unwrap_or_else(|| at(u32::MAX))
}

/// The stored (full) case and its plan as a document: `version` or the newest.
pub fn plan_doc(
    store: &Store,
    id: CaseId,
    config: &Config,
    version: Option<u32>,
    today: NaiveDate,
) -> Result<(Case, PlanBook, Doc), ExportError> {
    let case = store.case(id)?.ok_or(ExportError::NoCase)?;
    let book = store.plan(id)?.ok_or(ExportError::NoPlan)?;
    let doc = document(&case, &book, config, version, today)?;
    Ok((case, book, doc))
}

/// `version` (or the newest) of a case's plan as a document.
fn document(
    case: &Case,
    book: &PlanBook,
    config: &Config,
    version: Option<u32>,
    today: NaiveDate,
) -> Result<Doc, ExportError> {
    let plan = match version {
        Some(v) => book.versions.iter().find(|p| p.version == v),
        None => book.current(),
    }
    .ok_or(ExportError::NoPlan)?;
    let cx = plan::Context { case, route: &config.route, team: &config.team };
    Ok(print::plan::document(plan, &cx, &config.school.name, today))
}

/// The newest plan of a stored case as a document, if it has one.
fn current_plan(store: &Store, case: &Case, config: &Config, today: NaiveDate) -> Result<Option<Doc>, ExportError> {
    store.plan(case.id)?.map(|book| document(case, &book, config, None, today)).transpose()
}

/// Writes the newest plan version as PDF and Markdown into `dir`; logs `change`. Also
/// returns the characters the PDF could not print (see [`print::pdf::unprintable`]).
pub fn print_plan(
    store: &Store,
    dir: &Path,
    id: CaseId,
    config: &Config,
    change: Change,
) -> Result<([PathBuf; 2], Vec<char>), ExportError> {
    let today = change.at.date();
    own_dir(dir)?;
    let (case, book, doc) = plan_doc(store, id, config, None, today)?;
    let version = book.current().map_or(1, |p| p.version);
    let stem = access::file_stem(&format!("plan-v{version}"), case.id, today);
    let [pdf, md] = fresh(dir, &stem, ["pdf", "md"]);
    write_doc(&doc, Some(&pdf), Some(&md), change.at)?;
    store.append_event(change)?;
    Ok(([pdf, md], print::pdf::unprintable(&doc)))
}

/// Writes `doc` as PDF and/or Markdown, made `at`. The PDF is made before anything is
/// written, so a failure leaves no half of the pair behind.
pub fn write_doc(
    doc: &Doc,
    pdf: Option<&Path>,
    md: Option<&Path>,
    at: chrono::NaiveDateTime,
) -> Result<(), ExportError> {
    let bytes = pdf.map(|_| print::pdf::render(doc, at)).transpose()?;
    if let (Some(path), Some(bytes)) = (pdf, bytes) {
        write(path, &bytes)?;
    }
    if let Some(path) = md {
        write(path, Zeroizing::new(print::markdown::render(doc)).as_bytes())?;
    }
    Ok(())
}

/// Writes the parents' copy of the stored case, with every plan version as PDF beside
/// it, and logs that it was made. Returns the copy's path.
pub fn access_copy(
    store: &Store,
    dir: &Path,
    id: CaseId,
    config: &Config,
    change: Change,
) -> Result<PathBuf, ExportError> {
    let case = store.case(id)?.ok_or(ExportError::NoCase)?;
    let history = store.history(id)?;
    let book = store.plan(id)?;
    let today = change.at.date();
    own_dir(dir)?;
    let mut markdown = Zeroizing::new(print::markdown::render(&print::access::document(
        &case,
        book.as_ref(),
        &history,
        &config.school.name,
        &config.team,
        &config.route,
        today,
    )));
    for (book, plan) in book.iter().flat_map(|b| b.versions.iter().map(move |p| (b, p))) {
        let doc = document(&case, book, config, Some(plan.version), today)?;
        let stem = access::file_stem(&format!("inzage-plan-v{}", plan.version), id, today);
        let [pdf] = fresh(dir, &stem, ["pdf"]);
        write(&pdf, &print::pdf::render(&doc, change.at)?)?;
        let name = pdf.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        markdown.push_str(&strings::access_plan_attached(plan.version, &name));
    }
    let [file] = fresh(dir, &access::file_stem("inzage", id, today), ["md"]);
    write(&file, markdown.as_bytes())?;
    store.append_event(change)?;
    Ok(file)
}

/// Removes every copy of one case (their names carry its short id).
pub fn remove_copies(dir: &Path, id: CaseId) -> std::io::Result<()> {
    let tag = access::short_id(id);
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().contains(&tag) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes the E3 agenda for the OGGO meeting into `dir`, dated; a second agenda on the
/// same day gets a new name beside the first.
pub fn agenda(dir: &Path, text: &str, today: NaiveDate) -> Result<PathBuf, ExportError> {
    own_dir(dir)?;
    let [file] = fresh(dir, &format!("agenda-oggo-{}", today.format("%Y-%m-%d")), ["md"]);
    write(&file, text.as_bytes())?;
    Ok(file)
}

/// Writes the E3 agenda to `file`, chosen by the user; one that exists is left alone.
pub fn agenda_to(file: &Path, text: &str) -> Result<(), ExportError> {
    if file.exists() {
        return Err(ExportError::Exists(file.to_path_buf()));
    }
    write(file, text.as_bytes())
}

/// What one export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleWritten {
    pub file: PathBuf,
    pub sequence: u64,
    pub cases: usize,
    pub dossiers: usize,
}

/// The bundle written last, as the export screen names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastBundle {
    pub file: PathBuf,
    pub sequence: u64,
    /// When the file was written (its modification time); None once it is no longer in the
    /// folder (the sync tool or the SWV took it away, or the folder setting changed).
    pub written: Option<chrono::NaiveDateTime>,
}

/// Where bundle `sequence` of the team with key id `team_id` goes.
fn bundle_file(folder: &Path, team_id: &str, sequence: u64) -> PathBuf {
    folder.join(format!("tandem-{}-{sequence:06}.bundle", &team_id[..8.min(team_id.len())]))
}

/// The last bundle written, from the stored sequence number and the file in the export
/// folder; None before the first export (or without export settings).
pub fn last_bundle(store: &Store, config: &Config) -> Result<Option<LastBundle>, ExportError> {
    let sequence = store.export_sequence()?;
    let (Some(settings), true) = (config.export.as_ref(), sequence > 0) else { return Ok(None) };
    let Some(bytes) = store.signing_key()? else { return Ok(None) };
    let team_id = crate::bundle::SigningKey::from_bytes(&bytes)?.public().id();
    let file = bundle_file(&settings.folder, &team_id, sequence);
    let written = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .ok()
        .map(|t| chrono::DateTime::<chrono::Local>::from(t).naive_local());
    Ok(Some(LastBundle { file, sequence, written }))
}

/// The team's signing key, made (and logged) on first use.
pub fn signing_key(
    store: &Store,
    who: &str,
    at: chrono::NaiveDateTime,
) -> Result<crate::bundle::SigningKey, ExportError> {
    if let Some(bytes) = store.signing_key()? {
        return Ok(crate::bundle::SigningKey::from_bytes(&bytes)?);
    }
    let key = crate::bundle::SigningKey::generate()?;
    let event = Change::store_event(crate::domain::history::ChangeKind::SigningKeyCreated, who, at);
    store.set_signing_key(&zeroize::Zeroizing::new(key.to_bytes()), event)?;
    Ok(key)
}

/// Writes one bundle for the SWV into the sync folder (atomically: the sync tool never
/// sees half a file): every case's monitoring record, and the escalation dossier where
/// the SWV may have it. The sequence number only counts once the file is there.
pub fn bundle(store: &Store, config: &Config, at: chrono::NaiveDateTime) -> Result<BundleWritten, ExportError> {
    use crate::domain::export;
    let settings = config.export.as_ref().ok_or(ExportError::NoExportSettings)?;
    if !settings.folder.is_dir() {
        return Err(ExportError::NoFolder(settings.folder.clone()));
    }
    let today = at.date();
    let key = signing_key(store, &config.user, at)?;
    let team_id = key.public().id();
    let mut cases = Vec::new();
    let mut dossiers = 0;
    for mut case in store.load_cases()?.cases {
        // A wijkteam copy may hold other schools' cases: their own IB-ers export those.
        case.name_school(&config.school.name);
        if !crate::domain::team::same_name(&case.school, &config.school.name) {
            continue;
        }
        let plan = if export::may_share(&case, today) {
            current_plan(store, &case, config, today)?.map(|doc| print::markdown::render(&doc))
        } else {
            None
        };
        let dossier = export::dossier(&case, plan, today);
        dossiers += usize::from(dossier.is_some());
        cases.push(export::CaseRecord {
            case: export::pseudonym(&team_id, &case),
            link: Some(export::link(&case)),
            revision: case.revision,
            record: export::record(&case, &config.route, today),
            dossier,
        });
    }
    let sequence = store.export_sequence()? + 1;
    let payload = export::Payload {
        format: export::FORMAT.into(),
        bundle_id: uuid::Uuid::new_v4(),
        team_id: team_id.clone(),
        school: config.school.name.clone(),
        brin: config.school.brin.clone(),
        sequence,
        created: at,
        period: export::Period::of(today),
        recipient: settings.recipient.clone(),
        cases,
    };
    let json = Zeroizing::new(serde_json::to_vec(&payload).map_err(|e| ExportError::Write {
        path: settings.folder.clone(),
        error: std::io::Error::other(e.to_string()),
    })?);
    let sealed = crate::bundle::seal(&json, &key, &settings.recipient, chrono::Utc::now())?;
    let file = bundle_file(&settings.folder, &team_id, sequence);
    write(&file, &sealed)?;
    let n = payload.cases.len();
    let event = Change::store_event(
        crate::domain::history::ChangeKind::Exported { sequence, cases: n, dossiers },
        &config.user,
        at,
    );
    store.set_export_sequence(sequence, event)?;
    Ok(BundleWritten { file, sequence, cases: n, dossiers })
}
