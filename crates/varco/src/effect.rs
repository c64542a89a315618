//! Effects: what the host must do after a step (send this SMS, this email,
//! write this audit event). varco never does them itself.

use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use crate::audit::AuditEvent;

/// Something the host must carry out.
///
/// Messages carry the one-time code, the only place it ever appears: `Debug`
/// redacts their text. Serialize them only to hand them to a sender; an
/// outbox keeps them sealed ([`crate::outbox`]), which is why they are
/// `Deserialize` too.
///
/// ```
/// use varco::effect::Effect;
/// use zeroize::Zeroizing;
///
/// let e = Effect::SendSms { to: "+393339876543".into(), text: Zeroizing::new("Usa il codice 123456".into()) };
/// assert!(!format!("{e:?}").contains("123456"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Send a text message.
    SendSms {
        /// The number, as given.
        to: String,
        /// The text, with the code in it.
        #[serde(serialize_with = "expose", deserialize_with = "secret_text")]
        text: Zeroizing<String>,
    },
    /// Send an email.
    SendEmail {
        /// The address.
        to: String,
        /// The subject (no secrets in it).
        subject: String,
        /// The body, with the code in it.
        #[serde(serialize_with = "expose", deserialize_with = "secret_text")]
        body: Zeroizing<String>,
    },
    /// Tell the account's owner, on every address the host has for them,
    /// that something happened to the account (a preventive block, a
    /// suspension). It carries no secret.
    NotifyOwner {
        /// What happened (a stable code, e.g. `preventive_block`).
        event: String,
        /// Details for the message.
        detail: String,
    },
    /// Write an audit event.
    Audit(AuditEvent),
    /// End every session of the account (its epoch moved: a password reset
    /// or change, an operator's forced reset). `except_device`: keep the
    /// session on this device (the one that made the change), if any.
    RevokeSessions {
        /// The account.
        account: String,
        /// The device whose session stays, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except_device: Option<String>,
    },
    /// Tell one address of something (no secret in it): the old recovery
    /// mobile, that a new one was set.
    NotifyAddress {
        /// The channel.
        channel: crate::otp::Channel,
        /// The number or address.
        to: String,
        /// What happened (`recovery_mobile_changed`).
        event: String,
    },
}

impl Effect {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"send_sms"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::SendSms { .. } => "send_sms",
            Effect::SendEmail { .. } => "send_email",
            Effect::NotifyOwner { .. } => "notify_owner",
            Effect::Audit(..) => "audit",
            Effect::RevokeSessions { .. } => "revoke_sessions",
            Effect::NotifyAddress { .. } => "notify_address",
        }
    }

    /// Whether the effect carries a secret (a message with a code or a
    /// link token in it): an outbox seals these at rest.
    pub fn carries_secret(&self) -> bool {
        matches!(self, Effect::SendSms { .. } | Effect::SendEmail { .. })
    }
}

fn secret_text<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    String::deserialize(d).map(Zeroizing::new)
}

fn expose<S: serde::Serializer>(v: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
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
            Effect::Audit(e) => f.debug_tuple("Audit").field(e).finish(),
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
