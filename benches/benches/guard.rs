//! Lockout decisions: load, decide, save. In memory (the state already
//! parsed, cloned in and out, as a cache would hold it) and through JSON
//! (what a database round trip adds).
//!
//! `cargo bench -p varco-benches --bench guard`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use varco::Timestamp;
use varco::guard::{AccountGuard, Factor, GuardPolicies};

fn guard(c: &mut Criterion) {
    let p = GuardPolicies::default();
    // A realistic state: a trusted device and a few recent failures.
    let mut g = AccountGuard::new()
        .succeed(
            Factor::Password,
            Some("phone-1"),
            Timestamp::from_unix_seconds(1_800_000_000),
        )
        .guard;
    for i in 0..3 {
        g = g
            .begin(
                &p,
                Factor::Password,
                None,
                Timestamp::from_unix_seconds(1_800_000_010 + i * 5),
            )
            .guard;
    }
    let now = Timestamp::from_unix_seconds(1_800_000_100);
    let json = g.to_json();

    let mut grp = c.benchmark_group("guard_decision");
    grp.throughput(Throughput::Elements(1));
    grp.bench_function("in_memory_load_decide_save", |b| {
        b.iter(|| {
            let loaded = black_box(&g).clone();
            let step = loaded.begin(&p, Factor::Password, None, black_box(now));
            black_box(step.guard)
        })
    });
    grp.bench_function("trusted_device_in_memory", |b| {
        b.iter(|| {
            black_box(
                black_box(&g)
                    .begin(&p, Factor::Password, Some("phone-1"), black_box(now))
                    .guard,
            )
        })
    });
    grp.bench_function("json_load_decide_save", |b| {
        b.iter(|| {
            let loaded = AccountGuard::from_json(black_box(&json)).unwrap();
            let step = loaded.begin(&p, Factor::Password, None, black_box(now));
            black_box(step.guard.to_json())
        })
    });
    grp.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
