//! The store: the only module that knows sled. One sled database per store folder with
//! the trees `cases` (key: the case's random id), `history` (the audit trail; key:
//! case id, or sixteen zero bytes for store events, + the big-endian entry number, so
//! one case's history is a prefix scan), `tombstones` (anonymous figures of deleted
//! cases), `meta` (schema version, the wrapped data key, the audit head), and those
//! listed in `Trees`: drafts, plans, the SWV's, the merge documents, the sync
//! bookkeeping and `rows`, the list's light copies (a cache, `rows.rs`).
//!
//! Every value is sealed by `codec` under the data key; the data key is wrapped by a key
//! derived from the passphrase (and once more by the recovery key). Until `unlock`
//! nothing but `meta` can be read.

mod backup;
mod codec;
pub mod crypto;
mod docs;
mod lock;
mod partners;
mod rows;
mod swv;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional, TransactionalTree};

pub use backup::{Backup, list_backups, newest_good_backup, restore};
pub use codec::{CodecError, decode_plain, encode_plain};
use crypto::{CryptoError, KdfParams, RecoveryKey, SecretKey};
pub use docs::{DocChange, Merging, Received, Sent, SyncState, Taken, author};
pub use partners::{MemberSecret, Partner};
pub use swv::{Imported, SeenBundle, SwvRecord, TeamState};

use crate::domain::audit::{self, Entry, Head};
use crate::domain::case::{Case, CaseId};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::PlanBook;
use crate::domain::retention::Tombstone;
use crate::domain::route::{Draft, Routekaart};
use crate::domain::share::{Clash, Part};
use crate::strings;

/// The layout version of the store as a whole. 1: plain values (before encryption);
/// 2: sealed values and a hash-chained history. Opening a 1 asks for a passphrase and
/// migrates.
pub const SCHEMA_VERSION: u32 = 2;
const SCHEMA_KEY: &[u8] = b"schema";
const KEYRING_KEY: &[u8] = b"keyring";
const HEAD_KEY: &[u8] = b"audit_head";
const AAD_PASSPHRASE: &[u8] = b"tandem/keyring/passphrase";
const AAD_RECOVERY: &[u8] = b"tandem/keyring/recovery";
/// The prefix of history keys of store events (not about one case).
const NO_CASE: [u8; 16] = [0; 16];
/// Outside sled: the last audit head that was flushed. sled 0.34 can silently drop
/// damaged log records written since it was last opened; a head behind this file
/// gives that away.
const ANCHOR_FILE: &str = "anchor.json";
/// Cases decoded per batch when loading.
const LOAD_BATCH: usize = 500;
/// Bytes of sled's page cache.
const SLED_CACHE: u64 = 4 * 1024 * 1024;

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
    /// A merge document could not be read or written (see `crdt`).
    #[error("{}", strings::merge_failed(.0))]
    Merge(crate::crdt::CrdtError),
    /// Received changes wait for changes that have not arrived yet; nothing was written.
    #[error("{}", strings::SYNC_WAITING)]
    Waiting,
    #[error("{}", strings::STORE_LOCKED)]
    Locked,
    #[error("{}", strings::WRONG_PASSPHRASE)]
    WrongPassphrase,
    #[error("{}", strings::WRONG_RECOVERY_KEY)]
    WrongRecoveryKey,
    #[error("{}", strings::KEY_EXISTS)]
    KeyExists,
    #[error("{}", strings::crypto_failed(.0))]
    Crypto(#[from] CryptoError),
    #[error("{}", strings::chain_broken(*.0))]
    Chain(u64),
    #[error("{}", strings::store_truncated(*.expected, *.found))]
    Truncated { expected: u64, found: u64 },
    /// A save was written but could not be flushed (a full disk); saving again completes it.
    #[error("{}", strings::not_flushed(.0))]
    NotFlushed(Box<StoreError>),
    /// The database folder is gone while the anchor or the backups show there was one.
    #[error("{}", strings::store_missing(.0))]
    Missing(PathBuf),
    /// The anchor file is gone while the store has history: a rollback would go unseen.
    #[error("{}", strings::anchor_missing(.0))]
    AnchorMissing(PathBuf),
    /// The store's history ends before the newest backup's: an older copy was put back.
    #[error("{}", strings::store_behind_backup(*.backup, *.found, .created))]
    BehindBackup { backup: u64, found: u64, created: chrono::NaiveDateTime },
}

impl StoreError {
    /// Damage that restoring a backup mends (not a full disk, a second tandem or a newer
    /// version).
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. }
                | StoreError::Record { .. }
                | StoreError::Chain(_)
                | StoreError::Truncated { .. }
                | StoreError::Missing(_)
                | StoreError::AnchorMissing(_)
                | StoreError::BehindBackup { .. }
        )
    }
}

/// A store that could not be opened, with the newest good backup when the cause is
/// damage that restoring it mends.
#[derive(Debug)]
pub struct OpenFailure {
    pub error: StoreError,
    pub backup: Option<Backup>,
}

/// Opens the store in `dir` as `Store::open` does, and also refuses to start an empty
/// store where `backups` shows there was one. Damage comes with the newest good backup.
pub fn open_checked(dir: &Path, backups: &Path) -> Result<Store, OpenFailure> {
    let fail = |error: StoreError| {
        let backup = if error.is_damage() { newest_good_backup(backups) } else { None };
        OpenFailure { error, backup }
    };
    if !dir.join("db").exists() && !list_backups(backups).is_empty() {
        return Err(fail(StoreError::Missing(dir.to_path_buf())));
    }
    Store::open(dir).map_err(fail)
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether the data key is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// No key yet: a new store, or one from before encryption that will be migrated.
    NeedsKey,
    Locked,
    Unlocked,
}

/// What a full read of the cases found: the readable ones and the keys of damaged ones,
/// so one bad record never hides the others.
#[derive(Debug, Default)]
pub struct Loaded {
    pub cases: Vec<Case>,
    pub damaged: Vec<(String, CodecError)>,
    /// Steps being typed in, per case (filled by `load_all`).
    pub drafts: Vec<(CaseId, Draft)>,
}

/// What `verify` found in a sound store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub cases: usize,
    pub entries: usize,
    pub tombstones: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Keyring {
    kdf: KdfParams,
    #[serde(with = "crypto::b64")]
    by_passphrase: Vec<u8>,
    #[serde(with = "crypto::b64")]
    by_recovery: Vec<u8>,
}

struct Trees {
    db: sled::Db,
    cases: sled::Tree,
    history: sled::Tree,
    tombstones: sled::Tree,
    /// What is being typed in a step, per case (no history: nothing is decided yet).
    drafts: sled::Tree,
    /// The plan van aanpak per case, all versions (`PlanBook`).
    plans: sled::Tree,
    meta: sled::Tree,
    /// The SWV's store only: imported records, their revisions, bundles seen, teams.
    swv: sled::Tree,
    /// The merge documents per case and part (`docs`).
    docs: sled::Tree,
    /// The screens' light copies of the cases, in pages by the first byte of the id
    /// (`rows`), a cache beside `cases`.
    rows: sled::Tree,
    /// What was sent to whom, what changed since, the sync bookkeeping (`docs`).
    sync: sled::Tree,
}

impl Trees {
    /// Every tree with its name, for copying a store whole; not `rows`, a cache made
    /// again from `cases` at the next load.
    fn named(&self) -> [(&'static str, &sled::Tree); 9] {
        [
            ("docs", &self.docs),
            ("sync", &self.sync),
            ("cases", &self.cases),
            ("history", &self.history),
            ("tombstones", &self.tombstones),
            ("drafts", &self.drafts),
            ("plans", &self.plans),
            ("meta", &self.meta),
            ("swv", &self.swv),
        ]
    }
}

pub struct Store {
    dir: PathBuf,
    trees: Trees,
    key: Option<SecretKey>,
    /// The case and revision of a save that was written but not flushed: saving the same
    /// again completes it instead of being a conflict.
    unflushed: std::sync::Mutex<Option<(CaseId, u64)>>,
    /// Set once sync is configured: saves then also write the merge documents.
    merging: Option<Merging>,
    /// The actor id of this copy's changes to the documents, new each time it opens.
    actor: Vec<u8>,
    // Held for the store's lifetime; dropping it releases the lock.
    _lock: lock::LockFile,
}

impl Store {
    /// Opens (or creates) the store in `dir`, locked until `unlock`. A second instance,
    /// a damaged database or a store written by a newer tandem each get their own error;
    /// sled's own panics on damaged files are caught here and reported as damage.
    pub fn open(dir: &Path) -> Result<Store> {
        let io = |error| StoreError::Io { dir: dir.to_path_buf(), error };
        std::fs::create_dir_all(dir).map_err(io)?;
        crate::atomic::private_dir(dir).map_err(io)?;
        let lock = lock::LockFile::acquire(&dir.join("tandem.lock")).map_err(|e| match e {
            lock::LockError::Held => StoreError::AlreadyOpen(dir.to_path_buf()),
            lock::LockError::Io(error) => io(error),
        })?;
        backup::finish_swap(dir).map_err(io)?;
        let fresh = !dir.join("db").exists();
        // The anchor is written when a store is made: without the database it was lost.
        if fresh && dir.join(ANCHOR_FILE).exists() {
            return Err(StoreError::Missing(dir.to_path_buf()));
        }
        let trees = open_trees(dir, &dir.join("db"))?;
        match trees.meta.get(SCHEMA_KEY).map_err(|e| sled_error(dir, e))? {
            None if fresh => {
                trees.meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes()).map_err(|e| sled_error(dir, e))?;
                trees.db.flush().map_err(|e| sled_error(dir, e))?;
                crate::atomic::write(&dir.join(ANCHOR_FILE), &head_json(Head::EMPTY)).map_err(io)?;
            }
            // A database without its schema key lost data it once had.
            None => return Err(StoreError::Damaged { dir: dir.to_path_buf(), detail: strings::SCHEMA_MISSING.into() }),
            Some(v) => {
                let found = schema_of(&v).ok_or_else(|| StoreError::Damaged {
                    dir: dir.to_path_buf(),
                    detail: strings::SCHEMA_UNREADABLE.into(),
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::TooNew { found });
                }
            }
        }
        let store = Store::locked(dir, trees, lock);
        // The quick part of `verify`: no key needed, so every command runs it.
        store.check_anchor(store.recorded_head()?)?;
        Ok(store)
    }

    /// A store over `trees`, its key not yet given.
    fn locked(dir: &Path, trees: Trees, lock: lock::LockFile) -> Store {
        Store {
            dir: dir.to_path_buf(),
            trees,
            key: None,
            unflushed: Default::default(),
            merging: None,
            actor: Vec::new(),
            _lock: lock,
        }
    }

    /// A stand-in for a store that cannot be opened, holding its lock, so that a backup
    /// can be restored into it (`restore`) from the screens. Nothing can be read from it.
    pub fn for_restore(dir: &Path) -> Result<Store> {
        let io = |error| StoreError::Io { dir: dir.to_path_buf(), error };
        let lock = lock::LockFile::acquire(&dir.join("tandem.lock")).map_err(|e| match e {
            lock::LockError::Held => StoreError::AlreadyOpen(dir.to_path_buf()),
            lock::LockError::Io(error) => io(error),
        })?;
        let db = sled::Config::new().temporary(true).open().map_err(|e| sled_error(dir, e))?;
        let trees = trees_of(dir, db)?;
        Ok(Store::locked(dir, trees, lock))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key_state(&self) -> Result<KeyState> {
        Ok(match (self.keyring()?, &self.key) {
            (None, _) => KeyState::NeedsKey,
            (Some(_), None) => KeyState::Locked,
            (Some(_), Some(_)) => KeyState::Unlocked,
        })
    }

    /// Makes the data key of a new store (or of one from before encryption, whose plain
    /// values are sealed and whose history is chained in the same transaction) and
    /// returns the recovery key, to be shown once.
    pub fn create_key(
        &mut self,
        passphrase: &[u8],
        kdf: KdfParams,
        who: &str,
        at: chrono::NaiveDateTime,
    ) -> Result<RecoveryKey> {
        if self.keyring()?.is_some() {
            return Err(StoreError::KeyExists);
        }
        let data_key = SecretKey::random()?;
        let recovery = RecoveryKey::random()?;
        let keyring = Keyring {
            by_passphrase: kdf.derive(passphrase)?.seal(AAD_PASSPHRASE, data_key.bytes())?,
            by_recovery: recovery.key().seal(AAD_RECOVERY, data_key.bytes())?,
            kdf,
        };
        let migrated = self.migrate_plain(&data_key, &keyring)?;
        self.key = Some(data_key);
        self.append_event(Change::store_event(ChangeKind::KeyCreated, who, at))?;
        if migrated {
            // sled is log-structured: the old plain values would linger in its files.
            self.rebuild(at)?;
        }
        Ok(recovery)
    }

    /// Seals every plain value of a schema-1 store and writes the keyring, all in one
    /// transaction: a crash leaves either the old store or the new one.
    /// Returns whether there was anything to migrate.
    fn migrate_plain(&self, key: &SecretKey, keyring: &Keyring) -> Result<bool> {
        let t = &self.trees;
        let cases: Vec<(sled::IVec, Case)> = self.plain_records(&t.cases)?;
        let mut changes: Vec<(sled::IVec, Change)> = self.plain_records(&t.history)?;
        // The chain follows time; old keys were grouped per case.
        changes.sort_by_key(|(k, c)| (c.at, k.get(16..).map(<[u8]>::to_vec)));
        let keyring_json = serde_json::to_vec(keyring).map_err(|e| self.damaged(e.to_string()))?;
        (&t.cases, &t.history, &t.meta)
            .transaction(|(tc, th, tm)| {
                for (k, case) in &cases {
                    tc.insert(k, codec::encode(key, "cases", k, case)?)?;
                }
                // All old keys go first: a new key may equal an old one not yet moved.
                for (k, _) in &changes {
                    th.remove(k)?;
                }
                let mut head = Head::EMPTY;
                for (_, change) in &changes {
                    head = append(th, key, head, change.clone())?;
                }
                tm.insert(HEAD_KEY, head_json(head))?;
                tm.insert(KEYRING_KEY, keyring_json.clone())?;
                tm.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e, &[]))?;
        self.flush()?;
        Ok(!cases.is_empty() || !changes.is_empty())
    }

    fn plain_records<T: codec::Record>(&self, tree: &sled::Tree) -> Result<Vec<(sled::IVec, T)>> {
        tree.iter()
            .map(|item| {
                let (k, v) = item.map_err(|e| self.sled_error(e))?;
                decode_plain(&v).map(|r| (k.clone(), r)).map_err(|error| StoreError::Record { key: hex(&k), error })
            })
            .collect()
    }

    /// Unlocks with the passphrase. A wrong one changes nothing.
    pub fn unlock(&mut self, passphrase: &[u8]) -> Result<()> {
        let keyring = self.keyring()?.ok_or(StoreError::Locked)?;
        let kek = keyring.kdf.derive(passphrase)?;
        let data = kek.open(AAD_PASSPHRASE, &keyring.by_passphrase).map_err(|_| StoreError::WrongPassphrase)?;
        self.key = Some(SecretKey::from_bytes(&data).ok_or(StoreError::WrongPassphrase)?);
        Ok(())
    }

    /// Unlocks with the recovery key (when the passphrase is forgotten); the caller then
    /// sets a new passphrase with `change_passphrase`.
    pub fn unlock_with_recovery(&mut self, recovery: &RecoveryKey) -> Result<()> {
        let keyring = self.keyring()?.ok_or(StoreError::Locked)?;
        let data = recovery.key().open(AAD_RECOVERY, &keyring.by_recovery).map_err(|_| StoreError::WrongRecoveryKey)?;
        self.key = Some(SecretKey::from_bytes(&data).ok_or(StoreError::WrongRecoveryKey)?);
        Ok(())
    }

    /// Re-wraps the data key under a new passphrase; the data itself is not touched.
    pub fn change_passphrase(&mut self, passphrase: &[u8], kdf: KdfParams, event: Change) -> Result<()> {
        let key = self.key()?.clone();
        let mut keyring = self.keyring()?.ok_or(StoreError::Locked)?;
        keyring.by_passphrase = kdf.derive(passphrase)?.seal(AAD_PASSPHRASE, key.bytes())?;
        keyring.kdf = kdf;
        let json = serde_json::to_vec(&keyring).map_err(|e| self.damaged(e.to_string()))?;
        self.trees.meta.insert(KEYRING_KEY, json).map_err(|e| self.sled_error(e))?;
        self.append_event(event)
    }

    /// Forgets the data key (it is wiped from memory on drop).
    pub fn lock(&mut self) {
        self.key = None;
    }

    fn key(&self) -> Result<&SecretKey> {
        self.key.as_ref().ok_or(StoreError::Locked)
    }

    fn keyring(&self) -> Result<Option<Keyring>> {
        let Some(v) = self.trees.meta.get(KEYRING_KEY).map_err(|e| self.sled_error(e))? else { return Ok(None) };
        serde_json::from_slice(&v).map(Some).map_err(|e| self.damaged(e.to_string()))
    }

    /// Every case, decoded whole; damaged records are listed, not fatal.
    pub fn load_cases(&self) -> Result<Loaded> {
        self.load(None)
    }

    /// What the screens need after unlocking: every case as a light copy
    /// (`Case::lighten`), read from its row where it has one (`rows`), and the drafts.
    pub fn load_all(&self, route: &Routekaart) -> Result<Loaded> {
        let mut loaded = self.load(Some(route))?;
        loaded.drafts = self.drafts()?;
        Ok(loaded)
    }

    /// The cases, whole or (with `route`) light, about `LOAD_BATCH` records at a time so
    /// only a slice of the raw (sealed) values is in memory at once. Decrypting and
    /// parsing are most of the work, so each batch is spread over the cores.
    fn load(&self, route: Option<&Routekaart>) -> Result<Loaded> {
        let key = self.key()?;
        let sled_error = |e| self.sled_error(e);
        let mut pages =
            route.map(|r| rows::Pages::open(&self.trees.rows, &self.trees.meta, r)).transpose().map_err(sled_error)?;
        let mut loaded = Loaded::default();
        let mut items = self.trees.cases.iter().peekable();
        loop {
            let mut batch = rows::groups(&mut items, LOAD_BATCH).map_err(sled_error)?;
            if batch.is_empty() {
                break;
            }
            if let Some(pages) = &mut pages {
                pages.attach(&mut batch).map_err(sled_error)?;
            }
            for (group, decoded) in batch.iter().zip(crate::cores::map(&batch, |g| rows::decode(key, route, g))) {
                for case in decoded.cases {
                    match case {
                        Ok(case) => loaded.cases.push(case),
                        Err(damaged) => loaded.damaged.push(damaged),
                    }
                }
                if let (Some(pages), Some(fresh)) = (&pages, decoded.fresh) {
                    pages.keep(group.page_key, fresh);
                }
            }
        }
        if let Some(pages) = pages {
            pages.finish();
        }
        Ok(loaded)
    }

    pub fn case(&self, id: CaseId) -> Result<Option<Case>> {
        self.get(&self.trees.cases, "cases", id)
    }

    /// Every record of `tree` whose key starts with `prefix`, unsealed (`name` is the tree's
    /// name in the sealing, as `codec::decode` takes it).
    fn scan_sealed<T: codec::Record>(&self, tree: &sled::Tree, name: &str, prefix: &[u8]) -> Result<Vec<T>> {
        let key = self.key()?;
        tree.scan_prefix(prefix)
            .map(|item| {
                let (k, v) = item.map_err(|e| self.sled_error(e))?;
                codec::decode(key, name, &k, &v).map_err(|error| StoreError::Record { key: hex(&k), error })
            })
            .collect()
    }

    /// One record of a tree keyed by case id, unsealed.
    fn get<T: codec::Record>(&self, tree: &sled::Tree, name: &str, id: CaseId) -> Result<Option<T>> {
        let key = self.key()?;
        let k = id.0.as_bytes();
        tree.get(k)
            .map_err(|e| self.sled_error(e))?
            .map(|v| codec::decode(key, name, k, &v).map_err(|error| StoreError::Record { key: hex(k), error }))
            .transpose()
    }

    /// Saves `case` and its history entry in one transaction and flushes to disk before
    /// returning: once this returns Ok, the save survives a crash or power loss. A light
    /// copy (`Case::lighten`) is filled in from the stored case. The returned case carries
    /// the new revision. `case.revision` must be the revision the
    /// caller read (0 for a new case), else nothing is written and `Conflict` is returned.
    /// A retry of a save that was written but not flushed (`NotFlushed`) is recognised:
    /// the stored case is flushed and returned, and nothing is written twice.
    pub fn save(&self, case: &Case, change: &Change) -> Result<Case> {
        let key = self.key()?;
        let k = *case.id.0.as_bytes();
        let t = &self.trees;
        let unflushed = self.unflushed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let retry = unflushed == Some((case.id, case.revision + 1));
        let saved = (&t.cases, &t.history, &t.meta, &t.docs, &t.sync)
            .transaction(|(tc, th, tm, td, ts)| {
                let stored = match tc.get(k)? {
                    None => None,
                    Some(v) => Some(codec::decode::<Case>(key, "cases", &k, &v)?),
                };
                let mut next = case.clone();
                // The screens hold light copies: what completed steps recorded comes from here.
                if let Some(stored) = &stored {
                    next.fill_from(stored);
                }
                match &stored {
                    Some(stored) if retry && stored.revision == case.revision + 1 => {
                        let mut same = next.clone();
                        (same.revision, same.copy) = (stored.revision, stored.copy.clone());
                        if *stored == same {
                            return Ok(stored.clone());
                        }
                    }
                    _ => {}
                }
                match &stored {
                    // Saved on this copy since it was read: the caller's copy is stale.
                    Some(stored) if stored.revision != case.revision && !self.merges_over(case, stored) => {
                        return Err(ConflictableTransactionError::Abort(Abort::Conflict));
                    }
                    None if case.revision != 0 => return Err(ConflictableTransactionError::Abort(Abort::Conflict)),
                    _ => {}
                }
                next.revision = stored.as_ref().map_or(0, |s| s.revision) + 1;
                if let Some(merging) = &self.merging {
                    // The clashes are the documents', which the stored record shows: a form
                    // opened before a sync brought one does not know it.
                    if let Some(stored) = &stored {
                        next.copy.clashes.clone_from(&stored.copy.clashes);
                    }
                    let docs = docs::Docs { tree: td, sync: ts, key, actor: &self.actor };
                    let time = change.at.and_utc().timestamp();
                    let writing = docs::Writing {
                        case: &next,
                        book: None,
                        stored: stored.as_ref(),
                        owner: docs::Owner::Record,
                        plan_base: &[],
                        time,
                    };
                    let written = docs::write(&docs, merging, &writing)?;
                    match written.merged {
                        Some((merged, _)) => next = Case { id: next.id, revision: next.revision, ..merged },
                        None => next.copy.settle_clashes(written.clashes),
                    }
                    next.copy.heads = written.heads;
                    next.copy.local_revision = next.revision;
                }
                tc.insert(&k, codec::encode(key, "cases", &k, &next)?)?;
                let head = append(th, key, read_head(tm)?, change.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(next)
            })
            .map_err(|e| self.tx_error(e, &k))?;
        if let Err(e) = self.flush() {
            *self.unflushed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((saved.id, saved.revision));
            return Err(StoreError::NotFlushed(Box::new(e)));
        }
        Ok(saved)
    }

    /// Adds many new cases at once (demo data, benchmarks), each with its `Created`
    /// entry, one transaction per thousand, flushed at the end. An id that exists already
    /// aborts its transaction with `Conflict`.
    pub fn insert_new(&self, cases: &[Case], who: &str, at: chrono::NaiveDateTime) -> Result<()> {
        let key = self.key()?;
        let t = &self.trees;
        for chunk in cases.chunks(1000) {
            (&t.cases, &t.history, &t.meta)
                .transaction(|(tc, th, tm)| {
                    let mut head = read_head(tm)?;
                    for case in chunk {
                        let k = case.id.0.as_bytes();
                        // New means new: never overwrite a case that is already there.
                        if tc.insert(k, codec::encode(key, "cases", k, case)?)?.is_some() {
                            return Err(ConflictableTransactionError::Abort(Abort::Conflict));
                        }
                        let change =
                            Change { case: Some(case.id), at, who: who.to_string(), kind: ChangeKind::Created };
                        head = append(th, key, head, change)?;
                    }
                    tm.insert(HEAD_KEY, head_json(head))?;
                    Ok(())
                })
                .map_err(|e| self.tx_error(e, &[]))?;
        }
        self.flush()
    }

    /// Deletes a case's content: the case record goes, its history entries keep only
    /// their place in the chain (details redacted), an anonymous tombstone stays for the
    /// monitoring figures, and `event` (a `Deleted` entry) records that it happened.
    pub fn delete_case(&self, id: CaseId, event: Change) -> Result<()> {
        let key = self.key()?;
        let k = *id.0.as_bytes();
        let t = &self.trees;
        let Some(case) = self.case(id)? else { return Ok(()) };
        let tombstone_key = *CaseId::random().0.as_bytes();
        let tombstone = codec::encode(key, "tombstones", &tombstone_key, &Tombstone::of(&case))
            .map_err(|error| StoreError::Record { key: hex(&k), error })?;
        // Only the worker writes (the lock guarantees one process), so the keys read here
        // are still all there is when the transaction runs.
        let history_keys: Vec<sled::IVec> =
            t.history.scan_prefix(k).keys().collect::<std::result::Result<_, _>>().map_err(|e| self.sled_error(e))?;
        (&t.cases, &t.history, &t.tombstones, &t.meta, &t.drafts, &t.plans, &t.docs, &t.rows)
            .transaction(|(tc, th, tt, tm, td, tp, tdocs, tr)| {
                tc.remove(&k)?;
                tr.remove(&rows::page_of(&k))?;
                td.remove(&k)?;
                tp.remove(&k)?;
                docs::remove_all(tdocs, id)?;
                for hk in &history_keys {
                    if let Some(v) = th.get(hk)? {
                        let mut entry: Entry = codec::decode(key, "history", hk, &v)?;
                        entry.details = None;
                        th.insert(hk, codec::encode(key, "history", hk, &entry)?)?;
                    }
                }
                tt.insert(&tombstone_key, tombstone.clone())?;
                let head = append(th, key, read_head(tm)?, event.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e, &k))?;
        self.flush()
    }

    /// The case's plan van aanpak, every version; `None` before one was started.
    pub fn plan(&self, id: CaseId) -> Result<Option<PlanBook>> {
        self.get(&self.trees.plans, "plans", id)
    }

    /// Saves the plan, flushed. Autosaves pass no `change`; signing and starting a
    /// version do, and their history entry is written in the same transaction.
    pub fn save_plan(&self, id: CaseId, book: &PlanBook, change: Option<&Change>) -> Result<Option<Case>> {
        let key = self.key()?;
        let k = *id.0.as_bytes();
        let t = &self.trees;
        let record = (&t.plans, &t.history, &t.meta, &t.cases, &t.docs, &t.sync)
            .transaction(|(tp, th, tm, tc, td, ts)| {
                let mut book = book.clone();
                let mut record = None;
                if let (Some(merging), Some(v)) = (&self.merging, tc.get(k)?) {
                    let case = codec::decode::<Case>(key, "cases", &k, &v)?;
                    let docs = docs::Docs { tree: td, sync: ts, key, actor: &self.actor };
                    let time = change.map_or(0, |c| c.at.and_utc().timestamp());
                    let base = docs.plan_base(id, &book)?;
                    let writing = docs::Writing {
                        case: &case,
                        book: Some(&book),
                        stored: None,
                        owner: docs::Owner::Plan,
                        plan_base: &base,
                        time,
                    };
                    let written = docs::write(&docs, merging, &writing)?;
                    if let Some(view) = written.plan_view {
                        docs.set_plan_base(id, &book, view)?;
                    }
                    book.heads = written.heads.get(&Part::Plan).cloned().unwrap_or_default();
                    let clashes = match written.merged {
                        Some((merged, merged_book)) => {
                            if let Some(merged) = merged_book {
                                book = PlanBook { heads: std::mem::take(&mut book.heads), ..merged };
                            }
                            let plan = merged.copy.clashes.into_iter().filter(|c| c.part == Part::Plan).collect();
                            BTreeMap::from([(Part::Plan, plan)])
                        }
                        None => written.clashes,
                    };
                    record = with_clashes(case, clashes);
                }
                book.session.clear();
                tp.insert(&k, codec::encode(key, "plans", &k, &book)?)?;
                if let Some(case) = &record {
                    tc.insert(&k, codec::encode(key, "cases", &k, case)?)?;
                }
                if let Some(change) = change {
                    let head = append(th, key, read_head(tm)?, change.clone())?;
                    tm.insert(HEAD_KEY, head_json(head))?;
                }
                Ok(record)
            })
            .map_err(|e| self.tx_error(e, &k))?;
        self.flush().map(|()| record)
    }

    /// Adds plans in bulk (demo data, benchmarks), without history; flushed at the end.
    pub fn insert_plans(&self, plans: &[(CaseId, PlanBook)]) -> Result<()> {
        let key = self.key()?;
        let mut batch = sled::Batch::default();
        for (id, book) in plans {
            let k = id.0.as_bytes();
            let value =
                codec::encode(key, "plans", k, book).map_err(|error| StoreError::Record { key: hex(k), error })?;
            batch.insert(k, value);
        }
        self.trees.plans.apply_batch(batch).map_err(|e| self.sled_error(e))?;
        self.flush()
    }

    /// Keeps what is being typed in a step; flushed, so a crash does not lose it.
    pub fn save_draft(&self, id: CaseId, draft: &Draft) -> Result<()> {
        let key = self.key()?;
        let k = id.0.as_bytes();
        let value =
            codec::encode(key, "drafts", k, draft).map_err(|error| StoreError::Record { key: hex(k), error })?;
        self.trees.drafts.insert(k, value).map_err(|e| self.sled_error(e))?;
        self.trees.db.flush().map(|_| ()).map_err(|e| self.sled_error(e))
    }

    pub fn delete_draft(&self, id: CaseId) -> Result<()> {
        self.trees.drafts.remove(id.0.as_bytes()).map_err(|e| self.sled_error(e))?;
        self.trees.db.flush().map(|_| ()).map_err(|e| self.sled_error(e))
    }

    /// Every draft; a damaged one is skipped (it is only unsaved typing).
    pub fn drafts(&self) -> Result<Vec<(CaseId, Draft)>> {
        let key = self.key()?;
        let mut out = Vec::new();
        for item in self.trees.drafts.iter() {
            let (k, v) = item.map_err(|e| self.sled_error(e))?;
            let (Ok(bytes), Ok(draft)) =
                (<[u8; 16]>::try_from(k.as_ref()), codec::decode::<Draft>(key, "drafts", &k, &v))
            else {
                continue;
            };
            out.push((CaseId(uuid::Uuid::from_bytes(bytes)), draft));
        }
        Ok(out)
    }

    /// Records a store event (key made, passphrase changed, export for parents, ...).
    pub fn append_event(&self, event: Change) -> Result<()> {
        self.append_event_with(event, None)
    }

    /// Records a store event together with one `meta` value (`name`, sealed or not by the
    /// caller) in the same transaction, flushed.
    fn append_event_with(&self, event: Change, meta: Option<(&[u8], Vec<u8>)>) -> Result<()> {
        let key = self.key()?;
        let t = &self.trees;
        (&t.history, &t.meta)
            .transaction(|(th, tm)| {
                if let Some((name, value)) = &meta {
                    tm.insert(*name, value.clone())?;
                }
                let head = append(th, key, read_head(tm)?, event.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(())
            })
            .map_err(|e| self.tx_error(e, meta.as_ref().map_or(&[][..], |(name, _)| *name)))?;
        self.flush()
    }

    /// The history of one case, oldest first (redacted entries left out).
    pub fn history(&self, id: CaseId) -> Result<Vec<Change>> {
        let key = self.key()?;
        let mut out = Vec::new();
        for item in self.trees.history.scan_prefix(id.0.as_bytes()) {
            let (k, v) = item.map_err(|e| self.sled_error(e))?;
            let entry: Entry =
                codec::decode(key, "history", &k, &v).map_err(|error| StoreError::Record { key: hex(&k), error })?;
            out.extend(entry.details);
        }
        Ok(out)
    }

    /// The whole audit trail in chain order.
    pub fn audit_entries(&self) -> Result<Vec<Entry>> {
        let mut entries = self.audit_mapped(|e| e)?;
        entries.sort_by_key(|e| e.seq);
        Ok(entries)
    }

    /// `f` of every audit entry, in the order of the tree (by case, then number).
    fn audit_mapped<T>(&self, f: impl Fn(Entry) -> T) -> Result<Vec<T>> {
        let key = self.key()?;
        self.trees
            .history
            .iter()
            .map(|item| {
                let (k, v) = item.map_err(|e| self.sled_error(e))?;
                let entry = codec::decode::<Entry>(key, "history", &k, &v)
                    .map_err(|error| StoreError::Record { key: hex(&k), error })?;
                Ok(f(entry))
            })
            .collect()
    }

    /// Checks everything: every value decrypts and verifies, the audit chain is whole and
    /// ends at the recorded head, and nothing flushed earlier has gone missing.
    pub fn verify(&self) -> Result<Verified> {
        let key = self.key()?;
        // Every case must decode; they are checked one by one and dropped, so checking
        // never holds a second full copy of the store in memory.
        let mut cases = 0;
        for item in self.trees.cases.iter() {
            let (k, v) = item.map_err(|e| self.sled_error(e))?;
            codec::decode::<Case>(key, "cases", &k, &v).map_err(|error| StoreError::Record { key: hex(&k), error })?;
            cases += 1;
        }
        // Links, not entries: small and without the details, while they wait to be sorted.
        let mut links = self.audit_mapped(|e| audit::Link::of(&e))?;
        links.sort_by_key(|l| l.seq);
        let head = audit::verify(links.iter().copied()).map_err(|e| StoreError::Chain(e.seq()))?;
        let recorded = self.trees.meta.get(HEAD_KEY).map_err(|e| self.sled_error(e))?;
        let recorded = recorded.map(|v| parse_head(&v)).transpose().map_err(|_| StoreError::Chain(head.seq))?;
        if recorded.unwrap_or(Head::EMPTY) != head {
            return Err(StoreError::Chain(head.seq + 1));
        }
        self.check_anchor(head)?;
        let mut tombstones = 0;
        for item in self.trees.tombstones.iter() {
            let (k, v) = item.map_err(|e| self.sled_error(e))?;
            codec::decode::<Tombstone>(key, "tombstones", &k, &v)
                .map_err(|error| StoreError::Record { key: hex(&k), error })?;
            tombstones += 1;
        }
        Ok(Verified { cases, entries: links.len(), tombstones })
    }

    /// The audit head recorded in `meta` (empty before the first entry).
    fn recorded_head(&self) -> Result<Head> {
        match self.trees.meta.get(HEAD_KEY).map_err(|e| self.sled_error(e))? {
            None => Ok(Head::EMPTY),
            Some(v) => parse_head(&v).map_err(|_| self.damaged(strings::HEAD_UNREADABLE.into())),
        }
    }

    /// The anchor outside sled must be there once there is history, be readable, and not
    /// be ahead of (or beside) `head`.
    fn check_anchor(&self, head: Head) -> Result<()> {
        let anchor = match std::fs::read(self.dir.join(ANCHOR_FILE)) {
            Ok(bytes) => parse_head(&bytes).map_err(|_| self.damaged(strings::ANCHOR_UNREADABLE.into()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && head.seq == 0 => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::AnchorMissing(self.dir.clone()));
            }
            Err(error) => return Err(StoreError::Io { dir: self.dir.clone(), error }),
        };
        if anchor.seq > head.seq {
            return Err(StoreError::Truncated { expected: anchor.seq, found: head.seq });
        }
        if anchor.seq == head.seq && anchor != head {
            return Err(StoreError::Chain(head.seq));
        }
        Ok(())
    }

    /// A store whose history ends before that of the newest good backup in `backups` was
    /// rolled back to an older copy (or a newer backup was put back by hand since).
    pub fn check_backups(&self, backups: &Path) -> Result<()> {
        let Some((newest, head)) = backup::newest_good_with_head(backups) else { return Ok(()) };
        let found = self.recorded_head()?.seq;
        match head {
            Some(head) if head.seq > found => {
                Err(StoreError::BehindBackup { backup: head.seq, found, created: newest.created })
            }
            _ => Ok(()),
        }
    }

    fn anchor(&self) -> Option<Head> {
        std::fs::read(self.dir.join(ANCHOR_FILE)).ok().and_then(|b| parse_head(&b).ok())
    }

    /// Flushes sled, then records the head outside it.
    fn flush(&self) -> Result<()> {
        self.trees.db.flush().map_err(|e| self.sled_error(e))?;
        if let Some(head) = self.trees.meta.get(HEAD_KEY).map_err(|e| self.sled_error(e))? {
            crate::atomic::write(&self.dir.join(ANCHOR_FILE), &head)
                .map_err(|error| StoreError::Io { dir: self.dir.clone(), error })?;
        }
        Ok(())
    }

    fn sled_error(&self, e: sled::Error) -> StoreError {
        sled_error(&self.dir, e)
    }

    fn damaged(&self, detail: String) -> StoreError {
        StoreError::Damaged { dir: self.dir.clone(), detail }
    }

    fn tx_error(&self, e: TransactionError<Abort>, key: &[u8]) -> StoreError {
        match e {
            TransactionError::Abort(Abort::Conflict) => StoreError::Conflict,
            TransactionError::Abort(Abort::Codec(error)) => StoreError::Record { key: hex(key), error },
            TransactionError::Abort(Abort::Head) => self.damaged(strings::HEAD_UNREADABLE.into()),
            TransactionError::Abort(Abort::Merge(e)) => StoreError::Merge(e),
            TransactionError::Abort(Abort::Waiting) => StoreError::Waiting,
            TransactionError::Storage(e) => self.sled_error(e),
        }
    }
}

/// Why a transaction gave up (sled's abort carries one error type).
enum Abort {
    Codec(CodecError),
    Conflict,
    Head,
    Merge(crate::crdt::CrdtError),
    Waiting,
}

impl From<CodecError> for ConflictableTransactionError<Abort> {
    fn from(e: CodecError) -> Self {
        ConflictableTransactionError::Abort(Abort::Codec(e))
    }
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Abort>>;

/// Appends `change` to the chain after `head` inside a transaction; returns the new head.
fn append(th: &TransactionalTree, key: &SecretKey, head: Head, change: Change) -> TxResult<Head> {
    // A deletion is a store event: it must not reappear in the deleted case's history.
    let prefix = match (&change.kind, change.case) {
        (ChangeKind::Deleted { .. }, _) | (_, None) => NO_CASE,
        (_, Some(id)) => *id.0.as_bytes(),
    };
    let entry = Entry::after(head, change);
    let k = history_key(&prefix, entry.seq);
    th.insert(k.clone(), codec::encode(key, "history", &k, &entry)?)?;
    Ok(entry.head())
}

/// `case` with the clashes a plan save left in the parts it wrote, when they differ from
/// what it showed (writing one value over a clash settles it). A new revision, written as
/// a sync writes one: `local_revision` stays, so a case form opened before still saves,
/// merged.
fn with_clashes(mut case: Case, clashes: BTreeMap<Part, Vec<Clash>>) -> Option<Case> {
    let before = case.copy.clashes.clone();
    case.copy.settle_clashes(clashes);
    (case.copy.clashes != before).then(|| Case { revision: case.revision + 1, ..case })
}

fn read_head(tm: &TransactionalTree) -> TxResult<Head> {
    match tm.get(HEAD_KEY)? {
        None => Ok(Head::EMPTY),
        Some(v) => parse_head(&v).map_err(|_| ConflictableTransactionError::Abort(Abort::Head)),
    }
}

fn head_json(head: Head) -> Vec<u8> {
    // A struct of a number and a fixed-size hash always serialises.
    serde_json::to_vec(&head).unwrap_or_default()
}

fn parse_head(bytes: &[u8]) -> serde_json::Result<Head> {
    serde_json::from_slice(bytes)
}

fn schema_of(v: &[u8]) -> Option<u32> {
    <[u8; 4]>::try_from(v).ok().map(u32::from_be_bytes)
}

fn history_key(prefix: &[u8; 16], seq: u64) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

fn open_trees(dir: &Path, path: &Path) -> Result<Trees> {
    // sled's background threads can hold its file lock for a moment after a handle was
    // dropped (sled's own tests block on it). Our lock file already excludes other
    // processes, so a held sled lock can only be our own former handle: wait for it.
    let mut attempts = 0;
    let db = loop {
        match open_sled(dir, path) {
            Err(StoreError::Io { error, .. })
                if attempts < 40 && error.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => break other?,
        }
    };
    trees_of(dir, db)
}

fn trees_of(dir: &Path, db: sled::Db) -> Result<Trees> {
    let tree = |name: &str| db.open_tree(name).map_err(|e| sled_error(dir, e));
    Ok(Trees {
        cases: tree("cases")?,
        history: tree("history")?,
        tombstones: tree("tombstones")?,
        drafts: tree("drafts")?,
        plans: tree("plans")?,
        swv: tree("swv")?,
        docs: tree("docs")?,
        rows: tree("rows")?,
        sync: tree("sync")?,
        meta: tree("meta")?,
        db,
    })
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
fn open_sled(dir: &Path, path: &Path) -> Result<sled::Db> {
    // The hook is process-wide: two opens at once must not restore each other's silence.
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    // sled's page cache defaults to 1 GiB; everything tandem reads is decoded into its own
    // model once, so a small cache keeps the app small without slowing it down.
    let result =
        panic::catch_unwind(AssertUnwindSafe(|| sled::Config::new().path(path).cache_capacity(SLED_CACHE).open()));
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
