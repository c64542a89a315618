//! Breached-password range queries (k-anonymity).

use varco::breach::{BreachResult, RangeQuery};

use crate::ffi::{OrFail, guard, out_ptr, put, text, write_out};
use crate::result::varco_result;

/// The 5-character prefix to request from a range API
/// (`GET /range/{prefix}`), into `buf` (6 bytes suffice). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_breach_prefix(
    password: *const u8,
    password_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let q = RangeQuery::new(unsafe { text(password, password_len, "password") }?);
        unsafe { write_out(q.prefix().as_bytes(), buf, cap, written) }
    })
}

/// How many breaches list the password, from the range API's response body
/// (0: not found). A malformed body is `VARCO_INVALID_INPUT`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_breach_count(
    password: *const u8,
    password_len: usize,
    body: *const u8,
    body_len: usize,
    count: *mut u64,
) -> varco_result {
    guard(|| {
        let q = RangeQuery::new(unsafe { text(password, password_len, "password") }?);
        let body = unsafe { text(body, body_len, "body") }?;
        out_ptr(count, "count")?;
        let n = match q.check(body).or_fail()? {
            BreachResult::NotFound => 0,
            BreachResult::Breached { count } => count,
        };
        unsafe { put(count, n) };
        Ok(())
    })
}
