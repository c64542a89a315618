//! The account lifecycle: one state machine, legal transitions only.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::{Error, Timestamp};

/// Why an account is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockCause {
    /// Too many wrong passwords.
    Failures,
    /// A preventive block: a sign-in from an implausible place.
    Location,
}

/// Where an account stands (FLOWS F5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AccountState {
    /// Created, not yet activated (by its owner, after an invitation).
    PendingActivation,
    /// In use.
    Active,
    /// Blocked for a cause; unblocked by waiting (failures), a recovery, or
    /// an operator.
    Locked {
        /// Why.
        cause: LockCause,
    },
    /// Unused for too long (180 days by default); a recovery reactivates it.
    Dormant,
    /// The subscription behind it expired; a renewal reactivates it.
    Expired,
    /// Blocked by an operator (suspected theft); only an operator unblocks.
    Suspended,
    /// Closed for good.
    Ceased,
}

impl AccountState {
    /// The stable name (`active`, `locked_failures`, `suspended`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            AccountState::PendingActivation => "pending_activation",
            AccountState::Active => "active",
            AccountState::Locked {
                cause: LockCause::Failures,
            } => "locked_failures",
            AccountState::Locked {
                cause: LockCause::Location,
            } => "locked_location",
            AccountState::Dormant => "dormant",
            AccountState::Expired => "expired",
            AccountState::Suspended => "suspended",
            AccountState::Ceased => "ceased",
        }
    }
}

/// What happens to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LifecycleEvent {
    /// The owner activated it.
    Activate,
    /// Too many failures (the guard locked the password).
    LockForFailures,
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
        /// Why (e.g. suspected stolen credentials).
        reason: String,
    },
    /// It is closed.
    Cease {
        /// Why.
        reason: String,
    },
    /// A temporary lock's wait is over.
    WaitElapsed,
    /// A password reset (recovery) was completed.
    RecoveryCompleted,
    /// An operator unblocks it.
    OperatorUnblock {
        /// Who.
        operator: String,
    },
    /// The subscription was renewed.
    SubscriptionRenewed,
}

impl LifecycleEvent {
    /// Each cause and each unblock has its own audit kind.
    fn audit_kind(&self) -> AuditKind {
        match self {
            LifecycleEvent::Activate => AuditKind::AccountActivated,
            LifecycleEvent::LockForFailures => AuditKind::AccountLockedForFailures,
            LifecycleEvent::PreventiveBlock { .. } => AuditKind::AccountPreventivelyBlocked,
            LifecycleEvent::Inactivity => AuditKind::AccountDormant,
            LifecycleEvent::SubscriptionExpired => AuditKind::AccountExpired,
            LifecycleEvent::OperatorBlock { .. } => AuditKind::AccountSuspended,
            LifecycleEvent::Cease { .. } => AuditKind::AccountCeased,
            LifecycleEvent::WaitElapsed => AuditKind::AccountUnlockedByWait,
            LifecycleEvent::RecoveryCompleted => AuditKind::AccountRecovered,
            LifecycleEvent::OperatorUnblock { .. } => AuditKind::AccountUnblockedByOperator,
            LifecycleEvent::SubscriptionRenewed => AuditKind::AccountRenewed,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            LifecycleEvent::Activate => "activate",
            LifecycleEvent::LockForFailures => "lock_for_failures",
            LifecycleEvent::PreventiveBlock { .. } => "preventive_block",
            LifecycleEvent::Inactivity => "inactivity",
            LifecycleEvent::SubscriptionExpired => "subscription_expired",
            LifecycleEvent::OperatorBlock { .. } => "operator_block",
            LifecycleEvent::Cease { .. } => "cease",
            LifecycleEvent::WaitElapsed => "wait_elapsed",
            LifecycleEvent::RecoveryCompleted => "recovery_completed",
            LifecycleEvent::OperatorUnblock { .. } => "operator_unblock",
            LifecycleEvent::SubscriptionRenewed => "subscription_renewed",
        }
    }
}

/// The stored lifecycle of one account.
///
/// ```
/// use varco::account::{AccountState, Lifecycle, LifecycleEvent, LockCause};
/// use varco::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_800_000_000);
/// let l = Lifecycle::new(t);
/// assert!(!l.can_authenticate());
/// let (l, _) = l.apply(&LifecycleEvent::Activate, t).unwrap();
/// let (l, effects) = l.apply(&LifecycleEvent::LockForFailures, t).unwrap();
/// assert_eq!(l.state(), &AccountState::Locked { cause: LockCause::Failures });
/// assert_eq!(effects.len(), 1); // the audit event
/// // Illegal: a locked account cannot be "activated"; the state is unchanged.
/// assert_eq!(l.apply(&LifecycleEvent::Activate, t).unwrap_err().code(), "illegal_transition");
/// let (l, _) = l.apply(&LifecycleEvent::RecoveryCompleted, t).unwrap();
/// assert!(l.can_authenticate());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    version: u32,
    revision: u64,
    state: AccountState,
    since: Timestamp,
    last_activity: Timestamp,
    last_seen: Timestamp,
}

impl Lifecycle {
    /// The serialized format's version.
    pub const FORMAT_VERSION: u32 = 1;
    /// Days without activity after which an account becomes dormant (the
    /// seed article says 5 to 6 months).
    pub const DEFAULT_DORMANT_AFTER: Duration = Duration::from_secs(180 * 24 * 3600);

    /// A new account, pending activation.
    pub fn new(now: Timestamp) -> Self {
        Lifecycle {
            version: Self::FORMAT_VERSION,
            revision: 0,
            state: AccountState::PendingActivation,
            since: now,
            last_activity: now,
            last_seen: now,
        }
    }

    /// The current state.
    pub fn state(&self) -> &AccountState {
        &self.state
    }

    /// Since when.
    pub fn since(&self) -> Timestamp {
        self.since
    }

    /// Bumped by every change: store with compare-and-swap on it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Only an active account may sign in.
    pub fn can_authenticate(&self) -> bool {
        self.state == AccountState::Active
    }

    /// The state an event leads to from `from`, if legal.
    fn target(from: &AccountState, event: &LifecycleEvent) -> Option<AccountState> {
        use AccountState as S;
        use LifecycleEvent as E;
        let locked = |cause| S::Locked { cause };
        match (from, event) {
            (S::Ceased, _) => None,
            (_, E::Cease { .. }) => Some(S::Ceased),
            (S::PendingActivation, E::Activate) => Some(S::Active),
            (S::Active, E::LockForFailures) => Some(locked(LockCause::Failures)),
            (S::Active, E::PreventiveBlock { .. }) => Some(locked(LockCause::Location)),
            (S::Active, E::Inactivity) => Some(S::Dormant),
            (S::Active | S::Locked { .. } | S::Dormant, E::SubscriptionExpired) => Some(S::Expired),
            (
                S::PendingActivation | S::Active | S::Locked { .. } | S::Dormant | S::Expired,
                E::OperatorBlock { .. },
            ) => Some(S::Suspended),
            (
                S::Locked {
                    cause: LockCause::Failures,
                },
                E::WaitElapsed,
            ) => Some(S::Active),
            (S::Locked { .. } | S::Dormant, E::RecoveryCompleted) => Some(S::Active),
            (S::Locked { .. } | S::Suspended | S::Dormant, E::OperatorUnblock { .. }) => {
                Some(S::Active)
            }
            (S::Expired, E::SubscriptionRenewed) => Some(S::Active),
            _ => None,
        }
    }

    /// Applies an event: the next lifecycle and its audit event, each cause
    /// and each unblock with its own reason; a preventive block and an
    /// operator's block also notify the owner ([`Effect::NotifyOwner`]).
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the event makes no sense in the
    /// current state; nothing changes.
    pub fn apply(
        &self,
        event: &LifecycleEvent,
        now: Timestamp,
    ) -> Result<(Lifecycle, Vec<Effect>), Error> {
        let to = Self::target(&self.state, event).ok_or_else(|| Error::IllegalTransition {
            from: self.state.name().to_owned(),
            event: event.name().to_owned(),
        })?;
        let now = self.last_seen.max(now);
        let mut e = AuditEvent::new(now, event.audit_kind(), "account")
            .detail("from", self.state.name())
            .detail("to", to.name())
            .detail("event", event.name());
        e = match event {
            LifecycleEvent::PreventiveBlock { detail } => e.detail("reason", detail),
            LifecycleEvent::OperatorBlock { operator, reason } => {
                e.detail("operator", operator).detail("reason", reason)
            }
            LifecycleEvent::OperatorUnblock { operator } => e.detail("operator", operator),
            LifecycleEvent::Cease { reason } => e.detail("reason", reason),
            _ => e,
        };
        let mut next = self.clone();
        next.revision = self.revision.wrapping_add(1);
        next.last_seen = now;
        next.since = now;
        if to == AccountState::Active {
            next.last_activity = now;
        }
        next.state = to;
        let mut effects = vec![Effect::Audit(e)];
        // The owner hears of blocks they did not cause themselves.
        match event {
            LifecycleEvent::PreventiveBlock { detail } => effects.push(Effect::NotifyOwner {
                event: "preventive_block".into(),
                detail: detail.clone(),
            }),
            LifecycleEvent::OperatorBlock { reason, .. } => effects.push(Effect::NotifyOwner {
                event: "suspended".into(),
                detail: reason.clone(),
            }),
            _ => {}
        }
        Ok((next, effects))
    }

    /// Records a successful sign-in (resets the inactivity clock).
    pub fn record_activity(&self, now: Timestamp) -> Lifecycle {
        let mut next = self.clone();
        next.revision = self.revision.wrapping_add(1);
        next.last_seen = self.last_seen.max(now);
        next.last_activity = next.last_seen;
        next
    }

    /// If an active account has been idle longer than `dormant_after`, makes
    /// it dormant (with its audit event); otherwise `None`.
    pub fn check_inactivity(
        &self,
        dormant_after: Duration,
        now: Timestamp,
    ) -> Option<(Lifecycle, Vec<Effect>)> {
        let now = self.last_seen.max(now);
        if self.state == AccountState::Active && now.since(self.last_activity) > dormant_after {
            self.apply(&LifecycleEvent::Inactivity, now).ok()
        } else {
            None
        }
    }

    /// Loads a stored lifecycle.
    ///
    /// # Errors
    /// [`Error::Deserialize`], [`Error::UnsupportedVersion`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::load_json(json, |l: &Lifecycle| l.version, Self::FORMAT_VERSION)
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
