//! The password reset (FLOWS F6, ENGINE §6.10, 13, 17, 18, 22): the ladder
//! (an SMS code to the recovery mobile, the secret question, "ask an
//! operator") walked alike by every identifier, the second factor after
//! it, the new password, and what a completed reset lifts and ends.

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, Trace, request};
use login::*;
use varco::account::{
    Account, AccountState, IdentifierKind, LifecycleEvent, SecretQuestion, normalize_answer,
};
use varco::effect::Effect;
use varco::flow::{
    Done, EndReason, FlowEngine, FlowKind, FlowOutcome, Input, Method, Rejection, Screen,
    StartContext, ViewError,
};
use varco::otp::Channel;
use varco::record::Stored;

fn start_reset(engine: &FlowEngine, store: &Store, now: varco::Timestamp) -> (String, String) {
    let started = engine
        .start(
            FlowKind::PasswordReset,
            &StartContext::default(),
            now,
            &mut rand::rng(),
        )
        .unwrap();
    assert_eq!(started.step.view.as_ref().unwrap().screen, Screen::Identify);
    store.commit_step(&started.step).unwrap();
    (started.flow_key, started.client_secret.expose().to_owned())
}

fn new_password(p: &str, again: &str) -> Input {
    Input::NewPassword {
        password: p.into(),
        confirmation: again.into(),
    }
}

fn answer(a: &str) -> Input {
    Input::Answer { answer: a.into() }
}

fn account(store: &Store, id: &str) -> Stored<Account> {
    Stored::from_json(&store.get(&format!("account/{id}")).unwrap()).unwrap()
}

/// Puts `a` in place of the stored account (a test's direct edit).
fn replace_account(store: &Store, a: Account) {
    let old = account(store, a.id());
    let next = old.next(a, at(0)).unwrap();
    let w = varco::step::Write {
        expect: old.expect(),
        record: next,
    };
    store.commit(&[put(&old.body().record_key(), &w)]).unwrap();
}

fn with_question(engine: &FlowEngine, store: &Store, id: &str, q: &str, a: &str) {
    let normal = normalize_answer(a).unwrap();
    let hash = engine.hasher().hash(&normal, &mut rand::rng()).unwrap();
    let acc = account(store, id)
        .body()
        .clone()
        .with_question(SecretQuestion {
            id: q.into(),
            answer: hash,
        });
    replace_account(store, acc);
}

fn who(id: &'static str, username: &'static str, mobile: Option<&'static str>) -> Who<'static> {
    Who {
        id,
        username,
        password: "Correct-Horse-1",
        mobile,
        email: None,
        second_factor: false,
    }
}

fn screen(step: &varco::flow::FlowStep) -> (String, Option<ViewError>) {
    let v = step.view.as_ref().expect("a view");
    (v.screen.as_str().to_owned(), v.error)
}

fn one_hash(engine: &FlowEngine) -> u64 {
    let before = engine.hasher().work();
    engine.hasher().hash("x", &mut rand::rng()).unwrap();
    engine.hasher().work() - before
}

/// A login with `password`: its first outcome after the password.
fn login_outcome(engine: &FlowEngine, store: &Store, user: &str, pw: &str, t: u64) -> FlowOutcome {
    let rng = &mut rand::rng();
    let (f, s) = start(engine, store, None, at(t));
    let _ = request(engine, store, &f, &s, &identify(user), at(t), rng);
    request(engine, store, &f, &s, &password(pw), at(t + 1), rng)
        .0
        .outcome
}

#[test]
fn a_reset_by_sms_sets_a_new_password_and_never_signs_in() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(10));
    let sent = sent_messages(&store);
    let (step, _) = request(&engine, &store, &f, &s, &identify("Mario"), at(11), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::CodeSent {
            channel: Channel::Sms,
            sent: true
        }
    );
    let view = step.view.unwrap();
    assert_eq!(
        view.screen,
        Screen::Code {
            channel: Channel::Sms
        }
    );
    // No masked number, no budget, before proof.
    let shown = serde_json::to_string(&view).unwrap();
    assert!(!shown.contains("4567") && !shown.contains("+39"), "{shown}");
    assert_eq!(sent_messages(&store), sent + 1);
    let code = last_code(&store);
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(12), rng);
    assert_eq!(screen(&step), ("new_password".into(), None));
    // The policy refuses a weak one, and the current one.
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password("abc", "abc"),
        at(13),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::PasswordRejected
        }
    );
    assert!(step.view.unwrap().violations.contains(&"too_short".into()));
    let current = "Correct-Horse-1";
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password(current, current),
        at(14),
        rng,
    );
    assert!(
        step.view
            .unwrap()
            .violations
            .contains(&"same_as_current".into()),
        "the current password is refused"
    );
    let epoch = account(&store, "a1").body().epoch();
    let fresh = "fiume violino tramonto";
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password(fresh, fresh),
        at(15),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Done {
            done: Done::PasswordReset,
            grant: None
        }
    );
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Done {
            done: Done::PasswordReset
        }
    );
    assert!(step.effects.iter().any(
        |e| matches!(e, Effect::RevokeSessions { account, except_device: None } if account == "a1")
    ));
    assert!(
        step.effects
            .iter()
            .any(|e| matches!(e, Effect::NotifyOwner { event, .. } if event == "password_reset"))
    );
    assert_eq!(account(&store, "a1").body().epoch(), epoch + 1);
    // The old password no longer signs in; the new one does.
    assert_eq!(
        login_outcome(&engine, &store, "mario", current, 20),
        FlowOutcome::Rejected {
            reason: Rejection::WrongPassword
        }
    );
    assert!(matches!(
        login_outcome(&engine, &store, "mario", fresh, 30),
        FlowOutcome::SignedIn { .. }
    ));
}

/// A request's view (screen and error) and its trace.
type Request = ((String, Option<ViewError>), Trace);

/// One reset walked to the end of the ladder: identify, a wrong code,
/// "no longer mine", a wrong answer, "forgot": the trace of each request.
fn walk(engine: &FlowEngine, store: &Store, identifier: &Input, t: u64) -> Vec<Request> {
    let rng = &mut rand::rng();
    let (f, s) = start_reset(engine, store, at(t));
    let mut out = Vec::new();
    for (i, input) in [
        identifier.clone(),
        login::code("000000"),
        Input::Forgot,
        answer("fido"),
        Input::Forgot,
    ]
    .iter()
    .enumerate()
    {
        let (step, trace) = request(engine, store, &f, &s, input, at(t + 1 + i as u64), rng);
        let mut view = screen(&step);
        if let Some(Screen::Question { .. }) = step.view.as_ref().map(|v| &v.screen) {
            view.0 = "question".into();
        }
        out.push((view, trace));
    }
    out
}

/// What a walk showed, step by step.
fn views(w: &[Request]) -> Vec<(String, Option<ViewError>)> {
    w.iter().map(|(v, _)| v.clone()).collect()
}

/// The shape of a walk's path: per request, each engine call's outcome,
/// then and writes.
#[allow(clippy::type_complexity)]
fn shapes(w: &[Request]) -> Vec<Vec<(String, String, Vec<String>)>> {
    w.iter()
        .map(|(_, t)| {
            t.calls
                .iter()
                .map(|(o, then, writes, _)| (o.clone(), then.clone(), writes.clone()))
                .collect()
        })
        .collect()
}

/// The Argon2 work of each request of a walk.
fn work(w: &[Request]) -> Vec<u64> {
    w.iter().map(|(_, t)| t.work).collect()
}

#[test]
fn every_identifier_walks_the_same_ladder_with_the_same_views_and_path() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    provision(&engine, &store, &who("a2", "lucia", None));
    with_question(&engine, &store, "a1", "first_pet", "Rex");
    let one = one_hash(&engine);
    let sent = sent_messages(&store);
    let known = walk(&engine, &store, &identify("mario"), 100);
    let sent_known = sent_messages(&store) - sent;
    let no_mobile = walk(&engine, &store, &identify("lucia"), 200);
    let unknown = walk(&engine, &store, &identify("nobody"), 300);
    let typo = walk(
        &engine,
        &store,
        &Input::IdentifyBy {
            kind: IdentifierKind::Mobile,
            identifier: "not a number".into(),
        },
        400,
    );
    assert_eq!(sent_known, 1, "the known account's code went out");
    assert_eq!(
        sent_messages(&store) - sent,
        1,
        "no code goes out for a missing rung or an unknown identifier"
    );
    assert_eq!(
        views(&known),
        vec![
            ("code".into(), None),
            ("code".into(), Some(ViewError::CodeWrong)),
            ("question".into(), None),
            ("question".into(), Some(ViewError::AuthenticationFailed)),
            ("ended".into(), None),
        ]
    );
    for other in [&no_mobile, &unknown, &typo] {
        assert_eq!(views(other), views(&known));
        assert_eq!(shapes(other), shapes(&known));
        assert_eq!(work(other), work(&known));
    }
    assert_eq!(
        work(&known),
        vec![0, 0, 0, one, 0],
        "one Argon2 run, at the answer"
    );
}

#[test]
fn a_decoy_question_comes_from_the_catalogue_and_is_the_same_every_time() {
    let (engine, store) = (engine(), Store::new());
    let rng = &mut rand::rng();
    let mut asked = Vec::new();
    for t in [10, 20] {
        let (f, s) = start_reset(&engine, &store, at(t));
        let _ = request(&engine, &store, &f, &s, &identify("nobody"), at(t + 1), rng);
        let (step, _) = request(&engine, &store, &f, &s, &Input::Forgot, at(t + 2), rng);
        let Screen::Question { question } = step.view.unwrap().screen else {
            panic!("a question")
        };
        assert!(engine.config().recovery.questions.contains(&question));
        asked.push(question);
    }
    assert_eq!(asked[0], asked[1]);
}

#[test]
fn the_secret_question_resets_with_its_own_budget_and_a_normalised_answer() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", None));
    with_question(&engine, &store, "a1", "birth_city", "Città di Castello");
    // The password is locked: recovery stays open.
    for i in 0..5 {
        let _ = login_outcome(&engine, &store, "mario", "wrong", 10 + 2 * i);
    }
    assert_eq!(
        login_outcome(&engine, &store, "mario", "Correct-Horse-1", 30),
        FlowOutcome::Rejected {
            reason: Rejection::Locked
        }
    );
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(40));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(41), rng);
    let (step, _) = request(&engine, &store, &f, &s, &Input::Forgot, at(42), rng);
    assert_eq!(
        step.view.unwrap().screen,
        Screen::Question {
            question: "birth_city".into()
        }
    );
    let (step, _) = request(&engine, &store, &f, &s, &answer("Roma"), at(43), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongAnswer
        }
    );
    let guard: Stored<varco::guard::AccountGuard> =
        Stored::from_json(&store.get("guard/a1").unwrap()).unwrap();
    assert_eq!(
        guard
            .body()
            .counter(varco::guard::Factor::Recovery)
            .consecutive(),
        1,
        "the answer counts in the recovery budget"
    );
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &answer("  CITTA di castello "),
        at(44),
        rng,
    );
    assert_eq!(screen(&step), ("new_password".into(), None));
    let fresh = "fiume violino tramonto";
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password(fresh, fresh),
        at(45),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::Done { .. }));
    // The reset lifted the password's failure lock.
    assert!(matches!(
        login_outcome(&engine, &store, "mario", fresh, 50),
        FlowOutcome::SignedIn { .. }
    ));
}

#[test]
fn without_the_question_the_ladder_ends_with_an_operator() {
    let mut config = config();
    config.recovery = varco::flow::RecoveryConfig::nist();
    let engine = engine_with(config);
    let store = Store::new();
    provision(&engine, &store, &who("a1", "mario", None));
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let (step, _) = request(&engine, &store, &f, &s, &Input::Forgot, at(12), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AskOperator
        }
    );
}

#[test]
fn a_reset_asks_the_second_factor_the_rung_did_not_prove() {
    let (engine, store) = (engine(), Store::new());
    let mut w = who("a1", "mario", Some("+393331234567"));
    w.second_factor = true;
    provision(&engine, &store, &w);
    with_question(&engine, &store, "a1", "first_pet", "Rex");
    let rng = &mut rand::rng();
    // By SMS: the code proves the mobile, the account's one second factor.
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(12), rng);
    assert_eq!(screen(&step), ("new_password".into(), None));
    // By the question: the SMS second factor is asked before the password.
    let (f, s) = start_reset(&engine, &store, at(20));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(21), rng);
    let _ = request(&engine, &store, &f, &s, &Input::Forgot, at(22), rng);
    let (step, _) = request(&engine, &store, &f, &s, &answer("rex"), at(23), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::CodeSent {
            channel: Channel::Sms,
            sent: true
        }
    );
    // The new password is not taken before the second factor.
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let input = new_password("fiume violino tramonto", "fiume violino tramonto");
    let err = engine
        .advance(
            &flow,
            &varco::flow::Submit {
                client_secret: &s,
                token: &flow.body().token(),
                input: &input,
                ticket: None,
            },
            &varco::flow::Records::new(),
            at(24),
            rng,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let code = last_code(&store);
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(25), rng);
    assert_eq!(screen(&step), ("new_password".into(), None));
    let _ = Method::Sms;
}

#[test]
fn a_completed_reset_ends_older_flows_and_keeps_an_operator_block() {
    let (engine, store) = (engine(), Store::new());
    let mut w = who("a1", "mario", Some("+393331234567"));
    w.second_factor = true;
    provision(&engine, &store, &w);
    let rng = &mut rand::rng();
    // A sign-in waits at its code screen.
    let (lf, ls) = start(&engine, &store, None, at(5));
    let _ = request(&engine, &store, &lf, &ls, &identify("mario"), at(5), rng);
    let (step, _) = request(
        &engine,
        &store,
        &lf,
        &ls,
        &password("Correct-Horse-1"),
        at(6),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::CodeSent { .. }));
    let login_code = last_code(&store);
    // An operator blocks the account, then the owner resets.
    let block = varco::flow::Command::Block {
        account: "a1".into(),
        reason: "theft".into(),
    };
    let op = varco::flow::Actor::Operator { id: "op".into() };
    let cmd = engine
        .command(
            &op,
            &block,
            &store.load(&["account/a1".into(), "guard/a1".into()]),
            at(7),
            rng,
        )
        .unwrap();
    store.commit_step(&cmd).unwrap();
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    let _ = request(&engine, &store, &f, &s, &login::code(&code), at(12), rng);
    let fresh = "fiume violino tramonto";
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password(fresh, fresh),
        at(13),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::Done { .. }));
    assert_eq!(
        *account(&store, "a1").body().lifecycle().state(),
        AccountState::Suspended,
        "a reset does not lift an operator's block"
    );
    // The sign-in that read the account before ends.
    let (step, _) = request(
        &engine,
        &store,
        &lf,
        &ls,
        &login::code(&login_code),
        at(14),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Ended {
            reason: EndReason::AccountChanged
        }
    );
}

#[test]
fn a_reset_wakes_a_dormant_account() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let a = account(&store, "a1");
    let step = a.apply(&LifecycleEvent::Inactivity, at(1)).unwrap();
    store
        .commit(&[put("account/a1", &step.writes.unwrap())])
        .unwrap();
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    let _ = request(&engine, &store, &f, &s, &login::code(&code), at(12), rng);
    let fresh = "fiume violino tramonto";
    let _ = request(
        &engine,
        &store,
        &f,
        &s,
        &new_password(fresh, fresh),
        at(13),
        rng,
    );
    assert_eq!(
        *account(&store, "a1").body().lifecycle().state(),
        AccountState::Active
    );
}

#[test]
fn a_code_sent_to_a_number_the_account_no_longer_has_never_passes() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    let moved = account(&store, "a1")
        .body()
        .clone()
        .with_mobile("+393339999999");
    replace_account(&store, moved);
    let (step, _) = request(&engine, &store, &f, &s, &login::code(&code), at(12), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        }
    );
}

#[test]
fn a_reset_identifies_only_by_the_kinds_the_deployment_offers() {
    let mut config = config();
    config.recovery.identify_by = vec![IdentifierKind::Username];
    let engine = engine_with(config);
    let store = Store::new();
    let (f, s) = start_reset(&engine, &store, at(10));
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let input = Input::IdentifyBy {
        kind: IdentifierKind::CodiceFiscale,
        identifier: "MRTMTT91D08F205J".into(),
    };
    let err = engine
        .advance(
            &flow,
            &varco::flow::Submit {
                client_secret: &s,
                token: &flow.body().token(),
                input: &input,
                ticket: None,
            },
            &varco::flow::Records::new(),
            at(11),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn a_decoy_rungs_code_never_passes_even_when_guessed() {
    use rand::SeedableRng;
    let engine = engine();
    // The same random stream draws the same code: mario's (on a store of
    // his own) comes by SMS; lucia's decoy rung draws it and never sends it.
    let seeded = || rand::rngs::StdRng::seed_from_u64(42);
    let (theirs, ours) = (Store::new(), Store::new());
    provision(&engine, &theirs, &who("a1", "mario", Some("+393331234567")));
    let (fm, sm) = start_reset(&engine, &theirs, at(10));
    let _ = request(
        &engine,
        &theirs,
        &fm,
        &sm,
        &identify("mario"),
        at(11),
        &mut seeded(),
    );
    let code = last_code(&theirs);
    provision(&engine, &ours, &who("a2", "lucia", None));
    let (fl, sl) = start_reset(&engine, &ours, at(10));
    let (_, trace) = request(
        &engine,
        &ours,
        &fl,
        &sl,
        &identify("lucia"),
        at(11),
        &mut seeded(),
    );
    assert_eq!(trace.conflicts, 0, "one draw");
    assert_eq!(sent_messages(&ours), 0, "nothing sent for lucia");
    let rng = &mut rand::rng();
    let (step, _) = request(&engine, &ours, &fl, &sl, &login::code(&code), at(12), rng);
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::WrongCode
        },
        "the decoy rung's own code is refused"
    );
    // The same code passes on mario's real rung.
    let (step, _) = request(&engine, &theirs, &fm, &sm, &login::code(&code), at(12), rng);
    assert_eq!(screen(&step), ("new_password".into(), None));
}

#[test]
fn a_sign_in_that_read_the_account_before_a_reset_cannot_commit_after_it() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let rng = &mut rand::rng();
    // A sign-in at its password screen; a reset at its new password.
    let (lf, ls) = start(&engine, &store, None, at(10));
    let _ = request(&engine, &store, &lf, &ls, &identify("mario"), at(10), rng);
    let (rf, rs) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &rf, &rs, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    let _ = request(&engine, &store, &rf, &rs, &login::code(&code), at(12), rng);
    // The sign-in reserves and checks its password, then computes its
    // last phase from the records as they are now...
    let keys: Vec<String> = ["account/a1", "guard/a1", engine_pad(&engine, &store)]
        .iter()
        .map(|k| k.to_string())
        .collect();
    let last = last_phase(
        &engine,
        &store,
        (&lf, &ls),
        "Correct-Horse-1",
        &keys,
        at(13),
    );
    assert!(matches!(last.outcome, FlowOutcome::SignedIn { .. }));
    // ...and the reset commits first.
    let fresh = "fiume violino tramonto";
    let (step, _) = request(
        &engine,
        &store,
        &rf,
        &rs,
        &new_password(fresh, fresh),
        at(14),
        rng,
    );
    assert!(matches!(step.outcome, FlowOutcome::Done { .. }));
    assert!(
        store.commit_step(&last).is_err(),
        "a sign-in that relied on the account before the reset never commits after it"
    );
    // The same with a change that writes the account alone (an operator's
    // block): the sign-in's assert on the account is what refuses it.
    let (lf, ls) = start(&engine, &store, None, at(20));
    let _ = request(&engine, &store, &lf, &ls, &identify("mario"), at(20), rng);
    let last = last_phase(&engine, &store, (&lf, &ls), fresh, &keys, at(21));
    assert!(matches!(last.outcome, FlowOutcome::SignedIn { .. }));
    let block = varco::flow::Command::Block {
        account: "a1".into(),
        reason: "theft".into(),
    };
    let op = varco::flow::Actor::Operator { id: "op".into() };
    let cmd = engine
        .command(&op, &block, &store.load(&keys[..2]), at(22), rng)
        .unwrap();
    assert!(
        !cmd.writes.iter().any(|w| w.key == "guard/a1"),
        "a block writes the account alone"
    );
    store.commit_step(&cmd).unwrap();
    assert!(
        store.commit_step(&last).is_err(),
        "a sign-in that relied on the account before a block never commits after it"
    );
}

/// A sign-in's password through its reserve and check phases (each
/// committed), and its last phase computed from `keys` as stored now, not
/// committed.
fn last_phase(
    engine: &FlowEngine,
    store: &Store,
    (flow_key, secret): (&str, &str),
    pw: &str,
    keys: &[String],
    now: varco::Timestamp,
) -> varco::flow::FlowStep {
    let pw = password(pw);
    let flow = || Stored::<varco::flow::Flow>::from_json(&store.get(flow_key).unwrap()).unwrap();
    let token = flow().body().token();
    let mut ticket: Option<String> = None;
    loop {
        let submit = varco::flow::Submit {
            client_secret: secret,
            token: &token,
            input: &pw,
            ticket: ticket.as_deref(),
        };
        let step = engine
            .advance(&flow(), &submit, &store.load(keys), now, &mut rand::rng())
            .unwrap();
        match &step.then {
            varco::flow::Then::CommitAndRepeat { ticket: t } => {
                store.commit_step(&step).unwrap();
                ticket = Some(t.expose().to_owned());
            }
            varco::flow::Then::Load { keys: more } => panic!("more records: {more:?}"),
            varco::flow::Then::Respond => return step,
        }
    }
}

/// The padding key the password phase reads for mario (the one key of
/// `pad/` it asks for).
fn engine_pad(engine: &FlowEngine, store: &Store) -> &'static str {
    let (f, s) = start(engine, store, None, at(1));
    let _ = request(
        engine,
        store,
        &f,
        &s,
        &identify("mario"),
        at(1),
        &mut rand::rng(),
    );
    let flow = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap()).unwrap();
    let input = password("x");
    let step = engine
        .advance(
            &flow,
            &varco::flow::Submit {
                client_secret: &s,
                token: &flow.body().token(),
                input: &input,
                ticket: None,
            },
            &varco::flow::Records::new(),
            at(1),
            &mut rand::rng(),
        )
        .unwrap();
    let varco::flow::Then::Load { keys } = step.then else {
        panic!("a load")
    };
    let pad = keys.into_iter().find(|k| k.starts_with("pad/")).unwrap();
    Box::leak(pad.into_boxed_str())
}

#[test]
fn masks_show_only_when_the_host_turns_them_on_and_a_decoy_gets_a_stable_one() {
    let masked = |engine: &FlowEngine, store: &Store, who: &str, t: u64| {
        let (f, s) = start_reset(engine, store, at(t));
        let (step, _) = request(
            engine,
            store,
            &f,
            &s,
            &identify(who),
            at(t + 1),
            &mut rand::rng(),
        );
        step.view.unwrap().masked
    };
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    assert_eq!(masked(&engine, &store, "mario", 10), None, "off by default");
    let mut c = config();
    c.recovery.show_masks = true;
    let engine = engine_with(c);
    assert_eq!(
        masked(&engine, &store, "mario", 20).as_deref(),
        Some("+39*******567")
    );
    let decoy = masked(&engine, &store, "nobody", 30).unwrap();
    assert!(
        decoy.starts_with("+39*******") && decoy.len() == 13,
        "{decoy}"
    );
    assert_eq!(masked(&engine, &store, "nobody", 40).unwrap(), decoy);
}

#[test]
fn sixteen_answers_at_once_on_one_flow_cost_one_count_and_one_argon2_run() {
    // A slower hash (a few milliseconds) keeps the reservation live while
    // the others arrive.
    let mut c = config();
    c.hash = varco::hash::HashParams::new(8192, 2, 1).unwrap();
    let (engine, store) = (engine_with(c), Store::new());
    provision(&engine, &store, &who("a1", "mario", None));
    with_question(&engine, &store, "a1", "first_pet", "Rex");
    let (f, s) = start_reset(&engine, &store, at(10));
    let rng = &mut rand::rng();
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let _ = request(&engine, &store, &f, &s, &Input::Forgot, at(12), rng);
    let one = one_hash(&engine);
    let before = engine.hasher().work();
    let barrier = std::sync::Barrier::new(16);
    let token = Stored::<varco::flow::Flow>::from_json(&store.get(&f).unwrap())
        .unwrap()
        .body()
        .token();
    let outcomes: Vec<FlowOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let input = answer("wrong");
                    let rng = &mut rand::rng();
                    host::request_at(&engine, &store, &f, &s, &token, &input, at(13), rng)
                        .0
                        .outcome
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wrong = outcomes
        .iter()
        .filter(|o| {
            **o == FlowOutcome::Rejected {
                reason: Rejection::WrongAnswer,
            }
        })
        .count();
    assert_eq!(wrong, 1, "{outcomes:?}");
    assert_eq!(
        engine.hasher().work() - before,
        one,
        "one Argon2 run for 16 requests"
    );
    let guard: Stored<varco::guard::AccountGuard> =
        Stored::from_json(&store.get("guard/a1").unwrap()).unwrap();
    assert_eq!(
        guard
            .body()
            .counter(varco::guard::Factor::Recovery)
            .consecutive(),
        1
    );
}

#[test]
fn many_reset_flows_share_the_accounts_recovery_budget_and_the_numbers_send_budget() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let threshold = engine.config().guard.recovery.threshold as usize;
    let cap = engine.config().delivery.daily_cap as usize;
    let rng = &mut rand::rng();
    let sent = sent_messages(&store);
    let flows = 3 * cap.max(threshold);
    let mut open = Vec::new();
    for i in 0..flows as u64 {
        let (f, s) = start_reset(&engine, &store, at(10 + i));
        let _ = request(&engine, &store, &f, &s, &identify("mario"), at(10 + i), rng);
        let _ = request(
            &engine,
            &store,
            &f,
            &s,
            &login::code("000000"),
            at(10 + i),
            rng,
        );
        open.push((f, s));
    }
    assert!(
        sent_messages(&store) - sent <= cap,
        "{} flows sent no more than the number's daily cap",
        flows
    );
    let guard: Stored<varco::guard::AccountGuard> =
        Stored::from_json(&store.get("guard/a1").unwrap()).unwrap();
    let counted = guard
        .body()
        .counter(varco::guard::Factor::Recovery)
        .consecutive() as usize;
    assert_eq!(
        counted, threshold,
        "every flow's guess counted in one budget, until it locked"
    );
}

#[test]
fn an_expired_reset_code_is_not_a_guess() {
    let (engine, store) = (engine(), Store::new());
    provision(&engine, &store, &who("a1", "mario", Some("+393331234567")));
    let rng = &mut rand::rng();
    let (f, s) = start_reset(&engine, &store, at(10));
    let _ = request(&engine, &store, &f, &s, &identify("mario"), at(11), rng);
    let code = last_code(&store);
    // Past the code's five minutes (within the flow's fifteen).
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&code),
        at(11 + 301),
        rng,
    );
    assert_eq!(
        step.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::CodeExpired
        }
    );
    assert_eq!(step.view.unwrap().error, Some(ViewError::CodeExpired));
    let counted = store.get("guard/a1").map_or(0, |g| {
        Stored::<varco::guard::AccountGuard>::from_json(&g)
            .unwrap()
            .body()
            .counter(varco::guard::Factor::Recovery)
            .consecutive()
    });
    assert_eq!(counted, 0, "an expired code is not counted");
    // A new code (a resend) passes.
    let (step, _) = request(&engine, &store, &f, &s, &Input::Resend, at(11 + 302), rng);
    assert!(matches!(
        step.outcome,
        FlowOutcome::CodeSent { sent: true, .. }
    ));
    let (step, _) = request(
        &engine,
        &store,
        &f,
        &s,
        &login::code(&last_code(&store)),
        at(11 + 303),
        rng,
    );
    assert_eq!(screen(&step), ("new_password".into(), None));
}

#[test]
fn an_input_or_a_fact_without_fields_takes_none() {
    for json in [
        r#"{"input":"forgot","answer":"Fido"}"#,
        r#"{"input":"resend","code":"123456"}"#,
        r#"{"input":"cancel","x":1}"#,
    ] {
        assert_eq!(
            Input::from_json(json).unwrap_err().code(),
            "invalid_input",
            "{json}"
        );
    }
    assert_eq!(
        Input::from_json(r#"{"input":"forgot"}"#).unwrap(),
        Input::Forgot
    );
    let fact = varco::flow::HostFact::from_json(r#"{"fact":"delivery_failed","passed":true}"#);
    assert_eq!(fact.unwrap_err().code(), "invalid_input");
    assert!(varco::flow::HostFact::from_json(r#"{"fact":"delivery_failed"}"#).is_ok());
}

/// ENGINE §1: a codice fiscale or a fixed number is a hint that may name
/// several accounts. Naming one, a reset by it finds that account; naming
/// several, or none, or mistyped, the same screens and the same path lead
/// nowhere (property 10), and only the audit says "several accounts".
#[test]
fn a_reset_by_codice_fiscale_or_fixed_number_finds_the_one_account_they_name() {
    use varco::flow::{NewAccount, NewIdentifier};
    const CF: &str = "RSSMRA80A01H501U";
    let (engine, store) = (engine(), Store::new());
    let with = |id: &str, user: &str, mobile: &str, ids: &[(IdentifierKind, &str)]| NewAccount {
        id: id.into(),
        username: Some(user.into()),
        mobile: Some(mobile.into()),
        identifiers: ids
            .iter()
            .map(|(kind, value)| NewIdentifier {
                kind: *kind,
                value: (*value).into(),
            })
            .collect(),
        ..NewAccount::default()
    };
    let laura = with(
        "h1",
        "laura",
        "+393334444444",
        &[
            (IdentifierKind::CodiceFiscale, CF),
            (IdentifierKind::FixedNumber, "06 5555555"),
        ],
    );
    provision_new(&engine, &store, &laura, "Laura-Horse-1");
    let hint = |key: &str| {
        Stored::<varco::account::Hint>::from_json(&store.get(key).unwrap())
            .unwrap()
            .body()
            .accounts()
            .to_vec()
    };
    assert_eq!(hint(&format!("hint/cf/{CF}")), ["h1"]);
    assert_eq!(hint("hint/fixed/+39065555555"), ["h1"]);
    let by = |kind, identifier: &str| Input::IdentifyBy {
        kind,
        identifier: identifier.into(),
    };
    let sent = sent_messages(&store);
    let known = walk(
        &engine,
        &store,
        &by(IdentifierKind::CodiceFiscale, "rssmra80a01h501u"),
        100,
    );
    assert_eq!(
        sent_messages(&store) - sent,
        1,
        "the one account's code went out"
    );
    let fixed = walk(
        &engine,
        &store,
        &by(IdentifierKind::FixedNumber, "065555555"),
        200,
    );
    assert_eq!(sent_messages(&store) - sent, 2, "and by its fixed number");
    let unknown = walk(
        &engine,
        &store,
        &by(IdentifierKind::CodiceFiscale, "MRTMTT91D08F205J"),
        300,
    );
    let typo = walk(
        &engine,
        &store,
        &by(IdentifierKind::CodiceFiscale, "RSSMRA80A01H501X"),
        400,
    );
    // A second account with the same codice fiscale: the hint names both.
    provision_new(
        &engine,
        &store,
        &with(
            "h2",
            "laura.impresa",
            "+393336666666",
            &[(IdentifierKind::CodiceFiscale, CF)],
        ),
        "Laura-Horse-2",
    );
    assert_eq!(hint(&format!("hint/cf/{CF}")), ["h1", "h2"]);
    let audits = store.outbox.lock().unwrap().iter().flatten().count();
    let several = walk(&engine, &store, &by(IdentifierKind::CodiceFiscale, CF), 500);
    assert_eq!(
        sent_messages(&store) - sent,
        2,
        "no code for several accounts"
    );
    let said = store.outbox.lock().unwrap().iter().flatten().skip(audits).any(|e| {
        matches!(e, Effect::Audit(a) if a.details.iter().any(|(k, v)| k == "lookup" && v == "several_accounts"))
    });
    assert!(said, "the audit says why");
    for other in [&fixed, &unknown, &typo, &several] {
        assert_eq!(views(other), views(&known));
        assert_eq!(shapes(other), shapes(&known));
        assert_eq!(work(other), work(&known));
    }
}

/// Two accounts created at once with one codice fiscale: the second
/// commit finds the hint changed (compare-and-swap), loads it again, and
/// the hint names both.
#[test]
fn accounts_created_at_once_with_one_codice_fiscale_both_join_its_hint() {
    use varco::flow::{NewAccount, NewIdentifier, Records};
    let (engine, store) = (engine(), Store::new());
    let new = |id: &str| NewAccount {
        id: id.into(),
        identifiers: vec![NewIdentifier {
            kind: IdentifierKind::CodiceFiscale,
            value: "RSSMRA80A01H501U".into(),
        }],
        ..NewAccount::default()
    };
    let key = "hint/cf/RSSMRA80A01H501U".to_owned();
    let rng = &mut rand::rng();
    let loaded = store.load(std::slice::from_ref(&key));
    let a = engine
        .provision(&new("a1"), None, &loaded, at(0), rng)
        .unwrap();
    let b = engine
        .provision(&new("b2"), None, &loaded, at(0), rng)
        .unwrap();
    store.commit_step(&a).unwrap();
    assert!(store.commit_step(&b).is_err(), "the hint moved: a conflict");
    let b = engine
        .provision(
            &new("b2"),
            None,
            &store.load(std::slice::from_ref(&key)),
            at(0),
            rng,
        )
        .unwrap();
    store.commit_step(&b).unwrap();
    let hint = Stored::<varco::account::Hint>::from_json(&store.get(&key).unwrap()).unwrap();
    assert_eq!(hint.body().accounts(), ["a1", "b2"]);
    // Without its hint loaded, a provisioning asks for it, writes nothing
    // and hashes nothing (the host loop's second call is the one that pays).
    let before = engine.hasher().work();
    let mut c3 = new("c3");
    c3.question = Some("first_pet".into());
    c3.answer = Some("Fido".into());
    let asked = engine
        .provision(&c3, Some("Correct-Horse-1"), &Records::new(), at(0), rng)
        .unwrap();
    assert_eq!(engine.hasher().work(), before);
    assert!(asked.writes.is_empty());
    assert_eq!(asked.then, varco::flow::Then::Load { keys: vec![key] });
}

/// Seventeen accounts with one codice fiscale: the seventeenth is created
/// (a full hint does not refuse it, so nobody can keep the identifier's
/// owner from an account by registering sixteen with it), the hint
/// overflows, and a reset by the codice fiscale walks the decoy's ladder
/// with the audit saying "several accounts".
#[test]
fn a_codice_fiscale_of_more_accounts_than_its_hint_lists_still_takes_new_ones() {
    use varco::flow::{NewAccount, NewIdentifier};
    const CF: &str = "RSSMRA80A01H501U";
    let (engine, store) = (engine(), Store::new());
    for i in 0..17 {
        let new = NewAccount {
            id: format!("o{i:02}"),
            mobile: Some(format!("+3933377700{i:02}")),
            identifiers: vec![NewIdentifier {
                kind: IdentifierKind::CodiceFiscale,
                value: CF.into(),
            }],
            ..NewAccount::default()
        };
        provision_new(&engine, &store, &new, "Olga-Horse-1");
    }
    assert!(store.get("account/o16").is_some());
    let key = format!("hint/cf/{CF}");
    let hint = || Stored::<varco::account::Hint>::from_json(&store.get(&key).unwrap()).unwrap();
    assert_eq!(hint().body().accounts().len(), 16);
    assert!(hint().body().overflows());
    let sent = sent_messages(&store);
    let audits = store.outbox.lock().unwrap().iter().flatten().count();
    let _ = walk(
        &engine,
        &store,
        &Input::IdentifyBy {
            kind: IdentifierKind::CodiceFiscale,
            identifier: CF.into(),
        },
        100,
    );
    assert_eq!(sent_messages(&store), sent, "no code for several accounts");
    let said = store.outbox.lock().unwrap().iter().flatten().skip(audits).any(|e| {
        matches!(e, Effect::Audit(a) if a.details.iter().any(|(k, v)| k == "lookup" && v == "several_accounts"))
    });
    assert!(said, "the audit says why");
}
