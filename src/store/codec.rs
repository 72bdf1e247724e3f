//! The one encode/decode pair every stored value goes through. A value is
//! `[format byte][payload]`. Format 3 (the only one written) is
//! `[nonce][XChaCha20-Poly1305 ciphertext + tag]` of the LZ4-compressed JSON, bound to
//! its tree, key and format as associated data so a value cannot be moved to another
//! record. Format 2 is the same without compression (stores written before it; read as
//! they are, rewritten as format 3 on their next save). Format 1 is the plain JSON of
//! stores made before encryption; it is read only to migrate them. In each the JSON is
//! `{"v": record version, "data": ...}`.
//!
//! Why compress: sled keeps every page it has read in memory (its cache limit is a
//! hint), so the bytes of the cases are resident for the whole session; LZ4 makes them
//! 40 % smaller at about a microsecond a case.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::crypto::SecretKey;
use crate::domain::audit::Entry;
use crate::domain::case::Case;
use crate::domain::history::Change;
use crate::strings;

const FORMAT_PLAIN: u8 = 1;
const FORMAT_SEALED: u8 = 2;
const FORMAT_PACKED: u8 = 3;
/// The largest JSON a stored value may unpack to: far above any record (a case with
/// its plans is tens of KB), so a damaged length cannot make us allocate without end.
const MAX_UNPACKED: usize = 64 * 1024 * 1024;

/// A type kept in the store, with the version of its stored shape. Bump `VERSION` when
/// the shape changes incompatibly and upgrade older records in `decode`.
pub trait Record: Serialize + DeserializeOwned {
    const VERSION: u32;
}

impl Record for Case {
    const VERSION: u32 = 1;
}

impl Record for Change {
    const VERSION: u32 = 1;
}

impl Record for Entry {
    const VERSION: u32 = 1;
}

impl Record for crate::domain::route::Draft {
    const VERSION: u32 = 1;
}

impl Record for crate::domain::plan::PlanBook {
    const VERSION: u32 = 1;
}

impl Record for super::partners::MemberSecret {
    const VERSION: u32 = 1;
}

impl Record for super::partners::Partner {
    const VERSION: u32 = 1;
}

impl Record for super::swv::Secret {
    const VERSION: u32 = 1;
}

impl Record for super::swv::SwvRecord {
    const VERSION: u32 = 1;
}

impl Record for super::swv::SeenBundle {
    const VERSION: u32 = 1;
}

impl Record for super::swv::TeamState {
    const VERSION: u32 = 1;
}

impl Record for crate::domain::retention::Tombstone {
    const VERSION: u32 = 1;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("{}", strings::codec_unknown_format(*.0))]
    UnknownFormat(u8),
    #[error("{}", strings::codec_too_new(*.found, *.supported))]
    TooNew { found: u32, supported: u32 },
    #[error("{}", strings::codec_garbled(.0))]
    Garbled(String),
    #[error("{}", strings::CODEC_TAMPERED)]
    Tampered,
}

#[derive(Serialize)]
struct Out<'a, T> {
    v: u32,
    data: &'a T,
}

#[derive(Deserialize)]
struct In<T> {
    v: u32,
    data: T,
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u32,
}

/// What a value is bound to: its tree and its key, and from format 3 on its format (so
/// a changed format byte is found as tampering, not read another way).
fn aad(tree: &str, key: &[u8], format: u8) -> Vec<u8> {
    let mut aad = Vec::with_capacity(tree.len() + 2 + key.len());
    aad.extend_from_slice(tree.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key);
    if format >= FORMAT_PACKED {
        aad.push(format);
    }
    aad
}

fn to_json<T: Record>(value: &T) -> Result<Vec<u8>, CodecError> {
    serde_json::to_vec(&Out { v: T::VERSION, data: value }).map_err(|e| CodecError::Garbled(e.to_string()))
}

fn from_json<T: Record>(json: &[u8]) -> Result<T, CodecError> {
    // One check that the whole is UTF-8 costs less than serde_json's check of each string.
    let text = std::str::from_utf8(json).map_err(|e| CodecError::Garbled(e.to_string()))?;
    match serde_json::from_str::<In<T>>(text) {
        Ok(record) if record.v <= T::VERSION => Ok(record.data),
        Ok(record) => Err(CodecError::TooNew { found: record.v, supported: T::VERSION }),
        // A newer record may not parse as our shape at all: say "too new", not "damaged".
        Err(e) => match serde_json::from_slice::<VersionOnly>(json) {
            Ok(VersionOnly { v }) if v > T::VERSION => Err(CodecError::TooNew { found: v, supported: T::VERSION }),
            _ => Err(CodecError::Garbled(e.to_string())),
        },
    }
}

pub fn encode<T: Record>(secret: &SecretKey, tree: &str, key: &[u8], value: &T) -> Result<Vec<u8>, CodecError> {
    let json = zeroize::Zeroizing::new(to_json(value)?);
    let packed = zeroize::Zeroizing::new(lz4_flex::compress_prepend_size(&json));
    let sealed =
        secret.seal(&aad(tree, key, FORMAT_PACKED), &packed).map_err(|e| CodecError::Garbled(e.to_string()))?;
    let mut bytes = Vec::with_capacity(1 + sealed.len());
    bytes.push(FORMAT_PACKED);
    bytes.extend_from_slice(&sealed);
    Ok(bytes)
}

/// What tells one sealed value from every other: its format and its random nonce, new at
/// each write (a light row names the full record it was made from by it).
pub fn seal_id(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(1 + super::crypto::NONCE_LEN)]
}

pub fn decode<T: Record>(secret: &SecretKey, tree: &str, key: &[u8], bytes: &[u8]) -> Result<T, CodecError> {
    match bytes.split_first() {
        Some((&FORMAT_PACKED, sealed)) => {
            let packed = secret.open(&aad(tree, key, FORMAT_PACKED), sealed).map_err(|_| CodecError::Tampered)?;
            from_json(&unpack(&packed)?)
        }
        Some((&FORMAT_SEALED, sealed)) => {
            let json = secret.open(&aad(tree, key, FORMAT_SEALED), sealed).map_err(|_| CodecError::Tampered)?;
            from_json(&json)
        }
        // A plain value where a sealed one belongs is refused: it could be planted.
        Some((&format, _)) => Err(CodecError::UnknownFormat(format)),
        None => Err(CodecError::Garbled(strings::EMPTY_VALUE.into())),
    }
}

/// The JSON of a format 3 value, its claimed length checked before anything is allocated.
fn unpack(packed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, CodecError> {
    let garbled = |e: &dyn std::fmt::Display| CodecError::Garbled(e.to_string());
    let (claimed, _) = lz4_flex::block::uncompressed_size(packed).map_err(|e| garbled(&e))?;
    if claimed > MAX_UNPACKED {
        return Err(garbled(&strings::codec_too_large(claimed)));
    }
    lz4_flex::decompress_size_prepended(packed).map(zeroize::Zeroizing::new).map_err(|e| garbled(&e))
}

/// Encodes without encryption: only for measuring what encryption costs.
pub fn encode_plain<T: Record>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = vec![FORMAT_PLAIN];
    bytes.extend(to_json(value)?);
    Ok(bytes)
}

/// Reads a value of a store from before encryption (migration) or from `encode_plain`.
pub fn decode_plain<T: Record>(bytes: &[u8]) -> Result<T, CodecError> {
    match bytes.split_first() {
        Some((&FORMAT_PLAIN, json)) => from_json(json),
        Some((&format, _)) => Err(CodecError::UnknownFormat(format)),
        None => Err(CodecError::Garbled(strings::EMPTY_VALUE.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseId;
    use crate::domain::history::ChangeKind;

    fn change() -> Change {
        Change {
            case: Some(CaseId::random()),
            at: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 30, 0).unwrap(),
            who: "anna".into(),
            kind: ChangeKind::Created,
        }
    }

    #[test]
    fn round_trips_sealed_and_bound_to_tree_and_key() {
        let k = SecretKey::random().unwrap();
        let c = change();
        let bytes = encode(&k, "history", b"k1", &c).unwrap();
        assert_eq!(bytes[0], FORMAT_PACKED);
        assert!(!bytes.windows(4).any(|w| w == b"anna"));
        assert_eq!(decode::<Change>(&k, "history", b"k1", &bytes).unwrap(), c);
        assert_eq!(decode::<Change>(&k, "history", b"k2", &bytes), Err(CodecError::Tampered));
        assert_eq!(decode::<Change>(&k, "cases", b"k1", &bytes), Err(CodecError::Tampered));
    }

    #[test]
    fn values_sealed_before_compression_still_open() {
        let k = SecretKey::random().unwrap();
        let c = change();
        let json = to_json(&c).unwrap();
        let mut old = vec![FORMAT_SEALED];
        old.extend(k.seal(&aad("history", b"k1", FORMAT_SEALED), &json).unwrap());
        assert_eq!(decode::<Change>(&k, "history", b"k1", &old).unwrap(), c);
        // The format byte is sealed in from format 3 on: changed, it is tampering.
        let mut packed = encode(&k, "history", b"k1", &c).unwrap();
        packed[0] = FORMAT_SEALED;
        assert_eq!(decode::<Change>(&k, "history", b"k1", &packed), Err(CodecError::Tampered));
    }

    #[test]
    fn a_case_is_stored_smaller_than_its_json() {
        let k = SecretKey::random().unwrap();
        let case = crate::domain::testing::sample_case();
        let json = to_json(&case).unwrap();
        let bytes = encode(&k, "cases", b"k", &case).unwrap();
        assert!(bytes.len() < json.len(), "{} sealed against {} of JSON", bytes.len(), json.len());
        assert_eq!(decode::<Case>(&k, "cases", b"k", &bytes).unwrap(), case);
    }

    #[test]
    fn a_claimed_length_beyond_the_bound_is_refused_before_allocating() {
        let k = SecretKey::random().unwrap();
        let mut packed = u32::MAX.to_le_bytes().to_vec();
        packed.extend_from_slice(b"\x10abc");
        let mut bytes = vec![FORMAT_PACKED];
        bytes.extend(k.seal(&aad("history", b"k1", FORMAT_PACKED), &packed).unwrap());
        let refused = decode::<Change>(&k, "history", b"k1", &bytes);
        assert!(matches!(&refused, Err(CodecError::Garbled(why)) if why.contains("uitgepakt")), "{refused:?}");
    }

    #[test]
    fn plain_values_are_read_only_for_migration() {
        let k = SecretKey::random().unwrap();
        let original = change();
        let plain = encode_plain(&original).unwrap();
        assert!(std::str::from_utf8(&plain[1..]).unwrap().starts_with("{\"v\":1,"));
        assert_eq!(decode_plain::<Change>(&plain).unwrap(), original);
        assert_eq!(decode::<Change>(&k, "history", b"k", &plain), Err(CodecError::UnknownFormat(1)));
    }

    #[test]
    fn refuses_newer_unknown_and_garbled_values() {
        assert_eq!(
            decode_plain::<Change>(b"\x01{\"v\":7,\"data\":{\"new\":true}}"),
            Err(CodecError::TooNew { found: 7, supported: 1 })
        );
        assert_eq!(decode_plain::<Change>(b"\x09{}"), Err(CodecError::UnknownFormat(9)));
        assert!(matches!(decode_plain::<Change>(b""), Err(CodecError::Garbled(_))));
        let mut bytes = encode_plain(&change()).unwrap();
        bytes.truncate(bytes.len() - 3);
        assert!(matches!(decode_plain::<Change>(&bytes), Err(CodecError::Garbled(_))));
    }
}
