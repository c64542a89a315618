//! Attempt budgets and lockout.

use varco::guard::{AccountGuard, Factor, GuardPolicies, Unlock};

use crate::ffi::{
    OrFail, at, free, give, guard as boundary, handle, opt_text, parse, refuse, text,
};
use crate::result::varco_result;
use crate::step::{give_step, json, varco_step};

/// Lockout policies for an account's factors. Immutable; thread-safe.
#[allow(non_camel_case_types)]
pub struct varco_guard {
    policies: GuardPolicies,
}

/// Policies as JSON (every field optional; `{}` gives the defaults: 5
/// failures, then waits from 1 minute doubling up to 1 hour; a permanent
/// lock after 100 consecutive failures or 10 locks). The caller frees
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

enum Action<'a> {
    Begin,
    Failed,
    Succeed,
    Unlock(Option<&'a str>),
}

#[allow(clippy::too_many_arguments)]
unsafe fn run(
    guard: *const varco_guard,
    state: *const u8,
    state_len: usize,
    factor: *const u8,
    factor_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: u64,
    action: Action<'_>,
    out: *mut *mut varco_step,
) -> varco_result {
    boundary(|| {
        let g = unsafe { handle(guard, "guard") }?;
        let now = at(now_ms);
        let current = match (unsafe { opt_text(state, state_len, "state") }?, &action) {
            (None, Action::Begin) => AccountGuard::new(),
            (None, _) => {
                return Err(refuse(
                    varco_result::VARCO_NULL_POINTER,
                    "null_pointer: state is NULL (only begin may start a new guard)",
                ));
            }
            (Some(j), _) => AccountGuard::from_json(j).or_fail()?,
        };
        let device = unsafe { opt_text(device, device_len, "device") }?;
        let step = match action {
            Action::Unlock(operator) => {
                let by = match operator {
                    Some(o) => Unlock::Operator {
                        operator: o.to_owned(),
                    },
                    None => Unlock::Recovery,
                };
                current.unlock(&by, now)
            }
            other => {
                let factor: Factor = parse(unsafe { text(factor, factor_len, "factor") }?)?;
                match other {
                    Action::Begin => current.begin(&g.policies, factor, device, now),
                    Action::Failed => current.failed(factor, device, now),
                    _ => current.succeed(factor, device, now),
                }
            }
        };
        let s = varco_step::new(json(&step.decision), Some(step.guard.to_json()))
            .with_effects(step.effects);
        unsafe { give_step(out, s) }
    })
}

/// Before checking a factor (`password`, `second_factor`, `recovery`): may
/// the attempt go ahead? `state` is the stored guard (optional: NULL for an
/// account with none yet); `device` a trusted device's id (optional). The
/// outcome is `{"decision":"allow"}`,
/// `{"decision":"step_up","reason":…}` or
/// `{"decision":"locked","until":ms|null,"reason":…}`; the state is the
/// guard to store. An allowed attempt counts as failed until
/// [`varco_guard_succeed`], so a crash in between gives no free attempt.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_begin(
    guard: *const varco_guard,
    state: *const u8,
    state_len: usize,
    factor: *const u8,
    factor_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    unsafe {
        run(
            guard,
            state,
            state_len,
            factor,
            factor_len,
            device,
            device_len,
            now_ms,
            Action::Begin,
            out,
        )
    }
}

/// The factor was wrong: writes the audit event (the failure was counted by
/// [`varco_guard_begin`]). `state` is required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_failed(
    guard: *const varco_guard,
    state: *const u8,
    state_len: usize,
    factor: *const u8,
    factor_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    unsafe {
        run(
            guard,
            state,
            state_len,
            factor,
            factor_len,
            device,
            device_len,
            now_ms,
            Action::Failed,
            out,
        )
    }
}

/// The factor was right: its failures are forgotten and `device`, if given,
/// becomes trusted. `state` is required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_succeed(
    guard: *const varco_guard,
    state: *const u8,
    state_len: usize,
    factor: *const u8,
    factor_len: usize,
    device: *const u8,
    device_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    unsafe {
        run(
            guard,
            state,
            state_len,
            factor,
            factor_len,
            device,
            device_len,
            now_ms,
            Action::Succeed,
            out,
        )
    }
}

/// Lifts every lock: by a named operator, or (operator NULL) after a
/// completed recovery. `state` is required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_guard_unlock(
    guard: *const varco_guard,
    state: *const u8,
    state_len: usize,
    operator_name: *const u8,
    operator_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    let operator = match unsafe { opt_text(operator_name, operator_len, "operator") } {
        Ok(o) => o,
        Err(code) => return code,
    };
    unsafe {
        run(
            guard,
            state,
            state_len,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            now_ms,
            Action::Unlock(operator),
            out,
        )
    }
}
