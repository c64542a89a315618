//! Breached-password lookups by k-anonymity range query.
//!
//! Services such as Have I Been Pwned's Pwned Passwords answer a *range
//! query*: the client sends the first 5 hex digits of the password's SHA-1,
//! the service returns every suffix in that range with how often it was seen,
//! and the client looks for its own suffix. The service never learns the
//! password or its full hash. varco never talks to the network: it computes
//! the prefix, the host fetches the range (e.g. `GET
//! https://api.pwnedpasswords.com/range/{prefix}`, ideally with the
//! `Add-Padding: true` header), and varco reads the answer.
//!
//! The hash is taken over the password's UTF-8 bytes exactly as typed, with
//! no normalization, because that is how breach corpora are hashed.
//!
//! ```
//! use varco::breach::{RangeQuery, BreachResult};
//!
//! let q = RangeQuery::new("password");
//! assert_eq!(q.prefix(), "5BAA6");
//! // What the service would answer (abridged); padding lines have count 0.
//! let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:10434004\r\n0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n";
//! assert_eq!(q.check(body).unwrap(), BreachResult::Breached { count: 10434004 });
//! ```

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::policy::Violation;

/// The largest range response accepted (real ones are about 30 KiB).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A prepared range query for one password: the prefix to send, and the
/// suffix (kept secret, redacted from `Debug`) to look for in the answer.
///
/// ```
/// use varco::breach::RangeQuery;
///
/// let q = RangeQuery::new("hunter2");
/// assert_eq!(q.prefix().len(), 5);
/// assert!(format!("{q:?}").contains("<redacted>"));
/// ```
pub struct RangeQuery {
    prefix: String,
    suffix: Zeroizing<String>,
}

impl std::fmt::Debug for RangeQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeQuery")
            .field("prefix", &self.prefix)
            .field("suffix", &"<redacted>")
            .finish()
    }
}

/// Whether the password was found in the range.
///
/// ```
/// use varco::breach::{BreachResult, RangeQuery};
///
/// let q = RangeQuery::new("a password nobody used");
/// assert_eq!(q.check("0018A45C4D1DEF81644B54AB7F969B88D65:3").unwrap(), BreachResult::NotFound);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachResult {
    /// Not in any known breach (as far as this range says).
    NotFound,
    /// Seen `count` times in breaches.
    Breached {
        /// How many times.
        count: u64,
    },
}

impl BreachResult {
    /// The policy violation to add to a [`Report`](crate::policy::Report), if any.
    ///
    /// ```
    /// use varco::breach::BreachResult;
    /// assert!(BreachResult::NotFound.violation().is_none());
    /// assert_eq!(BreachResult::Breached { count: 3 }.violation().unwrap().code(), "breached");
    /// ```
    pub fn violation(self) -> Option<Violation> {
        match self {
            BreachResult::NotFound => None,
            BreachResult::Breached { count } => Some(Violation::Breached { count }),
        }
    }
}

impl RangeQuery {
    /// Hashes the password and splits the hash into prefix and suffix.
    pub fn new(password: &str) -> Self {
        let mut digest = Zeroizing::new([0u8; 20]);
        digest.copy_from_slice(&Sha1::digest(password.as_bytes()));
        let mut hex = Zeroizing::new(String::with_capacity(40));
        for b in digest.iter() {
            hex.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            hex.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
        RangeQuery {
            prefix: hex[..5].to_owned(),
            suffix: Zeroizing::new(hex[5..].to_owned()),
        }
    }

    /// The 5 upper-case hex digits to send.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Reads the service's answer: lines of `SUFFIX:COUNT` (35 hex digits,
    /// any case; CRLF or LF). Lines with a count of 0 are padding.
    ///
    /// # Errors
    /// [`Error::MalformedBreachResponse`] if the body is too large or a line
    /// is not of that form. Do not treat an error as "not found".
    pub fn check(&self, body: &str) -> Result<BreachResult, Error> {
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(Error::MalformedBreachResponse(format!(
                "{} bytes, more than {MAX_RESPONSE_BYTES}",
                body.len()
            )));
        }
        let mut found = 0u64;
        for (n, line) in body.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let bad =
                || Error::MalformedBreachResponse(format!("line {} is not SUFFIX:COUNT", n + 1));
            let (suffix, count) = line.split_once(':').ok_or_else(bad)?;
            if suffix.len() != 35 || !suffix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            let count: u64 = count.trim().parse().map_err(|_| bad())?;
            let upper = suffix.to_ascii_uppercase();
            let hit = upper.as_bytes().ct_eq(self.suffix.as_bytes());
            // Keep scanning after a hit: the time depends on the body only.
            if bool::from(hit) {
                found = found.max(count);
            }
        }
        Ok(if found > 0 {
            BreachResult::Breached { count: found }
        } else {
            BreachResult::NotFound
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sha1() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
        let q = RangeQuery::new("password");
        assert_eq!(q.prefix(), "5BAA6");
        assert_eq!(q.check("").unwrap(), BreachResult::NotFound);
        assert_eq!(
            q.check("1e4c9b93f3f0682250b6cf8331b7ee68fd8:7\n").unwrap(),
            BreachResult::Breached { count: 7 }
        );
        // A padding line for our own suffix means nothing.
        assert_eq!(
            q.check("1E4C9B93F3F0682250B6CF8331B7EE68FD8:0").unwrap(),
            BreachResult::NotFound
        );
    }

    #[test]
    fn malformed_bodies() {
        let q = RangeQuery::new("x");
        for bad in [
            "nonsense",
            "ABC:1",
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8:-1",
            "1E4C9B93F3F0682250B6CF8331B7EE68FDZ:1",
        ] {
            assert!(q.check(bad).is_err(), "{bad}");
        }
        assert!(q.check(&"A".repeat(MAX_RESPONSE_BYTES + 1)).is_err());
        assert!(!format!("{q:?}").contains(&q.suffix[..]));
    }
}
