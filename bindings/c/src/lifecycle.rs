//! The account lifecycle.

use serde_json::json;
use varco::account::{Lifecycle, LifecycleEvent};

use crate::ffi::{OrFail, at, guard, refuse, text};
use crate::result::varco_result;
use crate::step::{give_step, varco_step};

fn step(l: &Lifecycle, effects: Vec<varco::effect::Effect>) -> varco_step {
    let outcome = json!({"state": l.state().name(), "can_authenticate": l.can_authenticate()});
    varco_step::new(outcome.to_string(), Some(l.to_json())).with_effects(effects)
}

/// A new account's lifecycle, waiting for activation. The outcome is
/// `{"state":"pending_activation","can_authenticate":false}`; the state is
/// the lifecycle to store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_new(
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| unsafe { give_step(out, step(&Lifecycle::new(at(now_ms)), Vec::new())) })
}

/// Applies an event given as JSON (`{"event":"activate"}`,
/// `{"event":"operator_block","operator":…,"reason":…}`, … as in the Rust
/// `LifecycleEvent`). The outcome is `{"state":…,"can_authenticate":…}`. An
/// event the state does not allow is `VARCO_ILLEGAL_TRANSITION`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_apply(
    lifecycle: *const u8,
    lifecycle_len: usize,
    event_json: *const u8,
    event_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let current = Lifecycle::from_json(unsafe { text(lifecycle, lifecycle_len, "lifecycle") }?)
            .or_fail()?;
        let event: LifecycleEvent =
            serde_json::from_str(unsafe { text(event_json, event_len, "event_json") }?).map_err(
                |e| {
                    refuse(
                        varco_result::VARCO_INVALID_INPUT,
                        &format!("invalid_input: event: {e}"),
                    )
                },
            )?;
        let (next, effects) = current.apply(&event, at(now_ms)).or_fail()?;
        unsafe { give_step(out, step(&next, effects)) }
    })
}

/// Marks an active account dormant after `dormant_after_days` without
/// activity. The outcome is `{"state":…,"can_authenticate":…}` either way;
/// the effects are empty when nothing changed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_check_inactivity(
    lifecycle: *const u8,
    lifecycle_len: usize,
    dormant_after_days: u32,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let current = Lifecycle::from_json(unsafe { text(lifecycle, lifecycle_len, "lifecycle") }?)
            .or_fail()?;
        let after = std::time::Duration::from_secs(u64::from(dormant_after_days) * 86_400);
        let s = match current.check_inactivity(after, at(now_ms)) {
            Some((next, effects)) => step(&next, effects),
            None => step(&current, Vec::new()),
        };
        unsafe { give_step(out, s) }
    })
}
