//! The guard of one account: a counter per factor and per trusted device.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Decision, FailureCounter, LockoutPolicy};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
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
    pub fn name(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::SecondFactor => "second_factor",
            Factor::Recovery => "recovery",
        }
    }
}

/// The rules for each factor, and for trusted devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardPolicies {
    /// For passwords.
    pub password: LockoutPolicy,
    /// For second factors.
    pub second_factor: LockoutPolicy,
    /// For recoveries.
    pub recovery: LockoutPolicy,
    /// For each trusted device's own budget.
    pub device: LockoutPolicy,
}

impl std::str::FromStr for Factor {
    type Err = Error;

    /// Parses a stable name.
    ///
    /// ```
    /// use varco::guard::Factor;
    /// assert_eq!("second_factor".parse::<Factor>().unwrap(), Factor::SecondFactor);
    /// assert!("pin".parse::<Factor>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        Factor::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| Error::InvalidGuardPolicy(format!("unknown factor {s:?}")))
    }
}

impl GuardPolicies {
    /// Loads policies from JSON (a missing factor, or a missing field, takes
    /// the default; an unknown field is refused) and validates them.
    ///
    /// ```
    /// use varco::guard::GuardPolicies;
    /// let p = GuardPolicies::from_json(r#"{"password":{"threshold":3}}"#).unwrap();
    /// assert_eq!((p.password.threshold, p.recovery.threshold), (3, 5));
    /// assert!(GuardPolicies::from_json(r#"{"password":{"threshold":0}}"#).is_err());
    /// // A misspelt field is an error, never a silent default.
    /// assert!(GuardPolicies::from_json(r#"{"password":{"treshold":3}}"#).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON,
    /// [`Error::InvalidGuardPolicy`] for invalid policies.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: GuardPolicies =
            serde_json::from_str(json).map_err(|e| Error::Deserialize(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    fn of(&self, f: Factor) -> &LockoutPolicy {
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

/// Who lifts a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Unlock {
    /// An operator, after the user called support.
    Operator {
        /// The operator's id, for the audit log.
        operator: String,
    },
    /// A completed recovery (password reset).
    Recovery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Device {
    trusted_at: Timestamp,
    counter: FailureCounter,
}

/// The stored guard state of one account.
///
/// ```
/// use varco::guard::{AccountGuard, Decision, Factor, GuardPolicies};
/// use varco::Timestamp;
///
/// let policies = GuardPolicies::default();
/// let t = |s: u64| Timestamp::from_unix_seconds(1_800_000_000 + s);
/// let mut guard = AccountGuard::new();
/// for i in 0..5 {
///     let step = guard.begin(&policies, Factor::Password, None, t(i * 10));
///     assert_eq!(step.decision, Decision::Allow);
///     guard = step.guard; // stored with compare-and-swap, then the password is wrong
/// }
/// let refused = guard.begin(&policies, Factor::Password, None, t(45));
/// assert!(matches!(refused.decision, Decision::Locked { .. }));
/// // Recovery stays open while the password is locked.
/// assert_eq!(guard.begin(&policies, Factor::Recovery, None, t(46)).decision, Decision::Allow);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountGuard {
    version: u32,
    revision: u64,
    last_seen: Timestamp,
    password: FailureCounter,
    second_factor: FailureCounter,
    recovery: FailureCounter,
    #[serde(default)]
    devices: BTreeMap<String, Device>,
}

impl Default for AccountGuard {
    fn default() -> Self {
        Self::new()
    }
}

/// What a guard step returns: the decision, the guard to store (with
/// compare-and-swap on its previous revision), and the audit effects.
#[derive(Debug, Clone)]
pub struct GuardStep {
    /// Whether to go ahead.
    pub decision: Decision,
    /// The state to store.
    pub guard: AccountGuard,
    /// Audit events.
    pub effects: Vec<Effect>,
}

impl AccountGuard {
    /// The serialized format's version.
    pub const FORMAT_VERSION: u32 = 1;
    /// Trusted devices remembered at most (the oldest is forgotten).
    pub const MAX_DEVICES: usize = 16;
    /// Longest device id accepted; longer ids are treated as unknown devices.
    pub const MAX_DEVICE_ID: usize = 128;

    /// A guard with no failures.
    pub fn new() -> Self {
        AccountGuard {
            version: Self::FORMAT_VERSION,
            revision: 0,
            last_seen: Timestamp::EPOCH,
            password: FailureCounter::default(),
            second_factor: FailureCounter::default(),
            recovery: FailureCounter::default(),
            devices: BTreeMap::new(),
        }
    }

    /// Bumped by every step: store with compare-and-swap on it.
    pub fn revision(&self) -> u64 {
        self.revision
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

    /// Whether a device id has signed in before.
    pub fn is_trusted(&self, device: &str) -> bool {
        self.devices.contains_key(device)
    }

    /// The next state's skeleton: revision bumped, time never going back.
    fn advance(&self, now: Timestamp) -> (AccountGuard, Timestamp) {
        let mut next = self.clone();
        next.revision = self.revision.wrapping_add(1);
        next.last_seen = self.last_seen.max(now);
        let effective = next.last_seen;
        (next, effective)
    }

    /// A trusted device's id, if this attempt comes from one (only for the
    /// password and the second factor: recovery has one budget).
    fn trusted<'a>(&self, factor: Factor, device: Option<&'a str>) -> Option<&'a str> {
        device.filter(|d| factor != Factor::Recovery && self.devices.contains_key(*d))
    }

    /// Decides on an attempt and, if allowed, counts it as a failure in the
    /// returned guard (see the protocol in [`crate::guard`]). `device` is the
    /// host's id for the device, if any; a device that signed in before has
    /// its own budget.
    pub fn begin(
        &self,
        policies: &GuardPolicies,
        factor: Factor,
        device: Option<&str>,
        now: Timestamp,
    ) -> GuardStep {
        let (mut next, now) = self.advance(now);
        let decision = match self.trusted(factor, device) {
            Some(d) => {
                let entry = next.devices.get_mut(d).map(|e| &mut e.counter);
                match entry {
                    Some(counter) => {
                        let decision = counter.decide(&policies.device, now);
                        if decision == Decision::Allow {
                            *counter = counter.fail(&policies.device, now);
                        }
                        decision
                    }
                    None => Decision::Allow,
                }
            }
            None => {
                let policy = policies.of(factor);
                let counter = next.counter_mut(factor);
                let decision = counter.decide(policy, now);
                if decision == Decision::Allow {
                    *counter = counter.fail(policy, now);
                }
                decision
            }
        };
        let mut effects = Vec::new();
        if decision != Decision::Allow {
            let mut e = AuditEvent::new(now, AuditKind::AttemptRefused, "account")
                .detail("factor", factor.name())
                .detail(
                    "decision",
                    serde_json::to_value(decision)
                        .ok()
                        .and_then(|v| v["decision"].as_str().map(str::to_owned))
                        .unwrap_or_default(),
                );
            if let Some(d) = device {
                e = e.detail("trusted_device", self.is_trusted(d));
            }
            effects.push(Effect::Audit(e));
        }
        GuardStep {
            decision,
            guard: next,
            effects,
        }
    }

    /// The audit events of a failed attempt (already counted by `begin`):
    /// the failure, and a lock if it started one. State changes only in
    /// revision and time.
    pub fn failed(&self, factor: Factor, device: Option<&str>, now: Timestamp) -> GuardStep {
        let (next, now) = self.advance(now);
        let counter = match self.trusted(factor, device) {
            Some(d) => self
                .devices
                .get(d)
                .map(|e| &e.counter)
                .unwrap_or(&self.password),
            None => self.counter(factor),
        };
        let mut effects = vec![Effect::Audit(
            AuditEvent::new(now, AuditKind::AttemptFailed, "account")
                .detail("factor", factor.name())
                .detail("consecutive", counter.consecutive()),
        )];
        if counter.is_permanently_locked() {
            effects.push(Effect::Audit(
                AuditEvent::new(now, AuditKind::LockedPermanently, "account")
                    .detail("factor", factor.name()),
            ));
        }
        GuardStep {
            decision: Decision::Allow,
            guard: next,
            effects,
        }
    }

    /// A successful attempt: clears the factor's counter (and the device's),
    /// and trusts the device from now on.
    pub fn succeed(&self, factor: Factor, device: Option<&str>, now: Timestamp) -> GuardStep {
        let (mut next, now) = self.advance(now);
        *next.counter_mut(factor) = FailureCounter::default();
        if let Some(d) = device.filter(|d| !d.is_empty() && d.len() <= Self::MAX_DEVICE_ID) {
            next.devices.insert(
                d.to_owned(),
                Device {
                    trusted_at: now,
                    counter: FailureCounter::default(),
                },
            );
            while next.devices.len() > Self::MAX_DEVICES {
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
        }
        GuardStep {
            decision: Decision::Allow,
            guard: next,
            effects: vec![Effect::Audit(
                AuditEvent::new(now, AuditKind::AttemptSucceeded, "account")
                    .detail("factor", factor.name()),
            )],
        }
    }

    /// Lifts every lock, permanent ones included: an operator's action, or a
    /// completed recovery.
    pub fn unlock(&self, by: &Unlock, now: Timestamp) -> GuardStep {
        let (mut next, now) = self.advance(now);
        next.password = FailureCounter::default();
        next.second_factor = FailureCounter::default();
        next.recovery = FailureCounter::default();
        for d in next.devices.values_mut() {
            d.counter = FailureCounter::default();
        }
        let mut e = AuditEvent::new(now, AuditKind::Unlocked, "account");
        e = match by {
            Unlock::Operator { operator } => {
                e.detail("by", "operator").detail("operator", operator)
            }
            Unlock::Recovery => e.detail("by", "recovery"),
        };
        GuardStep {
            decision: Decision::Allow,
            guard: next,
            effects: vec![Effect::Audit(e)],
        }
    }

    /// Loads a stored guard.
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON or too many devices,
    /// [`Error::UnsupportedVersion`] for a newer format.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let g: AccountGuard =
            crate::error::load_json(json, |g: &AccountGuard| g.version, Self::FORMAT_VERSION)?;
        if g.devices.len() > Self::MAX_DEVICES {
            return Err(Error::Deserialize(format!(
                "more than {} devices",
                Self::MAX_DEVICES
            )));
        }
        Ok(g)
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
