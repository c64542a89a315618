//! The password reset (FLOWS F6): identify the account, climb the ladder
//! (an SMS code to the recovery mobile; the secret question; "ask an
//! operator"), pass the second factor if the account has one on, set a new
//! password. It never signs in.
//!
//! Every identifier walks the same ladder (ENGINE §6.10). A rung the
//! account lacks (no recovery mobile, a mobile still on hold, no question,
//! an unknown identifier) is a decoy rung: the same screens, the same
//! records read and written (a padding record where an account's budget
//! would be; a challenge that is never sent), and it never succeeds. The
//! views before proof show no masked number and no budget.
//!
//! Budgets: a reset code or an answer counts in the account's recovery
//! budget (never the password's, so a locked password never blocks
//! recovery); sends count in the destination's. Both belong to the
//! account and the number, not the flow (ENGINE §6.5).

use rand_core::CryptoRng;

use super::config::SecondFactorRule;
use super::engine::{FlowEngine, Submit, Work, challenge_key, destination_key, guard_key};
use super::input::Input;
use super::login::Working;
use super::records::{FlowWrite, Records};
use super::reservation::{Counted, Hold};
use super::state::{Checked, Flow, State, Subject};
use super::step::{FlowOutcome, FlowStep, Rejection, Then};
use super::view::{Done, EndReason, Method, ViewError};
use crate::account::{
    Account, AccountState, Claim, Hint, IdentifierKind, LifecycleEvent, LookupKey, normalize_answer,
};
use crate::audit::AuditEvent;
use crate::effect::Effect;
use crate::guard::{AccountGuard, Admission, DestinationBudget, Factor, Unlock};
use crate::hash::Verification;
use crate::otp::{Challenge, CodeOutcome, Destination, Purpose};
use crate::record::Stored;
use crate::{Error, Timestamp};

/// Where a reset's code rung sends: the account's recovery mobile, or a
/// decoy number that no message ever reaches.
pub(crate) struct Rung {
    /// The budget record's key: the destination's (a decoy's is read and
    /// never written).
    pub(crate) budget_key: String,
    pub(crate) destination: Destination,
    /// Whether it can succeed.
    pub(crate) real: bool,
}

impl FlowEngine {
    /// One input to a reset.
    pub(crate) fn reset<R: CryptoRng + ?Sized>(
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
            (State::Identify, Input::Identify { identifier }) => self.reset_identify(
                flow,
                IdentifierKind::Username,
                identifier,
                records,
                now,
                rng,
            ),
            (State::Identify, Input::IdentifyBy { kind, identifier }) => {
                if !self.config.recovery.identify_by.contains(kind) {
                    return Err(Error::InvalidInput(format!(
                        "a reset does not identify by {}",
                        kind.as_str()
                    )));
                }
                self.reset_identify(flow, *kind, identifier, records, now, rng)
            }
            (State::ResetCode { .. }, Input::Code { code }) => {
                self.reset_code(flow, code.expose(), records, now, rng)
            }
            (State::ResetCode { .. }, Input::Resend) => self.reset_resend(flow, records, now, rng),
            (State::ResetCode { .. }, Input::Forgot) => self.reset_to_question(flow, records, now),
            (State::Question { .. }, Input::Answer { answer }) => {
                self.reset_answer(flow, hold, answer.expose(), records, now, rng)
            }
            (State::Question { .. }, Input::Forgot) => {
                self.ended(flow, f.clone(), EndReason::AskOperator, now)
            }
            (
                State::NewPassword,
                Input::NewPassword {
                    password,
                    confirmation,
                },
            ) => self.reset_password(
                flow,
                password.expose(),
                confirmation.expose(),
                records,
                now,
                rng,
            ),
            _ => self.second_factor_input(flow, submit, hold, records, now, rng),
        }
    }

    /// The subject's account and padding keys, and its budget record's.
    pub(crate) fn reset_keys(&self, subject: &str) -> Vec<String> {
        vec![
            crate::account::account_key(subject),
            guard_key(subject),
            self.decoys.pad_key(subject),
        ]
    }

    /// The code rung of `subject` at `now`.
    pub(crate) fn rung(
        &self,
        subject: &Subject,
        account: Option<&Account>,
        now: Timestamp,
    ) -> Rung {
        match account.and_then(|a| a.recovery_mobile(now)) {
            Some(m) if matches!(subject, Subject::Account { .. }) => Rung {
                budget_key: destination_key(m),
                destination: Destination::sms(m),
                real: true,
            },
            _ => {
                // A number no message goes to; its budget key is read (and
                // never found) as a real one is, and padding is written in
                // its place.
                let to = format!("decoy:{}", subject.id());
                Rung {
                    budget_key: destination_key(&to),
                    destination: Destination::sms(&to),
                    real: false,
                }
            }
        }
    }

    /// Identify: the claim names the account or the flow gets a decoy;
    /// then the code rung's records; then the code goes out (or, on a decoy
    /// rung, is made and never sent).
    fn reset_identify<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        kind: IdentifierKind,
        identifier: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let rules = &self.config.identifiers;
        if identifier.chars().take(rules.max_len() + 64).count() > rules.max_len() + 32 {
            return Err(Error::InvalidInput("identifier: too long".into()));
        }
        let lookup = LookupKey::of(kind, identifier, rules);
        // A typo is looked up too, under a key no claim or hint has (`~` is
        // in no identifier's key), so it takes as many reads as a real
        // lookup.
        let invalid = || {
            let decoy =
                self.decoys
                    .subject(&format!("invalid/{}/{}", kind.as_str(), identifier.trim()));
            let prefix = if kind.is_unique() { "claim" } else { "hint" };
            (format!("{prefix}/{}/{decoy}", kind.namespace()), decoy)
        };
        let claim_key = lookup
            .as_ref()
            .map_or_else(|_| invalid().0, LookupKey::record_key);
        let missing = Self::missing(records, std::slice::from_ref(&claim_key));
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let mut ambiguous = false;
        let subject = match &lookup {
            Ok(key) => {
                let record = key.record_key();
                // A claim names its account; a hint names one account, or
                // several (a consumer and a business account share a
                // codice fiscale), and several name no one account to
                // reset: that walks the decoy's ladder, and the audit
                // says why, for the operator the user will reach.
                let found = if key.is_unique() {
                    records
                        .load::<Claim>(&record)?
                        .present()
                        .map(|c| c.body().account().to_owned())
                } else {
                    let hint = records.load::<Hint>(&record)?.present();
                    ambiguous = hint.as_ref().is_some_and(|h| h.body().several());
                    hint.and_then(|h| h.body().only().map(str::to_owned))
                };
                match found {
                    Some(id) => Subject::Account { id },
                    None => Subject::Decoy {
                        id: self.decoys.subject(&record),
                    },
                }
            }
            // A typo is an unknown account, not an error that tells it apart.
            Err(_) => Subject::Decoy { id: invalid().1 },
        };
        let missing = Self::missing(records, &self.reset_keys(subject.id()));
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let account = match &subject {
            Subject::Account { id } => Self::account_of(records, id)?,
            Subject::Decoy { .. } => None,
        };
        let rung = self.rung(&subject, account.as_ref().map(Stored::body), now);
        if !records.is_loaded(&rung.budget_key) {
            return Ok(Self::load(vec![rung.budget_key]));
        }
        let mut next = f.clone();
        next.epoch = account.as_ref().map_or(0, |a| a.body().epoch());
        next.subject = Some(subject);
        self.moved(&mut next);
        let mut work = Work::new();
        let (challenge, sent) = self.issue_rung(&mut next, &rung, records, &mut work, now, rng)?;
        next.state = State::ResetCode { challenge };
        let mut audit = self.audit(&next, now, "identify");
        if ambiguous {
            audit = audit.detail("lookup", "several_accounts");
        }
        work.effects.insert(0, Effect::Audit(audit));
        // The outcome is the host's: it says whether a message went out.
        // The view is the same either way.
        let channel = crate::otp::Channel::Sms;
        self.respond(
            flow,
            next,
            FlowOutcome::CodeSent { channel, sent },
            work,
            now,
        )
    }

    /// Issues the rung's code: the budget (or padding) restricted, the
    /// challenge written; on a decoy rung, or a real one over its daily
    /// cap, a code that is never sent (the screen is the same). Returns the
    /// challenge's id and whether its code went out.
    pub(crate) fn issue_rung<R: CryptoRng + ?Sized>(
        &self,
        next: &mut Flow,
        rung: &Rung,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<(String, bool), Error> {
        if rung.real {
            let budget = records
                .load::<DestinationBudget>(&rung.budget_key)?
                .present()
                .unwrap_or_else(|| Stored::new(DestinationBudget::new(rung.destination.address())));
            let step = Challenge::issue(
                &self.config.delivery,
                &self.codes,
                Purpose::Recovery,
                rung.destination.clone(),
                &budget,
                now,
                rng,
            )?;
            if let (Some(b), Some(c)) = (&step.writes.budget, &step.writes.challenge) {
                work.effects.extend(step.effects);
                work.commit.restrict(FlowWrite::put(&rung.budget_key, b));
                let id = c.record.body().id().to_owned();
                work.commit.consume(FlowWrite::put(&challenge_key(&id), c));
                next.resend_at = Some(c.record.body().next_resend_at());
                if self.config.recovery.show_masks {
                    next.masked = Some(self.mask(rung.destination.address()));
                }
                return Ok((id, true));
            }
            // Over the cap: silently a decoy code, as for a lacking rung.
        }
        let decoy = Stored::new(DestinationBudget::new(rung.destination.address()));
        let step = Challenge::issue(
            &self.config.delivery,
            &self.codes,
            Purpose::Recovery,
            rung.destination.clone(),
            &decoy,
            now,
            rng,
        )?;
        let c = step
            .writes
            .challenge
            .ok_or_else(|| Error::Internal("a fresh budget refused a code".into()))?;
        // Never sent; the audit says so.
        let subject = next.subject.as_ref().map_or("", Subject::id);
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, crate::audit::AuditKind::CodeSendRefused, subject)
                .detail("flow", &next.id)
                .detail("reason", "no_recovery_channel"),
        ));
        work.commit.restrict(self.pad_write(records, subject, now)?);
        let id = c.record.body().id().to_owned();
        work.commit.consume(FlowWrite::put(&challenge_key(&id), &c));
        next.resend_at = Some(c.record.body().next_resend_at());
        if self.config.recovery.show_masks {
            // A made-up number's mask, the same every time for this subject.
            let digits = 100 + self.decoys.pick("mask", subject, 900);
            next.masked = Some(format!(
                "+{}*******{digits}",
                self.config.identifiers.default_country()
            ));
        }
        Ok((id, false))
    }

    /// A number's mask: its country code's first digits and its last three.
    fn mask(&self, number: &str) -> String {
        let cc = self.config.identifiers.default_country();
        let head = if number.starts_with(&format!("+{cc}")) {
            format!("+{cc}")
        } else {
            number.chars().take(3).collect()
        };
        let tail: String = number
            .chars()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}*******{tail}")
    }

    /// The records a step past identify reads: the account (if any), its
    /// budget record, the padding, the rung's budget, and `extra`.
    #[allow(clippy::type_complexity)]
    pub(crate) fn reset_context(
        &self,
        f: &Flow,
        records: &Records,
        extra: &[String],
        now: Timestamp,
    ) -> Result<
        Result<(Subject, Option<Stored<Account>>, Stored<AccountGuard>, Rung), FlowStep>,
        Error,
    > {
        let subject = f
            .subject
            .clone()
            .ok_or_else(|| Error::Deserialize("flow: a reset rung without a subject".into()))?;
        let mut keys = self.reset_keys(subject.id());
        keys.extend_from_slice(extra);
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Err(Self::load(missing)));
        }
        let account = match &subject {
            Subject::Account { id } => Self::account_of(records, id)?,
            Subject::Decoy { .. } => None,
        };
        let rung = self.rung(&subject, account.as_ref().map(Stored::body), now);
        if !records.is_loaded(&rung.budget_key) {
            return Ok(Err(Self::load(vec![rung.budget_key])));
        }
        let guard = Self::guard_of(records, subject.id())?;
        Ok(Ok((subject, account, guard, rung)))
    }

    /// A code on the first rung: counted in the account's recovery budget
    /// (padding for a decoy or a refusal) and checked in the same step.
    /// It passes only on a real rung, sent to the number the account has
    /// now.
    pub(crate) fn reset_code<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::ResetCode { challenge } = &f.state else {
            return Err(Error::Internal("a reset code outside its screen".into()));
        };
        let ckey = challenge_key(challenge);
        let (subject, account, guard, rung) =
            match self.reset_context(f, records, std::slice::from_ref(&ckey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let stored = records.load::<Challenge>(&ckey)?.present();
        let mut next = f.clone();
        let mut work = Work::new();
        // An expired or spent code is not a guess: nothing is counted.
        if let Some(c) = stored.as_ref().filter(|c| Self::is_dead(c, now)) {
            return self.dead_code(flow, c, &ckey, code, Purpose::Recovery, now);
        }
        let mut guard = Working::new(guard);
        let attempt = match &account {
            Some(_) => {
                let step = guard
                    .now
                    .begin(&self.config.guard, Factor::Recovery, None, now)?;
                match step.outcome {
                    Admission::Allowed { attempt } => {
                        guard.now = step.writes.map_or(guard.now.clone(), |w| w.record);
                        Some(attempt)
                    }
                    _ => None,
                }
            }
            None => None,
        };
        let outcome = match &stored {
            Some(c) => {
                let step = c.verify(
                    &self.config.delivery,
                    &self.codes,
                    code,
                    Purpose::Recovery,
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
        // The code must have gone to the number the account has now, on a
        // real rung, within an admitted attempt.
        let real = rung.real
            && stored
                .as_ref()
                .is_some_and(|c| c.body().destination().address() == rung.destination.address());
        match (outcome, attempt, account) {
            (CodeOutcome::Accepted, Some(attempt), Some(account)) if real => {
                if account.body().epoch() != f.epoch {
                    return self.ended(flow, next, EndReason::AccountChanged, now);
                }
                guard.now = guard.now.succeed(&attempt, now)?.state_or(guard.now);
                next.passed.push(Method::Sms);
                work.effects
                    .push(Effect::Audit(self.audit(&next, now, "reset_code_passed")));
                let acc = Working::new(account);
                self.reset_after_factor(flow, next, acc, guard, records, work, now, rng)
            }
            (CodeOutcome::Wrong { .. } | CodeOutcome::Accepted, attempt, _) => {
                self.reset_counted(&subject, &guard, attempt.as_ref(), records, &mut work, now)?;
                self.moved(&mut next);
                next.error = Some(ViewError::CodeWrong);
                work.effects.insert(
                    0,
                    Effect::Audit(
                        self.audit(&next, now, "reset_code")
                            .detail("reason", Rejection::WrongCode.as_str()),
                    ),
                );
                let reason = Rejection::WrongCode;
                self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
            }
            (_, attempt, _) => {
                self.reset_counted(&subject, &guard, attempt.as_ref(), records, &mut work, now)?;
                self.end(&mut next, EndReason::AttemptsUsedUp);
                let reason = EndReason::AttemptsUsedUp;
                self.respond(flow, next, FlowOutcome::Ended { reason }, work, now)
            }
        }
    }

    /// A failed code's restriction: the guard's write with the attempt
    /// counted (its failure's effects), or padding for a decoy or a
    /// refusal. Written first, so the shape is the same.
    fn reset_counted(
        &self,
        subject: &Subject,
        guard: &Working<AccountGuard>,
        attempt: Option<&crate::guard::Attempt>,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
    ) -> Result<(), Error> {
        let write = match (attempt, guard.write(&guard_key(subject.id()))) {
            (Some(attempt), Some(w)) => {
                work.effects.extend(guard.now.failed(attempt, now)?.effects);
                w
            }
            _ => self.pad_write(records, subject.id(), now)?,
        };
        work.commit.restrict(write);
        Ok(())
    }

    /// "Send again" on the first rung: a new code within the destination's
    /// budget (a decoy rung's never goes out, and writes padding in the
    /// budget's place).
    pub(crate) fn reset_resend<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::ResetCode { challenge } = &f.state else {
            return Err(Error::Internal("a reset resend outside its screen".into()));
        };
        let ckey = challenge_key(challenge);
        let (subject, _, _, rung) =
            match self.reset_context(f, records, std::slice::from_ref(&ckey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let channel = crate::otp::Channel::Sms;
        let mut work = Work::new();
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
        let Some(c) = records.load::<Challenge>(&ckey)?.present() else {
            return Ok(silent(work));
        };
        let real = rung.real && c.body().destination().address() == rung.destination.address();
        let budget = match real {
            true => records
                .load::<DestinationBudget>(&rung.budget_key)?
                .present(),
            false => None,
        }
        .unwrap_or_else(|| Stored::new(DestinationBudget::new(c.body().destination().address())));
        let step = c.resend(&self.config.delivery, &self.codes, &budget, now, rng)?;
        let crate::otp::ResendOutcome::Sent { next_resend_at, .. } = step.outcome else {
            return Ok(silent(work));
        };
        match (real, &step.writes.budget) {
            (true, Some(b)) => {
                work.commit.restrict(FlowWrite::put(&rung.budget_key, b));
                work.effects.extend(step.effects);
            }
            _ => work
                .commit
                .restrict(self.pad_write(records, subject.id(), now)?),
        }
        if let Some(w) = &step.writes.challenge {
            work.commit.consume(FlowWrite::put(&ckey, w));
        }
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

    /// "This number is no longer mine": the secret question, if the
    /// deployment asks one; otherwise "ask an operator". The question is
    /// the account's, or, for a decoy or an account without one, one from
    /// the catalogue chosen by a keyed hash of the subject.
    pub(crate) fn reset_to_question(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if !self.config.recovery.question {
            return self.ended(flow, f.clone(), EndReason::AskOperator, now);
        }
        let (subject, account, _, _) = match self.reset_context(f, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let own = account
            .as_ref()
            .and_then(|a| a.body().question())
            .map(|q| q.id.as_str());
        let question = self.question_for(subject.id(), own);
        let mut next = f.clone();
        self.moved(&mut next);
        next.state = State::Question { question };
        let mut work = Work::new();
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "question")));
        self.respond(flow, next, FlowOutcome::Moved, work, now)
    }

    /// The question a subject is asked: its own (when it has one in the
    /// catalogue), else a catalogue entry fixed by a keyed hash.
    pub(crate) fn question_for(&self, subject: &str, own: Option<&str>) -> String {
        let catalogue = &self.config.recovery.questions;
        match own {
            Some(q) if catalogue.iter().any(|c| c == q) => q.to_owned(),
            _ => catalogue[self.decoys.pick("question", subject, catalogue.len())].clone(),
        }
    }

    /// The answer: reserved (counted in the recovery budget, or padding),
    /// committed, then checked with one Argon2 run (a dummy where there is
    /// no question to check), then passed.
    pub(crate) fn reset_answer<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        hold: Hold,
        answer: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        if answer.len() > crate::account::MAX_ANSWER_BYTES {
            return Err(Error::InvalidInput(format!(
                "an answer is at most {} bytes",
                crate::account::MAX_ANSWER_BYTES
            )));
        }
        let f = flow.body();
        let (subject, account, guard, _) = match self.reset_context(f, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let State::Question { question } = &f.state else {
            return Err(Error::Internal("an answer outside its screen".into()));
        };
        match (hold, &f.reservation) {
            (Hold::Held, Some(r)) if r.checks == Checked::Answer && r.passed == Some(true) => {
                let Some(account) = account.filter(|a| a.body().epoch() == f.epoch) else {
                    return self.ended(flow, f.clone(), EndReason::AccountChanged, now);
                };
                let mut guard = Working::new(guard);
                if let Some(attempt) = &r.attempt {
                    guard.now = guard.now.succeed(attempt, now)?.state_or(guard.now);
                }
                let mut next = f.clone();
                next.reservation = None;
                let mut work = Work::new();
                work.effects
                    .push(Effect::Audit(self.audit(&next, now, "answer_passed")));
                let acc = Working::new(account);
                self.reset_after_factor(flow, next, acc, guard, records, work, now, rng)
            }
            (Hold::Held, Some(r)) if r.checks == Checked::Answer => {
                let own = account
                    .as_ref()
                    .and_then(|a| a.body().question())
                    .filter(|q| self.config.recovery.question && q.id == *question);
                let normal = normalize_answer(answer);
                let valid = match (r.doomed.is_none(), own, &normal) {
                    (true, Some(q), Ok(n)) => {
                        matches!(
                            self.hasher.verify(n, &q.answer),
                            Ok(Verification::Valid { .. })
                        )
                    }
                    _ => {
                        let _ = self
                            .hasher
                            .dummy_verify(normal.as_deref().map_or(answer, |n| n.as_str()));
                        false
                    }
                };
                let mut next = f.clone();
                let mut work = Work::new();
                if valid {
                    return self.checked(flow, next, r.clone(), work, now, rng);
                }
                if let Some(attempt) = &r.attempt {
                    work.effects.extend(guard.failed(attempt, now)?.effects);
                }
                self.moved(&mut next);
                next.error = Some(ViewError::AuthenticationFailed);
                let reason = Rejection::WrongAnswer;
                work.effects.insert(
                    0,
                    Effect::Audit(
                        self.audit(&next, now, "answer")
                            .detail("reason", r.doomed.as_deref().unwrap_or(reason.as_str())),
                    ),
                );
                self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
            }
            _ => {
                // Reserve: count, commit, then check.
                let mut work = Work::new();
                let has_question = account.as_ref().is_some_and(|a| {
                    a.body()
                        .question()
                        .is_some_and(|q| q.id == *question && self.config.recovery.question)
                });
                let mut doomed = match (&account, has_question) {
                    (None, _) => Some(Rejection::UnknownAccount),
                    (Some(_), false) => Some(Rejection::WrongAnswer),
                    _ => None,
                };
                let mut attempt = None;
                if doomed.is_none() {
                    let step = guard.begin(&self.config.guard, Factor::Recovery, None, now)?;
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
                    work.commit
                        .restrict(self.pad_write(records, subject.id(), now)?);
                }
                let counted = Counted {
                    checks: Checked::Answer,
                    attempt,
                    source_attempt: None,
                    doomed,
                };
                self.reserve(flow, f.clone(), counted, work, now, rng)
            }
        }
    }

    /// A rung passed (or a second factor after it): the second factor if
    /// the account has it on and the rung did not prove it, else the new
    /// password. The account is asserted: the reset relies on it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reset_after_factor<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        acc: Working<Account>,
        guard: Working<AccountGuard>,
        records: &Records,
        mut work: Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        if next.kind == super::FlowKind::UsernameRecovery {
            return self.reveal(flow, next, &acc, &guard, work, now);
        }
        let a = acc.now.body().clone();
        let wants = self.config.second_factor == SecondFactorRule::Always || a.second_factor_on();
        let methods = self.methods_of(&a);
        // The methods the rung did not prove. An SMS rung proves the
        // mobile: an account whose only second factor is that SMS has
        // passed it (the login would ask no more); one with an
        // authenticator or recovery codes is asked one of those
        // (ASVS 6.4.3: a reset does not bypass the second factor).
        let rest: Vec<Method> = methods
            .iter()
            .copied()
            .filter(|m| !next.passed.contains(m))
            .collect();
        if wants && next.second_factor_locks.is_none() {
            if methods.is_empty() {
                return self.ended(flow, next, EndReason::NoSecondFactor, now);
            }
            if !rest.is_empty() {
                return self.to_second_factor(
                    flow,
                    next,
                    rest,
                    (&acc, &guard),
                    records,
                    work,
                    now,
                    rng,
                );
            }
        }
        self.moved(&mut next);
        next.state = State::NewPassword;
        next.methods.clear();
        self.commit_account_and_guard(&acc, &guard, &mut work);
        self.respond(flow, next, FlowOutcome::Moved, work, now)
    }

    /// The new password, twice: vetted (policy, history, not the current
    /// one); then the account takes it, its epoch moves (every older flow,
    /// code and session ends), the failure locks of password and recovery
    /// lift (not an operator's or a location block), a dormant account
    /// wakes, every session is revoked and the owner told.
    fn reset_password<R: CryptoRng + ?Sized>(
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
        let mut body = a.with_new_password(phc, self.history_keep());
        if *a.lifecycle().state() == AccountState::Dormant {
            let (woken, effects) = body.transition(&LifecycleEvent::RecoveryCompleted, now)?;
            body = woken;
            work.effects.extend(effects);
        }
        let written = account.next(body, now)?;
        let unlocked = guard.unlock(&Unlock::Recovery, now)?;
        if let Some(w) = &unlocked.writes {
            work.commit.restrict(FlowWrite::put(&guard_key(a.id()), w));
        }
        work.effects.extend(unlocked.effects);
        work.commit.grant(FlowWrite::put(
            &a.record_key(),
            &crate::step::Write::replacing(&account, written.clone()),
        ));
        next.epoch = written.body().epoch();
        self.moved(&mut next);
        next.state = State::Done {
            done: Done::PasswordReset,
        };
        work.effects.push(Effect::RevokeSessions {
            account: a.id().to_owned(),
            except_device: None,
        });
        work.effects.push(Effect::NotifyOwner {
            event: "password_reset".into(),
            detail: String::new(),
        });
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "password_reset")));
        let done = Done::PasswordReset;
        self.respond(
            flow,
            next,
            FlowOutcome::Done { done, grant: None },
            work,
            now,
        )
    }
}
