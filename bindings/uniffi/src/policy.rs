//! Password policies and strength.

use std::sync::Arc;

use crate::{Hasher, SecretText, VarcoError};

/// One violation: its stable code, its message, and its parameters as JSON.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PolicyViolation {
    /// The stable code (e.g. `too_short`).
    pub code: String,
    /// The message in the requested language.
    pub message: String,
    /// The violation with its parameters, as JSON.
    pub json: String,
}

/// The result of a policy check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PolicyReport {
    /// True when no rule is broken.
    pub ok: bool,
    /// Length in code points after normalization.
    pub length: u32,
    /// Every violation.
    pub violations: Vec<PolicyViolation>,
    /// Strength 0 to 4.
    pub score: u8,
    /// The strength warning's code, if any.
    pub warning: Option<String>,
    /// Checks skipped for lack of input (e.g. `confirmation`).
    pub skipped: Vec<String>,
}

/// What the check knows besides the password.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct PolicyContext {
    /// The username.
    pub username: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// Whether a second factor protects the account.
    pub second_factor: bool,
    /// The password typed again (a secret object: the record's generated
    /// `toString` must not print it).
    pub confirmation: Option<Arc<SecretText>>,
    /// The current password (in a change form), already verified.
    pub current: Option<Arc<SecretText>>,
    /// The service's name (counted as trivial to guess).
    #[uniffi(default = None)]
    pub service: Option<String>,
    /// Other words the user is known by (names, a city...).
    #[uniffi(default = [])]
    pub words: Vec<String>,
    /// Previous password hashes (PHC), newest first, for the history rule;
    /// checked by [`Policy::check_with_history`].
    #[uniffi(default = [])]
    pub history: Vec<String>,
}

/// A password policy: a preset or a policy file's JSON.
#[derive(uniffi::Object)]
pub struct Policy {
    inner: varco::policy::PasswordPolicy,
}

#[uniffi::export]
impl Policy {
    /// A preset: `mail_service`, `customer_area` or `nist_800_63b`.
    #[uniffi::constructor]
    pub fn preset(name: String) -> Result<Self, VarcoError> {
        Ok(Policy {
            inner: varco::policy::PasswordPolicy::preset(name.parse()?),
        })
    }

    /// A policy from its JSON form.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Self, VarcoError> {
        Ok(Policy {
            inner: varco::policy::PasswordPolicy::from_json(&json)?,
        })
    }

    /// The policy's JSON form.
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Checks a password; messages in `lang` (`it` or `en`). A history
    /// rule is reported as skipped: use
    /// [`check_with_history`](Self::check_with_history).
    pub fn check(
        &self,
        password: String,
        context: PolicyContext,
        lang: String,
    ) -> Result<PolicyReport, VarcoError> {
        self.run(password, context, None, lang)
    }

    /// Checks a password, including the history rule against
    /// `context.history`, verified with `hasher` (one Argon2 verification
    /// per stored hash).
    pub fn check_with_history(
        &self,
        password: String,
        context: PolicyContext,
        hasher: &Hasher,
        lang: String,
    ) -> Result<PolicyReport, VarcoError> {
        self.run(password, context, Some(hasher), lang)
    }
}

impl Policy {
    fn run(
        &self,
        password: String,
        context: PolicyContext,
        hasher: Option<&Hasher>,
        lang: String,
    ) -> Result<PolicyReport, VarcoError> {
        let lang = crate::lang(&lang)?;
        let password = varco::SecretString::new(password);
        let data = varco::policy::ContextData {
            username: context.username,
            email: context.email,
            second_factor: context.second_factor,
            confirmation: context.confirmation.map(|c| c.to_core()),
            current: context.current.map(|c| c.to_core()),
            service: context.service,
            words: context.words,
            history: context.history,
        };
        let ctx = data.context(hasher.map(|h| &h.inner));
        let r = self.inner.check(password.expose(), &ctx);
        Ok(PolicyReport {
            ok: r.is_ok(),
            length: u32::try_from(r.length()).unwrap_or(u32::MAX),
            violations: r
                .violations()
                .iter()
                .map(|v| PolicyViolation {
                    code: v.code().to_owned(),
                    message: v.message(lang),
                    json: serde_json_string(v),
                })
                .collect(),
            score: r.strength().score(),
            warning: r.strength().feedback().warning.map(|w| w.code().to_owned()),
            skipped: r.skipped().iter().map(|s| s.as_str().to_owned()).collect(),
        })
    }
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A strength estimate.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Strength {
    /// 0 (guessable in minutes) to 4 (strong).
    pub score: u8,
    /// Estimated guesses, as a power of ten.
    pub guesses_log10: f64,
    /// The warning, in the requested language, if any.
    pub warning: Option<String>,
    /// Suggestions, in the requested language.
    pub suggestions: Vec<String>,
}

/// Estimates a password's strength (zxcvbn-style); `user_inputs` are words
/// the user is known by (name, email), counted as trivial to guess.
#[uniffi::export]
pub fn strength(
    password: String,
    user_inputs: Vec<String>,
    lang: String,
) -> Result<Strength, VarcoError> {
    let lang = crate::lang(&lang)?;
    let password = varco::SecretString::new(password);
    let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
    let s = varco::policy::strength::estimate(password.expose(), &inputs);
    Ok(Strength {
        score: s.score(),
        guesses_log10: s.guesses_log10(),
        warning: s.feedback().warning.map(|w| w.message(lang).to_owned()),
        suggestions: s
            .feedback()
            .suggestions
            .iter()
            .map(|x| x.message(lang).to_owned())
            .collect(),
    })
}
