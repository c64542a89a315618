//! Session grants: what a completed sign-in gives the host's session, and
//! whether it still holds.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::view::Method;
use crate::account::Account;
use crate::record::Stored;
use crate::{Error, Timestamp};

/// What a completed sign-in proves: the host keeps it with its session.
///
/// ```
/// use std::time::Duration;
/// use varco::account::Account;
/// use varco::flow::{SessionCheck, SessionGrant};
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_800_000_000);
/// let account = Stored::new(Account::new("a1", t).unwrap());
/// let grant = SessionGrant::from_json(r#"{"account":"a1","epoch":0,"level":2,"methods":["sms"],"at":1800000000000}"#).unwrap();
/// assert_eq!(grant.check(&account, t, None), SessionCheck::Valid);
/// // A sensitive change wants a sign-in at most 5 minutes old.
/// let later = Timestamp::from_unix_seconds(1_800_000_000 + 600);
/// assert_eq!(grant.check(&account, later, Some(Duration::from_secs(300))), SessionCheck::StepUp);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionGrant {
    /// The account signed in.
    pub account: String,
    /// Its epoch at sign-in: when it moves, the grant is revoked.
    pub epoch: u64,
    /// 1 for a password alone, 2 with a second factor.
    pub level: u8,
    /// The factors used beyond the password.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// When.
    pub at: Timestamp,
    /// The device, if the host named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Whether a grant still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionCheck {
    /// It holds.
    Valid,
    /// It no longer holds (the account's epoch moved, the account is
    /// blocked or is another): end the session.
    Revoked,
    /// It holds, but is too old for what is asked: sign in again.
    StepUp,
}

impl SessionCheck {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionCheck::Valid => "valid",
            SessionCheck::Revoked => "revoked",
            SessionCheck::StepUp => "step_up",
        }
    }
}

impl SessionGrant {
    /// Reads a grant back from its JSON.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything that is not a grant.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "session grant")
    }

    /// The grant as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the grant still holds for `account` at `now`; with
    /// `max_age`, whether it is recent enough for a sensitive change.
    pub fn check(
        &self,
        account: &Stored<Account>,
        now: Timestamp,
        max_age: Option<Duration>,
    ) -> SessionCheck {
        let a = account.body();
        if a.id() != self.account || a.epoch() != self.epoch || !a.lifecycle().can_authenticate() {
            return SessionCheck::Revoked;
        }
        match max_age {
            Some(age) if now.since(self.at) > age => SessionCheck::StepUp,
            _ => SessionCheck::Valid,
        }
    }
}
