//! Password policies.

use varco::policy::{Context, PasswordPolicy};

use crate::ffi::{OrFail, free, give, guard, handle, opt_text, parse, refuse, text, write_out};
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

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CheckContext {
    username: Option<String>,
    email: Option<String>,
    second_factor: bool,
    confirmation: Option<String>,
    current: Option<String>,
    service: Option<String>,
    words: Vec<String>,
    history: Vec<String>,
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
        let c: CheckContext = match unsafe { opt_text(context_json, context_len, "context_json") }?
        {
            None => CheckContext::default(),
            Some(j) => serde_json::from_str(j).map_err(|e| {
                refuse(
                    varco_result::VARCO_INVALID_INPUT,
                    &format!("invalid_input: context: {e}"),
                )
            })?,
        };
        let mut ctx = Context::new().second_factor(c.second_factor);
        if let Some(u) = &c.username {
            ctx = ctx.username(u);
        }
        if let Some(e) = &c.email {
            ctx = ctx.email(e);
        }
        if let Some(name) = &c.service {
            ctx = ctx.service(name);
        }
        for w in &c.words {
            ctx = ctx.word(w);
        }
        // SAFETY: NULL or a live hasher.
        if let Some(h) = unsafe { history_hasher.as_ref() } {
            ctx = ctx.history(&h.inner, &c.history);
        }
        let confirmation = c.confirmation.map(varco::SecretString::new);
        let current = c.current.map(varco::SecretString::new);
        if let Some(x) = &confirmation {
            ctx = ctx.confirmation(x.expose());
        }
        if let Some(x) = &current {
            ctx = ctx.current(x.expose());
        }
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
