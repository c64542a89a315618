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
