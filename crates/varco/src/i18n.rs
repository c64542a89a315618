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

    /// The ISO 639-1 code (`"it"`), as [`as_str`](Lang::as_str).
    pub fn code(self) -> &'static str {
        self.as_str()
    }

    /// The ISO 639-1 code (`"it"`): what [`FromStr`](std::str::FromStr)
    /// reads back.
    pub fn as_str(self) -> &'static str {
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
    type Err = crate::Error;

    /// Reads `it` or `en` (also `ita`, `italian`, `italiano`, `eng`,
    /// `english`, `inglese`; any case).
    ///
    /// ```
    /// use varco::Lang;
    ///
    /// assert_eq!("IT".parse::<Lang>().unwrap(), Lang::It);
    /// assert_eq!("fr".parse::<Lang>().unwrap_err().code(), "invalid_input");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for any other
    /// name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "it" | "ita" | "italian" | "italiano" => Ok(Lang::It),
            "en" | "eng" | "english" | "inglese" => Ok(Lang::En),
            _ => Err(crate::Error::InvalidInput(format!(
                "unsupported language {s:?} (use it or en)"
            ))),
        }
    }
}
