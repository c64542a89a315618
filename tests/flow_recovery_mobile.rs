//! Recovery-mobile enrollment (FLOWS F6) and an operator's forced reset:
//! the number saved only after its code, announced on the old number, held
//! before it serves a recovery, cancellable; a temporary password drawn by
//! varco, never chosen or seen by the operator.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, request};
use login::*;
use varco::account::{Account, RequiredAction};
use varco::effect::Effect;
use varco::flow::{
    Actor, Command, Done, FlowEngine, FlowKind, FlowOutcome, Input, Rejection, Requirement, Screen,
    SessionGrant, StartContext, ViewError,
};
use varco::otp::Channel;
use varco::record::Stored;

fn signed_in(engine: &FlowEngine, store: &Store, pw: &str, t: u64) -> FlowOutcome {
    let rng = &mut rand::rng();
    let (f, s) = start(engine, store, None, at(t));
    let _ = request(engine, store, &f, &s, &identify("mario"), at(t), rng);
    request(engine, store, &f, &s, &password(pw), at(t + 1), rng)
        .0
        .outcome
}

fn grant(engine: &FlowEngine, store: &Store, t: u64) -> SessionGrant {
    match signed_in(engine, store, "Correct-Horse-1", t) {
        FlowOutcome::SignedIn { grant } => grant,
        other => panic!("{other:?}"),
    }
}

fn enroll(engine: &FlowEngine, store: &Store, grant: &SessionGrant, t: u64) -> (String, String) {
    let started = engine
        .start_from_grant(
            FlowKind::RecoveryMobile,
            grant,
            &Requirement::default(),
            &StartContext::default(),
            at(t),
            &mut rand::rng(),
        )
        .unwrap();
    assert_eq!(
        started.step.view.as_ref().unwrap().screen,
        Screen::EnterMobile
    );
    store.commit_step(&started.step).unwrap();
    (started.flow_key, started.client_secret.expose().to_owned())
}

fn mobile(n: &str) -> Input {
    Input::Mobile { number: n.into() }
}

/// A recovery mobile change cancelled by `actor` with `token`.
fn cancel(
    engine: &FlowEngine,
    store: &Store,
    actor: &Actor,
    token: Option<&str>,
    t: u64,
) -> Result<varco::flow::FlowStep, varco::Error> {
    engine.command(
        actor,
        &Command::CancelMobileChange {
            account: "a1".into(),
            token: token.map(varco::SecretString::from),
        },
        &store.load(&["account/a1".into(), "guard/a1".into()]),
        at(t),
        &mut rand::rng(),
    )
}

/// Changes the recovery mobile to `number` from a new sign-in at `t`.
fn change_to(engine: &FlowEngine, store: &Store, number: &str, t: u64) {
    let rng = &mut rand::rng();
    let g = grant(engine, store, t);
    let (f, s) = enroll(engine, store, &g, t + 10);
    let _ = request(engine, store, &f, &s, &mobile(number), at(t + 11), rng);
    let code = last_code(store);
    let (step, _) = request(engine, store, &f, &s, &login::code(&code), at(t + 12), rng);
    assert!(
        matches!(step.outcome, FlowOutcome::Done { .. }),
        "{:?}",
        step.outcome
    );
}

fn account(store: &Store) -> Stored<Account> {
    Stored::from_json(&store.get("account/a1").unwrap()).unwrap()
}

/// The number the last SMS went to.
fn last_sms_to(store: &Store) -> String {
    let outbox = store.outbox.lock().unwrap();
    outbox
        .iter()
        .flatten()
        .rev()
        .find_map(|e| match e {
            Effect::SendSms { to, .. } => Some(to.clone()),
            _ => None,
        })
        .expect("an SMS")
}

#[test]
fn a_number_is_saved_only_after_its_code_and_the_old_one_hears_of_it() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let g = grant(&engine, &store, 10);
    let (f, s) = enroll(&engine, &store, &g, 20);
    let rng = &mut rand::rng();
    // A fixed line is refused, with nothing written.
    let before = store.get(&f);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &mobile("06 1234 5678"),
        at(21),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::NumberRejected
        }
    );
    assert_eq!(step.view.unwrap().error, Some(ViewError::NumberRejected));
    assert!(step.writes.is_empty());
    assert_eq!(store.get(&f), before);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &mobile("320 765 4321"),
        at(22),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::CodeSent {
            channel: Channel::Sms,
            sent: true
        }
    );
    assert_eq!(last_sms_to(&store), "+393207654321");
    assert_eq!(
        account(&store).body().mobile(),
        Some("+393331234567"),
        "not yet"
    );
    let code = last_code(&store);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&wrong_code(&code)),
        at(23),
        rng,
    );
    assert_eq!(step.view.unwrap().error, Some(ViewError::CodeWrong));
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(24), rng);
    let FlowOutcome::Done {
        done: Done::RecoveryMobileSaved,
        grant: Some(refreshed),
    } = &step.outcome
    else {
        panic!("{:?}", step.outcome)
    };
    let a = account(&store);
    assert_eq!(a.body().mobile(), Some("+393207654321"));
    assert_eq!(refreshed.epoch, a.body().epoch());
    // The old number is told, with a link that cancels the change within
    // the hold; the record keeps only the link's digest.
    let token = last_link(&store);
    assert!(step.effects.iter().any(|e| matches!(
        e,
        Effect::SendSms { to, text }
            if to == "+393331234567" && text.contains("72") && text.contains(&format!("https://example.invalid/recovery/cancel?account=a1&token={token}"))
    )));
    assert!(!store.get("account/a1").unwrap().contains(&token));
    // The code is single use: the flow is done, the code spent.
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(25), rng);
    assert_eq!(step.outcome, FlowOutcome::Stale);
}

#[test]
fn a_new_number_is_held_before_it_serves_a_reset_and_can_be_cancelled() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let g = grant(&engine, &store, 10);
    let (f, s) = enroll(&engine, &store, &g, 20);
    let rng = &mut rand::rng();
    let _ = request(&engine, &store, &f, &s, &mobile("3207654321"), at(21), rng);
    let code = last_code(&store);
    let _ = request(&engine, &store, &f, &s, &login::code(&code), at(22), rng);
    let reset_sends_to = |t: u64| {
        let started = engine
            .start(
                FlowKind::PasswordReset,
                &StartContext::default(),
                at(t),
                &mut rand::rng(),
            )
            .unwrap();
        store.commit_step(&started.step).unwrap();
        let before = sent_messages(&store);
        let _ = request(
            &engine,
            &store,
            &started.flow_key,
            started.client_secret.expose(),
            &identify("mario"),
            at(t + 1),
            &mut rand::rng(),
        );
        (sent_messages(&store) > before).then(|| last_sms_to(&store))
    };
    assert_eq!(
        reset_sends_to(100).as_deref(),
        Some("+393331234567"),
        "during the hold, the old number serves"
    );
    let after_hold = 22 + 72 * 3600 + 1;
    assert_eq!(reset_sends_to(after_hold).as_deref(), Some("+393207654321"));
    // Another change, cancelled from the link on the old channels within
    // its hold; the host cannot cancel without the link, nor with another.
    change_to(&engine, &store, "3470000000", after_hold + 100);
    assert_eq!(account(&store).body().mobile(), Some("+393470000000"));
    let link = last_link(&store);
    let at_ = after_hold + 200;
    for token in [None, Some("0".repeat(64)), Some(link[1..].to_owned())] {
        let err = cancel(&engine, &store, &Actor::Host {}, token.as_deref(), at_).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }
    let cmd = cancel(&engine, &store, &Actor::Host {}, Some(&link), at_).unwrap();
    store.commit_step(&cmd).unwrap();
    let a = account(&store);
    assert_eq!(a.body().mobile(), Some("+393207654321"));
    assert!(a.body().mobile_hold().is_none());
    // Nothing left to cancel: the link is over.
    let err = cancel(&engine, &store, &Actor::Host {}, Some(&link), at_ + 1).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

/// Changing the number again during the hold neither launders the first
/// change nor voids its link: the first link still restores the number
/// the account had before both; the second change sends no new link.
#[test]
fn a_second_change_during_the_hold_keeps_the_first_link() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    change_to(&engine, &store, "3207654321", 10);
    let first = last_link(&store);
    change_to(&engine, &store, "3470000000", 100);
    assert_eq!(last_link(&store), first, "no second link");
    assert!(
        store
            .outbox
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .any(|e| matches!(
                e,
                Effect::NotifyAddress { to, event, .. }
                    if to == "+393207654321" && event == "recovery_mobile_changed"
            ))
    );
    let cmd = cancel(&engine, &store, &Actor::Host {}, Some(&first), 200).unwrap();
    store.commit_step(&cmd).unwrap();
    assert_eq!(account(&store).body().mobile(), Some("+393331234567"));
}

/// An operator (who checked the owner's identity) cancels without the
/// link; the audit names the operator.
#[test]
fn an_operator_cancels_a_change_without_the_link() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    change_to(&engine, &store, "3207654321", 10);
    let op = Actor::Operator { id: "op-7".into() };
    let step = cancel(&engine, &store, &op, None, 100).unwrap();
    assert!(step.effects.iter().any(|e| matches!(
        e,
        Effect::Audit(a) if format!("{a:?}").contains("op-7")
    )));
    store.commit_step(&step).unwrap();
    assert_eq!(account(&store).body().mobile(), Some("+393331234567"));
    // A forged token is refused even from an operator.
    change_to(&engine, &store, "3207654321", 200);
    let forged = "0".repeat(64);
    let err = cancel(&engine, &store, &op, Some(&forged), 300).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn an_operator_forces_a_reset_without_ever_seeing_the_password() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    let rng = &mut rand::rng();
    let order = Command::ForceReset {
        account: "a1".into(),
        reason: "ticket 4711".into(),
        document: "carta d'identità AX1234567".into(),
        to: Some("mario.rossi@example.it".into()),
    };
    let keys = ["account/a1".to_owned(), "guard/a1".to_owned()];
    // Only an operator may.
    let err = engine
        .command(&Actor::Host {}, &order, &store.load(&keys), at(10), rng)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let op = Actor::Operator { id: "op-7".into() };
    let epoch = account(&store).body().epoch();
    let step = engine
        .command(&op, &order, &store.load(&keys), at(11), rng)
        .unwrap();
    store.commit_step(&step).unwrap();
    let temporary = step
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::SendEmail { to, body, .. } if to == "mario.rossi@example.it" => Some(
                body.split("Password temporanea: ")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned(),
            ),
            _ => None,
        })
        .expect("the temporary password is emailed");
    assert_eq!(temporary.len(), 16);
    // The operator's view (the outcome, the audit) never holds it.
    assert!(!format!("{:?}", step.outcome).contains(&temporary));
    for e in &step.effects {
        if let Effect::Audit(a) = e {
            let json = serde_json::to_string(a).unwrap();
            assert!(!json.contains(&temporary), "{json}");
            if json.contains("password_forced") {
                assert!(
                    json.contains("op-7") && json.contains("AX1234567"),
                    "{json}"
                );
            }
        }
    }
    assert!(format!("{:?}", step.effects).contains("<redacted>"));
    let a = account(&store);
    assert_eq!(a.body().epoch(), epoch + 1);
    assert!(
        a.body()
            .required_actions()
            .contains(&RequiredAction::ChangePassword)
    );
    // The old password is gone; the temporary one leads to the change.
    assert!(matches!(
        signed_in(&engine, &store, "Correct-Horse-1", 20),
        FlowOutcome::Rejected { .. }
    ));
    assert_eq!(
        signed_in(&engine, &store, &temporary, 30),
        FlowOutcome::ActionRequired {
            action: RequiredAction::ChangePassword
        }
    );
    // Past its 72 hours it signs in no more, with the same generic view as
    // any wrong password.
    let late = 11 + 72 * 3600;
    assert_eq!(
        signed_in(&engine, &store, &temporary, late),
        FlowOutcome::Rejected {
            reason: Rejection::PasswordExpired
        }
    );
}
