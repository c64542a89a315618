//! The error type: for misuse and bad input, never for normal outcomes.
//!
//! A wrong password or a policy violation is an *outcome* (a value), not an
//! error. [`Error`] is for input varco cannot work with: a malformed PHC
//! string, an invalid policy, parameters out of range, a password too long to
//! hash.

/// Everything that can go wrong when varco is misused or given bad input.
///
/// Every variant has a stable [`code`](Error::code) that bindings and logs can
/// rely on.
///
/// ```
/// use varco::{Error, hash::HashParams};
///
/// let err = HashParams::new(1, 1, 1).unwrap_err();
/// assert_eq!(err.code(), "invalid_hash_params");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy (built in code or loaded from JSON) is inconsistent.
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    /// Argon2 parameters are out of the accepted range.
    #[error("invalid hash parameters: {0}")]
    InvalidHashParams(String),
    /// A stored hash is not a well-formed PHC string varco understands.
    #[error("malformed password hash: {0}")]
    MalformedHash(String),
    /// A stored hash names a pepper key id the hasher does not hold.
    #[error("unknown pepper key id {0:?}")]
    UnknownPepper(String),
    /// A stored hash was made without a pepper, and this hasher has one
    /// (it accepts such records only when told they are legacy).
    #[error("the stored hash has no pepper, and this hasher requires one")]
    PepperRequired,
    /// A pepper is empty, too long, or its key id is invalid.
    #[error("invalid pepper: {0}")]
    InvalidPepper(String),
    /// The password exceeds the hasher's byte limit; nothing was hashed.
    #[error("password too long to hash: {actual} bytes, at most {max}")]
    PasswordTooLong {
        /// The configured limit, in UTF-8 bytes after normalization.
        max: usize,
        /// The length that was given.
        actual: usize,
    },
    /// Serialized data (a policy, a state) could not be read.
    #[error("cannot deserialize: {0}")]
    Deserialize(String),
    /// Serialized data has a format version this build does not know.
    #[error("unsupported format version {found} (this build reads up to {supported})")]
    UnsupportedVersion {
        /// The version found in the data.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A one-time-password secret is malformed, too short or too long.
    #[error("invalid one-time-password secret: {0}")]
    InvalidSecret(String),
    /// One-time-password parameters (digits, period, window) are out of range.
    #[error("invalid one-time-password configuration: {0}")]
    InvalidOtpConfig(String),
    /// An otpauth:// URI could not be read.
    #[error("invalid otpauth URI: {0}")]
    InvalidUri(String),
    /// A lifecycle event that is not legal in the account's state; nothing
    /// changed.
    #[error("illegal transition: {event} in state {from}")]
    IllegalTransition {
        /// The state.
        from: String,
        /// The event.
        event: String,
    },
    /// A lockout policy is inconsistent.
    #[error("invalid guard policy: {0}")]
    InvalidGuardPolicy(String),
    /// A sealing key id is invalid.
    #[error("invalid sealing key: {0}")]
    InvalidSealingKey(String),
    /// A record could not be sealed or opened (wrong key, altered, malformed).
    #[error("sealed record: {0}")]
    Seal(String),
    /// A breached-password range response could not be parsed.
    #[error("malformed breach range response: {0}")]
    MalformedBreachResponse(String),
    /// An input the step does not accept (an unknown name, an empty id).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A `now` that cannot be right: past the year 9999, or far earlier
    /// than what a record has already seen. Nothing was stored.
    #[error("invalid time: {0}")]
    InvalidTime(String),
    /// A stored record of another kind was given (a challenge where a guard
    /// was expected).
    #[error("wrong record kind: expected {expected}, found {found:?}")]
    WrongRecordKind {
        /// The kind the loader reads.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
}

impl Error {
    /// A stable, machine-readable code for the error.
    ///
    /// ```
    /// assert_eq!(varco::Error::UnknownPepper("k2".into()).code(), "unknown_pepper");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidPolicy(_) => "invalid_policy",
            Error::InvalidHashParams(_) => "invalid_hash_params",
            Error::MalformedHash(_) => "malformed_hash",
            Error::UnknownPepper(_) => "unknown_pepper",
            Error::PepperRequired => "pepper_required",
            Error::InvalidPepper(_) => "invalid_pepper",
            Error::PasswordTooLong { .. } => "password_too_long",
            Error::Deserialize(_) => "deserialize",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::MalformedBreachResponse(_) => "malformed_breach_response",
            Error::InvalidSecret(_) => "invalid_secret",
            Error::InvalidOtpConfig(_) => "invalid_otp_config",
            Error::InvalidUri(_) => "invalid_uri",
            Error::InvalidSealingKey(_) => "invalid_sealing_key",
            Error::InvalidGuardPolicy(_) => "invalid_guard_policy",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::Seal(_) => "seal",
            Error::InvalidInput(_) => "invalid_input",
            Error::InvalidTime(_) => "invalid_time",
            Error::WrongRecordKind { .. } => "wrong_record_kind",
        }
    }
}

/// The largest configuration JSON accepted (a policy, a delivery
/// configuration, guard policies), checked before parsing.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// Refuses configuration JSON over [`MAX_CONFIG_BYTES`].
pub(crate) fn check_config_size(json: &str) -> Result<(), Error> {
    if json.len() > MAX_CONFIG_BYTES {
        return Err(Error::Deserialize(format!(
            "configuration: {} bytes, at most {MAX_CONFIG_BYTES}",
            json.len()
        )));
    }
    Ok(())
}

/// Reads a tagged enum's JSON and refuses fields beside the tag on the
/// variants named in `unit` (serde lets a unit variant of a tagged enum
/// carry unknown fields).
pub(crate) fn no_fields_beside_tag<'de, D: serde::Deserializer<'de>>(
    d: D,
    tag: &str,
    unit: &[&str],
) -> Result<serde_json::Value, D::Error> {
    use serde::Deserialize as _;
    let v = serde_json::Value::deserialize(d)?;
    if let Some(fields) = v.as_object()
        && let Some(name) = fields.get(tag).and_then(serde_json::Value::as_str)
        && unit.contains(&name)
        && fields.len() > 1
    {
        return Err(serde::de::Error::custom(format!(
            "{name} takes no field but {tag:?}"
        )));
    }
    Ok(v)
}

/// Checks a persisted record's format version: 1 up to `supported`.
pub(crate) fn check_format_version(found: u32, supported: u32) -> Result<(), Error> {
    if found == 0 || found > supported {
        return Err(Error::UnsupportedVersion { found, supported });
    }
    Ok(())
}
