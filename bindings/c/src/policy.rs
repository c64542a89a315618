//! Password policies.

use varco::policy::{ContextData, PasswordPolicy};

use crate::ffi::{OrFail, free, give, guard, handle, opt_text, parse, text, write_out};
use crate::hash::varco_hasher;
use crate::result::varco_result;

/// A password policy. Immutable; share it between threads freely.
#[allow(non_camel_case_types)]
pub struct varco_policy {
    inner: PasswordPolicy,
}

/// A preset policy: `mail_service`, `customer_area` or `nist_800_63b`.
/// On success `*out` is a new policy the caller frees with
/// [`varco_policy_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_policy_preset(
    name: *const u8,
    name_len: usize,
    out: *mut *mut varco_policy,
) -> varco_result {
    guard(|| {
        let name = unsafe { text(name, name_len, "name") }?;
        let inner = PasswordPolicy::preset(parse(name)?);
        unsafe { give(out, varco_policy { inner }) }
    })
}

/// A policy from its JSON form (format 1, validated). On success `*out` is
/// a new policy the caller frees with [`varco_policy_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_policy_from_json(
    json: *const u8,
    json_len: usize,
    out: *mut *mut varco_policy,
) -> varco_result {
    guard(|| {
        let json = unsafe { text(json, json_len, "json") }?;
        let inner = PasswordPolicy::from_json(json).or_fail()?;
        unsafe { give(out, varco_policy { inner }) }
    })
}

/// The policy's JSON form, into `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_policy_to_json(
    policy: *const varco_policy,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let p = unsafe { handle(policy, "policy") }?;
        unsafe { write_out(p.inner.to_json().as_bytes(), buf, cap, written) }
    })
}

/// Checks a password. `context_json` is optional (NULL: none):
/// `{"username":…,"email":…,"second_factor":true,"confirmation":…,
/// "current":…,"service":…,"words":[…],"history":[PHC, newest first]}`.
/// `history_hasher` is optional: with it the history rule is checked
/// against `"history"` (one Argon2 verification per hash); without it that
/// rule is reported as skipped.
/// `lang` is `it` or `en`. The report goes to `buf` as JSON: `ok`, `length`,
/// `violations` (each with `code`, its parameters and `message`),
/// `strength` (`score` 0-4, `guesses_log10`, `warning`, `suggestions`) and
/// `skipped`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_policy_check(
    policy: *const varco_policy,
    history_hasher: *const varco_hasher,
    password: *const u8,
    password_len: usize,
    context_json: *const u8,
    context_len: usize,
    lang_name: *const u8,
    lang_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let p = unsafe { handle(policy, "policy") }?;
        let password = unsafe { text(password, password_len, "password") }?;
        let lang: varco::Lang = parse(unsafe { text(lang_name, lang_len, "lang") }?)?;
        let data = match unsafe { opt_text(context_json, context_len, "context_json") }? {
            None => ContextData::default(),
            Some(j) => ContextData::from_json(j).or_fail()?,
        };
        // SAFETY: NULL or a live hasher.
        let history = unsafe { history_hasher.as_ref() }.map(|h| &h.inner);
        let ctx = data.context(history);
        let report = p.inner.check(password, &ctx);
        unsafe { write_out(report.to_json(lang).as_bytes(), buf, cap, written) }
    })
}

/// Releases a policy. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_policy_free(policy: *mut varco_policy) {
    let _ = guard(|| {
        unsafe { free(policy) };
        Ok(())
    });
}
