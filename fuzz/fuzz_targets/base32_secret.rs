//! Base32 secrets: any bytes. Decoding never panics; a decoded secret
//! encodes to text that decodes to the same secret.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::otp::OtpSecret;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(secret) = OtpSecret::from_base32(text) {
        let again = OtpSecret::from_base32(&secret.to_base32()).expect("round trip");
        assert_eq!(again, secret);
    }
});
