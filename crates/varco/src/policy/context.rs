//! What a check knows about the user and the moment.

use crate::hash::PasswordHasher;
use crate::{Error, SecretString};

/// Everything besides the password that a check may use.
///
/// All of it is optional: a rule whose input is missing is reported as
/// [skipped](super::Report::skipped), never silently passed.
///
/// ```
/// use varco::policy::Context;
///
/// let ctx = Context::new()
///     .username("mario.rossi")
///     .email("mario.rossi@example.it")
///     .service("Example Mail")
///     .word("RSSMRA80A01H501U")
///     .second_factor(true)
///     .confirmation("typed twice");
/// # let _ = ctx;
/// ```
#[derive(Clone, Default)]
pub struct Context<'a> {
    pub(crate) username: Option<&'a str>,
    pub(crate) email: Option<&'a str>,
    pub(crate) services: Vec<&'a str>,
    pub(crate) words: Vec<&'a str>,
    pub(crate) second_factor: bool,
    pub(crate) confirmation: Option<&'a str>,
    pub(crate) current: Option<&'a str>,
    pub(crate) history: Option<(&'a PasswordHasher, &'a [String])>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("services", &self.services)
            .field("words", &self.words.len())
            .field("second_factor", &self.second_factor)
            .field("confirmation", &self.confirmation.map(|_| "<redacted>"))
            .field("current", &self.current.map(|_| "<redacted>"))
            .field("history", &self.history.map(|(_, h)| h.len()))
            .finish()
    }
}

impl<'a> Context<'a> {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// The username (often the email address).
    pub fn username(mut self, username: &'a str) -> Self {
        self.username = Some(username);
        self
    }

    /// The email address; its local part and the parts of the local part
    /// (split at `.`, `_`, `-`, `+`) are checked too.
    pub fn email(mut self, email: &'a str) -> Self {
        self.email = Some(email);
        self
    }

    /// A service name, in addition to the policy's own.
    pub fn service(mut self, name: &'a str) -> Self {
        self.services.push(name);
        self
    }

    /// Another personal word: a name, a tax code, a phone number.
    pub fn word(mut self, word: &'a str) -> Self {
        self.words.push(word);
        self
    }

    /// Whether the account has a second factor (relaxes the NIST minimum
    /// length from 15 to 8).
    pub fn second_factor(mut self, yes: bool) -> Self {
        self.second_factor = yes;
        self
    }

    /// The password typed a second time.
    pub fn confirmation(mut self, again: &'a str) -> Self {
        self.confirmation = Some(again);
        self
    }

    /// The current password (in a change-password form), already verified by
    /// the host.
    pub fn current(mut self, current: &'a str) -> Self {
        self.current = Some(current);
        self
    }

    /// Previous password hashes, newest first, and the hasher that verifies
    /// them. Each one checked costs one Argon2 verification.
    ///
    /// ```
    /// use varco::hash::{HashParams, PasswordHasher};
    /// use varco::policy::{Context, PasswordPolicy, Rule, Violation};
    /// use varco::Normalization;
    ///
    /// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    /// let old = vec![hasher.hash("my old passphrase", &mut rand::rng()).unwrap()];
    /// let policy = PasswordPolicy::new(Normalization::Nfc, vec![Rule::History { last: 5 }]).unwrap();
    /// let r = policy.check("my old passphrase", &Context::new().history(&hasher, &old));
    /// assert_eq!(r.violations(), [Violation::Reused { last: 5 }]);
    /// ```
    pub fn history(mut self, hasher: &'a PasswordHasher, hashes: &'a [String]) -> Self {
        self.history = Some((hasher, hashes));
        self
    }
}

/// The context as owned data: what a host or a binding passes across a
/// boundary, as JSON or field by field. Secrets (the password typed again,
/// the current password) are [`SecretString`]s, wiped on drop and redacted
/// from `Debug`.
///
/// ```
/// use varco::policy::{ContextData, PasswordPolicy, Preset};
///
/// let data = ContextData::from_json(r#"{"username":"mario.rossi","confirmation":"violino tramo"}"#).unwrap();
/// assert!(!format!("{data:?}").contains("violino"));
/// let r = PasswordPolicy::preset(Preset::Nist80063b).check("mario.rossi was here!", &data.context(None));
/// assert!(r.violations().iter().any(|v| v.code() == "contains_context"));
/// assert_eq!(ContextData::from_json(r#"{"usrname":"x"}"#).unwrap_err().code(), "invalid_input");
/// ```
#[derive(Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContextData {
    /// The username (often the email address).
    pub username: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// Whether the account has a second factor.
    pub second_factor: bool,
    /// The password typed a second time.
    pub confirmation: Option<SecretString>,
    /// The current password (in a change-password form), already verified
    /// by the host.
    pub current: Option<SecretString>,
    /// A service name, in addition to the policy's own.
    pub service: Option<String>,
    /// Other personal words: names, a tax code, a phone number.
    pub words: Vec<String>,
    /// Previous password hashes (PHC strings), newest first, for the
    /// history rule.
    pub history: Vec<String>,
}

impl std::fmt::Debug for ContextData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextData")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("second_factor", &self.second_factor)
            .field("confirmation", &self.confirmation)
            .field("current", &self.current)
            .field("service", &self.service)
            .field("words", &self.words.len())
            .field("history", &self.history.len())
            .finish()
    }
}

impl ContextData {
    /// Reads a context from JSON: every field optional, unknown fields
    /// refused.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON or an unknown field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "policy context")
    }

    /// The [`Context`] a check takes, borrowing this data. With
    /// `history_hasher` the history rule is checked against
    /// [`history`](Self::history); without it that rule is reported as
    /// skipped.
    pub fn context<'a>(&'a self, history_hasher: Option<&'a PasswordHasher>) -> Context<'a> {
        Context {
            username: self.username.as_deref(),
            email: self.email.as_deref(),
            services: self.service.as_deref().into_iter().collect(),
            words: self.words.iter().map(String::as_str).collect(),
            second_factor: self.second_factor,
            confirmation: self.confirmation.as_ref().map(SecretString::expose),
            current: self.current.as_ref().map(SecretString::expose),
            history: history_hasher.map(|h| (h, self.history.as_slice())),
        }
    }
}
