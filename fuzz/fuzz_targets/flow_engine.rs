//! The flow engine with arbitrary records, inputs, host facts and commands
//! (ENGINE §6.15): `advance`, `answer` and `command` never panic, and every
//! step they return
//! is whole: each write's record loads back as its kind, keys are named,
//! and a step that asks to load or repeat shows no view.
//!
//! The input is lines: the first is an input's JSON (or `CMD` then an
//! actor's and a command's JSON on the next two lines, or `FACT` then a
//! host fact's JSON on the next); `FLOW <json>`
//! replaces the started flow; `TOKEN <t>`, `SECRET <s>` and `TICKET <t>`
//! set what the request carries; every other line is `key<TAB>json` (an
//! empty json: looked up, absent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use varco::Timestamp;
use varco::flow::{
    Actor, Command, EngineConfig, EngineKeys, Flow, FlowEngine, FlowKind, HostFact, Input, Records,
    Requirement, SessionGrant, StartContext, Submit, Then, WriteOp,
};
use varco::hash::HashParams;
use varco::keys::KeyRing;
use varco::record::Stored;

fn engine() -> FlowEngine {
    let keys = EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    };
    let config = EngineConfig {
        hash: HashParams::new(8, 1, 1).unwrap(),
        // A captcha from the first failure of a source: its paths reachable.
        captcha_after: 1,
        ..EngineConfig::default()
    };
    FlowEngine::new(config, keys).unwrap()
}

fn check(step: &varco::flow::FlowStep) {
    for w in &step.writes {
        assert!(!w.key.is_empty());
        if let WriteOp::Put {
            kind,
            json,
            revision,
            ..
        } = &w.op
        {
            assert!(*revision > 0);
            let v: serde_json::Value = serde_json::from_str(json).expect("a write is JSON");
            assert_eq!(v["kind"].as_str(), Some(*kind));
            if *kind == "flow" {
                Stored::<Flow>::from_json(json).expect("a flow write loads back");
            }
        }
    }
    if !matches!(step.then, Then::Respond) {
        assert!(step.view.is_none());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine = engine();
    let rng = &mut rand::rngs::StdRng::seed_from_u64(7);
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let ctx = StartContext {
        source: Some("s".into()),
        device: None,
        place: None,
        remember_device: false,
    };
    // "GRANT <kind>" then a grant's JSON on the first two lines: a flow of
    // that kind from that grant (a step-up, a password change, a
    // recovery-mobile enrollment; refused cleanly when it does not start
    // from a grant or the level is out of range). "START <kind>": a flow
    // of that kind (a login, a reset, a registration). Otherwise a login.
    let mut lines = text.splitn(3, '\n');
    let head = lines.next().unwrap_or_default();
    let (started, text) = if let Some(kind) = head.strip_prefix("GRANT ") {
        let Ok(kind) = kind.parse::<FlowKind>() else {
            return;
        };
        let Ok(grant) = SessionGrant::from_json(lines.next().unwrap_or_default()) else {
            return;
        };
        let required = Requirement {
            max_age: None,
            level: grant.level,
        };
        match engine.start_from_grant(kind, &grant, &required, &ctx, now, rng) {
            Ok(s) => (s, lines.next().unwrap_or_default()),
            Err(_) => return,
        }
    } else if let Some(kind) = head.strip_prefix("START ") {
        let Ok(kind) = kind.parse::<FlowKind>() else {
            return;
        };
        let rest = text.split_once('\n').map_or("", |(_, r)| r);
        match engine.start(kind, &ctx, now, rng) {
            Ok(s) => (s, rest),
            Err(_) => return,
        }
    } else {
        (engine.start(FlowKind::Login, &ctx, now, rng).unwrap(), text)
    };
    let mut flow = Stored::<Flow>::from_json(match &started.step.writes[0].op {
        WriteOp::Put { json, .. } => json,
        WriteOp::Assert { .. } => unreachable!(),
    })
    .unwrap();
    let mut secret = started.client_secret.expose().to_owned();
    let mut token = flow.body().token();
    let mut ticket: Option<String> = None;
    let mut records = Records::new();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let fact = if first == "FACT" {
        Some(lines.next().unwrap_or_default().to_owned())
    } else {
        None
    };
    let command = if first == "CMD" {
        let actor = lines.next().unwrap_or_default().to_owned();
        let command = lines.next().unwrap_or_default().to_owned();
        Some((actor, command))
    } else {
        None
    };
    for line in lines {
        if let Some(f) = line.strip_prefix("FLOW ") {
            match Stored::<Flow>::from_json(f) {
                Ok(f) => flow = f,
                Err(_) => return,
            }
        } else if let Some(t) = line.strip_prefix("TOKEN ") {
            token = t.to_owned();
        } else if let Some(s) = line.strip_prefix("SECRET ") {
            secret = s.to_owned();
        } else if let Some(t) = line.strip_prefix("TICKET ") {
            ticket = Some(t.to_owned());
        } else if let Some((k, v)) = line.split_once('\t') {
            records.insert(k, (!v.is_empty()).then(|| v.to_owned()));
        }
    }
    let at = |i: u64| Timestamp::from_unix_seconds(1_800_000_000 + i);
    if let Some((actor, command)) = command {
        let (Ok(actor), Ok(command)) = (Actor::from_json(&actor), Command::from_json(&command))
        else {
            return;
        };
        if let Ok(step) = engine.command(&actor, &command, &records, at(1), rng) {
            check(&step);
        }
        return;
    }
    if let Some(fact) = fact {
        let Ok(fact) = HostFact::from_json(&fact) else {
            return;
        };
        for i in [1, 600, 100_000] {
            if let Ok(step) = engine.answer(&flow, &token, &fact, &records, at(i), rng) {
                check(&step);
            }
        }
        return;
    }
    let Ok(input) = Input::from_json(first) else {
        return;
    };
    let submit = Submit {
        client_secret: &secret,
        token: &token,
        input: &input,
        ticket: ticket.as_deref(),
    };
    for i in [1, 600, 100_000] {
        if let Ok(step) = engine.advance(&flow, &submit, &records, at(i), rng) {
            check(&step);
        }
    }
});
