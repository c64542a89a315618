//! The two Argon2 cores agree: the crates `argon2-rust` and RustCrypto's
//! `argon2`, given the same arbitrary inputs (variant, version, small costs,
//! password, salt, secret, associated data, tag length), either both refuse
//! them or both give the same tag; and varco's hasher, on each core, gives
//! the same PHC string for the same password, salt and pepper.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::hash::{Argon2Core, HashParams, PasswordHasher, Pepper};

/// Takes `n` bytes (fewer if the input runs out).
fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = data.split_at(n.min(data.len()));
    *data = tail;
    head
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let head = take(&mut data, 8);
    if head.len() < 8 {
        return;
    }
    let variant = usize::from(head[0] % 3);
    let v13 = head[1] & 1 == 1;
    let p = u32::from(head[2] % 4) + 1;
    let t = u32::from(head[3] % 3) + 1;
    // m below 8 × p is allowed through, to compare the refusals too.
    let m = u32::from(head[4]) + u32::from(head[5] % 2) * 256;
    let tag_len = usize::from(head[6] % 80);
    let lens = head[7];
    let salt = take(&mut data, usize::from(lens % 40));
    let secret = take(&mut data, usize::from(lens / 40 % 6) * 8);
    let ad_len = usize::from(data.first().copied().unwrap_or(0) % 40);
    let ad = take(&mut data, ad_len);
    let password = data;

    let rc = {
        let mut b = argon2::ParamsBuilder::new();
        b.m_cost(m).t_cost(t).p_cost(p).output_len(tag_len);
        let params = argon2::AssociatedData::new(ad)
            .map(|d| {
                b.data(d);
            })
            .ok()
            .and_then(|()| b.build().ok());
        let algorithm = [
            argon2::Algorithm::Argon2d,
            argon2::Algorithm::Argon2i,
            argon2::Algorithm::Argon2id,
        ][variant];
        let version = if v13 {
            argon2::Version::V0x13
        } else {
            argon2::Version::V0x10
        };
        params.and_then(|params| {
            let argon = if secret.is_empty() {
                argon2::Argon2::new(algorithm, version, params)
            } else {
                argon2::Argon2::new_with_secret(secret, algorithm, version, params).ok()?
            };
            let mut out = vec![0u8; tag_len];
            argon.hash_password_into(password, salt, &mut out).ok()?;
            Some(out)
        })
    };
    let ar = {
        use argon2_rust::params::{Memory, TagLen};
        argon2_rust::Params::builder()
            .memory(Memory::kib(u64::from(m)))
            .passes(t)
            .lanes(p)
            .tag_len(TagLen::bytes(tag_len as u64))
            .build()
            .ok()
            .and_then(|params| {
                let algorithm = [
                    argon2_rust::Algorithm::Argon2d,
                    argon2_rust::Algorithm::Argon2i,
                    argon2_rust::Algorithm::Argon2id,
                ][variant];
                let version = if v13 {
                    argon2_rust::Version::V0x13
                } else {
                    argon2_rust::Version::V0x10
                };
                let mut out = vec![0u8; tag_len];
                argon2_rust::Argon2::new(algorithm, version, params)
                    .hash_into_with_ad(password, salt, secret, ad, &mut out)
                    .ok()?;
                Some(out)
            })
    };
    // Both tags, when both cores accept; their refusals may differ in where
    // they draw a bound (RustCrypto accepts an empty or short salt).
    if let (Some(a), Some(b)) = (&rc, &ar) {
        assert_eq!(a, b, "tags differ: m={m} t={t} p={p} len={tag_len}");
    }
    if salt.len() >= 8 && tag_len >= 4 && m >= 8 * p {
        assert!(ar.is_some(), "argon2-rust refused valid inputs");
    }

    // Through varco: the same PHC string on both cores.
    let (Ok(params), Ok(text)) = (
        HashParams::with_output_len(m.max(8 * p), t, p, tag_len.clamp(16, 64) as u32),
        std::str::from_utf8(password),
    ) else {
        return;
    };
    let make = |core| {
        let h = PasswordHasher::new(params)
            .with_core(core)
            .expect("compiled in");
        match Pepper::new("k", secret.to_vec()) {
            Ok(pepper) => h.with_pepper(pepper),
            Err(_) => h,
        }
    };
    let seed = salt
        .iter()
        .fold(0u64, |acc, &b| acc.rotate_left(8) ^ u64::from(b));
    let seeded = || <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let a = make(Argon2Core::ArgonRust).hash(text, &mut seeded());
    let b = make(Argon2Core::RustCrypto).hash(text, &mut seeded());
    assert_eq!(a.ok(), b.ok());
});
