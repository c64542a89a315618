//! A string that holds a secret: zeroized on drop, redacted in `Debug`.

use zeroize::{Zeroize, Zeroizing};

/// A secret string (a password, an answer, a code).
///
/// Its memory is wiped when it is dropped, and `Debug` never prints it, so a
/// stray `{:?}` in a log line cannot leak it.
///
/// ```
/// use varco::SecretString;
///
/// let s = SecretString::new("hunter2".to_owned());
/// assert_eq!(format!("{s:?}"), "SecretString(<redacted>)");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

/// Compares in constant time (for equal lengths; the length is not
/// hidden).
///
/// ```
/// use varco::SecretString;
///
/// assert_eq!(SecretString::from("a b"), SecretString::from("a b"));
/// assert_ne!(SecretString::from("a b"), SecretString::from("a c"));
/// ```
impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(self.0.as_bytes(), other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

/// Reads a secret from JSON input (a password typed again in a policy
/// context); the text read is owned by the wrapper and wiped with it.
/// There is deliberately no `Serialize`: a secret is never written out by
/// accident.
impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

impl SecretString {
    /// Wraps a string; the wrapper now owns and will wipe it.
    pub fn new(s: String) -> Self {
        SecretString(Zeroizing::new(s))
    }

    /// The secret itself. Keep the borrow short, and never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString::new(s.to_owned())
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl Zeroize for SecretString {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::from("very secret");
        assert!(!format!("{s:?}").contains("secret\""));
        assert!(!format!("{s:?}").contains("very"));
    }

    #[test]
    fn zeroize_clears() {
        let mut s = SecretString::from("abc");
        s.zeroize();
        assert_eq!(s.expose(), "");
    }
}
