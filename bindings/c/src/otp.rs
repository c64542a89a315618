//! Authenticator apps: TOTP, HOTP, otpauth:// URIs. Credentials are stored
//! sealed: enrolment and verification return the sealed credential as the
//! step's state.

use serde_json::json;
use varco::otp::{
    HotpCredential, OtpKind, OtpOutcome, OtpSecret, OtpUri, TotpConfig, TotpCredential,
};
use zeroize::Zeroizing;

use crate::ffi::{OrFail, at, guard, handle, parse, refuse, text, write_out};
use crate::keys::varco_sealing_keys;
use crate::result::varco_result;
use crate::step::{give_step, json as to_json, varco_step};

fn totp_config(algorithm: &str, digits: u8, period: u64) -> Result<TotpConfig, varco_result> {
    TotpConfig::new(parse(algorithm)?, digits, period, 0, 1, 1).or_fail()
}

/// The TOTP code of a base32 secret at a Unix time in seconds (`SHA1`,
/// `SHA256` or `SHA512`; 6 to 8 digits; a period in seconds), into `buf`.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_code(
    secret_base32: *const u8,
    secret_len: usize,
    unix_seconds: u64,
    algorithm: *const u8,
    algorithm_len: usize,
    digits: u8,
    period: u64,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let secret =
            OtpSecret::from_base32(unsafe { text(secret_base32, secret_len, "secret_base32") }?)
                .or_fail()?;
        let config = totp_config(
            unsafe { text(algorithm, algorithm_len, "algorithm") }?,
            digits,
            period,
        )?;
        let code = TotpCredential::new(secret, config)
            .code_at(varco::Timestamp::from_unix_seconds(unix_seconds))
            .ok_or_else(|| {
                refuse(
                    varco_result::VARCO_INVALID_INPUT,
                    "invalid_input: time before T0",
                )
            })?;
        unsafe { write_out(code.as_bytes(), buf, cap, written) }
    })
}

/// The HOTP code of a base32 secret at a counter, into `buf`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_code(
    secret_base32: *const u8,
    secret_len: usize,
    counter: u64,
    algorithm: *const u8,
    algorithm_len: usize,
    digits: u8,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let secret =
            OtpSecret::from_base32(unsafe { text(secret_base32, secret_len, "secret_base32") }?)
                .or_fail()?;
        let algorithm = parse(unsafe { text(algorithm, algorithm_len, "algorithm") }?)?;
        let code = HotpCredential::new(secret, algorithm, digits)
            .or_fail()?
            .code_at(counter);
        unsafe { write_out(code.as_bytes(), buf, cap, written) }
    })
}

fn enrolled(uri: &OtpUri, secret: &OtpSecret, sealed: String) -> varco_step {
    let outcome = json!({
        "outcome": "enrolled",
        "secret_base32": secret.to_base32().as_str(),
        "uri": uri.to_uri().as_str(),
    });
    varco_step::new(outcome.to_string(), Some(sealed))
}

/// A new TOTP authenticator with a 160-bit secret from the OS generator.
/// The step's outcome is `{"outcome":"enrolled","secret_base32":…,"uri":…}`
/// (show the URI as a QR code, once) and its state the sealed credential to
/// store. The caller frees `*out` with `varco_step_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_enroll(
    keys: *const varco_sealing_keys,
    issuer: *const u8,
    issuer_len: usize,
    account: *const u8,
    account_len: usize,
    algorithm: *const u8,
    algorithm_len: usize,
    digits: u8,
    period: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        let account = unsafe { text(account, account_len, "account") }?;
        let config = totp_config(
            unsafe { text(algorithm, algorithm_len, "algorithm") }?,
            digits,
            period,
        )?;
        let cred = TotpCredential::new(OtpSecret::generate(&mut rand::rng()), config);
        let uri = OtpUri::totp(issuer, account, &cred).or_fail()?;
        let sealed = cred.seal(&keys.inner, &mut rand::rng()).or_fail()?;
        unsafe { give_step(out, enrolled(&uri, cred.secret(), sealed)) }
    })
}

/// A new HOTP authenticator at counter 0; as [`varco_totp_enroll`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_enroll(
    keys: *const varco_sealing_keys,
    issuer: *const u8,
    issuer_len: usize,
    account: *const u8,
    account_len: usize,
    algorithm: *const u8,
    algorithm_len: usize,
    digits: u8,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        let account = unsafe { text(account, account_len, "account") }?;
        let algorithm = parse(unsafe { text(algorithm, algorithm_len, "algorithm") }?)?;
        let cred = HotpCredential::new(OtpSecret::generate(&mut rand::rng()), algorithm, digits)
            .or_fail()?;
        let uri = OtpUri::hotp(issuer, account, &cred).or_fail()?;
        let sealed = cred.seal(&keys.inner, &mut rand::rng()).or_fail()?;
        unsafe { give_step(out, enrolled(&uri, cred.secret(), sealed)) }
    })
}

/// Re-seals a credential when it changed or its key is old.
fn reseal(
    outcome: OtpOutcome,
    sealed: &str,
    keys: &varco_sealing_keys,
    seal: impl FnOnce() -> Result<String, varco::Error>,
) -> Result<varco_step, varco_result> {
    let changed = matches!(outcome, OtpOutcome::Accepted { .. })
        || varco::seal::needs_reseal(sealed, &keys.inner);
    let state = if changed {
        seal().or_fail()?
    } else {
        sealed.to_owned()
    };
    Ok(varco_step::new(to_json(&outcome), Some(state)))
}

/// Verifies a code against a sealed TOTP credential at `now_ms`. The
/// outcome is `{"outcome":"accepted","drift":0}`, `{"outcome":"rejected"}`
/// or `{"outcome":"replayed"}`; the state is the sealed credential to store.
/// A wrong key or a tampered record is `VARCO_SEAL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_verify(
    keys: *const varco_sealing_keys,
    sealed: *const u8,
    sealed_len: usize,
    code: *const u8,
    code_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let sealed = unsafe { text(sealed, sealed_len, "sealed") }?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let cred = TotpCredential::open(sealed, &keys.inner).or_fail()?;
        let (outcome, next) = cred.verify(&code, at(now_ms));
        let step = reseal(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?;
        unsafe { give_step(out, step) }
    })
}

/// Verifies a code against a sealed HOTP credential, looking up to
/// `look_ahead` (at most 1000) counters ahead; as [`varco_totp_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_verify(
    keys: *const varco_sealing_keys,
    sealed: *const u8,
    sealed_len: usize,
    code: *const u8,
    code_len: usize,
    look_ahead: u32,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let sealed = unsafe { text(sealed, sealed_len, "sealed") }?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let cred = HotpCredential::open(sealed, &keys.inner).or_fail()?;
        let (outcome, next) = cred.verify(&code, look_ahead);
        let step = reseal(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?;
        unsafe { give_step(out, step) }
    })
}

/// Resynchronizes a sealed HOTP credential from two consecutive codes the
/// device shows, searching up to `window` (at most 1000) counters ahead;
/// outcome and state as in [`varco_totp_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_resync(
    keys: *const varco_sealing_keys,
    sealed: *const u8,
    sealed_len: usize,
    first: *const u8,
    first_len: usize,
    second: *const u8,
    second_len: usize,
    window: u32,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let sealed = unsafe { text(sealed, sealed_len, "sealed") }?;
        let first = Zeroizing::new(unsafe { text(first, first_len, "first") }?.to_owned());
        let second = Zeroizing::new(unsafe { text(second, second_len, "second") }?.to_owned());
        let cred = HotpCredential::open(sealed, &keys.inner).or_fail()?;
        let (outcome, next) = cred.resync(&first, &second, window);
        let step = reseal(outcome, sealed, keys, || {
            next.seal(&keys.inner, &mut rand::rng())
        })?;
        unsafe { give_step(out, step) }
    })
}

/// Parses an otpauth:// URI into JSON in `buf`: `kind`, `issuer`,
/// `account`, `algorithm`, `digits`, `period` (TOTP), `counter` (HOTP),
/// `secret_base32`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_otpauth_parse(
    uri: *const u8,
    uri_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let parsed = OtpUri::parse(unsafe { text(uri, uri_len, "uri") }?).or_fail()?;
        let v = match parsed.kind() {
            OtpKind::Totp(c) => json!({
                "kind": "totp", "issuer": parsed.issuer(), "account": parsed.account(),
                "algorithm": c.config().algorithm().name(), "digits": c.config().digits(),
                "period": c.config().period_secs(), "secret_base32": c.secret().to_base32().as_str(),
            }),
            OtpKind::Hotp(c) => json!({
                "kind": "hotp", "issuer": parsed.issuer(), "account": parsed.account(),
                "algorithm": c.algorithm().name(), "digits": c.digits(),
                "counter": c.counter(), "secret_base32": c.secret().to_base32().as_str(),
            }),
        };
        let s = Zeroizing::new(v.to_string());
        unsafe { write_out(s.as_bytes(), buf, cap, written) }
    })
}
