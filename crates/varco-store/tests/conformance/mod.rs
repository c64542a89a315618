//! One conformance suite, run against every store (memory, SQLite,
//! PostgreSQL): the store's own contract (atomicity, compare-and-swap,
//! conflicts as values, outbox, expiry) and ENGINE §6's properties with
//! real concurrency (threads here; processes in `processes.rs`); and, in
//! `model.rs`, random sequences of every call checked against a model.

#![allow(dead_code, clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
pub mod processes;
pub mod model;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use varco::Timestamp;
use varco::effect::Effect;
use varco::flow::{
    Actor, Command, EngineConfig, EngineKeys, FlowEngine, FlowKind, FlowOutcome, FlowWrite,
    HostFact, Input, NewAccount, Rejection, StartContext, WriteOp,
};
use varco::guard::{AccountGuard, Factor};
use varco::hash::HashParams;
use varco::keys::KeyRing;
use varco::record::{Expect, Stored};
use varco_store::{
    Committed, OutboxRow, Ran, Request, RunError, Store, command, deliver, provision, run, start,
    sweep,
};

pub const T0: u64 = 1_800_000_000;

pub fn at(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + s)
}

pub fn engine() -> Arc<FlowEngine> {
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
    Arc::new(FlowEngine::new(config, keys).unwrap())
}

pub fn put(key: &str, json: &str, revision: u64, expect: Expect) -> FlowWrite {
    FlowWrite {
        key: key.into(),
        op: WriteOp::Put {
            kind: "note",
            json: json.into(),
            revision,
            expect,
            expires_at: None,
        },
    }
}

pub fn expiring(key: &str, expires: Timestamp) -> FlowWrite {
    FlowWrite {
        key: key.into(),
        op: WriteOp::Put {
            kind: "note",
            json: "{}".into(),
            revision: 1,
            expect: Expect::Absent,
            expires_at: Some(expires),
        },
    }
}

pub const PASSWORD: &str = "Correct-Horse-1";

/// An account `id` with username `user`, a mobile, and a second factor if asked.
pub fn account<S: Store + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    id: &str,
    user: &str,
    second: bool,
) {
    let new = NewAccount {
        id: id.into(),
        username: Some(user.into()),
        mobile: Some("+393331234567".into()),
        second_factor: second,
        ..NewAccount::default()
    };
    let _ = provision(engine, store, &new, Some(PASSWORD), at(0), &mut rand::rng()).unwrap();
}

/// A flow that has taken the identifier: at the password screen. Its key,
/// client secret and current token.
pub struct Open {
    pub key: String,
    pub secret: String,
    pub token: String,
}

pub fn open<S: Store + ?Sized>(engine: &FlowEngine, store: &S, user: &str, now: Timestamp) -> Open {
    let s = start(
        engine,
        store,
        FlowKind::Login,
        &StartContext::default(),
        now,
        &mut rand::rng(),
    )
    .unwrap();
    let mut f = Open {
        key: s.flow_key.clone(),
        secret: s.client_secret.expose().to_owned(),
        token: s.step.view.unwrap().token,
    };
    let ran = submit(
        engine,
        store,
        &f,
        &Input::Identify {
            identifier: user.into(),
        },
        now,
    )
    .unwrap();
    f.token = ran.step.view.unwrap().token;
    f
}

pub fn submit<S: Store + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    f: &Open,
    input: &Input,
    now: Timestamp,
) -> Result<Ran, RunError> {
    let request = Request {
        flow_key: &f.key,
        client_secret: &f.secret,
        token: &f.token,
        input,
    };
    run(engine, store, &request, now, &mut rand::rng())
}

pub fn password(p: &str) -> Input {
    Input::Password { password: p.into() }
}

pub fn outcome(r: &Result<Ran, RunError>) -> String {
    match r {
        Ok(ran) => format!("{:?}", ran.step.outcome),
        Err(e) => format!("error: {e}"),
    }
}

fn is_wrong_password(r: &Result<Ran, RunError>) -> bool {
    matches!(r, Ok(ran) if ran.step.outcome == FlowOutcome::Rejected { reason: Rejection::WrongPassword })
}

fn is_signed_in(r: &Result<Ran, RunError>) -> bool {
    matches!(r, Ok(ran) if matches!(ran.step.outcome, FlowOutcome::SignedIn { .. }))
}

pub fn consecutive<S: Store + ?Sized>(store: &S, account: &str) -> u32 {
    store
        .get(&format!("guard/{account}"))
        .unwrap()
        .map_or(0, |row| {
            Stored::<AccountGuard>::from_json(&row.json)
                .unwrap()
                .body()
                .counter(Factor::Password)
                .consecutive()
        })
}

/// Every effect the outbox holds, opened, without taking them out.
pub fn effects<S: Store + ?Sized>(engine: &FlowEngine, store: &S) -> Vec<Effect> {
    store
        .claim_outbox(Timestamp::LATEST, Duration::ZERO, 1_000_000)
        .unwrap()
        .into_iter()
        .flat_map(|row| engine.open_outbox(&row.effects, &row.step_id).unwrap())
        .collect()
}

/// The last code sent by SMS.
pub fn last_code<S: Store + ?Sized>(engine: &FlowEngine, store: &S) -> String {
    effects(engine, store)
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::SendSms { text, .. } => {
                Some(text.chars().filter(char::is_ascii_digit).take(6).collect())
            }
            _ => None,
        })
        .expect("a code was sent")
}

/// Runs `n` closures on `n` threads released at once; their results.
pub fn at_once<T: Send + 'static>(
    n: usize,
    f: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (f, barrier) = (f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

// ---- the store's own contract ----------------------------------------

pub fn commits_all_or_none<S: Store>(store: &S) {
    let three = [
        put("t/a", "{\"n\":1}", 1, Expect::Absent),
        put("t/b", "{\"n\":1}", 1, Expect::Absent),
        put("t/c", "{\"n\":1}", 1, Expect::Absent),
    ];
    assert_eq!(store.commit(&three, None).unwrap(), Committed::Done);
    // The third write's expectation fails: the first two must not land.
    let bad = [
        put("t/a", "{\"n\":2}", 2, Expect::Revision { revision: 1 }),
        put("t/d", "{}", 1, Expect::Absent),
        put("t/c", "{\"n\":2}", 2, Expect::Revision { revision: 7 }),
    ];
    let row = OutboxRow {
        step_id: "s-bad".into(),
        created_at: at(0),
        effects: "{}".into(),
    };
    assert_eq!(
        store.commit(&bad, Some(&row)).unwrap(),
        Committed::Conflict { key: "t/c".into() }
    );
    assert_eq!(store.get("t/a").unwrap().unwrap().revision, 1);
    assert_eq!(store.get("t/a").unwrap().unwrap().json, "{\"n\":1}");
    assert!(store.get("t/d").unwrap().is_none());
    assert_eq!(
        store.counts().unwrap().outbox,
        0,
        "no outbox row from a conflict"
    );
    // An assert on a changed record fails the commit (ENGINE §6.18).
    assert_eq!(
        store
            .commit(
                &[put("t/a", "{\"n\":2}", 2, Expect::Revision { revision: 1 })],
                None
            )
            .unwrap(),
        Committed::Done
    );
    let relied = [
        put("t/e", "{}", 1, Expect::Absent),
        FlowWrite {
            key: "t/a".into(),
            op: WriteOp::Assert { revision: 1 },
        },
    ];
    assert_eq!(
        store.commit(&relied, None).unwrap(),
        Committed::Conflict { key: "t/a".into() }
    );
    assert!(store.get("t/e").unwrap().is_none());
    let ok = [
        put("t/e", "{}", 1, Expect::Absent),
        FlowWrite {
            key: "t/a".into(),
            op: WriteOp::Assert { revision: 2 },
        },
    ];
    assert_eq!(store.commit(&ok, None).unwrap(), Committed::Done);
    // Asserting a record that does not exist fails too.
    let ghost = [FlowWrite {
        key: "t/none".into(),
        op: WriteOp::Assert { revision: 1 },
    }];
    assert!(matches!(
        store.commit(&ghost, None).unwrap(),
        Committed::Conflict { .. }
    ));
    let loaded = store.load(&["t/a".into(), "t/zz".into()]).unwrap();
    assert!(loaded.is_loaded("t/zz"));
    assert_eq!(loaded.keys().count(), 2);
}

pub fn refuses_bad_input<S: Store>(store: &S) {
    let long = "k".repeat(varco_store::MAX_KEY_LEN + 1);
    assert!(store.get("").is_err());
    assert!(store.get(&long).is_err());
    assert!(store.load(&[String::new()]).is_err());
    assert!(store.load(&vec!["k".to_owned(); 65]).is_err());
    let huge = "x".repeat(varco_store::MAX_RECORD_LEN + 1);
    assert!(
        store
            .commit(&[put("t/huge", &huge, 1, Expect::Absent)], None)
            .is_err()
    );
    assert!(
        store
            .commit(&[put("t/rev", "{}", u64::MAX, Expect::Absent)], None)
            .is_err()
    );
    let twice = [
        put("t/x", "{}", 1, Expect::Absent),
        put("t/x", "{}", 2, Expect::Revision { revision: 1 }),
    ];
    assert!(store.commit(&twice, None).is_err());
    assert!(
        store
            .commit(&vec![put("t/y", "{}", 1, Expect::Absent); 65], None)
            .is_err()
    );
    let no_id = OutboxRow {
        step_id: String::new(),
        created_at: at(0),
        effects: "{}".into(),
    };
    assert!(store.commit(&[], Some(&no_id)).is_err());
    // Keys and records that are odd but valid round-trip exactly.
    assert!(
        store.get("t/nul\u{0}").is_err(),
        "no control characters in keys"
    );
    assert!(
        store
            .commit(
                &[put("t/nul", "{\"a\":\"\u{0}\"}", 1, Expect::Absent)],
                None
            )
            .is_err()
    );
    let odd = "t/ünïcode 'quote\" ; DROP TABLE varco_records; --";
    let text = "{\"s\":\"é\\u0000'\\\"\"}";
    assert_eq!(
        store
            .commit(&[put(odd, text, 1, Expect::Absent)], None)
            .unwrap(),
        Committed::Done
    );
    assert_eq!(store.get(odd).unwrap().unwrap().json, text);
    assert_eq!(
        store.counts().unwrap().records,
        1,
        "nothing else was stored"
    );
}

pub fn no_lost_updates<S: Store + 'static>(store: Arc<S>) {
    assert_eq!(
        store
            .commit(&[put("t/n", "0", 1, Expect::Absent)], None)
            .unwrap(),
        Committed::Done
    );
    let threads = 8;
    let per = 25;
    let s = store.clone();
    let conflicts: u64 = at_once(threads, move |_| {
        let mut conflicts = 0u64;
        let mut done = 0;
        while done < per {
            let row = s.get("t/n").unwrap().unwrap();
            let n: u64 = row.json.parse().unwrap();
            let w = put(
                "t/n",
                &(n + 1).to_string(),
                row.revision + 1,
                Expect::Revision {
                    revision: row.revision,
                },
            );
            match s.commit(&[w], None).unwrap() {
                Committed::Done => done += 1,
                Committed::Conflict { .. } => conflicts += 1,
            }
        }
        conflicts
    })
    .into_iter()
    .sum();
    let row = store.get("t/n").unwrap().unwrap();
    assert_eq!(
        row.json,
        (threads * per).to_string(),
        "every increment kept ({conflicts} conflicts retried)"
    );
    assert_eq!(row.revision, (threads * per + 1) as u64);
}

pub fn racing_inserts_create_one<S: Store + 'static>(store: Arc<S>) {
    let s = store.clone();
    let won = at_once(16, move |i| {
        s.commit(
            &[put(
                "claim/login/mario",
                &format!("{{\"i\":{i}}}"),
                1,
                Expect::Absent,
            )],
            None,
        )
        .unwrap()
            == Committed::Done
    });
    assert_eq!(won.iter().filter(|w| **w).count(), 1);
}

pub fn outbox_at_least_once<S: Store>(store: &S) {
    let engine = engine();
    let sms = vec![Effect::SendSms {
        to: "+39333".into(),
        text: zeroize::Zeroizing::new("Codice 424242".into()),
    }];
    for i in 0..3 {
        let row = OutboxRow {
            step_id: format!("step-{i}"),
            created_at: at(i),
            effects: engine
                .seal_outbox(&sms, &format!("step-{i}"), &mut rand::rng())
                .unwrap(),
        };
        assert_eq!(
            store
                .commit(
                    &[put(&format!("t/{i}"), "{}", 1, Expect::Absent)],
                    Some(&row)
                )
                .unwrap(),
            Committed::Done
        );
    }
    // At rest the code is sealed.
    let raw = store.claim_outbox(at(0), Duration::ZERO, 10).unwrap();
    assert_eq!(raw.len(), 3);
    assert!(raw.iter().all(|r| !r.effects.contains("424242")));
    assert_eq!(raw[0].step_id, "step-0", "oldest first");
    // A sender that fails on the second row: the first is deleted, the
    // second and third stay (the third was never reached? no: each row is tried).
    let mut seen = Vec::new();
    let done = deliver(&engine, store, at(10), Duration::from_secs(60), 10, |d| {
        seen.push(d.idempotency_key.to_owned());
        if d.idempotency_key == "step-1/0" {
            Err("provider down")
        } else {
            Ok(())
        }
    })
    .unwrap();
    assert_eq!((done.rows, done.failed), (2, 1));
    assert_eq!(seen, ["step-0/0", "step-1/0", "step-2/0"]);
    assert_eq!(store.counts().unwrap().outbox, 1);
    // Claimed for 60 s: another sender does not get it meanwhile...
    assert!(
        store
            .claim_outbox(at(30), Duration::from_secs(60), 10)
            .unwrap()
            .is_empty()
    );
    // ...and does once the claim lapsed, with the same idempotency key.
    let mut again = Vec::new();
    let done = deliver(&engine, store, at(71), Duration::from_secs(60), 10, |d| {
        again.push(d.idempotency_key.to_owned());
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(done.rows, 1);
    assert_eq!(again, ["step-1/0"]);
    assert_eq!(store.counts().unwrap().outbox, 0);
    assert!(!store.delete_outbox("step-1").unwrap());
}

pub fn sweeps_what_expired<S: Store>(store: &S) {
    let done = store
        .commit(
            &[
                expiring("t/a", at(10)),
                expiring("t/b", at(20)),
                put("t/c", "{}", 1, Expect::Absent),
            ],
            None,
        )
        .unwrap();
    assert_eq!(done, Committed::Done);
    assert_eq!(store.counts().unwrap().expiring, 2);
    assert_eq!(sweep(store, at(9)).unwrap(), 0);
    assert_eq!(sweep(store, at(10)).unwrap(), 1, "at its expiry, it goes");
    assert!(store.get("t/a").unwrap().is_none());
    assert_eq!(sweep(store, at(1000)).unwrap(), 1);
    assert_eq!(
        store.keys("t/", 10).unwrap(),
        ["t/c"],
        "a record without expiry stays"
    );
}

// ---- ENGINE §6 with real concurrency ----------------------------------

/// §6.1 and §6.20: at one attempt left, 64 wrong guesses at once (each on
/// its own flow for one account) verify exactly one password; the budget
/// ends exactly full.
pub fn parallel_guesses_at_one_left<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let threshold = engine.config().guard.password.threshold;
    for i in 0..threshold - 1 {
        let f = open(&engine, &*store, "mario", at(u64::from(i) * 2));
        assert!(is_wrong_password(&submit(
            &engine,
            &*store,
            &f,
            &password("wrong"),
            at(u64::from(i) * 2)
        )));
    }
    assert_eq!(consecutive(&*store, "a1"), threshold - 1);
    let now = at(100);
    let flows: Vec<Open> = (0..64)
        .map(|_| open(&engine, &*store, "mario", now))
        .collect();
    let flows = Arc::new(flows);
    let (e, s, f) = (engine.clone(), store.clone(), flows.clone());
    let results = at_once(64, move |i| submit(&e, &*s, &f[i], &password("wrong"), now));
    let verified = results.iter().filter(|r| is_wrong_password(r)).count();
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert_eq!(verified, 1, "exactly one password verified: {outcomes:?}");
    assert!(
        results.iter().all(Result::is_ok),
        "every request settles: {outcomes:?}"
    );
    assert_eq!(
        consecutive(&*store, "a1"),
        threshold,
        "no count lost, none extra"
    );
}

/// §6.20: 64 guesses on one flow at once each cost one count at most, and
/// the account's budget sees no more than its threshold.
pub fn parallel_guesses_on_one_flow<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let now = at(100);
    let f = Arc::new(open(&engine, &*store, "mario", now));
    let (e, s, fl) = (engine.clone(), store.clone(), f.clone());
    let work0 = engine.hasher().work();
    let results = at_once(64, move |_| submit(&e, &*s, &fl, &password("wrong"), now));
    let verified = results.iter().filter(|r| is_wrong_password(r)).count();
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert!(results.iter().all(Result::is_ok), "{outcomes:?}");
    // One token: the first guess moves the flow on, the others are stale
    // double submits (§6.26); no more than one verify per guess that counted.
    assert!(verified >= 1, "{outcomes:?}");
    assert_eq!(
        consecutive(&*store, "a1") as usize,
        verified,
        "{outcomes:?}"
    );
    let per_hash = 8; // KiB × passes of the engine's parameters
    assert!(
        engine.hasher().work() - work0 <= per_hash * 64,
        "at most one Argon2 run per guess"
    );
}

/// §6.2: a success racing failures never wipes the lock they set.
pub fn success_does_not_wipe_a_racing_lock<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let threshold = engine.config().guard.password.threshold as usize;
    let now = at(100);
    let n = threshold + 4;
    let flows = Arc::new(
        (0..n)
            .map(|_| open(&engine, &*store, "mario", now))
            .collect::<Vec<_>>(),
    );
    let (e, s, f) = (engine.clone(), store.clone(), flows.clone());
    let results = at_once(n, move |i| {
        let p = if i == 0 { PASSWORD } else { "wrong" };
        submit(&e, &*s, &f[i], &password(p), now)
    });
    let wrong = results.iter().filter(|r| is_wrong_password(r)).count();
    let signed_in = results.iter().filter(|r| is_signed_in(r)).count();
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    // The success clears the failures counted before its own reservation
    // (fewer than the threshold, or it would have been refused), and the
    // budget then admits up to the threshold again.
    assert!(signed_in <= 1, "{outcomes:?}");
    assert!(wrong < 2 * threshold, "{outcomes:?}");
    // Whatever the order, the failures counted after the success's own
    // reservation stay counted, and the budget is never exceeded.
    let c = consecutive(&*store, "a1") as usize;
    assert!(c <= threshold, "{c}: {outcomes:?}");
    if signed_in == 0 {
        assert_eq!(c, wrong, "{outcomes:?}");
    } else {
        assert!(c <= wrong && wrong - c < threshold, "{c}: {outcomes:?}");
    }
    if c == threshold {
        // The lock holds: the right password now is refused.
        let f = open(&engine, &*store, "mario", now);
        let r = submit(&engine, &*store, &f, &password(PASSWORD), now);
        assert!(!is_signed_in(&r) || c < threshold, "{}", outcome(&r));
    }
}

/// An operator's block racing eight sign-ins of the same account: the
/// command's host loop reloads and redoes it on every conflict, so it is
/// applied (never lost, never an error), and no sign-in that starts after
/// it gets in.
pub fn a_command_races_sign_ins<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let now = at(100);
    let flows = Arc::new(
        (0..8)
            .map(|_| open(&engine, &*store, "mario", now))
            .collect::<Vec<_>>(),
    );
    let (e, s, f) = (engine.clone(), store.clone(), flows.clone());
    let results = at_once(9, move |i| {
        if i == 8 {
            let block = Command::Block {
                account: "a1".into(),
                reason: "stolen phone".into(),
            };
            let op = Actor::Operator { id: "op-7".into() };
            command(&e, &*s, &op, &block, now, &mut rand::rng())
        } else {
            submit(&e, &*s, &f[i], &password(PASSWORD), now)
        }
    });
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert!(results.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(
        matches!(&results[8], Ok(ran) if matches!(ran.step.outcome, FlowOutcome::Applied { .. })),
        "{outcomes:?}"
    );
    let row = store.get("account/a1").unwrap().unwrap();
    let stored = Stored::<varco::account::Account>::from_json(&row.json).unwrap();
    assert_eq!(
        stored.body().lifecycle().state(),
        &varco::account::AccountState::Suspended,
        "{outcomes:?}"
    );
    let f = open(&engine, &*store, "mario", now);
    let r = submit(&engine, &*store, &f, &password(PASSWORD), now);
    assert!(!is_signed_in(&r), "{}", outcome(&r));
}

/// §6.3: two correct logins of one account at once both succeed; other
/// accounts, signing in meanwhile, are untouched.
pub fn correct_logins_at_once_all_succeed<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    for i in 0..4 {
        account(
            &engine,
            &*store,
            &format!("a{i}"),
            &format!("user{i}"),
            false,
        );
    }
    let now = at(100);
    let flows: Vec<Open> = (0..8)
        .map(|i| open(&engine, &*store, &format!("user{}", i % 4), now))
        .collect();
    let flows = Arc::new(flows);
    let (e, s, f) = (engine.clone(), store.clone(), flows.clone());
    let results = at_once(8, move |i| submit(&e, &*s, &f[i], &password(PASSWORD), now));
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert!(results.iter().all(is_signed_in), "{outcomes:?}");
    for i in 0..4 {
        assert_eq!(consecutive(&*store, &format!("a{i}")), 0);
    }
}

/// §6.4: one code submitted 16 times at once is accepted once.
pub fn one_code_sixteen_times<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", true);
    let now = at(100);
    let mut f = open(&engine, &*store, "mario", now);
    let ran = submit(&engine, &*store, &f, &password(PASSWORD), now).unwrap();
    assert!(
        matches!(ran.step.outcome, FlowOutcome::CodeSent { .. }),
        "{:?}",
        ran.step.outcome
    );
    f.token = ran.step.view.unwrap().token;
    let code = last_code(&engine, &*store);
    let f = Arc::new(f);
    let (e, s, fl) = (engine.clone(), store.clone(), f.clone());
    let results = at_once(16, move |_| {
        submit(
            &e,
            &*s,
            &fl,
            &Input::Code {
                code: code.clone().into(),
            },
            now,
        )
    });
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert_eq!(
        results.iter().filter(|r| is_signed_in(r)).count(),
        1,
        "{outcomes:?}"
    );
}

/// A reset flow of `user` past its code: at the new password screen.
fn reset_at_new_password<S: Store + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    user: &str,
    now: Timestamp,
) -> Open {
    let mut f = reset_at_code(engine, store, user, now);
    let code = last_code(engine, store);
    let ran = submit(engine, store, &f, &Input::Code { code: code.into() }, now).unwrap();
    assert_eq!(
        ran.step.view.as_ref().map(|v| v.screen.as_str()),
        Some("new_password"),
        "{:?}",
        ran.step.outcome
    );
    f.token = ran.step.view.unwrap().token;
    f
}

/// A reset flow of `user` at its code screen (the code sent).
fn reset_at_code<S: Store + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    user: &str,
    now: Timestamp,
) -> Open {
    let s = start(
        engine,
        store,
        FlowKind::PasswordReset,
        &StartContext::default(),
        now,
        &mut rand::rng(),
    )
    .unwrap();
    let mut f = Open {
        key: s.flow_key.clone(),
        secret: s.client_secret.expose().to_owned(),
        token: s.step.view.unwrap().token,
    };
    let input = Input::Identify {
        identifier: user.into(),
    };
    let ran = submit(engine, store, &f, &input, now).unwrap();
    f.token = ran.step.view.unwrap().token;
    f
}

/// §6.18 with real concurrency: a reset completing while eight sign-ins
/// that read the account before it check the old password. A sign-in that
/// relied on the old account never authenticates after the reset: each
/// signed in before it (its grant now revoked), or ended, or found the
/// password changed (or its attempt refused: eight at once pass the
/// budget's threshold while they are counted).
pub fn reset_races_logins<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let now = at(100);
    let logins: Vec<Open> = (0..8)
        .map(|_| open(&engine, &*store, "mario", now))
        .collect();
    let reset = reset_at_new_password(&engine, &*store, "mario", now);
    let all = Arc::new((logins, reset));
    let (e, s, a) = (engine.clone(), store.clone(), all.clone());
    let fresh = "fiume violino tramonto";
    let results = at_once(9, move |i| {
        let input = match i {
            8 => Input::NewPassword {
                password: fresh.into(),
                confirmation: fresh.into(),
            },
            _ => password(PASSWORD),
        };
        let f = if i == 8 { &a.1 } else { &a.0[i] };
        submit(&e, &*s, f, &input, now)
    });
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    assert!(
        matches!(&results[8], Ok(r) if matches!(r.step.outcome, FlowOutcome::Done { .. })),
        "{outcomes:?}"
    );
    let row = store.get("account/a1").unwrap().unwrap();
    let account = Stored::<varco::account::Account>::from_json(&row.json).unwrap();
    for r in &results[..8] {
        match r.as_ref().map(|r| &r.step.outcome) {
            Ok(FlowOutcome::SignedIn { grant }) => assert_eq!(
                grant.check(&account, now, &varco::flow::Requirement::default()),
                varco::flow::SessionCheck::Revoked,
                "{outcomes:?}"
            ),
            Ok(FlowOutcome::Ended {
                reason: varco::flow::EndReason::AccountChanged,
            })
            | Ok(FlowOutcome::Rejected {
                reason: Rejection::WrongPassword | Rejection::Locked,
            }) => {}
            other => panic!("{other:?} in {outcomes:?}"),
        }
    }
}

/// §6.4 for a reset's code: submitted 16 times at once, it passes once.
pub fn reset_code_sixteen_times<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let now = at(100);
    let f = Arc::new(reset_at_code(&engine, &*store, "mario", now));
    let code = last_code(&engine, &*store);
    let (e, s, fl) = (engine.clone(), store.clone(), f.clone());
    let results = at_once(16, move |_| {
        submit(
            &e,
            &*s,
            &fl,
            &Input::Code {
                code: code.clone().into(),
            },
            now,
        )
    });
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    let passed = results
        .iter()
        .filter(|r| {
            matches!(r, Ok(ran) if ran.step.view.as_ref().is_some_and(|v| v.screen.as_str() == "new_password")
                && ran.step.outcome == FlowOutcome::Moved)
        })
        .count();
    assert_eq!(passed, 1, "{outcomes:?}");
}

/// A registration driven through the host loop to its emailed link: the
/// flow and the link's token.
fn registration_at_link<S: Store + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    now: Timestamp,
) -> (Open, String) {
    let s = start(
        engine,
        store,
        FlowKind::Registration,
        &StartContext::default(),
        now,
        &mut rand::rng(),
    )
    .unwrap();
    let mut f = Open {
        key: s.flow_key.clone(),
        secret: s.client_secret.expose().to_owned(),
        token: s.step.view.unwrap().token,
    };
    let go = |f: &mut Open, input: Input| {
        let ran = submit(engine, store, f, &input, now).unwrap();
        f.token = ran.step.view.unwrap().token;
    };
    let fact = |f: &mut Open, fact: HostFact| {
        let ran =
            varco_store::answer(engine, store, &f.key, None, &fact, now, &mut rand::rng()).unwrap();
        f.token = ran.step.view.unwrap().token;
    };
    go(
        &mut f,
        Input::Mobile {
            number: "347 1234567".into(),
        },
    );
    fact(&mut f, HostFact::Captcha { passed: true });
    let code = last_code(engine, store);
    go(&mut f, Input::Code { code: code.into() });
    fact(&mut f, HostFact::EligibleContract { eligible: true });
    go(
        &mut f,
        Input::PersonalData {
            first_name: "Mario".into(),
            last_name: "Rossi".into(),
            codice_fiscale: "RSSMRA80A01H501U".into(),
            organisation_code: "00743110157".into(),
        },
    );
    fact(&mut f, HostFact::Duplicate { account: None });
    go(
        &mut f,
        Input::Email {
            address: "mario.rossi@example.it".into(),
            username: None,
        },
    );
    let link = effects(engine, store)
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::SendEmail { body, .. } => body.split_once("token=").map(|(_, t)| {
                t.chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect::<String>()
            }),
            _ => None,
        })
        .expect("a link was emailed");
    (f, link)
}

/// §6.11 with real concurrency: a registration's emailed link confirmed
/// 16 times at once (16 tabs, a scanner and the user) is consumed once;
/// the others find it gone and change nothing.
pub fn registration_link_sixteen_times<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    let now = at(100);
    let (f, link) = registration_at_link(&engine, &*store, now);
    let holder = Arc::new(Open {
        key: f.key,
        secret: link.clone(),
        token: f.token,
    });
    let (e, s, h) = (engine.clone(), store.clone(), holder.clone());
    let results = at_once(16, move |_| {
        submit(
            &e,
            &*s,
            &h,
            &Input::ConfirmLink {
                token: link.as_str().into(),
            },
            now,
        )
    });
    let outcomes: Vec<String> = results.iter().map(outcome).collect();
    let confirmed = results
        .iter()
        .filter(|r| matches!(r, Ok(ran) if ran.step.outcome == FlowOutcome::Moved))
        .count();
    assert_eq!(confirmed, 1, "{outcomes:?}");
    assert!(
        results.iter().all(|r| matches!(r, Ok(ran) if matches!(ran.step.outcome, FlowOutcome::Moved | FlowOutcome::Stale))),
        "{outcomes:?}"
    );
    assert!(
        store.keys("account/", 10).unwrap().is_empty(),
        "no account before the last step"
    );
}

/// §6.5: budgets belong to the account: many flows give no more guesses.
pub fn many_flows_one_budget<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    account(&engine, &*store, "a1", "mario", false);
    let threshold = engine.config().guard.password.threshold as usize;
    let now = at(100);
    let flows = Arc::new(
        (0..40)
            .map(|_| open(&engine, &*store, "mario", now))
            .collect::<Vec<_>>(),
    );
    let (e, s, f) = (engine.clone(), store.clone(), flows.clone());
    let results = at_once(40, move |i| submit(&e, &*s, &f[i], &password("wrong"), now));
    let verified = results.iter().filter(|r| is_wrong_password(r)).count();
    assert!(verified <= threshold, "{verified} of 40 verified");
    assert_eq!(consecutive(&*store, "a1") as usize, verified);
}

/// §6.21: 16 registrations racing for one username (and 16 for one
/// email) create one account each; the others are told it is taken.
pub fn racing_registrations_create_one<S: Store + 'static>(store: Arc<S>) {
    let engine = engine();
    let (e, s) = (engine.clone(), store.clone());
    let results = at_once(16, move |i| {
        let new = NewAccount {
            id: format!("r{i}"),
            username: Some(if i % 2 == 0 { "Mario" } else { "mario" }.into()),
            ..NewAccount::default()
        };
        provision(&e, &*s, &new, Some(PASSWORD), at(0), &mut rand::rng())
    });
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1);
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(RunError::Taken { .. })))
    );
    assert_eq!(store.keys("account/", 100).unwrap().len(), 1);
    assert_eq!(store.keys("claim/", 100).unwrap(), ["claim/login/mario"]);
}

/// A record of a newer version than this engine knows is an error, and
/// nothing is written over it.
pub fn newer_record_version_is_refused<S: Store>(store: &S) {
    let engine = engine();
    account(&engine, store, "a1", "mario", false);
    let f = open(&engine, store, "mario", at(100));
    let row = store.get("account/a1").unwrap().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&row.json).unwrap();
    v["version"] = serde_json::json!(99);
    let newer = v.to_string();
    let w = put(
        "account/a1",
        &newer,
        row.revision + 1,
        Expect::Revision {
            revision: row.revision,
        },
    );
    assert_eq!(store.commit(&[w], None).unwrap(), Committed::Done);
    let before = store.counts().unwrap();
    let r = submit(&engine, store, &f, &password(PASSWORD), at(100));
    assert!(matches!(r, Err(RunError::Engine(_))), "{}", outcome(&r));
    assert_eq!(
        store.get("account/a1").unwrap().unwrap().json,
        newer,
        "left as it was"
    );
    let after = store.counts().unwrap();
    assert_eq!(after.outbox, before.outbox);
}

/// 100,000 sign-ins for made-up usernames, then a sweep past their
/// expiry: nothing of them is left but the fixed padding table.
pub fn unknown_logins_leave_nothing<S: Store + 'static>(store: Arc<S>, logins: usize) {
    let engine = engine();
    let threads = 4;
    let per = logins / threads;
    let (e, s) = (engine.clone(), store.clone());
    at_once(threads, move |t| {
        for i in 0..per {
            let now = at(100 + i as u64);
            let user = format!("ghost-{t}-{i}-{}", rand::random::<u32>());
            let f = open(&e, &*s, &user, now);
            let r = submit(&e, &*s, &f, &password("guess"), now);
            assert!(r.is_ok(), "{}", outcome(&r));
        }
    });
    let grown = store.counts().unwrap();
    assert!(
        grown.records >= (per * threads) as u64,
        "the flows are stored: {grown:?}"
    );
    let swept = sweep(&*store, Timestamp::from_unix_seconds(T0 + 10 * 24 * 3600)).unwrap();
    let left = store.counts().unwrap();
    assert!(swept >= (per * threads) as u64);
    assert_eq!(left.expiring, 0, "{left:?}");
    let buckets = u64::from(engine.config().padding_buckets);
    let pads = store.keys("pad/", 10_000).unwrap().len() as u64;
    assert_eq!(
        left.records,
        pads,
        "only padding is left: {:?}",
        store.keys("", 20).unwrap()
    );
    assert!(pads <= buckets, "{pads} padding records");
    // The audit rows wait in the outbox for the sender, which deletes them.
    let mut n = 0u64;
    loop {
        let d = deliver(
            &engine,
            &*store,
            at(200_000),
            Duration::from_secs(60),
            10_000,
            |_| Ok::<(), ()>(()),
        )
        .unwrap();
        n += d.rows;
        if d.rows == 0 {
            break;
        }
    }
    assert_eq!(store.counts().unwrap().outbox, 0, "{n} rows sent");
}

#[allow(unused_macros)] // the async suite uses the helpers only
macro_rules! conformance {
    ($make:expr) => {
        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig {
                cases: conformance::model::cases(),
                ..proptest::prelude::ProptestConfig::default()
            })]
            #[test]
            fn agrees_with_the_model(actions in conformance::model::actions(40)) {
                conformance::model::agrees(&*$make(), &actions)?;
            }
        }
        #[test]
        fn commits_all_or_none() {
            conformance::commits_all_or_none(&*$make());
        }
        #[test]
        fn refuses_bad_input() {
            conformance::refuses_bad_input(&*$make());
        }
        #[test]
        fn no_lost_updates() {
            conformance::no_lost_updates($make());
        }
        #[test]
        fn racing_inserts_create_one() {
            conformance::racing_inserts_create_one($make());
        }
        #[test]
        fn outbox_at_least_once() {
            conformance::outbox_at_least_once(&*$make());
        }
        #[test]
        fn sweeps_what_expired() {
            conformance::sweeps_what_expired(&*$make());
        }
        #[test]
        fn parallel_guesses_at_one_left() {
            conformance::parallel_guesses_at_one_left($make());
        }
        #[test]
        fn parallel_guesses_on_one_flow() {
            conformance::parallel_guesses_on_one_flow($make());
        }
        #[test]
        fn success_does_not_wipe_a_racing_lock() {
            conformance::success_does_not_wipe_a_racing_lock($make());
        }
        #[test]
        fn correct_logins_at_once_all_succeed() {
            conformance::correct_logins_at_once_all_succeed($make());
        }
        #[test]
        fn one_code_sixteen_times() {
            conformance::one_code_sixteen_times($make());
        }
        #[test]
        fn many_flows_one_budget() {
            conformance::many_flows_one_budget($make());
        }
        #[test]
        fn racing_registrations_create_one() {
            conformance::racing_registrations_create_one($make());
        }
        #[test]
        fn reset_races_logins() {
            conformance::reset_races_logins($make());
        }
        #[test]
        fn reset_code_sixteen_times() {
            conformance::reset_code_sixteen_times($make());
        }
        #[test]
        fn registration_link_sixteen_times() {
            conformance::registration_link_sixteen_times($make());
        }
        #[test]
        fn a_command_races_sign_ins() {
            conformance::a_command_races_sign_ins($make());
        }
        #[test]
        fn newer_record_version_is_refused() {
            conformance::newer_record_version_is_refused(&*$make());
        }
    };
}
