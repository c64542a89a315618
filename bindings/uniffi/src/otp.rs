//! Authenticator apps: TOTP (RFC 6238), HOTP (RFC 4226), otpauth:// URIs.
//!
//! A host stores an authenticator only as a sealed record (encrypted with
//! [`SealingKeys`], bound to the host's key for the record and its
//! revision): enrolment returns the record to insert, and each verification
//! takes it and returns what to write.

use std::sync::Arc;

use varco::otp::{
    Algorithm, HotpCredential, OtpOutcome, OtpSecret, OtpUri, TotpConfig, TotpCredential,
};
use varco::record::Stored;
use varco::seal::Sealed;
use varco::step::RecordStep;
use zeroize::Zeroizing;

use crate::record::{Write, writes};
use crate::secret::{SecretText, secret};
use crate::{SealingKeys, VarcoError, at_ms};

/// An HMAC algorithm (the core's `varco::otp::Algorithm`).
#[uniffi::remote(Enum)]
pub enum Algorithm {
    /// HMAC-SHA-1 (what every authenticator app supports).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// What became of a code from an authenticator (the core's
/// `varco::otp::OtpOutcome`).
#[uniffi::remote(Enum)]
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

/// A new authenticator (TOTP or HOTP): what to show once, and the record to
/// insert. The URI and the secret are opaque secrets: no generated string
/// form prints them.
#[derive(Clone, uniffi::Record)]
pub struct Enrollment {
    /// The otpauth:// URI, for the QR code: `uri.reveal()`.
    pub uri: Arc<SecretText>,
    /// The secret in base32, for manual entry: `secret_base32.reveal()`.
    pub secret_base32: Arc<SecretText>,
    /// Whether the secret is under 128 bits (never for a new one).
    pub weak_secret: bool,
    /// The sealed record to insert (it must not exist yet).
    pub writes: Vec<Write>,
}

/// A verification's outcome and what to write (TOTP or HOTP).
#[derive(Debug, Clone, uniffi::Record)]
pub struct OtpStep {
    /// What became of the code.
    pub outcome: OtpOutcome,
    /// The sealed record to store, when it changed: an accepted code moves
    /// it on; a record under an old sealing key is sealed again.
    pub writes: Vec<Write>,
}

/// What an otpauth:// URI holds (an authenticator to import).
#[derive(Clone, uniffi::Record)]
pub struct OtpUriInfo {
    /// `totp` or `hotp`.
    pub kind: String,
    /// The issuer, if given.
    pub issuer: Option<String>,
    /// The account name.
    pub account: String,
    /// The HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per code.
    pub digits: u8,
    /// The TOTP period in seconds (0 for HOTP).
    pub period: u64,
    /// The HOTP counter (0 for TOTP).
    pub counter: u64,
    /// The secret in base32 (opaque: `reveal()`).
    pub secret_base32: Arc<SecretText>,
    /// Whether the secret is under 128 bits (importable from 80).
    pub weak_secret: bool,
}

fn enrolled<T>(s: RecordStep<varco::otp::Enrollment, Sealed<T>>) -> Enrollment
where
    T: varco::seal::SealedBody,
{
    Enrollment {
        writes: writes(&s.writes),
        uri: secret(Zeroizing::new(s.outcome.uri.expose().to_owned())),
        secret_base32: secret(Zeroizing::new(s.outcome.secret_base32.expose().to_owned())),
        weak_secret: s.outcome.weak_secret,
    }
}

fn otp_step<T: varco::seal::SealedBody>(s: RecordStep<OtpOutcome, Sealed<T>>) -> OtpStep {
    OtpStep {
        outcome: s.outcome,
        writes: writes(&s.writes),
    }
}

/// The core's TOTP configuration: its JSON, or the core's defaults.
fn totp_config(json: Option<String>) -> Result<TotpConfig, VarcoError> {
    Ok(json
        .as_deref()
        .map_or(Ok(TotpConfig::default()), TotpConfig::from_json)?)
}

/// The TOTP code for a base32 secret at `now_ms`. `config_json` is
/// optional: `{"algorithm":"SHA1","digits":6,"period_secs":30,
/// "t0_secs":0,"behind":1,"ahead":1}` are the defaults, each field
/// optional.
#[uniffi::export]
pub fn totp_code(
    secret_base32: String,
    now_ms: i64,
    config_json: Option<String>,
) -> Result<String, VarcoError> {
    let secret_base32 = Zeroizing::new(secret_base32);
    let secret = OtpSecret::from_base32(&secret_base32)?;
    let cred = TotpCredential::new(secret, totp_config(config_json)?);
    Ok(cred.code(at_ms(now_ms)?)?.to_string())
}

/// A new TOTP authenticator with a 160-bit secret from the OS generator,
/// stored under `record_key` (the host's key for the record).
/// `config_json` is optional, as for [`totp_code`]; the window and T0 it
/// sets are stored in the sealed record and used by [`totp_verify`].
#[uniffi::export]
pub fn totp_enroll(
    keys: &SealingKeys,
    record_key: String,
    issuer: String,
    account: String,
    config_json: Option<String>,
    now_ms: i64,
) -> Result<Enrollment, VarcoError> {
    Ok(enrolled(TotpCredential::enroll(
        &issuer,
        &account,
        totp_config(config_json)?,
        &record_key,
        &keys.inner,
        at_ms(now_ms)?,
        &mut rand::rng(),
    )?))
}

/// Verifies a code against the sealed TOTP record stored under
/// `record_key` (a step already used is refused as a replay).
#[uniffi::export]
pub fn totp_verify(
    keys: &SealingKeys,
    record_key: String,
    record: String,
    code: String,
    now_ms: i64,
) -> Result<OtpStep, VarcoError> {
    let code = Zeroizing::new(code);
    let stored = Stored::<Sealed<TotpCredential>>::from_json(&record)?;
    Ok(otp_step(stored.verify(
        &record_key,
        &keys.inner,
        &code,
        at_ms(now_ms)?,
        &mut rand::rng(),
    )?))
}

/// The HOTP code for a base32 secret at a counter.
#[uniffi::export]
pub fn hotp_code(
    secret_base32: String,
    counter: u64,
    algorithm: Algorithm,
    digits: u8,
) -> Result<String, VarcoError> {
    let secret_base32 = Zeroizing::new(secret_base32);
    let secret = OtpSecret::from_base32(&secret_base32)?;
    let cred = HotpCredential::new(secret, algorithm, digits)?;
    Ok(cred.code_at(counter).to_string())
}

/// A new HOTP authenticator at counter 0, stored under `record_key`.
#[uniffi::export]
pub fn hotp_enroll(
    keys: &SealingKeys,
    record_key: String,
    issuer: String,
    account: String,
    algorithm: Algorithm,
    digits: u8,
    now_ms: i64,
) -> Result<Enrollment, VarcoError> {
    Ok(enrolled(HotpCredential::enroll(
        &issuer,
        &account,
        algorithm,
        digits,
        &record_key,
        &keys.inner,
        at_ms(now_ms)?,
        &mut rand::rng(),
    )?))
}

/// Verifies a code against the sealed HOTP record stored under
/// `record_key`, looking `look_ahead` counters ahead (at most 1000).
#[uniffi::export]
pub fn hotp_verify(
    keys: &SealingKeys,
    record_key: String,
    record: String,
    code: String,
    look_ahead: u32,
    now_ms: i64,
) -> Result<OtpStep, VarcoError> {
    let code = Zeroizing::new(code);
    let stored = Stored::<Sealed<HotpCredential>>::from_json(&record)?;
    Ok(otp_step(stored.verify(
        &record_key,
        &keys.inner,
        &code,
        look_ahead,
        at_ms(now_ms)?,
        &mut rand::rng(),
    )?))
}

/// Resynchronizes the sealed HOTP record stored under `record_key` from two
/// consecutive codes the device shows, searching up to `window` counters
/// ahead.
#[uniffi::export]
pub fn hotp_resync(
    keys: &SealingKeys,
    record_key: String,
    record: String,
    first: String,
    second: String,
    window: u32,
    now_ms: i64,
) -> Result<OtpStep, VarcoError> {
    let (first, second) = (Zeroizing::new(first), Zeroizing::new(second));
    let stored = Stored::<Sealed<HotpCredential>>::from_json(&record)?;
    Ok(otp_step(stored.resync(
        &record_key,
        &keys.inner,
        &first,
        &second,
        window,
        at_ms(now_ms)?,
        &mut rand::rng(),
    )?))
}

/// Parses an otpauth:// URI (as scanned from a QR code). Secrets from 80
/// bits are accepted; `weak_secret` flags those under 128.
#[uniffi::export]
pub fn otpauth_parse(uri: String) -> Result<OtpUriInfo, VarcoError> {
    let uri = Zeroizing::new(uri);
    let info = varco::otp::OtpUriInfo::of(&OtpUri::parse(&uri)?);
    Ok(OtpUriInfo {
        kind: info.kind.to_owned(),
        issuer: info.issuer.clone(),
        account: info.account.clone(),
        algorithm: info.algorithm,
        digits: info.digits,
        period: info.period_secs,
        counter: info.counter,
        secret_base32: secret(Zeroizing::new(info.secret_base32.expose().to_owned())),
        weak_secret: info.weak_secret,
    })
}
