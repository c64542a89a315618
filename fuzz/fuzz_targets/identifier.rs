//! Identifiers and the form validators: any text, for every identifier
//! kind and every field, is a key or a clean error; a key or a normal form
//! is stable (validating it again gives itself); an error names its field
//! and at least one problem.
#![no_main]

use libfuzzer_sys::fuzz_target;
use varco::account::{IdentifierKind, IdentifierRules, LookupKey};
use varco::validate::{Field, Person, ValidationRules, check, codice_fiscale_of};

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
    let vrules = ValidationRules::default();
    for field in Field::ALL {
        match check(field, text, &vrules) {
            Ok(v) => assert_eq!(check(field, &v, &vrules).as_deref(), Ok(v.as_str())),
            Err(e) => assert!(e.field() == field && !e.problems().is_empty()),
        }
    }
    // The text's halves as a person's names: a cross-check never panics,
    // and a mismatch is only reported for a well-formed code.
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let (a, b) = text.split_at(mid);
    let person = Person {
        first_name: Some(a.to_owned()),
        last_name: Some(b.to_owned()),
        ..Person::default()
    };
    if let Err(e) = codice_fiscale_of(text, &person) {
        assert!(!e.problems().is_empty());
    }
});
