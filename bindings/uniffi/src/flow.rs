//! The flow engine (ENGINE §3-§5): one object, flows and records as opaque
//! text, inputs, outcomes, views, writes and effects as typed values.

use std::sync::Arc;
use std::time::Duration;

use varco::Timestamp;
use varco::account::IdentifierKind;
use varco::account::{Account, AccountState, RequiredAction};
use varco::flow::{
    BlockCause, CeaseDecision, Done, DuplicateChoice, EndReason, FlowKind, FlowOutcome, FormValue,
    HostFact, HostQuestion, Method, Rejection, Screen, SessionCheck, SessionGrant, Unblock, View,
    ViewError,
};
use varco::otp::Channel;
use varco::record::Stored;

use crate::effect::effects;
use crate::keys::ring;
use crate::secret::{SecretText, secret};
use crate::{Effect, HostKey, VarcoError, at_ms};

/// What a flow is for (the core's `varco::flow::FlowKind`).
#[uniffi::remote(Enum)]
pub enum FlowKind {
    /// Sign-in.
    Login,
    /// A signed-in user proves their factors again and gets a fresh grant
    /// (started by `FlowEngine.start_from_grant`).
    StepUp,
    /// A forgotten password: identify, the recovery ladder, the second
    /// factor, a new password. Never signs in.
    PasswordReset,
    /// A password change from a session's grant.
    PasswordChange,
    /// A recovery-mobile enrollment from a session's grant.
    RecoveryMobile,
    /// A forgotten username: email, captcha, the phone number, a code.
    UsernameRecovery,
    /// The public-sector registration: mobile, captcha, code, eligible
    /// contract, personal data, duplicate, email and link, password and
    /// terms.
    Registration,
    /// The consumer area's registration: email, a fixed or mobile number,
    /// the code for a mobile, password and terms.
    ConsumerRegistration,
}

/// A second factor (the core's `varco::flow::Method`).
#[uniffi::remote(Enum)]
pub enum Method {
    /// A code by SMS.
    Sms,
    /// A code by email, where there is no mobile.
    Email,
    /// An authenticator app.
    Totp,
    /// A one-time recovery code.
    RecoveryCode,
}

/// Why an account cannot sign in (the core's `varco::flow::BlockCause`).
#[uniffi::remote(Enum)]
pub enum BlockCause {
    /// Unused for too long.
    Dormant,
    /// The subscription expired.
    SubscriptionExpired,
    /// An operator blocked it.
    Operator,
    /// An implausible location.
    Location,
    /// Not yet activated.
    PendingActivation,
    /// Closed.
    Ceased,
}

/// How a blocked owner unblocks it (the core's `varco::flow::Unblock`).
#[uniffi::remote(Enum)]
pub enum Unblock {
    /// Reset the password.
    ResetPassword,
    /// Renew the subscription.
    RenewSubscription,
    /// Call support.
    CallSupport,
    /// Activate the account.
    Activate,
    /// Nothing: it is closed.
    Nothing,
}

/// Why a flow ended (the core's `varco::flow::EndReason`).
#[uniffi::remote(Enum)]
pub enum EndReason {
    /// Cancelled.
    Cancelled,
    /// Expired.
    Expired,
    /// The second factor locked.
    SecondFactorLocked,
    /// The account changed.
    AccountChanged,
    /// No second factor where one is required.
    NoSecondFactor,
    /// The code's attempts are used up.
    AttemptsUsedUp,
    /// Every rung of a reset failed or was forgotten: ask an operator.
    AskOperator,
    /// The grant is too old or too weak: step up first.
    ReauthRequired,
    /// Not offered for what was typed (an excluded mail domain).
    NotAvailable,
    /// A registration's mobile is on no eligible contract.
    NotEligible,
    /// The user chose to recover an earlier registration: start a reset.
    RecoverExisting,
    /// A registration's probe budget for its mobile is spent for now.
    ProbesUsedUp,
}

/// An error to show (the core's `varco::flow::ViewError`).
#[uniffi::remote(Enum)]
pub enum ViewError {
    /// "Errore di autenticazione".
    AuthenticationFailed,
    /// A wrong code.
    CodeWrong,
    /// An expired code.
    CodeExpired,
    /// The host's captcha did not pass.
    CaptchaFailed,
    /// The host could not deliver the code.
    NotDelivered,
    /// The new password breaks the policy (see `violations`).
    PasswordRejected,
    /// Not a mobile number that can be enrolled.
    NumberRejected,
    /// Fields that did not validate (see `violations`).
    FieldsRejected,
    /// The username or email belongs to another account.
    UsernameTaken,
    /// The terms and the privacy notice must both be accepted.
    TermsRequired,
}

/// What a flow waits for the host to answer (the core's
/// `varco::flow::HostQuestion`).
#[uniffi::remote(Enum)]
pub enum HostQuestion {
    /// Is a human at the keyboard: show the captcha, answer its verdict.
    Captcha,
    /// Is this proved mobile on an eligible contract?
    EligibleContract {
        /// The mobile, E.164.
        mobile: String,
    },
    /// Is there a registration with this number and these tax codes?
    Duplicate {
        /// The mobile, E.164.
        mobile: String,
        /// The person's codice fiscale.
        codice_fiscale: String,
        /// The organisation's code.
        organisation_code: String,
    },
    /// Is this address certified mail (PEC)?
    IsPec {
        /// The address.
        email: String,
    },
}

/// A fact only the host knows, for `FlowEngine.answer` (the core's
/// `varco::flow::HostFact`). No user input carries one.
#[uniffi::remote(Enum)]
pub enum HostFact {
    /// The captcha's verdict.
    Captcha {
        /// Whether it passed.
        passed: bool,
    },
    /// The code of the code screen could not be delivered.
    DeliveryFailed,
    /// Whether the mobile is on an eligible contract.
    EligibleContract {
        /// Eligible.
        eligible: bool,
    },
    /// The earlier registration with the same number and tax codes, if any.
    Duplicate {
        /// Its account id.
        account: Option<String>,
    },
    /// Whether the address is certified mail.
    IsPec {
        /// PEC.
        pec: bool,
    },
}

/// The screen to show (the core's `varco::flow::Screen`).
#[uniffi::remote(Enum)]
pub enum Screen {
    /// Username or email.
    Identify,
    /// Password.
    Password,
    /// Which second factor.
    ChooseMethod,
    /// The code sent.
    Code {
        /// Its channel.
        channel: Channel,
    },
    /// The authenticator's code.
    Totp,
    /// A recovery code.
    RecoveryCode,
    /// The host must answer first.
    AwaitingHost {
        /// What.
        question: HostQuestion,
    },
    /// Signed in.
    SignedIn,
    /// Blocked, after every factor passed.
    Blocked {
        /// Why.
        cause: BlockCause,
        /// How to unblock.
        unblock: Unblock,
    },
    /// The owner must act first.
    ActionRequired {
        /// What.
        action: RequiredAction,
    },
    /// Ended.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// A reset's secret question.
    Question {
        /// Its catalogue id.
        question: String,
    },
    /// A new password, twice.
    NewPassword,
    /// The current password and the new one twice.
    ChangePassword,
    /// A mobile number to enroll.
    EnterMobile,
    /// Done.
    Done {
        /// What.
        done: Done,
    },
    /// A username recovery's answer.
    Revealed {
        /// The username.
        username: String,
    },
    /// A registration's names and tax codes.
    PersonalData,
    /// Recover or cease an earlier registration.
    DuplicateChoice,
    /// A registration's email and username.
    EnterEmail,
    /// A consumer registration's fixed or mobile number.
    EnterPhone,
    /// A confirmation link was emailed.
    CheckEmail,
    /// The opened link's "CREA PASSWORD" button.
    ConfirmLink,
    /// The password twice, the terms and the privacy notice.
    CreatePassword,
}

/// What a completed flow did (the core's `varco::flow::Done`).
#[uniffi::remote(Enum)]
pub enum Done {
    /// The password was reset: sign in with the new one.
    PasswordReset,
    /// The password was changed.
    PasswordChanged,
    /// The recovery mobile was saved.
    RecoveryMobileSaved,
    /// The username was shown.
    UsernameRevealed,
    /// A registration created the account.
    Registered,
}

/// Something the owner must do before signing in (the core's
/// `varco::account::RequiredAction`).
#[uniffi::remote(Enum)]
pub enum RequiredAction {
    /// Choose a new password.
    ChangePassword,
    /// Confirm the email address.
    VerifyEmail,
    /// Accept the terms of service.
    AcceptTerms,
}

/// What the user may be shown (the core's `varco::flow::View`).
#[uniffi::remote(Record)]
pub struct View {
    /// The flow's id.
    pub flow: String,
    /// The step token to submit with the next input.
    pub token: String,
    /// The screen.
    pub screen: Screen,
    /// An error to show.
    pub error: Option<ViewError>,
    /// Methods to choose from.
    pub methods: Vec<Method>,
    /// When "send again" becomes possible (Unix ms).
    pub resend_at: Option<Timestamp>,
    /// How a refused new password breaks the policy: violation codes.
    pub violations: Vec<String>,
    /// Where a recovery code went, masked, when the host shows masks.
    pub masked: Option<String>,
    /// What the client entered on this screen before, to show again.
    pub form: Vec<FormValue>,
}

/// One field of a form as the client entered it (the core's
/// `varco::flow::FormValue`).
#[uniffi::remote(Record)]
pub struct FormValue {
    /// The input's field.
    pub field: String,
    /// What was entered.
    pub value: String,
}

/// Why a sign-in did not go on, for the host (the core's
/// `varco::flow::Rejection`).
#[uniffi::remote(Enum)]
pub enum Rejection {
    /// No such account.
    UnknownAccount,
    /// No password.
    NoPassword,
    /// An unusable stored hash.
    UnusableHash,
    /// A wrong password.
    WrongPassword,
    /// The password budget is locked.
    Locked,
    /// The source is locked.
    SourceLocked,
    /// Blocked, and no second factor to pass first.
    Blocked,
    /// A wrong code.
    WrongCode,
    /// An expired code.
    CodeExpired,
    /// The code's attempts are used up.
    CodeExhausted,
    /// The second factor is locked.
    SecondFactorLocked,
    /// The host's captcha did not pass.
    CaptchaFailed,
    /// A new password the policy refuses.
    PasswordRejected,
    /// A wrong answer to the secret question.
    WrongAnswer,
    /// Not a mobile number.
    NumberRejected,
    /// A temporary password past its hours.
    PasswordExpired,
    /// Personal data or an email that did not validate.
    FieldsRejected,
    /// A username or email another account holds.
    UsernameTaken,
    /// The terms or the privacy notice not accepted.
    TermsRequired,
    /// A certified-mail (PEC) address.
    PecRefused,
}

/// What a completed sign-in proves (the core's `varco::flow::SessionGrant`).
#[uniffi::remote(Record)]
pub struct SessionGrant {
    /// The account.
    pub account: String,
    /// Its epoch at sign-in.
    pub epoch: u64,
    /// 1 or 2.
    pub level: u8,
    /// Factors beyond the password.
    pub methods: Vec<Method>,
    /// When (Unix ms).
    pub at: Timestamp,
    /// The device.
    pub device: Option<String>,
}

/// Whether a grant still holds (the core's `varco::flow::SessionCheck`).
#[uniffi::remote(Enum)]
pub enum SessionCheck {
    /// It holds.
    Valid,
    /// It no longer holds.
    Revoked,
    /// Too old for what is asked.
    StepUp,
}

/// What happened (the core's `varco::flow::FlowOutcome`).
#[uniffi::remote(Enum)]
pub enum FlowOutcome {
    /// A flow began.
    Started,
    /// Records are missing.
    NeedRecords,
    /// An attempt was counted.
    Reserved,
    /// The check passed.
    Checked,
    /// Another request holds the flow.
    Busy,
    /// A stale step token.
    Stale,
    /// A registration's emailed link opened: its button, no writes.
    LinkOpened,
    /// A wrong client secret.
    WrongClient,
    /// The next screen.
    Moved,
    /// The host must answer a question.
    AwaitingHost {
        /// What.
        question: HostQuestion,
    },
    /// A code was sent (or silently not).
    CodeSent {
        /// The channel.
        channel: Channel,
        /// Whether it went out.
        sent: bool,
    },
    /// Refused.
    Rejected {
        /// Why.
        reason: Rejection,
    },
    /// Signed in.
    SignedIn {
        /// The grant.
        grant: SessionGrant,
    },
    /// Blocked, after every factor.
    Blocked {
        /// Why.
        cause: BlockCause,
    },
    /// The owner must act first: no session.
    ActionRequired {
        /// What.
        action: RequiredAction,
    },
    /// Ended.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// A command was carried out.
    Applied {
        /// The account's state.
        state: AccountState,
    },
    /// A flow completed (a reset, a change, a number saved).
    Done {
        /// What.
        done: Done,
        /// The session's refreshed grant (none after a reset).
        grant: Option<SessionGrant>,
    },
}

/// One input, for one screen (the core's `varco::flow::Input`, with
/// secrets as [`SecretText`]).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum FlowInput {
    /// The username or email.
    Identify {
        /// What the user typed.
        identifier: String,
    },
    /// An identifier of a named kind.
    IdentifyBy {
        /// Its kind.
        kind: IdentifierKind,
        /// What the user typed.
        identifier: String,
    },
    /// The password.
    Password {
        /// What the user typed.
        password: Arc<SecretText>,
    },
    /// The current password and a new one twice.
    ChangePassword {
        /// The current password.
        current: Arc<SecretText>,
        /// The new password.
        password: Arc<SecretText>,
        /// The same again.
        confirmation: Arc<SecretText>,
    },
    /// The answer to the secret question.
    Answer {
        /// What the user typed.
        answer: Arc<SecretText>,
    },
    /// "No longer my number" / "I forgot": the next rung.
    Forgot,
    /// A mobile number to enroll.
    Mobile {
        /// What the user typed.
        number: String,
    },
    /// Which second factor.
    ChooseMethod {
        /// The method.
        method: Method,
    },
    /// A code received by SMS or email.
    Code {
        /// What the user typed.
        code: Arc<SecretText>,
    },
    /// An authenticator's code.
    Totp {
        /// What the user typed.
        code: Arc<SecretText>,
    },
    /// A recovery code.
    RecoveryCode {
        /// What the user typed.
        code: Arc<SecretText>,
    },
    /// A new password, typed twice (a required change).
    NewPassword {
        /// The new password.
        password: Arc<SecretText>,
        /// The same again.
        confirmation: Arc<SecretText>,
    },
    /// The terms accepted (a required action).
    AcceptTerms,
    /// Send the code again.
    Resend,
    /// Back to choosing a method.
    Back,
    /// Abandon the flow.
    Cancel,
    /// A registration's names and tax codes.
    PersonalData {
        /// The first name(s).
        first_name: String,
        /// The last name(s).
        last_name: String,
        /// The person's codice fiscale.
        codice_fiscale: String,
        /// The organisation's code.
        organisation_code: String,
    },
    /// Recover or cease an earlier registration.
    DuplicateChoice {
        /// The choice.
        choice: DuplicateChoice,
    },
    /// A registration's email, and the username if not the email.
    Email {
        /// The address.
        address: String,
        /// Another username.
        username: Option<String>,
    },
    /// The emailed link opened (consumes nothing).
    OpenLink {
        /// The link's token.
        token: Arc<SecretText>,
    },
    /// The emailed link confirmed: its token is the flow's client secret
    /// from now on.
    ConfirmLink {
        /// The link's token.
        token: Arc<SecretText>,
    },
    /// The password twice with the terms and the privacy notice.
    CreatePassword {
        /// The password.
        password: Arc<SecretText>,
        /// The same again.
        confirmation: Arc<SecretText>,
        /// The terms accepted.
        accept_terms: bool,
        /// The privacy notice accepted.
        accept_privacy: bool,
    },
}

/// What a registration does about an earlier one (the core's
/// `varco::flow::DuplicateChoice`).
#[uniffi::remote(Enum)]
pub enum DuplicateChoice {
    /// Recover its credentials.
    Recover,
    /// Cease it and go on.
    Cease,
}

impl FlowInput {
    pub(crate) fn to_core(&self) -> varco::flow::Input {
        use varco::flow::Input as I;
        match self {
            FlowInput::Identify { identifier } => I::Identify {
                identifier: identifier.clone(),
            },
            FlowInput::IdentifyBy { kind, identifier } => I::IdentifyBy {
                kind: *kind,
                identifier: identifier.clone(),
            },
            FlowInput::Password { password } => I::Password {
                password: password.to_core(),
            },
            FlowInput::ChangePassword {
                current,
                password,
                confirmation,
            } => I::ChangePassword {
                current: current.to_core(),
                password: password.to_core(),
                confirmation: confirmation.to_core(),
            },
            FlowInput::Answer { answer } => I::Answer {
                answer: answer.to_core(),
            },
            FlowInput::Forgot => I::Forgot,
            FlowInput::Mobile { number } => I::Mobile {
                number: number.clone(),
            },
            FlowInput::ChooseMethod { method } => I::ChooseMethod { method: *method },
            FlowInput::Code { code } => I::Code {
                code: code.to_core(),
            },
            FlowInput::Totp { code } => I::Totp {
                code: code.to_core(),
            },
            FlowInput::RecoveryCode { code } => I::RecoveryCode {
                code: code.to_core(),
            },
            FlowInput::NewPassword {
                password,
                confirmation,
            } => I::NewPassword {
                password: password.to_core(),
                confirmation: confirmation.to_core(),
            },
            FlowInput::AcceptTerms => I::AcceptTerms,
            FlowInput::Resend => I::Resend,
            FlowInput::Back => I::Back,
            FlowInput::Cancel => I::Cancel,
            FlowInput::PersonalData {
                first_name,
                last_name,
                codice_fiscale,
                organisation_code,
            } => I::PersonalData {
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                codice_fiscale: codice_fiscale.clone(),
                organisation_code: organisation_code.clone(),
            },
            FlowInput::DuplicateChoice { choice } => I::DuplicateChoice { choice: *choice },
            FlowInput::Email { address, username } => I::Email {
                address: address.clone(),
                username: username.clone(),
            },
            FlowInput::OpenLink { token } => I::OpenLink {
                token: token.to_core(),
            },
            FlowInput::ConfirmLink { token } => I::ConfirmLink {
                token: token.to_core(),
            },
            FlowInput::CreatePassword {
                password,
                confirmation,
                accept_terms,
                accept_privacy,
            } => I::CreatePassword {
                password: password.to_core(),
                confirmation: confirmation.to_core(),
                accept_terms: *accept_terms,
                accept_privacy: *accept_privacy,
            },
        }
    }
}

/// A record the host loaded: its key and stored text, or `None` for a key
/// it looked up and did not find.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LoadedRecord {
    /// The key.
    pub key: String,
    /// The stored text, if any.
    pub record: Option<String>,
}

/// One write of a step's one atomic commit.
///
/// ```text
/// Put,    replaces == 0 -> INSERT (the key must not exist yet)
/// Put,    replaces == r -> UPDATE … WHERE key = ? AND revision = r
/// Assert, revision == r -> fail the commit unless the key is at revision r
/// ```
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FlowWrite {
    /// Store a record.
    Put {
        /// Its key.
        key: String,
        /// Its kind.
        kind: String,
        /// Its stored text.
        record: String,
        /// Its new revision.
        revision: i64,
        /// The revision it replaces; 0 when it must not exist yet.
        replaces: i64,
        /// When the record ends by itself (a flow, a challenge): index it
        /// and delete it once passed. `None` for records that last.
        expires_at: Option<Timestamp>,
    },
    /// Write nothing; fail the commit unless the record is at `revision`.
    Assert {
        /// Its key.
        key: String,
        /// The revision it must have.
        revision: i64,
    },
}

/// What the host does next.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum Then {
    /// Reply with the view.
    Respond,
    /// Load these keys, then advance again with the same input.
    Load {
        /// The keys.
        keys: Vec<String>,
    },
    /// Commit, reload, and advance again with the same input and this
    /// ticket.
    CommitAndRepeat {
        /// The reservation's ticket.
        ticket: Arc<SecretText>,
    },
}

/// One engine step (the core's `varco::flow::FlowStep`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FlowStep {
    /// What happened.
    pub outcome: FlowOutcome,
    /// What to show (with `Respond`).
    pub view: Option<View>,
    /// One atomic commit, in order.
    pub writes: Vec<FlowWrite>,
    /// For the outbox.
    pub effects: Vec<Effect>,
    /// The same effects as the outbox row to store in the step's commit
    /// (messages sealed), `None` when there are none.
    pub outbox: Option<OutboxRow>,
    /// What to do next.
    pub then: Then,
}

/// A step's row for a transactional outbox (the core's
/// `varco::outbox::Row`): store it in the same commit as the step's
/// writes; a sender opens it with `FlowEngine.open_outbox` and sends each
/// effect with the idempotency key `<step_id>/<index>`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutboxRow {
    /// A fresh id for the step.
    pub step_id: String,
    /// The effects, messages sealed: no code in clear.
    pub effects: String,
}

/// A started flow: its step (the flow's first write), its key, and the
/// client secret to give the client.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StartedFlow {
    /// The step.
    pub step: FlowStep,
    /// `flow/<id>`.
    pub flow_key: String,
    /// The client secret.
    pub client_secret: Arc<SecretText>,
}

/// Who gives a command.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum Actor {
    /// An operator, by id.
    Operator {
        /// The operator's id.
        id: String,
    },
    /// The host.
    Host,
}

/// A command (the core's `varco::flow::Command`, with a link's token as
/// [`SecretText`]).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum Command {
    /// An operator blocks the account.
    Block {
        /// The account.
        account: String,
        /// Why.
        reason: String,
    },
    /// An operator unblocks it.
    Unblock {
        /// The account.
        account: String,
    },
    /// The subscription expired.
    SubscriptionExpired {
        /// The account.
        account: String,
    },
    /// The subscription was renewed.
    SubscriptionRenewed {
        /// The account.
        account: String,
    },
    /// An operator's forced reset: a temporary password drawn by varco,
    /// sent sealed to the owner, to be changed at the next sign-in.
    ForceReset {
        /// The account.
        account: String,
        /// Why.
        reason: String,
        /// The identity document checked.
        document: String,
        /// Where to send it, if not the account's own email or mobile.
        to: Option<String>,
    },
    /// A recovery mobile change cancelled from the link sent to the old
    /// channels (or by an operator, who may leave the token out).
    CancelMobileChange {
        /// The account.
        account: String,
        /// The link's token.
        token: Option<Arc<SecretText>>,
    },
    /// A cease a newer registration asked for, resolved: by its owner
    /// from the emailed link (or an operator, who may leave the token
    /// out), or when due (no token).
    ResolveCease {
        /// The old account.
        account: String,
        /// Confirm, refuse, or due.
        decision: CeaseDecision,
        /// The link's token.
        token: Option<Arc<SecretText>>,
    },
}

impl Command {
    /// The core's command.
    pub(crate) fn to_core(&self) -> varco::flow::Command {
        use varco::flow::Command as C;
        let token = |t: &Option<Arc<SecretText>>| t.as_deref().map(SecretText::to_core);
        match self {
            Command::Block { account, reason } => C::Block {
                account: account.clone(),
                reason: reason.clone(),
            },
            Command::Unblock { account } => C::Unblock {
                account: account.clone(),
            },
            Command::SubscriptionExpired { account } => C::SubscriptionExpired {
                account: account.clone(),
            },
            Command::SubscriptionRenewed { account } => C::SubscriptionRenewed {
                account: account.clone(),
            },
            Command::ForceReset {
                account,
                reason,
                document,
                to,
            } => C::ForceReset {
                account: account.clone(),
                reason: reason.clone(),
                document: document.clone(),
                to: to.clone(),
            },
            Command::CancelMobileChange { account, token: t } => C::CancelMobileChange {
                account: account.clone(),
                token: token(t),
            },
            Command::ResolveCease {
                account,
                decision,
                token: t,
            } => C::ResolveCease {
                account: account.clone(),
                decision: *decision,
                token: token(t),
            },
        }
    }
}

/// How a pending cease is resolved (the core's
/// `varco::flow::CeaseDecision`).
#[uniffi::remote(Enum)]
pub enum CeaseDecision {
    /// The old account's owner confirms.
    Confirm,
    /// The old account's owner refuses.
    Refuse,
    /// The delay has passed.
    Due,
}

fn revision(r: u64) -> i64 {
    i64::try_from(r).unwrap_or(i64::MAX)
}

impl From<varco::flow::FlowStep> for FlowStep {
    fn from(s: varco::flow::FlowStep) -> Self {
        use varco::flow::{Then as T, WriteOp};
        use varco::record::Expect;
        FlowStep {
            outcome: s.outcome,
            view: s.view,
            writes: s
                .writes
                .into_iter()
                .map(|w| match w.op {
                    WriteOp::Put {
                        kind,
                        json,
                        revision: r,
                        expect,
                        expires_at,
                    } => FlowWrite::Put {
                        expires_at,
                        key: w.key,
                        kind: kind.to_owned(),
                        record: json,
                        revision: revision(r),
                        replaces: match expect {
                            Expect::Absent => 0,
                            Expect::Revision { revision: r } => revision(r),
                        },
                    },
                    WriteOp::Assert { revision: r } => FlowWrite::Assert {
                        key: w.key,
                        revision: revision(r),
                    },
                })
                .collect(),
            effects: effects(s.effects),
            outbox: None,
            then: match s.then {
                T::Respond => Then::Respond,
                T::Load { keys } => Then::Load { keys },
                T::CommitAndRepeat { ticket } => Then::CommitAndRepeat {
                    ticket: secret(zeroize::Zeroizing::new(ticket.expose().to_owned())),
                },
            },
        }
    }
}

fn loaded(list: Vec<LoadedRecord>) -> varco::flow::Records {
    let mut r = varco::flow::Records::new();
    for l in list {
        r.insert(l.key, l.record);
    }
    r
}

/// The flow engine: built once per process from configuration JSON and
/// keys; immutable and thread-safe. See the bindings README for the host
/// loop.
#[derive(uniffi::Object)]
pub struct FlowEngine {
    pub(crate) inner: varco::flow::FlowEngine,
}

impl std::fmt::Debug for FlowEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl FlowEngine {
    /// An engine from its configuration (JSON, `{}` for the defaults) and
    /// keys: code-hash keys, sealing keys (32 bytes), the decoy key (at
    /// least 32 bytes, never rotated) and optional password peppers. In
    /// each list the first key is current.
    #[uniffi::constructor]
    pub fn new(
        config_json: String,
        code_keys: Vec<Arc<HostKey>>,
        sealing_keys: Vec<Arc<HostKey>>,
        decoy_key: Arc<HostKey>,
        peppers: Option<Vec<Arc<HostKey>>>,
    ) -> Result<Self, VarcoError> {
        let keys = varco::flow::EngineKeys {
            codes: ring(&code_keys)?,
            sealing: ring(&sealing_keys)?,
            decoy: ring(&[decoy_key])?,
            peppers: peppers.as_deref().map(ring).transpose()?,
        };
        Ok(FlowEngine {
            inner: varco::flow::FlowEngine::from_json(&config_json, keys)?,
        })
    }

    /// Starts a flow. `source` is the request's address (it has a budget
    /// of its own); `device` the host's id for the device; `place_json`
    /// where the request comes from (`{"kind":"country","code":"IT"}`),
    /// judged against the last sign-in's place; `remember_device` trusts
    /// the device after a full sign-in (if the engine trusts devices).
    pub fn start(
        &self,
        kind: FlowKind,
        source: Option<String>,
        device: Option<String>,
        place_json: Option<String>,
        remember_device: bool,
        now_ms: i64,
    ) -> Result<StartedFlow, VarcoError> {
        let place = place_json
            .as_deref()
            .map(varco::guard::Place::from_json)
            .transpose()?;
        let ctx = varco::flow::StartContext {
            source,
            device,
            place,
            remember_device,
        };
        let s = self
            .inner
            .start(kind, &ctx, at_ms(now_ms)?, &mut rand::rng())?;
        self.started(s)
    }

    /// Starts a flow from a signed-in session's grant: `StepUp` proves the
    /// factors again, up to `level` (1 or 2), and ends with a fresh grant.
    /// `source`, `device` (none: the grant's), `place_json` and
    /// `remember_device` as in `start`.
    #[allow(clippy::too_many_arguments)]
    pub fn start_from_grant(
        &self,
        kind: FlowKind,
        grant: SessionGrant,
        level: u8,
        source: Option<String>,
        device: Option<String>,
        place_json: Option<String>,
        remember_device: bool,
        now_ms: i64,
    ) -> Result<StartedFlow, VarcoError> {
        let place = place_json
            .as_deref()
            .map(varco::guard::Place::from_json)
            .transpose()?;
        let ctx = varco::flow::StartContext {
            source,
            device,
            place,
            remember_device,
        };
        let required = varco::flow::Requirement::new(None, level)?;
        let s = self.inner.start_from_grant(
            kind,
            &grant,
            &required,
            &ctx,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        self.started(s)
    }

    /// One user input to a flow: the stored flow, the client secret, the
    /// view's token, the input, the ticket when repeating, the records
    /// loaded so far.
    #[allow(clippy::too_many_arguments)]
    pub fn advance(
        &self,
        flow: String,
        client_secret: Arc<SecretText>,
        token: String,
        input: FlowInput,
        ticket: Option<Arc<SecretText>>,
        records: Vec<LoadedRecord>,
        now_ms: i64,
    ) -> Result<FlowStep, VarcoError> {
        let stored = Stored::<varco::flow::Flow>::from_json(&flow)?;
        let input = input.to_core();
        let secret = client_secret.to_core();
        let ticket = ticket.map(|t| t.to_core());
        let submit = varco::flow::Submit {
            client_secret: secret.expose(),
            token: &token,
            input: &input,
            ticket: ticket.as_ref().map(varco::SecretString::expose),
        };
        let step = self.inner.advance(
            &stored,
            &submit,
            &loaded(records),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        self.step(step)
    }

    /// A fact only the host knows (a captcha's verdict, a failed
    /// delivery), about the view whose step token is `token`: the stored
    /// flow, the fact, the records loaded so far. A stale token changes
    /// nothing.
    pub fn answer(
        &self,
        flow: String,
        token: String,
        fact: HostFact,
        records: Vec<LoadedRecord>,
        now_ms: i64,
    ) -> Result<FlowStep, VarcoError> {
        let stored = Stored::<varco::flow::Flow>::from_json(&flow)?;
        let step = self.inner.answer(
            &stored,
            &token,
            &fact,
            &loaded(records),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        self.step(step)
    }

    /// A command (an operator's block, the host's report of a
    /// subscription), on the records it names.
    pub fn command(
        &self,
        actor: Actor,
        command: Command,
        records: Vec<LoadedRecord>,
        now_ms: i64,
    ) -> Result<FlowStep, VarcoError> {
        self.step(self.inner.command(
            &actor.into_core(),
            &command.to_core(),
            &loaded(records),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?)
    }

    /// Whether a grant still holds for the stored account; with
    /// `max_age_ms` and `min_level` (1 or 2), whether it is recent and
    /// strong enough for a sensitive change (`StepUp` when it is not).
    pub fn check_session(
        &self,
        grant: SessionGrant,
        account: String,
        now_ms: i64,
        max_age_ms: Option<i64>,
        min_level: u8,
    ) -> Result<SessionCheck, VarcoError> {
        let max_age = max_age_ms
            .map(|ms| u64::try_from(ms).map(Duration::from_millis))
            .transpose()
            .map_err(|_| varco::Error::InvalidInput("max_age_ms is negative".into()))?;
        let required = varco::flow::Requirement::new(max_age, min_level)?;
        let account = Stored::<Account>::from_json(&account)?;
        Ok(grant.check(&account, at_ms(now_ms)?, &required))
    }
}

/// An account to create (the core's `varco::flow::NewAccount`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewAccount {
    /// Its id.
    pub id: String,
    /// A username.
    pub username: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// The mobile for codes.
    pub mobile: Option<String>,
    /// Whether the opt-in second factor is on.
    pub second_factor: bool,
    /// What the owner must do at the first sign-in.
    #[uniffi(default)]
    pub required_actions: Vec<RequiredAction>,
    /// A hash imported from an earlier system instead of a password (a
    /// legacy one is wrapped in Argon2id at once).
    #[uniffi(default)]
    pub imported_hash: Option<String>,
    /// More identifiers to find the account by (unique kinds are claimed).
    #[uniffi(default)]
    pub identifiers: Vec<NewIdentifier>,
    /// The secret question's catalogue id (legacy), with `answer`.
    #[uniffi(default)]
    pub question: Option<String>,
    /// The answer to it.
    #[uniffi(default)]
    pub answer: Option<Arc<SecretText>>,
}

impl NewAccount {
    /// The core's new account.
    pub(crate) fn into_core(self) -> varco::flow::NewAccount {
        varco::flow::NewAccount {
            id: self.id,
            username: self.username,
            email: self.email,
            mobile: self.mobile,
            second_factor: self.second_factor,
            required_actions: self.required_actions,
            imported_hash: self.imported_hash,
            identifiers: self
                .identifiers
                .into_iter()
                .map(|i| varco::flow::NewIdentifier {
                    kind: i.kind,
                    value: i.value,
                })
                .collect(),
            question: self.question,
            answer: self.answer.map(|a| a.to_core()),
        }
    }
}

impl Actor {
    /// The core's actor.
    pub(crate) fn into_core(self) -> varco::flow::Actor {
        match self {
            Actor::Operator { id } => varco::flow::Actor::Operator { id },
            Actor::Host => varco::flow::Actor::Host {},
        }
    }
}

/// One more identifier of a new account.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewIdentifier {
    /// Its kind.
    pub kind: IdentifierKind,
    /// As typed.
    pub value: String,
}

#[uniffi::export]
impl FlowEngine {
    /// The writes that create an account (claims, hints, then the
    /// account), its password hashed with the engine's hasher, on the
    /// records loaded so far. An account with a codice fiscale or a fixed
    /// number first asks for their hints (`Then.Load`): load them and call
    /// again.
    #[uniffi::method(default(records = []))]
    pub fn provision(
        &self,
        account: NewAccount,
        password: Option<Arc<SecretText>>,
        now_ms: i64,
        records: Vec<LoadedRecord>,
    ) -> Result<FlowStep, VarcoError> {
        let new = account.into_core();
        let password = password.map(|p| p.to_core());
        self.step(self.inner.provision(
            &new,
            password.as_ref().map(varco::SecretString::expose),
            &loaded(records),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?)
    }

    /// The effects of a stored outbox row, for its sender: each to send
    /// with the idempotency key `<step_id>/<index>`. Fails for a row that
    /// was altered, moved to another step id, or sealed under a key the
    /// engine no longer holds.
    pub fn open_outbox(&self, effects: String, step_id: String) -> Result<Vec<Effect>, VarcoError> {
        Ok(crate::effect::effects(
            self.inner.open_outbox(&effects, &step_id)?,
        ))
    }
}

impl FlowEngine {
    /// The core's step for the foreign side, with its outbox row.
    fn step(&self, s: varco::flow::FlowStep) -> Result<FlowStep, VarcoError> {
        let row = self.inner.outbox_row(&s.effects, &mut rand::rng())?;
        let mut step = FlowStep::from(s);
        step.outbox = row.map(|r| OutboxRow {
            step_id: r.step_id,
            effects: r.effects,
        });
        Ok(step)
    }

    /// A started flow, for the foreign side.
    fn started(&self, s: varco::flow::Started) -> Result<StartedFlow, VarcoError> {
        Ok(StartedFlow {
            step: self.step(s.step)?,
            flow_key: s.flow_key,
            client_secret: secret(zeroize::Zeroizing::new(s.client_secret.expose().to_owned())),
        })
    }
}
