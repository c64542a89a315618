//! Host keys: the secrets that key stored code hashes and seal stored
//! authenticator secrets.

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::VarcoError;

/// A host secret with its id. The first key of a list is the current one;
/// the others are kept to read what was written before a rotation. An
/// opaque object: no generated `toString`, `description` or `str` prints
/// its bytes, and the Rust copy is wiped when the last reference goes.
#[derive(uniffi::Object)]
pub struct HostKey {
    id: String,
    secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostKey {{ id: {:?}, secret: <redacted> }}", self.id)
    }
}

#[uniffi::export]
impl HostKey {
    /// A key: its id (stored beside what it keys, so that keys can
    /// rotate) and its bytes (32 for sealing; at least 16 for code hashes).
    /// The bytes are checked where the key is used.
    #[uniffi::constructor]
    pub fn new(id: String, secret: Vec<u8>) -> Arc<Self> {
        Arc::new(HostKey {
            id,
            secret: Zeroizing::new(secret),
        })
    }

    /// The key's id.
    pub fn id(&self) -> String {
        self.id.clone()
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
    pub fn new(keys: Vec<Arc<HostKey>>) -> Result<Self, VarcoError> {
        Self::build(&keys)
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> String {
        self.inner.current_id().to_owned()
    }
}

impl SealingKeys {
    fn build(keys: &[Arc<HostKey>]) -> Result<Self, VarcoError> {
        Ok(SealingKeys {
            inner: varco::seal::SealingKeys::from_ring(ring(keys)?)?,
        })
    }
}

/// The core's key ring from a list (the first is current).
pub(crate) fn ring(keys: &[Arc<HostKey>]) -> Result<varco::keys::KeyRing, VarcoError> {
    Ok(varco::keys::KeyRing::from_list(
        keys.iter().map(|k| (k.id.as_str(), k.secret.to_vec())),
    )?)
}

/// Code-hash keys from a list (the first is current).
pub(crate) fn code_keys(keys: &[Arc<HostKey>]) -> Result<varco::otp::CodeKeys, VarcoError> {
    Ok(varco::otp::CodeKeys::from_ring(ring(keys)?)?)
}
