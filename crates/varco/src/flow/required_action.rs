//! What an owner must do before a sign-in completes (ENGINE §3: states
//! before `Authenticated`): choose a new password (an operator's temporary
//! one, an expired one), accept the terms. Each runs once every factor has
//! passed, in the same flow, and ends in the next action or the session
//! grant. Confirming an email is a code sent to it (purpose
//! `email_verification`): the code's own attempts bound the guesses, the
//! destination's budget bounds the sends, and a resend works as at the
//! second factor.

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Work, challenge_key, destination_key, guard_key};
use super::login::Working;
use super::records::Records;
use super::state::{Flow, State, Subject};
use super::step::{FlowOutcome, FlowStep, Rejection};
use super::view::{EndReason, ViewError};
use crate::account::{Account, RequiredAction};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::AccountGuard;
use crate::otp::{Challenge, CodeOutcome, Purpose};
use crate::record::Stored;
use crate::{Error, Timestamp};

/// An action step's account and budget record, or the step that ends the
/// flow instead (the account changed since the factors passed).
type ActionContext = Result<(Stored<Account>, Stored<AccountGuard>), FlowStep>;

impl FlowEngine {
    /// The account and its budget record, with the account still in the
    /// flow's epoch; `extra` records loaded too, and the budget of an
    /// email to confirm (a later action's step may send its code).
    pub(crate) fn action_context(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        extra: &[String],
        now: Timestamp,
    ) -> Result<ActionContext, Error> {
        let f = flow.body();
        let Some(Subject::Account { id }) = &f.subject else {
            return Err(Error::Deserialize(
                "flow: a required action without an account".into(),
            ));
        };
        let mut keys = vec![crate::account::account_key(id), guard_key(id)];
        keys.extend_from_slice(extra);
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Err(Self::load(missing)));
        }
        let Some(account) = Self::account_of(records, id)?.filter(|a| a.body().epoch() == f.epoch)
        else {
            return Ok(Err(self.ended(
                flow,
                f.clone(),
                EndReason::AccountChanged,
                now,
            )?));
        };
        let a = account.body();
        if let (true, Some(email)) = (
            a.required_actions().contains(&RequiredAction::VerifyEmail),
            a.email(),
        ) {
            let key = destination_key(email);
            if !records.is_loaded(&key) {
                return Ok(Err(Self::load(vec![key])));
            }
        }
        Ok(Ok((account, Self::guard_of(records, id)?)))
    }

    /// A new password, typed twice, checked against the engine's policy
    /// (with the account's username and email as context, and its current
    /// hash as history where the policy keeps one). A refusal shows the
    /// violations and writes only the flow; an accepted password is hashed,
    /// moves the account's epoch (older flows and sessions end), and the
    /// owner is told.
    pub(crate) fn change_password<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        password: &str,
        confirmation: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let (account, guard, phc) =
            match self.accepted_new_password(flow, password, confirmation, records, now, rng)? {
                Ok(accepted) => accepted,
                Err(step) => return Ok(step),
            };
        let a = account.body();
        let mut next = flow.body().clone();
        let mut work = Work::new();
        let mut acc = Working::new(account.clone());
        acc.now = acc
            .now
            .next(a.with_new_password(phc, self.history_keep()), now)?;
        next.epoch = acc.now.body().epoch();
        work.effects.push(Effect::NotifyOwner {
            event: "password_changed".into(),
            detail: String::new(),
        });
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, AuditKind::FlowStep, a.id())
                .detail("flow", &next.id)
                .detail("step", "password_changed"),
        ));
        self.after_factor(
            flow,
            next,
            acc,
            Working::new(guard),
            records,
            work,
            now,
            rng,
        )
    }

    /// The terms accepted: the action is done, and the sign-in goes on.
    pub(crate) fn accept_terms<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let (account, guard) = match self.action_context(flow, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        self.action_done(
            flow,
            (account, guard),
            RequiredAction::AcceptTerms,
            "terms_accepted",
            Work::new(),
            records,
            now,
            rng,
        )
    }

    /// An action done: the account without it, the step's audit event,
    /// and the sign-in goes on (the next action, or the grant).
    #[allow(clippy::too_many_arguments)]
    fn action_done<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        (account, guard): (Stored<Account>, Stored<AccountGuard>),
        action: RequiredAction,
        step: &str,
        mut work: Work,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let done = account.body().with_action_done(action);
        let mut acc = Working::new(account.clone());
        acc.now = acc.now.next(done, now)?;
        let next = flow.body().clone();
        work.effects
            .push(Effect::Audit(self.audit(&next, now, step)));
        self.after_factor(
            flow,
            next,
            acc,
            Working::new(guard),
            records,
            work,
            now,
            rng,
        )
    }

    /// The code emailed for `verify_email`: right, the action is done and
    /// the sign-in goes on; wrong or expired, the same screen with its
    /// error (a resend sends a new code); its attempts used up, the flow
    /// ends. Nothing is counted in the account's budgets: the code proves
    /// an address, not the owner (every factor has passed already).
    pub(crate) fn verify_email<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::VerifyEmail { challenge } = &f.state else {
            return Err(Error::Internal("an email code outside its screen".into()));
        };
        let ckey = challenge_key(challenge);
        let (account, guard) =
            match self.action_context(flow, records, std::slice::from_ref(&ckey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let mut next = f.clone();
        let mut work = Work::new();
        let outcome = match records.load::<Challenge>(&ckey)?.present() {
            Some(c) => {
                let step = c.verify(
                    &self.config.delivery,
                    &self.codes,
                    code,
                    Purpose::EmailVerification,
                    now,
                )?;
                if let Some(w) = &step.writes {
                    work.commit
                        .consume(super::records::FlowWrite::put(&ckey, w));
                }
                work.effects.extend(step.effects);
                step.outcome
            }
            // The daily cap kept the code from going out: any code is wrong.
            None => CodeOutcome::Wrong { attempts_left: 1 },
        };
        let refused = |reason: Rejection, error: ViewError, mut next: Flow, mut work: Work| {
            self.moved(&mut next);
            next.error = Some(error);
            work.effects.push(Effect::Audit(
                self.audit(&next, now, "verify_email")
                    .detail("reason", reason.as_str()),
            ));
            self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
        };
        match outcome {
            CodeOutcome::Accepted => self.action_done(
                flow,
                (account, guard),
                RequiredAction::VerifyEmail,
                "email_verified",
                work,
                records,
                now,
                rng,
            ),
            CodeOutcome::Wrong { .. } => {
                refused(Rejection::WrongCode, ViewError::CodeWrong, next, work)
            }
            CodeOutcome::Expired => {
                refused(Rejection::CodeExpired, ViewError::CodeExpired, next, work)
            }
            _ => {
                self.end(&mut next, EndReason::AttemptsUsedUp);
                self.respond(
                    flow,
                    next,
                    FlowOutcome::Ended {
                        reason: EndReason::AttemptsUsedUp,
                    },
                    work,
                    now,
                )
            }
        }
    }
}
