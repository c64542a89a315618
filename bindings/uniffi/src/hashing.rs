//! Password hashing (Argon2id, PHC strings).

use crate::VarcoError;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyResult {
    /// The password matches.
    pub valid: bool,
    /// It matches, and the stored hash should be replaced now.
    pub needs_rehash: bool,
}

/// An Argon2id password hasher. It reuses its memory across calls: share
/// one per process (it is thread-safe).
#[derive(uniffi::Object)]
pub struct Hasher {
    pub(crate) inner: varco::hash::PasswordHasher,
}

#[uniffi::export]
impl Hasher {
    /// A hasher with the OWASP parameters (m = 19456 KiB, t = 2, p = 1).
    #[uniffi::constructor]
    pub fn owasp() -> Self {
        Hasher {
            inner: varco::hash::PasswordHasher::default(),
        }
    }

    /// A hasher with custom, validated parameters.
    #[uniffi::constructor]
    pub fn with_params(m_kib: u32, t: u32, p: u32) -> Result<Self, VarcoError> {
        Ok(Hasher {
            inner: varco::hash::PasswordHasher::new(varco::hash::HashParams::new(m_kib, t, p)?),
        })
    }

    /// A hasher with custom parameters and a pepper: a host secret (at most
    /// 8-character id, 1024 bytes) mixed into every hash and kept out of the
    /// database. `old_peppers` still verify hashes made before a rotation
    /// (and make `needs_rehash` say so).
    ///
    /// `accept_legacy_unpeppered` (default false): whether hashes made
    /// before the pepper was introduced still verify (and ask for a
    /// rehash); off, they are refused (`PepperRequired`), so that a record
    /// swapped for one made without the pepper does not verify.
    #[uniffi::constructor(default(accept_legacy_unpeppered = false))]
    pub fn with_pepper(
        m_kib: u32,
        t: u32,
        p: u32,
        pepper: std::sync::Arc<crate::HostKey>,
        mut old_peppers: Vec<std::sync::Arc<crate::HostKey>>,
        accept_legacy_unpeppered: bool,
    ) -> Result<Self, VarcoError> {
        old_peppers.insert(0, pepper);
        let params = varco::hash::HashParams::new(m_kib, t, p)?;
        Ok(Hasher {
            inner: varco::hash::PasswordHasher::new(params)
                .with_peppers(&crate::keys::ring(&old_peppers)?)?
                .with_legacy_unpeppered(accept_legacy_unpeppered),
        })
    }

    /// The Argon2 work done so far (KiB of memory × passes, summed over
    /// every hash, verification and dummy): two paths that must cost the
    /// same (an unknown account and a wrong password) add the same amount.
    pub fn work(&self) -> u64 {
        self.inner.work()
    }

    /// Hashes a password into a PHC string (salt from the OS generator).
    pub fn hash(&self, password: String) -> Result<String, VarcoError> {
        let password = varco::SecretString::new(password);
        Ok(self.inner.hash(password.expose(), &mut rand::rng())?)
    }

    /// Verifies a password against a stored PHC string.
    pub fn verify(&self, password: String, phc: String) -> Result<VerifyResult, VarcoError> {
        let password = varco::SecretString::new(password);
        Ok(match self.inner.verify(password.expose(), &phc)? {
            varco::hash::Verification::Valid { needs_rehash } => VerifyResult {
                valid: true,
                needs_rehash,
            },
            varco::hash::Verification::Invalid => VerifyResult {
                valid: false,
                needs_rehash: false,
            },
        })
    }

    /// Wraps an imported legacy hash (bcrypt, PBKDF2, SHA-crypt) in
    /// Argon2id at import: `verify` checks the password against it, and
    /// asks for a rehash when it matches.
    pub fn wrap_legacy(&self, legacy: String) -> Result<String, VarcoError> {
        Ok(self.inner.wrap_legacy(&legacy, &mut rand::rng())?)
    }

    /// Whether a stored PHC string should be replaced (other parameters,
    /// algorithm or pepper).
    pub fn needs_rehash(&self, phc: String) -> Result<bool, VarcoError> {
        Ok(self.inner.needs_rehash(&phc)?)
    }

    /// The same work as a verification, for an unknown account (so that
    /// response times do not tell which accounts exist). Always invalid.
    pub fn dummy_verify(&self, password: String) -> VerifyResult {
        let password = varco::SecretString::new(password);
        let _ = self.inner.dummy_verify(password.expose());
        VerifyResult {
            valid: false,
            needs_rehash: false,
        }
    }
}
