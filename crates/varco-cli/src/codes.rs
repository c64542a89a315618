//! `varco codes new` and `varco codes redeem`: one-time recovery codes.

use crate::support::{Fail, bad_input, io_fail, lock_state, now, read_password, write_atomic};
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
        #[arg(long)]
        out: std::path::PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Redeem the code read from stdin against a stored set; the file is
    /// updated. Exit 0 if accepted, 1 if not.
    Redeem {
        /// The stored set.
        #[arg(long)]
        set: std::path::PathBuf,
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
        CodesCommand::New { count, out, json } => {
            // A new set replaces the one in the file, if any.
            let _lock = lock_state(&out)?;
            let current = match std::fs::read_to_string(&out) {
                Ok(text) => Stored::<RecoveryCodeSet>::from_json(&text)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Stored::new(RecoveryCodeSet::empty())
                }
                Err(e) => return Err(io_fail(&out.display().to_string(), e)),
            };
            let step = current.regenerate(count, &hasher, now(None), &mut rand::rng())?;
            let Some(w) = step.writes else {
                return Err(bad_input("no set was generated"));
            };
            write_atomic(&out, &w.record.to_json())?;
            let codes: Vec<&str> = step.outcome.codes.iter().map(|c| c.expose()).collect();
            if json {
                outln!("{}", json!({"codes": codes, "set": w.record.body().id()}));
            } else {
                for c in codes {
                    outln!("{c}");
                }
            }
            Ok(0)
        }
        CodesCommand::Redeem { set, json } => {
            let code = read_password()?;
            let _lock = lock_state(&set)?;
            let text = std::fs::read_to_string(&set)
                .map_err(|e| io_fail(&set.display().to_string(), e))?;
            let stored = Stored::<RecoveryCodeSet>::from_json(&text)?;
            let step = stored.redeem(&code, &hasher, now(None))?;
            let outcome = step.outcome;
            let accepted = matches!(outcome, RecoveryOutcome::Accepted { .. });
            let next = step.writes.map_or(stored, |w| w.record);
            if accepted {
                write_atomic(&set, &next.to_json())?;
            }
            let next = next.body();
            if json {
                outln!(
                    "{}",
                    json!({"outcome": outcome, "remaining": next.remaining()})
                );
            } else {
                outln!(
                    "{} ({} left)",
                    if accepted { "accepted" } else { "rejected" },
                    next.remaining()
                );
            }
            Ok(if accepted { 0 } else { 1 })
        }
    }
}
