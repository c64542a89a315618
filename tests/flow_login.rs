//! The login flow through the host loop against an in-memory store, with
//! real concurrency: the properties of ENGINE §6 that concern sign-in.

#[path = "support/host.rs"]
mod host;

use std::sync::Arc;
use std::time::Duration;

use host::{Store, request};
use varco::account::{Account, IdentifierKind, LifecycleEvent};
use varco::effect::Effect;
use varco::flow::{
    Actor, BlockCause, Command, EndReason, EngineConfig, FlowEngine, FlowKind, FlowOutcome, Input,
    Method, Records, Rejection, Requirement, Screen, SecondFactorRule, StartContext, ViewError,
};
use varco::keys::KeyRing;
use varco::record::Stored;

#[path = "support/login.rs"]
mod login;

use login::*;

#[test]
fn a_login_with_an_sms_code_a_wrong_code_a_resend_and_a_success() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let (flow, secret) = start(&engine, &store, Some("203.0.113.7"), at(10));
    let rng = &mut rand::rng();
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("Mario"),
        at(11),
        rng,
    );
    assert_eq!(step.view.as_ref().unwrap().screen, Screen::Password);
    let (step, trace) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert_eq!(trace.password_checks, 1);
    assert!(
        matches!(step.outcome, FlowOutcome::CodeSent { sent: true, .. }),
        "{:?}",
        step.outcome
    );
    let view = step.view.unwrap();
    assert!(matches!(view.screen, Screen::Code { .. }));
    // No destination in the view, masked or not (the random ids blanked, so
    // their digits cannot match by chance).
    let mut shown = view.clone();
    shown.flow.clear();
    shown.token.clear();
    let shown = serde_json::to_string(&shown).unwrap();
    assert!(!shown.contains("333") && !shown.contains("4567"), "{shown}");
    let first = last_code(&store);
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &code(&wrong_code(&first)),
        at(20),
        rng,
    );
    assert_eq!(
        step.view.as_ref().unwrap().error,
        Some(ViewError::CodeWrong)
    );
    // A resend before the cooldown sends nothing; after it, a new code
    // replaces the old one.
    let (step, _) = request(&engine, &store, &flow, &secret, &Input::Resend, at(21), rng);
    assert!(matches!(
        step.outcome,
        FlowOutcome::CodeSent { sent: false, .. }
    ));
    assert_eq!(sent_messages(&store), 1);
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &Input::Resend,
        at(100),
        rng,
    );
    assert!(matches!(
        step.outcome,
        FlowOutcome::CodeSent { sent: true, .. }
    ));
    let second = last_code(&store);
    if second != first {
        let (step, _) = request(&engine, &store, &flow, &secret, &code(&first), at(101), rng);
        assert_eq!(
            step.view.as_ref().unwrap().error,
            Some(ViewError::CodeWrong)
        );
    }
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &code(&second),
        at(102),
        rng,
    );
    let FlowOutcome::SignedIn { grant } = &step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(
        (
            grant.account.as_str(),
            grant.level,
            grant.methods.as_slice()
        ),
        ("a1", 2, [Method::Sms].as_slice())
    );
    assert_eq!(step.view.unwrap().screen, Screen::SignedIn);
    // The granting step asserted the account it relied on.
    assert!(step.writes.iter().any(|w| w.key == "account/a1"));
}

#[test]
fn without_a_second_factor_the_password_signs_in_at_level_one() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let (flow, secret) = start(&engine, &store, None, at(10));
    let rng = &mut rand::rng();
    let _ = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("mario"),
        at(11),
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(grant.level, 1);
    // The policy that always asks for one sends a code instead.
    let (engine, store) = (
        engine_with(EngineConfig {
            second_factor: SecondFactorRule::Always,
            ..config()
        }),
        Store::new(),
    );
    provision(&engine, &store, &mario(false));
    let (flow, secret) = start(&engine, &store, None, at(10));
    let _ = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("mario"),
        at(11),
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::CodeSent { .. }));
}

/// A refused sign-in: its path's shape, its Argon2 work, its view, its
/// private reason.
type Refusal = (Vec<(String, Vec<String>, usize)>, u64, String, Rejection);

/// The shape of a wrong sign-in: per engine call, outcome-independent
/// parts (then, writes by kind), the number of Argon2 runs, and the view.
fn refusal_shape(engine: &FlowEngine, store: &Store, who: &str, pw: &str, now: u64) -> Refusal {
    let (flow, secret) = start(engine, store, Some("198.51.100.1"), at(now));
    let rng = &mut rand::rng();
    let (_, t1) = request(
        engine,
        store,
        &flow,
        &secret,
        &identify(who),
        at(now + 1),
        rng,
    );
    let (step, t2) = request(
        engine,
        store,
        &flow,
        &secret,
        &password(pw),
        at(now + 2),
        rng,
    );
    let FlowOutcome::Rejected { reason } = step.outcome else {
        panic!("{who}: {:?}", step.outcome)
    };
    let mut view = serde_json::to_value(step.view.unwrap()).unwrap();
    view["flow"] = "".into();
    let shape = t1
        .calls
        .iter()
        .chain(&t2.calls)
        .map(|(_, then, writes, _)| (then.clone(), writes.clone(), 1))
        .collect();
    (shape, t2.work, view.to_string(), reason)
}

#[test]
fn unknown_wrong_empty_locked_dormant_expired_suspended_and_unusable_look_the_same() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    for (id, name) in [
        ("a2", "locked"),
        ("a3", "dormant"),
        ("a4", "expired"),
        ("a5", "suspended"),
        ("a6", "nohash"),
    ] {
        provision(
            &engine,
            &store,
            &Who {
                id,
                username: name,
                password: "Correct-Horse-1",
                mobile: None,
                email: None,
                second_factor: false,
            },
        );
    }
    let apply = |id: &str, event: LifecycleEvent| {
        let key = format!("account/{id}");
        let a = Stored::<Account>::from_json(&store.get(&key).unwrap()).unwrap();
        let w = a.apply(&event, at(150)).unwrap().writes.unwrap();
        store.commit(&[put(&key, &w)]).unwrap();
    };
    apply("a3", LifecycleEvent::Inactivity);
    apply("a4", LifecycleEvent::SubscriptionExpired);
    apply(
        "a5",
        LifecycleEvent::OperatorBlock {
            operator: "op".into(),
            reason: "theft".into(),
        },
    );
    // a6's stored hash is unusable.
    let key = "account/a6";
    let json = store.get(key).unwrap();
    let a = Stored::<Account>::from_json(&json).unwrap();
    let broken = a
        .body()
        .clone()
        .with_password_hash("$argon2id$v=19$garbage");
    let w = a.next(broken, at(150)).unwrap();
    store
        .commit(&[put(
            key,
            &varco::step::Write {
                expect: a.expect(),
                record: w,
            },
        )])
        .unwrap();

    let baseline = refusal_shape(&engine, &store, "mario", "wrong password", 1000);
    assert_eq!(baseline.3, Rejection::WrongPassword);
    let one_run = u64::from(engine.config().hash.m_kib()) * u64::from(engine.config().hash.t());
    assert_eq!(
        baseline.1, one_run,
        "one Argon2 run at the engine's parameters"
    );
    let cases = [
        ("nobody", "wrong password", Rejection::UnknownAccount),
        ("mario", "", Rejection::WrongPassword),
        ("locked", "Correct-Horse-1", Rejection::Locked),
        ("dormant", "Correct-Horse-1", Rejection::Blocked),
        ("expired", "Correct-Horse-1", Rejection::Blocked),
        ("suspended", "Correct-Horse-1", Rejection::Blocked),
        ("nohash", "Correct-Horse-1", Rejection::UnusableHash),
        ("not an id!", "x", Rejection::UnknownAccount),
    ];
    for (i, (who, pw, reason)) in cases.into_iter().enumerate() {
        let now = 2000 + i as u64 * 100;
        if who == "locked" {
            // Lock a2's password: five wrong guesses just before.
            for j in 0..5 {
                refusal_shape(&engine, &store, "locked", "wrong", now - 50 + j * 3);
            }
        }
        let got = refusal_shape(&engine, &store, who, pw, now);
        assert_eq!(got.3, reason, "{who}");
        if who == "not an id!" {
            // A malformed identifier loads no claim (one call fewer), and
            // says so only about its own input.
            assert_eq!(got.0[1..], baseline.0[2..], "{who}");
        } else {
            assert_eq!(got.0, baseline.0, "{who}: the path's shape");
        }
        assert_eq!(got.1, baseline.1, "{who}: the same Argon2 work");
        assert_eq!(got.2, baseline.2, "{who}: the view");
    }
}

#[test]
fn a_block_is_shown_only_after_the_second_factor_and_an_owner_without_one_is_told() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let key = "account/a1";
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let w = a
        .apply(&LifecycleEvent::SubscriptionExpired, at(5))
        .unwrap()
        .writes
        .unwrap();
    store.commit(&[put(key, &w)]).unwrap();
    let rng = &mut rand::rng();
    let (flow, secret) = start(&engine, &store, None, at(10));
    let _ = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("mario"),
        at(11),
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert!(matches!(step.view.unwrap().screen, Screen::Code { .. }));
    let c = last_code(&store);
    let (step, _) = request(&engine, &store, &flow, &secret, &code(&c), at(13), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Blocked {
            cause: BlockCause::SubscriptionExpired
        }
    );
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Blocked {
            cause: BlockCause::SubscriptionExpired,
            unblock: varco::flow::Unblock::RenewSubscription
        }
    );
    // With the opt-in second factor off, a blocked account still passes its
    // second factor before the block is shown: shown after the password
    // alone, it would tell a guesser the password is right.
    let store = Store::new();
    provision(&engine, &store, &mario(false));
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let w = a
        .apply(&LifecycleEvent::SubscriptionExpired, at(5))
        .unwrap()
        .writes
        .unwrap();
    store.commit(&[put(key, &w)]).unwrap();
    let (flow, secret) = start(&engine, &store, None, at(10));
    let _ = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("mario"),
        at(11),
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert!(matches!(step.view.unwrap().screen, Screen::Code { .. }));

    // Without a second factor: the generic view, and the owner is told.
    let store = Store::new();
    let phc = engine
        .hasher()
        .hash("Correct-Horse-1", &mut rand::rng())
        .unwrap();
    let bare = Account::new("a1", at(0))
        .unwrap()
        .with_identifier(
            IdentifierKind::Username,
            "mario",
            &engine.config().identifiers,
        )
        .unwrap()
        .with_password_hash(&phc);
    store_account(&store, &bare);
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let w = a
        .apply(&LifecycleEvent::SubscriptionExpired, at(5))
        .unwrap()
        .writes
        .unwrap();
    store.commit(&[put(key, &w)]).unwrap();
    let (flow, secret) = start(&engine, &store, None, at(10));
    let _ = request(
        &engine,
        &store,
        &flow,
        &secret,
        &identify("mario"),
        at(11),
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &flow,
        &secret,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert_eq!(
        step.view.unwrap().error,
        Some(ViewError::AuthenticationFailed)
    );
    assert!(step.effects.iter().any(|e| matches!(e, Effect::NotifyOwner { event, detail } if event == "sign_in_blocked" && detail == "subscription_expired")));
}

#[test]
fn parallel_wrong_guesses_at_one_attempt_left_verify_one_password() {
    let (engine, store) = (engine(), Arc::new(Store::new()));
    provision(&engine, &store, &mario(false));
    // Four wrong guesses: one left before the lock.
    for i in 0..4 {
        let (_, _, _, reason) = refusal_shape(&engine, &store, "mario", "wrong", i * 10);
        assert_eq!(reason, Rejection::WrongPassword);
    }
    let flows: Vec<(String, String)> = (0..64)
        .map(|_| {
            let (f, s) = start(&engine, &store, None, at(100));
            let _ = request(
                &engine,
                &store,
                &f,
                &s,
                &identify("mario"),
                at(100),
                &mut rand::rng(),
            );
            (f, s)
        })
        .collect();
    let work_before = engine.hasher().work();
    let handles: Vec<_> = flows
        .into_iter()
        .map(|(f, s)| {
            let (engine, store) = (engine.clone(), store.clone());
            std::thread::spawn(move || {
                let (step, trace) = request(
                    &engine,
                    &store,
                    &f,
                    &s,
                    &password("guess"),
                    at(101),
                    &mut rand::rng(),
                );
                (step.outcome, trace.password_checks)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let verified = results
        .iter()
        .filter(|(o, _)| {
            *o == FlowOutcome::Rejected {
                reason: Rejection::WrongPassword,
            }
        })
        .count();
    assert_eq!(verified, 1, "{results:?}");
    // 64 guesses, 64 Argon2 runs: one real, 63 dummies; none twice.
    let one_run = u64::from(engine.config().hash.m_kib()) * u64::from(engine.config().hash.t());
    assert_eq!(engine.hasher().work() - work_before, 64 * one_run);
    assert!(results.iter().all(|(o, checks)| *checks == 1
        && matches!(
            o,
            FlowOutcome::Rejected {
                reason: Rejection::WrongPassword | Rejection::Locked
            }
        )));
}

#[test]
fn two_right_passwords_at_once_both_sign_in_and_accounts_do_not_interact() {
    let (engine, store) = (engine(), Arc::new(Store::new()));
    provision(&engine, &store, &mario(false));
    provision(
        &engine,
        &store,
        &Who {
            id: "b1",
            username: "bice",
            password: "Other-Horse-2",
            mobile: None,
            email: None,
            second_factor: false,
        },
    );
    let mut handles = Vec::new();
    for (who, pw) in [
        ("mario", "Correct-Horse-1"),
        ("mario", "Correct-Horse-1"),
        ("bice", "Other-Horse-2"),
        ("bice", "wrong"),
    ] {
        let (f, s) = start(&engine, &store, None, at(10));
        let _ = request(
            &engine,
            &store,
            &f,
            &s,
            &identify(who),
            at(11),
            &mut rand::rng(),
        );
        let (engine, store) = (engine.clone(), store.clone());
        handles.push(std::thread::spawn(move || {
            request(
                &engine,
                &store,
                &f,
                &s,
                &password(pw),
                at(12),
                &mut rand::rng(),
            )
            .0
            .outcome
        }));
    }
    let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        matches!(outcomes[0], FlowOutcome::SignedIn { .. }),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[1], FlowOutcome::SignedIn { .. }),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[2], FlowOutcome::SignedIn { .. }),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes[3],
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
}

/// A flow at its code screen.
fn at_code(engine: &FlowEngine, store: &Store, now: u64) -> (String, String) {
    let (f, s) = start(engine, store, None, at(now));
    let rng = &mut rand::rng();
    let _ = request(engine, store, &f, &s, &identify("mario"), at(now), rng);
    let (step, _) = request(
        engine,
        store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(now),
        rng,
    );
    assert!(
        matches!(step.outcome, FlowOutcome::CodeSent { .. }),
        "{:?}",
        step.outcome
    );
    (f, s)
}

#[test]
fn a_code_submitted_sixteen_times_at_once_is_accepted_once() {
    let (engine, store) = (engine(), Arc::new(Store::new()));
    provision(&engine, &store, &mario(true));
    let (f, s) = at_code(&engine, &store, 10);
    let c = last_code(&store);
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (engine, store, f, s, c) = (
                engine.clone(),
                store.clone(),
                f.clone(),
                s.clone(),
                c.clone(),
            );
            std::thread::spawn(move || {
                request(&engine, &store, &f, &s, &code(&c), at(11), &mut rand::rng())
                    .0
                    .outcome
            })
        })
        .collect();
    let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let signed = outcomes
        .iter()
        .filter(|o| matches!(o, FlowOutcome::SignedIn { .. }))
        .count();
    assert_eq!(signed, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, FlowOutcome::SignedIn { .. } | FlowOutcome::Stale))
    );
}

#[test]
fn many_flows_give_no_more_guesses_than_one_and_no_more_sms_than_the_cap() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    // Password guesses across 200 flows: the account's budget locks after
    // five, whichever flow they come from.
    let mut verified = 0;
    // (All within the first lock's minute: after it, five more guesses
    // are due, then a doubled wait.)
    for i in 0..200 {
        let (_, _, _, reason) = refusal_shape(&engine, &store, "mario", "wrong", i / 4);
        if reason == Rejection::WrongPassword {
            verified += 1;
        }
    }
    assert_eq!(verified, 5);
    // SMS: each new flow with the right password sends one, until the
    // destination's daily cap; past it, flows look the same and send none.
    let (engine, store) = (self::engine(), Store::new());
    provision(&engine, &store, &mario(true));
    for i in 0..30 {
        at_code(&engine, &store, 1000 + i * 200);
    }
    assert_eq!(
        sent_messages(&store),
        engine.config().delivery.daily_cap as usize
    );
}

#[test]
fn a_second_factor_locked_out_ends_every_waiting_flow_for_good_and_leaves_the_password() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let rng = &mut rand::rng();
    let (waiting, ws) = at_code(&engine, &store, 10);
    // Guess codes across flows until the second factor locks.
    let mut ended = false;
    for i in 0..50u64 {
        let (f, s) = at_code(&engine, &store, 20 + i);
        let c = last_code(&store);
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &code(&wrong_code(&c)),
            at(20 + i),
            rng,
        );
        if step.outcome
            == (FlowOutcome::Ended {
                reason: EndReason::SecondFactorLocked,
            })
        {
            ended = true;
            break;
        }
    }
    assert!(ended, "the second factor never locked");
    // The older flow, waiting on its code, has ended, and stays ended once
    // the lock has expired, even with the right code.
    let c = {
        // its own code is long replaced in the outbox; any code will do:
        // the flow must end before looking at it.
        "123456".to_owned()
    };
    let (step, _) = request(&engine, &store, &waiting, &ws, &code(&c), at(600), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::SecondFactorLocked
        }
    );
    let (step, _) = request(&engine, &store, &waiting, &ws, &code(&c), at(700), rng);
    assert_eq!(step.outcome, FlowOutcome::Stale);
    // The password's budget is untouched: a new flow passes the password.
    let (f, s) = start(&engine, &store, None, at(100));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(100), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(100),
        rng,
    );
    assert!(
        matches!(
            step.outcome,
            FlowOutcome::CodeSent { .. }
                | FlowOutcome::Ended {
                    reason: EndReason::SecondFactorLocked
                }
        ),
        "{:?}",
        step.outcome
    );
    assert!(!matches!(step.outcome, FlowOutcome::Rejected { .. }));
}

#[test]
fn a_wrong_client_secret_a_stale_token_and_a_wrong_input_write_nothing() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let (f, s) = start(&engine, &store, None, at(10));
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let token = flow.body().token();
    let rng = &mut rand::rng();
    let input = identify("mario");
    let wrong = varco::flow::Submit {
        client_secret: "not the secret",
        token: &token,
        input: &input,
        ticket: None,
    };
    let step = engine
        .advance(&flow, &wrong, &varco::flow::Records::new(), at(11), rng)
        .unwrap();
    assert_eq!(step.outcome, FlowOutcome::WrongClient);
    assert!(step.writes.is_empty() && step.effects.is_empty());
    assert_eq!(
        step.view.unwrap().error,
        Some(ViewError::AuthenticationFailed)
    );
    let stale = varco::flow::Submit {
        client_secret: &s,
        token: "0",
        input: &input,
        ticket: None,
    };
    let step = engine
        .advance(&flow, &stale, &varco::flow::Records::new(), at(11), rng)
        .unwrap();
    assert_eq!(step.outcome, FlowOutcome::Stale);
    assert!(step.writes.is_empty());
    let bad_input = password("x");
    let bad = varco::flow::Submit {
        client_secret: &s,
        token: &token,
        input: &bad_input,
        ticket: None,
    };
    assert_eq!(
        engine
            .advance(&flow, &bad, &varco::flow::Records::new(), at(11), rng)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    // A double submit: the first moves the flow; the second, with the old
    // token, gets the current view and writes nothing.
    let (first, _) = request(&engine, &store, &f, &s, &input, at(12), rng);
    assert_eq!(first.view.unwrap().screen, Screen::Password);
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let again = varco::flow::Submit {
        client_secret: &s,
        token: &token,
        input: &input,
        ticket: None,
    };
    let step = engine
        .advance(&flow, &again, &varco::flow::Records::new(), at(13), rng)
        .unwrap();
    assert_eq!((step.outcome, step.writes.len()), (FlowOutcome::Stale, 0));
    assert_eq!(step.view.unwrap().screen, Screen::Password);
}

#[test]
fn a_reservation_held_by_another_request_is_busy_and_never_hashes() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    // Phase 1 of one request, committed; its process then stalls.
    let keys = vec!["account/a1".to_owned(), "guard/a1".to_owned()];
    let mut records = store.load(&keys);
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let token = flow.body().token();
    let pw = password("wrong");
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &token,
        input: &pw,
        ticket: None,
    };
    let step = engine
        .advance(&flow, &submit, &records, at(12), rng)
        .unwrap();
    let varco::flow::Then::Load { keys: more } = &step.then else {
        panic!("{:?}", step.then)
    };
    for k in more {
        records.insert(k.clone(), store.get(k));
    }
    let step = engine
        .advance(&flow, &submit, &records, at(12), rng)
        .unwrap();
    assert_eq!(step.outcome, FlowOutcome::Reserved);
    store.commit_step(&step).unwrap();
    // 63 more submissions meanwhile: Busy, no writes, no hash.
    for _ in 0..63 {
        let (step, trace) = request(&engine, &store, &f, &s, &pw, at(13), rng);
        assert_eq!(step.outcome, FlowOutcome::Busy);
        assert_eq!((trace.password_checks, step.writes.len()), (0, 0));
    }
    // Once the reservation expires, a request adopts it: its one count is
    // the one already made.
    let guard_before = store.get("guard/a1").unwrap();
    let (step, trace) = request(&engine, &store, &f, &s, &pw, at(60), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
    assert_eq!(trace.password_checks, 1);
    assert_eq!(
        store.get("guard/a1").unwrap(),
        guard_before,
        "no second count"
    );
}

#[test]
fn a_login_that_read_the_account_before_a_block_never_signs_in_after_it() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let rng = &mut rand::rng();
    let (f, s) = at_code(&engine, &store, 10);
    let c = last_code(&store);
    // The code step is computed with the account as it was...
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let token = flow.body().token();
    let input = code(&c);
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &token,
        input: &input,
        ticket: None,
    };
    let ck = format!("challenge/{}", {
        let v: serde_json::Value = serde_json::from_str(&store.get(&f).unwrap()).unwrap();
        v["body"]["state"]["challenge"].as_str().unwrap().to_owned()
    });
    let records = store.load(&["account/a1".to_owned(), "guard/a1".to_owned(), ck]);
    let step = engine
        .advance(&flow, &submit, &records, at(11), rng)
        .unwrap();
    assert!(matches!(step.outcome, FlowOutcome::SignedIn { .. }));
    // ... then an operator blocks it before the commit.
    let block = Command::Block {
        account: "a1".into(),
        reason: "stolen".into(),
    };
    let op = Actor::Operator { id: "op-1".into() };
    let cmd = engine
        .command(
            &op,
            &block,
            &store.load(&["account/a1".into(), "guard/a1".into()]),
            at(11),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&cmd).unwrap();
    assert!(
        store.commit_step(&step).is_err(),
        "the sign-in must not commit"
    );
    // The host loop reloads: the epoch moved, the flow ends.
    let (step, _) = request(&engine, &store, &f, &s, &input, at(12), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AccountChanged
        }
    );
}

#[test]
fn operator_and_host_commands_block_unblock_expire_and_renew() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let op = Actor::Operator { id: "op-1".into() };
    let run = |actor: &Actor, c: Command| {
        let keys = [
            format!("account/{}", c.account()),
            format!("guard/{}", c.account()),
        ];
        let step = engine.command(actor, &c, &store.load(&keys), at(20), &mut rand::rng())?;
        store.commit_step(&step).unwrap();
        Ok::<_, varco::Error>(step.outcome)
    };
    let state = |o: FlowOutcome| match o {
        FlowOutcome::Applied { state } => state.as_str().to_owned(),
        o => panic!("{o:?}"),
    };
    assert_eq!(
        state(
            run(
                &op,
                Command::Block {
                    account: "a1".into(),
                    reason: "theft".into()
                }
            )
            .unwrap()
        ),
        "suspended"
    );
    assert_eq!(
        run(
            &Actor::Host {},
            Command::Unblock {
                account: "a1".into()
            }
        )
        .unwrap_err()
        .code(),
        "invalid_input"
    );
    assert_eq!(
        state(
            run(
                &op,
                Command::Unblock {
                    account: "a1".into()
                }
            )
            .unwrap()
        ),
        "active"
    );
    assert_eq!(
        state(
            run(
                &Actor::Host {},
                Command::SubscriptionExpired {
                    account: "a1".into()
                }
            )
            .unwrap()
        ),
        "expired"
    );
    assert_eq!(
        state(
            run(
                &Actor::Host {},
                Command::SubscriptionRenewed {
                    account: "a1".into()
                }
            )
            .unwrap()
        ),
        "active"
    );
    assert_eq!(
        run(
            &op,
            Command::Block {
                account: "nobody".into(),
                reason: "x".into()
            }
        )
        .unwrap_err()
        .code(),
        "invalid_input"
    );
    // An operator's block moved the epoch once.
    let a = Stored::<Account>::from_json(&store.get("account/a1").unwrap()).unwrap();
    assert_eq!(a.body().epoch(), 1);
}

#[test]
fn a_flow_expires_and_a_clock_set_back_does_not_revive_it() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &identify("mario"),
        at(10 + 900),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::Expired
        }
    );
    assert!(step.writes.is_empty());
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(500), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(100),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::Expired
        }
    );
}

#[test]
fn a_legacy_hash_signs_in_and_is_upgraded_by_a_write() {
    let (engine, store) = (engine(), Store::new());
    // bcrypt("password", cost 4), from passlib (tests/data/legacy_hashes.tsv).
    let legacy = "$2b$04$f..FfCDhfXf.VTTKifttHen/ATM.B9D1AAr1v6StgEmFbX5k/.Qq2";
    let a = Account::new("a1", at(0))
        .unwrap()
        .with_identifier(
            IdentifierKind::Username,
            "mario",
            &engine.config().identifiers,
        )
        .unwrap()
        .with_password_hash(legacy);
    store_account(&store, &a);
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, trace) = request(&engine, &store, &f, &s, &password("password"), at(12), rng);
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    assert_eq!(trace.password_checks, 1);
    let a = Stored::<Account>::from_json(&store.get("account/a1").unwrap()).unwrap();
    let phc = a.body().password_hash().unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(engine.hasher().verify("password", phc).unwrap().is_valid());
}

#[test]
fn an_imported_legacy_hash_is_wrapped_at_provisioning_and_upgraded_at_sign_in() {
    let (engine, store) = (engine(), Store::new());
    // SHA-512-crypt and bcrypt, from passlib (tests/data/legacy_hashes.tsv).
    let bcrypt = "$2b$04$f..FfCDhfXf.VTTKifttHen/ATM.B9D1AAr1v6StgEmFbX5k/.Qq2";
    let new = varco::flow::NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        imported_hash: Some(bcrypt.into()),
        ..Default::default()
    };
    let rng = &mut rand::rng();
    assert!(
        engine
            .provision(&new, Some("x"), &Records::new(), at(0), rng)
            .is_err(),
        "not both"
    );
    let bad = varco::flow::NewAccount {
        imported_hash: Some("$2b$04$short".into()),
        ..new.clone()
    };
    assert_eq!(
        engine
            .provision(&bad, None, &Records::new(), at(0), rng)
            .unwrap_err()
            .code(),
        "malformed_hash"
    );
    store
        .commit_step(
            &engine
                .provision(&new, None, &Records::new(), at(0), rng)
                .unwrap(),
        )
        .unwrap();
    let stored = || {
        Stored::<Account>::from_json(&store.get("account/a1").unwrap())
            .unwrap()
            .body()
            .password_hash()
            .unwrap()
            .to_owned()
    };
    assert!(stored().starts_with("$varco-wrap$"), "{}", stored());
    assert!(
        !stored().contains("FbX5k/.Qq2"),
        "the bcrypt digest is gone"
    );
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(&engine, &store, &f, &s, &password("wrong"), at(12), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
    let (step, trace) = request(&engine, &store, &f, &s, &password("password"), at(13), rng);
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    assert_eq!(trace.password_checks, 1);
    assert!(stored().starts_with("$argon2id$"), "{}", stored());
    assert!(
        engine
            .hasher()
            .verify("password", &stored())
            .unwrap()
            .is_valid()
    );
}

#[test]
fn no_secret_reaches_the_debug_forms_the_audit_events_or_the_flow_record() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    let c = last_code(&store);
    assert!(!format!("{step:?}").contains(&c));
    let (step, _) = request(&engine, &store, &f, &s, &code(&c), at(13), rng);
    assert!(!format!("{step:?}").contains(&c));
    for effects in store.outbox.lock().unwrap().iter() {
        for e in effects {
            if let Effect::Audit(a) = e {
                let json = serde_json::to_string(a).unwrap();
                assert!(
                    !json.contains("Correct-Horse-1") && !json.contains(&c) && !json.contains(&s)
                );
            }
        }
    }
    let flow = store.get(&f).unwrap();
    assert!(!flow.contains("Correct-Horse-1") && !flow.contains(&s) && !flow.contains(&c));
    assert!(
        !format!(
            "{:?}",
            Input::Code {
                code: c.as_str().into()
            }
        )
        .contains(&c)
    );
}

#[test]
fn sign_in_grants_are_revoked_when_the_epoch_moves() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!()
    };
    let account = || Stored::<Account>::from_json(&store.get("account/a1").unwrap()).unwrap();
    assert_eq!(
        grant.check(&account(), at(13), &Requirement::default()),
        varco::flow::SessionCheck::Valid
    );
    assert_eq!(
        grant.check(
            &account(),
            at(13 + 600),
            &Requirement {
                max_age: Some(Duration::from_secs(300)),
                level: 1
            }
        ),
        varco::flow::SessionCheck::StepUp
    );
    let op = Actor::Operator { id: "op".into() };
    let cmd = engine
        .command(
            &op,
            &Command::Block {
                account: "a1".into(),
                reason: "theft".into(),
            },
            &store.load(&["account/a1".into(), "guard/a1".into()]),
            at(14),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&cmd).unwrap();
    assert_eq!(
        grant.check(&account(), at(15), &Requirement::default()),
        varco::flow::SessionCheck::Revoked
    );
}

#[test]
fn an_account_without_a_mobile_gets_its_code_by_email_and_may_choose_totp_instead() {
    use varco::otp::{OtpSecret, TotpConfig, TotpCredential};
    let (engine, store) = (engine(), Store::new());
    provision(
        &engine,
        &store,
        &Who {
            email: Some("mario@example.it"),
            mobile: None,
            ..mario(true)
        },
    );
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::CodeSent {
            channel: varco::otp::Channel::Email,
            sent: true
        }
    );
    let c = last_code(&store);
    let (step, _) = request(&engine, &store, &f, &s, &code(&c), at(13), rng);
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(grant.methods, vec![Method::Email]);

    // With an authenticator too, the user chooses.
    let secret = OtpSecret::from_bytes(&[7; 20]).unwrap();
    let cred = TotpCredential::new(secret, TotpConfig::default());
    let keys = KeyRing::new("s1", vec![2; 32]).unwrap();
    let sealing = varco::seal::SealingKeys::from_ring(keys).unwrap();
    let w = varco::seal::Sealed::create(&cred, "totp/a1", &sealing, at(0), rng).unwrap();
    store.commit(&[put("totp/a1", &w)]).unwrap();
    let key = "account/a1";
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let next = a.next(a.body().clone().with_totp(true), at(14)).unwrap();
    store
        .commit(&[put(
            key,
            &varco::step::Write {
                expect: a.expect(),
                record: next,
            },
        )])
        .unwrap();
    let (f, s) = start(&engine, &store, None, at(20));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(21), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(22),
        rng,
    );
    let view = step.view.unwrap();
    assert_eq!(
        (view.screen, view.methods),
        (Screen::ChooseMethod, vec![Method::Email, Method::Totp])
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::ChooseMethod {
            method: Method::Totp,
        },
        at(23),
        rng,
    );
    assert_eq!(step.view.unwrap().screen, Screen::Totp);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::Totp {
            code: "000000".into(),
        },
        at(24),
        rng,
    );
    assert!(
        matches!(
            step.outcome,
            FlowOutcome::Rejected {
                reason: Rejection::WrongCode
            }
        ) || cred.code_at(at(24)).unwrap().as_str() == "000000"
    );
    let now = at(60);
    let right = cred.code_at(now).unwrap();
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::Totp {
            code: right.as_str().into(),
        },
        now,
        rng,
    );
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(grant.methods, vec![Method::Totp]);
    // The same code again (a replay, in another flow) is refused.
    let (f, s) = start(&engine, &store, None, now);
    let _ = request(&engine, &store, &f, &s, &identify("mario"), now, rng);
    let _ = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        now,
        rng,
    );
    let _ = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::ChooseMethod {
            method: Method::Totp,
        },
        now,
        rng,
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::Totp {
            code: right.as_str().into(),
        },
        now,
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        }
    );
}

#[test]
fn a_commit_conflict_after_the_check_never_hashes_again() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let pw = password("Correct-Horse-1");
    let keys: Vec<String> = ["account/a1", "guard/a1"].map(str::to_owned).to_vec();
    let flow = || Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let token = flow().body().token();
    let mut records = store.load(&keys);
    let mut ticket: Option<String> = None;
    // Reserve, then check: each committed.
    for expected in [
        FlowOutcome::NeedRecords,
        FlowOutcome::Reserved,
        FlowOutcome::Checked,
    ] {
        let submit = varco::flow::Submit {
            client_secret: &s,
            token: &token,
            input: &pw,
            ticket: ticket.as_deref(),
        };
        let step = engine
            .advance(&flow(), &submit, &records, at(12), rng)
            .unwrap();
        assert_eq!(step.outcome, expected);
        store.commit_step(&step).unwrap();
        match step.then {
            varco::flow::Then::Load { keys: more } => {
                for k in more {
                    records.insert(k.clone(), store.get(&k));
                }
            }
            varco::flow::Then::CommitAndRepeat { ticket: t } => {
                ticket = Some(t.expose().to_owned())
            }
            varco::flow::Then::Respond => unreachable!(),
        }
        let all: Vec<String> = records.keys().map(str::to_owned).collect();
        records = store.load(&all);
    }
    // The last phase is computed, then another flow's wrong guess changes
    // the guard before it commits: a conflict.
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &token,
        input: &pw,
        ticket: ticket.as_deref(),
    };
    let work = engine.hasher().work();
    let step = engine
        .advance(&flow(), &submit, &records, at(12), rng)
        .unwrap();
    assert!(matches!(step.outcome, FlowOutcome::SignedIn { .. }));
    assert_eq!(engine.hasher().work(), work, "the last phase does not hash");
    let _ = refusal_shape(&engine, &store, "mario", "wrong", 12);
    assert!(store.commit_step(&step).is_err());
    // Reloaded and advanced again: signed in, with no Argon2 run.
    let work = engine.hasher().work();
    let all: Vec<String> = records.keys().map(str::to_owned).collect();
    let step = engine
        .advance(&flow(), &submit, &store.load(&all), at(13), rng)
        .unwrap();
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    store.commit_step(&step).unwrap();
    assert_eq!(engine.hasher().work(), work, "no hash after the check");
}

#[test]
fn a_source_that_fails_too_often_is_refused_for_every_account() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    for i in 0..20 {
        let who = format!("nobody{i}");
        let (_, _, _, reason) = refusal_shape(&engine, &store, &who, "x", 10 + i);
        assert_eq!(reason, Rejection::UnknownAccount);
    }
    // The next attempt from that source, even with mario's right password,
    // is refused, and looks the same.
    let (_, _, _, reason) = refusal_shape(&engine, &store, "mario", "Correct-Horse-1", 40);
    assert_eq!(reason, Rejection::SourceLocked);
    // From another source it signs in.
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, Some("192.0.2.9"), at(41));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(41), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(42),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::SignedIn { .. }));
}

#[test]
fn dormant_after_180_days_without_a_sign_in_and_never_while_in_use() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let rng = &mut rand::rng();
    let day = 24 * 3600;
    let sign_in = |now: u64, rng: &mut rand::rngs::ThreadRng| {
        let (f, s) = at_code(&engine, &store, now);
        let c = last_code(&store);
        request(&engine, &store, &f, &s, &code(&c), at(now + 1), rng)
            .0
            .outcome
    };
    // Signing in every 100 days keeps the account active...
    for n in 1..=4 {
        assert!(matches!(
            sign_in(n * 100 * day, rng),
            FlowOutcome::SignedIn { .. }
        ));
    }
    // ... 181 days without one make it dormant, shown after the code.
    assert_eq!(
        sign_in(400 * day + 181 * day, rng),
        FlowOutcome::Blocked {
            cause: BlockCause::Dormant
        }
    );
}

#[test]
fn a_recovery_code_passes_the_second_factor_once_and_is_reserved_like_a_password() {
    use varco::otp::RecoveryCodeSet;
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(true));
    let rng = &mut rand::rng();
    // The owner has ten recovery codes (made with the engine's hasher).
    let made = Stored::new(RecoveryCodeSet::empty())
        .regenerate(10, engine.hasher(), at(0), rng)
        .unwrap();
    let codes: Vec<String> = serde_json::to_value(&made.outcome).unwrap()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    store
        .commit(&[put("recovery_codes/a1", made.writes.as_ref().unwrap())])
        .unwrap();
    let key = "account/a1";
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let next = a
        .next(a.body().clone().with_recovery_codes(true), at(1))
        .unwrap();
    store
        .commit(&[put(
            key,
            &varco::step::Write {
                expect: a.expect(),
                record: next,
            },
        )])
        .unwrap();

    let sign_in_with = |code: &str, now: u64, rng: &mut rand::rngs::ThreadRng| {
        let (f, s) = start(&engine, &store, None, at(now));
        let _ = request(&engine, &store, &f, &s, &identify("mario"), at(now), rng);
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &password("Correct-Horse-1"),
            at(now),
            rng,
        );
        assert_eq!(
            step.view.unwrap().methods,
            vec![Method::Sms, Method::RecoveryCode]
        );
        let _ = request(
            &engine,
            &store,
            &f,
            &s,
            &Input::ChooseMethod {
                method: Method::RecoveryCode,
            },
            at(now),
            rng,
        );
        let input = Input::RecoveryCode { code: code.into() };
        request(&engine, &store, &f, &s, &input, at(now + 1), rng)
    };
    let one_run = u64::from(engine.config().hash.m_kib()) * u64::from(engine.config().hash.t());
    let (step, trace) = sign_in_with(&codes[3].to_lowercase(), 10, rng);
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(grant.methods, vec![Method::RecoveryCode]);
    // Reserved, checked, then signed in: its Argon2 runs come in the one
    // checking phase (at most one per stored code).
    let phases: Vec<&str> = trace.calls.iter().map(|c| c.0.as_str()).collect();
    assert!(
        phases.ends_with(&["need_records", "reserved", "checked", "signed_in"]),
        "{phases:?}"
    );
    assert!(trace.work >= one_run && trace.work <= 10 * one_run);
    // Used once, never again.
    let (step, _) = sign_in_with(&codes[3], 20, rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        }
    );
    let (step, _) = sign_in_with("ABCDE-FGHJK-MNPQR", 30, rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        }
    );
    let set =
        Stored::<RecoveryCodeSet>::from_json(&store.get("recovery_codes/a1").unwrap()).unwrap();
    assert_eq!(set.body().remaining(), 9);
}

/// A sign-in from `place`: the outcome after the password.
fn from_place(
    engine: &FlowEngine,
    store: &Store,
    who: &str,
    pw: &str,
    place: &str,
    now: u64,
) -> (String, String, FlowOutcome) {
    let ctx = StartContext {
        source: None,
        device: None,
        place: Some(varco::guard::Place::from_json(place).unwrap()),
        remember_device: false,
    };
    let started = engine
        .start(FlowKind::Login, &ctx, at(now), &mut rand::rng())
        .unwrap();
    store.commit_step(&started.step).unwrap();
    let (f, s) = (started.flow_key, started.client_secret.expose().to_owned());
    let rng = &mut rand::rng();
    let _ = request(engine, store, &f, &s, &identify(who), at(now), rng);
    let (step, _) = request(engine, store, &f, &s, &password(pw), at(now), rng);
    (f, s, step.outcome)
}

const ROME: &str = r#"{"kind":"coordinates","lat":41.9,"lon":12.5}"#;
const LIMA: &str = r#"{"kind":"coordinates","lat":-12.05,"lon":-77.04}"#;

#[test]
fn an_implausible_journey_steps_up_to_the_second_factor_or_blocks() {
    // Step-up (the default): an opt-in-off account from Rome, then Lima an
    // hour later, must pass its SMS code.
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let (_, _, o) = from_place(&engine, &store, "mario", "Correct-Horse-1", ROME, 10);
    assert!(matches!(o, FlowOutcome::SignedIn { .. }), "{o:?}");
    let (_, _, o) = from_place(&engine, &store, "mario", "Correct-Horse-1", LIMA, 3610);
    assert!(matches!(o, FlowOutcome::CodeSent { .. }), "{o:?}");
    // Rome again two hours later is a plausible journey from Rome.
    let (_, _, o) = from_place(&engine, &store, "mario", "Correct-Horse-1", ROME, 7210);
    assert!(matches!(o, FlowOutcome::SignedIn { .. }), "{o:?}");

    // Block: the account is blocked preventively, the owner is told, and
    // the reason is shown once the code has passed.
    let mut config = config();
    config.travel.action = varco::guard::TravelAction::Block;
    let (engine, store) = (engine_with(config), Store::new());
    provision(&engine, &store, &mario(true));
    let (f, s) = at_code(&engine, &store, 10);
    let c = last_code(&store);
    let _ = request(&engine, &store, &f, &s, &code(&c), at(11), &mut rand::rng());
    let (f, s, o) = from_place(&engine, &store, "mario", "Correct-Horse-1", ROME, 20);
    let c = last_code(&store);
    assert!(matches!(o, FlowOutcome::CodeSent { .. }), "{o:?}");
    let (step, _) = request(&engine, &store, &f, &s, &code(&c), at(21), &mut rand::rng());
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    let (f, s, o) = from_place(&engine, &store, "mario", "Correct-Horse-1", LIMA, 3620);
    assert!(matches!(o, FlowOutcome::CodeSent { .. }), "{o:?}");
    assert!(
        store
            .outbox
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .any(|e| matches!(e, Effect::NotifyOwner { event, .. } if event == "preventive_block"))
    );
    let a = Stored::<Account>::from_json(&store.get("account/a1").unwrap()).unwrap();
    assert_eq!(a.body().lifecycle().state().as_str(), "locked_location");
    let c = last_code(&store);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &code(&c),
        at(3621),
        &mut rand::rng(),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Blocked {
            cause: BlockCause::Location
        }
    );
}

#[test]
fn a_required_action_grants_no_session_even_after_every_factor() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let key = "account/a1";
    let a = Stored::<Account>::from_json(&store.get(key).unwrap()).unwrap();
    let forced = a
        .body()
        .clone()
        .with_required_action(varco::account::RequiredAction::ChangePassword);
    let next = a.next(forced, at(1)).unwrap();
    store
        .commit(&[put(
            key,
            &varco::step::Write {
                expect: a.expect(),
                record: next,
            },
        )])
        .unwrap();
    let rng = &mut rand::rng();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(12),
        rng,
    );
    let action = varco::account::RequiredAction::ChangePassword;
    assert_eq!(step.outcome, FlowOutcome::ActionRequired { action });
    assert_eq!(step.view.unwrap().screen, Screen::ActionRequired { action });
    // And a wrong password still looks like any other.
    let (_, _, _, reason) = refusal_shape(&engine, &store, "mario", "wrong", 20);
    assert_eq!(reason, Rejection::WrongPassword);
}

#[test]
fn a_remembered_device_keeps_its_owner_in_when_others_lock_the_password() {
    let mut config = config();
    config.trusted_device_days = 30;
    let (engine, store) = (engine_with(config), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let sign_in = |device: Option<&str>,
                   remember: bool,
                   pw: &str,
                   now: u64,
                   rng: &mut rand::rngs::ThreadRng| {
        let ctx = StartContext {
            source: None,
            device: device.map(str::to_owned),
            place: None,
            remember_device: remember,
        };
        let started = engine.start(FlowKind::Login, &ctx, at(now), rng).unwrap();
        store.commit_step(&started.step).unwrap();
        let (f, s) = (started.flow_key, started.client_secret.expose().to_owned());
        let _ = request(&engine, &store, &f, &s, &identify("mario"), at(now), rng);
        request(&engine, &store, &f, &s, &password(pw), at(now), rng)
            .0
            .outcome
    };
    // A full sign-in on the phone, remembered.
    assert!(matches!(
        sign_in(Some("phone-1"), true, "Correct-Horse-1", 10, rng),
        FlowOutcome::SignedIn { .. }
    ));
    // Someone elsewhere locks the account's password budget.
    for i in 0..5 {
        assert_eq!(
            sign_in(None, false, "guess", 20 + i, rng),
            FlowOutcome::Rejected {
                reason: Rejection::WrongPassword
            }
        );
    }
    assert_eq!(
        sign_in(None, false, "Correct-Horse-1", 30, rng),
        FlowOutcome::Rejected {
            reason: Rejection::Locked
        }
    );
    // The phone has a budget of its own; a device never remembered has not.
    assert!(matches!(
        sign_in(Some("phone-1"), false, "Correct-Horse-1", 31, rng),
        FlowOutcome::SignedIn { .. }
    ));
    assert_eq!(
        sign_in(Some("laptop"), false, "Correct-Horse-1", 32, rng),
        FlowOutcome::Rejected {
            reason: Rejection::Locked
        }
    );
    // 31 days after its last full sign-in the phone's trust has lapsed:
    // locked out like any other device.
    let later = 31 * 24 * 3600;
    for i in 0..5 {
        let _ = sign_in(None, false, "guess", later + i, rng);
    }
    assert_eq!(
        sign_in(Some("phone-1"), false, "Correct-Horse-1", later + 10, rng),
        FlowOutcome::Rejected {
            reason: Rejection::Locked
        }
    );
    // With trust off in the engine, remembering trusts nothing.
    let (engine, store) = (self::engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let ctx = StartContext {
        source: None,
        device: Some("phone-1".into()),
        place: None,
        remember_device: true,
    };
    let started = engine.start(FlowKind::Login, &ctx, at(10), rng).unwrap();
    store.commit_step(&started.step).unwrap();
    let (f, s) = (started.flow_key, started.client_secret.expose().to_owned());
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(10), rng);
    let _ = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(10),
        rng,
    );
    let guard =
        Stored::<varco::guard::AccountGuard>::from_json(&store.get("guard/a1").unwrap()).unwrap();
    assert!(!guard.body().is_trusted("phone-1"));
}
