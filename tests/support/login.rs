//! What the sign-in suites share: the engine (the cheapest Argon2), its
//! keys, accounts provisioned into the in-memory store, flows started, the
//! inputs, and the codes the outbox holds.

#![allow(dead_code)]

use std::sync::Arc;

use super::host::Store;
use varco::Timestamp;
use varco::account::{Account, IdentifierKind};
use varco::effect::Effect;
use varco::flow::{EngineConfig, EngineKeys, FlowEngine, FlowKind, Input, StartContext};
use varco::hash::HashParams;
use varco::keys::KeyRing;

pub const T0: u64 = 1_800_000_000;

pub fn at(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + s)
}

pub fn keys() -> EngineKeys {
    EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    }
}

pub fn config() -> EngineConfig {
    EngineConfig {
        hash: HashParams::new(8, 1, 1).unwrap(),
        ..EngineConfig::default()
    }
}

pub fn engine_with(config: EngineConfig) -> Arc<FlowEngine> {
    Arc::new(FlowEngine::new(config, keys()).unwrap())
}

pub fn engine() -> Arc<FlowEngine> {
    engine_with(config())
}

pub struct Who<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub mobile: Option<&'a str>,
    pub email: Option<&'a str>,
    pub second_factor: bool,
}

pub fn provision(engine: &FlowEngine, store: &Store, who: &Who<'_>) {
    let phc = engine
        .hasher()
        .hash(who.password, &mut rand::rng())
        .unwrap();
    let mut a = Account::new(who.id, at(0))
        .unwrap()
        .with_identifier(
            IdentifierKind::Username,
            who.username,
            &engine.config().identifiers,
        )
        .unwrap()
        .with_password_hash(&phc)
        .with_second_factor(who.second_factor);
    if let Some(m) = who.mobile {
        a = a.with_mobile(m);
    }
    if let Some(e) = who.email {
        a = a.with_email(e);
    }
    store_account(store, &a);
}

/// Provisions `new` through the engine as a host loop does: the hints it
/// asks for loaded, then committed.
pub fn provision_new(engine: &FlowEngine, store: &Store, new: &varco::flow::NewAccount, pw: &str) {
    let mut keys: Vec<String> = Vec::new();
    let step = loop {
        let step = engine
            .provision(new, Some(pw), &store.load(&keys), at(0), &mut rand::rng())
            .unwrap();
        match &step.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            _ => break step,
        }
    };
    store.commit_step(&step).unwrap();
}

pub fn store_account(store: &Store, a: &Account) {
    let step = a.provision(at(0)).unwrap();
    let mut writes = Vec::new();
    for (k, w) in &step.writes.claims {
        writes.push(put(k, w));
    }
    writes.push(put(&step.writes.account.0, &step.writes.account.1));
    store.commit(&writes).unwrap();
}

pub fn put<T: varco::record::Record>(
    key: &str,
    w: &varco::step::Write<T>,
) -> varco::flow::FlowWrite {
    varco::flow::FlowWrite {
        key: key.to_owned(),
        op: varco::flow::WriteOp::Put {
            kind: T::KIND,
            json: w.record.to_json(),
            revision: w.record.revision(),
            expect: w.expect,
            expires_at: w.record.expires_at(),
        },
    }
}

pub fn mario(second_factor: bool) -> Who<'static> {
    Who {
        id: "a1",
        username: "mario",
        password: "Correct-Horse-1",
        mobile: Some("+393331234567"),
        email: None,
        second_factor,
    }
}

/// A started flow: its key and client secret.
pub fn start(
    engine: &FlowEngine,
    store: &Store,
    source: Option<&str>,
    now: Timestamp,
) -> (String, String) {
    let ctx = StartContext {
        source: source.map(str::to_owned),
        device: None,
        place: None,
        remember_device: false,
    };
    let started = engine
        .start(FlowKind::Login, &ctx, now, &mut rand::rng())
        .unwrap();
    store.commit_step(&started.step).unwrap();
    (started.flow_key, started.client_secret.expose().to_owned())
}

pub fn identify(id: &str) -> Input {
    Input::Identify {
        identifier: id.to_owned(),
    }
}

pub fn password(p: &str) -> Input {
    Input::Password { password: p.into() }
}

pub fn code(c: &str) -> Input {
    Input::Code { code: c.into() }
}

/// The last code sent by SMS or email, as the user reads it.
pub fn last_code(store: &Store) -> String {
    let outbox = store.outbox.lock().unwrap();
    for effects in outbox.iter().rev() {
        for e in effects.iter().rev() {
            if let Effect::SendSms { text, .. } | Effect::SendEmail { body: text, .. } = e {
                return text.chars().filter(char::is_ascii_digit).take(6).collect();
            }
        }
    }
    panic!("no code was sent");
}

/// The token of the last link sent, by SMS or email (`…token=<hex>`).
pub fn last_link(store: &Store) -> String {
    let outbox = store.outbox.lock().unwrap();
    for e in outbox.iter().flatten().rev() {
        if let Effect::SendSms { text, .. } | Effect::SendEmail { body: text, .. } = e
            && let Some((_, t)) = text.split_once("token=")
        {
            return t.chars().take_while(char::is_ascii_hexdigit).collect();
        }
    }
    panic!("no link was sent");
}

pub fn sent_messages(store: &Store) -> usize {
    store
        .outbox
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .filter(|e| matches!(e, Effect::SendSms { .. } | Effect::SendEmail { .. }))
        .count()
}

pub fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}
