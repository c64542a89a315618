//! What a password can break: stable codes, parameters and messages.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// A class of characters a policy can require.
///
/// ```
/// use varco::policy::CharClass;
/// assert_eq!(CharClass::of('É'), Some(CharClass::Upper));
/// assert_eq!(CharClass::of('7'), Some(CharClass::Digit));
/// assert_eq!(CharClass::of('?'), Some(CharClass::Special));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    /// Upper-case letters (any script that has case).
    Upper,
    /// Lower-case letters.
    Lower,
    /// Decimal digits `0`-`9`.
    Digit,
    /// Anything printable that is not a letter or a digit, space included.
    Special,
}

impl CharClass {
    /// The class of a character, or `None` for control characters.
    pub fn of(c: char) -> Option<CharClass> {
        if c.is_control() {
            None
        } else if c.is_ascii_digit() {
            Some(CharClass::Digit)
        } else if c.is_uppercase() {
            Some(CharClass::Upper)
        } else if c.is_lowercase() {
            Some(CharClass::Lower)
        } else if c.is_alphanumeric() {
            // Letters without case (e.g. CJK) and non-ASCII digits count as
            // lower-case letters: they satisfy neither "upper" nor "digit".
            Some(CharClass::Lower)
        } else {
            Some(CharClass::Special)
        }
    }

    /// The class's name for `n` characters: singular for one.
    fn name_for(self, n: usize, lang: Lang) -> &'static str {
        if n != 1 {
            return self.name(lang);
        }
        match (self, lang) {
            (CharClass::Upper, Lang::It) => "lettera maiuscola",
            (CharClass::Upper, Lang::En) => "upper-case letter",
            (CharClass::Lower, Lang::It) => "lettera minuscola",
            (CharClass::Lower, Lang::En) => "lower-case letter",
            (CharClass::Digit, Lang::It) => "cifra",
            (CharClass::Digit, Lang::En) => "digit",
            (CharClass::Special, Lang::It) => "carattere speciale",
            (CharClass::Special, Lang::En) => "special character",
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CharClass::Upper, Lang::It) => "lettere maiuscole",
            (CharClass::Upper, Lang::En) => "upper-case letters",
            (CharClass::Lower, Lang::It) => "lettere minuscole",
            (CharClass::Lower, Lang::En) => "lower-case letters",
            (CharClass::Digit, Lang::It) => "cifre",
            (CharClass::Digit, Lang::En) => "digits",
            (CharClass::Special, Lang::It) => "caratteri speciali",
            (CharClass::Special, Lang::En) => "special characters",
        }
    }
}

/// Which piece of context a password resembles.
///
/// ```
/// use varco::policy::{Context, ContextKind, PasswordPolicy, Violation};
///
/// let r = PasswordPolicy::default().check("mario.rossi was here", &Context::new().username("mario.rossi"));
/// assert!(r.violations().contains(&Violation::ContainsContext { kind: ContextKind::Username }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextKind {
    /// The username.
    Username,
    /// The email address or a part of it.
    Email,
    /// The name of the service (from the policy or the context).
    Service,
    /// Another word the host passed (a first name, a tax code…).
    Other,
}

impl ContextKind {
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ContextKind::Username, Lang::It) => "il nome utente",
            (ContextKind::Username, Lang::En) => "your username",
            (ContextKind::Email, Lang::It) => "l'indirizzo e-mail",
            (ContextKind::Email, Lang::En) => "your email address",
            (ContextKind::Service, Lang::It) => "il nome del servizio",
            (ContextKind::Service, Lang::En) => "the name of the service",
            (ContextKind::Other, Lang::It) => "i tuoi dati personali",
            (ContextKind::Other, Lang::En) => "your personal details",
        }
    }
}

/// One rule a password breaks.
///
/// Serialized with a `code` tag and the parameters, e.g.
/// `{"code":"too_short","min":15,"actual":7}`: the code is stable, so an app
/// can show its own text; [`message`](Violation::message) gives varco's.
/// No variant ever carries the password or a part of it, so a report can be
/// logged safely.
///
/// ```
/// use varco::{Lang, policy::Violation};
///
/// let v = Violation::TooShort { min: 8, actual: 5 };
/// assert_eq!(v.code(), "too_short");
/// assert_eq!(v.message(Lang::It), "La password deve contenere almeno 8 caratteri (ne ha 5).");
/// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"code":"too_short","min":8,"actual":5}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// Fewer code points than the minimum.
    TooShort {
        /// The minimum that applied.
        min: usize,
        /// The length given, in code points after normalization.
        actual: usize,
    },
    /// More code points than the maximum.
    TooLong {
        /// The maximum.
        max: usize,
        /// The length given.
        actual: usize,
    },
    /// Characters outside the allowed set.
    DisallowedCharacters {
        /// How many characters were not allowed.
        count: usize,
        /// The refused characters, each once, in the order they first
        /// appear, at most [`MAX_NAMED`](Violation::MAX_NAMED) of them, so
        /// that the message can name them. They are characters of the
        /// password typed, but ones a password under this policy can never
        /// hold, so naming them tells nothing of any password the policy
        /// accepts.
        #[serde(default)]
        refused: String,
        /// The special characters the set allows (empty: none; `None`: any
        /// printable character).
        allowed_specials: Option<String>,
    },
    /// Control characters (never allowed: they cannot be typed reliably).
    ControlCharacters,
    /// Too few characters of a required class.
    MissingClass {
        /// The class.
        class: CharClass,
        /// How many are required.
        min: usize,
        /// How many there are.
        actual: usize,
    },
    /// The password is on the common-password blocklist.
    Common,
    /// The password is in a breach corpus (from [`crate::breach`]).
    Breached {
        /// How many times it was seen.
        count: u64,
    },
    /// The password contains or resembles a piece of context.
    ContainsContext {
        /// What it resembles.
        kind: ContextKind,
    },
    /// A character repeated too many times in a row (`aaaa`).
    Repeated {
        /// The longest run found.
        run: usize,
        /// The longest run allowed.
        max: usize,
    },
    /// A sequence too long (`1234`, `abcd`, `9876`).
    Sequential {
        /// The longest sequence found.
        run: usize,
        /// The longest sequence allowed.
        max: usize,
    },
    /// The new password equals the current one.
    SameAsCurrent,
    /// The password equals one of the last passwords used.
    Reused {
        /// How many previous passwords the rule covers.
        last: usize,
    },
    /// The confirmation does not match.
    ConfirmationMismatch,
    /// The strength estimate is below the minimum score.
    TooWeak {
        /// The estimated score (0 to 4).
        score: u8,
        /// The minimum score.
        min: u8,
    },
}

impl Violation {
    /// The most refused characters a
    /// [`DisallowedCharacters`](Violation::DisallowedCharacters) names.
    pub const MAX_NAMED: usize = 5;

    /// The stable, machine-readable code (the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            Violation::TooShort { .. } => "too_short",
            Violation::TooLong { .. } => "too_long",
            Violation::DisallowedCharacters { .. } => "disallowed_characters",
            Violation::ControlCharacters => "control_characters",
            Violation::MissingClass { .. } => "missing_class",
            Violation::Common => "common",
            Violation::Breached { .. } => "breached",
            Violation::ContainsContext { .. } => "contains_context",
            Violation::Repeated { .. } => "repeated",
            Violation::Sequential { .. } => "sequential",
            Violation::SameAsCurrent => "same_as_current",
            Violation::Reused { .. } => "reused",
            Violation::ConfirmationMismatch => "confirmation_mismatch",
            Violation::TooWeak { .. } => "too_weak",
        }
    }

    /// A sentence for the user, in Italian or English.
    pub fn message(&self, lang: Lang) -> String {
        let it = lang == Lang::It;
        match self {
            Violation::TooShort { min, actual } => if it {
                format!(
                    "La password deve contenere almeno {min} {} (ne ha {actual}).",
                    plural(*min, "carattere", "caratteri")
                )
            } else {
                format!(
                    "The password must have at least {min} {} (it has {actual}).",
                    plural(*min, "character", "characters")
                )
            },
            Violation::TooLong { max, actual } => if it {
                format!(
                    "La password può contenere al massimo {max} {} (ne ha {actual}).",
                    plural(*max, "carattere", "caratteri")
                )
            } else {
                format!(
                    "The password may have at most {max} {} (it has {actual}).",
                    plural(*max, "character", "characters")
                )
            },
            Violation::DisallowedCharacters {
                count,
                refused,
                allowed_specials,
            } => {
                let allowed = match (allowed_specials.as_deref(), it) {
                    (None, _) => String::new(),
                    (Some(""), true) => " Sono ammessi solo lettere e cifre.".to_owned(),
                    (Some(""), false) => " Only letters and digits are allowed.".to_owned(),
                    (Some(s), true) => {
                        format!(" Sono ammessi lettere, cifre e i caratteri speciali {}.", spaced(s))
                    }
                    (Some(s), false) => {
                        format!(" Letters, digits and the special characters {} are allowed.", spaced(s))
                    }
                };
                let named = name_refused(refused, it);
                match (it, *count == 1) {
                    (true, true) => format!("La password contiene 1 carattere non ammesso{named}.{allowed}"),
                    (true, false) => format!("La password contiene {count} caratteri non ammessi{named}.{allowed}"),
                    (false, true) => format!("The password contains 1 character that is not allowed{named}.{allowed}"),
                    (false, false) => {
                        format!("The password contains {count} characters that are not allowed{named}.{allowed}")
                    }
                }
            }
            Violation::ControlCharacters => lang
                .pick(
                    "La password contiene caratteri di controllo.",
                    "The password contains control characters.",
                )
                .to_owned(),
            Violation::MissingClass { class, min, actual } => if it {
                format!(
                    "La password deve contenere almeno {min} {} (ne ha {actual}).",
                    class.name_for(*min, lang)
                )
            } else {
                format!(
                    "The password must contain at least {min} {} (it has {actual}).",
                    class.name_for(*min, lang)
                )
            },
            Violation::Common => lang
                .pick(
                    "La password è tra le più usate: scegline una meno prevedibile.",
                    "This password is one of the most commonly used: choose a less predictable one.",
                )
                .to_owned(),
            Violation::Breached { count } => match (it, *count == 1) {
                (true, true) => {
                    "La password compare una volta in violazioni di dati note: scegline un'altra."
                        .to_owned()
                }
                (true, false) => format!(
                    "La password compare {count} volte in violazioni di dati note: scegline un'altra."
                ),
                (false, true) => {
                    "This password has appeared once in known data breaches: choose another."
                        .to_owned()
                }
                (false, false) => format!(
                    "This password has appeared {count} times in known data breaches: choose another."
                ),
            },
            Violation::ContainsContext { kind } => if it {
                format!("La password non deve contenere né somigliare a {}.", kind.name(lang))
            } else {
                format!("The password must not contain or resemble {}.", kind.name(lang))
            },
            Violation::Repeated { run, max } => if it {
                format!(
                    "La password ripete lo stesso carattere {run} volte di seguito (al massimo {max})."
                )
            } else {
                format!("The password repeats a character {run} times in a row (at most {max}).")
            },
            Violation::Sequential { run, max } => if it {
                format!(
                    "La password contiene una sequenza di {run} caratteri come 1234 o abcd (al massimo {max})."
                )
            } else {
                format!(
                    "The password contains a sequence of {run} characters like 1234 or abcd (at most {max})."
                )
            },
            Violation::SameAsCurrent => lang
                .pick(
                    "La nuova password deve essere diversa da quella attuale.",
                    "The new password must differ from the current one.",
                )
                .to_owned(),
            Violation::Reused { last } => match (it, *last == 1) {
                (true, true) => "La password non può essere l'ultima usata.".to_owned(),
                (true, false) => format!("La password non può essere una delle ultime {last} usate."),
                (false, true) => "The password cannot be the last one used.".to_owned(),
                (false, false) => format!("The password cannot be one of the last {last} used."),
            },
            Violation::ConfirmationMismatch => lang
                .pick("Le due password non coincidono.", "The two passwords do not match.")
                .to_owned(),
            Violation::TooWeak { score, min } => if it {
                format!("La password è troppo debole (robustezza {score} su 4, minimo {min}).")
            } else {
                format!("The password is too weak (strength {score} of 4, at least {min}).")
            },
        }
    }
}

/// The singular for one, else the plural.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The refused characters for a message: `: «%», «€»` in Italian, `: “%”,
/// “€”` in English; a space or an invisible character by its code point
/// (`U+00A0`), which no quote would show.
fn name_refused(refused: &str, it: bool) -> String {
    if refused.is_empty() {
        return String::new();
    }
    let (open, close) = if it { ('«', '»') } else { ('“', '”') };
    let shown: Vec<String> = refused
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || is_invisible(c) {
                format!("U+{:04X}", u32::from(c))
            } else {
                format!("{open}{c}{close}")
            }
        })
        .collect();
    format!(": {}", shown.join(", "))
}

/// Format characters and combining marks, which print as nothing on their
/// own.
fn is_invisible(c: char) -> bool {
    matches!(u32::from(c), 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0x0300..=0x036F | 0xFE00..=0xFE0F)
}

fn spaced(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters_are_named_visibly_and_at_most_five() {
        use crate::policy::{CharacterSet, Context, PasswordPolicy, Rule};
        let p = PasswordPolicy::new(
            crate::Normalization::Nfc,
            vec![Rule::AllowedCharacters {
                set: CharacterSet::Ascii {
                    specials: "!".into(),
                },
            }],
        )
        .unwrap();
        let r = p.check("a%b%\u{a0}c€d#e&f*", &Context::new());
        let v = &r.violations()[0];
        assert_eq!(
            v.message(Lang::It),
            "La password contiene 7 caratteri non ammessi: «%», U+00A0, «€», «#», «&». \
             Sono ammessi lettere, cifre e i caratteri speciali !."
        );
        assert!(
            v.message(Lang::En)
                .contains(": “%”, U+00A0, “€”, “#”, “&”.")
        );
        assert!(!v.message(Lang::En).contains('*'), "at most five are named");
    }

    #[test]
    fn every_message_is_nonempty_in_both_languages() {
        let all = [
            Violation::TooShort { min: 1, actual: 0 },
            Violation::TooLong { max: 1, actual: 2 },
            Violation::DisallowedCharacters {
                count: 1,
                refused: "%".into(),
                allowed_specials: Some("?!".into()),
            },
            Violation::DisallowedCharacters {
                count: 1,
                refused: String::new(),
                allowed_specials: Some(String::new()),
            },
            Violation::ControlCharacters,
            Violation::MissingClass {
                class: CharClass::Digit,
                min: 1,
                actual: 0,
            },
            Violation::Common,
            Violation::Breached { count: 3 },
            Violation::ContainsContext {
                kind: ContextKind::Email,
            },
            Violation::Repeated { run: 4, max: 3 },
            Violation::Sequential { run: 5, max: 4 },
            Violation::SameAsCurrent,
            Violation::Reused { last: 5 },
            Violation::ConfirmationMismatch,
            Violation::TooWeak { score: 1, min: 3 },
        ];
        for v in &all {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json["code"], v.code());
            let back: Violation = serde_json::from_value(json).unwrap();
            assert_eq!(&back, v);
            for lang in Lang::ALL {
                assert!(v.message(lang).len() > 10);
            }
            assert_ne!(v.message(Lang::It), v.message(Lang::En));
        }
    }
}
