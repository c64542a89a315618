//! One-time recovery codes (lookup secrets): a set of N, shown once, stored
//! hashed, each usable once.
//!
//! Each code has 15 characters from a 31-symbol alphabet without look-alikes
//! (no `0 O 1 I L`), grouped by five: `7KQ4M-X2RTH-9WCEN`, that is 74 bits
//! (STANDARDS RC-01 asks for at least 64). Below 112 bits a lookup secret
//! must be stored with a salted password hash (NIST SP 800-63B, LU-02), so
//! each code is kept as an Argon2id PHC string made by the
//! [`PasswordHasher`] the host passes. Redeeming a code verifies it against
//! the unused ones: with ten codes at the OWASP parameters a wrong code costs
//! about ten hashes, so pass a lighter hasher for recovery codes if that is
//! too slow (74 random bits need far less stretching than a password), and
//! rate-limit attempts.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::hash::PasswordHasher;
use crate::{Error, Timestamp};

/// The symbols of a code: digits and capitals without `0 O 1 I L`.
pub const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols per code (three groups of five).
pub const CODE_LEN: usize = 15;

/// The codes to show the user once, and the set to store.
#[derive(Debug)]
pub struct NewRecoveryCodes {
    /// The codes, formatted `XXXXX-XXXXX-XXXXX`. Show them once; never
    /// store or log them. Wiped on drop.
    pub codes: Vec<Zeroizing<String>>,
    /// What to store (it replaces any earlier set, which stops working).
    pub set: RecoveryCodeSet,
}

/// One stored code: its hash, and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredCode {
    phc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<Timestamp>,
}

/// A stored set of recovery codes.
///
/// ```
/// use varco::hash::{HashParams, PasswordHasher};
/// use varco::otp::{RecoveryCodeSet, RecoveryOutcome};
/// use varco::Timestamp;
///
/// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let new = RecoveryCodeSet::generate(3, now, &hasher, &mut rand::rng()).unwrap();
/// assert_eq!(new.codes.len(), 3);
/// let first = new.codes[0].clone();
///
/// let (outcome, set) = new.set.redeem(&first.to_lowercase(), now, &hasher);
/// assert_eq!(outcome, RecoveryOutcome::Accepted { remaining: 2 });
/// // A code works once.
/// assert_eq!(set.redeem(&first, now, &hasher).0, RecoveryOutcome::Rejected);
/// assert_eq!(set.remaining(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodeSet {
    version: u32,
    /// A random identifier, for audit events ("set 3f…, code used").
    id: String,
    created_at: Timestamp,
    codes: Vec<StoredCode>,
}

/// What became of a recovery code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecoveryOutcome {
    /// The code was valid and is now used up.
    Accepted {
        /// Unused codes left in the set.
        remaining: usize,
    },
    /// Not a code of this set, or already used.
    Rejected,
}

impl RecoveryCodeSet {
    /// The serialized format's version.
    pub const FORMAT_VERSION: u32 = 1;
    /// Codes per set by default.
    pub const DEFAULT_COUNT: usize = 10;
    /// Most codes per set.
    pub const MAX_COUNT: usize = 32;

    /// Generates `count` codes (1 to 32; 10 is usual) with the caller's
    /// CSPRNG and hashes each with `hasher`.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for a count out of range; hashing errors.
    pub fn generate<R: CryptoRng + ?Sized>(
        count: usize,
        now: Timestamp,
        hasher: &PasswordHasher,
        rng: &mut R,
    ) -> Result<NewRecoveryCodes, Error> {
        if !(1..=Self::MAX_COUNT).contains(&count) {
            return Err(Error::InvalidOtpConfig(format!(
                "{count} recovery codes; use 1..={}",
                Self::MAX_COUNT
            )));
        }
        let symbols: Vec<char> = ALPHABET.chars().collect();
        let mut codes = Vec::with_capacity(count);
        let mut stored = Vec::with_capacity(count);
        for _ in 0..count {
            let mut raw = Zeroizing::new(String::with_capacity(CODE_LEN));
            while raw.len() < CODE_LEN {
                // Rejection sampling: 31 symbols from bytes without bias.
                let mut b = [0u8; 1];
                rng.fill_bytes(&mut b);
                let v = usize::from(b[0] & 0x1f);
                if v < symbols.len() {
                    raw.push(symbols[v]);
                }
            }
            stored.push(StoredCode {
                phc: hasher.hash(&raw, rng)?,
                used_at: None,
            });
            codes.push(Zeroizing::new(format!(
                "{}-{}-{}",
                &raw[..5],
                &raw[5..10],
                &raw[10..]
            )));
        }
        let mut id = [0u8; 8];
        rng.fill_bytes(&mut id);
        Ok(NewRecoveryCodes {
            codes,
            set: RecoveryCodeSet {
                version: Self::FORMAT_VERSION,
                id: id.iter().map(|b| format!("{b:02x}")).collect(),
                created_at: now,
                codes: stored,
            },
        })
    }

    /// The set's identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the set was made.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Unused codes left.
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|c| c.used_at.is_none()).count()
    }

    /// Codes in the set, used or not.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Never true for a generated set.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Redeems a code (case, spaces and hyphens do not matter) and returns
    /// the outcome with the set to store; only an accepted code changes it.
    /// A stored hash that cannot be read counts as not matching.
    pub fn redeem(
        &self,
        input: &str,
        now: Timestamp,
        hasher: &PasswordHasher,
    ) -> (RecoveryOutcome, RecoveryCodeSet) {
        let Some(code) = normalize(input) else {
            return (RecoveryOutcome::Rejected, self.clone());
        };
        let matched = self.codes.iter().position(|c| {
            c.used_at.is_none() && hasher.verify(&code, &c.phc).is_ok_and(|v| v.is_valid())
        });
        match matched {
            Some(i) => {
                let mut next = self.clone();
                next.codes[i].used_at = Some(now);
                let remaining = next.remaining();
                (RecoveryOutcome::Accepted { remaining }, next)
            }
            None => (RecoveryOutcome::Rejected, self.clone()),
        }
    }

    /// Loads a stored set.
    ///
    /// # Errors
    /// [`Error::Deserialize`] for malformed JSON, [`Error::UnsupportedVersion`]
    /// for a newer format.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let set: RecoveryCodeSet =
            crate::error::load_json(json, |s: &RecoveryCodeSet| s.version, Self::FORMAT_VERSION)?;
        if set.codes.len() > Self::MAX_COUNT {
            return Err(Error::Deserialize(format!(
                "more than {} codes",
                Self::MAX_COUNT
            )));
        }
        Ok(set)
    }

    /// The stored form (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Upper case, separators removed, and exactly 15 symbols of the alphabet.
fn normalize(input: &str) -> Option<Zeroizing<String>> {
    if input.len() > 64 {
        return None;
    }
    let code: Zeroizing<String> = Zeroizing::new(
        input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    (code.chars().count() == CODE_LEN && code.chars().all(|c| ALPHABET.contains(c))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::HashParams;
    use rand::SeedableRng;

    #[test]
    fn codes_have_the_promised_shape_and_entropy() {
        assert_eq!(ALPHABET.len(), 31);
        assert!(!ALPHABET.contains(['0', 'O', '1', 'I', 'L']));
        // 15 symbols of 31: log2(31) × 15 ≈ 74.3 bits ≥ 64.
        assert!((31f64).log2() * CODE_LEN as f64 >= 74.0);
        let hasher = PasswordHasher::new(HashParams::new(8, 1, 1).unwrap());
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let new = RecoveryCodeSet::generate(10, Timestamp::EPOCH, &hasher, &mut rng).unwrap();
        let mut seen = std::collections::HashSet::new();
        for c in &new.codes {
            assert_eq!(c.len(), 17);
            assert_eq!(c.as_bytes()[5], b'-');
            assert!(seen.insert(c.to_string()));
            // The stored set never holds the code itself.
            assert!(!new.set.to_json().contains(&c.replace('-', "")));
        }
        assert!(RecoveryCodeSet::generate(0, Timestamp::EPOCH, &hasher, &mut rng).is_err());
        assert!(RecoveryCodeSet::generate(33, Timestamp::EPOCH, &hasher, &mut rng).is_err());
    }

    #[test]
    fn a_new_set_replaces_the_old() {
        let hasher = PasswordHasher::new(HashParams::new(8, 1, 1).unwrap());
        let mut rng = rand::rngs::StdRng::seed_from_u64(6);
        let old = RecoveryCodeSet::generate(2, Timestamp::EPOCH, &hasher, &mut rng).unwrap();
        let new = RecoveryCodeSet::generate(2, Timestamp::EPOCH, &hasher, &mut rng).unwrap();
        assert_eq!(
            new.set.redeem(&old.codes[0], Timestamp::EPOCH, &hasher).0,
            RecoveryOutcome::Rejected
        );
        let json = new.set.to_json();
        assert_eq!(RecoveryCodeSet::from_json(&json).unwrap(), new.set);
        assert!(
            RecoveryCodeSet::from_json(&json.replace("\"version\":1", "\"version\":2")).is_err()
        );
        assert!(RecoveryCodeSet::from_json("{").is_err());
        for bad in ["", "x", &"A".repeat(100), "22222-22222-2222O"] {
            assert_eq!(
                new.set.redeem(bad, Timestamp::EPOCH, &hasher).0,
                RecoveryOutcome::Rejected
            );
        }
    }
}
