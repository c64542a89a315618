//! The guard of one account: a counter per factor and per trusted device.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Admission, Decision, FailureCounter, LockoutPolicy};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::record::{Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// What is being tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// The password.
    Password,
    /// A second factor: a delivered code, an authenticator code.
    SecondFactor,
    /// A recovery: a reset code, a recovery code, a secret answer.
    Recovery,
}

impl Factor {
    /// Every factor.
    pub const ALL: [Factor; 3] = [Factor::Password, Factor::SecondFactor, Factor::Recovery];

    /// The stable name (`password`, `second_factor`, `recovery`).
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::SecondFactor => "second_factor",
            Factor::Recovery => "recovery",
        }
    }
}

impl std::str::FromStr for Factor {
    type Err = Error;

    /// Parses a stable name.
    ///
    /// ```
    /// use varco::guard::Factor;
    /// assert_eq!("second_factor".parse::<Factor>().unwrap(), Factor::SecondFactor);
    /// assert_eq!("pin".parse::<Factor>().unwrap_err().code(), "invalid_input");
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        Factor::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("unknown factor {:?}", clip(s))))
    }
}

/// At most 32 characters of a name, for an error message.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(32).collect()
}

/// The rules for each factor, and for trusted devices.
///
/// Defaults: the password locks for good at the caps (NIST SP 800-63B);
/// the second factor, recovery and each trusted device never do
/// ([`LockoutPolicy::never_for_good`]): an attacker holding no factor can
/// lock the password, but never recovery too.
///
/// In JSON a factor's missing fields take that factor's defaults; an
/// unknown field, at any depth, is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GuardPolicies {
    /// For passwords.
    pub password: LockoutPolicy,
    /// For second factors.
    pub second_factor: LockoutPolicy,
    /// For recoveries.
    pub recovery: LockoutPolicy,
    /// For each trusted device's own password budget.
    pub device: LockoutPolicy,
}

impl Default for GuardPolicies {
    fn default() -> Self {
        GuardPolicies {
            password: LockoutPolicy::default(),
            second_factor: LockoutPolicy::never_for_good(),
            recovery: LockoutPolicy::never_for_good(),
            device: LockoutPolicy::never_for_good(),
        }
    }
}

impl<'de> Deserialize<'de> for GuardPolicies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        type Fields = serde_json::Map<String, serde_json::Value>;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Given {
            password: Option<Fields>,
            second_factor: Option<Fields>,
            recovery: Option<Fields>,
            device: Option<Fields>,
        }
        let given = Given::deserialize(d)?;
        let merge = |base: LockoutPolicy, over: Option<Fields>| {
            let Some(over) = over else {
                return Ok(base);
            };
            let mut fields = match serde_json::to_value(base) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(D::Error::custom("lockout policy")),
            };
            fields.extend(over);
            serde_json::from_value::<LockoutPolicy>(serde_json::Value::Object(fields))
                .map_err(D::Error::custom)
        };
        let base = GuardPolicies::default();
        Ok(GuardPolicies {
            password: merge(base.password, given.password)?,
            second_factor: merge(base.second_factor, given.second_factor)?,
            recovery: merge(base.recovery, given.recovery)?,
            device: merge(base.device, given.device)?,
        })
    }
}

impl GuardPolicies {
    /// Loads policies from JSON and validates them.
    ///
    /// ```
    /// use varco::guard::{AtCap, GuardPolicies};
    /// let p = GuardPolicies::from_json(r#"{"password":{"threshold":3},"recovery":{"threshold":4}}"#).unwrap();
    /// assert_eq!((p.password.threshold, p.recovery.threshold), (3, 4));
    /// // Recovery keeps its own defaults for what is not given.
    /// assert!(matches!(p.recovery.at_cap, AtCap::Wait { .. }));
    /// assert!(GuardPolicies::from_json(r#"{"password":{"threshold":0}}"#).is_err());
    /// // A misspelt field is an error at any depth, never a silent default.
    /// assert!(GuardPolicies::from_json(r#"{"password":{"treshold":3}}"#).is_err());
    /// assert!(GuardPolicies::from_json(r#"{"password":{"backoff":{"kind":"linear","base_ms":1,"x":1}}}"#).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidGuardPolicy`] for malformed JSON, unknown fields or
    /// invalid policies.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: GuardPolicies = crate::error::parse_config(json, Error::InvalidGuardPolicy)?;
        p.validate()?;
        Ok(p)
    }

    /// The policy of a factor.
    pub fn of(&self, f: Factor) -> &LockoutPolicy {
        match f {
            Factor::Password => &self.password,
            Factor::SecondFactor => &self.second_factor,
            Factor::Recovery => &self.recovery,
        }
    }

    /// Checks every policy.
    ///
    /// # Errors
    /// [`Error::InvalidGuardPolicy`] from the first invalid one.
    pub fn validate(&self) -> Result<(), Error> {
        for p in [
            &self.password,
            &self.second_factor,
            &self.recovery,
            &self.device,
        ] {
            p.validate()?;
        }
        Ok(())
    }
}

/// Who lifts locks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", from = "UnlockFields")]
pub enum Unlock {
    /// An operator, after the user called support: every lock.
    Operator {
        /// The operator's id, for the audit log.
        operator: String,
    },
    /// A completed recovery (password reset): the password's and recovery's
    /// locks, not the second factor's (a reset must not bypass the second
    /// factor, ASVS 6.4.3).
    Recovery,
}

/// `Unlock` as read, every field checked (serde lets a unit variant of a
/// tagged enum carry unknown fields).
#[derive(Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
enum UnlockFields {
    Operator { operator: String },
    Recovery {},
}

impl From<UnlockFields> for Unlock {
    fn from(u: UnlockFields) -> Self {
        match u {
            UnlockFields::Operator { operator } => Unlock::Operator { operator },
            UnlockFields::Recovery {} => Unlock::Recovery,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Device {
    trusted_at: Timestamp,
    counter: FailureCounter,
}

/// The ticket of an attempt that [`begin`](Stored::begin) let through:
/// keep it in the request's memory and give it to
/// [`succeed`](Stored::succeed) or [`failed`](Stored::failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    factor: Factor,
    serial: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<(String, u64)>,
}

impl Attempt {
    /// Reads a ticket back from its JSON (what a binding hands the host
    /// between `begin` and `succeed` or `failed`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not a ticket.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "attempt ticket")
    }

    /// The ticket as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The factor tried.
    pub fn factor(&self) -> Factor {
        self.factor
    }

    /// The attempt's serial in the account's counter of its factor.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The trusted device it came from, if any.
    pub fn device(&self) -> Option<&str> {
        self.device.as_ref().map(|(d, _)| d.as_str())
    }
}

/// The attempt budgets of one account: a record
/// ([`Stored<AccountGuard>`]) beside the account, with the steps
/// [`begin`](Stored::begin), [`succeed`](Stored::succeed),
/// [`failed`](Stored::failed), [`trust_device`](Stored::trust_device) and
/// [`unlock`](Stored::unlock).
///
/// ```
/// use varco::guard::{AccountGuard, Admission, Factor, GuardPolicies};
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let policies = GuardPolicies::default();
/// let t = |s: u64| Timestamp::from_unix_seconds(1_800_000_000 + s);
/// let mut guard = Stored::new(AccountGuard::new());
/// for i in 0..5 {
///     let step = guard.begin(&policies, Factor::Password, None, t(i * 10)).unwrap();
///     assert!(matches!(step.outcome, Admission::Allowed { .. }));
///     guard = step.state_or(guard); // stored with compare-and-swap; then the password is wrong
/// }
/// let refused = guard.begin(&policies, Factor::Password, None, t(45)).unwrap();
/// assert!(matches!(refused.outcome, Admission::Locked { .. }));
/// assert!(refused.writes.is_none()); // a refusal writes nothing
/// // Recovery stays open while the password is locked.
/// let recovery = guard.begin(&policies, Factor::Recovery, None, t(46)).unwrap();
/// assert!(matches!(recovery.outcome, Admission::Allowed { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountGuard {
    password: FailureCounter,
    second_factor: FailureCounter,
    recovery: FailureCounter,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    devices: BTreeMap<String, Device>,
    /// The last completed sign-in (for dormancy): kept here, not in the
    /// account, so that a sign-in never rewrites the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_activity: Option<Timestamp>,
    /// How many times the second factor's counter has locked: a flow that
    /// waits on a second factor ends when this moves, and stays ended.
    #[serde(default, skip_serializing_if = "is_zero")]
    second_factor_locks: u64,
    /// Where the last completed sign-in came from (for implausible travel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_sighting: Option<super::Sighting>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AccountGuard {
    /// Trusted devices remembered at most (the oldest is forgotten).
    pub const MAX_DEVICES: usize = 16;
    /// Longest device id accepted.
    pub const MAX_DEVICE_ID: usize = 128;

    /// A guard with no failures.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counter of a factor.
    pub fn counter(&self, factor: Factor) -> &FailureCounter {
        match factor {
            Factor::Password => &self.password,
            Factor::SecondFactor => &self.second_factor,
            Factor::Recovery => &self.recovery,
        }
    }

    fn counter_mut(&mut self, factor: Factor) -> &mut FailureCounter {
        match factor {
            Factor::Password => &mut self.password,
            Factor::SecondFactor => &mut self.second_factor,
            Factor::Recovery => &mut self.recovery,
        }
    }

    /// The last completed sign-in recorded here, if any.
    pub fn last_activity(&self) -> Option<Timestamp> {
        self.last_activity
    }

    /// How many times the second factor has locked (a lock generation).
    pub fn second_factor_locks(&self) -> u64 {
        self.second_factor_locks
    }

    /// Where the last completed sign-in came from, if the host said.
    pub fn last_sighting(&self) -> Option<&super::Sighting> {
        self.last_sighting.as_ref()
    }

    /// Records where a completed sign-in came from.
    pub(crate) fn set_last_sighting(&mut self, s: super::Sighting) {
        self.last_sighting = Some(s);
    }

    /// Records a completed sign-in at `now`.
    pub(crate) fn set_last_activity(&mut self, now: Timestamp) {
        self.last_activity = Some(self.last_activity.map_or(now, |t| t.max(now)));
    }

    /// Moves the second factor's lock generation (its counter just locked).
    pub(crate) fn note_second_factor_lock(&mut self) {
        self.second_factor_locks = self.second_factor_locks.saturating_add(1);
    }

    /// When a device was trusted (its last full sign-in), if it is.
    pub fn trusted_since(&self, device: &str) -> Option<Timestamp> {
        self.devices.get(device).map(|d| d.trusted_at)
    }

    /// Whether a device is trusted (it completed a full sign-in).
    pub fn is_trusted(&self, device: &str) -> bool {
        self.devices.contains_key(device)
    }

    /// The trusted device an attempt comes from, if it gets a budget of its
    /// own: only for the password. Every second-factor and recovery attempt
    /// counts against the account's budget, whichever device it comes from.
    fn trusted<'a>(&self, factor: Factor, device: Option<&'a str>) -> Option<&'a str> {
        device.filter(|d| factor == Factor::Password && self.devices.contains_key(*d))
    }
}

impl Record for AccountGuard {
    const KIND: &'static str = "account_guard";
    const VERSION: u32 = 1;

    fn validate(&self) -> Result<(), Error> {
        if self.devices.len() > Self::MAX_DEVICES
            || self.devices.keys().any(|d| d.len() > Self::MAX_DEVICE_ID)
        {
            return Err(Error::Deserialize(format!(
                "account_guard: more than {} devices, or a device id over {} bytes",
                Self::MAX_DEVICES,
                Self::MAX_DEVICE_ID
            )));
        }
        Ok(())
    }
}

impl Stored<AccountGuard> {
    /// Before checking a factor: may the attempt go ahead? If so, it is
    /// counted as a failure in the write (see the protocol in
    /// [`crate::guard`]); a refusal writes nothing.
    ///
    /// `device` is the host's id for the device, if any. A trusted device
    /// (see [`trust_device`](Self::trust_device)) has a password budget of
    /// its own, so that failures elsewhere cannot lock its owner out; its
    /// attempts still count in the account's budget too, so it never adds
    /// guesses to what the account's counter sees.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    #[inline]
    pub fn begin(
        &self,
        policies: &GuardPolicies,
        factor: Factor,
        device: Option<&str>,
        now: Timestamp,
    ) -> Result<RecordStep<Admission<Attempt>, AccountGuard>, Error> {
        let now = self.effective_time(now)?;
        let guard = self.body();
        let policy = policies.of(factor);
        let own = guard
            .trusted(factor, device)
            .and_then(|d| guard.devices.get_key_value(d));
        // Decide on the stored record: a refusal clones nothing and writes
        // nothing.
        let decision = match own {
            Some((_, d)) => d.counter.decide(&policies.device, now),
            None => guard.counter(factor).decide(policy, now),
        };
        let refusal = match decision {
            Decision::Allow => None,
            Decision::StepUp { reason } => Some(Admission::StepUp { reason }),
            Decision::Locked { until, reason } => Some(Admission::Locked { until, reason }),
        };
        if let Some(admission) = refusal {
            let mut e = AuditEvent::new(now, AuditKind::AttemptRefused, "account")
                .detail("factor", factor.as_str())
                .detail("decision", admission.name());
            if let Some(d) = device {
                e = e.detail("trusted_device", guard.is_trusted(d));
            }
            return Ok(Step {
                outcome: admission,
                writes: None,
                effects: vec![Effect::Audit(e)],
            });
        }
        // Allowed: count it in the next record, changed in place.
        let mut record = self.next_at(guard.clone(), now)?;
        let next = record.body_mut();
        let device = match own {
            Some((d, _)) => next.devices.get_mut(d).map(|e| {
                e.counter.count_failure(&policies.device, now);
                (d.clone(), e.counter.serial())
            }),
            None => None,
        };
        // A trusted device's attempt counts in the account's budget too.
        let counter = next.counter_mut(factor);
        counter.count_failure(policy, now);
        let serial = counter.serial();
        Ok(Step {
            outcome: Admission::Allowed {
                attempt: Attempt {
                    factor,
                    serial,
                    device,
                },
            },
            writes: Some(Write {
                expect: self.expect(),
                record,
            }),
            effects: Vec::new(),
        })
    }

    /// The check of `attempt` failed. It was already counted by `begin`, so
    /// this writes nothing: it gives the audit events (the failure, and a
    /// permanent lock if the failure set one).
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock.
    pub fn failed(
        &self,
        attempt: &Attempt,
        now: Timestamp,
    ) -> Result<RecordStep<(), AccountGuard>, Error> {
        let now = self.effective_time(now)?;
        let counter = self.body().counter(attempt.factor);
        let mut effects = vec![Effect::Audit(
            AuditEvent::new(now, AuditKind::AttemptFailed, "account")
                .detail("factor", attempt.factor.as_str())
                .detail("consecutive", counter.consecutive()),
        )];
        if counter.is_permanently_locked() {
            effects.push(Effect::Audit(
                AuditEvent::new(now, AuditKind::LockedPermanently, "account")
                    .detail("factor", attempt.factor.as_str()),
            ));
        }
        Ok(Step {
            outcome: (),
            writes: None,
            effects,
        })
    }

    /// The check of `attempt` passed: the failures counted up to it are
    /// cleared (never those of guesses that raced it). From a trusted
    /// device, that device's counter is cleared, and only this attempt is
    /// taken back from the account's. A success does not make a device
    /// trusted: [`trust_device`](Self::trust_device) does, after a full
    /// sign-in.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn succeed(
        &self,
        attempt: &Attempt,
        now: Timestamp,
    ) -> Result<RecordStep<(), AccountGuard>, Error> {
        let now = self.effective_time(now)?;
        let mut next = self.body().clone();
        let factor = attempt.factor;
        match &attempt.device {
            Some((d, device_serial)) => {
                if let Some(e) = next.devices.get_mut(d) {
                    e.counter = e.counter.succeed(*device_serial);
                }
                let taken_back = next.counter(factor).take_back(attempt.serial);
                *next.counter_mut(factor) = taken_back;
            }
            None => {
                let cleared = next.counter(factor).succeed(attempt.serial);
                *next.counter_mut(factor) = cleared;
            }
        }
        Ok(Step {
            outcome: (),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: vec![Effect::Audit(
                AuditEvent::new(now, AuditKind::AttemptSucceeded, "account")
                    .detail("factor", factor.as_str()),
            )],
        })
    }

    /// Trusts `device` from now on. Call it only after a full sign-in:
    /// every factor the account requires has passed. At most
    /// [`AccountGuard::MAX_DEVICES`] are kept; the oldest is forgotten.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty device id or one over
    /// [`AccountGuard::MAX_DEVICE_ID`] bytes; [`Error::InvalidTime`] for a
    /// broken clock. Nothing is written.
    pub fn trust_device(
        &self,
        device: &str,
        now: Timestamp,
    ) -> Result<RecordStep<(), AccountGuard>, Error> {
        if device.is_empty() || device.len() > AccountGuard::MAX_DEVICE_ID {
            return Err(Error::InvalidInput(format!(
                "a device id is 1 to {} bytes",
                AccountGuard::MAX_DEVICE_ID
            )));
        }
        let now = self.effective_time(now)?;
        let mut next = self.body().clone();
        let counter = next
            .devices
            .remove(device)
            .map(|d| d.counter)
            .unwrap_or_default();
        next.devices.insert(
            device.to_owned(),
            Device {
                trusted_at: now,
                counter,
            },
        );
        while next.devices.len() > AccountGuard::MAX_DEVICES {
            let oldest = next
                .devices
                .iter()
                .min_by_key(|(_, v)| v.trusted_at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => next.devices.remove(&k),
                None => break,
            };
        }
        Ok(Step {
            outcome: (),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: vec![Effect::Audit(AuditEvent::new(
                now,
                AuditKind::DeviceTrusted,
                "account",
            ))],
        })
    }

    /// Lifts locks: every one for an operator; the password's and
    /// recovery's after a completed recovery (see [`Unlock`]).
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn unlock(
        &self,
        by: &Unlock,
        now: Timestamp,
    ) -> Result<RecordStep<(), AccountGuard>, Error> {
        let now = self.effective_time(now)?;
        let mut next = self.body().clone();
        next.password = next.password.cleared();
        next.recovery = next.recovery.cleared();
        let mut e = AuditEvent::new(now, AuditKind::Unlocked, "account");
        e = match by {
            Unlock::Operator { operator } => {
                next.second_factor = next.second_factor.cleared();
                for d in next.devices.values_mut() {
                    d.counter = d.counter.cleared();
                }
                e.detail("by", "operator").detail("operator", operator)
            }
            Unlock::Recovery => e.detail("by", "recovery"),
        };
        Ok(Step {
            outcome: (),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: vec![Effect::Audit(e)],
        })
    }
}
