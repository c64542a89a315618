//! `varco lifecycle`: the account lifecycle on a saved record file.

use clap::{Args, Subcommand};
use varco::account::{Lifecycle, LifecycleEvent, LifecycleOutcome};
use varco::record::Stored;
use varco::step::RecordStep;

use crate::support::{Fail, bad_input, io_fail, lock_state, now, write_atomic};

#[derive(Args)]
pub(crate) struct LifecycleArgs {
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
pub(crate) enum LifecycleCommand {
    /// Create a new account's record, waiting for activation (the file must
    /// not exist).
    Create {
        #[command(flatten)]
        account: LifecycleArgs,
    },
    /// Apply an event, given as JSON: `{"event":"activate"}`,
    /// `{"event":"operator_block","operator":"op-7","reason":"fraud"}`, ...
    /// An event not legal in the state changes nothing (exit 3).
    Apply {
        /// The event.
        #[arg(long)]
        event: String,
        #[command(flatten)]
        account: LifecycleArgs,
    },
    /// Record a sign-in (resets the inactivity clock).
    Activity {
        #[command(flatten)]
        account: LifecycleArgs,
    },
    /// Make an active account dormant after this many days without a
    /// sign-in; otherwise nothing changes.
    Inactivity {
        /// Days without a sign-in.
        #[arg(long, default_value_t = 180)]
        days: u32,
        #[command(flatten)]
        account: LifecycleArgs,
    },
    /// Show the state.
    Show {
        #[command(flatten)]
        account: LifecycleArgs,
    },
}

fn load(a: &LifecycleArgs) -> Result<Stored<Lifecycle>, Fail> {
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

pub(crate) fn lifecycle(c: LifecycleCommand) -> Result<u8, Fail> {
    let _lock = lock_state(match &c {
        LifecycleCommand::Create { account }
        | LifecycleCommand::Apply { account, .. }
        | LifecycleCommand::Activity { account }
        | LifecycleCommand::Inactivity { account, .. }
        | LifecycleCommand::Show { account } => &account.state,
    })?;
    let (a, step): (&LifecycleArgs, RecordStep<LifecycleOutcome, Lifecycle>) = match &c {
        LifecycleCommand::Create { account } => {
            if account.state.exists() {
                return Err(bad_input(format!(
                    "{} exists: create never replaces a record",
                    account.state.display()
                )));
            }
            (account, Lifecycle::create(now(account.time))?)
        }
        LifecycleCommand::Apply { event, account } => {
            let event = LifecycleEvent::from_json(event)?;
            (account, load(account)?.apply(&event, now(account.time))?)
        }
        LifecycleCommand::Activity { account } => {
            (account, load(account)?.record_activity(now(account.time))?)
        }
        LifecycleCommand::Inactivity { days, account } => {
            let after = std::time::Duration::from_secs(u64::from(*days) * 86_400);
            let current = load(account)?;
            (account, current.check_inactivity(after, now(account.time))?)
        }
        LifecycleCommand::Show { account } => {
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
