//! Budgets per source (an address, a device) or per destination (a phone
//! number, an email): one counter record per key, under its own lockout
//! policy, with the same protocol as an account's guard.

use varco::guard::{FailureCounter, LockoutPolicy};
use varco::record::Stored;

use crate::guard::{AttemptStep, UpdateStep, attempt_step, ticket, update_step};
use crate::{VarcoError, at_ms};

/// A budget for one kind of key (source addresses, destinations), under a
/// lockout policy. Thread-safe; create one per kind of key.
#[derive(Debug, uniffi::Object)]
pub struct Throttle {
    policy: LockoutPolicy,
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
    /// as a failure in the write until [`succeed`](Self::succeed) (count
    /// first, so parallel attempts cannot slip past the limit); a refusal
    /// writes nothing. `record` is the key's stored counter (none for a new
    /// key).
    pub fn begin(&self, record: Option<String>, now_ms: i64) -> Result<AttemptStep, VarcoError> {
        let c = Stored::load_or(record.as_deref(), FailureCounter::default)?;
        Ok(attempt_step(c.begin(&self.policy, at_ms(now_ms)?)?))
    }

    /// The attempt passed: the key's failures counted up to it are cleared.
    pub fn succeed(
        &self,
        record: String,
        attempt: String,
        now_ms: i64,
    ) -> Result<UpdateStep, VarcoError> {
        let c = Stored::<FailureCounter>::from_json(&record)?;
        let serial: u64 = ticket(&attempt)?;
        Ok(update_step(c.succeed(serial, at_ms(now_ms)?)?))
    }
}
