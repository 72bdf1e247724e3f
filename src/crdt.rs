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
    ScalarValue, TextEncoding, Value as AmValue,
};
use serde_json::{Map, Number, Value};
use similar::{Algorithm, DiffOp};

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
    /// The actor ids of those changes, each once, in the order first seen.
    pub actors: Vec<Vec<u8>>,
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
    pub fn new(actor: &[u8]) -> Doc {
        Doc { am: AutoCommit::new_with_encoding(ENCODING).with_actor(ActorId::from(actor)) }
    }

    /// A document from [`Doc::save`] bytes, edited from now on by `actor`. Changes that
    /// were still waiting for their dependencies when saved wait again.
    pub fn load(bytes: &[u8], actor: &[u8]) -> Result<Doc, CrdtError> {
        bounded(bytes)?;
        let am = AutoCommit::load_with_options(bytes, LoadOptions::new().text_encoding(ENCODING)).map_err(damaged)?;
        Ok(Doc { am: am.with_actor(ActorId::from(actor)) })
    }

    /// The whole document, compacted, including changes still waiting for dependencies.
    pub fn save(&mut self) -> Vec<u8> {
        self.am.save()
    }

    /// Makes the document hold `value` (a JSON object): only what differs becomes
    /// operations, in one change stamped `time` (unix seconds, metadata only). A key
    /// missing from `value` is deleted; a string under a key for which `is_text` holds is
    /// a text. Returns whether anything changed (nothing: no change is made). On an
    /// error the document is unchanged.
    pub fn write(&mut self, value: &Value, is_text: &dyn Fn(&str) -> bool, time: i64) -> Result<bool, CrdtError> {
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

    /// Every single value holding more than one concurrent value, in document order.
    /// Below a clash only the shown value is searched.
    pub fn clashes(&self) -> Result<Vec<Clash>, CrdtError> {
        let mut out = Vec::new();
        View { am: &self.am, at: None }.clashes(&ROOT, ObjType::Map, "", 1, &mut out)?;
        Ok(out)
    }

    /// Sets the value at `path` (a JSON pointer to a map key or an existing list slot) to
    /// `value`, in one change. Where values clash there, the value is put anew so that it
    /// supersedes all of them on every copy; elsewhere only what differs is written.
    pub fn settle(
        &mut self,
        path: &str,
        value: &Value,
        is_text: &dyn Fn(&str) -> bool,
        time: i64,
    ) -> Result<(), CrdtError> {
        let (parent, prop, depth) = self.locate(path)?;
        let text = matches!(&prop, Prop::Map(key) if is_text(key));
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
        bounded(bytes)?;
        whole(bytes)?;
        let before = self.am.get_heads();
        let mut next = self.am.clone();
        next.load_incremental(bytes).map_err(damaged)?;
        let mut actors: Vec<Vec<u8>> = Vec::new();
        let mut changes = 0;
        for meta in next.get_changes_meta(&before) {
            changes += 1;
            let actor = meta.actor.to_bytes();
            if !actors.iter().any(|a| a == actor) {
                actors.push(actor.to_vec());
            }
        }
        let complete = next.get_missing_deps(&[]).is_empty();
        self.am = next;
        Ok(Applied { changes, actors, complete })
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

    fn props(&self, obj: &ObjId, typ: ObjType) -> Vec<Prop> {
        match typ {
            ObjType::Map | ObjType::Table => match self.at {
                None => self.am.keys(obj).map(Prop::Map).collect(),
                Some(heads) => self.am.keys_at(obj, heads).map(Prop::Map).collect(),
            },
            ObjType::List => {
                let len = self.at.map_or_else(|| self.am.length(obj), |heads| self.am.length_at(obj, heads));
                (0..len).map(Prop::Seq).collect()
            }
            ObjType::Text => Vec::new(),
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
        for prop in self.props(id, typ) {
            let Some((v, vid)) = self.all(id, prop.clone())?.pop() else { continue };
            let v = self.json(&v, &vid, depth + 1)?;
            match prop {
                Prop::Map(key) => {
                    map.insert(key, v);
                }
                Prop::Seq(_) => list.push(v),
            }
        }
        Ok(if typ == ObjType::List { Value::Array(list) } else { Value::Object(map) })
    }

    /// Collects the clashes inside `obj` (at `path`, of depth `depth`) into `out`.
    fn clashes(
        &self,
        obj: &ObjId,
        typ: ObjType,
        path: &str,
        depth: usize,
        out: &mut Vec<Clash>,
    ) -> Result<(), CrdtError> {
        if depth > MAX_DEPTH {
            return Err(CrdtError::TooDeep);
        }
        for prop in self.props(obj, typ) {
            let here = match &prop {
                Prop::Map(key) => format!("{path}/{}", escape(key)),
                Prop::Seq(i) => format!("{path}/{i}"),
            };
            let all = self.all(obj, prop)?;
            if all.len() > 1 {
                let values = all.iter().rev().map(|(v, id)| self.json(v, id, depth + 1)).collect::<Result<_, _>>()?;
                out.push(Clash { path: here.clone(), values });
            }
            if let Some((AmValue::Object(t @ (ObjType::Map | ObjType::Table | ObjType::List)), id)) = all.last() {
                self.clashes(id, *t, &here, depth + 1, out)?;
            }
        }
        Ok(())
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
    is_text: &'a dyn Fn(&str) -> bool,
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
            let text = (self.is_text)(key);
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
