//! Secrets crossing the boundary: an opaque object, never a plain field.

use std::sync::Arc;

use zeroize::Zeroizing;

/// A secret text: a code in a message, a password typed again, new
/// recovery codes, an otpauth URI. Its string form in every language is
/// opaque (UniFFI's generated `toString`, `description` and `repr` print
/// every field of a record, and a secret must not land in a log);
/// [`reveal`](Self::reveal) gives the text. The Rust copy is wiped when the
/// last reference goes.
#[derive(uniffi::Object)]
pub struct SecretText {
    text: Zeroizing<String>,
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

#[uniffi::export]
impl SecretText {
    /// Wraps a secret the host passes in (a password typed again).
    #[uniffi::constructor]
    pub fn new(text: String) -> Arc<Self> {
        secret(Zeroizing::new(text))
    }

    /// The text, to hand to the SMS or email gateway or to show once (not
    /// to a log).
    pub fn reveal(&self) -> String {
        self.text.to_string()
    }
}

impl SecretText {
    /// The core's secret string, a copy the core wipes.
    pub(crate) fn to_core(&self) -> varco::SecretString {
        varco::SecretString::new(self.text.to_string())
    }
}

pub(crate) fn secret(text: Zeroizing<String>) -> Arc<SecretText> {
    Arc::new(SecretText { text })
}
