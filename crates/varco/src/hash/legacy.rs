//! Imported legacy hashes (FLOWS F4: users of an earlier programme sign in
//! with the credentials they have): bcrypt, PBKDF2-SHA256/512 and
//! SHA-crypt, verified by maintained crates (`bcrypt`; RustCrypto's
//! `pbkdf2` and `sha-crypt`) and never hashed anew: after a successful
//! sign-in the host stores an Argon2id hash instead.
//!
//! A legacy hash is verified over the password's bytes as typed, the way
//! the systems that made them did (no Unicode normalisation); bcrypt reads
//! at most 72 bytes of it, as every bcrypt does. Each scheme's cost is
//! bounded, so that a tampered record cannot make a verification cost
//! seconds.

use data_encoding::BASE64_NOPAD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;

/// The schemes varco verifies (and never makes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyScheme {
    /// bcrypt (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt,
    /// PBKDF2 with HMAC-SHA256 (`$pbkdf2-sha256$`, passlib's form or
    /// RustCrypto's `i=` form).
    Pbkdf2Sha256,
    /// PBKDF2 with HMAC-SHA512 (`$pbkdf2-sha512$`).
    Pbkdf2Sha512,
    /// SHA-256-crypt (`$5$`).
    Sha256Crypt,
    /// SHA-512-crypt (`$6$`).
    Sha512Crypt,
}

impl LegacyScheme {
    /// The stable name (`"bcrypt"`, `"pbkdf2_sha256"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LegacyScheme::Bcrypt => "bcrypt",
            LegacyScheme::Pbkdf2Sha256 => "pbkdf2_sha256",
            LegacyScheme::Pbkdf2Sha512 => "pbkdf2_sha512",
            LegacyScheme::Sha256Crypt => "sha256_crypt",
            LegacyScheme::Sha512Crypt => "sha512_crypt",
        }
    }

    /// The highest cost accepted: bcrypt's log2 cost, or the rounds of the
    /// others. About a second at most on a server core; a legacy system's
    /// defaults are far below (bcrypt 10-12, passlib's PBKDF2 29,000 and
    /// 25,000 rounds, SHA-crypt 5,000 to 656,000).
    pub fn max_cost(self) -> u32 {
        match self {
            LegacyScheme::Bcrypt => 14,
            LegacyScheme::Pbkdf2Sha256 => 2_000_000,
            LegacyScheme::Pbkdf2Sha512 => 1_000_000,
            LegacyScheme::Sha256Crypt | LegacyScheme::Sha512Crypt => 1_000_000,
        }
    }
}

/// A legacy hash, read and bounded, ready to verify.
///
/// ```
/// use varco::hash::{LegacyHash, LegacyScheme};
///
/// // Made by passlib (bcrypt, cost 4).
/// let h = LegacyHash::parse("$2b$04$4bLAdFxpkTA2nzbj0RRnsuOZmKX6spLEB1CQciSNFHMUjS3Tudg1.").unwrap();
/// assert_eq!((h.scheme(), h.cost()), (LegacyScheme::Bcrypt, 4));
/// assert!(h.verify("password").unwrap());
/// assert!(!h.verify("Password").unwrap());
/// assert_eq!(LegacyHash::parse("$2b$31$...").unwrap_err().code(), "malformed_hash");
/// ```
#[derive(Clone)]
pub struct LegacyHash {
    scheme: LegacyScheme,
    cost: u32,
    text: String,
    /// PBKDF2's salt and expected output (decoded).
    pbkdf2: Option<(Vec<u8>, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for LegacyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyHash")
            .field("scheme", &self.scheme)
            .field("cost", &self.cost)
            .finish_non_exhaustive()
    }
}

/// Base64 as passlib writes it (`.` for `+`, no padding) and as PHC
/// strings do (standard alphabet, no padding): `.` is mapped to `+`.
fn b64(s: &str) -> Option<Vec<u8>> {
    let standard: String = s.chars().map(|c| if c == '.' { '+' } else { c }).collect();
    BASE64_NOPAD.decode(standard.as_bytes()).ok()
}

impl LegacyHash {
    /// The longest legacy hash text read.
    pub const MAX_LEN: usize = 512;

    /// Whether `stored` names a legacy scheme (its prefix only; it may
    /// still be malformed).
    pub fn is_legacy(stored: &str) -> bool {
        [
            "$2a$",
            "$2b$",
            "$2y$",
            "$pbkdf2-sha256$",
            "$pbkdf2-sha512$",
            "$5$",
            "$6$",
        ]
        .iter()
        .any(|p| stored.starts_with(p))
    }

    /// Reads a legacy hash.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] for an unknown scheme, a malformed hash, or
    /// a cost over the scheme's [`max_cost`](LegacyScheme::max_cost).
    pub fn parse(stored: &str) -> Result<Self, Error> {
        let bad = |m: &str| Err(Error::MalformedHash(format!("legacy hash: {m}")));
        if stored.len() > Self::MAX_LEN || !stored.is_ascii() {
            return bad("too long, or not ASCII");
        }
        let (scheme, cost, pbkdf2) = if ["$2a$", "$2b$", "$2y$"]
            .iter()
            .any(|p| stored.starts_with(p))
        {
            // $2b$CC$ + 22 characters of salt + 31 of hash.
            let cost = stored.get(4..6).and_then(|c| c.parse::<u32>().ok());
            match cost {
                Some(c)
                    if stored.len() == 60
                        && stored.as_bytes()[6] == b'$'
                        && (4..=31).contains(&c) =>
                {
                    (LegacyScheme::Bcrypt, c, None)
                }
                _ => return bad("bcrypt: $2b$<cost>$ and 53 characters"),
            }
        } else if let Some(rest) = stored
            .strip_prefix("$pbkdf2-sha256$")
            .map(|r| (LegacyScheme::Pbkdf2Sha256, r))
            .or_else(|| {
                stored
                    .strip_prefix("$pbkdf2-sha512$")
                    .map(|r| (LegacyScheme::Pbkdf2Sha512, r))
            })
        {
            let (scheme, rest) = rest;
            let parts: Vec<&str> = rest.split('$').collect();
            let [params, salt, hash] = parts[..] else {
                return bad("pbkdf2: $pbkdf2-sha256$<rounds>$<salt>$<hash>");
            };
            // passlib: `29000`; RustCrypto's PHC form: `i=29000,l=32`.
            let rounds = params
                .split(',')
                .find_map(|p| {
                    p.strip_prefix("i=")
                        .or(Some(p).filter(|p| !p.contains('=')))
                })
                .and_then(|r| r.parse::<u32>().ok());
            let (Some(rounds), Some(salt), Some(hash)) = (rounds, b64(salt), b64(hash)) else {
                return bad("pbkdf2: rounds, salt or hash unreadable");
            };
            if rounds == 0 || salt.is_empty() || !(16..=64).contains(&hash.len()) {
                return bad("pbkdf2: zero rounds, no salt, or a hash of the wrong length");
            }
            (scheme, rounds, Some((salt, Zeroizing::new(hash))))
        } else if stored.starts_with("$5$") || stored.starts_with("$6$") {
            let scheme = if stored.starts_with("$5$") {
                LegacyScheme::Sha256Crypt
            } else {
                LegacyScheme::Sha512Crypt
            };
            let rounds = match stored[3..].strip_prefix("rounds=") {
                None => 5000,
                Some(r) => match r.split('$').next().and_then(|n| n.parse::<u32>().ok()) {
                    Some(n) if n >= 1000 => n,
                    _ => return bad("sha-crypt: rounds=<1000 or more>"),
                },
            };
            (scheme, rounds, None)
        } else {
            return bad("not bcrypt, pbkdf2-sha256/512 or sha-crypt");
        };
        if cost > scheme.max_cost() {
            return Err(Error::MalformedHash(format!(
                "legacy hash: {} cost {cost}, at most {}",
                scheme.as_str(),
                scheme.max_cost()
            )));
        }
        Ok(LegacyHash {
            scheme,
            cost,
            text: stored.to_owned(),
            pbkdf2,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> LegacyScheme {
        self.scheme
    }

    /// bcrypt's log2 cost, or the rounds of the others.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Whether `password` (its bytes as typed) matches; compared in
    /// constant time by each crate.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] for a hash its crate cannot read.
    pub fn verify(&self, password: &str) -> Result<bool, Error> {
        let pw = password.as_bytes();
        match self.scheme {
            LegacyScheme::Bcrypt => bcrypt::verify(pw, &self.text)
                .map_err(|e| Error::MalformedHash(format!("legacy hash: bcrypt: {e}"))),
            LegacyScheme::Pbkdf2Sha256 | LegacyScheme::Pbkdf2Sha512 => {
                let Some((salt, expected)) = &self.pbkdf2 else {
                    return Err(Error::Internal("pbkdf2 hash without its parts".into()));
                };
                let mut out = Zeroizing::new(vec![0u8; expected.len()]);
                if self.scheme == LegacyScheme::Pbkdf2Sha256 {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, self.cost, &mut out);
                } else {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, self.cost, &mut out);
                }
                Ok(out.ct_eq(expected).into())
            }
            LegacyScheme::Sha256Crypt | LegacyScheme::Sha512Crypt => {
                use sha_crypt::{PasswordVerifier, ShaCrypt};
                match ShaCrypt::default().verify_password(pw, self.text.as_str()) {
                    Ok(()) => Ok(true),
                    Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(e) => Err(Error::MalformedHash(format!("legacy hash: sha-crypt: {e}"))),
                }
            }
        }
    }
}

/// What a wrap keeps of a legacy hash, and how it remakes its digest
/// (see [`PasswordHasher::wrap_legacy`](super::PasswordHasher::wrap_legacy)):
/// the setting is the hash with its digest blanked, the digest is the
/// scheme's own text of it (bcrypt's 31 characters, SHA-crypt's last
/// field) or, for PBKDF2, its bytes in hex.
impl LegacyHash {
    /// The digest field's start in the text (after its last `$`, or
    /// bcrypt's 22 characters of salt).
    fn digest_start(&self) -> usize {
        match self.scheme {
            LegacyScheme::Bcrypt => 29,
            _ => self.text.rfind('$').map_or(self.text.len(), |i| i + 1),
        }
    }

    /// Whether a wrap can remake this hash's digest from a password: a
    /// SHA-crypt salt must be one its crate encodes (passlib's are; a
    /// hand-made salt such as `saltstring` is not).
    pub(crate) fn can_wrap(&self) -> bool {
        match self.scheme {
            LegacyScheme::Sha256Crypt | LegacyScheme::Sha512Crypt => {
                self.sha_crypt_salt().is_some()
            }
            _ => true,
        }
    }

    /// The hash with its digest replaced by characters that decode to
    /// zeros: a legacy hash that [`parse`](Self::parse) reads, holding the
    /// scheme, cost and salt and nothing of the password.
    pub(crate) fn setting(&self) -> String {
        let at = self.digest_start();
        let filler = match self.scheme {
            LegacyScheme::Pbkdf2Sha256 | LegacyScheme::Pbkdf2Sha512 => 'A',
            _ => '.',
        };
        let blank: String = std::iter::repeat_n(filler, self.text.len() - at).collect();
        format!("{}{blank}", &self.text[..at])
    }

    /// The digest this hash stores.
    pub(crate) fn stored_digest(&self) -> Zeroizing<String> {
        match &self.pbkdf2 {
            Some((_, expected)) => Zeroizing::new(data_encoding::HEXLOWER.encode(expected)),
            None => Zeroizing::new(self.text[self.digest_start()..].to_owned()),
        }
    }

    /// The digest the scheme makes of `password` (its bytes as typed) under
    /// this hash's setting: the [`stored_digest`](Self::stored_digest) when
    /// the password is right.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] for a setting its crate cannot read.
    pub(crate) fn digest_of(&self, password: &str) -> Result<Zeroizing<String>, Error> {
        let pw = password.as_bytes();
        let bad = |m: String| Error::MalformedHash(format!("legacy hash: {m}"));
        match self.scheme {
            LegacyScheme::Bcrypt => {
                let parts: bcrypt::HashParts =
                    self.text.parse().map_err(|e| bad(format!("bcrypt: {e}")))?;
                let made = bcrypt::hash_with_salt(pw, parts.get_cost(), parts.get_salt_raw())
                    .map_err(|e| bad(format!("bcrypt: {e}")))?;
                let text = Zeroizing::new(made.format_for_version(bcrypt::Version::TwoB));
                Ok(Zeroizing::new(text[29..].to_owned()))
            }
            LegacyScheme::Pbkdf2Sha256 | LegacyScheme::Pbkdf2Sha512 => {
                let Some((salt, expected)) = &self.pbkdf2 else {
                    return Err(Error::Internal("pbkdf2 hash without its parts".into()));
                };
                let mut out = Zeroizing::new(vec![0u8; expected.len()]);
                if self.scheme == LegacyScheme::Pbkdf2Sha256 {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, self.cost, &mut out);
                } else {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, self.cost, &mut out);
                }
                Ok(Zeroizing::new(data_encoding::HEXLOWER.encode(&out)))
            }
            LegacyScheme::Sha256Crypt | LegacyScheme::Sha512Crypt => {
                use sha_crypt::CustomizedPasswordHasher;
                let salt = self
                    .sha_crypt_salt()
                    .ok_or_else(|| bad("sha-crypt: a salt its crate does not encode".into()))?;
                let params = sha_crypt::Params::new(self.cost)
                    .map_err(|e| bad(format!("sha-crypt: {e}")))?;
                let id = if self.scheme == LegacyScheme::Sha256Crypt {
                    "5"
                } else {
                    "6"
                };
                let made = sha_crypt::ShaCrypt::default()
                    .hash_password_customized(pw, &salt, Some(id), None, params)
                    .map_err(|e| bad(format!("sha-crypt: {e}")))?;
                let text = Zeroizing::new(made.to_string());
                let at = text.rfind('$').map_or(0, |i| i + 1);
                Ok(Zeroizing::new(text[at..].to_owned()))
            }
        }
    }

    /// A SHA-crypt salt's bytes, when the crate's own encoding of them
    /// gives back the salt as stored.
    fn sha_crypt_salt(&self) -> Option<Vec<u8>> {
        use base64ct::{Base64ShaCrypt, Encoding};
        let fields: Vec<&str> = self.text.split('$').collect();
        // "", "5" | "6", ["rounds=N",] salt, digest
        let salt = match fields.as_slice() {
            [_, _, r, salt, _] if r.starts_with("rounds=") => *salt,
            [_, _, salt, _] => *salt,
            _ => return None,
        };
        let raw = Base64ShaCrypt::decode_vec(salt).ok()?;
        (Base64ShaCrypt::encode_string(&raw) == salt).then_some(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_over_the_bound_are_refused_before_any_work() {
        let slow_bcrypt = "$2b$15$4bLAdFxpkTA2nzbj0RRnsuOZmKX6spLEB1CQciSNFHMUjS3Tudg1.";
        assert!(
            LegacyHash::parse(slow_bcrypt)
                .unwrap_err()
                .to_string()
                .contains("at most 14")
        );
        let slow_sha = "$6$rounds=5000000$EwbOYai.pUDPmT7n$IiGXpRlLEVXLhI.r7jcnS3hp6PiFk3PoPXiZ3TznV3m6sYAbSlrFy2fHS4eIomJyfwdxuxYXwjgxi.XFLZiyV.";
        assert!(LegacyHash::parse(slow_sha).is_err());
        let slow_pbkdf2 = "$pbkdf2-sha256$9000000$Z6yVEiLEWKuV0vrfu/e.lw$i1C9Nm9UrRaLgamrnEkJeBvBCRIKspokFILX705imPI";
        assert!(LegacyHash::parse(slow_pbkdf2).is_err());
    }

    #[test]
    fn malformed_hashes_are_errors_never_panics() {
        for bad in [
            "",
            "$2b$",
            "$2b$04$short",
            "$2b$xx$4bLAdFxpkTA2nzbj0RRnsuOZmKX6spLEB1CQciSNFHMUjS3Tudg1.",
            "$pbkdf2-sha256$",
            "$pbkdf2-sha256$1000$$",
            "$pbkdf2-sha256$0$Z6yV$i1C9Nm9UrRaLgamrnEkJeBvBCRIKspokFILX705imPI",
            "$pbkdf2-sha256$1000$!!$!!",
            "$5$rounds=10$salt$hash",
            "$7$x",
            "$argon2id$v=19$m=1,t=1,p=1$x$y",
        ] {
            assert_eq!(
                LegacyHash::parse(bad).map(|_| ()).unwrap_err().code(),
                "malformed_hash",
                "{bad:?}"
            );
        }
        // A well-formed prefix whose body its crate cannot read.
        let h = LegacyHash::parse("$5$salt$not-base64!!").unwrap();
        assert!(h.verify("x").is_err());
    }
}
