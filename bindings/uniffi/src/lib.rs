//! UniFFI exports of varco: the same rules in Kotlin, Swift and Python.
//!
//! The API is coarse: one call per user step (a Kotlin/JNA call costs about
//! 10 µs). Objects wrap the core's values behind a `Mutex`; records and enums
//! mirror the core's outcomes; one error enum, [`VarcoError`], carries the
//! core's stable error code and message.

use std::sync::Mutex;

uniffi::setup_scaffolding!();

/// The one error type of the bindings (Kotlin: `VarcoException`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VarcoError {
    /// Bad input or misuse; `code` is the core's stable error code.
    #[error("{code}: {message}")]
    Invalid {
        /// The stable code (e.g. `malformed_hash`).
        code: String,
        /// A human-readable message.
        message: String,
    },
}

impl From<varco::Error> for VarcoError {
    fn from(e: varco::Error) -> Self {
        VarcoError::Invalid {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

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
    /// The password typed again.
    pub confirmation: Option<String>,
    /// The current password (in a change form).
    pub current: Option<String>,
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

    /// Checks a password; messages in `lang` (`it` or `en`).
    pub fn check(
        &self,
        password: String,
        context: PolicyContext,
        lang: String,
    ) -> Result<PolicyReport, VarcoError> {
        let lang: varco::Lang = lang.parse().map_err(|m: String| VarcoError::Invalid {
            code: "invalid_language".into(),
            message: m,
        })?;
        let password = varco::SecretString::new(password);
        let mut ctx = varco::policy::Context::new().second_factor(context.second_factor);
        if let Some(u) = &context.username {
            ctx = ctx.username(u);
        }
        if let Some(e) = &context.email {
            ctx = ctx.email(e);
        }
        let confirmation = context.confirmation.map(varco::SecretString::new);
        let current = context.current.map(varco::SecretString::new);
        if let Some(c) = &confirmation {
            ctx = ctx.confirmation(c.expose());
        }
        if let Some(c) = &current {
            ctx = ctx.current(c.expose());
        }
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
            skipped: r
                .skipped()
                .iter()
                .map(|s| match s {
                    varco::policy::Skipped::Confirmation => "confirmation".to_owned(),
                    varco::policy::Skipped::Current => "current".to_owned(),
                    varco::policy::Skipped::History => "history".to_owned(),
                })
                .collect(),
        })
    }
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyResult {
    /// The password matches.
    pub valid: bool,
    /// It matches, and the stored hash should be replaced now.
    pub needs_rehash: bool,
}

/// An Argon2id password hasher (reuses its memory across calls; share one).
#[derive(uniffi::Object)]
pub struct Hasher {
    inner: varco::hash::PasswordHasher,
    lock: Mutex<()>,
}

#[uniffi::export]
impl Hasher {
    /// A hasher with the OWASP parameters (m = 19456 KiB, t = 2, p = 1).
    #[uniffi::constructor]
    pub fn owasp() -> Self {
        Hasher {
            inner: varco::hash::PasswordHasher::default(),
            lock: Mutex::new(()),
        }
    }

    /// A hasher with custom, validated parameters.
    #[uniffi::constructor]
    pub fn with_params(m_kib: u32, t: u32, p: u32) -> Result<Self, VarcoError> {
        Ok(Hasher {
            inner: varco::hash::PasswordHasher::new(varco::hash::HashParams::new(m_kib, t, p)?),
            lock: Mutex::new(()),
        })
    }

    /// Hashes a password into a PHC string (salt from the OS generator).
    pub fn hash(&self, password: String) -> Result<String, VarcoError> {
        let password = varco::SecretString::new(password);
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.inner.hash(password.expose(), &mut rand::rng())?)
    }

    /// Verifies a password against a stored PHC string.
    pub fn verify(&self, password: String, phc: String) -> Result<VerifyResult, VarcoError> {
        let password = varco::SecretString::new(password);
        Ok(match self.inner.verify(password.expose(), &phc)? {
            varco::hash::Verification::Valid { needs_rehash } => VerifyResult {
                valid: true,
                needs_rehash,
            },
            varco::hash::Verification::Invalid => VerifyResult {
                valid: false,
                needs_rehash: false,
            },
        })
    }
}

/// The TOTP code for a base32 secret at a Unix time (SHA-1/256/512, 6-8
/// digits, a period in seconds).
#[uniffi::export]
pub fn totp_code(
    secret_base32: String,
    unix_seconds: u64,
    algorithm: String,
    digits: u8,
    period: u64,
) -> Result<String, VarcoError> {
    let secret = varco::otp::OtpSecret::from_base32(&secret_base32)?;
    let config = varco::otp::TotpConfig::new(algorithm.parse()?, digits, period, 0, 1, 1)?;
    let cred = varco::otp::TotpCredential::new(secret, config);
    cred.code_at(varco::Timestamp::from_unix_seconds(unix_seconds))
        .map(|c| c.to_string())
        .ok_or_else(|| VarcoError::Invalid {
            code: "before_t0".into(),
            message: "time is before T0".into(),
        })
}
