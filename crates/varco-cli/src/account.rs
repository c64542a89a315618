//! `varco account`: the account lifecycle on a saved record file.

use clap::{Args, Subcommand};
use varco::account::{Lifecycle, LifecycleEvent, LifecycleOutcome};
use varco::record::Stored;
use varco::step::RecordStep;

use crate::support::{Fail, bad_input, io_fail, now, write_atomic};

#[derive(Args)]
pub(crate) struct AccountArgs {
    /// The account's lifecycle record (JSON).
    #[arg(long)]
    state: std::path::PathBuf,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Create a new account's record, waiting for activation (the file must
    /// not exist).
    Create {
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Apply an event, given as JSON: `{"event":"activate"}`,
    /// `{"event":"operator_block","operator":"op-7","reason":"fraud"}`, ...
    /// An event not legal in the state changes nothing (exit 3).
    Apply {
        /// The event.
        #[arg(long)]
        event: String,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Record a sign-in (resets the inactivity clock).
    Activity {
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Make an active account dormant after this many days without a
    /// sign-in; otherwise nothing changes.
    Inactivity {
        /// Days without a sign-in.
        #[arg(long, default_value_t = 180)]
        days: u32,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Show the state.
    Show {
        #[command(flatten)]
        account: AccountArgs,
    },
}

fn load(a: &AccountArgs) -> Result<Stored<Lifecycle>, Fail> {
    let text = std::fs::read_to_string(&a.state)
        .map_err(|e| io_fail(&a.state.display().to_string(), e))?;
    Ok(Stored::<Lifecycle>::from_json(&text)?)
}

fn show(outcome: &LifecycleOutcome, revision: u64, json_out: bool) {
    if json_out {
        let mut v = serde_json::to_value(outcome).unwrap_or_default();
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("revision".into(), revision.into());
        }
        outln!("{v}");
    } else {
        outln!(
            "state: {} ({})",
            outcome.state.as_str(),
            if outcome.can_authenticate {
                "can sign in"
            } else {
                "cannot sign in"
            }
        );
    }
}

pub(crate) fn account(c: AccountCommand) -> Result<u8, Fail> {
    let (a, step): (&AccountArgs, RecordStep<LifecycleOutcome, Lifecycle>) = match &c {
        AccountCommand::Create { account } => {
            if account.state.exists() {
                return Err(bad_input(format!(
                    "{} exists: create never replaces a record",
                    account.state.display()
                )));
            }
            (account, Lifecycle::create(now(account.time))?)
        }
        AccountCommand::Apply { event, account } => {
            let event = LifecycleEvent::from_json(event)?;
            (account, load(account)?.apply(&event, now(account.time))?)
        }
        AccountCommand::Activity { account } => {
            (account, load(account)?.record_activity(now(account.time))?)
        }
        AccountCommand::Inactivity { days, account } => {
            let after = std::time::Duration::from_secs(u64::from(*days) * 86_400);
            let current = load(account)?;
            (account, current.check_inactivity(after, now(account.time))?)
        }
        AccountCommand::Show { account } => {
            let current = load(account)?;
            let outcome = LifecycleOutcome::of(current.body().state());
            show(&outcome, current.revision(), account.json);
            return Ok(0);
        }
    };
    let revision = match &step.writes {
        Some(w) => {
            write_atomic(&a.state, &w.record.to_json())?;
            w.record.revision()
        }
        None => load(a)?.revision(),
    };
    show(&step.outcome, revision, a.json);
    Ok(0)
}
