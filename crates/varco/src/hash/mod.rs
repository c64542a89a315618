//! Password hashing: Argon2id in PHC string form (FLOWS F2).
//!
//! - [`HashParams`]: validated Argon2id cost parameters, with the OWASP
//!   recommendation as the default and the other OWASP and RFC 9106 choices
//!   as [`HashPreset`]s.
//! - [`Pepper`]: an optional host secret with a key id, kept outside the
//!   stored hash so that a database dump alone cannot be attacked offline.
//! - [`PasswordHasher`]: hashes, verifies in constant time, tells when a
//!   stored hash [needs rehashing](PasswordHasher::needs_rehash), runs a
//!   [dummy verification](PasswordHasher::dummy_verify) of equal cost for
//!   unknown accounts, and reuses its Argon2 memory between calls.
//! - [`Argon2Core`]: which Argon2 implementation computes the tags
//!   (`argon2-rust`'s run-time SIMD by default, or RustCrypto's); both give
//!   identical PHC strings.
//!
//! ```
//! use varco::hash::{HashParams, PasswordHasher, Pepper, Verification};
//!
//! # fn main() -> Result<(), varco::Error> {
//! let hasher = PasswordHasher::new(HashParams::new(64, 1, 1)?)
//!     .with_pepper(Pepper::new("k1", b"a host secret of 32 bytes or so!".to_vec())?);
//! let phc = hasher.hash("s3cret passphrase", &mut rand::rng())?;
//! assert!(phc.contains("keyid="));
//! assert_eq!(hasher.verify("wrong", &phc)?, Verification::Invalid);
//! # Ok(())
//! # }
//! ```

mod core;
mod hasher;
mod legacy;
mod memory;
mod params;
mod pepper;
mod phc;
mod slots;

pub use self::core::Argon2Core;
pub use hasher::{PasswordHasher, Verification};
pub use legacy::{LegacyHash, LegacyScheme};
pub use params::{HashParams, HashPreset};
pub use pepper::Pepper;
