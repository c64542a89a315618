//! Stored lifecycle records: any bytes. Loading fails cleanly or gives a
//! record whose every event is a legal step or a clean error, and whose
//! steps round-trip. Seeds: fuzz/seeds/lifecycle_state.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::Timestamp;
use varco::account::{Lifecycle, LifecycleEvent};
use varco::record::Stored;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(l) = Stored::<Lifecycle>::from_json(text) else {
        return;
    };
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let events = [
        LifecycleEvent::Activate,
        LifecycleEvent::Inactivity,
        LifecycleEvent::RecoveryCompleted,
        LifecycleEvent::OperatorUnblock {
            operator: "o".into(),
        },
        LifecycleEvent::Cease { reason: "r".into() },
    ];
    for e in &events {
        if let Ok(step) = l.apply(e, now) {
            let next = step.writes.expect("a legal event writes").record;
            assert_eq!(
                Stored::<Lifecycle>::from_json(&next.to_json()).expect("round trip"),
                next
            );
        }
    }
    let _ = l.check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, now);
});
