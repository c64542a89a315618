//! The form validators: every problem at once, with stable codes and
//! Italian and English messages.

use varco::validate::{
    BirthDate, Field, Invalid, Person, Sex, ValidationRules, check, codice_fiscale_of,
};

use crate::VarcoError;

/// A field a validator checks (the core's `varco::validate::Field`).
#[uniffi::remote(Enum)]
pub enum Field {
    CodiceFiscale,
    PartitaIva,
    OrganisationCode,
    Mobile,
    FixedNumber,
    Phone,
    Email,
    RegistrationEmail,
}

/// The sex a codice fiscale records (the core's `varco::validate::Sex`).
#[uniffi::remote(Enum)]
pub enum Sex {
    Male,
    Female,
}

/// A birth date (the core's `varco::validate::BirthDate`).
#[uniffi::remote(Record)]
pub struct BirthDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// What the host knows of a codice fiscale's person; only what is given
/// is compared (the core's `varco::validate::Person`).
#[uniffi::remote(Record)]
pub struct Person {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
}

/// One thing wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldProblem {
    /// The stable code (`cf_check`).
    pub code: String,
    /// The message in Italian.
    pub message_it: String,
    /// The message in English.
    pub message_en: String,
}

/// A validator's verdict: the normal form, or every problem.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Validation {
    /// The field checked.
    pub field: Field,
    /// The normal form, when valid.
    pub value: Option<String>,
    /// Every problem, when not (empty when valid).
    pub problems: Vec<FieldProblem>,
}

fn verdict(field: Field, r: Result<String, Invalid>) -> Validation {
    match r {
        Ok(v) => Validation {
            field,
            value: Some(v),
            problems: Vec::new(),
        },
        Err(e) => Validation {
            field: e.field(),
            value: None,
            problems: e
                .problems()
                .iter()
                .map(|p| FieldProblem {
                    code: p.code().to_owned(),
                    message_it: p.message(varco::Lang::It).to_owned(),
                    message_en: p.message(varco::Lang::En).to_owned(),
                })
                .collect(),
        },
    }
}

/// Checks `raw` as `field` (`rules_json` optional: the default country
/// and the certified-mail domains). A value that does not validate is a
/// verdict, not an error.
#[uniffi::export]
pub fn validate(
    field: Field,
    raw: String,
    rules_json: Option<String>,
) -> Result<Validation, VarcoError> {
    let rules = match rules_json {
        None => ValidationRules::default(),
        Some(j) => ValidationRules::from_json(&j)?,
    };
    Ok(verdict(field, check(field, &raw, &rules)))
}

/// Checks a personal codice fiscale against what the host knows of its
/// person.
#[uniffi::export]
pub fn validate_codice_fiscale_of(raw: String, person: Person) -> Validation {
    let r = codice_fiscale_of(&raw, &person).map(|c| c.as_str().to_owned());
    verdict(Field::CodiceFiscale, r)
}
