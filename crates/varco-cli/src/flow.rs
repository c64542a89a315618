//! `varco flow`: the flow engine over a store (SQLite by default,
//! PostgreSQL by connection string), with the host loop of ENGINE §4 run
//! by `varco-store`. Parallel invocations on one database are safe: every
//! commit is a compare-and-swap in one transaction. Each command then acts
//! as the outbox's sender (it prints the effects it takes out, with their
//! idempotency keys) and sweeps what has expired.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::Timestamp;
use varco::flow::{
    Actor, Command, EngineKeys, FlowEngine, FlowKind, FlowOutcome, FlowStep, HostFact, Input,
    Requirement, SessionGrant, StartContext,
};
use varco::keys::KeyRing;
use varco::record::Stored;
use varco_store::{Request, RunError, Store, StoreError};
use zeroize::Zeroizing;

use crate::support::{Fail, bad_input, io_fail, now, read_stdin_lines};

#[derive(Args)]
pub(crate) struct EngineArgs {
    /// The database: a SQLite file (created if missing), or a PostgreSQL
    /// connection string (`host=… dbname=…` or `postgres://…`).
    #[arg(long, env = "VARCO_DB", default_value = "varco.db")]
    pub(crate) db: String,
    /// The engine's keys: one `<role> <id> <hex>` per line, role `codes`,
    /// `sealing`, `decoy` or `pepper`; per role the first is current.
    #[arg(long, env = "VARCO_KEYS")]
    pub(crate) keys: std::path::PathBuf,
    /// The engine's configuration (JSON); the defaults without it.
    #[arg(long)]
    pub(crate) config: Option<std::path::PathBuf>,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    pub(crate) time: Option<u64>,
}

#[derive(Subcommand)]
pub(crate) enum FlowCommand {
    /// Start a flow (a sign-in by default): prints the flow's key, its
    /// client secret and the first view.
    Start {
        /// What the flow is for: `login`, `password_reset`; with `--grant`,
        /// `step_up` (the default there), `password_change`,
        /// `recovery_mobile`.
        #[arg(long)]
        kind: Option<String>,
        /// The request's address (it has a failure budget of its own).
        #[arg(long)]
        source: Option<String>,
        /// The device's id.
        #[arg(long)]
        device: Option<String>,
        /// Where the request comes from (JSON: `{"kind":"country","code":"IT"}`).
        #[arg(long)]
        place: Option<String>,
        /// Trust the device after a full sign-in (`trusted_device_days`).
        #[arg(long)]
        remember_device: bool,
        /// A flow from a session instead of a sign-in: the session's grant
        /// (the JSON of a `signed_in` outcome's `grant`); a step-up proves
        /// it again up to `--level`.
        #[arg(long)]
        grant: Option<String>,
        /// The level a step-up reaches: 1 (the password), 2 (a second
        /// factor too).
        #[arg(long, default_value_t = 2, requires = "grant")]
        level: u8,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Whether a session grant still holds for its stored account: prints
    /// `valid`, `revoked` or `step_up` (too old for `--max-age`, or below
    /// `--level`); exits 0 only for `valid`.
    Check {
        /// The grant (JSON).
        #[arg(long)]
        grant: String,
        /// The oldest sign-in accepted, in seconds.
        #[arg(long)]
        max_age: Option<u64>,
        /// The level asked: 1 or 2.
        #[arg(long, default_value_t = 1)]
        level: u8,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// One input to a flow, from stdin as JSON:
    /// `{"client_secret":…,"token":…,"input":{"input":"password","password":…}}`.
    /// Prints the outcome, the view and the effects (messages hold codes).
    Advance {
        /// The flow's key (`flow/<id>`).
        #[arg(long)]
        flow: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// A fact only the host knows, about the view whose step token is
    /// `--token`: `--fact '{"fact":"captcha","passed":true}'` or
    /// `'{"fact":"delivery_failed"}'`. Prints the outcome and the view.
    Answer {
        /// The flow's key (`flow/<id>`).
        #[arg(long)]
        flow: String,
        /// The step token of the view the fact is about.
        #[arg(long)]
        token: String,
        /// The fact (JSON).
        #[arg(long)]
        fact: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// A command: `--actor '{"actor":"operator","id":"op-7"}'` and
    /// `--command '{"command":"block","account":"a1","reason":"…"}'`.
    Command {
        /// Who (JSON).
        #[arg(long)]
        actor: String,
        /// What (JSON).
        #[arg(long)]
        command: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
}

/// The engine of a key file and a configuration file.
pub(crate) fn engine(a: &EngineArgs) -> Result<FlowEngine, Fail> {
    let text = Zeroizing::new(
        std::fs::read_to_string(&a.keys).map_err(|e| io_fail(&a.keys.display().to_string(), e))?,
    );
    let mut roles: [Vec<(&str, Vec<u8>)>; 4] = Default::default();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split_whitespace();
        let (Some(role), Some(id), Some(hex), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad_input("a key line is `<role> <id> <hex>`"));
        };
        let slot = match role {
            "codes" => 0,
            "sealing" => 1,
            "decoy" => 2,
            "pepper" => 3,
            _ => return Err(bad_input(format!("unknown key role {role:?}"))),
        };
        let secret = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.as_bytes())
            .map_err(|_| bad_input("a key is hex digits"))?;
        roles[slot].push((id, secret));
    }
    let [codes, sealing, decoy, peppers] = roles;
    let keys = EngineKeys {
        codes: KeyRing::from_list(codes)?,
        sealing: KeyRing::from_list(sealing)?,
        decoy: KeyRing::from_list(decoy)?,
        peppers: if peppers.is_empty() {
            None
        } else {
            Some(KeyRing::from_list(peppers)?)
        },
    };
    let config = match &a.config {
        Some(p) => std::fs::read_to_string(p).map_err(|e| io_fail(&p.display().to_string(), e))?,
        None => "{}".to_owned(),
    };
    Ok(FlowEngine::from_json(&config, keys)?)
}

/// Opens the store `--db` names: a PostgreSQL connection string, or a
/// SQLite file ([`varco_store::open`]).
pub(crate) fn open_store(db: &str) -> Result<Box<dyn Store>, Fail> {
    varco_store::open(db).map_err(store_fail)
}

pub(crate) fn store_fail(e: StoreError) -> Fail {
    Fail {
        code: 4,
        message: format!("store: {e}"),
    }
}

pub(crate) fn run_fail(e: RunError) -> Fail {
    match e {
        RunError::Engine(e) => e.into(),
        RunError::Store(e) => store_fail(e),
        RunError::UnknownFlow => bad_input("no such flow in the store (never started, or expired)"),
        RunError::Taken { key } => bad_input(format!("taken already: {key}")),
        other => Fail {
            code: 4,
            message: other.to_string(),
        },
    }
}

/// The outbox's sender for the CLI: takes out every due row, prints its
/// effects (each with its idempotency key) by returning them, deletes the
/// row. Then sweeps what has expired.
pub(crate) fn send_and_sweep(
    e: &FlowEngine,
    store: &dyn Store,
    now: Timestamp,
) -> Result<Vec<Value>, Fail> {
    let mut sent = Vec::new();
    loop {
        let done = varco_store::deliver(e, store, now, Duration::from_secs(60), 100, |d| {
            let mut v = serde_json::to_value(d.effect).map_err(|_| ())?;
            if let Value::Object(o) = &mut v {
                o.insert("idempotency_key".into(), json!(d.idempotency_key));
            }
            sent.push(v);
            Ok::<(), ()>(())
        })
        .map_err(store_fail)?;
        if done.rows + done.failed + done.unreadable < 100 {
            break;
        }
    }
    varco_store::sweep(store, now).map_err(store_fail)?;
    Ok(sent)
}

/// The final step as JSON: outcome, view, and the effects sent.
fn show(step: &FlowStep, effects: Vec<Value>, extra: Value) -> Value {
    let mut out = json!({
        "outcome": step.outcome,
        "view": step.view,
        "effects": effects,
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }
    out
}

/// Exit status 1 for a refusal or an end, 0 otherwise.
fn status(step: &FlowStep) -> u8 {
    match step.outcome {
        FlowOutcome::Rejected { .. } | FlowOutcome::Ended { .. } | FlowOutcome::Blocked { .. } => 1,
        _ => 0,
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    client_secret: varco::SecretString,
    token: String,
    input: Input,
}

pub(crate) fn flow(c: FlowCommand) -> Result<u8, Fail> {
    let rng = &mut rand::rng();
    match c {
        FlowCommand::Start {
            source,
            device,
            kind,
            place,
            remember_device,
            grant,
            level,
            engine: a,
        } => {
            let kind = kind.as_deref().map(str::parse::<FlowKind>).transpose()?;
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let place = place
                .as_deref()
                .map(varco::guard::Place::from_json)
                .transpose()?;
            let ctx = StartContext {
                source,
                device,
                place,
                remember_device,
            };
            let t = now(a.time);
            let started = match grant {
                None => {
                    let kind = kind.unwrap_or(FlowKind::Login);
                    varco_store::start(&e, &*store, kind, &ctx, t, rng).map_err(run_fail)?
                }
                Some(g) => {
                    let required = Requirement::new(None, level)?;
                    let grant = SessionGrant::from_json(&g)?;
                    let kind = kind.unwrap_or(FlowKind::StepUp);
                    varco_store::start_from_grant(
                        &e, &*store, kind, &grant, &required, &ctx, t, rng,
                    )
                    .map_err(run_fail)?
                }
            };
            let sent = send_and_sweep(&e, &*store, t)?;
            let extra = json!({
                "flow_key": started.flow_key,
                "client_secret": started.client_secret.expose(),
            });
            outln!("{}", show(&started.step, sent, extra));
            Ok(0)
        }
        FlowCommand::Check {
            grant,
            max_age,
            level,
            engine: a,
        } => {
            if !(1..=2).contains(&level) {
                return Err(bad_input("--level is 1 or 2"));
            }
            let store = open_store(&a.db)?;
            let grant = SessionGrant::from_json(&grant)?;
            let key = grant.account_key();
            let Some(row) = store.get(&key).map_err(store_fail)? else {
                outln!("{}", json!({"check": "revoked"}));
                return Ok(1);
            };
            let account = Stored::<varco::account::Account>::from_json(&row.json)?;
            let required = Requirement::new(max_age.map(Duration::from_secs), level)?;
            let check = grant.check(&account, now(a.time), &required);
            outln!("{}", json!({"check": check.as_str()}));
            Ok(u8::from(check != varco::flow::SessionCheck::Valid))
        }
        FlowCommand::Advance { flow, engine: a } => {
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let lines = read_stdin_lines()?;
            let text = Zeroizing::new(lines.join("\n"));
            let sub: Submission =
                serde_json::from_str(&text).map_err(|err| bad_input(format!("stdin: {err}")))?;
            let request = Request {
                flow_key: &flow,
                client_secret: sub.client_secret.expose(),
                token: &sub.token,
                input: &sub.input,
            };
            let t = now(a.time);
            let ran = varco_store::run(&e, &*store, &request, t, rng).map_err(run_fail)?;
            let sent = send_and_sweep(&e, &*store, t)?;
            outln!("{}", show(&ran.step, sent, json!({})));
            Ok(status(&ran.step))
        }
        FlowCommand::Answer {
            flow,
            token,
            fact,
            engine: a,
        } => {
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let fact = HostFact::from_json(&fact)?;
            let t = now(a.time);
            let ran = varco_store::answer(&e, &*store, &flow, Some(&token), &fact, t, rng)
                .map_err(run_fail)?;
            let sent = send_and_sweep(&e, &*store, t)?;
            outln!("{}", show(&ran.step, sent, json!({})));
            Ok(status(&ran.step))
        }
        FlowCommand::Command {
            actor,
            command,
            engine: a,
        } => {
            let e = engine(&a)?;
            let store = open_store(&a.db)?;
            let actor = Actor::from_json(&actor)?;
            let command = Command::from_json(&command)?;
            let t = now(a.time);
            let ran =
                varco_store::command(&e, &*store, &actor, &command, t, rng).map_err(run_fail)?;
            let step = ran.step;
            let sent = send_and_sweep(&e, &*store, t)?;
            outln!("{}", show(&step, sent, json!({})));
            Ok(0)
        }
    }
}
