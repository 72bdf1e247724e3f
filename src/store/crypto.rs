//! The cryptography of the store, all from RustCrypto: XChaCha20-Poly1305 for values
//! and key wrapping, Argon2id to turn a passphrase into a key-encryption key. Nothing
//! here is hand-made beyond gluing those together.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// A passphrase shorter than this is refused: it guards health data of children.
pub const MIN_PASSPHRASE: usize = 12;
/// How long deriving the key from a passphrase should take on this machine.
pub const KDF_TARGET: Duration = Duration::from_millis(500);
pub const KEY_LEN: usize = 32;
pub(super) const NONCE_LEN: usize = 24;
const SALT_LEN: usize = 16;

/// A 256-bit key that is wiped from memory when dropped.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    pub fn random() -> Result<SecretKey, CryptoError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(k.as_mut()).map_err(|_| CryptoError::Random)?;
        Ok(SecretKey(k))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<SecretKey> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        (bytes.len() == KEY_LEN).then(|| {
            k.copy_from_slice(bytes);
            SecretKey(k)
        })
    }

    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Encrypts `plain`, bound to `aad`: `[nonce][ciphertext + tag]`.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.0.as_ref()));
        let sealed =
            cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad }).map_err(|_| CryptoError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts and verifies what `seal` made with the same key and `aad`. Fails on any
    /// change of key, aad, nonce or ciphertext.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.0.as_ref()));
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Open)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("no random numbers from the OS")]
    Random,
    #[error("encryption failed")]
    Seal,
    #[error("decryption failed: wrong key, or the data was changed")]
    Open,
    #[error("invalid key-derivation parameters")]
    Params,
}

/// Argon2id parameters, stored beside the wrapped key so a store opens with the
/// parameters it was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
}

impl KdfParams {
    /// Memory cost used for real stores: 32 MiB, so the app stays small; the number of
    /// passes makes up the time.
    const M_KIB: u32 = 32 * 1024;

    fn with(m_kib: u32, t: u32) -> Result<KdfParams, CryptoError> {
        let mut salt = vec![0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| CryptoError::Random)?;
        Ok(KdfParams { m_kib, t, p: 1, salt })
    }

    /// Picks the number of passes so that deriving takes about `target` on this machine.
    /// One pass and two passes are timed: their difference is the cost of a pass, the rest
    /// the fixed cost of allocating the memory.
    pub fn calibrate(target: Duration) -> Result<KdfParams, CryptoError> {
        let time = |t: u32| -> Result<f64, CryptoError> {
            let probe = KdfParams::with(Self::M_KIB, t)?;
            let start = Instant::now();
            probe.derive(b"calibration")?;
            Ok(start.elapsed().as_secs_f64())
        };
        let (one, two) = (time(1)?, time(2)?);
        let per_pass = (two - one).max(0.001);
        let fixed = (one - per_pass).max(0.0);
        let t = ((target.as_secs_f64() - fixed) / per_pass).round().clamp(1.0, 64.0) as u32;
        KdfParams::with(Self::M_KIB, t)
    }

    /// Cheap parameters for the demo and tests, where the passphrase is not a secret.
    pub fn cheap() -> Result<KdfParams, CryptoError> {
        KdfParams::with(256, 1)
    }

    pub fn derive(&self, passphrase: &[u8]) -> Result<SecretKey, CryptoError> {
        let params = Params::new(self.m_kib, self.t, self.p, Some(KEY_LEN)).map_err(|_| CryptoError::Params)?;
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, &self.salt, out.as_mut())
            .map_err(|_| CryptoError::Params)?;
        Ok(SecretKey(out))
    }
}

/// A recovery key: 32 random bytes shown once as Crockford-free base32 in groups, so a
/// forgotten passphrase does not lose the store.
pub struct RecoveryKey(SecretKey);

impl RecoveryKey {
    pub fn random() -> Result<RecoveryKey, CryptoError> {
        SecretKey::random().map(RecoveryKey)
    }

    pub fn key(&self) -> &SecretKey {
        &self.0
    }

    /// "ABCD-EFGH-..." (13 groups of 4).
    pub fn display(&self) -> String {
        let mut text = data_encoding::BASE32_NOPAD.encode(self.0.bytes());
        let grouped = text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>();
        text.zeroize();
        grouped.join("-")
    }

    /// Accepts what `display` showed, ignoring case, spaces and dashes.
    pub fn parse(text: &str) -> Option<RecoveryKey> {
        let clean: String =
            text.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
        let bytes = Zeroizing::new(data_encoding::BASE32_NOPAD.decode(clean.as_bytes()).ok()?);
        SecretKey::from_bytes(&bytes).map(RecoveryKey)
    }
}

pub mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_are_bound_to_key_and_aad() {
        let key = SecretKey::random().unwrap();
        let sealed = key.seal(b"cases/1", b"geheim").unwrap();
        assert_eq!(key.open(b"cases/1", &sealed).unwrap().as_slice(), b"geheim");
        assert_eq!(key.open(b"cases/2", &sealed).err(), Some(CryptoError::Open));
        assert_eq!(SecretKey::random().unwrap().open(b"cases/1", &sealed).err(), Some(CryptoError::Open));
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert_eq!(key.open(b"cases/1", &flipped).err(), Some(CryptoError::Open));
        assert_eq!(key.open(b"cases/1", &sealed[..10]).err(), Some(CryptoError::Open));
        assert!(!sealed.windows(6).any(|w| w == b"geheim"));
    }

    #[test]
    fn passphrases_derive_stable_distinct_keys() {
        let params = KdfParams::cheap().unwrap();
        let a = params.derive(b"correct horse").unwrap();
        assert_eq!(a.bytes(), params.derive(b"correct horse").unwrap().bytes());
        assert_ne!(a.bytes(), params.derive(b"correct horsf").unwrap().bytes());
        let other_salt = KdfParams::cheap().unwrap();
        assert_ne!(a.bytes(), other_salt.derive(b"correct horse").unwrap().bytes());
    }

    #[test]
    fn recovery_keys_round_trip_through_their_display() {
        let r = RecoveryKey::random().unwrap();
        let shown = r.display();
        assert_eq!(shown.split('-').count(), 13);
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(RecoveryKey::parse(&typed).unwrap().key().bytes(), r.key().bytes());
        assert!(RecoveryKey::parse("ABCD-EFGH").is_none());
    }
}
