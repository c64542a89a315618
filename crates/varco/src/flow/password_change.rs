//! A password change (FLOWS F1), from a signed-in session's grant: the
//! current password and the new one twice.
//!
//! The current password is counted like a sign-in's (ENGINE §6.14): the
//! same password budget, the same three phases. Reserve (count, commit),
//! check (one Argon2 run for the current password; if it is right, the new
//! one is vetted, and hashed when accepted, in the same phase: the only
//! one that holds the passwords), then apply (no hash: the account takes
//! the new hash, its epoch moves, the session goes on with a refreshed
//! grant, every other session is revoked, the owner is told).

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Submit, Work, guard_key};
use super::input::Input;
use super::login::Working;
use super::new_password::Current;
use super::records::{FlowWrite, Records};
use super::reservation::{Counted, Hold};
use super::session::SessionGrant;
use super::state::{Checked, Flow, Reservation, State, Subject};
use super::step::{FlowOutcome, FlowStep, Rejection};
use super::view::{Done, EndReason, ViewError};
use crate::account::Account;
use crate::effect::Effect;
use crate::guard::{AccountGuard, Admission, Decision, Factor};
use crate::hash::Verification;
use crate::record::Stored;
use crate::{Error, Timestamp};

/// The passwords of a change, as typed.
pub(crate) struct Change<'a> {
    pub(crate) current: &'a str,
    pub(crate) password: &'a str,
    pub(crate) confirmation: &'a str,
}

impl FlowEngine {
    /// One input to a password change.
    pub(crate) fn password_change<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        submit: &Submit<'_>,
        hold: Hold,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        match (&f.state, submit.input) {
            (
                State::ChangePassword,
                Input::ChangePassword {
                    current,
                    password,
                    confirmation,
                },
            ) => {
                let change = Change {
                    current: current.expose(),
                    password: password.expose(),
                    confirmation: confirmation.expose(),
                };
                self.change(flow, hold, &change, records, now, rng)
            }
            (_, input) => Err(self.not_taken(f, input)),
        }
    }

    /// The account and budget record of a flow from a grant, with the
    /// account still in the grant's epoch; `extra` records loaded too.
    #[allow(clippy::type_complexity)]
    pub(crate) fn grant_context(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        extra: &[String],
        now: Timestamp,
    ) -> Result<Result<(Stored<Account>, Stored<AccountGuard>), FlowStep>, Error> {
        let f = flow.body();
        let Some(Subject::Account { id }) = &f.subject else {
            return Err(Error::Deserialize(
                "flow: a change without an account".into(),
            ));
        };
        let mut keys = vec![
            crate::account::account_key(id),
            guard_key(id),
            self.decoys.pad_key(id),
        ];
        keys.extend_from_slice(extra);
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Err(Self::load(missing)));
        }
        match Self::account_of(records, id)?.filter(|a| a.body().epoch() == f.epoch) {
            Some(account) => Ok(Ok((account, Self::guard_of(records, id)?))),
            None => Ok(Err(self.ended(
                flow,
                f.clone(),
                EndReason::AccountChanged,
                now,
            )?)),
        }
    }

    /// The flow's grant, refreshed for the account's new epoch.
    pub(crate) fn refreshed(f: &Flow, epoch: u64) -> Option<SessionGrant> {
        f.grant.clone().map(|g| SessionGrant { epoch, ..g })
    }

    fn change<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        hold: Hold,
        change: &Change<'_>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let max = crate::hash::PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES;
        if [change.current, change.password, change.confirmation]
            .iter()
            .any(|p| p.len() > max)
        {
            return Err(Error::InvalidInput(format!(
                "a password is at most {max} bytes"
            )));
        }
        let (account, guard) = match self.grant_context(flow, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let f = flow.body();
        match (hold, &f.reservation) {
            (Hold::Held, Some(r)) if r.checks == Checked::CurrentPassword && r.passed.is_some() => {
                self.change_apply(flow, r, account, guard, now)
            }
            (Hold::Held, Some(r)) if r.checks == Checked::CurrentPassword => {
                self.change_check(flow, r, change, &account, &guard, now, rng)
            }
            _ => self.change_reserve(flow, &account, &guard, records, now, rng),
        }
    }

    /// Phase 1: the current password's attempt counted in the password
    /// budget (a locked budget: padding, and the attempt cannot pass).
    fn change_reserve<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        account: &Stored<Account>,
        guard: &Stored<AccountGuard>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let id = account.body().id();
        let mut work = Work::new();
        let step = guard.begin(&self.config.guard, Factor::Password, None, now)?;
        let (attempt, doomed) = match (step.outcome, step.writes) {
            (Admission::Allowed { attempt }, Some(w)) => {
                work.commit.restrict(FlowWrite::put(&guard_key(id), &w));
                (Some(attempt), None)
            }
            _ => {
                work.commit.restrict(self.pad_write(records, id, now)?);
                (None, Some(Rejection::Locked))
            }
        };
        let counted = Counted {
            checks: Checked::CurrentPassword,
            attempt,
            source_attempt: None,
            doomed,
        };
        self.reserve(flow, f.clone(), counted, work, now, rng)
    }

    /// Phase 2: the current password checked (one Argon2 run, a dummy if
    /// the attempt was refused); if right, the new one vetted and, when
    /// accepted, hashed. The verdict goes in the flow.
    #[allow(clippy::too_many_arguments)]
    fn change_check<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        r: &Reservation,
        change: &Change<'_>,
        account: &Stored<Account>,
        guard: &Stored<AccountGuard>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let a = account.body();
        let expired = a.password_expired(now);
        let right = match (&r.doomed, a.password_hash()) {
            (None, Some(phc)) if !expired => matches!(
                self.hasher.verify(change.current, phc),
                Ok(Verification::Valid { .. })
            ),
            _ => {
                let _ = self.hasher.dummy_verify(change.current);
                false
            }
        };
        let mut next = flow.body().clone();
        let mut work = Work::new();
        if !right {
            if let Some(attempt) = &r.attempt {
                work.effects.extend(guard.failed(attempt, now)?.effects);
                let counter = guard.body().counter(Factor::Password);
                let locked = !matches!(
                    counter.decide(&self.config.guard.password, now),
                    Decision::Allow
                );
                if locked && counter.locked_by() == attempt.serial() {
                    // This failure set the lock: the owner hears it, once.
                    work.effects.push(Effect::NotifyOwner {
                        event: "password_locked".into(),
                        detail: String::new(),
                    });
                }
            }
            self.moved(&mut next);
            next.error = Some(ViewError::AuthenticationFailed);
            let reason = Rejection::WrongPassword;
            let why = r.doomed.as_deref().unwrap_or(reason.as_str());
            work.effects.insert(
                0,
                Effect::Audit(
                    self.audit(&next, now, "change_password")
                        .detail("reason", why),
                ),
            );
            return self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now);
        }
        let violations = self.vet_new_password(
            a,
            change.password,
            change.confirmation,
            Current::Text(change.current),
        )?;
        let rehash = if violations.is_empty() {
            Some(self.hasher.hash(change.password, rng)?)
        } else {
            None
        };
        next.violations = violations;
        let verdict = Reservation {
            rehash,
            ..r.clone()
        };
        self.checked(flow, next, verdict, work, now, rng)
    }

    /// Phase 3: the current password was right. The attempt is cleared;
    /// then either the new password is refused (its violations shown) or
    /// the account takes it. No hash here.
    fn change_apply(
        &self,
        flow: &Stored<Flow>,
        r: &Reservation,
        account: Stored<Account>,
        guard: Stored<AccountGuard>,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut guard = Working::new(guard);
        if let Some(attempt) = &r.attempt {
            guard.now = guard.now.succeed(attempt, now)?.state_or(guard.now);
        }
        let mut work = Work::new();
        let id = account.body().id().to_owned();
        if let Some(w) = guard.write(&guard_key(&id)) {
            work.commit.restrict(w);
        }
        let mut next = f.clone();
        let Some(phc) = &r.rehash else {
            let violations = std::mem::take(&mut next.violations);
            return self.password_refused(flow, next, violations, "change_password", work, now);
        };
        let a = account.body();
        let body = a.with_new_password(phc.clone(), self.history_keep());
        let written = account.next(body, now)?;
        let epoch = written.body().epoch();
        work.commit.grant(FlowWrite::put(
            &a.record_key(),
            &crate::step::Write::replacing(&account, written),
        ));
        next.epoch = epoch;
        self.moved(&mut next);
        let done = Done::PasswordChanged;
        next.state = State::Done { done };
        work.effects.push(Effect::RevokeSessions {
            account: id,
            except_device: f.grant.as_ref().and_then(|g| g.device.clone()),
        });
        work.effects.push(Effect::NotifyOwner {
            event: "password_changed".into(),
            detail: String::new(),
        });
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "password_changed")));
        let grant = Self::refreshed(f, epoch);
        self.respond(flow, next, FlowOutcome::Done { done, grant }, work, now)
    }
}
