//! Stored guard records: any bytes. Loading fails cleanly or gives a guard
//! whose every step works or refuses cleanly, stays within its caps, and
//! round-trips; a refusal never writes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::Timestamp;
use varco::guard::{AccountGuard, Admission, Factor, GuardPolicies, Unlock};
use varco::record::Stored;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(g) = Stored::<AccountGuard>::from_json(text) else {
        return;
    };
    let p = GuardPolicies::default();
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    for f in Factor::ALL {
        let Ok(step) = g.begin(&p, f, Some("device"), now) else {
            continue; // a record seen far in the future: refused as a broken clock
        };
        match (&step.outcome, step.writes) {
            (Admission::Allowed { attempt }, Some(w)) => {
                assert!(w.record.body().counter(f).consecutive() <= 100);
                let _ = w.record.failed(attempt, now);
                let _ = w.record.succeed(attempt, now);
            }
            (Admission::Allowed { .. }, None) => panic!("an allowed attempt must be counted"),
            (_, writes) => assert!(writes.is_none(), "a refusal writes nothing"),
        }
    }
    if let Ok(step) = g.unlock(&Unlock::Recovery, now) {
        let unlocked = step.writes.expect("an unlock writes").record;
        assert_eq!(
            Stored::<AccountGuard>::from_json(&unlocked.to_json()).expect("round trip"),
            unlocked
        );
    }
});
