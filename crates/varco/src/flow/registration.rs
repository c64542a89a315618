//! Registration (FLOWS F7), the public-sector portal's six steps on the
//! flow engine:
//!
//! 1. the mobile (validated) and the host's captcha; an SMS code within
//!    the number's send budget. Whether the number is on an eligible
//!    contract is asked of the host after the code is proved, unless the
//!    host turned `registration.eligibility_before_proof` on;
//! 2. the code (resend and expiry as at sign-in);
//! 3. names, the person's codice fiscale (cross-checked against the
//!    names) and the organisation's code; the host says whether a
//!    registration with the same number and tax codes exists, and if so
//!    the user recovers it (the flow ends, the host starts a reset) or
//!    goes on to cease it. Only after the SMS proof, and from the second
//!    check on counted in the mobile's probe budget (`back` cannot probe
//!    tax codes);
//! 4. the email (PEC refused) and the username (the email unless the user
//!    types another): a username or email another account holds is
//!    "taken" (counted in the probe budget); a link is emailed. Its token
//!    is kept as a digest, single use, expiring; opening it consumes
//!    nothing (mail scanners open links); confirming consumes it and the
//!    token becomes the flow's client secret (the link may open on
//!    another device);
//! 5. the password twice with the terms and the privacy notice (both
//!    required, their versions audited). The hash is made once and kept
//!    in the flow (state `creating`): the repeat writes the account, so a
//!    conflict never hashes again;
//! 6. the account and its claims, each "must not exist", in one commit:
//!    two registrations racing for one username or email create one
//!    account. A summary is emailed (never the password).
//!
//! No account is written before step 6; every step has its audit event.

use std::time::Duration;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::engine::{FlowEngine, Submit, Work, challenge_key, destination_key};
use super::host_fact::HostFact;
use super::input::{DuplicateChoice, Input};
use super::new_password::Current;
use super::owner_link::OwnerLink;
use super::records::{FlowWrite, Records};
use super::state::{Flow, FlowKind, State, Subject};
use super::step::{FlowOutcome, FlowStep, Rejection, Secret, Then, matches_digest};
use super::view::{Done, EndReason, HostQuestion, Screen, ViewError};
use crate::account::{Account, IdentifierKind, LookupKey};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::{DestinationBudget, FailureCounter};
use crate::otp::{Channel, CodeOutcome, Destination, Purpose};
use crate::record::Stored;
use crate::validate::{self, Person};
use crate::{Error, Timestamp};

/// What a registration has gathered: kept in the flow record between
/// requests, written nowhere else until the last step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Draft {
    /// The mobile (or, in a consumer registration, the fixed number), E.164.
    mobile: Option<String>,
    /// A consumer registration's number is a fixed line (proved by
    /// nothing, never sent a code).
    fixed: bool,
    /// Its SMS code passed.
    proved: bool,
    /// The host said it is on an eligible contract.
    eligible: bool,
    first_name: Option<String>,
    last_name: Option<String>,
    codice_fiscale: Option<String>,
    organisation_code: Option<String>,
    /// Duplicate checks asked so far (the first is free).
    duplicate_checks: u32,
    /// The earlier registration the host named.
    duplicate: Option<String>,
    /// The earlier registration to cease (the user chose to go on).
    cease: Option<String>,
    /// The email as it will be stored, and its login key.
    email: Option<String>,
    /// The username's login key, when it is not the email.
    username: Option<String>,
    /// The confirmation link's token, as a SHA-256 digest (hex).
    link: Option<String>,
    link_expires_at: Option<Timestamp>,
    /// The link was confirmed.
    confirmed: bool,
    /// The password's hash, made once.
    password_hash: Option<String>,
    /// The new account's id, drawn with the hash.
    account: Option<String>,
}

impl Draft {
    /// The bounds a stored draft keeps.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let texts = [
            &self.mobile,
            &self.first_name,
            &self.last_name,
            &self.codice_fiscale,
            &self.organisation_code,
            &self.duplicate,
            &self.cease,
            &self.email,
            &self.username,
            &self.link,
            &self.account,
        ];
        if texts
            .iter()
            .any(|t| t.as_ref().is_some_and(|t| t.len() > MAX_TYPED))
            || self.password_hash.as_ref().is_some_and(|h| h.len() > 1024)
            || self.duplicate_checks > 1000
        {
            return Err(Error::Deserialize(
                "flow: a registration's fields are bounded".into(),
            ));
        }
        Ok(())
    }
}

/// What the client entered on the registration screen `f` shows (see
/// [`View::form`](super::View)).
pub(crate) fn form_of(f: &Flow) -> Vec<super::view::FormValue> {
    let Some(d) = f.registration.as_deref() else {
        return Vec::new();
    };
    let fields: Vec<(&str, &Option<String>)> = match f.state {
        State::EnterMobile | State::EnterPhone => vec![("number", &d.mobile)],
        State::PersonalData => vec![
            ("first_name", &d.first_name),
            ("last_name", &d.last_name),
            ("codice_fiscale", &d.codice_fiscale),
            ("organisation_code", &d.organisation_code),
        ],
        State::EnterEmail => vec![("address", &d.email), ("username", &d.username)],
        _ => Vec::new(),
    };
    fields
        .into_iter()
        .filter_map(|(field, v)| {
            v.as_ref().map(|value| super::view::FormValue {
                field: field.to_owned(),
                value: value.clone(),
            })
        })
        .collect()
}

/// The longest name, in characters.
const MAX_NAME: usize = 100;
/// The longest text a draft keeps in one field, and so the longest a user
/// may type into one (a refused field is kept as typed, to be corrected):
/// an address's 64 + 1 + 255 bytes.
const MAX_TYPED: usize = 320;

/// `probe/<mobile>`: the budget of answers that reveal something after
/// proof (a duplicate, a taken username), per mobile.
///
/// ```
/// assert_eq!(varco::flow::probe_key("+393471234567"), "probe/+393471234567");
/// ```
pub fn probe_key(mobile: &str) -> String {
    format!("probe/{mobile}")
}

impl FlowEngine {
    fn draft(f: &Flow) -> Result<&Draft, Error> {
        f.registration
            .as_deref()
            .ok_or_else(|| Error::Deserialize("flow: a registration without its draft".into()))
    }

    fn draft_mut(f: &mut Flow) -> &mut Draft {
        f.registration.get_or_insert_with(Box::default)
    }

    /// The mobile the draft proved (or is proving).
    fn draft_mobile(f: &Flow) -> Result<String, Error> {
        Self::draft(f)?
            .mobile
            .clone()
            .ok_or_else(|| Error::Deserialize("flow: a registration without its mobile".into()))
    }

    /// One input to a registration.
    pub(crate) fn registration<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        submit: &Submit<'_>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        match (&f.state, submit.input) {
            (_, Input::OpenLink { token }) => self.open_link(f, token.expose(), now),
            (_, Input::ConfirmLink { token }) => self.confirm_link(flow, token.expose(), now),
            (State::EnterMobile | State::EnterPhone, Input::Mobile { number }) => {
                self.registration_mobile(flow, number, now)
            }
            (State::EnterPhone, Input::Back) => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.state = State::EnterEmail;
                self.step_to(flow, next, "back_to_email", FlowOutcome::Moved, now)
            }
            (State::ConfirmMobile { .. }, Input::Code { code }) => {
                self.registration_code(flow, code.expose(), records, now)
            }
            (State::ConfirmMobile { challenge, number }, Input::Resend) => {
                let keys = [challenge_key(challenge), destination_key(number)];
                let missing = Self::missing(records, &keys);
                if !missing.is_empty() {
                    return Ok(Self::load(missing));
                }
                self.resend_code(flow, &keys[0], &keys[1], Channel::Sms, records, now, rng)
            }
            (State::ConfirmMobile { .. }, Input::Back) => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.state = Self::phone_screen(f);
                next.resend_at = None;
                // The number stays in the form, to be corrected; a new
                // one needs the captcha and a code again.
                Self::draft_mut(&mut next).eligible = false;
                self.step_to(flow, next, "back_to_mobile", FlowOutcome::Moved, now)
            }
            (
                State::PersonalData,
                Input::PersonalData {
                    first_name,
                    last_name,
                    codice_fiscale,
                    organisation_code,
                },
            ) => {
                let typed = [first_name, last_name, codice_fiscale, organisation_code];
                self.personal_data(flow, typed, records, now)
            }
            (State::DuplicateChoice, Input::DuplicateChoice { choice }) => {
                self.duplicate_choice(flow, *choice, now)
            }
            (State::DuplicateChoice | State::EnterEmail, Input::Back) if !Self::consumer(f) => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.state = State::PersonalData;
                let d = Self::draft_mut(&mut next);
                d.duplicate = None;
                d.cease = None;
                self.step_to(flow, next, "back_to_personal_data", FlowOutcome::Moved, now)
            }
            (State::EnterEmail, Input::Email { address, username }) => {
                self.registration_email(flow, address, username.as_deref(), records, now, rng)
            }
            (State::CheckEmail, Input::Resend) => {
                if f.resend_at.is_some_and(|at| now < at) {
                    return Ok(self.unchanged(f, FlowOutcome::Stale));
                }
                let mut next = f.clone();
                self.moved(&mut next);
                let address = Self::draft(f)?.email.clone().unwrap_or_default();
                let mut work = Work::new();
                let sent = self.send_link(&mut next, &address, records, &mut work, now, rng)?;
                let Some(sent) = sent else {
                    return Ok(Self::load(vec![destination_key(&address)]));
                };
                work.effects
                    .push(Effect::Audit(self.audit(&next, now, "link_resent")));
                let outcome = FlowOutcome::CodeSent {
                    channel: Channel::Email,
                    sent,
                };
                self.respond(flow, next, outcome, work, now)
            }
            (State::CheckEmail, Input::Back) => {
                let mut next = f.clone();
                self.moved(&mut next);
                next.state = State::EnterEmail;
                next.resend_at = None;
                let d = Self::draft_mut(&mut next);
                d.link = None;
                d.link_expires_at = None;
                self.step_to(flow, next, "back_to_email", FlowOutcome::Moved, now)
            }
            (
                State::CreatePassword,
                Input::CreatePassword {
                    password,
                    confirmation,
                    accept_terms,
                    accept_privacy,
                },
            ) => self.create_password(
                flow,
                (password.expose(), confirmation.expose()),
                *accept_terms && *accept_privacy,
                now,
                rng,
            ),
            (State::Creating, Input::CreatePassword { .. }) => {
                self.create_account(flow, records, now, rng)
            }
            (_, input) => Err(self.not_taken(f, input)),
        }
    }

    /// Whether the flow is the consumer area's registration.
    fn consumer(f: &Flow) -> bool {
        f.kind == FlowKind::ConsumerRegistration
    }

    /// Where a registration asks its number.
    fn phone_screen(f: &Flow) -> State {
        if Self::consumer(f) {
            State::EnterPhone
        } else {
            State::EnterMobile
        }
    }

    /// Stores `next` with its audit event.
    fn step_to(
        &self,
        flow: &Stored<Flow>,
        next: Flow,
        step: &str,
        outcome: FlowOutcome,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let mut work = Work::new();
        work.effects
            .push(Effect::Audit(self.audit(&next, now, step)));
        self.respond(flow, next, outcome, work, now)
    }

    /// Step 1: the number, then the host's question (the captcha; or the
    /// contract first, where the host asked for it before proof).
    fn registration_mobile(
        &self,
        flow: &Stored<Flow>,
        number: &str,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let (number, fixed) = if Self::consumer(f) {
            if number.len() > 64 {
                return Err(Error::InvalidInput("a number is at most 64 bytes".into()));
            }
            match validate::phone(number, &self.config.identifiers) {
                Ok(p) => (p.e164, !p.mobile),
                Err(e) => return Ok(self.number_refused(f, &e)),
            }
        } else {
            match self.typed_mobile(f, number)? {
                Ok(n) => (n, false),
                Err(refused) => return Ok(refused),
            }
        };
        let mut next = f.clone();
        self.moved(&mut next);
        Self::draft_mut(&mut next).fixed = fixed;
        let question = if self.config.registration.eligibility_before_proof && !Self::consumer(f) {
            HostQuestion::EligibleContract {
                mobile: number.clone(),
            }
        } else {
            HostQuestion::Captcha
        };
        Self::draft_mut(&mut next).mobile = Some(number);
        next.state = State::AwaitingHost {
            question: question.clone(),
        };
        self.step_to(
            flow,
            next,
            "mobile",
            FlowOutcome::AwaitingHost { question },
            now,
        )
    }

    /// The host's answers to a registration's questions.
    pub(crate) fn registration_fact<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        fact: &HostFact,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::AwaitingHost { question } = &f.state else {
            return Err(self.fact_not_awaited(f, fact));
        };
        let mut next = f.clone();
        self.moved(&mut next);
        let mut work = Work::new();
        let step = |next: &Flow, s: &str| self.audit(next, now, s);
        let outcome = match (question, fact) {
            (HostQuestion::Captcha, HostFact::Captcha { passed: false }) => {
                next.error = Some(ViewError::CaptchaFailed);
                work.effects.push(Effect::Audit(
                    step(&next, "captcha").detail("passed", false),
                ));
                FlowOutcome::Rejected {
                    reason: Rejection::CaptchaFailed,
                }
            }
            (HostQuestion::Captcha, HostFact::Captcha { passed: true })
                if Self::draft(f)?.fixed =>
            {
                // A fixed line takes no code: on to the password.
                next.state = State::CreatePassword;
                work.effects
                    .push(Effect::Audit(step(&next, "captcha").detail("passed", true)));
                FlowOutcome::Moved
            }
            (HostQuestion::Captcha, HostFact::Captcha { passed: true }) => {
                let number = Self::draft_mobile(f)?;
                let sent = self.send_code(
                    &mut next,
                    Destination::sms(&number),
                    Purpose::Registration,
                    records,
                    &mut work,
                    now,
                    rng,
                )?;
                let Some((challenge, sent)) = sent else {
                    return Ok(Self::load(vec![destination_key(&number)]));
                };
                next.state = State::ConfirmMobile { challenge, number };
                work.effects
                    .push(Effect::Audit(step(&next, "captcha").detail("passed", true)));
                FlowOutcome::CodeSent {
                    channel: Channel::Sms,
                    sent,
                }
            }
            (HostQuestion::EligibleContract { .. }, HostFact::EligibleContract { eligible }) => {
                work.effects.push(Effect::Audit(
                    step(&next, "eligible_contract").detail("eligible", *eligible),
                ));
                if !*eligible {
                    next.state = State::Ended {
                        reason: EndReason::NotEligible,
                    };
                    FlowOutcome::Ended {
                        reason: EndReason::NotEligible,
                    }
                } else {
                    let d = Self::draft_mut(&mut next);
                    d.eligible = true;
                    if d.proved {
                        next.state = State::PersonalData;
                        FlowOutcome::Moved
                    } else {
                        // Asked before proof: the captcha, then the code.
                        next.state = State::AwaitingHost {
                            question: HostQuestion::Captcha,
                        };
                        FlowOutcome::AwaitingHost {
                            question: HostQuestion::Captcha,
                        }
                    }
                }
            }
            (HostQuestion::Duplicate { .. }, HostFact::Duplicate { account }) => {
                if let Some(id) = account
                    && !crate::account::is_account_id(id)
                {
                    return Err(Error::InvalidInput(
                        "duplicate: an account id is 1 to 64 of [A-Za-z0-9_-]".into(),
                    ));
                }
                work.effects.push(Effect::Audit(
                    step(&next, "duplicate").detail("found", account.is_some()),
                ));
                Self::draft_mut(&mut next).duplicate.clone_from(account);
                next.state = if account.is_some() {
                    State::DuplicateChoice
                } else {
                    State::EnterEmail
                };
                FlowOutcome::Moved
            }
            (HostQuestion::IsPec { .. }, HostFact::IsPec { pec: true }) => {
                next.state = State::EnterEmail;
                next.error = Some(ViewError::FieldsRejected);
                next.violations = vec!["email:email_pec".into()];
                work.effects
                    .push(Effect::Audit(step(&next, "is_pec").detail("pec", true)));
                FlowOutcome::Rejected {
                    reason: Rejection::PecRefused,
                }
            }
            (HostQuestion::IsPec { email }, HostFact::IsPec { pec: false }) => {
                let email = email.clone();
                let sent = self.send_link(&mut next, &email, records, &mut work, now, rng)?;
                let Some(sent) = sent else {
                    return Ok(Self::load(vec![destination_key(&email)]));
                };
                work.effects
                    .push(Effect::Audit(step(&next, "is_pec").detail("pec", false)));
                FlowOutcome::CodeSent {
                    channel: Channel::Email,
                    sent,
                }
            }
            (_, fact) => return Err(self.fact_not_awaited(f, fact)),
        };
        self.respond(flow, next, outcome, work, now)
    }

    fn fact_not_awaited(&self, f: &Flow, fact: &HostFact) -> Error {
        Error::InvalidInput(format!(
            "the {} screen does not await the fact {}",
            self.view_of(f).screen.as_str(),
            fact.as_str()
        ))
    }

    /// Step 2: the SMS code. Proved, the host is asked about the contract
    /// (or, asked already, the personal data come next).
    fn registration_code(
        &self,
        flow: &Stored<Flow>,
        code: &str,
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let State::ConfirmMobile { challenge, number } = &f.state else {
            return Err(Error::Internal(
                "a registration code outside its screen".into(),
            ));
        };
        let ckey = challenge_key(challenge);
        if !records.is_loaded(&ckey) {
            return Ok(Self::load(vec![ckey]));
        }
        let mut next = f.clone();
        let mut work = Work::new();
        let outcome = self.number_code(
            &ckey,
            number,
            code,
            Purpose::Registration,
            records,
            &mut work,
            now,
        )?;
        self.moved(&mut next);
        let (reason, error) = match outcome {
            CodeOutcome::Accepted => {
                next.resend_at = None;
                let d = Self::draft_mut(&mut next);
                d.proved = true;
                let consumer = f.kind == FlowKind::ConsumerRegistration;
                let (state, outcome) = if consumer {
                    (State::CreatePassword, FlowOutcome::Moved)
                } else if d.eligible {
                    (State::PersonalData, FlowOutcome::Moved)
                } else {
                    let question = HostQuestion::EligibleContract {
                        mobile: number.clone(),
                    };
                    (
                        State::AwaitingHost {
                            question: question.clone(),
                        },
                        FlowOutcome::AwaitingHost { question },
                    )
                };
                next.state = state;
                work.effects
                    .push(Effect::Audit(self.audit(&next, now, "mobile_proved")));
                return self.respond(flow, next, outcome, work, now);
            }
            CodeOutcome::Wrong { .. } => (Rejection::WrongCode, ViewError::CodeWrong),
            CodeOutcome::Expired => (Rejection::CodeExpired, ViewError::CodeExpired),
            _ => {
                self.end(&mut next, EndReason::AttemptsUsedUp);
                let reason = EndReason::AttemptsUsedUp;
                work.effects.push(Effect::Audit(
                    self.audit(&next, now, "registration_code")
                        .detail("reason", "attempts_used_up"),
                ));
                return self.respond(flow, next, FlowOutcome::Ended { reason }, work, now);
            }
        };
        self.refused(flow, next, (reason, error), "registration_code", work, now)
    }

    /// A refusal: the screen again with its error, the audit event with
    /// the reason, `next` stored.
    fn refused(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        (reason, error): (Rejection, ViewError),
        step: &str,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        next.error = Some(error);
        work.effects.push(Effect::Audit(
            self.audit(&next, now, step)
                .detail("reason", reason.as_str()),
        ));
        self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
    }

    /// Counts one probe in the mobile's budget: `Err(step)` ends the flow
    /// when the budget is spent.
    fn probe(
        &self,
        flow: &Stored<Flow>,
        mobile: &str,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
    ) -> Result<Result<(), FlowStep>, Error> {
        let key = probe_key(mobile);
        let counter = records
            .load::<FailureCounter>(&key)?
            .present()
            .unwrap_or_else(|| Stored::new(FailureCounter::default()));
        let policy = &self.config.registration.probes;
        if !matches!(
            counter.body().decide(policy, now),
            crate::guard::Decision::Allow
        ) {
            let mut next = flow.body().clone();
            self.end(&mut next, EndReason::ProbesUsedUp);
            let mut w = Work::new();
            w.effects
                .push(Effect::Audit(self.audit(&next, now, "probes_used_up")));
            let reason = EndReason::ProbesUsedUp;
            return Ok(Err(self.respond(
                flow,
                next,
                FlowOutcome::Ended { reason },
                w,
                now,
            )?));
        }
        let counted = counter.next(counter.body().fail(policy, now), now)?;
        work.commit.restrict(FlowWrite::put(
            &key,
            &crate::step::Write::replacing(&counter, counted),
        ));
        Ok(Ok(()))
    }

    /// Step 3: names and tax codes, every problem at once; then the host's
    /// duplicate question (from the second time, counted as a probe).
    fn personal_data(
        &self,
        flow: &Stored<Flow>,
        typed: [&String; 4],
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if typed.iter().any(|t| t.len() > MAX_TYPED) {
            return Err(Error::InvalidInput(format!(
                "personal data: each field is at most {MAX_TYPED} bytes"
            )));
        }
        let [first, last, cf, org] = typed;
        let mut problems: Vec<String> = Vec::new();
        let mut name = |field: &str, raw: &str| {
            let t = raw.trim();
            let count = t.chars().count();
            let p = if count == 0 {
                Some("empty")
            } else if count > MAX_NAME {
                Some("too_long")
            } else if t.chars().any(char::is_control) || !t.chars().any(char::is_alphabetic) {
                Some("name_characters")
            } else {
                None
            };
            if let Some(p) = p {
                problems.push(format!("{field}:{p}"));
            }
            t.to_owned()
        };
        let (first, last) = (name("first_name", first), name("last_name", last));
        let person = Person {
            first_name: Some(first.clone()),
            last_name: Some(last.clone()),
            ..Person::default()
        };
        let cf = match validate::codice_fiscale_of(cf, &person) {
            Ok(c) => Some(c.as_str().to_owned()),
            Err(e) => {
                problems.extend(e.codes().iter().map(|c| format!("codice_fiscale:{c}")));
                None
            }
        };
        let org = match validate::organisation_code(org) {
            Ok(o) => Some(o),
            Err(e) => {
                problems.extend(e.codes().iter().map(|c| format!("organisation_code:{c}")));
                None
            }
        };
        let mut next = f.clone();
        self.moved(&mut next);
        let (Some(cf), Some(org), true) = (cf.clone(), org.clone(), problems.is_empty()) else {
            // Shown again as typed, to be corrected (never used as is: a
            // valid submission replaces every field).
            let d = Self::draft_mut(&mut next);
            d.first_name = Some(first);
            d.last_name = Some(last);
            d.codice_fiscale = Some(cf.unwrap_or_else(|| typed[2].trim().to_owned()));
            d.organisation_code = Some(org.unwrap_or_else(|| typed[3].trim().to_owned()));
            next.violations = problems;
            let why = (Rejection::FieldsRejected, ViewError::FieldsRejected);
            return self.refused(flow, next, why, "personal_data", Work::new(), now);
        };
        let mobile = Self::draft_mobile(f)?;
        let mut work = Work::new();
        if Self::draft(f)?.duplicate_checks > 0 {
            let key = probe_key(&mobile);
            if !records.is_loaded(&key) {
                return Ok(Self::load(vec![key]));
            }
            if let Err(step) = self.probe(flow, &mobile, records, &mut work, now)? {
                return Ok(step);
            }
        }
        let d = Self::draft_mut(&mut next);
        d.first_name = Some(first);
        d.last_name = Some(last);
        d.codice_fiscale = Some(cf.clone());
        d.organisation_code = Some(org.clone());
        d.duplicate_checks = d.duplicate_checks.saturating_add(1);
        let question = HostQuestion::Duplicate {
            mobile,
            codice_fiscale: cf,
            organisation_code: org,
        };
        next.state = State::AwaitingHost {
            question: question.clone(),
        };
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "personal_data")));
        self.respond(
            flow,
            next,
            FlowOutcome::AwaitingHost { question },
            work,
            now,
        )
    }

    /// Step 3's choice: recover the earlier registration, or go on and
    /// cease it.
    fn duplicate_choice(
        &self,
        flow: &Stored<Flow>,
        choice: DuplicateChoice,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut next = f.clone();
        let outcome = match choice {
            DuplicateChoice::Recover => {
                self.end(&mut next, EndReason::RecoverExisting);
                FlowOutcome::Ended {
                    reason: EndReason::RecoverExisting,
                }
            }
            DuplicateChoice::Cease => {
                self.moved(&mut next);
                let d = Self::draft_mut(&mut next);
                d.cease = d.duplicate.clone();
                next.state = State::EnterEmail;
                FlowOutcome::Moved
            }
        };
        let mut work = Work::new();
        work.effects.push(Effect::Audit(
            self.audit(&next, now, "duplicate_choice")
                .detail("choice", format!("{choice:?}").to_lowercase()),
        ));
        self.respond(flow, next, outcome, work, now)
    }

    /// Step 4: the email (PEC refused) and the username; taken ones are
    /// counted as probes; then the link (or the host's PEC question).
    fn registration_email<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        address: &str,
        username: Option<&str>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if address.len() > MAX_TYPED || username.is_some_and(|u| u.len() > MAX_TYPED) {
            return Err(Error::InvalidInput(format!(
                "email, username: each at most {MAX_TYPED} bytes"
            )));
        }
        let rules = &self.config.identifiers;
        let mut problems = Vec::new();
        let email = match validate::registration_email(address, &self.config.registration.pec) {
            Ok(e) => Some(e),
            Err(e) => {
                problems.extend(e.codes().iter().map(|c| format!("email:{c}")));
                None
            }
        };
        let username = username.filter(|u| !u.trim().is_empty());
        let user_key = match username.map(|u| LookupKey::of(IdentifierKind::Username, u, rules)) {
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => {
                problems.push("username:username_characters".into());
                None
            }
            None => None,
        };
        let mut next = f.clone();
        self.moved(&mut next);
        let typed = (
            address.trim().to_owned(),
            username.map(|u| u.trim().to_owned()),
        );
        let refuse = |mut next: Flow, problems: Vec<String>| {
            // Shown again as typed, to be corrected.
            let d = Self::draft_mut(&mut next);
            d.email = Some(typed.0.clone());
            d.username.clone_from(&typed.1);
            let pec = problems.iter().any(|p| p == "email:email_pec");
            let reason = if pec {
                Rejection::PecRefused
            } else {
                Rejection::FieldsRejected
            };
            next.violations = problems;
            let why = (reason, ViewError::FieldsRejected);
            self.refused(flow, next, why, "email", Work::new(), now)
        };
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            return refuse(next, problems);
        };
        let email_key = LookupKey::of(IdentifierKind::Email, &email, rules)?;
        let user_key = user_key.filter(|k| *k != email_key);
        if Self::consumer(f) {
            // Before any proof nothing is looked up: whether the address
            // has an account is answered at the end, the same way.
            let d = Self::draft_mut(&mut next);
            d.email = Some(email);
            d.username = user_key.map(|k| k.key().to_owned());
            next.state = State::EnterPhone;
            return self.step_to(flow, next, "email", FlowOutcome::Moved, now);
        }
        let mobile = Self::draft_mobile(f)?;
        let mut keys = vec![email_key.record_key(), probe_key(&mobile)];
        keys.extend(user_key.iter().map(LookupKey::record_key));
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let mut work = Work::new();
        let taken = [&Some(email_key.clone()), &user_key]
            .into_iter()
            .flatten()
            .map(|k| self.claimed(records, &k.record_key()))
            .collect::<Result<Vec<bool>, Error>>()?
            .contains(&true);
        if taken {
            if let Err(step) = self.probe(flow, &mobile, records, &mut work, now)? {
                return Ok(step);
            }
            let d = Self::draft_mut(&mut next);
            d.email = Some(typed.0.clone());
            d.username.clone_from(&typed.1);
            let why = (Rejection::UsernameTaken, ViewError::UsernameTaken);
            return self.refused(flow, next, why, "email", work, now);
        }
        let d = Self::draft_mut(&mut next);
        d.email = Some(email.clone());
        d.username = user_key.map(|k| k.key().to_owned());
        if self.config.registration.ask_host_pec {
            let question = HostQuestion::IsPec { email };
            next.state = State::AwaitingHost {
                question: question.clone(),
            };
            work.effects
                .push(Effect::Audit(self.audit(&next, now, "email")));
            return self.respond(
                flow,
                next,
                FlowOutcome::AwaitingHost { question },
                work,
                now,
            );
        }
        let Some(sent) = self.send_link(&mut next, &email, records, &mut work, now, rng)? else {
            return Ok(Self::load(vec![destination_key(&email)]));
        };
        work.effects
            .push(Effect::Audit(self.audit(&next, now, "email")));
        let outcome = FlowOutcome::CodeSent {
            channel: Channel::Email,
            sent,
        };
        self.respond(flow, next, outcome, work, now)
    }

    /// Emails a new confirmation link to `address` within its send budget
    /// (the daily cap of codes): `None` when the budget is not loaded;
    /// `Some(false)` when the cap kept it from going out (the flow waits
    /// as if it had).
    fn send_link<R: CryptoRng + ?Sized>(
        &self,
        next: &mut Flow,
        address: &str,
        records: &Records,
        work: &mut Work,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Option<bool>, Error> {
        let key = destination_key(address);
        if !records.is_loaded(&key) {
            return Ok(None);
        }
        let budget = records
            .load::<DestinationBudget>(&key)?
            .present()
            .unwrap_or_else(|| Stored::new(DestinationBudget::new(address)));
        let cap = self.config.delivery.daily_cap;
        let token = Secret::draw(rng);
        let reg = &self.config.registration;
        let d = Self::draft_mut(next);
        d.link = Some(token.digest());
        d.link_expires_at = Some(now + Duration::from_secs(reg.link_ttl_secs));
        next.state = State::CheckEmail;
        next.resend_at = Some(now + self.config.delivery.resend_cooldown);
        if budget.body().check(now, cap).is_err() {
            return Ok(Some(false));
        }
        let counted = budget.next(budget.body().record(now, cap), now)?;
        work.commit.restrict(FlowWrite::put(
            &key,
            &crate::step::Write::replacing(&budget, counted),
        ));
        let url = reg
            .link_url
            .replace("{flow}", &next.id)
            .replace("{token}", token.expose());
        let lang = self.config.delivery.lang;
        let body = lang.pick(
            "Per confermare il tuo indirizzo e creare la password apri questo link: {url}\nSe non hai chiesto tu la registrazione, ignora questo messaggio.",
            "To confirm your address and create your password, open this link: {url}\nIf you did not ask to register, ignore this message.",
        );
        work.effects.push(Effect::SendEmail {
            to: address.to_owned(),
            subject: lang
                .pick("Conferma la registrazione", "Confirm your registration")
                .to_owned(),
            body: Zeroizing::new(body.replace("{url}", &url)),
        });
        Ok(Some(true))
    }

    /// Whether `token` is the draft's live link.
    fn link_holds(f: &Flow, token: &str, now: Timestamp) -> bool {
        let Some(d) = f.registration.as_deref() else {
            return false;
        };
        matches!(f.state, State::CheckEmail)
            && d.link.as_ref().is_some_and(|l| matches_digest(token, l))
            && d.link_expires_at.is_some_and(|at| now < at)
    }

    /// A link opened (a GET: a mail scanner does it as well): the "CREA
    /// PASSWORD" button, nothing consumed, nothing written. A link that
    /// does not hold gets the generic view; the client it was confirmed
    /// on sees where its flow stands.
    fn open_link(&self, f: &Flow, token: &str, now: Timestamp) -> Result<FlowStep, Error> {
        if Self::link_holds(f, token, now) {
            let mut step = self.unchanged(f, FlowOutcome::LinkOpened);
            if let Some(v) = &mut step.view {
                v.screen = Screen::ConfirmLink;
                v.resend_at = None;
            }
            return Ok(step);
        }
        if matches_digest(token, &f.client) {
            return Ok(self.unchanged(f, FlowOutcome::Stale));
        }
        Ok(self.generic(f, FlowOutcome::WrongClient))
    }

    /// "CREA PASSWORD": the link consumed (its digest dropped, in a write
    /// of the flow that a second confirmation's compare-and-swap loses),
    /// the address confirmed, and the flow bound to this client: the
    /// link's token is its client secret from now on.
    fn confirm_link(
        &self,
        flow: &Stored<Flow>,
        token: &str,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        if !Self::link_holds(f, token, now) {
            return self.open_link(f, token, now);
        }
        let mut next = f.clone();
        self.moved(&mut next);
        next.client = super::step::digest(token);
        next.state = State::CreatePassword;
        next.resend_at = None;
        let d = Self::draft_mut(&mut next);
        d.link = None;
        d.link_expires_at = None;
        d.confirmed = true;
        self.step_to(flow, next, "link_confirmed", FlowOutcome::Moved, now)
    }

    /// Step 5: both acceptances, the policy, then the hash (once), kept in
    /// the flow; the host commits and repeats the same input, which writes
    /// the account.
    fn create_password<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        (password, confirmation): (&str, &str),
        accepted: bool,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let mut next = f.clone();
        if !accepted {
            self.moved(&mut next);
            let why = (Rejection::TermsRequired, ViewError::TermsRequired);
            return self.refused(flow, next, why, "create_password", Work::new(), now);
        }
        let mut id = [0u8; 12];
        rng.fill_bytes(&mut id);
        let id = data_encoding::HEXLOWER.encode(&id);
        let account = self.draft_account(f, &id, None)?;
        let violations = self.vet_new_password(&account, password, confirmation, Current::Hash)?;
        if !violations.is_empty() {
            return self.password_refused(
                flow,
                next,
                violations,
                "create_password",
                Work::new(),
                now,
            );
        }
        let hash = self.hasher.hash(password, rng)?;
        // The token stays: the repeat is the same request.
        next.error = None;
        next.violations.clear();
        next.state = State::Creating;
        let d = Self::draft_mut(&mut next);
        d.password_hash = Some(hash);
        d.account = Some(id);
        let mut work = Work::new();
        work.effects.push(Effect::Audit(
            self.audit(&next, now, "create_password")
                .detail("terms", &self.config.registration.terms_version)
                .detail("privacy", &self.config.registration.privacy_version),
        ));
        work.commit.consume(self.flow_write(flow, next, now)?);
        Ok(FlowStep {
            outcome: FlowOutcome::Checked,
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::CommitAndRepeat {
                ticket: Secret::draw(rng),
            },
        })
    }

    /// The account the draft describes (`hash` set at the last step).
    fn draft_account(&self, f: &Flow, id: &str, hash: Option<&str>) -> Result<Account, Error> {
        let d = Self::draft(f)?;
        let rules = &self.config.identifiers;
        let missing = || Error::Deserialize("flow: a registration's draft is incomplete".into());
        let email = d.email.as_deref().ok_or_else(missing)?;
        let number = d.mobile.as_deref().ok_or_else(missing)?;
        let mut a =
            Account::new(id, f.created_at)?.with_identifier(IdentifierKind::Email, email, rules)?;
        a = if d.fixed {
            a.with_identifier(IdentifierKind::FixedNumber, number, rules)?
        } else {
            a.with_mobile(number)
        };
        a = if Self::consumer(f) {
            // The address was never proved: confirmed at the first sign-in.
            a.with_required_action(crate::account::RequiredAction::VerifyEmail)
        } else {
            a.with_second_factor(true)
        };
        if let Some(u) = &d.username {
            a = a.with_identifier(IdentifierKind::Username, u, rules)?;
        }
        if let Some(cf) = &d.codice_fiscale {
            a = a.with_identifier(IdentifierKind::CodiceFiscale, cf, rules)?;
        }
        if let Some(h) = hash {
            a = a.with_password_hash(h);
        }
        Ok(a)
    }

    /// Step 6: the claims and the account, each "must not exist", in one
    /// commit with the flow's end; a claim another account holds by now
    /// (a race lost) sends the user back to the email, counted as a probe.
    fn create_account<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        let f = flow.body();
        let d = Self::draft(f)?;
        let (Some(id), Some(hash)) = (&d.account, &d.password_hash) else {
            return Err(Error::Deserialize(
                "flow: a registration creating without its hash".into(),
            ));
        };
        let mut account = self.draft_account(f, id, Some(hash))?;
        let mobile = Self::draft_mobile(f)?;
        let mut keys = account.claim_keys();
        keys.extend(account.hint_keys());
        keys.push(crate::account::account_key(id));
        keys.push(probe_key(&mobile));
        keys.extend(d.cease.iter().map(|old| crate::account::account_key(old)));
        let missing = Self::missing(records, &keys);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        // The earlier registration to cease, if it still can be: the new
        // account then waits, pending, for its owner's answer or the delay.
        let old = match &d.cease {
            Some(old) => Self::account_of(records, old)?.filter(|o| {
                *o.body().lifecycle().state() != crate::account::AccountState::Ceased
                    && o.body().cease_pending().is_none()
            }),
            None => None,
        };
        if old.is_some() {
            account = account.into_pending();
        }
        let mut next = f.clone();
        self.moved(&mut next);
        let mut work = Work::new();
        let claims = account.claim_keys();
        let mut taken = false;
        for k in &claims {
            taken |= self.claimed(records, k)?;
        }
        if taken && Self::consumer(f) {
            return self.already_registered(flow, next, &account, work, now);
        }
        if taken {
            if let Err(step) = self.probe(flow, &mobile, records, &mut work, now)? {
                return Ok(step);
            }
            next.state = State::EnterEmail;
            let dm = Self::draft_mut(&mut next);
            dm.password_hash = None;
            dm.account = None;
            dm.confirmed = false;
            let why = (Rejection::UsernameTaken, ViewError::UsernameTaken);
            return self.refused(flow, next, why, "create_account", work, now);
        }
        let step = account.provision(now)?;
        for (key, w) in &step.writes.claims {
            work.commit.consume(FlowWrite::put(key, w));
        }
        Self::hint_writes(records, &account.hint_keys(), id, true, &mut work, now)?;
        let (key, w) = &step.writes.account;
        work.commit.grant(FlowWrite::put(key, w));
        let reg = &self.config.registration;
        if let Some(old) = &old {
            let due = now + Duration::from_secs(u64::from(reg.cease_delay_hours) * 3600);
            // Told on its own address (the number is the one just proved
            // by the new registrant), with a link to confirm or refuse.
            let email = old.body().email();
            let link = email.map(|_| OwnerLink::draw(&reg.cease_url, old.body().id(), rng));
            let digest = link.as_ref().map(|l| l.digest.clone());
            let asked = old.next(old.body().with_cease_pending(id, due, digest), now)?;
            work.commit.grant(FlowWrite::put(
                &old.body().record_key(),
                &crate::step::Write::replacing(old, asked),
            ));
            if let (Some(to), Some(link)) = (email, &link) {
                work.effects.push(self.cease_email(to, &link.url));
            }
        }
        next.subject = Some(Subject::Account { id: id.clone() });
        next.state = State::Done {
            done: Done::Registered,
        };
        let dm = Self::draft_mut(&mut next);
        dm.password_hash = None;
        let mut event = AuditEvent::new(now, AuditKind::AccountActivated, id)
            .detail("by", "registration")
            .detail("flow", &f.id)
            .detail("terms", &reg.terms_version)
            .detail("privacy", &reg.privacy_version);
        if let Some(old) = &old {
            event = event
                .detail("cease_requested", old.body().id())
                .detail("pending", true);
        }
        work.effects.push(Effect::Audit(event));
        work.effects.push(self.summary(d, &account, old.is_some()));
        if let Some(asked) = &d.cease {
            // On the old account's trail: asked and pending, or not needed
            // (it is gone, ceased, or another cease is pending on it).
            let step = if old.is_some() {
                "cease_requested"
            } else {
                "cease_not_pending"
            };
            work.effects.push(Effect::Audit(
                AuditEvent::new(now, AuditKind::FlowStep, asked)
                    .detail("flow", &f.id)
                    .detail("step", step)
                    .detail("by_account", id)
                    .detail("delay_hours", reg.cease_delay_hours),
            ));
        }
        let done = Done::Registered;
        self.respond(
            flow,
            next,
            FlowOutcome::Done { done, grant: None },
            work,
            now,
        )
    }

    /// A consumer registration for an address that has an account: the
    /// same view as a new one ("done"), no account, nothing claimed; the
    /// address's owner is told. Before any proof of the address, "taken"
    /// would tell anyone which addresses have accounts.
    fn already_registered(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        account: &Account,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        next.state = State::Done {
            done: Done::Registered,
        };
        Self::draft_mut(&mut next).password_hash = None;
        work.effects.push(Effect::NotifyAddress {
            channel: Channel::Email,
            to: account.email().unwrap_or_default().to_owned(),
            event: "registration_attempt".into(),
        });
        work.effects.push(Effect::Audit(
            self.audit(&next, now, "create_account")
                .detail("reason", "already_registered"),
        ));
        let done = Done::Registered;
        self.respond(
            flow,
            next,
            FlowOutcome::Done { done, grant: None },
            work,
            now,
        )
    }

    /// Whether a claim record is present (loaded).
    fn claimed(&self, records: &Records, key: &str) -> Result<bool, Error> {
        Ok(records
            .load::<crate::account::Claim>(key)?
            .present()
            .is_some())
    }

    /// The summary email: name, organisation, tax codes, mobile, email,
    /// username; never the password.
    fn summary(&self, d: &Draft, account: &Account, pending: bool) -> Effect {
        let lang = self.config.delivery.lang;
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        let username = d
            .username
            .clone()
            .or_else(|| d.email.clone())
            .unwrap_or_default();
        let lines = [
            (
                lang.pick("Nome", "Name"),
                format!("{} {}", v(&d.first_name), v(&d.last_name)),
            ),
            (
                lang.pick("Codice fiscale", "Tax code"),
                v(&d.codice_fiscale),
            ),
            (
                lang.pick("Codice fiscale dell'ente", "Organisation's tax code"),
                v(&d.organisation_code),
            ),
            (lang.pick("Cellulare", "Mobile"), v(&d.mobile)),
            ("Email", v(&d.email)),
            ("Username", username),
        ];
        let mut body = lang
            .pick(
                "La registrazione è completata.\n",
                "Your registration is complete.\n",
            )
            .to_owned();
        for (k, val) in lines {
            body.push_str(&format!("{k}: {val}\n"));
        }
        if pending {
            let hours = self.config.registration.cease_delay_hours;
            body.push_str(&lang.pick(
                "L'utenza sarà attiva quando il titolare della registrazione precedente la cederà, o tra {h} ore.\n",
                "The account becomes active when the holder of the earlier registration gives it up, or in {h} hours.\n",
            ).replace("{h}", &hours.to_string()));
        }
        Effect::SendEmail {
            to: account.email().unwrap_or_default().to_owned(),
            subject: lang
                .pick("Registrazione completata", "Registration complete")
                .to_owned(),
            body: Zeroizing::new(body),
        }
    }

    /// The email to an earlier registration's owner: a newer one with
    /// their number and tax codes asks to cease it; the link confirms or
    /// refuses, and without an answer it happens when due.
    fn cease_email(&self, to: &str, url: &str) -> Effect {
        let lang = self.config.delivery.lang;
        let hours = self.config.registration.cease_delay_hours.to_string();
        let body = lang
            .pick(
                "Una nuova registrazione con il tuo numero e il tuo codice fiscale chiede di cessare la tua utenza. Se non l'hai chiesto tu, rifiuta entro {h} ore; altrimenti conferma, o lascia che la cessazione avvenga: {url}",
                "A new registration with your number and tax code asks to close your account. If you did not ask for it, refuse within {h} hours; otherwise confirm, or let the closing happen: {url}",
            )
            .replace("{h}", &hours)
            .replace("{url}", url);
        Effect::SendEmail {
            to: to.to_owned(),
            subject: lang
                .pick(
                    "Richiesta di cessazione della tua utenza",
                    "A request to close your account",
                )
                .to_owned(),
            body: Zeroizing::new(body),
        }
    }
}
