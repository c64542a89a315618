//! `varco id`: the lookup key of an identifier; tax codes checked. The
//! identifier is read from stdin (it is personal data: not for the process
//! list).

use clap::Subcommand;
use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};
use varco::validate::{Field, Person, ValidationRules, Verdict, check, codice_fiscale_of};

use crate::support::{Fail, read_password};

#[derive(Subcommand)]
pub(crate) enum IdCommand {
    /// Print the record key the identifier on stdin is stored and found by
    /// (`claim/<namespace>/<key>`).
    Key {
        /// username, email, mobile, fixed_number or codice_fiscale.
        #[arg(long)]
        kind: String,
        /// The country code for national numbers.
        #[arg(long, default_value = "39")]
        country: String,
        /// Print JSON (namespace, key, record key).
        #[arg(long)]
        json: bool,
    },
    /// Check the codice fiscale on stdin (format, birth date, check letter)
    /// and print it in upper case; exit 3 if it is not valid.
    CodiceFiscale,
    /// Check the partita IVA on stdin (tax office, check digit) and print
    /// its 11 digits; exit 3 if it is not valid.
    PartitaIva,
    /// Check the value on stdin as a form field and print its normal form,
    /// or every problem (`code: message`, one a line) and exit 3.
    Validate {
        /// codice_fiscale, partita_iva, organisation_code, mobile,
        /// fixed_number, phone, email or registration_email.
        #[arg(long)]
        field: String,
        /// The validation rules as JSON (default country, PEC domains).
        #[arg(long)]
        rules: Option<String>,
        /// A codice fiscale's person as JSON (first_name, last_name,
        /// birth_date {year, month, day}, sex), to cross-check.
        #[arg(long)]
        person: Option<String>,
        /// Messages in this language (it, en).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Print the verdict as JSON (exit 0 whatever it says).
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn id(c: IdCommand) -> Result<u8, Fail> {
    let raw = read_password()?;
    match c {
        IdCommand::Key {
            kind,
            country,
            json,
        } => {
            let kind: IdentifierKind = kind.parse()?;
            let rules = IdentifierRules::new(&country, IdentifierRules::default().max_len())?;
            let key = LookupKey::of(kind, &raw, &rules)?;
            if json {
                outln!("{}", serde_json::to_string(&key).unwrap_or_default());
            } else {
                outln!("{}", key.record_key());
            }
        }
        IdCommand::CodiceFiscale => outln!("{}", CodiceFiscale::parse(&raw)?.as_str()),
        IdCommand::PartitaIva => outln!("{}", PartitaIva::parse(&raw)?.as_str()),
        IdCommand::Validate {
            field,
            rules,
            person,
            lang,
            json,
        } => {
            let field: Field = field.parse()?;
            let lang: varco::Lang = lang.parse()?;
            let rules = match rules {
                Some(j) => ValidationRules::from_json(&j)?,
                None => ValidationRules::default(),
            };
            let r = match person {
                Some(p) if field == Field::CodiceFiscale => {
                    codice_fiscale_of(&raw, &Person::from_json(&p)?).map(|c| c.as_str().to_owned())
                }
                Some(_) => {
                    return Err(varco::Error::InvalidInput(
                        "--person goes with --field codice_fiscale".into(),
                    )
                    .into());
                }
                None => check(field, &raw, &rules),
            };
            if json {
                outln!(
                    "{}",
                    serde_json::to_string(&Verdict::from(r)).unwrap_or_default()
                );
                return Ok(0);
            }
            match r {
                Ok(v) => outln!("{v}"),
                Err(e) => {
                    for p in e.problems() {
                        outln!("{}: {}", p.code(), p.message(lang));
                    }
                    return Ok(3);
                }
            }
        }
    }
    Ok(0)
}
