//! Attempt budgets and lockout.

use varco::guard::{AccountGuard, Attempt, Factor, GuardPolicies, Unlock};
use varco::record::Stored;

use crate::ffi::{OrFail, at_ms, free, give, guard as boundary, handle, opt_text, parse, text};
use crate::result::varco_result;
use crate::step::{give_step, varco_step};

/// Lockout policies for an account's factors. Immutable; thread-safe.
#[allow(non_camel_case_types)]
pub struct varco_guard {
    policies: GuardPolicies,
}

/// Policies as JSON (every field optional; `{}` gives the defaults: 5
/// failures, then waits from 1 minute doubling up to 1 hour; the password
/// locks for good after 100 consecutive failures or 10 locks, the second
/// factor and recovery never do). The caller frees
/// `*out` with [`varco_guard_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_new(
    policies_json: *const u8,
    policies_len: usize,
    out: *mut *mut varco_guard,
) -> varco_result {
    boundary(|| {
        let policies = GuardPolicies::from_json(unsafe {
            text(policies_json, policies_len, "policies_json")
        }?)
        .or_fail()?;
        unsafe { give(out, varco_guard { policies }) }
    })
}

/// Releases a guard. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_free(guard: *mut varco_guard) {
    let _ = boundary(|| {
        unsafe { free(guard) };
        Ok(())
    });
}

type Stored_ = Stored<AccountGuard>;

/// A stored guard (required).
unsafe fn record(ptr: *const u8, len: usize) -> Result<Stored_, varco_result> {
    Stored_::from_json(unsafe { text(ptr, len, "record") }?).or_fail()
}

/// A stored guard, or a new one (NULL: the account has none yet).
unsafe fn record_or_new(ptr: *const u8, len: usize) -> Result<Stored_, varco_result> {
    Stored::load_or(unsafe { opt_text(ptr, len, "record") }?, AccountGuard::new).or_fail()
}

/// An attempt ticket from `varco_step_attempt`, read by the core.
pub(crate) unsafe fn ticket<T: serde::de::DeserializeOwned>(
    ptr: *const u8,
    len: usize,
) -> Result<T, varco_result> {
    varco::error::input_from_json(unsafe { text(ptr, len, "attempt") }?, "attempt ticket").or_fail()
}

/// Before checking a factor (`password`, `second_factor`, `recovery`): may
/// the attempt go ahead? `record` is the stored guard (optional: NULL for
/// an account with none yet); `device` the host's id for the device
/// (optional). The outcome is `{"admission":"allowed","attempt":{…}}`,
/// `{"admission":"step_up","reason":…}` or
/// `{"admission":"locked","until":ms|null,"reason":…}`. An allowed attempt
/// is counted as a failure in the step's write until
/// [`varco_guard_succeed`], so a crash in between gives no free attempt;
/// keep its ticket ([`varco_step_attempt`](crate::step::varco_step_attempt)).
/// A refusal has no write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_begin(
    guard: *const varco_guard,
    record: *const u8,
    record_len: usize,
    factor: *const u8,
    factor_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let g = unsafe { handle(guard, "guard") }?;
        let current = unsafe { record_or_new(record, record_len) }?;
        let factor: Factor = parse(unsafe { text(factor, factor_len, "factor") }?)?;
        let device = unsafe { opt_text(device, device_len, "device") }?;
        let step = current
            .begin(&g.policies, factor, device, at_ms(now_ms)?)
            .or_fail()?;
        unsafe { give_step(out, varco_step::of_attempt(step)) }
    })
}

/// The check of `attempt` (the ticket from [`varco_guard_begin`]) failed:
/// the audit events; nothing to write (`begin` counted it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_failed(
    guard: *const varco_guard,
    record: *const u8,
    record_len: usize,
    attempt: *const u8,
    attempt_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let _ = unsafe { handle(guard, "guard") }?;
        let current = unsafe { self::record(record, record_len) }?;
        let a: Attempt = unsafe { ticket(attempt, attempt_len) }?;
        let step = current.failed(&a, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// The check of `attempt` passed: the failures counted up to it are
/// cleared (never those of guesses that raced it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_succeed(
    guard: *const varco_guard,
    record: *const u8,
    record_len: usize,
    attempt: *const u8,
    attempt_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let _ = unsafe { handle(guard, "guard") }?;
        let current = unsafe { self::record(record, record_len) }?;
        let a: Attempt = unsafe { ticket(attempt, attempt_len) }?;
        let step = current.succeed(&a, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Trusts `device` from now on: call it after a full sign-in (every factor
/// the account requires passed). `record` is optional (NULL: none yet).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_trust_device(
    guard: *const varco_guard,
    record: *const u8,
    record_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let _ = unsafe { handle(guard, "guard") }?;
        let current = unsafe { record_or_new(record, record_len) }?;
        let device = unsafe { text(device, device_len, "device") }?;
        let step = current.trust_device(device, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Lifts locks: every one by a named operator; the password's and
/// recovery's after a completed recovery (operator NULL). `record` is
/// required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_unlock(
    guard: *const varco_guard,
    record: *const u8,
    record_len: usize,
    operator_name: *const u8,
    operator_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let _ = unsafe { handle(guard, "guard") }?;
        let current = unsafe { self::record(record, record_len) }?;
        let by = match unsafe { opt_text(operator_name, operator_len, "operator") }? {
            Some(o) => Unlock::Operator {
                operator: o.to_owned(),
            },
            None => Unlock::Recovery,
        };
        let step = current.unlock(&by, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}
