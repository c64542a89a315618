//! The shared scenario (`bindings/scenarios/scenario.tsv`), run against the
//! core. C, Kotlin and Python run the same file through their bindings and
//! must get the same results.

use serde_json::Value;
use varco::Timestamp;
use varco::account::{IdentifierKind, IdentifierRules, Lifecycle, LifecycleEvent, LookupKey};
use varco::effect::Effect;
use varco::guard::{AccountGuard, Attempt, DestinationBudget, GuardPolicies, Unlock};
use varco::hash::{HashParams, PasswordHasher};
use varco::otp::{
    Challenge, CodeKeys, DeliveryConfig, DeliveryWrites, Destination, OtpSecret, Purpose,
    TotpConfig, TotpCredential,
};
use varco::policy::{Context, PasswordPolicy};
use varco::record::{Expect, Stored};
use varco::seal::{Sealed, SealingKeys};
use varco::validate::{Field, ValidationRules, check};

#[path = "support/host.rs"]
mod host;

const SCENARIO: &str = include_str!("../bindings/scenarios/scenario.tsv");

/// The engine the scenario's flow lines use, its store and its flows.
struct Flows {
    engine: varco::flow::FlowEngine,
    store: host::Store,
    flows: std::collections::HashMap<String, (String, String)>,
}

/// A flow step's outcome as the scenario writes it.
fn outcome_summary(o: &varco::flow::FlowOutcome) -> String {
    use varco::flow::FlowOutcome as O;
    match o {
        O::Rejected { reason } => format!("rejected:{}", reason.as_str()),
        O::CodeSent { channel, sent } => format!(
            "code_sent:{}:{}",
            channel.as_str(),
            if *sent { "sent" } else { "not_sent" }
        ),
        O::SignedIn { grant } => format!("signed_in:{}", grant.level),
        O::Blocked { cause } => format!("blocked:{}", cause.as_str()),
        O::Ended { reason } => format!("ended:{}", reason.as_str()),
        O::Applied { state } => format!("applied:{}", state.as_str()),
        O::AwaitingHost { question } => format!("awaiting_host:{}", question.as_str()),
        O::Done { done, .. } => format!("done:{}", done.as_str()),
        o => o.as_str().to_owned(),
    }
}

/// A view as the scenario writes it.
fn view_summary(v: &varco::flow::View) -> String {
    match v.error {
        Some(e) => format!("{}:{}", v.screen.as_str(), e.as_str()),
        None => v.screen.as_str().to_owned(),
    }
}

/// Every code sent so far, oldest first (a message with a link carries
/// none: its token's digits are not a code).
fn codes_sent(store: &host::Store) -> Vec<String> {
    store
        .outbox
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .filter_map(|e| match e {
            Effect::SendSms { text, .. } | Effect::SendEmail { body: text, .. }
                if !text.contains("token=") =>
            {
                text.split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() >= 6)
                    .map(str::to_owned)
            }
            _ => None,
        })
        .collect()
}

/// The token of the last link sent (`…&token=<64 hex digits>`).
fn last_link(store: &host::Store) -> String {
    let outbox = store.outbox.lock().unwrap();
    outbox
        .iter()
        .flatten()
        .rev()
        .find_map(|e| match e {
            Effect::SendEmail { body: text, .. } | Effect::SendSms { text, .. } => text
                .split_once("token=")
                .map(|(_, t)| t.chars().take_while(char::is_ascii_hexdigit).collect()),
            _ => None,
        })
        .expect("a link was sent")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The code in a message: its first run of 6 or more digits.
fn code_in(effects: &[Effect]) -> Option<String> {
    effects.iter().find_map(|e| match e {
        Effect::SendSms { text, .. } => text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() >= 6)
            .map(str::to_owned),
        _ => None,
    })
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

struct Delivery {
    config: DeliveryConfig,
    keys: CodeKeys,
    destination: Destination,
    purpose: Purpose,
    challenge: Option<Stored<Challenge>>,
    budget: Stored<DestinationBudget>,
    codes: Vec<String>,
}

#[test]
fn the_shared_scenario_runs_in_rust() {
    let mut checked = 0;
    let mut delivery: Option<Delivery> = None;
    let mut policies = GuardPolicies::default();
    let mut guard = Stored::new(AccountGuard::new());
    let mut attempt: Option<Attempt> = None;
    let mut lifecycle: Option<Stored<Lifecycle>> = None;
    let mut sealing: Option<SealingKeys> = None;
    let mut totp: Option<(String, TotpCredential, Stored<Sealed<TotpCredential>>)> = None;
    let mut flows: Option<Flows> = None;
    for (n, line) in SCENARIO.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let here = format!("line {}: {line}", n + 1);
        match f[0] {
            "policy" => {
                let policy = PasswordPolicy::preset(f[1].parse().unwrap());
                let mut ctx = Context::new();
                if f[3] != "-" {
                    ctx = ctx.username(f[3]);
                }
                let report = policy.check(f[2], &ctx);
                let codes: Vec<&str> = report.violations().iter().map(|v| v.code()).collect();
                let got = if codes.is_empty() {
                    "ok".to_owned()
                } else {
                    codes.join(",")
                };
                assert_eq!(got, f[4], "{here}");
            }
            "hash" => {
                let params = HashParams::new(
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )
                .unwrap();
                let hasher = PasswordHasher::new(params);
                assert!(hasher.verify(f[4], f[5]).unwrap().is_valid(), "{here}");
                assert!(
                    !hasher
                        .verify(&format!("{}x", f[4]), f[5])
                        .unwrap()
                        .is_valid(),
                    "{here}"
                );
                let fresh = hasher.hash(f[4], &mut rand::rng()).unwrap();
                assert!(
                    fresh.starts_with(&format!("$argon2id$v=19$m={},t={},p={}$", f[1], f[2], f[3]))
                );
                assert!(hasher.verify(f[4], &fresh).unwrap().is_valid(), "{here}");
            }
            "totp" => {
                let config =
                    TotpConfig::new(f[1].parse().unwrap(), f[4].parse().unwrap(), 30, 0, 1, 1)
                        .unwrap();
                let cred = TotpCredential::new(OtpSecret::from_base32(f[2]).unwrap(), config);
                let now = Timestamp::from_unix_seconds(f[3].parse().unwrap());
                assert_eq!(*cred.code_at(now).unwrap(), f[5], "{here}");
            }
            "delivery" => {
                let destination = match f[4] {
                    "sms" => Destination::sms(f[5]),
                    _ => Destination::email(f[5]),
                };
                delivery = Some(Delivery {
                    config: DeliveryConfig::from_json(f[1]).unwrap(),
                    keys: CodeKeys::new(f[2], hex(f[3])).unwrap(),
                    budget: Stored::new(DestinationBudget::new(destination.address())),
                    destination,
                    purpose: f[6].parse().unwrap(),
                    challenge: None,
                    codes: Vec::new(),
                });
            }
            "code" => {
                let d = delivery.as_mut().expect("a delivery line first");
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let (got, writes) = match f[2] {
                    "issue" => {
                        let issued = Challenge::issue(
                            &d.config,
                            &d.keys,
                            d.purpose,
                            d.destination.clone(),
                            &d.budget,
                            now,
                            &mut rand::rng(),
                        )
                        .unwrap();
                        d.codes.extend(code_in(&issued.effects));
                        d.challenge = None; // a new challenge: must not exist
                        (json(&issued.outcome), issued.writes)
                    }
                    "verify" => {
                        let code = match f[3] {
                            "current" => d.codes[d.codes.len() - 1].clone(),
                            "previous" => d.codes[d.codes.len() - 2].clone(),
                            literal => literal.to_owned(),
                        };
                        let c = d.challenge.as_ref().unwrap();
                        let step = c.verify(&d.config, &d.keys, &code, d.purpose, now).unwrap();
                        let writes = DeliveryWrites {
                            budget: None,
                            challenge: step.writes,
                        };
                        (json(&step.outcome), writes)
                    }
                    "resend" => {
                        let c = d.challenge.as_ref().unwrap();
                        let step = c
                            .resend(&d.config, &d.keys, &d.budget, now, &mut rand::rng())
                            .unwrap();
                        d.codes.extend(code_in(&step.effects));
                        (json(&step.outcome), step.writes)
                    }
                    other => panic!("unknown action {other}"),
                };
                if let Some(w) = writes.budget {
                    assert_eq!(w.expect, d.budget.expect(), "{here}");
                    d.budget = w.record;
                }
                if let Some(w) = writes.challenge {
                    let held = d.challenge.as_ref().map_or(Expect::Absent, Stored::expect);
                    assert_eq!(w.expect, held, "{here}");
                    d.challenge = Some(w.record);
                }
                let want: Value = serde_json::from_str(f[4]).unwrap();
                assert_eq!(got, want, "{here}");
                let revision = d.challenge.as_ref().map_or(0, Stored::revision);
                assert_eq!(revision.to_string(), f[5], "{here}");
            }
            "guard-policies" => {
                policies = GuardPolicies::from_json(f[1]).unwrap();
                guard = Stored::new(AccountGuard::new());
                attempt = None;
            }
            "guard" => {
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let ticket = || attempt.clone().expect("a begin first");
                let (outcome, writes) = match f[2] {
                    "begin" => {
                        let step = guard.begin(&policies, f[3].parse().unwrap(), None, now);
                        let step = step.unwrap();
                        if let Some(a) = step.outcome.attempt() {
                            attempt = Some(a.clone());
                        }
                        (json(&step.outcome), step.writes)
                    }
                    "failed" => (Value::Null, guard.failed(&ticket(), now).unwrap().writes),
                    "succeed" => (Value::Null, guard.succeed(&ticket(), now).unwrap().writes),
                    "trust" => (Value::Null, guard.trust_device(f[3], now).unwrap().writes),
                    "unlock" => {
                        let by = match f[3] {
                            "-" => Unlock::Recovery,
                            operator => Unlock::Operator {
                                operator: operator.to_owned(),
                            },
                        };
                        (Value::Null, guard.unlock(&by, now).unwrap().writes)
                    }
                    other => panic!("unknown action {other}"),
                };
                if f[4] != "-" {
                    let want: Value = serde_json::from_str(f[4]).unwrap();
                    assert_eq!(outcome, want, "{here}");
                }
                if let Some(w) = writes {
                    assert_eq!(w.expect, guard.expect(), "{here}");
                    guard = w.record;
                }
                assert_eq!(guard.revision().to_string(), f[5], "{here}");
            }
            "lifecycle" => {
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let step = match f[2] {
                    "create" => {
                        lifecycle = None;
                        Lifecycle::create(now)
                    }
                    "apply" => {
                        let event = LifecycleEvent::from_json(f[3]).unwrap();
                        lifecycle.as_ref().unwrap().apply(&event, now)
                    }
                    "activity" => lifecycle.as_ref().unwrap().record_activity(now),
                    "inactivity" => {
                        let days: u64 = f[3].parse().unwrap();
                        let after = std::time::Duration::from_secs(days * 86_400);
                        lifecycle.as_ref().unwrap().check_inactivity(after, now)
                    }
                    other => panic!("unknown action {other}"),
                };
                match step {
                    Ok(step) => {
                        assert_eq!(
                            json(&step.outcome),
                            serde_json::from_str::<Value>(f[4]).unwrap(),
                            "{here}"
                        );
                        if let Some(w) = step.writes {
                            let held = lifecycle.as_ref().map_or(Expect::Absent, Stored::expect);
                            assert_eq!(w.expect, held, "{here}");
                            lifecycle = Some(w.record);
                        }
                    }
                    Err(e) => assert_eq!(format!("error:{}", e.code()), f[4], "{here}"),
                }
                let revision = lifecycle.as_ref().map_or(0, Stored::revision);
                assert_eq!(revision.to_string(), f[5], "{here}");
            }
            "legacy" => {
                let h = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
                assert_eq!(
                    h.verify(f[1], f[2]).unwrap(),
                    varco::hash::Verification::Valid { needs_rehash: true },
                    "{here}"
                );
                let other = format!("{}x", f[1]);
                assert!(!h.verify(&other, f[2]).unwrap().is_valid(), "{here}");
                let wrapped = h.wrap_legacy(f[2], &mut rand::rng()).unwrap();
                assert_eq!(
                    h.verify(f[1], &wrapped).unwrap(),
                    varco::hash::Verification::Valid { needs_rehash: true },
                    "{here}: wrapped"
                );
                assert!(!h.verify(&other, &wrapped).unwrap().is_valid(), "{here}");
            }
            "lookup" => {
                let kind: IdentifierKind = f[1].parse().unwrap();
                let got = LookupKey::of(kind, f[2], &IdentifierRules::default())
                    .map_or_else(|e| format!("error:{}", e.code()), |k| k.record_key());
                assert_eq!(got, f[3], "{here}");
            }
            "validate" => {
                let field: Field = f[1].parse().unwrap();
                let got = match check(field, f[2], &ValidationRules::default()) {
                    Ok(v) => v,
                    Err(e) => format!("invalid:{}", e.codes().join(",")),
                };
                assert_eq!(got, f[3], "{here}");
            }
            "sealing-keys" => {
                sealing = Some(SealingKeys::new(f[1], hex(f[2])).unwrap());
            }
            "totp-enroll" => {
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let config = match f[3] {
                    "-" => TotpConfig::default(),
                    j => TotpConfig::from_json(j).unwrap(),
                };
                let keys = sealing.as_ref().unwrap();
                let step = TotpCredential::enroll(
                    "Esempio",
                    "mario",
                    config,
                    f[2],
                    keys,
                    now,
                    &mut rand::rng(),
                )
                .unwrap();
                let secret = OtpSecret::from_base32(step.outcome.secret_base32.expose()).unwrap();
                let w = step.writes.unwrap();
                assert_eq!(w.expect, Expect::Absent, "{here}");
                assert_eq!(w.record.revision().to_string(), f[4], "{here}");
                totp = Some((
                    f[2].to_owned(),
                    TotpCredential::new(secret, config),
                    w.record,
                ));
            }
            "totp-verify" => {
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let (record_key, plain, record) = totp.as_mut().unwrap();
                let at = |ms: i64| {
                    plain
                        .code(Timestamp::from_unix_millis(
                            now.as_unix_millis().saturating_add_signed(ms),
                        ))
                        .unwrap()
                        .to_string()
                };
                let window = [at(-30_000), at(0), at(30_000)];
                let code = match f[2] {
                    "previous" => window[0].clone(),
                    "now" => window[1].clone(),
                    "next" => window[2].clone(),
                    "wrong" => ["000000", "111111", "222222", "333333"]
                        .into_iter()
                        .find(|c| !window.iter().any(|w| w == c))
                        .unwrap()
                        .to_owned(),
                    other => panic!("unknown code {other}"),
                };
                let keys = sealing.as_ref().unwrap();
                let step = record
                    .verify(record_key, keys, &code, now, &mut rand::rng())
                    .unwrap();
                assert_eq!(
                    json(&step.outcome),
                    serde_json::from_str::<Value>(f[3]).unwrap(),
                    "{here}"
                );
                if let Some(w) = step.writes {
                    assert_eq!(w.expect, record.expect(), "{here}");
                    *record = w.record;
                }
                assert_eq!(record.revision().to_string(), f[4], "{here}");
            }
            "engine" => {
                let keys = varco::flow::EngineKeys {
                    codes: varco::keys::KeyRing::new("c1", vec![1; 32]).unwrap(),
                    sealing: varco::keys::KeyRing::new("s1", vec![2; 32]).unwrap(),
                    decoy: varco::keys::KeyRing::new("d1", vec![3; 32]).unwrap(),
                    peppers: None,
                };
                flows = Some(Flows {
                    engine: varco::flow::FlowEngine::from_json(f[1], keys).unwrap(),
                    store: host::Store::new(),
                    flows: Default::default(),
                });
            }
            "provision" => {
                let fl = flows.as_ref().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let new = varco::flow::NewAccount::from_json(f[2]).unwrap();
                // The host loop: the hints it asks for, loaded.
                let mut keys: Vec<String> = Vec::new();
                let step = loop {
                    let records = fl.store.load(&keys);
                    let step = fl
                        .engine
                        .provision(&new, Some(f[3]), &records, now, &mut rand::rng())
                        .unwrap();
                    match &step.then {
                        varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
                        _ => break step,
                    }
                };
                fl.store.commit_step(&step).unwrap();
            }
            "flow-start" => {
                let fl = flows.as_mut().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let ctx = varco::flow::StartContext {
                    source: (f[3] != "-").then(|| f[3].to_owned()),
                    device: None,
                    place: None,
                    remember_device: false,
                };
                let kind = f
                    .get(4)
                    .map_or(varco::flow::FlowKind::Login, |k| k.parse().unwrap());
                let started = fl.engine.start(kind, &ctx, now, &mut rand::rng()).unwrap();
                fl.store.commit_step(&started.step).unwrap();
                let secret = started.client_secret.expose().to_owned();
                fl.flows.insert(f[2].to_owned(), (started.flow_key, secret));
            }
            "flow" => {
                let fl = flows.as_ref().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let (key, mut secret) = fl.flows[f[2]].clone();
                let mut fields = std::collections::BTreeMap::new();
                for pair in f[4].split('&').filter(|p| *p != "-") {
                    let (name, value) = pair.split_once('=').unwrap();
                    let sent = codes_sent(&fl.store);
                    let value = match (name, value) {
                        ("code", "current") => sent[sent.len() - 1].clone(),
                        ("code", "previous") => sent[sent.len() - 2].clone(),
                        ("code", "wrong") => ["000000", "111111"]
                            .into_iter()
                            .find(|c| !sent.iter().any(|s| s == c))
                            .unwrap()
                            .to_owned(),
                        ("token", "link") => last_link(&fl.store),
                        ("token", "forged") => "0".repeat(64),
                        (_, v) => v.to_owned(),
                    };
                    // An emailed link's token stands for the client secret.
                    if name == "token" {
                        secret.clone_from(&value);
                    }
                    fields.insert(name.to_owned(), varco::SecretString::from(value));
                }
                let input = varco::flow::Input::from_fields(f[3], fields).unwrap();
                let (step, _) = host::request(
                    &fl.engine,
                    &fl.store,
                    &key,
                    &secret,
                    &input,
                    now,
                    &mut rand::rng(),
                );
                assert_eq!(outcome_summary(&step.outcome), f[5], "{here}");
                assert_eq!(view_summary(step.view.as_ref().unwrap()), f[6], "{here}");
                // A confirmed link binds the flow to the client holding it.
                if f[3] == "confirm_link" && step.outcome == varco::flow::FlowOutcome::Moved {
                    flows
                        .as_mut()
                        .unwrap()
                        .flows
                        .insert(f[2].to_owned(), (key, secret));
                }
            }
            "session" => {
                let fl = flows.as_ref().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let grant = varco::flow::SessionGrant::from_json(f[2]).unwrap();
                let account = varco::record::Stored::<varco::account::Account>::from_json(
                    &fl.store.get(&grant.account_key()).unwrap(),
                )
                .unwrap();
                let required = varco::flow::Requirement {
                    max_age: (f[3] != "-")
                        .then(|| std::time::Duration::from_millis(f[3].parse().unwrap())),
                    level: f[4].parse().unwrap(),
                };
                assert_eq!(
                    grant.check(&account, now, &required).as_str(),
                    f[5],
                    "{here}"
                );
            }
            "step-up" => {
                let fl = flows.as_mut().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let grant = varco::flow::SessionGrant::from_json(f[3]).unwrap();
                let required = varco::flow::Requirement {
                    max_age: None,
                    level: f[4].parse().unwrap(),
                };
                let started = fl
                    .engine
                    .start_from_grant(
                        f.get(6)
                            .map_or(varco::flow::FlowKind::StepUp, |k| k.parse().unwrap()),
                        &grant,
                        &required,
                        &varco::flow::StartContext::default(),
                        now,
                        &mut rand::rng(),
                    )
                    .unwrap();
                fl.store.commit_step(&started.step).unwrap();
                assert_eq!(
                    view_summary(started.step.view.as_ref().unwrap()),
                    f[5],
                    "{here}"
                );
                let secret = started.client_secret.expose().to_owned();
                fl.flows.insert(f[2].to_owned(), (started.flow_key, secret));
            }
            "answer" => {
                let fl = flows.as_ref().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let (key, _) = fl.flows[f[2]].clone();
                let fact = varco::flow::HostFact::from_json(f[3]).unwrap();
                let step = host::answer(&fl.engine, &fl.store, &key, None, &fact, now);
                assert_eq!(outcome_summary(&step.outcome), f[4], "{here}");
                assert_eq!(view_summary(step.view.as_ref().unwrap()), f[5], "{here}");
            }
            "command" => {
                let fl = flows.as_ref().unwrap();
                let now = Timestamp::from_unix_millis(f[1].parse().unwrap());
                let actor = varco::flow::Actor::from_json(f[2]).unwrap();
                // "token":"link": the token of the latest link sent.
                let link = r#""token":"link""#;
                let json = if f[3].contains(link) {
                    f[3].replace(link, &format!(r#""token":"{}""#, last_link(&fl.store)))
                } else {
                    f[3].to_owned()
                };
                let command = varco::flow::Command::from_json(&json).unwrap();
                let id = command.account().to_owned();
                // The host loop: the records a command asks for, loaded.
                let mut keys = vec![format!("account/{id}"), format!("guard/{id}")];
                let step = loop {
                    let step = fl
                        .engine
                        .command(
                            &actor,
                            &command,
                            &fl.store.load(&keys),
                            now,
                            &mut rand::rng(),
                        )
                        .unwrap();
                    match &step.then {
                        varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
                        _ => break step,
                    }
                };
                fl.store.commit_step(&step).unwrap();
                assert_eq!(
                    outcome_summary(&step.outcome),
                    format!("applied:{}", f[4]),
                    "{here}"
                );
            }
            other => panic!("unknown kind {other:?} at {here}"),
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} lines ran");
}
