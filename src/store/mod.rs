//! The store: the only module that knows sled. One sled database per data dir with
//! three trees: `cases` (key: the case's random id), `history` (key: case id + a
//! big-endian counter, so one case's history is a prefix scan) and `meta` (schema
//! version). Every value passes through `codec`.

mod codec;
mod lock;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

pub use codec::CodecError;

use crate::domain::case::{Case, CaseId};
use crate::domain::history::Change;
use crate::strings;

/// The layout version of the store as a whole (trees and keys). Bump it with a migration
/// in `Store::open` when the layout changes.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", strings::store_already_open(.0))]
    AlreadyOpen(PathBuf),
    #[error("{}", strings::store_damaged(.dir, .detail))]
    Damaged { dir: PathBuf, detail: String },
    #[error("{}", strings::store_too_new(.found, SCHEMA_VERSION))]
    TooNew { found: u32 },
    #[error("{}", strings::store_io(.dir, .error))]
    Io { dir: PathBuf, error: std::io::Error },
    #[error("{}", strings::store_record(.key, .error))]
    Record { key: String, error: CodecError },
    #[error("{}", strings::STORE_CONFLICT)]
    Conflict,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What a full read of the cases found: the readable ones and the keys of damaged ones,
/// so one bad record never hides the others.
#[derive(Debug, Default)]
pub struct Loaded {
    pub cases: Vec<Case>,
    pub damaged: Vec<(String, CodecError)>,
}

pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    cases: sled::Tree,
    history: sled::Tree,
    // Held for the store's lifetime; dropping it releases the lock.
    _lock: lock::LockFile,
}

impl Store {
    /// Opens (or creates) the store in `dir`. A second instance, a damaged database or a
    /// store written by a newer tandem each get their own error; sled's own panics on
    /// damaged files are caught here and reported as damage.
    pub fn open(dir: &Path) -> Result<Store> {
        let io = |error| StoreError::Io { dir: dir.to_path_buf(), error };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = lock::LockFile::acquire(&dir.join("tandem.lock")).map_err(|e| match e {
            lock::LockError::Held => StoreError::AlreadyOpen(dir.to_path_buf()),
            lock::LockError::Io(error) => io(error),
        })?;
        let db = open_sled(dir)?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| sled_error(dir, e));
        let (cases, history, meta) = (tree("cases")?, tree("history")?, tree("meta")?);

        match meta.get(SCHEMA_KEY).map_err(|e| sled_error(dir, e))? {
            None => {
                meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes()).map_err(|e| sled_error(dir, e))?;
                db.flush().map_err(|e| sled_error(dir, e))?;
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref()).map(u32::from_be_bytes).map_err(|_| {
                    StoreError::Damaged { dir: dir.to_path_buf(), detail: strings::SCHEMA_UNREADABLE.into() }
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::TooNew { found });
                }
            }
        }
        Ok(Store { dir: dir.to_path_buf(), db, cases, history, _lock: lock })
    }

    /// Every case, decoded; damaged records are listed, not fatal.
    pub fn load_cases(&self) -> Result<Loaded> {
        let mut loaded = Loaded::default();
        for item in self.cases.iter() {
            let (key, value) = item.map_err(|e| self.sled_error(e))?;
            match codec::decode::<Case>(&value) {
                Ok(case) => loaded.cases.push(case),
                Err(error) => loaded.damaged.push((hex(&key), error)),
            }
        }
        Ok(loaded)
    }

    pub fn case(&self, id: CaseId) -> Result<Option<Case>> {
        let key = id.0.as_bytes();
        self.cases
            .get(key)
            .map_err(|e| self.sled_error(e))?
            .map(|v| codec::decode(&v).map_err(|error| StoreError::Record { key: hex(key), error }))
            .transpose()
    }

    /// Saves `case` and its history entry in one transaction and flushes to disk before
    /// returning: once this returns Ok, the save survives a crash or power loss. The
    /// returned case carries the new revision. `case.revision` must be the revision the
    /// caller read (0 for a new case), else nothing is written and `Conflict` is returned.
    pub fn save(&self, case: &Case, change: &Change) -> Result<Case> {
        let key = *case.id.0.as_bytes();
        let saved = (&self.cases, &self.history)
            .transaction(|(cases, history)| {
                let stored = match cases.get(key)? {
                    None => 0,
                    Some(v) => codec::decode::<Case>(&v)?.revision,
                };
                if stored != case.revision {
                    return Err(ConflictableTransactionError::Abort(Abort::Conflict));
                }
                let mut next = case.clone();
                next.revision = stored + 1;
                cases.insert(&key, codec::encode(&next)?)?;
                let seq = history.generate_id()?;
                history.insert(history_key(&key, seq), codec::encode(change)?)?;
                Ok(next)
            })
            .map_err(|e| match e {
                TransactionError::Abort(Abort::Conflict) => StoreError::Conflict,
                TransactionError::Abort(Abort::Codec(error)) => StoreError::Record { key: hex(&key), error },
                TransactionError::Storage(e) => self.sled_error(e),
            })?;
        self.flush()?;
        Ok(saved)
    }

    /// Adds many new cases at once (demo data, benchmarks), each with its `Created` entry,
    /// in batches of one transaction each, flushed at the end.
    pub fn insert_new(&self, cases: &[Case], who: &str, at: chrono::NaiveDateTime) -> Result<()> {
        for chunk in cases.chunks(1000) {
            let mut case_batch = sled::Batch::default();
            let mut history_batch = sled::Batch::default();
            for case in chunk {
                let key = case.id.0.as_bytes();
                let change = Change {
                    case: case.id,
                    at,
                    who: who.to_string(),
                    kind: crate::domain::history::ChangeKind::Created,
                };
                let record = |e| StoreError::Record { key: hex(key), error: e };
                case_batch.insert(key, codec::encode(case).map_err(record)?);
                let seq = self.db.generate_id().map_err(|e| self.sled_error(e))?;
                history_batch.insert(history_key(key, seq), codec::encode(&change).map_err(record)?);
            }
            (&self.cases, &self.history)
                .transaction(|(c, h)| {
                    c.apply_batch(&case_batch)?;
                    h.apply_batch(&history_batch)?;
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .map_err(|e| match e {
                    TransactionError::Storage(e) => self.sled_error(e),
                    TransactionError::Abort(()) => StoreError::Conflict,
                })?;
        }
        self.flush()
    }

    /// The history of one case, oldest first. Damaged entries are reported as errors.
    pub fn history(&self, id: CaseId) -> Result<Vec<Change>> {
        self.history
            .scan_prefix(id.0.as_bytes())
            .map(|item| {
                let (key, value) = item.map_err(|e| self.sled_error(e))?;
                codec::decode(&value).map_err(|error| StoreError::Record { key: hex(&key), error })
            })
            .collect()
    }

    /// Reads and decodes every record; used by `tandem check`. Returns the number of
    /// cases and history entries, or the first problem.
    pub fn verify(&self) -> Result<(usize, usize)> {
        let loaded = self.load_cases()?;
        if let Some((key, error)) = loaded.damaged.into_iter().next() {
            return Err(StoreError::Record { key, error });
        }
        let mut entries = 0;
        for item in self.history.iter() {
            let (key, value) = item.map_err(|e| self.sled_error(e))?;
            codec::decode::<Change>(&value).map_err(|error| StoreError::Record { key: hex(&key), error })?;
            entries += 1;
        }
        Ok((loaded.cases.len(), entries))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map(|_| ()).map_err(|e| self.sled_error(e))
    }

    fn sled_error(&self, e: sled::Error) -> StoreError {
        sled_error(&self.dir, e)
    }
}

/// Why a save transaction gave up (sled's abort carries one error type).
enum Abort {
    Codec(CodecError),
    Conflict,
}

impl From<CodecError> for ConflictableTransactionError<Abort> {
    fn from(e: CodecError) -> Self {
        ConflictableTransactionError::Abort(Abort::Codec(e))
    }
}

fn history_key(case: &[u8], seq: u64) -> Vec<u8> {
    let mut key = case.to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sled's own (English, technical) text goes to the log; the user gets a Dutch detail.
fn sled_error(dir: &Path, e: sled::Error) -> StoreError {
    tracing::error!(dir = %dir.display(), "sled: {e}");
    let detail = match e {
        sled::Error::Io(error) => return StoreError::Io { dir: dir.to_path_buf(), error },
        sled::Error::Corruption { .. } => strings::SLED_CORRUPT,
        sled::Error::Unsupported(_) | sled::Error::ReportableBug(_) | sled::Error::CollectionNotFound(_) => {
            strings::SLED_UNSUPPORTED
        }
    };
    StoreError::Damaged { dir: dir.to_path_buf(), detail: detail.to_string() }
}

/// sled 0.34 can panic instead of returning an error on some damaged files. Catch that
/// and report it as damage; the panic hook is silenced meanwhile so no trace reaches the
/// user's screen (the panic message goes to the log).
fn open_sled(dir: &Path) -> Result<sled::Db> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| sled::Config::new().path(dir.join("db")).open()));
    panic::set_hook(previous);
    match result {
        Ok(opened) => opened.map_err(|e| sled_error(dir, e)),
        Err(payload) => {
            let detail = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            tracing::error!(dir = %dir.display(), "sled panicked on open: {detail}");
            Err(StoreError::Damaged { dir: dir.to_path_buf(), detail: strings::SLED_PANIC.to_string() })
        }
    }
}

#[cfg(test)]
mod tests;
