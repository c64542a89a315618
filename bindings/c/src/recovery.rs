//! Recovery codes.

use varco::otp::RecoveryCodeSet;
use varco::record::Stored;
use zeroize::Zeroizing;

use crate::ffi::{OrFail, at_ms, guard, handle, opt_text, text};
use crate::hash::varco_hasher;
use crate::result::varco_result;
use crate::step::{give_step, varco_step};

/// Generates `count` (1 to 32) recovery codes hashed with `hasher`,
/// replacing the stored set `record` (optional: NULL when the account has
/// none). The outcome is `{"codes":["XXXXX-XXXXX-XXXXX",…]}` (show them
/// once; the step's memory is wiped on free); the write is the new set,
/// replacing the old one's revision (or inserted), so the old codes stop
/// working in the same commit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_recovery_generate(
    hasher: *const varco_hasher,
    record: *const u8,
    record_len: usize,
    count: u32,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let json = unsafe { opt_text(record, record_len, "record") }?;
        let current = Stored::load_or(json, RecoveryCodeSet::empty).or_fail()?;
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let step = current
            .regenerate(count, &h.inner, at_ms(now_ms)?, &mut rand::rng())
            .or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Redeems a code (case, spaces and hyphens do not matter) against the
/// stored set `record`. The outcome is `{"outcome":"accepted","remaining":n}`
/// (the write marks the code used) or `{"outcome":"rejected"}` (no write).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_recovery_redeem(
    hasher: *const varco_hasher,
    record: *const u8,
    record_len: usize,
    code: *const u8,
    code_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let set =
            Stored::<RecoveryCodeSet>::from_json(unsafe { text(record, record_len, "record") }?)
                .or_fail()?;
        let code = Zeroizing::new(unsafe { text(code, code_len, "code") }?.to_owned());
        let step = set.redeem(&code, &h.inner, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}
