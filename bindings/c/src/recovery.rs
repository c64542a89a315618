//! Recovery codes.

use serde_json::json;
use varco::otp::RecoveryCodeSet;
use zeroize::Zeroizing;

use crate::ffi::{OrFail, at, guard, handle, text};
use crate::hash::varco_hasher;
use crate::result::varco_result;
use crate::step::{give_step, json as to_json, varco_step};

/// Generates `count` (1 to 32) recovery codes hashed with `hasher`. The
/// outcome is `{"outcome":"generated","codes":["XXXXX-XXXXX-XXXXX",…]}` (show
/// them once); the state is the set to store, replacing any older set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_recovery_generate(
    hasher: *const varco_hasher,
    count: u32,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let new = RecoveryCodeSet::generate(count as usize, at(now_ms), &h.inner, &mut rand::rng())
            .or_fail()?;
        let codes: Vec<&str> = new.codes.iter().map(|c| c.as_str()).collect();
        let outcome = json!({"outcome": "generated", "codes": codes}).to_string();
        unsafe { give_step(out, varco_step::new(outcome, Some(new.set.to_json()))) }
    })
}

/// Redeems a code (case, spaces and hyphens do not matter). The outcome is
/// `{"outcome":"accepted","remaining":n}` or `{"outcome":"rejected"}`; the
/// state is the set to store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_recovery_redeem(
    hasher: *const varco_hasher,
    set: *const u8,
    set_len: usize,
    code: *const u8,
    code_len: usize,
    now_ms: u64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let set = RecoveryCodeSet::from_json(unsafe { text(set, set_len, "set") }?).or_fail()?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let (outcome, next) = set.redeem(&code, at(now_ms), &h.inner);
        unsafe {
            give_step(
                out,
                varco_step::new(to_json(&outcome), Some(next.to_json())),
            )
        }
    })
}
