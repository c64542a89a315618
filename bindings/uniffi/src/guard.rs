//! Attempt budgets and lockout for an account's factors.

use varco::guard::{AccountGuard, Attempt, Factor, GuardPolicies, Reason, Unlock};
use varco::record::Stored;
use varco::step::{Step, Writes};

use crate::effect::effects;
use crate::record::{Write, writes};
use crate::{Effect, VarcoError, at_ms, ms_i64};

/// What is being tried (the core's `varco::guard::Factor`).
#[uniffi::remote(Enum)]
pub enum Factor {
    /// The password.
    Password,
    /// A second factor: a delivered code, an authenticator code.
    SecondFactor,
    /// A recovery: a reset code, a recovery code, a secret answer.
    Recovery,
}

/// Why an attempt is refused or stepped up (the core's
/// `varco::guard::Reason`).
#[uniffi::remote(Enum)]
pub enum Reason {
    /// Too many failures.
    TooManyFailures,
    /// Attempts in too quick succession.
    TooFast,
}

/// May the attempt go ahead? Show the user the same message for every
/// refusal; the reason is for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Admission {
    /// Go ahead: the attempt is counted as a failure until `succeed`.
    Allowed {
        /// The attempt's ticket (opaque): keep it in the request's memory
        /// and pass it to `succeed` or `failed`.
        attempt: String,
    },
    /// Ask for a captcha or a second factor first; nothing was counted.
    StepUp {
        /// Why.
        reason: Reason,
    },
    /// Refused; nothing was counted.
    Locked {
        /// Until when (Unix ms); none until an operator or a recovery
        /// unlocks.
        until: Option<i64>,
        /// Why.
        reason: Reason,
    },
}

/// The step of `begin`: the admission, the writes (none on a refusal),
/// the effects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AttemptStep {
    /// May the attempt go ahead.
    pub admission: Admission,
    /// What to store, in order, each with compare-and-swap.
    pub writes: Vec<Write>,
    /// Audit events.
    pub effects: Vec<Effect>,
}

/// A step with nothing to report but its writes and effects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct UpdateStep {
    /// What to store, in order, each with compare-and-swap.
    pub writes: Vec<Write>,
    /// Audit events.
    pub effects: Vec<Effect>,
}

/// The core's admission, its ticket as opaque text.
pub(crate) fn admission<A: serde::Serialize>(a: &varco::guard::Admission<A>) -> Admission {
    use varco::guard::Admission as A;
    match a {
        A::Allowed { attempt } => Admission::Allowed {
            attempt: serde_json::to_string(attempt).unwrap_or_default(),
        },
        A::StepUp { reason } => Admission::StepUp { reason: *reason },
        A::Locked { until, reason } => Admission::Locked {
            until: until.map(ms_i64),
            reason: *reason,
        },
    }
}

/// A core step with an admission, as it crosses.
pub(crate) fn attempt_step<A: serde::Serialize, W: Writes>(
    s: Step<varco::guard::Admission<A>, W>,
) -> AttemptStep {
    AttemptStep {
        admission: admission(&s.outcome),
        writes: writes(&s.writes),
        effects: effects(s.effects),
    }
}

/// A core step with no outcome, as it crosses.
pub(crate) fn update_step<W: Writes>(s: Step<(), W>) -> UpdateStep {
    UpdateStep {
        writes: writes(&s.writes),
        effects: effects(s.effects),
    }
}

/// A ticket from `begin`, read by the core.
pub(crate) fn ticket<T: serde::de::DeserializeOwned>(attempt: &str) -> Result<T, VarcoError> {
    Ok(varco::error::input_from_json(attempt, "attempt ticket")?)
}

/// An account's attempt budgets under lockout policies. Thread-safe; create
/// one per process.
#[derive(Debug, uniffi::Object)]
pub struct Guard {
    policies: GuardPolicies,
}

type Stored_ = Stored<AccountGuard>;

fn load(record: &str) -> Result<Stored_, VarcoError> {
    Ok(Stored_::from_json(record)?)
}

#[uniffi::export]
impl Guard {
    /// Policies as JSON (every field optional; `{}` gives the defaults:
    /// 5 failures, then waits from 1 minute doubling up to 1 hour; the
    /// password locks for good after 100 consecutive failures or 10 locks,
    /// the second factor and recovery never do).
    #[uniffi::constructor]
    pub fn new(policies_json: String) -> Result<Self, VarcoError> {
        Ok(Guard {
            policies: GuardPolicies::from_json(&policies_json)?,
        })
    }

    /// Before checking a factor: may the attempt go ahead? An allowed
    /// attempt is counted as a failure in the write (store it, then check),
    /// so a crash between the two cannot give a free attempt; a refusal
    /// writes nothing. `record` is the stored guard (none for an account
    /// without one yet); `device` the host's id for the device, if any.
    pub fn begin(
        &self,
        record: Option<String>,
        factor: Factor,
        device: Option<String>,
        now_ms: i64,
    ) -> Result<AttemptStep, VarcoError> {
        let g = Stored::load_or(record.as_deref(), AccountGuard::new)?;
        Ok(attempt_step(g.begin(
            &self.policies,
            factor,
            device.as_deref(),
            at_ms(now_ms)?,
        )?))
    }

    /// The check of `attempt` failed: the audit events (nothing to write;
    /// `begin` counted it).
    pub fn failed(
        &self,
        record: String,
        attempt: String,
        now_ms: i64,
    ) -> Result<UpdateStep, VarcoError> {
        let g = load(&record)?;
        let a: Attempt = ticket(&attempt)?;
        Ok(update_step(g.failed(&a, at_ms(now_ms)?)?))
    }

    /// The check of `attempt` passed: the failures counted up to it are
    /// cleared (never those of guesses that raced it).
    pub fn succeed(
        &self,
        record: String,
        attempt: String,
        now_ms: i64,
    ) -> Result<UpdateStep, VarcoError> {
        let g = load(&record)?;
        let a: Attempt = ticket(&attempt)?;
        Ok(update_step(g.succeed(&a, at_ms(now_ms)?)?))
    }

    /// Trusts `device` from now on: call it after a full sign-in (every
    /// factor the account requires passed).
    pub fn trust_device(
        &self,
        record: Option<String>,
        device: String,
        now_ms: i64,
    ) -> Result<UpdateStep, VarcoError> {
        let g = Stored::load_or(record.as_deref(), AccountGuard::new)?;
        Ok(update_step(g.trust_device(&device, at_ms(now_ms)?)?))
    }

    /// Lifts locks: every one by an operator (named); the password's and
    /// recovery's after a completed recovery (`operator_name` none).
    pub fn unlock(
        &self,
        record: String,
        operator_name: Option<String>,
        now_ms: i64,
    ) -> Result<UpdateStep, VarcoError> {
        let by = match operator_name {
            Some(operator) => Unlock::Operator { operator },
            None => Unlock::Recovery,
        };
        Ok(update_step(load(&record)?.unlock(&by, at_ms(now_ms)?)?))
    }
}
