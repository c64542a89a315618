//! Identifiers and their lookup keys; the Italian tax codes.

use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};

use crate::VarcoError;

/// What kind of identifier a user gave (the core's
/// `varco::account::IdentifierKind`).
#[uniffi::remote(Enum)]
pub enum IdentifierKind {
    Username,
    Email,
    Mobile,
    FixedNumber,
    CodiceFiscale,
}

/// The key an identifier is stored and found by.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentifierKey {
    /// The namespace (`login` for usernames and emails, `mobile`, `fixed`,
    /// `cf`).
    pub namespace: String,
    /// The normalised identifier.
    pub key: String,
    /// The key of the record that claims it: `claim/<namespace>/<key>`.
    pub record_key: String,
}

/// The lookup key of what a user typed as `kind` (`rules_json` optional:
/// `{"default_country":"39","max_len":254}` are the defaults).
#[uniffi::export]
pub fn lookup_key(
    kind: IdentifierKind,
    raw: String,
    rules_json: Option<String>,
) -> Result<IdentifierKey, VarcoError> {
    let rules = match rules_json {
        None => IdentifierRules::default(),
        Some(j) => IdentifierRules::from_json(&j)?,
    };
    let k = LookupKey::of(kind, &raw, &rules)?;
    Ok(IdentifierKey {
        namespace: k.namespace().to_owned(),
        key: k.key().to_owned(),
        record_key: k.record_key(),
    })
}

/// A codice fiscale, checked (format, birth date, check letter) and
/// upper-cased.
#[uniffi::export]
pub fn codice_fiscale(raw: String) -> Result<String, VarcoError> {
    Ok(CodiceFiscale::parse(&raw)
        .map_err(varco::Error::from)?
        .as_str()
        .to_owned())
}

/// A partita IVA, checked (tax office, check digit), as its 11 digits.
#[uniffi::export]
pub fn partita_iva(raw: String) -> Result<String, VarcoError> {
    Ok(PartitaIva::parse(&raw)
        .map_err(varco::Error::from)?
        .as_str()
        .to_owned())
}
