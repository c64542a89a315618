//! Codes sent by SMS or email (FLOWS F3): issue, verify, send again.

use std::sync::Arc;

use varco::Timestamp;
use varco::guard::DestinationBudget;
use varco::otp::{
    Challenge, Channel, CodeKeys, CodeOutcome, DeliveryConfig, Destination, IssueOutcome, Purpose,
    ResendOutcome,
};
use varco::record::Stored;

use crate::effect::effects;
use crate::record::{Write, writes};
use crate::{Effect, HostKey, VarcoError, at_ms};

/// What a code is for (the core's `varco::otp::Purpose`).
#[uniffi::remote(Enum)]
pub enum Purpose {
    /// Second factor at login.
    Login,
    /// Verifying a mobile number or email while registering.
    Registration,
    /// Password or username recovery.
    Recovery,
    /// Adding a recovery mobile or another authenticator.
    Enrollment,
    /// Confirming a password change.
    PasswordChange,
    /// Activating an account created by an operator or an administrator.
    Activation,
    /// Confirming an account's email address.
    EmailVerification,
}

/// How a code travels (the core's `varco::otp::Channel`).
#[uniffi::remote(Enum)]
pub enum Channel {
    /// A text message to a mobile number.
    Sms,
    /// An email.
    Email,
}

/// The outcome of issuing a code (the core's `varco::otp::IssueOutcome`;
/// times are Unix ms).
#[uniffi::remote(Enum)]
pub enum IssueOutcome {
    /// A code was sent.
    Sent {
        /// When it stops working.
        expires_at: Timestamp,
        /// When "send again" becomes possible.
        next_resend_at: Timestamp,
    },
    /// Nothing was sent: the destination's daily cap is reached.
    DailyCapReached {
        /// When a send becomes possible.
        retry_at: Timestamp,
    },
}

/// The outcome of entering a code (the core's `varco::otp::CodeOutcome`).
#[uniffi::remote(Enum)]
pub enum CodeOutcome {
    /// Right code, in time, first use.
    Accepted,
    /// Wrong code; the user may try again.
    Wrong {
        /// Attempts left.
        attempts_left: u32,
    },
    /// The code expired: offer a new one.
    Expired,
    /// No attempts left: start over.
    Exhausted,
    /// The code was already used.
    AlreadyUsed,
    /// The code was issued for another purpose.
    WrongPurpose,
}

/// The outcome of "send again" (the core's `varco::otp::ResendOutcome`).
#[uniffi::remote(Enum)]
pub enum ResendOutcome {
    /// A new code was sent; the old one no longer works.
    Sent {
        /// When the new code stops working.
        expires_at: Timestamp,
        /// When the next resend becomes possible.
        next_resend_at: Timestamp,
    },
    /// Too soon after the last send.
    TooSoon {
        /// When a resend becomes possible.
        retry_at: Timestamp,
    },
    /// This challenge's resends are used up.
    LimitReached,
    /// The destination's daily cap is reached.
    DailyCapReached {
        /// When a send becomes possible.
        retry_at: Timestamp,
    },
    /// The challenge is used or exhausted, or the clock is behind what it
    /// has seen: start a new one.
    NotPending,
}

/// What issuing returns: the outcome, the writes (the destination's
/// budget, kind `destination_budget`, then the new challenge, kind
/// `challenge`; none when nothing was sent), the effects.
#[derive(Debug, Clone, uniffi::Record)]
pub struct IssueStep {
    /// What happened.
    pub outcome: IssueOutcome,
    /// The challenge's id, to key its record by (none when nothing was sent).
    pub challenge_id: Option<String>,
    /// What to store, in order, each with compare-and-swap.
    pub writes: Vec<Write>,
    /// Send the message; write the audit event.
    pub effects: Vec<Effect>,
}

/// What "send again" returns: as [`IssueStep`].
#[derive(Debug, Clone, uniffi::Record)]
pub struct ResendStep {
    /// What happened.
    pub outcome: ResendOutcome,
    /// What to store, in order, each with compare-and-swap (the budget,
    /// then the challenge; none when nothing was sent).
    pub writes: Vec<Write>,
    /// Send the message; write the audit event.
    pub effects: Vec<Effect>,
}

/// What entering a code returns.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CodeStep {
    /// What happened.
    pub outcome: CodeOutcome,
    /// The challenge to store, when it changed (compare-and-swap).
    pub writes: Vec<Write>,
    /// The effects (an audit event).
    pub effects: Vec<Effect>,
}

/// Delivery codes: a configuration and the keys of the stored code hashes.
/// Thread-safe; create one per process.
#[derive(uniffi::Object)]
pub struct Delivery {
    config: DeliveryConfig,
    keys: CodeKeys,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Delivery {{ config: {:?}, keys: {:?} }}",
            self.config, self.keys
        )
    }
}

#[uniffi::export]
impl Delivery {
    /// A configuration as JSON (every field optional:
    /// `{"service":"Esempio","lang":"en","digits":6}`), and the code-hash
    /// keys (the first is current; each at least 16 bytes).
    #[uniffi::constructor]
    pub fn new(config_json: String, keys: Vec<Arc<HostKey>>) -> Result<Self, VarcoError> {
        Ok(Delivery {
            config: DeliveryConfig::from_json(&config_json)?,
            keys: crate::keys::code_keys(&keys)?,
        })
    }

    /// Sends a code for `purpose` by `channel` to `address`. `budget` is the
    /// destination's stored budget record (none the first time: its write
    /// is then "must not exist").
    pub fn issue(
        &self,
        purpose: Purpose,
        channel: Channel,
        address: String,
        budget: Option<String>,
        now_ms: i64,
    ) -> Result<IssueStep, VarcoError> {
        let destination = match channel {
            Channel::Sms => Destination::sms(&address),
            Channel::Email => Destination::email(&address),
        };
        let budget = Stored::load_or(budget.as_deref(), || DestinationBudget::new(&address))?;
        let s = Challenge::issue(
            &self.config,
            &self.keys,
            purpose,
            destination,
            &budget,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        Ok(IssueStep {
            challenge_id: s
                .writes
                .challenge
                .as_ref()
                .map(|w| w.record.body().id().to_owned()),
            writes: writes(&s.writes),
            outcome: s.outcome,
            effects: effects(s.effects),
        })
    }

    /// Checks an entered code against a stored challenge.
    pub fn verify(
        &self,
        challenge: String,
        code: String,
        purpose: Purpose,
        now_ms: i64,
    ) -> Result<CodeStep, VarcoError> {
        let code = zeroize::Zeroizing::new(code);
        let c = Stored::<Challenge>::from_json(&challenge)?;
        let step = c.verify(&self.config, &self.keys, &code, purpose, at_ms(now_ms)?)?;
        Ok(CodeStep {
            outcome: step.outcome,
            writes: writes(&step.writes),
            effects: effects(step.effects),
        })
    }

    /// "Send again": a new code replaces the old one; attempts are kept.
    /// `budget` is the destination's stored budget record.
    pub fn resend(
        &self,
        challenge: String,
        budget: Option<String>,
        now_ms: i64,
    ) -> Result<ResendStep, VarcoError> {
        let c = Stored::<Challenge>::from_json(&challenge)?;
        let to = c.body().destination().address().to_owned();
        let budget = Stored::load_or(budget.as_deref(), || DestinationBudget::new(&to))?;
        let s = c.resend(
            &self.config,
            &self.keys,
            &budget,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        Ok(ResendStep {
            writes: writes(&s.writes),
            outcome: s.outcome,
            effects: effects(s.effects),
        })
    }
}
