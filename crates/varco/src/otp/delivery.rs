//! Codes delivered by SMS or email (FLOWS F3): issue, verify, resend.
//!
//! A [`Challenge`] is the stored state of one code sent for one purpose: a
//! record ([`Stored<Challenge>`]). The code itself exists only in the
//! message effect; the challenge keeps an HMAC-SHA-256 of it under a host
//! key ([`CodeKeys`]), bound to the challenge id and purpose. Every step
//! returns its outcome, its writes (each with the revision it replaces, for
//! compare-and-swap) and its effects. Issuing and resending also take and
//! return the destination's send budget ([`DestinationBudget`]), so the
//! daily cap never depends on the host remembering to pass it back.
//!
//! ```
//! use varco::guard::DestinationBudget;
//! use varco::otp::{Challenge, CodeKeys, CodeOutcome, DeliveryConfig, Destination, IssueOutcome, Purpose};
//! use varco::effect::Effect;
//! use varco::record::{Expect, Stored};
//! use varco::Timestamp;
//!
//! let config = DeliveryConfig::new("Esempio");
//! let keys = CodeKeys::new("k1", vec![9; 32]).unwrap();
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let to = Destination::preferred(Some("+393331234567"), "mario@example.it");
//! // The destination's stored budget, or a new one.
//! let budget = Stored::new(DestinationBudget::new(to.address()));
//!
//! let issued = Challenge::issue(&config, &keys, Purpose::Registration, to, &budget, now, &mut rand::rng()).unwrap();
//! assert!(matches!(issued.outcome, IssueOutcome::Sent { .. }));
//! // Two writes, in order: the budget, then the new challenge (must not exist).
//! let challenge = issued.writes.challenge.unwrap();
//! assert_eq!(challenge.expect, Expect::Absent);
//! // The host sends the SMS; here we read the code out of it, as the user would.
//! let Effect::SendSms { text, .. } = &issued.effects[0] else { panic!() };
//! let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
//!
//! let challenge = challenge.record;
//! let step = challenge.verify(&config, &keys, "000000", Purpose::Registration, now).unwrap();
//! assert!(matches!(step.outcome, CodeOutcome::Wrong { attempts_left: 4 }) || code == "000000");
//! let challenge = step.state_or(challenge);
//! let step = challenge.verify(&config, &keys, &code, Purpose::Registration, now).unwrap();
//! assert_eq!(step.outcome, CodeOutcome::Accepted);
//! ```

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::Templates;
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::DestinationBudget;
use crate::keys::KeyRing;
use crate::record::{Record, Stored};
use crate::step::{RecordStep, RecordWrite, Step, Write, Writes};
use crate::{Error, Lang, Timestamp};

/// What a code is for. A code issued for one purpose is refused for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Confirming an account's email address (a required action at
    /// sign-in).
    EmailVerification,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 7] = [
        Purpose::Login,
        Purpose::Registration,
        Purpose::Recovery,
        Purpose::Enrollment,
        Purpose::PasswordChange,
        Purpose::Activation,
        Purpose::EmailVerification,
    ];

    /// The stable name (`login`, `password_change`, ...), as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Registration => "registration",
            Purpose::Recovery => "recovery",
            Purpose::Enrollment => "enrollment",
            Purpose::PasswordChange => "password_change",
            Purpose::Activation => "activation",
            Purpose::EmailVerification => "email_verification",
        }
    }
}

impl std::str::FromStr for Purpose {
    type Err = Error;

    /// Parses a stable name.
    ///
    /// ```
    /// use varco::otp::Purpose;
    /// assert_eq!("password_change".parse::<Purpose>().unwrap(), Purpose::PasswordChange);
    /// assert!("nope".parse::<Purpose>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!("unknown purpose {:?}", crate::guard::clip(s)))
            })
    }
}

/// How a code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A text message to a mobile number.
    Sms,
    /// An email.
    Email,
}

impl Channel {
    /// Both channels.
    pub const ALL: [Channel; 2] = [Channel::Sms, Channel::Email];

    /// The stable name (`sms`, `email`), as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// The longest validity allowed on this channel: 10 minutes for SMS
    /// (STANDARDS OOB-03), 24 hours for email (RC-02).
    pub fn max_ttl(self) -> Duration {
        match self {
            Channel::Sms => Duration::from_secs(10 * 60),
            Channel::Email => Duration::from_secs(24 * 3600),
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = Error;

    /// Parses a stable name.
    ///
    /// ```
    /// use varco::otp::Channel;
    /// assert_eq!("sms".parse::<Channel>().unwrap(), Channel::Sms);
    /// assert_eq!("fax".parse::<Channel>().unwrap_err().code(), "invalid_input");
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!("unknown channel {:?}", crate::guard::clip(s)))
            })
    }
}

/// Where a code goes.
///
/// ```
/// use varco::otp::{Channel, Destination};
///
/// // SMS when there is a mobile number, email otherwise (seed 003).
/// assert_eq!(Destination::preferred(Some("+393331234567"), "a@b.it").channel(), Channel::Sms);
/// assert_eq!(Destination::preferred(None, "a@b.it").channel(), Channel::Email);
/// assert_eq!(Destination::preferred(Some("  "), "a@b.it").channel(), Channel::Email);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Destination {
    channel: Channel,
    address: String,
}

impl Destination {
    /// A mobile number (validated by the host; varco only trims it).
    pub fn sms(number: &str) -> Self {
        Destination {
            channel: Channel::Sms,
            address: number.trim().to_owned(),
        }
    }

    /// An email address.
    pub fn email(address: &str) -> Self {
        Destination {
            channel: Channel::Email,
            address: address.trim().to_owned(),
        }
    }

    /// SMS to the mobile number if there is one, else email (FLOWS F3).
    pub fn preferred(mobile: Option<&str>, email: &str) -> Self {
        match mobile.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => Destination::sms(m),
            None => Destination::email(email),
        }
    }

    /// The channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The number or address.
    pub fn address(&self) -> &str {
        &self.address
    }
}

/// The host secret(s) that key the stored code hashes: a current key, and
/// older ones kept to verify challenges issued before a rotation.
///
/// ```
/// use varco::otp::CodeKeys;
/// let keys = CodeKeys::new("2026a", vec![1; 32]).unwrap().with_old("2025b", vec![2; 32]).unwrap();
/// assert!(!format!("{keys:?}").contains("1, 1"));
/// assert!(CodeKeys::new("k", vec![1; 8]).is_err()); // at least 16 bytes
/// ```
#[derive(Clone)]
pub struct CodeKeys {
    ring: KeyRing,
}

impl std::fmt::Debug for CodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.ring.ids().collect();
        write!(f, "CodeKeys {{ ids: {ids:?}, secrets: <redacted> }}")
    }
}

impl CodeKeys {
    /// The shortest code key, in bytes.
    pub const MIN_LEN: usize = 16;

    /// The current key.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] for a bad id (1 to 32 ASCII letters, digits,
    /// `-` or `_`), [`Error::InvalidOtpConfig`] for a secret shorter than
    /// 16 bytes.
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, Error> {
        Self::from_ring(KeyRing::new(id, secret)?)
    }

    /// Adds a retired key, for verification only.
    ///
    /// # Errors
    /// As [`CodeKeys::new`], and [`Error::InvalidKey`] for an id already
    /// held.
    pub fn with_old(self, id: &str, secret: Vec<u8>) -> Result<Self, Error> {
        Self::from_ring(self.ring.with_old(id, secret)?)
    }

    /// Keys from a [`KeyRing`]: its current key keys new codes, all of them
    /// verify.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for a secret shorter than 16 bytes.
    pub fn from_ring(ring: KeyRing) -> Result<Self, Error> {
        ring.require(
            |_, secret| secret.len() >= Self::MIN_LEN,
            "a code key has at least 16 bytes",
            Error::InvalidOtpConfig,
        )?;
        Ok(CodeKeys { ring })
    }

    fn current(&self) -> (&str, &[u8]) {
        self.ring.current()
    }

    fn get(&self, id: &str) -> Option<&[u8]> {
        self.ring.get(id)
    }
}

/// The rules for delivery codes. Defaults: 6 digits, valid 5 minutes
/// (seed 002), 5 attempts, 3 resends per challenge spaced 30 s, 60 s, 120 s
/// (doubling, at most 10 minutes), 10 sends per destination per 24 hours,
/// Italian messages.
///
/// ```
/// use std::time::Duration;
/// use varco::otp::DeliveryConfig;
///
/// let c = DeliveryConfig::new("Esempio").with_digits(8).with_ttl(Duration::from_secs(600));
/// assert!(c.validate().is_ok());
/// assert!(DeliveryConfig::new("Esempio").with_digits(3).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// The service name shown in messages.
    pub service: String,
    /// The language of the messages.
    pub lang: Lang,
    /// Digits per code (6 to 10; NIST asks for at least 6).
    pub digits: u8,
    /// Validity, capped per channel by [`Channel::max_ttl`].
    #[serde(rename = "ttl_ms", with = "crate::time::duration_ms")]
    pub ttl: Duration,
    /// Wrong attempts allowed per challenge.
    pub max_attempts: u32,
    /// Resends allowed per challenge.
    pub max_resends: u32,
    /// Wait before the first resend; it doubles after each one.
    #[serde(rename = "resend_cooldown_ms", with = "crate::time::duration_ms")]
    pub resend_cooldown: Duration,
    /// The longest wait between resends.
    #[serde(rename = "resend_cooldown_max_ms", with = "crate::time::duration_ms")]
    pub resend_cooldown_max: Duration,
    /// Sends allowed per destination in any 24 hours (against SMS pumping).
    pub daily_cap: u32,
    /// The message texts.
    pub templates: Templates,
}

impl Default for DeliveryConfig {
    /// The defaults with an empty service name. In JSON, every field may be
    /// left out and takes its default (`{"service": "Esempio"}` is complete).
    fn default() -> Self {
        DeliveryConfig::new("")
    }
}

impl DeliveryConfig {
    /// Loads a configuration from JSON (missing fields take their
    /// defaults; unknown fields are refused; durations are milliseconds:
    /// `ttl_ms`, `resend_cooldown_ms`, `resend_cooldown_max_ms`) and
    /// validates it.
    ///
    /// ```
    /// use varco::otp::DeliveryConfig;
    /// let c = DeliveryConfig::from_json(r#"{"service":"Esempio","digits":8,"ttl_ms":120000}"#).unwrap();
    /// assert_eq!((c.digits, c.max_attempts, c.ttl.as_secs()), (8, 5, 120));
    /// assert!(DeliveryConfig::from_json(r#"{"digits":3}"#).is_err());
    /// assert!(DeliveryConfig::from_json(r#"{"digit":8}"#).is_err()); // misspelt
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for malformed JSON, unknown fields or an
    /// invalid configuration.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let c: DeliveryConfig = crate::error::parse_config(json, Error::InvalidOtpConfig)?;
        c.validate()?;
        Ok(c)
    }

    /// The defaults, for a service name.
    pub fn new(service: &str) -> Self {
        DeliveryConfig {
            service: service.to_owned(),
            lang: Lang::It,
            digits: 6,
            ttl: Duration::from_secs(5 * 60),
            max_attempts: 5,
            max_resends: 3,
            resend_cooldown: Duration::from_secs(30),
            resend_cooldown_max: Duration::from_secs(10 * 60),
            daily_cap: 10,
            templates: Templates::default(),
        }
    }

    /// Sets the digits.
    pub fn with_digits(mut self, digits: u8) -> Self {
        self.digits = digits;
        self
    }

    /// Sets the validity.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the language.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for digits outside 6..=10, a zero or
    /// over-24-hour validity, zero attempts, a cap above 1000, or invalid
    /// templates.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidOtpConfig(m.to_owned()));
        if !(6..=10).contains(&self.digits) {
            return bad("delivery codes have 6 to 10 digits");
        }
        if self.ttl.is_zero() || self.ttl > Channel::Email.max_ttl() {
            return bad("validity must be between 1 ms and 24 hours");
        }
        if self.max_attempts == 0 || self.max_attempts > 100 {
            return bad("attempts per challenge: 1 to 100 (NIST: at most 100)");
        }
        if self.max_resends > 100 || self.daily_cap == 0 || self.daily_cap > 1000 {
            return bad("resends: at most 100; daily cap: 1 to 1000");
        }
        if self.service.len() > 256 {
            return bad("service name: at most 256 bytes");
        }
        self.templates.validate()
    }
}

/// Where a challenge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeState {
    /// Waiting for the code (which may have expired: see
    /// [`Challenge::is_expired`]; a resend can issue a new one).
    Pending,
    /// The code was accepted; nothing more can happen.
    Consumed,
    /// The attempts ran out.
    Exhausted,
}

/// One code sent for one purpose to one destination: a record
/// ([`Stored<Challenge>`]) that never holds the code, only its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    id: String,
    purpose: Purpose,
    destination: Destination,
    key_id: String,
    mac: String,
    issued_at: Timestamp,
    expires_at: Timestamp,
    attempts: u32,
    resends: u32,
    next_resend_at: Timestamp,
    state: ChallengeState,
}

impl Record for Challenge {
    const KIND: &'static str = "challenge";
    const VERSION: u32 = 1;

    fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::Deserialize(format!("challenge: {m}")));
        if self.id.len() != 32 || !self.id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad("the id is 32 hex digits");
        }
        if self.mac.len() != 64 || self.key_id.is_empty() || self.key_id.len() > 32 {
            return bad("a 64-hex-digit code hash under a key id of 1 to 32 bytes");
        }
        if self.destination.address.is_empty() || self.destination.address.len() > 320 {
            return bad("the destination is 1 to 320 bytes");
        }
        if self.expires_at < self.issued_at || self.expires_at > Timestamp::LATEST {
            return bad("it expires after it was issued, before the year 9999");
        }
        Ok(())
    }

    /// The current code's expiry: a store may purge the record then (a
    /// resend after it starts a new challenge).
    fn expires_at(&self) -> Option<Timestamp> {
        Some(self.expires_at)
    }
}

/// The outcome of issuing a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
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
        /// When a send becomes possible again.
        retry_at: Timestamp,
    },
}

impl IssueOutcome {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"sent"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            IssueOutcome::Sent { .. } => "sent",
            IssueOutcome::DailyCapReached { .. } => "daily_cap_reached",
        }
    }
}

/// The outcome of entering a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CodeOutcome {
    /// Right code, in time, first use.
    Accepted,
    /// Wrong code; the user may try again.
    Wrong {
        /// Attempts left.
        attempts_left: u32,
    },
    /// The code expired: offer "request a new code" (a resend) or "retry".
    Expired,
    /// No attempts left: start over.
    Exhausted,
    /// The code was already used.
    AlreadyUsed,
    /// The code was issued for another purpose.
    WrongPurpose,
}

impl CodeOutcome {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"accepted"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            CodeOutcome::Accepted => "accepted",
            CodeOutcome::Wrong { .. } => "wrong",
            CodeOutcome::Expired => "expired",
            CodeOutcome::Exhausted => "exhausted",
            CodeOutcome::AlreadyUsed => "already_used",
            CodeOutcome::WrongPurpose => "wrong_purpose",
        }
    }
}

/// The outcome of "send again".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
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
        /// When a send becomes possible again.
        retry_at: Timestamp,
    },
    /// The challenge is used or exhausted, or the clock is behind what it
    /// has seen: start a new one.
    NotPending,
}

impl ResendOutcome {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"sent"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            ResendOutcome::Sent { .. } => "sent",
            ResendOutcome::TooSoon { .. } => "too_soon",
            ResendOutcome::LimitReached => "limit_reached",
            ResendOutcome::DailyCapReached { .. } => "daily_cap_reached",
            ResendOutcome::NotPending => "not_pending",
        }
    }
}

/// What issuing or resending a code writes, in commit order: the
/// destination's send budget (a restriction) first, then the challenge.
/// Both are `None` when nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryWrites {
    /// The destination's budget, with the send counted.
    pub budget: Option<Write<DestinationBudget>>,
    /// The challenge: new (must not exist) on issue, replaced on resend.
    pub challenge: Option<Write<Challenge>>,
}

impl Writes for DeliveryWrites {
    fn record_writes(&self) -> Vec<RecordWrite> {
        let mut all = self.budget.record_writes();
        all.extend(self.challenge.record_writes());
        all
    }
}

/// A delivery step that sent nothing.
fn nothing_sent<O>(outcome: O, event: AuditEvent) -> Step<O, DeliveryWrites> {
    Step {
        outcome,
        writes: DeliveryWrites {
            budget: None,
            challenge: None,
        },
        effects: vec![Effect::Audit(event)],
    }
}

/// The destination's budget, checked to be this destination's.
fn budget_for<'a>(
    budget: &'a Stored<DestinationBudget>,
    destination: &Destination,
) -> Result<&'a Stored<DestinationBudget>, Error> {
    if !budget.body().is_for(&destination.address) {
        return Err(Error::InvalidInput(
            "the destination budget given is another destination's".into(),
        ));
    }
    Ok(budget)
}

impl Challenge {
    /// Issues a code for `purpose` to `destination`: draws it from `rng`,
    /// renders the message, and returns the new challenge (a record that
    /// must not exist yet) and the destination's budget with the send
    /// counted. When the destination's daily cap is reached nothing is sent
    /// and nothing is written. `budget` is the destination's stored budget
    /// (`Stored::new(DestinationBudget::new(address))` when it has none):
    /// the first write of a new one is "must not exist", so a host that
    /// forgot a stored budget gets a conflict, not a fresh cap.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] if `config` is invalid or the destination
    /// is empty; [`Error::InvalidInput`] for another destination's budget;
    /// [`Error::InvalidTime`] for a broken clock.
    pub fn issue<R: CryptoRng + ?Sized>(
        config: &DeliveryConfig,
        keys: &CodeKeys,
        purpose: Purpose,
        destination: Destination,
        budget: &Stored<DestinationBudget>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Step<IssueOutcome, DeliveryWrites>, Error> {
        config.validate()?;
        if destination.address.is_empty() || destination.address.len() > 320 {
            return Err(Error::InvalidOtpConfig(
                "destination must be 1 to 320 bytes".into(),
            ));
        }
        let budget = budget_for(budget, &destination)?;
        let now = budget.effective_time(now)?;
        let mut id_bytes = [0u8; 16];
        rng.fill_bytes(&mut id_bytes);
        let id = data_encoding::HEXLOWER.encode(&id_bytes);
        if let Err(retry_at) = budget.body().check(now, config.daily_cap) {
            let event = AuditEvent::new(now, AuditKind::CodeSendRefused, &id)
                .detail("reason", "daily_cap")
                .detail("purpose", purpose.as_str());
            return Ok(nothing_sent(
                IssueOutcome::DailyCapReached { retry_at },
                event,
            ));
        }
        let mut challenge = Challenge {
            id,
            purpose,
            destination,
            key_id: String::new(),
            mac: String::new(),
            issued_at: now,
            expires_at: now,
            attempts: 0,
            resends: 0,
            next_resend_at: now,
            state: ChallengeState::Pending,
        };
        let message = challenge.new_code(config, keys, now, rng);
        let event = AuditEvent::new(now, AuditKind::CodeIssued, &challenge.id)
            .detail("purpose", purpose.as_str())
            .detail("channel", challenge.destination.channel.as_str());
        let outcome = IssueOutcome::Sent {
            expires_at: challenge.expires_at,
            next_resend_at: challenge.next_resend_at,
        };
        let counted = budget.body().record(now, config.daily_cap);
        let new = Stored::new(challenge);
        let record = new.next(new.body().clone(), now)?;
        Ok(Step {
            outcome,
            writes: DeliveryWrites {
                budget: Some(Write::replacing(budget, budget.next(counted, now)?)),
                challenge: Some(Write::replacing(&new, record)),
            },
            effects: vec![message, Effect::Audit(event)],
        })
    }

    /// Draws a new code, stores its keyed hash, sets expiry and the next
    /// resend time, and returns the message effect.
    fn new_code<R: CryptoRng + ?Sized>(
        &mut self,
        config: &DeliveryConfig,
        keys: &CodeKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Effect {
        let code = draw_code(config.digits, rng);
        let (key_id, key) = keys.current();
        self.key_id = key_id.to_owned();
        self.mac = mac_hex(key, &self.id, self.purpose, &code);
        let ttl = config.ttl.min(self.destination.channel.max_ttl());
        self.expires_at = now + ttl;
        let wait = config
            .resend_cooldown
            .saturating_mul(1u32 << self.resends.min(16))
            .min(config.resend_cooldown_max);
        self.next_resend_at = now + wait;
        self.state = ChallengeState::Pending;
        let minutes = ttl.as_secs().div_ceil(60);
        let to = self.destination.address.clone();
        match self.destination.channel {
            Channel::Sms => Effect::SendSms {
                to,
                text: config.templates.sms(
                    config.lang,
                    &code,
                    minutes,
                    &config.service,
                    self.purpose,
                ),
            },
            Channel::Email => {
                let (subject, body) = config.templates.email(
                    config.lang,
                    &code,
                    minutes,
                    &config.service,
                    self.purpose,
                );
                Effect::SendEmail { to, subject, body }
            }
        }
    }

    /// The challenge's identifier (for audit, and to key the record).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The purpose the code was issued for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    /// Where the code was sent.
    pub fn destination(&self) -> &Destination {
        &self.destination
    }
    /// Where the challenge stands.
    pub fn state(&self) -> ChallengeState {
        self.state
    }
    /// When the current code expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// Whether the current code has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
    /// Wrong attempts so far (never reset by a resend).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Resends so far.
    pub fn resends(&self) -> u32 {
        self.resends
    }
    /// When the next resend becomes possible.
    pub fn next_resend_at(&self) -> Timestamp {
        self.next_resend_at
    }
}

impl Stored<Challenge> {
    /// Checks an entered code. A right or wrong code writes the challenge
    /// (consumed, or one attempt more); a used or exhausted one writes
    /// nothing, nor does an expired one, except the first time the code is
    /// found expired: that write keeps the time, so that a clock set back
    /// cannot revive the code. A `now` more than [`CLOCK_SKEW`](crate::record::CLOCK_SKEW)
    /// behind what the challenge has seen counts as expired: a code issued
    /// while the clock had jumped ahead does not stay valid until real time
    /// catches up.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    #[inline]
    pub fn verify(
        &self,
        config: &DeliveryConfig,
        keys: &CodeKeys,
        code: &str,
        purpose: Purpose,
        now: Timestamp,
    ) -> Result<RecordStep<CodeOutcome, Challenge>, Error> {
        let went_back = self.clock_went_back(now);
        let now = self.effective_time(now)?;
        let current = self.body();
        let event = |kind| {
            AuditEvent::new(now, kind, &current.id).detail("purpose", current.purpose.as_str())
        };
        let refused = |outcome, kind| Step {
            outcome,
            writes: None,
            effects: vec![Effect::Audit(
                event(kind).detail("attempts", current.attempts),
            )],
        };
        match current.state {
            ChallengeState::Consumed => {
                return Ok(refused(CodeOutcome::AlreadyUsed, AuditKind::CodeReused));
            }
            ChallengeState::Exhausted => {
                return Ok(refused(CodeOutcome::Exhausted, AuditKind::CodeExhausted));
            }
            ChallengeState::Pending if went_back || current.is_expired(now) => {
                let mut step = refused(CodeOutcome::Expired, AuditKind::CodeExpired);
                step.writes = self.expiry_seen(now, went_back)?;
                return Ok(step);
            }
            ChallengeState::Pending => {}
        }
        let mut next = current.clone();
        let matches = purpose == next.purpose
            && keys.get(&next.key_id).is_some_and(|key| {
                let expected = next.mac.as_bytes();
                let given = mac_hex(key, &next.id, next.purpose, &normalize_code(code));
                bool::from(given.as_bytes().ct_eq(expected))
            });
        let (outcome, kind) = if matches {
            next.state = ChallengeState::Consumed;
            (CodeOutcome::Accepted, AuditKind::CodeAccepted)
        } else {
            next.attempts = next.attempts.saturating_add(1);
            let left = config.max_attempts.saturating_sub(next.attempts);
            if left == 0 {
                next.state = ChallengeState::Exhausted;
            }
            match (purpose == next.purpose, left) {
                (false, _) => (CodeOutcome::WrongPurpose, AuditKind::CodeWrongPurpose),
                (true, 0) => (CodeOutcome::Exhausted, AuditKind::CodeExhausted),
                (true, left) => (
                    CodeOutcome::Wrong {
                        attempts_left: left,
                    },
                    AuditKind::CodeRejected,
                ),
            }
        };
        let e = event(kind).detail("attempts", next.attempts);
        Ok(Step {
            outcome,
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: vec![Effect::Audit(e)],
        })
    }

    /// The write that keeps the time the first time a step finds the
    /// pending code expired, so that a clock set back later cannot revive
    /// it; `None` otherwise (refusals write nothing).
    fn expiry_seen(
        &self,
        now: Timestamp,
        went_back: bool,
    ) -> Result<Option<Write<Challenge>>, Error> {
        let current = self.body();
        let first_seen = current.state == ChallengeState::Pending
            && current.is_expired(now)
            && self.last_seen() < current.expires_at
            && !went_back;
        if !first_seen {
            return Ok(None);
        }
        Ok(Some(Write::replacing(
            self,
            self.next(current.clone(), now)?,
        )))
    }

    /// "Invia di nuovo": replaces the code with a new one (the old one stops
    /// working), keeps the attempt count, and spaces resends by a doubling
    /// cooldown, within the per-challenge and per-destination caps. A
    /// refusal (too soon, a cap, not pending) sends nothing and writes
    /// nothing, except, as in [`verify`](Self::verify), the first time the
    /// code is found expired.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for an invalid configuration,
    /// [`Error::InvalidInput`] for another destination's budget,
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn resend<R: CryptoRng + ?Sized>(
        &self,
        config: &DeliveryConfig,
        keys: &CodeKeys,
        budget: &Stored<DestinationBudget>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Step<ResendOutcome, DeliveryWrites>, Error> {
        config.validate()?;
        let current = self.body();
        let budget = budget_for(budget, &current.destination)?;
        let went_back = self.clock_went_back(now);
        let now = self.effective_time(now)?.max(budget.effective_time(now)?);
        let refused = |outcome, reason: &str| {
            let event = AuditEvent::new(now, AuditKind::CodeSendRefused, &current.id)
                .detail("reason", reason);
            let mut step = nothing_sent(outcome, event);
            step.writes.challenge = self.expiry_seen(now, went_back)?;
            Ok(step)
        };
        if went_back
            || matches!(
                current.state,
                ChallengeState::Consumed | ChallengeState::Exhausted
            )
        {
            return refused(ResendOutcome::NotPending, "not_pending");
        }
        if current.resends >= config.max_resends {
            return refused(ResendOutcome::LimitReached, "resend_limit");
        }
        if now < current.next_resend_at {
            let retry_at = current.next_resend_at;
            return refused(ResendOutcome::TooSoon { retry_at }, "cooldown");
        }
        if let Err(retry_at) = budget.body().check(now, config.daily_cap) {
            return refused(ResendOutcome::DailyCapReached { retry_at }, "daily_cap");
        }
        let mut next = current.clone();
        next.resends += 1;
        let message = next.new_code(config, keys, now, rng);
        let event = AuditEvent::new(now, AuditKind::CodeResent, &current.id)
            .detail("resends", next.resends)
            .detail("attempts", next.attempts);
        let outcome = ResendOutcome::Sent {
            expires_at: next.expires_at,
            next_resend_at: next.next_resend_at,
        };
        let counted = budget.body().record(now, config.daily_cap);
        Ok(Step {
            outcome,
            writes: DeliveryWrites {
                budget: Some(Write::replacing(budget, budget.next(counted, now)?)),
                challenge: Some(Write::replacing(self, self.next(next, now)?)),
            },
            effects: vec![message, Effect::Audit(event)],
        })
    }
}

/// A uniformly random code of `digits` digits (rejection sampling).
fn draw_code<R: CryptoRng + ?Sized>(digits: u8, rng: &mut R) -> Zeroizing<String> {
    let modulus = 10u64.pow(u32::from(digits));
    let limit = u64::MAX - (u64::MAX % modulus);
    loop {
        let v = rng.next_u64();
        if v < limit {
            return Zeroizing::new(format!(
                "{:0width$}",
                v % modulus,
                width = usize::from(digits)
            ));
        }
    }
}

/// What the user typed, without spaces or hyphens; anything else is kept so
/// that it simply fails to match.
fn normalize_code(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .take(64)
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect(),
    )
}

/// HMAC-SHA-256 over the challenge id, purpose and code, in hex.
fn mac_hex(key: &[u8], id: &str, purpose: Purpose, code: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    for part in [
        b"varco/delivery-code/v1".as_slice(),
        id.as_bytes(),
        purpose.as_str().as_bytes(),
        code.as_bytes(),
    ] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}
