//! The boundary: panics caught, pointers checked, text validated, outputs
//! written only on success.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::{set_last_error, varco_result};

/// What a body returns: nothing, or the code to return (its message already
/// recorded).
pub(crate) type Res = Result<(), varco_result>;

/// Runs a body behind `catch_unwind`.
pub(crate) fn guard(body: impl FnOnce() -> Res) -> varco_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => varco_result::VARCO_OK,
        Ok(Err(code)) => code,
        Err(_) => {
            set_last_error(
                "internal: a panic inside varco was caught at the C boundary".into(),
                Some(varco::ErrorCode::Internal),
            );
            varco_result::VARCO_INTERNAL
        }
    }
}

/// Records a core error and maps it to its code.
pub(crate) fn fail(e: varco::Error) -> varco_result {
    set_last_error(format!("{}: {e}", e.code()), Some(e.error_code()));
    varco_result::from(&e)
}

/// Records a boundary error (a NULL pointer, text that is not UTF-8, a
/// small buffer, an index past the end): its typed cause is
/// `invalid_input` for refused input, none for the others.
pub(crate) fn refuse(code: varco_result, message: &str) -> varco_result {
    let typed = matches!(
        code,
        varco_result::VARCO_INVALID_INPUT | varco_result::VARCO_INVALID_UTF8
    )
    .then_some(varco::ErrorCode::InvalidInput);
    set_last_error(message.to_owned(), typed);
    code
}

/// Lets `?` turn core errors into result codes.
pub(crate) trait OrFail<T> {
    fn or_fail(self) -> Result<T, varco_result>;
}

impl<T> OrFail<T> for Result<T, varco::Error> {
    fn or_fail(self) -> Result<T, varco_result> {
        self.map_err(fail)
    }
}

/// Borrows `len` bytes at `ptr`; NULL with length 0 is empty input.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], varco_result> {
    if ptr.is_null() && len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(refuse(
            varco_result::VARCO_NULL_POINTER,
            &format!("null_pointer: {what} is NULL"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(refuse(
            varco_result::VARCO_INVALID_INPUT,
            &format!("invalid_input: {what} is too long"),
        ));
    }
    // SAFETY: the caller promises `len` readable bytes at a non-NULL `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows UTF-8 text.
pub(crate) unsafe fn text<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a str, varco_result> {
    let b = unsafe { bytes(ptr, len, what) }?;
    std::str::from_utf8(b).map_err(|_| {
        refuse(
            varco_result::VARCO_INVALID_UTF8,
            &format!("invalid_utf8: {what} is not UTF-8"),
        )
    })
}

/// Borrows optional UTF-8 text (NULL: absent).
pub(crate) unsafe fn opt_text<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<Option<&'a str>, varco_result> {
    if ptr.is_null() {
        Ok(None)
    } else {
        unsafe { text(ptr, len, what) }.map(Some)
    }
}

/// Borrows a handle.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, varco_result> {
    // SAFETY: a non-NULL handle was made by the matching `_new` and not freed.
    unsafe { ptr.as_ref() }.ok_or_else(|| {
        refuse(
            varco_result::VARCO_NULL_POINTER,
            &format!("null_pointer: {what} is NULL"),
        )
    })
}

/// Borrows a handle mutably.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, varco_result> {
    // SAFETY: as `handle`, and the caller does not share it during the call.
    unsafe { ptr.as_mut() }.ok_or_else(|| {
        refuse(
            varco_result::VARCO_NULL_POINTER,
            &format!("null_pointer: {what} is NULL"),
        )
    })
}

/// Checks that an out-pointer is not NULL.
pub(crate) fn out_ptr<T>(ptr: *mut T, what: &str) -> Res {
    if ptr.is_null() {
        return Err(refuse(
            varco_result::VARCO_NULL_POINTER,
            &format!("null_pointer: {what} is NULL"),
        ));
    }
    Ok(())
}

/// Writes a value through a checked out-pointer.
pub(crate) unsafe fn put<T>(ptr: *mut T, value: T) {
    // SAFETY: checked non-NULL by `out_ptr`; the caller gave writable memory.
    unsafe { ptr.write(value) }
}

/// Hands a new object to the caller through `out`.
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) -> Res {
    out_ptr(out, "out")?;
    unsafe { put(out, Box::into_raw(Box::new(value))) };
    Ok(())
}

/// Takes back an object given by [`give`] (NULL: nothing).
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: made by `give` and not freed yet (the caller's promise).
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Copies text into the caller's buffer, NUL-terminated (see the crate docs).
pub(crate) unsafe fn write_out(data: &[u8], buf: *mut u8, cap: usize, written: *mut usize) -> Res {
    out_ptr(written, "written")?;
    if data.len() >= cap {
        unsafe { put(written, data.len()) };
        return Err(refuse(
            varco_result::VARCO_BUFFER_TOO_SMALL,
            &format!(
                "buffer_too_small: {} bytes needed, with the NUL",
                data.len() + 1
            ),
        ));
    }
    out_ptr(buf, "buf")?;
    // SAFETY: `buf` has `cap` > data.len() writable bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
        buf.add(data.len()).write(0);
        put(written, data.len());
    }
    Ok(())
}

/// Parses a name with the core's `FromStr` (purpose, factor, algorithm...).
pub(crate) fn parse<T: std::str::FromStr<Err = varco::Error>>(s: &str) -> Result<T, varco_result> {
    s.parse().map_err(fail)
}

/// A Unix time in milliseconds, signed as C clocks give it; a negative one
/// is refused.
pub(crate) fn at_ms(ms: i64) -> Result<varco::Timestamp, varco_result> {
    u64::try_from(ms)
        .map(varco::Timestamp::from_unix_millis)
        .map_err(|_| fail(varco::Error::InvalidTime(format!("{ms} ms is before 1970"))))
}
