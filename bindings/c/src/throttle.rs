//! Budgets per source (an address, a device) or per destination (a phone
//! number, an email), and implausible-travel risk.

use varco::guard::{Decision, FailureCounter, LockoutPolicy, Sighting, TravelPolicy};

use crate::ffi::{OrFail, at, free, give, guard, handle, opt_text, refuse, text, write_out};
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

unsafe fn counter(ptr: *const u8, len: usize) -> Result<FailureCounter, varco_result> {
    match unsafe { opt_text(ptr, len, "counter") }? {
        None => Ok(FailureCounter::default()),
        Some(j) => FailureCounter::from_json(j).or_fail(),
    }
}

/// May an attempt from this key go ahead? `counter` is the key's stored
/// counter (optional: NULL for a new key). The outcome is a decision as in
/// `varco_guard_begin`; the state is the counter to store under the key. An
/// allowed attempt counts as a failure until [`varco_throttle_succeed`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_begin(
    throttle: *const varco_throttle,
    counter_json: *const u8,
    counter_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let t = unsafe { handle(throttle, "throttle") }?;
        let c = unsafe { counter(counter_json, counter_len) }?;
        let now = at(now_ms);
        let d = c.decide(&t.policy, now);
        let next = if d == Decision::Allow {
            c.fail(&t.policy, now)
        } else {
            c
        };
        unsafe { give_step(out, varco_step::new(json(&d), Some(next.to_json()))) }
    })
}

/// The attempt succeeded: the key's failures are forgotten. The outcome is
/// `{"decision":"allow"}`; the state is the counter to store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_throttle_succeed(
    throttle: *const varco_throttle,
    counter_json: *const u8,
    counter_len: usize,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let _ = unsafe { handle(throttle, "throttle") }?;
        let c = FailureCounter::from_json(unsafe { text(counter_json, counter_len, "counter") }?)
            .or_fail()?;
        unsafe {
            give_step(
                out,
                varco_step::new(json(&Decision::Allow), Some(c.succeed().to_json())),
            )
        }
    })
}

fn sighting(j: &str, what: &str) -> Result<Sighting, varco_result> {
    serde_json::from_str(j).map_err(|e| {
        refuse(
            varco_result::VARCO_INVALID_INPUT,
            &format!("invalid_input: {what}: {e}"),
        )
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
            .map(|j| sighting(j, "previous"))
            .transpose()?;
        let current = sighting(unsafe { text(current, current_len, "current") }?, "current")?;
        let policy = match unsafe { opt_text(policy_json, policy_len, "policy_json") }? {
            None => TravelPolicy::default(),
            Some(j) => serde_json::from_str(j).map_err(|e| {
                refuse(
                    varco_result::VARCO_INVALID_INPUT,
                    &format!("invalid_input: travel policy: {e}"),
                )
            })?,
        };
        let d = varco::guard::assess_travel(previous.as_ref(), &current, &policy);
        unsafe { write_out(json(&d).as_bytes(), buf, cap, written) }
    })
}
