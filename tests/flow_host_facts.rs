//! Facts only the host knows (a captcha's verdict, a code that was not
//! delivered) through `FlowEngine::answer`, and the source's budget they
//! hang on (ENGINE §3, §6.23).

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, answer, request};
use login::*;
use varco::account::{Account, IdentifierKind};
use varco::flow::{
    EngineConfig, FlowOutcome, HostFact, HostQuestion, Input, Method, Rejection, Screen, ViewError,
};

const SOURCE: &str = "198.51.100.1";

fn captcha_engine(after: u32) -> std::sync::Arc<varco::flow::FlowEngine> {
    engine_with(EngineConfig {
        captcha_after: after,
        ..config()
    })
}

/// A wrong sign-in of `who` from `source`, to its end.
fn fail(engine: &varco::flow::FlowEngine, store: &Store, who: &str, now: u64) {
    let (f, s) = start(engine, store, Some(SOURCE), at(now));
    let rng = &mut rand::rng();
    let _ = request(engine, store, &f, &s, &identify(who), at(now), rng);
    let (step, _) = request(engine, store, &f, &s, &password("wrong"), at(now), rng);
    assert!(
        matches!(step.outcome, FlowOutcome::Rejected { .. }),
        "{:?}",
        step.outcome
    );
}

/// A sign-in of mario with the right password from `source`.
fn sign_in(engine: &varco::flow::FlowEngine, store: &Store, source: &str, now: u64) -> FlowOutcome {
    let (f, s) = start(engine, store, Some(source), at(now));
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
    step.outcome
}

#[test]
fn right_passwords_are_not_their_sources_failures_and_do_not_clear_them() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &mario(false));
    // An office behind one address: thirty sign-ins, past the source's
    // threshold of twenty, all go in.
    for i in 0..30 {
        let outcome = sign_in(&engine, &store, SOURCE, 10 + i);
        assert!(
            matches!(outcome, FlowOutcome::SignedIn { .. }),
            "sign-in {i}: {outcome:?}"
        );
    }
    // Nineteen guesses at other accounts, a sign-in of the attacker's own
    // account, one more guess: the source locks all the same (a success
    // takes back only its own count).
    for i in 0..19 {
        fail(&engine, &store, &format!("nobody{i}"), 100 + i);
    }
    assert!(matches!(
        sign_in(&engine, &store, SOURCE, 130),
        FlowOutcome::SignedIn { .. }
    ));
    fail(&engine, &store, "nobody19", 131);
    assert_eq!(
        sign_in(&engine, &store, SOURCE, 132),
        FlowOutcome::Rejected {
            reason: Rejection::SourceLocked
        }
    );
}

/// A flow from `SOURCE` identified as `who`: its key, secret and the step.
fn identified(
    engine: &varco::flow::FlowEngine,
    store: &Store,
    who: &str,
    now: u64,
) -> (String, String, varco::flow::FlowStep) {
    let (f, s) = start(engine, store, Some(SOURCE), at(now));
    let (step, _) = request(
        engine,
        store,
        &f,
        &s,
        &identify(who),
        at(now),
        &mut rand::rng(),
    );
    (f, s, step)
}

fn without_ids(view: &varco::flow::View) -> String {
    let mut v = view.clone();
    v.flow.clear();
    serde_json::to_string(&v).unwrap()
}

#[test]
fn a_source_over_the_captcha_rule_asks_the_host_before_every_password() {
    let (engine, store) = (captcha_engine(3), Store::new());
    provision(&engine, &store, &mario(false));
    // Under the rule: the password screen, no question.
    let (_, _, step) = identified(&engine, &store, "mario", 10);
    assert_eq!(step.view.unwrap().screen, Screen::Password);
    for i in 0..3 {
        fail(&engine, &store, &format!("nobody{i}"), 11 + i);
    }
    // Over it: a known and an unknown account get the same question.
    let (f, s, step) = identified(&engine, &store, "mario", 20);
    let (_, _, decoy) = identified(&engine, &store, "nobody", 20);
    assert_eq!(
        step.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    assert_eq!(
        without_ids(step.view.as_ref().unwrap()),
        without_ids(decoy.view.as_ref().unwrap())
    );
    assert_eq!(
        step.view.as_ref().unwrap().screen,
        Screen::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    // The user cannot answer it: no input carries a verdict, and the
    // question takes no password.
    assert!(Input::from_json(r#"{"input":"captcha","passed":true}"#).is_err());
    assert!(Input::from_fields("captcha", Default::default()).is_err());
    let flow =
        varco::record::Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let submit = varco::flow::Submit {
        client_secret: &s,
        token: &flow.body().token(),
        input: &password("Correct-Horse-1"),
        ticket: None,
    };
    let err = engine
        .advance(
            &flow,
            &submit,
            &varco::flow::Records::new(),
            at(21),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    // A failed check asks again; a passed one shows the password screen.
    let step = answer(
        &engine,
        &store,
        &f,
        None,
        &HostFact::Captcha { passed: false },
        at(22),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::CaptchaFailed
        }
    );
    assert_eq!(
        step.view.as_ref().unwrap().error,
        Some(ViewError::CaptchaFailed)
    );
    let step = answer(
        &engine,
        &store,
        &f,
        None,
        &HostFact::Captcha { passed: true },
        at(23),
    );
    assert_eq!(step.view.unwrap().screen, Screen::Password);
    // One passed captcha admits one password: a wrong one asks again.
    let rng = &mut rand::rng();
    let (step, _) = request(&engine, &store, &f, &s, &password("wrong"), at(24), rng);
    let view = step.view.unwrap();
    assert_eq!(
        view.screen,
        Screen::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    assert_eq!(view.error, Some(ViewError::AuthenticationFailed));
    let _ = answer(
        &engine,
        &store,
        &f,
        None,
        &HostFact::Captcha { passed: true },
        at(25),
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(26),
        rng,
    );
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
    // From another source, or from none, nobody is asked.
    let (f2, s2) = start(&engine, &store, None, at(27));
    let (step, _) = request(&engine, &store, &f2, &s2, &identify("mario"), at(27), rng);
    assert_eq!(step.view.unwrap().screen, Screen::Password);
}

#[test]
fn a_flow_that_reached_the_password_before_the_rule_applied_is_asked_and_counts_nothing() {
    let (engine, store) = (captcha_engine(2), Store::new());
    provision(&engine, &store, &mario(false));
    let (f, s, step) = identified(&engine, &store, "mario", 10);
    assert_eq!(step.view.unwrap().screen, Screen::Password);
    fail(&engine, &store, "nobody1", 11);
    fail(&engine, &store, "nobody2", 12);
    let counter = store.get(&format!("source/{SOURCE}")).unwrap();
    let guard = store.get("guard/a1");
    let (step, trace) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(13),
        &mut rand::rng(),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    assert_eq!(trace.password_checks, 0);
    assert_eq!(store.get(&format!("source/{SOURCE}")).unwrap(), counter);
    assert_eq!(store.get("guard/a1"), guard);
}

#[test]
fn captcha_answers_to_an_old_view_or_an_unasked_question_change_nothing() {
    let (engine, store) = (captcha_engine(1), Store::new());
    provision(&engine, &store, &mario(false));
    let (f, _, _) = identified(&engine, &store, "mario", 10);
    let before = store.get(&f).unwrap();
    // Not asked: an error, nothing written.
    let flow = varco::record::Stored::<varco::flow::Flow>::from_json(&before).unwrap();
    let err = engine
        .answer(
            &flow,
            &flow.body().token(),
            &HostFact::Captcha { passed: true },
            &varco::flow::Records::new(),
            at(11),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    // A stale token: the current view, no writes.
    let step = answer(
        &engine,
        &store,
        &f,
        Some("1"),
        &HostFact::Captcha { passed: true },
        at(11),
    );
    assert_eq!(step.outcome, FlowOutcome::Stale);
    assert!(step.writes.is_empty());
    assert_eq!(store.get(&f).unwrap(), before);
}

/// mario with a mobile (and `totp` if asked), at the code screen.
fn at_code_screen(
    totp: bool,
) -> (
    std::sync::Arc<varco::flow::FlowEngine>,
    Store,
    String,
    String,
) {
    let (engine, store) = (engine(), Store::new());
    let phc = engine
        .hasher()
        .hash("Correct-Horse-1", &mut rand::rng())
        .unwrap();
    let a = Account::new("a1", at(0))
        .unwrap()
        .with_identifier(
            IdentifierKind::Username,
            "mario",
            &engine.config().identifiers,
        )
        .unwrap()
        .with_password_hash(&phc)
        .with_second_factor(true)
        .with_mobile("+393331234567")
        .with_totp(totp);
    store_account(&store, &a);
    let (f, s) = start(&engine, &store, None, at(10));
    let rng = &mut rand::rng();
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(10), rng);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &password("Correct-Horse-1"),
        at(11),
        rng,
    );
    if totp {
        let _ = request(
            &engine,
            &store,
            &f,
            &s,
            &Input::ChooseMethod {
                method: Method::Sms,
            },
            at(11),
            rng,
        );
    } else {
        assert!(matches!(
            step.outcome,
            FlowOutcome::CodeSent { sent: true, .. }
        ));
    }
    (engine, store, f, s)
}

#[test]
fn a_code_the_host_could_not_deliver_is_reported_and_the_user_goes_on() {
    let (engine, store, f, s) = at_code_screen(false);
    let token = varco::record::Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap())
        .unwrap()
        .body()
        .token();
    let step = answer(&engine, &store, &f, None, &HostFact::DeliveryFailed, at(12));
    assert_eq!(step.outcome, FlowOutcome::Moved);
    let view = step.view.unwrap();
    assert!(matches!(view.screen, Screen::Code { .. }));
    assert_eq!(view.error, Some(ViewError::NotDelivered));
    // The same report again (its token is now old) changes nothing.
    let before = store.get(&f).unwrap();
    let step = answer(
        &engine,
        &store,
        &f,
        Some(&token),
        &HostFact::DeliveryFailed,
        at(12),
    );
    assert_eq!(step.outcome, FlowOutcome::Stale);
    assert!(step.writes.is_empty());
    assert_eq!(store.get(&f).unwrap(), before);
    // Should the code arrive after all, it still signs in.
    let c = last_code(&store);
    let (step, _) = request(&engine, &store, &f, &s, &code(&c), at(13), &mut rand::rng());
    assert!(
        matches!(step.outcome, FlowOutcome::SignedIn { .. }),
        "{:?}",
        step.outcome
    );
}

#[test]
fn with_another_method_a_delivery_failure_goes_back_to_the_choice() {
    let (engine, store, f, _) = at_code_screen(true);
    let step = answer(&engine, &store, &f, None, &HostFact::DeliveryFailed, at(12));
    let view = step.view.unwrap();
    assert_eq!(view.screen, Screen::ChooseMethod);
    assert_eq!(view.error, Some(ViewError::NotDelivered));
    assert_eq!(view.methods, vec![Method::Sms, Method::Totp]);
    // And a captcha verdict there is not awaited.
    let flow =
        varco::record::Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let err = engine
        .answer(
            &flow,
            &flow.body().token(),
            &HostFact::DeliveryFailed,
            &varco::flow::Records::new(),
            at(13),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}
