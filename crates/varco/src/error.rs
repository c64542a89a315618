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
    /// A host key (of a [`KeyRing`](crate::keys::KeyRing)) is invalid: a
    /// bad id, an empty or oversized secret, an id twice.
    #[error("invalid key: {0}")]
    InvalidKey(String),
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
    /// A bug inside varco (an invariant that did not hold); nothing was
    /// changed.
    #[error("internal error: {0}")]
    Internal(String),
    /// A flow engine's configuration is invalid (malformed JSON, an unknown
    /// field, a value out of range).
    #[error("invalid engine configuration: {0}")]
    InvalidEngineConfig(String),
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
    /// A stable, machine-readable code for the error: the text of
    /// [`error_code`](Error::error_code).
    ///
    /// ```
    /// assert_eq!(varco::Error::UnknownPepper("k2".into()).code(), "unknown_pepper");
    /// ```
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The typed code of the error.
    ///
    /// ```
    /// use varco::{Error, ErrorCode};
    ///
    /// assert_eq!(Error::Seal("altered".into()).error_code(), ErrorCode::Seal);
    /// ```
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::InvalidPolicy(_) => ErrorCode::InvalidPolicy,
            Error::InvalidHashParams(_) => ErrorCode::InvalidHashParams,
            Error::MalformedHash(_) => ErrorCode::MalformedHash,
            Error::UnknownPepper(_) => ErrorCode::UnknownPepper,
            Error::PepperRequired => ErrorCode::PepperRequired,
            Error::InvalidPepper(_) => ErrorCode::InvalidPepper,
            Error::PasswordTooLong { .. } => ErrorCode::PasswordTooLong,
            Error::Deserialize(_) => ErrorCode::Deserialize,
            Error::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            Error::MalformedBreachResponse(_) => ErrorCode::MalformedBreachResponse,
            Error::InvalidSecret(_) => ErrorCode::InvalidSecret,
            Error::InvalidOtpConfig(_) => ErrorCode::InvalidOtpConfig,
            Error::InvalidUri(_) => ErrorCode::InvalidUri,
            Error::InvalidKey(_) => ErrorCode::InvalidKey,
            Error::InvalidSealingKey(_) => ErrorCode::InvalidSealingKey,
            Error::InvalidGuardPolicy(_) => ErrorCode::InvalidGuardPolicy,
            Error::IllegalTransition { .. } => ErrorCode::IllegalTransition,
            Error::Seal(_) => ErrorCode::Seal,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::InvalidTime(_) => ErrorCode::InvalidTime,
            Error::WrongRecordKind { .. } => ErrorCode::WrongRecordKind,
            Error::Internal(_) => ErrorCode::Internal,
            Error::InvalidEngineConfig(_) => ErrorCode::InvalidEngineConfig,
        }
    }

    /// What the caller does about the error.
    ///
    /// ```
    /// use varco::{Error, ErrorAction, policy::PasswordPolicy};
    ///
    /// // A policy file that is not JSON is the host's configuration to fix,
    /// // not an unusable record.
    /// let err = PasswordPolicy::from_json("{").unwrap_err();
    /// assert_eq!(err.action(), ErrorAction::FixConfiguration);
    /// ```
    pub fn action(&self) -> ErrorAction {
        self.error_code().action()
    }
}

/// The typed code of an [`Error`]: one per variant, stable across
/// releases, shared by every binding (UniFFI's errors carry it; C returns it
/// from `varco_last_error_code`, numbered in this order from 1). New codes
/// go at the end, so that C's numbers never change once released.
///
/// ```
/// use varco::{ErrorAction, ErrorCode};
///
/// let code: ErrorCode = "malformed_hash".parse().unwrap();
/// assert_eq!(code.as_str(), "malformed_hash");
/// assert_eq!(code.action(), ErrorAction::UnusableRecord);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// [`Error::InvalidPolicy`].
    InvalidPolicy,
    /// [`Error::InvalidHashParams`].
    InvalidHashParams,
    /// [`Error::MalformedHash`].
    MalformedHash,
    /// [`Error::UnknownPepper`].
    UnknownPepper,
    /// [`Error::PepperRequired`].
    PepperRequired,
    /// [`Error::InvalidPepper`].
    InvalidPepper,
    /// [`Error::PasswordTooLong`].
    PasswordTooLong,
    /// [`Error::Deserialize`].
    Deserialize,
    /// [`Error::UnsupportedVersion`].
    UnsupportedVersion,
    /// [`Error::MalformedBreachResponse`].
    MalformedBreachResponse,
    /// [`Error::InvalidSecret`].
    InvalidSecret,
    /// [`Error::InvalidOtpConfig`].
    InvalidOtpConfig,
    /// [`Error::InvalidUri`].
    InvalidUri,
    /// [`Error::InvalidSealingKey`].
    InvalidSealingKey,
    /// [`Error::InvalidKey`].
    InvalidKey,
    /// [`Error::InvalidGuardPolicy`].
    InvalidGuardPolicy,
    /// [`Error::IllegalTransition`].
    IllegalTransition,
    /// [`Error::Seal`].
    Seal,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::InvalidTime`].
    InvalidTime,
    /// [`Error::WrongRecordKind`].
    WrongRecordKind,
    /// [`Error::Internal`].
    Internal,
    /// [`Error::InvalidEngineConfig`].
    InvalidEngineConfig,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::InvalidPolicy,
        ErrorCode::InvalidHashParams,
        ErrorCode::MalformedHash,
        ErrorCode::UnknownPepper,
        ErrorCode::PepperRequired,
        ErrorCode::InvalidPepper,
        ErrorCode::PasswordTooLong,
        ErrorCode::Deserialize,
        ErrorCode::UnsupportedVersion,
        ErrorCode::MalformedBreachResponse,
        ErrorCode::InvalidSecret,
        ErrorCode::InvalidOtpConfig,
        ErrorCode::InvalidUri,
        ErrorCode::InvalidSealingKey,
        ErrorCode::InvalidKey,
        ErrorCode::InvalidGuardPolicy,
        ErrorCode::IllegalTransition,
        ErrorCode::Seal,
        ErrorCode::InvalidInput,
        ErrorCode::InvalidTime,
        ErrorCode::WrongRecordKind,
        ErrorCode::Internal,
        ErrorCode::InvalidEngineConfig,
    ];

    /// The code's stable text (`"malformed_hash"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidPolicy => "invalid_policy",
            ErrorCode::InvalidHashParams => "invalid_hash_params",
            ErrorCode::MalformedHash => "malformed_hash",
            ErrorCode::UnknownPepper => "unknown_pepper",
            ErrorCode::PepperRequired => "pepper_required",
            ErrorCode::InvalidPepper => "invalid_pepper",
            ErrorCode::PasswordTooLong => "password_too_long",
            ErrorCode::Deserialize => "deserialize",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::MalformedBreachResponse => "malformed_breach_response",
            ErrorCode::InvalidSecret => "invalid_secret",
            ErrorCode::InvalidOtpConfig => "invalid_otp_config",
            ErrorCode::InvalidUri => "invalid_uri",
            ErrorCode::InvalidSealingKey => "invalid_sealing_key",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::InvalidGuardPolicy => "invalid_guard_policy",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::Seal => "seal",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidTime => "invalid_time",
            ErrorCode::WrongRecordKind => "wrong_record_kind",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidEngineConfig => "invalid_engine_config",
        }
    }

    /// What the caller does about an error with this code.
    ///
    /// - [`ErrorAction::FixConfiguration`]: a policy, parameters, keys or
    ///   peppers the host built or loaded;
    /// - [`ErrorAction::RejectInput`]: what the request carried (a password
    ///   over the bound, an unknown name, a malformed URI or secret, a `now`
    ///   far off);
    /// - [`ErrorAction::UnusableRecord`]: a stored record that is malformed,
    ///   of another kind, from a newer release, altered or sealed for
    ///   another owner, or a stored hash naming a pepper the hasher does not
    ///   hold;
    /// - [`ErrorAction::StartOver`]: the record has moved on (an event not
    ///   legal in its state): reload it and begin the step again;
    /// - [`ErrorAction::Internal`]: a bug in varco.
    pub fn action(self) -> ErrorAction {
        match self {
            ErrorCode::InvalidPolicy
            | ErrorCode::InvalidHashParams
            | ErrorCode::InvalidPepper
            | ErrorCode::InvalidOtpConfig
            | ErrorCode::InvalidSealingKey
            | ErrorCode::InvalidKey
            | ErrorCode::InvalidGuardPolicy
            | ErrorCode::InvalidEngineConfig => ErrorAction::FixConfiguration,
            ErrorCode::PasswordTooLong
            | ErrorCode::MalformedBreachResponse
            | ErrorCode::InvalidSecret
            | ErrorCode::InvalidUri
            | ErrorCode::InvalidInput
            | ErrorCode::InvalidTime => ErrorAction::RejectInput,
            ErrorCode::MalformedHash
            | ErrorCode::UnknownPepper
            | ErrorCode::PepperRequired
            | ErrorCode::Deserialize
            | ErrorCode::UnsupportedVersion
            | ErrorCode::Seal
            | ErrorCode::WrongRecordKind => ErrorAction::UnusableRecord,
            ErrorCode::IllegalTransition => ErrorAction::StartOver,
            ErrorCode::Internal => ErrorAction::Internal,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = Error;

    /// Reads a code's text.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a name that is no code.
    fn from_str(s: &str) -> Result<Self, Error> {
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("unknown error code {s:?}")))
    }
}

/// What the caller does about an [`Error`]: the one split every binding
/// shares (UniFFI: one exception variant each; C: one result code each).
///
/// ```
/// use varco::{Error, ErrorAction};
///
/// assert_eq!(Error::InvalidTime("year 10000".into()).action(), ErrorAction::RejectInput);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorAction {
    /// Fix the configuration: retrying the same call cannot succeed.
    FixConfiguration,
    /// Reject the request: tell the caller its input was refused.
    RejectInput,
    /// The stored record is unusable: keep it for inspection, alert, and
    /// treat the step as failed (never as a success).
    UnusableRecord,
    /// The record has moved on: reload it and start the step over.
    StartOver,
    /// A bug in varco: report it.
    Internal,
}

impl ErrorAction {
    /// The action's stable text (`"fix_configuration"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorAction::FixConfiguration => "fix_configuration",
            ErrorAction::RejectInput => "reject_input",
            ErrorAction::UnusableRecord => "unusable_record",
            ErrorAction::StartOver => "start_over",
            ErrorAction::Internal => "internal",
        }
    }
}

/// The largest configuration JSON accepted (a policy, a delivery
/// configuration, guard policies), checked before parsing.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// The largest input JSON accepted (an event, an attempt ticket, a
/// sighting, a policy context), checked before parsing.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Reads a value a host passes in as JSON (an attempt ticket, an event, a
/// sighting): over [`MAX_INPUT_BYTES`], malformed, or with unknown fields,
/// it is [`Error::InvalidInput`] naming `what`. The bindings read every
/// JSON input through this or a type's own `from_json`.
///
/// ```
/// use varco::guard::Attempt;
///
/// let e = varco::error::input_from_json::<Attempt>("{\"x\":1}", "attempt").unwrap_err();
/// assert_eq!(e.code(), "invalid_input");
/// assert!(e.to_string().contains("attempt"));
/// assert_eq!(varco::error::input_from_json::<u64>("7", "serial").unwrap(), 7);
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] as above.
pub fn input_from_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, Error> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(Error::InvalidInput(format!(
            "{what}: {} bytes, at most {MAX_INPUT_BYTES}",
            json.len()
        )));
    }
    serde_json::from_str(json).map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

/// [`input_from_json`] for a tagged enum whose variants without fields
/// serde would take with any fields beside the tag (its
/// `deny_unknown_fields` does not reach them): such a variant must be the
/// tag alone. `tag` is the tag's name; `bare` says which variants have no
/// fields.
pub(crate) fn tagged_from_json<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
    tag: &str,
    bare: impl Fn(&T) -> bool,
) -> Result<T, Error> {
    let value: T = input_from_json(json, what)?;
    if bare(&value) {
        let fields: serde_json::Map<String, serde_json::Value> = input_from_json(json, what)?;
        if let Some(extra) = fields.keys().find(|k| *k != tag) {
            return Err(Error::InvalidInput(format!(
                "{what}: unknown field {:?}",
                crate::guard::clip(extra)
            )));
        }
    }
    Ok(value)
}

/// Reads configuration JSON: over [`MAX_CONFIG_BYTES`], malformed, or with
/// unknown or invalid fields, it is the configuration's own error (`wrap`:
/// [`Error::InvalidPolicy`], [`Error::InvalidGuardPolicy`], ...), never
/// [`Error::Deserialize`], which is for stored records.
pub(crate) fn parse_config<T: serde::de::DeserializeOwned>(
    json: &str,
    wrap: fn(String) -> Error,
) -> Result<T, Error> {
    if json.len() > MAX_CONFIG_BYTES {
        return Err(wrap(format!(
            "configuration: {} bytes, at most {MAX_CONFIG_BYTES}",
            json.len()
        )));
    }
    serde_json::from_str(json).map_err(|e| wrap(e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(c.as_str().parse::<ErrorCode>().unwrap(), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), c);
        }
        assert_eq!(
            "nope".parse::<ErrorCode>().unwrap_err().code(),
            "invalid_input"
        );
    }

    /// The split, stated once more by hand: a code moved to another action
    /// must be a decision, not an accident.
    #[test]
    fn every_code_has_the_action_its_caller_takes() {
        use ErrorAction as A;
        use ErrorCode as C;
        let want = [
            (C::InvalidPolicy, A::FixConfiguration),
            (C::InvalidHashParams, A::FixConfiguration),
            (C::MalformedHash, A::UnusableRecord),
            (C::UnknownPepper, A::UnusableRecord),
            (C::PepperRequired, A::UnusableRecord),
            (C::InvalidPepper, A::FixConfiguration),
            (C::PasswordTooLong, A::RejectInput),
            (C::Deserialize, A::UnusableRecord),
            (C::UnsupportedVersion, A::UnusableRecord),
            (C::MalformedBreachResponse, A::RejectInput),
            (C::InvalidSecret, A::RejectInput),
            (C::InvalidOtpConfig, A::FixConfiguration),
            (C::InvalidUri, A::RejectInput),
            (C::InvalidSealingKey, A::FixConfiguration),
            (C::InvalidKey, A::FixConfiguration),
            (C::InvalidGuardPolicy, A::FixConfiguration),
            (C::IllegalTransition, A::StartOver),
            (C::Seal, A::UnusableRecord),
            (C::InvalidInput, A::RejectInput),
            (C::InvalidTime, A::RejectInput),
            (C::WrongRecordKind, A::UnusableRecord),
            (C::Internal, A::Internal),
            (C::InvalidEngineConfig, A::FixConfiguration),
        ];
        assert_eq!(want.len(), ErrorCode::ALL.len());
        for (code, action) in want {
            assert_eq!(code.action(), action, "{code}");
        }
    }

    #[test]
    fn configuration_records_and_input_are_told_apart() {
        let config = Error::InvalidGuardPolicy("x".into());
        let record = Error::Deserialize("x".into());
        let input = Error::PasswordTooLong {
            max: 64,
            actual: 65,
        };
        assert_eq!(config.action(), ErrorAction::FixConfiguration);
        assert_eq!(record.action(), ErrorAction::UnusableRecord);
        assert_eq!(input.action(), ErrorAction::RejectInput);
        let moved = Error::IllegalTransition {
            from: "active".into(),
            event: "activate".into(),
        };
        assert_eq!(moved.action(), ErrorAction::StartOver);
        assert_eq!(Error::Internal("x".into()).action(), ErrorAction::Internal);
    }
}
