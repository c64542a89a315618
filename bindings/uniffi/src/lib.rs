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

// Every export that can fail raises `VarcoError`, with the core's error code;
// the crate docs above say when. A `# Errors` section on each of forty
// exports would repeat it.
#![allow(clippy::missing_errors_doc)]

uniffi::setup_scaffolding!();

mod breach;
mod delivery;
mod effect;
mod error;
mod flow;
mod guard;
mod hashing;
mod identifier;
mod keys;
mod lifecycle;
mod otp;
mod policy;
mod record;
mod recovery;
mod risk;
#[cfg(test)]
mod round_trip;
mod secret;
mod store;
mod throttle;
mod validate;

pub use breach::BreachQuery;
pub use delivery::{CodeStep, Delivery, IssueStep, ResendStep};
pub use effect::Effect;
pub use error::{StoreErrorCode, VarcoError};
pub use flow::{
    Actor, FlowEngine, FlowInput, FlowStep, FlowWrite, LoadedRecord, NewAccount, StartedFlow, Then,
};
pub use guard::{Admission, AttemptStep, Guard, UpdateStep};
pub use hashing::{Hasher, VerifyResult};
pub use identifier::{IdentifierKey, codice_fiscale, lookup_key, partita_iva};
pub use keys::{HostKey, SealingKeys};
pub use lifecycle::{
    LifecycleStep, lifecycle_apply, lifecycle_check_inactivity, lifecycle_create,
    lifecycle_record_activity,
};
pub use otp::{
    Enrollment, OtpStep, OtpUriInfo, hotp_code, hotp_enroll, hotp_resync, hotp_verify,
    otpauth_parse, totp_code, totp_enroll, totp_verify,
};
pub use policy::{Policy, PolicyContext, PolicyReport, PolicyViolation, Strength, strength};
pub use record::Write;
pub use recovery::{RecoveryCodes, RecoveryStep, recovery_code_redeem, recovery_codes_generate};
pub use secret::SecretText;
pub use store::{
    ClaimedRow, OutboxDelivery, Store, StoreCounts, StoreReply, StoreStarted, StoredRecord,
};
pub use throttle::Throttle;
pub use validate::{FieldProblem, Validation, validate, validate_codice_fiscale_of};

/// Parses a language name (`it`, `en`) with the core's `FromStr`.
fn lang(name: &str) -> Result<varco::Lang, VarcoError> {
    Ok(name.parse()?)
}

use varco::Timestamp;

uniffi::custom_type!(Timestamp, i64, {
    remote,
    lower: |t| ms_i64(t),
    try_lift: |ms| u64::try_from(ms)
        .map(varco::Timestamp::from_unix_millis)
        .map_err(|_| uniffi::deps::anyhow::anyhow!("{ms} ms is before 1970")),
});

/// A Unix time in milliseconds, as every platform's clock gives it (a
/// signed 64-bit count); a negative one is refused.
fn at_ms(ms: i64) -> Result<varco::Timestamp, VarcoError> {
    u64::try_from(ms)
        .map(varco::Timestamp::from_unix_millis)
        .map_err(|_| varco::Error::InvalidTime(format!("{ms} ms is before 1970")).into())
}

/// A time as Unix milliseconds (times never pass the year 9999, far below
/// 2^63 ms).
fn ms_i64(t: varco::Timestamp) -> i64 {
    i64::try_from(t.as_unix_millis()).unwrap_or(i64::MAX)
}
