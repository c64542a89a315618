//! Argon2 PHC strings (`$argon2id$v=19$m=…,t=…,p=…[,keyid=…][,data=…]$salt$hash`),
//! parsed and written independently of the Argon2 core that computes the
//! tag, so both cores read and write exactly the same strings.
//!
//! The grammar is RustCrypto's `phc` crate's; the Argon2 fields and their
//! bounds are the reference implementation's (and RustCrypto `argon2`'s):
//! `m ≥ 8 × p`, `t ≥ 1`, `1 ≤ p ≤ 2²⁴ − 1`, a key id of at most 8 bytes and
//! associated data of at most 32, both B64. The key id is metadata only (it
//! names the pepper); the associated data is fed to Argon2.

use phc::{Ident, Output, ParamsString, PasswordHash, Salt};

use crate::Error;

/// The three Argon2 variants a stored hash may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    Argon2d,
    Argon2i,
    Argon2id,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Argon2d => "argon2d",
            Variant::Argon2i => "argon2i",
            Variant::Argon2id => "argon2id",
        }
    }
}

/// Argon2 version 0x10 (a PHC string without `v=`) and 0x13.
pub(crate) const V0X10: u32 = 0x10;
/// The current Argon2 version.
pub(crate) const V0X13: u32 = 0x13;

/// The largest lane count Argon2 defines.
const MAX_LANES: u32 = 0x00FF_FFFF;
/// The largest key id (pepper id) in bytes.
pub(crate) const MAX_KEYID_LEN: usize = 8;
/// The largest associated data in bytes.
const MAX_DATA_LEN: usize = 32;

/// Everything one Argon2 computation needs except the password and the
/// pepper's secret: what a PHC string holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Argon2Input {
    pub variant: Variant,
    pub version: u32,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    pub keyid: Vec<u8>,
    pub data: Vec<u8>,
    pub salt: Vec<u8>,
}

impl Argon2Input {
    /// The number of 1 KiB blocks Argon2 fills: `m` rounded down to a
    /// multiple of `4 × p`.
    pub(crate) fn block_count(&self) -> usize {
        let q = 4 * self.p;
        ((self.m_kib / q) * q) as usize
    }
}

/// A parsed stored hash: its inputs and the tag to compare against.
#[derive(Debug)]
pub(crate) struct StoredHash {
    pub input: Argon2Input,
    pub tag: Vec<u8>,
}

fn malformed(what: impl Into<String>) -> Error {
    Error::MalformedHash(what.into())
}

/// Parses an Argon2 PHC string of at most 512 bytes. Cost bounds are the
/// caller's (the hasher's verify limits); this checks only what Argon2 itself
/// requires.
pub(crate) fn parse(s: &str) -> Result<StoredHash, Error> {
    if s.len() > 512 {
        return Err(malformed("longer than 512 bytes"));
    }
    // Name another scheme for what it is before the PHC grammar, whose
    // error for it would be about a field (bcrypt's cost reads as a salt).
    let id = s.strip_prefix('$').and_then(|r| r.split('$').next());
    if let Some(other) = id.and_then(other_scheme) {
        return Err(malformed(format!(
            "unsupported algorithm {other}: varco verifies argon2id, argon2i and argon2d"
        )));
    }
    let hash = PasswordHash::new(s).map_err(|e| malformed(e.to_string()))?;
    let variant = match hash.algorithm.as_str() {
        "argon2d" => Variant::Argon2d,
        "argon2i" => Variant::Argon2i,
        "argon2id" => Variant::Argon2id,
        _ => return Err(malformed("algorithm is not argon2id, argon2i or argon2d")),
    };
    let version = match hash.version {
        None => V0X10,
        Some(v @ (V0X10 | V0X13)) => v,
        Some(_) => return Err(malformed("version is not 16 or 19")),
    };
    let (mut m, mut t, mut p) = (None, None, None);
    let (mut keyid, mut data) = (Vec::new(), Vec::new());
    for (name, value) in hash.params.iter() {
        let decimal = |slot: &mut Option<u32>, what: &str| -> Result<(), Error> {
            if slot.is_some() {
                return Err(malformed(format!("parameters: {what} given twice")));
            }
            *slot = Some(
                value
                    .decimal()
                    .map_err(|_| malformed(format!("parameters: {what} is not a number")))?,
            );
            Ok(())
        };
        match name.as_str() {
            "m" => decimal(&mut m, "m")?,
            "t" => decimal(&mut t, "t")?,
            "p" => decimal(&mut p, "p")?,
            "keyid" => keyid = b64_param(value, MAX_KEYID_LEN, "keyid")?,
            "data" => data = b64_param(value, MAX_DATA_LEN, "data")?,
            other => return Err(malformed(format!("parameters: unknown {other}"))),
        }
    }
    let m = m.unwrap_or(19 * 1024);
    let t = t.unwrap_or(2);
    let p = p.unwrap_or(1);
    if !(1..=MAX_LANES).contains(&p) {
        return Err(malformed("parameters: p must be 1..=16777215"));
    }
    if t < 1 {
        return Err(malformed("parameters: t must be at least 1"));
    }
    if u64::from(m) < 8 * u64::from(p) {
        return Err(malformed("parameters: m must be at least 8 × p"));
    }
    let salt = hash.salt.ok_or_else(|| malformed("no salt"))?;
    let tag = hash.hash.ok_or_else(|| malformed("no hash output"))?;
    Ok(StoredHash {
        input: Argon2Input {
            variant,
            version,
            m_kib: m,
            t,
            p,
            keyid,
            data,
            salt: salt.as_ref().to_vec(),
        },
        tag: tag.as_bytes().to_vec(),
    })
}

/// The name of a password-hashing scheme that is not Argon2, from the
/// identifier between a stored hash's first two `$`.
fn other_scheme(id: &str) -> Option<&'static str> {
    Some(match id {
        "2a" | "2b" | "2y" | "2x" => "bcrypt",
        "1" => "md5-crypt",
        "5" => "sha256-crypt",
        "6" => "sha512-crypt",
        "7" | "scrypt" => "scrypt",
        "y" => "yescrypt",
        "pbkdf2" | "pbkdf2-sha1" => "pbkdf2-sha1",
        "pbkdf2-sha256" => "pbkdf2-sha256",
        "pbkdf2-sha512" => "pbkdf2-sha512",
        _ => return None,
    })
}

fn b64_param(value: phc::Value<'_>, max: usize, what: &str) -> Result<Vec<u8>, Error> {
    let mut buf = [0u8; MAX_DATA_LEN];
    let bytes = value.b64_decode(&mut buf[..max]).map_err(|_| {
        malformed(format!(
            "parameters: {what} is not B64 of at most {max} bytes"
        ))
    })?;
    Ok(bytes.to_vec())
}

/// Writes a PHC string for these inputs and this tag.
pub(crate) fn encode(input: &Argon2Input, tag: &[u8]) -> Result<String, Error> {
    let internal = |e: phc::Error| Error::Internal(format!("PHC encoding: {e}"));
    let mut params = ParamsString::new();
    params.add_decimal("m", input.m_kib).map_err(internal)?;
    params.add_decimal("t", input.t).map_err(internal)?;
    params.add_decimal("p", input.p).map_err(internal)?;
    if !input.keyid.is_empty() {
        params
            .add_b64_bytes("keyid", &input.keyid)
            .map_err(internal)?;
    }
    if !input.data.is_empty() {
        params
            .add_b64_bytes("data", &input.data)
            .map_err(internal)?;
    }
    let phc = PasswordHash {
        algorithm: Ident::new(input.variant.name()).map_err(internal)?,
        version: (input.version != V0X10).then_some(input.version),
        params,
        salt: Some(Salt::new(&input.salt).map_err(internal)?),
        hash: Some(Output::new(tag).map_err(internal)?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    #[test]
    fn parse_and_encode_round_trip() {
        let s = parse(REF).unwrap();
        assert_eq!(s.input.variant, Variant::Argon2id);
        assert_eq!(
            (s.input.version, s.input.m_kib, s.input.t, s.input.p),
            (0x13, 65536, 2, 1)
        );
        assert_eq!(s.input.salt, b"somesalt");
        assert_eq!(s.tag.len(), 32);
        assert_eq!(encode(&s.input, &s.tag).unwrap(), REF);
    }

    #[test]
    fn keyid_and_data_are_b64_and_bounded() {
        let s = parse("$argon2id$v=19$m=64,t=1,p=1,keyid=azE,data=BAQE$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc").unwrap();
        assert_eq!(s.input.keyid, b"k1");
        assert_eq!(s.input.data, [4, 4, 4]);
        let again = encode(&s.input, &s.tag).unwrap();
        assert!(again.contains(",keyid=azE,data=BAQE$"), "{again}");
        // A 9-byte key id is refused.
        assert!(parse("$argon2id$v=19$m=64,t=1,p=1,keyid=MTIzNDU2Nzg5$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc").is_err());
    }

    #[test]
    fn a_missing_version_is_0x10_and_is_written_back_without_one() {
        let s = "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
        let p = parse(s).unwrap();
        assert_eq!(p.input.version, V0X10);
        assert_eq!(encode(&p.input, &p.tag).unwrap(), s);
    }

    #[test]
    fn argon2_bounds_are_checked() {
        let tail = "$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        for bad in [
            "m=64,t=0,p=1",
            "m=64,t=1,p=0",
            "m=31,t=1,p=4",
            "m=64,t=1,p=1,x=1",
            "m=64,m=64,t=1,p=1",
            "m=064,t=1,p=1",
            "m=-1,t=1,p=1",
        ] {
            let s = format!("$argon2id$v=19${bad}{tail}");
            assert!(parse(&s).is_err(), "{s}");
        }
        assert!(parse(&format!("$argon2id$v=18$m=64,t=1,p=1{tail}")).is_err());
        assert!(parse(&format!("$scrypt$v=19$m=64,t=1,p=1{tail}")).is_err());
        // Other schemes are named, not blamed on a field.
        for (s, name) in [
            (
                "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
                "bcrypt",
            ),
            ("$6$rounds=5000$saltsalt$abc", "sha512-crypt"),
            ("$pbkdf2-sha256$29000$c2FsdA$aGFzaA", "pbkdf2-sha256"),
        ] {
            let e = parse(s).unwrap_err().to_string();
            assert!(
                e.contains(&format!("unsupported algorithm {name}")),
                "{s}: {e}"
            );
        }
        assert!(parse(&"$argon2id$".repeat(60)).is_err());
    }
}
