//! Sealing stored secrets: records that must keep a secret the server can
//! read again (an authenticator's shared secret) are encrypted at rest.
//!
//! A password or a code is stored as a hash, but a TOTP or HOTP server must
//! compute codes from the shared secret, so it cannot be hashed (RFC 4226
//! §7.5 asks that it be encrypted). [`seal`] serializes a record and encrypts
//! it with XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) under a host key
//! from [`SealingKeys`], with a random 192-bit nonce from the caller's CSPRNG.
//! The key id and a label naming the kind of record are authenticated with
//! it, so a sealed TOTP credential cannot be passed off as another record,
//! and a rotated key is recognised by its id.
//!
//! The sealed form is text: `varco-sealed-v1:<key id>:<base64url(nonce ‖ ciphertext)>`.
//!
//! ```
//! use varco::otp::{OtpSecret, TotpConfig, TotpCredential};
//! use varco::seal::SealingKeys;
//!
//! let keys = SealingKeys::new("2026-11", [7; 32]).unwrap();
//! let cred = TotpCredential::new(OtpSecret::generate(&mut rand::rng()), TotpConfig::default());
//! let sealed = cred.seal(&keys, &mut rand::rng()).unwrap();
//! assert!(sealed.starts_with("varco-sealed-v1:2026-11:"));
//! assert!(!sealed.contains(cred.secret().to_base32().as_str()));
//! assert_eq!(TotpCredential::open(&sealed, &keys).unwrap(), cred);
//! ```

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64URL_NOPAD;
use rand_core::CryptoRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::Error;

const PREFIX: &str = "varco-sealed-v1";
const NONCE_LEN: usize = 24;
/// The largest sealed text accepted by [`open`].
pub const MAX_SEALED_LEN: usize = 64 * 1024;

/// The host keys that seal records: the current one first, older ones kept
/// to open records sealed before a rotation.
///
/// ```
/// use varco::seal::SealingKeys;
/// let keys = SealingKeys::new("k2", [2; 32]).unwrap().with_old("k1", [1; 32]).unwrap();
/// assert_eq!(keys.current_id(), "k2");
/// assert!(!format!("{keys:?}").contains("2, 2"));
/// assert!(SealingKeys::new("bad:id", [0; 32]).is_err());
/// ```
#[derive(Clone)]
pub struct SealingKeys {
    keys: Vec<(String, Zeroizing<[u8; 32]>)>,
}

impl std::fmt::Debug for SealingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "SealingKeys {{ ids: {ids:?}, keys: <redacted> }}")
    }
}

impl SealingKeys {
    /// The current key: 32 random bytes, and an id of 1 to 32 ASCII letters,
    /// digits, `-` or `_`.
    ///
    /// # Errors
    /// [`Error::InvalidSealingKey`] for a bad id.
    pub fn new(id: &str, key: [u8; 32]) -> Result<Self, Error> {
        Self::check(id)?;
        Ok(SealingKeys {
            keys: vec![(id.to_owned(), Zeroizing::new(key))],
        })
    }

    /// Adds a retired key, to open older records.
    ///
    /// # Errors
    /// As [`SealingKeys::new`].
    pub fn with_old(mut self, id: &str, key: [u8; 32]) -> Result<Self, Error> {
        Self::check(id)?;
        self.keys.push((id.to_owned(), Zeroizing::new(key)));
        Ok(self)
    }

    /// The id new records are sealed with.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    fn check(id: &str) -> Result<(), Error> {
        let ok = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidSealingKey(
                "a sealing key id has 1 to 32 ASCII letters, digits, '-' or '_'".into(),
            ))
        }
    }
}

fn aad(key_id: &str, label: &str) -> Vec<u8> {
    [PREFIX, key_id, label].join("\0").into_bytes()
}

/// Seals `value` (serialized as JSON) under the current key. `label` names
/// the kind of record; [`open`] must be given the same one.
///
/// # Errors
/// [`Error::Seal`] if the value cannot be serialized or encrypted.
pub fn seal<T: Serialize, R: CryptoRng + ?Sized>(
    value: &T,
    label: &str,
    keys: &SealingKeys,
    rng: &mut R,
) -> Result<String, Error> {
    let plain = Zeroizing::new(serde_json::to_vec(value).map_err(|e| Error::Seal(e.to_string()))?);
    let (id, key) = (&keys.keys[0].0, &keys.keys[0].1);
    let cipher = XChaCha20Poly1305::new(&(**key).into());
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let aad = aad(id, label);
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Seal("encryption failed".into()))?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(format!("{PREFIX}:{id}:{}", BASE64URL_NOPAD.encode(&blob)))
}

/// Opens a sealed record.
///
/// # Errors
/// [`Error::Seal`] if the text is not a sealed record, names a key id not in
/// `keys`, was sealed with another label, or was altered; the JSON inside
/// must also deserialize to `T`.
pub fn open<T: DeserializeOwned>(
    sealed: &str,
    label: &str,
    keys: &SealingKeys,
) -> Result<T, Error> {
    let bad = |m: &str| Error::Seal(m.to_owned());
    if sealed.len() > MAX_SEALED_LEN {
        return Err(bad("sealed text too long"));
    }
    let mut parts = sealed.splitn(3, ':');
    let (Some(PREFIX), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not a varco-sealed-v1 record"));
    };
    let key = keys
        .keys
        .iter()
        .find(|(k, _)| k == id)
        .map(|(_, key)| key)
        .ok_or_else(|| Error::Seal(format!("no sealing key with id {id:?}")))?;
    let blob = BASE64URL_NOPAD
        .decode(body.as_bytes())
        .map_err(|_| bad("sealed body is not base64url"))?;
    if blob.len() < NONCE_LEN + 16 {
        return Err(bad("sealed body too short"));
    }
    let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| bad("bad nonce"))?;
    let cipher = XChaCha20Poly1305::new(&(**key).into());
    let aad = aad(id, label);
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| bad("cannot open: wrong key or label, or the record was altered"))?,
    );
    serde_json::from_slice(&plain).map_err(|e| Error::Seal(format!("sealed content: {e}")))
}

/// True when a sealed record was sealed with a key other than the current
/// one: open and seal it again to move it to the current key.
///
/// ```
/// use varco::seal::{needs_reseal, seal, SealingKeys};
/// let old = SealingKeys::new("k1", [1; 32]).unwrap();
/// let sealed = seal(&42u32, "n", &old, &mut rand::rng()).unwrap();
/// let rotated = SealingKeys::new("k2", [2; 32]).unwrap().with_old("k1", [1; 32]).unwrap();
/// assert!(needs_reseal(&sealed, &rotated));
/// assert_eq!(varco::seal::open::<u32>(&sealed, "n", &rotated).unwrap(), 42);
/// ```
pub fn needs_reseal(sealed: &str, keys: &SealingKeys) -> bool {
    sealed.split(':').nth(1) != Some(keys.current_id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tampering_wrong_label_and_wrong_key_fail() {
        let keys = SealingKeys::new("k1", [1; 32]).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let sealed = seal(&"secret value", "label-a", &keys, &mut rng).unwrap();
        assert_eq!(
            open::<String>(&sealed, "label-a", &keys).unwrap(),
            "secret value"
        );
        assert!(open::<String>(&sealed, "label-b", &keys).is_err());
        let other = SealingKeys::new("k1", [9; 32]).unwrap();
        assert!(open::<String>(&sealed, "label-a", &other).is_err());
        // Flip one character of the body.
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 3;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(open::<String>(&tampered, "label-a", &keys).is_err());
        // Claiming another key id fails too (the id is authenticated).
        let two = SealingKeys::new("k1", [1; 32])
            .unwrap()
            .with_old("k0", [1; 32])
            .unwrap();
        let renamed = sealed.replacen("k1", "k0", 1);
        assert!(open::<String>(&renamed, "label-a", &two).is_err());
        for junk in [
            "",
            "varco-sealed-v1",
            "varco-sealed-v1:k1:",
            "varco-sealed-v1:k1:!!",
            "x:k1:AAAA",
        ] {
            assert!(open::<String>(junk, "label-a", &keys).is_err(), "{junk}");
        }
    }

    #[test]
    fn fresh_nonce_every_time() {
        let keys = SealingKeys::new("k1", [1; 32]).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let a = seal(&1u8, "n", &keys, &mut rng).unwrap();
        let b = seal(&1u8, "n", &keys, &mut rng).unwrap();
        assert_ne!(a, b);
    }
}
