//! Recovery codes: single-use, Argon2id-hashed.

use crate::{Hasher, VarcoError, at};
use varco::otp::{RecoveryCodeSet, RecoveryOutcome};

/// A new set of recovery codes.
#[derive(Clone, uniffi::Record)]
pub struct RecoveryCodes {
    /// The codes, to show the user once (`XXXXX-XXXXX-XXXXX`).
    pub codes: Vec<String>,
    /// The set to store (hashes only); it replaces any older set.
    pub set: String,
}

/// A redemption's outcome and the set to store.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RecoveryStep {
    /// The code was right and unused.
    pub accepted: bool,
    /// Unused codes left.
    pub remaining: u32,
    /// The set to store (the accepted code is marked used).
    pub set: String,
}

/// Generates `count` (1 to 32) recovery codes, hashed with `hasher`.
#[uniffi::export]
pub fn recovery_codes_generate(
    hasher: &Hasher,
    count: u32,
    now_ms: u64,
) -> Result<RecoveryCodes, VarcoError> {
    let new =
        RecoveryCodeSet::generate(count as usize, at(now_ms), &hasher.inner, &mut rand::rng())?;
    Ok(RecoveryCodes {
        codes: new.codes.iter().map(|c| c.to_string()).collect(),
        set: new.set.to_json(),
    })
}

/// Redeems a recovery code against a stored set (case, spaces and hyphens
/// do not matter).
#[uniffi::export]
pub fn recovery_code_redeem(
    hasher: &Hasher,
    set: String,
    code: String,
    now_ms: u64,
) -> Result<RecoveryStep, VarcoError> {
    let stored = RecoveryCodeSet::from_json(&set)?;
    let code = zeroize::Zeroizing::new(code);
    let (outcome, next) = stored.redeem(&code, at(now_ms), &hasher.inner);
    Ok(RecoveryStep {
        accepted: matches!(outcome, RecoveryOutcome::Accepted { .. }),
        remaining: u32::try_from(next.remaining()).unwrap_or(u32::MAX),
        set: next.to_json(),
    })
}
