//! The daily budget of codes sent to one destination (a phone number, an
//! email address), so that nobody can make varco flood a number with SMS
//! (FLOWS F3, STANDARDS OT-05).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::record::Record;
use crate::{Error, Timestamp};

/// Recent sends to one destination, to enforce the daily cap: a record
/// ([`Stored<DestinationBudget>`](crate::record::Stored)) the host keeps
/// per destination (keyed by the number or address). Issuing and resending
/// a code take it and return it with the send counted; it names its
/// destination, so another destination's budget is refused.
///
/// ```
/// use varco::guard::DestinationBudget;
/// use varco::record::Stored;
/// let b = Stored::new(DestinationBudget::new("+393331234567"));
/// assert!(b.body().is_for("+393331234567"));
/// assert_eq!(b.body().sends_in_last_day(varco::Timestamp::EPOCH), 0);
/// assert!(Stored::<DestinationBudget>::from_json("{").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationBudget {
    to: String,
    sends: Vec<Timestamp>,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Sends remembered at most (the configuration's cap is at most 1000).
const MAX_SENDS: usize = 1000;

impl DestinationBudget {
    /// A budget for a destination with no sends yet.
    pub fn new(to: &str) -> Self {
        DestinationBudget {
            to: to.to_owned(),
            sends: Vec::new(),
        }
    }

    /// Whether this is the budget of `to`.
    pub fn is_for(&self, to: &str) -> bool {
        self.to == to
    }

    /// Sends counted in the 24 hours before `now`.
    pub fn sends_in_last_day(&self, now: Timestamp) -> usize {
        self.sends.iter().filter(|t| now.since(**t) < DAY).count()
    }

    /// `Err(retry_at)` when the cap is reached.
    pub(crate) fn check(&self, now: Timestamp, cap: u32) -> Result<(), Timestamp> {
        let recent: Vec<Timestamp> = self
            .sends
            .iter()
            .copied()
            .filter(|t| now.since(*t) < DAY)
            .collect();
        if recent.len() >= cap as usize {
            let oldest = recent.iter().min().copied().unwrap_or(now);
            return Err(oldest + DAY);
        }
        Ok(())
    }

    /// The budget with a send at `now` counted.
    pub(crate) fn record(&self, now: Timestamp, cap: u32) -> Self {
        let mut sends: Vec<Timestamp> = self
            .sends
            .iter()
            .copied()
            .filter(|t| now.since(*t) < DAY)
            .collect();
        sends.push(now);
        let keep = (cap.max(1) as usize).min(MAX_SENDS);
        if sends.len() > keep {
            sends.drain(..sends.len() - keep);
        }
        DestinationBudget {
            to: self.to.clone(),
            sends,
        }
    }
}

impl Record for DestinationBudget {
    const KIND: &'static str = "destination_budget";
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = 32 * 1024;

    fn validate(&self) -> Result<(), Error> {
        if self.to.is_empty() || self.to.len() > 320 || self.sends.len() > MAX_SENDS {
            return Err(Error::Deserialize(format!(
                "destination_budget: a destination of 1 to 320 bytes, at most {MAX_SENDS} sends"
            )));
        }
        Ok(())
    }
}
