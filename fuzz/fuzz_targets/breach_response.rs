//! Breached-password range responses: any bytes as a response body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::breach::RangeQuery;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let q = RangeQuery::new("password");
    let _ = q.check(text);
});
