//! Password hashing (Argon2id, PHC strings).

use varco::hash::{HashParams, PasswordHasher, Pepper, Verification};
use zeroize::Zeroizing;

use crate::ffi::{
    OrFail, bytes, free, give, guard, handle, handle_mut, out_ptr, put, text, write_out,
};
use crate::result::varco_result;

/// An Argon2id hasher. It reuses its memory between calls: make one per
/// process and share it; it is thread-safe.
#[allow(non_camel_case_types)]
pub struct varco_hasher {
    pub(crate) inner: PasswordHasher,
}

/// A hasher with the OWASP parameters (m = 19456 KiB, t = 2, p = 1). The
/// caller frees `*out` with [`varco_hasher_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_owasp(out: *mut *mut varco_hasher) -> varco_result {
    guard(|| unsafe {
        give(
            out,
            varco_hasher {
                inner: PasswordHasher::default(),
            },
        )
    })
}

/// A hasher with custom parameters (validated: m ≥ 8·p KiB, t ≥ 1, ...).
/// The caller frees `*out` with [`varco_hasher_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_new(
    m_kib: u32,
    t: u32,
    p: u32,
    out: *mut *mut varco_hasher,
) -> varco_result {
    guard(|| {
        let params = HashParams::new(m_kib, t, p).or_fail()?;
        unsafe {
            give(
                out,
                varco_hasher {
                    inner: PasswordHasher::new(params),
                },
            )
        }
    })
}

/// A hasher with custom parameters and a pepper: a host secret (id of at
/// most 8 characters, secret of at most 1024 bytes, copied) mixed into every
/// hash and kept out of the database. The caller frees `*out` with
/// [`varco_hasher_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_new_with_pepper(
    m_kib: u32,
    t: u32,
    p: u32,
    pepper_id: *const u8,
    pepper_id_len: usize,
    pepper: *const u8,
    pepper_len: usize,
    out: *mut *mut varco_hasher,
) -> varco_result {
    guard(|| {
        let id = unsafe { text(pepper_id, pepper_id_len, "pepper_id") }?;
        let secret = unsafe { bytes(pepper, pepper_len, "pepper") }?;
        let params = HashParams::new(m_kib, t, p).or_fail()?;
        let pepper = Pepper::new(id, secret.to_vec()).or_fail()?;
        let inner = PasswordHasher::new(params).with_pepper(pepper);
        unsafe { give(out, varco_hasher { inner }) }
    })
}

/// Adds a retired pepper, so that hashes made before a rotation still
/// verify (and `needs_rehash` says to replace them). Not thread-safe: call it
/// before sharing the hasher.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_add_old_pepper(
    hasher: *mut varco_hasher,
    pepper_id: *const u8,
    pepper_id_len: usize,
    pepper: *const u8,
    pepper_len: usize,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle_mut(hasher, "hasher") }?;
        let id = unsafe { text(pepper_id, pepper_id_len, "pepper_id") }?;
        let secret = unsafe { bytes(pepper, pepper_len, "pepper") }?;
        let pepper = Pepper::new(id, secret.to_vec()).or_fail()?;
        let current = std::mem::take(&mut h.inner);
        h.inner = current.with_old_pepper(pepper);
        Ok(())
    })
}

/// Whether a peppered hasher verifies hashes made before the pepper was
/// introduced (off by default: they are refused, so that a record swapped
/// for one made without the pepper does not verify; on, they verify and ask
/// for a rehash). Not thread-safe: call it before sharing the hasher.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_accept_legacy_unpeppered(
    hasher: *mut varco_hasher,
    accept: bool,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle_mut(hasher, "hasher") }?;
        let current = std::mem::take(&mut h.inner);
        h.inner = current.with_legacy_unpeppered(accept);
        Ok(())
    })
}

/// The Argon2 work `hasher` has done (KiB of memory × passes, summed over
/// every hash, verification and dummy); 0 for NULL. Two paths that must
/// cost the same (an unknown account and a wrong password) add the same
/// amount. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_work(hasher: *const varco_hasher) -> u64 {
    let mut work = 0;
    let _ = guard(|| {
        work = unsafe { handle(hasher, "hasher") }?.inner.work();
        Ok(())
    });
    work
}

/// Hashes a password (at most 1024 bytes) into a PHC string in `buf`
/// (128 bytes always suffice for varco's parameters). The salt comes from
/// the OS generator. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_hash(
    hasher: *const varco_hasher,
    password: *const u8,
    password_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let password = unsafe { text(password, password_len, "password") }?;
        out_ptr(written, "written")?;
        let phc = Zeroizing::new(h.inner.hash(password, &mut rand::rng()).or_fail()?);
        unsafe { write_out(phc.as_bytes(), buf, cap, written) }
    })
}

/// Wraps an imported legacy hash (bcrypt, PBKDF2, SHA-crypt) in Argon2id
/// at import, into `buf` (512 bytes always suffice):
/// [`varco_hasher_verify`] checks a password against it and asks for a
/// rehash when it matches. A hash that is not a readable legacy hash, or a
/// SHA-crypt salt that cannot be remade, is `VARCO_UNUSABLE_RECORD` with
/// `VARCO_ERROR_MALFORMED_HASH` as the last error code.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_wrap_legacy(
    hasher: *const varco_hasher,
    legacy: *const u8,
    legacy_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let legacy = unsafe { text(legacy, legacy_len, "legacy") }?;
        out_ptr(written, "written")?;
        let wrapped = h.inner.wrap_legacy(legacy, &mut rand::rng()).or_fail()?;
        unsafe { write_out(wrapped.as_bytes(), buf, cap, written) }
    })
}

/// Verifies a password against a stored PHC string, in constant time. On
/// success `*valid` says whether it matches and `*needs_rehash` whether the
/// stored hash should be replaced now (it matched, with old parameters or
/// pepper). A malformed PHC string is `VARCO_INVALID_INPUT`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_verify(
    hasher: *const varco_hasher,
    password: *const u8,
    password_len: usize,
    phc: *const u8,
    phc_len: usize,
    valid: *mut bool,
    needs_rehash: *mut bool,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let password = unsafe { text(password, password_len, "password") }?;
        let phc = unsafe { text(phc, phc_len, "phc") }?;
        out_ptr(valid, "valid")?;
        out_ptr(needs_rehash, "needs_rehash")?;
        let (v, r) = match h.inner.verify(password, phc).or_fail()? {
            Verification::Valid { needs_rehash } => (true, needs_rehash),
            Verification::Invalid => (false, false),
        };
        unsafe {
            put(valid, v);
            put(needs_rehash, r);
        }
        Ok(())
    })
}

/// The same work as a verification, for an unknown account, so that
/// timing does not reveal which accounts exist. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_dummy_verify(
    hasher: *const varco_hasher,
    password: *const u8,
    password_len: usize,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let password = unsafe { text(password, password_len, "password") }?;
        let _ = h.inner.dummy_verify(password);
        Ok(())
    })
}

/// Whether a stored PHC string should be replaced (other parameters,
/// algorithm or pepper). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_needs_rehash(
    hasher: *const varco_hasher,
    phc: *const u8,
    phc_len: usize,
    out: *mut bool,
) -> varco_result {
    guard(|| {
        let h = unsafe { handle(hasher, "hasher") }?;
        let phc = unsafe { text(phc, phc_len, "phc") }?;
        out_ptr(out, "out")?;
        let r = h.inner.needs_rehash(phc).or_fail()?;
        unsafe { put(out, r) };
        Ok(())
    })
}

/// Releases a hasher. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_hasher_free(hasher: *mut varco_hasher) {
    let _ = guard(|| {
        unsafe { free(hasher) };
        Ok(())
    });
}
