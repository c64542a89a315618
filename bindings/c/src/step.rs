//! `varco_step`: what a step returns (outcome, state to store, effects).

use zeroize::Zeroizing;

use crate::ffi::{Res, guard, handle, out_ptr, put, refuse, write_out};
use crate::result::varco_result;

/// The result of a step: an outcome (JSON), the state to store (opaque
/// text, possibly absent), for delivery codes the destination's budget to
/// store, and the effects to carry out (JSON each). Made by the step
/// functions, released with [`varco_step_free`], which wipes its memory
/// (outcomes and effects may hold codes and secrets).
#[allow(non_camel_case_types)]
pub struct varco_step {
    pub(crate) outcome: Zeroizing<String>,
    pub(crate) state: Option<String>,
    pub(crate) budget: Option<String>,
    pub(crate) effects: Vec<Zeroizing<String>>,
}

impl varco_step {
    /// A step with an outcome and a state.
    pub(crate) fn new(outcome: String, state: Option<String>) -> Self {
        varco_step {
            outcome: Zeroizing::new(outcome),
            state,
            budget: None,
            effects: Vec::new(),
        }
    }

    /// Adds the core's effects.
    pub(crate) fn with_effects(mut self, effects: Vec<varco::effect::Effect>) -> Self {
        self.effects = effects
            .iter()
            .map(|e| Zeroizing::new(serde_json::to_string(e).unwrap_or_default()))
            .collect();
        self
    }
}

/// Serializes an outcome.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

unsafe fn text_of(
    step: *const varco_step,
    pick: impl Fn(&varco_step) -> Option<&str>,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> Res {
    let s = unsafe { handle(step, "step") }?;
    unsafe { write_out(pick(s).unwrap_or("").as_bytes(), buf, cap, written) }
}

/// The outcome as JSON, e.g. `{"outcome":"wrong","attempts_left":4}` or
/// `{"decision":"locked","until":64000,"reason":"too_many_failures"}`.
/// Thread-safe on a step no one is freeing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_outcome(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| unsafe { text_of(step, |s| Some(s.outcome.as_str()), buf, cap, written) })
}

/// The state to store (a challenge, a guard, a sealed credential, a
/// recovery set, a lifecycle); `*written` is 0 when there is none (no code
/// was sent). Store it with compare-and-swap on the previous value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_state(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| unsafe { text_of(step, |s| s.state.as_deref(), buf, cap, written) })
}

/// The destination's budget to store, for delivery codes; `*written` is 0
/// when it did not change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_budget(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| unsafe { text_of(step, |s| s.budget.as_deref(), buf, cap, written) })
}

/// How many effects the step asks for (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_effect_count(step: *const varco_step) -> usize {
    // SAFETY: NULL or a live step.
    unsafe { step.as_ref() }.map_or(0, |s| s.effects.len())
}

/// Effect `index` as JSON: `{"effect":"send_sms","to":…,"text":…}`,
/// `{"effect":"send_email","to":…,"subject":…,"body":…}`,
/// `{"effect":"notify_owner","event":…,"detail":…}` or
/// `{"effect":"audit","at":…,"kind":…,"subject":…,"details":[[k,v],…]}`.
/// Message texts hold codes: send them, never log them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_effect(
    step: *const varco_step,
    index: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(written, "written")?;
        let Some(e) = s.effects.get(index) else {
            return Err(refuse(
                varco_result::VARCO_OUT_OF_RANGE,
                &format!("out_of_range: effect {index} of {}", s.effects.len()),
            ));
        };
        unsafe { write_out(e.as_bytes(), buf, cap, written) }
    })
}

/// Releases a step and wipes it. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_free(step: *mut varco_step) {
    let _ = guard(|| {
        unsafe { crate::ffi::free(step) };
        Ok(())
    });
}

/// Hands a step to the caller.
pub(crate) unsafe fn give_step(out: *mut *mut varco_step, step: varco_step) -> Res {
    out_ptr(out, "out")?;
    unsafe { put(out, Box::into_raw(Box::new(step))) };
    Ok(())
}
