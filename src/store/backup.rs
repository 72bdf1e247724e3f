//! Backups: every tree's raw bytes (values stay sealed, so a backup is as encrypted as
//! the store) in one file with a SHA-256 checksum, written atomically and rotated.
//! Restoring builds a new database beside the old one and swaps the folders, so a
//! failed restore leaves the store as it was.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::{ANCHOR_FILE, HEAD_KEY, Result, Store, StoreError, lock, open_trees};
use crate::strings;

const MAGIC: &str = "tandem-backup 1";
const EXTENSION: &str = "backup";
/// Beside the store while a restored database is complete but not yet moved in.
const STAGED: &str = "db.restoring.done";
/// The first line is the magic and a hex checksum; anything longer is not a backup.
const MAX_HEADER: u64 = 256;

/// A backup read back for a restore (`LiveDump` writes it, with the time it was made).
#[derive(Deserialize)]
struct Dump {
    trees: Vec<TreeDump>,
}

#[derive(Deserialize)]
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
        let path = dir.join(format!("tandem-{}.{EXTENSION}", at.format("%Y%m%d-%H%M%S")));
        let io = |error| StoreError::Io { dir: dir.to_path_buf(), error };
        let live = LiveDump { created: at, trees: &self.trees, failed: RefCell::new(None) };
        let written = crate::atomic::write_private_with(&path, |f| write_dump(f, &live));
        match (live.failed.into_inner(), written) {
            (Some(e), _) => return Err(self.sled_error(e)),
            (None, written) => written.map_err(io)?,
        }
        crate::atomic::private_dir(dir).map_err(io)?;
        for old in list_backups(dir).into_iter().skip(keep.max(1)) {
            std::fs::remove_file(&old.path).map_err(io)?;
        }
        Ok(path)
    }
}

fn header(sum: &[u8]) -> String {
    format!("{MAGIC} {}\n", data_encoding::HEXLOWER.encode(sum))
}

/// Writes a header with a placeholder checksum, then the dump (hashed as it is written),
/// then the real checksum over the placeholder (both are the same length).
fn write_dump(f: &mut File, dump: &LiveDump<'_>) -> std::io::Result<()> {
    f.write_all(header(&[0; 32]).as_bytes())?;
    let mut out = Hashing { inner: BufWriter::new(&mut *f), hash: Sha256::new() };
    serde_json::to_writer(&mut out, dump).map_err(std::io::Error::other)?;
    let Hashing { inner, hash } = out;
    let f = inner.into_inner().map_err(|e| e.into_error())?;
    f.seek(SeekFrom::Start(0))?;
    f.write_all(header(&hash.finalize()).as_bytes())
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A `Dump` as it is written: each tree is read while its JSON is written, so a backup
/// never holds the store in memory (it held it three times over: 130 MB at 10,000 cases).
/// A sled error met on the way is kept in `failed`.
struct LiveDump<'a> {
    created: NaiveDateTime,
    trees: &'a super::Trees,
    failed: RefCell<Option<sled::Error>>,
}

impl Serialize for LiveDump<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut dump = s.serialize_struct("Dump", 2)?;
        dump.serialize_field("created", &self.created)?;
        let trees: Vec<LiveTree<'_>> =
            self.trees.named().into_iter().map(|(name, tree)| LiveTree { name, tree, failed: &self.failed }).collect();
        dump.serialize_field("trees", &trees)?;
        dump.end()
    }
}

/// A `TreeDump` as it is written.
struct LiveTree<'a> {
    name: &'a str,
    tree: &'a sled::Tree,
    failed: &'a RefCell<Option<sled::Error>>,
}

impl Serialize for LiveTree<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut tree = s.serialize_struct("TreeDump", 2)?;
        tree.serialize_field("name", self.name)?;
        tree.serialize_field("entries", &LiveEntries(self))?;
        tree.end()
    }
}

struct LiveEntries<'a>(&'a LiveTree<'a>);

impl Serialize for LiveEntries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for item in self.0.tree.iter() {
            match item {
                Ok((k, v)) => seq.serialize_element(&[STANDARD.encode(k), STANDARD.encode(v)])?,
                Err(e) => {
                    *self.0.failed.borrow_mut() = Some(e);
                    return Err(S::Error::custom("sled"));
                }
            }
        }
        seq.end()
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

/// A backup whose checksum holds, positioned at its body. The file is hashed in pieces,
/// never read whole.
fn checked_body(file: &Path) -> Result<BufReader<File>> {
    let bad = |detail: &str| StoreError::Damaged { dir: file.to_path_buf(), detail: detail.to_string() };
    let io = |error| StoreError::Io { dir: file.to_path_buf(), error };
    let mut reader = BufReader::new(File::open(file).map_err(io)?);
    let mut header = Vec::new();
    (&mut reader).take(MAX_HEADER).read_until(b'\n', &mut header).map_err(io)?;
    let Some(line) = header.strip_suffix(b"\n") else { return Err(bad(strings::BACKUP_NOT_A_BACKUP)) };
    let line = std::str::from_utf8(line).map_err(|_| bad(strings::BACKUP_NOT_A_BACKUP))?;
    let sum = line.strip_prefix(MAGIC).map(str::trim).ok_or_else(|| bad(strings::BACKUP_NOT_A_BACKUP))?;
    let mut hash = Sha256::new();
    std::io::copy(&mut reader, &mut hash).map_err(io)?;
    if data_encoding::HEXLOWER.encode(&hash.finalize()) != sum {
        return Err(bad(strings::BACKUP_CHECKSUM));
    }
    reader.seek(SeekFrom::Start(header.len() as u64)).map_err(io)?;
    Ok(reader)
}

fn read_dump(file: &Path) -> Result<Dump> {
    let body = checked_body(file)?;
    serde_json::from_reader(body)
        .map_err(|_| StoreError::Damaged { dir: file.to_path_buf(), detail: strings::BACKUP_CHECKSUM.to_string() })
}

/// A dump read for its audit head: only the meta tree's entries are kept, the rest is
/// parsed and let go as it is read.
#[derive(Deserialize)]
struct MetaOnly {
    trees: Vec<MetaEntries>,
}

/// A tree's entries if it is the meta tree (the writer puts the name first).
struct MetaEntries(Option<Vec<[String; 2]>>);

impl<'de> Deserialize<'de> for MetaEntries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(MetaVisitor)
    }
}

struct MetaVisitor;

impl<'de> Visitor<'de> for MetaVisitor {
    type Value = MetaEntries;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a tree of a backup")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<MetaEntries, A::Error> {
        let (mut name, mut entries) = (None::<String>, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "entries" if name.as_deref() == Some("meta") => entries = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(MetaEntries(entries))
    }
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
fn head_of(file: &Path) -> Result<Option<super::Head>> {
    let bad = || StoreError::Damaged { dir: file.to_path_buf(), detail: strings::BACKUP_CHECKSUM.to_string() };
    let dump: MetaOnly = serde_json::from_reader(checked_body(file)?).map_err(|_| bad())?;
    let Some(meta) = dump.trees.into_iter().find_map(|t| t.0) else { return Ok(None) };
    let head_key = STANDARD.encode(HEAD_KEY);
    let Some([_, value]) = meta.iter().find(|[k, _]| *k == head_key) else { return Ok(None) };
    let bytes = STANDARD.decode(value).map_err(|_| bad())?;
    super::parse_head(&bytes).map(Some).map_err(|_| bad())
}

/// The newest backup in `dir` whose checksum holds and whose head can be read.
pub fn newest_good_backup(dir: &Path) -> Option<Backup> {
    newest_good_with_head(dir).map(|(backup, _)| backup)
}

/// `newest_good_backup` with the audit head it was made at (read once).
pub(super) fn newest_good_with_head(dir: &Path) -> Option<(Backup, Option<super::Head>)> {
    list_backups(dir).into_iter().find_map(|b| head_of(&b.path).ok().map(|head| (b, head)))
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
