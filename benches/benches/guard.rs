//! Lockout decisions: load, decide, save. In memory (the state already
//! parsed, cloned in and out, as a cache would hold it) and through JSON
//! (what a database round trip adds).
//!
//! `cargo bench -p varco-benches --bench guard`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use varco::Timestamp;
use varco::guard::{AccountGuard, Factor, GuardPolicies};
use varco::record::Stored;

fn guard(c: &mut Criterion) {
    let p = GuardPolicies::default();
    // A realistic state: a trusted device and a few recent failures.
    let t0 = Timestamp::from_unix_seconds(1_800_000_000);
    let new = Stored::new(AccountGuard::new());
    let mut g = new.trust_device("phone-1", t0).unwrap().state_or(new);
    for i in 0..3 {
        let t = Timestamp::from_unix_seconds(1_800_000_010 + i * 5);
        g = g.begin(&p, Factor::Password, None, t).unwrap().state_or(g);
    }
    let now = Timestamp::from_unix_seconds(1_800_000_100);
    let json = g.to_json();

    let mut grp = c.benchmark_group("guard_decision");
    grp.throughput(Throughput::Elements(1));
    grp.bench_function("in_memory_load_decide_save", |b| {
        b.iter(|| {
            let loaded = black_box(&g).clone();
            let step = loaded.begin(&p, Factor::Password, None, black_box(now));
            black_box(step.unwrap().writes)
        })
    });
    grp.bench_function("trusted_device_in_memory", |b| {
        b.iter(|| {
            black_box(
                black_box(&g)
                    .begin(&p, Factor::Password, Some("phone-1"), black_box(now))
                    .unwrap()
                    .writes,
            )
        })
    });
    grp.bench_function("json_load_decide_save", |b| {
        b.iter(|| {
            let loaded = Stored::<AccountGuard>::from_json(black_box(&json)).unwrap();
            let step = loaded.begin(&p, Factor::Password, None, black_box(now));
            black_box(step.unwrap().writes.map(|w| w.record.to_json()))
        })
    });
    grp.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
