//! The one encode/decode pair every stored value goes through. A value is
//! `[format byte][payload]`; the payload is JSON `{"v": record version, "data": ...}`.
//! The format byte is where encryption will slot in without touching callers.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::case::Case;
use crate::domain::history::Change;
use crate::strings;

/// Byte 0 of every value: plain JSON.
const FORMAT_JSON: u8 = 1;

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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("{}", strings::codec_unknown_format(*.0))]
    UnknownFormat(u8),
    #[error("{}", strings::codec_too_new(*.found, *.supported))]
    TooNew { found: u32, supported: u32 },
    #[error("{}", strings::codec_garbled(.0))]
    Garbled(String),
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

pub fn encode<T: Record>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = vec![FORMAT_JSON];
    serde_json::to_writer(&mut bytes, &Out { v: T::VERSION, data: value })
        .map_err(|e| CodecError::Garbled(e.to_string()))?;
    Ok(bytes)
}

pub fn decode<T: Record>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&format, payload) = bytes.split_first().ok_or_else(|| CodecError::Garbled("leeg".into()))?;
    if format != FORMAT_JSON {
        return Err(CodecError::UnknownFormat(format));
    }
    match serde_json::from_slice::<In<T>>(payload) {
        Ok(record) if record.v <= T::VERSION => Ok(record.data),
        Ok(record) => Err(CodecError::TooNew { found: record.v, supported: T::VERSION }),
        // A newer record may not parse as our shape at all: say "too new", not "damaged".
        Err(e) => match serde_json::from_slice::<VersionOnly>(payload) {
            Ok(VersionOnly { v }) if v > T::VERSION => Err(CodecError::TooNew { found: v, supported: T::VERSION }),
            _ => Err(CodecError::Garbled(e.to_string())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::CaseId;
    use crate::domain::history::ChangeKind;

    fn change() -> Change {
        Change {
            case: CaseId::random(),
            at: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 30, 0).unwrap(),
            who: "anna".into(),
            kind: ChangeKind::Created,
        }
    }

    #[test]
    fn round_trips_with_version() {
        let c = change();
        let bytes = encode(&c).unwrap();
        assert_eq!(bytes[0], FORMAT_JSON);
        assert!(std::str::from_utf8(&bytes[1..]).unwrap().starts_with("{\"v\":1,"));
        assert_eq!(decode::<Change>(&bytes).unwrap(), c);
    }

    #[test]
    fn refuses_newer_unknown_and_garbled_values() {
        assert_eq!(
            decode::<Change>(b"\x01{\"v\":7,\"data\":{\"new\":true}}"),
            Err(CodecError::TooNew { found: 7, supported: 1 })
        );
        assert_eq!(decode::<Change>(b"\x09{}"), Err(CodecError::UnknownFormat(9)));
        assert!(matches!(decode::<Change>(b""), Err(CodecError::Garbled(_))));
        let mut bytes = encode(&change()).unwrap();
        bytes.truncate(bytes.len() - 3);
        assert!(matches!(decode::<Change>(&bytes), Err(CodecError::Garbled(_))));
    }
}
