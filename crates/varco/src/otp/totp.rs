//! TOTP (RFC 6238): time-based codes, a bounded window, and no replay.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::algorithm::{KeyedMac, check_digits, format_code, parse_code, same};
use super::{Algorithm, Enrollment, OtpOutcome, OtpSecret};
use crate::record::Stored;
use crate::seal::{Sealed, SealedBody, SealingKeys};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// How codes are made and accepted: algorithm, digits, period, T0, and the
/// window of steps accepted behind and ahead of the current one.
///
/// The default is what every authenticator app does (SHA-1, 6 digits, 30 s,
/// T0 = 0) with one step of tolerance each way (STANDARDS OTP-06).
///
/// ```
/// use varco::otp::TotpConfig;
///
/// let c = TotpConfig::default();
/// assert_eq!((c.digits(), c.period_secs(), c.behind(), c.ahead()), (6, 30, 1, 1));
/// assert!(TotpConfig::new(varco::otp::Algorithm::Sha1, 9, 30, 0, 1, 1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "TotpConfigFields")]
pub struct TotpConfig {
    algorithm: Algorithm,
    digits: u8,
    period_secs: u64,
    t0_secs: u64,
    behind: u8,
    ahead: u8,
}

/// `TotpConfig` as read: checked by [`TotpConfig::new`], so that a stored
/// credential with a zero period or a huge window never loads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TotpConfigFields {
    algorithm: Algorithm,
    digits: u8,
    period_secs: u64,
    t0_secs: u64,
    behind: u8,
    ahead: u8,
}

impl TryFrom<TotpConfigFields> for TotpConfig {
    type Error = Error;

    fn try_from(f: TotpConfigFields) -> Result<Self, Error> {
        TotpConfig::new(
            f.algorithm,
            f.digits,
            f.period_secs,
            f.t0_secs,
            f.behind,
            f.ahead,
        )
    }
}

impl Default for TotpConfig {
    fn default() -> Self {
        TotpConfig {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period_secs: 30,
            t0_secs: 0,
            behind: 1,
            ahead: 1,
        }
    }
}

/// `TotpConfig` as a host writes it: every field optional, the defaults
/// filled in.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TotpConfigInput {
    algorithm: Algorithm,
    digits: u8,
    period_secs: u64,
    t0_secs: u64,
    behind: u8,
    ahead: u8,
}

impl Default for TotpConfigInput {
    fn default() -> Self {
        let d = TotpConfig::default();
        TotpConfigInput {
            algorithm: d.algorithm,
            digits: d.digits,
            period_secs: d.period_secs,
            t0_secs: d.t0_secs,
            behind: d.behind,
            ahead: d.ahead,
        }
    }
}

impl TotpConfig {
    /// The largest window accepted on either side.
    pub const MAX_SKEW: u8 = 10;

    /// A configuration from JSON, every field optional (the defaults:
    /// `{"algorithm":"SHA1","digits":6,"period_secs":30,"t0_secs":0,
    /// "behind":1,"ahead":1}`), validated as [`TotpConfig::new`].
    ///
    /// ```
    /// use varco::otp::TotpConfig;
    ///
    /// let c = TotpConfig::from_json(r#"{"digits":8,"t0_secs":60,"behind":2}"#).unwrap();
    /// assert_eq!((c.digits(), c.period_secs(), c.t0_secs(), c.behind(), c.ahead()), (8, 30, 60, 2, 1));
    /// assert_eq!(TotpConfig::from_json("{}").unwrap(), TotpConfig::default());
    /// assert_eq!(TotpConfig::from_json(r#"{"period_secs":0}"#).unwrap_err().code(), "invalid_otp_config");
    /// assert!(TotpConfig::from_json(r#"{"perid_secs":30}"#).is_err()); // misspelt
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for malformed JSON, an unknown field or
    /// a value out of range.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let f: TotpConfigInput = crate::error::parse_config(json, Error::InvalidOtpConfig)?;
        TotpConfig::new(
            f.algorithm,
            f.digits,
            f.period_secs,
            f.t0_secs,
            f.behind,
            f.ahead,
        )
    }

    /// A validated configuration.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] unless digits is 6 to 8, the period 1 s
    /// to 1 hour, and each side of the window at most 10 steps.
    pub fn new(
        algorithm: Algorithm,
        digits: u8,
        period_secs: u64,
        t0_secs: u64,
        behind: u8,
        ahead: u8,
    ) -> Result<Self, Error> {
        check_digits(digits)?;
        if !(1..=3600).contains(&period_secs) {
            return Err(Error::InvalidOtpConfig(format!(
                "period {period_secs} s; use 1..=3600"
            )));
        }
        if behind > Self::MAX_SKEW || ahead > Self::MAX_SKEW {
            return Err(Error::InvalidOtpConfig(format!(
                "window -{behind}/+{ahead}; at most {} steps each way",
                Self::MAX_SKEW
            )));
        }
        Ok(TotpConfig {
            algorithm,
            digits,
            period_secs,
            t0_secs,
            behind,
            ahead,
        })
    }

    /// The HMAC algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// Digits per code.
    pub fn digits(&self) -> u8 {
        self.digits
    }
    /// Seconds per step.
    pub fn period_secs(&self) -> u64 {
        self.period_secs
    }
    /// The Unix time steps are counted from.
    pub fn t0_secs(&self) -> u64 {
        self.t0_secs
    }
    /// Steps accepted behind the current one.
    pub fn behind(&self) -> u8 {
        self.behind
    }
    /// Steps accepted ahead of the current one.
    pub fn ahead(&self) -> u8 {
        self.ahead
    }

    /// The time step at `now` (RFC 6238 T), or `None` before T0.
    pub fn step_at(&self, now: Timestamp) -> Option<u64> {
        now.as_unix_seconds()
            .checked_sub(self.t0_secs)
            .map(|s| s / self.period_secs)
    }
}

/// A TOTP authenticator as stored for one user: the secret, the
/// configuration, and the last time step accepted (so that no step is ever
/// accepted twice, RFC 6238 §5.2).
///
/// Stored, it is a sealed record ([`Stored<Sealed<TotpCredential>>`]),
/// bound to the host's key for it.
///
/// ```
/// use varco::otp::{OtpOutcome, OtpSecret, TotpConfig, TotpCredential};
/// use varco::seal::SealingKeys;
/// use varco::Timestamp;
///
/// // RFC 6238 Appendix B, SHA-1, 8 digits, at 59 s: 94287082.
/// let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
/// let config = TotpConfig::new(varco::otp::Algorithm::Sha1, 8, 30, 0, 1, 1).unwrap();
/// let cred = TotpCredential::new(secret, config);
/// let now = Timestamp::from_unix_seconds(59);
/// assert_eq!(*cred.code_at(now).unwrap(), "94287082");
///
/// let keys = SealingKeys::new("k1", [7; 32]).unwrap();
/// let stored = cred.store("mario/totp", &keys, now, &mut rand::rng()).unwrap().record;
/// let step = stored.verify("mario/totp", &keys, "94287082", now, &mut rand::rng()).unwrap();
/// assert_eq!(step.outcome, OtpOutcome::Accepted { drift: 0 });
/// let stored = step.writes.unwrap().record; // the step is remembered
/// // The same code again, even a second later: a replay, and nothing to write.
/// let later = Timestamp::from_unix_seconds(60);
/// let again = stored.verify("mario/totp", &keys, "94287082", later, &mut rand::rng()).unwrap();
/// assert_eq!(again.outcome, OtpOutcome::Replayed);
/// assert!(again.writes.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpCredential {
    secret: OtpSecret,
    config: TotpConfig,
    #[serde(default)]
    last_step: Option<u64>,
}

impl TotpCredential {
    /// A credential that has accepted no code yet.
    pub fn new(secret: OtpSecret, config: TotpConfig) -> Self {
        TotpCredential {
            secret,
            config,
            last_step: None,
        }
    }

    /// The same credential with a last accepted step (e.g. loaded from a
    /// store that keeps it apart).
    pub fn with_last_step(mut self, step: u64) -> Self {
        self.last_step = Some(step);
        self
    }

    /// Stores the credential as a new sealed record under `record_key`
    /// (the host's key for it): store this write, never the plain JSON,
    /// which holds the secret. The write is "must not exist".
    ///
    /// # Errors
    /// [`Error::Seal`] if sealing fails; [`Error::InvalidTime`] for a broken
    /// clock.
    pub fn store<R: rand_core::CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Write<Sealed<TotpCredential>>, Error> {
        Sealed::create(self, record_key, keys, now, rng)
    }

    /// A new authenticator: a 160-bit secret from `rng`, its otpauth:// URI
    /// for the QR code (secrets, in [`Enrollment`]), and the sealed record to
    /// store.
    ///
    /// # Errors
    /// [`Error::InvalidUri`] for an issuer or account the URI cannot carry;
    /// as [`store`](Self::store).
    #[allow(clippy::too_many_arguments)]
    pub fn enroll<R: rand_core::CryptoRng + ?Sized>(
        issuer: &str,
        account: &str,
        config: TotpConfig,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<Enrollment, Sealed<TotpCredential>>, Error> {
        let cred = TotpCredential::new(OtpSecret::generate(rng), config);
        let uri = super::OtpUri::totp(issuer, account, &cred)?;
        let write = cred.store(record_key, keys, now, rng)?;
        Ok(Step {
            outcome: Enrollment::of(&uri, &cred.secret),
            writes: Some(write),
            effects: Vec::new(),
        })
    }

    /// The shared secret.
    pub fn secret(&self) -> &OtpSecret {
        &self.secret
    }

    /// The configuration.
    pub fn config(&self) -> &TotpConfig {
        &self.config
    }

    /// The last time step accepted, if any.
    pub fn last_step(&self) -> Option<u64> {
        self.last_step
    }

    /// The code the app shows at `now`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a time before T0.
    pub fn code(&self, now: Timestamp) -> Result<Zeroizing<String>, Error> {
        self.code_at(now)
            .ok_or_else(|| Error::InvalidInput("the time is before T0".into()))
    }

    /// The code the app shows at `now` (`None` before T0).
    pub fn code_at(&self, now: Timestamp) -> Option<Zeroizing<String>> {
        let step = self.config.step_at(now)?;
        let mac = KeyedMac::new(self.config.algorithm, self.secret.expose());
        Some(format_code(
            mac.value(step, self.config.digits),
            self.config.digits,
        ))
    }

    /// Checks `code` against every step of the window around `now`, with no
    /// early exit. A match on a step at or before the last accepted one is
    /// [`OtpOutcome::Replayed`]: that includes the same code twice and an
    /// older code after a newer one. The credential itself does not change:
    /// the step on its stored record ([`Stored::verify`]) remembers the step
    /// an accepted code used.
    pub fn verify(&self, code: &str, now: Timestamp) -> OtpOutcome {
        self.check(code, now).0
    }

    /// [`verify`](Self::verify), with the step an accepted code matched
    /// (what the stored record remembers).
    pub fn check(&self, code: &str, now: Timestamp) -> (OtpOutcome, Option<u64>) {
        let c = self.config;
        let (Some(given), Some(current)) = (parse_code(code, c.digits), c.step_at(now)) else {
            return (OtpOutcome::Rejected, None);
        };
        let mac = KeyedMac::new(c.algorithm, self.secret.expose());
        let first = current.saturating_sub(u64::from(c.behind));
        let last = current.saturating_add(u64::from(c.ahead));
        // The matching step closest to the current one (a collision between
        // two steps of a window is possible with 6 digits; prefer the nearest).
        let mut best: Option<u64> = None;
        for step in first..=last {
            if same(mac.value(step, c.digits), given) {
                let nearer = best.is_none_or(|b| step.abs_diff(current) < b.abs_diff(current));
                if nearer {
                    best = Some(step);
                }
            }
        }
        match best {
            None => (OtpOutcome::Rejected, None),
            Some(step) if self.last_step.is_some_and(|l| step <= l) => (OtpOutcome::Replayed, None),
            Some(step) => {
                let drift = if step >= current {
                    i64::try_from(step - current).unwrap_or(i64::MAX)
                } else {
                    -i64::try_from(current - step).unwrap_or(i64::MAX)
                };
                (OtpOutcome::Accepted { drift }, Some(step))
            }
        }
    }
}

impl SealedBody for TotpCredential {
    const KIND: &'static str = "totp_credential";
}

impl Stored<Sealed<TotpCredential>> {
    /// Checks a code against the stored credential `record_key`: an
    /// accepted code writes the credential with its step remembered (no
    /// replay), sealed again under the current key; a rejected one writes
    /// nothing, unless the record is under an old sealing key, when it is
    /// sealed again as it is.
    ///
    /// # Errors
    /// [`Error::Seal`] for a record that does not open under `record_key`
    /// (another account's, another revision's, tampered);
    /// [`Error::InvalidTime`] for a broken clock. Nothing is written.
    pub fn verify<R: rand_core::CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        code: &str,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<OtpOutcome, Sealed<TotpCredential>>, Error> {
        let now = self.effective_time(now)?;
        let cred = self.open(record_key, keys)?;
        let (outcome, step) = cred.check(code, now);
        let writes = match step {
            Some(step) => {
                let next = cred.with_last_step(step);
                Some(self.sealed_write(&next, record_key, keys, now, rng)?)
            }
            None if self.needs_reseal(keys) => {
                Some(self.sealed_write(&cred, record_key, keys, now, rng)?)
            }
            None => None,
        };
        Ok(Step {
            outcome,
            writes,
            effects: Vec::new(),
        })
    }
}
