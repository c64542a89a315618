//! Sealing stored secrets: records that must keep a secret the server can
//! read again (an authenticator's shared secret) are encrypted at rest.
//!
//! A password or a code is stored as a hash, but a TOTP or HOTP server must
//! compute codes from the shared secret, so it cannot be hashed (RFC 4226
//! §7.5 asks that it be encrypted). [`seal`] serializes a value and encrypts
//! it with XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) under a host key
//! from [`SealingKeys`], with a random 192-bit nonce from the caller's CSPRNG.
//! Authenticated with it, each length-prefixed: the key id, a label naming
//! the kind of record, and what the caller binds it to.
//!
//! A sealed record ([`Sealed<T>`] inside a [`Stored`] envelope) is bound to
//! its kind, the host's key for the record and its revision: a credential
//! swapped in from another account, or an older sealed copy put back under
//! a newer envelope, does not open. Every step that changes it seals it
//! again, under the current key, so a key rotation completes as records
//! are used (or at once with [`Stored::reseal`]).
//!
//! The sealed form is text: `varco-sealed-v2:<key id>:<base64url(nonce ‖ ciphertext)>`.
//!
//! ```
//! use varco::otp::{OtpSecret, TotpConfig, TotpCredential};
//! use varco::seal::SealingKeys;
//! use varco::Timestamp;
//!
//! let keys = SealingKeys::new("2026-11", [7; 32]).unwrap();
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let cred = TotpCredential::new(OtpSecret::generate(&mut rand::rng()), TotpConfig::default());
//! let record = cred.store("account/42/totp", &keys, now, &mut rand::rng()).unwrap().record;
//! let json = record.to_json();
//! assert!(json.contains("varco-sealed-v2:2026-11:"));
//! assert!(!json.contains(cred.secret().to_base32().as_str()));
//! assert_eq!(record.open("account/42/totp", &keys).unwrap(), cred);
//! // Under another account's key it does not open.
//! assert_eq!(record.open("account/43/totp", &keys).unwrap_err().code(), "seal");
//! ```

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64URL_NOPAD;
use rand_core::CryptoRng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::keys::KeyRing;
use crate::record::{MAX_REVISION, Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

const PREFIX: &str = "varco-sealed-v2";
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
    ring: KeyRing,
}

impl std::fmt::Debug for SealingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.ring.ids().collect();
        write!(f, "SealingKeys {{ ids: {ids:?}, keys: <redacted> }}")
    }
}

impl SealingKeys {
    /// The length of a sealing key, in bytes.
    pub const KEY_LEN: usize = 32;

    /// The current key: 32 random bytes, and an id of 1 to 32 ASCII letters,
    /// digits, `-` or `_`.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] for a bad id, [`Error::InvalidSealingKey`] for
    /// a key that is not 32 bytes.
    pub fn new(id: &str, key: impl AsRef<[u8]>) -> Result<Self, Error> {
        Self::from_ring(KeyRing::new(id, key.as_ref())?)
    }

    /// Adds a retired key, to open older records.
    ///
    /// # Errors
    /// As [`SealingKeys::new`], and [`Error::InvalidKey`] for an id already
    /// held.
    pub fn with_old(self, id: &str, key: impl AsRef<[u8]>) -> Result<Self, Error> {
        Self::from_ring(self.ring.with_old(id, key.as_ref())?)
    }

    /// Keys from a [`KeyRing`]: its current key seals, all of them open.
    ///
    /// ```
    /// use varco::{keys::KeyRing, seal::SealingKeys};
    ///
    /// let ring = KeyRing::from_list([("k2", vec![2; 32]), ("k1", vec![1; 32])]).unwrap();
    /// assert_eq!(SealingKeys::from_ring(ring).unwrap().current_id(), "k2");
    /// let short = KeyRing::new("k1", vec![1; 31]).unwrap();
    /// assert_eq!(SealingKeys::from_ring(short).unwrap_err().code(), "invalid_sealing_key");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSealingKey`] for a key that is not 32 bytes.
    pub fn from_ring(ring: KeyRing) -> Result<Self, Error> {
        ring.require(
            |_, key| key.len() == Self::KEY_LEN,
            "a sealing key has 32 bytes",
            Error::InvalidSealingKey,
        )?;
        Ok(SealingKeys { ring })
    }

    /// The id new records are sealed with.
    pub fn current_id(&self) -> &str {
        self.ring.current_id()
    }

    fn cipher(key: &[u8]) -> Result<XChaCha20Poly1305, Error> {
        XChaCha20Poly1305::new_from_slice(key)
            .map_err(|_| Error::Internal("a sealing key is not 32 bytes".into()))
    }
}

/// The associated data: every part length-prefixed, so that no two
/// different contexts give the same bytes.
fn aad(key_id: &str, label: &str, binding: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [PREFIX, key_id, label].iter().chain(binding) {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Seals `value` (serialized as JSON) under the current key. `label` names
/// the kind of record and `binding` what it belongs to; [`open`] must be
/// given the same ones.
///
/// # Errors
/// [`Error::Seal`] if the value cannot be serialized or encrypted.
pub fn seal<T: Serialize, R: CryptoRng + ?Sized>(
    value: &T,
    label: &str,
    binding: &[&str],
    keys: &SealingKeys,
    rng: &mut R,
) -> Result<String, Error> {
    let plain = Zeroizing::new(serde_json::to_vec(value).map_err(|e| Error::Seal(e.to_string()))?);
    let (id, key) = keys.ring.current();
    let cipher = SealingKeys::cipher(key)?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let aad = aad(id, label, binding);
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
/// `keys`, was sealed with another label or binding, or was altered; the
/// JSON inside must also deserialize to `T`.
pub fn open<T: DeserializeOwned>(
    sealed: &str,
    label: &str,
    binding: &[&str],
    keys: &SealingKeys,
) -> Result<T, Error> {
    let bad = |m: &str| Error::Seal(m.to_owned());
    if sealed.len() > MAX_SEALED_LEN {
        return Err(bad("sealed text too long"));
    }
    let mut parts = sealed.splitn(3, ':');
    let (Some(PREFIX), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not a varco-sealed-v2 record"));
    };
    let key = keys
        .ring
        .get(id)
        .ok_or_else(|| Error::Seal(format!("no sealing key with id {id:?}")))?;
    let blob = BASE64URL_NOPAD
        .decode(body.as_bytes())
        .map_err(|_| bad("sealed body is not base64url"))?;
    if blob.len() < NONCE_LEN + 16 {
        return Err(bad("sealed body too short"));
    }
    let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| bad("bad nonce"))?;
    let cipher = SealingKeys::cipher(key)?;
    let aad = aad(id, label, binding);
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
/// let sealed = seal(&42u32, "n", &[], &old, &mut rand::rng()).unwrap();
/// let rotated = SealingKeys::new("k2", [2; 32]).unwrap().with_old("k1", [1; 32]).unwrap();
/// assert!(needs_reseal(&sealed, &rotated));
/// assert_eq!(varco::seal::open::<u32>(&sealed, "n", &[], &rotated).unwrap(), 42);
/// ```
pub fn needs_reseal(sealed: &str, keys: &SealingKeys) -> bool {
    sealed.split(':').nth(1) != Some(keys.current_id())
}

/// A value that a record keeps sealed ([`Sealed<T>`]).
pub trait SealedBody: Serialize + DeserializeOwned {
    /// The record's kind, which its seal is bound to.
    const KIND: &'static str;

    /// Checks an opened value against its own rules (settings in range).
    ///
    /// # Errors
    /// A specific error for a value that opens but breaks a rule.
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// A record body kept sealed: the sealed text of a `T`, bound to the
/// record's kind, its key and its revision (see the [module](self) docs).
/// It never holds the value in clear; [`Stored::open`] gives it back.
#[derive(serde::Deserialize, Serialize)]
#[serde(transparent)]
pub struct Sealed<T> {
    text: String,
    #[serde(skip)]
    of: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Sealed<T> {
    fn clone(&self) -> Self {
        Sealed {
            text: self.text.clone(),
            of: std::marker::PhantomData,
        }
    }
}

impl<T> PartialEq for Sealed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<T> Eq for Sealed<T> {}

impl<T> std::fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.text.len())
    }
}

impl<T: SealedBody> Record for Sealed<T> {
    const KIND: &'static str = T::KIND;
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = MAX_SEALED_LEN + 1024;

    fn validate(&self) -> Result<(), Error> {
        let prefix = self.text.split(':').next();
        if prefix != Some(PREFIX) || self.text.len() > MAX_SEALED_LEN {
            return Err(Error::Deserialize(format!(
                "{}: not a {PREFIX} sealed body",
                T::KIND
            )));
        }
        Ok(())
    }
}

impl<T: SealedBody> Sealed<T> {
    /// Seals `value` for the record `record_key` at `revision`.
    fn seal<R: CryptoRng + ?Sized>(
        value: &T,
        record_key: &str,
        revision: u64,
        keys: &SealingKeys,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let revision = revision.to_string();
        Ok(Sealed {
            text: seal(value, T::KIND, &[record_key, &revision], keys, rng)?,
            of: std::marker::PhantomData,
        })
    }

    /// Stores `value` as a new sealed record under `record_key` (the
    /// host's key for it, e.g. `account/42/totp`): the write is "must not
    /// exist".
    ///
    /// # Errors
    /// [`Error::Seal`] if sealing fails; [`Error::InvalidTime`] for a broken
    /// clock.
    pub fn create<R: CryptoRng + ?Sized>(
        value: &T,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Write<Sealed<T>>, Error> {
        value.validate()?;
        let new = Stored::new(Sealed {
            text: String::new(),
            of: std::marker::PhantomData,
        });
        let record = new.next(Self::seal(value, record_key, 1, keys, rng)?, now)?;
        Ok(Write::replacing(&new, record))
    }
}

impl<T: SealedBody> Stored<Sealed<T>> {
    /// Opens the record stored under `record_key`: it must have been sealed
    /// for that key, at this revision, with a key in `keys`.
    ///
    /// # Errors
    /// [`Error::Seal`] for a wrong key, another record's seal (another
    /// account, another revision), or tampering; the value's own error if it
    /// opens but breaks its rules.
    pub fn open(&self, record_key: &str, keys: &SealingKeys) -> Result<T, Error> {
        let revision = self.revision().to_string();
        let value: T = open(&self.body().text, T::KIND, &[record_key, &revision], keys)?;
        value.validate()?;
        Ok(value)
    }

    /// The write that replaces this record by `value`, sealed again under
    /// the current key for the next revision.
    pub(crate) fn sealed_write<R: CryptoRng + ?Sized>(
        &self,
        value: &T,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Write<Sealed<T>>, Error> {
        let revision = self
            .revision()
            .checked_add(1)
            .filter(|r| *r <= MAX_REVISION)
            .ok_or_else(|| Error::Deserialize("revision at its maximum".into()))?;
        let body = Sealed::seal(value, record_key, revision, keys, rng)?;
        Ok(Write::replacing(self, self.next(body, now)?))
    }

    /// Whether the record is sealed under a key other than the current one.
    pub fn needs_reseal(&self, keys: &SealingKeys) -> bool {
        needs_reseal(&self.body().text, keys)
    }

    /// Seals the record again under the current key, if it is under an old
    /// one (after a key rotation); nothing to write otherwise.
    ///
    /// # Errors
    /// As [`open`](Self::open); [`Error::InvalidTime`] for a broken clock.
    pub fn reseal<R: CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<(), Sealed<T>>, Error> {
        let writes = if self.needs_reseal(keys) {
            let value = self.open(record_key, keys)?;
            Some(self.sealed_write(&value, record_key, keys, now, rng)?)
        } else {
            None
        };
        Ok(Step {
            outcome: (),
            writes,
            effects: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tampering_wrong_label_and_wrong_key_fail() {
        let keys = SealingKeys::new("k1", [1; 32]).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let sealed = seal(&"secret value", "label-a", &["k"], &keys, &mut rng).unwrap();
        assert_eq!(
            open::<String>(&sealed, "label-a", &["k"], &keys).unwrap(),
            "secret value"
        );
        assert!(open::<String>(&sealed, "label-b", &["k"], &keys).is_err());
        // Bound to what it belongs to: another binding does not open it,
        // nor does moving bytes between label and binding.
        assert!(open::<String>(&sealed, "label-a", &["j"], &keys).is_err());
        assert!(open::<String>(&sealed, "label-a", &[], &keys).is_err());
        assert!(open::<String>(&sealed, "label-ak", &[], &keys).is_err());
        let other = SealingKeys::new("k1", [9; 32]).unwrap();
        assert!(open::<String>(&sealed, "label-a", &["k"], &other).is_err());
        // Flip one character of the body.
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 3;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(open::<String>(&tampered, "label-a", &["k"], &keys).is_err());
        // Claiming another key id fails too (the id is authenticated).
        let two = SealingKeys::new("k1", [1; 32])
            .unwrap()
            .with_old("k0", [1; 32])
            .unwrap();
        let renamed = sealed.replacen("k1", "k0", 1);
        assert!(open::<String>(&renamed, "label-a", &["k"], &two).is_err());
        for junk in [
            "",
            "varco-sealed-v2",
            "varco-sealed-v2:k1:",
            "varco-sealed-v2:k1:!!",
            "x:k1:AAAA",
        ] {
            assert!(
                open::<String>(junk, "label-a", &["k"], &keys).is_err(),
                "{junk}"
            );
        }
    }

    #[test]
    fn fresh_nonce_every_time() {
        let keys = SealingKeys::new("k1", [1; 32]).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let a = seal(&1u8, "n", &[], &keys, &mut rng).unwrap();
        let b = seal(&1u8, "n", &[], &keys, &mut rng).unwrap();
        assert_ne!(a, b);
    }
}
