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
//! 1. Load the [`AccountGuard`] and its `revision`.
//! 2. Call [`AccountGuard::begin`]. If the decision is not
//!    [`Decision::Allow`], answer the user (generic error, or a step-up) and
//!    stop. Otherwise the returned guard already counts this attempt as a
//!    failure.
//! 3. Store the returned guard **with compare-and-swap** on the loaded
//!    revision (`UPDATE … SET state = ?, revision = ? WHERE id = ? AND
//!    revision = ?`). If another request changed it first, go back to 1.
//!    Only a request whose write succeeded may go on.
//! 4. Verify the password or code.
//! 5. On success, call [`AccountGuard::succeed`] and store the result (again
//!    with compare-and-swap, retrying from a fresh load: success only clears).
//!    On failure, optionally call [`AccountGuard::failed`] for its audit events;
//!    the count is already right even if the process dies here.
//!
//! So at most `threshold` guesses are ever verified, however many requests
//! race, and no failure is lost: `tests/guard.rs` checks this with a model of
//! interleaved requests.
//!
//! ## Lockout must not lock the owner out
//!
//! - Each factor has its own counter: a locked password does not block a
//!   recovery ([`Factor::Recovery`]), nor the second factor.
//! - A device that has signed in before (the host passes its id) gets a
//!   budget of its own, so an attacker elsewhere cannot lock it out.
//! - [`LockMode::Soft`] asks for a step-up instead of refusing.
//! - Every limit is configurable ([`LockoutPolicy`]).
//!
//! Per source (an address, a device id) and per destination (a phone number,
//! an email), keep a [`FailureCounter`] keyed by it, with its own policy.
//!
//! ## Counters and the account's state
//!
//! [`AccountGuard`] holds attempt budgets and decides temporary locks by
//! itself: no state change is needed for a one-minute wait.
//! [`Lifecycle`](crate::account::Lifecycle) is the account's state as the
//! portals show it (active, locked, dormant, expired, suspended, ceased).
//! When the guard reports a permanent lock, move the lifecycle with
//! [`LifecycleEvent::LockForFailures`](crate::account::LifecycleEvent::LockForFailures);
//! a completed recovery is [`AccountGuard::unlock`] with [`Unlock::Recovery`]
//! **and** [`LifecycleEvent::RecoveryCompleted`](crate::account::LifecycleEvent::RecoveryCompleted).
//! An [`assess_travel`] verdict of `Block` is
//! [`LifecycleEvent::PreventiveBlock`](crate::account::LifecycleEvent::PreventiveBlock),
//! which also notifies the owner. Inactivity is
//! [`Lifecycle::check_inactivity`](crate::account::Lifecycle::check_inactivity),
//! run at sign-in or by a sweep.

mod account;
mod counter;
mod destination;
mod lockout;
mod risk;

pub use account::{AccountGuard, Factor, GuardPolicies, GuardStep, Unlock};
pub use counter::FailureCounter;
pub use destination::DestinationBudget;
pub use lockout::{Backoff, LockMode, LockoutPolicy};
pub use risk::{
    Place, RiskDecision, Sighting, TravelAction, TravelPolicy, assess_travel, distance_km,
};

use serde::Serialize;

use crate::Timestamp;

/// Why an attempt is refused or stepped up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
