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
    pub(crate) attempt: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) budget: Option<String>,
    pub(crate) writes: Vec<varco::step::RecordWrite>,
    pub(crate) effects: Vec<Zeroizing<String>>,
    /// Flow steps: each write's key, the view, what to do next (0 respond,
    /// 1 load, 2 commit and repeat), the keys to load, the ticket, and for
    /// a started flow its key and client secret.
    pub(crate) keys: Vec<String>,
    /// A flow step's outbox row: its step id and its sealed effects.
    pub(crate) outbox: Option<(String, String)>,
    pub(crate) view: Option<String>,
    pub(crate) then: std::ffi::c_int,
    pub(crate) load: Vec<String>,
    pub(crate) ticket: Option<Zeroizing<String>>,
    pub(crate) secret: Option<Zeroizing<String>>,
    pub(crate) flow_key: Option<String>,
}

impl varco_step {
    /// A step with an outcome and a state.
    pub(crate) fn new(outcome: String, state: Option<String>) -> Self {
        varco_step {
            outcome: Zeroizing::new(outcome),
            attempt: None,
            state,
            budget: None,
            writes: Vec::new(),
            effects: Vec::new(),
            keys: Vec::new(),
            view: None,
            then: 0,
            load: Vec::new(),
            ticket: None,
            secret: None,
            flow_key: None,
            outbox: None,
        }
    }

    /// A core step: its outcome as the core's JSON, its writes in order,
    /// its effects.
    pub(crate) fn of<O: serde::Serialize, W: varco::step::Writes>(
        s: varco::step::Step<O, W>,
    ) -> Self {
        let mut step = varco_step::new(json(&s.outcome), None);
        step.writes = s.writes.record_writes();
        step.with_effects(s.effects)
    }

    /// A step on an attempt: as [`of`](Self::of), and the ticket of an
    /// allowed attempt.
    pub(crate) fn of_attempt<A: serde::Serialize, W: varco::step::Writes>(
        s: varco::step::Step<varco::guard::Admission<A>, W>,
    ) -> Self {
        let attempt = s.outcome.attempt().map(json);
        let mut step = Self::of(s);
        step.attempt = attempt;
        step
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

/// The ticket of an attempt the guard let through (`begin`): pass it to
/// `_succeed` or `_failed`. `*written` is 0 when the attempt was refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_attempt(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| unsafe { text_of(step, |s| s.attempt.as_deref(), buf, cap, written) })
}

/// How many records the step asks to store (0 for NULL, and for a refusal).
/// Store them all in one transaction, in their order, each with
/// compare-and-swap (see [`varco_step_write_revision`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write_count(step: *const varco_step) -> usize {
    // SAFETY: NULL or a live step.
    unsafe { step.as_ref() }.map_or(0, |s| s.writes.len())
}

fn write_at(s: &varco_step, index: usize) -> Result<&varco::step::RecordWrite, varco_result> {
    s.writes.get(index).ok_or_else(|| {
        refuse(
            varco_result::VARCO_OUT_OF_RANGE,
            &format!("out_of_range: write {index} of {}", s.writes.len()),
        )
    })
}

/// Copies a field of write `index` into the caller's buffer.
unsafe fn write_field(
    step: *const varco_step,
    index: usize,
    pick: impl Fn(&varco::step::RecordWrite) -> &str,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(written, "written")?;
        let w = write_at(s, index)?;
        unsafe { write_out(pick(w).as_bytes(), buf, cap, written) }
    })
}

/// Record `index` to store: its stored form, opaque text to keep as it is.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write(
    step: *const varco_step,
    index: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe { write_field(step, index, |w| &w.json, buf, cap, written) }
}

/// Record `index`'s kind (`account_guard`, `failure_counter`, ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write_kind(
    step: *const varco_step,
    index: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe { write_field(step, index, |w| w.kind, buf, cap, written) }
}

/// Record `index`'s new revision, and the revision it replaces: 0 when the
/// record must not exist yet.
///
/// ```text
/// *replaces == 0  ->  INSERT (the key must not exist)
/// *replaces == r  ->  UPDATE ... SET record = ?, revision = *revision
///                     WHERE key = ? AND revision = r
/// ```
/// A conflict means another request changed the record first: load it
/// again and redo the step.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write_revision(
    step: *const varco_step,
    index: usize,
    revision: *mut i64,
    replaces: *mut i64,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(revision, "revision")?;
        out_ptr(replaces, "replaces")?;
        let w = write_at(s, index)?;
        let signed = |r: u64| i64::try_from(r).unwrap_or(i64::MAX);
        let before = match w.expect {
            varco::record::Expect::Absent => 0,
            varco::record::Expect::Revision { revision } => signed(revision),
        };
        unsafe {
            put(revision, signed(w.revision));
            put(replaces, before);
        }
        Ok(())
    })
}

/// When record `index` ends by itself, in milliseconds since the Unix
/// epoch (a flow, a challenge), or 0 when it lasts. Index it and delete
/// rows whose time has passed on a schedule:
///
/// ```text
/// DELETE FROM records WHERE expires_at > 0 AND expires_at <= now
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write_expires_at(
    step: *const varco_step,
    index: usize,
    expires_at: *mut i64,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(expires_at, "expires_at")?;
        let w = write_at(s, index)?;
        let at = w
            .expires_at
            .map_or(0, |t| i64::try_from(t.as_unix_millis()).unwrap_or(i64::MAX));
        unsafe { put(expires_at, at) };
        Ok(())
    })
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
