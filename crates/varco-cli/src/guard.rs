//! `varco guard`: attempt budgets and lockout on a saved state file.

use crate::support::{Fail, bad_input, io_fail, now, write_atomic};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::Timestamp;
use varco::guard::{AccountGuard, Decision, Factor, GuardPolicies, Unlock};

#[derive(Args)]
pub(crate) struct GuardArgs {
    /// The account's guard state (JSON); created if it does not exist.
    #[arg(long)]
    state: std::path::PathBuf,
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
    /// allowed and counted, 1 if refused.
    Fail {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Record a successful attempt: clears the factor, trusts the device.
    Succeed {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Show what the guard would decide now, per factor; exit 0 if the
    /// chosen factor is allowed, 1 if not.
    Status {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Lift every lock: `--by recovery` or `--by operator:<id>`.
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

fn parse_factor(s: &str) -> Result<Factor, Fail> {
    match s.to_ascii_lowercase().replace('-', "_").as_str() {
        "password" => Ok(Factor::Password),
        "second_factor" | "2fa" | "otp" => Ok(Factor::SecondFactor),
        "recovery" => Ok(Factor::Recovery),
        other => Err(bad_input(format!(
            "unknown factor {other:?} (password, second_factor, recovery)"
        ))),
    }
}

fn load_guard(a: &GuardArgs) -> Result<(AccountGuard, GuardPolicies), Fail> {
    let guard = match std::fs::read_to_string(&a.state) {
        Ok(text) => AccountGuard::from_json(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => AccountGuard::new(),
        Err(e) => return Err(io_fail(&a.state.display().to_string(), e)),
    };
    let policies = match &a.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_fail(&path.display().to_string(), e))?;
            let p: GuardPolicies =
                serde_json::from_str(&text).map_err(|e| bad_input(format!("policy file: {e}")))?;
            p.validate()?;
            p
        }
        None => GuardPolicies::default(),
    };
    Ok((guard, policies))
}

fn decision_json(d: Decision) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn guard_report(
    g: &AccountGuard,
    p: &GuardPolicies,
    factor: Factor,
    device: Option<&str>,
    now: Timestamp,
) -> Value {
    let factors: serde_json::Map<String, Value> = [Factor::Password, Factor::SecondFactor, Factor::Recovery]
        .into_iter()
        .map(|f| {
            let c = g.counter(f);
            let d = g.begin(p, f, device, now).decision;
            let name = serde_json::to_value(f).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            (name, json!({"consecutive": c.consecutive(), "permanent": c.is_permanently_locked(), "decision": decision_json(d)}))
        })
        .collect();
    json!({
        "factor": factor,
        "decision": decision_json(g.begin(p, factor, device, now).decision),
        "trusted_device": device.map(|d| g.is_trusted(d)),
        "revision": g.revision(),
        "factors": factors,
    })
}

fn print_guard(v: &Value, json_out: bool) {
    if json_out {
        println!("{v}");
    } else {
        let d = &v["decision"];
        println!(
            "decision: {}{}",
            d["decision"].as_str().unwrap_or("?"),
            d["until"]
                .as_u64()
                .map(|u| format!(" until {u} ms"))
                .unwrap_or_default()
        );
        if let Some(f) = v["factors"].as_object() {
            for (name, x) in f {
                println!(
                    "  {name}: {} consecutive failures{}",
                    x["consecutive"],
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

pub(crate) fn guard(c: GuardCommand) -> Result<u8, Fail> {
    let (a, action) = match c {
        GuardCommand::Policy => {
            println!(
                "{}",
                serde_json::to_string_pretty(&GuardPolicies::default()).unwrap_or_default()
            );
            return Ok(0);
        }
        GuardCommand::Fail { guard } => (guard, "fail".to_owned()),
        GuardCommand::Succeed { guard } => (guard, "succeed".to_owned()),
        GuardCommand::Status { guard } => (guard, "status".to_owned()),
        GuardCommand::Unlock { by, guard } => (guard, format!("unlock:{by}")),
    };
    let (g, p) = load_guard(&a)?;
    let factor = parse_factor(&a.factor)?;
    let device = a.device.as_deref();
    let t = now(a.time);
    let (next, code) = match action.as_str() {
        "fail" => {
            let step = g.begin(&p, factor, device, t);
            let allowed = step.decision == Decision::Allow;
            let next = if allowed {
                step.guard.failed(factor, device, t).guard
            } else {
                step.guard
            };
            (Some(next), if allowed { 0 } else { 1 })
        }
        "succeed" => (Some(g.succeed(factor, device, t).guard), 0),
        "status" => {
            let allowed = g.begin(&p, factor, device, t).decision == Decision::Allow;
            (None, if allowed { 0 } else { 1 })
        }
        unlock => {
            let by = match unlock.trim_start_matches("unlock:") {
                "recovery" => Unlock::Recovery,
                other => match other.strip_prefix("operator:") {
                    Some(id) if !id.is_empty() => Unlock::Operator {
                        operator: id.to_owned(),
                    },
                    _ => return Err(bad_input("--by takes recovery or operator:<id>")),
                },
            };
            (Some(g.unlock(&by, t).guard), 0)
        }
    };
    let shown = next.as_ref().unwrap_or(&g);
    if let Some(n) = &next {
        write_atomic(&a.state, &n.to_json())?;
    }
    print_guard(&guard_report(shown, &p, factor, device, t), a.json);
    Ok(code)
}
