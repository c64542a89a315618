//! `varco id`: the lookup key of an identifier; tax codes checked. The
//! identifier is read from stdin (it is personal data: not for the process
//! list).

use clap::Subcommand;
use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};

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
    }
    Ok(0)
}
