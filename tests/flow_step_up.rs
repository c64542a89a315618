//! Step-up (ENGINE §3, sessions): a signed-in user whose grant is too old
//! or too weak for a sensitive change proves their factors again and gets a
//! fresh grant. The password is counted as at sign-in; a revoked grant
//! steps up to nothing.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use std::time::Duration;

use host::{Store, request};
use login::*;
use varco::account::Account;
use varco::flow::{
    Actor, Command, EndReason, FlowEngine, FlowKind, FlowOutcome, Input, Method, Rejection,
    Requirement, Screen, SessionCheck, SessionGrant, StartContext,
};
use varco::record::Stored;

/// mario (second factor off) signed in with his password alone: a
/// level-1 grant.
fn signed_in(engine: &FlowEngine, store: &Store, who: &Who<'_>) -> SessionGrant {
    provision(engine, store, who);
    let rng = &mut rand::rng();
    let (f, s) = start(engine, store, None, at(10));
    let _ = request(engine, store, &f, &s, &identify(who.username), at(10), rng);
    let (step, _) = request(engine, store, &f, &s, &password(who.password), at(11), rng);
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("not signed in: {:?}", step.outcome)
    };
    grant
}

/// A step-up from `grant` to `level`: its key and client secret, and the
/// first view's screen.
fn step_up(
    engine: &FlowEngine,
    store: &Store,
    grant: &SessionGrant,
    level: u8,
    now: varco::Timestamp,
) -> (String, String, Screen) {
    let required = Requirement {
        max_age: None,
        level,
    };
    let started = engine
        .start_from_grant(
            FlowKind::StepUp,
            grant,
            &required,
            &StartContext::default(),
            now,
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&started.step).unwrap();
    let screen = started.step.view.unwrap().screen;
    (
        started.flow_key,
        started.client_secret.expose().to_owned(),
        screen,
    )
}

fn account(store: &Store) -> Stored<Account> {
    Stored::from_json(&store.get("account/a1").unwrap()).unwrap()
}

#[test]
fn a_level_1_grant_steps_up_to_level_2_with_the_password_and_a_code() {
    let (engine, store) = (engine(), Store::new());
    let grant = signed_in(&engine, &store, &mario(false));
    assert_eq!(grant.level, 1);
    let level2 = Requirement {
        max_age: None,
        level: 2,
    };
    assert_eq!(
        grant.check(&account(&store), at(20), &level2),
        SessionCheck::StepUp
    );
    let rng = &mut rand::rng();
    let (f, s, screen) = step_up(&engine, &store, &grant, 2, at(20));
    assert_eq!(screen, Screen::Password, "no identifier is asked");
    // A wrong password is refused as at sign-in, and counted.
    let (step, trace) = request(&engine, &store, &f, &s, &password("wrong"), at(21), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
    assert_eq!(trace.password_checks, 1);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(22),
        rng,
    );
    assert!(
        matches!(step.view.unwrap().screen, Screen::Code { .. }),
        "level 2 asks the second factor though the owner never turned it on"
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &code(&last_code(&store)),
        at(23),
        rng,
    );
    let FlowOutcome::SignedIn { grant: fresh } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(
        (fresh.account.as_str(), fresh.level, fresh.at),
        ("a1", 2, at(23))
    );
    assert_eq!(fresh.methods, vec![Method::Sms]);
    assert_eq!(
        fresh.check(&account(&store), at(24), &level2),
        SessionCheck::Valid
    );
}

#[test]
fn a_level_1_step_up_refreshes_an_old_grant_with_the_password_alone() {
    let (engine, store) = (engine(), Store::new());
    let grant = signed_in(&engine, &store, &mario(false));
    let recent = Requirement {
        max_age: Some(Duration::from_secs(300)),
        level: 1,
    };
    assert_eq!(
        grant.check(&account(&store), at(1000), &recent),
        SessionCheck::StepUp
    );
    let rng = &mut rand::rng();
    let (f, s, _) = step_up(&engine, &store, &grant, 1, at(1000));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(1001),
        rng,
    );
    let FlowOutcome::SignedIn { grant: fresh } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!((fresh.level, fresh.at), (1, at(1001)));
    assert_eq!(
        fresh.check(&account(&store), at(1002), &recent),
        SessionCheck::Valid
    );
}

#[test]
fn a_revoked_grant_steps_up_to_nothing() {
    let (engine, store) = (engine(), Store::new());
    let grant = signed_in(&engine, &store, &mario(false));
    // An operator blocks and unblocks: the epoch moved, the session ended.
    let op = Actor::Operator { id: "op".into() };
    for (i, cmd) in [
        Command::Block {
            account: "a1".into(),
            reason: "theft".into(),
        },
        Command::Unblock {
            account: "a1".into(),
        },
    ]
    .iter()
    .enumerate()
    {
        let step = engine
            .command(
                &op,
                cmd,
                &store.load(&["account/a1".into(), "guard/a1".into()]),
                at(12 + i as u64),
                &mut rand::rng(),
            )
            .unwrap();
        store.commit_step(&step).unwrap();
    }
    assert_eq!(
        grant.check(&account(&store), at(20), &Requirement::default()),
        SessionCheck::Revoked
    );
    let rng = &mut rand::rng();
    let (f, s, _) = step_up(&engine, &store, &grant, 1, at(20));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(21),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AccountChanged
        },
        "the right password does not revive a revoked session"
    );
}

#[test]
fn step_up_passwords_spend_the_sign_in_budget() {
    let (engine, store) = (engine(), Store::new());
    let grant = signed_in(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let (f, s, _) = step_up(&engine, &store, &grant, 1, at(20));
    for i in 0..5 {
        let (step, _) = request(&engine, &store, &f, &s, &password("wrong"), at(21 + i), rng);
        assert_eq!(
            step.outcome,
            FlowOutcome::Rejected {
                reason: Rejection::WrongPassword
            }
        );
    }
    // The account's password budget is spent: a sign-in is refused too.
    let (f2, s2) = start(&engine, &store, None, at(30));
    let _ = request(&engine, &store, &f2, &s2, &identify("mario"), at(30), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f2,
        &s2,
        &password("Correct-Horse-1"),
        at(31),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::Locked
        }
    );
}

#[test]
fn level_2_without_a_second_factor_ends_the_step_up() {
    let (engine, store) = (engine(), Store::new());
    let grant = signed_in(
        &engine,
        &store,
        &Who {
            mobile: None,
            ..mario(false)
        },
    );
    let rng = &mut rand::rng();
    let (f, s, _) = step_up(&engine, &store, &grant, 2, at(20));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(21),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::NoSecondFactor
        }
    );
}

#[test]
fn a_step_up_starts_only_from_a_grant_and_takes_no_identifier() {
    let engine = engine();
    let rng = &mut rand::rng();
    let ctx = StartContext::default();
    assert!(engine.start(FlowKind::StepUp, &ctx, at(0), rng).is_err());
    let grant =
        SessionGrant::from_json(r#"{"account":"a1","epoch":0,"level":1,"at":1800000000000}"#)
            .unwrap();
    let level = |level| Requirement {
        max_age: None,
        level,
    };
    for bad in [0, 3] {
        assert!(
            engine
                .start_from_grant(FlowKind::StepUp, &grant, &level(bad), &ctx, at(0), rng)
                .is_err()
        );
    }
    assert!(
        engine
            .start_from_grant(FlowKind::Login, &grant, &level(1), &ctx, at(0), rng)
            .is_err()
    );
    let store = Store::new();
    provision(&engine, &store, &mario(false));
    let (f, s, _) = step_up(&engine, &store, &grant, 1, at(1));
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &flow.body().token(),
        input: &Input::Identify {
            identifier: "luigi".into(),
        },
        ticket: None,
    };
    let e = engine
        .advance(&flow, &submit, &store.load(&[]), at(2), rng)
        .unwrap_err();
    assert!(e.to_string().contains("password"), "{e}");
}
