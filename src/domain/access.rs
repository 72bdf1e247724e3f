//! How a case's files are named: what they are and when, never whose.

use chrono::NaiveDate;

use super::case::CaseId;

/// A file name (without extension) that says what it is and when, never whose: the
/// short id lets an erasure find the case's copies. `kind` says what the file is
/// ("inzage", "plan-v2").
pub fn file_stem(kind: &str, id: CaseId, today: NaiveDate) -> String {
    format!("{kind}{}-{}", short_id(id), today.format("%Y-%m-%d"))
}

/// "-1a2b3c4d": the first 8 hex digits of a case id, as used in file names.
pub fn short_id(id: CaseId) -> String {
    format!("-{}", &id.0.simple().to_string()[..8])
}
