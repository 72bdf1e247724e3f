//! The merge documents beside the case records (see `domain::share` and `crdt`). Each
//! case has one automerge document per part it holds, sealed in the `docs` tree (key: the
//! case id + the part's name). The records stay what the screens read; the documents are
//! read only to save and to sync. The `sync` tree keeps, per partner and document, the
//! heads last sent (`sent/…`), the cases changed since the last sync (`dirty/…`) and the
//! sync bookkeeping (`state`).
//!
//! A save writes the record's parts into their documents in the same transaction as the
//! record. A save based on an older record (a partner's changes came in meanwhile) is
//! written on a fork at the heads it was read from and merged, so it never undoes them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sled::transaction::{ConflictableTransactionError, Transactional, TransactionalTree};

use super::{Abort, HEAD_KEY, Result, Store, StoreError, TxResult, append, codec, crypto, head_json, read_head};
use crate::crdt::{self, Doc, Hash};
use crate::domain::case::{Case, CaseId};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::PlanBook;
use crate::domain::share::{self, Clash, Part, Sharing};

/// What a copy needs to keep documents: the sharing rules and its member id (the first
/// six bytes of every actor id, so each change names its author).
#[derive(Debug, Clone)]
pub struct Merging {
    pub sharing: Sharing,
    pub member: String,
    /// This copy's school: the school of a case recorded before cases named theirs.
    pub school: String,
}

/// One document's changes, or the order to drop it, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocChange {
    pub case: CaseId,
    pub part: Part,
    #[serde(with = "crypto::b64", default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<u8>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
}

/// What was sent to a member of one document: its heads then, or `None` once dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub case: CaseId,
    pub part: Part,
    pub heads: Option<Vec<Hash>>,
}

/// What one received file did here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub cases: usize,
    pub changes: usize,
    /// Changes per author (member id).
    pub authors: BTreeMap<String, usize>,
    pub dropped: usize,
    /// Changes that wait for changes not here yet: nothing was written, try later.
    pub waiting: bool,
}

/// How far this copy has taken a member's files: the copy they came from and how many
/// of the files for us, without a gap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub copy: String,
    pub count: u64,
}

/// The sync bookkeeping of this copy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// This copy's random id (a second copy of the same member shows by another one).
    pub copy: String,
    /// Files written so far (names them).
    pub seq: u64,
    /// Per member, how many files were written for them.
    pub out: BTreeMap<String, u64>,
    /// Per member, what they said they have taken of whose files (their `Taken` file).
    pub acks: BTreeMap<String, BTreeMap<String, u64>>,
    /// Our files still in the folder, with their number per recipient.
    pub files: BTreeMap<String, BTreeMap<String, u64>>,
    /// What our own `Taken` file said when last written.
    pub told: BTreeMap<String, u64>,
    /// When this copy last synced, and per author what came in then.
    pub last: Option<(chrono::NaiveDateTime, BTreeMap<String, usize>)>,
    /// Our files still in the folder, with the digest of what we wrote in them.
    #[serde(default)]
    pub digests: BTreeMap<String, String>,
    /// The day what each partner may receive was last checked against the calendar.
    #[serde(default)]
    pub checked: Option<chrono::NaiveDate>,
}

impl codec::Record for Taken {
    const VERSION: u32 = 1;
}

impl codec::Record for SyncState {
    const VERSION: u32 = 1;
}

const STATE: &[u8] = b"state";

fn taken_key(member: &str) -> Vec<u8> {
    format!("taken/{member}").into_bytes()
}

/// A kept document, with its heads beside it: a sync compares heads without loading the
/// document (which costs far more than decrypting it).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum DocBytes {
    WithHeads {
        #[serde(with = "crypto::b64")]
        doc: Vec<u8>,
        heads: Vec<String>,
        #[serde(default, skip_serializing_if = "Log::is_empty")]
        log: Log,
    },
    /// As kept before the heads were: the document alone.
    Alone(#[serde(with = "crypto::b64")] Vec<u8>),
}

impl DocBytes {
    /// `doc` as kept after a write that started from the record `was` (None: a new
    /// document): its heads, and the log carried on by this write's changes.
    fn keeping(doc: &mut Doc, was: Option<&DocBytes>) -> DocBytes {
        let heads = hex_heads(&doc.heads());
        let log = match was {
            Some(DocBytes::WithHeads { heads: before, log, .. }) => log.extended(before, &heads, doc),
            None => Log::default().extended(&[], &heads, doc),
            // Where the old record stood is not known without loading it.
            Some(DocBytes::Alone(_)) => Log::default(),
        };
        DocBytes::WithHeads { doc: doc.save(), heads, log }
    }

    fn load(&self, actor: &[u8]) -> Result<Doc, crdt::CrdtError> {
        match self {
            DocBytes::WithHeads { doc, .. } | DocBytes::Alone(doc) => Doc::load(doc, actor),
        }
    }

    fn heads(self, actor: &[u8]) -> Result<Vec<Hash>, crdt::CrdtError> {
        match self {
            DocBytes::WithHeads { heads, .. } => Ok(parse_heads(&heads)),
            alone => alone.load(actor).map(|mut doc| doc.heads()),
        }
    }

    /// What a partner holding `held` lacks, read from the log alone; None when the log
    /// does not reach back that far (the document must be loaded then).
    fn lacking(&self, held: &[Hash]) -> Option<Vec<u8>> {
        match self {
            DocBytes::WithHeads { heads, log, .. } => log.since(&hex_heads(held), heads),
            DocBytes::Alone(_) => None,
        }
    }

    /// The heads of the sealed record `v` (at `k`), read past the document without copying
    /// or decoding it; None when it is kept the old way (alone) or does not open, for the
    /// full read to handle.
    fn quick_heads(key: &crypto::SecretKey, k: &[u8], v: &[u8]) -> Option<Vec<Hash>> {
        codec::decode::<HeadsOnly>(key, "docs", k, v).ok().map(|h| parse_heads(&h.heads))
    }
}

/// The most bytes of changes a document's `Log` keeps (the oldest go first).
const LOG_BYTES: usize = 64 * 1024;
/// The most writes a document's `Log` keeps.
const LOG_CHUNKS: usize = 256;

/// A document's recent changes, kept beside it: from heads `base`, one chunk per write
/// with the heads after it. What a partner lacks who holds `base` or the heads after a
/// chunk is the chunks after that, read without loading the document (loading costs
/// far more than the rest of a sync); a partner further behind gets it from the loaded
/// document as before.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Log {
    base: Vec<String>,
    chunks: Vec<Chunk>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Chunk {
    after: Vec<String>,
    #[serde(with = "crypto::b64")]
    changes: Vec<u8>,
}

impl Log {
    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn end(&self) -> &[String] {
        self.chunks.last().map_or(&self.base, |c| &c.after)
    }

    /// This log after a write took `doc` from heads `before` to `after`: its changes as one
    /// more chunk (a log that ended elsewhere starts anew at `before`), the oldest chunks
    /// dropped past the bounds.
    fn extended(&self, before: &[String], after: &[String], doc: &mut Doc) -> Log {
        if before == after {
            return self.clone();
        }
        let mut log =
            if self.end() == before { self.clone() } else { Log { base: before.to_vec(), chunks: Vec::new() } };
        let changes = doc.changes_since(&parse_heads(before));
        log.chunks.push(Chunk { after: after.to_vec(), changes });
        let mut bytes: usize = log.chunks.iter().map(|c| c.changes.len()).sum();
        let mut first = 0;
        while first < log.chunks.len() && (bytes > LOG_BYTES || log.chunks.len() - first > LOG_CHUNKS) {
            bytes -= log.chunks[first].changes.len();
            first += 1;
        }
        if first > 0 {
            log.base = log.chunks[first - 1].after.clone();
            log.chunks.drain(..first);
        }
        log
    }

    /// The changes after `held` (hex heads), when the log reaches back to them and ends at
    /// the document's `heads`.
    fn since(&self, held: &[String], heads: &[String]) -> Option<Vec<u8>> {
        if self.end() != heads {
            return None;
        }
        let from = if held == self.base.as_slice() { 0 } else { self.chunks.iter().position(|c| c.after == held)? + 1 };
        Some(self.chunks[from..].iter().flat_map(|c| c.changes.iter().copied()).collect())
    }
}

/// The heads of the sealed document record `v` (at `k`): read beside it, or from the
/// loaded document when it was kept alone.
fn sealed_heads(key: &crypto::SecretKey, actor: &[u8], k: &[u8], v: &[u8]) -> TxResult<Vec<Hash>> {
    if let Some(heads) = DocBytes::quick_heads(key, k, v) {
        return Ok(heads);
    }
    codec::decode::<DocBytes>(key, "docs", k, v)?.heads(actor).map_err(merge_error)
}

/// A `DocBytes::WithHeads` read for its heads only (a record, so never written).
#[derive(Serialize, Deserialize)]
struct HeadsOnly {
    heads: Vec<String>,
}

impl codec::Record for HeadsOnly {
    const VERSION: u32 = <DocBytes as codec::Record>::VERSION;
}

#[derive(Serialize, Deserialize)]
struct Heads(Vec<Hash>);

/// Where the plan editor's last save left the plan document as the editor sees it: the
/// heads the editor's book carried (`from`, those it was opened at), its session, and the
/// heads of its own write before any merge (`at`). The editor keeps sending the heads it
/// was opened at, so its next save is based on `at`: only its own typing since goes in,
/// and what a partner typed meanwhile stays.
#[derive(Serialize, Deserialize)]
struct EditorBase {
    from: Vec<Hash>,
    session: String,
    at: Vec<Hash>,
}

impl codec::Record for EditorBase {
    const VERSION: u32 = 1;
}

impl codec::Record for DocBytes {
    const VERSION: u32 = 1;
}

impl codec::Record for Heads {
    const VERSION: u32 = 1;
}

/// The keys of a plan part: what the plan editor owns; the record owns the rest.
const BOOK: &str = "book";
/// Per signed plan version, the heads it was signed at: it reads as it was then.
const FROZEN: &str = "frozen";

fn doc_key(id: CaseId, part: Part) -> Vec<u8> {
    let mut k = id.0.as_bytes().to_vec();
    k.extend_from_slice(part.name().as_bytes());
    k
}

fn sent_key(member: &str, id: CaseId, part: Part) -> Vec<u8> {
    format!("sent/{member}/{}/{}", id.0.simple(), part.name()).into_bytes()
}

fn editor_key(id: CaseId) -> Vec<u8> {
    [b"editor/".as_slice(), id.0.as_bytes()].concat()
}

fn dirty_key(id: CaseId) -> Vec<u8> {
    [b"dirty/".as_slice(), id.0.as_bytes()].concat()
}

/// In `sync`: the cases sent whose documents' logs `forget_logs` has yet to look at.
const TIDY: &[u8] = b"tidy/";

fn tidy_key(id: CaseId) -> Vec<u8> {
    [TIDY, id.0.as_bytes()].concat()
}

fn merge_error(e: crdt::CrdtError) -> ConflictableTransactionError<Abort> {
    ConflictableTransactionError::Abort(Abort::Merge(e))
}

fn hex_heads(heads: &[Hash]) -> Vec<String> {
    heads.iter().map(|h| data_encoding::HEXLOWER.encode(h)).collect()
}

fn parse_heads(hex: &[String]) -> Vec<Hash> {
    hex.iter()
        .filter_map(|h| data_encoding::HEXLOWER.decode(h.as_bytes()).ok())
        .filter_map(|b| <Hash>::try_from(b.as_slice()).ok())
        .collect()
}

/// A fresh actor id for `member`: its id's bytes, then random ones.
pub(super) fn actor(member: &str) -> Vec<u8> {
    let mut id = data_encoding::HEXLOWER.decode(member.as_bytes()).unwrap_or_else(|_| member.as_bytes().to_vec());
    id.truncate(6);
    id.resize(6, 0);
    id.extend_from_slice(&uuid::Uuid::new_v4().as_bytes()[..10]);
    id
}

/// The member id an actor id names.
pub fn author(actor: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&actor[..actor.len().min(6)])
}

/// The documents of one transaction: load, keep, drop.
pub(super) struct Docs<'a> {
    pub tree: &'a TransactionalTree,
    /// The `sync` tree, where a written document marks its case to be sent.
    pub sync: &'a TransactionalTree,
    pub key: &'a crypto::SecretKey,
    pub actor: &'a [u8],
}

impl Docs<'_> {
    /// The stored record of `id`'s `part`, unsealed (None: not held).
    fn record(&self, id: CaseId, part: Part) -> TxResult<Option<DocBytes>> {
        let k = doc_key(id, part);
        let Some(v) = self.tree.get(&k)? else { return Ok(None) };
        Ok(Some(codec::decode(self.key, "docs", &k, &v)?))
    }

    fn load(&self, id: CaseId, part: Part) -> TxResult<Option<Doc>> {
        self.record(id, part)?.map(|r| r.load(self.actor)).transpose().map_err(merge_error)
    }

    /// Keeps `doc`, written over the record `was` it was loaded from (None: a new one).
    fn keep(&self, id: CaseId, part: Part, doc: &mut Doc, was: Option<&DocBytes>) -> TxResult<()> {
        let k = doc_key(id, part);
        let kept = DocBytes::keeping(doc, was);
        self.tree.insert(k.clone(), codec::encode(self.key, "docs", &k, &kept)?)?;
        Ok(())
    }

    /// The heads of a held document (kept beside it; one kept before that is loaded);
    /// None when it is not held.
    fn heads(&self, id: CaseId, part: Part) -> TxResult<Option<Vec<Hash>>> {
        let k = doc_key(id, part);
        let Some(v) = self.tree.get(&k)? else { return Ok(None) };
        sealed_heads(self.key, self.actor, &k, &v).map(Some)
    }

    /// What was last sent of a document to `member` (see `Store::outgoing`).
    fn sent(&self, member: &str, id: CaseId, part: Part) -> TxResult<Option<Vec<Hash>>> {
        let sk = sent_key(member, id, part);
        match self.sync.get(&sk)? {
            Some(v) => Ok(Some(codec::decode::<Heads>(self.key, "sync", &sk, &v)?.0)),
            None => Ok(None),
        }
    }

    fn set_sent(&self, member: &str, id: CaseId, part: Part, heads: Vec<Hash>) -> TxResult<()> {
        let sk = sent_key(member, id, part);
        self.sync.insert(sk.clone(), codec::encode(self.key, "sync", &sk, &Heads(heads))?)?;
        Ok(())
    }

    /// The heads a save of `book` is based on (see `EditorBase`).
    pub(super) fn plan_base(&self, id: CaseId, book: &PlanBook) -> TxResult<Vec<Hash>> {
        let sent = parse_heads(&book.heads);
        let k = editor_key(id);
        // No heads: the caller wrote from the newest state; no session: a book read just now.
        let Some(v) = self.sync.get(&k)?.filter(|_| !sent.is_empty() && !book.session.is_empty()) else {
            return Ok(sent);
        };
        let base: EditorBase = codec::decode(self.key, "sync", &k, &v)?;
        Ok(if base.from == sent && base.session == book.session { base.at } else { sent })
    }

    /// Remembers where a plan editor's save left its view (only an editor's: it has a session).
    pub(super) fn set_plan_base(&self, id: CaseId, book: &PlanBook, at: Vec<Hash>) -> TxResult<()> {
        if book.session.is_empty() {
            return Ok(());
        }
        let k = editor_key(id);
        let base = EditorBase { from: parse_heads(&book.heads), session: book.session.clone(), at };
        self.sync.insert(k.clone(), codec::encode(self.key, "sync", &k, &base)?)?;
        Ok(())
    }

    fn drop_doc(&self, id: CaseId, part: Part) -> TxResult<bool> {
        Ok(self.tree.remove(doc_key(id, part))?.is_some())
    }

    fn held(&self, id: CaseId) -> TxResult<BTreeMap<Part, Doc>> {
        let mut out = BTreeMap::new();
        for part in Part::ALL {
            if let Some(doc) = self.load(id, part)? {
                out.insert(part, doc);
            }
        }
        Ok(out)
    }
}

/// Which root keys of a part a save writes: the record's or the plan editor's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Record,
    Plan,
}

impl Owner {
    fn owns(self, part: Part, key: &str) -> bool {
        match self {
            Owner::Plan => part == Part::Plan && key == BOOK,
            Owner::Record => !(part == Part::Plan && (key == BOOK || key == FROZEN)),
        }
    }
}

/// What a write puts into the documents, and as whose.
#[derive(Clone, Copy)]
pub(super) struct Writing<'a> {
    pub case: &'a Case,
    pub book: Option<&'a PlanBook>,
    /// The record as stored before this save (a record save leaves the parts equal to it).
    pub stored: Option<&'a Case>,
    pub owner: Owner,
    /// What the plan editor's save is based on (`Docs::plan_base`).
    pub plan_base: &'a [Hash],
    pub time: i64,
}

/// What a write did.
#[derive(Default)]
pub(super) struct Written {
    /// The record and plan as the documents now hold them, when anything was merged.
    pub merged: Option<(Case, Option<PlanBook>)>,
    /// The plan document's heads after this write and before any merge: the writer's view.
    pub plan_view: Option<Vec<Hash>>,
    /// The heads of every document written or looked at, as stored now.
    pub heads: BTreeMap<Part, Vec<String>>,
    /// The clashes left in each part written over clashes (writing a value settles them).
    pub clashes: BTreeMap<Part, Vec<Clash>>,
}

/// Writes `case` (or, for `Owner::Plan`, its `book`) into its documents: each part it
/// holds (a withheld one never, on this copy), only the keys `owner` owns; for a record
/// saved over `stored`, only the parts that differ from it. Each part is
/// based on the heads the caller read (the record's, or `plan_base` for the plan
/// editor's; empty: the newest); when they are older, the write is merged in.
pub(super) fn write(docs: &Docs, merging: &Merging, w: &Writing) -> TxResult<Written> {
    let Writing { case, book, stored, owner, plan_base, time } = *w;
    let cut = |case: &Case| {
        let mut own = case.clone();
        own.name_school(&merging.school);
        share::split(&own, book, &merging.sharing)
    };
    let parts = cut(case);
    // A record save leaves the parts it did not change alone: their documents are not read.
    let before = match (owner, stored) {
        (Owner::Record, Some(stored)) => Some(cut(stored)),
        _ => None,
    };
    let mut merged = false;
    let (mut plan_view, mut heads, mut clashes) = (None, BTreeMap::new(), BTreeMap::new());
    for part in Part::ALL {
        if case.copy.withheld.contains(&part) || (owner == Owner::Plan && part != Part::Plan) {
            continue;
        }
        if before.as_ref().is_some_and(|b| b.get(&part) == parts.get(&part)) {
            if let Some(h) = docs.heads(case.id, part)? {
                heads.insert(part, hex_heads(&h));
            }
            continue;
        }
        let was = docs.record(case.id, part)?;
        let existing = was.as_ref().map(|r| r.load(docs.actor)).transpose().map_err(merge_error)?;
        let stored = existing.is_some();
        let new = parts.get(&part);
        let Some(mut doc) = existing.or_else(|| new.map(|_| Doc::new(docs.actor))) else { continue };
        let base = match owner {
            Owner::Plan => plan_base.to_vec(),
            Owner::Record => parse_heads(case.copy.heads.get(&part).map_or(&[][..], |h| h.as_slice())),
        };
        let stale = !base.is_empty() && base != doc.heads();
        let mut target =
            if stale { doc.fork_at(&base, &actor(&author(docs.actor))).map_err(merge_error)? } else { doc.clone() };
        let mut value = target.read().map_err(merge_error)?;
        let fresh = new.cloned().unwrap_or_else(|| Value::Object(Default::default()));
        take_owned(&mut value, &fresh, |k| owner.owns(part, k));
        let changed = target.write(&value, &share::is_text, time).map_err(merge_error)?;
        if part == Part::Plan {
            freeze_signed(&mut target, book, time)?;
            plan_view = Some(target.heads());
        }
        if changed || stale {
            if stale {
                doc.merge(&mut target).map_err(merge_error)?;
                merged = true;
            } else {
                doc = target;
                if case.copy.clashes.iter().any(|c| c.part == part) {
                    clashes.insert(part, view(part, &mut doc)?.clashes);
                }
            }
            docs.keep(case.id, part, &mut doc, was.as_ref())?;
            docs.sync.insert(dirty_key(case.id), &[][..])?;
        } else if !stored {
            continue; // a document never kept is not held
        }
        heads.insert(part, hex_heads(&doc.heads()));
    }
    let merged = if merged { Some(materialize(docs.held(case.id)?)?) } else { None };
    Ok(Written { merged, plan_view, heads, clashes })
}

/// Puts into `value` what `fresh` holds under the root keys `owned` picks, and removes the
/// owned keys `fresh` lacks.
fn take_owned(value: &mut Value, fresh: &Value, owned: impl Fn(&str) -> bool) {
    let (Value::Object(into), Value::Object(from)) = (value, fresh) else { return };
    into.retain(|k, _| !owned(k) || from.contains_key(k));
    for (k, v) in from.iter().filter(|(k, _)| owned(k)) {
        into.insert(k.clone(), v.clone());
    }
}

/// Records the heads at which each newly signed plan version was signed.
fn freeze_signed(doc: &mut Doc, book: Option<&PlanBook>, time: i64) -> TxResult<()> {
    let Some(book) = book else { return Ok(()) };
    let mut value = doc.read().map_err(merge_error)?;
    let heads = hex_heads(&doc.heads());
    let Value::Object(root) = &mut value else { return Ok(()) };
    let frozen = root.entry(FROZEN).or_insert_with(|| Value::Object(Default::default()));
    let Value::Object(frozen) = frozen else { return Ok(()) };
    let mut added = false;
    for plan in book.versions.iter().filter(|p| p.is_frozen()) {
        let v = plan.version.to_string();
        if !frozen.contains_key(&v) {
            frozen.insert(v, Value::from(heads.clone()));
            added = true;
        }
    }
    if added {
        doc.write(&value, &share::is_text, time).map_err(merge_error)?;
    }
    Ok(())
}

/// One part as the record shows it: its value, its clashes and the heads it was read at.
#[derive(Clone)]
struct PartView {
    value: Value,
    clashes: Vec<Clash>,
    heads: Vec<String>,
}

/// A document as the record shows it: where values clash, the one automerge picks, and a
/// signed plan version as it was signed.
fn view(part: Part, doc: &mut Doc) -> TxResult<PartView> {
    let (mut value, found) = doc.read_with_clashes().map_err(merge_error)?;
    let mut clashes: Vec<Clash> = found
        .into_iter()
        .map(|c| Clash { part, path: c.path, values: c.values.iter().map(Value::to_string).collect() })
        .collect();
    if part == Part::Plan {
        clashes.extend(keep_frozen(doc, &mut value)?);
    }
    Ok(PartView { value, clashes, heads: hex_heads(&doc.heads()) })
}

/// The record and plan made of the parts held, with this copy's view of them: what it
/// does not hold, the clashes, the heads.
fn assemble(views: BTreeMap<Part, PartView>) -> TxResult<(Case, Option<PlanBook>)> {
    let names: Vec<Part> = views.keys().copied().collect();
    let (mut parts, mut clashes, mut heads) = (BTreeMap::new(), Vec::new(), BTreeMap::new());
    for (part, v) in views {
        clashes.extend(v.clashes);
        heads.insert(part, v.heads);
        parts.insert(part, v.value);
    }
    let (mut case, book) = share::join(parts, &names)
        .map_err(|share::ShareError::NotACase(e)| merge_error(crdt::CrdtError::Damaged(e)))?;
    case.copy.clashes = clashes;
    case.copy.heads = heads;
    Ok((case, book))
}

/// The record and plan the documents hold.
fn materialize(held: BTreeMap<Part, Doc>) -> TxResult<(Case, Option<PlanBook>)> {
    let mut views = BTreeMap::new();
    for (part, mut doc) in held {
        views.insert(part, view(part, &mut doc)?);
    }
    assemble(views)
}

/// `materialize` after some of a case's documents changed (`views`): those are read
/// anew; every other held document (`held`: its sealed record as it will be stored) whose
/// heads are the ones `stored` was made from is taken from `stored` as it is (reading a
/// document costs far more than cutting a record into parts); any other is read anew.
/// None when no part is held.
fn rematerialize<'h>(
    held: &dyn Fn(Part) -> Option<&'h [u8]>,
    key: &crypto::SecretKey,
    actor: &[u8],
    id: CaseId,
    mut views: BTreeMap<Part, PartView>,
    stored: Option<(&Case, Option<&PlanBook>)>,
    sharing: &Sharing,
) -> TxResult<Option<(Case, Option<PlanBook>)>> {
    let mut cut = stored.map(|(case, book)| share::split(case, book, sharing)).unwrap_or_default();
    for part in Part::ALL {
        if views.contains_key(&part) {
            continue;
        }
        let Some(v) = held(part) else { continue };
        let k = doc_key(id, part);
        let heads = hex_heads(&sealed_heads(key, actor, &k, v)?);
        let made_from = stored.and_then(|(case, _)| case.copy.heads.get(&part));
        let kept = if made_from == Some(&heads) { cut.remove(&part) } else { None };
        let v = match (kept, stored) {
            (Some(value), Some((case, _))) => {
                let clashes = case.copy.clashes.iter().filter(|c| c.part == part).cloned().collect();
                PartView { value, clashes, heads }
            }
            _ => {
                let record = codec::decode::<DocBytes>(key, "docs", &k, v)?;
                view(part, &mut record.load(actor).map_err(merge_error)?)?
            }
        };
        views.insert(part, v);
    }
    if views.is_empty() {
        return Ok(None);
    }
    assemble(views).map(Some)
}

/// Puts each signed version back as it was signed; an edit that came in for it after
/// is a clash (the signed text first).
fn keep_frozen(doc: &mut Doc, value: &mut Value) -> TxResult<Vec<Clash>> {
    let frozen: Vec<(String, Vec<Hash>)> = value
        .get(FROZEN)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(v, h)| {
                    let hex: Vec<String> = serde_json::from_value(h.clone()).unwrap_or_default();
                    (v.clone(), parse_heads(&hex))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut clashes = Vec::new();
    for (version, at) in frozen {
        let Ok(then) = doc.read_at(&at) else { continue };
        let find = |root: &Value| -> Option<(usize, Value)> {
            let versions = root.get(BOOK)?.get("versions")?.as_array()?;
            let i = versions.iter().position(|p| p.get("version").map(Value::to_string) == Some(version.clone()))?;
            Some((i, versions[i].clone()))
        };
        let (Some((_, signed)), Some((i, now))) = (find(&then), find(value)) else { continue };
        if signed != now {
            let path = format!("/{BOOK}/versions/{i}");
            clashes.push(Clash {
                part: Part::Plan,
                path: path.clone(),
                values: vec![signed.to_string(), now.to_string()],
            });
            if let Some(slot) = value.pointer_mut(&path) {
                *slot = signed;
            }
        }
    }
    Ok(clashes)
}

impl Store {
    /// Whether a save of `case` read at an older revision than `stored` is merged in
    /// rather than refused: when every save since was a sync's, not this copy's (its
    /// last own save is no newer than what the caller read).
    pub(super) fn merges_over(&self, case: &Case, stored: &Case) -> bool {
        self.merging.is_some() && !case.copy.heads.is_empty() && stored.copy.local_revision <= case.revision
    }

    /// From now on every save also writes the case's documents (sync is configured).
    pub fn set_merging(&mut self, merging: Merging) {
        self.actor = actor(&merging.member);
        self.merging = Some(merging);
    }

    pub fn merging(&self) -> Option<&Merging> {
        self.merging.as_ref()
    }

    /// Gives every case without documents its documents, from its record and plan (a
    /// store that starts to sync). Returns how many cases got them.
    pub fn ensure_docs(&self, time: i64) -> Result<usize> {
        let Some(merging) = &self.merging else { return Ok(0) };
        let key = self.key()?;
        let mut made = 0;
        for item in self.trees.cases.iter().keys() {
            let k = item.map_err(|e| self.sled_error(e))?;
            let Ok(bytes) = <[u8; 16]>::try_from(k.as_ref()) else { continue };
            let id = CaseId(uuid::Uuid::from_bytes(bytes));
            if self.trees.docs.contains_key(doc_key(id, Part::Core)).map_err(|e| self.sled_error(e))? {
                continue;
            }
            let (Some(case), book) = (self.case(id)?, self.plan(id)?) else { continue };
            let t = &self.trees;
            (&t.cases, &t.docs, &t.sync, &t.plans)
                .transaction(|(tc, td, ts, tp)| {
                    let docs = Docs { tree: td, sync: ts, key, actor: &self.actor };
                    let record = Writing {
                        case: &case,
                        book: book.as_ref(),
                        stored: None,
                        owner: Owner::Record,
                        plan_base: &[],
                        time,
                    };
                    write(&docs, merging, &record)?;
                    write(&docs, merging, &Writing { owner: Owner::Plan, ..record })?;
                    let mut stored = case.clone();
                    stored.copy.heads = heads_of(&docs, id)?;
                    let k = id.0.as_bytes();
                    tc.insert(k, codec::encode(docs.key, "cases", k, &stored)?)?;
                    // The plan's heads too: an editor opened on it bases its saves there.
                    if let Some(mut book) = book.clone() {
                        book.heads = stored.copy.heads.get(&Part::Plan).cloned().unwrap_or_default();
                        tp.insert(k, codec::encode(docs.key, "plans", k, &book)?)?;
                    }
                    Ok(())
                })
                .map_err(|e| self.tx_error(e, &k))?;
            made += 1;
        }
        if made > 0 {
            self.flush()?;
        }
        Ok(made)
    }

    /// The cases changed since they were last sent to everyone.
    pub fn dirty(&self) -> Result<Vec<CaseId>> {
        self.trees
            .sync
            .scan_prefix(b"dirty/")
            .keys()
            .map(|k| {
                let k = k.map_err(|e| self.sled_error(e))?;
                let bytes = <[u8; 16]>::try_from(&k[6..]).map_err(|_| self.damaged(super::hex(&k)))?;
                Ok(CaseId(uuid::Uuid::from_bytes(bytes)))
            })
            .collect()
    }

    pub fn sync_state(&self) -> Result<SyncState> {
        Ok(self.sync_value(STATE)?.unwrap_or_default())
    }

    pub fn save_sync_state(&self, state: &SyncState) -> Result<()> {
        let v = codec::encode(self.key()?, "sync", STATE, state)
            .map_err(|error| StoreError::Record { key: super::hex(STATE), error })?;
        self.trees.sync.insert(STATE, v).map_err(|e| self.sled_error(e))?;
        self.flush()
    }

    /// How far this copy has taken `member`'s files.
    pub fn taken(&self, member: &str) -> Result<Taken> {
        Ok(self.sync_value(&taken_key(member))?.unwrap_or_default())
    }

    fn sync_value<T: codec::Record>(&self, name: &[u8]) -> Result<Option<T>> {
        let key = self.key()?;
        let Some(v) = self.trees.sync.get(name).map_err(|e| self.sled_error(e))? else { return Ok(None) };
        codec::decode(key, "sync", name, &v)
            .map(Some)
            .map_err(|error| StoreError::Record { key: super::hex(name), error })
    }

    /// Marks `cases` to be offered again at the next file.
    pub fn mark_dirty(&self, cases: &[CaseId]) -> Result<()> {
        for id in cases {
            self.trees.sync.insert(dirty_key(*id), &[][..]).map_err(|e| self.sled_error(e))?;
        }
        self.flush()
    }

    /// Marks every case to be offered again (a partner was added).
    pub fn mark_all_dirty(&self) -> Result<()> {
        for k in self.trees.cases.iter().keys() {
            let k = k.map_err(|e| self.sled_error(e))?;
            if let Ok(bytes) = <[u8; 16]>::try_from(k.as_ref()) {
                let id = CaseId(uuid::Uuid::from_bytes(bytes));
                self.trees.sync.insert(dirty_key(id), &[][..]).map_err(|e| self.sled_error(e))?;
            }
        }
        Ok(())
    }

    /// Forgets what `member` was sent (one of its files was lost), so the next file gives
    /// it everything it may hold; a part sent before stays known as sent, so a part it may
    /// no longer hold still gets its drop order.
    pub fn resend_all(&self, member: &str) -> Result<()> {
        let key = self.key()?;
        let prefix = format!("sent/{member}/").into_bytes();
        for k in self.trees.sync.scan_prefix(&prefix).keys() {
            let k = k.map_err(|e| self.sled_error(e))?;
            let v = codec::encode(key, "sync", &k, &Heads(Vec::new()))
                .map_err(|error| StoreError::Record { key: super::hex(&k), error })?;
            self.trees.sync.insert(k, v).map_err(|e| self.sled_error(e))?;
        }
        self.mark_all_dirty()?;
        self.flush()
    }

    /// `cases` were sent: they are no longer to be sent. Their documents' logs are looked
    /// at later (`forget_logs`), once the sync has reported.
    pub fn clear_dirty(&self, cases: &[CaseId]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in cases {
            batch.remove(dirty_key(*id));
            batch.insert(tidy_key(*id), &[][..]);
        }
        self.trees.sync.apply_batch(batch).map_err(|e| self.sled_error(e))?;
        self.flush()
    }

    /// Of the cases sent since the last call, each document that every one of `members`
    /// now holds whole forgets its log: what the next sync sends starts from there, and
    /// the store does not carry a year of changes twice. Only tidying (a log that stays
    /// costs room, never a change), so a sync leaves it until the list shows what came in.
    pub fn forget_logs(&self, members: &[&str]) -> Result<()> {
        let mut tidied = Vec::new();
        let mut docs = Vec::new();
        for k in self.trees.sync.scan_prefix(TIDY).keys() {
            let k = k.map_err(|e| self.sled_error(e))?;
            let bytes = <[u8; 16]>::try_from(&k[TIDY.len()..]).map_err(|_| self.damaged(super::hex(&k)))?;
            let id = CaseId(uuid::Uuid::from_bytes(bytes));
            for part in Part::ALL {
                let dk = doc_key(id, part);
                if let Some(v) = self.trees.docs.get(&dk).map_err(|e| self.sled_error(e))? {
                    docs.push((id, part, dk, v));
                }
            }
            tidied.push(k);
        }
        if tidied.is_empty() {
            return Ok(());
        }
        // Unsealing and sealing each document again is the work: it is spread over the cores.
        let forgotten = crate::cores::map(&docs, |(id, part, k, v)| self.without_log(*id, *part, k, v, members));
        for ((_, _, k, v), kept) in docs.into_iter().zip(forgotten) {
            if let Some(kept) = kept? {
                // A save since this was read keeps its record, and its log: this is only tidying.
                self.trees.docs.compare_and_swap(&k, Some(v), Some(kept)).map(drop).map_err(|e| self.sled_error(e))?;
            }
        }
        for k in tidied {
            self.trees.sync.remove(k).map_err(|e| self.sled_error(e))?;
        }
        self.flush()
    }

    /// The sealed record `v` of a document without its log, if it has one and every
    /// member holds the document whole.
    fn without_log(&self, id: CaseId, part: Part, k: &[u8], v: &[u8], members: &[&str]) -> Result<Option<Vec<u8>>> {
        let key = self.key()?;
        let record = |error| StoreError::Record { key: super::hex(k), error };
        let DocBytes::WithHeads { doc, heads, log } = codec::decode(key, "docs", k, v).map_err(record)? else {
            return Ok(None);
        };
        if log.is_empty() {
            return Ok(None);
        }
        for member in members {
            if self.sent_heads(member, id, part)?.is_some_and(|sent| hex_heads(&sent) != heads) {
                return Ok(None);
            }
        }
        codec::encode(key, "docs", k, &DocBytes::WithHeads { doc, heads, log: Log::default() })
            .map(Some)
            .map_err(record)
    }

    /// What each reader lacks of case `id`, given the parts it may receive now (`readers`:
    /// member id and entitled parts): each entitled document's changes since last sent,
    /// and a drop for each document sent before that it may no longer hold. The changes
    /// come from the document's log where it reaches back to what the reader holds; else
    /// the document is loaded, once however many readers there are.
    pub fn outgoing(&self, id: CaseId, readers: &[(&str, Vec<Part>)]) -> Result<Vec<(Vec<DocChange>, Vec<Sent>)>> {
        let mut out: Vec<(Vec<DocChange>, Vec<Sent>)> = vec![Default::default(); readers.len()];
        for part in Part::ALL {
            let (mut record, mut doc): (Option<Option<DocBytes>>, Option<Doc>) = (None, None);
            let now = self.doc_heads(id, part)?;
            for ((member, entitled), (items, sent)) in readers.iter().zip(&mut out) {
                let before = self.sent_heads(member, id, part)?;
                if !entitled.contains(&part) {
                    if before.is_some() {
                        items.push(DocChange { case: id, part, changes: Vec::new(), drop: true });
                        sent.push(Sent { case: id, part, heads: None });
                    }
                    continue;
                }
                // Nothing new for this reader: the document need not be read.
                if now.is_none() || (before.is_some() && before == now) {
                    continue;
                }
                let record = match &mut record {
                    Some(r) => r,
                    None => record.insert(self.kept_doc(id, part)?),
                };
                let Some(kept) = record else { continue };
                let held = before.as_deref().unwrap_or(&[]);
                if let (Some(changes), Some(heads)) = (kept.lacking(held), &now) {
                    items.push(DocChange { case: id, part, changes, drop: false });
                    sent.push(Sent { case: id, part, heads: Some(heads.clone()) });
                    continue;
                }
                let doc = match &mut doc {
                    Some(d) => d,
                    None => doc.insert(kept.load(&self.actor).map_err(StoreError::Merge)?),
                };
                let heads = doc.heads();
                if before.as_ref() == Some(&heads) {
                    continue;
                }
                let changes = doc.changes_since(before.as_deref().unwrap_or(&[]));
                items.push(DocChange { case: id, part, changes, drop: false });
                sent.push(Sent { case: id, part, heads: Some(heads) });
            }
        }
        Ok(out)
    }

    /// The heads of `id`'s `part` as held now, None when it is not held (see `Docs::heads`).
    fn doc_heads(&self, id: CaseId, part: Part) -> Result<Option<Vec<Hash>>> {
        let k = doc_key(id, part);
        let Some(v) = self.trees.docs.get(&k).map_err(|e| self.sled_error(e))? else { return Ok(None) };
        if let Some(heads) = DocBytes::quick_heads(self.key()?, &k, &v) {
            return Ok(Some(heads));
        }
        self.kept_doc(id, part)?.map(|kept| kept.heads(&self.actor)).transpose().map_err(StoreError::Merge)
    }

    fn kept_doc(&self, id: CaseId, part: Part) -> Result<Option<DocBytes>> {
        let k = doc_key(id, part);
        let Some(v) = self.trees.docs.get(&k).map_err(|e| self.sled_error(e))? else { return Ok(None) };
        codec::decode(self.key()?, "docs", &k, &v)
            .map(Some)
            .map_err(|error| StoreError::Record { key: super::hex(&k), error })
    }

    /// The heads of `id`'s `part` last sent to `member`, if it was ever sent.
    fn sent_heads(&self, member: &str, id: CaseId, part: Part) -> Result<Option<Vec<Hash>>> {
        let sk = sent_key(member, id, part);
        let Some(v) = self.trees.sync.get(&sk).map_err(|e| self.sled_error(e))? else { return Ok(None) };
        codec::decode::<Heads>(self.key()?, "sync", &sk, &v)
            .map(|h| Some(h.0))
            .map_err(|error| StoreError::Record { key: super::hex(&sk), error })
    }

    /// Records what was sent to `member` (once its file is written).
    pub fn mark_sent(&self, member: &str, sent: &[Sent]) -> Result<()> {
        let key = self.key()?;
        for s in sent {
            let sk = sent_key(member, s.case, s.part);
            let result = match &s.heads {
                Some(h) => codec::encode(key, "sync", &sk, &Heads(h.clone()))
                    .map_err(|error| StoreError::Record { key: super::hex(&sk), error })
                    .and_then(|v| self.trees.sync.insert(sk, v).map_err(|e| self.sled_error(e))),
                None => self.trees.sync.remove(sk).map_err(|e| self.sled_error(e)),
            };
            result?;
        }
        self.flush()
    }

    /// Applies one partner file's changes: all of them with the records they change and
    /// a history entry per case and author (named by `name_of` from the member id), or
    /// nothing (`waiting` when some changes wait for others not here yet). How far
    /// `from`'s files are now taken (`taken`) is written in the same transaction.
    pub fn receive(
        &self,
        items: &[DocChange],
        from: &str,
        name_of: &dyn Fn(&str) -> String,
        at: chrono::NaiveDateTime,
        taken: &Taken,
    ) -> Result<Received> {
        let ready = self.make_ready(items)?;
        self.take_in(&ready, from, name_of, at, taken)
    }

    /// `make` for the cases of one file, spread over the cores. A case that fails here
    /// is made again in `take_in`, which reports the failure; only so many are made ahead,
    /// to bound the memory.
    fn make_ready<'a>(&self, items: &'a [DocChange]) -> Result<Ready<'a>> {
        let Some(merging) = &self.merging else { return Err(StoreError::Locked) };
        let key = self.key()?;
        let mut by_case: BTreeMap<CaseId, Vec<&DocChange>> = BTreeMap::new();
        for item in items {
            by_case.entry(item.case).or_default().push(item);
        }
        let t = &self.trees;
        let get = |tree: &sled::Tree, k: &[u8]| Ok(tree.get(k)?);
        let cases: Vec<(&CaseId, &Vec<&DocChange>)> = by_case.iter().take(PREPARED_AHEAD).collect();
        let made = crate::cores::map(&cases, |(id, items)| {
            let read = Reads { docs: &|k| get(&t.docs, k), cases: &|k| get(&t.cases, k), plans: &|k| get(&t.plans, k) };
            let snapshot = Snapshot::read(&read, **id).ok()?;
            make(snapshot, key, &self.actor, **id, items, &merging.sharing).ok().map(|m| (**id, m))
        })
        .into_iter()
        .flatten()
        .collect();
        Ok(Ready { by_case, made })
    }

    /// The transaction of `receive`: what `make_ready` made, written where the case is
    /// still stored as it read it, and made again inside it where it is not.
    fn take_in(
        &self,
        ready: &Ready<'_>,
        from: &str,
        name_of: &dyn Fn(&str) -> String,
        at: chrono::NaiveDateTime,
        taken: &Taken,
    ) -> Result<Received> {
        let Some(merging) = &self.merging else { return Err(StoreError::Locked) };
        let key = self.key()?;
        let tk = taken_key(from);
        let taken = codec::encode(key, "sync", &tk, taken)
            .map_err(|error| StoreError::Record { key: super::hex(&tk), error })?;
        let Ready { by_case, made } = ready;
        let t = &self.trees;
        let result = (&t.cases, &t.plans, &t.docs, &t.sync, &t.history, &t.meta, &t.rows)
            .transaction(|(tc, tp, td, ts, th, tm, tr)| {
                let docs = Docs { tree: td, sync: ts, key, actor: &self.actor };
                let get = |tree: &TransactionalTree, k: &[u8]| Ok(tree.get(k)?);
                let read = Reads { docs: &|k| get(td, k), cases: &|k| get(tc, k), plans: &|k| get(tp, k) };
                let mut report = Received::default();
                let mut head = read_head(tm)?;
                for (id, items) in by_case {
                    let now = Snapshot::read(&read, *id)?;
                    let made = match made.get(id) {
                        Some(m) if m.snapshot == now => std::borrow::Cow::Borrowed(m),
                        _ => std::borrow::Cow::Owned(make(now, key, &self.actor, *id, items, &merging.sharing)?),
                    };
                    let dropped = commit(&docs, *id, from, &made)?;
                    let k = *id.0.as_bytes();
                    // What a withdrawn consent erases goes from the light copies too.
                    if !dropped.is_empty() || made.record.is_none() {
                        tr.remove(&super::rows::page_of(&k))?;
                    }
                    match &made.record {
                        None => {
                            tc.remove(&k)?;
                            tp.remove(&k)?;
                        }
                        Some((case, book)) => {
                            tc.insert(&k, case.as_slice())?;
                            match book {
                                Some(b) => tp.insert(&k, b.as_slice())?,
                                None => tp.remove(&k)?,
                            };
                        }
                    }
                    ts.insert(dirty_key(*id), &[][..])?;
                    for (author, n) in &made.authors {
                        let kind = ChangeKind::Received { from: author.clone(), changes: *n };
                        let change = Change { case: Some(*id), at, who: name_of(author), kind };
                        head = append(th, key, head, change)?;
                    }
                    for part in &dropped {
                        let kind = ChangeKind::PartDropped { part: *part };
                        head = append(th, key, head, Change { case: Some(*id), at, who: name_of(from), kind })?;
                    }
                    report.cases += 1;
                    report.changes += made.changes;
                    for (a, n) in &made.authors {
                        *report.authors.entry(a.clone()).or_insert(0) += n;
                    }
                    report.dropped += dropped.len();
                }
                ts.insert(tk.as_slice(), taken.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(report)
            })
            .map_err(|e| self.tx_error(e, b"sync"));
        match result {
            Err(StoreError::Waiting) => Ok(Received { waiting: true, ..Received::default() }),
            Err(e) => Err(e),
            Ok(report) => self.flush().map(|()| report),
        }
    }

    /// Settles clash `path` of `part` of case `id` with `value` (one of its values, as
    /// JSON text), recorded in the history; returns the record as it is now.
    pub fn settle(&self, id: CaseId, part: Part, path: &str, value: &str, change: Change) -> Result<Case> {
        if self.merging.is_none() {
            return Err(StoreError::Locked);
        }
        let key = self.key()?;
        let value: Value =
            serde_json::from_str(value).map_err(|e| StoreError::Merge(crdt::CrdtError::Damaged(e.to_string())))?;
        let time = change.at.and_utc().timestamp();
        let k = *id.0.as_bytes();
        let t = &self.trees;
        let case = (&t.cases, &t.plans, &t.docs, &t.sync, &t.history, &t.meta)
            .transaction(|(tc, tp, td, ts, th, tm)| {
                let docs = Docs { tree: td, sync: ts, key, actor: &self.actor };
                let Some(was) = docs.record(id, part)? else {
                    return Err(ConflictableTransactionError::Abort(Abort::Conflict));
                };
                let mut doc = was.load(docs.actor).map_err(merge_error)?;
                doc.settle(path, &value, &share::is_text, time).map_err(merge_error)?;
                docs.keep(id, part, &mut doc, Some(&was))?;
                let stored = match tc.get(k)? {
                    Some(v) => codec::decode::<Case>(key, "cases", &k, &v)?,
                    None => return Err(ConflictableTransactionError::Abort(Abort::Conflict)),
                };
                let (mut case, book) = materialize(docs.held(id)?)?;
                case.revision = stored.revision + 1;
                case.copy.local_revision = case.revision;
                tc.insert(&k, codec::encode(key, "cases", &k, &case)?)?;
                if let Some(b) = &book {
                    tp.insert(&k, codec::encode(key, "plans", &k, b)?)?;
                }
                ts.insert(dirty_key(id), &[][..])?;
                let head = append(th, key, read_head(tm)?, change.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(case)
            })
            .map_err(|e| self.tx_error(e, &k))?;
        self.flush()?;
        Ok(case)
    }
}

/// Removes every document of case `id` (the case is deleted).
pub(super) fn remove_all(tree: &TransactionalTree, id: CaseId) -> TxResult<()> {
    for part in Part::ALL {
        tree.remove(doc_key(id, part))?;
    }
    Ok(())
}

/// The heads of every document of case `id`, as a record keeps them.
pub(super) fn heads_of(docs: &Docs, id: CaseId) -> TxResult<BTreeMap<Part, Vec<String>>> {
    let mut out = BTreeMap::new();
    for part in Part::ALL {
        if let Some(heads) = docs.heads(id, part)? {
            out.insert(part, hex_heads(&heads));
        }
    }
    Ok(out)
}

/// One file's changes grouped per case, and the cases made ready on the cores.
struct Ready<'a> {
    by_case: BTreeMap<CaseId, Vec<&'a DocChange>>,
    made: BTreeMap<CaseId, Made>,
}

/// Cases of one file made ready before its transaction at most (each holds its changed
/// documents' sealed bytes and its record: some kilobytes).
const PREPARED_AHEAD: usize = 2_000;

/// How to read the trees a received case touches: before the transaction or inside it.
struct Reads<'a> {
    docs: &'a dyn Fn(&[u8]) -> TxResult<Option<sled::IVec>>,
    cases: &'a dyn Fn(&[u8]) -> TxResult<Option<sled::IVec>>,
    plans: &'a dyn Fn(&[u8]) -> TxResult<Option<sled::IVec>>,
}

/// A case as stored when its received changes were made ready: its documents, record and
/// plan, sealed. What `make` makes of it is written only while the case is still stored
/// so.
#[derive(Clone, PartialEq)]
struct Snapshot {
    docs: BTreeMap<Part, Option<sled::IVec>>,
    case: Option<sled::IVec>,
    plan: Option<sled::IVec>,
}

impl Snapshot {
    fn read(read: &Reads, id: CaseId) -> TxResult<Snapshot> {
        let mut docs = BTreeMap::new();
        for part in Part::ALL {
            docs.insert(part, (read.docs)(&doc_key(id, part))?);
        }
        let k = id.0.as_bytes();
        Ok(Snapshot { docs, case: (read.cases)(k)?, plan: (read.plans)(k)? })
    }
}

/// One case's items from a member, applied to its documents, and the record made of
/// them: loading, applying and reading the documents is most of a sync's work, so it is
/// done for many cases at once on every core before the transaction (`make_ready`).
#[derive(Clone)]
struct Made {
    /// What it was made from.
    snapshot: Snapshot,
    /// In order: a part dropped, or changes applied to it (heads before and after).
    events: Vec<Event>,
    changes: usize,
    /// Changes applied per author (member id).
    authors: BTreeMap<String, usize>,
    /// The documents that changed, sealed as they are kept.
    kept: BTreeMap<Part, Vec<u8>>,
    /// The record and plan, sealed; None when no part is held any more.
    record: Option<Sealed>,
}

/// A case record and its plan (if any), sealed.
type Sealed = (Vec<u8>, Option<Vec<u8>>);

#[derive(Clone)]
enum Event {
    Dropped(Part),
    Applied { part: Part, before: Vec<Hash>, after: Vec<Hash> },
}

/// Applies one case's items to its documents as `snapshot` holds them, and makes its
/// record anew. Changes that wait for others not here abort it all.
fn make(
    snapshot: Snapshot,
    key: &crypto::SecretKey,
    actor: &[u8],
    id: CaseId,
    items: &[&DocChange],
    sharing: &Sharing,
) -> TxResult<Made> {
    let mut out = Made {
        snapshot,
        events: Vec::new(),
        changes: 0,
        authors: BTreeMap::new(),
        kept: BTreeMap::new(),
        record: None,
    };
    let mut views = BTreeMap::new();
    let (mut changed, mut written, mut dropped) = (BTreeMap::new(), BTreeSet::new(), BTreeSet::new());
    // The records the documents were loaded from, whose logs the kept ones carry on.
    let mut records: BTreeMap<Part, DocBytes> = BTreeMap::new();
    for item in items {
        let part = item.part;
        if item.drop {
            changed.remove(&part);
            written.remove(&part);
            records.remove(&part);
            dropped.insert(part);
            out.events.push(Event::Dropped(part));
            continue;
        }
        let (mut doc, was_changed) = match changed.remove(&part) {
            Some(doc) => (doc, true),
            // Dropped by an earlier item: it starts anew, as from an empty store.
            None if dropped.contains(&part) => (Doc::new(actor), false),
            None => match out.snapshot.docs.get(&part).cloned().flatten() {
                Some(v) => {
                    let record = codec::decode::<DocBytes>(key, "docs", &doc_key(id, part), &v)?;
                    let doc = record.load(actor).map_err(merge_error)?;
                    records.insert(part, record);
                    (doc, false)
                }
                None => (Doc::new(actor), false),
            },
        };
        let before = doc.heads();
        // An error drops the whole of this case's work: the document need not survive it.
        let (mut doc, applied) = doc.applied(&item.changes).map_err(merge_error)?;
        if !applied.complete {
            return Err(ConflictableTransactionError::Abort(Abort::Waiting));
        }
        out.changes += applied.changes;
        for (actor, n) in &applied.by_actor {
            *out.authors.entry(author(actor)).or_insert(0) += n;
        }
        if applied.changes > 0 {
            out.events.push(Event::Applied { part, before, after: doc.heads() });
            written.insert(part);
        }
        if applied.changes > 0 || was_changed {
            changed.insert(part, doc);
        }
    }
    for (part, mut doc) in changed {
        if written.contains(&part) {
            let k = doc_key(id, part);
            let kept = DocBytes::keeping(&mut doc, records.get(&part));
            out.kept.insert(part, codec::encode(key, "docs", &k, &kept)?);
        }
        views.insert(part, view(part, &mut doc)?);
    }
    out.record = record(&out, key, actor, id, views, sharing)?;
    Ok(out)
}

/// The sealed record and plan of case `id` once `made` is written: made from the
/// documents as they will be stored, over the record its snapshot holds.
fn record(
    made: &Made,
    key: &crypto::SecretKey,
    actor: &[u8],
    id: CaseId,
    views: BTreeMap<Part, PartView>,
    sharing: &Sharing,
) -> TxResult<Option<Sealed>> {
    let k = *id.0.as_bytes();
    let stored = match &made.snapshot.case {
        Some(v) => Some(codec::decode::<Case>(key, "cases", &k, v)?),
        None => None,
    };
    let stored_book = match (&stored, &made.snapshot.plan) {
        (Some(_), Some(v)) => Some(codec::decode::<PlanBook>(key, "plans", &k, v)?),
        _ => None,
    };
    let gone = |part: Part| made.events.iter().any(|e| matches!(e, Event::Dropped(p) if *p == part));
    let held = |part: Part| match made.kept.get(&part) {
        Some(sealed) => Some(sealed.as_slice()),
        None if gone(part) => None,
        None => made.snapshot.docs.get(&part).and_then(|v| v.as_deref()),
    };
    let was = stored.as_ref().map(|c| (c, stored_book.as_ref()));
    let Some((mut case, mut book)) = rematerialize(&held, key, actor, id, views, was, sharing)? else {
        return Ok(None);
    };
    case.revision = stored.as_ref().map_or(1, |s| s.revision + 1);
    case.copy.local_revision = stored.as_ref().map_or(0, |s| s.copy.local_revision);
    // With its heads, so an editor opened on it bases its saves there.
    if let Some(b) = &mut book {
        b.heads = case.copy.heads.get(&Part::Plan).cloned().unwrap_or_default();
    }
    let book = book.map(|b| codec::encode(key, "plans", &k, &b)).transpose()?;
    Ok(Some((codec::encode(key, "cases", &k, &case)?, book)))
}

/// Writes what `make` made for case `id` from member `from`: the drops, the kept
/// documents, and what the sender now holds. Returns the parts that were dropped.
fn commit(docs: &Docs, id: CaseId, from: &str, made: &Made) -> TxResult<Vec<Part>> {
    // Parts written by an earlier item of these: a drop after it drops something.
    let (mut dropped, mut written) = (Vec::new(), BTreeSet::new());
    for event in &made.events {
        match event {
            Event::Dropped(part) => {
                if docs.drop_doc(id, *part)? | written.remove(part) {
                    dropped.push(*part);
                }
            }
            // Everything this document held was sent to the sender already (or it held
            // nothing): the sender now holds all of it, so none of it goes back.
            Event::Applied { part, before, after } => {
                written.insert(*part);
                if docs.sent(from, id, *part)?.unwrap_or_default() == *before {
                    docs.set_sent(from, id, *part, after.clone())?;
                }
            }
        }
    }
    for (part, sealed) in &made.kept {
        docs.tree.insert(doc_key(id, *part), sealed.clone())?;
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::DomainTag;
    use crate::domain::demo;
    use crate::domain::testing::school;
    use crate::store::crypto::KdfParams;

    fn at() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    fn copy_of(dir: &std::path::Path, member: &str) -> Store {
        let mut store = Store::open(dir).unwrap();
        store.create_key(b"correct paard batterij niet", KdfParams::cheap().unwrap(), member, at()).unwrap();
        store.set_merging(Merging {
            sharing: Sharing { parts: Vec::new() },
            member: member.into(),
            school: "De Es".into(),
        });
        store
    }

    fn edit(store: &Store, id: CaseId, who: &str, change: impl Fn(&mut Case)) {
        let mut case = store.case(id).unwrap().unwrap();
        let before = case.clone();
        change(&mut case);
        let kind = ChangeKind::Edited { fields: case.changed_fields(&before) };
        store.save(&case, &Change { case: Some(id), at: at(), who: who.into(), kind }).unwrap();
    }

    fn note(doc: &mut Doc, text: &str, time: i64) {
        doc.write(&serde_json::json!({ "note": text }), &|_, _| true, time).unwrap();
    }

    fn state(doc: &mut Doc) -> (Vec<Hash>, Value) {
        (doc.heads(), doc.read().unwrap())
    }

    /// A partner holding the heads at the log's start or after any of its writes gets from
    /// the log alone what it lacks: applied there, both copies hold the same. Heads the
    /// log does not know get nothing from it (the document is loaded for them).
    #[test]
    fn the_log_gives_a_partner_what_it_lacks_from_where_it_holds() {
        let mut doc = Doc::new(b"A");
        let mut kept: Option<DocBytes> = None;
        let mut earlier = Vec::new();
        for (i, text) in ["Zoë", "Zoë en", "Zoë en Renée"].iter().enumerate() {
            note(&mut doc, text, i as i64);
            kept = Some(DocBytes::keeping(&mut doc, kept.as_ref()));
            earlier.push(doc.clone());
        }
        let kept = kept.unwrap();
        let mut empty = Doc::new(b"B");
        empty.apply(&kept.lacking(&[]).unwrap()).unwrap();
        assert_eq!(state(&mut empty), state(&mut doc));
        for mut partner in earlier {
            let held = partner.heads();
            // Exactly what the loaded document says, nothing held sent again.
            assert_eq!(kept.lacking(&held), Some(doc.changes_since(&held)));
            partner.apply(&kept.lacking(&held).unwrap()).unwrap();
            assert_eq!(state(&mut partner), state(&mut doc));
        }
        let mut other = Doc::new(b"C");
        note(&mut other, "elders", 9);
        assert_eq!(kept.lacking(&other.heads()), None);
    }

    /// The log keeps the newest writes within its bounds; a partner who holds what the
    /// oldest dropped write left is loaded for.
    #[test]
    fn the_log_keeps_the_newest_writes() {
        let mut doc = Doc::new(b"A");
        let mut kept: Option<DocBytes> = None;
        let mut heads = Vec::new();
        for i in 0..LOG_CHUNKS + 10 {
            note(&mut doc, &format!("schrijft {i}"), i as i64);
            kept = Some(DocBytes::keeping(&mut doc, kept.as_ref()));
            heads.push(doc.heads());
        }
        let kept = kept.unwrap();
        let DocBytes::WithHeads { log, .. } = &kept else { panic!("kept with heads") };
        assert_eq!(log.chunks.len(), LOG_CHUNKS);
        assert_eq!(kept.lacking(&heads[5]), None);
        assert_eq!(kept.lacking(&[]), None);
        assert!(kept.lacking(&heads[10]).is_some_and(|c| !c.is_empty()));
    }

    /// A document kept before logs were (alone, or with heads and no log) is not read from
    /// a log until a write starts one there.
    #[test]
    fn a_document_kept_without_a_log_starts_one_at_its_next_write() {
        let mut doc = Doc::new(b"A");
        note(&mut doc, "voor", 1);
        let alone = DocBytes::Alone(doc.save());
        assert_eq!(alone.lacking(&[]), None);
        let mut partner = doc.clone();
        let old = DocBytes::WithHeads { doc: doc.save(), heads: hex_heads(&doc.heads()), log: Log::default() };
        assert_eq!(old.lacking(&[]), None);
        note(&mut doc, "voor en na", 2);
        let kept = DocBytes::keeping(&mut doc, Some(&old));
        assert_eq!(kept.lacking(&[]), None);
        let held = partner.heads();
        partner.apply(&kept.lacking(&held).unwrap()).unwrap();
        assert_eq!(state(&mut partner), state(&mut doc));
    }

    fn logged(store: &Store, id: CaseId, part: Part) -> usize {
        let k = doc_key(id, part);
        let v = store.trees.docs.get(&k).unwrap().unwrap();
        match codec::decode::<DocBytes>(store.key().unwrap(), "docs", &k, &v).unwrap() {
            DocBytes::WithHeads { log, .. } => log.chunks.len(),
            DocBytes::Alone(_) => 0,
        }
    }

    /// Once every member a document was sent to holds it whole, its log is forgotten; while
    /// one lacks some of it, the log stays.
    #[test]
    fn a_log_is_forgotten_once_every_member_holds_the_document() {
        let dir = tempfile::tempdir().unwrap();
        let a = copy_of(&dir.path().join("a"), "aa00aa");
        let config = school();
        let case = Case { revision: 0, ..demo::cases(1, 3, &config.route, &config.team, at().date()).remove(0) };
        let id = case.id;
        a.save(&case, &Change { case: Some(id), at: at(), who: "aa00aa".into(), kind: ChangeKind::Created }).unwrap();
        let members = ["bb00bb", "cc00cc"];
        let all: Vec<(&str, Vec<Part>)> = members.iter().map(|m| (*m, Part::ALL.to_vec())).collect();
        let sent = a.outgoing(id, &all).unwrap();
        a.mark_sent("bb00bb", &sent[0].1).unwrap();
        a.mark_sent("cc00cc", &sent[1].1).unwrap();
        edit(&a, id, "aa00aa", |c| c.intake.note.push_str(" en meer"));
        assert!(logged(&a, id, Part::Notes) > 0);

        let sent = a.outgoing(id, &all).unwrap();
        a.mark_sent("bb00bb", &sent[0].1).unwrap();
        a.clear_dirty(&[id]).unwrap();
        a.forget_logs(&members).unwrap();
        assert!(logged(&a, id, Part::Notes) > 0, "cc00cc still lacks the last edit");
        a.mark_sent("cc00cc", &sent[1].1).unwrap();
        a.forget_logs(&members).unwrap();
        assert!(logged(&a, id, Part::Notes) > 0, "looked at once: the next sync of this case looks again");
        a.clear_dirty(&[id]).unwrap();
        a.forget_logs(&members).unwrap();
        assert_eq!(logged(&a, id, Part::Notes), 0);
    }

    /// A case saved on this copy after a partner's changes to it were made ready (on the
    /// cores, before the transaction) is made again inside the transaction: the ready
    /// documents no longer hold this copy's own edit, and writing them would lose it.
    #[test]
    fn a_case_edited_after_its_changes_were_made_ready_keeps_the_edit() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (copy_of(&dir.path().join("a"), "aa00aa"), copy_of(&dir.path().join("b"), "bb00bb"));
        let config = school();
        let case = demo::cases(1, 3, &config.route, &config.team, at().date()).remove(0);
        let case = Case { revision: 0, ..case };
        let id = case.id;
        a.save(&case, &Change { case: Some(id), at: at(), who: "aa00aa".into(), kind: ChangeKind::Created }).unwrap();
        let all = [("bb00bb", Part::ALL.to_vec())];
        let taken = Taken { copy: "a1".into(), count: 1 };
        let send = |from: &Store| from.outgoing(id, &all).unwrap().remove(0).0;
        b.receive(&send(&a), "aa00aa", &|m| m.to_string(), at(), &taken).unwrap();

        // Two fields of one document: the groep on A, the signal's domains on B.
        let groep = case.intake.groep % 8 + 1;
        edit(&a, id, "aa00aa", |c| c.intake.groep = groep);
        let items = send(&a);
        let ready = b.make_ready(&items).unwrap();
        assert!(ready.made.contains_key(&id), "made ready ahead");
        edit(&b, id, "bb00bb", |c| c.intake.domains = vec![DomainTag::Safety]);
        b.take_in(&ready, "aa00aa", &|m| m.to_string(), at(), &taken).unwrap();

        let merged = b.case(id).unwrap().unwrap();
        assert_eq!(merged.intake.groep, groep, "the partner's change came in");
        assert_eq!(merged.intake.domains, vec![DomainTag::Safety], "this copy's own edit is kept");
    }

    /// A received drop (a withdrawn consent) erases from a record, so the light copies
    /// the list was loaded from go in the same transaction, not at the next load. A
    /// change that erases nothing leaves them: each row knows the record it was made from.
    #[test]
    fn a_received_drop_removes_the_light_copies_of_its_case() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (copy_of(&dir.path().join("a"), "aa00aa"), copy_of(&dir.path().join("b"), "bb00bb"));
        let config = school();
        let case = Case { revision: 0, ..demo::cases(1, 3, &config.route, &config.team, at().date()).remove(0) };
        let id = case.id;
        a.save(&case, &Change { case: Some(id), at: at(), who: "aa00aa".into(), kind: ChangeKind::Created }).unwrap();
        let taken = Taken { copy: "a1".into(), count: 1 };
        let send = |parts: Vec<Part>| a.outgoing(id, &[("bb00bb", parts)]).unwrap().remove(0).0;
        let page = || b.trees.rows.get(super::super::rows::page_of(id.0.as_bytes())).unwrap();
        b.receive(&send(Part::ALL.to_vec()), "aa00aa", &|m| m.to_string(), at(), &taken).unwrap();
        b.load_all(&config.route).unwrap();
        assert!(page().is_some());

        edit(&a, id, "aa00aa", |c| c.intake.groep = c.intake.groep % 8 + 1);
        b.receive(&send(Part::ALL.to_vec()), "aa00aa", &|m| m.to_string(), at(), &taken).unwrap();
        assert!(page().is_some(), "nothing was erased");
        let drop = DocChange { case: id, part: Part::Identity, changes: Vec::new(), drop: true };
        let got = b.receive(&[drop], "aa00aa", &|m| m.to_string(), at(), &taken).unwrap();
        assert!(got.dropped > 0, "{got:?}");
        assert_eq!(page(), None);
        assert_eq!(b.load_all(&config.route).unwrap().cases[0].intake.first_name, "");
    }

    /// A document kept before its heads were kept beside it still loads, and its heads
    /// are read from it; one kept now gives the same heads without being loaded.
    #[test]
    fn a_document_kept_before_its_heads_were_still_loads() {
        let actor = actor("anna");
        let mut doc = Doc::new(&actor);
        doc.write(&serde_json::json!({"groep": 5}), &share::is_text, 0).unwrap();
        let heads = doc.heads();
        let old = serde_json::to_vec(&DocBytes::Alone(doc.save())).unwrap();
        let now =
            serde_json::to_vec(&DocBytes::WithHeads { doc: doc.save(), heads: hex_heads(&heads), log: Log::default() })
                .unwrap();
        for bytes in [&old, &now] {
            let kept = || serde_json::from_slice::<DocBytes>(bytes).unwrap();
            assert_eq!(kept().heads(&actor).unwrap(), heads);
            assert_eq!(kept().load(&actor).unwrap().read().unwrap(), serde_json::json!({"groep": 5}));
        }
        assert!(matches!(serde_json::from_slice::<DocBytes>(&now).unwrap(), DocBytes::WithHeads { .. }));
        // Sealed, the heads of one kept now are read past the document; an old one is left
        // to the full read.
        let key = crypto::SecretKey::random().unwrap();
        let seal = |kept: &DocBytes| codec::encode(&key, "docs", b"k", kept).unwrap();
        let now = seal(&DocBytes::WithHeads { doc: doc.save(), heads: hex_heads(&heads), log: Log::default() });
        assert_eq!(DocBytes::quick_heads(&key, b"k", &now), Some(heads.clone()));
        assert_eq!(DocBytes::quick_heads(&key, b"k", &seal(&DocBytes::Alone(doc.save()))), None);
        assert_eq!(DocBytes::quick_heads(&key, b"other key", &now), None, "a record moved is not read");
    }
}
