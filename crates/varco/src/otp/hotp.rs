//! HOTP (RFC 4226): counter-based codes, with look-ahead and resynchronisation.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::algorithm::{KeyedMac, check_digits, format_code, parse_code, same};
use super::{Algorithm, Enrollment, OtpSecret};
use crate::record::Stored;
use crate::seal::{Sealed, SealedBody, SealingKeys};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// A HOTP authenticator as stored for one user: the secret, its parameters,
/// and the next counter the server expects.
///
/// Verification tries the next `look_ahead + 1` counters, all of them, and on
/// success moves the counter past the one that matched, so no code works twice.
///
/// Stored, it is a sealed record ([`Stored<Sealed<HotpCredential>>`]).
///
/// ```
/// use varco::otp::{Algorithm, HotpCredential, OtpSecret, OtpOutcome};
/// use varco::seal::SealingKeys;
/// use varco::Timestamp;
///
/// // RFC 4226 Appendix D: secret "12345678901234567890", counter 0 → 755224.
/// let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
/// let cred = HotpCredential::new(secret, Algorithm::Sha1, 6).unwrap();
/// assert_eq!(*cred.code_at(0), "755224");
/// let (keys, now) = (SealingKeys::new("k1", [7; 32]).unwrap(), Timestamp::from_unix_seconds(1_800_000_000));
/// let stored = cred.store("mario/hotp", &keys, now, &mut rand::rng()).unwrap().record;
/// let step = stored.verify("mario/hotp", &keys, "755224", 10, now, &mut rand::rng()).unwrap();
/// assert_eq!(step.outcome, OtpOutcome::Accepted { drift: 0 });
/// let stored = step.writes.unwrap().record;
/// assert_eq!(stored.open("mario/hotp", &keys).unwrap().counter(), 1);
/// // The same code a second time is no longer accepted.
/// let again = stored.verify("mario/hotp", &keys, "755224", 10, now, &mut rand::rng()).unwrap();
/// assert_eq!(again.outcome, OtpOutcome::Rejected);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HotpFields")]
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

impl OtpOutcome {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"accepted"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            OtpOutcome::Accepted { .. } => "accepted",
            OtpOutcome::Rejected => "rejected",
            OtpOutcome::Replayed => "replayed",
        }
    }
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

    /// Stores the credential as a new sealed record under `record_key`
    /// (the write is "must not exist").
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
    ) -> Result<Write<Sealed<HotpCredential>>, Error> {
        Sealed::create(self, record_key, keys, now, rng)
    }

    /// A new authenticator at counter 0: a 160-bit secret from `rng`, its
    /// otpauth:// URI ([`Enrollment`]) and the sealed record to store.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for digits outside 6 to 8;
    /// [`Error::InvalidUri`] for an issuer or account the URI cannot carry;
    /// as [`store`](Self::store).
    #[allow(clippy::too_many_arguments)]
    pub fn enroll<R: rand_core::CryptoRng + ?Sized>(
        issuer: &str,
        account: &str,
        algorithm: Algorithm,
        digits: u8,
        record_key: &str,
        keys: &SealingKeys,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<Enrollment, Sealed<HotpCredential>>, Error> {
        let cred = HotpCredential::new(OtpSecret::generate(rng), algorithm, digits)?;
        let uri = super::OtpUri::hotp(issuer, account, &cred)?;
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
    /// (every one of them, whatever matches first). The credential does not
    /// change: the step on its stored record moves the counter past the
    /// match. A counter never wraps: a match whose next counter would pass
    /// `u64::MAX` is rejected.
    pub fn verify(&self, code: &str, look_ahead: u32) -> OtpOutcome {
        self.check(code, look_ahead).0
    }

    /// [`verify`](Self::verify), with the counter that follows an accepted
    /// code (what the stored record moves to).
    pub fn check(&self, code: &str, look_ahead: u32) -> (OtpOutcome, Option<u64>) {
        let look_ahead = look_ahead.min(Self::MAX_LOOK_AHEAD);
        let Some(given) = parse_code(code, self.digits) else {
            return (OtpOutcome::Rejected, None);
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
        self.moved_past(found, 1)
    }

    /// Resynchronizes from two consecutive codes the device shows, searching
    /// up to `window` counters ahead (at most 10,000). As [`verify`](Self::verify),
    /// the credential does not change; the stored record's step moves it.
    pub fn resync(&self, first: &str, second: &str, window: u32) -> OtpOutcome {
        self.check_pair(first, second, window).0
    }

    fn check_pair(&self, first: &str, second: &str, window: u32) -> (OtpOutcome, Option<u64>) {
        let window = window.min(Self::MAX_LOOK_AHEAD * 10);
        let (Some(a), Some(b)) = (
            parse_code(first, self.digits),
            parse_code(second, self.digits),
        ) else {
            return (OtpOutcome::Rejected, None);
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
        self.moved_past(found, 2)
    }

    /// The outcome of a match `found` counters ahead, and the counter past
    /// the `codes` codes it used; rejected when none matched or the counter
    /// would pass `u64::MAX` (it never wraps).
    fn moved_past(&self, found: Option<u64>, codes: u64) -> (OtpOutcome, Option<u64>) {
        let next = found.and_then(|k| self.counter.checked_add(k)?.checked_add(codes));
        match (found, next) {
            (Some(k), Some(next)) => (
                OtpOutcome::Accepted {
                    drift: i64::try_from(k).unwrap_or(i64::MAX),
                },
                Some(next),
            ),
            _ => (OtpOutcome::Rejected, None),
        }
    }
}

/// `HotpCredential` as read: its digits checked, so that a stored
/// credential with settings out of range never loads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HotpFields {
    secret: OtpSecret,
    algorithm: Algorithm,
    digits: u8,
    counter: u64,
}

impl TryFrom<HotpFields> for HotpCredential {
    type Error = Error;

    fn try_from(f: HotpFields) -> Result<Self, Error> {
        Ok(HotpCredential::new(f.secret, f.algorithm, f.digits)?.with_counter(f.counter))
    }
}

impl SealedBody for HotpCredential {
    const KIND: &'static str = "hotp_credential";
}

impl Stored<Sealed<HotpCredential>> {
    /// Checks a code against the stored credential `record_key`: an
    /// accepted code writes the credential with its counter moved past the
    /// match, sealed again under the current key; a rejected one writes
    /// nothing (unless the record is under an old key: then it is sealed
    /// again as it is).
    ///
    /// # Errors
    /// [`Error::Seal`] for a record that does not open under `record_key`;
    /// [`Error::InvalidTime`] for a broken clock. Nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub fn verify<R: rand_core::CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        code: &str,
        look_ahead: u32,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<OtpOutcome, Sealed<HotpCredential>>, Error> {
        let cred = self.open(record_key, keys)?;
        let (outcome, next) = cred.check(code, look_ahead);
        self.moved(record_key, keys, cred, outcome, next, now, rng)
    }

    /// Resynchronizes the stored credential from two consecutive codes (see
    /// [`HotpCredential::resync`]).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    #[allow(clippy::too_many_arguments)]
    pub fn resync<R: rand_core::CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        first: &str,
        second: &str,
        window: u32,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<OtpOutcome, Sealed<HotpCredential>>, Error> {
        let cred = self.open(record_key, keys)?;
        let (outcome, next) = cred.check_pair(first, second, window);
        self.moved(record_key, keys, cred, outcome, next, now, rng)
    }

    #[allow(clippy::too_many_arguments)]
    fn moved<R: rand_core::CryptoRng + ?Sized>(
        &self,
        record_key: &str,
        keys: &SealingKeys,
        cred: HotpCredential,
        outcome: OtpOutcome,
        next: Option<u64>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<OtpOutcome, Sealed<HotpCredential>>, Error> {
        let now = self.effective_time(now)?;
        let writes = match next {
            Some(counter) => {
                let moved = cred.with_counter(counter);
                Some(self.sealed_write(&moved, record_key, keys, now, rng)?)
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
