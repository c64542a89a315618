//! Identifiers and tax codes: any text, for every kind, is a key or a clean
//! error; a key is stable (the key of a key is itself) and never empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = IdentifierRules::default();
    for kind in IdentifierKind::ALL {
        if let Ok(k) = LookupKey::of(kind, text, &rules) {
            assert!(!k.key().is_empty());
            let again = LookupKey::of(kind, k.key(), &rules).expect("a key is a valid identifier");
            assert_eq!(again, k, "normalising is idempotent");
        }
    }
    if let Ok(c) = CodiceFiscale::parse(text) {
        assert_eq!(CodiceFiscale::parse(c.as_str()).unwrap(), c);
    }
    if let Ok(p) = PartitaIva::parse(text) {
        assert_eq!(PartitaIva::parse(p.as_str()).unwrap(), p);
    }
});
