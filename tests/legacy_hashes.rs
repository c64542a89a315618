//! Imported legacy hashes against passlib: 66 hashes it made
//! (`tests/data/legacy_hashes.tsv`, by `scripts/gen_legacy_hashes.py`):
//! bcrypt `$2a$`/`$2b$`/`$2y$`, PBKDF2-SHA256/512 (passlib's form),
//! SHA-256/512-crypt, over ASCII, accented and emoji passwords, the empty
//! one, and bcrypt's 72-byte limit. Through `PasswordHasher::verify`, each
//! verifies its password and asks for a rehash, and refuses the password
//! with one more character.

use varco::hash::{HashParams, LegacyHash, LegacyScheme, PasswordHasher, Pepper, Verification};

const DATA: &str = include_str!("data/legacy_hashes.tsv");

fn rows() -> impl Iterator<Item = (&'static str, String, &'static str)> {
    DATA.lines().filter(|l| !l.starts_with('#')).map(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        let bytes: Vec<u8> = (0..f[1].len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&f[1][i..i + 2], 16).unwrap())
            .collect();
        (f[0], String::from_utf8(bytes).unwrap(), f[2])
    })
}

#[test]
fn every_passlib_hash_verifies_through_the_hasher_and_asks_for_a_rehash() {
    let h = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    let mut seen = std::collections::HashSet::new();
    for (scheme, password, stored) in rows() {
        let legacy = LegacyHash::parse(stored).unwrap();
        assert_eq!(legacy.scheme().as_str(), scheme, "{stored}");
        seen.insert(legacy.scheme());
        assert_eq!(
            h.verify(&password, stored).unwrap(),
            Verification::Valid { needs_rehash: true },
            "{scheme} {password:?}"
        );
        assert!(h.needs_rehash(stored).unwrap());
        let longer = format!("{password}!");
        let extra_counts = !(scheme == "bcrypt" && password.len() >= 72);
        assert_eq!(
            h.verify(&longer, stored).unwrap() == Verification::Invalid,
            extra_counts,
            "{scheme}: one more character {}",
            if extra_counts {
                "must fail"
            } else {
                "is past bcrypt's 72 bytes"
            }
        );
    }
    assert_eq!(seen.len(), 5, "every scheme");
    assert!(seen.contains(&LegacyScheme::Sha512Crypt));
}

/// A legacy hash has no pepper: a peppered hasher refuses it, unless told
/// that it accepts legacy unpeppered hashes. Either way one Argon2 run at
/// the hasher's parameters is spent.
#[test]
fn a_peppered_hasher_verifies_legacy_hashes_only_when_told() {
    let (_, password, stored) = rows().next().unwrap();
    let peppered = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap())
        .with_pepper(Pepper::new("p1", vec![7; 32]).unwrap());
    let before = peppered.work();
    assert_eq!(
        peppered.verify(&password, stored).unwrap_err().code(),
        "pepper_required"
    );
    assert_eq!(
        peppered.work() - before,
        64,
        "the Argon2 run is spent anyway"
    );
    let accepting = peppered.with_legacy_unpeppered(true);
    assert!(accepting.verify(&password, stored).unwrap().is_valid());
}

/// The bulk wrap at import: each of passlib's hashes, wrapped in Argon2id
/// (with a pepper, as a host that has one would), verifies its password
/// and nothing else, keeps no trace of its digest, and asks for a rehash.
/// The wrap remakes every scheme's digest from the password exactly as the
/// hash stores it: a wrong remake could never verify.
#[test]
fn every_passlib_hash_wrapped_in_argon2id_verifies_only_its_password() {
    let h = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap())
        .with_pepper(Pepper::new("p1", vec![7; 32]).unwrap());
    let rng = &mut rand::rng();
    let mut wrapped_schemes = std::collections::HashSet::new();
    for (scheme, password, stored) in rows() {
        let wrapped = match h.wrap_legacy(stored, rng) {
            Ok(w) => w,
            Err(e) => {
                // Only a SHA-crypt salt its crate does not encode.
                assert!(
                    scheme.ends_with("crypt") && e.code() == "malformed_hash",
                    "{stored}: {e}"
                );
                continue;
            }
        };
        wrapped_schemes.insert(scheme);
        let digest = &stored[stored.rfind('$').unwrap() + 1..];
        let tail = &digest[digest.len().saturating_sub(20)..];
        let setting = wrapped["$varco-wrap$".len()..].split('$').next().unwrap();
        let setting = data_encoding::BASE64URL_NOPAD
            .decode(setting.as_bytes())
            .unwrap();
        let setting = String::from_utf8(setting).unwrap();
        assert!(
            !wrapped.contains(tail) && !setting.contains(tail),
            "{scheme}: the digest is not kept: {setting}"
        );
        assert_eq!(setting.len(), stored.len(), "{scheme}: the setting's shape");
        assert!(!LegacyHash::is_legacy(&wrapped));
        assert_eq!(
            h.verify(&password, &wrapped).unwrap(),
            Verification::Valid { needs_rehash: true },
            "{scheme} {password:?}"
        );
        assert!(h.needs_rehash(&wrapped).unwrap());
        let longer = format!("{password}!");
        if !(scheme == "bcrypt" && password.len() >= 72) {
            assert_eq!(
                h.verify(&longer, &wrapped).unwrap(),
                Verification::Invalid,
                "{scheme} {password:?}!"
            );
        }
        // Without the pepper it was made with, it does not verify.
        let other = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap())
            .with_pepper(Pepper::new("p1", vec![8; 32]).unwrap());
        assert_eq!(
            other.verify(&password, &wrapped).unwrap(),
            Verification::Invalid
        );
    }
    assert_eq!(
        wrapped_schemes.len(),
        5,
        "every scheme wraps: {wrapped_schemes:?}"
    );
}

#[test]
fn malformed_wrapped_hashes_are_errors_that_cost_one_argon2_run() {
    let h = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    let good = h
        .wrap_legacy(rows().next().unwrap().2, &mut rand::rng())
        .unwrap();
    for bad in [
        "$varco-wrap$".to_owned(),
        "$varco-wrap$!!$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned(),
        good.replace("$argon2id$", "$argon2x$"),
        format!("$varco-wrap${}$argon2id$v=19$m=64,t=1,p=1$x$y", "bm9wZQ"),
    ] {
        let before = h.work();
        assert_eq!(
            h.verify("pw", &bad).unwrap_err().code(),
            "malformed_hash",
            "{bad}"
        );
        assert_eq!(h.work() - before, 64, "{bad}");
        assert!(
            h.needs_rehash(&bad).is_err() || bad.contains("argon2x"),
            "{bad}"
        );
    }
    assert!(
        h.wrap_legacy("$argon2id$v=19$m=64,t=1,p=1$x$y", &mut rand::rng())
            .is_err()
    );
    // The SHA-crypt specification's vector verifies, but its salt
    // ("saltstring") is not one the crate encodes: it stays unwrapped.
    let spec = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
    assert!(h.verify("Hello world!", spec).unwrap().is_valid());
    assert!(h.wrap_legacy(spec, &mut rand::rng()).is_err());
}
