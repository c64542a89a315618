//! What enrolling an authenticator shows the user: secrets, kept as such.

use serde::ser::SerializeStruct;

use super::{Algorithm, OtpKind, OtpSecret, OtpUri};
use crate::SecretString;

/// What enrolling an authenticator gives the user to scan or type: the
/// otpauth:// URI for the QR code and the secret for manual entry. Both are
/// secrets: wiped on drop, redacted from `Debug`, shown once and never
/// stored (the credential is stored sealed, in the step's write).
///
/// ```
/// use varco::otp::{TotpConfig, TotpCredential};
/// use varco::seal::SealingKeys;
/// use varco::Timestamp;
///
/// let keys = SealingKeys::new("k1", [7; 32]).unwrap();
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let step = TotpCredential::enroll("Esempio", "mario", TotpConfig::default(),
///     "mario/totp", &keys, now, &mut rand::rng()).unwrap();
/// assert!(step.outcome.uri.expose().starts_with("otpauth://totp/Esempio:mario?secret="));
/// assert!(!format!("{:?}", step.outcome).contains(step.outcome.secret_base32.expose()));
/// assert!(!step.outcome.weak_secret); // 160 bits
/// ```
pub struct Enrollment {
    /// The otpauth:// URI, for the QR code.
    pub uri: SecretString,
    /// The secret in base32, for manual entry.
    pub secret_base32: SecretString,
    /// Whether the secret is under the 128 bits RFC 4226 asks for (an
    /// imported one; varco makes 160).
    pub weak_secret: bool,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("uri", &self.uri)
            .field("secret_base32", &self.secret_base32)
            .field("weak_secret", &self.weak_secret)
            .finish()
    }
}

impl Enrollment {
    pub(crate) fn of(uri: &OtpUri, secret: &OtpSecret) -> Self {
        Enrollment {
            uri: SecretString::new(uri.to_uri().to_string()),
            secret_base32: SecretString::new(secret.to_base32().to_string()),
            weak_secret: secret.is_weak(),
        }
    }
}

/// Serialized with the secrets in clear, for a binding that hands them to
/// the user's screen (C reads it as the step's outcome, wiped on free):
/// never log it.
impl serde::Serialize for Enrollment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Enrollment", 3)?;
        st.serialize_field("uri", self.uri.expose())?;
        st.serialize_field("secret_base32", self.secret_base32.expose())?;
        st.serialize_field("weak_secret", &self.weak_secret)?;
        st.end()
    }
}

/// What an otpauth:// URI holds (an authenticator to import), its secret
/// kept as one.
///
/// ```
/// use varco::otp::{OtpUri, OtpUriInfo};
/// let uri = OtpUri::parse("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example").unwrap();
/// let info = OtpUriInfo::of(&uri);
/// assert_eq!((info.kind, info.digits, info.period_secs), ("totp", 6, 30));
/// assert!(info.weak_secret); // 80 bits: importable, flagged
/// ```
pub struct OtpUriInfo {
    /// `totp` or `hotp`.
    pub kind: &'static str,
    /// The issuer, if given.
    pub issuer: Option<String>,
    /// The account name.
    pub account: String,
    /// The HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per code.
    pub digits: u8,
    /// The TOTP period in seconds (0 for HOTP).
    pub period_secs: u64,
    /// The HOTP counter (0 for TOTP).
    pub counter: u64,
    /// The secret in base32.
    pub secret_base32: SecretString,
    /// Whether the secret is under 128 bits.
    pub weak_secret: bool,
}

impl OtpUriInfo {
    /// The fields of a parsed URI.
    pub fn of(uri: &OtpUri) -> Self {
        let (kind, secret, algorithm, digits, period_secs, counter) = match uri.kind() {
            OtpKind::Totp(c) => (
                "totp",
                c.secret(),
                c.config().algorithm(),
                c.config().digits(),
                c.config().period_secs(),
                0,
            ),
            OtpKind::Hotp(c) => (
                "hotp",
                c.secret(),
                c.algorithm(),
                c.digits(),
                0,
                c.counter(),
            ),
        };
        OtpUriInfo {
            kind,
            issuer: uri.issuer().map(str::to_owned),
            account: uri.account().to_owned(),
            algorithm,
            digits,
            period_secs,
            counter,
            secret_base32: SecretString::new(secret.to_base32().to_string()),
            weak_secret: secret.is_weak(),
        }
    }
}

impl std::fmt::Debug for OtpUriInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpUriInfo")
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("secret_base32", &self.secret_base32)
            .finish_non_exhaustive()
    }
}

/// Serialized with the secret in clear (see [`Enrollment`]'s note).
impl serde::Serialize for OtpUriInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("OtpUriInfo", 9)?;
        st.serialize_field("kind", self.kind)?;
        st.serialize_field("issuer", &self.issuer)?;
        st.serialize_field("account", &self.account)?;
        st.serialize_field("algorithm", self.algorithm.name())?;
        st.serialize_field("digits", &self.digits)?;
        st.serialize_field("period", &self.period_secs)?;
        st.serialize_field("counter", &self.counter)?;
        st.serialize_field("secret_base32", self.secret_base32.expose())?;
        st.serialize_field("weak_secret", &self.weak_secret)?;
        st.end()
    }
}
