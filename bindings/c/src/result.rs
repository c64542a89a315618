//! Result codes and the last error message.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int};

use varco::{ErrorAction, ErrorCode};

use crate::ffi::write_out;

/// What a call returns. Besides success, each code says what the caller
/// does about the failure; `varco_last_error_code` gives the typed cause.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum varco_result {
    /// Success.
    VARCO_OK = 0,
    /// A required pointer was NULL (or a handle was NULL): a bug in the
    /// caller.
    VARCO_NULL_POINTER = 1,
    /// A text input was not UTF-8: reject the request.
    VARCO_INVALID_UTF8 = 2,
    /// The output buffer is too small: `*written` holds the text's length
    /// without its NUL, so retry with a buffer of `*written + 1` bytes.
    VARCO_BUFFER_TOO_SMALL = 3,
    /// Reject the request: its input was refused (a password over the
    /// bound, an unknown name, a malformed URI or secret, a time far off).
    VARCO_INVALID_INPUT = 4,
    /// Fix the configuration: a policy, parameters, keys or peppers the
    /// host built or loaded are invalid; retrying cannot succeed.
    VARCO_INVALID_CONFIG = 5,
    /// The stored record is unusable (malformed, another kind, from a newer
    /// release, altered, sealed for another owner): keep it, alert, and
    /// treat the step as failed.
    VARCO_UNUSABLE_RECORD = 6,
    /// The record has moved on (an event not legal in its state): reload
    /// it and start the step over.
    VARCO_START_OVER = 7,
    /// An index past the end.
    VARCO_OUT_OF_RANGE = 8,
    /// A bug inside varco (a panic caught at the boundary, or a broken
    /// invariant); nothing was written.
    VARCO_INTERNAL = 9,
    /// The store's database failed (I/O, a lost connection): retry later,
    /// alert.
    VARCO_STORE_FAILED = 10,
    /// Other requests kept changing the same records: nothing of this
    /// request was committed; the client may submit again.
    VARCO_STORE_BUSY = 11,
    /// No flow at this key (never started, or expired and swept): start a
    /// new one.
    VARCO_UNKNOWN_FLOW = 12,
    /// A new record's key is taken (an account id or an identifier
    /// claimed already); nothing was written.
    VARCO_TAKEN = 13,
}

impl From<&varco::Error> for varco_result {
    fn from(e: &varco::Error) -> Self {
        match e.action() {
            ErrorAction::FixConfiguration => varco_result::VARCO_INVALID_CONFIG,
            ErrorAction::RejectInput => varco_result::VARCO_INVALID_INPUT,
            ErrorAction::UnusableRecord => varco_result::VARCO_UNUSABLE_RECORD,
            ErrorAction::StartOver => varco_result::VARCO_START_OVER,
            ErrorAction::Internal => varco_result::VARCO_INTERNAL,
        }
    }
}

/// The typed cause of the last failure (`varco::ErrorCode`, one value per
/// code; `VARCO_ERROR_NONE` when the last failure was the boundary's own:
/// a NULL pointer, a small buffer, an index past the end).
#[repr(C)]
#[allow(non_camel_case_types, missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum varco_error_code {
    VARCO_ERROR_NONE = 0,
    VARCO_ERROR_INVALID_POLICY,
    VARCO_ERROR_INVALID_HASH_PARAMS,
    VARCO_ERROR_MALFORMED_HASH,
    VARCO_ERROR_UNKNOWN_PEPPER,
    VARCO_ERROR_PEPPER_REQUIRED,
    VARCO_ERROR_INVALID_PEPPER,
    VARCO_ERROR_PASSWORD_TOO_LONG,
    VARCO_ERROR_DESERIALIZE,
    VARCO_ERROR_UNSUPPORTED_VERSION,
    VARCO_ERROR_MALFORMED_BREACH_RESPONSE,
    VARCO_ERROR_INVALID_SECRET,
    VARCO_ERROR_INVALID_OTP_CONFIG,
    VARCO_ERROR_INVALID_URI,
    VARCO_ERROR_INVALID_SEALING_KEY,
    VARCO_ERROR_INVALID_KEY,
    VARCO_ERROR_INVALID_GUARD_POLICY,
    VARCO_ERROR_ILLEGAL_TRANSITION,
    VARCO_ERROR_SEAL,
    VARCO_ERROR_INVALID_INPUT,
    VARCO_ERROR_INVALID_TIME,
    VARCO_ERROR_WRONG_RECORD_KIND,
    VARCO_ERROR_INTERNAL,
    VARCO_ERROR_INVALID_ENGINE_CONFIG,
}

impl From<ErrorCode> for varco_error_code {
    fn from(c: ErrorCode) -> Self {
        use varco_error_code as C;
        match c {
            ErrorCode::InvalidPolicy => C::VARCO_ERROR_INVALID_POLICY,
            ErrorCode::InvalidHashParams => C::VARCO_ERROR_INVALID_HASH_PARAMS,
            ErrorCode::MalformedHash => C::VARCO_ERROR_MALFORMED_HASH,
            ErrorCode::UnknownPepper => C::VARCO_ERROR_UNKNOWN_PEPPER,
            ErrorCode::PepperRequired => C::VARCO_ERROR_PEPPER_REQUIRED,
            ErrorCode::InvalidPepper => C::VARCO_ERROR_INVALID_PEPPER,
            ErrorCode::PasswordTooLong => C::VARCO_ERROR_PASSWORD_TOO_LONG,
            ErrorCode::Deserialize => C::VARCO_ERROR_DESERIALIZE,
            ErrorCode::UnsupportedVersion => C::VARCO_ERROR_UNSUPPORTED_VERSION,
            ErrorCode::MalformedBreachResponse => C::VARCO_ERROR_MALFORMED_BREACH_RESPONSE,
            ErrorCode::InvalidSecret => C::VARCO_ERROR_INVALID_SECRET,
            ErrorCode::InvalidOtpConfig => C::VARCO_ERROR_INVALID_OTP_CONFIG,
            ErrorCode::InvalidUri => C::VARCO_ERROR_INVALID_URI,
            ErrorCode::InvalidSealingKey => C::VARCO_ERROR_INVALID_SEALING_KEY,
            ErrorCode::InvalidKey => C::VARCO_ERROR_INVALID_KEY,
            ErrorCode::InvalidGuardPolicy => C::VARCO_ERROR_INVALID_GUARD_POLICY,
            ErrorCode::IllegalTransition => C::VARCO_ERROR_ILLEGAL_TRANSITION,
            ErrorCode::Seal => C::VARCO_ERROR_SEAL,
            ErrorCode::InvalidInput => C::VARCO_ERROR_INVALID_INPUT,
            ErrorCode::InvalidTime => C::VARCO_ERROR_INVALID_TIME,
            ErrorCode::WrongRecordKind => C::VARCO_ERROR_WRONG_RECORD_KIND,
            ErrorCode::Internal => C::VARCO_ERROR_INTERNAL,
            ErrorCode::InvalidEngineConfig => C::VARCO_ERROR_INVALID_ENGINE_CONFIG,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    static LAST_CODE: Cell<Option<ErrorCode>> = const { Cell::new(None) };
}

/// Records the message and typed cause of a failure on this thread.
pub(crate) fn set_last_error(message: String, code: Option<ErrorCode>) {
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    LAST_CODE.with(|c| c.set(code));
}

/// The typed cause of the last failed call on this thread
/// (`VARCO_ERROR_NONE` if there was none, or if it was the boundary's own:
/// a NULL pointer, a small buffer, an index past the end). Thread-safe:
/// each thread has its own.
#[unsafe(no_mangle)]
pub extern "C" fn varco_last_error_code() -> varco_error_code {
    LAST_CODE
        .with(Cell::get)
        .map_or(varco_error_code::VARCO_ERROR_NONE, varco_error_code::from)
}

/// The stable text of a typed cause (`"malformed_hash"`, as
/// `varco::ErrorCode::as_str`; `"none"` for `VARCO_ERROR_NONE`, `"unknown"`
/// for a value that is no code): static, NUL-terminated, never NULL, never
/// to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn varco_error_code_name(code: c_int) -> *const c_char {
    // Index 0 is "none", 1 to ALL.len() the codes in `ErrorCode::ALL` order (the
    // order of `varco_error_code`, checked by a test), then "unknown".
    static NAMES: std::sync::OnceLock<Vec<std::ffi::CString>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        std::iter::once("none")
            .chain(ErrorCode::ALL.iter().map(|c| c.as_str()))
            .chain(std::iter::once("unknown"))
            .map(|n| std::ffi::CString::new(n).unwrap_or_default())
            .collect()
    });
    let i = usize::try_from(code)
        .ok()
        .filter(|&i| i <= ErrorCode::ALL.len())
        .unwrap_or(ErrorCode::ALL.len() + 1);
    names[i].as_ptr()
}

/// The stable name of a result code (`"VARCO_OK"`, ...; `"VARCO_UNKNOWN"`
/// for a value that is none of them): a static, NUL-terminated string;
/// never NULL, never to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn varco_result_name(result: c_int) -> *const c_char {
    const NAMES: [&[u8]; 14] = [
        b"VARCO_OK\0",
        b"VARCO_NULL_POINTER\0",
        b"VARCO_INVALID_UTF8\0",
        b"VARCO_BUFFER_TOO_SMALL\0",
        b"VARCO_INVALID_INPUT\0",
        b"VARCO_INVALID_CONFIG\0",
        b"VARCO_UNUSABLE_RECORD\0",
        b"VARCO_START_OVER\0",
        b"VARCO_OUT_OF_RANGE\0",
        b"VARCO_INTERNAL\0",
        b"VARCO_STORE_FAILED\0",
        b"VARCO_STORE_BUSY\0",
        b"VARCO_UNKNOWN_FLOW\0",
        b"VARCO_TAKEN\0",
    ];
    let s: &'static [u8] = usize::try_from(result)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or(b"VARCO_UNKNOWN\0");
    s.as_ptr().cast()
}

/// The version of the library, e.g. `"0.1.0"`: static, NUL-terminated,
/// never to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn varco_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Copies the message of the last failed call on this thread (`"code:
/// detail"`, e.g. `"malformed_hash: ..."`; empty if none) into `buf`.
/// Thread-safe: each thread has its own last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_last_error(
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    // Not through `guard`, which would overwrite the message it reports.
    let message = LAST_ERROR.with(|e| e.borrow().clone());
    match std::panic::catch_unwind(|| unsafe { write_out(message.as_bytes(), buf, cap, written) }) {
        Ok(Ok(())) => varco_result::VARCO_OK,
        Ok(Err(r)) => r,
        Err(_) => varco_result::VARCO_INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `varco_error_code_name` indexes by the enum's value: its order must
    /// be `ErrorCode::ALL`'s.
    #[test]
    fn error_codes_follow_the_core_order_and_names() {
        for (i, c) in ErrorCode::ALL.into_iter().enumerate() {
            let value = varco_error_code::from(c) as c_int;
            assert_eq!(value, c_int::try_from(i + 1).unwrap(), "{c}");
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(varco_error_code_name(value)) };
            assert_eq!(name.to_str().unwrap(), c.as_str());
        }
        // SAFETY: as above.
        let name = |v| unsafe { std::ffi::CStr::from_ptr(varco_error_code_name(v)) };
        assert_eq!(name(0).to_str().unwrap(), "none");
        assert_eq!(name(-1).to_str().unwrap(), "unknown");
        let past = c_int::try_from(ErrorCode::ALL.len() + 1).unwrap();
        assert_eq!(name(past).to_str().unwrap(), "unknown");
    }
}
