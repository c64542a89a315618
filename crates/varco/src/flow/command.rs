//! Commands: what is not a user's flow (ENGINE §3). For sign-in (F5): an
//! operator blocks and unblocks an account; the host reports a
//! subscription's expiry and renewal.

use serde::Deserialize;

use super::engine::{FlowEngine, Work, guard_key};
use super::owner_link;
use super::records::{FlowWrite, Records};
use super::step::{FlowOutcome, FlowStep, Then};
use crate::account::{AccountState, LifecycleEvent, account_key};
use crate::guard::Unlock;
use crate::{Error, SecretString, Timestamp};

/// Who gives a command.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "actor", rename_all = "snake_case", deny_unknown_fields)]
pub enum Actor {
    /// An operator (support staff), by id.
    Operator {
        /// The operator's id, for the audit log.
        id: String,
    },
    /// The host itself (a billing system's report).
    Host {},
}

/// A command. In JSON, `{"command":"block","account":"a1","reason":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// An operator blocks the account (suspected stolen credentials): its
    /// epoch moves, so every flow and session ends.
    Block {
        /// The account.
        account: String,
        /// Why.
        reason: String,
    },
    /// An operator unblocks it: lifts an operator's or a location block,
    /// reactivates a dormant account, and lifts every failure lock.
    Unblock {
        /// The account.
        account: String,
    },
    /// The subscription behind the account expired.
    SubscriptionExpired {
        /// The account.
        account: String,
    },
    /// The subscription was renewed.
    SubscriptionRenewed {
        /// The account.
        account: String,
    },
    /// An operator's forced reset ("forzatura della password", FLOWS F6),
    /// after checking the owner's identity document out of band. The
    /// operator never sets the password (ASVS 6.4.6): varco draws a
    /// temporary one, sends it sealed to the owner, and the account must
    /// change it at the next sign-in; every session and flow ends.
    ForceReset {
        /// The account.
        account: String,
        /// Why (the request's reference): 1 to 512 bytes.
        reason: String,
        /// The identity document checked (its kind and number, or the
        /// case's reference): 1 to 256 bytes.
        document: String,
        /// Where to send the temporary password, when not to the
        /// account's own email or mobile (the address the request came
        /// from): an email address or a mobile number.
        #[serde(default)]
        to: Option<String>,
    },
    /// The owner cancelled a recovery mobile change from the link varco
    /// sent to the old channels (the old number, the email), or an
    /// operator did for them: the old number comes back, the change's
    /// epoch ends.
    CancelMobileChange {
        /// The account.
        account: String,
        /// The link's token (64 hex digits): required from the host; an
        /// operator may leave it out.
        #[serde(default)]
        token: Option<SecretString>,
    },
    /// A cease a newer registration asked for (FLOWS F7), resolved: the
    /// old account's owner confirms or refuses it from the link varco
    /// emailed them (or an operator does for them), or its delay has
    /// passed (the host's scheduler, or an operator).
    ResolveCease {
        /// The old account (the one with the cease pending).
        account: String,
        /// How it is resolved.
        decision: CeaseDecision,
        /// The link's token: required from the host to confirm or refuse;
        /// not needed when the cease is due, nor from an operator.
        #[serde(default)]
        token: Option<SecretString>,
    },
}

/// How a pending cease is resolved.
///
/// ```
/// use varco::flow::{CeaseDecision, Command};
///
/// let c = Command::from_json(r#"{"command":"resolve_cease","account":"a1","decision":"due"}"#).unwrap();
/// assert_eq!(c, Command::ResolveCease { account: "a1".into(), decision: CeaseDecision::Due, token: None });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeaseDecision {
    /// The old account's owner confirms: the cease happens now.
    Confirm,
    /// The old account's owner refuses: the old account stays, the new
    /// registration is ceased.
    Refuse,
    /// The delay has passed without an answer: the cease happens (refused
    /// before `due`).
    Due,
}

impl Command {
    /// Reads a command from JSON.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not a command.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "command")
    }

    /// The account it concerns.
    pub fn account(&self) -> &str {
        match self {
            Command::Block { account, .. }
            | Command::Unblock { account }
            | Command::SubscriptionExpired { account }
            | Command::SubscriptionRenewed { account }
            | Command::ForceReset { account, .. }
            | Command::CancelMobileChange { account, .. }
            | Command::ResolveCease { account, .. } => account,
        }
    }

    /// The stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Command::Block { .. } => "block",
            Command::Unblock { .. } => "unblock",
            Command::SubscriptionExpired { .. } => "subscription_expired",
            Command::SubscriptionRenewed { .. } => "subscription_renewed",
            Command::ForceReset { .. } => "force_reset",
            Command::CancelMobileChange { .. } => "cancel_mobile_change",
            Command::ResolveCease { .. } => "resolve_cease",
        }
    }
}

impl Actor {
    /// Reads an actor from JSON.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not an actor.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "actor")
    }
}

impl FlowEngine {
    /// Carries out a command on the records it names (`account/<id>` and
    /// `guard/<id>`; see [`Then::Load`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown account, an operator command
    /// from the host, an empty operator id or reason, or an owner's link
    /// that does not hold (wrong, over, or missing from the host);
    /// [`Error::IllegalTransition`] for a command the account's state does
    /// not allow (blocking a closed account); a stored record's own error;
    /// [`Error::InvalidTime`] for a broken clock. Nothing is written.
    ///
    /// `rng` draws a forced reset's temporary password.
    pub fn command<R: rand_core::CryptoRng + ?Sized>(
        &self,
        actor: &Actor,
        command: &Command,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        records.check()?;
        let id = command.account();
        if !crate::account::is_account_id(id) {
            return Err(Error::InvalidInput(
                "an account id is 1 to 64 of [A-Za-z0-9_-]".into(),
            ));
        }
        let operator = match actor {
            Actor::Operator { id } if id.is_empty() || id.len() > 128 => {
                return Err(Error::InvalidInput(
                    "an operator id is 1 to 128 bytes".into(),
                ));
            }
            Actor::Operator { id } => Some(id.clone()),
            Actor::Host {} => None,
        };
        let keys = vec![account_key(id), guard_key(id)];
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let account = Self::account_of(records, id)?
            .ok_or_else(|| Error::InvalidInput(format!("no account {id:?}")))?;
        let by_operator = |what: &str| {
            operator.clone().ok_or_else(|| {
                Error::InvalidInput(format!("only an operator may {what} an account"))
            })
        };
        let mut work = Work::new();
        let event = match command {
            Command::Block { reason, .. } => {
                if reason.is_empty() || reason.len() > 512 {
                    return Err(Error::InvalidInput("a reason is 1 to 512 bytes".into()));
                }
                Some(LifecycleEvent::OperatorBlock {
                    operator: by_operator("block")?,
                    reason: reason.clone(),
                })
            }
            Command::Unblock { .. } => {
                let operator = by_operator("unblock")?;
                let guard = Self::guard_of(records, id)?;
                let step = guard.unlock(
                    &Unlock::Operator {
                        operator: operator.clone(),
                    },
                    now,
                )?;
                if let Some(w) = &step.writes {
                    work.commit.restrict(FlowWrite::put(&guard_key(id), w));
                }
                work.effects.extend(step.effects);
                match account.body().lifecycle().state() {
                    AccountState::Suspended
                    | AccountState::Locked { .. }
                    | AccountState::Dormant => Some(LifecycleEvent::OperatorUnblock { operator }),
                    // Failure locks only: the lifecycle stays.
                    _ => None,
                }
            }
            Command::SubscriptionExpired { .. } => Some(LifecycleEvent::SubscriptionExpired),
            Command::SubscriptionRenewed { .. } => Some(LifecycleEvent::SubscriptionRenewed),
            Command::ForceReset {
                reason,
                document,
                to,
                ..
            } => {
                let operator = by_operator("force a reset of")?;
                let order = super::forced_reset::Order {
                    operator: &operator,
                    reason,
                    document,
                    to: to.as_deref(),
                };
                return self.force_reset(&order, &account, records, now, rng);
            }
            Command::CancelMobileChange { token, .. } => {
                let hold = account.body().running_mobile_hold(now);
                owner_link::check(
                    token.as_ref(),
                    hold.and_then(|h| h.link.as_deref()),
                    operator.is_some(),
                )?;
                return self.cancel_mobile_change(&account, operator.as_deref(), now);
            }
            Command::ResolveCease {
                decision, token, ..
            } => {
                // Due needs no answer from the owner; an answer needs the
                // link (or an operator).
                if *decision != CeaseDecision::Due || token.is_some() {
                    let pending = account.body().cease_pending();
                    owner_link::check(
                        token.as_ref(),
                        pending.and_then(|p| p.link.as_deref()),
                        operator.is_some(),
                    )?;
                }
                return self.resolve_cease(&account, *decision, records, now);
            }
        };
        let state = match event {
            Some(event) => {
                let step = account.apply(&event, now)?;
                if let Some(w) = &step.writes {
                    work.commit.grant(FlowWrite::put(&account_key(id), w));
                }
                work.effects.extend(step.effects);
                step.outcome.state
            }
            None => account.body().lifecycle().state().clone(),
        };
        Ok(FlowStep {
            outcome: FlowOutcome::Applied { state },
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }
}
