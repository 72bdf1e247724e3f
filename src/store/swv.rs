//! The export side of a team's store (its signing key and export sequence, sealed in
//! `meta`) and the SWV's own store: one tree `swv` holding, by key prefix, the imported
//! records per team and case (`r/`), their revisions (`v/`), the bundles seen (`b/`) and
//! each team's sequence numbers (`t/`). An import is one atomic batch.

use std::collections::BTreeSet;

use super::{Result, Store, StoreError, codec, crypto, hex};
use crate::domain::export::{Dossier, Payload, Record};
use crate::domain::history::Change;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

const SIGNING_KEY: &[u8] = b"signing_key";
const EXPORT_SEQUENCE: &[u8] = b"export_sequence";

/// Secret bytes sealed like every other value.
#[derive(Serialize, Deserialize)]
pub(super) struct Secret {
    #[serde(with = "crypto::b64")]
    bytes: Vec<u8>,
}

/// A case as the SWV holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwvRecord {
    pub team: String,
    pub school: String,
    pub revision: u64,
    pub record: Record,
    pub dossier: Option<Dossier>,
    /// The same for every partner's copy of the case (`export::link`).
    #[serde(default)]
    pub link: Option<String>,
    /// When this record was imported (none for records imported before links).
    #[serde(default)]
    pub imported: Option<NaiveDateTime>,
}

/// A bundle imported before: a reused id must carry the same content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenBundle {
    pub digest: String,
    pub team: String,
    pub sequence: u64,
    pub imported: NaiveDateTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamState {
    pub school: String,
    pub sequences: BTreeSet<u64>,
}

impl TeamState {
    /// Sequence numbers below the highest seen that never arrived, as inclusive ranges
    /// (first, last): as many as there are numbers seen, however far apart they are.
    pub fn gaps(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut next = 1;
        for &n in &self.sequences {
            if n > next {
                out.push((next, n - 1));
            }
            next = next.max(n.saturating_add(1));
        }
        out
    }

    /// The highest sequence number seen (0 before the first bundle).
    pub fn highest(&self) -> u64 {
        self.sequences.last().copied().unwrap_or(0)
    }
}

/// What importing one bundle did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Cases whose newer revision was taken, and cases already as new or newer.
    Applied { newer: usize, older: usize },
    /// The same bundle came before: nothing changed.
    Again,
}

impl Store {
    /// The team's signing key, if it has one.
    pub fn signing_key(&self) -> Result<Option<Vec<u8>>> {
        let key = self.key()?;
        let stored = self.trees.meta.get(SIGNING_KEY).map_err(|e| self.sled_error(e))?;
        stored
            .map(|v| {
                codec::decode::<Secret>(key, "meta", SIGNING_KEY, &v)
                    .map(|s| s.bytes)
                    .map_err(|error| StoreError::Record { key: hex(SIGNING_KEY), error })
            })
            .transpose()
    }

    /// Keeps the team's new signing key (sealed) and logs `event`.
    pub fn set_signing_key(&self, bytes: &[u8], event: Change) -> Result<()> {
        let key = self.key()?;
        let value = codec::encode(key, "meta", SIGNING_KEY, &Secret { bytes: bytes.to_vec() })
            .map_err(|error| StoreError::Record { key: hex(SIGNING_KEY), error })?;
        self.append_event_with(event, Some((SIGNING_KEY, value)))
    }

    /// The number of the last bundle written (0 before the first).
    pub fn export_sequence(&self) -> Result<u64> {
        let v = self.trees.meta.get(EXPORT_SEQUENCE).map_err(|e| self.sled_error(e))?;
        Ok(v.and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok()).map_or(0, u64::from_be_bytes))
    }

    /// Records that bundle `sequence` was written, with `event`.
    pub fn set_export_sequence(&self, sequence: u64, event: Change) -> Result<()> {
        self.append_event_with(event, Some((EXPORT_SEQUENCE, sequence.to_be_bytes().to_vec())))
    }

    /// Applies a verified bundle atomically (one sled batch on the SWV tree): a higher
    /// case revision replaces a lower one; the same bundle twice changes nothing; a bundle
    /// id seen before with other content is refused (`StoreError::Conflict`) and nothing
    /// is written. Only the store's one writer imports, so what is read here still holds
    /// when the batch is applied.
    pub fn import_bundle(&self, payload: &Payload, digest: &str, at: NaiveDateTime) -> Result<Imported> {
        let key = self.key()?;
        let tree = &self.trees.swv;
        let get = |k: &[u8]| tree.get(k).map_err(|e| self.sled_error(e));
        let record_err = |k: &[u8], error| StoreError::Record { key: hex(k), error };
        let bundle_key = [b"b/".as_slice(), payload.bundle_id.as_bytes()].concat();
        if let Some(v) = get(&bundle_key)? {
            let seen: SeenBundle =
                codec::decode(key, "swv", &bundle_key, &v).map_err(|e| record_err(&bundle_key, e))?;
            return if seen.digest == digest { Ok(Imported::Again) } else { Err(StoreError::Conflict) };
        }
        let mut batch = sled::Batch::default();
        let (mut newer, mut older) = (0, 0);
        for c in &payload.cases {
            let id = format!("{}/{}", payload.team_id, c.case);
            let (rk, vk) = (format!("r/{id}").into_bytes(), format!("v/{id}").into_bytes());
            // Revisions sit beside the sealed records, so comparing them decrypts nothing.
            let stored = get(&vk)?.and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok()).map(u64::from_be_bytes);
            if stored.is_some_and(|r| r >= c.revision) {
                older += 1;
                continue;
            }
            let record = SwvRecord {
                team: payload.team_id.clone(),
                school: payload.school.clone(),
                revision: c.revision,
                record: c.record.clone(),
                dossier: c.dossier.clone(),
                link: c.link.clone(),
                imported: Some(at),
            };
            batch.insert(rk.clone(), codec::encode(key, "swv", &rk, &record).map_err(|e| record_err(&rk, e))?);
            batch.insert(vk, c.revision.to_be_bytes().to_vec());
            newer += 1;
        }
        let team_key = format!("t/{}", payload.team_id).into_bytes();
        let mut team = match get(&team_key)? {
            Some(v) => codec::decode::<TeamState>(key, "swv", &team_key, &v).map_err(|e| record_err(&team_key, e))?,
            None => TeamState::default(),
        };
        team.school = payload.school.clone();
        team.sequences.insert(payload.sequence);
        batch.insert(
            team_key.clone(),
            codec::encode(key, "swv", &team_key, &team).map_err(|e| record_err(&team_key, e))?,
        );
        let seen = SeenBundle {
            digest: digest.to_string(),
            team: payload.team_id.clone(),
            sequence: payload.sequence,
            imported: at,
        };
        batch.insert(
            bundle_key.clone(),
            codec::encode(key, "swv", &bundle_key, &seen).map_err(|e| record_err(&bundle_key, e))?,
        );
        tree.apply_batch(batch).map_err(|e| self.sled_error(e))?;
        // The audit head did not move, so the anchor file needs no rewrite: sled's flush is all.
        self.trees.db.flush().map_err(|e| self.sled_error(e))?;
        Ok(Imported::Applied { newer, older })
    }

    /// Every case the SWV holds, once: where two partners of a tandem both export a case,
    /// the record imported last stands for it.
    pub fn swv_records(&self) -> Result<Vec<SwvRecord>> {
        Ok(once_per_case(self.scan(b"r/")?))
    }

    /// What the SWV knows of one team's bundles, if it has seen any.
    pub fn swv_team(&self, team_id: &str) -> Result<Option<TeamState>> {
        let key = self.key()?;
        let team_key = format!("t/{team_id}").into_bytes();
        let stored = self.trees.swv.get(&team_key).map_err(|e| self.sled_error(e))?;
        stored
            .map(|v| {
                codec::decode(key, "swv", &team_key, &v)
                    .map_err(|error| StoreError::Record { key: hex(&team_key), error })
            })
            .transpose()
    }

    /// Every bundle imported, in bundle id order: the SWV's trail of what arrived.
    pub fn swv_seen(&self) -> Result<Vec<SeenBundle>> {
        self.scan(b"b/")
    }

    /// Every team seen, by team id.
    pub fn swv_teams(&self) -> Result<Vec<(String, TeamState)>> {
        let key = self.key()?;
        let mut out = Vec::new();
        for item in self.trees.swv.scan_prefix(b"t/") {
            let (k, v) = item.map_err(|e| self.sled_error(e))?;
            let state =
                codec::decode(key, "swv", &k, &v).map_err(|error| StoreError::Record { key: hex(&k), error })?;
            out.push((String::from_utf8_lossy(&k[2..]).into_owned(), state));
        }
        Ok(out)
    }

    fn scan<T: codec::Record>(&self, prefix: &[u8]) -> Result<Vec<T>> {
        self.scan_sealed(&self.trees.swv, "swv", prefix)
    }
}

/// Keeps one record per link (the newest import); records without a link are each a case.
fn once_per_case(records: Vec<SwvRecord>) -> Vec<SwvRecord> {
    let mut newest: std::collections::HashMap<String, SwvRecord> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for r in records {
        match r.link.clone() {
            None => out.push(r),
            Some(link) => match newest.get(&link) {
                Some(kept) if kept.imported >= r.imported => {}
                _ => {
                    newest.insert(link, r);
                }
            },
        }
    }
    out.extend(newest.into_values());
    out
}
