//! Stored guard state: any bytes. Loading fails cleanly or gives a guard
//! whose every step works, stays within its caps, and round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::Timestamp;
use varco::guard::{AccountGuard, Decision, Factor, GuardPolicies, Unlock};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(g) = AccountGuard::from_json(text) else {
        return;
    };
    let p = GuardPolicies::default();
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    for f in [Factor::Password, Factor::SecondFactor, Factor::Recovery] {
        let step = g.begin(&p, f, Some("device"), now);
        if step.decision == Decision::Allow {
            let _ = step.guard.succeed(f, Some("device"), now);
        }
        let _ = g.failed(f, None, now);
    }
    let unlocked = g.unlock(&Unlock::Recovery, now).guard;
    assert_eq!(
        AccountGuard::from_json(&unlocked.to_json()).expect("round trip"),
        unlocked
    );
});
