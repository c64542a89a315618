//! `varco flow`: the flow engine over a directory of record files, with
//! the host loop of ENGINE §4 run by the command itself. For trying flows
//! and for scripts; one process at a time per directory (a server uses a
//! real store, `varco-store`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::flow::{
    Actor, Command, EngineKeys, Flow, FlowEngine, FlowKind, FlowOutcome, FlowStep, HostFact, Input,
    NewAccount, Records, Requirement, SessionGrant, StartContext, Submit, Then, WriteOp,
};
use varco::keys::KeyRing;
use varco::record::{Expect, Stored};
use zeroize::Zeroizing;

use crate::support::{Fail, bad_input, io_fail, now, read_stdin_lines, write_atomic};

#[derive(Args)]
pub(crate) struct EngineArgs {
    /// The directory that holds the records (one file per key).
    #[arg(long)]
    store: PathBuf,
    /// The engine's keys: one `<role> <id> <hex>` per line, role `codes`,
    /// `sealing`, `decoy` or `pepper`; per role the first is current.
    #[arg(long)]
    keys: PathBuf,
    /// The engine's configuration (JSON); the defaults without it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    time: Option<u64>,
}

#[derive(Subcommand)]
pub(crate) enum FlowCommand {
    /// Create an account: `--account '{"id":"a1","username":"mario",
    /// "mobile":"+39…","second_factor":true}'`; its password from stdin
    /// (an empty stdin: none).
    Provision {
        /// The account (JSON).
        #[arg(long)]
        account: String,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Start a sign-in: prints the flow's key, its client secret and the
    /// first view.
    Start {
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
        /// A step-up instead of a sign-in: the session's grant (the JSON of
        /// a `signed_in` outcome's `grant`), proved again up to `--level`.
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
fn engine(a: &EngineArgs) -> Result<FlowEngine, Fail> {
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

/// The file of a record key: every character but `[A-Za-z0-9._-]` and `/`
/// percent-encoded, `/` a directory.
fn path_of(store: &Path, key: &str) -> Result<PathBuf, Fail> {
    if key.is_empty()
        || key
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err(bad_input(format!(
            "a record key the store cannot hold: {key:?}"
        )));
    }
    let mut s = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(store.join(format!("{s}.json")))
}

fn read(store: &Path, key: &str) -> Result<Option<String>, Fail> {
    let p = path_of(store, key)?;
    match std::fs::read_to_string(&p) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_fail(&p.display().to_string(), e)),
    }
}

fn revision_of(text: &str) -> Option<u64> {
    serde_json::from_str::<Value>(text).ok()?["revision"].as_u64()
}

/// Commits a step's writes: every expectation checked first, then each
/// record written (through a temporary file and a rename). `false` on a
/// conflict.
fn commit(store: &Path, step: &FlowStep) -> Result<bool, Fail> {
    for w in &step.writes {
        let current = read(store, &w.key)?.as_deref().and_then(revision_of);
        let ok = match &w.op {
            WriteOp::Put {
                expect: Expect::Absent,
                ..
            } => current.is_none(),
            WriteOp::Put {
                expect: Expect::Revision { revision },
                ..
            }
            | WriteOp::Assert { revision } => current == Some(*revision),
        };
        if !ok {
            return Ok(false);
        }
    }
    for w in &step.writes {
        if let WriteOp::Put { json, .. } = &w.op {
            let p = path_of(store, &w.key)?;
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io_fail(&dir.display().to_string(), e))?;
            }
            write_atomic(&p, json)?;
        }
    }
    Ok(true)
}

/// The final step as JSON: outcome, view, effects.
fn show(step: &FlowStep, extra: Value) -> Value {
    let mut out = json!({
        "outcome": step.outcome,
        "view": step.view,
        "effects": step.effects,
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }
    out
}

/// The host loop of ENGINE §4 over the store: load the flow and the
/// records asked for, call `call` (with the ticket when repeating), commit,
/// and load / repeat / retry until the step says respond; prints it. Exit
/// status 1 for a refusal or an end.
fn settle(
    store: &Path,
    flow: &str,
    mut call: impl FnMut(&Stored<Flow>, &Records, Option<&str>) -> Result<FlowStep, Fail>,
) -> Result<u8, Fail> {
    let mut keys: Vec<String> = Vec::new();
    let mut ticket: Option<Zeroizing<String>> = None;
    for _ in 0..100 {
        let stored = read(store, flow)?
            .ok_or_else(|| bad_input(format!("no flow {flow:?} in the store")))?;
        let stored = Stored::<Flow>::from_json(&stored)?;
        let mut records = Records::new();
        for k in &keys {
            records.insert(k.clone(), read(store, k)?);
        }
        let step = call(&stored, &records, ticket.as_deref().map(String::as_str))?;
        if !commit(store, &step)? {
            continue;
        }
        match &step.then {
            Then::Respond => {
                outln!("{}", show(&step, json!({})));
                return Ok(match step.outcome {
                    FlowOutcome::Rejected { .. }
                    | FlowOutcome::Ended { .. }
                    | FlowOutcome::Blocked { .. } => 1,
                    _ => 0,
                });
            }
            Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            Then::CommitAndRepeat { ticket: t } => {
                ticket = Some(Zeroizing::new(t.expose().to_owned()));
            }
        }
    }
    Err(bad_input("the flow did not settle"))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    client_secret: varco::SecretString,
    token: String,
    input: Input,
}

pub(crate) fn flow(c: FlowCommand) -> Result<u8, Fail> {
    let rng = &mut rand::rng();
    match c {
        FlowCommand::Provision { account, engine: a } => {
            let e = engine(&a)?;
            let new = NewAccount::from_json(&account)?;
            let lines = read_stdin_lines()?;
            let password = lines.first().filter(|p| !p.is_empty()).map(String::as_str);
            let step = e.provision(&new, password, now(a.time), rng)?;
            if !commit(&a.store, &step)? {
                return Err(bad_input("an account or identifier by that name exists"));
            }
            outln!("{}", show(&step, json!({})));
            Ok(0)
        }
        FlowCommand::Start {
            source,
            device,
            place,
            remember_device,
            grant,
            level,
            engine: a,
        } => {
            let e = engine(&a)?;
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
            let started = match grant {
                None => e.start(FlowKind::Login, &ctx, now(a.time), rng)?,
                Some(g) => {
                    let required = Requirement {
                        max_age: None,
                        level,
                    };
                    let grant = SessionGrant::from_json(&g)?;
                    e.start_from_grant(FlowKind::StepUp, &grant, &required, &ctx, now(a.time), rng)?
                }
            };
            commit(&a.store, &started.step)?;
            let extra = json!({
                "flow_key": started.flow_key,
                "client_secret": started.client_secret.expose(),
            });
            outln!("{}", show(&started.step, extra));
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
            let grant = SessionGrant::from_json(&grant)?;
            let key = grant.account_key();
            let Some(text) = read(&a.store, &key)? else {
                outln!("{}", json!({"check": "revoked"}));
                return Ok(1);
            };
            let account = Stored::<varco::account::Account>::from_json(&text)?;
            let required = Requirement {
                max_age: max_age.map(std::time::Duration::from_secs),
                level,
            };
            let check = grant.check(&account, now(a.time), &required);
            outln!("{}", json!({"check": check.as_str()}));
            Ok(u8::from(check != varco::flow::SessionCheck::Valid))
        }
        FlowCommand::Advance { flow, engine: a } => {
            let e = engine(&a)?;
            let lines = read_stdin_lines()?;
            let text = Zeroizing::new(lines.join("\n"));
            let req: Request =
                serde_json::from_str(&text).map_err(|err| bad_input(format!("stdin: {err}")))?;
            settle(&a.store, &flow, |stored, records, ticket| {
                let submit = Submit {
                    client_secret: req.client_secret.expose(),
                    token: &req.token,
                    input: &req.input,
                    ticket,
                };
                Ok(e.advance(stored, &submit, records, now(a.time), rng)?)
            })
        }
        FlowCommand::Answer {
            flow,
            token,
            fact,
            engine: a,
        } => {
            let e = engine(&a)?;
            let fact = HostFact::from_json(&fact)?;
            settle(&a.store, &flow, |stored, records, _| {
                Ok(e.answer(stored, &token, &fact, records, now(a.time), rng)?)
            })
        }
        FlowCommand::Command {
            actor,
            command,
            engine: a,
        } => {
            let e = engine(&a)?;
            let actor = Actor::from_json(&actor)?;
            let command = Command::from_json(&command)?;
            let id = command.account().to_owned();
            let mut records = Records::new();
            for k in [format!("account/{id}"), format!("guard/{id}")] {
                let r = read(&a.store, &k)?;
                records.insert(k, r);
            }
            let step = e.command(&actor, &command, &records, now(a.time))?;
            if !commit(&a.store, &step)? {
                return Err(bad_input(
                    "the account changed meanwhile: run the command again",
                ));
            }
            outln!("{}", show(&step, json!({})));
            Ok(0)
        }
    }
}
