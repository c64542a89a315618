//! Authenticator apps: TOTP, HOTP, otpauth:// URIs. Credentials are stored
//! sealed, bound to the host's key for the record and its revision:
//! enrolment and verification return the sealed record as the step's write.

use varco::otp::{HotpCredential, OtpSecret, OtpUri, OtpUriInfo, TotpConfig, TotpCredential};
use varco::record::Stored;
use varco::seal::Sealed;
use zeroize::Zeroizing;

use crate::ffi::{OrFail, at_ms, guard, handle, opt_text, parse, text, write_out};
use crate::keys::varco_sealing_keys;
use crate::result::varco_result;
use crate::step::{give_step, json as to_json, varco_step};

/// The core's TOTP configuration: its JSON (optional: NULL for the core's
/// defaults).
unsafe fn totp_config(ptr: *const u8, len: usize) -> Result<TotpConfig, varco_result> {
    unsafe { opt_text(ptr, len, "config_json") }?
        .map_or(Ok(TotpConfig::default()), TotpConfig::from_json)
        .or_fail()
}

/// The TOTP code of a base32 secret at `now_ms`, into `buf`. `config_json`
/// is optional (NULL: the defaults, `{"algorithm":"SHA1","digits":6,
/// "period_secs":30,"t0_secs":0,"behind":1,"ahead":1}`; each field
/// optional). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_code(
    secret_base32: *const u8,
    secret_len: usize,
    now_ms: i64,
    config_json: *const u8,
    config_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let secret =
            OtpSecret::from_base32(unsafe { text(secret_base32, secret_len, "secret_base32") }?)
                .or_fail()?;
        let config = unsafe { totp_config(config_json, config_len) }?;
        let code = TotpCredential::new(secret, config)
            .code(at_ms(now_ms)?)
            .or_fail()?;
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

/// A stored sealed credential (required).
unsafe fn sealed_record<T: varco::seal::SealedBody>(
    ptr: *const u8,
    len: usize,
) -> Result<Stored<Sealed<T>>, varco_result> {
    Stored::<Sealed<T>>::from_json(unsafe { text(ptr, len, "record") }?).or_fail()
}

/// A new TOTP authenticator with a 160-bit secret from the OS generator,
/// stored under `record_key` (the host's key for the record, which its seal
/// is bound to). `config_json` is optional, as for [`varco_totp_code`]; the
/// window and T0 it sets are sealed into the record and used on verify. The step's outcome is
/// `{"uri":…,"secret_base32":…,"weak_secret":false}` (show the URI as a QR
/// code, once: it holds the secret; the step's memory is wiped on free); its
/// write is the sealed record to insert (it must not exist).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_enroll(
    keys: *const varco_sealing_keys,
    record_key: *const u8,
    record_key_len: usize,
    issuer: *const u8,
    issuer_len: usize,
    account: *const u8,
    account_len: usize,
    config_json: *const u8,
    config_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let record_key = unsafe { text(record_key, record_key_len, "record_key") }?;
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        let account = unsafe { text(account, account_len, "account") }?;
        let config = unsafe { totp_config(config_json, config_len) }?;
        let step = TotpCredential::enroll(
            issuer,
            account,
            config,
            record_key,
            &keys.inner,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// A new HOTP authenticator at counter 0; as [`varco_totp_enroll`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_enroll(
    keys: *const varco_sealing_keys,
    record_key: *const u8,
    record_key_len: usize,
    issuer: *const u8,
    issuer_len: usize,
    account: *const u8,
    account_len: usize,
    algorithm: *const u8,
    algorithm_len: usize,
    digits: u8,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let record_key = unsafe { text(record_key, record_key_len, "record_key") }?;
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        let account = unsafe { text(account, account_len, "account") }?;
        let algorithm = parse(unsafe { text(algorithm, algorithm_len, "algorithm") }?)?;
        let step = HotpCredential::enroll(
            issuer,
            account,
            algorithm,
            digits,
            record_key,
            &keys.inner,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Verifies a code against the sealed TOTP record stored under
/// `record_key`. The outcome is `{"outcome":"accepted","drift":n}`,
/// `{"outcome":"rejected"}` or `{"outcome":"replayed"}`; the write, when
/// there is one, is the record to store (an accepted code is remembered; a
/// record under an old sealing key is sealed again).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_totp_verify(
    keys: *const varco_sealing_keys,
    record_key: *const u8,
    record_key_len: usize,
    record: *const u8,
    record_len: usize,
    code: *const u8,
    code_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let record_key = unsafe { text(record_key, record_key_len, "record_key") }?;
        let stored = unsafe { sealed_record::<TotpCredential>(record, record_len) }?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let step = stored
            .verify(
                record_key,
                &keys.inner,
                &code,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Verifies a code against the sealed HOTP record stored under
/// `record_key`, looking up to `look_ahead` (at most 1000) counters ahead;
/// as [`varco_totp_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_verify(
    keys: *const varco_sealing_keys,
    record_key: *const u8,
    record_key_len: usize,
    record: *const u8,
    record_len: usize,
    code: *const u8,
    code_len: usize,
    look_ahead: u32,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let record_key = unsafe { text(record_key, record_key_len, "record_key") }?;
        let stored = unsafe { sealed_record::<HotpCredential>(record, record_len) }?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let step = stored
            .verify(
                record_key,
                &keys.inner,
                &code,
                look_ahead,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Resynchronizes the sealed HOTP record stored under `record_key` from two
/// consecutive codes the device shows, searching up to `window` counters
/// ahead; outcome and write as in [`varco_totp_verify`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hotp_resync(
    keys: *const varco_sealing_keys,
    record_key: *const u8,
    record_key_len: usize,
    record: *const u8,
    record_len: usize,
    first: *const u8,
    first_len: usize,
    second: *const u8,
    second_len: usize,
    window: u32,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let keys = unsafe { handle(keys, "keys") }?;
        let record_key = unsafe { text(record_key, record_key_len, "record_key") }?;
        let stored = unsafe { sealed_record::<HotpCredential>(record, record_len) }?;
        let first = Zeroizing::new(unsafe { text(first, first_len, "first") }?.to_owned());
        let second = Zeroizing::new(unsafe { text(second, second_len, "second") }?.to_owned());
        let step = stored
            .resync(
                record_key,
                &keys.inner,
                &first,
                &second,
                window,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Parses an otpauth:// URI (as scanned from a QR code) into `buf` as JSON:
/// `{"kind":"totp"|"hotp","issuer":…,"account":…,"algorithm":…,"digits":…,
/// "period":…,"counter":…,"secret_base32":…,"weak_secret":…}`. The secret
/// is in it: wipe the buffer after use. Secrets from 80 bits are accepted
/// (`weak_secret` flags those under 128).
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
        let s = Zeroizing::new(to_json(&OtpUriInfo::of(&parsed)));
        unsafe { write_out(s.as_bytes(), buf, cap, written) }
    })
}
