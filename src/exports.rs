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

/// Writes atomically (the old file or the new one, never half).
fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let fail = |error| ExportError::Write { path: path.to_path_buf(), error };
    crate::atomic::write(path, bytes).map_err(fail)
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
    let plan = match version {
        Some(v) => book.versions.iter().find(|p| p.version == v),
        None => book.current(),
    }
    .ok_or(ExportError::NoPlan)?;
    let cx = plan::Context { case: &case, route: &config.route, team: &config.team };
    let doc = print::plan::document(plan, &cx, &config.school.name, today);
    Ok((case, book, doc))
}

/// Writes the newest plan version as PDF and Markdown into `dir`; logs `change`.
pub fn print_plan(
    store: &Store,
    dir: &Path,
    id: CaseId,
    config: &Config,
    change: Change,
) -> Result<[PathBuf; 2], ExportError> {
    let today = change.at.date();
    own_dir(dir)?;
    let (case, book, doc) = plan_doc(store, id, config, None, today)?;
    let version = book.current().map_or(1, |p| p.version);
    let kind = format!("plan-v{version}");
    let pdf = dir.join(access::file_name(&kind, &case, today, "pdf"));
    let md = dir.join(access::file_name(&kind, &case, today, "md"));
    write_doc(&doc, Some(&pdf), Some(&md))?;
    store.append_event(change)?;
    Ok([pdf, md])
}

/// Writes `doc` as PDF and/or Markdown. The PDF is made before anything is written, so
/// a failure leaves no half of the pair behind.
pub fn write_doc(doc: &Doc, pdf: Option<&Path>, md: Option<&Path>) -> Result<(), ExportError> {
    let bytes = pdf.map(|_| print::pdf::render(doc)).transpose()?;
    if let (Some(path), Some(bytes)) = (pdf, bytes) {
        write(path, &bytes)?;
    }
    if let Some(path) = md {
        write(path, Zeroizing::new(print::markdown::render(doc)).as_bytes())?;
    }
    Ok(())
}

/// Writes the parents' copy of the stored case, with the plan as PDF beside it when
/// there is one, and logs that it was made. Returns the copy's path.
pub fn access_copy(
    store: &Store,
    dir: &Path,
    id: CaseId,
    config: &Config,
    change: Change,
) -> Result<PathBuf, ExportError> {
    let case = store.case(id)?.ok_or(ExportError::NoCase)?;
    let history = store.history(id)?;
    let today = change.at.date();
    let has_plan = store.plan(id)?.is_some();
    own_dir(dir)?;
    let mut markdown =
        Zeroizing::new(access::markdown(&case, &history, &config.school.name, &config.team, &config.route, today));
    if has_plan {
        let (_, _, doc) = plan_doc(store, id, config, None, today)?;
        let pdf = access::file_name("inzage-plan", &case, today, "pdf");
        write(&dir.join(&pdf), &print::pdf::render(&doc)?)?;
        markdown.push_str(&strings::access_plan_attached(&pdf));
    }
    let file = dir.join(access::file_name("inzage", &case, today, "md"));
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

/// Writes the E3 agenda for the OGGO meeting.
pub fn agenda(dir: &Path, text: &str, today: NaiveDate) -> Result<PathBuf, ExportError> {
    own_dir(dir)?;
    let file = dir.join(format!("agenda-oggo-{}.md", today.format("%Y-%m-%d")));
    write(&file, text.as_bytes())?;
    Ok(file)
}
