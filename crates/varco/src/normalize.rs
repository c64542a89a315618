//! Unicode normalization of passwords before they are checked or hashed.
//!
//! The same password can reach varco as different code point sequences: "é"
//! typed on one keyboard is U+00E9, on another `e` followed by U+0301. Both
//! must be the same password (NIST SP 800-63B; STANDARDS PW-08), so every
//! password is normalized before it is measured, compared or hashed.
//!
//! **varco normalizes to NFC by default.** NFC only merges sequences that are
//! canonically equivalent (they render identically and mean the same thing),
//! so it never changes what the user meant; it is what the final NIST SP
//! 800-63B-4 text asks for and what RFC 8265 (PRECIS `OpaqueString`, the
//! profile for passwords) uses. NFKC also folds *compatibility* characters
//! (full-width `Ａ` to `A`, the ligature `ﬁ` to `fi`, superscript `²` to `2`),
//! which the older 800-63B rev. 3 recommended; it is available as
//! [`Normalization::Nfkc`] for hosts migrating hashes made that way, or whose
//! users type on input methods that emit full-width forms. Whatever you choose,
//! the policy and the hasher must use the same form, and a stored hash must be
//! verified with the form it was made with.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Which Unicode normalization form to apply to passwords.
///
/// ```
/// use varco::Normalization;
///
/// let composed = Normalization::Nfc.apply("caf\u{e9}");
/// let decomposed = Normalization::Nfc.apply("cafe\u{301}");
/// assert_eq!(*composed, *decomposed);
/// assert_eq!(*Normalization::Nfkc.apply("\u{FF21}"), "A");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    /// Canonical composition (default; NIST SP 800-63B-4, RFC 8265).
    #[default]
    Nfc,
    /// Compatibility composition (NIST SP 800-63B rev. 3).
    Nfkc,
    /// No normalization: bytes are taken as given. Only for verifying legacy
    /// hashes that were made without it.
    None,
}

impl Normalization {
    /// Normalizes `s`; the result is wiped when dropped.
    pub fn apply(self, s: &str) -> Zeroizing<String> {
        let mut out = String::with_capacity(s.len());
        match self {
            Normalization::Nfc => out.extend(s.nfc()),
            Normalization::Nfkc => out.extend(s.nfkc()),
            Normalization::None => out.push_str(s),
        }
        Zeroizing::new(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_is_canonical_only() {
        assert_eq!(*Normalization::Nfc.apply("\u{FF21}"), "\u{FF21}");
        assert_eq!(*Normalization::Nfc.apply("e\u{301}"), "\u{e9}");
    }

    #[test]
    fn none_keeps_bytes() {
        assert_eq!(*Normalization::None.apply("e\u{301}"), "e\u{301}");
    }
}
