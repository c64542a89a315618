//! HOTP (RFC 4226): counter-based codes, with look-ahead and resynchronisation.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::algorithm::{KeyedMac, check_digits, format_code, parse_code, same};
use super::{Algorithm, OtpSecret};
use crate::Error;

/// A HOTP authenticator as stored for one user: the secret, its parameters,
/// and the next counter the server expects.
///
/// Verification tries the next `look_ahead + 1` counters, all of them, and on
/// success moves the counter past the one that matched, so no code works twice.
///
/// ```
/// use varco::otp::{Algorithm, HotpCredential, OtpSecret, OtpOutcome};
///
/// // RFC 4226 Appendix D: secret "12345678901234567890", counter 0 → 755224.
/// let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
/// let cred = HotpCredential::new(secret, Algorithm::Sha1, 6).unwrap();
/// assert_eq!(*cred.code_at(0), "755224");
/// let (outcome, cred) = cred.verify("755224", 10);
/// assert_eq!(outcome, OtpOutcome::Accepted { drift: 0 });
/// assert_eq!(cred.counter(), 1);
/// // The same code a second time is no longer accepted.
/// assert_eq!(cred.verify("755224", 10).0, OtpOutcome::Rejected);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotpCredential {
    secret: OtpSecret,
    algorithm: Algorithm,
    digits: u8,
    counter: u64,
}

/// What became of a one-time code from an authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OtpOutcome {
    /// The code is right. `drift` is how far from the expected counter or
    /// time step it matched (0 = exactly; for TOTP, negative = the device
    /// is behind).
    Accepted {
        /// Steps between the expected and the matching counter or time step.
        drift: i64,
    },
    /// The code is wrong, malformed, or outside the window.
    Rejected,
    /// The code is right but for a time step already used (TOTP): a replay.
    Replayed,
}

impl HotpCredential {
    /// The largest look-ahead [`verify`](Self::verify) accepts.
    pub const MAX_LOOK_AHEAD: u32 = 1000;

    /// A credential starting at counter 0.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] unless `digits` is 6, 7 or 8.
    pub fn new(secret: OtpSecret, algorithm: Algorithm, digits: u8) -> Result<Self, Error> {
        check_digits(digits)?;
        Ok(HotpCredential {
            secret,
            algorithm,
            digits,
            counter: 0,
        })
    }

    /// The same credential with another next-expected counter (e.g. when
    /// importing a token that was already used).
    pub fn with_counter(mut self, counter: u64) -> Self {
        self.counter = counter;
        self
    }

    /// The next counter the server expects.
    pub fn counter(&self) -> u64 {
        self.counter
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
        crate::seal::seal(self, "hotp-credential", keys, rng)
    }

    /// Opens a credential sealed by [`seal`](Self::seal).
    ///
    /// # Errors
    /// [`Error::Seal`] for a wrong key, another kind of record, or tampering.
    pub fn open(sealed: &str, keys: &crate::seal::SealingKeys) -> Result<Self, Error> {
        crate::seal::open(sealed, "hotp-credential", keys)
    }

    /// The shared secret.
    pub fn secret(&self) -> &OtpSecret {
        &self.secret
    }

    /// The HMAC algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The number of digits.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// The code for a counter (what the token shows).
    pub fn code_at(&self, counter: u64) -> Zeroizing<String> {
        let mac = KeyedMac::new(self.algorithm, self.secret.expose());
        format_code(mac.value(counter, self.digits), self.digits)
    }

    /// Checks `code` against counters `counter ..= counter + look_ahead`
    /// (every one of them, whatever matches first), and returns the outcome
    /// with the credential to store: on success its counter is one past the
    /// match; otherwise it is unchanged.
    pub fn verify(self, code: &str, look_ahead: u32) -> (OtpOutcome, HotpCredential) {
        let look_ahead = look_ahead.min(Self::MAX_LOOK_AHEAD);
        let Some(given) = parse_code(code, self.digits) else {
            return (OtpOutcome::Rejected, self);
        };
        let mac = KeyedMac::new(self.algorithm, self.secret.expose());
        let mut found: Option<u64> = None;
        for k in 0..=u64::from(look_ahead) {
            let Some(c) = self.counter.checked_add(k) else {
                break;
            };
            let hit = same(mac.value(c, self.digits), given);
            if hit && found.is_none() {
                found = Some(k);
            }
        }
        match found {
            Some(k) => {
                let mut next = self;
                next.counter += k + 1;
                (OtpOutcome::Accepted { drift: k as i64 }, next)
            }
            None => (OtpOutcome::Rejected, self),
        }
    }

    /// Resynchronises a token whose counter ran far ahead (RFC 4226 §7.4):
    /// two consecutive codes must match consecutive counters within
    /// `window`. On success the counter moves past the second.
    ///
    /// ```
    /// use varco::otp::{Algorithm, HotpCredential, OtpSecret, OtpOutcome};
    ///
    /// let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
    /// let cred = HotpCredential::new(secret, Algorithm::Sha1, 6).unwrap();
    /// // RFC 4226 codes for counters 7 and 8.
    /// let (outcome, cred) = cred.resync("162583", "399871", 100);
    /// assert_eq!(outcome, OtpOutcome::Accepted { drift: 7 });
    /// assert_eq!(cred.counter(), 9);
    /// ```
    pub fn resync(self, first: &str, second: &str, window: u32) -> (OtpOutcome, HotpCredential) {
        let window = window.min(Self::MAX_LOOK_AHEAD * 10);
        let (Some(a), Some(b)) = (
            parse_code(first, self.digits),
            parse_code(second, self.digits),
        ) else {
            return (OtpOutcome::Rejected, self);
        };
        let mac = KeyedMac::new(self.algorithm, self.secret.expose());
        let mut found = None;
        let mut prev_hit = false;
        for k in 0..=u64::from(window) + 1 {
            let Some(c) = self.counter.checked_add(k) else {
                break;
            };
            let v = mac.value(c, self.digits);
            let hit_b = same(v, b);
            if prev_hit && hit_b && found.is_none() {
                found = Some(k - 1);
            }
            prev_hit = same(v, a);
        }
        match found {
            Some(k) => {
                let mut next = self;
                next.counter += k + 2;
                (OtpOutcome::Accepted { drift: k as i64 }, next)
            }
            None => (OtpOutcome::Rejected, self),
        }
    }
}
