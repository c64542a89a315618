//! Decoys and padding (ENGINE §1): an unknown identifier walks the path of
//! a known one, with a subject derived from a keyed hash, and where a known
//! account's path writes its budget record, a decoy's (or a refusal's)
//! writes one padding record in a bounded table.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::keys::KeyRing;
use crate::record::Record;

/// A padding record (`pad/<bucket>`): written where a known account's path
/// writes a record the decoy does not have. It holds only a counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Padding {
    writes: u64,
}

impl Padding {
    pub(crate) fn bumped(&self) -> Padding {
        Padding {
            writes: self.writes.wrapping_add(1),
        }
    }
}

impl Record for Padding {
    const KIND: &'static str = "padding";
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = 256;
}

/// Derivations under the decoy key (which never rotates: a decoy stays the
/// same decoy, and a bucket the same bucket).
pub(crate) struct Decoys {
    key: KeyRing,
    buckets: u32,
}

impl Decoys {
    pub(crate) fn new(key: KeyRing, buckets: u32) -> Self {
        Decoys {
            key,
            buckets: buckets.max(1),
        }
    }

    fn mac(&self, label: &str, input: &str) -> [u8; 32] {
        let (_, key) = self.key.current();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
        for part in [
            b"varco/decoy/v1".as_slice(),
            label.as_bytes(),
            input.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The decoy subject of an identifier's lookup key: `~` and 32 hex
    /// digits (`~` is never in an account id, so a decoy never names a real
    /// account).
    pub(crate) fn subject(&self, lookup_key: &str) -> String {
        let m = self.mac("subject", lookup_key);
        format!("~{}", data_encoding::HEXLOWER.encode(&m[..16]))
    }

    /// One of `n` choices for a subject, the same every time (the question
    /// a decoy, or an account without one, is asked).
    pub(crate) fn pick(&self, label: &str, subject: &str, n: usize) -> usize {
        let m = self.mac(label, subject);
        let x = u64::from_be_bytes([m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]]);
        usize::try_from(x % n.max(1) as u64).unwrap_or(0)
    }

    /// The padding record key of a subject (an account id or a decoy).
    pub(crate) fn pad_key(&self, subject: &str) -> String {
        let m = self.mac("bucket", subject);
        let n = u32::from_be_bytes([m[0], m[1], m[2], m[3]]) % self.buckets;
        format!("pad/{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoys_are_stable_distinct_and_never_account_ids() {
        let d = Decoys::new(KeyRing::new("d", vec![7; 32]).unwrap(), 16);
        let a = d.subject("claim/login/mario");
        assert_eq!(a, d.subject("claim/login/mario"));
        assert_ne!(a, d.subject("claim/login/maria"));
        assert!(!crate::account::is_account_id(&a));
        let other = Decoys::new(KeyRing::new("d", vec![8; 32]).unwrap(), 16);
        assert_ne!(a, other.subject("claim/login/mario"));
        let buckets: std::collections::BTreeSet<String> =
            (0..200).map(|i| d.pad_key(&format!("a{i}"))).collect();
        assert!(buckets.len() > 8 && buckets.len() <= 16);
    }
}
