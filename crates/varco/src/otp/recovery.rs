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
use crate::record::{Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, SecretString, Timestamp};

/// The symbols of a code: digits and capitals without `0 O 1 I L`.
pub const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols per code (three groups of five).
pub const CODE_LEN: usize = 15;

/// The codes to show the user once: the outcome of generating a set.
pub struct NewRecoveryCodes {
    /// The codes, formatted `XXXXX-XXXXX-XXXXX`. Show them once; never
    /// store or log them. Wiped on drop, redacted from `Debug`.
    pub codes: Vec<SecretString>,
}

impl std::fmt::Debug for NewRecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NewRecoveryCodes({} codes, <redacted>)",
            self.codes.len()
        )
    }
}

/// Serialized with the codes in clear, for a binding that hands them to the
/// user's screen (C reads it as the step's outcome, wiped on free): never
/// log it.
impl Serialize for NewRecoveryCodes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let codes: Vec<&str> = self.codes.iter().map(SecretString::expose).collect();
        let mut st = s.serialize_struct("NewRecoveryCodes", 1)?;
        st.serialize_field("codes", &codes)?;
        st.end()
    }
}

/// One stored code: its hash, and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredCode {
    phc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<Timestamp>,
}

/// A set of recovery codes, hashed: a record ([`Stored<RecoveryCodeSet>`]).
///
/// ```
/// use varco::hash::{HashParams, PasswordHasher};
/// use varco::otp::{RecoveryCodeSet, RecoveryOutcome};
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let none = Stored::new(RecoveryCodeSet::empty());
/// let new = none.regenerate(3, &hasher, now, &mut rand::rng()).unwrap();
/// assert_eq!(new.outcome.codes.len(), 3);
/// let first = new.outcome.codes[0].expose().to_owned();
/// let set = new.writes.unwrap().record; // INSERT: must not exist
///
/// let step = set.redeem(&first.to_lowercase(), &hasher, now).unwrap();
/// assert_eq!(step.outcome, RecoveryOutcome::Accepted { remaining: 2 });
/// let set = step.writes.unwrap().record;
/// // A code works once; a wrong one writes nothing.
/// let again = set.redeem(&first, &hasher, now).unwrap();
/// assert_eq!(again.outcome, RecoveryOutcome::Rejected);
/// assert!(again.writes.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodeSet {
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
        remaining: u32,
    },
    /// Wrong, malformed or already used.
    Rejected,
}

impl RecoveryOutcome {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"accepted"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecoveryOutcome::Accepted { .. } => "accepted",
            RecoveryOutcome::Rejected => "rejected",
        }
    }
}

impl Record for RecoveryCodeSet {
    const KIND: &'static str = "recovery_codes";
    const VERSION: u32 = 1;

    fn validate(&self) -> Result<(), Error> {
        if self.codes.len() > Self::MAX_COUNT || self.codes.iter().any(|c| c.phc.len() > 512) {
            return Err(Error::Deserialize(format!(
                "recovery_codes: at most {} codes of at most 512 bytes",
                Self::MAX_COUNT
            )));
        }
        Ok(())
    }
}

impl RecoveryCodeSet {
    /// Codes in a new set by default.
    pub const DEFAULT_COUNT: usize = 10;
    /// The largest set.
    pub const MAX_COUNT: usize = 32;

    /// A set with no codes: what an account without recovery codes has
    /// (as a record never stored, `Stored::new(RecoveryCodeSet::empty())`).
    pub fn empty() -> Self {
        RecoveryCodeSet {
            id: String::new(),
            created_at: Timestamp::EPOCH,
            codes: Vec::new(),
        }
    }

    /// The set's id (random; a new set has a new one).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When it was made.
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

    /// Whether the set has no codes.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// `count` new codes from `rng` (each hashed with `hasher`) and the set
    /// that stores their hashes.
    fn generate<R: CryptoRng + ?Sized>(
        count: usize,
        now: Timestamp,
        hasher: &PasswordHasher,
        rng: &mut R,
    ) -> Result<(NewRecoveryCodes, RecoveryCodeSet), Error> {
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
            codes.push(SecretString::new(format!(
                "{}-{}-{}",
                &raw[..5],
                &raw[5..10],
                &raw[10..]
            )));
        }
        let mut id = [0u8; 8];
        rng.fill_bytes(&mut id);
        Ok((
            NewRecoveryCodes { codes },
            RecoveryCodeSet {
                id: data_encoding::HEXLOWER.encode(&id),
                created_at: now,
                codes: stored,
            },
        ))
    }
}

impl Stored<RecoveryCodeSet> {
    /// A new set of `count` codes (1 to 32) that replaces this one: the
    /// write replaces the stored set's revision (or inserts the first
    /// set), so the old codes stop working in the same commit. The codes
    /// are the outcome: show them once.
    ///
    /// # Errors
    /// [`Error::InvalidOtpConfig`] for a count outside 1 to 32; a hashing
    /// error; [`Error::InvalidTime`] for a broken clock.
    pub fn regenerate<R: CryptoRng + ?Sized>(
        &self,
        count: usize,
        hasher: &PasswordHasher,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RecordStep<NewRecoveryCodes, RecoveryCodeSet>, Error> {
        let now = self.effective_time(now)?;
        let (codes, set) = RecoveryCodeSet::generate(count, now, hasher, rng)?;
        Ok(Step {
            outcome: codes,
            writes: Some(Write::replacing(self, self.next(set, now)?)),
            effects: Vec::new(),
        })
    }

    /// Redeems a code (case, spaces and hyphens do not matter): a right,
    /// unused one is marked used in the write; anything else is
    /// [`RecoveryOutcome::Rejected`] and writes nothing.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a broken clock; nothing is written.
    pub fn redeem(
        &self,
        input: &str,
        hasher: &PasswordHasher,
        now: Timestamp,
    ) -> Result<RecordStep<RecoveryOutcome, RecoveryCodeSet>, Error> {
        let now = self.effective_time(now)?;
        let set = self.body();
        let matched = normalize(input).and_then(|code| {
            set.codes.iter().position(|c| {
                c.used_at.is_none() && hasher.verify(&code, &c.phc).is_ok_and(|v| v.is_valid())
            })
        });
        let Some(i) = matched else {
            return Ok(Step {
                outcome: RecoveryOutcome::Rejected,
                writes: None,
                effects: Vec::new(),
            });
        };
        let mut next = set.clone();
        next.codes[i].used_at = Some(now);
        let remaining = u32::try_from(next.remaining()).unwrap_or(u32::MAX);
        Ok(Step {
            outcome: RecoveryOutcome::Accepted { remaining },
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects: Vec::new(),
        })
    }
}

/// What the user typed, normalized: upper case, separators removed, and
/// exactly 15 symbols of the alphabet.
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

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(HashParams::new(8, 1, 1).unwrap())
    }

    #[test]
    fn codes_have_the_promised_shape_and_entropy() {
        assert_eq!(ALPHABET.len(), 31);
        assert!(!ALPHABET.contains(['0', 'O', '1', 'I', 'L']));
        // 15 symbols of 31: log2(31) × 15 ≈ 74.3 bits ≥ 64.
        assert!((31f64).log2() * CODE_LEN as f64 >= 74.0);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let (new, set) =
            RecoveryCodeSet::generate(10, Timestamp::EPOCH, &hasher(), &mut rng).unwrap();
        let mut seen = std::collections::HashSet::new();
        let json = serde_json::to_string(&set).unwrap();
        for c in &new.codes {
            let c = c.expose();
            assert_eq!(c.len(), 17);
            assert!(seen.insert(c.to_owned()));
            // The stored set never holds the code itself.
            assert!(!json.contains(&c.replace('-', "")));
        }
        assert!(!format!("{new:?}").contains(new.codes[0].expose()));
        assert!(RecoveryCodeSet::generate(0, Timestamp::EPOCH, &hasher(), &mut rng).is_err());
        assert!(RecoveryCodeSet::generate(33, Timestamp::EPOCH, &hasher(), &mut rng).is_err());
    }

    /// A new set replaces the stored one in one write (compare-and-swap on
    /// its revision), and the old codes stop working against what is stored.
    #[test]
    fn a_new_set_replaces_the_stored_one() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(6);
        let t = Timestamp::from_unix_seconds(1_800_000_000);
        let first = Stored::new(RecoveryCodeSet::empty())
            .regenerate(2, &hasher(), t, &mut rng)
            .unwrap();
        let old_code = first.outcome.codes[0].expose().to_owned();
        let w = first.writes.unwrap();
        assert_eq!(w.expect, crate::record::Expect::Absent);
        let stored = w.record;
        // The old code works against the old set...
        assert!(matches!(
            stored.redeem(&old_code, &hasher(), t).unwrap().outcome,
            RecoveryOutcome::Accepted { .. }
        ));
        let second = stored.regenerate(2, &hasher(), t, &mut rng).unwrap();
        let w = second.writes.unwrap();
        assert_eq!(w.expect, stored.expect(), "it replaces, never adds, a set");
        assert_ne!(w.record.body().id(), stored.body().id());
        // ...and not against the set that replaced it, while the new ones do.
        let replaced = w.record;
        assert_eq!(
            replaced.redeem(&old_code, &hasher(), t).unwrap().outcome,
            RecoveryOutcome::Rejected
        );
        let new_code = second.outcome.codes[1].expose().to_owned();
        assert_eq!(
            replaced.redeem(&new_code, &hasher(), t).unwrap().outcome,
            RecoveryOutcome::Accepted { remaining: 1 }
        );
        let json = replaced.to_json();
        assert_eq!(
            Stored::<RecoveryCodeSet>::from_json(&json).unwrap(),
            replaced
        );
    }
}
