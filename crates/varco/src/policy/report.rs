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

impl Skipped {
    /// The stable name, as in JSON (`"confirmation"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::Confirmation => "confirmation",
            Skipped::Current => "current",
            Skipped::History => "history",
        }
    }

    /// What was not checked, for a person.
    ///
    /// ```
    /// use varco::{Lang, policy::Skipped};
    ///
    /// assert_eq!(Skipped::Current.message(Lang::It), "non è diversa dalla password attuale: non controllato, manca la password attuale");
    /// ```
    pub fn message(self, lang: crate::Lang) -> &'static str {
        match self {
            Skipped::Confirmation => lang.pick(
                "coincide con la conferma: non controllato, manca la password ripetuta",
                "matches its confirmation: not checked, the password typed again is missing",
            ),
            Skipped::Current => lang.pick(
                "non è diversa dalla password attuale: non controllato, manca la password attuale",
                "differs from the current password: not checked, the current password is missing",
            ),
            Skipped::History => lang.pick(
                "non è tra le ultime usate: non controllato, manca lo storico",
                "is not among the last ones used: not checked, the history is missing",
            ),
        }
    }
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
    /// The report as JSON with messages in `lang`: `ok`, `length`,
    /// `violations` (each with its `code`, parameters and `message`),
    /// `strength` (`score`, `guesses_log10`, `warning`, `suggestions`, each
    /// with `code` and `message`) and `skipped`. This is what the CLI's
    /// `--json` and the C binding return.
    ///
    /// ```
    /// use varco::Lang;
    /// use varco::policy::{Context, PasswordPolicy, Preset};
    ///
    /// let r = PasswordPolicy::preset(Preset::Nist80063b).check("hunter2", &Context::new());
    /// let json: serde_json::Value = serde_json::from_str(&r.to_json(Lang::En)).unwrap();
    /// assert_eq!(json["violations"][0]["code"], "too_short");
    /// assert!(json["strength"]["score"].as_u64().unwrap() <= 1);
    /// ```
    pub fn to_json(&self, lang: Lang) -> String {
        use serde_json::{Value, json};
        let violations: Vec<Value> = self
            .violations
            .iter()
            .map(|v| {
                let mut j = serde_json::to_value(v).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut j {
                    m.insert("message".into(), json!(v.message(lang)));
                }
                j
            })
            .collect();
        let s = &self.strength;
        let feedback = s.feedback();
        json!({
            "ok": self.ok,
            "length": self.length,
            "violations": violations,
            "strength": {
                "score": s.score(),
                "guesses_log10": (s.guesses_log10() * 100.0).round() / 100.0,
                "warning": feedback.warning.map(|w| json!({"code": w.code(), "message": w.message(lang)})),
                "suggestions": feedback.suggestions.iter()
                    .map(|x| json!({"code": x.code(), "message": x.message(lang)}))
                    .collect::<Vec<_>>(),
            },
            "skipped": self.skipped,
        })
        .to_string()
    }

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
