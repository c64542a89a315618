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
    /// A registration's personal data (one screen).
    PersonalData {
        /// The first name(s).
        first_name: String,
        /// The last name(s).
        last_name: String,
        /// The person's codice fiscale.
        codice_fiscale: String,
        /// The organisation's code (partita IVA, or a sole trader's
        /// codice fiscale).
        organisation_code: String,
    },
    /// What to do about an earlier registration with the same number and
    /// tax codes.
    DuplicateChoice {
        /// Recover it, or cease it and go on.
        choice: DuplicateChoice,
    },
    /// A registration's email, and the username if not the email.
    Email {
        /// The address.
        address: String,
        /// Another username than the address (left out: the address).
        #[serde(default)]
        username: Option<String>,
    },
    /// The emailed link was opened (a GET: a mail scanner does it too).
    /// It takes no client secret: the link's token stands for it.
    OpenLink {
        /// The link's token.
        token: SecretString,
    },
    /// "CREA PASSWORD" on the opened link: confirms the address and binds
    /// the flow to this client (its token is the flow's client secret from
    /// now on).
    ConfirmLink {
        /// The link's token.
        token: SecretString,
    },
    /// A registration's password twice, with the terms and the privacy
    /// notice (one screen).
    CreatePassword {
        /// The password.
        password: SecretString,
        /// The same again.
        confirmation: SecretString,
        /// The terms of service accepted.
        accept_terms: bool,
        /// The privacy notice accepted.
        accept_privacy: bool,
    },
}

/// What a registration does about an earlier one with the same number and
/// tax codes.
///
/// ```
/// use varco::flow::{DuplicateChoice, Input};
///
/// let i = Input::from_json(r#"{"input":"duplicate_choice","choice":"cease"}"#).unwrap();
/// assert_eq!(i, Input::DuplicateChoice { choice: DuplicateChoice::Cease });
/// assert_eq!("recover".parse::<DuplicateChoice>().unwrap(), DuplicateChoice::Recover);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateChoice {
    /// Recover the old credentials: the flow ends and the host starts a
    /// password reset.
    Recover,
    /// Go on; the old registration is ceased once its owner confirms or
    /// the delay passes.
    Cease,
}

impl std::str::FromStr for DuplicateChoice {
    type Err = Error;

    /// `recover` or `cease`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything else.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "recover" => Ok(DuplicateChoice::Recover),
            "cease" => Ok(DuplicateChoice::Cease),
            _ => Err(Error::InvalidInput(
                "a duplicate choice is recover or cease".into(),
            )),
        }
    }
}

fn flag(s: &SecretString, name: &str) -> Result<bool, Error> {
    match s.expose() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::InvalidInput(format!("{name}: true or false"))),
    }
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
            "personal_data" => Input::PersonalData {
                first_name: take("first_name")?.expose().to_owned(),
                last_name: take("last_name")?.expose().to_owned(),
                codice_fiscale: take("codice_fiscale")?.expose().to_owned(),
                organisation_code: take("organisation_code")?.expose().to_owned(),
            },
            "duplicate_choice" => Input::DuplicateChoice {
                choice: take("choice")?.expose().parse()?,
            },
            "email" => Input::Email {
                address: take("address")?.expose().to_owned(),
                username: take("username").ok().map(|u| u.expose().to_owned()),
            },
            "open_link" => Input::OpenLink {
                token: take("token")?,
            },
            "confirm_link" => Input::ConfirmLink {
                token: take("token")?,
            },
            "create_password" => Input::CreatePassword {
                password: take("password")?,
                confirmation: take("confirmation")?,
                accept_terms: flag(&take("accept_terms")?, "accept_terms")?,
                accept_privacy: flag(&take("accept_privacy")?, "accept_privacy")?,
            },
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
            Input::PersonalData { .. } => "personal_data",
            Input::DuplicateChoice { .. } => "duplicate_choice",
            Input::Email { .. } => "email",
            Input::OpenLink { .. } => "open_link",
            Input::ConfirmLink { .. } => "confirm_link",
            Input::CreatePassword { .. } => "create_password",
        }
    }
}
