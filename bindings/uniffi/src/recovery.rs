//! Recovery codes: single-use, Argon2id-hashed.

use std::sync::Arc;

use varco::otp::{RecoveryCodeSet, RecoveryOutcome};
use varco::record::Stored;
use zeroize::Zeroizing;

use crate::record::{Write, writes};
use crate::secret::{SecretText, secret};
use crate::{Hasher, VarcoError, at_ms};

/// What became of a recovery code (the core's `varco::otp::RecoveryOutcome`).
#[uniffi::remote(Enum)]
pub enum RecoveryOutcome {
    /// The code was valid and is now used up.
    Accepted {
        /// Unused codes left in the set.
        remaining: u32,
    },
    /// Wrong, malformed or already used.
    Rejected,
}

/// A new set of recovery codes.
#[derive(Clone, uniffi::Record)]
pub struct RecoveryCodes {
    /// The codes, to show the user once (`XXXXX-XXXXX-XXXXX`), opaque:
    /// `reveal()` each.
    pub codes: Vec<Arc<SecretText>>,
    /// The set to store (hashes only): it replaces the old set's revision,
    /// or is inserted when there was none.
    pub writes: Vec<Write>,
}

/// A redemption's outcome and what to write.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RecoveryStep {
    /// What became of the code.
    pub outcome: RecoveryOutcome,
    /// The set with the code marked used (none when rejected).
    pub writes: Vec<Write>,
}

/// Generates `count` (1 to 32) recovery codes, hashed with `hasher`,
/// replacing the stored set `record` (none when the account has none).
#[uniffi::export]
pub fn recovery_codes_generate(
    hasher: &Hasher,
    record: Option<String>,
    count: u32,
    now_ms: i64,
) -> Result<RecoveryCodes, VarcoError> {
    let current = Stored::load_or(record.as_deref(), RecoveryCodeSet::empty)?;
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let step = current.regenerate(count, &hasher.inner, at_ms(now_ms)?, &mut rand::rng())?;
    Ok(RecoveryCodes {
        writes: writes(&step.writes),
        codes: step
            .outcome
            .codes
            .iter()
            .map(|c| secret(Zeroizing::new(c.expose().to_owned())))
            .collect(),
    })
}

/// Redeems a recovery code against the stored set `record` (case, spaces
/// and hyphens do not matter).
#[uniffi::export]
pub fn recovery_code_redeem(
    hasher: &Hasher,
    record: String,
    code: String,
    now_ms: i64,
) -> Result<RecoveryStep, VarcoError> {
    let code = Zeroizing::new(code);
    let set = Stored::<RecoveryCodeSet>::from_json(&record)?;
    let step = set.redeem(&code, &hasher.inner, at_ms(now_ms)?)?;
    Ok(RecoveryStep {
        outcome: step.outcome,
        writes: writes(&step.writes),
    })
}
