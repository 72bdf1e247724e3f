//! Backups: every tree's raw bytes (values stay sealed, so a backup is as encrypted as
//! the store) in one file with a SHA-256 checksum, written atomically and rotated.
//! Restoring builds a new database beside the old one and swaps the folders, so a
//! failed restore leaves the store as it was.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ANCHOR_FILE, HEAD_KEY, Result, Store, StoreError, lock, open_trees};
use crate::strings;

const MAGIC: &str = "tandem-backup 1";
const EXTENSION: &str = "backup";
/// Beside the store while a restored database is complete but not yet moved in.
const STAGED: &str = "db.restoring.done";

#[derive(Serialize, Deserialize)]
struct Dump {
    created: NaiveDateTime,
    trees: Vec<TreeDump>,
}

#[derive(Serialize, Deserialize)]
struct TreeDump {
    name: String,
    /// Base64 key and value pairs.
    entries: Vec<[String; 2]>,
}

/// A backup file found in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub created: NaiveDateTime,
}

impl Store {
    /// Writes a backup into `dir` and keeps only the newest `keep`. Needs no key: the
    /// values are copied sealed.
    pub fn backup(&self, dir: &Path, at: NaiveDateTime, keep: usize) -> Result<PathBuf> {
        // A store that lost its newest writes must not push good backups out of rotation.
        let head = self.trees.meta.get(super::HEAD_KEY).map_err(|e| self.sled_error(e))?;
        let head = head.and_then(|v| super::parse_head(&v).ok()).map_or(0, |h| h.seq);
        if let Some(anchor) = self.anchor()
            && anchor.seq > head
        {
            return Err(StoreError::Truncated { expected: anchor.seq, found: head });
        }
        let t = &self.trees;
        let mut trees = Vec::new();
        for (name, tree) in t.named() {
            let mut entries = Vec::new();
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.sled_error(e))?;
                entries.push([STANDARD.encode(k), STANDARD.encode(v)]);
            }
            trees.push(TreeDump { name: name.to_string(), entries });
        }
        let body = serde_json::to_vec(&Dump { created: at, trees }).map_err(|e| self.damaged(e.to_string()))?;
        let mut file = format!("{MAGIC} {}\n", data_encoding::HEXLOWER.encode(&Sha256::digest(&body))).into_bytes();
        file.extend_from_slice(&body);
        let path = dir.join(format!("tandem-{}.{EXTENSION}", at.format("%Y%m%d-%H%M%S")));
        let io = |error| StoreError::Io { dir: dir.to_path_buf(), error };
        crate::atomic::write_private(&path, &file).map_err(io)?;
        crate::atomic::private_dir(dir).map_err(io)?;
        for old in list_backups(dir).into_iter().skip(keep.max(1)) {
            std::fs::remove_file(&old.path).map_err(io)?;
        }
        Ok(path)
    }
}

/// The backups in `dir`, newest first. Files that are not backups are ignored.
pub fn list_backups(dir: &Path) -> Vec<Backup> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<Backup> = read
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let path = e.path();
            let stem = path.file_stem()?.to_str()?.strip_prefix("tandem-")?.to_string();
            (path.extension()? == EXTENSION).then_some(())?;
            let created = NaiveDateTime::parse_from_str(&stem, "%Y%m%d-%H%M%S").ok()?;
            Some(Backup { path, created })
        })
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.created));
    found
}

fn read_dump(file: &Path) -> Result<Dump> {
    let bad = |detail: &str| StoreError::Damaged { dir: file.to_path_buf(), detail: detail.to_string() };
    let bytes = std::fs::read(file).map_err(|error| StoreError::Io { dir: file.to_path_buf(), error })?;
    let newline = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| bad(strings::BACKUP_NOT_A_BACKUP))?;
    let (header, body) = (&bytes[..newline], &bytes[newline + 1..]);
    let header = std::str::from_utf8(header).map_err(|_| bad(strings::BACKUP_NOT_A_BACKUP))?;
    let sum = header.strip_prefix(MAGIC).map(str::trim).ok_or_else(|| bad(strings::BACKUP_NOT_A_BACKUP))?;
    if data_encoding::HEXLOWER.encode(&Sha256::digest(body)) != sum {
        return Err(bad(strings::BACKUP_CHECKSUM));
    }
    serde_json::from_slice(body).map_err(|_| bad(strings::BACKUP_CHECKSUM))
}

/// Replaces the store in `store_dir` by the backup in `file`. Takes the store's lock, so
/// it refuses while tandem is open. The replaced database is kept beside it
/// (`db.replaced-…`) until someone removes it.
pub fn restore(store_dir: &Path, file: &Path, at: NaiveDateTime) -> Result<()> {
    let io = |error| StoreError::Io { dir: store_dir.to_path_buf(), error };
    std::fs::create_dir_all(store_dir).map_err(io)?;
    let _lock = lock::LockFile::acquire(&store_dir.join("tandem.lock")).map_err(|e| match e {
        lock::LockError::Held => StoreError::AlreadyOpen(store_dir.to_path_buf()),
        lock::LockError::Io(error) => io(error),
    })?;
    swap_in(store_dir, file, at).map(|_| ())
}

impl Store {
    /// Restores `file` into this open store (the app offers it when the integrity check
    /// fails). The store is locked afterwards: the backup opens with the passphrase that
    /// was valid when it was made.
    pub fn restore(&mut self, file: &Path, at: NaiveDateTime) -> Result<()> {
        swap_in(&self.dir, file, at)?;
        // The old database was moved aside while open (fine on Unix); open the new one.
        self.trees = open_trees(&self.dir, &self.dir.join("db"))?;
        self.key = None;
        Ok(())
    }
}

impl Store {
    /// Rewrites the database into a fresh one and removes the old files, so nothing of
    /// what was overwritten stays in sled's log (after migrating a plain store).
    pub(super) fn rebuild(&mut self, at: NaiveDateTime) -> Result<()> {
        let io = |error| StoreError::Io { dir: self.dir.clone(), error };
        let tmp = self.dir.join("rebuild");
        let file = self.backup(&tmp, at, 1)?;
        let replaced = swap_in(&self.dir, &file, at)?;
        self.trees = open_trees(&self.dir, &self.dir.join("db"))?;
        if let Some(old) = replaced {
            std::fs::remove_dir_all(old).map_err(io)?;
        }
        std::fs::remove_dir_all(&tmp).map_err(io)
    }
}

/// The audit head the backup in `file` was made at (None: a store without history).
pub(super) fn head_of(file: &Path) -> Result<Option<super::Head>> {
    let dump = read_dump(file)?;
    let bad = || StoreError::Damaged { dir: file.to_path_buf(), detail: strings::BACKUP_CHECKSUM.to_string() };
    let Some(meta) = dump.trees.iter().find(|t| t.name == "meta") else { return Ok(None) };
    let head_key = STANDARD.encode(HEAD_KEY);
    let Some([_, value]) = meta.entries.iter().find(|[k, _]| *k == head_key) else { return Ok(None) };
    let bytes = STANDARD.decode(value).map_err(|_| bad())?;
    super::parse_head(&bytes).map(Some).map_err(|_| bad())
}

/// The newest backup in `dir` whose checksum holds.
pub fn newest_good_backup(dir: &Path) -> Option<Backup> {
    list_backups(dir).into_iter().find(|b| read_dump(&b.path).is_ok())
}

/// Where the replaced database goes: named by the time, never onto an earlier one.
fn aside_name(store_dir: &Path, at: NaiveDateTime) -> PathBuf {
    let base = format!("db.replaced-{}", at.format("%Y%m%d-%H%M%S"));
    (1..)
        .map(|n| store_dir.join(if n == 1 { base.clone() } else { format!("{base}-{n}") }))
        .find(|p| !p.exists())
        .unwrap_or_else(|| store_dir.join(base))
}

/// Builds the backup's database beside the live one and swaps the two; the caller holds
/// the store's lock. Returns where the replaced database went.
fn swap_in(store_dir: &Path, file: &Path, at: NaiveDateTime) -> Result<Option<PathBuf>> {
    let dump = read_dump(file)?;
    let io = |error| StoreError::Io { dir: store_dir.to_path_buf(), error };
    let staging = store_dir.join("db.restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io)?;
    }
    let mut head = None;
    {
        let trees = open_trees(store_dir, &staging)?;
        for dump in &dump.trees {
            let Some((_, tree)) = trees.named().into_iter().find(|(name, _)| *name == dump.name) else { continue };
            let mut batch = sled::Batch::default();
            for [k, v] in &dump.entries {
                let decode = |s: &str| {
                    STANDARD.decode(s).map_err(|_| StoreError::Damaged {
                        dir: file.to_path_buf(),
                        detail: strings::BACKUP_CHECKSUM.to_string(),
                    })
                };
                let (k, v) = (decode(k)?, decode(v)?);
                if dump.name == "meta" && k == HEAD_KEY {
                    head = Some(v.clone());
                }
                batch.insert(k, v);
            }
            tree.apply_batch(batch).map_err(|e| super::sled_error(store_dir, e))?;
        }
        trees.db.flush().map_err(|e| super::sled_error(store_dir, e))?;
    }
    let done = store_dir.join(STAGED);
    crate::atomic::write(&done, b"").map_err(io)?;
    // The anchor goes first: a crash before the swap leaves the old store with an anchor
    // behind its head; a crash between the two renames is finished on the next open
    // (`finish_swap`).
    let anchor = store_dir.join(ANCHOR_FILE);
    match head {
        Some(h) => crate::atomic::write(&anchor, &h).map_err(io)?,
        None if anchor.exists() => std::fs::remove_file(&anchor).map_err(io)?,
        None => {}
    }
    let live = store_dir.join("db");
    let replaced = live.exists().then(|| aside_name(store_dir, at));
    if let Some(aside) = &replaced {
        std::fs::rename(&live, aside).map_err(io)?;
    }
    std::fs::rename(&staging, &live).map_err(io)?;
    std::fs::remove_file(&done).map_err(io)?;
    Ok(replaced)
}

/// A restore cut off between moving the old database aside and moving the new one in
/// leaves only the new one, complete (marked so): move it in. The caller holds the
/// store's lock.
pub(super) fn finish_swap(store_dir: &Path) -> std::io::Result<()> {
    let (live, staging, done) = (store_dir.join("db"), store_dir.join("db.restoring"), store_dir.join(STAGED));
    if done.exists() {
        if !live.exists() && staging.exists() {
            std::fs::rename(&staging, &live)?;
        }
        std::fs::remove_file(&done)?;
    }
    Ok(())
}
