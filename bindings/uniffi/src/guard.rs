//! Attempt budgets and lockout for an account's factors.

use varco::guard::{AccountGuard, Factor, GuardPolicies, Unlock};

use crate::effect::effects;
use crate::{Effect, VarcoError, at};

/// What to do with an attempt. Show the user the same message for every
/// refusal; the reason is for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    /// Go ahead (the attempt is counted).
    Allow,
    /// Ask for a captcha or a second factor first.
    StepUp {
        /// `too_many_failures` or `too_fast`.
        reason: String,
    },
    /// Refuse.
    Locked {
        /// Until when (Unix ms); none until an operator or a recovery
        /// unlocks.
        until: Option<u64>,
        /// `too_many_failures` or `too_fast`.
        reason: String,
    },
}

/// A guard step: the decision, the guard to store, the effects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct GuardStep {
    /// What to do with the attempt.
    pub decision: Decision,
    /// The guard to store (compare-and-swap on its revision).
    pub guard: String,
    /// Audit events.
    pub effects: Vec<Effect>,
}

/// An account's attempt budgets under lockout policies. Thread-safe; create
/// one per process.
#[derive(Debug, uniffi::Object)]
pub struct Guard {
    policies: GuardPolicies,
}

fn reason(r: varco::guard::Reason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The stored guard, or a new one when there is none yet.
fn load(state: Option<String>) -> Result<AccountGuard, VarcoError> {
    match state {
        None => Ok(AccountGuard::new()),
        Some(j) => Ok(AccountGuard::from_json(&j)?),
    }
}

/// The core's decision as the bindings' enum.
pub(crate) fn decision(d: varco::guard::Decision) -> Decision {
    use varco::guard::Decision as D;
    match d {
        D::Allow => Decision::Allow,
        D::StepUp { reason: r } => Decision::StepUp { reason: reason(r) },
        D::Locked { until, reason: r } => Decision::Locked {
            until: until.map(varco::Timestamp::as_unix_millis),
            reason: reason(r),
        },
    }
}

fn step(s: varco::guard::GuardStep) -> GuardStep {
    GuardStep {
        decision: decision(s.decision),
        guard: s.guard.to_json(),
        effects: effects(s.effects),
    }
}

#[uniffi::export]
impl Guard {
    /// Policies as JSON (every field optional; `{}` gives the defaults:
    /// 5 failures, then waits from 1 minute doubling up to 1 hour, a
    /// permanent lock after 100 consecutive failures or 10 locks).
    #[uniffi::constructor]
    pub fn new(policies_json: String) -> Result<Self, VarcoError> {
        Ok(Guard {
            policies: GuardPolicies::from_json(&policies_json)?,
        })
    }

    /// Before checking a factor (`password`, `second_factor`, `recovery`):
    /// may the attempt go ahead? An allowed attempt is counted as failed
    /// until [`succeed`](Self::succeed) says otherwise, so a crash between
    /// the two cannot give a free attempt. `state` is the stored guard
    /// (none for a new account); `device` a trusted device's id, if any.
    pub fn begin(
        &self,
        state: Option<String>,
        factor: String,
        device: Option<String>,
        now_ms: u64,
    ) -> Result<GuardStep, VarcoError> {
        let factor: Factor = factor.parse()?;
        let g = load(state)?;
        Ok(step(g.begin(
            &self.policies,
            factor,
            device.as_deref(),
            at(now_ms),
        )))
    }

    /// The factor was wrong (writes the audit event; the failure was counted
    /// by `begin`).
    pub fn failed(
        &self,
        state: String,
        factor: String,
        device: Option<String>,
        now_ms: u64,
    ) -> Result<GuardStep, VarcoError> {
        let factor: Factor = factor.parse()?;
        let g = AccountGuard::from_json(&state)?;
        Ok(step(g.failed(factor, device.as_deref(), at(now_ms))))
    }

    /// The factor was right: its failures are forgotten, and `device`, if
    /// given, becomes trusted.
    pub fn succeed(
        &self,
        state: String,
        factor: String,
        device: Option<String>,
        now_ms: u64,
    ) -> Result<GuardStep, VarcoError> {
        let factor: Factor = factor.parse()?;
        let g = AccountGuard::from_json(&state)?;
        Ok(step(g.succeed(factor, device.as_deref(), at(now_ms))))
    }

    /// Lifts every lock: by an operator (named), or after a completed
    /// recovery (`operator_name` none).
    pub fn unlock(
        &self,
        state: String,
        operator_name: Option<String>,
        now_ms: u64,
    ) -> Result<GuardStep, VarcoError> {
        let g = AccountGuard::from_json(&state)?;
        let by = match operator_name {
            Some(operator) => Unlock::Operator { operator },
            None => Unlock::Recovery,
        };
        Ok(step(g.unlock(&by, at(now_ms))))
    }
}
