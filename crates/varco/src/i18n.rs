//! Languages for user-facing messages.
//!
//! Every outcome varco reports carries a stable code (for programs) and a
//! message in Italian and English (for people). Hosts that need other
//! languages translate from the code.

use serde::{Deserialize, Serialize};

/// A language varco has built-in messages for.
///
/// ```
/// use varco::Lang;
///
/// assert_eq!("it".parse::<Lang>(), Ok(Lang::It));
/// assert_eq!(Lang::En.code(), "en");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Italian.
    It,
    /// English (the default).
    #[default]
    En,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// Picks the Italian or English text.
    ///
    /// ```
    /// assert_eq!(varco::Lang::It.pick("ciao", "hello"), "ciao");
    /// ```
    pub fn pick<'a>(self, it: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "it" | "ita" | "italian" | "italiano" => Ok(Lang::It),
            "en" | "eng" | "english" | "inglese" => Ok(Lang::En),
            other => Err(format!("unsupported language {other:?} (use it or en)")),
        }
    }
}
