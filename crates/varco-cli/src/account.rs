//! `varco account`: accounts in the database (`--db`): create one with its
//! password from stdin, import many (one JSON account a line, legacy hashes
//! wrapped at once), show what the store holds of one.

use clap::Subcommand;
use serde_json::{Value, json};
use varco::account::Account;
use varco::flow::NewAccount;
use varco::record::Stored;
use varco_store::RunError;

use crate::flow::{EngineArgs, engine, open_store, run_fail, send_and_sweep, store_fail};
use crate::support::{Fail, bad_input, now, read_stdin_lines};

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Create an account: `--account '{"id":"a1","username":"mario",
    /// "mobile":"+39…","second_factor":true}'`; its password from stdin (an
    /// empty stdin: none). An id or identifier taken already: exit 3,
    /// nothing written.
    Create {
        /// The account (JSON).
        #[arg(long)]
        account: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Import accounts from stdin, one JSON account a line, with
    /// `imported_hash` for the hash of the system they come from (bcrypt,
    /// PBKDF2 and SHA-crypt are wrapped in Argon2id at once). Prints one
    /// result a line and a summary; exit 0 when every line was created, 1
    /// when some were taken or refused (the others are created).
    Import {
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Show an account: its identifiers, state, methods and epoch (never a
    /// hash or a secret). Exit 1 if there is none.
    Show {
        /// The account's id.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
}

pub(crate) fn account(c: AccountCommand) -> Result<u8, Fail> {
    let rng = &mut rand::rng();
    match c {
        AccountCommand::Create { account, engine: a } => {
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let new = NewAccount::from_json(&account)?;
            let lines = read_stdin_lines()?;
            let password = lines.first().filter(|p| !p.is_empty()).map(String::as_str);
            let t = now(a.time);
            let step = varco_store::provision(&e, &*store, &new, password, t, rng).map_err(
                |err| match err {
                    RunError::Taken { .. } => {
                        bad_input("an account or identifier by that name exists")
                    }
                    other => run_fail(other),
                },
            )?;
            let sent = send_and_sweep(&e, &*store, t)?;
            outln!(
                "{}",
                json!({"outcome": step.outcome, "created": new.id, "effects": sent})
            );
            Ok(0)
        }
        AccountCommand::Import { engine: a } => {
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let lines = read_stdin_lines()?;
            let t = now(a.time);
            let (mut created, mut refused) = (0u64, 0u64);
            for (i, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let result = NewAccount::from_json(line)
                    .map_err(RunError::from)
                    .and_then(|new| {
                        varco_store::provision(&e, &*store, &new, None, t, rng).map(|_| new.id)
                    });
                let shown = match result {
                    Ok(id) => {
                        created += 1;
                        json!({"line": i + 1, "created": id})
                    }
                    Err(RunError::Taken { key }) => {
                        refused += 1;
                        json!({"line": i + 1, "taken": key})
                    }
                    Err(RunError::Engine(err)) => {
                        refused += 1;
                        json!({"line": i + 1, "refused": err.code(), "detail": err.to_string()})
                    }
                    Err(other) => return Err(run_fail(other)),
                };
                outln!("{shown}");
            }
            send_and_sweep(&e, &*store, t)?;
            outln!("{}", json!({"created": created, "refused": refused}));
            Ok(u8::from(refused > 0))
        }
        AccountCommand::Show { id, engine: a } => {
            let store = open_store(&a.db)?;
            let key = format!("account/{id}");
            if key.len() > varco_store::MAX_KEY_LEN {
                return Err(bad_input("an account id is at most 64 characters"));
            }
            let Some(row) = store.get(&key).map_err(store_fail)? else {
                outln!("{}", json!({"account": id, "found": false}));
                return Ok(1);
            };
            let stored = Stored::<Account>::from_json(&row.json)?;
            outln!("{}", public_view(&stored));
            Ok(0)
        }
    }
}

/// What `show` prints of an account: no hash, no sealed secret, no code.
fn public_view(stored: &Stored<Account>) -> Value {
    let a = stored.body();
    json!({
        "account": a.id(),
        "found": true,
        "revision": stored.revision(),
        "identifiers": a.identifiers(),
        "mobile": a.mobile(),
        "email": a.email(),
        "password": a.password_hash().is_some(),
        "totp": a.has_totp(),
        "recovery_codes": a.has_recovery_codes(),
        "second_factor": a.second_factor_on(),
        "lifecycle": a.lifecycle(),
        "required_actions": a.required_actions(),
        "epoch": a.epoch(),
    })
}
