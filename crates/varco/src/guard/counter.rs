//! One failure counter: consecutive failures, temporary locks, the permanent
//! lock. Used per factor, per trusted device, per source, per destination.

use serde::{Deserialize, Serialize};

use super::{Decision, LockMode, LockoutPolicy, Reason};
use crate::{Error, Timestamp};

/// The stored state of one counter.
///
/// ```
/// use varco::guard::{Decision, FailureCounter, LockoutPolicy};
/// use varco::Timestamp;
///
/// let policy = LockoutPolicy::default();
/// let mut c = FailureCounter::default();
/// let t = |s: u64| Timestamp::from_unix_seconds(1_800_000_000 + s);
/// for i in 0..5 {
///     assert_eq!(c.decide(&policy, t(i * 10)), Decision::Allow);
///     c = c.fail(&policy, t(i * 10));
/// }
/// assert!(matches!(c.decide(&policy, t(45)), Decision::Locked { .. }));
/// assert_eq!(c.decide(&policy, t(40 + 60)), Decision::Allow); // the 1-minute wait is over
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FailureCounter {
    /// Failures since the last success, never forgotten (for the hard cap).
    consecutive: u32,
    /// Failures since the last lock or since they were forgotten.
    recent: u32,
    /// Temporary locks since the last success.
    locks: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_failure: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked_until: Option<Timestamp>,
    #[serde(default)]
    permanent: bool,
}

impl FailureCounter {
    /// Loads a stored counter (one per source or destination key).
    ///
    /// ```
    /// use varco::guard::FailureCounter;
    /// let c = FailureCounter::default();
    /// assert_eq!(FailureCounter::from_json(&c.to_json()).unwrap(), c);
    /// assert!(FailureCounter::from_json(r#"{"consecutive":"x"}"#).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::Deserialize(format!("counter: {e}")))
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Consecutive failures since the last success.
    pub fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// Whether only an operator or a recovery can unlock it.
    pub fn is_permanently_locked(&self) -> bool {
        self.permanent
    }

    /// What to do with an attempt at `now` (the caller passes the effective
    /// time, never earlier than what it saw before).
    pub fn decide(&self, policy: &LockoutPolicy, now: Timestamp) -> Decision {
        if self.permanent {
            return Decision::Locked {
                until: None,
                reason: Reason::TooManyFailures,
            };
        }
        if let Some(until) = self.locked_until.filter(|u| now < *u) {
            return match policy.mode {
                LockMode::Hard => Decision::Locked {
                    until: Some(until),
                    reason: Reason::TooManyFailures,
                },
                LockMode::Soft => Decision::StepUp {
                    reason: Reason::TooManyFailures,
                },
            };
        }
        if let Some(last) = self.last_failure {
            let next = last + policy.min_interval;
            if now < next {
                return Decision::Locked {
                    until: Some(next),
                    reason: Reason::TooFast,
                };
            }
        }
        Decision::Allow
    }

    /// The counter after one more failure at `now`.
    pub fn fail(&self, policy: &LockoutPolicy, now: Timestamp) -> FailureCounter {
        let mut next = self.clone();
        if let Some(last) = self.last_failure
            && now.since(last) >= policy.forget_after
            && !self.permanent
        {
            next.recent = 0;
            next.locks = 0;
        }
        next.consecutive = next.consecutive.saturating_add(1);
        next.recent = next.recent.saturating_add(1);
        next.last_failure = Some(now);
        if next.consecutive >= policy.max_consecutive {
            next.permanent = true;
        } else if next.recent >= policy.threshold {
            next.locks = next.locks.saturating_add(1);
            next.recent = 0;
            next.locked_until = Some(now + policy.wait(next.locks));
            if policy.permanent_after_locks > 0 && next.locks >= policy.permanent_after_locks {
                next.permanent = true;
            }
        }
        next
    }

    /// The counter after a success: everything cleared.
    pub fn succeed(&self) -> FailureCounter {
        FailureCounter::default()
    }
}
