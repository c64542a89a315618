//! The account lifecycle.

use varco::account::{Lifecycle, LifecycleEvent};
use varco::record::Stored;

use crate::ffi::{OrFail, at_ms, guard, text};
use crate::result::varco_result;
use crate::step::{give_step, varco_step};

unsafe fn record(ptr: *const u8, len: usize) -> Result<Stored<Lifecycle>, varco_result> {
    Stored::<Lifecycle>::from_json(unsafe { text(ptr, len, "record") }?).or_fail()
}

/// A new account's lifecycle, waiting for activation. The outcome is
/// `{"state":"pending_activation","can_authenticate":false}`; the write is
/// the record to insert (it must not exist yet).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_create(
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let step = Lifecycle::create(at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Applies an event given as JSON (`{"event":"activate"}`,
/// `{"event":"operator_block","operator":…,"reason":…}`, … as in the Rust
/// `LifecycleEvent`; a field an event does not have is refused). The
/// outcome is `{"state":…,"can_authenticate":…}` (a blocked state adds its
/// `cause`). An event the state does not allow is
/// `VARCO_START_OVER` (`VARCO_ERROR_ILLEGAL_TRANSITION`); nothing changes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_apply(
    record: *const u8,
    record_len: usize,
    event_json: *const u8,
    event_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let current = unsafe { self::record(record, record_len) }?;
        let event =
            LifecycleEvent::from_json(unsafe { text(event_json, event_len, "event_json") }?)
                .or_fail()?;
        let step = current.apply(&event, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Records a sign-in (resets the inactivity clock).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_record_activity(
    record: *const u8,
    record_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let current = unsafe { self::record(record, record_len) }?;
        let step = current.record_activity(at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}

/// Marks an active account dormant after `dormant_after_days` without
/// activity. The outcome is `{"state":…,"can_authenticate":…}` either way;
/// there is no write and no effect when nothing changed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lifecycle_check_inactivity(
    record: *const u8,
    record_len: usize,
    dormant_after_days: u32,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let current = unsafe { self::record(record, record_len) }?;
        let after = std::time::Duration::from_secs(u64::from(dormant_after_days) * 86_400);
        let step = current.check_inactivity(after, at_ms(now_ms)?).or_fail()?;
        unsafe { give_step(out, varco_step::of(step)) }
    })
}
