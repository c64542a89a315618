//! Validators of what a user types into a form (FLOWS F6, F7): pure
//! functions that return the normalised value or every problem found,
//! each with a stable code and Italian and English messages.
//!
//! | field | function | normal form |
//! |---|---|---|
//! | personal codice fiscale | [`codice_fiscale`], [`CodiceFiscale::mismatches`] | `RSSMRA80A01H501U` |
//! | partita IVA | [`PartitaIva::parse`] | `00743110157` |
//! | organisation's codice fiscale | [`organisation_code`] | 11 digits or 16 characters |
//! | mobile | [`mobile`] | `+393331234567` |
//! | fixed line | [`fixed_number`] | `+390612345678` |
//! | either | [`phone`] | E.164, and whether it takes SMS |
//! | email | [`email`] | domain lower-cased |
//! | email, not certified mail | [`registration_email`], [`PecDomains`] | as `email` |
//!
//! [`check`] runs any of them by name, for the bindings and the CLI.
//!
//! ```
//! use varco::validate::{Field, ValidationRules, check};
//!
//! let rules = ValidationRules::default();
//! assert_eq!(check(Field::Mobile, "333 123 4567", &rules).unwrap(), "+393331234567");
//! let e = check(Field::CodiceFiscale, "RSSMRA80A01H501X", &rules).unwrap_err();
//! assert_eq!(e.codes(), ["cf_check"]);
//! ```

mod codice_fiscale;
mod email;
mod partita_iva;
mod phone;
mod problem;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use codice_fiscale::{BirthDate, CodiceFiscale, Person, Sex};
pub use email::{DEFAULT_PEC_DOMAINS, PecDomains, email, registration_email};
pub use partita_iva::{PartitaIva, organisation_code};
pub use phone::{PhoneNumber, fixed_number, mobile, phone};
pub use problem::{Invalid, Problem};

use crate::Error;
use crate::account::IdentifierRules;

/// A field a validator checks.
///
/// ```
/// use varco::validate::Field;
///
/// assert_eq!("registration_email".parse::<Field>().unwrap(), Field::RegistrationEmail);
/// assert_eq!(Field::OrganisationCode.as_str(), "organisation_code");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// A person's codice fiscale.
    CodiceFiscale,
    /// A partita IVA.
    PartitaIva,
    /// An organisation's codice fiscale (11 digits, or a sole trader's 16
    /// characters).
    OrganisationCode,
    /// A mobile number.
    Mobile,
    /// A fixed-line number.
    FixedNumber,
    /// A fixed or mobile number.
    Phone,
    /// An email address.
    Email,
    /// An email address that is not certified mail (PEC).
    RegistrationEmail,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 8] = [
        Field::CodiceFiscale,
        Field::PartitaIva,
        Field::OrganisationCode,
        Field::Mobile,
        Field::FixedNumber,
        Field::Phone,
        Field::Email,
        Field::RegistrationEmail,
    ];

    /// The stable name (`"codice_fiscale"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::CodiceFiscale => "codice_fiscale",
            Field::PartitaIva => "partita_iva",
            Field::OrganisationCode => "organisation_code",
            Field::Mobile => "mobile",
            Field::FixedNumber => "fixed_number",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::RegistrationEmail => "registration_email",
        }
    }
}

impl FromStr for Field {
    type Err = Error;

    /// Reads a field's stable name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    fn from_str(s: &str) -> Result<Self, Error> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("unknown field {s:?}")))
    }
}

/// What the validators need to know: how numbers are read (the default
/// country) and which domains are certified mail.
///
/// ```
/// use varco::validate::ValidationRules;
///
/// let r = ValidationRules::from_json(r#"{"identifiers":{"default_country":"41"},"pec":{"extra_domains":["pec.example.ch"]}}"#).unwrap();
/// assert_eq!(r.identifiers.default_country(), "41");
/// assert!(ValidationRules::from_json(r#"{"pec":{"domains":["nope"]}}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidationRules {
    /// How numbers and identifiers are read.
    pub identifiers: IdentifierRules,
    /// The certified-mail domains.
    pub pec: PecDomains,
}

impl ValidationRules {
    /// Rules from JSON, every field optional.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for malformed JSON, an unknown field or a
    /// value out of range.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let r: ValidationRules = crate::error::parse_config(json, Error::InvalidPolicy)?;
        Ok(ValidationRules {
            identifiers: IdentifierRules::new(
                r.identifiers.default_country(),
                r.identifiers.max_len(),
            )?,
            pec: r.pec.checked()?,
        })
    }
}

/// A personal codice fiscale in its normal form (see
/// [`CodiceFiscale::parse`]).
///
/// ```
/// assert_eq!(varco::validate::codice_fiscale("rssmra80a01h501u").unwrap().as_str(), "RSSMRA80A01H501U");
/// ```
///
/// # Errors
/// [`Invalid`] with every problem found.
pub fn codice_fiscale(raw: &str) -> Result<CodiceFiscale, Invalid> {
    CodiceFiscale::parse(raw)
}

/// A personal codice fiscale that also matches what the host knows of its
/// person (see [`CodiceFiscale::mismatches`]): every problem of the code,
/// or, when it is well formed, every mismatch.
///
/// ```
/// use varco::validate::{Person, codice_fiscale_of};
///
/// let p = Person { last_name: Some("Rossi".into()), ..Default::default() };
/// assert!(codice_fiscale_of("RSSMRA80A01H501U", &p).is_ok());
/// let p = Person { last_name: Some("Bianchi".into()), ..Default::default() };
/// assert_eq!(codice_fiscale_of("RSSMRA80A01H501U", &p).unwrap_err().codes(), ["cf_surname"]);
/// ```
///
/// # Errors
/// [`Invalid`] with every problem found.
pub fn codice_fiscale_of(raw: &str, person: &Person) -> Result<CodiceFiscale, Invalid> {
    let cf = CodiceFiscale::parse(raw)?;
    match Invalid::new(Field::CodiceFiscale, cf.mismatches(person)) {
        Some(e) => Err(e),
        None => Ok(cf),
    }
}

/// A validator's answer as one value, for the bindings and the CLI:
/// `{"valid":true,"value":"+393331234567"}` or `{"valid":false,
/// "field":"mobile","problems":[{"code":…,"it":…,"en":…}]}`.
///
/// ```
/// use varco::validate::{Field, ValidationRules, Verdict, check};
///
/// let v = Verdict::from(check(Field::Email, "a@B.it", &ValidationRules::default()));
/// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"valid":true,"value":"a@b.it"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The normal form.
    Valid(String),
    /// Every problem.
    Invalid(Invalid),
}

impl From<Result<String, Invalid>> for Verdict {
    fn from(r: Result<String, Invalid>) -> Self {
        match r {
            Ok(v) => Verdict::Valid(v),
            Err(e) => Verdict::Invalid(e),
        }
    }
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            Verdict::Valid(v) => {
                m.serialize_entry("valid", &true)?;
                m.serialize_entry("value", v)?;
            }
            Verdict::Invalid(e) => {
                m.serialize_entry("valid", &false)?;
                m.serialize_entry("field", e.field().as_str())?;
                m.serialize_entry("problems", &problem::Items(e.problems()))?;
            }
        }
        m.end()
    }
}

/// Checks `raw` as `field`, and gives its normal form as text.
///
/// # Errors
/// [`Invalid`] with every problem found.
pub fn check(field: Field, raw: &str, rules: &ValidationRules) -> Result<String, Invalid> {
    let ids = &rules.identifiers;
    match field {
        Field::CodiceFiscale => CodiceFiscale::parse(raw).map(|c| c.as_str().to_owned()),
        Field::PartitaIva => PartitaIva::parse(raw).map(|c| c.as_str().to_owned()),
        Field::OrganisationCode => organisation_code(raw),
        Field::Mobile => mobile(raw, ids),
        Field::FixedNumber => fixed_number(raw, ids),
        Field::Phone => phone(raw, ids).map(|p| p.e164),
        Field::Email => email(raw),
        Field::RegistrationEmail => registration_email(raw, &rules.pec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_name_and_every_error_names_its_field() {
        let rules = ValidationRules::default();
        for f in Field::ALL {
            assert_eq!(f.as_str().parse::<Field>().unwrap(), f);
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
            let e = check(f, "", &rules).unwrap_err();
            assert_eq!((e.field(), e.problems()), (f, &[Problem::Empty][..]));
            let e = check(f, "\u{0}\u{ffff}", &rules).unwrap_err();
            assert_eq!(e.field(), f);
        }
        assert!("nope".parse::<Field>().is_err());
    }
}
