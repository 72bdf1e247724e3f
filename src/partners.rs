//! Members and the partners they trust: this copy's member keys (made once, sealed in the
//! store), its self-signed card for `tandem partner key`, and reading, checking and
//! trusting a partner's card. Sync uses the keys kept here.
//!
//! A card is TOML in two parts: the `[card]` table, and after it a `[signature]` table
//! with a minisign signature, by the card's own key, over the exact bytes before it.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bundle::{BundleError, SigningKey, SwvIdentity, TeamKey};
use crate::config::Config;
use crate::domain::history::{Change, ChangeKind};
use crate::store::{MemberSecret, Partner, Store, StoreError};
use crate::strings::partners as text;

/// The largest card file read.
pub const MAX_CARD: u64 = 16 * 1024;
/// The longest name, role or school on a card, in bytes.
pub const MAX_FIELD: usize = 200;
const CARD_VERSION: u32 = 1;
const SIGNATURE_HEADER: &str = "\n[signature]\n";

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("{}", text::card_unreadable(.0, .1))]
    Read(PathBuf, std::io::Error),
    #[error("{}", text::CARD_TOO_LARGE)]
    TooLarge,
    #[error("{}", text::NOT_A_CARD)]
    NotACard,
    #[error("{}", text::CARD_INCOMPLETE)]
    Incomplete,
    #[error("{}", text::field_too_long(.0))]
    FieldTooLong(&'static str),
    #[error("{}", text::CARD_BAD_KEY)]
    BadKey,
    #[error("{}", text::CARD_TAMPERED)]
    Tampered,
    #[error("{}", text::OWN_CARD)]
    Own,
    #[error("{}", text::SAME_MEMBER)]
    SameMember,
    #[error("{}", text::already_trusted(.0))]
    AlreadyTrusted(String),
    #[error("{}", text::same_keys_other_id(.0))]
    SameKeys(String),
    #[error("{}", text::other_school(.ours, .theirs))]
    OtherSchool { ours: String, theirs: String },
    #[error("{}", text::BAD_NAME)]
    BadName,
    #[error("{}", text::partner_unknown(.0))]
    Unknown(String),
    #[error("{}", text::partner_ambiguous(.0, *.1))]
    Ambiguous(String, usize),
    /// Saving the own card would replace a file that is not an earlier copy of it.
    #[error("{}", text::card_not_overwritten(.0))]
    NotOverwritten(PathBuf),
    #[error("{}", text::card_unwritable(.0, .1))]
    Write(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

/// What a card says: who the member is and their public keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub version: u32,
    pub member: String,
    pub name: String,
    /// The role's name, as people read it.
    pub role: String,
    /// The role's organisation (`school` for a school's staff): what it may receive of a
    /// case follows from it (`domain::share`).
    #[serde(default)]
    pub organisation: String,
    pub school: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brin: Option<String>,
    /// minisign public key line ("RW…").
    pub signing_key: String,
    /// age recipient ("age1…").
    pub recipient: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardPart {
    card: Card,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignaturePart {
    minisign: String,
}

/// This copy's member: its id and keys.
pub struct Member {
    pub id: String,
    pub signing: SigningKey,
    pub identity: SwvIdentity,
}

impl Member {
    fn from_secret(secret: &MemberSecret) -> Result<Member, PartnerError> {
        Ok(Member {
            id: secret.id.clone(),
            signing: SigningKey::from_bytes(&secret.signing_key)?,
            identity: SwvIdentity::parse(&secret.age_identity)?,
        })
    }
}

/// This copy's member keys, made (in one transaction with its audit entry) on first need
/// and never again.
pub fn member(store: &Store, who: &str, at: NaiveDateTime) -> Result<Member, PartnerError> {
    if let Some(secret) = store.member()? {
        return Member::from_secret(&secret);
    }
    let signing = SigningKey::generate()?;
    let identity = SwvIdentity::generate(at.and_utc());
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let secret = MemberSecret { id, signing_key: signing.to_bytes(), age_identity: identity.to_file_text() };
    let stored = store.create_member(&secret, Change::store_event(ChangeKind::MemberKeysCreated, who, at))?;
    Member::from_secret(&stored)
}

/// "ABCD EF01 2345 6789": SHA-256 over both public keys, to compare by phone.
pub fn fingerprint(signing_key: &str, recipient: &str) -> String {
    let digest = Sha256::digest(format!("tandem member\n{signing_key}\n{recipient}\n").as_bytes());
    let hex = data_encoding::HEXUPPER.encode(&digest[..8]);
    let groups: Vec<&str> = (0..4).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    groups.join(" ")
}

impl Card {
    /// A school's staff: they work on the cases of one school.
    pub fn school_staff(&self) -> bool {
        self.organisation == "school"
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.signing_key, &self.recipient)
    }

    /// This copy's card, from its member keys and the config.
    pub fn own(member: &Member, config: &Config) -> Card {
        let role = config.team.member(&config.user).map_or("", |m| m.role.as_str());
        let organisation = config.roles.iter().find(|r| r.id == role).map_or("", |r| r.organisation.as_str());
        Card {
            version: CARD_VERSION,
            member: member.id.clone(),
            name: config.team.name_of(&config.user).to_string(),
            role: config.role_name(role).to_string(),
            organisation: organisation.to_string(),
            school: config.school.name.clone(),
            brin: config.school.brin.clone(),
            signing_key: member.signing.public().key,
            recipient: member.identity.recipient(),
        }
    }

    /// The card file, signed by `member`.
    pub fn render(&self, member: &Member) -> Result<String, PartnerError> {
        let body = toml::to_string(&CardPart { card: self.clone() }).map_err(|_| PartnerError::NotACard)?;
        let body = format!("{}{body}", text::card_header(&self.fingerprint()));
        let trusted = format!("tandem member card {}", self.member);
        let untrusted = format!("signature from tandem member {}", self.member);
        let minisign = member.signing.sign(body.as_bytes(), &trusted, &untrusted)?;
        let signature = toml::to_string(&SignaturePart { minisign }).map_err(|_| PartnerError::NotACard)?;
        Ok(format!("{body}{}{signature}", &SIGNATURE_HEADER[1..]))
    }

    /// Reads and verifies a card file's bytes: bounded, well formed, every field within
    /// bounds, valid keys, and signed by its own key over the exact bytes.
    pub fn parse(bytes: &[u8]) -> Result<Card, PartnerError> {
        if bytes.len() as u64 > MAX_CARD {
            return Err(PartnerError::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| PartnerError::NotACard)?;
        if !text.contains("[card]") {
            return Err(PartnerError::NotACard);
        }
        let (body, signature) = text.split_once(SIGNATURE_HEADER).ok_or(PartnerError::Incomplete)?;
        let body = &text[..body.len() + 1];
        let card = toml::from_str::<CardPart>(body).map_err(|_| PartnerError::Incomplete)?.card;
        let signature = toml::from_str::<SignaturePart>(signature).map_err(|_| PartnerError::Incomplete)?;
        card.check_fields()?;
        let key = TeamKey::parse(&card.signing_key).map_err(|_| PartnerError::BadKey)?;
        card.recipient.parse::<age::x25519::Recipient>().map_err(|_| PartnerError::BadKey)?;
        if !key.verifies(body.as_bytes(), &signature.minisign) {
            return Err(PartnerError::Tampered);
        }
        Ok(card)
    }

    fn check_fields(&self) -> Result<(), PartnerError> {
        if self.version != CARD_VERSION {
            return Err(PartnerError::NotACard);
        }
        let id_ok = (4..=64).contains(&self.member.len()) && self.member.bytes().all(|b| b.is_ascii_alphanumeric());
        if !id_ok {
            return Err(PartnerError::FieldTooLong("member"));
        }
        let fields = [("name", &self.name), ("role", &self.role), ("school", &self.school)];
        for (field, value) in fields {
            if value.len() > MAX_FIELD || value.chars().any(char::is_control) {
                return Err(PartnerError::FieldTooLong(field));
            }
        }
        if self.brin.as_ref().is_some_and(|b| b.len() > 8) {
            return Err(PartnerError::FieldTooLong("brin"));
        }
        Ok(())
    }
}

/// Reads a card file, never more than [`MAX_CARD`] bytes of it.
pub fn read_card(file: &Path) -> Result<Card, PartnerError> {
    let read = |e| PartnerError::Read(file.to_path_buf(), e);
    let mut bytes = Vec::new();
    std::fs::File::open(file).and_then(|f| f.take(MAX_CARD + 1).read_to_end(&mut bytes)).map_err(read)?;
    Card::parse(&bytes)
}

/// Why `card` may not be trusted here: our own, the same member twice, trusted already,
/// or another school.
pub fn check(store: &Store, config: &Config, card: &Card, at: NaiveDateTime) -> Result<(), PartnerError> {
    let own = Card::own(&member(store, &config.user, at)?, config);
    let same_keys = |a: &Card| a.signing_key == card.signing_key || a.recipient == card.recipient;
    if own.member == card.member && own.signing_key == card.signing_key && own.recipient == card.recipient {
        return Err(PartnerError::Own);
    }
    if own.member == card.member || same_keys(&own) {
        return Err(PartnerError::SameMember);
    }
    for p in store.partners()? {
        if p.id == card.member {
            return Err(PartnerError::AlreadyTrusted(p.name));
        }
        if p.signing_key == card.signing_key || p.recipient == card.recipient {
            return Err(PartnerError::SameKeys(p.name));
        }
    }
    // A wijkteam member works with the tandems of several schools; two members of school
    // staff work on the cases of one school.
    let both_staff = own.school_staff() && card.school_staff();
    if both_staff && !crate::domain::team::same_name(&card.school, &own.school) {
        return Err(PartnerError::OtherSchool { ours: own.school, theirs: card.school.clone() });
    }
    Ok(())
}

/// Trusts `card` under `name`, recorded in the audit trail.
pub fn trust(store: &Store, card: &Card, name: &str, who: &str, at: NaiveDateTime) -> Result<Partner, PartnerError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_FIELD || name.chars().any(char::is_control) {
        return Err(PartnerError::BadName);
    }
    let partner = Partner {
        id: card.member.clone(),
        name: name.to_string(),
        card_name: card.name.clone(),
        role: card.role.clone(),
        organisation: card.organisation.clone(),
        school: card.school.clone(),
        brin: card.brin.clone(),
        signing_key: card.signing_key.clone(),
        recipient: card.recipient.clone(),
        added: at,
    };
    let event = Change::store_event(ChangeKind::PartnerAdded { member: partner.id.clone() }, who, at);
    store.add_partner(&partner, event)?;
    // Everything this copy holds is offered to the new partner at the next sync.
    store.mark_all_dirty()?;
    Ok(partner)
}

/// What the partner screen shows: this member's own card and the trusted partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub own: Card,
    pub partners: Vec<Partner>,
}

/// The own card (the member keys made on first need) and the trusted partners.
pub fn overview(store: &Store, config: &Config, at: NaiveDateTime) -> Result<Overview, PartnerError> {
    let member = member(store, &config.user, at)?;
    Ok(Overview { own: Card::own(&member, config), partners: store.partners()? })
}

/// Writes this copy's card to `file`, as `tandem partner key` prints it, for the member to
/// send to a partner; returns its fingerprint. Only an earlier copy of this card is
/// replaced: what else lies there (a partner's card in Downloads) is left alone.
pub fn save_card(store: &Store, config: &Config, file: &Path, at: NaiveDateTime) -> Result<String, PartnerError> {
    let member = member(store, &config.user, at)?;
    let ours = |c: Card| c.member == member.id;
    if file.symlink_metadata().is_ok() && !read_card(file).is_ok_and(ours) {
        return Err(PartnerError::NotOverwritten(file.to_path_buf()));
    }
    let card = Card::own(&member, config);
    let text = card.render(&member)?;
    crate::atomic::write(file, text.as_bytes()).map_err(|e| PartnerError::Write(file.to_path_buf(), e))?;
    Ok(card.fingerprint())
}

/// Ends the trust in the partner whose id is `id` or starts with it (unique).
pub fn remove(store: &Store, id: &str, who: &str, at: NaiveDateTime) -> Result<Partner, PartnerError> {
    let id = id.trim();
    let partners = store.partners()?;
    let exact = partners.iter().find(|p| p.id == id);
    let matching: Vec<&Partner> = partners.iter().filter(|p| !id.is_empty() && p.id.starts_with(id)).collect();
    let partner = match (exact, matching.as_slice()) {
        (Some(p), _) | (None, &[p]) => p.clone(),
        (None, []) => return Err(PartnerError::Unknown(id.to_string())),
        (None, many) => return Err(PartnerError::Ambiguous(id.to_string(), many.len())),
    };
    let event = Change::store_event(ChangeKind::PartnerRemoved { member: partner.id.clone() }, who, at);
    if !store.remove_partner(&partner.id, event)? {
        return Err(PartnerError::Unknown(id.to_string()));
    }
    Ok(partner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> chrono::DateTime<chrono::Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc()
    }

    fn member() -> Member {
        Member {
            id: "c0ffee123456".into(),
            signing: SigningKey::generate().unwrap(),
            identity: SwvIdentity::generate(at()),
        }
    }

    fn card(member: &Member, name: &str) -> Card {
        Card {
            version: CARD_VERSION,
            member: member.id.clone(),
            name: name.into(),
            role: "Wijkteam".into(),
            organisation: "gemeente".into(),
            school: "De Regenboog".into(),
            brin: Some("12AB".into()),
            signing_key: member.signing.public().key,
            recipient: member.identity.recipient(),
        }
    }

    #[test]
    fn a_card_reads_back_as_written_with_its_fingerprint() {
        let m = member();
        let written = card(&m, "Joost Visser");
        let text = written.render(&m).unwrap();
        assert!(text.contains(&written.fingerprint()), "the fingerprint shows in the file");
        assert_eq!(Card::parse(text.as_bytes()).unwrap(), written);
        let fp = written.fingerprint();
        assert_eq!(fp.len(), 19);
        assert!(fp.split(' ').all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_hexdigit())), "{fp}");
    }

    #[test]
    fn every_changed_byte_of_the_signed_part_is_caught() {
        let m = member();
        let text = card(&m, "Joost Visser").render(&m).unwrap();
        let signed = text.find("[signature]").unwrap();
        for i in (0..signed).step_by(7) {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
            assert!(Card::parse(&bytes).is_err(), "byte {i} changed and accepted");
        }
        let tampered = text.replace("Joost Visser", "Joost Vissel");
        assert!(matches!(Card::parse(tampered.as_bytes()), Err(PartnerError::Tampered)));
    }

    #[test]
    fn a_truncated_card_or_garbage_is_refused_without_panic() {
        let m = member();
        let text = card(&m, "Joost Visser").render(&m).unwrap();
        for len in 0..text.len() - 1 {
            assert!(Card::parse(&text.as_bytes()[..len]).is_err(), "cut at {len} accepted");
        }
        assert!(matches!(Card::parse(b"hello\n"), Err(PartnerError::NotACard)));
        assert!(matches!(Card::parse(&[0xff, 0xfe, 0]), Err(PartnerError::NotACard)));
        assert!(matches!(Card::parse(&text.as_bytes()[..text.len() / 2]), Err(PartnerError::Incomplete)));
    }

    #[test]
    fn sizes_and_field_lengths_are_bounded() {
        let big = vec![b'#'; MAX_CARD as usize + 1];
        assert!(matches!(Card::parse(&big), Err(PartnerError::TooLarge)));
        let m = member();
        let long = card(&m, &"a".repeat(MAX_FIELD + 1)).render(&m).unwrap();
        assert!(matches!(Card::parse(long.as_bytes()), Err(PartnerError::FieldTooLong("name"))));
        let mut odd_id = card(&m, "Joost");
        odd_id.member = "../../etc".into();
        let text = odd_id.render(&m).unwrap();
        assert!(matches!(Card::parse(text.as_bytes()), Err(PartnerError::FieldTooLong("member"))));
        let within = card(&m, &"é".repeat(MAX_FIELD / 2)).render(&m).unwrap();
        assert!(Card::parse(within.as_bytes()).is_ok());
    }

    fn keyed_store(dir: &Path) -> Store {
        let mut store = Store::open(dir).unwrap();
        let kdf = crate::store::crypto::KdfParams::cheap().unwrap();
        store.create_key(b"correct paard batterij niet", kdf, "anna", at().naive_utc()).unwrap();
        store
    }

    #[test]
    fn the_saved_card_is_the_printed_one_and_replaces_only_an_earlier_copy_of_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = keyed_store(&dir.path().join("store"));
        let config = Config::demo().unwrap();
        let now = at().naive_utc();
        let file = dir.path().join("kaart.txt");
        let fingerprint = save_card(&store, &config, &file, now).unwrap();
        let saved = read_card(&file).unwrap();
        assert_eq!(saved.fingerprint(), fingerprint);
        assert_eq!(saved, Card::own(&super::member(&store, "anna", now).unwrap(), &config));
        assert_eq!(save_card(&store, &config, &file, now).unwrap(), fingerprint, "saved again over itself");

        let partners = dir.path().join("kaart-joost.txt");
        let other = member();
        std::fs::write(&partners, card(&other, "Joost").render(&other).unwrap()).unwrap();
        let letter = dir.path().join("brief.txt");
        std::fs::write(&letter, "Beste ouders,").unwrap();
        for kept in [&partners, &letter] {
            let before = std::fs::read(kept).unwrap();
            let refused = save_card(&store, &config, kept, now);
            assert!(matches!(refused, Err(PartnerError::NotOverwritten(_))), "{refused:?}");
            assert_eq!(std::fs::read(kept).unwrap(), before, "{} left as it was", kept.display());
        }
        let unwritable = save_card(&store, &config, &letter.join("kaart.txt"), now);
        assert!(matches!(unwritable, Err(PartnerError::Write(..))), "{unwritable:?}");
    }

    #[test]
    fn two_copies_of_one_member_and_a_partner_twice_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = keyed_store(dir.path());
        let config = Config::demo().unwrap();
        let now = at().naive_utc();
        let own = Card::own(&super::member(&store, "anna", now).unwrap(), &config);
        assert!(matches!(check(&store, &config, &own, now), Err(PartnerError::Own)));
        let other = member();
        let mut ours_other_keys = card(&other, "Anna");
        ours_other_keys.member = own.member.clone();
        assert!(matches!(check(&store, &config, &ours_other_keys, now), Err(PartnerError::SameMember)));
        let mut our_keys_other_id = own.clone();
        our_keys_other_id.member = "0123456789ab".into();
        assert!(matches!(check(&store, &config, &our_keys_other_id, now), Err(PartnerError::SameMember)));

        let mut partner = card(&other, "Joost");
        partner.school = config.school.name.clone();
        check(&store, &config, &partner, now).unwrap();
        trust(&store, &partner, "Joost Visser", "anna", now).unwrap();
        assert!(
            matches!(check(&store, &config, &partner, now), Err(PartnerError::AlreadyTrusted(n)) if n == "Joost Visser")
        );
        let mut copied = partner.clone();
        copied.member = "ffff00001111".into();
        assert!(matches!(check(&store, &config, &copied, now), Err(PartnerError::SameKeys(_))));
        assert!(matches!(remove(&store, "", "anna", now), Err(PartnerError::Unknown(_))));
        assert_eq!(remove(&store, "c0ff", "anna", now).unwrap().id, partner.member);
        assert_eq!(super::member(&store, "anna", now).unwrap().id, own.member, "the member keys stay");
    }

    #[test]
    fn a_card_signed_by_another_key_than_its_own_is_tampered() {
        let (m, other) = (member(), member());
        let mut forged = card(&m, "Joost");
        forged.signing_key = other.signing.public().key;
        let text = forged.render(&m).unwrap();
        assert!(matches!(Card::parse(text.as_bytes()), Err(PartnerError::Tampered)));
    }
}
