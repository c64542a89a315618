//! TOTP beside totp-rs 5.7 and libreauth 0.18: generating a code, and
//! verifying an invalid code over a ±1-step window (the worst case: every
//! step of the window is computed).
//!
//! `cargo bench -p varco-benches --bench otp`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use varco::Timestamp;
use varco::otp::{Algorithm, OtpSecret, TotpConfig, TotpCredential};

const SECRET: &[u8; 20] = b"12345678901234567890";
const TIME: u64 = 1_234_567_890;

fn totp(c: &mut Criterion) {
    let varco = TotpCredential::new(
        OtpSecret::from_bytes(SECRET).unwrap(),
        TotpConfig::new(Algorithm::Sha1, 6, 30, 0, 1, 1).unwrap(),
    );
    let totp_rs = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, SECRET.to_vec());
    let libreauth = libreauth::oath::TOTPBuilder::new()
        .key(SECRET)
        .timestamp(TIME as i64)
        .tolerance(1)
        .finalize()
        .unwrap();
    let now = Timestamp::from_unix_seconds(TIME);
    // A code that matches no step of the window.
    let invalid = (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|c| !totp_rs.check(c, TIME))
        .unwrap();

    let mut g = c.benchmark_group("totp_verify_invalid_window_pm1");
    // varco's verify takes the loaded credential by value (state in, state
    // out), so each iteration gets its own copy, made outside the timing.
    g.bench_function("varco", |b| {
        b.iter_batched(
            || varco.clone(),
            |cred| black_box(cred.verify(black_box(&invalid), now)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("totp_rs", |b| {
        b.iter(|| black_box(totp_rs.check(black_box(&invalid), TIME)))
    });
    g.bench_function("libreauth", |b| {
        b.iter(|| black_box(libreauth.is_valid(black_box(&invalid))))
    });
    g.finish();

    let mut g = c.benchmark_group("totp_generate");
    g.bench_function("varco", |b| {
        b.iter(|| black_box(varco.code_at(black_box(now))))
    });
    g.bench_function("totp_rs", |b| {
        b.iter(|| black_box(totp_rs.generate(black_box(TIME))))
    });
    g.bench_function("libreauth", |b| b.iter(|| black_box(libreauth.generate())));
    g.finish();
}

criterion_group!(benches, totp);
criterion_main!(benches);
