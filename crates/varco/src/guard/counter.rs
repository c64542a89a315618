//! One failure counter: consecutive failures, temporary locks, the caps.
//! Used per factor and per trusted device inside an
//! [`AccountGuard`](super::AccountGuard), and on its own (a record) per
//! source or destination.

use serde::{Deserialize, Serialize};

use super::{Admission, AtCap, Decision, LockMode, LockoutPolicy, Reason};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::record::{Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// The state of one counter.
///
/// Every counted attempt gets a serial number; a success clears only the
/// failures counted up to its own serial, so a success can never wipe the
/// failures (or the lock) of guesses that raced it.
///
/// On its own, per source (an address) or destination (a number), it is a
/// record ([`Stored<FailureCounter>`]) with the same protocol as an
/// account's guard:
///
/// ```
/// use varco::guard::{Admission, FailureCounter, LockoutPolicy};
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let policy = LockoutPolicy::default();
/// let t = |s: u64| Timestamp::from_unix_seconds(1_800_000_000 + s);
/// let mut c = Stored::new(FailureCounter::default());
/// for i in 0..5 {
///     let step = c.begin(&policy, t(i * 10)).unwrap();
///     assert!(matches!(step.outcome, Admission::Allowed { .. }));
///     c = step.state_or(c); // stored with compare-and-swap; then the check fails
/// }
/// let refused = c.begin(&policy, t(45)).unwrap();
/// assert!(matches!(refused.outcome, Admission::Locked { .. }));
/// assert!(refused.writes.is_none()); // a refusal writes nothing
/// assert!(matches!(c.begin(&policy, t(40 + 60)).unwrap().outcome, Admission::Allowed { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureCounter {
    /// Attempts ever counted (never reset): the last attempt's serial. A
    /// u32 keeps the record small; it saturates after 2^32 attempts, which
    /// the quick-succession rule puts 136 years away.
    #[serde(default, skip_serializing_if = "is_zero")]
    serial: u32,
    /// Failures since the last success, never forgotten (for the hard cap).
    #[serde(default, skip_serializing_if = "is_zero")]
    consecutive: u32,
    /// Failures since the last lock or since they were forgotten.
    #[serde(default, skip_serializing_if = "is_zero")]
    recent: u32,
    /// Temporary locks since the last success.
    #[serde(default, skip_serializing_if = "is_zero")]
    locks: u32,
    /// The serial of the attempt that set the current lock.
    #[serde(default, skip_serializing_if = "is_zero")]
    locked_by: u32,
    /// The recent failures the current lock's threshold reset (0 for a
    /// lock at a cap): what taking back the locking attempt restores.
    #[serde(default, skip_serializing_if = "is_zero")]
    reset_by_lock: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    permanent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_failure: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked_until: Option<Timestamp>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FailureCounter {
    /// Consecutive failures since the last success.
    pub fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// The serial of the latest counted attempt.
    pub fn serial(&self) -> u64 {
        u64::from(self.serial)
    }

    /// Whether only an operator or a recovery can unlock it.
    pub fn is_permanently_locked(&self) -> bool {
        self.permanent
    }

    /// When the current temporary lock ends, if one is set.
    pub fn locked_until(&self) -> Option<Timestamp> {
        self.locked_until
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

    /// The counter after one more failure at `now`; the attempt's serial is
    /// the new counter's [`serial`](Self::serial).
    pub fn fail(&self, policy: &LockoutPolicy, now: Timestamp) -> FailureCounter {
        let mut next = self.clone();
        next.count_failure(policy, now);
        next
    }

    /// [`fail`](Self::fail), in place.
    pub(crate) fn count_failure(&mut self, policy: &LockoutPolicy, now: Timestamp) {
        let next = self;
        if let Some(last) = next.last_failure
            && now.since(last) >= policy.forget_after
            && !next.permanent
        {
            next.recent = 0;
            next.locks = 0;
        }
        next.serial = next.serial.saturating_add(1);
        next.consecutive = next.consecutive.saturating_add(1);
        next.recent = next.recent.saturating_add(1);
        next.last_failure = Some(now);
        let lock_until = |next: &mut FailureCounter, until: Timestamp| {
            next.locked_until = Some(until);
            next.locked_by = next.serial;
        };
        next.reset_by_lock = 0;
        let at_cap = next.consecutive >= policy.max_consecutive
            || (policy.permanent_after_locks > 0 && next.locks >= policy.permanent_after_locks);
        if at_cap {
            match policy.at_cap {
                AtCap::LockForGood => {
                    next.permanent = true;
                    next.locked_by = next.serial;
                }
                AtCap::Wait { wait } => lock_until(next, now + wait),
            }
        } else if next.recent >= policy.threshold {
            next.locks = next.locks.saturating_add(1);
            next.reset_by_lock = next.recent;
            next.recent = 0;
            let until = now + policy.wait(next.locks);
            lock_until(next, until);
            let reached =
                policy.permanent_after_locks > 0 && next.locks >= policy.permanent_after_locks;
            if reached && policy.at_cap == AtCap::LockForGood {
                next.permanent = true;
            }
        }
    }

    /// The serial of the attempt that set the current lock (0 for none):
    /// the attempt whose failure locked is the one that tells the owner.
    pub(crate) fn locked_by(&self) -> u64 {
        u64::from(self.locked_by)
    }

    /// The counter after the success of attempt `serial`: the failures
    /// counted up to it are cleared, and the lock too if one of them set it.
    /// Failures counted after it (guesses that raced it) stay, with the
    /// lock they set.
    pub fn succeed(&self, serial: u64) -> FailureCounter {
        let serial = u32::try_from(serial).unwrap_or(u32::MAX);
        let later = self.serial.saturating_sub(serial);
        if later == 0 {
            return FailureCounter {
                serial: self.serial,
                ..FailureCounter::default()
            };
        }
        let mut next = self.clone();
        next.consecutive = next.consecutive.min(later);
        next.recent = next.recent.min(later);
        if next.locked_by <= serial {
            next.locked_until = None;
            next.permanent = false;
            next.locks = 0;
        }
        next
    }

    /// The counter with attempt `serial` taken back: it was counted as a
    /// failure first, and turned out right. Other failures stay (a trusted
    /// device's success does not clear the account's counter; a source's
    /// success does not clear its guesses at other accounts), even when
    /// this attempt was the one that reached the threshold.
    ///
    /// ```
    /// use varco::guard::{Decision, FailureCounter, LockoutPolicy};
    ///
    /// // Five failures lock (and none too quick, for the example).
    /// let policy = LockoutPolicy { min_interval: std::time::Duration::ZERO, ..LockoutPolicy::default() };
    /// let t = varco::Timestamp::from_unix_seconds(1_800_000_000);
    /// let mut c = FailureCounter::default();
    /// for _ in 0..5 {
    ///     c = c.fail(&policy, t); // the fifth is the right password, counted first
    /// }
    /// let c = c.take_back(c.serial());
    /// assert_eq!(c.decide(&policy, t), Decision::Allow); // its lock is undone
    /// let c = c.fail(&policy, t); // and the four failures before it stay
    /// assert!(matches!(c.decide(&policy, t), Decision::Locked { .. }));
    /// ```
    pub fn take_back(&self, serial: u64) -> FailureCounter {
        let serial = u32::try_from(serial).unwrap_or(u32::MAX);
        let mut next = self.clone();
        next.consecutive = next.consecutive.saturating_sub(1);
        if next.locked_by == serial && serial != 0 {
            next.locked_until = None;
            next.permanent = false;
            if next.reset_by_lock > 0 {
                // The threshold's lock: its reset is undone too.
                next.locks = next.locks.saturating_sub(1);
                next.recent = next.recent.saturating_add(next.reset_by_lock - 1);
                next.reset_by_lock = 0;
            } else {
                next.recent = next.recent.saturating_sub(1);
            }
            next.locked_by = 0;
        } else {
            next.recent = next.recent.saturating_sub(1);
        }
        next
    }

    /// Lifts every lock and forgets every failure (an operator's action, or
    /// a completed recovery); serials go on.
    pub fn cleared(&self) -> FailureCounter {
        FailureCounter {
            serial: self.serial,
            ..FailureCounter::default()
        }
    }

    /// `decide`, and if allowed, count the attempt: the counter to store
    /// (the attempt's serial is its [`serial`](Self::serial)), or the
    /// refusal.
    pub(crate) fn admit<A>(
        &self,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<FailureCounter, Admission<A>> {
        match self.decide(policy, now) {
            Decision::Allow => Ok(self.fail(policy, now)),
            Decision::StepUp { reason } => Err(Admission::StepUp { reason }),
            Decision::Locked { until, reason } => Err(Admission::Locked { until, reason }),
        }
    }
}

impl Record for FailureCounter {
    const KIND: &'static str = "failure_counter";
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = 1024;
}

impl Stored<FailureCounter> {
    /// Before a check by this source or destination: may it go ahead? An
    /// allowed attempt is counted as a failure in the returned write (store
    /// it, compare-and-swap, before checking); a refusal writes nothing.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn begin(
        &self,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<RecordStep<Admission<u64>, FailureCounter>, Error> {
        let now = self.effective_time(now)?;
        let (admission, writes) = match self.body().admit(policy, now) {
            Ok(body) => (
                Admission::Allowed {
                    attempt: body.serial(),
                },
                Some(Write::replacing(self, self.next(body, now)?)),
            ),
            Err(refusal) => (refusal, None),
        };
        let effects = match admission {
            Admission::Allowed { .. } => Vec::new(),
            _ => vec![Effect::Audit(
                AuditEvent::new(now, AuditKind::AttemptRefused, "counter")
                    .detail("decision", admission.name()),
            )],
        };
        Ok(Step {
            outcome: admission,
            writes,
            effects,
        })
    }

    /// The check of attempt `attempt` (from [`begin`](Self::begin)) passed:
    /// the failures counted up to it are cleared.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn succeed(
        &self,
        attempt: u64,
        now: Timestamp,
    ) -> Result<RecordStep<(), FailureCounter>, Error> {
        let body = self.body().succeed(attempt);
        let writes = (body != *self.body())
            .then(|| self.next(body, now).map(|r| Write::replacing(self, r)))
            .transpose()?;
        Ok(Step {
            outcome: (),
            writes,
            effects: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + s)
    }

    #[test]
    fn a_success_keeps_the_failures_and_the_lock_of_guesses_that_raced_it() {
        let p = LockoutPolicy::default();
        // The owner's attempt is counted first (serial 1), then 5 racing
        // guesses lock the counter before the owner's success lands.
        let mut c = FailureCounter::default().fail(&p, t(0));
        let owner = c.serial();
        for i in 1..=5 {
            c = c.fail(&p, t(i * 2));
        }
        assert!(matches!(c.decide(&p, t(11)), Decision::Locked { .. }));
        let after = c.succeed(owner);
        assert!(matches!(after.decide(&p, t(12)), Decision::Locked { .. }));
        assert_eq!(after.consecutive(), 5);
        // A success after every failure it raced clears everything.
        let all = c.succeed(c.serial());
        assert_eq!(all.decide(&p, t(12)), Decision::Allow);
        assert_eq!(all.consecutive(), 0);
    }

    #[test]
    fn a_success_lifts_the_lock_its_own_earlier_failures_set() {
        let p = LockoutPolicy::default();
        let mut c = FailureCounter::default();
        for i in 0..5 {
            c = c.fail(&p, t(i * 2));
        }
        // Locked; after the wait the owner tries (serial 6) and is right.
        let c = c.fail(&p, t(100));
        let after = c.succeed(c.serial());
        assert_eq!(after.decide(&p, t(101)), Decision::Allow);
    }

    #[test]
    fn never_for_good_waits_at_the_cap_instead_of_locking() {
        let p = LockoutPolicy::never_for_good();
        let mut c = FailureCounter::default();
        let mut now = t(0);
        for _ in 0..200 {
            while let Decision::Locked { until: Some(u), .. } = c.decide(&p, now) {
                now = u;
            }
            assert_eq!(c.decide(&p, now), Decision::Allow);
            c = c.fail(&p, now);
        }
        assert!(!c.is_permanently_locked());
        // Past the cap each failure waits a day.
        let Decision::Locked { until: Some(u), .. } = c.decide(&p, now) else {
            panic!("past the cap a failure must wait");
        };
        assert_eq!(u.since(now).as_secs(), 24 * 3600);
    }
}
