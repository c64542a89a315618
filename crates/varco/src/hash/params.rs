//! Argon2id cost parameters and their presets.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Argon2id cost parameters: memory in KiB, iterations, lanes, output length.
///
/// Built only through validated constructors, so a `HashParams` value is
/// always usable. The default is the OWASP Password Storage Cheat Sheet's
/// first choice: m = 19456 KiB (19 MiB), t = 2, p = 1.
///
/// ```
/// use varco::hash::{HashParams, HashPreset};
///
/// let p = HashParams::default();
/// assert_eq!((p.m_kib(), p.t(), p.p()), (19456, 2, 1));
/// assert_eq!(HashParams::preset(HashPreset::OwaspM47104T1).m_kib(), 47104);
/// assert!(HashParams::new(7, 1, 1).is_err()); // below Argon2's 8 KiB floor
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawParams", into = "RawParams")]
pub struct HashParams {
    m_kib: u32,
    t: u32,
    p: u32,
    output_len: u32,
}

#[derive(Serialize, Deserialize)]
struct RawParams {
    m_kib: u32,
    t: u32,
    p: u32,
    #[serde(default = "default_output_len")]
    output_len: u32,
}

fn default_output_len() -> u32 {
    HashParams::DEFAULT_OUTPUT_LEN
}

impl TryFrom<RawParams> for HashParams {
    type Error = Error;
    fn try_from(r: RawParams) -> Result<Self, Error> {
        HashParams::with_output_len(r.m_kib, r.t, r.p, r.output_len)
    }
}

impl From<HashParams> for RawParams {
    fn from(p: HashParams) -> Self {
        RawParams {
            m_kib: p.m_kib,
            t: p.t,
            p: p.p,
            output_len: p.output_len,
        }
    }
}

/// Named parameter choices from OWASP and RFC 9106.
///
/// The five OWASP choices give about the same defence (they trade memory for
/// iterations); the RFC 9106 ones are much heavier and meant for hosts that
/// can afford them.
///
/// ```
/// use varco::hash::{HashParams, HashPreset};
/// assert_eq!(HashParams::preset(HashPreset::Owasp), HashParams::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HashPreset {
    /// m = 19456 KiB, t = 2, p = 1 (OWASP's first choice; the default).
    Owasp,
    /// m = 47104 KiB, t = 1, p = 1.
    OwaspM47104T1,
    /// m = 12288 KiB, t = 3, p = 1.
    OwaspM12288T3,
    /// m = 9216 KiB, t = 4, p = 1.
    OwaspM9216T4,
    /// m = 7168 KiB, t = 5, p = 1.
    OwaspM7168T5,
    /// RFC 9106 §4 second recommendation: m = 64 MiB, t = 3, p = 4.
    Rfc9106LowMemory,
    /// RFC 9106 §4 first recommendation: m = 2 GiB, t = 1, p = 4.
    Rfc9106,
}

impl HashPreset {
    /// Every preset, for listings and tests.
    pub const ALL: [HashPreset; 7] = [
        HashPreset::Owasp,
        HashPreset::OwaspM47104T1,
        HashPreset::OwaspM12288T3,
        HashPreset::OwaspM9216T4,
        HashPreset::OwaspM7168T5,
        HashPreset::Rfc9106LowMemory,
        HashPreset::Rfc9106,
    ];
}

impl HashParams {
    /// Smallest memory cost accepted, in KiB (Argon2's floor is 8 × p).
    pub const MIN_M_KIB: u32 = 8;
    /// Largest memory cost accepted, in KiB (4 GiB).
    pub const MAX_M_KIB: u32 = 4 * 1024 * 1024;
    /// Largest iteration count accepted.
    pub const MAX_T: u32 = 64;
    /// Largest lane count accepted.
    pub const MAX_P: u32 = 64;
    /// Default hash output length in bytes.
    pub const DEFAULT_OUTPUT_LEN: u32 = 32;

    /// Validated parameters with a 32-byte output.
    ///
    /// # Errors
    /// [`Error::InvalidHashParams`] if a value is out of range or `m_kib < 8 × p`.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Result<Self, Error> {
        Self::with_output_len(m_kib, t, p, Self::DEFAULT_OUTPUT_LEN)
    }

    /// Validated parameters with a chosen output length (16 to 64 bytes).
    ///
    /// ```
    /// assert!(varco::hash::HashParams::with_output_len(64, 1, 1, 8).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidHashParams`] if a value is out of range.
    pub fn with_output_len(m_kib: u32, t: u32, p: u32, output_len: u32) -> Result<Self, Error> {
        let bad = |msg: String| Err(Error::InvalidHashParams(msg));
        if !(1..=Self::MAX_P).contains(&p) {
            return bad(format!("p = {p}, must be 1..={}", Self::MAX_P));
        }
        if !(1..=Self::MAX_T).contains(&t) {
            return bad(format!("t = {t}, must be 1..={}", Self::MAX_T));
        }
        let min_m = Self::MIN_M_KIB.max(8 * p);
        if !(min_m..=Self::MAX_M_KIB).contains(&m_kib) {
            return bad(format!(
                "m = {m_kib} KiB, must be {min_m}..={}",
                Self::MAX_M_KIB
            ));
        }
        if !(16..=64).contains(&output_len) {
            return bad(format!("output length {output_len}, must be 16..=64 bytes"));
        }
        Ok(HashParams {
            m_kib,
            t,
            p,
            output_len,
        })
    }

    /// The parameters of a named preset.
    pub fn preset(preset: HashPreset) -> Self {
        let (m_kib, t, p) = match preset {
            HashPreset::Owasp => (19456, 2, 1),
            HashPreset::OwaspM47104T1 => (47104, 1, 1),
            HashPreset::OwaspM12288T3 => (12288, 3, 1),
            HashPreset::OwaspM9216T4 => (9216, 4, 1),
            HashPreset::OwaspM7168T5 => (7168, 5, 1),
            HashPreset::Rfc9106LowMemory => (64 * 1024, 3, 4),
            HashPreset::Rfc9106 => (2 * 1024 * 1024, 1, 4),
        };
        HashParams {
            m_kib,
            t,
            p,
            output_len: Self::DEFAULT_OUTPUT_LEN,
        }
    }

    /// Memory cost in KiB.
    pub fn m_kib(&self) -> u32 {
        self.m_kib
    }
    /// Number of passes over memory.
    pub fn t(&self) -> u32 {
        self.t
    }
    /// Degree of parallelism (lanes).
    pub fn p(&self) -> u32 {
        self.p
    }
    /// Length of the hash output in bytes.
    pub fn output_len(&self) -> u32 {
        self.output_len
    }

    /// The number of 1 KiB Argon2 blocks these parameters fill (m rounded
    /// down to a multiple of 4 × p, as Argon2 does).
    pub fn block_count(&self) -> usize {
        let q = 4 * self.p;
        ((self.m_kib / q) * q) as usize
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::preset(HashPreset::Owasp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for preset in HashPreset::ALL {
            let p = HashParams::preset(preset);
            assert_eq!(
                HashParams::new(p.m_kib(), p.t(), p.p()),
                Ok(p),
                "{preset:?}"
            );
        }
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(HashParams::new(64, 0, 1).is_err());
        assert!(HashParams::new(64, 1, 0).is_err());
        assert!(HashParams::new(31, 1, 4).is_err());
        assert!(HashParams::new(HashParams::MAX_M_KIB + 1, 1, 1).is_err());
        assert!(HashParams::new(64, HashParams::MAX_T + 1, 1).is_err());
    }

    #[test]
    fn serde_validates() {
        let ok: HashParams = serde_json::from_str(r#"{"m_kib":64,"t":1,"p":1}"#).unwrap();
        assert_eq!(ok.output_len(), 32);
        assert!(serde_json::from_str::<HashParams>(r#"{"m_kib":1,"t":1,"p":1}"#).is_err());
    }
}
