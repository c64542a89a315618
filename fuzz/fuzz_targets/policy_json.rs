//! Policy files: any bytes as JSON. Loading either fails cleanly or gives a
//! policy that saves and loads to itself and can check a password.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::policy::{Context, PasswordPolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = PasswordPolicy::from_json(text) {
        let again = PasswordPolicy::from_json(&policy.to_json()).expect("a saved policy loads");
        assert_eq!(again, policy);
        let _ = policy.check(text, &Context::new().confirmation(text));
    }
});
