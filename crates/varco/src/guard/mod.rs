//! Guard (FLOWS F5): attempt budgets and lockout, per factor, per trusted
//! device, per source and per destination, safe under concurrency; risk
//! signals (implausible travel). The account lifecycle, which these feed,
//! is [`crate::account`].
//!
//! ## The protocol: count first, then verify
//!
//! Keycloak and Devise both shipped the same bug: a request reads the failure
//! count, verifies the password, then writes the count back. Two parallel
//! wrong guesses read the same count, and both are verified even when only
//! one attempt was left. varco counts an attempt **before** the expensive
//! check:
//!
//! 1. Load the [`Stored<AccountGuard>`](crate::record::Stored) (or start
//!    one with `Stored::new(AccountGuard::new())`).
//! 2. Call [`begin`](crate::record::Stored::begin). If the outcome is not
//!    [`Admission::Allowed`], answer the user (generic error, or a step-up)
//!    and stop: a refusal writes nothing. Otherwise the step's write already
//!    counts this attempt as a failure, and the outcome carries its ticket
//!    ([`Attempt`]).
//! 3. Store the write **with compare-and-swap** on the revision it replaces
//!    (`UPDATE … SET record = ?, revision = ? WHERE key = ? AND revision =
//!    ?`, or an insert that must not find the key). If another request
//!    changed it first, go back to 1. Only a request whose write succeeded
//!    may go on.
//! 4. Verify the password or code.
//! 5. On success, load again and call [`succeed`](crate::record::Stored::succeed)
//!    with the ticket; store its write (compare-and-swap, retrying from a
//!    fresh load). It clears only the failures counted up to this attempt:
//!    guesses that raced it keep their count and their lock. On failure,
//!    [`failed`](crate::record::Stored::failed) gives the audit events and
//!    writes nothing: the count is already right even if the process dies
//!    here.
//!
//! So at most `threshold` guesses are ever verified, however many requests
//! race, and no failure is lost: `tests/guard.rs` checks this with a model of
//! interleaved requests.
//!
//! ## Lockout must not lock the owner out
//!
//! - Each factor has its own counter: a locked password does not block a
//!   recovery ([`Factor::Recovery`]), nor the second factor.
//! - By default the second factor and recovery never lock for good
//!   ([`AtCap::Wait`]): an attacker holding no factor can lock the password,
//!   never recovery too, so the owner never has to call support.
//! - A device that completed a full sign-in ([`trust_device`](crate::record::Stored::trust_device))
//!   gets a password budget of its own, so an attacker elsewhere cannot lock
//!   it out. It adds no guesses: its attempts count in the account's budget
//!   too, and every second-factor attempt counts against the account's
//!   second-factor budget, whichever device it comes from.
//! - [`LockMode::Soft`] asks for a step-up instead of refusing.
//! - Every limit is configurable ([`LockoutPolicy`]); values that would
//!   switch a protection off (forgetting failures faster than a lock ends,
//!   a zero wait) are refused.
//!
//! Per source (an address, a device id) and per destination (a phone number,
//! an email), keep a [`Stored<FailureCounter>`](crate::record::Stored)
//! keyed by it, with its own policy and the same protocol.
//!
//! ## Counters and the account's state
//!
//! Failure locks live here, in the budget record, and nowhere else: the
//! guard decides temporary and permanent locks by itself.
//! [`Lifecycle`](crate::account::Lifecycle) is the account's state as the
//! portals show it (active, dormant, expired, suspended, ceased, blocked for
//! an implausible location). A completed recovery is
//! [`unlock`](crate::record::Stored::unlock) with [`Unlock::Recovery`]
//! **and** [`LifecycleEvent::RecoveryCompleted`](crate::account::LifecycleEvent::RecoveryCompleted).
//! An [`assess_travel`] verdict of `Block` is
//! [`LifecycleEvent::PreventiveBlock`](crate::account::LifecycleEvent::PreventiveBlock),
//! which also notifies the owner. Inactivity is
//! `check_inactivity` on the stored [`Lifecycle`](crate::account::Lifecycle),
//! run at sign-in or by a sweep.

mod account;
mod counter;
mod destination;
mod lockout;
mod risk;

pub(crate) use account::clip;
pub use account::{AccountGuard, Attempt, Factor, GuardPolicies, Unlock};
pub use counter::FailureCounter;
pub use destination::DestinationBudget;
pub use lockout::{AtCap, Backoff, LockMode, LockoutPolicy};
pub use risk::{
    Place, RiskDecision, Sighting, TravelAction, TravelPolicy, assess_travel, distance_km,
};

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Why an attempt is refused or stepped up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Too many failures.
    TooManyFailures,
    /// Attempts in too quick succession.
    TooFast,
}

/// What to do with an attempt.
///
/// Show the user the same generic message for every refusal (AU-01): the
/// reason is for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Go ahead (the attempt is counted).
    Allow,
    /// Ask for a captcha or a second factor first.
    StepUp {
        /// Why.
        reason: Reason,
    },
    /// Refuse.
    Locked {
        /// Until when; `None` until an operator or a recovery unlocks.
        until: Option<Timestamp>,
        /// Why.
        reason: Reason,
    },
}

impl Reason {
    /// The stable name (`too_many_failures`, `too_fast`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TooManyFailures => "too_many_failures",
            Reason::TooFast => "too_fast",
        }
    }
}

impl Decision {
    /// The stable name (`allow`, `step_up`, `locked`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::StepUp { .. } => "step_up",
            Decision::Locked { .. } => "locked",
        }
    }
}

/// The outcome of `begin` on an account's guard (and on a source's or
/// destination's counter): go ahead with this attempt, or not.
///
/// `Allowed` carries the attempt's ticket: keep it in the request's memory
/// and hand it to `succeed` if the check passes. Show the user the same
/// generic message for every refusal (AU-01); the reason is for the audit
/// log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "admission", rename_all = "snake_case")]
pub enum Admission<A> {
    /// Go ahead: the attempt is counted as a failure until `succeed`.
    Allowed {
        /// The attempt's ticket.
        attempt: A,
    },
    /// Ask for a captcha or a second factor first; nothing was counted.
    StepUp {
        /// Why.
        reason: Reason,
    },
    /// Refused; nothing was counted.
    Locked {
        /// Until when; `None` until an operator or a recovery unlocks.
        until: Option<Timestamp>,
        /// Why.
        reason: Reason,
    },
}

impl<A> Admission<A> {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"allowed"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Admission::Allowed { .. } => "allowed",
            Admission::StepUp { .. } => "step_up",
            Admission::Locked { .. } => "locked",
        }
    }
}

impl<A> Admission<A> {
    /// The stable name (`allowed`, `step_up`, `locked`).
    pub fn name(&self) -> &'static str {
        match self {
            Admission::Allowed { .. } => "allowed",
            Admission::StepUp { .. } => "step_up",
            Admission::Locked { .. } => "locked",
        }
    }

    /// The ticket, if the attempt may go ahead.
    pub fn attempt(&self) -> Option<&A> {
        match self {
            Admission::Allowed { attempt } => Some(attempt),
            _ => None,
        }
    }
}
