//! Host keys: the secrets that key stored code hashes and seal stored
//! authenticator secrets.

use crate::VarcoError;

/// A host secret with its id. The first key of a list is the current one;
/// the others are kept to read what was written before a rotation.
#[derive(Clone, uniffi::Record)]
pub struct HostKey {
    /// The key id (stored beside what it keys, so that keys can rotate).
    pub id: String,
    /// The key bytes (32 for sealing; at least 16 for code hashes).
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostKey {{ id: {:?}, secret: <redacted> }}", self.id)
    }
}

/// Wipes the key bytes the caller handed over, once they are copied into
/// the core's zeroizing key types.
pub(crate) fn wipe(keys: &mut [HostKey]) {
    for k in keys {
        zeroize::Zeroize::zeroize(&mut k.secret);
    }
}

/// Keys that encrypt authenticator secrets at rest (XChaCha20-Poly1305).
/// Thread-safe; create one per process.
#[derive(uniffi::Object)]
pub struct SealingKeys {
    pub(crate) inner: varco::seal::SealingKeys,
}

impl std::fmt::Debug for SealingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl SealingKeys {
    /// Keys from a list: the first seals, all of them open. Each secret is
    /// 32 bytes; each id 1 to 32 ASCII letters, digits, `-` or `_`.
    #[uniffi::constructor]
    pub fn new(mut keys: Vec<HostKey>) -> Result<Self, VarcoError> {
        let built = Self::build(&keys);
        wipe(&mut keys);
        built
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> String {
        self.inner.current_id().to_owned()
    }
}

impl SealingKeys {
    fn build(keys: &[HostKey]) -> Result<Self, VarcoError> {
        Ok(SealingKeys {
            inner: varco::seal::SealingKeys::from_ring(ring(keys)?)?,
        })
    }
}

/// The core's key ring from a list (the first is current).
pub(crate) fn ring(keys: &[HostKey]) -> Result<varco::keys::KeyRing, VarcoError> {
    Ok(varco::keys::KeyRing::from_list(
        keys.iter().map(|k| (k.id.as_str(), k.secret.clone())),
    )?)
}

/// Code-hash keys from a list (the first is current).
pub(crate) fn code_keys(keys: &[HostKey]) -> Result<varco::otp::CodeKeys, VarcoError> {
    Ok(varco::otp::CodeKeys::from_ring(ring(keys)?)?)
}
