//! The flow record: kind, state, subject, epoch, client binding, expiry,
//! reservation.

use serde::{Deserialize, Serialize};

use super::session::SessionGrant;
use super::view::{BlockCause, Done, EndReason, Method, ViewError};
use crate::guard::Attempt;
use crate::otp::Channel;
use crate::record::Record;
use crate::{Error, Timestamp};

/// What a flow is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Sign-in: identifier, password, second factor (FLOWS F4).
    Login,
    /// A signed-in user proves their factors again for a sensitive change
    /// and gets a fresh grant (started by
    /// [`FlowEngine::start_from_grant`](super::FlowEngine::start_from_grant)).
    StepUp,
    /// A forgotten password (FLOWS F6): identify, the recovery ladder (an
    /// SMS code to the recovery mobile, the secret question, "ask an
    /// operator"), the second factor if the account has one, a new
    /// password. It never signs in.
    PasswordReset,
    /// A signed-in user changes their password (FLOWS F1): the current one,
    /// counted like a sign-in, and the new one twice. Starts from a grant.
    PasswordChange,
    /// A signed-in user sets their recovery mobile (FLOWS F6): the number,
    /// then the SMS code sent to it. Starts from a grant.
    RecoveryMobile,
    /// A forgotten username (FLOWS F6): the email, a captcha the host
    /// checks, the phone number tied to the account, then an SMS code (or
    /// the secret question) reveals the username.
    UsernameRecovery,
    /// The public-sector portal's registration (FLOWS F7): the mobile and
    /// a captcha, its SMS code, the eligible contract (a host fact),
    /// personal data and tax codes, a duplicate's choice, the email (not
    /// PEC) and username with a confirmation link, the password with the
    /// terms; then the account is written, and a summary emailed.
    Registration,
    /// The consumer area's registration (FLOWS F7): the email, a fixed or
    /// mobile number and the host's captcha, the SMS code for a mobile,
    /// the password with the terms; the address is confirmed at the first
    /// sign-in (a required action). An address that has an account gets
    /// the same answer and writes nothing; its owner is told.
    ConsumerRegistration,
}

impl FlowKind {
    /// Every kind.
    pub const ALL: [FlowKind; 8] = [
        FlowKind::Login,
        FlowKind::StepUp,
        FlowKind::PasswordReset,
        FlowKind::PasswordChange,
        FlowKind::RecoveryMobile,
        FlowKind::UsernameRecovery,
        FlowKind::Registration,
        FlowKind::ConsumerRegistration,
    ];

    /// Whether it starts from a session grant
    /// ([`FlowEngine::start_from_grant`](super::FlowEngine::start_from_grant)).
    pub fn from_grant(self) -> bool {
        matches!(
            self,
            FlowKind::StepUp | FlowKind::PasswordChange | FlowKind::RecoveryMobile
        )
    }

    /// Whether it is a registration (public-sector or consumer).
    pub fn is_registration(self) -> bool {
        matches!(
            self,
            FlowKind::Registration | FlowKind::ConsumerRegistration
        )
    }

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Login => "login",
            FlowKind::StepUp => "step_up",
            FlowKind::PasswordReset => "password_reset",
            FlowKind::PasswordChange => "password_change",
            FlowKind::RecoveryMobile => "recovery_mobile",
            FlowKind::UsernameRecovery => "username_recovery",
            FlowKind::Registration => "registration",
            FlowKind::ConsumerRegistration => "consumer_registration",
        }
    }
}

impl std::str::FromStr for FlowKind {
    type Err = Error;
    /// Parses a stable name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown kind.
    fn from_str(s: &str) -> Result<Self, Error> {
        FlowKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!("unknown flow kind {:?}", crate::guard::clip(s)))
            })
    }
}

/// Who a flow is about: an account, or a decoy for an identifier that
/// names none (derived, never stored as an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Subject {
    Account { id: String },
    Decoy { id: String },
}

impl Subject {
    pub(crate) fn id(&self) -> &str {
        match self {
            Subject::Account { id } | Subject::Decoy { id } => id,
        }
    }
}

/// Where a login stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum State {
    Identify,
    Password,
    ChooseMethod,
    Code {
        challenge: String,
        channel: Channel,
    },
    Totp,
    RecoveryCode,
    AwaitingHost {
        question: super::view::HostQuestion,
    },
    SignedIn {
        grant: SessionGrant,
    },
    Blocked {
        cause: BlockCause,
    },
    ActionRequired {
        action: crate::account::RequiredAction,
    },
    /// The required action `verify_email`, with the code emailed for it.
    VerifyEmail {
        challenge: String,
    },
    Ended {
        reason: EndReason,
    },
    /// A reset's first rung: the code sent by SMS to the recovery mobile
    /// (for an account without one, or a decoy, a code that never
    /// arrives and never passes).
    ResetCode {
        challenge: String,
    },
    /// A reset's second rung: the secret question (a catalogue id).
    Question {
        question: String,
    },
    /// A reset past every factor: the new password, twice.
    NewPassword,
    /// A password change: the current password and the new one twice.
    ChangePassword,
    /// A recovery-mobile enrollment: the number.
    EnterMobile,
    /// A recovery-mobile enrollment: the code sent to `number`.
    ConfirmMobile {
        challenge: String,
        number: String,
    },
    /// Done: what was done (a reset, a change, a number saved).
    Done {
        done: Done,
    },
    /// A username recovery past its proof: the username shown.
    Revealed {
        username: String,
    },
    /// A registration's personal data and tax codes.
    PersonalData,
    /// A registration that matches an earlier one: recover or cease.
    DuplicateChoice,
    /// A registration's email and username.
    EnterEmail,
    /// A consumer registration's fixed or mobile number.
    EnterPhone,
    /// A registration's link is emailed (its digest in the draft).
    CheckEmail,
    /// A registration's confirmed address: the password and the terms.
    CreatePassword,
    /// A registration's password is hashed (kept in the draft): the
    /// account is written by the repeat of the same input, so a conflict
    /// never hashes again.
    Creating,
}

/// What a reserved attempt checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Checked {
    Password,
    RecoveryCode,
    /// A reset's answer to the secret question.
    Answer,
    /// A password change's current password.
    CurrentPassword,
}

/// An attempt counted before its expensive check (ENGINE §2): the hash of
/// its ticket, what it checks, the guard's ticket, and, once checked, the
/// verdict (so a rerun never hashes again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reservation {
    pub(crate) ticket: String,
    pub(crate) checks: Checked,
    /// The account guard's ticket; `None` when the attempt was counted on
    /// padding (a decoy, a locked account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) attempt: Option<Attempt>,
    /// The source counter's serial for this attempt, if it counted one: a
    /// right password takes it back (a source's successes are not its
    /// failures), without clearing the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source_attempt: Option<u64>,
    /// Why it cannot succeed, when that was known before the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) doomed: Option<String>,
    pub(crate) expires_at: Timestamp,
    /// `Some(true)` once the check passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) passed: Option<bool>,
    /// The password's new hash, when the stored one was old: made in the
    /// check (the only phase that holds the password and may hash), stored
    /// by the next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rehash: Option<String>,
    /// An implausible journey's verdict, found with the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) travel: Option<crate::guard::TravelAction>,
}

/// One flow: a record (`flow/<id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub(crate) id: String,
    pub(crate) kind: FlowKind,
    pub(crate) state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<Subject>,
    #[serde(default)]
    pub(crate) epoch: u64,
    /// SHA-256 of the client secret, hex.
    pub(crate) client: String,
    pub(crate) created_at: Timestamp,
    pub(crate) expires_at: Timestamp,
    /// The step token's counter: moved by every step that shows a new view.
    pub(crate) view: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ViewError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reservation: Option<Reservation>,
    /// The second factor's lock generation when the flow reached it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) second_factor_locks: Option<u64>,
    /// Factors passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) passed: Vec<Method>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) methods: Vec<Method>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resend_at: Option<Timestamp>,
    /// Where the sign-in comes from, as the host passed it at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) place: Option<crate::guard::Place>,
    /// An implausible journey asks for the second factor even where the
    /// owner did not turn it on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) step_up: bool,
    /// Trust the device after a full sign-in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) remember_device: bool,
    /// A captcha passed and not yet spent: it admits one password attempt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) captcha: bool,
    /// The codes of a refused new password's violations, for the view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) violations: Vec<String>,
    /// The session grant a change started from (it comes back refreshed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) grant: Option<SessionGrant>,
    /// A recovery code's destination, masked, when the host shows masks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) masked: Option<String>,
    /// What a registration has gathered so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) registration: Option<Box<super::registration::Draft>>,
}

impl Flow {
    /// The flow's id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Its kind.
    pub fn kind(&self) -> FlowKind {
        self.kind
    }
    /// When it ends by itself.
    pub fn expires_at_time(&self) -> Timestamp {
        self.expires_at
    }
    /// `flow/<id>`.
    pub fn record_key(&self) -> String {
        format!("flow/{}", self.id)
    }
    /// The current step token.
    pub fn token(&self) -> String {
        self.view.to_string()
    }
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self.state,
            State::SignedIn { .. }
                | State::Blocked { .. }
                | State::Ended { .. }
                | State::Done { .. }
                | State::Revealed { .. }
        )
    }
}

fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Record for Flow {
    const KIND: &'static str = "flow";
    const VERSION: u32 = 1;

    fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::Deserialize(format!("flow: {m}")));
        if !is_id(&self.id) || self.client.len() != 64 {
            return bad("a 32-hex-digit id and a 64-hex-digit client hash");
        }
        if self.expires_at < self.created_at || self.expires_at > Timestamp::LATEST {
            return bad("it expires after it was created, before the year 9999");
        }
        if self
            .source
            .as_ref()
            .is_some_and(|s| s.is_empty() || s.len() > 128)
            || self
                .device
                .as_ref()
                .is_some_and(|s| s.is_empty() || s.len() > 128)
        {
            return bad("a source or device id of 1 to 128 bytes");
        }
        if self.passed.len() > 8 || self.methods.len() > 8 || self.violations.len() > 32 {
            return bad("at most 8 methods");
        }
        if let Some(s) = &self.subject
            && (s.id().is_empty() || s.id().len() > 80)
        {
            return bad("a subject id of 1 to 80 bytes");
        }
        if let State::Code { challenge, .. }
        | State::VerifyEmail { challenge }
        | State::ResetCode { challenge }
        | State::ConfirmMobile { challenge, .. } = &self.state
            && !is_id(challenge)
        {
            return bad("a 32-hex-digit challenge id");
        }
        if let State::Question { question } = &self.state
            && (question.is_empty() || question.len() > 64)
        {
            return bad("a question id of 1 to 64 bytes");
        }
        if self.masked.as_ref().is_some_and(|m| m.len() > 32) {
            return bad("a mask of at most 32 bytes");
        }
        if let State::ConfirmMobile { number, .. } = &self.state
            && (number.is_empty() || number.len() > 32)
        {
            return bad("a number of 1 to 32 bytes");
        }
        if let Some(d) = &self.registration {
            d.validate()?;
        }
        if let Some(r) = &self.reservation
            && (r.ticket.len() != 64
                || r.doomed.as_ref().is_some_and(|d| d.len() > 64)
                || r.rehash.as_ref().is_some_and(|h| h.len() > 1024))
        {
            return bad("a 64-hex-digit ticket hash");
        }
        Ok(())
    }

    fn expires_at(&self) -> Option<Timestamp> {
        Some(self.expires_at)
    }
}
