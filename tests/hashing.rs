//! FLOWS.md F2: Argon2id known answers (RFC 9106 and the reference
//! implementation), PHC strings, rehash detection, peppers, normalization,
//! no truncation, bounded input, dummy verification.

use rand::SeedableRng;
use rand::rngs::StdRng;
use varco::Error;
use varco::hash::{Argon2Core, HashParams, HashPreset, PasswordHasher, Pepper, Verification};

/// The default hasher on every Argon2 core compiled in (both, in the
/// workspace's test build).
fn on_every_core() -> Vec<PasswordHasher> {
    let hashers: Vec<_> = Argon2Core::available()
        .map(|c| PasswordHasher::default().with_core(c).unwrap())
        .collect();
    assert!(!hashers.is_empty());
    hashers
}

/// RFC 9106 §5.3 end to end through varco on each core: the secret is a
/// pepper, the associated data a `data=` parameter of the PHC string.
#[test]
fn rfc9106_vector_through_varco_on_every_core() {
    let phc = "$argon2id$v=19$m=32,t=3,p=4,keyid=aw,data=BAQEBAQEBAQEBAQE$AgICAgICAgICAgICAgICAg$DWQN9Y14dmwIwDejSotTydAe8EUtdbZetSUg6WsB5lk";
    let password = "\u{1}".repeat(32);
    for h in on_every_core() {
        let core = h.core();
        let h = h.with_pepper(Pepper::new("k", vec![3; 8]).unwrap());
        assert!(h.verify(&password, phc).unwrap().is_valid(), "{core}");
        assert_eq!(
            h.verify("\u{1}", phc).unwrap(),
            Verification::Invalid,
            "{core}"
        );
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RFC 9106 §5.3, the Argon2id test vector, through the same argon2 build
/// varco uses, both with fresh memory and with reused (dirty) memory, as
/// varco's pool hands it out.
#[test]
fn rfc9106_argon2id_vector() {
    use argon2::{Algorithm, Argon2, AssociatedData, Block, ParamsBuilder, Version};
    let mut b = ParamsBuilder::new();
    b.m_cost(32)
        .t_cost(3)
        .p_cost(4)
        .output_len(32)
        .data(AssociatedData::new(&[4; 12]).unwrap());
    let params = b.build().unwrap();
    let argon =
        Argon2::new_with_secret(&[3; 8], Algorithm::Argon2id, Version::V0x13, params).unwrap();
    let expected = hex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    let mut out = [0u8; 32];
    argon
        .hash_password_into(&[1; 32], &[2; 16], &mut out)
        .unwrap();
    assert_eq!(out.to_vec(), expected);
    let mut dirty = vec![Block::new(); 32];
    for _ in 0..2 {
        let mut out = [0u8; 32];
        argon
            .hash_password_into_with_memory(&[1; 32], &[2; 16], &mut out, &mut dirty[..])
            .unwrap();
        assert_eq!(out.to_vec(), expected);
    }
}

/// PHC strings made by the reference implementation (Debian's `argon2`
/// command, 20171227): the first two are the vectors of its own test suite.
const REFERENCE: &[(&str, &str)] = &[
    (
        "password",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ),
    (
        "password",
        "$argon2i$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ",
    ),
    (
        "password",
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$Qlh7eOE/BR68/TNynGXl6VIJwvaHJ9Z7zo73a1TMzuE",
    ),
    (
        "password",
        "$argon2d$v=19$m=1024,t=2,p=1$c2FsdHNhbHRzYWx0$koV7Qw84omhyvAV2YXiq9TO6JGTZqxKi6CV/pCZAgs8",
    ),
    (
        "password",
        "$argon2id$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0$1XOj+QFQBoKx40QYCTr781Oby0NJgxQOjz1uXMKW1Lw",
    ),
    (
        "password",
        "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$6GyMpF9E8P77muQf/Li2GoPYZdughnc+AhxSOmQE6CQ",
    ),
    (
        "p\u{e4}ssw\u{f6}rd",
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$Iez4zKuz/2bwdPJ79KbO44uyiW7La71FKcwIj29Ef6s",
    ),
];

#[test]
fn verifies_reference_phc_strings() {
    for hasher in on_every_core() {
        let core = hasher.core();
        for (pw, phc) in REFERENCE {
            let v = hasher.verify(pw, phc).unwrap();
            // Valid, and (not being OWASP parameters / argon2id v19) due for a rehash.
            assert_eq!(
                v,
                Verification::Valid { needs_rehash: true },
                "{core} {phc}"
            );
            assert_eq!(
                hasher.verify("Password", phc).unwrap(),
                Verification::Invalid,
                "{core} {phc}"
            );
        }
    }
}

#[test]
fn unicode_normalization_pw08() {
    // The reference hash is of the NFC bytes; the decomposed form verifies too.
    let hasher = PasswordHasher::default();
    let (_, phc) = REFERENCE[6];
    assert!(
        hasher
            .verify("pa\u{308}sswo\u{308}rd", phc)
            .unwrap()
            .is_valid()
    );
    // With normalization off, the decomposed bytes are a different password.
    let raw = PasswordHasher::default().with_normalization(varco::Normalization::None);
    assert_eq!(
        raw.verify("pa\u{308}sswo\u{308}rd", phc).unwrap(),
        Verification::Invalid
    );
}

#[test]
fn no_truncation_pw07() {
    // Reference hashes of 100 × 'x' and of 99 × 'x' + 'y' (73+ bytes).
    for hasher in on_every_core() {
        let xs = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$9Vh755arX5WdjWBlBSpVDiNYpQXekkvaHYIKm+IbFaE";
        let xy = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$2ceabyG+kpMuUGUCb2N/qp1y7x+jweUHeL7yt4u30nw";
        let a = "x".repeat(100);
        let b = format!("{}y", "x".repeat(99));
        assert!(hasher.verify(&a, xs).unwrap().is_valid());
        assert!(hasher.verify(&b, xy).unwrap().is_valid());
        assert_eq!(hasher.verify(&b, xs).unwrap(), Verification::Invalid);
        assert_eq!(hasher.verify(&a, xy).unwrap(), Verification::Invalid);
    }
}

#[test]
fn owasp_default_hash_and_rehash_on_parameter_change() {
    let mut rng = StdRng::seed_from_u64(7);
    let owasp = PasswordHasher::default();
    let phc = owasp.hash("una passphrase lunga", &mut rng).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert_eq!(
        owasp.verify("una passphrase lunga", &phc).unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
    for preset in [HashPreset::OwaspM12288T3, HashPreset::OwaspM9216T4] {
        let other = PasswordHasher::new(HashParams::preset(preset));
        assert!(other.needs_rehash(&phc).unwrap());
        assert_eq!(
            other.verify("una passphrase lunga", &phc).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
    }
    // Deterministic for a given RNG: the salt is the only randomness.
    let again = owasp
        .hash("una passphrase lunga", &mut StdRng::seed_from_u64(7))
        .unwrap();
    assert_eq!(again, phc);
}

#[test]
fn pepper_is_bound_and_rotatable() {
    let mut rng = StdRng::seed_from_u64(8);
    let small = || PasswordHasher::new(HashParams::new(256, 1, 1).unwrap());
    let k1 = Pepper::new("k1", b"pepper one pepper one pepper one".to_vec()).unwrap();
    let k2 = Pepper::new("k2", b"pepper two pepper two pepper two".to_vec()).unwrap();
    let plain_phc = small().hash("pw", &mut rng).unwrap();
    let k1_phc = small()
        .with_pepper(k1.clone())
        .hash("pw", &mut rng)
        .unwrap();
    assert!(k1_phc.contains(",keyid=azE$"), "{k1_phc}"); // base64("k1")
    // Rotated hasher: k2 current, k1 kept for verification.
    let rotated = small().with_pepper(k1).with_pepper(k2);
    assert_eq!(
        rotated.verify("pw", &k1_phc).unwrap(),
        Verification::Valid { needs_rehash: true }
    );
    // A hash made without the pepper is refused by a peppered hasher
    // (a record swapped for one made without it must not verify)...
    assert_eq!(
        rotated.verify("pw", &plain_phc).unwrap_err().code(),
        "pepper_required"
    );
    // ...unless the host says such records are legacy: then it verifies and
    // asks for a rehash.
    let legacy = small()
        .with_pepper(Pepper::new("k2", b"pepper two pepper two pepper two".to_vec()).unwrap())
        .with_legacy_unpeppered(true);
    assert_eq!(
        legacy.verify("pw", &plain_phc).unwrap(),
        Verification::Valid { needs_rehash: true }
    );
    let fresh = rotated.hash("pw", &mut rng).unwrap();
    assert_eq!(
        rotated.verify("pw", &fresh).unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
    // The pepper matters: the same hash without it does not verify.
    assert_eq!(
        small().verify("pw", &fresh).unwrap_err(),
        Error::UnknownPepper("k2".into())
    );
}

#[test]
fn bounded_input_before_hashing() {
    let h = PasswordHasher::default();
    let huge = "a".repeat(10 * 1024 * 1024);
    assert!(matches!(
        h.hash(&huge, &mut rand::rng()),
        Err(Error::PasswordTooLong { .. })
    ));
    assert!(matches!(
        h.verify(&huge, REFERENCE[2].1),
        Err(Error::PasswordTooLong { .. })
    ));
    assert_eq!(h.dummy_verify(&huge), Verification::Invalid);
    // 64 characters of 4 bytes each are accepted (PW-02).
    let wide = "😀".repeat(64);
    assert!(h.hash(&wide, &mut rand::rng()).is_ok());
    assert!(
        PasswordHasher::default()
            .with_max_password_bytes(10)
            .is_err()
    );
}

#[test]
fn dummy_verification_always_fails() {
    let h = PasswordHasher::new(HashParams::new(256, 1, 1).unwrap());
    for pw in ["", "password", "anything at all"] {
        assert_eq!(h.dummy_verify(pw), Verification::Invalid);
    }
}

#[test]
fn malformed_and_hostile_phc_strings_are_errors() {
    let h = PasswordHasher::default();
    let cases = [
        "",
        "$",
        "$$$$",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=65536,t=2,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=18$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=4294967295,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=65536,t=2,p=1,zz=3$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi",
        "$2b$31$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ];
    for c in cases {
        assert!(h.verify("password", c).is_err(), "{c}");
    }
    let long = format!("$argon2id$v=19$m=65536,t=2,p=1${}$x", "A".repeat(600));
    assert!(h.verify("password", &long).is_err());
}

/// Property 9's hashing half: an unknown account (the dummy), a wrong
/// password, a malformed stored hash, an unknown pepper id, an unpeppered
/// hash on a peppered hasher, a password over the bound and a hash with
/// cheaper parameters all cost the same Argon2 work: counted, not timed.
#[test]
fn every_refusal_costs_what_a_real_verification_costs() {
    let mut rng = StdRng::seed_from_u64(11);
    let pepper = || Pepper::new("k1", b"pepper one pepper one pepper one".to_vec()).unwrap();
    let hasher = PasswordHasher::new(HashParams::new(256, 2, 1).unwrap()).with_pepper(pepper());
    let real = hasher.hash("the right one", &mut rng).unwrap();
    let plain = PasswordHasher::new(HashParams::new(256, 2, 1).unwrap())
        .hash("the right one", &mut rng)
        .unwrap();
    let cheap = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap())
        .with_pepper(pepper())
        .hash("the right one", &mut rng)
        .unwrap();
    let other_pepper = PasswordHasher::new(HashParams::new(256, 2, 1).unwrap())
        .with_pepper(Pepper::new("k9", vec![9; 32]).unwrap())
        .hash("the right one", &mut rng)
        .unwrap();
    let cost = |f: &dyn Fn()| {
        let before = hasher.work();
        f();
        hasher.work() - before
    };
    let wrong = cost(&|| assert!(!hasher.verify("wrong", &real).unwrap().is_valid()));
    assert_eq!(
        wrong,
        256 * 2,
        "one verification at the hasher's parameters"
    );
    let right = cost(&|| assert!(hasher.verify("the right one", &real).unwrap().is_valid()));
    assert_eq!(right, wrong);
    let dummy = cost(&|| {
        hasher.dummy_verify("whatever");
    });
    assert_eq!(dummy, wrong, "an unknown account");
    let errors: [(&str, String, &str); 4] = [
        (
            "malformed",
            "$argon2id$v=19$m=256,t=2,p=1$!!$!!".into(),
            "malformed_hash",
        ),
        ("unknown pepper", other_pepper, "unknown_pepper"),
        ("unpeppered", plain, "pepper_required"),
        (
            "legacy bcrypt (unpeppered) on a peppered hasher",
            "$2b$04$4bLAdFxpkTA2nzbj0RRnsuOZmKX6spLEB1CQciSNFHMUjS3Tudg1.".into(),
            "pepper_required",
        ),
    ];
    for (what, stored, code) in errors {
        let spent = cost(&|| {
            assert_eq!(
                hasher.verify("the right one", &stored).unwrap_err().code(),
                code
            );
        });
        assert_eq!(spent, wrong, "{what}");
    }
    let long = "x".repeat(PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES + 1);
    let too_long = cost(&|| {
        assert_eq!(
            hasher.verify(&long, &real).unwrap_err().code(),
            "password_too_long"
        );
    });
    assert_eq!(too_long, wrong, "a password over the bound");
    // A stored hash with cheaper parameters is brought up to the cost.
    let legacy = cost(&|| {
        assert_eq!(
            hasher.verify("the right one", &cheap).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
    });
    assert!(
        (wrong..=wrong + 2).contains(&legacy),
        "{legacy} for {wrong}"
    );
}
