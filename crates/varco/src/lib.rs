//! # varco
//!
//! An embedded, sans-IO authentication library: password policy, password
//! hashing, one-time codes from authenticator apps, and (in later releases)
//! codes sent by SMS or email, lockout and account flows.
//!
//! varco is **pure logic**. It never reads a clock, never calls the operating
//! system's random generator, never touches a network, a file or a database.
//! The host passes in what varco needs (the password, the stored hash, a
//! cryptographic random generator) and gets back values: a report, a PHC
//! string, an outcome. That is what lets the same rules run unchanged in a
//! Rust service, a mobile app through bindings, or a C program.
//!
//! ## Password policy
//!
//! ```
//! use varco::policy::{Context, PasswordPolicy, Preset};
//!
//! let policy = PasswordPolicy::preset(Preset::Nist80063b);
//! let report = policy.check("hunter2", &Context::new().username("mario"));
//! assert!(!report.is_ok());
//! for violation in report.violations() {
//!     println!("{}: {}", violation.code(), violation.message(varco::Lang::En));
//! }
//! ```
//!
//! ## Password hashing
//!
//! ```
//! use varco::hash::{HashParams, PasswordHasher, Verification};
//!
//! # fn main() -> Result<(), varco::Error> {
//! // Small parameters keep this example fast; use `HashParams::default()`
//! // (the OWASP recommendation) in production.
//! let hasher = PasswordHasher::new(HashParams::new(64, 1, 1)?);
//! let mut rng = rand::rng();
//! let phc = hasher.hash("correct horse battery staple", &mut rng)?;
//! assert!(phc.starts_with("$argon2id$v=19$"));
//! assert!(matches!(
//!     hasher.verify("correct horse battery staple", &phc)?,
//!     Verification::Valid { needs_rehash: false }
//! ));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod audit;
pub mod breach;
pub mod effect;
pub mod error;
pub mod flow;
pub mod guard;
pub mod hash;
pub mod i18n;
pub mod keys;
pub mod normalize;
pub mod otp;
pub mod outbox;
pub mod policy;
pub mod record;
pub mod seal;
pub mod secret;
pub mod step;
pub mod time;
pub mod validate;

pub use error::{Error, ErrorAction, ErrorCode};
pub use i18n::Lang;
pub use normalize::Normalization;
pub use secret::SecretString;
pub use time::Timestamp;
