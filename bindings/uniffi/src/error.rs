//! The one error type of the bindings: a variant per action the caller
//! takes, each carrying the core's typed code.

use varco::{ErrorAction, ErrorCode};

/// The core's typed error code (see `varco::ErrorCode`).
#[uniffi::remote(Enum)]
pub enum ErrorCode {
    InvalidPolicy,
    InvalidHashParams,
    MalformedHash,
    UnknownPepper,
    PepperRequired,
    InvalidPepper,
    PasswordTooLong,
    Deserialize,
    UnsupportedVersion,
    MalformedBreachResponse,
    InvalidSecret,
    InvalidOtpConfig,
    InvalidUri,
    InvalidSealingKey,
    InvalidKey,
    InvalidGuardPolicy,
    IllegalTransition,
    Seal,
    InvalidInput,
    InvalidTime,
    WrongRecordKind,
    Internal,
    InvalidEngineConfig,
}

/// The one error type of the bindings (Kotlin: `VarcoException`, Swift:
/// `VarcoError`, Python: `VarcoError`): a variant per action the caller
/// takes (`varco::ErrorAction`), each with the core's typed `code` and a
/// human-readable `detail`. A panic inside varco reaches each language as
/// UniFFI's own internal error.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VarcoError {
    /// Fix the configuration (a policy, parameters, keys, peppers):
    /// retrying the same call cannot succeed.
    #[error("{code}: {detail}")]
    FixConfiguration {
        /// The typed code (`InvalidPolicy`, `InvalidGuardPolicy`, ...).
        code: ErrorCode,
        /// A human-readable explanation.
        detail: String,
    },
    /// Reject the request: its input was refused (a password over the
    /// bound, an unknown name, a malformed URI, a `now` far off).
    #[error("{code}: {detail}")]
    RejectInput {
        /// The typed code (`InvalidInput`, `InvalidTime`, ...).
        code: ErrorCode,
        /// A human-readable explanation.
        detail: String,
    },
    /// The stored record is unusable (malformed, another kind, a newer
    /// release, altered, sealed for another owner): keep it, alert, and
    /// treat the step as failed.
    #[error("{code}: {detail}")]
    UnusableRecord {
        /// The typed code (`Deserialize`, `Seal`, `MalformedHash`, ...).
        code: ErrorCode,
        /// A human-readable explanation.
        detail: String,
    },
    /// The record has moved on: reload it and start the step over.
    #[error("{code}: {detail}")]
    StartOver {
        /// The typed code (`IllegalTransition`).
        code: ErrorCode,
        /// A human-readable explanation.
        detail: String,
    },
    /// A store's failure, not the engine's (`Store` calls only).
    #[error("{code:?}: {detail}")]
    Store {
        /// What failed, and so what to do.
        code: StoreErrorCode,
        /// A human-readable explanation (never a record's body).
        detail: String,
    },
    /// A bug in varco: report it.
    #[error("{code}: {detail}")]
    Internal {
        /// The typed code (`Internal`).
        code: ErrorCode,
        /// A human-readable explanation.
        detail: String,
    },
}

/// Why a `Store` call failed when the engine did not refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StoreErrorCode {
    /// The database failed (I/O, a lost connection): retry later, alert.
    Database,
    /// What was given is not storable (an empty store name, an oversized
    /// key or record): reject the request.
    Invalid,
    /// The database was migrated by a newer release: upgrade this one.
    SchemaTooNew,
    /// No flow at this key (never started, or expired and swept): start
    /// a new one.
    UnknownFlow,
    /// Other requests kept changing the same records: nothing of this
    /// request was committed; the client may submit again.
    Busy,
    /// A new record's key is taken (an account id or identifier claimed
    /// already).
    Taken,
    /// The host loop did not settle: a bug, report it.
    Unsettled,
}

impl From<varco::Error> for VarcoError {
    fn from(e: varco::Error) -> Self {
        let code = e.error_code();
        let detail = e.to_string();
        match e.action() {
            ErrorAction::FixConfiguration => VarcoError::FixConfiguration { code, detail },
            ErrorAction::RejectInput => VarcoError::RejectInput { code, detail },
            ErrorAction::UnusableRecord => VarcoError::UnusableRecord { code, detail },
            ErrorAction::StartOver => VarcoError::StartOver { code, detail },
            ErrorAction::Internal => VarcoError::Internal { code, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each action has its own variant, and the code crosses unchanged.
    #[test]
    fn every_code_lands_in_the_variant_of_its_action() {
        for code in ErrorCode::ALL {
            let e = sample(code);
            assert_eq!(e.error_code(), code);
            let (action, got) = match VarcoError::from(e) {
                VarcoError::FixConfiguration { code, .. } => (ErrorAction::FixConfiguration, code),
                VarcoError::RejectInput { code, .. } => (ErrorAction::RejectInput, code),
                VarcoError::UnusableRecord { code, .. } => (ErrorAction::UnusableRecord, code),
                VarcoError::StartOver { code, .. } => (ErrorAction::StartOver, code),
                VarcoError::Internal { code, .. } => (ErrorAction::Internal, code),
                VarcoError::Store { .. } => panic!("an engine error is never a store error"),
            };
            assert_eq!(got, code);
            assert_eq!(action, code.action(), "{code}");
        }
    }

    fn sample(code: ErrorCode) -> varco::Error {
        let s = String::new();
        match code {
            ErrorCode::InvalidPolicy => varco::Error::InvalidPolicy(s),
            ErrorCode::InvalidHashParams => varco::Error::InvalidHashParams(s),
            ErrorCode::MalformedHash => varco::Error::MalformedHash(s),
            ErrorCode::UnknownPepper => varco::Error::UnknownPepper(s),
            ErrorCode::PepperRequired => varco::Error::PepperRequired,
            ErrorCode::InvalidPepper => varco::Error::InvalidPepper(s),
            ErrorCode::PasswordTooLong => varco::Error::PasswordTooLong { max: 1, actual: 2 },
            ErrorCode::Deserialize => varco::Error::Deserialize(s),
            ErrorCode::UnsupportedVersion => varco::Error::UnsupportedVersion {
                found: 2,
                supported: 1,
            },
            ErrorCode::MalformedBreachResponse => varco::Error::MalformedBreachResponse(s),
            ErrorCode::InvalidSecret => varco::Error::InvalidSecret(s),
            ErrorCode::InvalidOtpConfig => varco::Error::InvalidOtpConfig(s),
            ErrorCode::InvalidUri => varco::Error::InvalidUri(s),
            ErrorCode::InvalidSealingKey => varco::Error::InvalidSealingKey(s),
            ErrorCode::InvalidKey => varco::Error::InvalidKey(s),
            ErrorCode::InvalidGuardPolicy => varco::Error::InvalidGuardPolicy(s),
            ErrorCode::IllegalTransition => varco::Error::IllegalTransition {
                from: s.clone(),
                event: s,
            },
            ErrorCode::Seal => varco::Error::Seal(s),
            ErrorCode::InvalidInput => varco::Error::InvalidInput(s),
            ErrorCode::InvalidTime => varco::Error::InvalidTime(s),
            ErrorCode::WrongRecordKind => varco::Error::WrongRecordKind {
                expected: "guard",
                found: s,
            },
            ErrorCode::Internal => varco::Error::Internal(s),
            ErrorCode::InvalidEngineConfig => varco::Error::InvalidEngineConfig(s),
        }
    }
}
