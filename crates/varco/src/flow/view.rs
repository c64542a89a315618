//! What a user may be shown: the screen, the inputs it takes, the step
//! token.

use serde::{Deserialize, Serialize};

use crate::otp::Channel;
use crate::{Error, Timestamp};

/// A second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A code by SMS to the registered mobile.
    Sms,
    /// A code by email, where the account has no mobile.
    Email,
    /// An authenticator app.
    Totp,
    /// A one-time recovery code.
    RecoveryCode,
}

impl Method {
    /// Every method, in the order they are offered.
    pub const ALL: [Method; 4] = [
        Method::Sms,
        Method::Email,
        Method::Totp,
        Method::RecoveryCode,
    ];

    /// The stable name (`sms`, `email`, `totp`, `recovery_code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::Email => "email",
            Method::Totp => "totp",
            Method::RecoveryCode => "recovery_code",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    /// Parses a stable name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    fn from_str(s: &str) -> Result<Self, Error> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!("unknown method {:?}", crate::guard::clip(s)))
            })
    }
}

/// Why an account cannot sign in, once every factor has passed (never
/// before), and for the host's outcome and the audit log always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockCause {
    /// Unused for too long; a password reset reactivates it.
    Dormant,
    /// The subscription behind it expired; a renewal reactivates it.
    SubscriptionExpired,
    /// An operator blocked it; call support.
    Operator,
    /// A sign-in from an implausible place; call support.
    Location,
    /// Not yet activated.
    PendingActivation,
    /// Closed.
    Ceased,
}

impl BlockCause {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockCause::Dormant => "dormant",
            BlockCause::SubscriptionExpired => "subscription_expired",
            BlockCause::Operator => "operator",
            BlockCause::Location => "location",
            BlockCause::PendingActivation => "pending_activation",
            BlockCause::Ceased => "ceased",
        }
    }

    /// How the owner unblocks it.
    pub fn unblock(self) -> Unblock {
        match self {
            BlockCause::Dormant => Unblock::ResetPassword,
            BlockCause::SubscriptionExpired => Unblock::RenewSubscription,
            BlockCause::Operator | BlockCause::Location => Unblock::CallSupport,
            BlockCause::PendingActivation => Unblock::Activate,
            BlockCause::Ceased => Unblock::Nothing,
        }
    }
}

/// How a blocked owner unblocks the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unblock {
    /// Reset the password (a completed recovery reactivates it).
    ResetPassword,
    /// Renew the subscription.
    RenewSubscription,
    /// Call support (an operator unblocks it).
    CallSupport,
    /// Activate the account (from the activation message).
    Activate,
    /// Nothing: it is closed.
    Nothing,
}

impl Unblock {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unblock::ResetPassword => "reset_password",
            Unblock::RenewSubscription => "renew_subscription",
            Unblock::CallSupport => "call_support",
            Unblock::Activate => "activate",
            Unblock::Nothing => "nothing",
        }
    }
}

/// Why a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The user cancelled.
    Cancelled,
    /// It expired.
    Expired,
    /// The second factor locked (in this flow or another): start over.
    SecondFactorLocked,
    /// The account changed (a password reset, a block): start over.
    AccountChanged,
    /// The account has no second factor that the policy requires.
    NoSecondFactor,
    /// The code's own attempts are used up: start again.
    AttemptsUsedUp,
    /// A reset's every rung failed or was forgotten: an operator must
    /// check the owner's identity out of band ("forzatura della password").
    AskOperator,
    /// The session grant is too old or too weak for this flow: step up
    /// first (a [`FlowKind::StepUp`](super::FlowKind::StepUp) flow).
    ReauthRequired,
    /// The deployment does not offer this flow for what was typed (a
    /// username recovery for an excluded mail domain): the same answer for
    /// every address of it, known or not.
    NotAvailable,
    /// A registration's mobile is on no eligible contract (the host said
    /// so, after the number was proved by default).
    NotEligible,
    /// A registration found an earlier one with the same number and tax
    /// codes, and the user chose to recover its credentials: the host
    /// starts a password reset.
    RecoverExisting,
    /// The registration's probe budget (duplicate checks, taken
    /// usernames) for this mobile is spent for now: try later.
    ProbesUsedUp,
}

impl EndReason {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Cancelled => "cancelled",
            EndReason::Expired => "expired",
            EndReason::SecondFactorLocked => "second_factor_locked",
            EndReason::AccountChanged => "account_changed",
            EndReason::NoSecondFactor => "no_second_factor",
            EndReason::AttemptsUsedUp => "attempts_used_up",
            EndReason::AskOperator => "ask_operator",
            EndReason::ReauthRequired => "reauth_required",
            EndReason::NotAvailable => "not_available",
            EndReason::NotEligible => "not_eligible",
            EndReason::RecoverExisting => "recover_existing",
            EndReason::ProbesUsedUp => "probes_used_up",
        }
    }
}

/// What the flow waits for the host to answer (through
/// [`FlowEngine::answer`](super::FlowEngine::answer), never the user's
/// input).
///
/// In JSON a question without data is its name (`"captcha"`), one with
/// data an object named by it (`{"eligible_contract":{"mobile":"+39…"}}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostQuestion {
    /// Is a human at the keyboard? The host shows its captcha (or slider)
    /// and answers with the verdict. Asked when the request's source has
    /// failed `captcha_after` times: a question about the source, never
    /// the account, so it is the same for a known and an unknown one; and
    /// at a registration's first step.
    Captcha,
    /// Is this mobile on a contract that may register (FLOWS F7)? Asked
    /// after the number is proved by SMS (before, only where the host
    /// turned `registration.eligibility_before_proof` on: it tells anyone
    /// which numbers hold eligible contracts).
    EligibleContract {
        /// The proved mobile, E.164.
        mobile: String,
    },
    /// Is there a registration with this number and these tax codes? Asked
    /// after the SMS proof only, and counted in the mobile's probe budget
    /// from the second time.
    Duplicate {
        /// The proved mobile, E.164.
        mobile: String,
        /// The person's codice fiscale.
        codice_fiscale: String,
        /// The organisation's code.
        organisation_code: String,
    },
    /// Is this address certified mail (PEC)? Asked where the host turned
    /// `registration.ask_host_pec` on, for an address the domain list did
    /// not already refuse.
    IsPec {
        /// The address as it will be stored.
        email: String,
    },
}

impl HostQuestion {
    /// The stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            HostQuestion::Captcha => "captcha",
            HostQuestion::EligibleContract { .. } => "eligible_contract",
            HostQuestion::Duplicate { .. } => "duplicate",
            HostQuestion::IsPec { .. } => "is_pec",
        }
    }
}

/// The screen to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    /// Ask for the username or email.
    Identify,
    /// Ask for the password.
    Password,
    /// Ask which second factor to use.
    ChooseMethod,
    /// Ask for the code sent by SMS or email.
    Code {
        /// Where it went (the channel, never the address unless masks are on).
        channel: Channel,
    },
    /// Ask for the authenticator's code.
    Totp,
    /// Ask for a recovery code.
    RecoveryCode,
    /// The host must answer a question first (a captcha).
    AwaitingHost {
        /// What to answer.
        question: HostQuestion,
    },
    /// Signed in: the host opens a session with the outcome's grant.
    SignedIn,
    /// Every factor passed, and the account is blocked: why, and how to
    /// unblock it.
    Blocked {
        /// Why.
        cause: BlockCause,
        /// How.
        unblock: Unblock,
    },
    /// Every factor passed, and the owner must act before signing in:
    /// change the password (`new_password`), confirm the email (the `code`
    /// emailed to it; `resend`, with the view's `resend_at`), accept the
    /// terms (`accept_terms`).
    ActionRequired {
        /// What.
        action: crate::account::RequiredAction,
    },
    /// The flow ended: start again.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// A reset's secret question (FLOWS F6): the answer (`answer`), or
    /// `forgot` to end with "ask an operator".
    Question {
        /// The question's id in the configured catalogue (the host shows
        /// its text).
        question: String,
    },
    /// A new password, twice (`new_password`): a reset past every factor.
    NewPassword,
    /// A password change (`change_password`): the current password and the
    /// new one twice.
    ChangePassword,
    /// A recovery mobile to enroll (`mobile`).
    EnterMobile,
    /// Done: what was done. A reset ends here with "sign in with your new
    /// password": it never signs in.
    Done {
        /// What.
        done: Done,
    },
    /// A username recovery's answer: the username.
    Revealed {
        /// The username (or the email, for an account without one).
        username: String,
    },
    /// A registration's personal data (`personal_data`): first name, last
    /// name, the person's codice fiscale, the organisation's code. With
    /// `fields_rejected`, the view's `violations` are the validators'
    /// problem codes (`cf_check`, `vat_length`, ...).
    PersonalData,
    /// A registration matches an earlier one: recover its credentials, or
    /// go on and cease it (`duplicate_choice`).
    DuplicateChoice,
    /// A registration's email, and the username (the email unless the
    /// user types another) (`email`).
    EnterEmail,
    /// A consumer registration's fixed or mobile number (`mobile`; a fixed
    /// number is taken too, and proved by nothing).
    EnterPhone,
    /// A confirmation link was emailed: follow it (`resend`, `back`).
    CheckEmail,
    /// The emailed link was opened: the "CREA PASSWORD" button
    /// (`confirm_link`). Opening consumed nothing (mail scanners open
    /// links).
    ConfirmLink,
    /// The password twice, and the terms and the privacy notice
    /// (`create_password`).
    CreatePassword,
}

/// What a completed flow did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Done {
    /// The password was reset: sign in with the new one.
    PasswordReset,
    /// The password was changed.
    PasswordChanged,
    /// The recovery mobile was saved (it serves a recovery once its hold
    /// has passed).
    RecoveryMobileSaved,
    /// The username was shown.
    UsernameRevealed,
    /// A registration created the account: sign in.
    Registered,
}

impl Done {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Done::PasswordReset => "password_reset",
            Done::PasswordChanged => "password_changed",
            Done::RecoveryMobileSaved => "recovery_mobile_saved",
            Done::UsernameRevealed => "username_revealed",
            Done::Registered => "registered",
        }
    }
}

impl Screen {
    /// The stable name (`identify`, `password`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Screen::Identify => "identify",
            Screen::Password => "password",
            Screen::ChooseMethod => "choose_method",
            Screen::Code { .. } => "code",
            Screen::Totp => "totp",
            Screen::RecoveryCode => "recovery_code",
            Screen::AwaitingHost { .. } => "awaiting_host",
            Screen::SignedIn => "signed_in",
            Screen::Blocked { .. } => "blocked",
            Screen::ActionRequired { .. } => "action_required",
            Screen::Ended { .. } => "ended",
            Screen::Question { .. } => "question",
            Screen::NewPassword => "new_password",
            Screen::ChangePassword => "change_password",
            Screen::EnterMobile => "enter_mobile",
            Screen::Done { .. } => "done",
            Screen::Revealed { .. } => "revealed",
            Screen::PersonalData => "personal_data",
            Screen::DuplicateChoice => "duplicate_choice",
            Screen::EnterEmail => "enter_email",
            Screen::EnterPhone => "enter_phone",
            Screen::CheckEmail => "check_email",
            Screen::ConfirmLink => "confirm_link",
            Screen::CreatePassword => "create_password",
        }
    }
}

/// An error to show on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewError {
    /// "Errore di autenticazione": whatever was wrong, before every factor
    /// has passed.
    AuthenticationFailed,
    /// The code is wrong: "RIPROVA".
    CodeWrong,
    /// The code expired: "RICHIEDI UN NUOVO CODICE".
    CodeExpired,
    /// The host's human check did not pass: try it again.
    CaptchaFailed,
    /// The host could not deliver the code: send it again, or choose
    /// another method.
    NotDelivered,
    /// The new password breaks the policy (the view's `violations` say
    /// how), or its two copies differ.
    PasswordRejected,
    /// The number is not a mobile number that can be enrolled.
    NumberRejected,
    /// Personal data or an email that did not validate: the view's
    /// `violations` are the problems' codes.
    FieldsRejected,
    /// The username (or the email) belongs to another account: choose
    /// another.
    UsernameTaken,
    /// The terms and the privacy notice must both be accepted.
    TermsRequired,
}

impl ViewError {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewError::AuthenticationFailed => "authentication_failed",
            ViewError::CodeWrong => "code_wrong",
            ViewError::CodeExpired => "code_expired",
            ViewError::CaptchaFailed => "captcha_failed",
            ViewError::NotDelivered => "not_delivered",
            ViewError::PasswordRejected => "password_rejected",
            ViewError::NumberRejected => "number_rejected",
            ViewError::FieldsRejected => "fields_rejected",
            ViewError::UsernameTaken => "username_taken",
            ViewError::TermsRequired => "terms_required",
        }
    }
}

/// What the user may be shown. Before every factor has passed it depends
/// only on the input and the flow's own state: an unknown account, a wrong
/// password and a blocked account give the same view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    /// The flow's id (for the page's URL or form).
    pub flow: String,
    /// The step token: submit it with the next input; a stale one (a double
    /// submit) gets this view again and changes nothing.
    pub token: String,
    /// The screen.
    #[serde(flatten)]
    pub screen: Screen,
    /// An error to show, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ViewError>,
    /// The methods to choose from (on `choose_method`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<Method>,
    /// When "send again" becomes possible (on `code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resend_at: Option<Timestamp>,
    /// How a new password breaks the policy (with `password_rejected`):
    /// the violations' stable codes (`too_short`, `common`,
    /// `confirmation_mismatch`, ...), in the policy's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
    /// Where a recovery code went, masked (`+39*******567`), when the host
    /// turned masks on (`recovery.show_masks`; off by default: before
    /// proof, a decoy's made-up mask gives itself away to anyone who knows
    /// the owner's number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
    /// What this flow's client entered on this screen before (a
    /// registration's number, personal data, email and username), to show
    /// again after a refusal or a `back`: only the client's own input,
    /// never a stored fact about an account.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<FormValue>,
}

/// One field of a form as the client entered it.
///
/// ```
/// let v = varco::flow::FormValue { field: "codice_fiscale".into(), value: "RSSMRA80A01H501U".into() };
/// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"field":"codice_fiscale","value":"RSSMRA80A01H501U"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormValue {
    /// The input's field (`codice_fiscale`).
    pub field: String,
    /// What was entered (normalised where it was valid).
    pub value: String,
}
