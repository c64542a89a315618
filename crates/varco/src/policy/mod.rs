//! Password policy (FLOWS F1): composable rules, presets, every violation at
//! once, and a bounded-time strength estimate.
//!
//! A [`PasswordPolicy`] is a list of [`Rule`]s plus a normalization form. It
//! serializes to a small, versioned JSON document, so the very same policy
//! can be shipped to a phone and give the same answers there.
//!
//! ## Presets, and where they disagree with the standards
//!
//! | preset | length | characters | composition | blocklist, context |
//! |---|---|---|---|---|
//! | [`Preset::MailService`] | 8 to 24 | ASCII letters, digits and `? ! $ + - / . , @ ^ _` only | none | no |
//! | [`Preset::CustomerArea`] | 8 to 128 | any printable | upper, lower, digit and special all required | no |
//! | [`Preset::Nist80063b`] (default) | 15 to 128, 8 with a second factor | any printable, Unicode included | none | yes, plus repeats and sequences |
//!
//! The two seed presets reproduce the operator's portals as they are. They
//! break NIST SP 800-63B and OWASP ASVS 5.0 in places (STANDARDS PW-01,
//! PW-03, PW-04, PW-09): a minimum of 8 without a second factor, a 24
//! character maximum, a closed character set, composition rules, and no
//! blocklist. Use them to stay compatible with those portals; use the default
//! NIST preset for anything new. The mail service's rule is printed in the
//! seed with an en dash "–" among its special characters: it is the ASCII
//! hyphen-minus `-` (U+002D), which is what users can type.
//!
//! ```
//! use varco::policy::{Context, PasswordPolicy, Preset, Violation};
//!
//! let mail = PasswordPolicy::preset(Preset::MailService);
//! let r = mail.check("Ciao%2026", &Context::new().confirmation("Ciao%2026"));
//! assert_eq!(r.violations().len(), 1);
//! assert_eq!(r.violations()[0].code(), "disallowed_characters");
//!
//! // The same policy, shipped as JSON, gives the same answers.
//! let json = mail.to_json();
//! let again = PasswordPolicy::from_json(&json).unwrap();
//! assert_eq!(again, mail);
//! ```

mod check;
mod context;
mod dictionary;
mod preset;
mod ranked_lists;
mod report;
mod rule;
mod runs;
mod similarity;
pub mod strength;
mod trie;
mod violation;

pub use context::{Context, ContextData};
pub use preset::{MAIL_SERVICE_SPECIALS, Preset};
pub use report::{Report, Skipped};
pub use rule::{CharacterSet, Rule};
pub use strength::{Feedback, Strength, Suggestion, Warning};
pub use violation::{CharClass, ContextKind, Violation};

use serde::{Deserialize, Serialize};

use crate::{Error, Normalization};
use dictionary::Dictionary;

/// The rank of a password in the embedded common-password list (1 is the
/// most common), ignoring case and common substitutions; `None` if absent.
///
/// This is the lookup behind [`Rule::Blocklist`]'s built-in list.
///
/// ```
/// use varco::policy::common_rank;
/// assert_eq!(common_rank("123456"), Some(1));
/// assert_eq!(common_rank("PASSWORD"), Some(2));
/// assert!(common_rank("P@ssw0rd").is_some());
/// assert_eq!(common_rank("violino tramonto lampada"), None);
/// ```
pub fn common_rank(password: &str) -> Option<u32> {
    let lower = zeroize::Zeroizing::new(Normalization::Nfc.apply(password).to_lowercase());
    let d = dictionary::embedded();
    d.password_rank(&lower)
        .or_else(|| d.password_rank(&zeroize::Zeroizing::new(similarity::deleet(&lower))))
}

/// The number of passwords in the embedded common-password list.
pub const COMMON_PASSWORDS: usize = 30_000;

/// The serialized form of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default)]
    normalization: Normalization,
    rules: Vec<Rule>,
}

/// A password policy: rules, checked all at once.
///
/// Build one from a [`Preset`], from rules ([`PasswordPolicy::new`]), or from
/// JSON ([`PasswordPolicy::from_json`]). Every constructor validates, so a
/// `PasswordPolicy` is always consistent.
///
/// ```
/// use varco::policy::{CharClass, Context, PasswordPolicy, Rule};
/// use varco::Normalization;
///
/// let policy = PasswordPolicy::new(Normalization::Nfc, vec![
///     Rule::Length { min: 12, max: 64, min_with_second_factor: None },
///     Rule::RequireClass { class: CharClass::Digit, min: 1 },
///     Rule::Blocklist { builtin: true, extra: vec!["varco".into()] },
/// ]).unwrap();
/// assert!(policy.check("varco-is-my-password-1", &Context::new()).is_ok());
/// let r = policy.check("Varco", &Context::new());
/// let codes: Vec<_> = r.violations().iter().map(|v| v.code()).collect();
/// assert_eq!(codes, ["too_short", "missing_class", "common"]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "PolicySpec", into = "PolicySpec")]
pub struct PasswordPolicy {
    spec: PolicySpec,
    /// The host's extra blocklist words, sorted for lookup.
    extra_blocklist: Dictionary,
}

impl PartialEq for PasswordPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl TryFrom<PolicySpec> for PasswordPolicy {
    type Error = Error;
    fn try_from(spec: PolicySpec) -> Result<Self, Error> {
        // A policy is configuration: a newer format is the host's to fix.
        crate::error::check_format_version(spec.version, PasswordPolicy::FORMAT_VERSION)
            .map_err(|e| Error::InvalidPolicy(e.to_string()))?;
        validate(&spec.rules)?;
        let extra = spec
            .rules
            .iter()
            .filter_map(|r| match r {
                Rule::Blocklist { extra, .. } => Some(extra.iter()),
                _ => None,
            })
            .flatten()
            .map(|w| std::borrow::Cow::Owned(spec.normalization.apply(w).to_lowercase()))
            .collect::<Vec<_>>();
        Ok(PasswordPolicy {
            extra_blocklist: Dictionary::from_ranked(extra),
            spec,
        })
    }
}

impl From<PasswordPolicy> for PolicySpec {
    fn from(p: PasswordPolicy) -> Self {
        p.spec
    }
}

fn validate(rules: &[Rule]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    let mut max_len = usize::MAX;
    let mut class_total = 0usize;
    for rule in rules {
        let key = match rule {
            Rule::RequireClass { class, .. } => format!("require_class:{class:?}"),
            other => format!("{:?}", std::mem::discriminant(other)),
        };
        if !seen.insert(key) {
            return Err(Error::InvalidPolicy(format!("rule given twice: {rule:?}")));
        }
        match rule {
            Rule::Length { max, .. } => max_len = *max,
            Rule::RequireClass { min, .. } => class_total = class_total.saturating_add(*min),
            _ => {}
        }
        if let Some(problem) = problem(rule) {
            return Err(Error::InvalidPolicy(problem));
        }
    }
    if class_total > max_len {
        return Err(Error::InvalidPolicy(format!(
            "required classes need {class_total} characters, more than the maximum {max_len}"
        )));
    }
    Ok(())
}

/// What is wrong with one rule on its own, if anything.
fn problem(rule: &Rule) -> Option<String> {
    const MAX: usize = PasswordPolicy::MAX_LENGTH;
    match rule {
        Rule::Length { min, max, .. } if *max == 0 || *max > MAX || min > max => Some(format!(
            "length bounds {min}..={max} (max must be 1..={MAX})"
        )),
        Rule::Length {
            min,
            min_with_second_factor: Some(m),
            ..
        } if m > min => Some("min_with_second_factor above min".into()),
        Rule::AllowedCharacters {
            set: CharacterSet::Ascii { specials },
        } => specials
            .chars()
            .find(|c| !c.is_ascii_graphic() || c.is_ascii_alphanumeric())
            .map(|c| format!("special character {c:?} is not ASCII punctuation")),
        Rule::RequireClass { min, .. } if *min == 0 || *min > MAX => {
            Some(format!("required class count {min}"))
        }
        Rule::Blocklist { extra, .. }
            if extra.len() > 1_000_000 || extra.iter().any(|w| w.len() > 256) =>
        {
            Some("extra blocklist: at most 1,000,000 words of 256 bytes".into())
        }
        Rule::ContextWords {
            services,
            min_word_len,
        } if *min_word_len == 0
            || services.len() > 64
            || services.iter().any(|s| s.len() > 256) =>
        {
            Some("context words: min_word_len >= 1, at most 64 services of 256 bytes".into())
        }
        Rule::MaxRepeat { max } | Rule::MaxSequence { max } if *max < 2 => {
            Some(format!("{rule:?}: max must be at least 2"))
        }
        Rule::History { last } if *last == 0 || *last > 64 => {
            Some(format!("history of {last}: must be 1..=64"))
        }
        Rule::MinStrength { score } if *score > 4 => {
            Some(format!("minimum strength {score}: must be 0..=4"))
        }
        _ => None,
    }
}

impl PasswordPolicy {
    /// The newest serialized format this build writes and reads.
    pub const FORMAT_VERSION: u32 = 1;
    /// The largest maximum length a policy may set, in code points.
    pub const MAX_LENGTH: usize = 4096;
    /// Inputs longer than this many bytes are reported as too long without
    /// being normalized or analysed further.
    pub const MAX_INPUT_BYTES: usize = 64 * 1024;

    /// A policy from rules.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] if the rules are inconsistent (e.g. `min >
    /// max`, the same rule twice, required classes longer than the maximum).
    pub fn new(normalization: Normalization, rules: Vec<Rule>) -> Result<Self, Error> {
        PasswordPolicy::try_from(PolicySpec {
            version: Self::FORMAT_VERSION,
            name: None,
            normalization,
            rules,
        })
    }

    /// A built-in policy.
    pub fn preset(preset: Preset) -> Self {
        let rules = preset::rules(preset);
        let mut p = PasswordPolicy::new(Normalization::Nfc, rules)
            .unwrap_or_else(|e| unreachable!("preset {preset:?} is invalid: {e}"));
        p.spec.name = Some(preset.name().to_owned());
        p
    }

    /// The policy's rules.
    pub fn rules(&self) -> &[Rule] {
        &self.spec.rules
    }

    /// The normalization applied before checking.
    pub fn normalization(&self) -> Normalization {
        self.spec.normalization
    }

    /// The preset name, for presets and policies loaded with a name.
    pub fn name(&self) -> Option<&str> {
        self.spec.name.as_deref()
    }

    /// The largest length the policy accepts (its length rule's maximum, or
    /// [`MAX_LENGTH`](Self::MAX_LENGTH)).
    pub fn max_length(&self) -> usize {
        self.spec
            .rules
            .iter()
            .find_map(|r| match r {
                Rule::Length { max, .. } => Some(*max),
                _ => None,
            })
            .unwrap_or(Self::MAX_LENGTH)
    }

    /// The policy as JSON (the stable, versioned form).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Loads a policy from JSON, validating it.
    ///
    /// ```
    /// use varco::policy::PasswordPolicy;
    ///
    /// let p = PasswordPolicy::from_json(r#"{"version":1,"rules":[{"rule":"length","min":10,"max":64}]}"#).unwrap();
    /// assert_eq!(p.max_length(), 64);
    /// assert_eq!(PasswordPolicy::from_json(r#"{"version":9,"rules":[]}"#).unwrap_err().code(), "invalid_policy");
    /// assert_eq!(PasswordPolicy::from_json("{").unwrap_err().code(), "invalid_policy");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for malformed JSON, unknown fields,
    /// inconsistent rules or a newer format version.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let spec: PolicySpec = crate::error::parse_config(json, Error::InvalidPolicy)?;
        PasswordPolicy::try_from(spec)
    }
}

impl Default for PasswordPolicy {
    /// The NIST SP 800-63B preset.
    fn default() -> Self {
        PasswordPolicy::preset(Preset::Nist80063b)
    }
}
