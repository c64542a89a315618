//! What an owner must do before a sign-in completes (ENGINE §3): a new
//! password (an operator's temporary one), the terms; each in the same
//! flow, after every factor, before the session grant.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, request};
use login::*;
use varco::account::RequiredAction;
use varco::effect::Effect;
use varco::flow::{
    EndReason, FlowOutcome, Input, NewAccount, Records, Rejection, Screen, SessionCheck, ViewError,
};
use varco::record::Stored;

fn new_password(p: &str, again: &str) -> Input {
    Input::NewPassword {
        password: p.into(),
        confirmation: again.into(),
    }
}

/// mario, provisioned with `actions`, signed in up to the first action:
/// the flow's key and secret.
fn at_action(
    engine: &varco::flow::FlowEngine,
    store: &Store,
    actions: &[RequiredAction],
) -> (String, String) {
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        required_actions: actions.to_vec(),
        ..NewAccount::default()
    };
    let step = engine
        .provision(
            &new,
            Some("Temporary-Pass-1"),
            &Records::new(),
            at(0),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&step).unwrap();
    let (f, s) = start(engine, store, None, at(10));
    let rng = &mut rand::rng();
    let _ = request(engine, store, &f, &s, &identify("mario"), at(10), rng);
    let (step, _) = request(
        engine,
        store,
        &f,
        &s,
        &password("Temporary-Pass-1"),
        at(11),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::ActionRequired { action: actions[0] }
    );
    (f, s)
}

fn epoch(store: &Store) -> u64 {
    Stored::<varco::account::Account>::from_json(&store.get("account/a1").unwrap())
        .unwrap()
        .body()
        .epoch()
}

#[test]
fn a_forced_password_change_then_the_terms_then_the_session() {
    let (engine, store) = (engine(), Store::new());
    let (f, s) = at_action(
        &engine,
        &store,
        &[RequiredAction::ChangePassword, RequiredAction::AcceptTerms],
    );
    let rng = &mut rand::rng();
    // The policy refuses: every violation shown, nothing but the flow
    // written, no hash.
    let (step, trace) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("mario", "mario"),
        at(12),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::PasswordRejected
        }
    );
    let view = step.view.unwrap();
    assert_eq!(view.error, Some(ViewError::PasswordRejected));
    assert!(
        view.violations.contains(&"too_short".to_owned()),
        "{view:?}"
    );
    assert_eq!(step.writes.len(), 1);
    assert_eq!(trace.work, 0);
    // Two copies that differ: refused.
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("fiume violino tramonto", "fiume violino tramontO"),
        at(13),
        rng,
    );
    assert_eq!(
        step.view.unwrap().violations,
        vec!["confirmation_mismatch".to_owned()]
    );
    // Accepted: the account has the new hash and a new epoch, the owner
    // is told, and the terms come next.
    let before = epoch(&store);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("fiume violino tramonto", "fiume violino tramonto"),
        at(14),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::ActionRequired {
            action: RequiredAction::AcceptTerms
        }
    );
    assert_eq!(epoch(&store), before + 1);
    assert!(
        step.effects
            .iter()
            .any(|e| matches!(e, Effect::NotifyOwner { event, .. } if event == "password_changed"))
    );
    let (step, _) = request(&engine, &store, &f, &s, &Input::AcceptTerms, at(15), rng);
    let FlowOutcome::SignedIn { grant } = step.outcome else {
        panic!("{:?}", step.outcome)
    };
    assert_eq!(grant.epoch, before + 1);
    let account = Stored::from_json(&store.get("account/a1").unwrap()).unwrap();
    assert_eq!(
        grant.check(&account, at(16), &varco::flow::Requirement::default()),
        SessionCheck::Valid
    );
    assert!(account.body().required_actions().is_empty());
    // The old password no longer signs in; the new one does, with no
    // action left.
    let (f2, s2) = start(&engine, &store, None, at(20));
    let _ = request(&engine, &store, &f2, &s2, &identify("mario"), at(20), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f2,
        &s2,
        &password("Temporary-Pass-1"),
        at(21),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::Rejected { .. }));
    let (step, _) = request(
        &engine,
        &store,
        &f2,
        &s2,
        &password("fiume violino tramonto"),
        at(22),
        rng,
    );
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
}

#[test]
fn an_action_takes_only_its_own_input_and_a_changed_account_ends_the_flow() {
    let (engine, store) = (engine(), Store::new());
    let (f, s) = at_action(&engine, &store, &[RequiredAction::AcceptTerms]);
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let input = new_password("fiume violino tramonto", "fiume violino tramonto");
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &flow.body().token(),
        input: &input,
        ticket: None,
    };
    let err = engine
        .advance(
            &flow,
            &submit,
            &varco::flow::Records::new(),
            at(12),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    // An operator block meanwhile (the epoch moves): the flow ends, no
    // session.
    let command = varco::flow::Command::Block {
        account: "a1".into(),
        reason: "stolen".into(),
    };
    let records = store.load(&["account/a1".into(), "guard/a1".into()]);
    let step = engine
        .command(
            &varco::flow::Actor::Operator { id: "op-1".into() },
            &command,
            &records,
            at(13),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&step).unwrap();
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::AcceptTerms,
        at(14),
        &mut rand::rng(),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AccountChanged
        }
    );
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Ended {
            reason: EndReason::AccountChanged
        }
    );
}

#[test]
fn two_copies_that_differ_are_refused_even_by_a_policy_without_that_rule() {
    let policy = varco::policy::PasswordPolicy::from_json(
        r#"{"version":1,"rules":[{"rule":"length","min":8,"max":64}]}"#,
    )
    .unwrap();
    let engine = engine_with(varco::flow::EngineConfig {
        password_policy: policy,
        ..config()
    });
    let store = Store::new();
    let (f, s) = at_action(&engine, &store, &[RequiredAction::ChangePassword]);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("long enough 1", "long enough 2"),
        at(12),
        &mut rand::rng(),
    );
    assert_eq!(
        step.view.unwrap().violations,
        vec!["confirmation_mismatch".to_owned()]
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("long enough 1", "long enough 1"),
        at(13),
        &mut rand::rng(),
    );
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
}

/// mario with an email, provisioned with `actions`, signed in up to the
/// first: the flow's key and secret.
fn with_email_at_action(
    engine: &varco::flow::FlowEngine,
    store: &Store,
    actions: &[RequiredAction],
) -> (String, String, varco::flow::FlowStep) {
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        email: Some("Mario@Example.it".into()),
        required_actions: actions.to_vec(),
        ..NewAccount::default()
    };
    let step = engine
        .provision(
            &new,
            Some("Temporary-Pass-1"),
            &Records::new(),
            at(0),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&step).unwrap();
    let (f, s) = start(engine, store, None, at(10));
    let rng = &mut rand::rng();
    let _ = request(engine, store, &f, &s, &identify("mario"), at(10), rng);
    let (step, _) = request(
        engine,
        store,
        &f,
        &s,
        &password("Temporary-Pass-1"),
        at(11),
        rng,
    );
    (f, s, step)
}

fn actions_left(store: &Store) -> Vec<RequiredAction> {
    Stored::<varco::account::Account>::from_json(&store.get("account/a1").unwrap())
        .unwrap()
        .body()
        .required_actions()
        .to_vec()
}

fn emails_to(step: &varco::flow::FlowStep, to: &str) -> usize {
    step.effects
        .iter()
        .filter(|e| matches!(e, Effect::SendEmail { to: t, .. } if t == to))
        .count()
}

#[test]
fn an_email_to_confirm_gets_a_code_after_the_new_password_and_only_its_code_passes() {
    let (engine, store) = (engine(), Store::new());
    let (f, s, _) = with_email_at_action(
        &engine,
        &store,
        &[RequiredAction::ChangePassword, RequiredAction::VerifyEmail],
    );
    let rng = &mut rand::rng();
    let one_hash = {
        let before = engine.hasher().work();
        engine.hasher().hash("x", rng).unwrap();
        engine.hasher().work() - before
    };
    let (step, trace) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("fiume violino tramonto", "fiume violino tramonto"),
        at(12),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::ActionRequired {
            action: RequiredAction::VerifyEmail
        }
    );
    assert_eq!(
        trace.work,
        2 * one_hash,
        "the new password is checked against the current one and hashed, once each, \
         though the step loads the email's budget"
    );
    assert_eq!(emails_to(&step, "mario@example.it"), 1);
    let view = step.view.unwrap();
    assert_eq!(
        view.screen,
        Screen::ActionRequired {
            action: RequiredAction::VerifyEmail
        }
    );
    assert!(view.resend_at.is_some());
    let code = last_code(&store);
    // A wrong code: the same screen with its error; the account unchanged
    // and its budgets untouched.
    let guard_before = store.get("guard/a1");
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&wrong_code(&code)),
        at(13),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        }
    );
    assert_eq!(step.view.unwrap().error, Some(ViewError::CodeWrong));
    assert_eq!(store.get("guard/a1"), guard_before);
    assert_eq!(actions_left(&store), vec![RequiredAction::VerifyEmail]);
    // The right code: the action is done, the session granted.
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(14), rng);
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    assert!(actions_left(&store).is_empty());
}

#[test]
fn an_email_code_is_resent_in_time_and_its_attempts_end_the_flow() {
    let (engine, store) = (engine(), Store::new());
    let (f, s, step) = with_email_at_action(&engine, &store, &[RequiredAction::VerifyEmail]);
    assert_eq!(emails_to(&step, "mario@example.it"), 1);
    let first = last_code(&store);
    let rng = &mut rand::rng();
    // Too soon: nothing goes out.
    let (step, _) = request(&engine, &store, &f, &s, &Input::Resend, at(12), rng);
    assert_eq!(emails_to(&step, "mario@example.it"), 0);
    let (step, _) = request(&engine, &store, &f, &s, &Input::Resend, at(200), rng);
    assert_eq!(emails_to(&step, "mario@example.it"), 1);
    let second = last_code(&store);
    if first != second {
        // The replaced code no longer passes.
        let (step, _) = request(&engine, &store, &f, &s, &login::code(&first), at(201), rng);
        assert_eq!(
            step.outcome,
            FlowOutcome::Rejected {
                reason: Rejection::WrongCode
            }
        );
    }
    let mut ended = None;
    for i in 0..10 {
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &login::code(&wrong_code(&second)),
            at(202 + i),
            rng,
        );
        if let FlowOutcome::Ended { reason } = step.outcome {
            ended = Some(reason);
            break;
        }
    }
    assert_eq!(ended, Some(EndReason::AttemptsUsedUp));
    assert_eq!(actions_left(&store), vec![RequiredAction::VerifyEmail]);
}

#[test]
fn verify_email_needs_an_email() {
    let engine = engine();
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        required_actions: vec![RequiredAction::VerifyEmail],
        ..NewAccount::default()
    };
    let e = engine
        .provision(
            &new,
            Some("Temporary-Pass-1"),
            &Records::new(),
            at(0),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("no email"), "{e}");
}

#[test]
fn an_emailed_second_factor_code_confirms_the_address_too() {
    let (engine, store) = (engine(), Store::new());
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        email: Some("mario@example.it".into()),
        second_factor: true,
        required_actions: vec![RequiredAction::VerifyEmail],
        ..NewAccount::default()
    };
    let rng = &mut rand::rng();
    store
        .commit_step(
            &engine
                .provision(&new, Some("Temporary-Pass-1"), &Records::new(), at(0), rng)
                .unwrap(),
        )
        .unwrap();
    let (f, s) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(10), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Temporary-Pass-1"),
        at(11),
        rng,
    );
    assert_eq!(emails_to(&step, "mario@example.it"), 1);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&last_code(&store)),
        at(12),
        rng,
    );
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "no second email code: {:?}",
        step.outcome
    );
    assert_eq!(emails_to(&step, "mario@example.it"), 0);
    assert!(actions_left(&store).is_empty());
}
