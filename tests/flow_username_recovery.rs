//! Username recovery (FLOWS F6): the email, the host's captcha verdict,
//! the phone number tied to the account, then an SMS code (or the secret
//! question) reveals the username; an excluded mail domain is refused
//! whoever the address is; every other address walks the same screens.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, Trace, answer, request};
use login::*;
use varco::account::{Account, IdentifierKind, SecretQuestion, normalize_answer};
use varco::flow::{
    Done, EndReason, FlowEngine, FlowKind, FlowOutcome, HostFact, Input, Screen, StartContext,
    ViewError,
};
use varco::record::Stored;

fn start_recovery(engine: &FlowEngine, store: &Store, t: u64) -> (String, String) {
    let started = engine
        .start(
            FlowKind::UsernameRecovery,
            &StartContext::default(),
            at(t),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&started.step).unwrap();
    (started.flow_key, started.client_secret.expose().to_owned())
}

fn setup(config: varco::flow::EngineConfig) -> (std::sync::Arc<FlowEngine>, Store) {
    let engine = engine_with(config);
    let store = Store::new();
    let phc = engine
        .hasher()
        .hash("Correct-Horse-1", &mut rand::rng())
        .unwrap();
    let normal = normalize_answer("Fido").unwrap();
    let rules = &engine.config().identifiers;
    let a = Account::new("a1", at(0))
        .unwrap()
        .with_identifier(IdentifierKind::Username, "mario", rules)
        .unwrap()
        .with_identifier(IdentifierKind::Email, "mario.rossi@example.it", rules)
        .unwrap()
        .with_password_hash(&phc)
        .with_mobile("+393331234567")
        .with_question(SecretQuestion {
            id: "first_pet".into(),
            answer: engine.hasher().hash(&normal, &mut rand::rng()).unwrap(),
        });
    store_account(&store, &a);
    (engine, store)
}

fn mobile(n: &str) -> Input {
    Input::Mobile { number: n.into() }
}

/// The email, the captcha, the number: the views and traces.
fn up_to_code(
    engine: &FlowEngine,
    store: &Store,
    email: &str,
    number: &str,
    t: u64,
) -> (String, String, Vec<(String, Trace)>) {
    let rng = &mut rand::rng();
    let (f, s) = start_recovery(engine, store, t);
    let mut out = Vec::new();
    let (step, trace) = request(engine, store, &f, &s, &identify(email), at(t + 1), rng);
    out.push((step.view.unwrap().screen.as_str().to_owned(), trace));
    let step = answer(
        engine,
        store,
        &f,
        None,
        &HostFact::Captcha { passed: true },
        at(t + 2),
    );
    out.push((
        step.view.unwrap().screen.as_str().to_owned(),
        Trace::default(),
    ));
    let (step, trace) = request(engine, store, &f, &s, &mobile(number), at(t + 3), rng);
    out.push((step.view.unwrap().screen.as_str().to_owned(), trace));
    (f, s, out)
}

#[test]
fn the_right_number_and_its_code_reveal_the_username() {
    let (engine, store) = setup(config());
    let sent = sent_messages(&store);
    let (f, s, views) = up_to_code(
        &engine,
        &store,
        "Mario.Rossi@Example.it",
        "333 123 4567",
        10,
    );
    let screens: Vec<&str> = views.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(screens, ["awaiting_host", "enter_mobile", "code"]);
    assert_eq!(sent_messages(&store), sent + 1);
    let code = last_code(&store);
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&code),
        at(20),
        &mut rand::rng(),
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Done {
            done: Done::UsernameRevealed,
            grant: None
        }
    );
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Revealed {
            username: "mario".into()
        }
    );
}

#[test]
fn a_wrong_number_and_an_unknown_address_walk_the_same_screens_and_never_pass() {
    let (engine, store) = setup(config());
    let sent = sent_messages(&store);
    let shape = |v: &[(String, Trace)]| {
        v.iter()
            .map(|(s, t)| {
                let calls: Vec<_> = t
                    .calls
                    .iter()
                    .map(|(o, th, w, _)| (o.clone(), th.clone(), w.clone()))
                    .collect();
                (s.clone(), calls)
            })
            .collect::<Vec<_>>()
    };
    let (_, _, known) = up_to_code(&engine, &store, "mario.rossi@example.it", "3331234567", 10);
    let sent_known = sent_messages(&store) - sent;
    let (wf, ws, wrong) = up_to_code(&engine, &store, "mario.rossi@example.it", "3339999999", 30);
    let (uf, us, unknown) = up_to_code(&engine, &store, "nobody@example.it", "3331234567", 50);
    assert_eq!(sent_known, 1);
    assert_eq!(
        sent_messages(&store) - sent,
        1,
        "no code to a wrong number or an unknown address"
    );
    assert_eq!(shape(&wrong), shape(&known));
    assert_eq!(shape(&unknown), shape(&known));
    // The code sent to mario's number passes on neither.
    let code = last_code(&store);
    for (f, s) in [(wf, ws), (uf, us)] {
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &login::code(&code),
            at(70),
            &mut rand::rng(),
        );
        assert_eq!(step.view.unwrap().error, Some(ViewError::CodeWrong));
    }
}

#[test]
fn an_excluded_domain_is_refused_whoever_the_address_is() {
    let mut c = config();
    c.recovery.username_excluded_domains = vec!["example.it".into()];
    let (engine, store) = setup(c);
    for email in ["mario.rossi@example.it", "nobody@example.it"] {
        let (f, s) = start_recovery(&engine, &store, 10);
        let (step, _) = request(
            &engine,
            &store,
            &f,
            &s,
            &identify(email),
            at(11),
            &mut rand::rng(),
        );
        assert_eq!(
            step.outcome,
            FlowOutcome::Ended {
                reason: EndReason::NotAvailable
            }
        );
    }
}

#[test]
fn the_secret_question_reveals_it_too_and_the_captcha_is_the_hosts_alone() {
    let (engine, store) = setup(config());
    let rng = &mut rand::rng();
    let (f, s) = start_recovery(&engine, &store, 10);
    let _ = request(
        &engine,
        &store,
        &f,
        &s,
        &identify("mario.rossi@example.it"),
        at(11),
        rng,
    );
    // The user cannot answer the captcha: no input is taken while the
    // host's verdict is awaited.
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let err = engine
        .advance(
            &flow,
            &varco::flow::Submit {
                client_secret: &s,
                token: &flow.body().token(),
                input: &mobile("3331234567"),
                ticket: None,
            },
            &varco::flow::Records::new(),
            at(12),
            rng,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let step = answer(
        &engine,
        &store,
        &f,
        None,
        &HostFact::Captcha { passed: false },
        at(12),
    );
    assert_eq!(step.view.unwrap().error, Some(ViewError::CaptchaFailed));
    let _ = answer(
        &engine,
        &store,
        &f,
        None,
        &HostFact::Captcha { passed: true },
        at(13),
    );
    let _ = request(&engine, &store, &f, &s, &mobile("3331234567"), at(14), rng);
    let (step, _) = request(&engine, &store, &f, &s, &Input::Forgot, at(15), rng);
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Question {
            question: "first_pet".into()
        }
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &Input::Answer {
            answer: "fido".into(),
        },
        at(16),
        rng,
    );
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Revealed {
            username: "mario".into()
        }
    );
}
