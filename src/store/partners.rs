//! This copy's member (its id and secret keys) and the partners it trusts, sealed in
//! `meta`: the member under `member`, each trusted partner under `partner/<id>`. Every
//! change is one transaction with its audit entry.

use serde::{Deserialize, Serialize};
use sled::transaction::Transactional;

use super::{HEAD_KEY, Result, Store, StoreError, append, codec, crypto, head_json, hex, read_head};
use crate::domain::history::Change;

const MEMBER: &[u8] = b"member";
const PARTNER_PREFIX: &str = "partner/";

/// This copy's member: a random id and its secret keys, wiped on drop.
#[derive(Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct MemberSecret {
    pub id: String,
    /// The minisign signing key in `bundle::SigningKey::to_bytes`' layout.
    #[serde(with = "crypto::b64")]
    pub signing_key: Vec<u8>,
    /// The age identity file text ("AGE-SECRET-KEY-1…").
    pub age_identity: String,
}

/// A partner this copy trusts: what their card said, the name given here, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    pub id: String,
    /// The name given with `--name`.
    pub name: String,
    /// The name on their card.
    pub card_name: String,
    pub role: String,
    /// The organisation their card named (`school` for a school's staff).
    #[serde(default)]
    pub organisation: String,
    pub school: String,
    pub brin: Option<String>,
    /// minisign public key line ("RW…").
    pub signing_key: String,
    /// age recipient ("age1…").
    pub recipient: String,
    pub added: chrono::NaiveDateTime,
}

impl Store {
    /// This copy's member, once made.
    pub fn member(&self) -> Result<Option<MemberSecret>> {
        let key = self.key()?;
        let stored = self.trees.meta.get(MEMBER).map_err(|e| self.sled_error(e))?;
        stored
            .map(|v| {
                codec::decode(key, "meta", MEMBER, &v).map_err(|error| StoreError::Record { key: hex(MEMBER), error })
            })
            .transpose()
    }

    /// Keeps `member` with `event`, unless a member exists already: it is never replaced.
    /// Returns the member the store holds afterwards.
    pub fn create_member(&self, member: &MemberSecret, event: Change) -> Result<MemberSecret> {
        let value = self.seal_meta(MEMBER, member)?;
        self.meta_with_event(MEMBER, Some(value), true, event)?;
        self.member()?.ok_or_else(|| self.damaged(hex(MEMBER)))
    }

    /// Every trusted partner, by id.
    pub fn partners(&self) -> Result<Vec<Partner>> {
        self.scan_sealed(&self.trees.meta, "meta", PARTNER_PREFIX.as_bytes())
    }

    /// Trusts `partner` (replacing one with the same id) and logs `event`.
    pub fn add_partner(&self, partner: &Partner, event: Change) -> Result<()> {
        let name = partner_key(&partner.id);
        let value = self.seal_meta(&name, partner)?;
        self.meta_with_event(&name, Some(value), false, event).map(|_| ())
    }

    /// Ends the trust in partner `id` and logs `event`; false when there was none.
    pub fn remove_partner(&self, id: &str, event: Change) -> Result<bool> {
        let name = partner_key(id);
        if self.trees.meta.get(&name).map_err(|e| self.sled_error(e))?.is_none() {
            return Ok(false);
        }
        self.meta_with_event(&name, None, false, event).map(|_| true)
    }

    fn seal_meta<T: codec::Record>(&self, name: &[u8], value: &T) -> Result<Vec<u8>> {
        codec::encode(self.key()?, "meta", name, value).map_err(|error| StoreError::Record { key: hex(name), error })
    }

    /// Sets (or with `None` removes) the `meta` value `name` and appends `event`, in one
    /// transaction, flushed. With `only_new`, an existing value is kept and nothing is
    /// logged; returns whether anything was written.
    fn meta_with_event(&self, name: &[u8], value: Option<Vec<u8>>, only_new: bool, event: Change) -> Result<bool> {
        let key = self.key()?;
        let t = &self.trees;
        let written = (&t.history, &t.meta)
            .transaction(|(th, tm)| {
                if only_new && tm.get(name)?.is_some() {
                    return Ok(false);
                }
                match &value {
                    Some(v) => tm.insert(name, v.clone())?,
                    None => tm.remove(name)?,
                };
                let head = append(th, key, read_head(tm)?, event.clone())?;
                tm.insert(HEAD_KEY, head_json(head))?;
                Ok(true)
            })
            .map_err(|e| self.tx_error(e, name))?;
        if written {
            self.flush()?;
        }
        Ok(written)
    }
}

fn partner_key(id: &str) -> Vec<u8> {
    format!("{PARTNER_PREFIX}{id}").into_bytes()
}
