//! Reservations (ENGINE §2, count first, then verify): the expensive
//! checks (a password, a recovery code, a secret answer, a change's current
//! password) are counted and committed before their one Argon2 run, and
//! the verdict is kept in the flow, so that a rerun never hashes again.
//! The two steps every such check takes, and who may go on with one.

use std::time::Duration;

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Submit, Work};
use super::state::{Checked, Flow, Reservation};
use super::step::{FlowOutcome, FlowStep, Rejection, Secret, Then, matches_digest};
use crate::guard::Attempt;
use crate::record::Stored;
use crate::{Error, Timestamp};

/// What a reservation holder may do.
pub(crate) enum Hold {
    /// No live reservation: a new attempt is reserved.
    Free,
    /// This request holds it (its ticket, or an expired one it adopts).
    Held,
}

/// What a new reservation counted.
pub(crate) struct Counted {
    pub(crate) checks: Checked,
    /// The account guard's ticket; `None` when padding was written instead
    /// (a decoy, a refusal).
    pub(crate) attempt: Option<Attempt>,
    /// The source counter's serial, if it counted one.
    pub(crate) source_attempt: Option<u64>,
    /// Why it cannot succeed, when that is known before the check.
    pub(crate) doomed: Option<Rejection>,
}

impl FlowEngine {
    /// Who may go on with the flow's reservation: a new attempt, the
    /// holder of its ticket, or an expired one's adopter; `None` for a
    /// request that finds another's live reservation (it gets `Busy`).
    pub(crate) fn hold(f: &Flow, submit: &Submit<'_>, now: Timestamp) -> Option<Hold> {
        match &f.reservation {
            None => Some(Hold::Free),
            Some(r) if submit.ticket.is_some_and(|t| matches_digest(t, &r.ticket)) => {
                Some(Hold::Held)
            }
            Some(r) if now < r.expires_at => None,
            // An expired reservation without a verdict was counted
            // already: this request may check its own input against it.
            Some(r) if r.passed.is_none() => Some(Hold::Held),
            // One whose request died after a passing check is dropped:
            // only the request that checked may go on with it.
            Some(_) => Some(Hold::Free),
        }
    }

    /// The first phase's step: `next` (the flow as this step leaves it)
    /// takes a reservation of what was `counted`, written after `work`'s
    /// restrictions; the host commits, then repeats with the ticket.
    pub(crate) fn reserve<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        counted: Counted,
        mut work: Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let ticket = Secret::draw(rng);
        next.reservation = Some(Reservation {
            ticket: ticket.digest(),
            checks: counted.checks,
            attempt: counted.attempt,
            source_attempt: counted.source_attempt,
            doomed: counted.doomed.map(|d| d.as_str().to_owned()),
            expires_at: now + Duration::from_secs(self.config.reservation_ttl_secs),
            passed: None,
            rehash: None,
            travel: None,
        });
        work.commit.consume(self.flow_write(flow, next, now)?);
        Ok(FlowStep {
            outcome: FlowOutcome::Reserved,
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::CommitAndRepeat { ticket },
        })
    }

    /// The second phase's step when the check passed: the verdict (with
    /// what the check found: `verdict`, the reservation to keep) goes in
    /// the flow under a fresh ticket; the host commits, then repeats.
    pub(crate) fn checked<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        verdict: Reservation,
        mut work: Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let ticket = Secret::draw(rng);
        next.reservation = Some(Reservation {
            ticket: ticket.digest(),
            passed: Some(true),
            ..verdict
        });
        work.commit.consume(self.flow_write(flow, next, now)?);
        Ok(FlowStep {
            outcome: FlowOutcome::Checked,
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::CommitAndRepeat { ticket },
        })
    }
}
