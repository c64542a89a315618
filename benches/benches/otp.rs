//! TOTP beside totp-rs 6.0 and libreauth 0.18 (the newest releases):
//! generating a code, and verifying an invalid code over a ±1-step window
//! (the worst case: every step of the window is computed); and the floor,
//! three HMAC-SHA1 of 8 bytes under a key set up beforehand.
//!
//! `cargo bench -p varco-benches --bench otp`

use criterion::{Criterion, criterion_group, criterion_main};
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
    let totp_rs = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(&SECRET[..])
        .build_noncompliant();
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
        .find(|c| totp_rs.check(c, TIME).is_none())
        .unwrap();

    let mut g = c.benchmark_group("totp_verify_invalid_window_pm1");
    // varco's verify borrows the loaded credential (an invalid code changes
    // nothing), hot in cache like the peers' (no copy, no allocation inside
    // the timing).
    g.bench_function("varco", |b| {
        b.iter(|| black_box(black_box(&varco).verify(black_box(&invalid), now)))
    });
    g.bench_function("totp_rs", |b| {
        b.iter(|| black_box(totp_rs.check(black_box(&invalid), TIME)))
    });
    g.bench_function("libreauth", |b| {
        b.iter(|| black_box(libreauth.is_valid(black_box(&invalid))))
    });
    // The floor: the three HMACs a ±1 window needs, keyed in advance.
    let keyed = <hmac::Hmac<sha1::Sha1> as hmac::KeyInit>::new_from_slice(SECRET).unwrap();
    let step = TIME / 30;
    g.bench_function("floor_3_prekeyed_hmac_sha1", |b| {
        b.iter(|| {
            for s in step - 1..=step + 1 {
                let mac = hmac::Mac::chain_update(keyed.clone(), black_box(s).to_be_bytes());
                black_box(hmac::Mac::finalize(mac).into_bytes());
            }
        })
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
