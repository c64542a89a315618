//! The account lifecycle: one state machine, legal transitions only.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::record::{Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// Why an account is blocked by the lifecycle. Failure locks are not here:
/// they live in the account's budget record ([`crate::guard`]), and end by
/// themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockCause {
    /// A preventive block: a sign-in from an implausible place.
    Location,
}

impl LockCause {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"location"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            LockCause::Location => "location",
        }
    }
}

/// Where an account stands (FLOWS F5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", from = "StateFields")]
pub enum AccountState {
    /// Created, not yet activated (by its owner, after an invitation).
    PendingActivation,
    /// In use.
    Active,
    /// Blocked for a cause; an operator unblocks (a completed recovery does
    /// not: a password reset must not lift a location block).
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

/// `AccountState` as read, every field checked (as `EventFields`).
#[derive(Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
enum StateFields {
    PendingActivation {},
    Active {},
    Locked { cause: LockCause },
    Dormant {},
    Expired {},
    Suspended {},
    Ceased {},
}

impl From<StateFields> for AccountState {
    fn from(s: StateFields) -> Self {
        match s {
            StateFields::PendingActivation {} => AccountState::PendingActivation,
            StateFields::Active {} => AccountState::Active,
            StateFields::Locked { cause } => AccountState::Locked { cause },
            StateFields::Dormant {} => AccountState::Dormant,
            StateFields::Expired {} => AccountState::Expired,
            StateFields::Suspended {} => AccountState::Suspended,
            StateFields::Ceased {} => AccountState::Ceased,
        }
    }
}

impl AccountState {
    /// The stable name (`active`, `locked_location`, `suspended`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            AccountState::PendingActivation => "pending_activation",
            AccountState::Active => "active",
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

/// What happens to an account. In JSON, `{"event":"activate"}`,
/// `{"event":"operator_block","operator":"…","reason":"…"}`, …; a field an
/// event does not have is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", from = "EventFields")]
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
        /// Why (e.g. suspected stolen credentials).
        reason: String,
    },
    /// It is closed.
    Cease {
        /// Why.
        reason: String,
    },
    /// A password reset (recovery) was completed: it reactivates a dormant
    /// account, and lifts no block.
    RecoveryCompleted,
    /// An operator unblocks it.
    OperatorUnblock {
        /// Who.
        operator: String,
    },
    /// The subscription was renewed.
    SubscriptionRenewed,
}

/// `LifecycleEvent` as read: serde lets a unit variant of a tagged enum
/// carry unknown fields, an empty struct variant does not.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
enum EventFields {
    Activate {},
    PreventiveBlock { detail: String },
    Inactivity {},
    SubscriptionExpired {},
    OperatorBlock { operator: String, reason: String },
    Cease { reason: String },
    RecoveryCompleted {},
    OperatorUnblock { operator: String },
    SubscriptionRenewed {},
}

impl From<EventFields> for LifecycleEvent {
    fn from(e: EventFields) -> Self {
        match e {
            EventFields::Activate {} => LifecycleEvent::Activate,
            EventFields::PreventiveBlock { detail } => LifecycleEvent::PreventiveBlock { detail },
            EventFields::Inactivity {} => LifecycleEvent::Inactivity,
            EventFields::SubscriptionExpired {} => LifecycleEvent::SubscriptionExpired,
            EventFields::OperatorBlock { operator, reason } => {
                LifecycleEvent::OperatorBlock { operator, reason }
            }
            EventFields::Cease { reason } => LifecycleEvent::Cease { reason },
            EventFields::RecoveryCompleted {} => LifecycleEvent::RecoveryCompleted,
            EventFields::OperatorUnblock { operator } => {
                LifecycleEvent::OperatorUnblock { operator }
            }
            EventFields::SubscriptionRenewed {} => LifecycleEvent::SubscriptionRenewed,
        }
    }
}

impl LifecycleEvent {
    /// Reads an event the host passes in as JSON
    /// (`{"event":"operator_block","reason":"fraud"}`).
    ///
    /// ```
    /// use varco::account::LifecycleEvent;
    ///
    /// assert_eq!(LifecycleEvent::from_json(r#"{"event":"activate"}"#).unwrap(), LifecycleEvent::Activate);
    /// assert_eq!(LifecycleEvent::from_json(r#"{"event":"explode"}"#).unwrap_err().code(), "invalid_input");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON, an unknown event or an
    /// unknown field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "lifecycle event")
    }

    /// Each cause and each unblock has its own audit kind.
    fn audit_kind(&self) -> AuditKind {
        match self {
            LifecycleEvent::Activate => AuditKind::AccountActivated,
            LifecycleEvent::PreventiveBlock { .. } => AuditKind::AccountPreventivelyBlocked,
            LifecycleEvent::Inactivity => AuditKind::AccountDormant,
            LifecycleEvent::SubscriptionExpired => AuditKind::AccountExpired,
            LifecycleEvent::OperatorBlock { .. } => AuditKind::AccountSuspended,
            LifecycleEvent::Cease { .. } => AuditKind::AccountCeased,
            LifecycleEvent::RecoveryCompleted => AuditKind::AccountRecovered,
            LifecycleEvent::OperatorUnblock { .. } => AuditKind::AccountUnblockedByOperator,
            LifecycleEvent::SubscriptionRenewed => AuditKind::AccountRenewed,
        }
    }

    /// The stable name (`activate`, `operator_block`, ...), as in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            LifecycleEvent::Activate => "activate",
            LifecycleEvent::PreventiveBlock { .. } => "preventive_block",
            LifecycleEvent::Inactivity => "inactivity",
            LifecycleEvent::SubscriptionExpired => "subscription_expired",
            LifecycleEvent::OperatorBlock { .. } => "operator_block",
            LifecycleEvent::Cease { .. } => "cease",
            LifecycleEvent::RecoveryCompleted => "recovery_completed",
            LifecycleEvent::OperatorUnblock { .. } => "operator_unblock",
            LifecycleEvent::SubscriptionRenewed => "subscription_renewed",
        }
    }
}

/// What a lifecycle step leads to: the state, and whether the account may
/// sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleOutcome {
    /// The state after the step.
    #[serde(flatten)]
    pub state: AccountState,
    /// Only an active account may sign in.
    pub can_authenticate: bool,
}

impl LifecycleOutcome {
    /// The outcome of being in `state`: whether it may sign in is the
    /// core's rule (only an active account may).
    ///
    /// ```
    /// use varco::account::{AccountState, LifecycleOutcome};
    ///
    /// assert!(LifecycleOutcome::of(&AccountState::Active).can_authenticate);
    /// assert!(!LifecycleOutcome::of(&AccountState::Dormant).can_authenticate);
    /// ```
    pub fn of(state: &AccountState) -> Self {
        LifecycleOutcome {
            can_authenticate: *state == AccountState::Active,
            state: state.clone(),
        }
    }
}

/// The lifecycle of one account: a record ([`Stored<Lifecycle>`]).
///
/// ```
/// use varco::account::{AccountState, Lifecycle, LifecycleEvent, LockCause};
/// use varco::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_800_000_000);
/// let created = Lifecycle::create(t).unwrap();
/// assert!(!created.outcome.can_authenticate);
/// let l = created.writes.unwrap().record; // INSERT: must not exist
/// let step = l.apply(&LifecycleEvent::Activate, t).unwrap();
/// let l = step.writes.unwrap().record;
/// let step = l.apply(&LifecycleEvent::PreventiveBlock { detail: "Roma → Lima in 1 h".into() }, t).unwrap();
/// assert_eq!(step.outcome.state, AccountState::Locked { cause: LockCause::Location });
/// assert_eq!(step.effects.len(), 2); // the audit event, and the owner is told
/// let l = step.writes.unwrap().record;
/// // Illegal: a completed recovery does not lift a location block.
/// assert_eq!(l.apply(&LifecycleEvent::RecoveryCompleted, t).unwrap_err().code(), "illegal_transition");
/// let step = l.apply(&LifecycleEvent::OperatorUnblock { operator: "op-7".into() }, t).unwrap();
/// assert!(step.outcome.can_authenticate);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    state: AccountState,
    since: Timestamp,
    last_activity: Timestamp,
}

impl Record for Lifecycle {
    const KIND: &'static str = "lifecycle";
    const VERSION: u32 = 1;
}

impl Lifecycle {
    /// Days without activity after which an account becomes dormant (the
    /// seed article says 5 to 6 months).
    pub const DEFAULT_DORMANT_AFTER: Duration = Duration::from_secs(180 * 24 * 3600);

    /// A new account's lifecycle, pending activation (a body; see
    /// [`create`](Self::create) for the record).
    pub fn new(now: Timestamp) -> Self {
        Lifecycle {
            state: AccountState::PendingActivation,
            since: now,
            last_activity: now,
        }
    }

    /// A new account's lifecycle record, pending activation: its write is
    /// "must not exist".
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a `now` past the year 9999.
    pub fn create(now: Timestamp) -> Result<RecordStep<LifecycleOutcome, Lifecycle>, Error> {
        let new = Stored::new(Lifecycle::new(now));
        let record = new.next(Lifecycle::new(now), now)?;
        Ok(Step {
            outcome: LifecycleOutcome::of(&record.body().state),
            writes: Some(Write::replacing(&new, record)),
            effects: Vec::new(),
        })
    }

    /// The current state.
    pub fn state(&self) -> &AccountState {
        &self.state
    }

    /// Since when.
    pub fn since(&self) -> Timestamp {
        self.since
    }

    /// Only an active account may sign in.
    pub fn can_authenticate(&self) -> bool {
        self.state == AccountState::Active
    }

    /// The lifecycle after `event` at `now` (a time the record's clock
    /// accepted), with its audit event and, for a block the owner did not
    /// cause, a notice to the owner. The one rule [`Stored::apply`] and the
    /// account record ([`crate::account::Account`]) share.
    pub(crate) fn transition(
        &self,
        event: &LifecycleEvent,
        now: Timestamp,
    ) -> Result<(Lifecycle, Vec<Effect>), Error> {
        let current = self;
        let to =
            Lifecycle::target(&current.state, event).ok_or_else(|| Error::IllegalTransition {
                from: current.state.as_str().to_owned(),
                event: event.as_str().to_owned(),
            })?;
        let mut e = AuditEvent::new(now, event.audit_kind(), "account")
            .detail("from", current.state.as_str())
            .detail("to", to.as_str())
            .detail("event", event.as_str());
        e = match event {
            LifecycleEvent::PreventiveBlock { detail } => e.detail("reason", detail),
            LifecycleEvent::OperatorBlock { operator, reason } => {
                e.detail("operator", operator).detail("reason", reason)
            }
            LifecycleEvent::OperatorUnblock { operator } => e.detail("operator", operator),
            LifecycleEvent::Cease { reason } => e.detail("reason", reason),
            _ => e,
        };
        let mut next = current.clone();
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

    /// The last sign-in this lifecycle recorded (its creation or last
    /// reactivation, for a lifecycle inside an account record: sign-ins
    /// are kept in the budget record).
    pub fn last_activity(&self) -> Timestamp {
        self.last_activity
    }

    /// The state an event leads to from `from`, if legal.
    fn target(from: &AccountState, event: &LifecycleEvent) -> Option<AccountState> {
        use AccountState as S;
        use LifecycleEvent as E;
        match (from, event) {
            (S::Ceased, _) => None,
            (_, E::Cease { .. }) => Some(S::Ceased),
            (S::PendingActivation, E::Activate) => Some(S::Active),
            (S::Active, E::PreventiveBlock { .. }) => Some(S::Locked {
                cause: LockCause::Location,
            }),
            (S::Active, E::Inactivity) => Some(S::Dormant),
            (S::Active | S::Locked { .. } | S::Dormant, E::SubscriptionExpired) => Some(S::Expired),
            (
                S::PendingActivation | S::Active | S::Locked { .. } | S::Dormant | S::Expired,
                E::OperatorBlock { .. },
            ) => Some(S::Suspended),
            (S::Dormant, E::RecoveryCompleted) => Some(S::Active),
            (S::Locked { .. } | S::Suspended | S::Dormant, E::OperatorUnblock { .. }) => {
                Some(S::Active)
            }
            (S::Expired, E::SubscriptionRenewed) => Some(S::Active),
            _ => None,
        }
    }
}

impl Stored<Lifecycle> {
    /// Applies an event: the next state, its audit event (each cause and
    /// each unblock with its own reason), and for a preventive block and an
    /// operator's block a notice to the owner ([`Effect::NotifyOwner`]).
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the event makes no sense in the
    /// current state; [`Error::InvalidTime`] for a broken clock. Nothing is
    /// written.
    pub fn apply(
        &self,
        event: &LifecycleEvent,
        now: Timestamp,
    ) -> Result<RecordStep<LifecycleOutcome, Lifecycle>, Error> {
        let now = {
            // The transition's legality is checked before the clock, as
            // before: an illegal event is an illegal event at any time.
            Lifecycle::target(&self.body().state, event).ok_or_else(|| {
                Error::IllegalTransition {
                    from: self.body().state.as_str().to_owned(),
                    event: event.as_str().to_owned(),
                }
            })?;
            self.effective_time(now)?
        };
        let (next, effects) = self.body().transition(event, now)?;
        Ok(Step {
            outcome: LifecycleOutcome::of(&next.state),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects,
        })
    }

    /// Records a successful sign-in (resets the inactivity clock).
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn record_activity(
        &self,
        now: Timestamp,
    ) -> Result<RecordStep<LifecycleOutcome, Lifecycle>, Error> {
        let now = self.effective_time(now)?;
        let mut next = self.body().clone();
        next.last_activity = now;
        Ok(Step {
            outcome: LifecycleOutcome::of(&next.state),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: Vec::new(),
        })
    }

    /// If an active account has been idle longer than `dormant_after`, makes
    /// it dormant (with its audit event); otherwise the state as it is, and
    /// nothing to write.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn check_inactivity(
        &self,
        dormant_after: Duration,
        now: Timestamp,
    ) -> Result<RecordStep<LifecycleOutcome, Lifecycle>, Error> {
        let now = self.effective_time(now)?;
        let current = self.body();
        if current.state == AccountState::Active && now.since(current.last_activity) > dormant_after
        {
            return self.apply(&LifecycleEvent::Inactivity, now);
        }
        Ok(Step {
            outcome: LifecycleOutcome::of(&current.state),
            writes: None,
            effects: Vec::new(),
        })
    }
}
