//! What the host must do after a step.

use std::sync::Arc;

use varco::audit::AuditKind;

use crate::secret::{SecretText, secret};

/// What an audit event records (the core's `varco::audit::AuditKind`).
#[uniffi::remote(Enum)]
pub enum AuditKind {
    CodeIssued,
    CodeResent,
    CodeSendRefused,
    CodeAccepted,
    CodeRejected,
    CodeExpired,
    CodeExhausted,
    CodeReused,
    CodeWrongPurpose,
    AttemptRefused,
    AttemptFailed,
    AttemptSucceeded,
    LockedPermanently,
    Unlocked,
    DeviceTrusted,
    AccountActivated,
    AccountPreventivelyBlocked,
    AccountDormant,
    AccountExpired,
    AccountSuspended,
    AccountCeased,
    AccountRecovered,
    AccountUnblockedByOperator,
    AccountRenewed,
    FlowStep,
    SignedIn,
    /// An operator forced a password reset.
    PasswordForced,
}

/// An effect to carry out: send a message, tell the owner, write an audit
/// event. The message texts hold codes: send them, never log them.
#[derive(Clone, uniffi::Enum)]
pub enum Effect {
    /// Send a text message.
    SendSms {
        /// The mobile number.
        to: String,
        /// The text (holds the code): `text.reveal()`.
        text: Arc<SecretText>,
    },
    /// Send an email.
    SendEmail {
        /// The address.
        to: String,
        /// The subject.
        subject: String,
        /// The body (holds the code): `body.reveal()`.
        body: Arc<SecretText>,
    },
    /// Tell the account's owner (a block they did not cause).
    NotifyOwner {
        /// What happened (`preventive_block`, `suspended`).
        event: String,
        /// The host's detail.
        detail: String,
    },
    /// Write an audit event.
    Audit {
        /// The event's kind.
        kind: AuditKind,
        /// The whole event as JSON.
        json: String,
    },
    /// End every session of the account (its epoch moved), except the one
    /// on `except_device` if any.
    RevokeSessions {
        /// The account.
        account: String,
        /// The device whose session stays.
        except_device: Option<String>,
    },
    /// Tell one address of something (no secret in it).
    NotifyAddress {
        /// The channel.
        channel: varco::otp::Channel,
        /// The number or address.
        to: String,
        /// What happened.
        event: String,
    },
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::SendSms { to, .. } => write!(f, "SendSms {{ to: {to:?}, text: <redacted> }}"),
            Effect::SendEmail { to, subject, .. } => {
                write!(
                    f,
                    "SendEmail {{ to: {to:?}, subject: {subject:?}, body: <redacted> }}"
                )
            }
            Effect::NotifyOwner { event, detail } => {
                write!(f, "NotifyOwner {{ event: {event:?}, detail: {detail:?} }}")
            }
            Effect::Audit { json, .. } => write!(f, "Audit({json})"),
            Effect::RevokeSessions {
                account,
                except_device,
            } => write!(
                f,
                "RevokeSessions {{ account: {account:?}, except_device: {except_device:?} }}"
            ),
            Effect::NotifyAddress { channel, to, event } => write!(
                f,
                "NotifyAddress {{ channel: {channel:?}, to: {to:?}, event: {event:?} }}"
            ),
        }
    }
}

impl From<varco::effect::Effect> for Effect {
    fn from(e: varco::effect::Effect) -> Self {
        use varco::effect::Effect as E;
        match e {
            E::SendSms { to, text } => Effect::SendSms {
                to,
                text: secret(text),
            },
            E::SendEmail { to, subject, body } => Effect::SendEmail {
                to,
                subject,
                body: secret(body),
            },
            E::NotifyOwner { event, detail } => Effect::NotifyOwner { event, detail },
            E::RevokeSessions {
                account,
                except_device,
            } => Effect::RevokeSessions {
                account,
                except_device,
            },
            E::NotifyAddress { channel, to, event } => Effect::NotifyAddress { channel, to, event },
            E::Audit(event) => Effect::Audit {
                kind: event.kind,
                json: serde_json::to_string(&event).unwrap_or_default(),
            },
        }
    }
}

/// Converts the core's effects.
pub(crate) fn effects(list: Vec<varco::effect::Effect>) -> Vec<Effect> {
    list.into_iter().map(Effect::from).collect()
}
