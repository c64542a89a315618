//! A model of racing sign-in requests: proptest interleaves the phases of
//! many requests (each load-and-advance, then each commit, at any point
//! between the others') through the host loop, and checks that no
//! interleaving verifies more passwords than the budget allows, verifies a
//! request's password twice, or loses a count (ENGINE §6.1, 6.2, 6.20).

#[path = "support/host.rs"]
mod host;

use host::Store;
use proptest::prelude::*;
use varco::Timestamp;
use varco::account::{Account, IdentifierKind};
use varco::flow::{
    EngineConfig, EngineKeys, Flow, FlowEngine, FlowKind, FlowOutcome, FlowStep, Input, Records,
    Rejection, StartContext, Submit, Then,
};
use varco::guard::{AccountGuard, Factor};
use varco::hash::HashParams;
use varco::keys::KeyRing;
use varco::record::Stored;

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000)
}

fn engine() -> FlowEngine {
    let keys = EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    };
    let config = EngineConfig {
        hash: HashParams::new(8, 1, 1).unwrap(),
        ..EngineConfig::default()
    };
    FlowEngine::new(config, keys).unwrap()
}

/// One request, driven one phase at a time.
struct Request {
    flow: String,
    secret: String,
    input: Input,
    token: String,
    keys: Vec<String>,
    ticket: Option<String>,
    pending: Option<FlowStep>,
    done: Option<FlowOutcome>,
    checks: usize,
}

impl Request {
    /// One phase: either load and advance, or commit what was advanced.
    fn tick(&mut self, engine: &FlowEngine, store: &Store) {
        if self.done.is_some() {
            return;
        }
        match self.pending.take() {
            None => {
                let flow = Stored::<Flow>::from_json(&store.get(&self.flow).unwrap()).unwrap();
                let records: Records = store.load(&self.keys);
                let submit = Submit {
                    client_secret: &self.secret,
                    token: &self.token,
                    input: &self.input,
                    ticket: self.ticket.as_deref(),
                };
                let step = engine
                    .advance(&flow, &submit, &records, now(), &mut rand::rng())
                    .unwrap();
                if matches!(
                    step.outcome,
                    FlowOutcome::Checked
                        | FlowOutcome::Rejected {
                            reason: Rejection::WrongPassword
                        }
                ) {
                    self.checks += 1;
                }
                self.pending = Some(step);
            }
            Some(step) => {
                if store.commit_step(&step).is_err() {
                    return; // a conflict: load and advance again
                }
                match step.then {
                    Then::Respond => self.done = Some(step.outcome),
                    Then::Load { keys } => self.keys.extend(keys),
                    Then::CommitAndRepeat { ticket } => {
                        self.ticket = Some(ticket.expose().to_owned())
                    }
                }
            }
        }
    }
}

/// `flows` flows at the password screen, and one request per entry of
/// `requests` (its flow, whether its password is right).
fn setup(
    engine: &FlowEngine,
    store: &Store,
    flows: usize,
    requests: &[(usize, bool)],
) -> Vec<Request> {
    let phc = engine
        .hasher()
        .hash("Right-Password-1", &mut rand::rng())
        .unwrap();
    let account = Account::new("a1", now())
        .unwrap()
        .with_identifier(
            IdentifierKind::Username,
            "mario",
            &engine.config().identifiers,
        )
        .unwrap()
        .with_password_hash(&phc);
    let p = account.provision(now()).unwrap();
    let (ck, cw) = &p.writes.claims[0];
    store.put_raw(ck, cw.record.revision(), cw.record.to_json());
    let (ak, aw) = &p.writes.account;
    store.put_raw(ak, aw.record.revision(), aw.record.to_json());
    let started: Vec<(String, String)> = (0..flows)
        .map(|_| {
            let s = engine
                .start(
                    FlowKind::Login,
                    &StartContext::default(),
                    now(),
                    &mut rand::rng(),
                )
                .unwrap();
            store.commit_step(&s.step).unwrap();
            let (key, secret) = (s.flow_key, s.client_secret.expose().to_owned());
            let _ = host::request(
                engine,
                store,
                &key,
                &secret,
                &Input::Identify {
                    identifier: "mario".into(),
                },
                now(),
                &mut rand::rng(),
            );
            (key, secret)
        })
        .collect();
    requests
        .iter()
        .map(|&(flow, right)| {
            let (key, secret) = started[flow % flows].clone();
            let token = Stored::<Flow>::from_json(&store.get(&key).unwrap())
                .unwrap()
                .body()
                .token();
            Request {
                flow: key,
                secret,
                input: Input::Password {
                    password: if right { "Right-Password-1" } else { "wrong" }.into(),
                },
                token,
                keys: Vec::new(),
                ticket: None,
                pending: None,
                done: None,
                checks: 0,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn interleaved_sign_ins_never_exceed_the_budget_nor_lose_a_count(
        flows in 1usize..5,
        requests in proptest::collection::vec((0usize..5, proptest::bool::weighted(0.15)), 2..14),
        schedule in proptest::collection::vec(0usize..14, 0..300),
    ) {
        let (engine, store) = (engine(), Store::new());
        let mut reqs = setup(&engine, &store, flows, &requests);
        for i in schedule {
            let n = reqs.len();
            reqs[i % n].tick(&engine, &store);
        }
        for _ in 0..1000 {
            if reqs.iter().all(|r| r.done.is_some()) {
                break;
            }
            for r in &mut reqs {
                r.tick(&engine, &store);
            }
        }
        prop_assert!(reqs.iter().all(|r| r.done.is_some()), "every request settles");
        let threshold = engine.config().guard.password.threshold as usize;
        let signed_in = reqs.iter().filter(|r| matches!(r.done, Some(FlowOutcome::SignedIn { .. }))).count();
        let wrong = reqs
            .iter()
            .filter(|r| r.done == Some(FlowOutcome::Rejected { reason: Rejection::WrongPassword }))
            .count();
        for r in &reqs {
            prop_assert!(r.checks <= 1, "a request's password is checked at most once");
            prop_assert!(
                matches!(
                    r.done,
                    Some(FlowOutcome::SignedIn { .. }
                        | FlowOutcome::Rejected { reason: Rejection::WrongPassword | Rejection::Locked }
                        | FlowOutcome::Busy
                        | FlowOutcome::Stale)
                ),
                "{:?}", r.done
            );
        }
        prop_assert!(wrong <= threshold * (1 + signed_in), "{wrong} wrong passwords verified");
        if signed_in == 0 {
            // No count is lost: every verified wrong password is a failure
            // in the account's budget, and nothing else is.
            let guard = Stored::<AccountGuard>::from_json(&store.get("guard/a1").unwrap_or_default());
            let consecutive = guard.map_or(0, |g| g.body().counter(Factor::Password).consecutive());
            prop_assert_eq!(consecutive as usize, wrong);
            // The owner hears of the lock once, however the guesses raced.
            let notices = store
                .outbox
                .lock()
                .unwrap()
                .iter()
                .flatten()
                .filter(|e| matches!(e, varco::effect::Effect::NotifyOwner { event, .. } if event == "password_locked"))
                .count();
            prop_assert_eq!(notices, usize::from(wrong >= threshold));
        }
    }
}

#[test]
fn racing_failures_that_lock_tell_the_owner_once() {
    let (engine, store) = (engine(), Store::new());
    // Five wrong guesses on five flows: all five reserved (counted) before
    // any is checked; the fifth's count sets the lock.
    let mut reqs = setup(
        &engine,
        &store,
        5,
        &[(0, false), (1, false), (2, false), (3, false), (4, false)],
    );
    for r in &mut reqs {
        for _ in 0..4 {
            r.tick(&engine, &store);
        }
        assert!(r.ticket.is_some(), "reserved");
    }
    for r in &mut reqs {
        while r.done.is_none() {
            r.tick(&engine, &store);
        }
    }
    let notices = store
        .outbox
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .filter(|e| matches!(e, varco::effect::Effect::NotifyOwner { event, .. } if event == "password_locked"))
        .count();
    assert_eq!(notices, 1);
}
