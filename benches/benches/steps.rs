//! Stored steps as a host runs them, from the stored JSON to the JSON to
//! write: a sealed TOTP record verified (open, check, seal again), a
//! lifecycle event applied, and a policy check that refuses a character.
//!
//! `cargo bench -p varco-benches --bench steps`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use varco::Timestamp;
use varco::account::{Lifecycle, LifecycleEvent};
use varco::otp::{TotpConfig, TotpCredential};
use varco::policy::{Context, PasswordPolicy, Preset};
use varco::record::Stored;
use varco::seal::{Sealed, SealingKeys};

fn steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("stored_step");
    let keys = SealingKeys::new("k1", [7; 32]).unwrap();
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let enrolled = TotpCredential::enroll(
        "Esempio",
        "mario",
        TotpConfig::default(),
        "mario/totp",
        &keys,
        now,
        &mut rand::rng(),
    )
    .unwrap();
    let record = enrolled.writes.unwrap().record.to_json();
    // A wrong code: the record is opened and checked, nothing is written
    // (the key is current), as for most attempts an attacker makes.
    g.bench_function("sealed_totp_verify_wrong_code", |b| {
        b.iter(|| {
            let r = Stored::<Sealed<TotpCredential>>::from_json(black_box(&record)).unwrap();
            let step = r
                .verify(
                    "mario/totp",
                    &keys,
                    black_box("000000"),
                    now,
                    &mut rand::rng(),
                )
                .unwrap();
            black_box(step.writes.map(|w| w.record.to_json()))
        })
    });
    let created = Lifecycle::create(now)
        .unwrap()
        .writes
        .unwrap()
        .record
        .to_json();
    g.bench_function("lifecycle_apply_activate", |b| {
        b.iter(|| {
            let r = Stored::<Lifecycle>::from_json(black_box(&created)).unwrap();
            let step = r.apply(&LifecycleEvent::Activate, now).unwrap();
            black_box(step.writes.map(|w| w.record.to_json()))
        })
    });
    let policy = PasswordPolicy::preset(Preset::MailService);
    g.bench_function("policy_check_refused_character", |b| {
        b.iter(|| black_box(policy.check(black_box("Ciao%2026!"), &Context::new())))
    });
    g.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
