//! Policy input: any bytes, split into a password, a confirmation and
//! context words, checked against every preset and estimated for strength.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::policy::{Context, PasswordPolicy, Preset, strength};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{0}');
    let password = parts.next().unwrap_or("");
    let confirmation = parts.next().unwrap_or("");
    let username = parts.next().unwrap_or("");
    let email = parts.next().unwrap_or("");
    let ctx = Context::new()
        .username(username)
        .email(email)
        .confirmation(confirmation)
        .current(confirmation)
        .service(username);
    for preset in Preset::ALL {
        let report = PasswordPolicy::preset(preset).check(password, &ctx);
        assert!(report.strength().score() <= 4);
        assert_eq!(report.is_ok(), report.violations().is_empty());
    }
    let s = strength::estimate(password, &[username, email]);
    assert!(s.guesses_log10().is_finite());
});
