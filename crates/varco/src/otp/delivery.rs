//! Codes delivered by SMS or email (FLOWS F3): issue, verify, resend.
//!
//! A [`Challenge`] is the stored state of one code sent for one purpose. The
//! code itself exists only in the message effect; the challenge keeps an
//! HMAC-SHA-256 of it under a host key ([`CodeKeys`]), bound to the
//! challenge id and purpose. Every step takes the stored challenge and returns
//! the next one with its `revision` bumped, for the host to store with
//! compare-and-swap, plus the effects to carry out.
//!
//! ```
//! use varco::guard::DestinationBudget;
//! use varco::otp::{Challenge, CodeKeys, CodeOutcome, DeliveryConfig, Destination, IssueOutcome, Purpose};
//! use varco::effect::Effect;
//! use varco::Timestamp;
//!
//! let config = DeliveryConfig::new("Esempio");
//! let keys = CodeKeys::new("k1", vec![9; 32]).unwrap();
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let to = Destination::preferred(Some("+393331234567"), "mario@example.it");
//!
//! let issued = Challenge::issue(&config, &keys, Purpose::Registration, to, &DestinationBudget::default(), now, &mut rand::rng()).unwrap();
//! assert!(matches!(issued.outcome, IssueOutcome::Sent { .. }));
//! // The host sends the SMS; here we read the code out of it, as the user would.
//! let Effect::SendSms { text, .. } = &issued.effects[0] else { panic!() };
//! let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
//!
//! let challenge = issued.challenge.unwrap();
//! let step = challenge.verify(&config, &keys, "000000", Purpose::Registration, now);
//! assert!(matches!(step.outcome, CodeOutcome::Wrong { attempts_left: 4 }) || code == "000000");
//! let step = step.challenge.verify(&config, &keys, &code, Purpose::Registration, now);
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
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 6] = [
        Purpose::Login,
        Purpose::Registration,
        Purpose::Recovery,
        Purpose::Enrollment,
        Purpose::PasswordChange,
        Purpose::Activation,
    ];

    /// The stable name (`login`, `password_change`, ...), as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Registration => "registration",
            Purpose::Recovery => "recovery",
            Purpose::Enrollment => "enrollment",
            Purpose::PasswordChange => "password_change",
            Purpose::Activation => "activation",
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
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::InvalidOtpConfig(format!("unknown purpose {s:?}")))
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
    /// The longest validity allowed on this channel: 10 minutes for SMS
    /// (STANDARDS OOB-03), 24 hours for email (RC-02).
    pub fn max_ttl(self) -> Duration {
        match self {
            Channel::Sms => Duration::from_secs(10 * 60),
            Channel::Email => Duration::from_secs(24 * 3600),
        }
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
    keys: Vec<(String, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for CodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "CodeKeys {{ ids: {ids:?}, secrets: <redacted> }}")
    }
}

impl CodeKeys {
    /// The current key.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for an empty id (or over 32 bytes) or a
    /// secret shorter than 16 bytes.
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, Error> {
        Self::check(id, &secret)?;
        Ok(CodeKeys {
            keys: vec![(id.to_owned(), Zeroizing::new(secret))],
        })
    }

    /// Adds a retired key, for verification only.
    ///
    /// # Errors
    /// As [`CodeKeys::new`].
    pub fn with_old(mut self, id: &str, secret: Vec<u8>) -> Result<Self, Error> {
        Self::check(id, &secret)?;
        self.keys.push((id.to_owned(), Zeroizing::new(secret)));
        Ok(self)
    }

    fn check(id: &str, secret: &[u8]) -> Result<(), Error> {
        if id.is_empty() || id.len() > 32 || secret.len() < 16 || secret.len() > 1024 {
            return Err(Error::InvalidOtpConfig(
                "a code key needs an id of 1 to 32 bytes and a secret of 16 to 1024 bytes".into(),
            ));
        }
        Ok(())
    }

    fn current(&self) -> (&str, &[u8]) {
        (&self.keys[0].0, &self.keys[0].1)
    }

    fn get(&self, id: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, s)| s.as_slice())
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
    /// [`Error::Deserialize`] for malformed JSON, [`Error::InvalidOtpConfig`]
    /// for an invalid configuration.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let c: DeliveryConfig =
            serde_json::from_str(json).map_err(|e| Error::Deserialize(e.to_string()))?;
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
    /// Waiting for the code.
    Pending,
    /// The code was accepted; nothing more can happen.
    Consumed,
    /// The attempts ran out.
    Exhausted,
    /// The code expired (a resend can issue a new one).
    Expired,
}

/// The stored state of one delivery code. It never holds the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    version: u32,
    revision: u64,
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
    last_seen: Timestamp,
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
    /// The challenge is used or exhausted: start a new one.
    NotPending,
}

/// What issuing returns: the outcome, the challenge to store (none when
/// nothing was sent), the destination's budget to store, and the effects.
#[derive(Debug)]
pub struct Issued {
    /// What happened.
    pub outcome: IssueOutcome,
    /// The new challenge, if a code was sent.
    pub challenge: Option<Challenge>,
    /// The destination budget to store.
    pub budget: DestinationBudget,
    /// Send the message, write the audit event.
    pub effects: Vec<Effect>,
}

/// What a step on an existing challenge returns.
#[derive(Debug)]
pub struct Step<O> {
    /// What happened.
    pub outcome: O,
    /// The challenge to store (its revision is bumped).
    pub challenge: Challenge,
    /// The destination budget to store, for resends.
    pub budget: Option<DestinationBudget>,
    /// The effects to carry out.
    pub effects: Vec<Effect>,
}

impl Challenge {
    /// The serialized format's version.
    pub const FORMAT_VERSION: u32 = 1;

    /// Issues a code for `purpose` to `destination`: draws it from `rng`,
    /// renders the message, and returns the challenge that stores its keyed
    /// hash. Refuses (and sends nothing) when the destination's daily cap is
    /// reached.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] if `config` is invalid or the destination
    /// is empty.
    pub fn issue<R: CryptoRng + ?Sized>(
        config: &DeliveryConfig,
        keys: &CodeKeys,
        purpose: Purpose,
        destination: Destination,
        budget: &DestinationBudget,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Issued, Error> {
        config.validate()?;
        if destination.address.is_empty() || destination.address.len() > 320 {
            return Err(Error::InvalidOtpConfig(
                "destination must be 1 to 320 bytes".into(),
            ));
        }
        let mut id_bytes = [0u8; 16];
        rng.fill_bytes(&mut id_bytes);
        let id: String = id_bytes.iter().map(|b| format!("{b:02x}")).collect();
        if let Err(retry_at) = budget.check(now, config.daily_cap) {
            let event = AuditEvent::new(now, AuditKind::CodeSendRefused, &id)
                .detail("reason", "daily_cap")
                .detail("purpose", purpose.name());
            return Ok(Issued {
                outcome: IssueOutcome::DailyCapReached { retry_at },
                challenge: None,
                budget: budget.clone(),
                effects: vec![Effect::Audit(event)],
            });
        }
        let mut challenge = Challenge {
            version: Self::FORMAT_VERSION,
            revision: 0,
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
            last_seen: now,
        };
        let message = challenge.new_code(config, keys, now, rng);
        let event = AuditEvent::new(now, AuditKind::CodeIssued, &challenge.id)
            .detail("purpose", purpose.name())
            .detail(
                "channel",
                format!("{:?}", challenge.destination.channel).to_lowercase(),
            );
        Ok(Issued {
            outcome: IssueOutcome::Sent {
                expires_at: challenge.expires_at,
                next_resend_at: challenge.next_resend_at,
            },
            budget: budget.record(now, config.daily_cap),
            challenge: Some(challenge),
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

    /// The challenge's identifier (for audit, and to bind the host's form).
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
    /// Bumped by every step: store with compare-and-swap on it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// A copy for the next step: revision bumped, and the clock never going
    /// backwards (a host clock that jumps back cannot revive a code).
    fn advance(&self, now: Timestamp) -> (Challenge, Timestamp) {
        let mut next = self.clone();
        next.revision = self.revision.wrapping_add(1);
        next.last_seen = self.last_seen.max(now);
        let effective = next.last_seen;
        (next, effective)
    }

    /// Checks an entered code.
    pub fn verify(
        &self,
        config: &DeliveryConfig,
        keys: &CodeKeys,
        code: &str,
        purpose: Purpose,
        now: Timestamp,
    ) -> Step<CodeOutcome> {
        let (mut next, now) = self.advance(now);
        let event =
            |kind| AuditEvent::new(now, kind, &self.id).detail("purpose", self.purpose.name());
        let (outcome, kind) = match next.state {
            ChallengeState::Consumed => (CodeOutcome::AlreadyUsed, AuditKind::CodeReused),
            ChallengeState::Exhausted => (CodeOutcome::Exhausted, AuditKind::CodeExhausted),
            ChallengeState::Expired => (CodeOutcome::Expired, AuditKind::CodeExpired),
            ChallengeState::Pending if now >= next.expires_at => {
                next.state = ChallengeState::Expired;
                (CodeOutcome::Expired, AuditKind::CodeExpired)
            }
            ChallengeState::Pending => {
                let matches = purpose == next.purpose
                    && keys.get(&next.key_id).is_some_and(|key| {
                        let expected = next.mac.as_bytes();
                        let given = mac_hex(key, &next.id, next.purpose, &normalize_code(code));
                        bool::from(given.as_bytes().ct_eq(expected))
                    });
                if matches {
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
                }
            }
        };
        let e = event(kind).detail("attempts", next.attempts);
        Step {
            outcome,
            challenge: next,
            budget: None,
            effects: vec![Effect::Audit(e)],
        }
    }

    /// "Invia di nuovo": replaces the code with a new one (the old one stops
    /// working), keeps the attempt count, and spaces resends by a doubling
    /// cooldown, within the per-challenge and per-destination caps.
    pub fn resend<R: CryptoRng + ?Sized>(
        &self,
        config: &DeliveryConfig,
        keys: &CodeKeys,
        budget: &DestinationBudget,
        now: Timestamp,
        rng: &mut R,
    ) -> Step<ResendOutcome> {
        let (mut next, now) = self.advance(now);
        let refused = |next: Challenge, outcome, reason: &str| Step {
            outcome,
            challenge: next,
            budget: None,
            effects: vec![Effect::Audit(
                AuditEvent::new(now, AuditKind::CodeSendRefused, &self.id).detail("reason", reason),
            )],
        };
        if matches!(
            next.state,
            ChallengeState::Consumed | ChallengeState::Exhausted
        ) {
            return refused(next, ResendOutcome::NotPending, "not_pending");
        }
        if config.validate().is_err() {
            return refused(next, ResendOutcome::NotPending, "invalid_config");
        }
        if next.resends >= config.max_resends {
            return refused(next, ResendOutcome::LimitReached, "resend_limit");
        }
        if now < next.next_resend_at {
            let retry_at = next.next_resend_at;
            return refused(next, ResendOutcome::TooSoon { retry_at }, "cooldown");
        }
        if let Err(retry_at) = budget.check(now, config.daily_cap) {
            return refused(
                next,
                ResendOutcome::DailyCapReached { retry_at },
                "daily_cap",
            );
        }
        next.resends += 1;
        let message = next.new_code(config, keys, now, rng);
        let event = AuditEvent::new(now, AuditKind::CodeResent, &self.id)
            .detail("resends", next.resends)
            .detail("attempts", next.attempts);
        Step {
            outcome: ResendOutcome::Sent {
                expires_at: next.expires_at,
                next_resend_at: next.next_resend_at,
            },
            challenge: next,
            budget: Some(budget.record(now, config.daily_cap)),
            effects: vec![message, Effect::Audit(event)],
        }
    }

    /// Loads a stored challenge.
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON, [`Error::UnsupportedVersion`]
    /// for a newer format.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::load_json(json, |c: &Challenge| c.version, Self::FORMAT_VERSION)
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
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
        purpose.name().as_bytes(),
        code.as_bytes(),
    ] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
