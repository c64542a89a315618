//! The one error type of the bindings.

/// The one error type of the bindings (Kotlin: `VarcoException`, Swift:
/// `VarcoError`, Python: `VarcoError`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VarcoError {
    /// Bad input, malformed saved state, or misuse; `code` is the core's
    /// stable error code (see `varco::Error::code`).
    #[error("{code}: {detail}")]
    Invalid {
        /// The stable code (e.g. `malformed_hash`, `deserialize`).
        code: String,
        /// A human-readable explanation.
        detail: String,
    },
}

impl From<varco::Error> for VarcoError {
    fn from(e: varco::Error) -> Self {
        VarcoError::Invalid {
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}
