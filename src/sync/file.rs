//! One file in the sync folder: a line naming the format, a line of JSON saying who wrote
//! it for whom (`Head`), then a bundle (`crate::bundle`: signed by the writer, encrypted
//! with age to exactly the members it is for, padded to whole 64 KiB chunks). Nothing in
//! the head names a child: member ids are random. The payload repeats the head, so a head
//! changed on the way is found out once the file is opened.
//!
//! Everything here is pure (bytes in, bytes out) and reads hostile input with bounds.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bundle::{self, BundleError, SigningKey, SwvIdentity, TeamKey};
use crate::strings::sync as text;

const MAGIC: &[u8] = b"tandem-sync 1\n";
/// The longest head line: ids of at most `MAX_RECIPIENTS` members with their counters.
const MAX_HEAD: usize = 8 * 1024;
/// The most members one file may be for (age tries one key agreement per stanza).
pub const MAX_RECIPIENTS: usize = 50;
/// The most items (documents' changes) one file may carry.
pub const MAX_ITEMS: usize = 100_000;
/// The largest file read from the folder.
pub const MAX_FILE: u64 = bundle::MAX_FILE + MAX_HEAD as u64 + MAGIC.len() as u64;
/// The file name ending of every sync file.
pub const EXTENSION: &str = "tandem";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Changes to cases, numbered per recipient.
    Changes,
    /// What the writer has taken from each member so far (rewritten in place).
    Taken,
}

/// Who wrote a file, on which copy, for whom: each recipient with the number this file
/// has in the row of files for them (1, 2, 3, …), so a gap shows a file still to come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub kind: Kind,
    pub from: String,
    /// The writing copy (random, per store): one member on two laptops shows here.
    pub copy: String,
    pub to: BTreeMap<String, u64>,
    /// Set when a file of this row was lost from the folder: this one carries everything
    /// from that number on, so it may be taken once the files before it are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resends: Option<u64>,
}

/// One document's changes, or the order to drop it (the consent for it ended).
pub use crate::store::DocChange as Item;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub head: Head,
    /// The writer's clock: shown, never used to order anything.
    pub written: NaiveDateTime,
    #[serde(default)]
    pub items: Vec<Item>,
    /// For `Taken`: per member, how many of their files for the writer it has taken.
    #[serde(default)]
    pub taken: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Does not start like a sync file of tandem.
    #[error("{}", text::FOREIGN)]
    Foreign,
    /// Ends before its head or bundle is complete: a sync tool still writing it.
    #[error("{}", text::INCOMPLETE)]
    Incomplete,
    /// The head is not readable or claims more than allowed.
    #[error("{}", text::BAD_HEAD)]
    BadHead,
    /// Written by a member this copy does not trust (never, or no longer).
    #[error("{}", text::unknown_sender(.0))]
    UnknownSender(String),
    /// The bundle does not open for us or does not verify.
    #[error("{0}")]
    Bundle(BundleError),
    /// The payload is not what a file of tandem holds, or claims too much.
    #[error("{}", text::BAD_PAYLOAD)]
    BadPayload(String),
    /// The head outside differs from the one signed inside: changed on the way.
    #[error("{}", text::TAMPERED)]
    Tampered,
}

/// The bytes of a file holding `payload`, for the recipients' age keys.
pub fn seal(
    payload: &Payload,
    key: &SigningKey,
    recipients: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, BundleError> {
    let json = serde_json::to_vec(payload).map_err(|e| BundleError::Internal(e.to_string()))?;
    let head = serde_json::to_vec(&payload.head).map_err(|e| BundleError::Internal(e.to_string()))?;
    let sealed = bundle::seal_to(&json, key, recipients, now)?;
    let mut out = Vec::with_capacity(MAGIC.len() + head.len() + 1 + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&head);
    out.push(b'\n');
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The head of a file and where its bundle starts, without opening it.
pub fn head(bytes: &[u8]) -> Result<(Head, &[u8]), FileError> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Err(FileError::Foreign);
    }
    let rest = &bytes[n..];
    if n < MAGIC.len() {
        return Err(FileError::Incomplete);
    }
    let Some(end) = rest.iter().take(MAX_HEAD).position(|&b| b == b'\n') else {
        return Err(if rest.len() < MAX_HEAD { FileError::Incomplete } else { FileError::BadHead });
    };
    let head: Head = serde_json::from_slice(&rest[..end]).map_err(|_| FileError::BadHead)?;
    if head.to.len() > MAX_RECIPIENTS || head.from.is_empty() {
        return Err(FileError::BadHead);
    }
    Ok((head, &rest[end + 1..]))
}

/// Opens a file whose head said it is from the member with `sender`'s key.
pub fn open(bytes: &[u8], identity: &SwvIdentity, sender: &TeamKey) -> Result<Payload, FileError> {
    let (head, sealed) = head(bytes)?;
    let (json, _) = bundle::open(sealed, identity, std::slice::from_ref(sender)).map_err(|e| match e {
        BundleError::Empty | BundleError::Truncated => FileError::Incomplete,
        e => FileError::Bundle(e),
    })?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|e| FileError::BadPayload(e.to_string()))?;
    if payload.items.len() > MAX_ITEMS || payload.taken.len() > MAX_RECIPIENTS {
        return Err(FileError::BadPayload(format!("{} items", payload.items.len())));
    }
    if payload.head != head {
        return Err(FileError::Tampered);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseId;
    use crate::domain::share::Part;

    fn now() -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc()
    }

    fn payload(to: &[(&str, u64)]) -> Payload {
        Payload {
            head: Head {
                kind: Kind::Changes,
                from: "aaaaaaaaaaaa".into(),
                copy: "c1".into(),
                to: to.iter().map(|(m, n)| (m.to_string(), *n)).collect(),
                resends: None,
            },
            written: now().naive_utc(),
            items: vec![Item { case: CaseId::random(), part: Part::Core, changes: vec![1, 2, 3], drop: false }],
            taken: BTreeMap::new(),
        }
    }

    #[test]
    fn a_file_opens_for_each_recipient_and_only_with_the_senders_key() {
        let key = SigningKey::generate().unwrap();
        let (b, c, x) = (SwvIdentity::generate(now()), SwvIdentity::generate(now()), SwvIdentity::generate(now()));
        let p = payload(&[("b", 1), ("c", 4)]);
        let bytes = seal(&p, &key, &[&b.recipient(), &c.recipient()], now()).unwrap();
        assert_eq!(open(&bytes, &b, &key.public()).unwrap(), p);
        assert_eq!(open(&bytes, &c, &key.public()).unwrap(), p);
        assert!(matches!(open(&bytes, &x, &key.public()), Err(FileError::Bundle(BundleError::WrongRecipient))));
        let other = SigningKey::generate().unwrap();
        assert!(matches!(open(&bytes, &b, &other.public()), Err(FileError::Bundle(_))));
    }

    #[test]
    fn a_changed_head_a_cut_file_and_a_foreign_file_are_each_told_apart() {
        let key = SigningKey::generate().unwrap();
        let b = SwvIdentity::generate(now());
        let bytes = seal(&payload(&[("b", 1)]), &key, &[&b.recipient()], now()).unwrap();
        let text = String::from_utf8_lossy(&bytes[..200]).to_string();
        let changed = text.replace("\"b\":1", "\"b\":9");
        let mut tampered = changed.as_bytes().to_vec();
        tampered.extend_from_slice(&bytes[200..]);
        assert_eq!(open(&tampered, &b, &key.public()), Err(FileError::Tampered));
        assert_eq!(open(&bytes[..bytes.len() - 100], &b, &key.public()), Err(FileError::Incomplete));
        assert_eq!(open(&bytes[..10], &b, &key.public()), Err(FileError::Incomplete));
        assert_eq!(open(b"PK\x03\x04 a zip", &b, &key.public()), Err(FileError::Foreign));
        let long_head = [MAGIC, &[b'x'; MAX_HEAD + 1][..]].concat();
        assert_eq!(head(&long_head).unwrap_err(), FileError::BadHead);
    }

    #[test]
    fn nothing_readable_is_in_the_file_beyond_member_ids() {
        let key = SigningKey::generate().unwrap();
        let b = SwvIdentity::generate(now());
        let mut p = payload(&[("b", 1)]);
        p.items[0].changes = b"Zoe de Wit".to_vec();
        let bytes = seal(&p, &key, &[&b.recipient()], now()).unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Zoe "));
        // Padded: a payload of a few bytes takes a whole 64 KiB chunk.
        assert!(bytes.len() > 64 * 1024);
    }
}
