//! The account lifecycle: active, locked, dormant, suspended, ceased...

use varco::account::{Lifecycle, LifecycleEvent};

use crate::effect::effects;
use crate::{Effect, VarcoError, at};

/// A lifecycle after a step.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LifecycleStep {
    /// The state's stable name (`pending_activation`, `active`,
    /// `locked_failures`, `locked_location`, `dormant`, `expired`,
    /// `suspended`, `ceased`).
    pub state: String,
    /// Whether the account may sign in.
    pub can_authenticate: bool,
    /// The lifecycle to store.
    pub lifecycle: String,
    /// Audit events and owner notifications.
    pub effects: Vec<Effect>,
}

fn step(l: Lifecycle, fx: Vec<varco::effect::Effect>) -> LifecycleStep {
    LifecycleStep {
        state: l.state().name().to_owned(),
        can_authenticate: l.can_authenticate(),
        lifecycle: l.to_json(),
        effects: effects(fx),
    }
}

/// A new account's lifecycle, waiting for activation.
#[uniffi::export]
pub fn lifecycle_new(now_ms: u64) -> LifecycleStep {
    step(Lifecycle::new(at(now_ms)), Vec::new())
}

/// Applies an event, as JSON: `{"event":"activate"}`,
/// `{"event":"lock_for_failures"}`, `{"event":"preventive_block","detail":"…"}`,
/// `{"event":"operator_block","operator":"…","reason":"…"}`,
/// `{"event":"operator_unblock","operator":"…"}`, `{"event":"wait_elapsed"}`,
/// `{"event":"recovery_completed"}`, `{"event":"inactivity"}`,
/// `{"event":"subscription_expired"}`, `{"event":"subscription_renewed"}`,
/// `{"event":"cease","reason":"…"}`. An illegal transition is an error
/// (`illegal_transition`) and changes nothing.
#[uniffi::export]
pub fn lifecycle_apply(
    lifecycle: String,
    event_json: String,
    now_ms: u64,
) -> Result<LifecycleStep, VarcoError> {
    let current = Lifecycle::from_json(&lifecycle)?;
    let event: LifecycleEvent = serde_json::from_str(&event_json)
        .map_err(|e| varco::Error::Deserialize(format!("lifecycle event: {e}")))?;
    let (next, fx) = current.apply(&event, at(now_ms))?;
    Ok(step(next, fx))
}

/// Marks an active account dormant after `dormant_after_days` without
/// activity; `None` when nothing changes.
#[uniffi::export]
pub fn lifecycle_check_inactivity(
    lifecycle: String,
    dormant_after_days: u32,
    now_ms: u64,
) -> Result<Option<LifecycleStep>, VarcoError> {
    let current = Lifecycle::from_json(&lifecycle)?;
    let after = std::time::Duration::from_secs(u64::from(dormant_after_days) * 86_400);
    Ok(current
        .check_inactivity(after, at(now_ms))
        .map(|(next, fx)| step(next, fx)))
}
