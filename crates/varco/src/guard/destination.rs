//! The daily budget of codes sent to one destination (a phone number, an
//! email address), so that nobody can make varco flood a number with SMS
//! (FLOWS F3, STANDARDS OT-05).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Error, Timestamp};

/// Recent sends to one destination, to enforce the daily cap. The host keeps
/// one per destination (keyed by the number or address) and stores what each
/// step returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DestinationBudget {
    sends: Vec<Timestamp>,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl DestinationBudget {
    /// Loads a stored budget.
    ///
    /// ```
    /// use varco::guard::DestinationBudget;
    /// let b = DestinationBudget::default();
    /// assert_eq!(DestinationBudget::from_json(&b.to_json()).unwrap(), b);
    /// assert!(DestinationBudget::from_json("{").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::Deserialize(format!("budget: {e}")))
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
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

    pub(crate) fn record(&self, now: Timestamp, cap: u32) -> Self {
        let mut sends: Vec<Timestamp> = self
            .sends
            .iter()
            .copied()
            .filter(|t| now.since(*t) < DAY)
            .collect();
        sends.push(now);
        let keep = cap.max(1) as usize;
        if sends.len() > keep {
            sends.drain(..sends.len() - keep);
        }
        DestinationBudget { sends }
    }
}
