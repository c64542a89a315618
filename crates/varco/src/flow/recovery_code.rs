//! A one-time recovery code as the second factor at sign-in. Checking one
//! costs Argon2 runs, so the attempt is reserved first, as a password is
//! (ENGINE §2): counted in the account's second-factor budget, committed,
//! then checked once, the verdict kept in the flow.

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Work, guard_key};
use super::login::Working;
use super::records::{FlowWrite, Records};
use super::reservation::{Counted, Hold};
use super::state::{Checked, Flow, Subject};
use super::step::{FlowStep, Rejection};
use super::view::{EndReason, Method};
use crate::otp::{RecoveryCodeSet, RecoveryOutcome};
use crate::record::Stored;
use crate::{Error, Timestamp};

impl FlowEngine {
    pub(crate) fn recovery_code<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        hold: Hold,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let id = f.subject.as_ref().map_or("", Subject::id).to_owned();
        let set_key = format!("recovery_codes/{id}");
        let (account, guard) =
            match self.second_factor_context(flow, records, std::slice::from_ref(&set_key), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let mut guard = Working::new(guard);
        let reservation = match (hold, &f.reservation) {
            (Hold::Held, Some(r)) if r.checks == Checked::RecoveryCode => r.clone(),
            _ => {
                // Reserve: count the attempt, commit, then check.
                let Some(attempt) = self.second_factor_attempt(&mut guard, now)? else {
                    return self.ended(flow, f.clone(), EndReason::SecondFactorLocked, now);
                };
                let mut work = Work::new();
                if let Some(w) = guard.write(&guard_key(&id)) {
                    work.commit.restrict(w);
                }
                let counted = Counted {
                    checks: Checked::RecoveryCode,
                    attempt: Some(attempt),
                    source_attempt: None,
                    doomed: None,
                };
                return self.reserve(flow, f.clone(), counted, work, now, rng);
            }
        };
        let attempt = reservation.attempt.clone().ok_or_else(|| {
            Error::Deserialize("flow: a recovery code's reservation without its attempt".into())
        })?;
        let mut next = f.clone();
        if reservation.passed == Some(true) {
            // Checked and kept: the budget clears what this attempt counted,
            // and the sign-in goes on. No hash here.
            guard.now = guard.now.succeed(&attempt, now)?.state_or(guard.now);
            next.reservation = None;
            next.passed.push(Method::RecoveryCode);
            let acc = Working::new(account);
            return self.after_factor(flow, next, acc, guard, records, Work::new(), now, rng);
        }
        // Check: the Argon2 runs, once; the used code and the verdict are
        // written together.
        let set = records.load::<RecoveryCodeSet>(&set_key)?.present();
        let mut work = Work::new();
        let accepted = match &set {
            Some(set) => {
                let step = set.redeem(code, &self.hasher, now)?;
                if let Some(w) = &step.writes {
                    work.commit.consume(FlowWrite::put(&set_key, w));
                }
                matches!(step.outcome, RecoveryOutcome::Accepted { .. })
            }
            None => {
                let _ = self.hasher.dummy_verify(code);
                false
            }
        };
        if accepted {
            return self.checked(flow, next, reservation, work, now, rng);
        }
        next.reservation = None;
        self.second_factor_failed(flow, next, guard, &attempt, Rejection::WrongCode, work, now)
    }
}
