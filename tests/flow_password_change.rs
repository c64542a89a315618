//! A password change from a session (FLOWS F1, ENGINE §6.14): the current
//! password counted like a sign-in's, the new one vetted (policy, history,
//! not the current one), the session refreshed and every other one
//! revoked; a grant too old or too weak must step up first.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use std::time::Duration;

use host::{Store, request};
use login::*;
use varco::Normalization;
use varco::account::Account;
use varco::effect::Effect;
use varco::flow::{
    Done, EndReason, FlowEngine, FlowKind, FlowOutcome, Input, Rejection, Requirement, Screen,
    SessionCheck, SessionGrant, StartContext, ViewError,
};
use varco::policy::{PasswordPolicy, Rule};
use varco::record::Stored;

fn signed_in(engine: &FlowEngine, store: &Store, t: u64) -> SessionGrant {
    let rng = &mut rand::rng();
    let (f, s) = start(engine, store, None, at(t));
    let _ = request(engine, store, &f, &s, &identify("mario"), at(t), rng);
    let (step, _) = request(
        engine,
        store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(t + 1),
        rng,
    );
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("not signed in: {:?}", step.outcome)
    };
    grant
}

fn start_change(
    engine: &FlowEngine,
    store: &Store,
    grant: &SessionGrant,
    now: varco::Timestamp,
) -> (String, String, varco::flow::FlowStep) {
    let started = engine
        .start_from_grant(
            FlowKind::PasswordChange,
            grant,
            &Requirement::default(),
            &StartContext::default(),
            now,
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&started.step).unwrap();
    (
        started.flow_key,
        started.client_secret.expose().to_owned(),
        started.step,
    )
}

fn change(current: &str, new: &str) -> Input {
    Input::ChangePassword {
        current: current.into(),
        password: new.into(),
        confirmation: new.into(),
    }
}

fn account(store: &Store) -> Stored<Account> {
    Stored::from_json(&store.get("account/a1").unwrap()).unwrap()
}

#[test]
fn a_change_refreshes_the_session_and_revokes_the_others() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let grant = signed_in(&engine, &store, 10);
    let other = signed_in(&engine, &store, 12);
    let (f, s, started) = start_change(&engine, &store, &grant, at(20));
    assert_eq!(started.view.unwrap().screen, Screen::ChangePassword);
    let rng = &mut rand::rng();
    let fresh = "fiume violino tramonto";
    let (step, trace) = request(
        &engine,
        &store,
        &f,
        &s,
        &change("Correct-Horse-1", fresh),
        at(21),
        rng,
    );
    let FlowOutcome::Done {
        done: Done::PasswordChanged,
        grant: Some(refreshed),
    } = step.outcome
    else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(trace.password_checks, 1, "reserve, check, apply");
    assert!(
        step.effects
            .iter()
            .any(|e| matches!(e, Effect::RevokeSessions { .. }))
    );
    assert!(
        step.effects
            .iter()
            .any(|e| matches!(e, Effect::NotifyOwner { event, .. } if event == "password_changed"))
    );
    let a = account(&store);
    assert_eq!(refreshed.epoch, a.body().epoch());
    let req = Requirement::default();
    assert_eq!(refreshed.check(&a, at(22), &req), SessionCheck::Valid);
    assert_eq!(other.check(&a, at(22), &req), SessionCheck::Revoked);
    assert_eq!(grant.check(&a, at(22), &req), SessionCheck::Revoked);
    assert!(matches!(
        {
            let (f, s) = start(&engine, &store, None, at(30));
            let _ = request(&engine, &store, &f, &s, &identify("mario"), at(30), rng);
            request(&engine, &store, &f, &s, &password(fresh), at(31), rng)
                .0
                .outcome
        },
        FlowOutcome::SignedIn { .. }
    ));
}

#[test]
fn a_wrong_current_password_counts_like_a_sign_in_and_locks_the_same_budget() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let grant = signed_in(&engine, &store, 10);
    let rng = &mut rand::rng();
    let (f, s, _) = start_change(&engine, &store, &grant, at(20));
    for i in 0..5 {
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &change("wrong", "fiume violino tramonto"),
            at(21 + i),
            rng,
        );
        assert_eq!(
            step.outcome,
            FlowOutcome::Rejected {
                reason: Rejection::WrongPassword
            }
        );
        assert_eq!(
            step.view.unwrap().error,
            Some(ViewError::AuthenticationFailed)
        );
    }
    // The password budget is spent: the right current password is refused
    // now, and so is a sign-in.
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &change("Correct-Horse-1", "fiume violino tramonto"),
        at(30),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
    let (lf, ls) = start(&engine, &store, None, at(31));
    let _ = request(&engine, &store, &lf, &ls, &identify("mario"), at(31), rng);
    let (step, _) = request(
        &engine,
        &store,
        &lf,
        &ls,
        &password("Correct-Horse-1"),
        at(32),
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
fn the_new_password_passes_the_policy_differs_from_the_current_and_the_last_ones() {
    let mut config = config();
    config.password_policy = PasswordPolicy::new(
        Normalization::Nfc,
        vec![
            Rule::Length {
                min: 8,
                max: 64,
                min_with_second_factor: None,
            },
            Rule::History { last: 2 },
        ],
    )
    .unwrap();
    let engine = engine_with(config);
    let store = Store::new();
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let mut current = "Correct-Horse-1".to_owned();
    let mut t = 10;
    let mut change_to = |new: &str| {
        t += 10;
        let grant = {
            let (f, s) = start(&engine, &store, None, at(t));
            let _ = request(&engine, &store, &f, &s, &identify("mario"), at(t), rng);
            let (step, _) = request(&engine, &store, &f, &s, &password(&current), at(t + 1), rng);
            let FlowOutcome::SignedIn { grant } = step.outcome else {
                panic!("{:?}", step.outcome)
            };
            grant
        };
        let (f, s, _) = start_change(&engine, &store, &grant, at(t + 2));
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &change(&current, new),
            at(t + 3),
            rng,
        );
        if matches!(step.outcome, FlowOutcome::Done { .. }) {
            current = new.to_owned();
            Vec::new()
        } else {
            step.view.unwrap().violations
        }
    };
    assert_eq!(change_to("short"), vec!["too_short".to_owned()]);
    assert_eq!(
        change_to("Correct-Horse-1"),
        vec!["same_as_current".to_owned()]
    );
    assert!(change_to("second-password").is_empty());
    assert!(change_to("third-password").is_empty());
    assert_eq!(change_to("Correct-Horse-1"), vec!["reused".to_owned()]);
    assert!(change_to("fourth-password").is_empty());
    // The history keeps the two before the current one (third, second):
    // the second is refused, the first is past them and taken again.
    assert_eq!(change_to("second-password"), vec!["reused".to_owned()]);
    assert!(change_to("Correct-Horse-1").is_empty());
}

#[test]
fn an_old_or_weak_grant_must_step_up_first() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let grant = signed_in(&engine, &store, 10);
    let late = at(10 + 15 * 60 + 2);
    let (_, _, step) = start_change(&engine, &store, &grant, late);
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::ReauthRequired
        }
    );
    let strong = Requirement {
        max_age: Some(Duration::from_secs(60)),
        level: 2,
    };
    let started = engine
        .start_from_grant(
            FlowKind::RecoveryMobile,
            &grant,
            &strong,
            &StartContext::default(),
            at(12),
            &mut rand::rng(),
        )
        .unwrap();
    assert_eq!(
        started.step.view.unwrap().screen,
        Screen::Ended {
            reason: EndReason::ReauthRequired
        },
        "a level-1 grant where the host asks level 2"
    );
    // A change does not start without a grant.
    let err = engine
        .start(
            FlowKind::PasswordChange,
            &StartContext::default(),
            at(12),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn a_change_from_a_revoked_grant_ends() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let mut grant = signed_in(&engine, &store, 10);
    grant.epoch += 1;
    let (f, s, _) = start_change(&engine, &store, &grant, at(20));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &change("Correct-Horse-1", "fiume violino tramonto"),
        at(21),
        &mut rand::rng(),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AccountChanged
        }
    );
}
