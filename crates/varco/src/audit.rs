//! Audit events: every transition says what happened, to what, and why.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A delivery code was issued and sent.
    CodeIssued,
    /// A delivery code was replaced by a new one and sent.
    CodeResent,
    /// A send or resend was refused (cooldown, per-challenge or daily cap).
    CodeSendRefused,
    /// A delivery code was accepted.
    CodeAccepted,
    /// A wrong delivery code.
    CodeRejected,
    /// A delivery code was tried after its expiry.
    CodeExpired,
    /// A delivery code was tried after its attempts ran out.
    CodeExhausted,
    /// A delivery code was tried again after it was used.
    CodeReused,
    /// A delivery code was tried for another purpose.
    CodeWrongPurpose,
    /// An authentication attempt was refused or stepped up by the guard.
    AttemptRefused,
    /// An authentication attempt failed.
    AttemptFailed,
    /// An authentication attempt succeeded.
    AttemptSucceeded,
    /// A factor is locked until an operator or a recovery lifts it.
    LockedPermanently,
    /// Locks were lifted (by an operator or a recovery).
    Unlocked,
    /// A device was trusted after a full sign-in.
    DeviceTrusted,
    /// The owner activated the account.
    AccountActivated,
    /// The account was blocked preventively (an implausible location).
    AccountPreventivelyBlocked,
    /// The account became dormant (inactivity).
    AccountDormant,
    /// The subscription behind the account expired.
    AccountExpired,
    /// An operator suspended the account.
    AccountSuspended,
    /// The account was closed.
    AccountCeased,
    /// A completed recovery reactivated the account.
    AccountRecovered,
    /// An operator unblocked the account.
    AccountUnblockedByOperator,
    /// A renewal reactivated the account.
    AccountRenewed,
    /// A flow moved (started, refused, moved to another screen, ended):
    /// the details name the flow, the input and the private reason.
    FlowStep,
    /// A sign-in completed: every factor passed.
    SignedIn,
    /// An operator forced a password reset (with the operator, the reason
    /// and the identity document checked).
    PasswordForced,
}

impl AuditKind {
    /// Every kind, in declaration order.
    pub const ALL: [AuditKind; 27] = [
        AuditKind::CodeIssued,
        AuditKind::CodeResent,
        AuditKind::CodeSendRefused,
        AuditKind::CodeAccepted,
        AuditKind::CodeRejected,
        AuditKind::CodeExpired,
        AuditKind::CodeExhausted,
        AuditKind::CodeReused,
        AuditKind::CodeWrongPurpose,
        AuditKind::AttemptRefused,
        AuditKind::AttemptFailed,
        AuditKind::AttemptSucceeded,
        AuditKind::LockedPermanently,
        AuditKind::Unlocked,
        AuditKind::DeviceTrusted,
        AuditKind::AccountActivated,
        AuditKind::AccountPreventivelyBlocked,
        AuditKind::AccountDormant,
        AuditKind::AccountExpired,
        AuditKind::AccountSuspended,
        AuditKind::AccountCeased,
        AuditKind::AccountRecovered,
        AuditKind::AccountUnblockedByOperator,
        AuditKind::AccountRenewed,
        AuditKind::FlowStep,
        AuditKind::SignedIn,
        AuditKind::PasswordForced,
    ];

    /// The stable name, as in JSON (`"code_issued"`).
    ///
    /// ```
    /// use varco::audit::AuditKind;
    ///
    /// assert_eq!(AuditKind::CodeIssued.as_str(), "code_issued");
    /// assert_eq!("code_issued".parse::<AuditKind>().unwrap(), AuditKind::CodeIssued);
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::CodeIssued => "code_issued",
            AuditKind::CodeResent => "code_resent",
            AuditKind::CodeSendRefused => "code_send_refused",
            AuditKind::CodeAccepted => "code_accepted",
            AuditKind::CodeRejected => "code_rejected",
            AuditKind::CodeExpired => "code_expired",
            AuditKind::CodeExhausted => "code_exhausted",
            AuditKind::CodeReused => "code_reused",
            AuditKind::CodeWrongPurpose => "code_wrong_purpose",
            AuditKind::AttemptRefused => "attempt_refused",
            AuditKind::AttemptFailed => "attempt_failed",
            AuditKind::AttemptSucceeded => "attempt_succeeded",
            AuditKind::LockedPermanently => "locked_permanently",
            AuditKind::Unlocked => "unlocked",
            AuditKind::DeviceTrusted => "device_trusted",
            AuditKind::AccountActivated => "account_activated",
            AuditKind::AccountPreventivelyBlocked => "account_preventively_blocked",
            AuditKind::AccountDormant => "account_dormant",
            AuditKind::AccountExpired => "account_expired",
            AuditKind::AccountSuspended => "account_suspended",
            AuditKind::AccountCeased => "account_ceased",
            AuditKind::AccountRecovered => "account_recovered",
            AuditKind::AccountUnblockedByOperator => "account_unblocked_by_operator",
            AuditKind::AccountRenewed => "account_renewed",
            AuditKind::FlowStep => "flow_step",
            AuditKind::SignedIn => "signed_in",
            AuditKind::PasswordForced => "password_forced",
        }
    }
}

impl std::str::FromStr for AuditKind {
    type Err = crate::Error;

    /// Reads a kind's stable name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an unknown
    /// name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::Error::InvalidInput(format!("unknown audit kind {s:?}")))
    }
}

/// One audit record. It never holds a secret.
///
/// ```
/// use varco::audit::{AuditEvent, AuditKind};
/// use varco::Timestamp;
///
/// let e = AuditEvent::new(Timestamp::from_unix_seconds(1), AuditKind::CodeIssued, "ch-1")
///     .detail("channel", "sms");
/// assert_eq!(serde_json::to_string(&e).unwrap(),
///     r#"{"at":1000,"kind":"code_issued","subject":"ch-1","details":[["channel","sms"]]}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When (the host's time).
    pub at: Timestamp,
    /// What.
    pub kind: AuditKind,
    /// To what: a challenge, an account, a credential id.
    pub subject: String,
    /// Why, and other context, as key/value pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<(String, String)>,
}

impl AuditEvent {
    /// An event without details.
    pub fn new(at: Timestamp, kind: AuditKind, subject: &str) -> Self {
        AuditEvent {
            at,
            kind,
            subject: subject.to_owned(),
            details: Vec::new(),
        }
    }

    /// Adds a detail.
    pub fn detail(mut self, key: &str, value: impl ToString) -> Self {
        self.details.push((key.to_owned(), value.to_string()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_as_in_json() {
        for k in AuditKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(k.as_str().parse::<AuditKind>().unwrap(), k);
        }
    }
}
