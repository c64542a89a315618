//! One key-ring type for every host secret varco holds: the keys of stored
//! code hashes ([`CodeKeys`](crate::otp::CodeKeys)), the keys that seal
//! authenticator secrets ([`SealingKeys`](crate::seal::SealingKeys)), and
//! peppers ([`PasswordHasher::with_peppers`](crate::hash::PasswordHasher::with_peppers)).
//!
//! A ring is a current key and the retired keys still needed to read what
//! was written before a rotation. Each key has an id, stored beside what it
//! keys, and secret bytes, which are zeroized when the ring is dropped and
//! never printed. Each use adds its own rule on top (32 bytes to seal, at
//! least 16 for code hashes, an id of at most 8 bytes for a pepper).

use zeroize::Zeroizing;

use crate::Error;

/// A current key and the retired ones, each an id and secret bytes.
///
/// ```
/// use varco::keys::KeyRing;
///
/// let ring = KeyRing::new("2026b", vec![2; 32]).unwrap().with_old("2026a", vec![1; 32]).unwrap();
/// assert_eq!(ring.current_id(), "2026b");
/// assert_eq!(ring.ids().collect::<Vec<_>>(), ["2026b", "2026a"]);
/// assert!(!format!("{ring:?}").contains("2, 2"));
/// // Ids are short ASCII names; secrets are never empty; ids never repeat.
/// assert_eq!(KeyRing::new("bad:id", vec![1; 32]).unwrap_err().code(), "invalid_key");
/// assert!(KeyRing::new("k", vec![]).is_err());
/// assert!(ring.with_old("2026a", vec![3; 32]).is_err());
/// ```
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<(String, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.ids().collect();
        write!(f, "KeyRing {{ ids: {ids:?}, secrets: <redacted> }}")
    }
}

impl KeyRing {
    /// The longest key id, in bytes.
    pub const MAX_ID_LEN: usize = 32;
    /// The longest secret, in bytes.
    pub const MAX_SECRET_LEN: usize = 1024;
    /// The most keys a ring holds (the current one and the retired ones).
    pub const MAX_KEYS: usize = 16;

    /// A ring with its current key: an id of 1 to 32 ASCII letters, digits,
    /// `-` or `_`, and 1 to 1024 secret bytes (which the ring now owns and
    /// wipes).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] for a bad id or secret.
    pub fn new(id: &str, secret: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let secret = Zeroizing::new(secret.into());
        check(id, &secret)?;
        Ok(KeyRing {
            keys: vec![(id.to_owned(), secret)],
        })
    }

    /// Adds a retired key, kept to read what it wrote.
    ///
    /// # Errors
    /// As [`KeyRing::new`], and [`Error::InvalidKey`] for an id already in
    /// the ring or a ring of [`MAX_KEYS`](Self::MAX_KEYS) already.
    pub fn with_old(mut self, id: &str, secret: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let secret = Zeroizing::new(secret.into());
        check(id, &secret)?;
        if self.keys.iter().any(|(k, _)| k == id) {
            return Err(Error::InvalidKey(format!("key id {id:?} twice in a ring")));
        }
        if self.keys.len() >= Self::MAX_KEYS {
            return Err(Error::InvalidKey(format!(
                "at most {} keys in a ring",
                Self::MAX_KEYS
            )));
        }
        self.keys.push((id.to_owned(), secret));
        Ok(self)
    }

    /// A ring from a list whose first key is the current one (what the
    /// bindings hand over).
    ///
    /// ```
    /// use varco::keys::KeyRing;
    ///
    /// let ring = KeyRing::from_list([("k2", vec![2; 16]), ("k1", vec![1; 16])]).unwrap();
    /// assert_eq!(ring.current_id(), "k2");
    /// assert!(KeyRing::from_list(Vec::<(&str, Vec<u8>)>::new()).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidKey`] for an empty list, and as
    /// [`with_old`](Self::with_old).
    pub fn from_list<S: AsRef<str>>(
        keys: impl IntoIterator<Item = (S, Vec<u8>)>,
    ) -> Result<Self, Error> {
        let mut keys = keys.into_iter();
        let (id, secret) = keys
            .next()
            .ok_or_else(|| Error::InvalidKey("a key ring needs at least one key".into()))?;
        let mut ring = KeyRing::new(id.as_ref(), secret)?;
        for (id, secret) in keys {
            ring = ring.with_old(id.as_ref(), secret)?;
        }
        Ok(ring)
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Every id, the current one first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// The current key.
    pub(crate) fn current(&self) -> (&str, &[u8]) {
        (&self.keys[0].0, &self.keys[0].1)
    }

    /// The secret of a key, by id.
    pub(crate) fn get(&self, id: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, s)| s.as_slice())
    }

    /// Every key, the current one first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.keys.iter().map(|(id, s)| (id.as_str(), s.as_slice()))
    }

    /// Checks a use's own rule on every key; `wrap` makes its error.
    pub(crate) fn require(
        &self,
        ok: impl Fn(&str, &[u8]) -> bool,
        rule: &str,
        wrap: fn(String) -> Error,
    ) -> Result<(), Error> {
        match self.iter().find(|(id, s)| !ok(id, s)) {
            None => Ok(()),
            Some((id, _)) => Err(wrap(format!("key {id:?}: {rule}"))),
        }
    }
}

/// Whether `id` is a key id: 1 to `max` ASCII letters, digits, `-` or `_`
/// (the rule of every host key: ring keys, peppers).
pub(crate) fn is_key_id(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check(id: &str, secret: &[u8]) -> Result<(), Error> {
    if !is_key_id(id, KeyRing::MAX_ID_LEN) {
        return Err(Error::InvalidKey(format!(
            "a key id has 1 to {} ASCII letters, digits, '-' or '_'",
            KeyRing::MAX_ID_LEN
        )));
    }
    if secret.is_empty() || secret.len() > KeyRing::MAX_SECRET_LEN {
        return Err(Error::InvalidKey(format!(
            "a key's secret has 1 to {} bytes",
            KeyRing::MAX_SECRET_LEN
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_key_is_first_and_lookups_find_retired_ones() {
        let ring = KeyRing::from_list([("b", vec![2; 4]), ("a", vec![1; 4])]).unwrap();
        assert_eq!(ring.current(), ("b", &[2u8; 4][..]));
        assert_eq!(ring.get("a"), Some(&[1u8; 4][..]));
        assert_eq!(ring.get("c"), None);
    }

    #[test]
    fn bounds_are_errors_never_panics() {
        let long_id = "x".repeat(KeyRing::MAX_ID_LEN + 1);
        assert!(KeyRing::new(&long_id, vec![1]).is_err());
        assert!(KeyRing::new("é", vec![1]).is_err());
        assert!(KeyRing::new("k", vec![1; KeyRing::MAX_SECRET_LEN + 1]).is_err());
        let mut ring = KeyRing::new("k0", vec![1]).unwrap();
        for i in 1..KeyRing::MAX_KEYS {
            ring = ring.with_old(&format!("k{i}"), vec![1]).unwrap();
        }
        let full = ring.with_old("one-more", vec![1]).unwrap_err();
        assert_eq!(full.code(), "invalid_key");
        assert_eq!(full.action(), crate::ErrorAction::FixConfiguration);
    }
}
