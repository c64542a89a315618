//! Sealed records: any bytes as a stored TOTP or HOTP credential, opened
//! under fixed keys and record keys. Loading and opening fail cleanly
//! (a forged or altered record never opens); what opens verifies without a
//! panic. Seeds: fuzz/seeds/seal_open.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::Timestamp;
use varco::otp::{HotpCredential, TotpCredential};
use varco::record::Stored;
use varco::seal::{Sealed, SealingKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let keys = SealingKeys::new("k1", [1; 32]).expect("key");
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    if let Ok(r) = Stored::<Sealed<TotpCredential>>::from_json(text) {
        for key in ["fuzz/totp", "other"] {
            let _ = r.verify(key, &keys, "123456", now, &mut rand::rng());
        }
        let _ = varco::seal::open::<TotpCredential>(
            text,
            "totp_credential",
            &["fuzz/totp", "1"],
            &keys,
        );
    }
    if let Ok(r) = Stored::<Sealed<HotpCredential>>::from_json(text) {
        let _ = r.verify("fuzz/hotp", &keys, "123456", 10, now, &mut rand::rng());
    }
});
