//! The composable rules a policy is made of.

use serde::{Deserialize, Serialize};

use super::CharClass;

/// Which characters a password may contain.
///
/// Control characters are never allowed, whatever the set.
///
/// ```
/// use varco::policy::CharacterSet;
///
/// let mail = CharacterSet::Ascii { specials: "?!$+-/.,@^_".into() };
/// assert!(mail.allows('a') && mail.allows('Z') && mail.allows('7') && mail.allows('^'));
/// assert!(!mail.allows('%') && !mail.allows('è') && !mail.allows(' '));
/// assert!(CharacterSet::Printable.allows('è'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields,
    remote = "Self"
)]
pub enum CharacterSet {
    /// Any printable character, space and all of Unicode included (NIST).
    Printable,
    /// Printable ASCII (`0x20`-`0x7E`), space included.
    AsciiPrintable,
    /// ASCII letters and digits, plus exactly these special characters.
    Ascii {
        /// The special characters allowed besides letters and digits.
        specials: String,
    },
}

impl CharacterSet {
    /// Whether `c` is in the set.
    pub fn allows(&self, c: char) -> bool {
        if c.is_control() {
            return false;
        }
        match self {
            CharacterSet::Printable => true,
            CharacterSet::AsciiPrintable => (' '..='~').contains(&c),
            CharacterSet::Ascii { specials } => c.is_ascii_alphanumeric() || specials.contains(c),
        }
    }

    pub(crate) fn allowed_specials(&self) -> Option<String> {
        match self {
            CharacterSet::Printable => None,
            CharacterSet::AsciiPrintable => {
                Some((' '..='~').filter(|c| !c.is_ascii_alphanumeric()).collect())
            }
            CharacterSet::Ascii { specials } => Some(specials.clone()),
        }
    }
}

/// One rule of a [`PasswordPolicy`](super::PasswordPolicy).
///
/// Rules serialize with a `rule` tag:
///
/// ```
/// use varco::policy::{CharClass, Rule};
///
/// let r: Rule = serde_json::from_str(r#"{"rule":"require_class","class":"digit","min":2}"#).unwrap();
/// assert_eq!(r, Rule::RequireClass { class: CharClass::Digit, min: 2 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "rule",
    rename_all = "snake_case",
    deny_unknown_fields,
    remote = "Self"
)]
#[non_exhaustive]
pub enum Rule {
    /// Length bounds in code points after normalization. With
    /// `min_with_second_factor`, a shorter minimum applies when the account
    /// has a second factor (NIST: 15 alone, 8 with MFA).
    Length {
        /// Minimum length.
        min: usize,
        /// Maximum length.
        max: usize,
        /// Minimum length when a second factor protects the account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_with_second_factor: Option<usize>,
    },
    /// The characters allowed.
    AllowedCharacters {
        /// The set.
        set: CharacterSet,
    },
    /// At least `min` characters of a class.
    RequireClass {
        /// The class.
        class: CharClass,
        /// How many, at least.
        min: usize,
    },
    /// Reject common passwords: the embedded top-30,000 list (`builtin`) and
    /// the host's own words. Matching ignores case and undoes common
    /// substitutions (`P@ssw0rd` is `password`).
    Blocklist {
        /// Use the embedded list.
        #[serde(default = "yes")]
        builtin: bool,
        /// The host's own words.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        extra: Vec<String>,
    },
    /// Reject passwords that contain or closely resemble the username, the
    /// email address (whole, local part, or its parts), the service names
    /// listed here or in the context, and other context words.
    ContextWords {
        /// Names of the service (e.g. the brand), always checked.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        services: Vec<String>,
        /// Context words shorter than this are only rejected on equality.
        #[serde(default = "default_min_word_len")]
        min_word_len: usize,
    },
    /// At most `max` identical characters in a row.
    MaxRepeat {
        /// The longest run allowed.
        max: usize,
    },
    /// At most `max` characters in an ascending or descending sequence of
    /// letters or digits (`abcd`, `4321`).
    MaxSequence {
        /// The longest sequence allowed.
        max: usize,
    },
    /// The new password must differ from the current one (the context's
    /// [`current`](super::Context::current)).
    NotCurrent,
    /// The new password must not verify against the last `last` stored
    /// hashes (the context's [`history`](super::Context::history)).
    History {
        /// How many previous passwords to check.
        last: usize,
    },
    /// The confirmation (typed twice) must match.
    Confirmation,
    /// The strength estimate must reach `score` (0 to 4).
    MinStrength {
        /// The minimum score.
        score: u8,
    },
}

fn yes() -> bool {
    true
}

fn default_min_word_len() -> usize {
    4
}

// Unit variants of a tagged enum accept unknown fields in serde; these
// impls refuse them, so that a misspelt field is never silently dropped.
impl Serialize for CharacterSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CharacterSet::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for CharacterSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = crate::error::no_fields_beside_tag(d, "kind", &["printable", "ascii_printable"])?;
        CharacterSet::deserialize(v).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Rule::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = crate::error::no_fields_beside_tag(d, "rule", &["not_current", "confirmation"])?;
        Rule::deserialize(v).map_err(serde::de::Error::custom)
    }
}
