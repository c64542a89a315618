//! Result codes and the last error message.

use std::cell::RefCell;
use std::ffi::{c_char, c_int};

use crate::ffi::write_out;

/// What a call returns.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum varco_result {
    /// Success.
    VARCO_OK = 0,
    /// A required pointer was NULL (or a handle was NULL).
    VARCO_NULL_POINTER = 1,
    /// A text input was not UTF-8.
    VARCO_INVALID_UTF8 = 2,
    /// The output buffer is too small; `*written` holds the length needed.
    VARCO_BUFFER_TOO_SMALL = 3,
    /// The input was refused (bad parameters, a malformed PHC string or URI,
    /// an unknown name); see `varco_last_error`.
    VARCO_INVALID_INPUT = 4,
    /// A saved state, or a configuration's JSON, could not be read
    /// (malformed JSON, missing or unknown fields).
    VARCO_MALFORMED_STATE = 5,
    /// A saved state comes from a newer release of varco.
    VARCO_UNSUPPORTED_VERSION = 6,
    /// A sealed record could not be opened (wrong key, tampering).
    VARCO_SEAL = 7,
    /// The account lifecycle does not allow this event in its state.
    VARCO_ILLEGAL_TRANSITION = 8,
    /// An index past the end.
    VARCO_OUT_OF_RANGE = 9,
    /// A bug inside varco was caught at the boundary; nothing was written.
    VARCO_PANIC = 10,
}

impl From<&varco::Error> for varco_result {
    fn from(e: &varco::Error) -> Self {
        match e {
            varco::Error::Deserialize(_) | varco::Error::WrongRecordKind { .. } => {
                varco_result::VARCO_MALFORMED_STATE
            }
            varco::Error::UnsupportedVersion { .. } => varco_result::VARCO_UNSUPPORTED_VERSION,
            varco::Error::Seal(_) => varco_result::VARCO_SEAL,
            varco::Error::IllegalTransition { .. } => varco_result::VARCO_ILLEGAL_TRANSITION,
            _ => varco_result::VARCO_INVALID_INPUT,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the message of a failure on this thread.
pub(crate) fn set_last_error(message: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
}

/// The stable name of a result code (`"VARCO_OK"`, ...; `"VARCO_UNKNOWN"`
/// for a value that is none of them): a static, NUL-terminated string;
/// never NULL, never to be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn varco_result_name(result: c_int) -> *const c_char {
    const NAMES: [&[u8]; 11] = [
        b"VARCO_OK\0",
        b"VARCO_NULL_POINTER\0",
        b"VARCO_INVALID_UTF8\0",
        b"VARCO_BUFFER_TOO_SMALL\0",
        b"VARCO_INVALID_INPUT\0",
        b"VARCO_MALFORMED_STATE\0",
        b"VARCO_UNSUPPORTED_VERSION\0",
        b"VARCO_SEAL\0",
        b"VARCO_ILLEGAL_TRANSITION\0",
        b"VARCO_OUT_OF_RANGE\0",
        b"VARCO_PANIC\0",
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
        Err(_) => varco_result::VARCO_PANIC,
    }
}
