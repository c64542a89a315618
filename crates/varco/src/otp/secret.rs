//! Shared secrets for authenticator apps: random, base32, redacted.

use data_encoding::BASE32_NOPAD;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::Error;

/// A HOTP/TOTP shared secret.
///
/// Generated secrets have 160 bits (RFC 4226 recommends 160, requires 128).
/// Imported ones may have 80 bits or more: authenticators provisioned with
/// Google's own 80-bit example exist, and refusing them would strand their
/// users; [`is_weak`](Self::is_weak) flags those under 128 bits so that the
/// host can ask for a new enrolment. The bytes are wiped on drop, compared
/// in constant time and never printed by `Debug`.
///
/// ```
/// use varco::otp::OtpSecret;
///
/// let s = OtpSecret::generate(&mut rand::rng());
/// assert_eq!(s.len(), 20);
/// assert_eq!(s.to_base32().len(), 32);
/// let again = OtpSecret::from_base32(&s.to_base32().to_lowercase()).unwrap();
/// assert_eq!(again, s);
/// assert_eq!(format!("{s:?}"), "OtpSecret(<redacted>)");
/// assert!(OtpSecret::from_base32("JBSWY3DP").is_err()); // 40 bits: too short
/// let imported = OtpSecret::from_base32("JBSWY3DPEHPK3PXP").unwrap(); // 80 bits
/// assert!(imported.is_weak() && !s.is_weak());
/// ```
#[derive(Clone)]
pub struct OtpSecret(Zeroizing<Vec<u8>>);

impl PartialEq for OtpSecret {
    /// In constant time for secrets of one length (only the length shows).
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.0.len() && bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for OtpSecret {}

impl std::fmt::Debug for OtpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpSecret(<redacted>)")
    }
}

impl OtpSecret {
    /// Bytes in a generated secret (160 bits).
    pub const GENERATED_LEN: usize = 20;
    /// Fewest bytes accepted (80 bits), for imported secrets.
    pub const MIN_LEN: usize = 10;
    /// Fewest bytes not flagged weak (128 bits, RFC 4226 §4 R6).
    pub const STRONG_LEN: usize = 16;
    /// Most bytes accepted (a SHA-512 block).
    pub const MAX_LEN: usize = 128;

    /// A new 160-bit secret from the caller's CSPRNG.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; Self::GENERATED_LEN]);
        rng.fill_bytes(&mut bytes);
        OtpSecret(bytes)
    }

    /// A secret from raw bytes.
    ///
    /// # Errors
    /// [`Error::InvalidSecret`] for fewer than 10 or more than 128 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            return Err(Error::InvalidSecret(format!(
                "{} bytes; a secret needs {}..={} bytes (80 bits at least)",
                bytes.len(),
                Self::MIN_LEN,
                Self::MAX_LEN
            )));
        }
        Ok(OtpSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// A secret from base32 (RFC 4648), as authenticator apps show it: any
    /// case, with or without `=` padding, spaces and hyphens ignored.
    ///
    /// # Errors
    /// [`Error::InvalidSecret`] for characters outside the alphabet, a length
    /// that is not valid base32, or too few or too many bytes.
    pub fn from_base32(text: &str) -> Result<Self, Error> {
        if text.len() > 4 * Self::MAX_LEN {
            return Err(Error::InvalidSecret("base32 text too long".into()));
        }
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '='))
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let bytes = Zeroizing::new(
            BASE32_NOPAD
                .decode(cleaned.as_bytes())
                .map_err(|e| Error::InvalidSecret(format!("not base32: {e}")))?,
        );
        Self::from_bytes(&bytes)
    }

    /// The secret in base32, upper case, without padding (what otpauth URIs
    /// and manual entry use). Wiped on drop.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE32_NOPAD.encode(&self.0))
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is under 128 bits (an imported one).
    pub fn is_weak(&self) -> bool {
        self.0.len() < Self::STRONG_LEN
    }

    /// Always false: a secret has at least 10 bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw bytes. Keep the borrow short, and never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

/// Serialized as base32 text. A stored authenticator secret cannot be hashed
/// (the server must compute codes from it): encrypt the serialized
/// credential at rest, as RFC 4226 §7.5 asks.
impl serde::Serialize for OtpSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base32())
    }
}

impl<'de> serde::Deserialize<'de> for OtpSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        OtpSecret::from_base32(&text).map_err(serde::de::Error::custom)
    }
}
