//! Export bundles for the SWV: signed by the team, encrypted to the SWV.
//!
//! A bundle file is an age file (binary, one X25519 recipient: the SWV) whose plaintext is
//! a tar archive with exactly two regular files:
//!
//! - `payload.json`: the exported bytes, as given to [`seal`];
//! - `payload.json.minisig`: a minisign signature of `payload.json` made with the team's
//!   Ed25519 key, in minisign's standard (prehashed) format with a trusted comment.
//!
//! So an SWV person can check a bundle with the standard tools alone:
//!
//! ```text
//! age -d -i swv-identity.txt bundle.age | tar x && minisign -V -p team.pub -m payload.json
//! ```
//!
//! The archive is padded with zero bytes (tar's own end-of-archive filler) to a whole
//! number of age's 64 KiB chunks. That is what lets [`open`] tell a file that is still
//! arriving ([`BundleError::Truncated`]: its length is not whole chunks) from one that was
//! changed ([`BundleError::Damaged`]: whole chunks that do not decrypt); age alone cannot
//! tell them apart inside a chunk. It also hides the exact size of the payload.
//!
//! Everything here is pure (bytes in, bytes out). [`open`] never panics and reads hostile
//! input with bounds: the decrypted archive is capped at [`MAX_ARCHIVE`] bytes, the
//! payload at [`MAX_PAYLOAD`], the signature at [`MAX_SIGNATURE`], and the archive at two
//! entries.

use chrono::{DateTime, SecondsFormat, Utc};
use std::io::{Cursor, Read, Write};

use age::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

// Every Dutch text this module shows, each saying what is wrong and what to do.
use crate::strings::bundle as text;

/// The largest payload a bundle may carry: far more than the most cases a bundle may hold
/// ([`crate::domain::export::MAX_CASES`], about 1 KiB of JSON each), with room for dossiers.
pub const MAX_PAYLOAD: u64 = 16 * 1024 * 1024;
/// The largest signature file a bundle may carry (a real one is about 300 bytes).
pub const MAX_SIGNATURE: u64 = 64 * 1024;
/// The largest decrypted archive [`open`] reads: both files plus room for tar headers and
/// padding (GNU tar pads to 10 KiB records).
pub const MAX_ARCHIVE: u64 = MAX_PAYLOAD + MAX_SIGNATURE + 2 * AGE_CHUNK as u64;

/// The largest bundle file that can hold an archive within [`MAX_ARCHIVE`]: the age header,
/// the nonce, and every chunk with its tag (one spare). A longer file is refused before it
/// is read.
pub const MAX_FILE: u64 =
    MAX_HEADER as u64 + 16 + (MAX_ARCHIVE.div_ceil(AGE_CHUNK as u64) + 1) * AGE_ENCRYPTED_CHUNK as u64;

const PAYLOAD_NAME: &str = "payload.json";
const SIGNATURE_NAME: &str = "payload.json.minisig";
/// age encrypts in chunks of 64 KiB of plaintext, each with a 16-byte tag.
const AGE_CHUNK: usize = 64 * 1024;
const AGE_ENCRYPTED_CHUNK: usize = AGE_CHUNK + 16;
/// The first line of every age v1 file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// minisign's unencrypted secret key: sig alg (2), kdf alg (2), checksum alg (2), kdf salt
/// (32), kdf opslimit (8), kdf memlimit (8), key id (8), Ed25519 seed and public key (64),
/// Blake2b checksum (32).
const SECRET_KEY_LEN: usize = 158;
/// minisign's public key: sig alg "Ed" (2), key id (8), Ed25519 public key (32).
const PUBLIC_KEY_LEN: usize = 42;
const MAX_KEY_TEXT: usize = 64 * 1024;
/// The longest age header [`open`] accepts. A bundle's is a few hundred bytes (one
/// recipient takes about 100); age parses a header again from its start for every line
/// it reads, so the cost of a long one grows with its square.
const MAX_HEADER: usize = 8 * 1024;

/// Which key text or bytes could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A team's public key ([`TeamKey::parse`]).
    TeamKey,
    /// The SWV's age identity file ([`SwvIdentity::parse`]).
    SwvIdentity,
    /// The SWV's public key (`age1…`) given to [`seal`].
    Recipient,
    /// The team's stored signing key ([`SigningKey::from_bytes`]).
    SigningKey,
}

impl KeyKind {
    pub fn message(self) -> &'static str {
        match self {
            KeyKind::TeamKey => text::BAD_TEAM_KEY,
            KeyKind::SwvIdentity => text::BAD_IDENTITY,
            KeyKind::Recipient => text::BAD_RECIPIENT,
            KeyKind::SigningKey => text::BAD_SIGNING_KEY,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// No bytes (or only zero bytes, as a sync tool leaves a file it has not filled yet).
    #[error("{}", text::EMPTY)]
    Empty,
    /// Not an age v1 file at all.
    #[error("{}", text::NOT_AGE)]
    NotAge,
    /// An age file that ends early: inside the header, at a chunk boundary, or inside a
    /// chunk (its length is not a whole number of chunks). Usually a sync in progress.
    #[error("{}", text::TRUNCATED)]
    Truncated,
    /// A complete age file for us that does not decrypt: the header's MAC or a chunk fails
    /// to authenticate while the length is a whole number of chunks.
    #[error("{}", text::DAMAGED)]
    Damaged,
    /// An age file for someone else (no stanza opens with this identity).
    #[error("{}", text::WRONG_RECIPIENT)]
    WrongRecipient,
    /// Decrypts, but is not a tar archive with exactly the two expected files, or too large.
    #[error("{}", text::NOT_A_BUNDLE)]
    NotABundle,
    /// Signed by a key that is not among the trusted team keys. `key_id` is minisign's id.
    #[error("{}", text::unknown_signer(.key_id))]
    UnknownSigner { key_id: String },
    /// The signature does not verify against the trusted key with its id (tampered or
    /// damaged payload or signature, or a signature file that is not minisign's format).
    #[error("{}", text::BAD_SIGNATURE)]
    BadSignature,
    /// Key text or bytes that cannot be used.
    #[error("{}", .0.message())]
    BadKey(KeyKind),
    /// [`seal`] was given a payload over [`MAX_PAYLOAD`].
    #[error("{}", text::too_large(MAX_PAYLOAD / (1024 * 1024)))]
    TooLarge,
    /// Sealing or key generation failed for a reason outside the input (the OS random
    /// source, in practice). The detail is the library's English text.
    #[error("{}", text::internal(.0))]
    Internal(String),
}

fn internal(error: impl std::fmt::Display) -> BundleError {
    BundleError::Internal(error.to_string())
}

// ---------------------------------------------------------------------------------------
// Team signing key (minisign)
// ---------------------------------------------------------------------------------------

/// The team's signing key (minisign/Ed25519), kept sealed in the team's store as bytes.
///
/// Only the bytes are kept, in memory that is wiped on drop; minisign's own `SecretKey`
/// cannot be wiped (its fields are private and it has no `Zeroize`), so one is made only
/// for the moment of signing.
#[derive(Clone)]
pub struct SigningKey {
    bytes: Zeroizing<Vec<u8>>,
    public: TeamKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("id", &self.public.id()).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key; fails only when the operating system's random source does.
    pub fn generate() -> Result<SigningKey, BundleError> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(internal)?;
        SigningKey::from_bytes(&Zeroizing::new(pair.sk.to_bytes()))
    }

    /// The key for storage: minisign's unencrypted secret key layout (158 bytes), the same
    /// bytes as the base64 line of an unencrypted minisign `.key` file. The store must
    /// encrypt them; the caller should wipe the copy after use.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.to_vec()
    }

    /// Reads [`SigningKey::to_bytes`]' layout back. The key must be unencrypted, its
    /// checksum must match, and it must sign something its own public key verifies.
    pub fn from_bytes(b: &[u8]) -> Result<SigningKey, BundleError> {
        let bad = || BundleError::BadKey(KeyKind::SigningKey);
        // sig alg "Ed", no password (kdf alg 0), checksum alg "B2".
        if b.len() != SECRET_KEY_LEN || b.get(..6) != Some(b"Ed\0\0B2".as_slice()) {
            return Err(bad());
        }
        // The unencrypted-box loader is minisign's only public way to check the checksum.
        let boxed = Zeroizing::new(format!("untrusted comment: tandem\n{}\n", BASE64.encode(b)));
        let sk_box = minisign::SecretKeyBox::from_string(&boxed).map_err(|_| bad())?;
        let sk = minisign::SecretKey::from_unencrypted_box(sk_box).map_err(|_| bad())?;
        let pk = minisign::PublicKey::from_secret_key(&sk).map_err(|_| bad())?;
        // sign() verifies its result with `pk`: a seed that does not belong to the public
        // half fails here.
        minisign::sign(Some(&pk), &sk, Cursor::new(b"tandem key check"), Some("check"), Some("check")).map_err(
            |e| match e.kind() {
                minisign::ErrorKind::Verify => bad(),
                _ => internal(e),
            },
        )?;
        Ok(SigningKey { bytes: Zeroizing::new(b.to_vec()), public: TeamKey { key: pk.to_base64() } })
    }

    /// A minisign signature file (prehashed) over `message` with the two comments.
    pub fn sign(&self, message: &[u8], trusted_comment: &str, untrusted_comment: &str) -> Result<String, BundleError> {
        // minisign's key lives only for this function (it cannot be wiped).
        let sk = self.secret()?;
        let pk = minisign::PublicKey::from_secret_key(&sk).map_err(internal)?;
        let signature =
            minisign::sign(Some(&pk), &sk, Cursor::new(message), Some(trusted_comment), Some(untrusted_comment))
                .map_err(internal)?;
        Ok(signature.into_string())
    }

    /// The public key the SWV trusts.
    pub fn public(&self) -> TeamKey {
        self.public.clone()
    }

    fn secret(&self) -> Result<minisign::SecretKey, BundleError> {
        minisign::SecretKey::from_bytes(&self.bytes).map_err(|_| BundleError::BadKey(KeyKind::SigningKey))
    }
}

/// A team's public key as the SWV trusts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TeamKey {
    /// minisign's public key line ("RW…", 56 base64 characters).
    pub key: String,
}

impl TeamKey {
    /// Accepts the bare "RW…" line or a whole minisign `.pub` file (an "untrusted comment:"
    /// line and the key line). Leading and trailing white space is ignored.
    pub fn parse(text: &str) -> Result<TeamKey, BundleError> {
        let bad = || BundleError::BadKey(KeyKind::TeamKey);
        if text.len() > MAX_KEY_TEXT {
            return Err(bad());
        }
        let mut key_lines =
            text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("untrusted comment:"));
        let (Some(line), None) = (key_lines.next(), key_lines.next()) else {
            return Err(bad());
        };
        let pk = decode_public(line).ok_or_else(bad)?;
        Ok(TeamKey { key: pk.to_base64() })
    }

    /// minisign's key id: 16 uppercase hex characters, as `minisign` shows it ("minisign
    /// public key 0123456789ABCDEF"). Stable for the life of the key.
    pub fn id(&self) -> String {
        match decode_public(&self.key) {
            Some(pk) => key_id(pk.keynum()),
            None => text::INVALID_KEY_ID.to_string(),
        }
    }

    /// For comparing by phone: the first 16 hex characters of SHA-256 over the key line, in
    /// four groups ("ABCD EF01 2345 6789"). Anyone can recompute it:
    /// `tail -n 1 team.pub | tr -d '\n' | sha256sum`.
    pub fn fingerprint(&self) -> String {
        if decode_public(&self.key).is_none() {
            return text::INVALID_KEY_ID.to_string();
        }
        let digest = Sha256::digest(self.key.trim().as_bytes());
        let hex = data_encoding::HEXUPPER.encode(&digest[..8]);
        let groups: Vec<&str> = hex.as_bytes().chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        groups.join(" ")
    }

    /// The content of a minisign `.pub` file: `minisign -V -p FILE` reads it.
    pub fn pub_file(&self) -> String {
        format!("untrusted comment: minisign public key {}\n{}\n", self.id(), self.key.trim())
    }

    /// Whether `signature` (a minisign signature file) is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        verify(message, signature.as_bytes(), std::slice::from_ref(self)).is_ok()
    }

    fn minisign_key(&self) -> Option<minisign::PublicKey> {
        decode_public(&self.key)
    }
}

/// A minisign public key line, strictly: canonical base64 of 42 bytes starting with "Ed".
fn decode_public(line: &str) -> Option<minisign::PublicKey> {
    let bytes = BASE64.decode(line.trim()).ok()?;
    if bytes.len() != PUBLIC_KEY_LEN || !bytes.starts_with(b"Ed") {
        return None;
    }
    minisign::PublicKey::from_bytes(&bytes).ok()
}

/// minisign shows a key id as the 8 bytes read little-endian, in uppercase hex.
fn key_id(keynum: &[u8]) -> String {
    match <[u8; 8]>::try_from(keynum) {
        Ok(bytes) => format!("{:016X}", u64::from_le_bytes(bytes)),
        Err(_) => text::INVALID_KEY_ID.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// SWV identity (age X25519)
// ---------------------------------------------------------------------------------------

/// The SWV's age identity (X25519). The secret is wiped on drop (x25519-dalek does it).
#[derive(Clone)]
pub struct SwvIdentity {
    inner: age::x25519::Identity,
    /// The "# created:" value, when known (RFC 3339).
    created: Option<String>,
}

impl std::fmt::Debug for SwvIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwvIdentity").field("recipient", &self.recipient()).finish_non_exhaustive()
    }
}

impl SwvIdentity {
    /// A new random identity, made `now`.
    pub fn generate(now: DateTime<Utc>) -> SwvIdentity {
        SwvIdentity { inner: age::x25519::Identity::generate(), created: Some(rfc3339_utc(now)) }
    }

    /// An age identity file: comment lines ("# …") and blank lines are allowed, and exactly
    /// one "AGE-SECRET-KEY-1…" line. A "# created:" comment is kept for
    /// [`SwvIdentity::to_file_text`].
    pub fn parse(text: &str) -> Result<SwvIdentity, BundleError> {
        let bad = || BundleError::BadKey(KeyKind::SwvIdentity);
        if text.len() > MAX_KEY_TEXT {
            return Err(bad());
        }
        let mut created = None;
        let mut found = None;
        for line in text.lines().map(str::trim) {
            if let Some(value) = line.strip_prefix("# created:") {
                let value = value.trim();
                if created.is_none() && value.len() <= 64 && value.bytes().all(|c| c.is_ascii_graphic()) {
                    created = Some(value.to_string());
                }
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let identity = line.parse::<age::x25519::Identity>().map_err(|_| bad())?;
            if found.replace(identity).is_some() {
                return Err(bad());
            }
        }
        let inner = found.ok_or_else(bad)?;
        Ok(SwvIdentity { inner, created })
    }

    /// A standard age identity file (as `age-keygen` writes it) that `age -d -i FILE`
    /// accepts. It holds the secret: write it to a private file and drop it.
    pub fn to_file_text(&self) -> String {
        let secret = self.inner.to_string();
        let mut out = String::new();
        if let Some(created) = &self.created {
            out.push_str(&format!("# created: {created}\n"));
        }
        out.push_str(&format!("# public key: {}\n", self.recipient()));
        out.push_str(secret.expose_secret());
        out.push('\n');
        out
    }

    /// The public key teams encrypt to: "age1…".
    pub fn recipient(&self) -> String {
        self.inner.to_public().to_string()
    }
}

// ---------------------------------------------------------------------------------------
// Seal and open
// ---------------------------------------------------------------------------------------

/// Sign `payload` with the team's key and encrypt it, with its signature, to `recipient`
/// (the SWV's "age1…" key). Returns the bundle file's bytes.
pub fn seal(payload: &[u8], key: &SigningKey, recipient: &str, now: DateTime<Utc>) -> Result<Vec<u8>, BundleError> {
    seal_to(payload, key, &[recipient], now)
}

/// The same, encrypted to each of `recipients` ("age1…" keys): any one of them can open it.
pub fn seal_to(
    payload: &[u8],
    key: &SigningKey,
    recipients: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, BundleError> {
    if payload.len() as u64 > MAX_PAYLOAD {
        return Err(BundleError::TooLarge);
    }
    let recipients: Vec<age::x25519::Recipient> = recipients
        .iter()
        .map(|r| r.trim().parse().map_err(|_| BundleError::BadKey(KeyKind::Recipient)))
        .collect::<Result<_, _>>()?;
    if recipients.is_empty() {
        return Err(BundleError::BadKey(KeyKind::Recipient));
    }
    let now = u64::try_from(now.timestamp()).unwrap_or(0);

    // The same trusted comment the minisign tool writes, so `minisign -V` shows the date.
    let trusted_comment = format!("timestamp:{now}\tfile:{PAYLOAD_NAME}\thashed");
    let untrusted_comment = format!("signature from tandem team key {}", key.public.id());
    let signature = key.sign(payload, &trusted_comment, &untrusted_comment)?;

    // Sized up front (tar adds at most 3 KiB, then the padding) so the buffer holding the
    // plaintext is never reallocated and so never leaves an unwiped copy behind.
    let capacity = (payload.len() + signature.len() + 4096).next_multiple_of(AGE_CHUNK);
    let mut archive = Zeroizing::new(Vec::with_capacity(capacity));
    let mut builder = tar::Builder::new(&mut *archive);
    for (name, data) in [(PAYLOAD_NAME, payload), (SIGNATURE_NAME, signature.as_bytes())] {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(now);
        builder.append_data(&mut header, name, data).map_err(internal)?;
    }
    builder.into_inner().map_err(internal)?;
    // Zero bytes after the end-of-archive marker are tar's normal filler (tar pads to whole
    // records the same way); up to whole age chunks, see the module documentation.
    let padded = archive.len().next_multiple_of(AGE_CHUNK);
    archive.resize(padded, 0);

    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient)).map_err(internal)?;
    let mut sealed = Vec::with_capacity(archive.len() + archive.len() / 1024 + 1024);
    let mut writer = encryptor.wrap_output(&mut sealed).map_err(internal)?;
    writer.write_all(&archive).map_err(internal)?;
    writer.finish().map_err(internal)?;
    Ok(sealed)
}

/// Decrypt `bytes` with `identity`, check that the archive holds exactly `payload.json`
/// and `payload.json.minisig`, and verify the signature against the trusted team keys.
/// Returns the payload and the index in `trusted` of the key that signed it.
///
/// Trusted keys that are not valid keys are skipped. Errors, in the order checked:
/// [`BundleError::Empty`], [`BundleError::NotAge`], [`BundleError::Truncated`] (also for a
/// file cut inside the age header), [`BundleError::WrongRecipient`],
/// [`BundleError::Damaged`], [`BundleError::NotABundle`], [`BundleError::UnknownSigner`],
/// [`BundleError::BadSignature`]. A file still being written by a sync tool gives `Empty`
/// or `Truncated` (never `Damaged`, for a bundle made by [`seal`]): wait and try again.
pub fn open(bytes: &[u8], identity: &SwvIdentity, trusted: &[TeamKey]) -> Result<(Vec<u8>, usize), BundleError> {
    if bytes.iter().all(|&b| b == 0) {
        return Err(BundleError::Empty);
    }
    let archive = decrypt(bytes, identity)?;
    let (payload, signature) = unpack(&archive)?;
    let index = verify(&payload, &signature, trusted)?;
    Ok((payload, index))
}

fn decrypt(bytes: &[u8], identity: &SwvIdentity) -> Result<Zeroizing<Vec<u8>>, BundleError> {
    // age reads the header in pieces of the size its parser asks for, so a short file of
    // garbage would otherwise look like a cut-off header: compare the magic line first.
    let n = bytes.len().min(AGE_MAGIC.len());
    if bytes.get(..n) != AGE_MAGIC.get(..n) {
        return Err(BundleError::NotAge);
    }
    // A bundle's header is a few hundred bytes. age would try every X25519 stanza of a
    // hostile multi-megabyte header, one key agreement each: refuse one without its end
    // ("--- " line) in the first MAX_HEADER bytes of a file longer than that.
    if bytes.len() > MAX_HEADER && !bytes[..MAX_HEADER].windows(5).any(|w| w == b"\n--- ") {
        return Err(BundleError::NotAge);
    }
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| match e {
        // Only the end of the input stops the header parser midway: the file was cut off
        // inside the header (or is just the start of the magic line).
        age::DecryptError::Io(_) => BundleError::Truncated,
        _ => BundleError::NotAge,
    })?;
    let reader = decryptor.decrypt(std::iter::once(&identity.inner as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => BundleError::WrongRecipient,
        // Our stanza opened but the header's MAC or the file key does not check out: the
        // header is complete (it parsed), so this is damage.
        age::DecryptError::InvalidMac
        | age::DecryptError::DecryptionFailed
        | age::DecryptError::KeyDecryptionFailed => BundleError::Damaged,
        age::DecryptError::Io(_) => BundleError::Truncated,
        _ => BundleError::NotAge,
    })?;
    // The plaintext is never longer than the ciphertext: with this capacity the buffer is
    // never reallocated, so no unwiped copy of it is left behind.
    let capacity = bytes.len().min(usize::try_from(MAX_ARCHIVE + 1).unwrap_or(usize::MAX));
    let mut plain = Zeroizing::new(Vec::with_capacity(capacity));
    reader.take(MAX_ARCHIVE + 1).read_to_end(&mut plain).map_err(|e| match e.kind() {
        // The stream ended after a whole chunk that was not the last one.
        std::io::ErrorKind::UnexpectedEof => BundleError::Truncated,
        // A chunk did not authenticate: cut inside a chunk, or damaged. seal() makes whole
        // chunks, so a file of whole chunks is complete and therefore damaged.
        _ if whole_chunks(bytes) => BundleError::Damaged,
        _ => BundleError::Truncated,
    })?;
    if plain.len() as u64 > MAX_ARCHIVE {
        return Err(BundleError::NotABundle);
    }
    Ok(plain)
}

/// Whether the age payload (after the header and the 16-byte nonce) is a whole, non-zero
/// number of encrypted chunks: the length of a complete bundle made by [`seal`].
fn whole_chunks(bytes: &[u8]) -> bool {
    // The header ends with the line "--- " + MAC; stanza lines never start with "---". Only
    // called after age has parsed the header, so it is there.
    let Some(mac) = bytes.windows(5).position(|w| w == b"\n--- ") else { return false };
    let Some(end) = bytes[mac + 1..].iter().position(|&b| b == b'\n') else { return false };
    let payload = bytes.len().saturating_sub(mac + 1 + end + 1 + 16);
    payload > 0 && payload.is_multiple_of(AGE_ENCRYPTED_CHUNK)
}

/// The two files from the decrypted tar archive, strictly: two regular files with the
/// expected names (an optional leading "./" is allowed), each within its size cap.
fn unpack(archive: &[u8]) -> Result<(Vec<u8>, Vec<u8>), BundleError> {
    use BundleError::NotABundle;
    let available = archive.len() as u64;
    let mut archive = tar::Archive::new(archive);
    let entries = archive.entries().map_err(|_| NotABundle)?;
    let (mut payload, mut signature) = (None, None);
    for (index, entry) in entries.enumerate() {
        if index >= 2 {
            return Err(NotABundle);
        }
        let mut entry = entry.map_err(|_| NotABundle)?;
        if !entry.header().entry_type().is_file() {
            return Err(NotABundle);
        }
        let is_payload = {
            let path = entry.path_bytes();
            let name = path.strip_prefix(b"./").unwrap_or(&path);
            if name == PAYLOAD_NAME.as_bytes() {
                true
            } else if name == SIGNATURE_NAME.as_bytes() {
                false
            } else {
                return Err(NotABundle);
            }
        };
        let (slot, limit) = if is_payload { (&mut payload, MAX_PAYLOAD) } else { (&mut signature, MAX_SIGNATURE) };
        let size = entry.size();
        if slot.is_some() || size > limit {
            return Err(NotABundle);
        }
        // Exact for a real file (so the payload is never reallocated, leaving no stray
        // copies); a hostile size is bounded by the archive in memory.
        let mut data = Vec::with_capacity(usize::try_from(size.min(available)).unwrap_or(0));
        entry.by_ref().take(limit + 1).read_to_end(&mut data).map_err(|_| NotABundle)?;
        // A file cut short by the end of the archive reads short without an error.
        if data.len() as u64 != size {
            return Err(NotABundle);
        }
        *slot = Some(data);
    }
    match (payload, signature) {
        (Some(payload), Some(signature)) => Ok((payload, signature)),
        _ => Err(NotABundle),
    }
}

/// Checks the signature and returns the index of the trusted key that made it.
fn verify(payload: &[u8], signature: &[u8], trusted: &[TeamKey]) -> Result<usize, BundleError> {
    let text = std::str::from_utf8(signature).map_err(|_| BundleError::BadSignature)?;
    if !well_formed_signature(text) {
        return Err(BundleError::BadSignature);
    }
    let signature = minisign::SignatureBox::from_string(text).map_err(|_| BundleError::BadSignature)?;
    let mut known = false;
    for (index, key) in trusted.iter().enumerate() {
        let Some(pk) = key.minisign_key() else { continue };
        if pk.keynum() != signature.keynum() {
            continue;
        }
        known = true;
        // quiet, no copy to stdout, no legacy (non-prehashed) signatures.
        if minisign::verify(&pk, &signature, Cursor::new(payload), true, false, false).is_ok() {
            return Ok(index);
        }
    }
    if known {
        Err(BundleError::BadSignature)
    } else {
        Err(BundleError::UnknownSigner { key_id: key_id(signature.keynum()) })
    }
}

/// The shape of a minisign signature file, checked before minisign reads it: minisign's
/// verifier indexes the global signature as 64 bytes without checking its length, so a
/// hostile signature file with a short one would make it panic. Lines: untrusted comment,
/// signature (74 bytes: alg, key id, Ed25519 signature), trusted comment, global signature
/// (64 bytes), each base64 in canonical form.
fn well_formed_signature(text: &str) -> bool {
    let mut lines = text.lines();
    let (Some(untrusted), Some(signature), Some(trusted), Some(global)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return false;
    };
    let decoded_len = |line: &str| BASE64.decode(line.trim()).map(|b| b.len()).ok();
    untrusted.starts_with("untrusted comment: ")
        && trusted.starts_with("trusted comment: ")
        && decoded_len(signature) == Some(74)
        && decoded_len(global) == Some(64)
}

/// "2026-03-21T10:04:05Z".
fn rfc3339_utc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed moment for what the bundle dates (2025-11-24).
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).unwrap()
    }
    use std::path::Path;
    use std::process::{Command, Output};

    struct Fixture {
        identity: SwvIdentity,
        key: SigningKey,
        team: TeamKey,
    }

    impl Fixture {
        fn trusted(&self) -> &[TeamKey] {
            std::slice::from_ref(&self.team)
        }
    }

    fn fixture() -> Fixture {
        let key = SigningKey::generate().unwrap();
        Fixture { identity: SwvIdentity::generate(now()), team: key.public(), key }
    }

    const PAYLOAD: &[u8] = br#"{"school":"De Regenboog","dossiers":3,"tandem":true}"#;

    /// age-encrypts any plaintext to `recipient`: bundles that seal(now()) would never make.
    fn encrypt(plain: &[u8], recipient: &str) -> Vec<u8> {
        let recipient: age::x25519::Recipient = recipient.parse().unwrap();
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut writer = encryptor.wrap_output(&mut out).unwrap();
        writer.write_all(plain).unwrap();
        writer.finish().unwrap();
        out
    }

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    /// The decrypted files of a bundle, in archive order.
    fn files_of(bundle: &[u8], identity: &SwvIdentity) -> Vec<(String, Vec<u8>)> {
        let plain = decrypt(bundle, identity).unwrap();
        let mut archive = tar::Archive::new(&plain[..]);
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                (name, data)
            })
            .collect()
    }

    fn signature_of(bundle: &[u8], identity: &SwvIdentity) -> Vec<u8> {
        files_of(bundle, identity).into_iter().find(|(name, _)| name == SIGNATURE_NAME).unwrap().1
    }

    /// Deterministic noise (xorshift64*).
    fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed >> 12;
                seed ^= seed << 25;
                seed ^= seed >> 27;
                (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
            })
            .collect()
    }

    /// Where age's payload starts: after the "--- MAC" line and the 16-byte nonce.
    fn payload_start(bundle: &[u8]) -> usize {
        let mac_line = bundle.windows(4).position(|w| w == b"\n---").unwrap() + 1;
        let end = mac_line + bundle[mac_line..].iter().position(|&b| b == b'\n').unwrap() + 1;
        end + 16
    }

    fn err(result: Result<(Vec<u8>, usize), BundleError>) -> BundleError {
        result.expect_err("expected an error")
    }

    #[test]
    fn round_trip() {
        let f = fixture();
        let bundle = seal(PAYLOAD, &f.key, &f.identity.recipient(), now()).unwrap();
        assert!(bundle.starts_with(AGE_MAGIC));
        let (payload, index) = open(&bundle, &f.identity, f.trusted()).unwrap();
        assert_eq!(payload, PAYLOAD);
        assert_eq!(index, 0);
        // Exactly the two files, payload first, the signature in minisign's format.
        let files = files_of(&bundle, &f.identity);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [PAYLOAD_NAME, SIGNATURE_NAME]);
        let signature = String::from_utf8(files[1].1.clone()).unwrap();
        let lines: Vec<&str> = signature.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("untrusted comment: signature from tandem team key "));
        assert!(lines[2].starts_with("trusted comment: timestamp:"));
        assert!(lines[2].ends_with("\tfile:payload.json\thashed"));
    }

    #[test]
    fn empty_payload_and_large_payload_round_trip() {
        let f = fixture();
        for payload in [Vec::new(), noise(300_000, 7)] {
            let bundle = seal(&payload, &f.key, &f.identity.recipient(), now()).unwrap();
            assert_eq!(open(&bundle, &f.identity, f.trusted()).unwrap().0, payload);
        }
    }

    #[test]
    fn signer_index_among_several_trusted_keys() {
        let f = fixture();
        let others: Vec<TeamKey> = (0..3).map(|_| SigningKey::generate().unwrap().public()).collect();
        let bundle = seal(PAYLOAD, &f.key, &f.identity.recipient(), now()).unwrap();
        for position in 0..=others.len() {
            let mut trusted = others.clone();
            trusted.insert(position, f.team.clone());
            assert_eq!(open(&bundle, &f.identity, &trusted).unwrap(), (PAYLOAD.to_vec(), position));
        }
        // An unparsable stored key in the list is skipped, not fatal.
        let trusted = [TeamKey { key: "kapot".into() }, f.team.clone()];
        assert_eq!(open(&bundle, &f.identity, &trusted).unwrap().1, 1);
    }

    #[test]
    fn empty_or_zero_filled_file_is_empty() {
        let f = fixture();
        // A sync tool may create the file before it fills it: zeros mean "not there yet".
        for bytes in [Vec::new(), vec![0u8; 1], vec![0u8; 4096]] {
            assert!(matches!(err(open(&bytes, &f.identity, f.trusted())), BundleError::Empty));
        }
    }

    #[test]
    fn garbage_is_not_age() {
        let f = fixture();
        let mut cases = vec![
            noise(1, 1),
            noise(10, 2),
            noise(5000, 3),
            b"abc".to_vec(),
            b"hello, this is a text file\n".to_vec(),
            PAYLOAD.to_vec(),
            b"age-encryption.org/v2\n-> X25519 abc\n--- abc\n".to_vec(),
            b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n".to_vec(),
            // The header parser rejects a stanza line that is not one.
            b"age-encryption.org/v1\nthis is not a stanza\n".to_vec(),
        ];
        // A tar archive as it is before encryption.
        cases.push(tar_of(&[(PAYLOAD_NAME, PAYLOAD)]));
        for bytes in cases {
            let e = err(open(&bytes, &f.identity, f.trusted()));
            assert!(matches!(e, BundleError::NotAge), "{:?} gave {e:?}", String::from_utf8_lossy(&bytes));
        }
    }

    /// A cut-off file is `Truncated` when what is left starts as an age file does (a prefix
    /// of the magic line, a header without its end, or a payload without its last chunk),
    /// because a sync still in progress looks exactly like that. It is `NotAge` only when
    /// the bytes that are there already are not age's.
    #[test]
    fn truncated_file_is_truncated() {
        let f = fixture();
        let bundle = seal(PAYLOAD, &f.key, &f.identity.recipient(), now()).unwrap();
        let start = payload_start(&bundle);
        let cuts = [
            3,                // "age": the start of the magic line
            AGE_MAGIC.len(),  // the magic line only
            40,               // inside the first stanza
            start - 16,       // the header without the nonce
            start,            // header and nonce, no payload
            start + 10,       // inside the only chunk
            bundle.len() / 2, //
            bundle.len() - 1, // one byte short
        ];
        for cut in cuts {
            let e = err(open(&bundle[..cut], &f.identity, f.trusted()));
            assert!(matches!(e, BundleError::Truncated), "cut at {cut} of {} gave {e:?}", bundle.len());
        }
    }

    #[test]
    fn truncated_at_a_chunk_boundary_is_truncated() {
        // age encrypts in 64 KiB chunks; cut exactly after a whole one, nothing fails to
        // decrypt, but the last chunk is missing.
        let f = fixture();
        let bundle = seal(&noise(200_000, 9), &f.key, &f.identity.recipient(), now()).unwrap();
        let cut = payload_start(&bundle) + 65_536 + 16;
        let e = err(open(&bundle[..cut], &f.identity, f.trusted()));
        assert!(matches!(e, BundleError::Truncated), "{e:?}");
    }

    #[test]
    fn damaged_file_is_damaged() {
        let f = fixture();
        let bundle = seal(&noise(100_000, 5), &f.key, &f.identity.recipient(), now()).unwrap();
        // A byte changed anywhere in the encrypted payload (two chunks here).
        for at in (payload_start(&bundle)..bundle.len()).step_by(4099).chain([bundle.len() - 1]) {
            let mut damaged = bundle.clone();
            damaged[at] ^= 0x01;
            let e = err(open(&damaged, &f.identity, f.trusted()));
            assert_eq!(e, BundleError::Damaged, "byte {at} of {}", bundle.len());
        }
        // A changed header MAC (still valid base64): our stanza opens, the MAC does not match.
        let mut damaged = bundle.clone();
        let mac = bundle.windows(5).position(|w| w == b"\n--- ").unwrap() + 5;
        damaged[mac] = if bundle[mac] == b'A' { b'B' } else { b'A' };
        assert_eq!(err(open(&damaged, &f.identity, f.trusted())), BundleError::Damaged);
    }

    /// A bundle always fills whole age chunks, so a cut anywhere in the payload is told
    /// from damage, wherever it falls.
    #[test]
    fn a_cut_is_never_taken_for_damage() {
        let f = fixture();
        let bundle = seal(&noise(100_000, 6), &f.key, &f.identity.recipient(), now()).unwrap();
        assert!(whole_chunks(&bundle));
        assert_eq!(bundle.len() - payload_start(&bundle), 2 * AGE_ENCRYPTED_CHUNK);
        for cut in (1..bundle.len()).step_by(541) {
            let e = err(open(&bundle[..cut], &f.identity, f.trusted()));
            assert_eq!(e, BundleError::Truncated, "cut at {cut} of {}", bundle.len());
        }
    }

    #[test]
    fn archive_is_padded_to_whole_chunks() {
        let f = fixture();
        for size in [0, 1, 65_000, 65_536, 200_000] {
            let bundle = seal(&noise(size, 8), &f.key, &f.identity.recipient(), now()).unwrap();
            let plain = decrypt(&bundle, &f.identity).unwrap();
            assert_eq!(plain.len() % AGE_CHUNK, 0, "payload of {size}");
            assert!(plain.len() < size + 2 * AGE_CHUNK);
            assert!(whole_chunks(&bundle));
            assert_eq!(files_of(&bundle, &f.identity).len(), 2);
        }
    }

    #[test]
    fn endless_header_is_not_age() {
        let f = fixture();
        let stanza =
            "-> X25519 Tt8xUPHoqELN0ZlRQ8kQxNZbTGxhaQ6M6QN8EyAz21k\nNjwbRGp5JhlA0Mbf+8sEOw4z7yYSb2FnvyRg5SsdwIk\n";
        let mut bytes = AGE_MAGIC.to_vec();
        while bytes.len() <= MAX_HEADER + 100 {
            bytes.extend_from_slice(stanza.as_bytes());
        }
        assert_eq!(err(open(&bytes, &f.identity, f.trusted())), BundleError::NotAge);
        // Shorter than the cap, the same file is a header still arriving.
        assert_eq!(err(open(&bytes[..MAX_HEADER - 10], &f.identity, f.trusted())), BundleError::Truncated);
    }

    #[test]
    fn other_recipient_is_wrong_recipient() {
        let f = fixture();
        let other = SwvIdentity::generate(now());
        let bundle = seal(PAYLOAD, &f.key, &other.recipient(), now()).unwrap();
        let e = err(open(&bundle, &f.identity, f.trusted()));
        assert!(matches!(e, BundleError::WrongRecipient), "{e:?}");
        assert!(open(&bundle, &other, f.trusted()).is_ok());
    }

    #[test]
    fn wrong_contents_are_not_a_bundle() {
        let f = fixture();
        let recipient = f.identity.recipient();
        let signature = signature_of(&seal(PAYLOAD, &f.key, &recipient, now()).unwrap(), &f.identity);
        let sig = signature.as_slice();
        let mut cut_tar = tar_of(&[(PAYLOAD_NAME, &noise(2000, 4)), (SIGNATURE_NAME, sig)]);
        cut_tar.truncate(1200); // inside the payload's data
        let mut directory = tar::Header::new_gnu();
        directory.set_entry_type(tar::EntryType::Directory);
        directory.set_size(0);
        let mut with_dir = tar::Builder::new(Vec::new());
        with_dir.append_data(&mut directory, "payload.json", std::io::empty()).unwrap();
        let mut header = tar::Header::new_gnu();
        header.set_size(sig.len() as u64);
        with_dir.append_data(&mut header, SIGNATURE_NAME, sig).unwrap();
        let with_dir = with_dir.into_inner().unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("not a tar", PAYLOAD.to_vec()),
            ("no files", tar_of(&[])),
            ("payload only", tar_of(&[(PAYLOAD_NAME, PAYLOAD)])),
            ("signature only", tar_of(&[(SIGNATURE_NAME, sig)])),
            ("three files", tar_of(&[(PAYLOAD_NAME, PAYLOAD), (SIGNATURE_NAME, sig), ("extra.txt", b"x")])),
            ("payload twice", tar_of(&[(PAYLOAD_NAME, PAYLOAD), (PAYLOAD_NAME, PAYLOAD)])),
            ("other names", tar_of(&[("data.json", PAYLOAD), (SIGNATURE_NAME, sig)])),
            ("in a folder", tar_of(&[("x/payload.json", PAYLOAD), ("x/payload.json.minisig", sig)])),
            ("a directory", with_dir),
            ("cut inside a file", cut_tar),
            ("signature too large", tar_of(&[(PAYLOAD_NAME, PAYLOAD), (SIGNATURE_NAME, &vec![b'a'; 70_000])])),
        ];
        for (what, plain) in cases {
            let e = err(open(&encrypt(&plain, &recipient), &f.identity, f.trusted()));
            assert!(matches!(e, BundleError::NotABundle), "{what}: {e:?}");
        }
        // Order and a leading "./" do not matter: the standard tools may write either.
        let swapped = tar_of(&[("./payload.json.minisig", sig), ("./payload.json", PAYLOAD)]);
        assert_eq!(open(&encrypt(&swapped, &recipient), &f.identity, f.trusted()).unwrap().0, PAYLOAD);
    }

    #[test]
    fn oversize_plaintext_is_not_a_bundle() {
        let f = fixture();
        let too_big = vec![0u8; usize::try_from(MAX_ARCHIVE).unwrap() + 1];
        let e = err(open(&encrypt(&too_big, &f.identity.recipient()), &f.identity, f.trusted()));
        assert!(matches!(e, BundleError::NotABundle), "{e:?}");
    }

    #[test]
    fn the_largest_bundle_fits_in_max_file() {
        let f = fixture();
        let largest =
            seal(&vec![b' '; usize::try_from(MAX_PAYLOAD).unwrap()], &f.key, &f.identity.recipient(), now()).unwrap();
        assert!(largest.len() as u64 <= MAX_FILE, "{} > {MAX_FILE}", largest.len());
        assert!(MAX_FILE < MAX_ARCHIVE + MAX_ARCHIVE / 1000 + 2 * AGE_ENCRYPTED_CHUNK as u64 + MAX_HEADER as u64);
    }

    #[test]
    fn oversize_payload_is_refused_by_seal() {
        let f = fixture();
        let too_big = vec![b' '; usize::try_from(MAX_PAYLOAD).unwrap() + 1];
        assert!(matches!(seal(&too_big, &f.key, &f.identity.recipient(), now()), Err(BundleError::TooLarge)));
    }

    #[test]
    fn other_team_is_unknown_signer() {
        let f = fixture();
        let bundle = seal(PAYLOAD, &f.key, &f.identity.recipient(), now()).unwrap();
        let others = [SigningKey::generate().unwrap().public(), SigningKey::generate().unwrap().public()];
        match err(open(&bundle, &f.identity, &others)) {
            BundleError::UnknownSigner { key_id } => assert_eq!(key_id, f.team.id()),
            e => panic!("{e:?}"),
        }
        assert!(matches!(err(open(&bundle, &f.identity, &[])), BundleError::UnknownSigner { .. }));
        let message = err(open(&bundle, &f.identity, &[])).to_string();
        assert!(message.contains(&f.team.id()), "{message}");
    }

    /// Re-seals a bundle's signature with another payload, as someone who changed the
    /// payload but cannot sign would.
    fn reseal(payload: &[u8], signature: &[u8], recipient: &str) -> Vec<u8> {
        encrypt(&tar_of(&[(PAYLOAD_NAME, payload), (SIGNATURE_NAME, signature)]), recipient)
    }

    #[test]
    fn tampered_payload_is_bad_signature() {
        let f = fixture();
        let recipient = f.identity.recipient();
        let signature = signature_of(&seal(PAYLOAD, &f.key, &recipient, now()).unwrap(), &f.identity);
        // The untouched pair, re-sealed, still opens: only the change is caught.
        assert!(open(&reseal(PAYLOAD, &signature, &recipient), &f.identity, f.trusted()).is_ok());
        let mut tampered = PAYLOAD.to_vec();
        tampered[12] ^= 0x01;
        let e = err(open(&reseal(&tampered, &signature, &recipient), &f.identity, f.trusted()));
        assert!(matches!(e, BundleError::BadSignature), "{e:?}");
    }

    #[test]
    fn broken_signature_file_is_bad_signature() {
        let f = fixture();
        let recipient = f.identity.recipient();
        let good =
            String::from_utf8(signature_of(&seal(PAYLOAD, &f.key, &recipient, now()).unwrap(), &f.identity)).unwrap();
        let lines: Vec<&str> = good.lines().collect();
        let with = |index: usize, line: &str| {
            let mut l = lines.clone();
            l[index] = line;
            l.join("\n") + "\n"
        };
        let short_global = BASE64.encode([7u8; 16]);
        let long_global = BASE64.encode([7u8; 80]);
        let cases = [
            ("changed trusted comment", with(2, "trusted comment: timestamp:0\tfile:payload.json\thashed")),
            // minisign itself would panic on this one (it indexes 64 bytes unchecked).
            ("short global signature", with(3, &short_global)),
            ("long global signature", with(3, &long_global)),
            ("no global signature", lines[..3].join("\n")),
            ("not base64", with(1, "!!!!")),
            ("no comment prefix", with(0, "hello")),
            ("not minisign at all", "just some text".to_string()),
        ];
        for (what, signature) in cases {
            let e = err(open(&reseal(PAYLOAD, signature.as_bytes(), &recipient), &f.identity, f.trusted()));
            assert!(matches!(e, BundleError::BadSignature), "{what}: {e:?}");
        }
        let e = err(open(&reseal(PAYLOAD, &[0xff, 0xfe, 0x00], &recipient), &f.identity, f.trusted()));
        assert!(matches!(e, BundleError::BadSignature), "not UTF-8: {e:?}");
        // Only the untrusted comment is free to change.
        let relabeled = with(0, "untrusted comment: anything");
        assert!(open(&reseal(PAYLOAD, relabeled.as_bytes(), &recipient), &f.identity, f.trusted()).is_ok());
    }

    #[test]
    fn team_key_parse_id_fingerprint_pub_file() {
        let team = SigningKey::generate().unwrap().public();
        assert!(team.key.starts_with("RW") && team.key.len() == 56, "{}", team.key);
        let id = team.id();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{id}");
        let pub_file = team.pub_file();
        assert_eq!(pub_file, format!("untrusted comment: minisign public key {id}\n{}\n", team.key));
        // The whole file, the bare line, with surrounding space and Windows line ends.
        for text in [pub_file.clone(), team.key.clone(), format!("  {}  \n", team.key), pub_file.replace('\n', "\r\n")]
        {
            assert_eq!(TeamKey::parse(&text).unwrap(), team);
        }
        let fingerprint = team.fingerprint();
        assert_eq!(fingerprint.len(), 19, "{fingerprint}");
        let groups: Vec<&str> = fingerprint.split(' ').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 4 && g.bytes().all(|c| c.is_ascii_hexdigit())));
        let digest = Sha256::digest(team.key.as_bytes());
        assert_eq!(fingerprint.replace(' ', ""), data_encoding::HEXUPPER.encode(&digest[..8]));
        assert_ne!(fingerprint, SigningKey::generate().unwrap().public().fingerprint());
        let json = serde_json::to_string(&team).unwrap();
        assert_eq!(serde_json::from_str::<TeamKey>(&json).unwrap(), team);
    }

    #[test]
    fn bad_team_keys_are_bad_key() {
        let team = SigningKey::generate().unwrap().public();
        let mut wrong_alg = BASE64.decode(&team.key).unwrap();
        wrong_alg[1] = b'D';
        let cases = [
            String::new(),
            "untrusted comment: minisign public key 0123\n".into(),
            "RWQ".into(),
            team.key[..55].to_string(),
            format!("{}A", team.key),
            format!("{}\n{}", team.key, team.key),
            BASE64.encode(wrong_alg),
            SwvIdentity::generate(now()).recipient(),
            "x".repeat(100_000),
        ];
        for text in cases {
            assert!(matches!(TeamKey::parse(&text), Err(BundleError::BadKey(KeyKind::TeamKey))), "{text:.80}");
        }
        // A stored key that is no key shows as such; nothing panics.
        let broken = TeamKey { key: "kapot".into() };
        assert_eq!(broken.id(), text::INVALID_KEY_ID);
        assert_eq!(broken.fingerprint(), text::INVALID_KEY_ID);
        assert!(broken.pub_file().contains("kapot"));
    }

    #[test]
    fn signing_key_bytes_round_trip_and_checks() {
        let key = SigningKey::generate().unwrap();
        let bytes = key.to_bytes();
        assert_eq!(bytes.len(), SECRET_KEY_LEN);
        let again = SigningKey::from_bytes(&bytes).unwrap();
        assert_eq!(again.public(), key.public());
        assert!(!format!("{key:?}").contains(&BASE64.encode(&bytes)));
        // Any changed byte is caught: by the layout check, the checksum or the self-test.
        for at in [0, 3, 5, 60, 70, 100, 130, 157] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert!(
                matches!(SigningKey::from_bytes(&damaged), Err(BundleError::BadKey(KeyKind::SigningKey))),
                "byte {at}"
            );
        }
        for bytes in [Vec::new(), vec![0u8; 10], vec![0u8; SECRET_KEY_LEN], bytes[..157].to_vec()] {
            assert!(matches!(SigningKey::from_bytes(&bytes), Err(BundleError::BadKey(KeyKind::SigningKey))));
        }
    }

    #[test]
    fn swv_identity_file_round_trip() {
        let identity = SwvIdentity::generate(now());
        let recipient = identity.recipient();
        assert!(recipient.starts_with("age1") && recipient.parse::<age::x25519::Recipient>().is_ok());
        let text = identity.to_file_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("# created: ") && lines[0].ends_with('Z'));
        assert_eq!(lines[1], format!("# public key: {recipient}"));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
        let parsed = SwvIdentity::parse(&text).unwrap();
        assert_eq!(parsed.recipient(), recipient);
        assert_eq!(parsed.to_file_text(), text);
        // Only the secret line is needed; without "# created" none is made up.
        let bare = SwvIdentity::parse(lines[2]).unwrap();
        assert_eq!(bare.recipient(), recipient);
        assert!(!bare.to_file_text().contains("created"));
        assert!(!format!("{identity:?}").contains("AGE-SECRET"));
    }

    #[test]
    fn bad_identities_are_bad_key() {
        let a = SwvIdentity::generate(now()).to_file_text();
        let b = SwvIdentity::generate(now()).to_file_text();
        let cases = [
            String::new(),
            "# created: 2026-01-01T00:00:00Z\n".to_string(),
            "AGE-SECRET-KEY-1QQQQ".to_string(),
            SwvIdentity::generate(now()).recipient(),
            format!("{a}{b}"),
            format!("{a}\nnot a key\n"),
            "x".repeat(100_000),
        ];
        for text in cases {
            assert!(matches!(SwvIdentity::parse(&text), Err(BundleError::BadKey(KeyKind::SwvIdentity))), "{text:.80}");
        }
    }

    #[test]
    fn bad_recipient_is_bad_key() {
        let f = fixture();
        for recipient in ["", "age1", "age1qqqq", "AGE-SECRET-KEY-1QQQQ", &f.team.key] {
            assert!(matches!(seal(PAYLOAD, &f.key, recipient, now()), Err(BundleError::BadKey(KeyKind::Recipient))));
        }
        assert!(seal(PAYLOAD, &f.key, &format!("  {}\n", f.identity.recipient()), now()).is_ok());
    }

    #[test]
    fn every_error_says_its_own_dutch_text() {
        let errors = [
            (BundleError::Empty, text::EMPTY.to_string()),
            (BundleError::NotAge, text::NOT_AGE.to_string()),
            (BundleError::Truncated, text::TRUNCATED.to_string()),
            (BundleError::Damaged, text::DAMAGED.to_string()),
            (BundleError::WrongRecipient, text::WRONG_RECIPIENT.to_string()),
            (BundleError::NotABundle, text::NOT_A_BUNDLE.to_string()),
            (
                BundleError::UnknownSigner { key_id: "0123456789ABCDEF".into() },
                text::unknown_signer("0123456789ABCDEF"),
            ),
            (BundleError::BadSignature, text::BAD_SIGNATURE.to_string()),
            (BundleError::BadKey(KeyKind::TeamKey), text::BAD_TEAM_KEY.to_string()),
            (BundleError::BadKey(KeyKind::SwvIdentity), text::BAD_IDENTITY.to_string()),
            (BundleError::BadKey(KeyKind::Recipient), text::BAD_RECIPIENT.to_string()),
            (BundleError::BadKey(KeyKind::SigningKey), text::BAD_SIGNING_KEY.to_string()),
            (BundleError::TooLarge, text::too_large(16)),
            (BundleError::Internal("x".into()), text::internal("x")),
        ];
        let mut seen = std::collections::HashSet::new();
        for (error, expected) in errors {
            let shown = error.to_string();
            assert_eq!(shown, expected);
            assert!(shown.ends_with('.') && shown.len() > 60, "{shown}");
            assert!(seen.insert(shown), "two errors share a text");
        }
        assert!(text::EMPTY.to_lowercase().contains("wacht tot de synchronisatie klaar is"));
    }

    #[test]
    fn dates() {
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();
        assert_eq!(rfc3339_utc(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(at(1_700_000_000)), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(at(4_107_542_399)), "2100-02-28T23:59:59Z");
    }

    // ---- The standard tools ----

    const INSTALL: &str = "install age and minisign (apt-get install age minisign)";

    fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program} ({e}): {INSTALL}"))
    }

    fn check(output: &Output, what: &str) {
        assert!(
            output.status.success(),
            "{what} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn require_tools(dir: &Path) {
        for (program, arg) in
            [("age", "--version"), ("age-keygen", "--version"), ("minisign", "-v"), ("tar", "--version")]
        {
            let found = Command::new(program).arg(arg).current_dir(dir).output().is_ok();
            assert!(found, "{program} not found: {INSTALL}");
        }
    }

    /// The promise to the SWV: `age -d -i swv-identity.txt bundle.age | tar x && minisign -V
    /// -p team.pub -m payload.json`, with nothing from tandem.
    #[test]
    fn standard_tools_open_and_verify_a_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        require_tools(d);
        let f = fixture();
        std::fs::write(d.join("swv-identity.txt"), f.identity.to_file_text()).unwrap();
        std::fs::write(d.join("bundle.age"), seal(PAYLOAD, &f.key, &f.identity.recipient(), now()).unwrap()).unwrap();
        std::fs::write(d.join("team.pub"), f.team.pub_file()).unwrap();

        // age-keygen reads our identity file and finds the same public key.
        let public = run(d, "age-keygen", &["-y", "swv-identity.txt"]);
        check(&public, "age-keygen -y");
        assert_eq!(String::from_utf8_lossy(&public.stdout).trim(), f.identity.recipient());

        check(&run(d, "age", &["-d", "-i", "swv-identity.txt", "-o", "out.tar", "bundle.age"]), "age -d");
        std::fs::create_dir(d.join("x")).unwrap();
        check(&run(d, "tar", &["-xf", "out.tar", "-C", "x"]), "tar -xf");
        let mut names: Vec<String> =
            std::fs::read_dir(d.join("x")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, [PAYLOAD_NAME, SIGNATURE_NAME]);
        assert_eq!(std::fs::read(d.join("x/payload.json")).unwrap(), PAYLOAD);

        let verified = run(d, "minisign", &["-V", "-p", "team.pub", "-m", "x/payload.json"]);
        check(&verified, "minisign -V");
        assert!(String::from_utf8_lossy(&verified.stdout).contains("file:payload.json"));

        let mut tampered = PAYLOAD.to_vec();
        tampered[12] ^= 0x01;
        std::fs::write(d.join("x/payload.json"), tampered).unwrap();
        let refused = run(d, "minisign", &["-V", "-p", "team.pub", "-m", "x/payload.json"]);
        assert!(!refused.status.success(), "minisign accepted a tampered payload");
    }

    /// And back: a bundle made with the standard tools alone (the team key as a minisign
    /// `.key` file, GNU tar, age) opens, so the format has nothing tandem-specific.
    #[test]
    fn a_bundle_made_with_standard_tools_opens() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        require_tools(d);
        let f = fixture();
        let key_file = format!("untrusted comment: tandem test key\n{}\n", BASE64.encode(f.key.to_bytes()));
        std::fs::write(d.join("team.key"), key_file).unwrap();
        std::fs::write(d.join("payload.json"), PAYLOAD).unwrap();
        check(&run(d, "minisign", &["-S", "-s", "team.key", "-m", "payload.json"]), "minisign -S");
        check(&run(d, "tar", &["-cf", "b.tar", "payload.json", "payload.json.minisig"]), "tar -cf");
        let recipient = f.identity.recipient();
        check(&run(d, "age", &["-e", "-r", &recipient, "-o", "bundle.age", "b.tar"]), "age -e");
        let bundle = std::fs::read(d.join("bundle.age")).unwrap();
        assert_eq!(open(&bundle, &f.identity, f.trusted()).unwrap(), (PAYLOAD.to_vec(), 0));
    }
}
