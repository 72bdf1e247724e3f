//! Working as a pair without a server: each copy writes its new changes as files into a
//! folder its partners' copies also see (a synced folder or a USB stick) and reads theirs.
//!
//! - A changes file is for one member, numbered in the row of files for them; it is
//!   taken in that order (a gap waits for the file still on its way), once (a copy or a
//!   duplicate of a file taken is skipped). What it holds follows the consents: the
//!   parts that member may receive (`domain::share`), and an order to drop a part they
//!   may no longer hold.
//! - Each copy keeps one `Taken` file saying how far it has taken whose files; a writer
//!   deletes its own file once its recipient has taken it, so the folder does not grow.
//! - Order, delay and duplicates do not matter to the result: the documents merge
//!   (`crdt`), and nothing is ordered by a clock.

pub mod demo;
pub mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use crate::bundle::TeamKey;
use crate::config::Config;
use crate::domain::case::CaseId;
use crate::domain::share::{Part, Reader};
use crate::partners::{self, Member, PartnerError};
use crate::store::{Merging, Partner, Sent, Store, StoreError, SyncState, Taken};
use crate::strings::sync as text;
use file::{FileError, Head, Kind, Payload};

/// A file written by a sync tool less than this long ago may still be arriving.
const SETTLING_SECONDS: u64 = 10 * 60;
/// The most files looked at in one sync.
pub const MAX_FILES: usize = 20_000;

/// Why a file in the folder was not taken (it stays there, the store is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    File(FileError),
    /// From this copy's own member, written on another laptop.
    #[error("{}", text::SAME_MEMBER)]
    SameMemberElsewhere,
    /// From a partner, but from another copy than before: one card on two laptops.
    #[error("{}", text::second_copy(.0))]
    SecondCopy(String),
    /// Larger than any file tandem writes.
    #[error("{}", text::too_large(*.0))]
    TooLarge(u64),
    /// Could not be read.
    #[error("{}", text::unreadable(.0))]
    Unreadable(String),
    /// Its changes do not fit this copy's documents.
    #[error("{0}")]
    Store(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files written, per partner name.
    pub sent: BTreeMap<String, usize>,
    /// Changes taken in, per author name.
    pub received: BTreeMap<String, usize>,
    /// Parts erased here because a consent ended.
    pub dropped: usize,
    /// Files refused, by file name.
    pub refused: Vec<(String, Refusal)>,
    /// Files that wait: still arriving, or after a file still on its way.
    pub waiting: usize,
    /// Own files removed because their recipients have them.
    pub cleaned: usize,
    /// Partners one of whose files was lost from the folder: sent everything again.
    pub resent: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", crate::strings::SYNC_NOT_SET)]
    NotSet,
    #[error("{}", crate::strings::sync_folder_missing(.0))]
    FolderMissing(PathBuf),
    #[error("{}", crate::strings::sync_folder_unreadable(.0, .1))]
    Unreadable(PathBuf, std::io::Error),
    #[error("{}", crate::strings::sync_folder_unwritable(.0, .1))]
    Unwritable(PathBuf, std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Partner(#[from] PartnerError),
    #[error("{0}")]
    Seal(#[from] crate::bundle::BundleError),
}

/// What a store needs to keep merge documents under `config`, once sync is set.
pub fn merging(store: &Store, config: &Config, at: NaiveDateTime) -> Result<Option<Merging>, SyncError> {
    if config.sync.is_none() {
        return Ok(None);
    }
    let member = partners::member(store, &config.user, at)?;
    Ok(Some(Merging { sharing: config.sharing.clone(), member: member.id, school: config.school.name.clone() }))
}

/// Makes the sync folder when only its last part is missing (a parent that is gone, an
/// unplugged USB stick, is not guessed at) and checks that a file can be written in it.
pub fn prepare_folder(folder: &Path) -> Result<(), SyncError> {
    if !folder.is_dir() {
        let parent_there = folder.parent().is_some_and(|p| p.as_os_str().is_empty() || p.is_dir());
        if !parent_there || std::fs::create_dir(folder).is_err() {
            return Err(SyncError::FolderMissing(folder.to_path_buf()));
        }
    }
    tempfile::Builder::new()
        .prefix(".tandem-check")
        .tempfile_in(folder)
        .map(drop)
        .map_err(|e| SyncError::Unwritable(folder.to_path_buf(), e))
}

/// After a sync has reported: the documents it sent that every partner now holds forget
/// their logs (`Store::forget_logs`). Only tidying; a sync that ends before it loses nothing.
pub fn tidy(store: &Store) -> Result<(), SyncError> {
    let partners = store.partners()?;
    let members: Vec<&str> = partners.iter().map(|p| p.id.as_str()).collect();
    Ok(store.forget_logs(&members)?)
}

/// What one partner lacks: the items to send and what sending them records.
type Lacking = (Vec<file::Item>, Vec<Sent>);

/// One sync: read the partners' files, write ours, remove ours that were taken.
pub fn run(store: &Store, config: &Config, at: NaiveDateTime) -> Result<Report, SyncError> {
    let folder = &config.sync.as_ref().ok_or(SyncError::NotSet)?.folder;
    if !folder.is_dir() {
        return Err(SyncError::FolderMissing(folder.clone()));
    }
    let me = partners::member(store, &config.user, at)?;
    let partners = store.partners()?;
    let mut state = store.sync_state()?;
    if state.copy.is_empty() {
        state.copy = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        store.save_sync_state(&state)?;
    }
    store.ensure_docs(at.and_utc().timestamp())?;
    let mut report = Report::default();
    let resend = BTreeMap::new();
    let mut run = Run { store, config, me: &me, partners: &partners, folder, at, state, resend, report: &mut report };
    run.read()?;
    run.find_lost()?;
    run.recheck()?;
    run.write()?;
    run.tell_taken()?;
    run.clean();
    run.state.last = Some((at, run.report.received.clone()));
    store.save_sync_state(&run.state)?;
    Ok(report)
}

struct Run<'a> {
    store: &'a Store,
    config: &'a Config,
    me: &'a Member,
    partners: &'a [Partner],
    folder: &'a Path,
    at: NaiveDateTime,
    state: SyncState,
    /// Per partner, the first of our files for them that was lost (`find_lost`).
    resend: BTreeMap<String, u64>,
    report: &'a mut Report,
}

/// A file of the folder whose head was read.
struct Found {
    name: String,
    bytes: Vec<u8>,
    head: Head,
}

impl Run<'_> {
    fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.id == id)
    }

    /// How many of our files `member` says it has taken.
    fn acked(&self, member: &str) -> u64 {
        self.state.acks.get(member).and_then(|a| a.get(&self.me.id)).copied().unwrap_or(0)
    }

    fn refuse(&mut self, name: &str, why: Refusal) {
        self.report.refused.push((name.to_string(), why));
    }

    /// Reads every sync file's head and takes what is for us, sender by sender in order.
    fn read(&mut self) -> Result<(), SyncError> {
        let mut rows: BTreeMap<String, Vec<(u64, Found)>> = BTreeMap::new();
        for found in self.found()? {
            let Found { name, head, .. } = &found;
            if head.from == self.me.id {
                if head.copy != self.state.copy || self.written_elsewhere(&found) {
                    let name = name.clone();
                    self.refuse(&name, Refusal::SameMemberElsewhere);
                }
                continue;
            }
            let Some(&n) = head.to.get(&self.me.id) else { continue };
            if self.partner(&head.from).is_none() {
                let (name, from) = (name.clone(), head.from.clone());
                self.refuse(&name, Refusal::File(FileError::UnknownSender(from)));
                continue;
            }
            match head.kind {
                Kind::Taken => self.read_taken(found),
                Kind::Changes => rows.entry(head.from.clone()).or_default().push((n, found)),
            }
        }
        for (from, mut row) in rows {
            row.sort_by_key(|(n, _)| *n);
            self.take_row(&from, row)?;
        }
        Ok(())
    }

    /// The `.tandem` files of the folder, heads read; others are not ours to judge.
    fn found(&mut self) -> Result<Vec<Found>, SyncError> {
        let unreadable = |e| SyncError::Unreadable(self.folder.to_path_buf(), e);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.folder).map_err(unreadable)?.take(MAX_FILES) {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || !name.ends_with(&format!(".{}", file::EXTENSION)) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            if meta.len() > file::MAX_FILE {
                self.refuse(&name, Refusal::TooLarge(meta.len()));
                continue;
            }
            let bytes = match std::fs::read(entry.path()) {
                Ok(b) => b,
                Err(e) => {
                    self.refuse(&name, Refusal::Unreadable(e.to_string()));
                    continue;
                }
            };
            match file::head(&bytes) {
                Ok((head, _)) => out.push(Found { name, bytes, head }),
                Err(FileError::Incomplete) if settling(&meta) => self.report.waiting += 1,
                Err(e) => self.refuse(&name, Refusal::File(e)),
            }
        }
        Ok(out)
    }

    fn sender_key(&self, from: &str) -> Result<TeamKey, Refusal> {
        let partner = self.partner(from).ok_or(Refusal::File(FileError::UnknownSender(from.to_string())))?;
        TeamKey::parse(&partner.signing_key).map_err(|e| Refusal::File(FileError::Bundle(e)))
    }

    fn open(&self, found: &Found) -> Result<Payload, Refusal> {
        let key = self.sender_key(&found.head.from)?;
        file::open(&found.bytes, &self.me.identity, &key).map_err(Refusal::File)
    }

    /// Whether one of "our" change files was written by a copy of this store on another
    /// laptop (a data folder copied after it synced has our copy id too): one we wrote
    /// holds other bytes now, or one is numbered past the last we wrote. What ours said
    /// is then sent again in full (`find_lost`), so the partner loses nothing.
    fn written_elsewhere(&mut self, found: &Found) -> bool {
        if found.head.kind != Kind::Changes {
            return false;
        }
        let digest = digest(&found.bytes);
        match self.state.digests.get(&found.name) {
            Some(ours) if *ours != digest => {
                let to: Vec<(String, u64)> =
                    self.state.files.get(&found.name).into_iter().flatten().map(|(m, n)| (m.clone(), *n)).collect();
                for (member, n) in to {
                    self.resend_from(member, n);
                }
                true
            }
            Some(_) => false,
            None => file_number(&found.name).is_some_and(|n| n > self.state.seq),
        }
    }

    /// A partner's `Taken` file: what they have of whose files (never less than before).
    fn read_taken(&mut self, found: Found) {
        match self.open(&found) {
            Ok(payload) => {
                let acks = self.state.acks.entry(found.head.from.clone()).or_default();
                for (member, n) in payload.taken {
                    let seen = acks.entry(member).or_insert(0);
                    *seen = (*seen).max(n);
                }
            }
            Err(Refusal::File(FileError::Incomplete)) => self.report.waiting += 1,
            Err(why) => self.refuse(&found.name, why),
        }
    }

    /// Takes `from`'s files for us in their order: each once, none after a gap.
    fn take_row(&mut self, from: &str, row: Vec<(u64, Found)>) -> Result<(), SyncError> {
        let mut taken = self.store.taken(from)?;
        for (n, found) in row {
            if n <= taken.count {
                continue;
            }
            // A file that re-sends lost ones stands in for them.
            let first = found.head.resends.map_or(n, |r| r.min(n));
            if first > taken.count + 1 {
                self.report.waiting += 1;
                continue;
            }
            let payload = match self.open(&found) {
                Ok(p) => p,
                Err(Refusal::File(FileError::Incomplete)) => {
                    self.report.waiting += 1;
                    break;
                }
                Err(why) => {
                    self.refuse(&found.name, why);
                    break;
                }
            };
            if !taken.copy.is_empty() && taken.copy != payload.head.copy {
                let name = self.partner(from).map_or(from.to_string(), |p| p.name.clone());
                self.refuse(&found.name, Refusal::SecondCopy(name));
                break;
            }
            let next = Taken { copy: payload.head.copy.clone(), count: n };
            let names = |id: &str| self.name_of(id);
            match self.store.receive(&payload.items, from, &names, self.at, &next) {
                Ok(got) if got.waiting => {
                    self.report.waiting += 1;
                    break;
                }
                Ok(got) => {
                    for (author, count) in got.authors {
                        *self.report.received.entry(self.name_of(&author)).or_insert(0) += count;
                    }
                    self.report.dropped += got.dropped;
                    taken = next;
                }
                Err(StoreError::Merge(e)) => {
                    self.refuse(&found.name, Refusal::Store(e.to_string()));
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn name_of(&self, member: &str) -> String {
        if member == self.me.id {
            return self.config.team.name_of(&self.config.user).to_string();
        }
        self.partner(member).map_or_else(|| member.to_string(), |p| p.name.clone())
    }

    /// What each partner (in order) lacks of case `id`; nothing when it is gone.
    fn lacking(&self, id: CaseId) -> Result<Vec<Lacking>, SyncError> {
        let Some(mut case) = self.store.case(id)? else { return Ok(Vec::new()) };
        case.name_school(&self.config.school.name);
        let readers: Vec<(&str, Vec<Part>)> = self
            .partners
            .iter()
            .map(|p| (p.id.as_str(), self.config.sharing.entitled(&case, reader(p), self.at.date())))
            .collect();
        Ok(self.store.outgoing(id, &readers)?)
    }

    /// Writes, per partner, one file with what they lack of the changed cases.
    fn write(&mut self) -> Result<(), SyncError> {
        let dirty = self.store.dirty()?;
        let mut lacking: Vec<Lacking> = vec![Default::default(); self.partners.len()];
        // Reading what each partner lacks loads the changed documents: on every core.
        for case in crate::cores::map(&dirty, |id| self.lacking(*id)) {
            for ((items, sent), (i, s)) in lacking.iter_mut().zip(case?) {
                items.extend(i);
                sent.extend(s);
            }
        }
        for (partner, (items, sent)) in self.partners.iter().zip(lacking) {
            let resends = self.resend.get(&partner.id).copied();
            if items.is_empty() && resends.is_none() {
                continue;
            }
            let n = self.state.out.get(&partner.id).copied().unwrap_or(0) + 1;
            let to = BTreeMap::from([(partner.id.clone(), n)]);
            let (from, copy) = (self.me.id.clone(), self.state.copy.clone());
            let head = Head { kind: Kind::Changes, from, copy, to, resends };
            let payload = Payload { head, written: self.at, items, taken: BTreeMap::new() };
            let name = format!("{}-{}-{}.{}", self.me.id, self.state.copy, self.state.seq + 1, file::EXTENSION);
            let written = self.put(&name, &payload, &[&partner.recipient])?;
            self.state.seq += 1;
            self.state.out.insert(partner.id.clone(), n);
            self.state.files.insert(name.clone(), payload.head.to.clone());
            self.state.digests.insert(name, written);
            if let Some(first) = resends {
                self.forget_files(&partner.id, first..n);
                self.report.resent.push(partner.name.clone());
            }
            self.store.save_sync_state(&self.state)?;
            self.store.mark_sent(&partner.id, &sent)?;
            *self.report.sent.entry(partner.name.clone()).or_insert(0) += 1;
        }
        self.store.clear_dirty(&dirty)?;
        Ok(())
    }

    /// Our files that a partner had not taken and that are gone from the folder (removed
    /// by a person or a sync tool): without them the partner would wait for ever. The next
    /// file for that partner carries everything it may hold, and says which it replaces.
    fn find_lost(&mut self) -> Result<(), SyncError> {
        let lost: Vec<(String, u64)> = self
            .state
            .files
            .iter()
            .filter(|(name, _)| !self.folder.join(name).exists())
            .flat_map(|(_, to)| to.iter())
            .filter(|(member, n)| self.partner(member).is_some() && self.acked(member) < **n)
            .map(|(member, n)| (member.clone(), *n))
            .collect();
        for (member, n) in lost {
            self.resend_from(member, n);
        }
        for member in self.resend.keys() {
            self.store.resend_all(member)?;
        }
        Ok(())
    }

    /// `member`'s next file re-sends everything from our file `n` on (the lowest asked wins).
    fn resend_from(&mut self, member: String, n: u64) {
        let first = self.resend.entry(member).or_insert(n);
        *first = (*first).min(n);
    }

    /// A consent can lapse by the calendar alone (a child of 12 must consent too): once a
    /// day, the cases whose parts for some partner differ from the last check are offered
    /// again, so what a partner may no longer hold is dropped without waiting for an edit.
    fn recheck(&mut self) -> Result<(), SyncError> {
        let today = self.at.date();
        let last = *self.state.checked.get_or_insert(today);
        if last == today || self.partners.is_empty() {
            return Ok(());
        }
        let mut changed = Vec::new();
        for mut case in self.store.load_cases()?.cases {
            case.name_school(&self.config.school.name);
            let differs = self.partners.iter().any(|p| {
                let reader = reader(p);
                self.config.sharing.entitled(&case, reader, last) != self.config.sharing.entitled(&case, reader, today)
            });
            if differs {
                changed.push(case.id);
            }
        }
        self.store.mark_dirty(&changed)?;
        self.state.checked = Some(today);
        Ok(())
    }

    /// Removes our files for `member` numbered in `numbers`: a file re-sending them is out.
    fn forget_files(&mut self, member: &str, numbers: std::ops::Range<u64>) {
        let replaced =
            |to: &BTreeMap<String, u64>| to.len() == 1 && to.get(member).is_some_and(|n| numbers.contains(n));
        let names: Vec<String> =
            self.state.files.iter().filter(|(_, to)| replaced(to)).map(|(name, _)| name.clone()).collect();
        for name in names {
            let _ = std::fs::remove_file(self.folder.join(&name));
            self.state.files.remove(&name);
            self.state.digests.remove(&name);
        }
    }

    /// Seals and writes one file atomically; returns its digest.
    fn put(&self, name: &str, payload: &Payload, recipients: &[&str]) -> Result<String, SyncError> {
        let bytes = file::seal(payload, &self.me.signing, recipients, self.at.and_utc())?;
        let path = self.folder.join(name);
        crate::atomic::write(&path, &bytes).map_err(|e| SyncError::Unwritable(self.folder.to_path_buf(), e))?;
        Ok(digest(&bytes))
    }

    /// Rewrites our `Taken` file when it would say something new.
    fn tell_taken(&mut self) -> Result<(), SyncError> {
        if self.partners.is_empty() {
            return Ok(());
        }
        let mut taken = BTreeMap::new();
        for p in self.partners {
            taken.insert(p.id.clone(), self.store.taken(&p.id)?.count);
        }
        let name = format!("{}-{}.taken.{}", self.me.id, self.state.copy, file::EXTENSION);
        if taken == self.state.told && self.folder.join(&name).exists() {
            return Ok(());
        }
        let to = self.partners.iter().map(|p| (p.id.clone(), 0)).collect();
        let head =
            Head { kind: Kind::Taken, from: self.me.id.clone(), copy: self.state.copy.clone(), to, resends: None };
        let payload = Payload { head, written: self.at, items: Vec::new(), taken: taken.clone() };
        let recipients: Vec<&str> = self.partners.iter().map(|p| p.recipient.as_str()).collect();
        self.put(&name, &payload, &recipients)?;
        self.state.told = taken;
        Ok(())
    }

    /// Removes our files that every recipient has taken, or whose recipients left.
    fn clean(&mut self) {
        let done: Vec<String> = self
            .state
            .files
            .iter()
            .filter(|(_, to)| to.iter().all(|(member, n)| self.partner(member).is_none() || self.acked(member) >= *n))
            .map(|(name, _)| name.clone())
            .collect();
        for name in done {
            let path = self.folder.join(&name);
            if std::fs::remove_file(&path).is_ok() || !path.exists() {
                self.state.files.remove(&name);
                self.state.digests.remove(&name);
                self.report.cleaned += 1;
            }
        }
    }
}

/// A file's fingerprint, to know our own files again.
fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes)[..16])
}

/// The number in a change file's name (`MEMBER-COPY-N.tandem`).
fn file_number(name: &str) -> Option<u64> {
    name.strip_suffix(&format!(".{}", file::EXTENSION))?.rsplit('-').next()?.parse().ok()
}

/// How the sharing rules see `partner`.
fn reader(partner: &Partner) -> Reader<'_> {
    Reader { school_staff: partner.organisation == "school", school: &partner.school }
}

/// Whether a file was changed so recently that a sync tool may still be writing it.
fn settling(meta: &std::fs::Metadata) -> bool {
    meta.modified().ok().and_then(|m| m.elapsed().ok()).is_none_or(|age| age.as_secs() < SETTLING_SECONDS)
}

impl Report {
    /// What `tandem sync` prints: what came in, what went out, what waits or was refused.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.received.is_empty() {
            lines.push(text::NOTHING_NEW.to_string());
        }
        lines.extend(self.received.iter().map(|(who, n)| text::received(*n, who)));
        lines.extend(self.sent.iter().map(|(who, n)| text::sent(*n, who)));
        let counts = [
            (self.dropped, text::dropped as fn(usize) -> String),
            (self.waiting, text::waiting),
            (self.cleaned, text::cleaned),
        ];
        lines.extend(counts.iter().filter(|(n, _)| *n > 0).map(|(n, f)| f(*n)));
        lines.extend(self.resent.iter().map(|who| text::resent(who)));
        lines.extend(self.refused.iter().map(|(name, why)| text::refused(name, &why.to_string())));
        lines
    }
}
