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
/// use varco::flow::{Requirement, SessionCheck, SessionGrant};
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_800_000_000);
/// let account = Stored::new(Account::new("a1", t).unwrap());
/// let grant = SessionGrant::from_json(r#"{"account":"a1","epoch":0,"level":2,"methods":["sms"],"at":1800000000000}"#).unwrap();
/// assert_eq!(grant.check(&account, t, &Requirement::default()), SessionCheck::Valid);
/// // A sensitive change wants a sign-in at most 5 minutes old.
/// let later = Timestamp::from_unix_seconds(1_800_000_000 + 600);
/// let recent = Requirement { max_age: Some(Duration::from_secs(300)), level: 1 };
/// assert_eq!(grant.check(&account, later, &recent), SessionCheck::StepUp);
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

/// What a host's action asks of a grant: at most this old, at least this
/// level. A grant that falls short needs a step-up
/// ([`FlowEngine::start_from_grant`](super::FlowEngine::start_from_grant)).
///
/// ```
/// use varco::flow::Requirement;
/// // Any live session:
/// assert_eq!(Requirement::default(), Requirement { max_age: None, level: 1 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    /// The oldest sign-in accepted, if the action cares.
    pub max_age: Option<Duration>,
    /// The assurance level asked: 1 (a password), 2 (a second factor too).
    pub level: u8,
}

impl Requirement {
    /// A requirement with its level checked: 1 (a password) or 2 (a second
    /// factor too); every binding and the CLI build theirs here.
    ///
    /// ```
    /// use std::time::Duration;
    /// use varco::flow::Requirement;
    ///
    /// let r = Requirement::new(Some(Duration::from_secs(300)), 2).unwrap();
    /// assert_eq!(r.level, 2);
    /// assert_eq!(Requirement::new(None, 3).unwrap_err().code(), "invalid_input");
    /// assert!(Requirement::new(None, 0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for any other
    /// level.
    pub fn new(max_age: Option<Duration>, level: u8) -> Result<Self, Error> {
        if !(1..=2).contains(&level) {
            return Err(Error::InvalidInput("a level is 1 or 2".into()));
        }
        Ok(Requirement { max_age, level })
    }
}

impl Default for Requirement {
    fn default() -> Self {
        Requirement {
            max_age: None,
            level: 1,
        }
    }
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
    /// It holds, but is too old or too weak for what is asked: a step-up
    /// first.
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

    /// The key of the account record to load for [`check`](Self::check).
    ///
    /// ```
    /// let g = varco::flow::SessionGrant::from_json(r#"{"account":"a1","epoch":0,"level":1,"at":0}"#).unwrap();
    /// assert_eq!(g.account_key(), "account/a1");
    /// ```
    pub fn account_key(&self) -> String {
        crate::account::account_key(&self.account)
    }

    /// The grant as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the grant still holds for `account` at `now`, and whether
    /// it meets what the action asks (`required`): recent enough, strong
    /// enough.
    pub fn check(
        &self,
        account: &Stored<Account>,
        now: Timestamp,
        required: &Requirement,
    ) -> SessionCheck {
        let a = account.body();
        if a.id() != self.account || a.epoch() != self.epoch || !a.lifecycle().can_authenticate() {
            return SessionCheck::Revoked;
        }
        let too_old = required.max_age.is_some_and(|age| now.since(self.at) > age);
        if too_old || self.level < required.level {
            return SessionCheck::StepUp;
        }
        SessionCheck::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_too_old_one_millisecond_past_its_max_age_and_too_weak_below_its_level() {
        let t = Timestamp::from_unix_seconds(1_800_000_000);
        let account = Stored::new(Account::new("a1", t).unwrap());
        let grant = SessionGrant {
            account: "a1".into(),
            epoch: 0,
            level: 1,
            methods: Vec::new(),
            at: t,
            device: None,
        };
        let recent = Requirement {
            max_age: Some(Duration::from_secs(300)),
            level: 1,
        };
        let at = |ms: u64| Timestamp::from_unix_millis(1_800_000_000_000 + ms);
        assert_eq!(
            grant.check(&account, at(300_000), &recent),
            SessionCheck::Valid
        );
        assert_eq!(
            grant.check(&account, at(300_001), &recent),
            SessionCheck::StepUp
        );
        let strong = Requirement { level: 2, ..recent };
        assert_eq!(grant.check(&account, at(0), &strong), SessionCheck::StepUp);
        let level2 = SessionGrant {
            level: 2,
            ..grant.clone()
        };
        assert_eq!(level2.check(&account, at(0), &strong), SessionCheck::Valid);
        let other = SessionGrant { epoch: 1, ..grant };
        assert_eq!(other.check(&account, at(0), &recent), SessionCheck::Revoked);
    }
}
