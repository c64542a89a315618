//! The result of checking a password against a policy.

use serde::Serialize;

use super::{Strength, Violation};
use crate::Lang;

/// A check that could not run because its input was not in the
/// [`Context`](super::Context).
///
/// ```
/// use varco::policy::{Context, PasswordPolicy, Preset, Skipped};
///
/// let r = PasswordPolicy::preset(Preset::MailService).check("abcdefgh", &Context::new());
/// assert!(r.is_ok());
/// assert_eq!(r.skipped(), [Skipped::Current, Skipped::Confirmation]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skipped {
    /// [`Rule::Confirmation`](super::Rule::Confirmation) without a confirmation.
    Confirmation,
    /// [`Rule::NotCurrent`](super::Rule::NotCurrent) without the current password.
    Current,
    /// [`Rule::History`](super::Rule::History) without hashes, or with a
    /// stored hash that could not be read.
    History,
}

/// Every violation found at once, the strength estimate, and the checks
/// that could not run.
///
/// ```
/// use varco::{Lang, policy::{Context, PasswordPolicy, Preset}};
///
/// let report = PasswordPolicy::preset(Preset::CustomerArea).check("abc", &Context::new());
/// assert!(!report.is_ok());
/// let codes: Vec<_> = report.violations().iter().map(|v| v.code()).collect();
/// assert_eq!(codes, ["too_short", "missing_class", "missing_class", "missing_class"]);
/// assert_eq!(report.messages(Lang::En).len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub(crate) ok: bool,
    pub(crate) length: usize,
    pub(crate) violations: Vec<Violation>,
    pub(crate) strength: Strength,
    pub(crate) skipped: Vec<Skipped>,
}

impl Report {
    /// True when no rule is broken. Skipped checks do not make it false:
    /// look at [`skipped`](Self::skipped) when they matter.
    pub fn is_ok(&self) -> bool {
        self.ok
    }

    /// Every rule broken, in the order of the policy's rules.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The password's length in code points, after normalization.
    pub fn length(&self) -> usize {
        self.length
    }

    /// The strength estimate (0 to 4, with feedback).
    pub fn strength(&self) -> &Strength {
        &self.strength
    }

    /// The checks that could not run for lack of input.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Adds a violation found outside the policy (e.g. a
    /// [breach](crate::breach) lookup) so that one list reaches the user.
    pub fn push(&mut self, violation: Violation) {
        self.violations.push(violation);
        self.ok = false;
    }

    /// The violations as sentences in `lang`.
    pub fn messages(&self, lang: Lang) -> Vec<String> {
        self.violations.iter().map(|v| v.message(lang)).collect()
    }
}
