//! The audit trail as a hash chain: each entry commits to the one before it, so a
//! changed, removed or reordered entry is found by `verify`. Erasure redacts an entry's
//! details but keeps their digest, so the chain still verifies after a child's data
//! is deleted.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::history::Change;

pub type Hash = [u8; 32];

/// The hash before the first entry.
pub const GENESIS: Hash = [0; 32];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(with = "hex32")]
    pub prev: Hash,
    #[serde(with = "hex32")]
    pub digest: Hash,
    /// None once redacted (the case was deleted).
    pub details: Option<Change>,
}

/// The newest entry: what the next one links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    #[serde(with = "hex32")]
    pub hash: Hash,
}

impl Head {
    pub const EMPTY: Head = Head { seq: 0, hash: GENESIS };
}

impl Entry {
    /// The entry after `head`.
    pub fn after(head: Head, details: Change) -> Entry {
        Entry { seq: head.seq + 1, prev: head.hash, digest: digest_of(&details), details: Some(details) }
    }

    pub fn hash(&self) -> Hash {
        let mut h = Sha256::new();
        h.update(b"tandem-audit-v1");
        h.update(self.seq.to_be_bytes());
        h.update(self.prev);
        h.update(self.digest);
        h.finalize().into()
    }

    pub fn head(&self) -> Head {
        Head { seq: self.seq, hash: self.hash() }
    }
}

fn digest_of(details: &Change) -> Hash {
    // serde_json writes struct fields in declaration order, so this is deterministic.
    let bytes = serde_json::to_vec(details).unwrap_or_default();
    Sha256::digest(bytes).into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainError {
    /// An entry is missing: `expected` was next, `found` came.
    Gap { expected: u64, found: u64 },
    /// Entry `seq` does not link to the one before it.
    BadLink { seq: u64 },
    /// Entry `seq`'s details were changed.
    BadDigest { seq: u64 },
}

impl ChainError {
    /// The first entry that is wrong.
    pub fn seq(self) -> u64 {
        match self {
            ChainError::Gap { expected, .. } => expected,
            ChainError::BadLink { seq } | ChainError::BadDigest { seq } => seq,
        }
    }
}

/// What checking the chain needs of one entry, without its details: a store checks
/// thousands of entries and keeps these, not the entries, until they are in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub seq: u64,
    prev: Hash,
    hash: Hash,
    /// The details are still what the digest says (or were redacted).
    intact: bool,
}

impl Link {
    pub fn of(entry: &Entry) -> Link {
        let intact = entry.details.as_ref().is_none_or(|d| digest_of(d) == entry.digest);
        Link { seq: entry.seq, prev: entry.prev, hash: entry.hash(), intact }
    }
}

/// Checks a whole chain, given as its entries' links oldest first, and returns its head.
pub fn verify(links: impl IntoIterator<Item = Link>) -> Result<Head, ChainError> {
    let mut head = Head::EMPTY;
    for link in links {
        if link.seq != head.seq + 1 {
            return Err(ChainError::Gap { expected: head.seq + 1, found: link.seq });
        }
        if link.prev != head.hash {
            return Err(ChainError::BadLink { seq: link.seq });
        }
        if !link.intact {
            return Err(ChainError::BadDigest { seq: link.seq });
        }
        head = Head { seq: link.seq, hash: link.hash };
    }
    Ok(head)
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&data_encoding::HEXLOWER.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = data_encoding::HEXLOWER.decode(text.as_bytes()).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("hash must be 32 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseId;
    use crate::domain::history::ChangeKind;

    fn change(who: &str) -> Change {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
        Change { case: Some(CaseId::random()), at, who: who.into(), kind: ChangeKind::Created }
    }

    fn links(entries: &[Entry]) -> impl Iterator<Item = Link> + '_ {
        entries.iter().map(Link::of)
    }

    fn chain(n: usize) -> Vec<Entry> {
        let mut head = Head::EMPTY;
        (0..n)
            .map(|i| {
                let e = Entry::after(head, change(&format!("lid{i}")));
                head = e.head();
                e
            })
            .collect()
    }

    #[test]
    fn a_sound_chain_verifies_and_survives_redaction() {
        let mut c = chain(5);
        assert_eq!(verify(links(&c)).unwrap(), c[4].head());
        c[2].details = None;
        assert_eq!(verify(links(&c)).unwrap(), c[4].head());
        assert_eq!(verify([]).unwrap(), Head::EMPTY);
    }

    #[test]
    fn tampering_names_the_first_broken_entry() {
        let mut c = chain(5);
        c[2].details.as_mut().unwrap().who = "mallory".into();
        assert_eq!(verify(links(&c)), Err(ChainError::BadDigest { seq: 3 }));

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(links(&c)), Err(ChainError::Gap { expected: 2, found: 3 }));

        let mut c = chain(5);
        let forged = Entry::after(Head { seq: 2, hash: [7; 32] }, change("x"));
        c[2] = forged;
        assert_eq!(verify(links(&c)), Err(ChainError::BadLink { seq: 3 }));
        assert_eq!(ChainError::BadLink { seq: 3 }.seq(), 3);
    }
}
