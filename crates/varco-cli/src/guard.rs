//! `varco guard`: attempt budgets and lockout, on a saved state file or
//! on an account's guard in the database the flows use.

use crate::place::Place;
use crate::support::{Fail, bad_input, io_fail, now};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::Timestamp;
use varco::guard::{AccountGuard, Admission, Attempt, Factor, GuardPolicies, Unlock};
use varco::record::Stored;
use varco::step::Write;

#[derive(Args, Clone)]
pub(crate) struct GuardArgs {
    /// The account's guard state (JSON); created if it does not exist.
    #[arg(long, required_unless_present = "db", conflicts_with = "db")]
    state: Option<std::path::PathBuf>,
    /// Instead of a file: the database the flows keep their records in (a
    /// SQLite file or a PostgreSQL connection string), with `--account`:
    /// the guard the sign-ins of that account count in. Each change is a
    /// compare-and-swap, retried on conflict.
    #[arg(long, requires = "account")]
    db: Option<String>,
    /// The account whose guard `--db` holds (`guard/<account>`).
    #[arg(long, requires = "db")]
    account: Option<String>,
    /// Lockout policies (JSON, the form of `varco guard policy`); defaults otherwise.
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// password, second_factor or recovery.
    #[arg(long, default_value = "password")]
    factor: String,
    /// The device id, if the host knows one.
    #[arg(long)]
    device: Option<String>,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub(crate) enum GuardCommand {
    /// Record a failed attempt (if the guard allowed it); exit 0 if it was
    /// allowed and counted, 1 if refused (the file is then unchanged).
    Fail {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Record a successful attempt (counted first, then cleared, as a host
    /// does it); exit 1 if the guard refuses the attempt.
    Succeed {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Trust --device from now on: after a full sign-in (every factor).
    Trust {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Show what the guard would decide now, per factor; exit 0 if the
    /// chosen factor is allowed, 1 if not.
    Status {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Lift locks: `--by recovery` (the password's and recovery's) or
    /// `--by operator:<id>` (every lock).
    Unlock {
        /// Who unlocks.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Print the default policies as JSON, to edit and pass with --policy.
    Policy,
}

type Guard = Stored<AccountGuard>;

fn policies(a: &GuardArgs) -> Result<GuardPolicies, Fail> {
    Ok(match &a.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_fail(&path.display().to_string(), e))?;
            GuardPolicies::from_json(&text)?
        }
        None => GuardPolicies::default(),
    })
}

fn guard_of(text: Option<&str>) -> Result<Guard, Fail> {
    Ok(match text {
        Some(t) => Guard::from_json(t)?,
        None => Stored::new(AccountGuard::new()),
    })
}

fn admission_json(a: &Admission<Attempt>) -> Value {
    match a {
        Admission::Allowed { .. } => json!({"decision": "allow"}),
        Admission::StepUp { reason } => json!({"decision": "step_up", "reason": reason}),
        Admission::Locked { until, reason } => {
            json!({"decision": "locked", "until": until, "reason": reason})
        }
    }
}

fn guard_report(
    g: &Guard,
    p: &GuardPolicies,
    factor: Factor,
    device: Option<&str>,
    now: Timestamp,
) -> Result<Value, Fail> {
    let mut factors = serde_json::Map::new();
    for f in Factor::ALL {
        let c = g.body().counter(f);
        let a = g.begin(p, f, device, now)?.outcome;
        factors.insert(
            f.as_str().to_owned(),
            json!({"consecutive": c.consecutive(), "permanent": c.is_permanently_locked(), "decision": admission_json(&a)}),
        );
    }
    Ok(json!({
        "factor": factor,
        "decision": admission_json(&g.begin(p, factor, device, now)?.outcome),
        "trusted_device": device.map(|d| g.body().is_trusted(d)),
        "revision": g.revision(),
        "factors": factors,
    }))
}

fn print_guard(v: &Value, json_out: bool) {
    if json_out {
        outln!("{v}");
    } else {
        let d = &v["decision"];
        outln!(
            "decision: {}{}",
            d["decision"].as_str().unwrap_or("?"),
            d["until"]
                .as_u64()
                .map(|u| format!(" until {u} ms"))
                .unwrap_or_default()
        );
        if let Some(f) = v["factors"].as_object() {
            for (name, x) in f {
                let n = x["consecutive"].as_u64().unwrap_or(0);
                outln!(
                    "  {name}: {n} consecutive {}{}",
                    if n == 1 { "failure" } else { "failures" },
                    if x["permanent"] == true {
                        ", locked for good"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

/// The unlock a `--by` value names.
fn unlock_by(by: &str) -> Result<Unlock, Fail> {
    match by {
        "recovery" => Ok(Unlock::Recovery),
        other => match other.strip_prefix("operator:") {
            Some(id) if !id.is_empty() => Ok(Unlock::Operator {
                operator: id.to_owned(),
            }),
            _ => Err(bad_input("--by takes recovery or operator:<id>")),
        },
    }
}

pub(crate) fn guard(c: GuardCommand) -> Result<u8, Fail> {
    let (a, unlock) = match c {
        GuardCommand::Policy => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&GuardPolicies::default()).unwrap_or_default()
            );
            return Ok(0);
        }
        GuardCommand::Unlock { ref by, ref guard } => (guard.clone(), Some(unlock_by(by)?)),
        GuardCommand::Fail { ref guard }
        | GuardCommand::Succeed { ref guard }
        | GuardCommand::Trust { ref guard }
        | GuardCommand::Status { ref guard } => (guard.clone(), None),
    };
    let p = policies(&a)?;
    let factor: Factor = a.factor.parse()?;
    let device = a.device.as_deref();
    let t = now(a.time);
    let decide = |g: &Guard| -> Result<(Option<Write<AccountGuard>>, u8), Fail> {
        Ok(match (&c, &unlock) {
            (_, Some(by)) => (g.unlock(by, t)?.writes, 0),
            (GuardCommand::Fail { .. }, None) => {
                let step = g.begin(&p, factor, device, t)?;
                let code = if step.writes.is_some() { 0 } else { 1 };
                (step.writes, code)
            }
            (GuardCommand::Succeed { .. }, None) => {
                let step = g.begin(&p, factor, device, t)?;
                match (step.outcome.attempt().cloned(), step.writes) {
                    (Some(attempt), Some(w)) => (w.record.succeed(&attempt, t)?.writes, 0),
                    _ => (None, 1),
                }
            }
            (GuardCommand::Trust { .. }, None) => {
                let device = device.ok_or_else(|| bad_input("trust needs --device"))?;
                (g.trust_device(device, t)?.writes, 0)
            }
            _ => {
                let allowed = g.begin(&p, factor, device, t)?.writes.is_some();
                (None, if allowed { 0 } else { 1 })
            }
        })
    };
    let place = Place::of(
        a.state.clone(),
        a.db.as_deref(),
        a.account.as_ref().map(|id| format!("guard/{id}")),
    )?;
    let (g, next, code) = place.update(|text| {
        let g = guard_of(text)?;
        let (next, code) = decide(&g)?;
        Ok((next.clone(), (g, next, code)))
    })?;
    let shown = next.as_ref().map_or(&g, |w| &w.record);
    print_guard(&guard_report(shown, &p, factor, device, t)?, a.json);
    Ok(code)
}
