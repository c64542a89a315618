//! Identifiers and their lookup keys; the Italian tax codes.

use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};

use crate::ffi::{OrFail, guard, opt_text, parse, text, write_out};
use crate::json;
use crate::result::varco_result;

/// The lookup key of an identifier, into `buf` as JSON:
/// `{"namespace":"login","key":"mario.rossi@example.it",
/// "record_key":"claim/login/mario.rossi@example.it"}`. `kind` is
/// `username`, `email`, `mobile`, `fixed_number` or `codice_fiscale`;
/// `rules_json` is optional (NULL: `{"default_country":"39",
/// "max_len":254}`). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_lookup_key(
    kind: *const u8,
    kind_len: usize,
    raw: *const u8,
    raw_len: usize,
    rules_json: *const u8,
    rules_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let kind: IdentifierKind = parse(unsafe { text(kind, kind_len, "kind") }?)?;
        let raw = unsafe { text(raw, raw_len, "raw") }?;
        let rules = match unsafe { opt_text(rules_json, rules_len, "rules_json") }? {
            None => IdentifierRules::default(),
            Some(j) => IdentifierRules::from_json(j).or_fail()?,
        };
        let key = LookupKey::of(kind, raw, &rules).or_fail()?;
        unsafe { write_out(json(&key).as_bytes(), buf, cap, written) }
    })
}

/// A codice fiscale checked (format, birth date, check letter) and
/// upper-cased, into `buf` (17 bytes always suffice). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_codice_fiscale(
    raw: *const u8,
    raw_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let code = CodiceFiscale::parse(unsafe { text(raw, raw_len, "raw") }?)
            .map_err(varco::Error::from)
            .or_fail()?;
        unsafe { write_out(code.as_str().as_bytes(), buf, cap, written) }
    })
}

/// A partita IVA checked (tax office, check digit), as its 11 digits into
/// `buf` (12 bytes always suffice). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_partita_iva(
    raw: *const u8,
    raw_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let code = PartitaIva::parse(unsafe { text(raw, raw_len, "raw") }?)
            .map_err(varco::Error::from)
            .or_fail()?;
        unsafe { write_out(code.as_str().as_bytes(), buf, cap, written) }
    })
}
