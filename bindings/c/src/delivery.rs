//! Codes sent by SMS or email: issue, verify, send again.

use varco::guard::DestinationBudget;
use varco::otp::{Challenge, Channel, CodeKeys, DeliveryConfig, Destination, Purpose};
use varco::record::Stored;
use zeroize::Zeroizing;

use crate::ffi::{
    OrFail, at_ms, bytes, free, give, guard, handle, handle_mut, opt_text, parse, text,
};
use crate::result::varco_result;
use crate::step::{give_step, varco_step};

/// Delivery codes: a configuration and the keys of the stored code hashes.
/// Thread-safe once built.
#[allow(non_camel_case_types)]
pub struct varco_delivery {
    config: DeliveryConfig,
    keys: CodeKeys,
}

/// A delivery configuration as JSON (every field optional:
/// `{"service":"Esempio","lang":"en","digits":6}`) and the current key of
/// the code hashes (an id and at least 16 secret bytes, copied). The caller
/// frees `*out` with [`varco_delivery_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_delivery_new(
    config_json: *const u8,
    config_len: usize,
    key_id: *const u8,
    key_id_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut varco_delivery,
) -> varco_result {
    guard(|| {
        let config =
            DeliveryConfig::from_json(unsafe { text(config_json, config_len, "config_json") }?)
                .or_fail()?;
        let id = unsafe { text(key_id, key_id_len, "key_id") }?;
        let key = unsafe { bytes(key, key_len, "key") }?;
        let keys = CodeKeys::new(id, key.to_vec()).or_fail()?;
        unsafe { give(out, varco_delivery { config, keys }) }
    })
}

/// Adds an older key, to verify codes issued before a rotation. Not
/// thread-safe: call it before sharing the handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_delivery_add_old_key(
    delivery: *mut varco_delivery,
    key_id: *const u8,
    key_id_len: usize,
    key: *const u8,
    key_len: usize,
) -> varco_result {
    guard(|| {
        let d = unsafe { handle_mut(delivery, "delivery") }?;
        let id = unsafe { text(key_id, key_id_len, "key_id") }?;
        let key = unsafe { bytes(key, key_len, "key") }?;
        d.keys = d.keys.clone().with_old(id, key.to_vec()).or_fail()?;
        Ok(())
    })
}

/// Releases a delivery handle, wiping its keys. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_delivery_free(delivery: *mut varco_delivery) {
    let _ = guard(|| {
        unsafe { free(delivery) };
        Ok(())
    });
}

/// The destination's stored budget record, or a new one (NULL: none yet).
unsafe fn budget(
    ptr: *const u8,
    len: usize,
    to: &str,
) -> Result<Stored<DestinationBudget>, varco_result> {
    let json = unsafe { opt_text(ptr, len, "budget") }?;
    Stored::load_or(json, || DestinationBudget::new(to)).or_fail()
}

/// Sends a code for `purpose` (`login`, `registration`, `recovery`,
/// `enrollment`, `password_change`, `activation`) by `channel` (`sms` or
/// `email`) to `address`. `budget` is the destination's stored budget
/// record (optional: NULL the first time). The outcome is
/// `{"outcome":"sent","expires_at":…,"next_resend_at":…}` or
/// `{"outcome":"daily_cap_reached","retry_at":…}`. The writes, when a code
/// was sent, are the destination's budget (kind `destination_budget`) and
/// then the new challenge (kind `challenge`, must not exist); the effects
/// hold the message to send.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_challenge_issue(
    delivery: *const varco_delivery,
    purpose: *const u8,
    purpose_len: usize,
    channel: *const u8,
    channel_len: usize,
    address: *const u8,
    address_len: usize,
    budget_json: *const u8,
    budget_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let d = unsafe { handle(delivery, "delivery") }?;
        let purpose: Purpose = parse(unsafe { text(purpose, purpose_len, "purpose") }?)?;
        let address = unsafe { text(address, address_len, "address") }?;
        let destination = match parse(unsafe { text(channel, channel_len, "channel") }?)? {
            Channel::Sms => Destination::sms(address),
            Channel::Email => Destination::email(address),
        };
        let budget = unsafe { budget(budget_json, budget_len, address) }?;
        let issued = Challenge::issue(
            &d.config,
            &d.keys,
            purpose,
            destination,
            &budget,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_fail()?;
        unsafe { give_step(out, varco_step::of(issued)) }
    })
}

/// Checks an entered code against a stored challenge. The outcome is
/// `{"outcome":"accepted"}`, `{"outcome":"wrong","attempts_left":n}`,
/// `expired`, `exhausted`, `already_used` or `wrong_purpose`; the write,
/// when the challenge changed, is the challenge to store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_challenge_verify(
    delivery: *const varco_delivery,
    challenge: *const u8,
    challenge_len: usize,
    code: *const u8,
    code_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let d = unsafe { handle(delivery, "delivery") }?;
        let c =
            Stored::<Challenge>::from_json(unsafe { text(challenge, challenge_len, "challenge") }?)
                .or_fail()?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let purpose: Purpose = parse(unsafe { text(purpose, purpose_len, "purpose") }?)?;
        let s = c
            .verify(&d.config, &d.keys, &code, purpose, at_ms(now_ms)?)
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(s)) }
    })
}

/// "Send again": a new code replaces the old one; the attempts are kept.
/// `budget` is the destination's stored budget record (optional: NULL when
/// it has none). The outcome is `sent` (with `expires_at`,
/// `next_resend_at`), `too_soon` (`retry_at`), `limit_reached`,
/// `daily_cap_reached` (`retry_at`) or `not_pending`; the writes are as in
/// [`varco_challenge_issue`] (none when nothing was sent).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_challenge_resend(
    delivery: *const varco_delivery,
    challenge: *const u8,
    challenge_len: usize,
    budget_json: *const u8,
    budget_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let d = unsafe { handle(delivery, "delivery") }?;
        let c =
            Stored::<Challenge>::from_json(unsafe { text(challenge, challenge_len, "challenge") }?)
                .or_fail()?;
        let to = c.body().destination().address().to_owned();
        let budget = unsafe { budget(budget_json, budget_len, &to) }?;
        let s = c
            .resend(
                &d.config,
                &d.keys,
                &budget,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(s)) }
    })
}
