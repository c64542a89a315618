//! UniFFI exports of varco: the same rules in Kotlin, Swift and Python.
//!
//! The API is coarse: one call per user step (a Kotlin/JNA call costs tens
//! of microseconds; see BENCHMARKS.md). Long-lived configuration lives in
//! immutable, thread-safe objects ([`Policy`], [`Hasher`],
//! [`Delivery`], [`Guard`], [`SealingKeys`]); the state a host stores
//! (a challenge, a guard, a sealed authenticator, a recovery set, a
//! lifecycle) goes in and comes out as an opaque string, together with the
//! outcome (records and enums) and the [`Effect`]s to carry out. Times are
//! Unix milliseconds. One error enum, [`VarcoError`], carries the core's
//! stable error code.

uniffi::setup_scaffolding!();

mod breach;
mod delivery;
mod effect;
mod error;
mod guard;
mod hashing;
mod keys;
mod lifecycle;
mod otp;
mod policy;
mod recovery;
mod risk;
mod throttle;

pub use breach::BreachQuery;
pub use delivery::{
    CodeOutcome, CodeStep, Delivery, IssueOutcome, IssueStep, ResendOutcome, ResendStep,
};
pub use effect::{Effect, SecretText};
pub use error::VarcoError;
pub use guard::{Decision, Guard, GuardStep};
pub use hashing::{Hasher, VerifyResult};
pub use keys::{HostKey, SealingKeys};
pub use lifecycle::{LifecycleStep, lifecycle_apply, lifecycle_check_inactivity, lifecycle_new};
pub use otp::{
    Enrollment, OtpOutcome, OtpStep, OtpUriInfo, hotp_code, hotp_enroll, hotp_resync, hotp_verify,
    otpauth_parse, totp_code, totp_enroll, totp_verify,
};
pub use policy::{Policy, PolicyContext, PolicyReport, PolicyViolation, Strength, strength};
pub use recovery::{RecoveryCodes, RecoveryStep, recovery_code_redeem, recovery_codes_generate};

/// Parses a language name (`it`, `en`).
fn lang(name: &str) -> Result<varco::Lang, VarcoError> {
    name.parse().map_err(|m: String| VarcoError::Invalid {
        code: "invalid_language".into(),
        detail: m,
    })
}

/// A Unix time in milliseconds.
fn at(ms: u64) -> varco::Timestamp {
    varco::Timestamp::from_unix_millis(ms)
}
