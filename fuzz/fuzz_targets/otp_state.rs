//! Stored OTP state: any bytes as a delivery challenge, a recovery code set,
//! or a TOTP credential. Loading fails cleanly or gives state that works.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::Timestamp;
use varco::otp::{Challenge, CodeKeys, DeliveryConfig, Purpose, RecoveryCodeSet, TotpCredential};
use varco::record::Stored;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    if let Ok(c) = Stored::<Challenge>::from_json(text) {
        let keys = CodeKeys::new("k1", vec![1; 32]).expect("key");
        if let Ok(step) = c.verify(
            &DeliveryConfig::new("x"),
            &keys,
            "123456",
            Purpose::Login,
            now,
        ) {
            let after = step.state_or(c.clone());
            assert!(after.body().attempts() >= c.body().attempts());
            assert!(after.revision() >= c.revision());
        }
    }
    if let Ok(set) = Stored::<RecoveryCodeSet>::from_json(text) {
        assert!(set.body().remaining() <= set.body().len());
    }
    // A stored credential loads only with settings in range; then no step
    // panics (a zero period once did).
    if let Ok(cred) = serde_json::from_str::<TotpCredential>(text) {
        let _ = cred.verify("123456", now);
        let _ = cred.code_at(now);
    }
});
