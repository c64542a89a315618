//! Argon2id at the OWASP parameters (m = 19456 KiB, t = 2, p = 1) and at
//! m = 47104, t = 1: varco on each Argon2 core (`argon2-rust`, the default,
//! and RustCrypto), beside the crates used directly (RustCrypto allocating
//! and with reused memory, `argon2-rust`'s own reusable `Hasher`) and (with
//! `--features libargon2`) the reference C library; and the memory-bandwidth
//! bound, measured on this machine and printed.
//!
//! `cargo bench -p varco-benches --features libargon2 --bench hashing`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::hint::black_box;
use varco::hash::{Argon2Core, HashParams, HashPreset, PasswordHasher};

const PW: &[u8] = b"correct horse battery staple";
const SALT: &[u8] = b"0123456789abcdef";

/// varco, RustCrypto and argon2-rust side by side at one parameter set.
fn cores_at(c: &mut Criterion, group: &str, p: HashParams) {
    let mut g = c.benchmark_group(group);
    g.sample_size(30);
    for core in Argon2Core::available() {
        let hasher = PasswordHasher::new(p).with_core(core).unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        g.bench_function(format!("varco_hash/{core}"), |b| {
            b.iter(|| {
                black_box(
                    hasher
                        .hash(black_box("correct horse battery staple"), &mut rng)
                        .unwrap(),
                )
            })
        });
    }
    let blocks = p.block_count();
    let mut memory = vec![argon2::Block::new(); blocks];
    g.bench_function("rustcrypto_reused", |b| {
        b.iter(|| {
            black_box(varco_benches::rustcrypto_reused(
                p.m_kib(),
                p.t(),
                p.p(),
                black_box(PW),
                SALT,
                &mut memory,
            ))
        })
    });
    drop(memory);
    let mut hasher = varco_benches::argon2_rust_hasher(p.m_kib(), p.t(), p.p());
    g.bench_function("argon2_rust_hasher", |b| {
        b.iter(|| {
            let mut tag = [0u8; 32];
            hasher.hash_into(black_box(PW), SALT, &mut tag).unwrap();
            black_box(tag)
        })
    });
    drop(hasher);
    g.bench_function("rustcrypto_alloc", |b| {
        b.iter(|| {
            black_box(varco_benches::rustcrypto_alloc(
                p.m_kib(),
                p.t(),
                p.p(),
                black_box(PW),
                SALT,
            ))
        })
    });
    #[cfg(feature = "libargon2")]
    g.bench_function("libargon2_reference", |b| {
        b.iter(|| {
            black_box(varco_benches::reference::argon2id(
                p.m_kib(),
                p.t(),
                p.p(),
                black_box(PW),
                SALT,
            ))
        })
    });
    g.finish();
    let bound = varco_benches::memory_bound(p.block_count(), p.t());
    eprintln!(
        "{group}: memory-bandwidth bound {:.2} ms ({:.1} GB/s read+write here; blocks x passes x 3 KiB)",
        bound.bound.as_secs_f64() * 1e3,
        bound.gb_per_s
    );
}

fn cores(c: &mut Criterion) {
    cores_at(c, "argon2id_m19456_t2_p1", HashParams::default());
    cores_at(
        c,
        "argon2id_m47104_t1_p1",
        HashParams::preset(HashPreset::OwaspM47104T1),
    );
}

/// Streaming copy over 256 MiB, far past the caches: what the bound divides by.
fn bandwidth(c: &mut Criterion) {
    let mut g = c.benchmark_group("memory_bandwidth");
    g.sample_size(10);
    let len = 256 << 20;
    let src = vec![1u8; len];
    let mut dst = vec![0u8; len];
    g.throughput(Throughput::Bytes(2 * len as u64));
    g.bench_function("copy_256MiB", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        })
    });
    g.finish();
}

/// varco's own paths at the OWASP parameters, on the default core:
/// verify and dummy verify cost what a hash costs; and RustCrypto's optional
/// wipe (`argon2-rust` always wipes, and is timed with it above).
fn owasp(c: &mut Criterion) {
    let p = HashParams::default();
    let mut g = c.benchmark_group("argon2id_owasp_varco_paths");
    g.sample_size(30);
    let hasher = PasswordHasher::new(p);
    let mut rng = StdRng::seed_from_u64(1);
    let phc = hasher
        .hash("correct horse battery staple", &mut rng)
        .unwrap();
    g.bench_function(format!("verify/{}", hasher.core()), |b| {
        b.iter(|| {
            black_box(
                hasher
                    .verify(black_box("correct horse battery staple"), &phc)
                    .unwrap(),
            )
        })
    });
    g.bench_function(format!("dummy_verify/{}", hasher.core()), |b| {
        b.iter(|| black_box(hasher.dummy_verify(black_box("correct horse battery staple"))))
    });
    if let Ok(wiping) = PasswordHasher::new(p)
        .with_core(Argon2Core::RustCrypto)
        .map(|h| h.with_memory_wipe(true))
    {
        g.bench_function("hash_with_wipe/rustcrypto", |b| {
            b.iter(|| {
                black_box(
                    wiping
                        .hash(black_box("correct horse battery staple"), &mut rng)
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

/// Every way a sign-in can fail costs what a wrong password costs, at the
/// OWASP parameters: an unknown account (the dummy), a malformed record, an
/// unknown pepper, an unpeppered record on a peppered hasher, a password
/// over the bound, a record with cheaper parameters (brought up to cost).
/// The ratios to `wrong_password` are what BENCHMARKS.md reports.
fn equal_cost(c: &mut Criterion) {
    use varco::hash::Pepper;
    let pepper = || Pepper::new("k1", vec![7; 32]).unwrap();
    let p = HashParams::default();
    let hasher = PasswordHasher::new(p).with_pepper(pepper());
    let mut rng = StdRng::seed_from_u64(2);
    let real = hasher
        .hash("correct horse battery staple", &mut rng)
        .unwrap();
    let plain = PasswordHasher::new(p).hash("x", &mut rng).unwrap();
    let cheap = PasswordHasher::new(HashParams::new(4096, 1, 1).unwrap())
        .with_pepper(pepper())
        .hash("correct horse battery staple", &mut rng)
        .unwrap();
    let other = PasswordHasher::new(p)
        .with_pepper(Pepper::new("k9", vec![9; 32]).unwrap())
        .hash("x", &mut rng)
        .unwrap();
    let long = "x".repeat(PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES + 1);
    let mut g = c.benchmark_group("equal_cost_owasp");
    g.sample_size(20);
    let cases: [(&str, &str, &str); 6] = [
        ("wrong_password", "wrong", &real),
        (
            "malformed_record",
            "wrong",
            "$argon2id$v=19$m=19456,t=2,p=1$!!$!!",
        ),
        ("unknown_pepper", "wrong", &other),
        ("unpeppered_record", "wrong", &plain),
        ("password_over_bound", &long, &real),
        ("cheaper_record_m4096_t1", "wrong", &cheap),
    ];
    for (name, pw, stored) in cases {
        g.bench_function(name, |b| {
            b.iter(|| black_box(hasher.verify(black_box(pw), stored).is_ok()))
        });
    }
    g.bench_function("unknown_account_dummy", |b| {
        b.iter(|| black_box(hasher.dummy_verify(black_box("wrong"))))
    });
    g.finish();
}

/// The other four OWASP choices (same defence, memory traded for passes):
/// the share of time the allocating path spends faulting grows with m.
fn owasp_alternatives(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id_owasp_alternatives");
    g.sample_size(20);
    for preset in [
        HashPreset::OwaspM47104T1,
        HashPreset::OwaspM12288T3,
        HashPreset::OwaspM9216T4,
        HashPreset::OwaspM7168T5,
    ] {
        let p = HashParams::preset(preset);
        let name = format!("m{}_t{}", p.m_kib(), p.t());
        let hasher = PasswordHasher::new(p);
        let name = format!("{name}/{}", hasher.core());
        let mut rng = StdRng::seed_from_u64(2);
        g.bench_function(format!("varco_pooled_hash/{name}"), |b| {
            b.iter(|| {
                black_box(
                    hasher
                        .hash(black_box("correct horse battery staple"), &mut rng)
                        .unwrap(),
                )
            })
        });
        g.bench_function(format!("rustcrypto_alloc/{name}"), |b| {
            b.iter(|| {
                black_box(varco_benches::rustcrypto_alloc(
                    p.m_kib(),
                    p.t(),
                    p.p(),
                    black_box(PW),
                    SALT,
                ))
            })
        });
    }
    g.finish();
}

/// Imported legacy hashes at their systems' usual costs (made by passlib),
/// through `PasswordHasher::verify` with the OWASP hasher: each is one
/// Argon2 run at the hasher's parameters plus the legacy check. The
/// difference to `argon2id_owasp_wrong_password` is the timing signal a
/// legacy account gives until its first sign-in upgrades the hash.
fn legacy(c: &mut Criterion) {
    let hasher = PasswordHasher::new(HashParams::default());
    let mut rng = StdRng::seed_from_u64(3);
    let real = hasher.hash("password", &mut rng).unwrap();
    let mut g = c.benchmark_group("legacy_verify");
    g.sample_size(10);
    let cases = [
        ("argon2id_owasp_wrong_password", real.as_str()),
        (
            "bcrypt_cost10",
            "$2b$10$NzPaU1iizrhKJWVcMvwrzOg0jA8jQPWfXs7My/9WUIuBUrriZxEK2",
        ),
        (
            "bcrypt_cost12",
            "$2b$12$2IC6GiSTG4JFmBwsBXR8auChDmQr7JOsF3gft5MX4mI6MuB6bIiW6",
        ),
        (
            "pbkdf2_sha256_29000",
            "$pbkdf2-sha256$29000$4DxH6F0LQQghpNTa2zvnvA$nsajc2Q1tnfTuiHtkCis.8iXskUXsueR1v2PPzKXL.s",
        ),
        (
            "pbkdf2_sha512_25000",
            "$pbkdf2-sha512$25000$V2pNae2dE.J8j7G2NsbYOw$H/AAtKXoi9m5aj92jV0RzHUHTsSeHEVhqM5ZQT.C6sEC10oIk1Q/MWY6RsD0Q3/kvnUpFjUSwArvOrhYASXTNQ",
        ),
        (
            "sha512_crypt_656000",
            "$6$rounds=656000$zRvQff7vKz1WM39X$.QeiynpJZVIdOcV44cOmOcvSu/GVbviQ5Xiw.8054VqZkVlOy0RmpDdM1cAbTze5RVTKoGRpQGRSQDiRZWP3W0",
        ),
    ];
    for (name, stored) in cases {
        g.bench_function(name, |b| {
            b.iter(|| black_box(hasher.verify(black_box("wrong"), stored).is_ok()))
        });
    }
    // Wrapped at import (Argon2id over the legacy digest): the same work,
    // one real Argon2 run in place of the dummy one, so the same time.
    for (name, stored) in [cases[1], cases[5]] {
        let wrapped = hasher.wrap_legacy(stored, &mut rng).unwrap();
        g.bench_function(format!("wrapped_{name}"), |b| {
            b.iter(|| black_box(hasher.verify(black_box("wrong"), &wrapped).is_ok()))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    cores,
    bandwidth,
    owasp,
    owasp_alternatives,
    equal_cost,
    legacy
);
criterion_main!(benches);
