//! The lockout rules: thresholds, waits, the permanent lock, and their
//! defaults with the reasoning behind them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Error;

/// How the wait grows with each temporary lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Backoff {
    /// `base × n` for the n-th lock.
    Linear {
        /// The first wait, and the step.
        #[serde(rename = "base_ms", with = "crate::time::duration_ms")]
        base: Duration,
    },
    /// `base × 2^(n-1)` for the n-th lock.
    Exponential {
        /// The first wait.
        #[serde(rename = "base_ms", with = "crate::time::duration_ms")]
        base: Duration,
    },
}

/// What happens when the threshold is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Refuse attempts until the wait is over.
    Hard,
    /// Ask for a step-up (a captcha, a second factor) instead of refusing:
    /// an attacker cannot lock the owner out, only make them solve a
    /// challenge. The hard cap still locks for good.
    Soft,
}

/// What reaching a cap (`max_consecutive`, `permanent_after_locks`) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", try_from = "AtCapFields")]
pub enum AtCap {
    /// Lock for good: only an operator or a completed recovery unlocks
    /// (NIST SP 800-63B's "disable"). The password's default.
    LockForGood,
    /// Never lock for good: from the cap on, every failure waits this long
    /// before the next attempt. The default of the second factor and of
    /// recovery, so that an attacker holding no factor cannot lock both the
    /// password and recovery and force the owner to call support.
    Wait {
        /// The wait after each failure at or past the cap.
        #[serde(rename = "wait_ms", with = "crate::time::duration_ms")]
        wait: Duration,
    },
}

/// `AtCap` as read: every field named, none unknown (serde lets a unit
/// variant of a tagged enum carry unknown fields).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtCapFields {
    action: String,
    wait_ms: Option<u64>,
}

impl TryFrom<AtCapFields> for AtCap {
    type Error = String;

    fn try_from(f: AtCapFields) -> Result<Self, String> {
        match (f.action.as_str(), f.wait_ms) {
            ("lock_for_good", None) => Ok(AtCap::LockForGood),
            ("wait", Some(ms)) => Ok(AtCap::Wait {
                wait: Duration::from_millis(ms),
            }),
            ("lock_for_good", Some(_)) => Err("lock_for_good takes no wait_ms".into()),
            ("wait", None) => Err("wait needs wait_ms".into()),
            (other, _) => Err(format!(
                "unknown at_cap action {:?} (lock_for_good, wait)",
                super::clip(other)
            )),
        }
    }
}

/// The lockout rules for one factor (password, second factor, recovery) or
/// one source or destination.
///
/// Defaults, and why:
/// - **5 failures** start a temporary lock: enough for typos, few enough that
///   online guessing gets nowhere (NIST allows up to 100 before disabling).
/// - **Waits of 1, 2, 4, … minutes, at most 1 hour**: each lock costs an
///   attacker more, while an owner who mistyped waits a minute.
/// - **Permanent after 10 temporary locks, or 100 consecutive failures**
///   (NIST SP 800-63B §5.2.2 SHALL), whichever comes first: ten locks mean
///   50 wrong guesses spread over about 17 hours of waits, which is an attack,
///   not a forgetful owner. Only an operator or a completed recovery lifts
///   it, and recovery stays open, so the owner is never stuck. Set
///   `permanent_after_locks` to 0 to rely on the NIST cap alone.
/// - **The second factor and recovery never lock for good**
///   ([`LockoutPolicy::never_for_good`], their defaults in
///   [`GuardPolicies`](super::GuardPolicies)): past the caps each failure
///   waits a day ([`AtCap::Wait`]). Where NIST's "disable after 100" and
///   "an attacker must not force the owner to call support" (ASVS 6.1.1,
///   Devise #1944) disagree, the password follows NIST and recovery stays
///   open; a host can set either way.
/// - **Failures forgotten after 24 hours** without a new one, so a typo last
///   week does not count today.
/// - **At most one attempt per second**: failures in quick succession are
///   refused before they are checked.
/// - **Hard mode** by default, as the seed portals behave; choose
///   [`LockMode::Soft`] (see [`LockoutPolicy::soft`]) where lockout-as-denial
///   of service is the bigger risk (ASVS 6.1.1).
///
/// ```
/// use std::time::Duration;
/// use varco::guard::LockoutPolicy;
///
/// let p = LockoutPolicy::default();
/// assert_eq!(p.threshold, 5);
/// assert_eq!(p.wait(1), Duration::from_secs(60));
/// assert_eq!(p.wait(3), Duration::from_secs(240));
/// assert_eq!(p.wait(30), Duration::from_secs(3600)); // capped
/// assert!(LockoutPolicy { max_consecutive: 101, ..p }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Failures that start a temporary lock.
    pub threshold: u32,
    /// How waits grow.
    pub backoff: Backoff,
    /// The longest temporary wait.
    #[serde(rename = "max_wait_ms", with = "crate::time::duration_ms")]
    pub max_wait: Duration,
    /// Consecutive failures after which the lock is permanent (at most 100).
    pub max_consecutive: u32,
    /// Temporary locks after which the lock is permanent (0: never, only the
    /// consecutive cap applies).
    pub permanent_after_locks: u32,
    /// A quiet period after which failures are forgotten.
    #[serde(rename = "forget_after_ms", with = "crate::time::duration_ms")]
    pub forget_after: Duration,
    /// The shortest time between two attempts.
    #[serde(rename = "min_interval_ms", with = "crate::time::duration_ms")]
    pub min_interval: Duration,
    /// Hard or soft.
    pub mode: LockMode,
    /// What reaching a cap does.
    pub at_cap: AtCap,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            threshold: 5,
            backoff: Backoff::Exponential {
                base: Duration::from_secs(60),
            },
            max_wait: Duration::from_secs(3600),
            max_consecutive: 100,
            permanent_after_locks: 10,
            forget_after: Duration::from_secs(24 * 3600),
            min_interval: Duration::from_secs(1),
            mode: LockMode::Hard,
            at_cap: AtCap::LockForGood,
        }
    }
}

impl LockoutPolicy {
    /// The NIST hard cap on consecutive failures.
    pub const NIST_MAX_CONSECUTIVE: u32 = 100;

    /// Loads a policy from JSON (missing fields take their defaults; unknown
    /// fields are refused; durations are milliseconds under `_ms` names:
    /// `max_wait_ms`, `forget_after_ms`, `min_interval_ms`, and the backoff's
    /// `base_ms`) and validates it.
    ///
    /// ```
    /// use varco::guard::LockoutPolicy;
    /// use std::time::Duration;
    /// let p = LockoutPolicy::from_json(r#"{"threshold":20,"mode":"soft","max_wait_ms":600000}"#).unwrap();
    /// assert_eq!((p.threshold, p.max_consecutive), (20, 100));
    /// assert_eq!(p.max_wait, Duration::from_secs(600)); // durations in JSON: milliseconds
    /// assert!(LockoutPolicy::from_json(r#"{"threshold":0}"#).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidGuardPolicy`] for malformed JSON, unknown fields or
    /// an invalid policy.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: LockoutPolicy = crate::error::parse_config(json, Error::InvalidGuardPolicy)?;
        p.validate()?;
        Ok(p)
    }

    /// The longest duration any field accepts (ten years): with times
    /// bounded by [`Timestamp::LATEST`](crate::Timestamp::LATEST), no sum of
    /// a time and a wait overflows.
    pub const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

    /// The defaults, except that reaching a cap never locks for good: each
    /// failure past it waits a day. The second factor's and recovery's
    /// default.
    ///
    /// ```
    /// use varco::guard::{AtCap, LockoutPolicy};
    /// let p = LockoutPolicy::never_for_good();
    /// assert!(matches!(p.at_cap, AtCap::Wait { .. }));
    /// assert_eq!(p.permanent_after_locks, 0);
    /// ```
    pub fn never_for_good() -> Self {
        LockoutPolicy {
            permanent_after_locks: 0,
            at_cap: AtCap::Wait {
                wait: Duration::from_secs(24 * 3600),
            },
            ..Self::default()
        }
    }

    /// The defaults in soft mode: a step-up instead of a refusal.
    pub fn soft() -> Self {
        LockoutPolicy {
            mode: LockMode::Soft,
            ..Self::default()
        }
    }

    /// The wait of the n-th temporary lock (n ≥ 1), capped at `max_wait`.
    pub fn wait(&self, n: u32) -> Duration {
        let n = n.max(1);
        let w = match self.backoff {
            Backoff::Linear { base } => base.saturating_mul(n),
            Backoff::Exponential { base } => base.saturating_mul(1u32 << (n - 1).min(30)),
        };
        w.min(self.max_wait)
    }

    /// Checks the rules.
    ///
    /// # Errors
    /// [`Error::InvalidGuardPolicy`] for a zero threshold, a cap above 100 or
    /// below the threshold, a zero wait, a duration over ten years, or a
    /// forgetting window shorter than the longest wait (failures forgotten
    /// faster than a lock ends would switch the lock off for a patient
    /// attacker).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidGuardPolicy(m.to_owned()));
        if self.threshold == 0 {
            return bad("threshold must be at least 1");
        }
        if self.max_consecutive > Self::NIST_MAX_CONSECUTIVE
            || self.max_consecutive < self.threshold
        {
            return bad("max_consecutive must be between the threshold and 100 (NIST SP 800-63B)");
        }
        let base = match self.backoff {
            Backoff::Linear { base } | Backoff::Exponential { base } => base,
        };
        if base.is_zero() || self.max_wait < base {
            return bad("waits must be positive and max_wait at least the first wait");
        }
        let cap_wait = match self.at_cap {
            AtCap::LockForGood => Duration::ZERO,
            AtCap::Wait { wait } if wait.is_zero() => {
                return bad("at_cap wait_ms must be positive (zero would switch the cap off)");
            }
            AtCap::Wait { wait } => wait,
        };
        if [
            self.max_wait,
            self.forget_after,
            self.min_interval,
            cap_wait,
        ]
        .iter()
        .any(|d| *d > Self::MAX_DURATION)
        {
            return bad("durations: at most ten years");
        }
        if self.forget_after < self.max_wait || self.forget_after < Duration::from_secs(60) {
            return bad(
                "forget_after_ms must be at least max_wait_ms and one minute (forgetting failures faster than a lock ends switches the lock off)",
            );
        }
        Ok(())
    }
}
