//! Sealing keys: they encrypt authenticator secrets at rest.

use varco::seal::SealingKeys;

use crate::ffi::{OrFail, bytes, free, give, guard, handle_mut, text};
use crate::result::varco_result;

/// Keys that seal (XChaCha20-Poly1305) the authenticator credentials a host
/// stores. Thread-safe once built.
#[allow(non_camel_case_types)]
pub struct varco_sealing_keys {
    pub(crate) inner: SealingKeys,
}

/// Keys with a current key: an id (1 to 32 ASCII letters, digits, `-`,
/// `_`) and 32 secret bytes, which are copied (the caller wipes its copy).
/// The caller frees `*out` with [`varco_sealing_keys_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_sealing_keys_new(
    id: *const u8,
    id_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut varco_sealing_keys,
) -> varco_result {
    guard(|| {
        let id = unsafe { text(id, id_len, "id") }?;
        let key = unsafe { bytes(key, key_len, "key") }?;
        let inner = SealingKeys::new(id, key).or_fail()?;
        unsafe { give(out, varco_sealing_keys { inner }) }
    })
}

/// Adds an older key, to open records sealed before a rotation. Not
/// thread-safe: call it before sharing the keys.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_sealing_keys_add_old_key(
    keys: *mut varco_sealing_keys,
    id: *const u8,
    id_len: usize,
    key: *const u8,
    key_len: usize,
) -> varco_result {
    guard(|| {
        let k = unsafe { handle_mut(keys, "keys") }?;
        let id = unsafe { text(id, id_len, "id") }?;
        let key = unsafe { bytes(key, key_len, "key") }?;
        k.inner = k.inner.clone().with_old(id, key).or_fail()?;
        Ok(())
    })
}

/// Releases keys, wiping them. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_sealing_keys_free(keys: *mut varco_sealing_keys) {
    let _ = guard(|| {
        unsafe { free(keys) };
        Ok(())
    });
}
