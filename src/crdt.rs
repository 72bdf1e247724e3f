//! The bridge between a part of a case as JSON and its automerge document.
//!
//! The store turns a part of a case (core, identity, notes, plan) into a JSON object and
//! [`Doc::write`]s it into that part's document on every save: only what differs becomes
//! automerge operations, so a partner's concurrent edits of other fields, other list items
//! and other places in a text survive. Partners exchange [`Doc::changes_since`] and
//! [`Doc::apply`]; automerge merges, and [`Doc::read`] gives the merged JSON back. Two
//! concurrent values for one single value stay visible as a [`Clash`] until a member
//! [`Doc::settle`]s it.
//!
//! Mapping: a JSON object is a map, an array a list, a string under a key for which
//! `is_text(key)` holds a text (merged character by character); every other string,
//! number, bool and null a scalar. Numbers read back exactly as written: integers as
//! `i64` (or `u64` above `i64::MAX`), the rest as `f64`.
//!
//! Pure: no IO, no clock (commit times are arguments), nothing of the crate.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Automerge, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, Prop, ROOT, ReadDoc,
    ScalarValue, TextEncoding, Value as AmValue, ValueRef, VerificationMode,
};
use serde_json::{Map, Number, Value};
use similar::{Algorithm, DiffOp};

/// Whether the string under `key` (in an object with `siblings`) is free text, merged per
/// character, rather than one value.
pub type IsText<'a> = &'a dyn Fn(&str, &Map<String, Value>) -> bool;

/// The most bytes [`Doc::load`] and [`Doc::apply`] accept.
pub const MAX_DOC: usize = 8 * 1024 * 1024;
/// The deepest nesting of objects and arrays (the top object counts as 1) that
/// [`Doc::write`], [`Doc::read`] and [`Doc::clashes`] accept.
pub const MAX_DEPTH: usize = 32;
/// The hash of one change, so callers never name automerge's types.
pub type Hash = [u8; 32];

/// Text positions count UTF-8 bytes. Automerge does not store the encoding in the
/// document, so every document is created and loaded with it.
const ENCODING: TextEncoding = TextEncoding::Utf8CodeUnit;

/// One part of a case as an automerge document, edited by one copy (its actor).
#[derive(Debug, Clone)]
pub struct Doc {
    am: AutoCommit,
}

/// A single value (a map key or a list slot) holding more than one concurrent value.
#[derive(Debug, Clone, PartialEq)]
pub struct Clash {
    /// Where, as a JSON pointer: `/intake/birth_date`, `/versions/0/goals/1/text`.
    pub path: String,
    /// Every concurrent value in automerge's order, the one [`Doc::read`] shows first.
    pub values: Vec<Value>,
}

/// What [`Doc::apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// New changes applied now (including queued ones whose dependencies arrived).
    pub changes: usize,
    /// The actor ids of those changes with how many each, in the order first seen.
    pub by_actor: Vec<(Vec<u8>, usize)>,
    /// False while some received changes wait for changes this copy lacks.
    pub complete: bool,
}

/// Why a document could not be loaded, applied, written or read. Its words are in `strings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrdtError {
    /// More bytes than [`MAX_DOC`].
    TooLarge { size: usize, max: usize },
    /// The bytes are not (whole) automerge data, or automerge refused them; automerge's
    /// own description.
    Damaged(String),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// [`Doc::write`] takes a JSON object.
    NotAnObject,
    /// The JSON pointer given to [`Doc::settle`] names nothing settable in the document.
    BadPath(String),
    /// [`Doc::read_at`] was given a head this document does not hold.
    UnknownHeads,
}

fn damaged(e: impl std::fmt::Display) -> CrdtError {
    CrdtError::Damaged(e.to_string())
}

fn bounded(bytes: &[u8]) -> Result<(), CrdtError> {
    if bytes.len() > MAX_DOC {
        return Err(CrdtError::TooLarge { size: bytes.len(), max: MAX_DOC });
    }
    Ok(())
}

/// Checks that `bytes` parse to their end: `load_incremental` silently keeps the chunks
/// before a damaged one. Changes whose dependencies are elsewhere parse fine.
fn whole(bytes: &[u8]) -> Result<(), CrdtError> {
    match Automerge::load_with_options(bytes, LoadOptions::new().text_encoding(ENCODING)) {
        Ok(_) | Err(AutomergeError::MissingDeps) => Ok(()),
        Err(e) => Err(damaged(e)),
    }
}

fn hashes(heads: &[Hash]) -> Vec<ChangeHash> {
    heads.iter().map(|h| ChangeHash(*h)).collect()
}

impl Doc {
    /// An empty document edited by `actor` (unique per copy, never shared by two copies).
    /// Only the copy that creates a part starts from here; the others load (or apply into
    /// an empty document) its first save: two copies that each wrote their own first
    /// version would clash on every key.
    pub fn new(actor: &[u8]) -> Doc {
        Doc { am: AutoCommit::new_with_encoding(ENCODING).with_actor(ActorId::from(actor)) }
    }

    /// A document from [`Doc::save`] bytes, edited from now on by `actor`. Changes that
    /// were still waiting for their dependencies when saved wait again. Only for bytes this
    /// copy saved itself (sealed in its store, so authenticated): the heads are not hashed
    /// again, which costs about a third of a load. A partner's bytes go through `apply`.
    pub fn load(bytes: &[u8], actor: &[u8]) -> Result<Doc, CrdtError> {
        bounded(bytes)?;
        let options = LoadOptions::new().text_encoding(ENCODING).verification_mode(VerificationMode::DontCheck);
        let am = AutoCommit::load_with_options(bytes, options).map_err(damaged)?;
        Ok(Doc { am: am.with_actor(ActorId::from(actor)) })
    }

    /// The whole document, compacted, including changes still waiting for dependencies.
    /// Its columns are not deflated: deflating was four fifths of a save, and the store
    /// packs every value it seals with LZ4 anyway.
    pub fn save(&mut self) -> Vec<u8> {
        self.am.save_nocompress()
    }

    /// Makes the document hold `value` (a JSON object): only what differs becomes
    /// operations, in one change stamped `time` (unix seconds, metadata only). A key
    /// missing from `value` is deleted; a string under a key for which `is_text` holds is
    /// a text. Returns whether anything changed (nothing: no change is made). On an
    /// error the document is unchanged.
    pub fn write(&mut self, value: &Value, is_text: IsText, time: i64) -> Result<bool, CrdtError> {
        let Value::Object(map) = value else {
            return Err(CrdtError::NotAnObject);
        };
        let result = Writer { am: &mut self.am, is_text }.map(&ROOT, map, 1);
        self.finish(result, time)
    }

    /// The current state; where values clash, the one automerge picks on every copy.
    pub fn read(&self) -> Result<Value, CrdtError> {
        View { am: &self.am, at: None }.root()
    }

    /// The state at earlier `heads` (from [`Doc::heads`]), e.g. a signed plan version.
    pub fn read_at(&mut self, heads: &[Hash]) -> Result<Value, CrdtError> {
        let at = hashes(heads);
        if at.iter().any(|h| self.am.get_change_by_hash(h).is_none()) {
            return Err(CrdtError::UnknownHeads);
        }
        View { am: &self.am, at: Some(&at) }.root()
    }

    /// [`Doc::read`] and [`Doc::clashes`] in one walk of the document (each walks it all).
    pub fn read_with_clashes(&self) -> Result<(Value, Vec<Clash>), CrdtError> {
        let mut clashes = Vec::new();
        let view = View { am: &self.am, at: None };
        let value = view.walk(&AmValue::Object(ObjType::Map), &ROOT, 1, &mut Vec::new(), &mut clashes)?;
        Ok((value, clashes))
    }

    /// Every single value holding more than one concurrent value, in document order.
    /// Below a clash only the shown value is searched.
    pub fn clashes(&self) -> Result<Vec<Clash>, CrdtError> {
        self.read_with_clashes().map(|(_, clashes)| clashes)
    }

    /// Sets the value at `path` (a JSON pointer to a map key or an existing list slot) to
    /// `value`, in one change. Where values clash there, the value is put anew so that it
    /// supersedes all of them on every copy; elsewhere only what differs is written.
    pub fn settle(&mut self, path: &str, value: &Value, is_text: IsText, time: i64) -> Result<(), CrdtError> {
        let (parent, prop, depth) = self.locate(path)?;
        let text = matches!(&prop, Prop::Map(key) if is_text(key, &Map::new()));
        let clashing = self.am.get_all(&parent, prop.clone()).map_err(damaged)?.len() > 1;
        let at = if clashing { At::Replace(prop) } else { At::Put(prop) };
        let result = Writer { am: &mut self.am, is_text }.slot(&parent, at, value, text, depth);
        self.finish(result, time).map(|_| ())
    }

    /// The current heads: what a partner who has everything of this document holds.
    pub fn heads(&mut self) -> Vec<Hash> {
        self.am.get_heads().into_iter().map(|h| h.0).collect()
    }

    /// The changes a partner who holds `heads` lacks (everything for `&[]`); heads this
    /// document does not know are ignored, so more is sent rather than less. Changes still
    /// waiting for dependencies are not included.
    pub fn changes_since(&mut self, heads: &[Hash]) -> Vec<u8> {
        self.am.save_after(&hashes(heads))
    }

    /// Applies a partner's bytes (a [`Doc::save`] or [`Doc::changes_since`]); changes
    /// already held are skipped. On an error the document is unchanged.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<Applied, CrdtError> {
        let (next, applied) = self.clone().applied(bytes)?;
        *self = next;
        Ok(applied)
    }

    /// [`Doc::apply`] to a document the caller gives up: on an error automerge may have
    /// applied part of the bytes or changed its queue of waiting changes, so nothing of it
    /// is returned. Saves copying the document where the caller would drop it anyway.
    pub fn applied(mut self, bytes: &[u8]) -> Result<(Doc, Applied), CrdtError> {
        bounded(bytes)?;
        whole(bytes)?;
        let before = self.am.get_heads();
        self.am.load_incremental(bytes).map_err(damaged)?;
        let mut by_actor: Vec<(Vec<u8>, usize)> = Vec::new();
        let mut changes = 0;
        for meta in self.am.get_changes_meta(&before) {
            changes += 1;
            let actor = meta.actor.to_bytes();
            match by_actor.iter_mut().find(|(a, _)| a == actor) {
                Some((_, n)) => *n += 1,
                None => by_actor.push((actor.to_vec(), 1)),
            }
        }
        let complete = self.am.get_missing_deps(&[]).is_empty();
        Ok((self, Applied { changes, by_actor, complete }))
    }

    /// A copy of the document as it was at `heads`, edited by `actor` (another actor than
    /// this document's: its changes are concurrent with everything after `heads`).
    pub fn fork_at(&mut self, heads: &[Hash], actor: &[u8]) -> Result<Doc, CrdtError> {
        let am = self.am.fork_at(&hashes(heads)).map_err(|_| CrdtError::UnknownHeads)?;
        Ok(Doc { am: am.with_actor(ActorId::from(actor)) })
    }

    /// Takes in every change of `other` (a fork of this document) this one lacks.
    pub fn merge(&mut self, other: &mut Doc) -> Result<(), CrdtError> {
        self.am.merge(&mut other.am).map(|_| ()).map_err(damaged)
    }

    /// Whether received changes wait for changes this copy lacks.
    pub fn missing_deps(&mut self) -> bool {
        !self.am.get_missing_deps(&[]).is_empty()
    }

    /// Commits what `result`'s writing left pending, or drops it on an error.
    fn finish(&mut self, result: Result<(), CrdtError>, time: i64) -> Result<bool, CrdtError> {
        if result.is_err() || self.am.pending_ops() == 0 {
            self.am.rollback();
            return result.map(|()| false);
        }
        self.am.commit_with(CommitOptions::default().with_time(time));
        Ok(true)
    }

    /// The object holding the value at `path`, the value's key or index, and the
    /// object's depth.
    fn locate(&self, path: &str) -> Result<(ObjId, Prop, usize), CrdtError> {
        let bad = || CrdtError::BadPath(path.to_string());
        let mut tokens: Vec<String> = path.strip_prefix('/').ok_or_else(bad)?.split('/').map(unescape).collect();
        let last = tokens.pop().ok_or_else(bad)?;
        let (mut obj, mut typ, mut depth) = (ROOT, ObjType::Map, 1);
        for token in &tokens {
            let prop = self.prop_in(&obj, typ, token).ok_or_else(bad)?;
            match self.am.get(&obj, prop).map_err(damaged)? {
                Some((AmValue::Object(t @ (ObjType::Map | ObjType::Table | ObjType::List)), id)) => {
                    (obj, typ, depth) = (id, t, depth + 1);
                }
                _ => return Err(bad()),
            }
        }
        let prop = self.prop_in(&obj, typ, &last).ok_or_else(bad)?;
        Ok((obj, prop, depth))
    }

    /// A map's key, or an existing index of a list.
    fn prop_in(&self, obj: &ObjId, typ: ObjType, token: &str) -> Option<Prop> {
        match typ {
            ObjType::Map | ObjType::Table => Some(Prop::Map(token.to_string())),
            ObjType::List => token.parse().ok().filter(|i| *i < self.am.length(obj)).map(Prop::Seq),
            ObjType::Text => None,
        }
    }
}

/// One JSON pointer token as a key (RFC 6901: `~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A JSON scalar as automerge's (objects and arrays become automerge objects instead).
fn to_scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(u)) => ScalarValue::Uint(u),
            (None, None) => ScalarValue::F64(n.as_f64().unwrap_or_default()),
        },
    }
}

/// A scalar as JSON; kinds our writes never make (bytes, unknown) read as null.
fn from_scalar(value: &ScalarValue) -> Value {
    match value {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } | ScalarValue::Null => Value::Null,
    }
}

/// Reads the document now (`at: None`) or as at earlier heads.
/// One key or slot of a map or list, as `View::entries` gives it.
struct Entry {
    prop: Prop,
    value: AmValue<'static>,
    id: ObjId,
    conflict: bool,
}

struct View<'a> {
    am: &'a AutoCommit,
    at: Option<&'a [ChangeHash]>,
}

impl View<'_> {
    fn all(&self, obj: &ObjId, prop: Prop) -> Result<Vec<(AmValue<'_>, ObjId)>, CrdtError> {
        match self.at {
            None => self.am.get_all(obj, prop),
            Some(heads) => self.am.get_all_at(obj, prop, heads),
        }
        .map_err(damaged)
    }

    /// The entries of the map or list `obj` in one pass, each with the value shown and
    /// whether copies disagree on it (reading key by key costs a lookup per key).
    fn entries(&self, obj: &ObjId, typ: ObjType) -> Vec<Entry> {
        let entry = |prop, id, conflict, value: ValueRef<'_>| Entry { prop, value: value.into_value(), id, conflict };
        match (typ, self.at) {
            (ObjType::Map | ObjType::Table, None) => self
                .am
                .map_range(obj, ..)
                .map(|i| entry(Prop::Map(i.key.to_string()), i.id(), i.conflict, i.value))
                .collect(),
            (ObjType::Map | ObjType::Table, Some(heads)) => self
                .am
                .map_range_at(obj, .., heads)
                .map(|i| entry(Prop::Map(i.key.to_string()), i.id(), i.conflict, i.value))
                .collect(),
            (ObjType::List, None) => {
                self.am.list_range(obj, ..).map(|i| entry(Prop::Seq(i.index), i.id(), i.conflict, i.value)).collect()
            }
            (ObjType::List, Some(heads)) => self
                .am
                .list_range_at(obj, .., heads)
                .map(|i| entry(Prop::Seq(i.index), i.id(), i.conflict, i.value))
                .collect(),
            (ObjType::Text, _) => Vec::new(),
        }
    }

    fn root(&self) -> Result<Value, CrdtError> {
        self.json(&AmValue::Object(ObjType::Map), &ROOT, 1)
    }

    /// `value` (with its id) as JSON; `depth` is the value's own depth if it is a map or list.
    fn json(&self, value: &AmValue<'_>, id: &ObjId, depth: usize) -> Result<Value, CrdtError> {
        let typ = match value {
            AmValue::Scalar(s) => return Ok(from_scalar(s)),
            AmValue::Object(ObjType::Text) => {
                let text = match self.at {
                    None => self.am.text(id),
                    Some(heads) => self.am.text_at(id, heads),
                };
                return text.map(Value::String).map_err(damaged);
            }
            AmValue::Object(typ) => *typ,
        };
        if depth > MAX_DEPTH {
            return Err(CrdtError::TooDeep);
        }
        let mut map = Map::new();
        let mut list = Vec::new();
        for Entry { prop, value, id, .. } in self.entries(id, typ) {
            let v = self.json(&value, &id, depth + 1)?;
            match prop {
                Prop::Map(key) => {
                    map.insert(key, v);
                }
                Prop::Seq(_) => list.push(v),
            }
        }
        Ok(if typ == ObjType::List { Value::Array(list) } else { Value::Object(map) })
    }

    /// `json` that also collects the clashes below `value` (at `path`) into `out`, in
    /// document order, a clash before those inside its shown value; the path is spelled
    /// out only for a clash.
    fn walk(
        &self,
        value: &AmValue<'_>,
        id: &ObjId,
        depth: usize,
        path: &mut Vec<String>,
        out: &mut Vec<Clash>,
    ) -> Result<Value, CrdtError> {
        let typ = match value {
            AmValue::Object(typ @ (ObjType::Map | ObjType::Table | ObjType::List)) => *typ,
            _ => return self.json(value, id, depth),
        };
        if depth > MAX_DEPTH {
            return Err(CrdtError::TooDeep);
        }
        let (mut map, mut list) = (Map::new(), Vec::new());
        for entry in self.entries(id, typ) {
            let prop = entry.prop;
            path.push(match &prop {
                Prop::Map(key) => escape(key),
                Prop::Seq(i) => i.to_string(),
            });
            let at = out.len();
            let shown = self.walk(&entry.value, &entry.id, depth + 1, path, out)?;
            if entry.conflict {
                let all = self.all(id, prop.clone())?;
                let mut values = vec![shown.clone()];
                for (v, vid) in all.iter().rev().skip(1) {
                    let value = self.json(v, vid, depth + 1)?;
                    // The same value set on two copies is agreement, not a clash.
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                if values.len() > 1 {
                    out.insert(at, Clash { path: format!("/{}", path.join("/")), values });
                }
            }
            path.pop();
            match prop {
                Prop::Map(key) => {
                    map.insert(key, shown);
                }
                Prop::Seq(_) => list.push(shown),
            }
        }
        Ok(if typ == ObjType::List { Value::Array(list) } else { Value::Object(map) })
    }
}

/// Where a value goes: onto a key or slot changing only what differs (`Put`), onto a
/// key or slot anew (`Replace`), or into a list as a new item (`Insert`).
enum At {
    Put(Prop),
    Replace(Prop),
    Insert(usize),
}

/// What a key or slot holds now, owned so the document can be changed.
#[derive(PartialEq)]
enum Held {
    Map(ObjId),
    List(ObjId),
    Text(ObjId),
    Scalar(ScalarValue),
}

/// Turns "new JSON vs the document" into operations in the open transaction.
struct Writer<'a> {
    am: &'a mut AutoCommit,
    is_text: IsText<'a>,
}

impl Writer<'_> {
    /// Makes the map `obj` (of depth `depth`) hold exactly `new`.
    fn map(&mut self, obj: &ObjId, new: &Map<String, Value>, depth: usize) -> Result<(), CrdtError> {
        if depth > MAX_DEPTH {
            return Err(CrdtError::TooDeep);
        }
        let gone: Vec<String> = self.am.keys(obj).filter(|k| !new.contains_key(k)).collect();
        for key in gone {
            self.am.delete(obj, key).map_err(damaged)?;
        }
        for (key, value) in new {
            let text = (self.is_text)(key, new);
            self.slot(obj, At::Put(Prop::Map(key.clone())), value, text, depth)?;
        }
        Ok(())
    }

    /// Makes the list `obj` (of depth `depth`) hold exactly `new`: kept items stay
    /// untouched, an item changed in place is written into, the rest inserted or deleted.
    fn list(&mut self, obj: &ObjId, new: &[Value], depth: usize) -> Result<(), CrdtError> {
        if depth > MAX_DEPTH {
            return Err(CrdtError::TooDeep);
        }
        let now = View { am: self.am, at: None };
        let old = match now.json(&AmValue::Object(ObjType::List), obj, depth)? {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        // Everything before `pos` in the document already matches `new`.
        let mut pos = 0;
        for op in similar::capture_diff_slices(Algorithm::Myers, &old, new) {
            let (old_len, new_index, new_len) = match op {
                DiffOp::Equal { len, .. } => {
                    pos += len;
                    continue;
                }
                DiffOp::Delete { old_len, new_index, .. } => (old_len, new_index, 0),
                DiffOp::Insert { new_index, new_len, .. } => (0, new_index, new_len),
                DiffOp::Replace { old_len, new_index, new_len, .. } => (old_len, new_index, new_len),
            };
            let kept = old_len.min(new_len);
            for (i, item) in new[new_index..new_index + new_len].iter().enumerate() {
                let at = if i < kept { At::Put(Prop::Seq(pos)) } else { At::Insert(pos) };
                self.slot(obj, at, item, false, depth)?;
                pos += 1;
            }
            for _ in kept..old_len {
                self.am.delete(obj, pos).map_err(damaged)?;
            }
        }
        Ok(())
    }

    /// Writes `new` at `at` in `obj` (of depth `depth`); `text`: a string is a text.
    fn slot(&mut self, obj: &ObjId, at: At, new: &Value, text: bool, depth: usize) -> Result<(), CrdtError> {
        let held = match &at {
            At::Put(prop) => self.held(obj, prop.clone())?,
            At::Replace(_) | At::Insert(_) => None,
        };
        match (new, held) {
            (Value::Object(m), Some(Held::Map(id))) => self.map(&id, m, depth + 1),
            (Value::Array(items), Some(Held::List(id))) => self.list(&id, items, depth + 1),
            (Value::String(s), Some(Held::Text(id))) if text => {
                if self.am.text(&id).map_err(damaged)? != *s {
                    self.am.update_text(&id, s).map_err(damaged)?;
                }
                Ok(())
            }
            (Value::Object(m), _) => {
                let id = self.create(obj, at, ObjType::Map)?;
                self.map(&id, m, depth + 1)
            }
            (Value::Array(items), _) => {
                let id = self.create(obj, at, ObjType::List)?;
                self.list(&id, items, depth + 1)
            }
            (Value::String(s), _) if text => {
                let id = self.create(obj, at, ObjType::Text)?;
                self.am.splice_text(&id, 0, 0, s).map_err(damaged)
            }
            (_, held) => {
                let value = to_scalar(new);
                if held.as_ref() == Some(&Held::Scalar(value.clone())) {
                    return Ok(());
                }
                match at {
                    At::Put(prop) | At::Replace(prop) => self.am.put(obj, prop, value),
                    At::Insert(i) => self.am.insert(obj, i, value),
                }
                .map_err(damaged)
            }
        }
    }

    fn held(&self, obj: &ObjId, prop: Prop) -> Result<Option<Held>, CrdtError> {
        Ok(self.am.get(obj, prop).map_err(damaged)?.map(|(value, id)| match value {
            AmValue::Object(ObjType::Map | ObjType::Table) => Held::Map(id),
            AmValue::Object(ObjType::List) => Held::List(id),
            AmValue::Object(ObjType::Text) => Held::Text(id),
            AmValue::Scalar(s) => Held::Scalar(s.into_owned()),
        }))
    }

    fn create(&mut self, obj: &ObjId, at: At, typ: ObjType) -> Result<ObjId, CrdtError> {
        match at {
            At::Put(prop) | At::Replace(prop) => self.am.put_object(obj, prop, typ),
            At::Insert(i) => self.am.insert_object(obj, i, typ),
        }
        .map_err(damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const T: i64 = 1_790_000_000;

    fn texts(key: &str, _: &Map<String, Value>) -> bool {
        matches!(key, "notes" | "text" | "what")
    }

    fn doc(actor: &[u8], value: &Value) -> Doc {
        let mut d = Doc::new(actor);
        assert!(d.write(value, &texts, T).unwrap());
        d
    }

    fn fork(base: &mut Doc, actor: &[u8]) -> Doc {
        Doc::load(&base.save(), actor).unwrap()
    }

    /// Each sends the other what it lacks.
    fn exchange(a: &mut Doc, b: &mut Doc) {
        let (ha, hb) = (a.heads(), b.heads());
        let to_b = a.changes_since(&hb);
        let to_a = b.changes_since(&ha);
        assert!(b.apply(&to_b).unwrap().complete);
        assert!(a.apply(&to_a).unwrap().complete);
    }

    /// `doc` with `edit` applied to its current state, written back.
    fn edit(doc: &mut Doc, edit: impl FnOnce(&mut Value)) -> bool {
        let mut value = doc.read().unwrap();
        edit(&mut value);
        doc.write(&value, &texts, T).unwrap()
    }

    fn paths(clashes: &[Clash]) -> Vec<&str> {
        clashes.iter().map(|c| c.path.as_str()).collect()
    }

    #[test]
    fn nested_json_reads_back_as_written_and_an_identical_write_changes_nothing() {
        let value = json!({
            "groep": 5u8,
            "id": 4_000_000_000u32,
            "big": u64::MAX,
            "minus": -12,
            "ratio": 1.5,
            "closed": false,
            "due": null,
            "notes": "Zoë vertelt over thuis",
            "domains": ["onderwijs", "gedeeld"],
            "intake": {"birth_date": "2016-03-01", "gezag": {"kind": "beide ouders", "empty": {}}},
            "goals": [
                {"id": 1, "text": "leest AVI E5", "steps": [[1, 2], []], "done": true},
                {"id": 2, "text": "", "criterion": "toets"}
            ],
            "a/b~c": "pointer characters in a key"
        });
        let mut d = doc(b"A", &value);
        assert_eq!(d.read().unwrap(), value);
        let heads = d.heads();
        assert!(!d.write(&value, &texts, T + 1).unwrap(), "nothing differs");
        assert_eq!(d.heads(), heads, "no empty change");
        // Into the struct it came from.
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Part {
            groep: u8,
            id: u32,
            notes: String,
        }
        let part = Part { groep: 5, id: 4_000_000_000, notes: "Renée".into() };
        let mut p = Doc::new(b"P");
        p.write(&serde_json::to_value(&part).unwrap(), &texts, T).unwrap();
        assert_eq!(serde_json::from_value::<Part>(p.read().unwrap()).unwrap(), part);
        // A key gone from the value is deleted; the notes stay a text after a reload.
        let mut smaller = value.clone();
        smaller.as_object_mut().unwrap().remove("intake");
        assert!(d.write(&smaller, &texts, T + 2).unwrap());
        let mut again = Doc::load(&d.save(), b"A").unwrap();
        assert_eq!(again.read().unwrap(), smaller);
        assert!(!again.write(&smaller, &texts, T + 3).unwrap());
    }

    #[test]
    fn a_value_that_is_not_an_object_or_too_deep_is_refused_and_changes_nothing() {
        let mut d = doc(b"A", &json!({"a": 1}));
        let heads = d.heads();
        assert_eq!(d.write(&json!([1]), &texts, T), Err(CrdtError::NotAnObject));
        // `{}` is one level, each `{"x": [..]}` around it two more.
        let nest = |wraps: usize| (0..wraps).fold(json!({}), |inner, _| json!({ "x": [inner] }));
        assert!(d.write(&json!({"a": 1, "deep": nest(15)}), &texts, T).unwrap(), "exactly MAX_DEPTH levels");
        let heads_ok = d.heads();
        let too_deep = json!({"a": 2, "deep": [nest(15)]});
        assert_eq!(d.write(&too_deep, &texts, T), Err(CrdtError::TooDeep));
        assert_ne!(heads, heads_ok);
        assert_eq!(d.heads(), heads_ok, "nothing of the refused write stays");
        assert_eq!(d.read().unwrap()["a"], json!(1));
    }

    #[test]
    fn a_hostile_deep_document_reads_as_too_deep_without_overflowing() {
        let mut am = AutoCommit::new_with_encoding(ENCODING);
        let mut obj = ROOT;
        for _ in 0..2_000 {
            obj = am.put_object(&obj, "x", ObjType::Map).unwrap();
        }
        let d = Doc::load(&am.save(), b"A").unwrap();
        assert_eq!(d.read(), Err(CrdtError::TooDeep));
        assert_eq!(d.clashes(), Err(CrdtError::TooDeep));
    }

    #[test]
    fn every_document_counts_text_positions_in_utf8_bytes() {
        let mut made = doc(b"A", &json!({"notes": "Zoë"}));
        let loaded = fork(&mut made, b"B");
        let mut empty = Doc::new(b"C");
        empty.apply(&made.save()).unwrap();
        for d in [&made, &loaded, &empty] {
            assert_eq!(d.am.text_encoding(), TextEncoding::Utf8CodeUnit);
        }
    }

    #[test]
    fn concurrent_typing_in_one_text_keeps_both_insertions() {
        let mut base = doc(b"base", &json!({"notes": "Zoë en Renée"}));
        let mut a = fork(&mut base, b"A");
        let mut b = fork(&mut base, b"B");
        assert!(a.write(&json!({"notes": "Zoë de Vries en Renée"}), &texts, T).unwrap());
        assert!(b.write(&json!({"notes": "Zoë en Renée Çelik"}), &texts, T).unwrap());
        exchange(&mut a, &mut b);
        let want = json!({"notes": "Zoë de Vries en Renée Çelik"});
        assert_eq!(a.read().unwrap(), want);
        assert_eq!(b.read().unwrap(), want);
        assert!(a.clashes().unwrap().is_empty());
    }

    #[test]
    fn concurrent_values_for_one_field_clash_on_every_copy_until_settled() {
        let start = json!({"intake": {"birth_date": "2016-03-01"}, "goals": [{"due": "01-03-2027"}], "name": "Noor"});
        let mut base = doc(b"base", &start);
        let (mut a, mut b, mut c) = (fork(&mut base, b"A"), fork(&mut base, b"B"), fork(&mut base, b"C"));
        edit(&mut a, |v| {
            v["intake"]["birth_date"] = json!("2016-03-02");
            v["goals"][0]["due"] = json!("02-03-2027");
        });
        edit(&mut b, |v| {
            v["intake"]["birth_date"] = json!("2016-04-01");
            v["goals"][0]["due"] = json!("03-03-2027");
        });
        let (from_a, from_b) = (a.changes_since(&base.heads()), b.changes_since(&base.heads()));
        b.apply(&from_a).unwrap();
        a.apply(&from_b).unwrap();
        // The other delivery order.
        c.apply(&from_b).unwrap();
        c.apply(&from_a).unwrap();
        // A fourth copy gets both clashing values relayed in one save.
        let mut d = Doc::load(&c.save(), b"D").unwrap();
        let clashes = a.clashes().unwrap();
        assert_eq!(paths(&clashes), ["/goals/0/due", "/intake/birth_date"]);
        let dates = &clashes[1].values;
        assert_eq!(dates.len(), 2);
        assert!(dates.contains(&json!("2016-03-02")) && dates.contains(&json!("2016-04-01")), "{dates:?}");
        let read = a.read().unwrap();
        assert_eq!(read["intake"]["birth_date"], dates[0], "the shown value comes first");
        for other in [&b, &c, &d] {
            assert_eq!(other.clashes().unwrap(), clashes);
            assert_eq!(other.read().unwrap(), read);
        }
        a.settle("/intake/birth_date", &json!("2016-03-02"), &texts, T).unwrap();
        assert_eq!(paths(&a.clashes().unwrap()), ["/goals/0/due"]);
        let settled = a.changes_since(&b.heads());
        for other in [&mut b, &mut c, &mut d] {
            other.apply(&settled).unwrap();
            assert_eq!(paths(&other.clashes().unwrap()), ["/goals/0/due"]);
            assert_eq!(other.read().unwrap()["intake"]["birth_date"], json!("2016-03-02"));
        }
        // Settling on the shown value also clears it.
        let shown = b.read().unwrap()["goals"][0]["due"].clone();
        b.settle("/goals/0/due", &shown, &texts, T).unwrap();
        assert!(b.clashes().unwrap().is_empty());
        for bad in ["", "intake", "/nope/x", "/goals/7/due", "/name/x"] {
            assert_eq!(b.settle(bad, &json!(1), &texts, T), Err(CrdtError::BadPath(bad.into())), "{bad}");
        }
    }

    #[test]
    fn a_write_that_changes_another_field_keeps_a_clash() {
        let start = json!({"birth_date": "2016-03-01", "name": "Noor", "notes": "eerste", "intake": {"gezag": "beide ouders", "school": "De Linde"}});
        let mut base = doc(b"base", &start);
        let (mut a, mut b) = (fork(&mut base, b"A"), fork(&mut base, b"B"));
        edit(&mut a, |v| {
            v["birth_date"] = json!("2016-03-02");
            v["intake"]["gezag"] = json!("alleen moeder");
        });
        edit(&mut b, |v| {
            v["birth_date"] = json!("2016-04-01");
            v["intake"]["gezag"] = json!("voogd / GI");
        });
        exchange(&mut a, &mut b);
        let both = ["/birth_date", "/intake/gezag"];
        assert_eq!(paths(&a.clashes().unwrap()), both);
        assert!(edit(&mut a, |v| {
            v["name"] = json!("Noor B.");
            v["notes"] = json!("eerste gesprek");
            v["intake"]["school"] = json!("De Esch");
        }));
        assert_eq!(paths(&a.clashes().unwrap()), both, "the other fields' write kept the clashes");
        exchange(&mut a, &mut b);
        assert_eq!(b.clashes().unwrap(), a.clashes().unwrap());
        assert_eq!(b.read().unwrap()["intake"]["school"], json!("De Esch"));
    }

    #[test]
    fn concurrent_appends_and_edits_in_place_of_a_list_all_survive() {
        let goal = |id: u32, text: &str| json!({"id": id, "text": text, "done": false});
        let mut base = doc(b"base", &json!({"goals": [goal(1, "lezen")]}));
        let (mut a, mut b) = (fork(&mut base, b"A"), fork(&mut base, b"B"));
        edit(&mut a, |v| v["goals"].as_array_mut().unwrap().push(goal(2, "rekenen")));
        edit(&mut b, |v| v["goals"].as_array_mut().unwrap().push(goal(3, "spelen")));
        exchange(&mut a, &mut b);
        let goals = a.read().unwrap()["goals"].clone();
        let ids: Vec<u64> = goals.as_array().unwrap().iter().map(|g| g["id"].as_u64().unwrap()).collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.contains(&2) && ids.contains(&3) && ids[0] == 1, "{ids:?}");
        assert_eq!(b.read().unwrap()["goals"], goals);
        // One side edits two fields of the first goal, the other another field and appends.
        edit(&mut a, |v| {
            v["goals"][0]["done"] = json!(true);
            v["goals"][0]["text"] = json!("lezen in maart");
        });
        edit(&mut b, |v| {
            v["goals"][0]["criterion"] = json!("AVI-toets");
            v["goals"].as_array_mut().unwrap().push(goal(4, "sport"));
        });
        exchange(&mut a, &mut b);
        let read = a.read().unwrap();
        assert_eq!(read, b.read().unwrap());
        assert_eq!(
            read["goals"][0],
            json!({"id": 1, "text": "lezen in maart", "done": true, "criterion": "AVI-toets"})
        );
        assert_eq!(read["goals"].as_array().unwrap().len(), 4);
        assert!(a.clashes().unwrap().is_empty());
        // A removed item goes; the others stay where they were.
        edit(&mut a, |v| {
            v["goals"].as_array_mut().unwrap().remove(1);
        });
        let after = a.read().unwrap()["goals"].clone();
        assert_eq!(after.as_array().unwrap().len(), 3);
        assert_eq!(after[0], read["goals"][0]);
        assert_eq!(after[1], read["goals"][2]);
    }

    #[test]
    fn garbage_truncated_and_oversized_bytes_are_refused_and_change_nothing() {
        let mut d = doc(b"A", &json!({"notes": "Zoë", "n": 1}));
        let mut other = fork(&mut d, b"B");
        edit(&mut other, |v| v["n"] = json!(2));
        edit(&mut other, |v| v["notes"] = json!("Zoë en Renée"));
        let changes = other.changes_since(&d.heads());
        let saved = other.save();
        let before = (d.heads(), d.read().unwrap(), d.save());
        let unchanged = |d: &mut Doc| assert_eq!((d.heads(), d.read().unwrap(), d.save()), before);

        let mut rng_bytes: Vec<u8> = (0..600u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for garbage in [&b"hello"[..], &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 200][..], &rng_bytes[..]] {
            assert!(matches!(Doc::load(garbage, b"C"), Err(CrdtError::Damaged(_))));
            assert!(matches!(d.apply(garbage), Err(CrdtError::Damaged(_))));
            unchanged(&mut d);
        }
        for len in 1..saved.len() {
            assert!(Doc::load(&saved[..len], b"C").is_err(), "save cut at {len}");
            assert!(d.apply(&saved[..len]).is_err(), "save cut at {len}");
        }
        unchanged(&mut d);
        // A cut between two changes is a whole first change; any other cut is refused.
        let mut whole_prefixes = 0;
        for len in 1..changes.len() {
            let mut copy = d.clone();
            match copy.apply(&changes[..len]) {
                Ok(applied) => {
                    whole_prefixes += 1;
                    assert_eq!(applied.changes, 1);
                }
                Err(e) => {
                    assert!(matches!(e, CrdtError::Damaged(_)), "{e:?}");
                    unchanged(&mut copy);
                }
            }
        }
        assert_eq!(whole_prefixes, 1);
        // One flipped byte fails its checksum.
        let mut flipped = changes.clone();
        flipped[changes.len() / 2] ^= 0x40;
        assert!(d.apply(&flipped).is_err());
        rng_bytes.resize(MAX_DOC + 1, 0);
        assert_eq!(Doc::load(&rng_bytes, b"C").err(), Some(CrdtError::TooLarge { size: MAX_DOC + 1, max: MAX_DOC }));
        assert!(matches!(d.apply(&rng_bytes), Err(CrdtError::TooLarge { .. })));
        unchanged(&mut d);
        // And the whole of it applies.
        assert_eq!(d.apply(&changes).unwrap().changes, 2);
        assert_eq!(d.read().unwrap(), other.read().unwrap());
    }

    #[test]
    fn two_copies_with_one_actor_are_refused() {
        let mut base = doc(b"base", &json!({"n": 0}));
        let (mut a, mut a_too) = (fork(&mut base, b"A"), fork(&mut base, b"A"));
        edit(&mut a, |v| v["n"] = json!(1));
        edit(&mut a_too, |v| v["n"] = json!(2));
        let before = a.read().unwrap();
        let mut b = fork(&mut base, b"B");
        edit(&mut b, |v| v["m"] = json!(1));
        // A good change from B first, then the second laptop's.
        let mut theirs = b.changes_since(&base.heads());
        theirs.extend(a_too.changes_since(&base.heads()));
        let heads = a.heads();
        assert!(matches!(a.apply(&theirs), Err(CrdtError::Damaged(_))));
        assert_eq!(a.read().unwrap(), before, "not even B's change is applied");
        assert_eq!(a.heads(), heads);
    }

    #[test]
    fn reading_at_old_heads_gives_the_old_state() {
        let v1 = json!({"goals": [{"text": "lezen"}], "notes": "eerste"});
        let mut d = doc(b"A", &v1);
        let heads = d.heads();
        edit(&mut d, |v| {
            v["goals"][0]["text"] = json!("lezen in maart");
            v["goals"].as_array_mut().unwrap().push(json!({"text": "rekenen"}));
            v["notes"] = json!("tweede");
            v["extra"] = json!(true);
        });
        assert_eq!(d.read_at(&heads).unwrap(), v1);
        assert_ne!(d.read().unwrap(), v1);
        assert_eq!(d.read_at(&[[7; 32]]), Err(CrdtError::UnknownHeads));
    }

    #[test]
    fn changes_waiting_for_dependencies_are_applied_once_those_arrive() {
        let mut a = doc(b"A", &json!({"n": 0, "notes": "a"}));
        let mut b = fork(&mut a, b"B");
        let h0 = a.heads();
        edit(&mut a, |v| v["n"] = json!(1));
        let h1 = a.heads();
        let first = a.changes_since(&h0);
        edit(&mut a, |v| v["notes"] = json!("ab"));
        let second = a.changes_since(&h1);
        let before = b.read().unwrap();
        let applied = b.apply(&second).unwrap();
        assert_eq!(applied, Applied { changes: 0, by_actor: vec![], complete: false });
        assert!(b.missing_deps());
        assert_eq!(b.read().unwrap(), before);
        // The waiting change survives a save and load.
        let mut b = Doc::load(&b.save(), b"B").unwrap();
        assert!(b.missing_deps());
        let applied = b.apply(&first).unwrap();
        assert_eq!(applied, Applied { changes: 2, by_actor: vec![(b"A".to_vec(), 2)], complete: true });
        assert!(!b.missing_deps());
        assert_eq!(b.read().unwrap(), a.read().unwrap());
        assert_eq!(b.apply(&first).unwrap(), Applied { changes: 0, by_actor: vec![], complete: true });
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Doc, field ("date" or "groep"), value.
        Scalar(usize, &'static str, u8),
        /// Doc, position (scaled to the text), inserted text.
        Type(usize, prop::sample::Index, String),
        /// Doc, appended item's label.
        Append(usize, u8),
        /// Doc, item (scaled), new done.
        Tick(usize, prop::sample::Index, bool),
        /// A change (scaled to those made so far) to a doc.
        Deliver(prop::sample::Index, usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        let doc = 0..3usize;
        prop_oneof![
            (doc.clone(), prop::sample::select(vec!["date", "groep"]), 0..4u8)
                .prop_map(|(d, f, v)| Step::Scalar(d, f, v)),
            (doc.clone(), any::<prop::sample::Index>(), "[aë€ ]{1,3}").prop_map(|(d, i, s)| Step::Type(d, i, s)),
            (doc.clone(), any::<u8>()).prop_map(|(d, l)| Step::Append(d, l)),
            (doc.clone(), any::<prop::sample::Index>(), any::<bool>()).prop_map(|(d, i, b)| Step::Tick(d, i, b)),
            (any::<prop::sample::Index>(), doc).prop_map(|(c, d)| Step::Deliver(c, d)),
        ]
    }

    type Edit = Box<dyn FnOnce(&mut Value)>;

    fn run(docs: &mut [Doc], sent: &mut Vec<Vec<u8>>, step: Step) {
        let scalar = |v: u8| if v == 0 { Value::Null } else { json!(format!("0{v}-03-2027")) };
        let (d, change): (usize, Edit) = match step {
            Step::Deliver(c, d) => {
                if !sent.is_empty() {
                    docs[d].apply(&sent[c.index(sent.len())]).unwrap();
                }
                return;
            }
            Step::Scalar(d, field, v) => (d, Box::new(move |value| value[field] = scalar(v))),
            Step::Type(d, at, s) => (
                d,
                Box::new(move |value| {
                    let mut notes: Vec<char> = value["notes"].as_str().unwrap().chars().collect();
                    let i = at.index(notes.len() + 1);
                    notes.splice(i..i, s.chars());
                    value["notes"] = json!(notes.into_iter().collect::<String>());
                }),
            ),
            Step::Append(d, label) => (
                d,
                Box::new(move |value| value["items"].as_array_mut().unwrap().push(json!({"l": label, "done": false}))),
            ),
            Step::Tick(d, i, done) => (
                d,
                Box::new(move |value| {
                    let items = value["items"].as_array_mut().unwrap();
                    if !items.is_empty() {
                        let n = items.len();
                        items[i.index(n)]["done"] = json!(done);
                    }
                }),
            ),
        };
        let heads = docs[d].heads();
        if edit(&mut docs[d], change) {
            sent.push(docs[d].changes_since(&heads));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn three_copies_converge_whatever_the_order_of_delivery(
            steps in prop::collection::vec(step(), 1..40),
            late in any::<u64>(),
        ) {
            use rand::SeedableRng;
            use rand::seq::SliceRandom;
            let mut base = doc(b"base", &json!({"date": null, "groep": null, "notes": "", "items": []}));
            let mut docs: Vec<Doc> = [b"A", b"B", b"C"].iter().map(|a| fork(&mut base, *a)).collect();
            let mut sent = Vec::new();
            for s in steps {
                run(&mut docs, &mut sent, s);
            }
            // Late deliveries of everything, in a random order, duplicates included.
            let mut rng = rand::rngs::SmallRng::seed_from_u64(late);
            for doc in &mut docs {
                let mut order: Vec<&Vec<u8>> = sent.iter().collect();
                order.shuffle(&mut rng);
                for bytes in order {
                    doc.apply(bytes).unwrap();
                }
                prop_assert!(!doc.missing_deps());
            }
            let read = docs[0].read().unwrap();
            let clashes = docs[0].clashes().unwrap();
            for doc in &docs[1..] {
                prop_assert_eq!(doc.read().unwrap(), read.clone());
                prop_assert_eq!(doc.clashes().unwrap(), clashes.clone());
            }
        }
    }
}
