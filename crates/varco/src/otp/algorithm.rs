//! The HMAC behind HOTP and TOTP, keyed once and reused for every counter.

use hmac::KeyInit;
use hmac::block_api::HmacCore;
use hmac::digest::Output;
use hmac::digest::block_api::{Buffer, EagerHash, FixedOutputCore};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// The hash function of the HMAC (RFC 6238 allows all three; most apps only
/// support SHA-1, see [`OtpUri`](super::OtpUri)).
///
/// ```
/// use varco::otp::Algorithm;
/// assert_eq!("sha256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
/// assert_eq!(Algorithm::Sha512.name(), "SHA512");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    /// HMAC-SHA-1 (the default, and what every app supports).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in otpauth URIs.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(Error::InvalidOtpConfig(format!("unknown algorithm {s:?}"))),
        }
    }
}

/// An HMAC keyed with the shared secret: the inner and outer hash states
/// after the key blocks (RustCrypto `hmac`'s block-level core). Cloning it
/// copies those two states, so each counter costs one HMAC of 8 bytes (two
/// compressions) and no key schedule; the states are wiped on drop (the
/// hash crates' `zeroize` feature).
#[derive(Clone)]
pub(crate) enum KeyedMac {
    Sha1(HmacCore<Sha1>),
    Sha256(HmacCore<Sha256>),
    Sha512(HmacCore<Sha512>),
}

/// One HMAC of a counter through `hmac`'s block-level API: the 8-byte
/// message is the final partial block, so `finalize_fixed_core` pads it,
/// compresses once for the inner hash and once more for the outer.
fn tag<D: EagerHash>(keyed: &HmacCore<D>, counter: u64) -> Output<HmacCore<D>>
where
    HmacCore<D>: FixedOutputCore,
{
    let mut core = keyed.clone();
    let mut buffer = Buffer::<HmacCore<D>>::new(&counter.to_be_bytes());
    let mut out = Output::<HmacCore<D>>::default();
    core.finalize_fixed_core(&mut buffer, &mut out);
    out
}

/// Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte is
/// the offset of four bytes, read big-endian without their top bit. The
/// digest is wiped afterwards.
fn truncate(mut hs: impl AsMut<[u8]>, digits: u8) -> u32 {
    let hs = hs.as_mut();
    let offset = usize::from(hs[hs.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        hs[offset] & 0x7f,
        hs[offset + 1],
        hs[offset + 2],
        hs[offset + 3],
    ]);
    hs.zeroize();
    // Constant divisors, so the reduction is a multiply, not a `div`.
    match digits {
        6 => bin % 1_000_000,
        7 => bin % 10_000_000,
        8 => bin % 100_000_000,
        _ => bin % 10u32.pow(u32::from(digits)),
    }
}

impl KeyedMac {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        // HMAC accepts keys of any length: these cannot fail.
        match algorithm {
            Algorithm::Sha1 => KeyedMac::Sha1(
                HmacCore::<Sha1>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key")),
            ),
            Algorithm::Sha256 => KeyedMac::Sha256(
                HmacCore::<Sha256>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key")),
            ),
            Algorithm::Sha512 => KeyedMac::Sha512(
                HmacCore::<Sha512>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key")),
            ),
        }
    }

    /// The HOTP value (RFC 4226 §5.3) for `counter`, modulo 10^digits.
    pub(crate) fn value(&self, counter: u64, digits: u8) -> u32 {
        match self {
            KeyedMac::Sha1(m) => truncate(tag(m, counter), digits),
            KeyedMac::Sha256(m) => truncate(tag(m, counter), digits),
            KeyedMac::Sha512(m) => truncate(tag(m, counter), digits),
        }
    }
}

/// Checks a digit count (6 to 8, RFC 4226 and every app).
pub(crate) fn check_digits(digits: u8) -> Result<(), Error> {
    if (6..=8).contains(&digits) {
        Ok(())
    } else {
        Err(Error::InvalidOtpConfig(format!(
            "{digits} digits; use 6, 7 or 8"
        )))
    }
}

/// A code as the user sees it, zero-padded. Wiped on drop.
pub(crate) fn format_code(value: u32, digits: u8) -> Zeroizing<String> {
    Zeroizing::new(format!("{value:0width$}", width = usize::from(digits)))
}

/// Reads what the user typed: exactly `digits` ASCII digits once spaces and
/// hyphens are removed ("123 456" is fine), else `None`.
pub(crate) fn parse_code(input: &str, digits: u8) -> Option<u32> {
    if input.len() > 64 {
        return None;
    }
    let mut value = 0u32;
    let mut n = 0u8;
    for c in input.chars() {
        match c {
            ' ' | '-' => {}
            '0'..='9' => {
                n = n.checked_add(1)?;
                value = value.checked_mul(10)?.checked_add(c as u32 - '0' as u32)?;
            }
            _ => return None,
        }
    }
    (n == digits).then_some(value)
}

/// Constant-time equality of two code values.
pub(crate) fn same(a: u32, b: u32) -> bool {
    bool::from(a.ct_eq(&b))
}
