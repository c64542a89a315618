//! Username recovery (FLOWS F6): the email address, a captcha the host
//! checks (varco receives only its verdict, through
//! [`answer`](FlowEngine::answer)), the phone number tied to the account;
//! then an SMS code to that number (or, "no longer mine", the secret
//! question) reveals the username.
//!
//! It is non-enumerating as the reset is (ENGINE §6.10), and shares its
//! rungs: an unknown address, an account without that number, or one the
//! policy excludes, gets a decoy rung, the same screens, and a code that is
//! never sent and never passes. The policy is the deployment's
//! (`recovery.username_recovery`, `recovery.username_excluded_domains`):
//! an excluded domain is refused at once, for every address of it, known
//! or not, so the refusal tells nothing about an account.

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Submit, Work};
use super::input::Input;
use super::login::Working;
use super::records::Records;
use super::reservation::Hold;
use super::state::{Flow, State, Subject};
use super::step::{FlowOutcome, FlowStep};
use super::view::{Done, EndReason, HostQuestion};
use crate::account::{Account, Claim, IdentifierKind, LookupKey};
use crate::effect::Effect;
use crate::guard::AccountGuard;
use crate::otp::Destination;
use crate::record::Stored;
use crate::{Error, Timestamp};

impl FlowEngine {
    /// One input to a username recovery.
    pub(crate) fn username_recovery<R: CryptoRng + ?Sized>(
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
            (State::Identify, Input::Identify { identifier })
            | (
                State::Identify,
                Input::IdentifyBy {
                    kind: IdentifierKind::Email,
                    identifier,
                },
            ) => self.username_identify(flow, identifier, records, now),
            (State::EnterMobile, Input::Mobile { number }) => {
                self.username_mobile(flow, number, records, now, rng)
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
            (_, input) => Err(self.not_taken(f, input)),
        }
    }

    /// The email: an excluded domain ends the flow (whoever the address
    /// is); otherwise the claim names the account or a decoy, and the
    /// host is asked for a captcha.
    fn username_identify(
        &self,
        flow: &Stored<Flow>,
        email: &str,
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let rules = &self.config.identifiers;
        if email.chars().take(rules.max_len() + 64).count() > rules.max_len() + 32 {
            return Err(Error::InvalidInput("identifier: too long".into()));
        }
        let lookup = LookupKey::of(IdentifierKind::Email, email, rules);
        let domain = lookup
            .as_ref()
            .ok()
            .and_then(|k| k.key().rsplit_once('@'))
            .map(|(_, d)| d.to_owned());
        let recovery = &self.config.recovery;
        let excluded = domain
            .as_ref()
            .is_some_and(|d| recovery.username_excluded_domains.iter().any(|x| x == d));
        if !recovery.username_recovery || excluded {
            return self.ended(flow, f.clone(), EndReason::NotAvailable, now);
        }
        let claim_key = match &lookup {
            Ok(k) => k.record_key(),
            // Not an address: looked up under a key no claim has.
            Err(_) => format!(
                "claim/login/{}",
                self.decoys
                    .subject(&format!("invalid/email/{}", email.trim()))
            ),
        };
        let missing = Self::missing(records, std::slice::from_ref(&claim_key));
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let subject = match records.load::<Claim>(&claim_key)?.present() {
            Some(c) if lookup.is_ok() => Subject::Account {
                id: c.body().account().to_owned(),
            },
            _ => Subject::Decoy {
                id: self.decoys.subject(&claim_key),
            },
        };
        let mut next = f.clone();
        next.subject = Some(subject);
        self.moved(&mut next);
        next.state = State::AwaitingHost {
            question: HostQuestion::Captcha,
        };
        let mut work = Work::new();
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "identify")));
        let question = HostQuestion::Captcha;
        self.respond(
            flow,
            next,
            FlowOutcome::AwaitingHost { question },
            work,
            now,
        )
    }

    /// The phone number tied to the account: a number that is not one is
    /// refused with nothing written; otherwise the code rung, real only
    /// when it is the account's recovery mobile and the account may
    /// recover its username.
    fn username_mobile<R: CryptoRng + ?Sized>(
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
        let (subject, account, _, mut rung) = match self.reset_context(f, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(step),
        };
        let allowed = account
            .as_ref()
            .is_some_and(|a| self.may_recover_username(a.body()));
        if rung.real && (!allowed || rung.destination.address() != number) {
            // Not the account's number, or an account the policy
            // excludes: a decoy rung (its budget key was read already).
            rung.real = false;
            rung.destination = Destination::sms(&format!("decoy:{}", subject.id()));
        }
        let mut next = f.clone();
        next.epoch = account.as_ref().map_or(0, |a| a.body().epoch());
        self.moved(&mut next);
        let mut work = Work::new();
        let (challenge, sent) = self.issue_rung(&mut next, &rung, records, &mut work, now, rng)?;
        next.state = State::ResetCode { challenge };
        work.effects
            .insert(0, Effect::Audit(self.audit(&next, now, "mobile_entered")));
        let outcome = FlowOutcome::CodeSent {
            channel: crate::otp::Channel::Sms,
            sent,
        };
        self.respond(flow, next, outcome, work, now)
    }

    /// Whether the policy lets this account recover its username: the
    /// domain of its email is not excluded.
    fn may_recover_username(&self, a: &Account) -> bool {
        let excluded = &self.config.recovery.username_excluded_domains;
        !a.email()
            .and_then(|e| e.rsplit_once('@'))
            .is_some_and(|(_, d)| excluded.iter().any(|x| x == d))
    }

    /// Every factor passed: the username is shown (the email for an
    /// account without one). Nothing of the account changes; it is
    /// asserted, and the guard's success written.
    pub(crate) fn reveal(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        acc: &Working<Account>,
        guard: &Working<AccountGuard>,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let a = acc.now.body();
        let username = a
            .identifiers()
            .iter()
            .find(|i| i.kind == IdentifierKind::Username)
            .map(|i| i.key.clone())
            .or_else(|| a.email().map(str::to_owned))
            .unwrap_or_default();
        self.moved(&mut next);
        next.state = State::Revealed { username };
        next.resend_at = None;
        work.effects.push(Effect::NotifyOwner {
            event: "username_recovered".into(),
            detail: String::new(),
        });
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "username_revealed")));
        self.commit_account_and_guard(acc, guard, &mut work);
        let done = Done::UsernameRevealed;
        self.respond(
            flow,
            next,
            FlowOutcome::Done { done, grant: None },
            work,
            now,
        )
    }
}
