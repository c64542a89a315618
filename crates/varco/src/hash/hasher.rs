//! The password hasher: Argon2id PHC strings, constant-time verification,
//! rehash detection, peppers and pooled memory.

use std::sync::atomic::{AtomicU64, Ordering};

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::core::{Argon2Core, Engine};
use super::phc::{self, Argon2Input, StoredHash, V0X13, Variant};
use super::{HashParams, LegacyHash, Pepper};
use crate::keys::KeyRing;
use crate::{Error, Normalization};

/// The prefix of a wrapped legacy hash ([`PasswordHasher::wrap_legacy`]).
const WRAP_PREFIX: &str = "$varco-wrap$";

/// The result of checking a password against a stored hash.
///
/// ```
/// use varco::hash::Verification;
/// let v = Verification::Valid { needs_rehash: true };
/// assert!(v.is_valid());
/// assert!(!Verification::Invalid.is_valid());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password matches. When `needs_rehash` is true the hash was made
    /// with older parameters or another pepper: hash the password again now,
    /// while you have it, and store the new PHC string.
    Valid {
        /// The stored hash should be replaced (see [`PasswordHasher::needs_rehash`]).
        needs_rehash: bool,
    },
    /// The password does not match.
    Invalid,
}

impl Verification {
    /// True for [`Verification::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verification::Valid { .. })
    }
}

/// Hashes and verifies passwords with Argon2id.
///
/// One hasher serves a whole process: it is `Send + Sync`, and its methods take
/// `&self`. It keeps a small pool of Argon2 working memory so that each hash
/// reuses memory that is already mapped instead of allocating and
/// page-faulting `m` KiB every time (see `BENCHMARKS.md`).
///
/// Passwords are normalized (NFC by default, see [`crate::normalize`]) and
/// bounded in length *before* any hashing, so that a multi-megabyte "password"
/// costs nothing. Nothing is ever truncated.
///
/// ```
/// use varco::hash::{HashParams, PasswordHasher, Verification};
///
/// # fn main() -> Result<(), varco::Error> {
/// let old = PasswordHasher::new(HashParams::new(32, 1, 1)?);
/// let new = PasswordHasher::new(HashParams::new(64, 1, 1)?);
/// let phc = old.hash("pässwörd", &mut rand::rng())?;
/// // The same password, typed with a combining diaeresis, still verifies…
/// let v = new.verify("pa\u{308}sswo\u{308}rd", &phc)?;
/// // …and the hasher asks for an upgrade to its current parameters.
/// assert_eq!(v, Verification::Valid { needs_rehash: true });
/// # Ok(())
/// # }
/// ```
pub struct PasswordHasher {
    params: HashParams,
    normalization: Normalization,
    pepper: Option<Pepper>,
    old_peppers: Vec<Pepper>,
    max_password_bytes: usize,
    max_verify_m_kib: u32,
    max_verify_t: u32,
    max_verify_cost: u64,
    wipe_memory: bool,
    accept_unpeppered: bool,
    engine: Engine,
    /// At most this many Argon2 runs at once, if set.
    slots: Option<super::slots::Slots>,
    /// KiB-passes computed (see [`PasswordHasher::work`]).
    work: AtomicU64,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .field("normalization", &self.normalization)
            .field("pepper", &self.pepper)
            .field("old_peppers", &self.old_peppers)
            .field("max_password_bytes", &self.max_password_bytes)
            .field("core", &self.engine.core())
            .finish_non_exhaustive()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        PasswordHasher::new(HashParams::default())
    }
}

const SALT_LEN: usize = 16;

impl PasswordHasher {
    /// Default bound on a password's length: 1024 UTF-8 bytes, before and
    /// after normalization (256 code points of 4 bytes each).
    pub const DEFAULT_MAX_PASSWORD_BYTES: usize = 1024;
    /// Default bounds on the cost of a *stored* hash that `verify` accepts
    /// to compute: this many times the hasher's own memory, and its own
    /// memory × passes, so that a tampered record costs at most a few
    /// ordinary verifications, never seconds (and moving between the OWASP
    /// presets, which trade memory for passes, stays within them). Raise
    /// them with [`with_verify_limits`](Self::with_verify_limits) for old
    /// records made with heavier parameters.
    pub const DEFAULT_VERIFY_HEADROOM: u32 = 4;
    /// How many idle Argon2 buffers the pool keeps by default.
    pub const DEFAULT_POOL_SIZE: usize = 4;

    /// A hasher with these parameters, NFC normalization, no pepper and the
    /// default [`Argon2Core`].
    pub fn new(params: HashParams) -> Self {
        PasswordHasher {
            params,
            normalization: Normalization::Nfc,
            pepper: None,
            old_peppers: Vec::new(),
            max_password_bytes: Self::DEFAULT_MAX_PASSWORD_BYTES,
            max_verify_m_kib: params.m_kib().saturating_mul(Self::DEFAULT_VERIFY_HEADROOM),
            max_verify_t: HashParams::MAX_T,
            max_verify_cost: u64::from(params.m_kib())
                * u64::from(params.t())
                * u64::from(Self::DEFAULT_VERIFY_HEADROOM),
            wipe_memory: false,
            accept_unpeppered: false,
            engine: Engine::default_core(Self::DEFAULT_POOL_SIZE),
            slots: None,
            work: AtomicU64::new(0),
        }
    }

    /// Chooses the Argon2 implementation (the default is
    /// [`Argon2Core::ArgonRust`] when compiled in). Tags, and so PHC strings,
    /// are identical whichever core makes them.
    ///
    /// # Errors
    /// [`Error::InvalidHashParams`] if that core's cargo feature is off.
    pub fn with_core(mut self, core: Argon2Core) -> Result<Self, Error> {
        self.engine = Engine::new(core, self.engine.idle())?;
        Ok(self)
    }

    /// The Argon2 implementation in use.
    pub fn core(&self) -> Argon2Core {
        self.engine.core()
    }

    /// Sets the current pepper: new hashes use it. A previous current
    /// pepper is kept for verification, as by [`with_old_pepper`](Self::with_old_pepper).
    pub fn with_pepper(mut self, pepper: Pepper) -> Self {
        if let Some(prev) = self.pepper.replace(pepper) {
            self.old_peppers.push(prev);
        }
        self
    }

    /// Sets the peppers from a [`KeyRing`]: its current key peppers new
    /// hashes, the others verify hashes that name their ids (and make
    /// [`needs_rehash`](Self::needs_rehash) say so).
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher};
    /// use varco::keys::KeyRing;
    ///
    /// let params = HashParams::new(64, 1, 1).unwrap();
    /// let ring = KeyRing::from_list([("p2", vec![2; 32]), ("p1", vec![1; 32])]).unwrap();
    /// let h = PasswordHasher::new(params).with_peppers(&ring).unwrap();
    /// let stored = h.hash("pw", &mut rand::rng()).unwrap();
    /// // After a rotation, p2 still verifies, and asks for a rehash under p3.
    /// let rotated = KeyRing::from_list([("p3", vec![3; 32]), ("p2", vec![2; 32])]).unwrap();
    /// let h = PasswordHasher::new(params).with_peppers(&rotated).unwrap();
    /// use varco::hash::Verification;
    /// assert_eq!(h.verify("pw", &stored).unwrap(), Verification::Valid { needs_rehash: true });
    /// // A pepper id is written into each hash, where 8 bytes fit.
    /// let long = KeyRing::new("longer-than-8", vec![1; 32]).unwrap();
    /// let e = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap()).with_peppers(&long).unwrap_err();
    /// assert_eq!(e.code(), "invalid_pepper");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidPepper`] for an id over
    /// [`Pepper::MAX_ID_LEN`](super::Pepper::MAX_ID_LEN) bytes.
    pub fn with_peppers(self, ring: &KeyRing) -> Result<Self, Error> {
        let mut keys = ring.iter();
        let mut out = match keys.next() {
            Some((id, secret)) => self.with_pepper(Pepper::new(id, secret.to_vec())?),
            None => self,
        };
        for (id, secret) in keys {
            out = out.with_old_pepper(Pepper::new(id, secret.to_vec())?);
        }
        Ok(out)
    }

    /// Adds a retired pepper, used only to verify hashes that name its id.
    pub fn with_old_pepper(mut self, pepper: Pepper) -> Self {
        self.old_peppers.push(pepper);
        self
    }

    /// Chooses the normalization form (NFC by default). Hashes made under one
    /// form must be verified under the same one.
    pub fn with_normalization(mut self, normalization: Normalization) -> Self {
        self.normalization = normalization;
        self
    }

    /// Sets the byte bound on passwords (default 1024).
    ///
    /// # Errors
    /// [`Error::InvalidHashParams`] if `max` is below 64 (NIST and ASVS ask
    /// that at least 64 characters be accepted) or above 1 MiB.
    pub fn with_max_password_bytes(mut self, max: usize) -> Result<Self, Error> {
        if !(64..=1 << 20).contains(&max) {
            return Err(Error::InvalidHashParams(format!(
                "max password bytes {max}, must be 64..=1048576"
            )));
        }
        self.max_password_bytes = max;
        Ok(self)
    }

    /// Bounds the cost of stored hashes that `verify` will compute (memory in
    /// KiB and passes), so that a tampered record cannot exhaust the host.
    pub fn with_verify_limits(mut self, max_m_kib: u32, max_t: u32) -> Self {
        self.max_verify_m_kib = max_m_kib.max(self.params.m_kib());
        self.max_verify_t = max_t.max(self.params.t());
        self.max_verify_cost = u64::from(self.max_verify_m_kib) * u64::from(self.max_verify_t);
        self
    }

    /// Whether a peppered hasher verifies stored hashes made without a
    /// pepper: Argon2 records from before the pepper was introduced, and
    /// imported legacy hashes ([`LegacyHash`]: bcrypt, PBKDF2, SHA-crypt),
    /// which never have one. Off by default: such a hash is refused
    /// ([`Error::PepperRequired`]), so that a record swapped for one the
    /// attacker made without the pepper does not verify. On, it verifies
    /// and always asks for a rehash. A hasher without a pepper verifies
    /// legacy hashes whatever this says.
    pub fn with_legacy_unpeppered(mut self, accept: bool) -> Self {
        self.accept_unpeppered = accept;
        self
    }

    /// The Argon2 work this hasher has done: memory (KiB) × passes, summed
    /// over every hash, verification and dummy. A diagnostic: two paths
    /// that must cost the same (an unknown account and a wrong password)
    /// add the same amount.
    pub fn work(&self) -> u64 {
        self.work.load(Ordering::Relaxed)
    }

    /// With [`Argon2Core::RustCrypto`], zero the pooled Argon2 memory after
    /// every hash (off by default: each hash overwrites the whole buffer
    /// anyway, and the wipe costs about a tenth of a hash; turn it on if
    /// process memory may be read by others). [`Argon2Core::ArgonRust`]
    /// always wipes its arena after every hash, whatever this says.
    pub fn with_memory_wipe(mut self, wipe: bool) -> Self {
        self.wipe_memory = wipe;
        self
    }

    /// Sets how many idle Argon2 buffers are kept (default 4; 0 disables
    /// reuse). Each holds `m` KiB.
    pub fn with_pool_size(mut self, idle_buffers: usize) -> Self {
        self.engine = self.engine.with_idle(idle_buffers);
        self
    }

    /// Runs at most `n` Argon2 computations at once (hashes,
    /// verifications and dummy runs alike); the others wait their turn.
    /// Set it to the number of cores a server gives to hashing, plus one:
    /// Argon2 is bound by memory bandwidth, and many more runs than cores
    /// only evict each other from the caches, while exactly as many leave
    /// a core idle each time a finished run hands its slot to a waiting
    /// thread that the scheduler has yet to wake (BENCHMARKS.md, "Issue 13,
    /// session 14": on two cores, 2 slots kept Argon2 on 82 % of the
    /// cores' time, 3 slots on 95 %, no limit on 77 % at 64 clients). 0,
    /// the default, sets no limit.
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher};
    ///
    /// let hasher = PasswordHasher::new(HashParams::new(8, 1, 1).unwrap()).with_max_concurrent(2);
    /// assert_eq!(hasher.max_concurrent(), 2);
    /// let phc = hasher.hash("pw", &mut rand::rng()).unwrap();
    /// assert!(hasher.verify("pw", &phc).unwrap().is_valid());
    /// ```
    pub fn with_max_concurrent(mut self, n: usize) -> Self {
        self.slots = (n > 0).then(|| super::slots::Slots::new(n));
        self
    }

    /// The limit [`with_max_concurrent`](Self::with_max_concurrent) set (0:
    /// none).
    pub fn max_concurrent(&self) -> usize {
        self.slots.as_ref().map_or(0, super::slots::Slots::max)
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// The normalization applied before hashing.
    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// Hashes a password into a PHC string
    /// (`$argon2id$v=19$m=19456,t=2,p=1[,keyid=…]$salt$hash`), with a
    /// 16-byte salt from `rng`.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use varco::hash::{HashParams, PasswordHasher};
    ///
    /// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    /// // A seeded generator makes the salt, and so the string, reproducible.
    /// let a = hasher.hash("pw", &mut rand::rngs::StdRng::seed_from_u64(1)).unwrap();
    /// let b = hasher.hash("pw", &mut rand::rngs::StdRng::seed_from_u64(1)).unwrap();
    /// assert_eq!(a, b);
    /// assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    /// ```
    ///
    /// # Errors
    /// [`Error::PasswordTooLong`] past the byte bound (nothing is hashed).
    pub fn hash<R: CryptoRng + ?Sized>(
        &self,
        password: &str,
        rng: &mut R,
    ) -> Result<String, Error> {
        let pw = self.prepare(password)?;
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let input = self.current_input(salt.to_vec());
        let mut out = Zeroizing::new(vec![0u8; self.params.output_len() as usize]);
        self.compute(&input, self.pepper.as_ref(), pw.as_bytes(), &mut out)?;
        phc::encode(&input, &out)
    }

    /// Checks a password against a stored PHC string, in constant time with
    /// respect to the hash contents.
    ///
    /// ```
    /// use varco::hash::{PasswordHasher, Verification};
    ///
    /// // A hash made by the reference implementation (argon2i, v=0x10).
    /// let phc = "$argon2i$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
    /// let hasher = PasswordHasher::default();
    /// assert_eq!(hasher.verify("password", phc).unwrap(), Verification::Valid { needs_rehash: true });
    /// assert_eq!(hasher.verify("Password", phc).unwrap(), Verification::Invalid);
    /// assert_eq!(hasher.verify("password", "$md5$x").unwrap_err().code(), "malformed_hash");
    /// ```
    ///
    /// Accepts Argon2id, and for legacy records Argon2i and Argon2d, versions
    /// 0x10 and 0x13 (a missing `v=` means 0x10, as in the reference
    /// implementation).
    ///
    /// # Errors
    /// - [`Error::MalformedHash`] if the string is neither a valid Argon2
    ///   PHC string nor a readable legacy hash ([`LegacyHash`]: bcrypt,
    ///   PBKDF2-SHA256/512, SHA-crypt), or its costs exceed the verify
    ///   limits (a legacy scheme's [`max_cost`](super::LegacyScheme::max_cost));
    /// - [`Error::UnknownPepper`] if it names a key id this hasher lacks;
    /// - [`Error::PepperRequired`] for a hash made without a pepper, when
    ///   this hasher has one (see [`with_legacy_unpeppered`](Self::with_legacy_unpeppered));
    /// - [`Error::PasswordTooLong`] past the byte bound.
    ///
    /// Each error costs what a verification at the hasher's parameters
    /// costs: there is no early return to time.
    pub fn verify(&self, password: &str, phc: &str) -> Result<Verification, Error> {
        if LegacyHash::is_legacy(phc) {
            return self.verify_legacy(password, phc);
        }
        if phc.starts_with(WRAP_PREFIX) {
            return self.verify_wrapped(password, phc);
        }
        self.verify_argon2(password, self.prepare(password), phc)
    }

    /// Argon2 over `prepared` (the password bounded and normalised, or a
    /// wrapped hash's legacy digest) against a PHC string.
    fn verify_argon2(
        &self,
        password: &str,
        prepared: Result<Zeroizing<String>, Error>,
        phc: &str,
    ) -> Result<Verification, Error> {
        let checked = self.parse(phc).and_then(|stored| {
            let pepper = self.pepper_for(&stored.input.keyid)?;
            let pw = prepared?;
            Ok((stored, pepper, pw))
        });
        let (stored, pepper, pw) = match checked {
            Ok(ready) => ready,
            Err(e) => {
                // No early return: a malformed or unverifiable record, an
                // unknown pepper, a password over the bound all cost what a
                // real verification costs.
                self.dummy_work(password);
                return Err(e);
            }
        };
        let mut out = Zeroizing::new(vec![0u8; stored.tag.len()]);
        let computed = self.compute(&stored.input, pepper, pw.as_bytes(), &mut out);
        // A record made with cheaper parameters is brought up to the
        // hasher's cost, so its answer comes no sooner.
        self.pad_to_current(&stored.input);
        computed?;
        if bool::from(out.ct_eq(&stored.tag)) {
            Ok(Verification::Valid {
                needs_rehash: self.stale(&stored),
            })
        } else {
            Ok(Verification::Invalid)
        }
    }

    /// An imported legacy hash (bcrypt, PBKDF2, SHA-crypt): the Argon2 run
    /// every verification makes, at the hasher's own parameters, so that
    /// the path has the same Argon2 runs as any other; then the legacy
    /// check, whose cost (bounded per scheme) comes on top: a timing signal
    /// that lasts until the first sign-in replaces the hash. A legacy hash
    /// has no pepper: a peppered hasher refuses it unless it accepts legacy
    /// unpeppered hashes. A match always asks for a rehash.
    fn verify_legacy(&self, password: &str, stored: &str) -> Result<Verification, Error> {
        self.dummy_work(password);
        let legacy = LegacyHash::parse(stored)?;
        if self.pepper.is_some() && !self.accept_unpeppered {
            return Err(Error::PepperRequired);
        }
        let len = password.len();
        if len > self.max_password_bytes {
            return Err(Error::PasswordTooLong {
                max: self.max_password_bytes,
                actual: len,
            });
        }
        Ok(if legacy.verify(password)? {
            Verification::Valid { needs_rehash: true }
        } else {
            Verification::Invalid
        })
    }

    /// Wraps an imported legacy hash at import, before any sign-in: Argon2id
    /// (this hasher's parameters and pepper) over the legacy digest, so that
    /// a copy of the database no longer holds a hash that can be attacked
    /// at the legacy scheme's speed. The result
    /// (`$varco-wrap$<setting>$argon2id$…`) keeps the legacy scheme, cost
    /// and salt but not its digest. [`verify`](Self::verify) remakes the
    /// digest from the password, checks it with Argon2, and asks for a
    /// rehash on success: the first sign-in stores a plain Argon2id hash.
    ///
    /// The trade-off: a wrapped hash costs the legacy check plus the
    /// Argon2 run at every sign-in until it is replaced, like an unwrapped
    /// one (see [`verify`](Self::verify)); what changes is what a stolen
    /// copy of the records is worth.
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher, Verification};
    ///
    /// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    /// // bcrypt, cost 4, made by passlib.
    /// let legacy = "$2b$04$4bLAdFxpkTA2nzbj0RRnsuOZmKX6spLEB1CQciSNFHMUjS3Tudg1.";
    /// let wrapped = hasher.wrap_legacy(legacy, &mut rand::rng()).unwrap();
    /// assert!(wrapped.starts_with("$varco-wrap$") && !wrapped.contains("SjS3Tudg1"));
    /// assert_eq!(hasher.verify("password", &wrapped).unwrap(), Verification::Valid { needs_rehash: true });
    /// assert_eq!(hasher.verify("Password", &wrapped).unwrap(), Verification::Invalid);
    /// ```
    ///
    /// # Errors
    /// [`Error::MalformedHash`] for a hash that is not a readable legacy
    /// hash, or a SHA-crypt hash whose salt its crate does not encode
    /// (keep it as it is: the first sign-in replaces it).
    pub fn wrap_legacy<R: CryptoRng + ?Sized>(
        &self,
        legacy: &str,
        rng: &mut R,
    ) -> Result<String, Error> {
        let h = LegacyHash::parse(legacy)?;
        if !h.can_wrap() {
            return Err(Error::MalformedHash(format!(
                "legacy hash: this {} hash's salt cannot be remade; keep it unwrapped",
                h.scheme().as_str()
            )));
        }
        let digest = h.stored_digest();
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let input = self.current_input(salt.to_vec());
        let mut out = Zeroizing::new(vec![0u8; self.params.output_len() as usize]);
        self.compute(&input, self.pepper.as_ref(), digest.as_bytes(), &mut out)?;
        let inner = phc::encode(&input, &out)?;
        Ok(format!(
            "{WRAP_PREFIX}{}{inner}",
            data_encoding::BASE64URL_NOPAD.encode(h.setting().as_bytes())
        ))
    }

    /// A wrapped legacy hash: the legacy digest of the password (bounded
    /// first), then the Argon2 run against it; a match asks for a rehash.
    fn verify_wrapped(&self, password: &str, stored: &str) -> Result<Verification, Error> {
        let parsed = stored[WRAP_PREFIX.len()..]
            .split_once('$')
            .and_then(|(setting, inner)| {
                let setting = data_encoding::BASE64URL_NOPAD
                    .decode(setting.as_bytes())
                    .ok()?;
                let h = LegacyHash::parse(std::str::from_utf8(&setting).ok()?).ok()?;
                Some((h, format!("${inner}")))
            });
        let Some((legacy, inner)) = parsed else {
            self.dummy_work(password);
            return Err(Error::MalformedHash(
                "wrapped hash: $varco-wrap$<setting>$<argon2 PHC string>".into(),
            ));
        };
        let digest = if password.len() > self.max_password_bytes {
            Err(Error::PasswordTooLong {
                max: self.max_password_bytes,
                actual: password.len(),
            })
        } else {
            legacy.digest_of(password)
        };
        Ok(match self.verify_argon2(password, digest, &inner)? {
            Verification::Valid { .. } => Verification::Valid { needs_rehash: true },
            Verification::Invalid => Verification::Invalid,
        })
    }

    /// True when a stored hash was not made with this hasher's current
    /// algorithm (Argon2id v=19), parameters, output length, salt length or
    /// pepper key id. Cheap: it parses, it does not hash.
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher, Pepper};
    ///
    /// # fn main() -> Result<(), varco::Error> {
    /// let plain = PasswordHasher::new(HashParams::new(64, 1, 1)?);
    /// let phc = plain.hash("pw", &mut rand::rng())?;
    /// assert!(!plain.needs_rehash(&phc)?);
    /// let peppered = PasswordHasher::new(HashParams::new(64, 1, 1)?)
    ///     .with_pepper(Pepper::new("k1", vec![1; 32])?);
    /// assert!(peppered.needs_rehash(&phc)?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::MalformedHash`] if the string cannot be parsed.
    pub fn needs_rehash(&self, phc: &str) -> Result<bool, Error> {
        if LegacyHash::is_legacy(phc) {
            // An imported hash is always replaced (once it is readable).
            return LegacyHash::parse(phc).map(|_| true);
        }
        if let Some(rest) = phc.strip_prefix(WRAP_PREFIX) {
            // So is a wrapped one.
            let inner = rest.split_once('$').map(|(_, i)| format!("${i}"));
            return self
                .parse(inner.as_deref().unwrap_or_default())
                .map(|_| true);
        }
        Ok(self.stale(&self.parse(phc)?))
    }

    /// Spends the same work as a real [`verify`](Self::verify) at the current
    /// parameters and always answers [`Verification::Invalid`].
    ///
    /// Call it when the account does not exist, so that a login for an
    /// unknown user takes as long as one for a known user with a wrong
    /// password (STANDARDS AU-01, FP-01).
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher, Verification};
    /// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    /// assert_eq!(hasher.dummy_verify("anything"), Verification::Invalid);
    /// ```
    pub fn dummy_verify(&self, password: &str) -> Verification {
        self.dummy_work(password);
        Verification::Invalid
    }

    /// The work of a verification at the current parameters, whatever the
    /// password: the same bounds and normalization, then Argon2 with a fixed
    /// salt (and no password at all past the bound, at the same cost).
    fn dummy_work(&self, password: &str) {
        let pw = self.prepare(password).unwrap_or_default();
        let input = self.current_input(vec![0x5a; SALT_LEN]);
        let mut out = Zeroizing::new(vec![0u8; self.params.output_len() as usize]);
        let computed = self.compute(&input, self.pepper.as_ref(), pw.as_bytes(), &mut out);
        // Evaluate the comparison so the work is not optimised away; the
        // answer is unused.
        let expected = vec![0u8; out.len()];
        let _ = computed.is_ok() && bool::from(out.ct_eq(&expected));
    }

    /// After verifying a hash made with cheaper parameters, Argon2 work at
    /// the same lanes to make up the difference to the hasher's own cost
    /// (memory × passes), within a few KiB.
    fn pad_to_current(&self, stored: &Argon2Input) {
        let want = u64::from(self.params.m_kib()) * u64::from(self.params.t());
        let done = u64::from(stored.m_kib) * u64::from(stored.t);
        let Some(rest) = want.checked_sub(done).filter(|r| *r > 0) else {
            return;
        };
        let m_max = u64::from(self.params.m_kib());
        let t = rest.div_ceil(m_max).max(1);
        let min_m = 8 * u64::from(self.params.p());
        let m = rest.div_ceil(t).max(min_m);
        let (Ok(m_kib), Ok(t)) = (u32::try_from(m), u32::try_from(t)) else {
            return;
        };
        let mut input = self.current_input(vec![0xa5; SALT_LEN]);
        input.m_kib = m_kib;
        input.t = t;
        input.keyid = Vec::new();
        let mut out = Zeroizing::new(vec![0u8; 32]);
        let _ = self.compute(&input, None, b"", &mut out);
    }

    fn prepare(&self, password: &str) -> Result<Zeroizing<String>, Error> {
        let too_long = |actual| Error::PasswordTooLong {
            max: self.max_password_bytes,
            actual,
        };
        if password.len() > self.max_password_bytes {
            return Err(too_long(password.len()));
        }
        let pw = self.normalization.apply(password);
        if pw.len() > self.max_password_bytes {
            return Err(too_long(pw.len()));
        }
        Ok(pw)
    }

    fn pepper_for(&self, keyid: &[u8]) -> Result<Option<&Pepper>, Error> {
        if keyid.is_empty() {
            if self.pepper.is_some() && !self.accept_unpeppered {
                return Err(Error::PepperRequired);
            }
            return Ok(None);
        }
        self.pepper
            .iter()
            .chain(&self.old_peppers)
            .find(|p| p.id().as_bytes() == keyid)
            .map(Some)
            .ok_or_else(|| Error::UnknownPepper(String::from_utf8_lossy(keyid).into_owned()))
    }

    /// The inputs of a new hash at the current parameters and pepper id.
    fn current_input(&self, salt: Vec<u8>) -> Argon2Input {
        Argon2Input {
            variant: Variant::Argon2id,
            version: V0X13,
            m_kib: self.params.m_kib(),
            t: self.params.t(),
            p: self.params.p(),
            keyid: self
                .pepper
                .as_ref()
                .map(|p| p.id().as_bytes().to_vec())
                .unwrap_or_default(),
            data: Vec::new(),
            salt,
        }
    }

    fn compute(
        &self,
        input: &Argon2Input,
        pepper: Option<&Pepper>,
        password: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        let secret = pepper.map(|p| p.secret()).unwrap_or_default();
        let cost = u64::from(input.m_kib) * u64::from(input.t);
        self.work.fetch_add(cost, Ordering::Relaxed);
        let mut run = move || {
            self.engine
                .compute(input, secret, password, out, self.wipe_memory)
        };
        match &self.slots {
            Some(slots) => slots.run(run),
            None => run(),
        }
    }

    fn parse(&self, s: &str) -> Result<StoredHash, Error> {
        let stored = phc::parse(s)?;
        let cost = u64::from(stored.input.m_kib) * u64::from(stored.input.t);
        if stored.input.m_kib > self.max_verify_m_kib
            || stored.input.t > self.max_verify_t
            || cost > self.max_verify_cost
        {
            return Err(Error::MalformedHash(
                "costs exceed this hasher's verify limits".to_owned(),
            ));
        }
        Ok(stored)
    }

    fn stale(&self, s: &StoredHash) -> bool {
        let want_keyid = self
            .pepper
            .as_ref()
            .map(|p| p.id().as_bytes())
            .unwrap_or(&[]);
        let i = &s.input;
        i.variant != Variant::Argon2id
            || i.version != V0X13
            || i.m_kib != self.params.m_kib()
            || i.t != self.params.t()
            || i.p != self.params.p()
            || s.tag.len() != self.params.output_len() as usize
            || i.salt.len() < SALT_LEN
            || i.keyid != want_keyid
            || !i.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn small() -> PasswordHasher {
        PasswordHasher::new(HashParams::new(64, 1, 1).unwrap())
    }

    #[test]
    fn one_hasher_serves_every_thread_on_every_core() {
        fn shared<T: Send + Sync>(_: &T) {}
        for core in Argon2Core::available() {
            let h = small().with_core(core).unwrap();
            shared(&h);
            let phc = h.hash("pw", &mut StdRng::seed_from_u64(9)).unwrap();
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| assert!(h.verify("pw", &phc).unwrap().is_valid()));
                }
            });
        }
    }

    #[test]
    fn hash_verify_roundtrip() {
        let h = small();
        let phc = h
            .hash("correct horse", &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert_eq!(
            h.verify("correct horse", &phc).unwrap(),
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            h.verify("correct hors", &phc).unwrap(),
            Verification::Invalid
        );
    }

    #[test]
    fn no_truncation() {
        let h = small();
        let long = "a".repeat(100);
        let phc = h.hash(&long, &mut StdRng::seed_from_u64(2)).unwrap();
        let mut other = long.clone();
        other.pop();
        other.push('b');
        assert_eq!(h.verify(&other, &phc).unwrap(), Verification::Invalid);
    }

    #[test]
    fn too_long_is_error_before_hashing() {
        let h = small();
        let huge = "x".repeat(2000);
        assert!(matches!(
            h.hash(&huge, &mut StdRng::seed_from_u64(3)),
            Err(Error::PasswordTooLong {
                max: 1024,
                actual: 2000
            })
        ));
    }

    #[test]
    fn pepper_rotation() {
        let k1 = Pepper::new("k1", vec![1; 32]).unwrap();
        let k2 = Pepper::new("k2", vec![2; 32]).unwrap();
        let old = small().with_pepper(k1.clone());
        let phc = old.hash("pw", &mut StdRng::seed_from_u64(4)).unwrap();
        let rotated = small().with_pepper(k1).with_pepper(k2);
        assert_eq!(
            rotated.verify("pw", &phc).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
        let without = small();
        assert!(matches!(without.verify("pw", &phc), Err(Error::UnknownPepper(id)) if id == "k1"));
        // A wrong pepper secret under the same id does not verify.
        let forged = small().with_pepper(Pepper::new("k1", vec![9; 32]).unwrap());
        assert_eq!(forged.verify("pw", &phc).unwrap(), Verification::Invalid);
    }

    #[test]
    fn verify_limits_refuse_huge_costs() {
        let h = small();
        let phc = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert!(matches!(h.verify("pw", phc), Err(Error::MalformedHash(_))));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let h = small();
        for bad in [
            "",
            "$",
            "$argon2id",
            "$bcrypt$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
            "plain",
        ] {
            assert!(h.verify("pw", bad).is_err(), "{bad:?}");
            assert!(h.needs_rehash(bad).is_err(), "{bad:?}");
        }
    }
}
