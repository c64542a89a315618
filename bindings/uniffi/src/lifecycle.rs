//! The account lifecycle: active, blocked, dormant, suspended, ceased...

use varco::account::{AccountState, Lifecycle, LifecycleEvent, LifecycleOutcome, LockCause};
use varco::record::Stored;
use varco::step::RecordStep;

use crate::effect::effects;
use crate::record::{Write, writes};
use crate::{Effect, VarcoError, at_ms};

/// Why the lifecycle blocks an account (the core's
/// `varco::account::LockCause`; failure locks are the guard's).
#[uniffi::remote(Enum)]
pub enum LockCause {
    /// A preventive block: a sign-in from an implausible place.
    Location,
}

/// Where an account stands (the core's `varco::account::AccountState`).
#[uniffi::remote(Enum)]
pub enum AccountState {
    /// Created, not yet activated.
    PendingActivation,
    /// In use.
    Active,
    /// Blocked for a cause; an operator unblocks.
    Locked {
        /// Why.
        cause: LockCause,
    },
    /// Unused for too long; a recovery reactivates it.
    Dormant,
    /// The subscription behind it expired; a renewal reactivates it.
    Expired,
    /// Blocked by an operator; only an operator unblocks.
    Suspended,
    /// Closed for good.
    Ceased,
}

/// What happens to an account (the core's `varco::account::LifecycleEvent`).
#[uniffi::remote(Enum)]
pub enum LifecycleEvent {
    /// The owner activated it.
    Activate,
    /// An implausible sign-in location.
    PreventiveBlock {
        /// What was seen, for the audit log.
        detail: String,
    },
    /// No sign-in for too long.
    Inactivity,
    /// The subscription expired.
    SubscriptionExpired,
    /// An operator blocks it.
    OperatorBlock {
        /// Who.
        operator: String,
        /// Why.
        reason: String,
    },
    /// It is closed.
    Cease {
        /// Why.
        reason: String,
    },
    /// A password reset was completed: it reactivates a dormant account and
    /// lifts no block.
    RecoveryCompleted,
    /// An operator unblocks it.
    OperatorUnblock {
        /// Who.
        operator: String,
    },
    /// The subscription was renewed.
    SubscriptionRenewed,
}

/// A lifecycle step: the state it leads to, the writes, the effects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LifecycleStep {
    /// The state after the step.
    pub state: AccountState,
    /// Whether the account may sign in.
    pub can_authenticate: bool,
    /// What to store (none when nothing changed), with compare-and-swap.
    pub writes: Vec<Write>,
    /// Audit events and owner notifications.
    pub effects: Vec<Effect>,
}

fn step(s: RecordStep<LifecycleOutcome, Lifecycle>) -> LifecycleStep {
    LifecycleStep {
        writes: writes(&s.writes),
        state: s.outcome.state,
        can_authenticate: s.outcome.can_authenticate,
        effects: effects(s.effects),
    }
}

fn load(record: &str) -> Result<Stored<Lifecycle>, VarcoError> {
    Ok(Stored::<Lifecycle>::from_json(record)?)
}

/// A new account's lifecycle, waiting for activation (its write must not
/// find a record).
#[uniffi::export]
pub fn lifecycle_create(now_ms: i64) -> Result<LifecycleStep, VarcoError> {
    Ok(step(Lifecycle::create(at_ms(now_ms)?)?))
}

/// Applies an event. An illegal transition is an error
/// (`illegal_transition`) and changes nothing.
#[uniffi::export]
pub fn lifecycle_apply(
    record: String,
    event: LifecycleEvent,
    now_ms: i64,
) -> Result<LifecycleStep, VarcoError> {
    Ok(step(load(&record)?.apply(&event, at_ms(now_ms)?)?))
}

/// Records a sign-in (resets the inactivity clock).
#[uniffi::export]
pub fn lifecycle_record_activity(record: String, now_ms: i64) -> Result<LifecycleStep, VarcoError> {
    Ok(step(load(&record)?.record_activity(at_ms(now_ms)?)?))
}

/// Marks an active account dormant after `dormant_after_days` without
/// activity; otherwise the state as it is and no writes.
#[uniffi::export]
pub fn lifecycle_check_inactivity(
    record: String,
    dormant_after_days: u32,
    now_ms: i64,
) -> Result<LifecycleStep, VarcoError> {
    let after = std::time::Duration::from_secs(u64::from(dormant_after_days) * 86_400);
    Ok(step(
        load(&record)?.check_inactivity(after, at_ms(now_ms)?)?,
    ))
}
