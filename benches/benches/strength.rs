//! Strength estimation and the whole policy check, worst cases at the
//! maximum accepted length (128 code points in the NIST preset) and at the
//! analysis cap (256), beside zxcvbn 3.1.1.
//!
//! `cargo bench -p varco-benches --bench strength`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use varco::policy::{Context, PasswordPolicy, Preset, strength};

fn estimates(c: &mut Criterion) {
    let mut g = c.benchmark_group("strength_estimate");
    for len in [64usize, 128, 256] {
        for (name, pw) in varco_benches::worst_case_passwords(len) {
            g.bench_with_input(
                BenchmarkId::new(format!("varco/{name}"), len),
                &pw,
                |b, pw| {
                    b.iter(|| {
                        black_box(strength::estimate(black_box(pw), &["mario.rossi", "mario"]))
                    })
                },
            );
        }
    }
    // zxcvbn's own worst case is random text; it grows too fast to run at
    // 128 and 256 in reasonable time, so it is measured at 16, 32 and 64.
    for len in [16usize, 32, 64] {
        let (_, pw) = varco_benches::worst_case_passwords(len).remove(0);
        g.bench_with_input(BenchmarkId::new("zxcvbn/random", len), &pw, |b, pw| {
            b.iter(|| black_box(zxcvbn::zxcvbn(black_box(pw), &["mario.rossi", "mario"])))
        });
        g.bench_with_input(BenchmarkId::new("varco/random_short", len), &pw, |b, pw| {
            b.iter(|| black_box(strength::estimate(black_box(pw), &["mario.rossi", "mario"])))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("policy_check_nist");
    let policy = PasswordPolicy::preset(Preset::Nist80063b);
    let ctx = Context::new()
        .username("mario.rossi")
        .email("mario.rossi@example.it");
    for (name, pw) in varco_benches::worst_case_passwords(128) {
        g.bench_with_input(BenchmarkId::new(name, 128), &pw, |b, pw| {
            b.iter(|| black_box(policy.check(black_box(pw), &ctx)))
        });
    }
    g.bench_function("typical_passphrase", |b| {
        b.iter(|| black_box(policy.check(black_box("fiume violino tramonto lampada"), &ctx)))
    });
    g.finish();
}

criterion_group!(benches, estimates);
criterion_main!(benches);
