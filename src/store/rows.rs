//! The screens' light copies of the cases (`Case::lighten`), kept beside the full records
//! in the `rows` tree, so unlocking decodes only what the list holds: a completed step's
//! values are a good part of a case's bytes and the screens drop them.
//!
//! The rows are kept in pages: one page holds the rows of every case whose id begins with
//! the same byte (at most 256 pages; about 40 cases a page at 10,000). One sealed page
//! costs far less to open than forty sealed rows, and compresses better.
//!
//! A page is a cache, never the truth. Each row names the full record it was made from
//! (that record's nonce, `codec::seal_id`), and the routekaart's kept fields the rows were
//! lightened with are kept in `meta`. A row that does not match, a damaged page or a
//! missing one is made again from the full records while loading. Writes that erase (a
//! deleted case, a withdrawn consent) remove the case's page in their own transaction.
//! Loads and writes run one after another on the worker (and the store's lock keeps
//! other processes out), so a page made while loading never races such a removal.

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError};
use super::crypto::SecretKey;
use crate::domain::case::Case;
use crate::domain::route::Routekaart;

/// In `meta`: the kept fields (JSON) the rows were lightened with.
const KEPT_KEY: &[u8] = b"rows_kept";

#[derive(Serialize, Deserialize)]
struct Row {
    /// `codec::seal_id` of the full record, in hex.
    of: String,
    case: Case,
}

/// The rows of one page, in the order of their case ids.
#[derive(Serialize, Deserialize)]
struct Page {
    rows: Vec<Row>,
}

impl codec::Record for Page {
    const VERSION: u32 = 1;
}

/// The key of the page that holds the row of case `key`.
pub(super) fn page_of(key: &[u8]) -> [u8; 1] {
    [key.first().copied().unwrap_or_default()]
}

/// The case records whose ids begin with one byte, in order, with their page when the
/// load uses the rows.
pub(super) struct Group {
    pub page_key: [u8; 1],
    pub records: Vec<(sled::IVec, sled::IVec)>,
    pub page: Option<sled::IVec>,
}

/// What a group decoded to: its cases (or why one could not be read), and its page when
/// it had to be made again.
pub(super) struct Decoded {
    pub cases: Vec<Result<Case, (String, CodecError)>>,
    pub fresh: Option<Vec<u8>>,
}

/// Groups the records of `items` by the first byte of their keys, up to about `at_least`
/// records at a time (a group is never split).
pub(super) fn groups(items: &mut std::iter::Peekable<sled::Iter>, at_least: usize) -> sled::Result<Vec<Group>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut count = 0;
    loop {
        let (room, last) = (count < at_least, groups.last().map(|g| g.page_key));
        let Some(item) = items.next_if(|next| room || next.as_ref().map_or(true, |(k, _)| Some(page_of(k)) == last))
        else {
            break;
        };
        let (k, v) = item?;
        count += 1;
        match groups.last_mut() {
            Some(group) if group.page_key == page_of(&k) => group.records.push((k, v)),
            _ => groups.push(Group { page_key: page_of(&k), records: vec![(k, v)], page: None }),
        }
    }
    Ok(groups)
}

/// The rows tree while loading.
pub(super) struct Pages<'a> {
    tree: &'a sled::Tree,
    meta: &'a sled::Tree,
    kept: Vec<u8>,
    /// Whether the pages were lightened with the kept fields of today's routekaart.
    current: bool,
    /// The pages that have cases, as met while loading.
    seen: [bool; 256],
}

impl<'a> Pages<'a> {
    pub fn open(tree: &'a sled::Tree, meta: &'a sled::Tree, route: &Routekaart) -> sled::Result<Pages<'a>> {
        // Serialising a list of string pairs cannot fail.
        let kept = serde_json::to_vec(&route.kept_fields()).unwrap_or_default();
        let current = meta.get(KEPT_KEY)?.is_some_and(|stored| *stored == *kept);
        if !current {
            tree.clear()?;
        }
        Ok(Pages { tree, meta, kept, current, seen: [false; 256] })
    }

    /// Gives each group its page.
    pub fn attach(&mut self, groups: &mut [Group]) -> sled::Result<()> {
        for group in groups {
            self.seen[usize::from(group.page_key[0])] = true;
            group.page = self.tree.get(group.page_key)?;
        }
        Ok(())
    }

    /// Stores a page made again. A failure is only logged: it is made again at the next load.
    pub fn keep(&self, page_key: [u8; 1], page: Vec<u8>) {
        if let Err(e) = self.tree.insert(page_key, page) {
            tracing::warn!("rows not kept: {e}");
        }
    }

    /// Drops the pages no case belongs to any more and marks the pages as lightened with
    /// today's kept fields.
    pub fn finish(self) {
        let stale = self.tree.iter().keys().filter_map(|k| k.ok()).filter(|k| !self.seen[usize::from(page_of(k)[0])]);
        for k in stale.collect::<Vec<_>>() {
            if let Err(e) = self.tree.remove(k) {
                tracing::warn!("row page not dropped: {e}");
            }
        }
        if !self.current
            && let Err(e) = self.meta.insert(KEPT_KEY, self.kept)
        {
            tracing::warn!("rows not marked: {e}");
        }
    }
}

/// The cases of `group`: whole without a routekaart; with one, light, each from its row
/// when that row was made from this very record and else from the record (the page is
/// then made again).
pub(super) fn decode(key: &SecretKey, route: Option<&Routekaart>, group: &Group) -> Decoded {
    let full =
        |k: &sled::IVec, v: &sled::IVec| codec::decode::<Case>(key, "cases", k, v).map_err(|e| (super::hex(k), e));
    let Some(route) = route else {
        return Decoded { cases: group.records.iter().map(|(k, v)| full(k, v)).collect(), fresh: None };
    };
    let page = group.page.as_ref().and_then(|p| codec::decode::<Page>(key, "rows", &group.page_key, p).ok());
    let mut rows = page.map_or_else(Vec::new, |p| p.rows).into_iter().peekable();
    let mut made = Vec::with_capacity(group.records.len());
    let mut damaged = Vec::new();
    let mut changed = false;
    for (k, v) in &group.records {
        let of = super::hex(codec::seal_id(v));
        // Rows of cases that are gone are left out of the page made again.
        while rows.next_if(|r| r.case.id.0.as_bytes()[..] < k[..]).is_some() {
            changed = true;
        }
        match rows.next_if(|r| r.case.id.0.as_bytes()[..] == k[..] && r.of == of) {
            Some(mut row) => {
                // Decoding grows lists by doubling; lightening cuts them to their length.
                row.case.lighten(route);
                made.push(row);
            }
            None => {
                changed = true;
                match full(k, v) {
                    Ok(mut case) => {
                        case.lighten(route);
                        made.push(Row { of, case });
                    }
                    // A damaged record has no row: its page is made again at each load
                    // until the record is repaired or restored.
                    Err(error) => damaged.push(error),
                }
            }
        }
    }
    changed |= rows.next().is_some();
    let page = Page { rows: made };
    let fresh = if changed { codec::encode(key, "rows", &group.page_key, &page).ok() } else { None };
    let cases = page.rows.into_iter().map(|r| Ok(r.case)).chain(damaged.into_iter().map(Err)).collect();
    Decoded { cases, fresh }
}
