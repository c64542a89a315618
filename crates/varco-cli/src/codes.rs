//! `varco codes new` and `varco codes redeem`: one-time recovery codes.

use crate::place::Place;
use crate::support::{Fail, bad_input, now, read_password};
use clap::Subcommand;
use serde_json::json;
use varco::hash::{HashParams, PasswordHasher};
use varco::otp::{RecoveryCodeSet, RecoveryOutcome};
use varco::record::Stored;

#[derive(Subcommand)]
pub(crate) enum CodesCommand {
    /// Make a set of recovery codes: print them, write the hashed set to a file.
    New {
        /// How many codes.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Where to write the stored (hashed) set.
        #[arg(long, required_unless_present = "db", conflicts_with = "db")]
        out: Option<std::path::PathBuf>,
        /// Instead of a file: the database the flows use (a SQLite file or
        /// a PostgreSQL connection string), with `--account`: the set its
        /// sign-ins accept (`recovery_codes/<account>`).
        #[arg(long, requires = "account")]
        db: Option<String>,
        /// The account whose set `--db` holds.
        #[arg(long, requires = "db")]
        account: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Redeem the code read from stdin against a stored set; the file is
    /// updated. Exit 0 if accepted, 1 if not.
    Redeem {
        /// The stored set.
        #[arg(long, required_unless_present = "db", conflicts_with = "db")]
        set: Option<std::path::PathBuf>,
        /// Instead of a file: the database, with `--account`.
        #[arg(long, requires = "account")]
        db: Option<String>,
        /// The account whose set `--db` holds.
        #[arg(long, requires = "db")]
        account: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Recovery codes carry 74 random bits: a lighter Argon2 than passwords
/// need (m = 8 MiB, t = 1) keeps a redemption of 10 codes near 40 ms.
fn recovery_hasher() -> PasswordHasher {
    PasswordHasher::new(HashParams::new(8192, 1, 1).unwrap_or_default())
}

pub(crate) fn codes(c: CodesCommand) -> Result<u8, Fail> {
    let hasher = recovery_hasher();
    match c {
        CodesCommand::New {
            count,
            out,
            db,
            account,
            json,
        } => {
            // A new set replaces the one held, if any.
            let place = Place::of(out, db.as_deref(), account.map(|id| key(&id)))?;
            let (codes, id) = place.update(|text| {
                let current = match text {
                    Some(t) => Stored::<RecoveryCodeSet>::from_json(t)?,
                    None => Stored::new(RecoveryCodeSet::empty()),
                };
                let step = current.regenerate(count, &hasher, now(None), &mut rand::rng())?;
                let Some(w) = step.writes else {
                    return Err(bad_input("no set was generated"));
                };
                let id = w.record.body().id().to_owned();
                Ok((Some(w), (step.outcome.codes, id)))
            })?;
            let codes: Vec<&str> = codes.iter().map(|c| c.expose()).collect();
            if json {
                outln!("{}", json!({"codes": codes, "set": id}));
            } else {
                for c in codes {
                    outln!("{c}");
                }
            }
            Ok(0)
        }
        CodesCommand::Redeem {
            set,
            db,
            account,
            json,
        } => {
            let code = read_password()?;
            let place = Place::of(set, db.as_deref(), account.map(|id| key(&id)))?;
            let (outcome, remaining) = place.update(|text| {
                let text = text.ok_or_else(|| bad_input("there is no set of codes"))?;
                let stored = Stored::<RecoveryCodeSet>::from_json(text)?;
                let step = stored.redeem(&code, &hasher, now(None))?;
                let accepted = matches!(step.outcome, RecoveryOutcome::Accepted { .. });
                let next = if accepted { step.writes } else { None };
                let remaining = next
                    .as_ref()
                    .map_or(stored.body().remaining(), |w| w.record.body().remaining());
                Ok((next, (step.outcome, remaining)))
            })?;
            let accepted = matches!(outcome, RecoveryOutcome::Accepted { .. });
            if json {
                outln!("{}", json!({"outcome": outcome, "remaining": remaining}));
            } else {
                outln!(
                    "{} ({remaining} left)",
                    if accepted { "accepted" } else { "rejected" },
                );
            }
            Ok(if accepted { 0 } else { 1 })
        }
    }
}

/// The key of an account's recovery codes, as the flows keep it.
fn key(account: &str) -> String {
    format!("recovery_codes/{account}")
}
