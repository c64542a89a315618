//! TOTP (RFC 6238): time-based codes, a bounded window, and no replay.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::algorithm::{KeyedMac, check_digits, format_code, parse_code, same};
use super::{Algorithm, OtpOutcome, OtpSecret};
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
pub struct TotpConfig {
    algorithm: Algorithm,
    digits: u8,
    period_secs: u64,
    t0_secs: u64,
    behind: u8,
    ahead: u8,
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

impl TotpConfig {
    /// The largest window accepted on either side.
    pub const MAX_SKEW: u8 = 10;

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
/// ```
/// use varco::otp::{OtpOutcome, OtpSecret, TotpConfig, TotpCredential};
/// use varco::Timestamp;
///
/// // RFC 6238 Appendix B, SHA-1, 8 digits, at 59 s: 94287082.
/// let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
/// let config = TotpConfig::new(varco::otp::Algorithm::Sha1, 8, 30, 0, 1, 1).unwrap();
/// let cred = TotpCredential::new(secret, config);
/// let now = Timestamp::from_unix_seconds(59);
/// assert_eq!(*cred.code_at(now).unwrap(), "94287082");
/// let (outcome, cred) = cred.verify("94287082", now);
/// assert_eq!(outcome, OtpOutcome::Accepted { drift: 0 });
/// // The same code again, even a second later: a replay.
/// let (outcome, _) = cred.verify("94287082", Timestamp::from_unix_seconds(60));
/// assert_eq!(outcome, OtpOutcome::Replayed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// The credential encrypted for storage (see [`crate::seal`]): store
    /// this, never the plain JSON, which holds the secret.
    ///
    /// # Errors
    /// [`Error::Seal`] if encryption fails.
    pub fn seal<R: rand_core::CryptoRng + ?Sized>(
        &self,
        keys: &crate::seal::SealingKeys,
        rng: &mut R,
    ) -> Result<String, Error> {
        crate::seal::seal(self, "totp-credential", keys, rng)
    }

    /// Opens a credential sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::Seal`] for a wrong key, another kind of record, or tampering.
    pub fn open(sealed: &str, keys: &crate::seal::SealingKeys) -> Result<Self, Error> {
        crate::seal::open(sealed, "totp-credential", keys)
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
    /// early exit, and returns the outcome with the credential to store
    /// (state in, state out: it takes the stored credential by value).
    ///
    /// A match on a step at or before the last accepted one is
    /// [`OtpOutcome::Replayed`]: that includes the same code twice and an
    /// older code after a newer one. Only an accepted code changes the
    /// credential.
    pub fn verify(self, code: &str, now: Timestamp) -> (OtpOutcome, TotpCredential) {
        let c = self.config;
        let (Some(given), Some(current)) = (parse_code(code, c.digits), c.step_at(now)) else {
            return (OtpOutcome::Rejected, self);
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
            None => (OtpOutcome::Rejected, self),
            Some(step) if self.last_step.is_some_and(|l| step <= l) => (OtpOutcome::Replayed, self),
            Some(step) => {
                let mut next = self;
                next.last_step = Some(step);
                let drift = step as i64 - current as i64;
                (OtpOutcome::Accepted { drift }, next)
            }
        }
    }
}
