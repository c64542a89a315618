//! The form validators (codice fiscale, partita IVA, numbers, email, PEC):
//! every problem at once, with stable codes and Italian and English
//! messages.

use varco::validate::{Field, Person, ValidationRules, Verdict, check, codice_fiscale_of};

use crate::ffi::{OrFail, guard, opt_text, text, write_out};
use crate::json;
use crate::result::varco_result;

/// Checks `raw` as `field` and writes the verdict into `buf` as JSON:
/// `{"valid":true,"value":"+393331234567"}` or `{"valid":false,
/// "field":"mobile","problems":[{"code":"mobile_fixed_line","en":"…",
/// "it":"…"}]}`. A value that does not validate is a verdict, not an
/// error: the call returns `VARCO_OK`. `field` is `codice_fiscale`,
/// `partita_iva`, `organisation_code`, `mobile`, `fixed_number`, `phone`,
/// `email` or `registration_email`; `rules_json` is optional (NULL: the
/// defaults, `{"identifiers":{"default_country":"39"},"pec":{…}}`).
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_validate(
    field: *const u8,
    field_len: usize,
    raw: *const u8,
    raw_len: usize,
    rules_json: *const u8,
    rules_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let field: Field = unsafe { text(field, field_len, "field") }?
            .parse()
            .or_fail()?;
        let raw = unsafe { text(raw, raw_len, "raw") }?;
        let rules = match unsafe { opt_text(rules_json, rules_len, "rules_json") }? {
            None => ValidationRules::default(),
            Some(j) => ValidationRules::from_json(j).or_fail()?,
        };
        let verdict = Verdict::from(check(field, raw, &rules));
        unsafe { write_out(json(&verdict).as_bytes(), buf, cap, written) }
    })
}

/// Checks a personal codice fiscale against what the host knows of its
/// person (`person_json`: `{"first_name":"Mario","last_name":"Rossi",
/// "birth_date":{"year":1980,"month":1,"day":1},"sex":"male"}`, every
/// field optional) and writes the verdict as [`varco_validate`] does.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_codice_fiscale_of(
    raw: *const u8,
    raw_len: usize,
    person_json: *const u8,
    person_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let raw = unsafe { text(raw, raw_len, "raw") }?;
        let person = Person::from_json(unsafe { text(person_json, person_len, "person_json") }?)
            .or_fail()?;
        let verdict = Verdict::from(codice_fiscale_of(raw, &person).map(|c| c.as_str().to_owned()));
        unsafe { write_out(json(&verdict).as_bytes(), buf, cap, written) }
    })
}
