//! Audit events: every transition says what happened, to what, and why.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
