//! The cost of crossing the C boundary, on a trivial call (a TOTP code)
//! and on a full step (verifying a delivery code: load the stored
//! challenge, check the code, write the new state and the audit effect),
//! beside the same work in Rust. Python and Kotlin are measured by
//! `bindings/bench.sh` (their runtimes cannot run under criterion).

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use varco::Timestamp;
use varco::guard::DestinationBudget;
use varco::otp::{
    Challenge, CodeKeys, DeliveryConfig, Destination, OtpSecret, Purpose, TotpConfig,
    TotpCredential,
};
use varco::record::Stored;
use varco_c::*;

const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const KEY: [u8; 32] = [7; 32];
const NOW: u64 = 1_800_000_000_000;

fn trivial(c: &mut Criterion) {
    let mut g = c.benchmark_group("binding_trivial_totp_code");
    let cred = TotpCredential::new(
        OtpSecret::from_base32(SECRET).unwrap(),
        TotpConfig::default(),
    );
    g.bench_function("rust", |b| {
        b.iter(|| cred.code_at(black_box(Timestamp::from_unix_seconds(59))))
    });
    // What a C caller does: the secret as text, parsed on every call.
    g.bench_function("c_abi", |b| {
        let mut buf = [0u8; 16];
        let mut n = 0;
        b.iter(|| unsafe {
            varco_totp_code(
                SECRET.as_ptr(),
                SECRET.len(),
                black_box(59_000),
                std::ptr::null(),
                0,
                buf.as_mut_ptr(),
                buf.len(),
                &mut n,
            )
        })
    });
    // The boundary alone: copy a step's outcome out (catch_unwind, NULL
    // checks, a 19-byte copy).
    g.bench_function("c_abi_accessor_only", |b| {
        let mut step = null_mut();
        unsafe { assert_eq!(varco_lifecycle_create(0, &mut step), varco_result::VARCO_OK) };
        let mut buf = [0u8; 128];
        let mut n = 0;
        b.iter(|| unsafe {
            varco_step_outcome(black_box(step), buf.as_mut_ptr(), buf.len(), &mut n)
        });
        unsafe { varco_step_free(step) };
    });
    g.finish();
}

fn full_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("binding_step_code_verify");
    let config = DeliveryConfig::new("Esempio");
    let keys = CodeKeys::new("k", KEY.to_vec()).unwrap();
    let issued = Challenge::issue(
        &config,
        &keys,
        Purpose::Login,
        Destination::sms("+393331234567"),
        &Stored::new(DestinationBudget::new("+393331234567")),
        Timestamp::from_unix_millis(NOW),
        &mut rand::rng(),
    )
    .unwrap();
    let stored = issued.writes.challenge.unwrap().record.to_json();
    // A Rust host: load the stored challenge, verify a wrong code, store it.
    g.bench_function("rust", |b| {
        b.iter(|| {
            let ch = Stored::<Challenge>::from_json(black_box(&stored)).unwrap();
            let step = ch
                .verify(
                    &config,
                    &keys,
                    "123456",
                    Purpose::Login,
                    Timestamp::from_unix_millis(NOW + 1000),
                )
                .unwrap();
            let written = step.writes.map(|w| w.record.to_json());
            (written, serde_json_len(&step.effects))
        })
    });
    // A C host: the same through the C ABI, reading the outcome, the state
    // and the effect out of the step.
    let mut d = null_mut();
    let cfg = br#"{"service":"Esempio"}"#;
    unsafe {
        assert_eq!(
            varco_delivery_new(
                cfg.as_ptr(),
                cfg.len(),
                b"k".as_ptr(),
                1,
                KEY.as_ptr(),
                KEY.len(),
                &mut d
            ),
            varco_result::VARCO_OK
        );
    }
    g.bench_function("c_abi", |b| {
        let mut buf = vec![0u8; 4096];
        let mut n = 0;
        b.iter(|| unsafe {
            let mut step = null_mut();
            varco_challenge_verify(
                d,
                stored.as_ptr(),
                stored.len(),
                b"123456".as_ptr(),
                6,
                b"login".as_ptr(),
                5,
                NOW as i64 + 1000,
                &mut step,
            );
            varco_step_outcome(step, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_write(step, 0, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_effect(step, 0, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_free(step);
            n
        })
    });
    unsafe { varco_delivery_free(d) };
    g.finish();
}

/// What a Rust host pays to serialize the effects for its audit sink.
fn serde_json_len(effects: &[varco::effect::Effect]) -> usize {
    effects
        .iter()
        .map(|e| serde_json::to_string(e).map_or(0, |s| s.len()))
        .sum()
}

criterion_group!(benches, trivial, full_step);
criterion_main!(benches);
