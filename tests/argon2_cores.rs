//! The two Argon2 cores agree (issue 10): `argon2-rust` (varco's default)
//! and RustCrypto's `argon2` give identical tags on random parameter sets,
//! passwords, salts, secrets, associated data and tag lengths, first crate
//! to crate, then through varco's `PasswordHasher` on each core.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use varco::hash::{Argon2Core, HashParams, PasswordHasher, Pepper, Verification};

#[derive(Debug, Clone)]
struct Case {
    variant: u8,
    v13: bool,
    m: u32,
    t: u32,
    p: u32,
    password: Vec<u8>,
    salt: Vec<u8>,
    secret: Vec<u8>,
    ad: Vec<u8>,
    tag_len: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (0u8..3, any::<bool>(), 1u32..=4, 1u32..=3),
        0u32..=200,
        prop::collection::vec(any::<u8>(), 0..80),
        prop::collection::vec(any::<u8>(), 8..48),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::collection::vec(any::<u8>(), 0..=32),
        4usize..=80,
    )
        .prop_map(
            |((variant, v13, p, t), extra_m, password, salt, secret, ad, tag_len)| Case {
                variant,
                v13,
                m: 8 * p + extra_m,
                t,
                p,
                password,
                salt,
                secret,
                ad,
                tag_len,
            },
        )
}

fn rustcrypto(c: &Case) -> Vec<u8> {
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(c.m).t_cost(c.t).p_cost(c.p).output_len(c.tag_len);
    if !c.ad.is_empty() {
        b.data(argon2::AssociatedData::new(&c.ad).unwrap());
    }
    let params = b.build().unwrap();
    let algorithm = [
        argon2::Algorithm::Argon2d,
        argon2::Algorithm::Argon2i,
        argon2::Algorithm::Argon2id,
    ][usize::from(c.variant)];
    let version = if c.v13 {
        argon2::Version::V0x13
    } else {
        argon2::Version::V0x10
    };
    let argon = if c.secret.is_empty() {
        argon2::Argon2::new(algorithm, version, params)
    } else {
        argon2::Argon2::new_with_secret(&c.secret, algorithm, version, params).unwrap()
    };
    let mut out = vec![0u8; c.tag_len];
    argon
        .hash_password_into(&c.password, &c.salt, &mut out)
        .unwrap();
    out
}

fn argon2_rust(c: &Case) -> Vec<u8> {
    use argon2_rust::params::{Memory, TagLen};
    let params = argon2_rust::Params::builder()
        .memory(Memory::kib(u64::from(c.m)))
        .passes(c.t)
        .lanes(c.p)
        .tag_len(TagLen::bytes(c.tag_len as u64))
        .build()
        .unwrap();
    let algorithm = [
        argon2_rust::Algorithm::Argon2d,
        argon2_rust::Algorithm::Argon2i,
        argon2_rust::Algorithm::Argon2id,
    ][usize::from(c.variant)];
    let version = if c.v13 {
        argon2_rust::Version::V0x13
    } else {
        argon2_rust::Version::V0x10
    };
    let mut out = vec![0u8; c.tag_len];
    argon2_rust::Argon2::new(algorithm, version, params)
        .hash_into_with_ad(&c.password, &c.salt, &c.secret, &c.ad, &mut out)
        .unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The crates themselves agree, on every variant and version.
    #[test]
    fn the_crates_give_identical_tags(c in case()) {
        prop_assert_eq!(rustcrypto(&c), argon2_rust(&c));
    }
}

fn hasher(core: Argon2Core, params: HashParams, pepper: Option<&Pepper>) -> PasswordHasher {
    let h = PasswordHasher::new(params).with_core(core).unwrap();
    match pepper {
        Some(p) => h.with_pepper(p.clone()),
        None => h,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Through varco: the same salt (the same seeded generator) gives the same
    /// PHC string on both cores, and each verifies the other's.
    #[test]
    fn varco_makes_the_same_phc_string_on_both_cores(
        (p, t) in (1u32..=4, 1u32..=3),
        extra_m in 0u32..=200,
        out_len in 16u32..=64,
        password in "\\PC{0,40}",
        pepper in prop::option::of(prop::collection::vec(any::<u8>(), 1..64)),
        seed in any::<u64>(),
    ) {
        let params = HashParams::with_output_len(8 * p + extra_m, t, p, out_len).unwrap();
        let pepper = pepper.map(|s| Pepper::new("k1", s).unwrap());
        let a = hasher(Argon2Core::ArgonRust, params, pepper.as_ref());
        let b = hasher(Argon2Core::RustCrypto, params, pepper.as_ref());
        let from_a = a.hash(&password, &mut StdRng::seed_from_u64(seed)).unwrap();
        let from_b = b.hash(&password, &mut StdRng::seed_from_u64(seed)).unwrap();
        prop_assert_eq!(&from_a, &from_b);
        let fresh = Verification::Valid { needs_rehash: false };
        prop_assert_eq!(b.verify(&password, &from_a).unwrap(), fresh);
        prop_assert_eq!(a.verify(&password, &from_b).unwrap(), fresh);
        let wrong = format!("{password}x");
        prop_assert_eq!(a.verify(&wrong, &from_b).unwrap(), Verification::Invalid);
    }

    /// Through varco on strings varco did not write: salts of any length,
    /// associated data, and every variant and version, made by RustCrypto
    /// and verified by both cores.
    #[test]
    fn varco_verifies_foreign_phc_strings_on_both_cores(c in case()) {
        // varco reads UTF-8 passwords and tags of 10..=64 bytes (PHC's bounds).
        let password: String = c.password.iter().map(|&b| char::from(b % 94 + 33)).collect();
        let c = Case { password: password.clone().into_bytes(), secret: Vec::new(), tag_len: c.tag_len.clamp(10, 64), ..c };
        let tag = rustcrypto(&c);
        let b64 = |bytes: &[u8]| data_encoding::BASE64_NOPAD.encode(bytes);
        let name = ["argon2d", "argon2i", "argon2id"][usize::from(c.variant)];
        let version = if c.v13 { "$v=19" } else { "" };
        let data = if c.ad.is_empty() { String::new() } else { format!(",data={}", b64(&c.ad)) };
        let phc = format!("${name}{version}$m={},t={},p={}{data}${}${}", c.m, c.t, c.p, b64(&c.salt), b64(&tag));
        for core in Argon2Core::ALL {
            let h = PasswordHasher::default().with_core(core).unwrap();
            prop_assert!(h.verify(&password, &phc).unwrap().is_valid(), "{} {}", core, phc);
        }
    }
}
