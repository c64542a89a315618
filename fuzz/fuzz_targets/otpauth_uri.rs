//! otpauth:// URIs: any bytes. Parsing never panics; a URI that parses
//! builds back to text that parses to the same thing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use varco::otp::{OtpKind, OtpUri};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = OtpUri::parse(text) else { return };
    // Rebuilding needs an issuer (the builder insists on one).
    let Some(issuer) = uri.issuer() else { return };
    let rebuilt = match uri.kind() {
        OtpKind::Totp(c) => OtpUri::totp(issuer, uri.account(), c),
        OtpKind::Hotp(c) => OtpUri::hotp(issuer, uri.account(), c),
    };
    if let Ok(rebuilt) = rebuilt {
        let again = OtpUri::parse(&rebuilt.to_uri()).expect("a built URI parses");
        assert_eq!(again, rebuilt);
    }
});
