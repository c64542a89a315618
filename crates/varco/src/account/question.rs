//! The secret question (FLOWS F6, the reset's second rung): a question id
//! from the configured catalogue and the answer's Argon2 hash. The answer
//! is normalised before hashing (case, accents, spaces), so "Śan  Marco"
//! and "san marco" are the same answer.
//!
//! Legacy: a knowledge-based answer is a weak secret (ASVS 6.4.2, NIST
//! SP 800-63B 5.1.1.2 forbid it as a recovery factor). It is on by default
//! because the portals use it, off in the NIST preset
//! ([`RecoveryConfig::nist`](crate::flow::RecoveryConfig::nist)), and always
//! has its own budget (the account's recovery budget).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use zeroize::Zeroizing;

use crate::Error;

/// An account's secret question: its catalogue id and the answer's hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretQuestion {
    /// The question's id in the catalogue (the host holds its text).
    pub id: String,
    /// The normalised answer's PHC hash.
    pub answer: String,
}

impl std::fmt::Debug for SecretQuestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretQuestion")
            .field("id", &self.id)
            .field("answer", &"<redacted>")
            .finish()
    }
}

/// The longest answer taken, in bytes.
pub const MAX_ANSWER_BYTES: usize = 256;

/// An answer as it is hashed and checked: compatibility-decomposed, accents
/// and other combining marks dropped, lower-cased, runs of white space made
/// one space, trimmed.
///
/// ```
/// use varco::account::normalize_answer;
///
/// assert_eq!(*normalize_answer("  Śan   MARCO ").unwrap(), "san marco");
/// assert_eq!(*normalize_answer("Città").unwrap(), *normalize_answer("citta").unwrap());
/// assert_eq!(normalize_answer("   ").unwrap_err().code(), "invalid_input");
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] for an answer that is empty once normalised, or
/// over [`MAX_ANSWER_BYTES`].
pub fn normalize_answer(raw: &str) -> Result<Zeroizing<String>, Error> {
    if raw.len() > MAX_ANSWER_BYTES {
        return Err(Error::InvalidInput(format!(
            "an answer is at most {MAX_ANSWER_BYTES} bytes"
        )));
    }
    let mut out = Zeroizing::new(String::with_capacity(raw.len()));
    let mut space = false;
    for c in raw.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    if out.is_empty() {
        return Err(Error::InvalidInput("an answer is not empty".into()));
    }
    Ok(out)
}

/// A recovery mobile that was just changed: until `until` it cannot serve
/// a recovery (a hijacked session cannot plant its own reset channel); the
/// number it replaced, if any, serves in its place meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MobileHold {
    /// When the new number starts to serve a recovery.
    pub until: crate::Timestamp,
    /// The number it replaced, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// The SHA-256 (hex) of the cancel link's token sent to the old
    /// channels (`Command::CancelMobileChange` with that token undoes the
    /// change), if there was a channel to send it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_differing_only_in_case_accents_and_spaces_are_one_answer() {
        let a = normalize_answer("Perù\tLima").unwrap();
        assert_eq!(*a, "peru lima");
        assert_eq!(*normalize_answer("PERU   LIMA").unwrap(), *a);
        assert_ne!(*normalize_answer("peru lim").unwrap(), *a);
        assert!(normalize_answer(&"x".repeat(MAX_ANSWER_BYTES + 1)).is_err());
        assert!(normalize_answer("\u{301}").is_err());
    }

    #[test]
    fn the_answer_hash_never_shows_in_debug() {
        let q = SecretQuestion {
            id: "first_pet".into(),
            answer: "$argon2id$v=19$secret".into(),
        };
        assert!(!format!("{q:?}").contains("argon2"));
    }
}
