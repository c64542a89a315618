//! Facts only the host knows: a captcha's verdict, a code that could not
//! be delivered. They come through [`FlowEngine::answer`], never through
//! the user's input, so a host that forwards the user's JSON cannot be
//! tricked into forging them (ENGINE §6.23): no [`Input`](super::Input)
//! carries one, and a flow that awaits the host takes no input but
//! `cancel`.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use super::engine::{FlowEngine, Work, source_key};
use super::records::Records;
use super::state::{Flow, State};
use super::step::{FlowOutcome, FlowStep, Rejection};
use super::view::{HostQuestion, ViewError};
use crate::effect::Effect;
use crate::guard::FailureCounter;
use crate::record::Stored;
use crate::{Error, Timestamp};

/// One fact the host reports to a flow. In JSON,
/// `{"fact":"captcha","passed":true}` or `{"fact":"delivery_failed"}`; an
/// unknown fact or field is refused.
///
/// ```
/// use varco::flow::HostFact;
///
/// assert_eq!(HostFact::from_json(r#"{"fact":"captcha","passed":false}"#).unwrap(), HostFact::Captcha { passed: false });
/// assert_eq!(HostFact::from_json(r#"{"fact":"delivery_failed"}"#).unwrap().as_str(), "delivery_failed");
/// assert_eq!(HostFact::from_json(r#"{"fact":"captcha"}"#).unwrap_err().code(), "invalid_input");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case", deny_unknown_fields)]
pub enum HostFact {
    /// The verdict of the captcha the flow asked for
    /// ([`HostQuestion::Captcha`]).
    Captcha {
        /// Whether the human check passed.
        passed: bool,
    },
    /// The code of the flow's code screen could not be delivered (the SMS
    /// gateway or the mail server said so). Report it with the step token
    /// of the step whose effect carried the code: a report about an older
    /// code (the user sent it again since) changes nothing.
    DeliveryFailed,
    /// The answer to [`HostQuestion::EligibleContract`].
    EligibleContract {
        /// Whether the mobile is on a contract that may register.
        eligible: bool,
    },
    /// The answer to [`HostQuestion::Duplicate`].
    Duplicate {
        /// The account of the earlier registration with the same number
        /// and tax codes, if there is one.
        #[serde(default)]
        account: Option<String>,
    },
    /// The answer to [`HostQuestion::IsPec`].
    IsPec {
        /// Whether the address is certified mail.
        pec: bool,
    },
}

impl HostFact {
    /// Reads a fact from JSON (at most 64 KiB).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON, an unknown fact or field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::tagged_from_json(json, "host fact", "fact", |f: &HostFact| {
            matches!(f, HostFact::DeliveryFailed)
        })
    }

    /// The stable name (`captcha`, `delivery_failed`).
    pub fn as_str(&self) -> &'static str {
        match self {
            HostFact::Captcha { .. } => "captcha",
            HostFact::DeliveryFailed => "delivery_failed",
            HostFact::EligibleContract { .. } => "eligible_contract",
            HostFact::Duplicate { .. } => "duplicate",
            HostFact::IsPec { .. } => "is_pec",
        }
    }
}

impl FlowEngine {
    /// Takes a fact from the host (ENGINE §3): the answer to the flow's
    /// [`HostQuestion`], or a report about one of its effects. `token` is
    /// the step token of the view the fact is about; a stale one (the flow
    /// moved on) changes nothing. There is no client secret: facts come
    /// from the host's own side, never from the client.
    ///
    /// ```
    /// # use varco::flow::*;
    /// # use varco::keys::KeyRing;
    /// # use varco::record::Stored;
    /// # use varco::Timestamp;
    /// # let keys = EngineKeys {
    /// #     codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
    /// #     sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
    /// #     decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
    /// #     peppers: None,
    /// # };
    /// let engine = FlowEngine::from_json("{}", keys).unwrap();
    /// let now = Timestamp::from_unix_seconds(1_800_000_000);
    /// let started = engine.start(FlowKind::Login, &StartContext::default(), now, &mut rand::rng()).unwrap();
    /// let WriteOp::Put { json, .. } = &started.step.writes[0].op else { unreachable!() };
    /// let flow = Stored::<Flow>::from_json(json).unwrap();
    /// // The new flow asks for an identifier, not a captcha: the fact is refused.
    /// let fact = HostFact::Captcha { passed: true };
    /// let err = engine.answer(&flow, &flow.body().token(), &fact, &Records::new(), now, &mut rand::rng()).unwrap_err();
    /// assert_eq!(err.code(), "invalid_input");
    /// // An old token: nothing changes.
    /// let step = engine.answer(&flow, "0", &fact, &Records::new(), now, &mut rand::rng()).unwrap();
    /// assert!(step.writes.is_empty() && step.outcome == FlowOutcome::Stale);
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a fact the flow's state does not await;
    /// a stored record's own error for one that is malformed;
    /// [`Error::InvalidTime`] for a broken clock. On `Err` there are no
    /// writes and no effects.
    pub fn answer<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        token: &str,
        fact: &HostFact,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        records.check()?;
        let (f, now) = match self.gate(flow, now)? {
            Ok(open) => open,
            Err(step) => return Ok(step),
        };
        if token != f.token() {
            return Ok(self.unchanged(f, FlowOutcome::Stale));
        }
        if f.kind.is_registration() {
            return self.registration_fact(flow, fact, records, now, rng);
        }
        let mut next = f.clone();
        let mut work = Work::new();
        let outcome = match (&f.state, fact) {
            (
                State::AwaitingHost {
                    question: HostQuestion::Captcha,
                },
                HostFact::Captcha { passed },
            ) => {
                self.moved(&mut next);
                work.effects.push(Effect::Audit(
                    self.audit(f, now, "captcha").detail("passed", *passed),
                ));
                if *passed {
                    next.captcha = true;
                    next.state = match f.kind {
                        // A username recovery asks the number next.
                        super::FlowKind::UsernameRecovery => State::EnterMobile,
                        _ => State::Password,
                    };
                    FlowOutcome::Moved
                } else {
                    next.error = Some(ViewError::CaptchaFailed);
                    FlowOutcome::Rejected {
                        reason: Rejection::CaptchaFailed,
                    }
                }
            }
            (State::Code { channel, .. }, HostFact::DeliveryFailed) => {
                // The user learns it (the password has passed: the code
                // screen is past proof) and may send again or choose
                // another method. The code stays valid should it arrive.
                self.moved(&mut next);
                if f.methods.len() > 1 {
                    next.state = State::ChooseMethod;
                }
                next.error = Some(ViewError::NotDelivered);
                work.effects.push(Effect::Audit(
                    self.audit(f, now, "delivery_failed")
                        .detail("channel", channel.as_str()),
                ));
                FlowOutcome::Moved
            }
            (_, fact) => {
                return Err(Error::InvalidInput(format!(
                    "the {} screen does not await the fact {}",
                    self.view_of(f).screen.as_str(),
                    fact.as_str()
                )));
            }
        };
        self.respond(flow, next, outcome, work, now)
    }

    /// Whether the next password attempt needs a captcha first: the engine
    /// asks for one, the flow has a source that failed `captcha_after`
    /// times (its counter loaded), and no captcha passed in this flow is
    /// waiting to be spent. About the source only, never the account.
    pub(crate) fn wants_captcha(&self, f: &Flow, records: &Records) -> Result<bool, Error> {
        let (n @ 1.., Some(source), false) = (self.config.captcha_after, &f.source, f.captcha)
        else {
            return Ok(false);
        };
        let key = source_key(source);
        if !records.is_loaded(&key) {
            return Ok(false);
        }
        Ok(records
            .load::<FailureCounter>(&key)?
            .present()
            .is_some_and(|c| c.body().consecutive() >= n))
    }

    /// The record the captcha rule reads at identify, if it reads one.
    pub(crate) fn captcha_key(&self, f: &Flow) -> Option<String> {
        (self.config.captcha_after > 0)
            .then_some(f.source.as_deref())
            .flatten()
            .map(source_key)
    }

    /// Asks the host for a captcha instead of taking the password.
    pub(crate) fn ask_captcha(&self, next: &mut Flow) {
        self.moved(next);
        next.state = State::AwaitingHost {
            question: HostQuestion::Captcha,
        };
    }
}
