//! A password strength estimate in the manner of zxcvbn, in bounded time.
//!
//! The estimate finds the guessable parts of a password (common passwords
//! and frequent English and Italian words, with substitutions and reversal;
//! the user's own details; keyboard patterns; repeats; sequences; years and
//! dates), finds the cheapest way for an attacker to combine them, and turns
//! the number of guesses into a score from 0 to 4 with feedback:
//!
//! | score | guesses | meaning |
//! |---|---|---|
//! | 0 | < 10³ | too guessable: risky password |
//! | 1 | < 10⁶ | very guessable: protects against throttled online attacks |
//! | 2 | < 10⁸ | somewhat guessable: protects against unthrottled online attacks |
//! | 3 | < 10¹⁰ | safely unguessable: moderate protection from offline slow-hash attacks |
//! | 4 | ≥ 10¹⁰ | very unguessable: strong protection from offline slow-hash attacks |
//!
//! **Bounded time.** zxcvbn's matching and search grow faster than linearly
//! with the length (a 64-character random string takes about 24 ms in zxcvbn
//! 3.1.1 on our CI machine), which hands attackers a cheap denial of service
//! on any endpoint that estimates strength. Here the dictionary search walks a
//! trie of the words one character at a time with a fixed step budget, every
//! other matcher is linear (the keyboard score at most quadratic, in a few
//! floating-point steps), the search over combinations is a dynamic
//! programme over (position, number of parts), and only the first
//! [`MAX_ANALYSED`] characters are analysed (each further character adds the
//! cost of one brute-forced character). See `BENCHMARKS.md` for the figures.
//!
//! ```
//! use varco::policy::strength::{estimate, Warning};
//!
//! let weak = estimate("P@ssw0rd", &[]);
//! assert_eq!(weak.score(), 0);
//! assert_eq!(weak.feedback().warning, Some(Warning::SimilarToCommon));
//!
//! let strong = estimate("fiume violino tramonto 47 lampada", &[]);
//! assert_eq!(strong.score(), 4);
//!
//! let personal = estimate("mariorossi", &["mariorossi"]);
//! assert_eq!(personal.score(), 0);
//! assert_eq!(personal.feedback().warning, Some(Warning::PersonalInfo));
//! ```

mod feedback;
mod keyboard;
mod matching;
mod scoring;

pub use feedback::{Feedback, Suggestion, Warning};

use serde::Serialize;

use super::dictionary::{self, Dictionary, Tag};
use matching::Match;
use scoring::Part;

/// Characters analysed at most; the rest count as brute-forced.
pub const MAX_ANALYSED: usize = 256;
/// Repeated blocks are analysed up to this many times the password's length
/// in all (see `matching::repeat`).
const REPEAT_BUDGET: usize = 1;
/// The year that "recent years" are measured from when none is given. Time is
/// an input in varco: pass the current year to [`estimate_at`] to keep the
/// estimate right in later years.
pub const REFERENCE_YEAR: i32 = 2026;

/// The result of a strength estimate.
///
/// ```
/// let s = varco::policy::strength::estimate("qwerty123", &[]);
/// assert!(s.score() <= 1);
/// assert!(s.guesses_log10() < 6.0);
/// assert!(!s.feedback().suggestions.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strength {
    score: u8,
    guesses_log10: f64,
    feedback: Feedback,
}

impl Strength {
    /// 0 (too guessable) to 4 (very unguessable).
    pub fn score(&self) -> u8 {
        self.score
    }

    /// The estimated number of guesses, as a base-10 logarithm.
    pub fn guesses_log10(&self) -> f64 {
        self.guesses_log10
    }

    /// What to tell the user.
    pub fn feedback(&self) -> &Feedback {
        &self.feedback
    }

    /// For inputs too large to analyse (already rejected as too long).
    pub(crate) fn unanalysed() -> Self {
        Strength {
            score: 0,
            guesses_log10: 0.0,
            feedback: Feedback::default(),
        }
    }
}

// At most 4 thresholds pass: the count fits a u8.
#[allow(clippy::cast_possible_truncation)]
fn score_of(log_g: f64) -> u8 {
    // zxcvbn's thresholds, with its +5 "delta".
    const T: [f64; 4] = [1e3 + 5.0, 1e6 + 5.0, 1e8 + 5.0, 1e10 + 5.0];
    T.iter().take_while(|t| log_g >= t.log10()).count() as u8
}

/// Estimates the strength of `password`; `user_inputs` are words an attacker
/// would try first (username, email, names).
///
/// ```
/// use varco::policy::strength::estimate;
///
/// assert_eq!(estimate("Juventus1897", &[]).score(), 2);
/// assert!(estimate("Juventus1897", &["juventus1897"]).score() < 2);
/// ```
/// The password is taken as given;
/// [`PasswordPolicy::check`](super::PasswordPolicy::check) normalizes it
/// first and includes this estimate in its report.
pub fn estimate(password: &str, user_inputs: &[&str]) -> Strength {
    let chars: zeroize::Zeroizing<Vec<char>> = zeroize::Zeroizing::new(password.chars().collect());
    estimate_chars_at(&chars, user_inputs, REFERENCE_YEAR)
}

/// [`estimate`] with the current year, for the year and date patterns.
///
/// ```
/// let s = varco::policy::strength::estimate_at("summer2031", &[], 2031);
/// assert!(s.score() <= 1);
/// ```
pub fn estimate_at(password: &str, user_inputs: &[&str], year: i32) -> Strength {
    let chars: zeroize::Zeroizing<Vec<char>> = zeroize::Zeroizing::new(password.chars().collect());
    estimate_chars_at(&chars, user_inputs, year)
}

pub(crate) fn estimate_chars(chars: &[char], user_inputs: &[&str]) -> Strength {
    estimate_chars_at(chars, user_inputs, REFERENCE_YEAR)
}

fn estimate_chars_at(chars: &[char], user_inputs: &[&str], year: i32) -> Strength {
    let analysed = &chars[..chars.len().min(MAX_ANALYSED)];
    let rest = chars.len() - analysed.len();
    let users = Dictionary::from_lists([(
        user_inputs
            .iter()
            .filter(|w| !w.is_empty() && w.len() <= 256)
            .map(|w| std::borrow::Cow::Owned(w.to_lowercase())),
        Tag::UserInput,
    )]);
    let a = Analysis::new(analysed, &users, i64::from(year));
    let (log_g, parts, matches) = a.run(true);
    let log_g = log_g + rest as f64;
    let score = score_of(log_g);
    let chosen: Vec<&Match> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Match(k) => Some(&matches[*k]),
            Part::Bruteforce { .. } => None,
        })
        .collect();
    Strength {
        score,
        guesses_log10: log_g,
        feedback: feedback::feedback(score, &chosen, chars.len()),
    }
}

struct Analysis<'a> {
    chars: &'a [char],
    lower: zeroize::Zeroizing<Vec<char>>,
    users: &'a Dictionary,
    year: i64,
}

impl<'a> Analysis<'a> {
    fn new(chars: &'a [char], users: &'a Dictionary, year: i64) -> Self {
        let lower = zeroize::Zeroizing::new(
            chars
                .iter()
                .map(|c| c.to_lowercase().next().unwrap_or(*c))
                .collect(),
        );
        Analysis {
            chars,
            lower,
            users,
            year,
        }
    }

    /// Finds every match, then the cheapest cover; returns its log10
    /// guesses, its parts, and the matches the parts index into.
    fn run(&self, with_repeats: bool) -> (f64, Vec<Part>, Vec<Match>) {
        let mut matches = Vec::new();
        matching::dictionary(
            self.chars,
            &self.lower,
            dictionary::embedded(),
            &mut matches,
        );
        matching::dictionary(self.chars, &self.lower, self.users, &mut matches);
        matching::spatial(self.chars, &mut matches);
        matching::sequence(self.chars, &mut matches);
        matching::dates(self.chars, self.year, &mut matches);
        if with_repeats {
            let mut repeats = Vec::new();
            // The same block often repeats in several places (`abab…ab…abab`):
            // analyse each distinct block once.
            let mut blocks: Vec<(&[char], f64)> = Vec::new();
            // Bounded work: blocks are analysed up to REPEAT_BUDGET times the
            // password's length in all; past that (only adversarial inputs
            // get there) a block counts as brute-forced, an upper bound.
            let mut budget = REPEAT_BUDGET * self.chars.len();
            matching::repeat(&self.lower, &mut repeats, |i, j| {
                let block = &self.chars[i..j];
                if let Some(&(_, log_g)) = blocks.iter().find(|(b, _)| *b == block) {
                    return log_g;
                }
                let log_g = if block.len() <= budget {
                    budget -= block.len();
                    Analysis::new(block, self.users, self.year).run(false).0
                } else {
                    block.len() as f64
                };
                blocks.push((block, log_g));
                log_g
            });
            matches.extend(repeats);
        }
        let (g, parts) = scoring::cheapest(self.chars.len(), &matches);
        (g, parts, matches)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_found_and_named() {
        // Italian and English first names and surnames (data/names.txt).
        for pw in ["mario1985", "rossi77", "jennifer!", "esposito2"] {
            let s = estimate(pw, &[]);
            assert_eq!(s.feedback().warning, Some(Warning::Name), "{pw}");
            assert!(s.guesses_log10() < 7.0, "{pw}: {}", s.guesses_log10());
        }
        // A name is weaker than the same length of random letters.
        assert!(estimate("mario", &[]).guesses_log10() < estimate("qzvxk", &[]).guesses_log10());
    }

    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(score_of(0.0), 0);
        assert_eq!(score_of(3.5), 1);
        assert_eq!(score_of(7.0), 2);
        assert_eq!(score_of(9.0), 3);
        assert_eq!(score_of(12.0), 4);
    }
}
