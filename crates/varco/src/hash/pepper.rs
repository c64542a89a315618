//! A pepper: a host secret mixed into every hash, identified by a key id.

use zeroize::Zeroizing;

use crate::Error;

/// A host-held secret (Argon2's secret input `K`), named by a short key id.
///
/// The id is written into each PHC string (`keyid=`), the secret never is.
/// Keep the secret outside the database (an HSM, a KMS, a file the database
/// host cannot read). To rotate, add the new pepper as current and keep the
/// old one for verification; [`PasswordHasher::needs_rehash`] then flags the
/// hashes made with the old one so that they are upgraded at the next login.
///
/// [`PasswordHasher::needs_rehash`]: crate::hash::PasswordHasher::needs_rehash
///
/// ```
/// use varco::hash::Pepper;
///
/// let p = Pepper::new("2026a", vec![7; 32]).unwrap();
/// assert_eq!(p.id(), "2026a");
/// assert_eq!(format!("{p:?}"), "Pepper { id: \"2026a\", secret: <redacted> }");
/// assert!(Pepper::new("", vec![7; 32]).is_err());
/// assert!(Pepper::new("k1", vec![]).is_err());
/// ```
#[derive(Clone)]
pub struct Pepper {
    id: String,
    secret: Zeroizing<Vec<u8>>,
}

impl Pepper {
    /// Longest key id: Argon2's PHC `keyid` holds at most 8 bytes.
    pub const MAX_ID_LEN: usize = 8;
    /// Longest secret accepted, in bytes.
    pub const MAX_SECRET_LEN: usize = 1024;

    /// A pepper with key id `id` (1 to 8 ASCII letters, digits, `-` or `_`)
    /// and a non-empty secret (at least 16 bytes are recommended).
    ///
    /// # Errors
    /// [`Error::InvalidPepper`] for an empty or oversized id or secret.
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, Error> {
        let secret = Zeroizing::new(secret);
        if id.is_empty() || id.len() > Self::MAX_ID_LEN {
            return Err(Error::InvalidPepper(format!(
                "key id must be 1..={} bytes",
                Self::MAX_ID_LEN
            )));
        }
        if !crate::keys::is_key_id(id, Self::MAX_ID_LEN) {
            return Err(Error::InvalidPepper(
                "key id may hold only ASCII letters, digits, '-' and '_'".into(),
            ));
        }
        if secret.is_empty() || secret.len() > Self::MAX_SECRET_LEN {
            return Err(Error::InvalidPepper(format!(
                "secret must be 1..={} bytes",
                Self::MAX_SECRET_LEN
            )));
        }
        Ok(Pepper {
            id: id.to_owned(),
            secret,
        })
    }

    /// The key id written into hashes.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pepper {{ id: {:?}, secret: <redacted> }}", self.id)
    }
}
