//! What to tell the user about a weak password.

use serde::Serialize;

use super::matching::{Match, Pattern, Upper};
use crate::Lang;
use crate::policy::dictionary::Tag;

/// The main problem with a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// One of the ten most common passwords.
    TopTen,
    /// One of the hundred most common passwords.
    TopHundred,
    /// A very common password.
    Common,
    /// Close to a common password (substitutions, reversal).
    SimilarToCommon,
    /// A single word is easy to guess.
    Word,
    /// Personal information (username, email, name…).
    PersonalInfo,
    /// A common first name or surname.
    Name,
    /// A straight row of keys.
    StraightRow,
    /// A short keyboard pattern.
    KeyPattern,
    /// Repeated characters.
    Repeated,
    /// Repeated blocks.
    RepeatedBlocks,
    /// A sequence like abc or 6543.
    Sequence,
    /// A recent year.
    RecentYear,
    /// A date.
    Date,
}

/// Advice for a stronger password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Suggestion {
    /// Use several words, avoid common phrases.
    UseWords,
    /// Symbols, digits and upper case are not needed.
    NoNeedForSymbols,
    /// Add another word or two.
    AddWords,
    /// Capitalization barely helps.
    Capitalization,
    /// All upper case barely helps.
    AllUppercase,
    /// Reversed words barely help.
    Reversed,
    /// Predictable substitutions barely help.
    Substitutions,
    /// Use a longer keyboard pattern with more turns.
    LongerKeyboardPattern,
    /// Avoid repeated words and characters.
    AvoidRepeats,
    /// Avoid sequences.
    AvoidSequences,
    /// Avoid recent years and years associated with you.
    AvoidYears,
    /// Avoid dates associated with you.
    AvoidDates,
    /// Avoid personal information.
    AvoidPersonalInfo,
}

impl Warning {
    /// A stable code (the serde name).
    pub fn code(self) -> &'static str {
        match self {
            Warning::TopTen => "top_ten",
            Warning::TopHundred => "top_hundred",
            Warning::Common => "common",
            Warning::SimilarToCommon => "similar_to_common",
            Warning::Word => "word",
            Warning::PersonalInfo => "personal_info",
            Warning::Name => "name",
            Warning::StraightRow => "straight_row",
            Warning::KeyPattern => "key_pattern",
            Warning::Repeated => "repeated",
            Warning::RepeatedBlocks => "repeated_blocks",
            Warning::Sequence => "sequence",
            Warning::RecentYear => "recent_year",
            Warning::Date => "date",
        }
    }

    /// The warning as a sentence.
    ///
    /// ```
    /// use varco::{Lang, policy::Warning};
    /// assert_eq!(Warning::TopTen.message(Lang::En), "This is a top-10 common password.");
    /// ```
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Warning::TopTen => lang.pick(
                "È una delle 10 password più usate.",
                "This is a top-10 common password.",
            ),
            Warning::TopHundred => lang.pick(
                "È una delle 100 password più usate.",
                "This is a top-100 common password.",
            ),
            Warning::Common => lang.pick(
                "È una password molto comune.",
                "This is a very common password.",
            ),
            Warning::SimilarToCommon => lang.pick(
                "Somiglia a una password molto comune.",
                "This is similar to a commonly used password.",
            ),
            Warning::Word => lang.pick(
                "Una parola da sola è facile da indovinare.",
                "A word by itself is easy to guess.",
            ),
            Warning::PersonalInfo => lang.pick(
                "Contiene dati personali, facili da indovinare.",
                "It contains personal information, which is easy to guess.",
            ),
            Warning::Name => lang.pick(
                "Nomi e cognomi comuni sono facili da indovinare.",
                "Common names and surnames are easy to guess.",
            ),
            Warning::StraightRow => lang.pick(
                "Una fila di tasti vicini è facile da indovinare.",
                "Straight rows of keys are easy to guess.",
            ),
            Warning::KeyPattern => lang.pick(
                "Gli schemi brevi sulla tastiera sono facili da indovinare.",
                "Short keyboard patterns are easy to guess.",
            ),
            Warning::Repeated => lang.pick(
                "Ripetizioni come \"aaa\" sono facili da indovinare.",
                "Repeats like \"aaa\" are easy to guess.",
            ),
            Warning::RepeatedBlocks => lang.pick(
                "Ripetizioni come \"abcabcabc\" sono solo un po' più difficili di \"abc\".",
                "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\".",
            ),
            Warning::Sequence => lang.pick(
                "Sequenze come abc o 6543 sono facili da indovinare.",
                "Sequences like abc or 6543 are easy to guess.",
            ),
            Warning::RecentYear => lang.pick(
                "Gli anni recenti sono facili da indovinare.",
                "Recent years are easy to guess.",
            ),
            Warning::Date => lang.pick(
                "Le date sono spesso facili da indovinare.",
                "Dates are often easy to guess.",
            ),
        }
    }
}

impl Suggestion {
    /// A stable code (the serde name).
    pub fn code(self) -> &'static str {
        match self {
            Suggestion::UseWords => "use_words",
            Suggestion::NoNeedForSymbols => "no_need_for_symbols",
            Suggestion::AddWords => "add_words",
            Suggestion::Capitalization => "capitalization",
            Suggestion::AllUppercase => "all_uppercase",
            Suggestion::Reversed => "reversed",
            Suggestion::Substitutions => "substitutions",
            Suggestion::LongerKeyboardPattern => "longer_keyboard_pattern",
            Suggestion::AvoidRepeats => "avoid_repeats",
            Suggestion::AvoidSequences => "avoid_sequences",
            Suggestion::AvoidYears => "avoid_years",
            Suggestion::AvoidDates => "avoid_dates",
            Suggestion::AvoidPersonalInfo => "avoid_personal_info",
        }
    }

    /// The suggestion as a sentence.
    ///
    /// ```
    /// use varco::{Lang, policy::Suggestion};
    /// assert_eq!(Suggestion::AddWords.message(Lang::It), "Aggiungi una o due parole: meglio se poco comuni.");
    /// ```
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Suggestion::UseWords => lang.pick(
                "Usa alcune parole ed evita le frasi comuni.",
                "Use a few words, avoid common phrases.",
            ),
            Suggestion::NoNeedForSymbols => lang.pick(
                "Non servono simboli, cifre o maiuscole.",
                "No need for symbols, digits, or uppercase letters.",
            ),
            Suggestion::AddWords => lang.pick(
                "Aggiungi una o due parole: meglio se poco comuni.",
                "Add another word or two. Uncommon words are better.",
            ),
            Suggestion::Capitalization => lang.pick(
                "Le maiuscole aiutano poco.",
                "Capitalization doesn't help very much.",
            ),
            Suggestion::AllUppercase => lang.pick(
                "Tutto maiuscolo è facile quasi quanto tutto minuscolo.",
                "All-uppercase is almost as easy to guess as all-lowercase.",
            ),
            Suggestion::Reversed => lang.pick(
                "Le parole al contrario non sono molto più difficili da indovinare.",
                "Reversed words aren't much harder to guess.",
            ),
            Suggestion::Substitutions => lang.pick(
                "Sostituzioni prevedibili come '@' al posto di 'a' aiutano poco.",
                "Predictable substitutions like '@' instead of 'a' don't help very much.",
            ),
            Suggestion::LongerKeyboardPattern => lang.pick(
                "Usa uno schema di tastiera più lungo e con più cambi di direzione.",
                "Use a longer keyboard pattern with more turns.",
            ),
            Suggestion::AvoidRepeats => lang.pick(
                "Evita parole e caratteri ripetuti.",
                "Avoid repeated words and characters.",
            ),
            Suggestion::AvoidSequences => lang.pick("Evita le sequenze.", "Avoid sequences."),
            Suggestion::AvoidYears => lang.pick(
                "Evita gli anni recenti e quelli legati a te.",
                "Avoid recent years and years that are associated with you.",
            ),
            Suggestion::AvoidDates => lang.pick(
                "Evita date e anni legati a te.",
                "Avoid dates and years that are associated with you.",
            ),
            Suggestion::AvoidPersonalInfo => lang.pick(
                "Evita nomi, indirizzi e-mail e altri dati personali.",
                "Avoid names, email addresses and other personal details.",
            ),
        }
    }
}

/// A warning (the main problem, if any) and suggestions.
///
/// Empty for passwords that score 3 or 4.
///
/// ```
/// use varco::{Lang, policy::strength::{estimate, Suggestion, Warning}};
///
/// let f = estimate("aaaaaaaa", &[]).feedback().clone();
/// assert_eq!(f.warning, Some(Warning::Repeated));
/// assert!(f.suggestions.contains(&Suggestion::AvoidRepeats));
/// assert_eq!(f.warning.unwrap().message(Lang::It), "Ripetizioni come \"aaa\" sono facili da indovinare.");
/// assert!(estimate("fiume violino tramonto lampada", &[]).feedback().warning.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Feedback {
    /// The main problem.
    pub warning: Option<Warning>,
    /// What to do instead.
    pub suggestions: Vec<Suggestion>,
}

/// Feedback from the parts of the cheapest cover (zxcvbn's rules).
pub(crate) fn feedback(score: u8, parts: &[&Match], n: usize) -> Feedback {
    if n == 0 {
        return Feedback {
            warning: None,
            suggestions: vec![Suggestion::UseWords, Suggestion::NoNeedForSymbols],
        };
    }
    if score > 2 {
        return Feedback::default();
    }
    let mut suggestions = vec![Suggestion::AddWords];
    let Some(longest) = parts.iter().max_by_key(|m| m.j - m.i) else {
        return Feedback {
            warning: None,
            suggestions,
        };
    };
    let sole = parts.len() == 1 && longest.i == 0 && longest.j + 1 == n;
    let warning = match longest.pattern {
        Pattern::Dictionary {
            tag,
            rank,
            reversed,
            l33t,
            upper,
        } => {
            match upper {
                Upper::First => suggestions.push(Suggestion::Capitalization),
                Upper::All => suggestions.push(Suggestion::AllUppercase),
                _ => {}
            }
            if reversed {
                suggestions.push(Suggestion::Reversed);
            }
            if l33t {
                suggestions.push(Suggestion::Substitutions);
            }
            match tag {
                Tag::Password if sole && !reversed && !l33t => Some(if rank <= 10 {
                    Warning::TopTen
                } else if rank <= 100 {
                    Warning::TopHundred
                } else {
                    Warning::Common
                }),
                Tag::Password => (longest.log_g <= 4.0).then_some(Warning::SimilarToCommon),
                Tag::UserInput => {
                    suggestions.push(Suggestion::AvoidPersonalInfo);
                    Some(Warning::PersonalInfo)
                }
                Tag::English | Tag::Italian => sole.then_some(Warning::Word),
                Tag::Name => {
                    suggestions.push(Suggestion::AvoidPersonalInfo);
                    Some(Warning::Name)
                }
            }
        }
        Pattern::Spatial { turns } => {
            suggestions.push(Suggestion::LongerKeyboardPattern);
            Some(if turns == 1 {
                Warning::StraightRow
            } else {
                Warning::KeyPattern
            })
        }
        Pattern::Repeat { base_len } => {
            suggestions.push(Suggestion::AvoidRepeats);
            Some(if base_len == 1 {
                Warning::Repeated
            } else {
                Warning::RepeatedBlocks
            })
        }
        Pattern::Sequence => {
            suggestions.push(Suggestion::AvoidSequences);
            Some(Warning::Sequence)
        }
        Pattern::Year => {
            suggestions.push(Suggestion::AvoidYears);
            Some(Warning::RecentYear)
        }
        Pattern::Date => {
            suggestions.push(Suggestion::AvoidDates);
            Some(Warning::Date)
        }
    };
    Feedback {
        warning,
        suggestions,
    }
}
