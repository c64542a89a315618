//! Recovery-mobile enrollment (FLOWS F6), from a signed-in session's
//! grant: the number, then the SMS code sent to it; only then is the
//! number saved.
//!
//! The code is single use and lives at most 10 minutes (an SMS code's cap,
//! [`Channel::max_ttl`](crate::otp::Channel::max_ttl)); its own attempts
//! bound the guesses and the number's send budget bounds the sends (the
//! user is signed in: the code proves the number, not the owner, so it
//! counts in none of the account's budgets). A saved number moves the
//! account's epoch (the session goes on with a refreshed grant), is
//! announced on the old number and the owner's channels, and is held
//! (`recovery.mobile_hold_hours`, 72 by default) before it can serve a
//! recovery: a hijacked session cannot plant its own reset channel. Until
//! then the number it replaced still serves. The old number and the email
//! get a link that cancels the change ([`super::owner_link`]); a second
//! change during the hold keeps the first link and the first number.

use std::time::Duration;

use rand_core::CryptoRng;

use zeroize::Zeroizing;

use super::engine::{FlowEngine, Submit, Work, challenge_key, destination_key};
use super::input::Input;
use super::owner_link::OwnerLink;
use super::records::{FlowWrite, Records};
use super::state::{Flow, State};
use super::step::{FlowOutcome, FlowStep, Rejection, Then};
use super::view::{Done, EndReason, ViewError};
use crate::account::Account;
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::otp::{Challenge, Channel, CodeOutcome, Destination, Purpose};
use crate::record::Stored;
use crate::{Error, Timestamp};

impl FlowEngine {
    /// One input to a recovery-mobile enrollment.
    pub(crate) fn recovery_mobile<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        submit: &Submit<'_>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        match (&f.state, submit.input) {
            (State::EnterMobile, Input::Mobile { number }) => {
                self.enter_mobile(flow, number, records, now, rng)
            }
            (State::ConfirmMobile { .. }, Input::Code { code }) => {
                self.confirm_mobile(flow, code.expose(), records, now, rng)
            }
            (State::ConfirmMobile { .. }, Input::Resend) => {
                self.resend_mobile(flow, records, now, rng)
            }
            (State::ConfirmMobile { .. }, Input::Back) => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.state = State::EnterMobile;
                next.resend_at = None;
                self.respond(flow, next, FlowOutcome::Moved, Work::new(), now)
            }
            (_, input) => Err(self.not_taken(f, input)),
        }
    }

    /// The number: validated (a refusal shows the screen again with its
    /// error and writes nothing), then a code sent to it within its send
    /// budget.
    fn enter_mobile<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        number: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let number = match self.typed_mobile(f, number)? {
            Ok(n) => n,
            Err(refused) => return Ok(refused),
        };
        let extra = [destination_key(&number)];
        if let Err(step) = self.grant_context(flow, records, &extra, now)? {
            return Ok(step);
        }
        let mut next = f.clone();
        self.moved(&mut next);
        let mut work = Work::new();
        let sent = self.send_code(
            &mut next,
            Destination::sms(&number),
            Purpose::Enrollment,
            records,
            &mut work,
            now,
            rng,
        )?;
        let Some((challenge, sent)) = sent else {
            return Err(Error::Internal("a destination loaded and not found".into()));
        };
        next.state = State::ConfirmMobile { challenge, number };
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "mobile_entered")));
        let outcome = FlowOutcome::CodeSent {
            channel: Channel::Sms,
            sent,
        };
        self.respond(flow, next, outcome, work, now)
    }

    /// A mobile number as typed, in international form; `Err` is the
    /// refusal of one that is not a mobile: the same screen with its
    /// error, nothing written (a typo is not a guess).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for over 64 bytes.
    pub(crate) fn typed_mobile(
        &self,
        f: &Flow,
        number: &str,
    ) -> Result<Result<String, FlowStep>, Error> {
        if number.len() > 64 {
            return Err(Error::InvalidInput("a number is at most 64 bytes".into()));
        }
        Ok(crate::validate::mobile(number, &self.config.identifiers)
            .map_err(|e| self.number_refused(f, &e)))
    }

    /// A number refused: the same screen with its error and the problems'
    /// codes, nothing written (a typo is not a guess).
    pub(crate) fn number_refused(&self, f: &Flow, e: &crate::validate::Invalid) -> FlowStep {
        let mut shown = f.clone();
        shown.error = Some(ViewError::NumberRejected);
        shown.violations = e.codes().iter().map(|c| (*c).to_owned()).collect();
        FlowStep {
            outcome: FlowOutcome::Rejected {
                reason: Rejection::NumberRejected,
            },
            view: Some(self.view_of(&shown)),
            writes: Vec::new(),
            effects: Vec::new(),
            then: Then::Respond,
        }
    }

    /// The code: right, the number is saved (held before it serves a
    /// recovery); wrong or expired, the screen again; its attempts used
    /// up, the flow ends.
    fn confirm_mobile<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::ConfirmMobile { challenge, number } = &f.state else {
            return Err(Error::Internal("a mobile code outside its screen".into()));
        };
        let ckey = challenge_key(challenge);
        let (account, _) =
            match self.grant_context(flow, records, std::slice::from_ref(&ckey), now)? {
                Ok(c) => c,
                Err(step) => return Ok(step),
            };
        let mut next = f.clone();
        let mut work = Work::new();
        let outcome = self.number_code(
            &ckey,
            number,
            code,
            Purpose::Enrollment,
            records,
            &mut work,
            now,
        )?;
        let refused = |reason: Rejection, error: ViewError, mut next: Flow, mut work: Work| {
            self.moved(&mut next);
            next.error = Some(error);
            work.effects.push(Effect::Audit(
                self.audit(&next, now, "confirm_mobile")
                    .detail("reason", reason.as_str()),
            ));
            self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
        };
        match outcome {
            CodeOutcome::Accepted => {}
            CodeOutcome::Wrong { .. } => {
                return refused(Rejection::WrongCode, ViewError::CodeWrong, next, work);
            }
            CodeOutcome::Expired => {
                return refused(Rejection::CodeExpired, ViewError::CodeExpired, next, work);
            }
            _ => {
                self.end(&mut next, EndReason::AttemptsUsedUp);
                let reason = EndReason::AttemptsUsedUp;
                return self.respond(flow, next, FlowOutcome::Ended { reason }, work, now);
            }
        }
        let a = account.body();
        let hours = self.config.recovery.mobile_hold_hours;
        let hold = Duration::from_secs(u64::from(hours) * 3600);
        let old = a.mobile().filter(|o| *o != number).map(str::to_owned);
        // A cancel link for the old channels, unless a hold already runs
        // (its owner holds the first change's link) or nothing holds.
        let link = (hours > 0
            && a.running_mobile_hold(now).is_none()
            && (old.is_some() || a.email().is_some()))
        .then(|| OwnerLink::draw(&self.config.recovery.cancel_url, a.id(), rng));
        let digest = link.as_ref().map(|l| l.digest.clone());
        let body = a.with_recovery_mobile(number, now + hold, now, digest);
        let written = account.next(body, now)?;
        let epoch = written.body().epoch();
        work.commit.grant(FlowWrite::put(
            &a.record_key(),
            &crate::step::Write::replacing(&account, written),
        ));
        match (&link, old) {
            (Some(link), Some(old)) => work.effects.push(Effect::SendSms {
                to: old,
                text: self.cancel_text(&link.url, hours),
            }),
            (None, Some(old)) => work.effects.push(Effect::NotifyAddress {
                channel: Channel::Sms,
                to: old,
                event: "recovery_mobile_changed".into(),
            }),
            (_, None) => {}
        }
        if let (Some(link), Some(email)) = (&link, a.email()) {
            let lang = self.config.delivery.lang;
            work.effects.push(Effect::SendEmail {
                to: email.to_owned(),
                subject: lang
                    .pick(
                        "Numero per il recupero cambiato",
                        "Recovery mobile number changed",
                    )
                    .to_owned(),
                body: self.cancel_text(&link.url, hours),
            });
        }
        work.effects.push(Effect::NotifyOwner {
            event: "recovery_mobile_changed".into(),
            detail: String::new(),
        });
        work.effects.push(Effect::RevokeSessions {
            account: a.id().to_owned(),
            except_device: f.grant.as_ref().and_then(|g| g.device.clone()),
        });
        next.epoch = epoch;
        self.moved(&mut next);
        let done = Done::RecoveryMobileSaved;
        next.state = State::Done { done };
        next.resend_at = None;
        work.effects.push(Effect::Audit(self.audit(
            &next,
            now,
            "recovery_mobile_saved",
        )));
        let grant = Self::refreshed(f, epoch);
        self.respond(flow, next, FlowOutcome::Done { done, grant }, work, now)
    }

    /// A code typed for the challenge at `ckey`, which must have gone to
    /// `number`: checked and counted (its write and effects in `work`). A
    /// challenge the daily cap kept from going out (never stored) takes
    /// any code as wrong.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn number_code(
        &self,
        ckey: &str,
        number: &str,
        code: &str,
        purpose: Purpose,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
    ) -> Result<CodeOutcome, Error> {
        Ok(match records.load::<Challenge>(ckey)?.present() {
            Some(c) if c.body().destination().address() == number => {
                let step = c.verify(&self.config.delivery, &self.codes, code, purpose, now)?;
                if let Some(w) = &step.writes {
                    work.commit.consume(FlowWrite::put(ckey, w));
                }
                work.effects.extend(step.effects);
                step.outcome
            }
            _ => CodeOutcome::Wrong { attempts_left: 1 },
        })
    }

    /// "Send again": a new code to the same number, within its budget.
    fn resend_mobile<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::ConfirmMobile { challenge, number } = &f.state else {
            return Err(Error::Internal("a mobile resend outside its screen".into()));
        };
        let ckey = challenge_key(challenge);
        let dkey = destination_key(number);
        if let Err(step) = self.grant_context(flow, records, &[ckey.clone(), dkey.clone()], now)? {
            return Ok(step);
        }
        self.resend_code(flow, &ckey, &dkey, Channel::Sms, records, now, rng)
    }

    /// The message with a change's cancel link, for the old number and
    /// the email.
    fn cancel_text(&self, url: &str, hours: u32) -> Zeroizing<String> {
        let lang = self.config.delivery.lang;
        let text = lang.pick(
            "Il numero per il recupero del tuo account è stato cambiato. Se non sei stato tu, annulla il cambio entro {hours} ore: {url}",
            "The recovery mobile number of your account was changed. If it was not you, cancel the change within {hours} hours: {url}",
        );
        Zeroizing::new(
            text.replace("{hours}", &hours.to_string())
                .replace("{url}", url),
        )
    }

    /// A recovery mobile change cancelled from its link on the old
    /// channels (the command checked the token), or by an operator: the
    /// number it replaced comes back (with no hold), the epoch moves (the
    /// session that made the change ends).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when no change is on hold.
    pub(crate) fn cancel_mobile_change(
        &self,
        account: &Stored<Account>,
        operator: Option<&str>,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let a = account.body();
        let next = a
            .with_mobile_change_cancelled(now)
            .ok_or_else(|| Error::InvalidInput("no recovery mobile change is on hold".into()))?;
        let written = account.next(next, now)?;
        let mut work = Work::new();
        work.commit.grant(FlowWrite::put(
            &a.record_key(),
            &crate::step::Write::replacing(account, written),
        ));
        work.effects.push(Effect::RevokeSessions {
            account: a.id().to_owned(),
            except_device: None,
        });
        work.effects.push(Effect::NotifyOwner {
            event: "recovery_mobile_change_cancelled".into(),
            detail: String::new(),
        });
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, AuditKind::FlowStep, a.id())
                .detail("step", "recovery_mobile_change_cancelled")
                .detail("by", operator.unwrap_or("link")),
        ));
        Ok(FlowStep {
            outcome: FlowOutcome::Applied {
                state: a.lifecycle().state().clone(),
            },
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }
}
