//! Identifiers and the lookup keys they are stored and found by (ENGINE
//! §1): what a user types (`Mario.Rossi@Example.IT`, `333 123 4567`) becomes
//! one key (`mario.rossi@example.it`, `+393331234567`), so that the same
//! account is found however it is typed, and two accounts cannot claim the
//! same identifier in two spellings.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::validate::CodiceFiscale;

/// What kind of identifier a user gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A username.
    Username,
    /// An email address.
    Email,
    /// A mobile number.
    Mobile,
    /// A fixed-line number.
    FixedNumber,
    /// A personal tax code (codice fiscale).
    CodiceFiscale,
}

impl IdentifierKind {
    /// Every kind.
    pub const ALL: [IdentifierKind; 5] = [
        IdentifierKind::Username,
        IdentifierKind::Email,
        IdentifierKind::Mobile,
        IdentifierKind::FixedNumber,
        IdentifierKind::CodiceFiscale,
    ];

    /// The stable name (`"fixed_number"`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Username => "username",
            IdentifierKind::Email => "email",
            IdentifierKind::Mobile => "mobile",
            IdentifierKind::FixedNumber => "fixed_number",
            IdentifierKind::CodiceFiscale => "codice_fiscale",
        }
    }

    /// The namespace its keys live in. Username and email share one: one
    /// account's username can be another's email, and a login box takes
    /// either.
    pub fn namespace(self) -> &'static str {
        match self {
            IdentifierKind::Username | IdentifierKind::Email => "login",
            IdentifierKind::Mobile => "mobile",
            IdentifierKind::FixedNumber => "fixed",
            IdentifierKind::CodiceFiscale => "cf",
        }
    }

    /// Whether an identifier of this kind belongs to one account at most
    /// (it is claimed), or may belong to several (a hint: a codice fiscale
    /// has a consumer and a business account; a fixed line is reassigned).
    pub fn is_unique(self) -> bool {
        matches!(
            self,
            IdentifierKind::Username | IdentifierKind::Email | IdentifierKind::Mobile
        )
    }
}

impl FromStr for IdentifierKind {
    type Err = Error;

    /// Reads a kind's stable name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    fn from_str(s: &str) -> Result<Self, Error> {
        IdentifierKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("unknown identifier kind {s:?}")))
    }
}

/// How identifiers are read: the country code given to national numbers
/// (Italy's, `39`, by default) and the longest username or email (254
/// characters, RFC 5321's path limit).
///
/// ```
/// use varco::account::IdentifierRules;
///
/// let r = IdentifierRules::from_json(r#"{"default_country":"41"}"#).unwrap();
/// assert_eq!((r.default_country(), r.max_len()), ("41", 254));
/// assert_eq!(IdentifierRules::from_json(r#"{"default_country":"+41"}"#).unwrap_err().code(), "invalid_policy");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentifierRules {
    default_country: String,
    max_len: usize,
}

impl Default for IdentifierRules {
    fn default() -> Self {
        IdentifierRules {
            default_country: "39".into(),
            max_len: 254,
        }
    }
}

impl IdentifierRules {
    /// Rules with this country code (1 to 3 digits, not starting with 0)
    /// and this longest username or email (1 to 1024 characters).
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for values out of range.
    pub fn new(default_country: &str, max_len: usize) -> Result<Self, Error> {
        let cc = default_country.as_bytes();
        if cc.is_empty() || cc.len() > 3 || cc[0] == b'0' || !cc.iter().all(u8::is_ascii_digit) {
            return Err(Error::InvalidPolicy(format!(
                "identifier rules: country code {default_country:?}, use 1 to 3 digits"
            )));
        }
        if !(1..=1024).contains(&max_len) {
            return Err(Error::InvalidPolicy(format!(
                "identifier rules: max_len {max_len}, use 1..=1024"
            )));
        }
        Ok(IdentifierRules {
            default_country: default_country.to_owned(),
            max_len,
        })
    }

    /// Rules from JSON, every field optional.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for malformed JSON, an unknown field or a
    /// value out of range.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let r: IdentifierRules = crate::error::parse_config(json, Error::InvalidPolicy)?;
        IdentifierRules::new(&r.default_country, r.max_len)
    }

    /// The country calling code given to national numbers.
    pub fn default_country(&self) -> &str {
        &self.default_country
    }

    /// The longest username or email, in characters.
    pub fn max_len(&self) -> usize {
        self.max_len
    }
}

/// The key an identifier is stored and found by: its namespace and its
/// normalised text.
///
/// ```
/// use varco::account::{IdentifierKind, IdentifierRules, LookupKey};
///
/// let rules = IdentifierRules::default();
/// let a = LookupKey::of(IdentifierKind::Email, " Mario.Rossi@Example.IT. ", &rules).unwrap();
/// let b = LookupKey::of(IdentifierKind::Username, "mario.rossi@example.it", &rules).unwrap();
/// assert_eq!(a, b); // one namespace, one spelling
/// assert_eq!(a.record_key(), "claim/login/mario.rossi@example.it");
/// let m = LookupKey::of(IdentifierKind::Mobile, "333 123 4567", &rules).unwrap();
/// assert_eq!(m.key(), "+393331234567");
/// assert_eq!(LookupKey::of(IdentifierKind::Mobile, "0039 333-1234567", &rules).unwrap(), m);
/// ```
/// Its JSON (for the bindings) has the namespace, the key and the record
/// key; it is never read back from JSON, so no key escapes normalisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookupKey {
    namespace: String,
    key: String,
    unique: bool,
}

impl LookupKey {
    /// The lookup key of what a user typed as `kind`.
    ///
    /// - username: Unicode NFKC, lower case, outer spaces dropped; no
    ///   control characters, no inner spaces;
    /// - email: as a username, with one `@`, a non-empty local part and a
    ///   domain of dot-separated labels (a trailing dot dropped);
    /// - mobile and fixed number: spaces, dashes, dots, slashes and
    ///   brackets dropped, `00` read as `+`, a national number given the
    ///   default country code (a national number has at least 6 digits; its
    ///   trunk `0` is dropped, except for Italy, San Marino and the Vatican); 8
    ///   to 15 digits in all (E.164);
    /// - codice fiscale: upper case, check character verified.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an identifier that cannot be of that
    /// kind.
    pub fn of(kind: IdentifierKind, raw: &str, rules: &IdentifierRules) -> Result<Self, Error> {
        let bad = |m: &str| Err(Error::InvalidInput(format!("{}: {m}", kind.as_str())));
        let bounded = raw.chars().take(rules.max_len.saturating_add(64)).count();
        if bounded > rules.max_len.saturating_add(32) {
            return bad("too long");
        }
        let key = match kind {
            IdentifierKind::Username | IdentifierKind::Email => {
                // Lower-casing can leave combining marks out of canonical
                // order (`İ` becomes `i` and a dot above): normalise again,
                // so that the key of a key is itself.
                let lower = crate::Normalization::Nfkc.apply(raw.trim()).to_lowercase();
                let s = crate::Normalization::Nfkc.apply(&lower).to_string();
                if s.is_empty() {
                    return bad("empty");
                }
                if s.chars().count() > rules.max_len {
                    return bad("too long");
                }
                if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return bad("spaces or control characters");
                }
                if kind == IdentifierKind::Email || s.contains('@') {
                    email(&s).ok_or_else(|| {
                        Error::InvalidInput(format!("{}: not an email address", kind.as_str()))
                    })?
                } else {
                    s
                }
            }
            IdentifierKind::Mobile | IdentifierKind::FixedNumber => {
                phone(raw, &rules.default_country).ok_or_else(|| {
                    Error::InvalidInput(format!("{}: not a phone number", kind.as_str()))
                })?
            }
            IdentifierKind::CodiceFiscale => CodiceFiscale::parse(raw)?.as_str().to_owned(),
        };
        Ok(LookupKey {
            namespace: kind.namespace().to_owned(),
            key,
            unique: kind.is_unique(),
        })
    }

    /// The namespace (`login`, `mobile`, `fixed`, `cf`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The normalised identifier.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key of the record that claims or hints this identifier:
    /// `claim/<namespace>/<key>` for a unique kind (username, email,
    /// mobile), `hint/<namespace>/<key>` for one that may name several
    /// accounts (codice fiscale, fixed number; see
    /// [`Hint`](super::Hint)).
    ///
    /// ```
    /// use varco::account::{IdentifierKind, IdentifierRules, LookupKey};
    ///
    /// let cf = LookupKey::of(IdentifierKind::CodiceFiscale, "rssmra80a01h501u", &IdentifierRules::default()).unwrap();
    /// assert_eq!(cf.record_key(), "hint/cf/RSSMRA80A01H501U");
    /// ```
    pub fn record_key(&self) -> String {
        record_key(self.unique, &self.namespace, &self.key)
    }
}

/// `claim/<namespace>/<key>` or `hint/<namespace>/<key>`.
pub(crate) fn record_key(unique: bool, namespace: &str, key: &str) -> String {
    let prefix = if unique { "claim" } else { "hint" };
    format!("{prefix}/{namespace}/{key}")
}

impl LookupKey {
    /// Whether the identifier belongs to one account at most (a claim)
    /// or may name several (a hint).
    pub fn is_unique(&self) -> bool {
        self.unique
    }
}

impl Serialize for LookupKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("LookupKey", 3)?;
        st.serialize_field("namespace", &self.namespace)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("record_key", &self.record_key())?;
        st.end()
    }
}

/// An email address already lower-cased: one `@`, a local part, a domain
/// of labels (letters, digits, `-`, any non-ASCII letter), a trailing dot
/// dropped.
fn email(s: &str) -> Option<String> {
    let (local, domain) = s.split_once('@')?;
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && domain.split('.').all(label_ok);
    ok.then(|| format!("{local}@{domain}"))
}

/// A phone number in E.164 (`+` and 8 to 15 digits).
fn phone(raw: &str, default_country: &str) -> Option<String> {
    let mut s = String::new();
    for (i, c) in raw.trim().chars().enumerate() {
        match c {
            '0'..='9' => s.push(c),
            '+' if i == 0 => s.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return None,
        }
        if s.len() > 20 {
            return None;
        }
    }
    let digits = if let Some(rest) = s.strip_prefix('+') {
        rest.to_owned()
    } else if let Some(rest) = s.strip_prefix("00") {
        rest.to_owned()
    } else if s.len() >= 6 {
        // A national number's trunk prefix 0 is dropped in international
        // form, except in Italy, San Marino and the Vatican, whose fixed
        // numbers keep it (06 is Rome: +39 06 ...).
        let keeps_zero = ["39", "378", "379"].contains(&default_country);
        let national = if keeps_zero {
            &s[..]
        } else {
            s.strip_prefix('0').unwrap_or(&s)
        };
        format!("{default_country}{national}")
    } else {
        return None; // too short for a national number
    };
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: IdentifierKind, raw: &str) -> Result<String, Error> {
        LookupKey::of(kind, raw, &IdentifierRules::default()).map(|k| k.key().to_owned())
    }

    #[test]
    fn spellings_of_one_identifier_share_a_key() {
        use IdentifierKind::*;
        assert_eq!(key(Username, "  Mario.Rossi ").unwrap(), "mario.rossi");
        // Full-width letters and a ligature fold to the same key (NFKC).
        assert_eq!(key(Username, "Ｍａｒｉｏ").unwrap(), "mario");
        assert_eq!(key(Email, "MARIO@EXAMPLE.IT").unwrap(), "mario@example.it");
        assert_eq!(key(Email, "mario@città.it").unwrap(), "mario@città.it");
        for m in [
            "3331234567",
            "+39 333 1234567",
            "0039 (333) 123-4567",
            "+39.333.123.4567",
        ] {
            assert_eq!(key(Mobile, m).unwrap(), "+393331234567", "{m}");
        }
        // An Italian fixed number keeps its leading 0 after the country code.
        assert_eq!(key(FixedNumber, "06 1234 5678").unwrap(), "+390612345678");
        assert_eq!(
            key(CodiceFiscale, "rssmra80a01h501u").unwrap(),
            "RSSMRA80A01H501U"
        );
        // Found by the fuzzer: lower-casing İ leaves a dot above before a
        // mark below; the key of a key must be itself.
        let once = key(Username, ".\u{130}$.\u{130}\u{317}").unwrap();
        assert_eq!(key(Username, &once).unwrap(), once);
    }

    #[test]
    fn what_cannot_be_an_identifier_is_refused() {
        use IdentifierKind::*;
        for (kind, raw) in [
            (Username, ""),
            (Username, "   "),
            (Username, "mario rossi"),
            (Username, "mario\u{0}"),
            (Email, "mario"),
            (Email, "@example.it"),
            (Email, "mario@example"),
            (Email, "mario@@example.it"),
            (Email, "mario@-example.it"),
            (Username, "mario@example"),
            (Mobile, "333-CALL-ME"),
            (Mobile, "12345"),
            (Mobile, "+39 333 1234567 890 123"),
            (Mobile, "++393331234567"),
            (CodiceFiscale, "RSSMRA80A01H501X"),
        ] {
            let e = LookupKey::of(kind, raw, &IdentifierRules::default()).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{kind:?} {raw:?}");
        }
        // A national number needs 6 digits, whatever the country code's
        // length: 5 digits under +420 would pass the E.164 minimum of 8.
        let czech = IdentifierRules::new("420", 254).unwrap();
        assert!(LookupKey::of(Mobile, "12345", &czech).is_err());
        assert_eq!(
            LookupKey::of(Mobile, "123456", &czech).unwrap().key(),
            "+420123456"
        );
        // Outside Italy the trunk 0 goes: Zurich's 044 is +41 44.
        let swiss = IdentifierRules::new("41", 254).unwrap();
        assert_eq!(
            LookupKey::of(FixedNumber, "044 668 18 00", &swiss)
                .unwrap()
                .key(),
            "+41446681800"
        );
        let huge = "a".repeat(1 << 20);
        assert!(LookupKey::of(Username, &huge, &IdentifierRules::default()).is_err());
        assert!(LookupKey::of(Mobile, &huge, &IdentifierRules::default()).is_err());
    }

    #[test]
    fn namespaces_and_uniqueness() {
        use IdentifierKind::*;
        assert_eq!(Username.namespace(), Email.namespace());
        assert!(Email.is_unique() && Mobile.is_unique());
        assert!(!CodiceFiscale.is_unique() && !FixedNumber.is_unique());
        for k in IdentifierKind::ALL {
            assert_eq!(k.as_str().parse::<IdentifierKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
