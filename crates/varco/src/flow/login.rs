//! The login flow (FLOWS F4, F5 at sign-in): identify, password (counted
//! first, then verified), a second factor, signed in.
//!
//! Every path before the last factor has the same shape, whatever the
//! account (ENGINE §6.9): the password phase reserves (one write to the
//! source's counter, one to the account's budget record or, for a decoy,
//! a locked budget or an unusable account, to a padding record; one to the
//! flow), then checks (one Argon2 run, real or dummy; one write to the
//! flow) and answers "errore di autenticazione". The private reason goes
//! to the outcome and the audit event, never the view.

use std::time::Duration;

use rand_core::CryptoRng;

use super::config::SecondFactorRule;
use super::engine::{
    FlowEngine, Submit, Work, challenge_key, destination_key, guard_key, source_key,
};
use super::input::Input;
use super::records::{FlowWrite, Records};
use super::reservation::{Counted, Hold};
use super::session::SessionGrant;
use super::state::{Checked, Flow, FlowKind, Reservation, State, Subject};
use super::step::{FlowOutcome, FlowStep, Rejection, Then};
use super::view::{BlockCause, EndReason, Method, ViewError};
use crate::account::{
    Account, AccountState, Claim, IdentifierKind, LifecycleEvent, LockCause, LookupKey,
    RequiredAction,
};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::DestinationBudget;
use crate::guard::{
    AccountGuard, Admission, Decision, Factor, FailureCounter, RiskDecision, Sighting,
    TravelAction, assess_travel,
};
use crate::hash::Verification;
use crate::otp::{
    Challenge, ChallengeState, CodeOutcome, Destination, OtpOutcome, Purpose, TotpCredential,
};
use crate::record::Stored;
use crate::seal::Sealed;
use crate::step::Write;
use crate::{Error, Timestamp};

/// A record read at the start of a step and the version this step leaves:
/// one write (compare-and-swap on the revision read) however many changes
/// the step chains.
pub(crate) struct Working<T> {
    pub(crate) read: Stored<T>,
    pub(crate) now: Stored<T>,
}

impl<T: crate::record::Record> Working<T> {
    pub(crate) fn new(read: Stored<T>) -> Self {
        Working {
            now: read.clone(),
            read,
        }
    }

    fn changed(&self) -> bool {
        self.now.revision() != self.read.revision()
    }

    pub(crate) fn write(&self, key: &str) -> Option<FlowWrite> {
        self.changed().then(|| {
            FlowWrite::put(
                key,
                &Write {
                    record: self.now.clone(),
                    expect: self.read.expect(),
                },
            )
        })
    }
}

/// A second-factor step's account and guard, or the step that ends the
/// flow instead.
pub(crate) type SecondFactorContext = Result<(Stored<Account>, Stored<AccountGuard>), FlowStep>;

impl FlowEngine {
    /// One input to a login flow.
    pub(crate) fn login<R: CryptoRng + ?Sized>(
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
            (State::Identify, Input::Identify { identifier }) => {
                self.identify(flow, identifier, records, now)
            }
            (State::Password, Input::Password { password }) => {
                self.password(flow, hold, password.expose(), records, now, rng)
            }
            (State::VerifyEmail { .. }, Input::Resend) => self.resend(flow, records, now, rng),
            (State::VerifyEmail { .. }, Input::Code { code }) => {
                self.verify_email(flow, code.expose(), records, now, rng)
            }
            (
                State::ActionRequired {
                    action: RequiredAction::ChangePassword,
                },
                Input::NewPassword {
                    password,
                    confirmation,
                },
            ) => self.change_password(
                flow,
                password.expose(),
                confirmation.expose(),
                records,
                now,
                rng,
            ),
            (
                State::ActionRequired {
                    action: RequiredAction::AcceptTerms,
                },
                Input::AcceptTerms,
            ) => self.accept_terms(flow, records, now, rng),
            _ => self.second_factor_input(flow, submit, hold, records, now, rng),
        }
    }

    /// An input on a second factor's screen (a sign-in's, a step-up's, a
    /// reset's), or the error for one no screen of the flow takes.
    pub(crate) fn second_factor_input<R: CryptoRng + ?Sized>(
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
            (State::ChooseMethod, Input::ChooseMethod { method }) => {
                self.choose(flow, *method, records, now, rng)
            }
            (State::Code { .. }, Input::Code { code }) => {
                self.code(flow, code.expose(), records, now, rng)
            }
            (State::Code { .. }, Input::Resend) => self.resend(flow, records, now, rng),
            (State::Totp, Input::Totp { code }) => {
                self.totp(flow, code.expose(), records, now, rng)
            }
            (State::RecoveryCode, Input::RecoveryCode { code }) => {
                self.recovery_code(flow, hold, code.expose(), records, now, rng)
            }
            (State::Code { .. } | State::Totp | State::RecoveryCode, Input::Back)
                if f.methods.len() > 1 =>
            {
                let mut next = f.clone();
                next.state = State::ChooseMethod;
                self.moved(&mut next);
                self.respond(flow, next, FlowOutcome::Moved, Work::new(), now)
            }
            (_, input) => Err(self.not_taken(f, input)),
        }
    }

    /// The error for an input the flow's screen does not take.
    pub(crate) fn not_taken(&self, f: &Flow, input: &Input) -> Error {
        Error::InvalidInput(format!(
            "the {} screen does not take the input {}",
            self.view_of(f).screen.as_str(),
            input.as_str()
        ))
    }

    /// The user abandons the flow.
    pub(crate) fn cancel(&self, flow: &Stored<Flow>, now: Timestamp) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut next = f.clone();
        self.end(&mut next, EndReason::Cancelled);
        let mut work = Work::new();
        work.effects
            .push(Effect::Audit(self.audit(f, now, "cancel")));
        self.respond(
            flow,
            next,
            FlowOutcome::Ended {
                reason: EndReason::Cancelled,
            },
            work,
            now,
        )
    }

    /// A new view: the token moves, the error clears.
    pub(crate) fn moved(&self, next: &mut Flow) {
        next.view = next.view.saturating_add(1);
        next.error = None;
        next.violations.clear();
        next.reservation = None;
    }

    pub(crate) fn end(&self, next: &mut Flow, reason: EndReason) {
        self.moved(next);
        next.state = State::Ended { reason };
    }

    /// Identify: the lookup key's claim names the account, or the flow
    /// gets a decoy. Nothing about the account is read yet.
    fn identify(
        &self,
        flow: &Stored<Flow>,
        identifier: &str,
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let rules = &self.config.identifiers;
        if identifier.chars().take(rules.max_len() + 64).count() > rules.max_len() + 32 {
            return Err(Error::InvalidInput("identifier: too long".into()));
        }
        let lookup = LookupKey::of(IdentifierKind::Username, identifier, rules);
        let keys: Vec<String> = lookup
            .as_ref()
            .ok()
            .map(LookupKey::record_key)
            .into_iter()
            .chain(self.captcha_key(f))
            .collect();
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let subject = match lookup {
            Ok(key) => {
                let claim = key.record_key();
                match records.load::<Claim>(&claim)?.present() {
                    Some(c) => Subject::Account {
                        id: c.body().account().to_owned(),
                    },
                    None => Subject::Decoy {
                        id: self.decoys.subject(&claim),
                    },
                }
            }
            // A typo is an unknown account, not an error that tells it apart.
            Err(_) => Subject::Decoy {
                id: self
                    .decoys
                    .subject(&format!("invalid/{}", identifier.trim())),
            },
        };
        let mut next = f.clone();
        next.subject = Some(subject);
        next.state = State::Password;
        self.moved(&mut next);
        let mut outcome = FlowOutcome::Moved;
        if self.wants_captcha(&next, records)? {
            self.ask_captcha(&mut next);
            outcome = FlowOutcome::AwaitingHost {
                question: super::view::HostQuestion::Captcha,
            };
        }
        let mut work = Work::new();
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "identify")));
        self.respond(flow, next, outcome, work, now)
    }

    /// The records the password phase reads, the same in number and kind
    /// for a decoy as for an account.
    fn password_keys(&self, f: &Flow, subject: &str) -> Vec<String> {
        let mut keys = vec![
            crate::account::account_key(subject),
            guard_key(subject),
            self.decoys.pad_key(subject),
        ];
        if let Some(s) = &f.source {
            keys.push(source_key(s));
        }
        keys
    }

    fn password<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        hold: Hold,
        password: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if password.len() > crate::hash::PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES {
            return Err(Error::InvalidInput(format!(
                "a password is at most {} bytes",
                crate::hash::PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES
            )));
        }
        let subject = f.subject.clone().ok_or_else(|| {
            Error::Deserialize("flow: a password screen without a subject".into())
        })?;
        let missing = Self::missing(records, &self.password_keys(f, subject.id()));
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let account = match &subject {
            Subject::Account { id } => Self::account_of(records, id)?,
            Subject::Decoy { .. } => None,
        };
        let guard = Self::guard_of(records, subject.id())?;
        match (hold, &f.reservation) {
            (Hold::Held, Some(r)) if r.passed == Some(true) => {
                self.password_passed(flow, r, account, guard, records, now, rng)
            }
            (Hold::Held, Some(r)) => {
                self.password_check(flow, r, password, account, guard, records, now, rng)
            }
            _ => self.password_reserve(flow, &subject, account.as_ref(), &guard, records, now, rng),
        }
    }

    /// Phase 1: count the attempt (account, device, source), then commit.
    #[allow(clippy::too_many_arguments)]
    fn password_reserve<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        subject: &Subject,
        account: Option<&Stored<Account>>,
        guard: &Stored<AccountGuard>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut work = Work::new();
        if self.wants_captcha(f, records)? {
            // The source has failed too often: a human check first, and
            // nothing counted (the password typed is not looked at).
            let mut next = f.clone();
            self.ask_captcha(&mut next);
            work.effects
                .push(Effect::Audit(self.audit(&next, now, "captcha_asked")));
            return self.respond(
                flow,
                next,
                FlowOutcome::AwaitingHost {
                    question: super::view::HostQuestion::Captcha,
                },
                work,
                now,
            );
        }
        let mut doomed = match account {
            None => Some(Rejection::UnknownAccount),
            Some(a) if a.body().password_hash().is_none() => Some(Rejection::NoPassword),
            Some(a) if a.body().password_expired(now) => Some(Rejection::PasswordExpired),
            Some(_) => None,
        };
        let mut source_attempt = None;
        if let Some(source) = &f.source {
            let key = source_key(source);
            let counter = records
                .load::<FailureCounter>(&key)?
                .present()
                .unwrap_or_else(|| Stored::new(FailureCounter::default()));
            let step = counter.begin(&self.config.source, now)?;
            match (&step.outcome, &step.writes) {
                (Admission::Allowed { attempt }, Some(w)) => {
                    source_attempt = Some(*attempt);
                    work.commit.restrict(FlowWrite::put(&key, w))
                }
                _ => {
                    doomed.get_or_insert(Rejection::SourceLocked);
                }
            }
        }
        let mut attempt = None;
        if doomed.is_none() {
            let step = guard.begin(
                &self.config.guard,
                Factor::Password,
                self.trusted_device(f, guard.body(), now),
                now,
            )?;
            match (step.outcome, step.writes) {
                (Admission::Allowed { attempt: a }, Some(w)) => {
                    work.commit
                        .restrict(FlowWrite::put(&guard_key(subject.id()), &w));
                    attempt = Some(a);
                }
                _ => doomed = Some(Rejection::Locked),
            }
        }
        if attempt.is_none() {
            // The budget record is the owner's: a refusal, a decoy or an
            // unusable account write padding in its place.
            work.commit
                .restrict(self.pad_write(records, subject.id(), now)?);
        }
        let mut next = f.clone();
        next.captcha = false; // spent by this attempt, if one passed
        if let (Some(a), FlowKind::Login) = (account, f.kind) {
            // A sign-in relies on the account as the password finds it; a
            // step-up on the grant's epoch, which it keeps.
            next.epoch = a.body().epoch();
        }
        let counted = Counted {
            checks: Checked::Password,
            attempt,
            source_attempt,
            doomed,
        };
        self.reserve(flow, next, counted, work, now, rng)
    }

    /// Phase 2: one Argon2 run (real or dummy), its verdict kept in the
    /// flow so that a rerun never hashes again.
    #[allow(clippy::too_many_arguments)]
    fn password_check<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        r: &Reservation,
        password: &str,
        account: Option<Stored<Account>>,
        guard: Stored<AccountGuard>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let doomed = r
            .doomed
            .as_deref()
            .map(|d| Rejection::from_str(d).unwrap_or(Rejection::Locked));
        let verdict = match (
            doomed,
            account.as_ref().and_then(|a| a.body().password_hash()),
        ) {
            (None, Some(phc)) => match self.hasher.verify(password, phc) {
                Ok(Verification::Valid { needs_rehash }) => Ok(needs_rehash),
                Ok(Verification::Invalid) | Err(Error::PasswordTooLong { .. }) => {
                    Err(Rejection::WrongPassword)
                }
                Err(_) => Err(Rejection::UnusableHash),
            },
            (d, _) => {
                let _ = self.hasher.dummy_verify(password);
                Err(d.unwrap_or(Rejection::UnknownAccount))
            }
        };
        let mut work = Work::new();
        let mut next = f.clone();
        let reason = match (verdict, account.as_ref()) {
            (Ok(needs_rehash), Some(a)) => {
                let travel = self.travel(f, guard.body(), now);
                let cause = self
                    .block_cause(a.body(), guard.body(), now)
                    .or(match travel {
                        Some(TravelAction::Block) => Some(BlockCause::Location),
                        _ => None,
                    });
                let has_methods = !self.methods_of(a.body()).is_empty();
                if has_methods || (cause.is_none() && travel.is_none()) {
                    let rehash = if needs_rehash {
                        Some(self.hasher.hash(password, rng)?)
                    } else {
                        None
                    };
                    let verdict = Reservation {
                        rehash,
                        travel,
                        ..r.clone()
                    };
                    return self.checked(flow, next, verdict, work, now, rng);
                }
                // Right password, blocked (or an implausible journey to step
                // up from), no second factor to pass first: the view stays
                // generic; the owner hears it on their own channels.
                work.effects.push(Effect::NotifyOwner {
                    event: "sign_in_blocked".into(),
                    detail: cause
                        .map_or("implausible_travel", BlockCause::as_str)
                        .into(),
                });
                Rejection::Blocked
            }
            (Ok(_), None) => Rejection::UnknownAccount,
            (Err(reason), _) => reason,
        };
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
        if self.wants_captcha(&next, records)? {
            // The source reached the captcha rule with this failure (its
            // counter, as loaded, holds this attempt): a human check
            // before the next password.
            self.ask_captcha(&mut next);
        }
        next.error = Some(ViewError::AuthenticationFailed);
        work.effects.insert(
            0,
            Effect::Audit(
                self.audit(&next, now, "password")
                    .detail("reason", reason.as_str()),
            ),
        );
        self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
    }

    /// Phase 3: the password passed. The guard clears what this attempt
    /// counted, the hash is upgraded if it is old, and the flow goes on to
    /// the second factor or signs in. No hash is computed here.
    #[allow(clippy::too_many_arguments)]
    fn password_passed<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        r: &Reservation,
        account: Option<Stored<Account>>,
        guard: Stored<AccountGuard>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut next = f.clone();
        let Some(account) = account.filter(|a| a.body().epoch() == f.epoch) else {
            return self.ended(flow, next, EndReason::AccountChanged, now);
        };
        let mut guard = Working::new(guard);
        if let Some(attempt) = &r.attempt {
            guard.now = guard.now.succeed(attempt, now)?.state_or(guard.now);
        }
        let mut acc = Working::new(account);
        let mut work = Work::new();
        if let (Some(serial), Some(source)) = (r.source_attempt, &f.source) {
            // A right password is not a failure of its source: its count
            // is taken back; the source's other failures stay (an
            // attacker's own account cannot clear its guesses at others).
            let key = source_key(source);
            if let Some(counter) = records.load::<FailureCounter>(&key)?.present() {
                let body = counter.body().take_back(serial);
                let w = Write::replacing(&counter, counter.next(body, now)?);
                work.commit.restrict(FlowWrite::put(&key, &w));
            }
        }
        match r.travel {
            Some(TravelAction::Block) if acc.now.body().lifecycle().can_authenticate() => {
                // A preventive block, with its notice to the owner; its
                // reason is shown once the second factor has passed.
                let event = LifecycleEvent::PreventiveBlock {
                    detail: "implausible travel since the last sign-in".into(),
                };
                let step = acc.now.apply(&event, now)?;
                work.effects.extend(step.effects);
                acc.now = step.writes.map_or(acc.now.clone(), |w| w.record);
            }
            Some(TravelAction::StepUp) => next.step_up = true,
            _ => {}
        }
        if let Some(phc) = &r.rehash {
            acc.now = acc
                .now
                .next(acc.now.body().with_upgraded_hash(phc.clone()), now)?;
        }
        next.reservation = None;
        self.after_factor(flow, next, acc, guard, records, work, now, rng)
    }

    /// A flow that ends: its write, its view.
    pub(crate) fn ended(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        reason: EndReason,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        self.end(&mut next, reason);
        let mut work = Work::new();
        work.effects.push(Effect::Audit(
            self.audit(&next, now, "end")
                .detail("reason", reason.as_str()),
        ));
        self.respond(flow, next, FlowOutcome::Ended { reason }, work, now)
    }

    /// The flow's device, if it is trusted and its trust has not lapsed
    /// (it then has a password budget of its own).
    fn trusted_device<'a>(&self, f: &'a Flow, g: &AccountGuard, now: Timestamp) -> Option<&'a str> {
        let device = f.device.as_deref()?;
        let since = g.trusted_since(device)?;
        let days = u64::from(self.config.trusted_device_days);
        (days > 0 && now.since(since) < Duration::from_secs(days * 24 * 3600)).then_some(device)
    }

    /// An implausible journey since the last sign-in, if the host gave the
    /// place.
    fn travel(&self, f: &Flow, g: &AccountGuard, now: Timestamp) -> Option<TravelAction> {
        let place = f.place.as_ref()?;
        let here = Sighting {
            at: now,
            place: place.clone(),
        };
        match assess_travel(g.last_sighting(), &here, &self.config.travel) {
            RiskDecision::Allow => None,
            RiskDecision::StepUp { .. } => Some(TravelAction::StepUp),
            RiskDecision::Block { .. } => Some(TravelAction::Block),
        }
    }

    /// The second factors an account has, in the order they are offered:
    /// SMS to the mobile, or email where there is no mobile; TOTP.
    pub(crate) fn methods_of(&self, a: &Account) -> Vec<Method> {
        let mut m = Vec::new();
        if a.mobile().is_some() {
            m.push(Method::Sms);
        } else if a.email().is_some() {
            m.push(Method::Email);
        }
        if a.has_totp() {
            m.push(Method::Totp);
        }
        if a.has_recovery_codes() {
            m.push(Method::RecoveryCode);
        }
        m
    }

    /// Why the account cannot sign in, if it cannot: its lifecycle, or
    /// dormancy derived from the last sign-in.
    pub(crate) fn block_cause(
        &self,
        a: &Account,
        g: &AccountGuard,
        now: Timestamp,
    ) -> Option<BlockCause> {
        match a.lifecycle().state() {
            AccountState::Active => {
                let last = g
                    .last_activity()
                    .map_or(a.lifecycle().last_activity(), |t| {
                        t.max(a.lifecycle().last_activity())
                    });
                let idle =
                    Duration::from_secs(u64::from(self.config.dormant_after_days) * 24 * 3600);
                (now.since(last) > idle).then_some(BlockCause::Dormant)
            }
            AccountState::Dormant => Some(BlockCause::Dormant),
            AccountState::Expired => Some(BlockCause::SubscriptionExpired),
            AccountState::Suspended => Some(BlockCause::Operator),
            AccountState::Locked {
                cause: LockCause::Location,
            } => Some(BlockCause::Location),
            AccountState::PendingActivation => Some(BlockCause::PendingActivation),
            AccountState::Ceased => Some(BlockCause::Ceased),
        }
    }

    /// After a factor passed: the next factor, or the end (signed in, or
    /// the block's reason now that every factor has passed). Writes the
    /// guard and the account (or asserts it: a granting step relies on it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn after_factor<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        acc: Working<Account>,
        mut guard: Working<AccountGuard>,
        records: &Records,
        mut work: Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        if next.kind == FlowKind::PasswordReset {
            return self.reset_after_factor(flow, next, acc, guard, records, work, now, rng);
        }
        let a = acc.now.body().clone();
        let methods = self.methods_of(&a);
        let cause = self.block_cause(&a, guard.now.body(), now);
        let wants = self.config.second_factor == SecondFactorRule::Always
            || a.second_factor_on()
            || next.step_up
            || cause.is_some();
        if wants && next.passed.is_empty() {
            if methods.is_empty() {
                return self.ended(flow, next, EndReason::NoSecondFactor, now);
            }
            return self.to_second_factor(
                flow,
                next,
                methods,
                (&acc, &guard),
                records,
                work,
                now,
                rng,
            );
        }
        self.moved(&mut next);
        let outcome = if let Some(cause) = cause {
            next.state = State::Blocked { cause };
            work.effects.push(Effect::Audit(
                self.audit(&next, now, "blocked")
                    .detail("reason", cause.as_str()),
            ));
            FlowOutcome::Blocked { cause }
        } else if let Some(action) = Self::next_action(&a) {
            // Every factor passed, and the owner must act first: no session
            // is granted until the action is done (a new password, the
            // terms accepted, the code emailed to the address to confirm).
            next.state = State::ActionRequired { action };
            if let (RequiredAction::VerifyEmail, Some(email)) = (action, a.email()) {
                let to = Destination::email(email);
                let sent = self.send_code(
                    &mut next,
                    to,
                    Purpose::EmailVerification,
                    records,
                    &mut work,
                    now,
                    rng,
                )?;
                let Some((challenge, _)) = sent else {
                    return Ok(Self::load(vec![destination_key(email)]));
                };
                next.state = State::VerifyEmail { challenge };
            }
            work.effects.push(Effect::Audit(
                self.audit(&next, now, "action_required")
                    .detail("action", action.as_str()),
            ));
            FlowOutcome::ActionRequired { action }
        } else {
            let mut body = guard.now.body().clone();
            body.set_last_activity(now);
            if let Some(place) = &next.place {
                body.set_last_sighting(Sighting {
                    at: now,
                    place: place.clone(),
                });
            }
            guard.now = guard.now.next(body, now)?;
            if let (Some(device), true, 1..) = (
                &next.device,
                next.remember_device,
                self.config.trusted_device_days,
            ) {
                let step = guard.now.trust_device(device, now)?;
                if let Some(w) = step.writes {
                    guard.now = w.record;
                }
                work.effects.extend(step.effects);
            }
            let grant = SessionGrant {
                account: a.id().to_owned(),
                epoch: a.epoch(),
                level: if next.passed.is_empty() { 1 } else { 2 },
                methods: next.passed.clone(),
                at: now,
                device: next.device.clone(),
            };
            next.state = State::SignedIn {
                grant: grant.clone(),
            };
            work.effects.push(Effect::Audit(
                AuditEvent::new(now, AuditKind::SignedIn, a.id())
                    .detail("flow", &next.id)
                    .detail("kind", next.kind.as_str())
                    .detail("level", grant.level),
            ));
            FlowOutcome::SignedIn { grant }
        };
        self.commit_account_and_guard(&acc, &guard, &mut work);
        self.respond(flow, next, outcome, work, now)
    }

    /// On to the second factor: the one method's screen (its code sent), or
    /// the choice among `methods`. The account is asserted, the guard
    /// written if it changed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn to_second_factor<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        methods: Vec<Method>,
        (acc, guard): (&Working<Account>, &Working<AccountGuard>),
        records: &Records,
        mut work: Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let a = acc.now.body();
        next.second_factor_locks = Some(guard.now.body().second_factor_locks());
        next.methods.clone_from(&methods);
        self.moved(&mut next);
        let mut outcome = FlowOutcome::Moved;
        next.state = State::ChooseMethod;
        if let [only] = methods.as_slice() {
            let entered = self.enter(&mut next, *only, a, records, &mut work, now, rng)?;
            let Some(entered) = entered else {
                return Ok(Self::load(self.enter_keys(*only, a)));
            };
            outcome = entered;
        }
        self.commit_account_and_guard(acc, guard, &mut work);
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "factor_passed")));
        self.respond(flow, next, outcome, work, now)
    }

    /// The first required action the account can do now: an email to
    /// confirm waits until the account has one.
    pub(crate) fn next_action(a: &Account) -> Option<RequiredAction> {
        a.required_actions()
            .iter()
            .copied()
            .find(|r| *r != RequiredAction::VerifyEmail || a.email().is_some())
    }

    /// The guard's write (a restriction) and the account's write or
    /// assert (a grant).
    pub(crate) fn commit_account_and_guard(
        &self,
        acc: &Working<Account>,
        guard: &Working<AccountGuard>,
        work: &mut Work,
    ) {
        let id = acc.now.body().id();
        if let Some(w) = guard.write(&guard_key(id)) {
            work.commit.restrict(w);
        }
        let key = acc.now.body().record_key();
        let write = acc
            .write(&key)
            .unwrap_or_else(|| FlowWrite::assert(&key, &acc.read));
        work.commit.grant(write);
    }

    /// The records entering `method` reads.
    fn enter_keys(&self, method: Method, a: &Account) -> Vec<String> {
        match (method, a.mobile(), a.email()) {
            (Method::Sms, Some(to), _) | (Method::Email, _, Some(to)) => vec![destination_key(to)],
            _ => Vec::new(),
        }
    }

    /// Enters a method: sends the code for SMS and email (the
    /// destination's daily cap acts silently), or shows the TOTP screen.
    /// `None` when the destination's budget is not loaded.
    #[allow(clippy::too_many_arguments)]
    fn enter<R: CryptoRng + ?Sized>(
        &self,
        next: &mut Flow,
        method: Method,
        a: &Account,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Option<FlowOutcome>, Error> {
        let to = match (method, a.mobile(), a.email()) {
            (Method::Sms, Some(n), _) => Destination::sms(n),
            (Method::Email, _, Some(e)) => Destination::email(e),
            (Method::Totp, ..) => {
                next.state = State::Totp;
                return Ok(Some(FlowOutcome::Moved));
            }
            (Method::RecoveryCode, ..) => {
                next.state = State::RecoveryCode;
                return Ok(Some(FlowOutcome::Moved));
            }
            _ => {
                return Err(Error::InvalidInput(format!(
                    "the account has no {}",
                    method.as_str()
                )));
            }
        };
        let channel = to.channel();
        let Some((challenge, sent)) =
            self.send_code(next, to, Purpose::Login, records, work, now, rng)?
        else {
            return Ok(None);
        };
        next.state = State::Code { challenge, channel };
        Ok(Some(FlowOutcome::CodeSent { channel, sent }))
    }

    /// Issues a code to `to` for `purpose` within the destination's
    /// budget: the challenge's id and whether it went out (the daily cap
    /// acts silently: nothing goes out, the screen is the same, and any
    /// code typed counts as wrong). Sets the flow's next resend time.
    /// `None` when the destination's budget is not loaded.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send_code<R: CryptoRng + ?Sized>(
        &self,
        next: &mut Flow,
        to: Destination,
        purpose: Purpose,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Option<(String, bool)>, Error> {
        let key = destination_key(to.address());
        if !records.is_loaded(&key) {
            return Ok(None);
        }
        let budget = records
            .load::<DestinationBudget>(&key)?
            .present()
            .unwrap_or_else(|| Stored::new(DestinationBudget::new(to.address())));
        let step = Challenge::issue(
            &self.config.delivery,
            &self.codes,
            purpose,
            to,
            &budget,
            now,
            rng,
        )?;
        work.effects.extend(step.effects);
        Ok(Some(match (step.writes.budget, step.writes.challenge) {
            (Some(b), Some(c)) => {
                work.commit.restrict(FlowWrite::put(&key, &b));
                let id = c.record.body().id().to_owned();
                work.commit.consume(FlowWrite::put(&challenge_key(&id), &c));
                next.resend_at = Some(c.record.body().next_resend_at());
                (id, true)
            }
            _ => {
                let mut id = [0u8; 16];
                rng.fill_bytes(&mut id);
                next.resend_at = Some(now + self.config.delivery.resend_cooldown);
                (data_encoding::HEXLOWER.encode(&id), false)
            }
        }))
    }

    /// The account and guard of a flow past its password, with the checks
    /// every second-factor step makes first: the account still in the
    /// flow's epoch, the second factor not locked since the flow reached
    /// it. `Err(step)` is the step that ends the flow.
    pub(crate) fn second_factor_context(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        extra: &[String],
        now: Timestamp,
    ) -> Result<SecondFactorContext, Error> {
        let f = flow.body();
        let id = match &f.subject {
            Some(Subject::Account { id }) => id.clone(),
            _ => {
                return Err(Error::Deserialize(
                    "flow: a second factor without an account".into(),
                ));
            }
        };
        let mut keys = vec![crate::account::account_key(&id), guard_key(&id)];
        keys.extend_from_slice(extra);
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Err(Self::load(missing)));
        }
        let guard = Self::guard_of(records, &id)?;
        let Some(account) = Self::account_of(records, &id)?.filter(|a| a.body().epoch() == f.epoch)
        else {
            return Ok(Err(self.ended(
                flow,
                f.clone(),
                EndReason::AccountChanged,
                now,
            )?));
        };
        if f.second_factor_locks != Some(guard.body().second_factor_locks()) {
            return Ok(Err(self.ended(
                flow,
                f.clone(),
                EndReason::SecondFactorLocked,
                now,
            )?));
        }
        Ok(Ok((account, guard)))
    }

    fn choose<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        method: Method,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if !f.methods.contains(&method) {
            return Err(Error::InvalidInput(format!(
                "{} is not one of this sign-in's methods",
                method.as_str()
            )));
        }
        let (account, _) = match self.second_factor_context(flow, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let keys = self.enter_keys(method, account.body());
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let mut next = f.clone();
        self.moved(&mut next);
        let mut work = Work::new();
        let outcome = self
            .enter(
                &mut next,
                method,
                account.body(),
                records,
                &mut work,
                now,
                rng,
            )?
            .ok_or_else(|| Error::Internal("a destination loaded and not found".into()))?;
        work.effects.push(Effect::Audit(
            self.audit(&next, now, "choose_method")
                .detail("method", method.as_str()),
        ));
        self.respond(flow, next, outcome, work, now)
    }

    /// A second-factor attempt is counted in the account's budget and
    /// checked in the same step; a refused one (the budget is locked)
    /// counts as wrong, writes nothing of the owner's, and ends the flow.
    pub(crate) fn second_factor_attempt(
        &self,
        guard: &mut Working<AccountGuard>,
        now: Timestamp,
    ) -> Result<Option<crate::guard::Attempt>, Error> {
        let step = guard
            .now
            .begin(&self.config.guard, Factor::SecondFactor, None, now)?;
        match step.outcome {
            Admission::Allowed { attempt } => {
                guard.now = step.writes.map_or(guard.now.clone(), |w| w.record);
                Ok(Some(attempt))
            }
            _ => Ok(None),
        }
    }

    /// After a wrong second factor: the flow shows the error, or ends if
    /// this failure locked the second factor (moving the lock generation
    /// every waiting flow sees).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn second_factor_failed(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        mut guard: Working<AccountGuard>,
        attempt: &crate::guard::Attempt,
        reason: Rejection,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        work.effects.extend(guard.now.failed(attempt, now)?.effects);
        let locked = !matches!(
            guard
                .now
                .body()
                .counter(Factor::SecondFactor)
                .decide(&self.config.guard.second_factor, now),
            Decision::Allow
        );
        let outcome = if locked {
            let mut body = guard.now.body().clone();
            body.note_second_factor_lock();
            guard.now = guard.now.next(body, now)?;
            self.end(&mut next, EndReason::SecondFactorLocked);
            FlowOutcome::Ended {
                reason: EndReason::SecondFactorLocked,
            }
        } else {
            self.moved(&mut next);
            next.error = Some(ViewError::CodeWrong);
            FlowOutcome::Rejected { reason }
        };
        let id = guard_key(next.subject.as_ref().map_or("", Subject::id));
        if let Some(w) = guard.write(&id) {
            work.commit.restrict(w);
        }
        work.effects.insert(
            0,
            Effect::Audit(
                self.audit(&next, now, "second_factor")
                    .detail("reason", reason.as_str()),
            ),
        );
        self.respond(flow, next, outcome, work, now)
    }

    fn code<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::Code { challenge, channel } = &f.state else {
            return Err(Error::Internal("code outside the code screen".into()));
        };
        let ckey = challenge_key(challenge);
        let (account, guard) =
            match self.second_factor_context(flow, records, std::slice::from_ref(&ckey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let stored = records.load::<Challenge>(&ckey)?.present();
        let mut next = f.clone();
        let mut work = Work::new();
        // An expired or spent code is not a guess: nothing is counted.
        if let Some(c) = stored.as_ref().filter(|c| Self::is_dead(c, now)) {
            return self.dead_code(flow, c, &ckey, code, Purpose::Login, now);
        }
        let mut guard = Working::new(guard);
        let Some(attempt) = self.second_factor_attempt(&mut guard, now)? else {
            return self.ended(flow, next, EndReason::SecondFactorLocked, now);
        };
        let outcome = match &stored {
            Some(c) => {
                let step = c.verify(
                    &self.config.delivery,
                    &self.codes,
                    code,
                    Purpose::Login,
                    now,
                )?;
                if let Some(w) = &step.writes {
                    work.commit.consume(FlowWrite::put(&ckey, w));
                }
                work.effects.extend(step.effects);
                step.outcome
            }
            None => CodeOutcome::Wrong { attempts_left: 1 },
        };
        match outcome {
            CodeOutcome::Accepted => {
                guard.now = guard.now.succeed(&attempt, now)?.state_or(guard.now);
                next.passed.push(match channel {
                    crate::otp::Channel::Sms => Method::Sms,
                    crate::otp::Channel::Email => Method::Email,
                });
                let mut acc = Working::new(account.clone());
                let a = account.body();
                if *channel == crate::otp::Channel::Email
                    && a.required_actions().contains(&RequiredAction::VerifyEmail)
                    && stored
                        .as_ref()
                        .is_some_and(|c| Some(c.body().destination().address()) == a.email())
                {
                    // The code just passed was sent to the address to
                    // confirm: it is confirmed, not asked a second time.
                    acc.now = acc
                        .now
                        .next(a.with_action_done(RequiredAction::VerifyEmail), now)?;
                }
                self.after_factor(flow, next, acc, guard, records, work, now, rng)
            }
            CodeOutcome::Wrong { .. } => self.second_factor_failed(
                flow,
                next,
                guard,
                &attempt,
                Rejection::WrongCode,
                work,
                now,
            ),
            _ => {
                // Exhausted by this attempt (or used by a racing one).
                work.effects
                    .extend(guard.now.failed(&attempt, now)?.effects);
                if let Some(w) = guard.write(&guard_key(account.body().id())) {
                    work.commit.restrict(w);
                }
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

    /// Whether a challenge takes no more guesses: used, expired, or seen
    /// at a later time than `now` (a clock set back revives nothing).
    pub(crate) fn is_dead(c: &Stored<Challenge>, now: Timestamp) -> bool {
        c.body().state() != ChallengeState::Pending
            || c.body().is_expired(now)
            || c.clock_went_back(now)
    }

    /// A code for a dead challenge: not a guess, nothing counted. Expired,
    /// the screen again with its error; spent, the flow ends.
    pub(crate) fn dead_code(
        &self,
        flow: &Stored<Flow>,
        c: &Stored<Challenge>,
        ckey: &str,
        code: &str,
        purpose: Purpose,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let mut next = flow.body().clone();
        let mut work = Work::new();
        let step = c.verify(&self.config.delivery, &self.codes, code, purpose, now)?;
        if let Some(w) = &step.writes {
            work.commit.consume(FlowWrite::put(ckey, w));
        }
        work.effects.extend(step.effects);
        if matches!(step.outcome, CodeOutcome::Expired) {
            self.moved(&mut next);
            next.error = Some(ViewError::CodeExpired);
            let reason = Rejection::CodeExpired;
            self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
        } else {
            self.end(&mut next, EndReason::AttemptsUsedUp);
            let reason = EndReason::AttemptsUsedUp;
            self.respond(flow, next, FlowOutcome::Ended { reason }, work, now)
        }
    }

    fn totp<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let id = f.subject.as_ref().map_or("", Subject::id).to_owned();
        let tkey = format!("totp/{id}");
        let (account, guard) =
            match self.second_factor_context(flow, records, std::slice::from_ref(&tkey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let mut next = f.clone();
        let mut work = Work::new();
        let mut guard = Working::new(guard);
        let Some(attempt) = self.second_factor_attempt(&mut guard, now)? else {
            return self.ended(flow, next, EndReason::SecondFactorLocked, now);
        };
        let stored = records.load::<Sealed<TotpCredential>>(&tkey)?.present();
        let outcome = match &stored {
            Some(s) => {
                let step = s.verify(&tkey, &self.sealing, code, now, rng)?;
                if let Some(w) = &step.writes {
                    work.commit.consume(FlowWrite::put(&tkey, w));
                }
                step.outcome
            }
            None => OtpOutcome::Rejected,
        };
        if let OtpOutcome::Accepted { .. } = outcome {
            guard.now = guard.now.succeed(&attempt, now)?.state_or(guard.now);
            next.passed.push(Method::Totp);
            return self.after_factor(
                flow,
                next,
                Working::new(account),
                guard,
                records,
                work,
                now,
                rng,
            );
        }
        self.second_factor_failed(flow, next, guard, &attempt, Rejection::WrongCode, work, now)
    }

    fn resend<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let (challenge, channel) = match &f.state {
            State::Code { challenge, channel } => (challenge, channel),
            State::VerifyEmail { challenge } => (challenge, &crate::otp::Channel::Email),
            _ => return Err(Error::Internal("resend outside a code screen".into())),
        };
        let ckey = challenge_key(challenge);
        let extra = std::slice::from_ref(&ckey);
        let context = if matches!(f.state, State::VerifyEmail { .. }) {
            self.action_context(flow, records, extra, now)?
        } else {
            self.second_factor_context(flow, records, extra, now)?
        };
        let (account, _) = match context {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let method = match channel {
            crate::otp::Channel::Sms => Method::Sms,
            crate::otp::Channel::Email => Method::Email,
        };
        let keys = self.enter_keys(method, account.body());
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let dkey = keys.first().cloned().unwrap_or_default();
        self.resend_code(flow, &ckey, &dkey, *channel, records, now, rng)
    }

    /// "Send again": a new code for the challenge at `ckey`, within the
    /// destination's budget at `dkey` (both loaded); a missing challenge or
    /// a refused resend shows the same screen, nothing sent.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn resend_code<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        ckey: &str,
        dkey: &str,
        channel: crate::otp::Channel,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let silent = |work: Work| FlowStep {
            outcome: FlowOutcome::CodeSent {
                channel,
                sent: false,
            },
            view: Some(self.view_of(f)),
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        };
        let mut work = Work::new();
        let Some(c) = records.load::<Challenge>(ckey)?.present() else {
            return Ok(silent(work));
        };
        let budget = records
            .load::<DestinationBudget>(dkey)?
            .present()
            .unwrap_or_else(|| {
                Stored::new(DestinationBudget::new(c.body().destination().address()))
            });
        let step = c.resend(&self.config.delivery, &self.codes, &budget, now, rng)?;
        work.effects.extend(step.effects);
        if let Some(b) = &step.writes.budget {
            work.commit.restrict(FlowWrite::put(dkey, b));
        }
        if let Some(w) = &step.writes.challenge {
            work.commit.consume(FlowWrite::put(ckey, w));
        }
        match step.outcome {
            crate::otp::ResendOutcome::Sent { next_resend_at, .. } => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.resend_at = Some(next_resend_at);
                work.effects
                    .push(Effect::Audit(self.audit(&next, now, "resend")));
                let outcome = FlowOutcome::CodeSent {
                    channel,
                    sent: true,
                };
                self.respond(flow, next, outcome, work, now)
            }
            _ => Ok(silent(work)),
        }
    }
}
