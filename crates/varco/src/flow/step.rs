//! What every engine call returns: the outcome, the view, the writes, the
//! effects, and what the host does next.

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::records::FlowWrite;
use super::session::SessionGrant;
use super::view::{BlockCause, EndReason, View};
use crate::effect::Effect;
use crate::otp::Channel;

/// A random secret of 32 bytes in hex: a flow's client secret, or a
/// reservation's ticket. Wiped on drop, redacted in `Debug`; the flow keeps
/// only its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub(crate) fn draw<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut b = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(b.as_mut());
        Secret(Zeroizing::new(data_encoding::HEXLOWER.encode(b.as_ref())))
    }

    /// Wraps a secret the host kept (a client secret from a cookie, a
    /// ticket from the previous call).
    pub fn new(s: String) -> Self {
        Secret(Zeroizing::new(s))
    }

    /// The secret's text: give it to the client (a client secret, in an
    /// HTTP-only cookie) or back to the engine (a ticket). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the text, hex: what a flow stores.
    pub(crate) fn digest(&self) -> String {
        digest(self.expose())
    }
}

/// SHA-256 of `s`, hex.
pub(crate) fn digest(s: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(s.as_bytes()))
}

/// Whether `given` hashes to `stored` (constant time in the digest).
pub(crate) fn matches_digest(given: &str, stored: &str) -> bool {
    bool::from(digest(given).as_bytes().ct_eq(stored.as_bytes()))
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What the host does once the writes are committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Reply with the step's view.
    Respond,
    /// Load these records (the host cannot know them before it has the
    /// account), then call again with the same input.
    Load {
        /// Record keys (absent ones are given as `None`).
        keys: Vec<String>,
    },
    /// An attempt was reserved (counted): commit, reload, and call again
    /// with the same input and this ticket, kept in the request's memory.
    CommitAndRepeat {
        /// The reservation's ticket.
        ticket: Secret,
    },
}

impl Then {
    /// The stable name (`respond`, `load`, `commit_and_repeat`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Then::Respond => "respond",
            Then::Load { .. } => "load",
            Then::CommitAndRepeat { .. } => "commit_and_repeat",
        }
    }
}

/// Why a sign-in did not go on: for the host and the audit log, never the
/// view (which says "errore di autenticazione" for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// No account has this identifier.
    UnknownAccount,
    /// The account has no password.
    NoPassword,
    /// The stored hash is malformed or names a pepper this engine lacks.
    UnusableHash,
    /// The password is wrong (or empty).
    WrongPassword,
    /// The account's password budget (or the device's) is locked.
    Locked,
    /// The source's budget is locked.
    SourceLocked,
    /// The password is right, the account is blocked, and there is no
    /// second factor to pass first: the owner is told on their channels.
    Blocked,
    /// A wrong code.
    WrongCode,
    /// An expired code.
    CodeExpired,
    /// The code's attempts are used up.
    CodeExhausted,
    /// The second factor's budget is locked.
    SecondFactorLocked,
    /// The host's human check did not pass.
    CaptchaFailed,
    /// A new password the policy refuses.
    PasswordRejected,
    /// A wrong answer to the secret question (or a decoy's question).
    WrongAnswer,
    /// A recovery mobile that is not a valid mobile number.
    NumberRejected,
    /// An operator's temporary password past its hours.
    PasswordExpired,
    /// A registration's personal data or email did not validate.
    FieldsRejected,
    /// A registration's username or email belongs to another account.
    UsernameTaken,
    /// A registration's terms or privacy notice not accepted.
    TermsRequired,
    /// A registration's email is certified mail (PEC).
    PecRefused,
}

impl Rejection {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::UnknownAccount => "unknown_account",
            Rejection::NoPassword => "no_password",
            Rejection::UnusableHash => "unusable_hash",
            Rejection::WrongPassword => "wrong_password",
            Rejection::Locked => "locked",
            Rejection::SourceLocked => "source_locked",
            Rejection::Blocked => "blocked",
            Rejection::WrongCode => "wrong_code",
            Rejection::CodeExpired => "code_expired",
            Rejection::CodeExhausted => "code_exhausted",
            Rejection::SecondFactorLocked => "second_factor_locked",
            Rejection::CaptchaFailed => "captcha_failed",
            Rejection::PasswordRejected => "password_rejected",
            Rejection::WrongAnswer => "wrong_answer",
            Rejection::NumberRejected => "number_rejected",
            Rejection::PasswordExpired => "password_expired",
            Rejection::FieldsRejected => "fields_rejected",
            Rejection::UsernameTaken => "username_taken",
            Rejection::TermsRequired => "terms_required",
            Rejection::PecRefused => "pec_refused",
        }
    }

    pub(crate) fn from_str(s: &str) -> Option<Rejection> {
        [
            Rejection::UnknownAccount,
            Rejection::NoPassword,
            Rejection::UnusableHash,
            Rejection::WrongPassword,
            Rejection::Locked,
            Rejection::SourceLocked,
            Rejection::Blocked,
            Rejection::WrongCode,
            Rejection::CodeExpired,
            Rejection::CodeExhausted,
            Rejection::SecondFactorLocked,
            Rejection::CaptchaFailed,
            Rejection::PasswordRejected,
            Rejection::WrongAnswer,
            Rejection::NumberRejected,
            Rejection::PasswordExpired,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// What happened, for the host's logic and the audit log. It may say what
/// the view must not ("unknown account", "locked").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FlowOutcome {
    /// A flow began.
    Started,
    /// Records are missing: see [`Then::Load`].
    NeedRecords,
    /// An attempt was counted before its check: see
    /// [`Then::CommitAndRepeat`].
    Reserved,
    /// The check passed; its verdict is kept: commit and repeat.
    Checked,
    /// Another request holds this flow's reservation: nothing was done.
    Busy,
    /// A stale step token (a double submit): the current view, no writes.
    Stale,
    /// A registration's emailed link was opened: its "CREA PASSWORD"
    /// button, nothing consumed, no writes.
    LinkOpened,
    /// The client secret did not match: the generic view, no writes.
    WrongClient,
    /// On to the next screen.
    Moved,
    /// The host must answer a question (see
    /// [`FlowEngine::answer`](super::FlowEngine::answer)).
    AwaitingHost {
        /// What to answer.
        question: super::view::HostQuestion,
    },

    /// A code was sent (or, when a shared budget is spent, silently not).
    CodeSent {
        /// The channel.
        channel: Channel,
        /// Whether it really went out.
        sent: bool,
    },
    /// Refused, with the private reason.
    Rejected {
        /// Why.
        reason: Rejection,
    },
    /// Signed in.
    SignedIn {
        /// What the host's session holds.
        grant: SessionGrant,
    },
    /// Every factor passed, and the account is blocked.
    Blocked {
        /// Why.
        cause: BlockCause,
    },
    /// Every factor passed, and the owner must act first: no session.
    ActionRequired {
        /// What.
        action: crate::account::RequiredAction,
    },
    /// The flow ended.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// A command was carried out; the account's state after it.
    Applied {
        /// The lifecycle state (`"state":"suspended"` in JSON, as
        /// everywhere else).
        #[serde(flatten)]
        state: crate::account::AccountState,
    },
    /// A flow completed what it was for (a reset, a change, a number
    /// saved). A reset grants no session.
    Done {
        /// What.
        done: super::view::Done,
        /// The session's grant, refreshed (a change from a session moves
        /// the account's epoch, which ends every older grant; the session
        /// that made it goes on with this one). `None` after a reset: a
        /// reset never signs in.
        grant: Option<SessionGrant>,
    },
}

impl FlowOutcome {
    /// The stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            FlowOutcome::Started => "started",
            FlowOutcome::NeedRecords => "need_records",
            FlowOutcome::Reserved => "reserved",
            FlowOutcome::Checked => "checked",
            FlowOutcome::Busy => "busy",
            FlowOutcome::Stale => "stale",
            FlowOutcome::LinkOpened => "link_opened",
            FlowOutcome::WrongClient => "wrong_client",
            FlowOutcome::Moved => "moved",
            FlowOutcome::AwaitingHost { .. } => "awaiting_host",

            FlowOutcome::CodeSent { .. } => "code_sent",
            FlowOutcome::Rejected { .. } => "rejected",
            FlowOutcome::SignedIn { .. } => "signed_in",
            FlowOutcome::Blocked { .. } => "blocked",
            FlowOutcome::ActionRequired { .. } => "action_required",
            FlowOutcome::Ended { .. } => "ended",
            FlowOutcome::Applied { .. } => "applied",
            FlowOutcome::Done { .. } => "done",
        }
    }
}

/// One engine step (ENGINE §2).
#[must_use = "commit the writes in order, put the effects in the outbox, then do what `then` says"]
#[derive(Debug)]
pub struct FlowStep {
    /// What happened.
    pub outcome: FlowOutcome,
    /// What to show; `None` with `Load` and `CommitAndRepeat`.
    pub view: Option<View>,
    /// One atomic commit, in order: restrict, consume, grant.
    pub writes: Vec<FlowWrite>,
    /// The outbox: send, notify, audit, once the commit succeeded.
    pub effects: Vec<Effect>,
    /// What to do next.
    pub then: Then,
}

/// What [`FlowEngine::start`](super::FlowEngine::start) returns: the step
/// (its one write is the new flow) and the client secret, which the client
/// presents with every input (an HTTP-only cookie, app memory).
#[derive(Debug)]
pub struct Started {
    /// The step.
    pub step: FlowStep,
    /// The flow's key (`flow/<id>`).
    pub flow_key: String,
    /// The client secret.
    pub client_secret: Secret,
}
