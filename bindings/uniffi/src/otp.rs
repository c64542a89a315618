//! Authenticator apps: TOTP (RFC 6238), HOTP (RFC 4226), otpauth:// URIs.
//!
//! A host stores an authenticator only sealed (encrypted with
//! [`SealingKeys`]): enrolment returns the sealed credential, and each
//! verification takes it and returns the one to store next.

use varco::otp::{HotpCredential, OtpSecret, OtpUri, TotpConfig, TotpCredential};

use crate::{SealingKeys, VarcoError, at};

/// What became of a code from an authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OtpOutcome {
    /// The code is right; `drift` is how many steps (or counters) from the
    /// expected one it matched.
    Accepted {
        /// Steps from the expected one (negative: the device is behind).
        drift: i64,
    },
    /// Wrong, malformed, or outside the window.
    Rejected,
    /// Right, but for a time step already used: a replay.
    Replayed,
}

impl From<varco::otp::OtpOutcome> for OtpOutcome {
    fn from(o: varco::otp::OtpOutcome) -> Self {
        match o {
            varco::otp::OtpOutcome::Accepted { drift } => OtpOutcome::Accepted { drift },
            varco::otp::OtpOutcome::Rejected => OtpOutcome::Rejected,
            varco::otp::OtpOutcome::Replayed => OtpOutcome::Replayed,
        }
    }
}

/// A new authenticator (TOTP or HOTP).
#[derive(Clone, uniffi::Record)]
pub struct Enrollment {
    /// The secret in base32, for manual entry.
    pub secret_base32: String,
    /// The otpauth:// URI, for the QR code.
    pub uri: String,
    /// The credential sealed for storage.
    pub sealed: String,
}

/// A verification's outcome and the credential to store (TOTP or HOTP).
#[derive(Debug, Clone, uniffi::Record)]
pub struct OtpStep {
    /// What became of the code.
    pub outcome: OtpOutcome,
    /// The sealed credential to store (a TOTP credential remembers the last
    /// step used; a HOTP one its counter).
    pub sealed: String,
}

/// What an otpauth:// URI holds.
#[derive(Clone, uniffi::Record)]
pub struct OtpUriInfo {
    /// `totp` or `hotp`.
    pub kind: String,
    /// The issuer, if given.
    pub issuer: Option<String>,
    /// The account name.
    pub account: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// Digits per code.
    pub digits: u8,
    /// The TOTP period in seconds (0 for HOTP).
    pub period: u64,
    /// The HOTP counter (0 for TOTP).
    pub counter: u64,
    /// The secret in base32.
    pub secret_base32: String,
}

/// The credential to store after a verification: re-sealed when it
/// changed (an accepted code moves it on) or its key is an old one.
fn next_sealed(
    outcome: varco::otp::OtpOutcome,
    sealed: String,
    keys: &SealingKeys,
    seal: impl FnOnce() -> Result<String, varco::Error>,
) -> Result<String, VarcoError> {
    let changed = matches!(outcome, varco::otp::OtpOutcome::Accepted { .. })
        || varco::seal::needs_reseal(&sealed, &keys.inner);
    Ok(if changed { seal()? } else { sealed })
}

/// What enrolment shows (the secret, the URI for the QR code) and stores.
fn enrolled(uri: &OtpUri, secret: &OtpSecret, sealed: String) -> Enrollment {
    Enrollment {
        secret_base32: secret.to_base32().to_string(),
        uri: uri.to_uri().to_string(),
        sealed,
    }
}

fn totp_config(algorithm: &str, digits: u8, period: u64) -> Result<TotpConfig, VarcoError> {
    Ok(TotpConfig::new(
        algorithm.parse()?,
        digits,
        period,
        0,
        1,
        1,
    )?)
}

/// The TOTP code for a base32 secret at a Unix time in seconds (`SHA1`,
/// `SHA256`, `SHA512`; 6-8 digits; period in seconds).
#[uniffi::export]
pub fn totp_code(
    secret_base32: String,
    unix_seconds: u64,
    algorithm: String,
    digits: u8,
    period: u64,
) -> Result<String, VarcoError> {
    let secret = OtpSecret::from_base32(&secret_base32)?;
    let cred = TotpCredential::new(secret, totp_config(&algorithm, digits, period)?);
    cred.code_at(varco::Timestamp::from_unix_seconds(unix_seconds))
        .map(|c| c.to_string())
        .ok_or_else(|| VarcoError::Invalid {
            code: "before_t0".into(),
            detail: "time is before T0".into(),
        })
}

/// A new TOTP authenticator with a 160-bit secret from the OS generator.
#[uniffi::export]
pub fn totp_enroll(
    keys: &SealingKeys,
    issuer: String,
    account: String,
    algorithm: String,
    digits: u8,
    period: u64,
) -> Result<Enrollment, VarcoError> {
    let cred = TotpCredential::new(
        OtpSecret::generate(&mut rand::rng()),
        totp_config(&algorithm, digits, period)?,
    );
    let uri = OtpUri::totp(&issuer, &account, &cred)?;
    Ok(enrolled(
        &uri,
        cred.secret(),
        cred.seal(&keys.inner, &mut rand::rng())?,
    ))
}

/// Verifies a code against a sealed TOTP credential at `now_ms` (a step
/// already used is refused as a replay).
#[uniffi::export]
pub fn totp_verify(
    keys: &SealingKeys,
    sealed: String,
    code: String,
    now_ms: u64,
) -> Result<OtpStep, VarcoError> {
    let cred = TotpCredential::open(&sealed, &keys.inner)?;
    let code = zeroize::Zeroizing::new(code);
    let (outcome, next) = cred.verify(&code, at(now_ms));
    Ok(OtpStep {
        outcome: outcome.into(),
        sealed: next_sealed(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?,
    })
}

/// The HOTP code for a base32 secret at a counter.
#[uniffi::export]
pub fn hotp_code(
    secret_base32: String,
    counter: u64,
    algorithm: String,
    digits: u8,
) -> Result<String, VarcoError> {
    let secret = OtpSecret::from_base32(&secret_base32)?;
    let cred = HotpCredential::new(secret, algorithm.parse()?, digits)?;
    Ok(cred.code_at(counter).to_string())
}

/// A new HOTP authenticator at counter 0.
#[uniffi::export]
pub fn hotp_enroll(
    keys: &SealingKeys,
    issuer: String,
    account: String,
    algorithm: String,
    digits: u8,
) -> Result<Enrollment, VarcoError> {
    let cred = HotpCredential::new(
        OtpSecret::generate(&mut rand::rng()),
        algorithm.parse()?,
        digits,
    )?;
    let uri = OtpUri::hotp(&issuer, &account, &cred)?;
    Ok(enrolled(
        &uri,
        cred.secret(),
        cred.seal(&keys.inner, &mut rand::rng())?,
    ))
}

/// Verifies a code against a sealed HOTP credential, looking `look_ahead`
/// counters ahead (at most 1000).
#[uniffi::export]
pub fn hotp_verify(
    keys: &SealingKeys,
    sealed: String,
    code: String,
    look_ahead: u32,
) -> Result<OtpStep, VarcoError> {
    let cred = HotpCredential::open(&sealed, &keys.inner)?;
    let code = zeroize::Zeroizing::new(code);
    let (outcome, next) = cred.verify(&code, look_ahead);
    Ok(OtpStep {
        outcome: outcome.into(),
        sealed: next_sealed(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?,
    })
}

/// Resynchronizes a HOTP credential from two consecutive codes the device
/// shows, searching up to `window` (at most 1000) counters ahead.
#[uniffi::export]
pub fn hotp_resync(
    keys: &SealingKeys,
    sealed: String,
    first: String,
    second: String,
    window: u32,
) -> Result<OtpStep, VarcoError> {
    let cred = HotpCredential::open(&sealed, &keys.inner)?;
    let (first, second) = (
        zeroize::Zeroizing::new(first),
        zeroize::Zeroizing::new(second),
    );
    let (outcome, next) = cred.resync(&first, &second, window);
    Ok(OtpStep {
        outcome: outcome.into(),
        sealed: next_sealed(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?,
    })
}

/// Parses an otpauth:// URI (as scanned from a QR code).
#[uniffi::export]
pub fn otpauth_parse(uri: String) -> Result<OtpUriInfo, VarcoError> {
    let parsed = OtpUri::parse(&uri)?;
    let (kind, secret, algorithm, digits, period, counter) = match parsed.kind() {
        varco::otp::OtpKind::Totp(c) => (
            "totp",
            c.secret(),
            c.config().algorithm(),
            c.config().digits(),
            c.config().period_secs(),
            0,
        ),
        varco::otp::OtpKind::Hotp(c) => (
            "hotp",
            c.secret(),
            c.algorithm(),
            c.digits(),
            0,
            c.counter(),
        ),
    };
    Ok(OtpUriInfo {
        kind: kind.into(),
        issuer: parsed.issuer().map(str::to_owned),
        account: parsed.account().to_owned(),
        algorithm: algorithm.name().to_owned(),
        digits,
        period,
        counter,
        secret_base32: secret.to_base32().to_string(),
    })
}
