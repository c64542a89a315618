//! Budgets per source (an address, a device) or per destination (a phone
//! number, an email): one counter per key, under its own lockout policy.

use varco::guard::{FailureCounter, LockoutPolicy};

use crate::guard::{Decision, decision};
use crate::{VarcoError, at};

/// A throttle step: the decision and the counter to store under the key.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ThrottleStep {
    /// What to do with the attempt.
    pub decision: Decision,
    /// The counter to store (keyed by the source or destination).
    pub counter: String,
}

/// A budget for one kind of key (source addresses, destinations), under a
/// lockout policy. Thread-safe; create one per kind of key.
#[derive(Debug, uniffi::Object)]
pub struct Throttle {
    policy: LockoutPolicy,
}

fn load(counter: Option<String>) -> Result<FailureCounter, VarcoError> {
    match counter {
        None => Ok(FailureCounter::default()),
        Some(j) => Ok(FailureCounter::from_json(&j)?),
    }
}

#[uniffi::export]
impl Throttle {
    /// A lockout policy as JSON (every field optional; `{}` gives the
    /// defaults): e.g. `{"threshold":20,"mode":"soft"}` for a source address.
    #[uniffi::constructor]
    pub fn new(policy_json: String) -> Result<Self, VarcoError> {
        Ok(Throttle {
            policy: LockoutPolicy::from_json(&policy_json)?,
        })
    }

    /// May an attempt from this key go ahead? An allowed attempt is counted
    /// as a failure until [`succeed`](Self::succeed) (count first, so
    /// parallel attempts cannot slip past the limit). `counter` is the
    /// stored counter (none for a new key).
    pub fn begin(&self, counter: Option<String>, now_ms: u64) -> Result<ThrottleStep, VarcoError> {
        let c = load(counter)?;
        let now = at(now_ms);
        let d = c.decide(&self.policy, now);
        let next = if d == varco::guard::Decision::Allow {
            c.fail(&self.policy, now)
        } else {
            c
        };
        Ok(ThrottleStep {
            decision: decision(d),
            counter: next.to_json(),
        })
    }

    /// The attempt succeeded: the key's failures are forgotten.
    pub fn succeed(&self, counter: String) -> Result<String, VarcoError> {
        Ok(load(Some(counter))?.succeed().to_json())
    }
}
