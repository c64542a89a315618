//! What a user submits: one tagged enum for every screen of every flow.

use serde::Deserialize;

use super::view::Method;
use crate::{Error, SecretString};

/// One input, for one screen. In JSON, `{"input":"password","password":"…"}`;
/// a field an input does not have is refused. Secrets (a password, a code)
/// are [`SecretString`]s: wiped on drop, redacted in `Debug`.
///
/// ```
/// use varco::flow::Input;
///
/// let i = Input::from_json(r#"{"input":"identify","identifier":"mario"}"#).unwrap();
/// assert_eq!(i, Input::Identify { identifier: "mario".into() });
/// let p = Input::from_json(r#"{"input":"password","password":"s3cret!"}"#).unwrap();
/// assert!(!format!("{p:?}").contains("s3cret"));
/// assert_eq!(Input::from_json(r#"{"input":"password","pw":"x"}"#).unwrap_err().code(), "invalid_input");
/// assert_eq!(Input::from_json(r#"{"input":"resend","code":"1"}"#).unwrap_err().code(), "invalid_input");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case", deny_unknown_fields)]
pub enum Input {
    /// The username or email address.
    Identify {
        /// What the user typed.
        identifier: String,
    },
    /// An identifier of a named kind (a reset's "identify by": a mobile
    /// number, a fixed number, a codice fiscale, an email, a username).
    IdentifyBy {
        /// Its kind.
        kind: crate::account::IdentifierKind,
        /// What the user typed.
        identifier: String,
    },
    /// The password.
    Password {
        /// What the user typed.
        password: SecretString,
    },
    /// Which second factor to use.
    ChooseMethod {
        /// The method.
        method: Method,
    },
    /// A code received by SMS or email.
    Code {
        /// What the user typed.
        code: SecretString,
    },
    /// A code from an authenticator app.
    Totp {
        /// What the user typed.
        code: SecretString,
    },
    /// A one-time recovery code.
    RecoveryCode {
        /// What the user typed.
        code: SecretString,
    },
    /// A new password, typed twice (a required change at sign-in).
    NewPassword {
        /// The new password.
        password: SecretString,
        /// The same again.
        confirmation: SecretString,
    },
    /// A password change: the current password and the new one twice.
    ChangePassword {
        /// The current password.
        current: SecretString,
        /// The new password.
        password: SecretString,
        /// The same again.
        confirmation: SecretString,
    },
    /// The answer to the secret question.
    Answer {
        /// What the user typed.
        answer: SecretString,
    },
    /// "This number is no longer mine" on a reset's code, "I forgot" on its
    /// question: the next rung of the ladder.
    Forgot,
    /// A mobile number to enroll as the recovery mobile.
    Mobile {
        /// What the user typed.
        number: String,
    },
    /// The terms of service are accepted (a required action at sign-in).
    AcceptTerms,
    /// "Invia di nuovo": send the code again.
    Resend,
    /// Go back to choosing a method.
    Back,
    /// Abandon the flow.
    Cancel,
}

impl Input {
    /// Reads an input from JSON (at most 64 KiB).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON, an unknown input or an
    /// unknown field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::tagged_from_json(json, "flow input", "input", |i: &Input| {
            matches!(
                i,
                Input::Forgot | Input::AcceptTerms | Input::Resend | Input::Back | Input::Cancel
            )
        })
    }

    /// An input from its name and fields, given one by one (what C's
    /// input builder hands over, so that a password with a `"` in it needs
    /// no hand-made JSON). Every field is taken as a secret, and wiped.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use varco::flow::{Input, Method};
    /// use varco::SecretString;
    ///
    /// let mut fields = BTreeMap::new();
    /// fields.insert("password".to_owned(), SecretString::from("a \"quoted\" one"));
    /// assert!(matches!(Input::from_fields("password", fields).unwrap(), Input::Password { .. }));
    /// let mut fields = BTreeMap::new();
    /// fields.insert("method".to_owned(), SecretString::from("totp"));
    /// assert_eq!(Input::from_fields("choose_method", fields).unwrap(), Input::ChooseMethod { method: Method::Totp });
    /// assert_eq!(Input::from_fields("resend", BTreeMap::new()).unwrap(), Input::Resend);
    /// assert_eq!(Input::from_fields("password", BTreeMap::new()).unwrap_err().code(), "invalid_input");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown input, a missing field or one
    /// the input does not have.
    pub fn from_fields(
        name: &str,
        mut fields: std::collections::BTreeMap<String, SecretString>,
    ) -> Result<Self, Error> {
        let mut take = |f: &str| {
            fields
                .remove(f)
                .ok_or_else(|| Error::InvalidInput(format!("the input {name} needs the field {f}")))
        };
        let input = match name {
            "identify" => Input::Identify {
                identifier: take("identifier")?.expose().to_owned(),
            },
            "identify_by" => Input::IdentifyBy {
                kind: take("kind")?.expose().parse()?,
                identifier: take("identifier")?.expose().to_owned(),
            },
            "password" => Input::Password {
                password: take("password")?,
            },
            "change_password" => Input::ChangePassword {
                current: take("current")?,
                password: take("password")?,
                confirmation: take("confirmation")?,
            },
            "answer" => Input::Answer {
                answer: take("answer")?,
            },
            "forgot" => Input::Forgot,
            "mobile" => Input::Mobile {
                number: take("number")?.expose().to_owned(),
            },
            "choose_method" => Input::ChooseMethod {
                method: take("method")?.expose().parse()?,
            },
            "code" => Input::Code {
                code: take("code")?,
            },
            "totp" => Input::Totp {
                code: take("code")?,
            },
            "recovery_code" => Input::RecoveryCode {
                code: take("code")?,
            },
            "new_password" => Input::NewPassword {
                password: take("password")?,
                confirmation: take("confirmation")?,
            },
            "accept_terms" => Input::AcceptTerms,
            "resend" => Input::Resend,
            "back" => Input::Back,
            "cancel" => Input::Cancel,
            other => {
                return Err(Error::InvalidInput(format!(
                    "unknown input {:?}",
                    crate::guard::clip(other)
                )));
            }
        };
        if let Some(extra) = fields.keys().next() {
            return Err(Error::InvalidInput(format!(
                "the input {name} has no field {:?}",
                crate::guard::clip(extra)
            )));
        }
        Ok(input)
    }

    /// The stable name (`identify`, `password`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Input::Identify { .. } => "identify",
            Input::IdentifyBy { .. } => "identify_by",
            Input::Password { .. } => "password",
            Input::ChangePassword { .. } => "change_password",
            Input::Answer { .. } => "answer",
            Input::Forgot => "forgot",
            Input::Mobile { .. } => "mobile",
            Input::ChooseMethod { .. } => "choose_method",
            Input::Code { .. } => "code",
            Input::Totp { .. } => "totp",
            Input::RecoveryCode { .. } => "recovery_code",
            Input::NewPassword { .. } => "new_password",
            Input::AcceptTerms => "accept_terms",
            Input::Resend => "resend",
            Input::Back => "back",
            Input::Cancel => "cancel",
        }
    }
}
