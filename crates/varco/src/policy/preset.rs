//! The built-in policies: the operator's mail service, its customer area,
//! and NIST SP 800-63B (the table in [`super`]'s docs says where the seeds'
//! rules and the standards differ).

use serde::{Deserialize, Serialize};

use super::{CharClass, CharacterSet, Rule};
use crate::Error;

/// The built-in policies.
///
/// ```
/// use varco::policy::{PasswordPolicy, Preset};
///
/// let preset: Preset = "mail_service".parse().unwrap();
/// assert_eq!(preset, Preset::MailService);
/// assert_eq!(PasswordPolicy::preset(preset).max_length(), 24);
/// assert!("nist".parse::<Preset>().is_ok());
/// assert!("unknown".parse::<Preset>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The operator's mail service: 8 to 24 characters, only ASCII letters,
    /// digits and `? ! $ + - / . , @ ^ _` (seed 000).
    MailService,
    /// The operator's customer area: at least 8 characters with upper case,
    /// lower case, a digit and a special character (seeds 001, 002).
    CustomerArea,
    /// NIST SP 800-63B-4: 15 characters (8 with a second factor) to 128, no
    /// composition rules, blocklist, context words, no long repeats or
    /// sequences.
    Nist80063b,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [
        Preset::MailService,
        Preset::CustomerArea,
        Preset::Nist80063b,
    ];

    /// The preset's name as used in JSON and on the command line, as
    /// [`as_str`](Preset::as_str).
    pub fn name(self) -> &'static str {
        self.as_str()
    }

    /// The preset's name (`"customer_area"`): what
    /// [`FromStr`](std::str::FromStr) reads back.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::MailService => "mail_service",
            Preset::CustomerArea => "customer_area",
            Preset::Nist80063b => "nist_800_63b",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let k = s.to_ascii_lowercase().replace('-', "_");
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == k || (k == "nist" && *p == Preset::Nist80063b))
            .ok_or_else(|| {
                Error::InvalidPolicy(format!(
                    "unknown preset {s:?} (use mail_service, customer_area or nist_800_63b)"
                ))
            })
    }
}

/// The special characters of the mail service's rule (seed 000).
pub const MAIL_SERVICE_SPECIALS: &str = "?!$+-/.,@^_";

/// The rules of a preset.
pub(super) fn rules(preset: Preset) -> Vec<Rule> {
    match preset {
        Preset::MailService => vec![
            Rule::Length {
                min: 8,
                max: 24,
                min_with_second_factor: None,
            },
            Rule::AllowedCharacters {
                set: CharacterSet::Ascii {
                    specials: MAIL_SERVICE_SPECIALS.into(),
                },
            },
            Rule::NotCurrent,
            Rule::Confirmation,
        ],
        Preset::CustomerArea => {
            let mut rules = vec![
                Rule::Length {
                    min: 8,
                    max: 128,
                    min_with_second_factor: None,
                },
                Rule::AllowedCharacters {
                    set: CharacterSet::Printable,
                },
            ];
            for class in [
                CharClass::Upper,
                CharClass::Lower,
                CharClass::Digit,
                CharClass::Special,
            ] {
                rules.push(Rule::RequireClass { class, min: 1 });
            }
            rules.extend([Rule::NotCurrent, Rule::Confirmation]);
            rules
        }
        Preset::Nist80063b => vec![
            Rule::Length {
                min: 15,
                max: 128,
                min_with_second_factor: Some(8),
            },
            Rule::AllowedCharacters {
                set: CharacterSet::Printable,
            },
            Rule::Blocklist {
                builtin: true,
                extra: Vec::new(),
            },
            Rule::ContextWords {
                services: Vec::new(),
                min_word_len: 4,
            },
            Rule::MaxRepeat { max: 4 },
            Rule::MaxSequence { max: 5 },
            Rule::NotCurrent,
            Rule::Confirmation,
        ],
    }
}
