//! The history of a case: who changed it, when, and which fields (never the content,
//! so the history itself reveals nothing about the child).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::case::{Case, CaseId, Field};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Edited { fields: Vec<Field> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub case: CaseId,
    /// Local wall time of the save, passed in by the caller.
    pub at: NaiveDateTime,
    /// Member id of whoever saved.
    pub who: String,
    #[serde(flatten)]
    pub kind: ChangeKind,
}

impl Change {
    /// The change that turns `before` (None for a new case) into `after`; None when
    /// nothing changed, so an unchanged save writes nothing.
    pub fn between(before: Option<&Case>, after: &Case, who: &str, at: NaiveDateTime) -> Option<Change> {
        let kind = match before {
            None => ChangeKind::Created,
            Some(b) => {
                let fields = after.changed_fields(b);
                if fields.is_empty() {
                    return None;
                }
                ChangeKind::Edited { fields }
            }
        };
        Some(Change { case: after.id, at, who: who.to_string(), kind })
    }
}
