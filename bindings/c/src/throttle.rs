//! Budgets per source (an address, a device) or per destination (a phone
//! number, an email), and implausible-travel risk.

use varco::guard::{FailureCounter, LockoutPolicy, Sighting, TravelPolicy};
use varco::record::Stored;

use crate::ffi::{OrFail, at_ms, free, give, guard, handle, opt_text, text, write_out};
use crate::result::varco_result;
use crate::step::{give_step, json, varco_step};

/// A budget for one kind of key (source addresses, destinations) under a
/// lockout policy. Immutable; thread-safe.
#[allow(non_camel_case_types)]
pub struct varco_throttle {
    policy: LockoutPolicy,
}

/// A lockout policy as JSON (every field optional; `{}` gives the
/// defaults), e.g. `{"threshold":20,"mode":"soft"}`. The caller frees `*out`
/// with [`varco_throttle_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_new(
    policy_json: *const u8,
    policy_len: usize,
    out: *mut *mut varco_throttle,
) -> varco_result {
    guard(|| {
        let policy =
            LockoutPolicy::from_json(unsafe { text(policy_json, policy_len, "policy_json") }?)
                .or_fail()?;
        unsafe { give(out, varco_throttle { policy }) }
    })
}

/// Releases a throttle. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_free(throttle: *mut varco_throttle) {
    let _ = guard(|| {
        unsafe { free(throttle) };
        Ok(())
    });
}

/// May an attempt from this key go ahead? `record` is the key's stored
/// counter (optional: NULL for a new key). The outcome is
/// `{"admission":"allowed","attempt":<serial>}` or a refusal as in
/// `varco_guard_begin`; an allowed attempt is counted as a failure in the
/// step's write until [`varco_throttle_succeed`]; a refusal has no write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_begin(
    throttle: *const varco_throttle,
    record: *const u8,
    record_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let t = unsafe { handle(throttle, "throttle") }?;
        let json = unsafe { opt_text(record, record_len, "record") }?;
        let c = Stored::load_or(json, FailureCounter::default).or_fail()?;
        let step = c.begin(&t.policy, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of_attempt(step)) }
    })
}

/// The attempt (its ticket from `varco_step_attempt`) passed: the key's
/// failures counted up to it are cleared. `record` is required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_succeed(
    throttle: *const varco_throttle,
    record: *const u8,
    record_len: usize,
    attempt: *const u8,
    attempt_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let _ = unsafe { handle(throttle, "throttle") }?;
        let c = Stored::<FailureCounter>::from_json(unsafe { text(record, record_len, "record") }?)
            .or_fail()?;
        let serial: u64 = unsafe { crate::guard::ticket(attempt, attempt_len) }?;
        let step = c.succeed(serial, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Compares a sign-in with the previous one (optional: NULL for the first).
/// Sightings are JSON: `{"at":<unix ms>,"place":{"kind":"coordinates",
/// "lat":45.46,"lon":9.19}}` or `{"at":…,"place":{"kind":"country",
/// "code":"IT"}}`; `policy_json` is optional. The decision goes to `buf`:
/// `{"decision":"allow"}`, `{"decision":"step_up","speed_kmh":…}` or
/// `{"decision":"block","speed_kmh":…}` (then apply the lifecycle's
/// `preventive_block`). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_assess_travel(
    previous: *const u8,
    previous_len: usize,
    current: *const u8,
    current_len: usize,
    policy_json: *const u8,
    policy_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let previous = unsafe { opt_text(previous, previous_len, "previous") }?
            .map(Sighting::from_json)
            .transpose()
            .or_fail()?;
        let current =
            Sighting::from_json(unsafe { text(current, current_len, "current") }?).or_fail()?;
        let policy = match unsafe { opt_text(policy_json, policy_len, "policy_json") }? {
            None => TravelPolicy::default(),
            Some(j) => TravelPolicy::from_json(j).or_fail()?,
        };
        let d = varco::guard::assess_travel(previous.as_ref(), &current, &policy);
        unsafe { write_out(json(&d).as_bytes(), buf, cap, written) }
    })
}
