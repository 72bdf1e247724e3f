//! What happened, by whom and when: a case's history and the store's own events. Only
//! which fields changed is kept, never the content, so the history reveals nothing
//! about the child.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::case::{Case, CaseId, Field};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Edited {
        fields: Vec<Field>,
    },
    /// What a step records was saved without completing it.
    StepRecorded {
        step: String,
    },
    /// A step was completed with an outcome (ids from the routekaart, no content).
    StepCompleted {
        step: String,
        outcome: String,
    },
    /// Consent for a purpose was recorded as given or withdrawn.
    ConsentRecorded {
        purpose: String,
        given: bool,
    },
    /// Consent for a purpose was recorded as refused.
    ConsentRefused {
        purpose: String,
    },
    /// The case was deleted: on request (AVG erasure) or at the end of its retention term.
    Deleted {
        reason: DeleteReason,
    },
    /// Everything kept about the child was exported for the parents (right of access).
    AccessExport,
    /// A version of the plan van aanpak was started (1: the first plan).
    PlanStarted {
        version: u32,
    },
    /// The last signature of a plan version was recorded: it is agreed and frozen.
    PlanSigned {
        version: u32,
    },
    /// A plan version was printed (PDF and Markdown written).
    PlanPrinted {
        version: u32,
    },
    /// The case was escalated (opened at a level, or taken up to it).
    Escalated {
        level: crate::domain::escalation::Level,
    },
    /// A decision on an escalation was recorded.
    EscalationDecided {
        level: crate::domain::escalation::Level,
        resolved: bool,
    },
    /// The question of an escalation's current level was corrected (a name taken out).
    QuestionEdited {
        level: crate::domain::escalation::Level,
    },
    /// A suggestion to escalate was set aside.
    TriggerDismissed {
        trigger: crate::domain::escalation::TriggerKind,
    },
    /// An absence period was recorded or ended.
    AbsenceRecorded,
    /// Store events of the export to the SWV: the team's signing key was made; a bundle
    /// was written.
    SigningKeyCreated,
    Exported {
        sequence: u64,
        cases: usize,
        dossiers: usize,
    },
    /// At the SWV: bundles were imported (one entry per import run).
    BundlesImported {
        bundles: usize,
    },
    /// Store events of working together: this copy's member keys were made; a partner's
    /// card was trusted or its trust ended (by member id).
    MemberKeysCreated,
    PartnerAdded {
        member: String,
    },
    PartnerRemoved {
        member: String,
    },
    /// A partner's changes to the case came in through the sync folder (`from`: their
    /// member id, the author of the changes).
    Received {
        from: String,
        changes: usize,
    },
    /// A part of the case was erased here because the consent that let it travel ended.
    PartDropped {
        part: crate::domain::share::Part,
    },
    /// Two concurrent values of one field were settled by picking one (where, not what).
    ClashSettled {
        part: crate::domain::share::Part,
        path: String,
    },
    /// Store events, not about one case.
    KeyCreated,
    PassphraseChanged,
    RecoveryUsed,
}

impl ChangeKind {
    /// The entry for a consent decision on `purpose` (ids only, no content).
    pub fn consent(purpose: String, decision: super::consent::Decision) -> ChangeKind {
        use super::consent::Decision;
        match decision {
            Decision::Given => ChangeKind::ConsentRecorded { purpose, given: true },
            Decision::Withdrawn => ChangeKind::ConsentRecorded { purpose, given: false },
            Decision::Refused => ChangeKind::ConsentRefused { purpose },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteReason {
    Request,
    Retention,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// None for store events.
    #[serde(default)]
    pub case: Option<CaseId>,
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
        Some(Change { case: Some(after.id), at, who: who.to_string(), kind })
    }

    pub fn store_event(kind: ChangeKind, who: &str, at: NaiveDateTime) -> Change {
        Change { case: None, at, who: who.to_string(), kind }
    }
}
