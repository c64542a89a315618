//! What a check knows about the user and the moment.

use crate::hash::PasswordHasher;

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
