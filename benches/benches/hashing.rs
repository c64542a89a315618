//! Argon2id at the OWASP parameters (m = 19456 KiB, t = 2, p = 1): varco's
//! pooled hasher beside the RustCrypto allocating path and (with
//! `--features libargon2`) the reference C library.
//!
//! `cargo bench -p varco-benches --features libargon2 --bench hashing`

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::hint::black_box;
use varco::hash::{HashParams, HashPreset, PasswordHasher};

const PW: &[u8] = b"correct horse battery staple";
const SALT: &[u8] = b"0123456789abcdef";

fn owasp(c: &mut Criterion) {
    let p = HashParams::default();
    let mut g = c.benchmark_group("argon2id_owasp_m19456_t2_p1");
    g.sample_size(30);
    let hasher = PasswordHasher::new(p);
    let mut rng = StdRng::seed_from_u64(1);
    g.bench_function("varco_pooled_hash", |b| {
        b.iter(|| {
            black_box(
                hasher
                    .hash(black_box("correct horse battery staple"), &mut rng)
                    .unwrap(),
            )
        })
    });
    let phc = hasher
        .hash("correct horse battery staple", &mut rng)
        .unwrap();
    g.bench_function("varco_pooled_verify", |b| {
        b.iter(|| {
            black_box(
                hasher
                    .verify(black_box("correct horse battery staple"), &phc)
                    .unwrap(),
            )
        })
    });
    g.bench_function("varco_dummy_verify", |b| {
        b.iter(|| black_box(hasher.dummy_verify(black_box("correct horse battery staple"))))
    });
    let wiping = PasswordHasher::new(p).with_memory_wipe(true);
    g.bench_function("varco_pooled_hash_with_wipe", |b| {
        b.iter(|| {
            black_box(
                wiping
                    .hash(black_box("correct horse battery staple"), &mut rng)
                    .unwrap(),
            )
        })
    });
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

criterion_group!(benches, owasp, owasp_alternatives);
criterion_main!(benches);
