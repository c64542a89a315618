//! Registration (FLOWS F7) on the flow engine: the six steps, the host's
//! facts (captcha, eligible contract, duplicate, PEC), the emailed link
//! (opened without effect, confirmed once, rebinding the flow), the
//! account written only at the end and only once (ENGINE §6.11, 15, 16,
//! 19, 21-24, 26).

// Steps on the way to the one under test are driven for their effect;
// their outcome is asserted where it matters.
#![allow(unused_must_use)]

#[path = "support/host.rs"]
mod host;
#[path = "support/login.rs"]
mod login;

use host::{Store, answer, request, request_at};
use login::*;
use varco::account::Account;
use varco::effect::Effect;
use varco::flow::{
    Done, DuplicateChoice, EndReason, Flow, FlowEngine, FlowKind, FlowOutcome, HostFact,
    HostQuestion, Input, Rejection, Screen, StartContext, ViewError,
};
use varco::record::Stored;

const MOBILE: &str = "+393471234567";
const CF: &str = "RSSMRA80A01H501U";
const ORG: &str = "00743110157";

struct Reg {
    key: String,
    secret: String,
}

fn begin(engine: &FlowEngine, store: &Store, t: u64) -> Reg {
    let started = engine
        .start(
            FlowKind::Registration,
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
    Reg {
        key: started.flow_key,
        secret: started.client_secret.expose().to_owned(),
    }
}

fn send(
    engine: &FlowEngine,
    store: &Store,
    r: &Reg,
    input: &Input,
    t: u64,
) -> varco::flow::FlowStep {
    request(
        engine,
        store,
        &r.key,
        &r.secret,
        input,
        at(t),
        &mut rand::rng(),
    )
    .0
}

fn fact(engine: &FlowEngine, store: &Store, r: &Reg, f: HostFact, t: u64) -> varco::flow::FlowStep {
    answer(engine, store, &r.key, None, &f, at(t))
}

fn flow(store: &Store, r: &Reg) -> Stored<Flow> {
    Stored::from_json(&store.get(&r.key).unwrap()).unwrap()
}

fn screen(step: &varco::flow::FlowStep) -> Screen {
    step.view.as_ref().unwrap().screen.clone()
}

fn personal(first: &str, last: &str, cf: &str, org: &str) -> Input {
    Input::PersonalData {
        first_name: first.into(),
        last_name: last.into(),
        codice_fiscale: cf.into(),
        organisation_code: org.into(),
    }
}

fn email(address: &str, username: Option<&str>) -> Input {
    Input::Email {
        address: address.into(),
        username: username.map(str::to_owned),
    }
}

fn create(pw: &str, terms: bool, privacy: bool) -> Input {
    Input::CreatePassword {
        password: pw.into(),
        confirmation: pw.into(),
        accept_terms: terms,
        accept_privacy: privacy,
    }
}

fn accounts(store: &Store) -> Vec<String> {
    store.keys_with_prefix("account/")
}

/// Steps 1 to 3: the mobile, the captcha, the code, the contract; the
/// personal data screen.
fn to_personal_data(engine: &FlowEngine, store: &Store, t: u64) -> Reg {
    let r = begin(engine, store, t);
    let s = send(
        engine,
        store,
        &r,
        &Input::Mobile {
            number: "347 123 4567".into(),
        },
        t + 1,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    let s = fact(engine, store, &r, HostFact::Captcha { passed: true }, t + 2);
    assert!(
        matches!(s.outcome, FlowOutcome::CodeSent { sent: true, .. }),
        "{:?}",
        s.outcome
    );
    let s = send(engine, store, &r, &code(&last_code(store)), t + 3);
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::EligibleContract {
                mobile: MOBILE.into()
            }
        }
    );
    let s = fact(
        engine,
        store,
        &r,
        HostFact::EligibleContract { eligible: true },
        t + 4,
    );
    assert_eq!(screen(&s), Screen::PersonalData);
    r
}

/// Step 3 without a duplicate, then step 4 to the link.
fn to_link(engine: &FlowEngine, store: &Store, t: u64, address: &str) -> Reg {
    let r = to_personal_data(engine, store, t);
    let s = send(
        engine,
        store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        t + 5,
    );
    assert!(matches!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Duplicate { .. }
        }
    ));
    let s = fact(
        engine,
        store,
        &r,
        HostFact::Duplicate { account: None },
        t + 6,
    );
    assert_eq!(screen(&s), Screen::EnterEmail);
    let s = send(engine, store, &r, &email(address, None), t + 7);
    assert_eq!(screen(&s), Screen::CheckEmail, "{:?}", s.view);
    r
}

#[test]
fn the_six_steps_write_one_account_at_the_end_and_email_a_summary() {
    let engine = engine();
    let store = Store::new();
    let r = to_link(&engine, &store, 0, "Mario.Rossi@Example.IT");
    let link = last_link(&store);
    assert_eq!(link.len(), 64);
    assert!(accounts(&store).is_empty(), "no account before step 6");
    // The link opens on another device: the token stands for the client.
    let by_link = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    let s = send(
        &engine,
        &store,
        &by_link,
        &Input::OpenLink {
            token: link.as_str().into(),
        },
        8,
    );
    assert_eq!(
        (screen(&s), s.outcome.clone()),
        (Screen::ConfirmLink, FlowOutcome::LinkOpened)
    );
    assert!(
        s.writes.is_empty() && s.effects.is_empty(),
        "opening consumes nothing"
    );
    let s = send(
        &engine,
        &store,
        &by_link,
        &Input::ConfirmLink {
            token: link.as_str().into(),
        },
        9,
    );
    assert_eq!(screen(&s), Screen::CreatePassword);
    // The first device no longer drives the flow.
    let s = send(
        &engine,
        &store,
        &r,
        &create("Violino-Tramonto-42", true, true),
        10,
    );
    assert_eq!(s.outcome, FlowOutcome::WrongClient);
    assert!(accounts(&store).is_empty());
    let s = send(
        &engine,
        &store,
        &by_link,
        &create("Violino-Tramonto-42", true, true),
        10,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Done {
            done: Done::Registered,
            grant: None
        }
    );
    let [key] = accounts(&store).try_into().unwrap();
    let a: Stored<Account> = Stored::from_json(&store.get(&key).unwrap()).unwrap();
    assert_eq!(a.body().email(), Some("mario.rossi@example.it"));
    assert_eq!(a.body().mobile(), Some(MOBILE));
    assert!(a.body().password_hash().unwrap().starts_with("$argon2id$"));
    assert!(store.get("claim/login/mario.rossi@example.it").is_some());
    // The summary: every field, never the password.
    let outbox = store.outbox.lock().unwrap();
    let summary = outbox
        .iter()
        .flatten()
        .find_map(|e| match e {
            Effect::SendEmail { subject, body, .. } if subject == "Registrazione completata" => {
                Some(body.to_string())
            }
            _ => None,
        })
        .expect("a summary");
    for part in [
        "Mario Rossi",
        CF,
        ORG,
        MOBILE,
        "Mario.Rossi@example.it",
        "Codice fiscale dell'ente",
    ] {
        assert!(summary.contains(part), "{part} in {summary}");
    }
    assert!(!summary.contains("Violino"));
    // Every step has its audit event; none carries the password or the link.
    let audits: Vec<String> = outbox
        .iter()
        .flatten()
        .filter_map(|e| match e {
            Effect::Audit(a) => Some(serde_json::to_string(a).unwrap()),
            _ => None,
        })
        .collect();
    assert!(audits.len() >= 10, "{audits:?}");
    assert!(
        audits
            .iter()
            .all(|a| !a.contains("Violino") && !a.contains(&link))
    );
    assert!(
        audits
            .iter()
            .any(|a| a.contains("terms") && a.contains("account_activated")),
        "{audits:?}"
    );
}

#[test]
fn a_link_opened_twice_is_confirmed_once_and_a_wrong_one_does_nothing() {
    let engine = engine();
    let store = Store::new();
    let r = to_link(&engine, &store, 0, "anna@example.it");
    let link = last_link(&store);
    let holder = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    let open = Input::OpenLink {
        token: link.as_str().into(),
    };
    for t in [8, 9] {
        let s = send(&engine, &store, &holder, &open, t);
        assert_eq!(s.outcome, FlowOutcome::LinkOpened);
    }
    // A made-up token: the generic view, nothing written.
    let forged = "0".repeat(64);
    let liar = Reg {
        key: r.key.clone(),
        secret: forged.clone(),
    };
    let s = send(
        &engine,
        &store,
        &liar,
        &Input::ConfirmLink {
            token: forged.as_str().into(),
        },
        10,
    );
    assert_eq!((s.outcome, s.writes.len()), (FlowOutcome::WrongClient, 0));
    // Two confirmations of the one link at once, from the same view:
    // one consumes it; the other finds it gone.
    let before = flow(&store, &r);
    let confirm = Input::ConfirmLink {
        token: link.as_str().into(),
    };
    let submit = varco::flow::Submit {
        client_secret: &link,
        token: "",
        input: &confirm,
        ticket: None,
    };
    let a = engine
        .advance(
            &before,
            &submit,
            &varco::flow::Records::new(),
            at(11),
            &mut rand::rng(),
        )
        .unwrap();
    let b = engine
        .advance(
            &before,
            &submit,
            &varco::flow::Records::new(),
            at(11),
            &mut rand::rng(),
        )
        .unwrap();
    assert!(store.commit_step(&a).is_ok());
    assert!(
        store.commit_step(&b).is_err(),
        "the second compare-and-swap loses"
    );
    let again = send(&engine, &store, &holder, &confirm, 12);
    assert_eq!(
        (&again.outcome, again.writes.len()),
        (&FlowOutcome::Stale, 0)
    );
    assert_eq!(screen(&again), Screen::CreatePassword);
}

#[test]
fn an_expired_link_and_an_expired_flow_end_nothing_else() {
    let engine = engine();
    let store = Store::new();
    let r = to_link(&engine, &store, 0, "anna@example.it");
    let link = last_link(&store);
    let holder = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    // Past the link's half hour: it no longer holds.
    let s = send(
        &engine,
        &store,
        &holder,
        &Input::ConfirmLink {
            token: link.as_str().into(),
        },
        7 + 1801,
    );
    assert_eq!((s.outcome, s.writes.len()), (FlowOutcome::WrongClient, 0));
    // A new link (resend) holds again.
    let s = send(&engine, &store, &r, &Input::Resend, 1900);
    assert!(matches!(
        s.outcome,
        FlowOutcome::CodeSent { sent: true, .. }
    ));
    assert_ne!(last_link(&store), link);
    // Past the flow's hour: expired, its own outcome; a clock set back
    // does not revive it.
    let s = send(&engine, &store, &r, &Input::Resend, 3601);
    assert_eq!(
        s.outcome,
        FlowOutcome::Ended {
            reason: EndReason::Expired
        }
    );
    assert!(s.writes.is_empty());
    let s = send(&engine, &store, &r, &Input::Back, 100);
    assert_eq!(
        s.outcome,
        FlowOutcome::Ended {
            reason: EndReason::Expired
        }
    );
}

#[test]
fn personal_data_show_every_problem_and_write_nothing_else() {
    let engine = engine();
    let store = Store::new();
    let r = to_personal_data(&engine, &store, 0);
    let s = send(
        &engine,
        &store,
        &r,
        &personal(" ", "Bianchi", "RSSMRA80A01H501X", "0074311015"),
        5,
    );
    let v = s.view.unwrap();
    assert_eq!(v.error, Some(ViewError::FieldsRejected));
    assert_eq!(
        v.violations,
        [
            "first_name:empty",
            "codice_fiscale:cf_check",
            "organisation_code:vat_length"
        ]
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::FieldsRejected
        }
    );
    // The code matches another surname: refused by the cross-check; what
    // was typed comes back to be corrected.
    let s = send(
        &engine,
        &store,
        &r,
        &personal("Mario", "Bianchi", "rssmra80a01h501u", ORG),
        6,
    );
    let v = s.view.as_ref().unwrap();
    assert_eq!(v.violations, ["codice_fiscale:cf_surname"]);
    let form: Vec<(&str, &str)> = v
        .form
        .iter()
        .map(|f| (f.field.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        form,
        [
            ("first_name", "Mario"),
            ("last_name", "Bianchi"),
            ("codice_fiscale", "rssmra80a01h501u"),
            ("organisation_code", ORG)
        ]
    );
    let kinds: Vec<&str> = s
        .writes
        .iter()
        .map(|w| w.key.split('/').next().unwrap())
        .collect();
    assert_eq!(kinds, ["flow"]);
}

#[test]
fn the_contract_is_asked_after_proof_unless_the_host_wants_it_before() {
    let engine = engine();
    let store = Store::new();
    let r = begin(&engine, &store, 0);
    send(
        &engine,
        &store,
        &r,
        &Input::Mobile {
            number: MOBILE.into(),
        },
        1,
    );
    fact(&engine, &store, &r, HostFact::Captcha { passed: true }, 2);
    send(&engine, &store, &r, &code(&last_code(&store)), 3);
    let s = fact(
        &engine,
        &store,
        &r,
        HostFact::EligibleContract { eligible: false },
        4,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Ended {
            reason: EndReason::NotEligible
        }
    );
    // A fixed line or an A2P number is refused before anything is sent.
    let r = begin(&engine, &store, 10);
    let s = send(
        &engine,
        &store,
        &r,
        &Input::Mobile {
            number: "430 123 4567".into(),
        },
        11,
    );
    assert_eq!(s.view.unwrap().error, Some(ViewError::NumberRejected));
    // The documented option: the contract first, then the captcha.
    let mut config = config();
    config.registration.eligibility_before_proof = true;
    let engine = engine_with(config);
    let r = begin(&engine, &store, 20);
    let s = send(
        &engine,
        &store,
        &r,
        &Input::Mobile {
            number: MOBILE.into(),
        },
        21,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::EligibleContract {
                mobile: MOBILE.into()
            }
        }
    );
    let s = fact(
        &engine,
        &store,
        &r,
        HostFact::EligibleContract { eligible: true },
        22,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    fact(&engine, &store, &r, HostFact::Captcha { passed: true }, 23);
    let s = send(&engine, &store, &r, &code(&last_code(&store)), 24);
    assert_eq!(screen(&s), Screen::PersonalData);
}

#[test]
fn a_duplicate_is_recovered_or_ceased_and_its_choice_needs_the_sms_proof() {
    let engine = engine();
    let store = Store::new();
    let r = to_personal_data(&engine, &store, 0);
    send(&engine, &store, &r, &personal("Mario", "Rossi", CF, ORG), 5);
    let s = fact(
        &engine,
        &store,
        &r,
        HostFact::Duplicate {
            account: Some("old1".into()),
        },
        6,
    );
    assert_eq!(screen(&s), Screen::DuplicateChoice);
    let s = send(
        &engine,
        &store,
        &r,
        &Input::DuplicateChoice {
            choice: DuplicateChoice::Recover,
        },
        7,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Ended {
            reason: EndReason::RecoverExisting
        }
    );
    // Cease: the email next; the request is audited with the new account.
    let r = to_personal_data(&engine, &store, 100);
    send(
        &engine,
        &store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        105,
    );
    fact(
        &engine,
        &store,
        &r,
        HostFact::Duplicate {
            account: Some("old1".into()),
        },
        106,
    );
    let s = send(
        &engine,
        &store,
        &r,
        &Input::DuplicateChoice {
            choice: DuplicateChoice::Cease,
        },
        107,
    );
    assert_eq!(screen(&s), Screen::EnterEmail);
    // Before the SMS proof no duplicate question can be reached: personal
    // data, a choice, an email are all refused on the first screens.
    let early = begin(&engine, &store, 200);
    for input in [
        personal("Mario", "Rossi", CF, ORG),
        Input::DuplicateChoice {
            choice: DuplicateChoice::Cease,
        },
        email("a@example.it", None),
    ] {
        let f = flow(&store, &early);
        let submit = varco::flow::Submit {
            client_secret: &early.secret,
            token: &f.body().token(),
            input: &input,
            ticket: None,
        };
        let e = engine
            .advance(
                &f,
                &submit,
                &varco::flow::Records::new(),
                at(201),
                &mut rand::rng(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input");
    }
    send(
        &engine,
        &store,
        &early,
        &Input::Mobile {
            number: MOBILE.into(),
        },
        202,
    );
    fact(
        &engine,
        &store,
        &early,
        HostFact::Captcha { passed: true },
        203,
    );
    let f = flow(&store, &early);
    let submit = varco::flow::Submit {
        client_secret: &early.secret,
        token: &f.body().token(),
        input: &personal("Mario", "Rossi", CF, ORG),
        ticket: None,
    };
    assert!(
        engine
            .advance(
                &f,
                &submit,
                &varco::flow::Records::new(),
                at(204),
                &mut rand::rng()
            )
            .is_err()
    );
    // A duplicate fact while the code is awaited is refused too.
    let e = engine
        .answer(
            &f,
            &f.body().token(),
            &HostFact::Duplicate { account: None },
            &varco::flow::Records::new(),
            at(204),
            &mut rand::rng(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}

#[test]
fn back_after_the_duplicate_check_is_budgeted() {
    let engine = engine();
    let store = Store::new();
    let r = to_personal_data(&engine, &store, 0);
    let mut last = None;
    for i in 0..10u64 {
        let t = 10 + i * 10;
        let s = send(&engine, &store, &r, &personal("Mario", "Rossi", CF, ORG), t);
        if let FlowOutcome::Ended { reason } = s.outcome {
            last = Some((i, reason));
            break;
        }
        fact(
            &engine,
            &store,
            &r,
            HostFact::Duplicate { account: None },
            t + 1,
        );
        send(&engine, &store, &r, &Input::Back, t + 2);
    }
    // The first check is free; the threshold (5) counts the next ones.
    assert_eq!(last, Some((6, EndReason::ProbesUsedUp)));
    // The budget is the mobile's, not the flow's: a new flow for the same
    // number is refused at its first repeated check as well.
    let r = to_personal_data(&engine, &store, 500);
    send(
        &engine,
        &store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        510,
    );
    fact(
        &engine,
        &store,
        &r,
        HostFact::Duplicate { account: None },
        511,
    );
    send(&engine, &store, &r, &Input::Back, 512);
    let s = send(
        &engine,
        &store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        513,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Ended {
            reason: EndReason::ProbesUsedUp
        }
    );
}

#[test]
fn pec_is_refused_and_a_taken_username_is_counted() {
    let engine = engine();
    let store = Store::new();
    provision(&engine, &store, &mario(false)); // holds the username "mario"
    let r = to_personal_data(&engine, &store, 0);
    send(&engine, &store, &r, &personal("Mario", "Rossi", CF, ORG), 5);
    fact(
        &engine,
        &store,
        &r,
        HostFact::Duplicate { account: None },
        6,
    );
    let s = send(
        &engine,
        &store,
        &r,
        &email("studio@cert.legalmail.it", None),
        7,
    );
    let v = s.view.unwrap();
    assert_eq!(
        v.form[0].value, "studio@cert.legalmail.it",
        "shown again as typed"
    );
    assert_eq!(
        (v.error, v.violations),
        (
            Some(ViewError::FieldsRejected),
            vec!["email:email_pec".to_owned()]
        )
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::PecRefused
        }
    );
    let s = send(
        &engine,
        &store,
        &r,
        &email("mario.rossi@example.it", Some("Mario")),
        8,
    );
    assert_eq!(
        s.view.as_ref().unwrap().error,
        Some(ViewError::UsernameTaken)
    );
    let counted = store
        .get(&varco::flow::probe_key(MOBILE))
        .expect("a probe counted");
    assert!(counted.contains("\"consecutive\":1"), "{counted}");
    let s = send(
        &engine,
        &store,
        &r,
        &email("mario.rossi@example.it", Some("mario.rossi")),
        9,
    );
    assert_eq!(screen(&s), Screen::CheckEmail);
    // The host may be asked too.
    let mut config = config();
    config.registration.ask_host_pec = true;
    let engine = engine_with(config);
    let r = to_personal_data(&engine, &store, 1000);
    send(
        &engine,
        &store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        1005,
    );
    fact(
        &engine,
        &store,
        &r,
        HostFact::Duplicate { account: None },
        1006,
    );
    let s = send(
        &engine,
        &store,
        &r,
        &email("ufficio@example.com", None),
        1007,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::IsPec {
                email: "ufficio@example.com".into()
            }
        }
    );
    let s = fact(&engine, &store, &r, HostFact::IsPec { pec: true }, 1008);
    assert_eq!(
        s.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::PecRefused
        }
    );
    assert_eq!(screen(&s), Screen::EnterEmail);
}

#[test]
fn both_acceptances_are_required_and_the_policy_applies() {
    let engine = engine();
    let store = Store::new();
    let r = to_link(&engine, &store, 0, "anna@example.it");
    let link = last_link(&store);
    let holder = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    send(
        &engine,
        &store,
        &holder,
        &Input::ConfirmLink {
            token: link.as_str().into(),
        },
        8,
    );
    let work = engine.hasher().work();
    for (terms, privacy) in [(true, false), (false, true)] {
        let s = send(
            &engine,
            &store,
            &holder,
            &create("Violino-Tramonto-42", terms, privacy),
            9,
        );
        assert_eq!(s.view.unwrap().error, Some(ViewError::TermsRequired));
    }
    let s = send(
        &engine,
        &store,
        &holder,
        &create("anna@example.it", true, true),
        10,
    );
    let v = s.view.unwrap();
    assert_eq!(v.error, Some(ViewError::PasswordRejected));
    assert!(!v.violations.is_empty());
    assert_eq!(engine.hasher().work(), work, "a refusal hashes nothing");
    assert!(accounts(&store).is_empty());
}

/// Drives a registration to its hashed password (state `creating`) and
/// gives the step whose commit writes the account, without committing it.
fn final_step(
    engine: &FlowEngine,
    store: &Store,
    t: u64,
    address: &str,
    username: &str,
) -> (Reg, varco::flow::FlowStep) {
    let r = to_personal_data(engine, store, t);
    send(
        engine,
        store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        t + 5,
    );
    fact(
        engine,
        store,
        &r,
        HostFact::Duplicate { account: None },
        t + 6,
    );
    send(engine, store, &r, &email(address, Some(username)), t + 7);
    let link = last_link(store);
    let holder = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    send(
        engine,
        store,
        &holder,
        &Input::ConfirmLink {
            token: link.as_str().into(),
        },
        t + 8,
    );
    // Phase one: checked and hashed, kept in the flow.
    let input = create("Violino-Tramonto-42", true, true);
    let f = flow(store, &holder);
    let submit = varco::flow::Submit {
        client_secret: &link,
        token: &f.body().token(),
        input: &input,
        ticket: None,
    };
    let s = engine
        .advance(
            &f,
            &submit,
            &varco::flow::Records::new(),
            at(t + 9),
            &mut rand::rng(),
        )
        .unwrap();
    assert_eq!(s.outcome, FlowOutcome::Checked);
    store.commit_step(&s).unwrap();
    // Phase two: the account's writes, once its records are loaded.
    let f = flow(store, &holder);
    let submit = varco::flow::Submit {
        client_secret: &link,
        token: &f.body().token(),
        input: &input,
        ticket: None,
    };
    let mut keys = Vec::new();
    loop {
        let s = engine
            .advance(
                &f,
                &submit,
                &store.load(&keys),
                at(t + 10),
                &mut rand::rng(),
            )
            .unwrap();
        match &s.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            _ => return (holder, s),
        }
    }
}

#[test]
fn two_registrations_racing_for_one_username_create_one_account() {
    let engine = engine();
    let store = Store::new();
    let (_, a) = final_step(&engine, &store, 0, "anna@example.it", "lucia");
    let (b_reg, b) = final_step(&engine, &store, 10_000, "bruna@example.it", "Lucia");
    let work = engine.hasher().work();
    assert!(store.commit_step(&a).is_ok());
    assert!(store.commit_step(&b).is_err(), "the claim must not exist");
    assert_eq!(accounts(&store).len(), 1);
    // The loser's host reloads and repeats: taken, back to the email, no
    // new hash.
    let s = send(
        &engine,
        &store,
        &b_reg,
        &create("Violino-Tramonto-42", true, true),
        10_011,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Rejected {
            reason: Rejection::UsernameTaken
        }
    );
    assert_eq!(screen(&s), Screen::EnterEmail);
    assert_eq!(
        engine.hasher().work(),
        work,
        "a conflict never hashes again"
    );
    assert_eq!(accounts(&store).len(), 1);
}

#[test]
fn facts_cannot_come_through_the_input_and_secrets_stay_hidden() {
    for json in [
        r#"{"input":"eligible_contract","eligible":true}"#,
        r#"{"input":"duplicate","account":null}"#,
        r#"{"input":"is_pec","pec":false}"#,
        r#"{"input":"captcha","passed":true}"#,
        r#"{"input":"email","address":"a@b.it","eligible":true}"#,
    ] {
        assert_eq!(
            Input::from_json(json).unwrap_err().code(),
            "invalid_input",
            "{json}"
        );
    }
    let i = Input::from_json(r#"{"input":"create_password","password":"Segreto-99","confirmation":"Segreto-99","accept_terms":true,"accept_privacy":true}"#).unwrap();
    assert!(!format!("{i:?}").contains("Segreto"));
    let i = Input::from_json(r#"{"input":"confirm_link","token":"abcdef"}"#).unwrap();
    assert!(!format!("{i:?}").contains("abcdef"));
}

#[test]
fn a_double_submit_and_a_wrong_client_write_nothing() {
    let engine = engine();
    let store = Store::new();
    let r = to_personal_data(&engine, &store, 0);
    let token = flow(&store, &r).body().token();
    let input = personal("Mario", "Rossi", CF, ORG);
    let (first, _) = request_at(
        &engine,
        &store,
        &r.key,
        &r.secret,
        &token,
        &input,
        at(5),
        &mut rand::rng(),
    );
    assert!(matches!(first.outcome, FlowOutcome::AwaitingHost { .. }));
    let (second, _) = request_at(
        &engine,
        &store,
        &r.key,
        &r.secret,
        &token,
        &input,
        at(5),
        &mut rand::rng(),
    );
    assert_eq!(
        (second.outcome, second.writes.len()),
        (FlowOutcome::Stale, 0)
    );
    let other = Reg {
        key: r.key.clone(),
        secret: "x".repeat(43),
    };
    let s = send(&engine, &store, &other, &Input::Back, 6);
    assert_eq!((s.outcome, s.writes.len()), (FlowOutcome::WrongClient, 0));
}

fn consumer(
    engine: &FlowEngine,
    store: &Store,
    t: u64,
    address: &str,
    number: &str,
) -> (Reg, varco::flow::FlowStep) {
    let started = engine
        .start(
            FlowKind::ConsumerRegistration,
            &StartContext::default(),
            at(t),
            &mut rand::rng(),
        )
        .unwrap();
    assert_eq!(
        started.step.view.as_ref().unwrap().screen,
        Screen::EnterEmail
    );
    store.commit_step(&started.step).unwrap();
    let r = Reg {
        key: started.flow_key,
        secret: started.client_secret.expose().to_owned(),
    };
    let s = send(engine, store, &r, &email(address, None), t + 1);
    assert_eq!(screen(&s), Screen::EnterPhone);
    let s = send(
        engine,
        store,
        &r,
        &Input::Mobile {
            number: number.into(),
        },
        t + 2,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::AwaitingHost {
            question: HostQuestion::Captcha
        }
    );
    let s = fact(engine, store, &r, HostFact::Captcha { passed: true }, t + 3);
    (r, s)
}

#[test]
fn the_consumer_registration_proves_a_mobile_and_takes_a_fixed_line_as_it_is() {
    let engine = engine();
    let store = Store::new();
    // A mobile: its code, then the password; the address is confirmed at
    // the first sign-in.
    let (r, s) = consumer(&engine, &store, 0, "lucia@example.it", "347 1112223");
    assert!(matches!(
        s.outcome,
        FlowOutcome::CodeSent { sent: true, .. }
    ));
    let s = send(&engine, &store, &r, &code(&last_code(&store)), 4);
    assert_eq!(screen(&s), Screen::CreatePassword);
    let s = send(
        &engine,
        &store,
        &r,
        &create("Violino-Tramonto-42", true, true),
        5,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Done {
            done: Done::Registered,
            grant: None
        }
    );
    let [key] = accounts(&store).try_into().unwrap();
    let a: Stored<Account> = Stored::from_json(&store.get(&key).unwrap()).unwrap();
    assert_eq!(a.body().mobile(), Some("+393471112223"));
    assert_eq!(
        a.body().required_actions(),
        [varco::account::RequiredAction::VerifyEmail]
    );
    // A fixed line: no code, straight to the password.
    let (r, s) = consumer(&engine, &store, 100, "piero@example.it", "02 1234567");
    assert_eq!(screen(&s), Screen::CreatePassword);
    let sms = sent_messages(&store);
    let s = send(
        &engine,
        &store,
        &r,
        &create("Violino-Tramonto-42", true, true),
        105,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Done {
            done: Done::Registered,
            grant: None
        }
    );
    assert_eq!(sent_messages(&store), sms + 1, "only the summary");
    assert_eq!(accounts(&store).len(), 2);
    // An A2P number is refused with its problem named.
    let started = engine
        .start(
            FlowKind::ConsumerRegistration,
            &StartContext::default(),
            at(200),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&started.step).unwrap();
    let r = Reg {
        key: started.flow_key,
        secret: started.client_secret.expose().to_owned(),
    };
    send(&engine, &store, &r, &email("nina@example.it", None), 201);
    let s = send(
        &engine,
        &store,
        &r,
        &Input::Mobile {
            number: "430 1234567".into(),
        },
        202,
    );
    let v = s.view.unwrap();
    assert_eq!(
        (v.error, v.violations),
        (
            Some(ViewError::NumberRejected),
            vec!["mobile_a2p".to_owned()]
        )
    );
}

#[test]
fn a_consumer_address_that_has_an_account_gets_the_same_answer_and_writes_nothing() {
    let engine = engine();
    let store = Store::new();
    let (r, _) = consumer(&engine, &store, 0, "lucia@example.it", "02 1234567");
    let new = send(
        &engine,
        &store,
        &r,
        &create("Violino-Tramonto-42", true, true),
        5,
    );
    let (r, _) = consumer(&engine, &store, 100, "Lucia@Example.it", "02 7654321");
    let again = send(
        &engine,
        &store,
        &r,
        &create("Violino-Tramonto-42", true, true),
        105,
    );
    assert_eq!(again.outcome, new.outcome);
    assert_eq!(screen(&again), screen(&new));
    assert_eq!(accounts(&store).len(), 1, "no second account");
    assert!(again.effects.iter().any(|e| matches!(
        e,
        Effect::NotifyAddress { to, event, .. } if to == "lucia@example.it" && event == "registration_attempt"
    )));
}

mod properties {
    //! Random sequences of inputs and host facts, in any order, against a
    //! registration: whatever happens, no account or claim is written
    //! before the last step, the duplicate question is never reached
    //! without the SMS proof, and an error changes nothing.

    use super::*;
    use proptest::prelude::*;
    use varco::flow::{Submit, Then};

    #[derive(Debug, Clone)]
    enum Act {
        Mobile(bool),
        Captcha(bool),
        Code(bool),
        Eligible(bool),
        Personal(bool),
        Duplicate(bool),
        Choice(bool),
        Email(u8),
        Open(bool),
        Confirm(bool),
        Password(bool),
        Back,
        Resend,
    }

    fn act() -> impl Strategy<Value = Act> {
        prop_oneof![
            any::<bool>().prop_map(Act::Mobile),
            any::<bool>().prop_map(Act::Captcha),
            any::<bool>().prop_map(Act::Code),
            any::<bool>().prop_map(Act::Eligible),
            any::<bool>().prop_map(Act::Personal),
            any::<bool>().prop_map(Act::Duplicate),
            any::<bool>().prop_map(Act::Choice),
            (0u8..3).prop_map(Act::Email),
            any::<bool>().prop_map(Act::Open),
            any::<bool>().prop_map(Act::Confirm),
            any::<bool>().prop_map(Act::Password),
            Just(Act::Back),
            Just(Act::Resend),
        ]
    }

    /// The host loop without panics: the step that answered, or the error
    /// (after which the store must be as it was).
    fn drive(
        engine: &FlowEngine,
        store: &Store,
        key: &str,
        secret: &str,
        input: &Input,
        now: varco::Timestamp,
    ) -> Result<varco::flow::FlowStep, varco::Error> {
        let mut keys: Vec<String> = Vec::new();
        let mut ticket: Option<String> = None;
        for _ in 0..50 {
            let flow: Stored<Flow> = Stored::from_json(&store.get(key).unwrap()).unwrap();
            let token = flow.body().token();
            let submit = Submit {
                client_secret: secret,
                token: &token,
                input,
                ticket: ticket.as_deref(),
            };
            let step = engine.advance(&flow, &submit, &store.load(&keys), now, &mut rand::rng())?;
            if store.commit_step(&step).is_err() {
                continue;
            }
            match &step.then {
                Then::Respond => return Ok(step),
                Then::Load { keys: more } => keys.extend(more.iter().cloned()),
                Then::CommitAndRepeat { ticket: t } => ticket = Some(t.expose().to_owned()),
            }
        }
        panic!("the host loop did not settle");
    }

    fn answer_fact(
        engine: &FlowEngine,
        store: &Store,
        key: &str,
        fact: &HostFact,
        now: varco::Timestamp,
    ) -> Result<varco::flow::FlowStep, varco::Error> {
        let mut keys: Vec<String> = Vec::new();
        for _ in 0..50 {
            let flow: Stored<Flow> = Stored::from_json(&store.get(key).unwrap()).unwrap();
            let step = engine.answer(
                &flow,
                &flow.body().token(),
                fact,
                &store.load(&keys),
                now,
                &mut rand::rng(),
            )?;
            if store.commit_step(&step).is_err() {
                continue;
            }
            match &step.then {
                Then::Load { keys: more } => keys.extend(more.iter().cloned()),
                _ => return Ok(step),
            }
        }
        panic!("the host loop did not settle");
    }

    fn snapshot(store: &Store) -> Vec<(String, Option<String>)> {
        store
            .keys_with_prefix("")
            .into_iter()
            .map(|k| {
                let v = store.get(&k);
                (k, v)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        #[test]
        fn no_account_before_the_end_and_no_duplicate_before_proof(
            noise in proptest::collection::vec((0usize..14, act()), 0..24),
        ) {
            // The happy path, with random inputs and facts slipped in
            // anywhere: far enough along to reach the end often.
            let mut acts = vec![
                Act::Mobile(true), Act::Captcha(true), Act::Code(true), Act::Eligible(true),
                Act::Personal(true), Act::Duplicate(false), Act::Email(0), Act::Open(true),
                Act::Confirm(true), Act::Password(true),
            ];
            for (at, a) in noise {
                acts.insert(at.min(acts.len()), a);
            }
            let engine = engine();
            let store = Store::new();
            provision(&engine, &store, &mario(false)); // "mario" is taken
            let r = begin(&engine, &store, 0);
            let mut secret = r.secret.clone();
            let mut proved = false;
            let mut done = false;
            for (i, a) in acts.iter().enumerate() {
                let now = at(1 + i as u64);
                let before = snapshot(&store);
                let link = || {
                    let outbox = store.outbox.lock().unwrap();
                    outbox.iter().flatten().rev().find_map(|e| match e {
                        Effect::SendEmail { body, .. } => body.split_once("token=").map(|(_, t)| t.chars().take_while(char::is_ascii_hexdigit).collect::<String>()),
                        _ => None,
                    }).unwrap_or_else(|| "1".repeat(64))
                };
                let mut by_link = None;
                let result = match a {
                    Act::Captcha(p) => answer_fact(&engine, &store, &r.key, &HostFact::Captcha { passed: *p }, now),
                    Act::Eligible(e) => answer_fact(&engine, &store, &r.key, &HostFact::EligibleContract { eligible: *e }, now),
                    Act::Duplicate(d) => answer_fact(&engine, &store, &r.key, &HostFact::Duplicate { account: d.then(|| "old1".to_owned()) }, now),
                    other => {
                        let input = match other {
                            Act::Mobile(ok) => Input::Mobile { number: if *ok { MOBILE } else { "06 1234567" }.into() },
                            Act::Code(right) => {
                                let c = {
                                    let outbox = store.outbox.lock().unwrap();
                                    outbox.iter().flatten().rev().find_map(|e| match e {
                                        Effect::SendSms { text, .. } => Some(text.chars().filter(char::is_ascii_digit).take(6).collect::<String>()),
                                        _ => None,
                                    }).unwrap_or_else(|| "123456".into())
                                };
                                code(&if *right { c } else { wrong_code(&c) })
                            }
                            Act::Personal(ok) => personal("Mario", "Rossi", if *ok { CF } else { "RSSMRA80A01H501X" }, ORG),
                            Act::Choice(cease) => Input::DuplicateChoice { choice: if *cease { DuplicateChoice::Cease } else { DuplicateChoice::Recover } },
                            Act::Email(k) => email(["new@example.it", "studio@pec.it", "mario@example.it"][usize::from(*k)], (*k == 2).then_some("mario")),
                            Act::Open(right) => { let t = if *right { link() } else { "0".repeat(64) }; by_link = Some(t.clone()); Input::OpenLink { token: t.as_str().into() } }
                            Act::Confirm(right) => { let t = if *right { link() } else { "0".repeat(64) }; by_link = Some(t.clone()); Input::ConfirmLink { token: t.as_str().into() } }
                            Act::Password(terms) => create("Violino-Tramonto-42", true, *terms),
                            Act::Back => Input::Back,
                            _ => Input::Resend,
                        };
                        let s = by_link.clone().unwrap_or_else(|| secret.clone());
                        drive(&engine, &store, &r.key, &s, &input, now)
                    }
                };
                match result {
                    Err(_) => prop_assert_eq!(snapshot(&store), before, "an error changes nothing"),
                    Ok(step) => {
                        if matches!(a, Act::Code(true)) && matches!(step.outcome, FlowOutcome::AwaitingHost { .. }) {
                            proved = true;
                        }
                        if let (Act::Confirm(_), FlowOutcome::Moved, Some(t)) = (a, &step.outcome, &by_link) {
                            secret = t.clone();
                        }
                        let dup_asked = matches!(&step.outcome, FlowOutcome::AwaitingHost { question: HostQuestion::Duplicate { .. } })
                            || step.view.as_ref().is_some_and(|v| v.screen == Screen::DuplicateChoice);
                        prop_assert!(!dup_asked || proved, "the duplicate question needs the SMS proof");
                        if matches!(step.outcome, FlowOutcome::Done { done: Done::Registered, .. }) {
                            done = true;
                        }
                    }
                }
                if std::env::var_os("VARCO_PROP_TRACE").is_some() && done {
                    eprintln!("done after {} acts", i + 1);
                }
                let accounts = accounts(&store).len();
                prop_assert_eq!(accounts, 1 + usize::from(done), "an account only at the end");
                prop_assert_eq!(store.keys_with_prefix("claim/").len(), 1 + usize::from(done));
            }
        }
    }
}

/// Runs a command through its loads; the step (not committed).
fn command(
    engine: &FlowEngine,
    store: &Store,
    c: &varco::flow::Command,
    t: u64,
) -> Result<varco::flow::FlowStep, varco::Error> {
    let mut keys: Vec<String> = Vec::new();
    loop {
        let step = engine.command(
            &varco::flow::Actor::Host {},
            c,
            &store.load(&keys),
            at(t),
            &mut rand::rng(),
        )?;
        match &step.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            _ => return Ok(step),
        }
    }
}

fn account_at(store: &Store, id: &str) -> Stored<Account> {
    Stored::from_json(&store.get(&format!("account/{id}")).unwrap()).unwrap()
}

/// A registration that chose to cease `old`, completed: the new account's id.
fn ceasing(engine: &FlowEngine, store: &Store, t: u64, old: &str, address: &str) -> String {
    let r = to_personal_data(engine, store, t);
    send(
        engine,
        store,
        &r,
        &personal("Mario", "Rossi", CF, ORG),
        t + 5,
    );
    fact(
        engine,
        store,
        &r,
        HostFact::Duplicate {
            account: Some(old.into()),
        },
        t + 6,
    );
    send(
        engine,
        store,
        &r,
        &Input::DuplicateChoice {
            choice: DuplicateChoice::Cease,
        },
        t + 7,
    );
    send(engine, store, &r, &email(address, None), t + 8);
    let link = last_link(store);
    let holder = Reg {
        key: r.key.clone(),
        secret: link.clone(),
    };
    send(
        engine,
        store,
        &holder,
        &Input::ConfirmLink {
            token: link.as_str().into(),
        },
        t + 9,
    );
    let s = send(
        engine,
        store,
        &holder,
        &create("Violino-Tramonto-42", true, true),
        t + 10,
    );
    assert_eq!(
        s.outcome,
        FlowOutcome::Done {
            done: Done::Registered,
            grant: None
        }
    );
    account_at(store, old)
        .body()
        .cease_pending()
        .expect("a cease pending")
        .by
        .clone()
}

#[test]
fn a_cease_waits_for_the_old_owner_or_the_delay_and_commits_with_the_new_account() {
    use varco::account::AccountState;
    use varco::flow::{CeaseDecision, Command};
    let engine = engine();
    let store = Store::new();
    let old = Who {
        id: "old1",
        username: "vecchio",
        password: "Old-Horse-1",
        mobile: Some(MOBILE),
        email: Some("vecchio@example.it"),
        second_factor: false,
    };
    provision(&engine, &store, &old);
    let new = ceasing(&engine, &store, 0, "old1", "nuovo@example.it");
    // The new account waits; the old one still works; its owner is told on
    // its own address (not the number, which the new registrant holds).
    assert_eq!(
        *account_at(&store, &new).body().lifecycle().state(),
        AccountState::PendingActivation
    );
    assert_eq!(
        *account_at(&store, "old1").body().lifecycle().state(),
        AccountState::Active
    );
    // The link's token is in the email, its digest only in the record.
    let token = last_link(&store);
    assert!(store.outbox.lock().unwrap().iter().flatten().any(|e| matches!(
        e,
        Effect::SendEmail { to, body, .. } if to == "vecchio@example.it" && body.contains("72") && body.contains(&format!("https://example.invalid/registration/cease?account=old1&token={token}"))
    )));
    let stored = store.get("account/old1").unwrap();
    assert!(!stored.contains(&token));
    // Not due before its 72 hours.
    let due = Command::ResolveCease {
        account: "old1".into(),
        decision: CeaseDecision::Due,
        token: None,
    };
    assert_eq!(
        command(&engine, &store, &due, 3600).unwrap_err().code(),
        "invalid_input"
    );
    // Due: the old account ceases and the new one activates in one commit.
    let step = command(&engine, &store, &due, 11 + 72 * 3600).unwrap();
    let keys: Vec<&str> = step.writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["account/old1".to_owned(), format!("account/{new}")]);
    store.commit_step(&step).unwrap();
    assert_eq!(
        *account_at(&store, "old1").body().lifecycle().state(),
        AccountState::Ceased
    );
    assert!(account_at(&store, "old1").body().cease_pending().is_none());
    assert_eq!(
        *account_at(&store, &new).body().lifecycle().state(),
        AccountState::Active
    );
    assert_eq!(
        command(&engine, &store, &due, 12 + 72 * 3600)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[test]
fn a_refused_cease_keeps_the_old_account_and_ceases_the_new_one() {
    use varco::account::AccountState;
    use varco::flow::{CeaseDecision, Command};
    let engine = engine();
    let store = Store::new();
    let old = Who {
        id: "old1",
        username: "vecchio",
        password: "Old-Horse-1",
        mobile: Some(MOBILE),
        email: Some("vecchio@example.it"),
        second_factor: false,
    };
    provision(&engine, &store, &old);
    let new = ceasing(&engine, &store, 0, "old1", "nuovo@example.it");
    let epoch = account_at(&store, "old1").body().epoch();
    let refuse = |token: Option<String>| Command::ResolveCease {
        account: "old1".into(),
        decision: CeaseDecision::Refuse,
        token: token.map(varco::SecretString::new),
    };
    // The owner's answer needs the emailed link: none, or a forged one,
    // is refused and changes nothing.
    let link = last_link(&store);
    for token in [None, Some("0".repeat(64)), Some(link[1..].to_owned())] {
        assert_eq!(
            command(&engine, &store, &refuse(token), 100)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }
    let step = command(&engine, &store, &refuse(Some(link.clone())), 100).unwrap();
    store.commit_step(&step).unwrap();
    let o = account_at(&store, "old1");
    assert_eq!(
        (o.body().lifecycle().state().clone(), o.body().epoch()),
        (AccountState::Active, epoch)
    );
    assert!(o.body().cease_pending().is_none());
    assert_eq!(
        *account_at(&store, &new).body().lifecycle().state(),
        AccountState::Ceased
    );
    assert!(step.effects.iter().any(|e| matches!(
        e,
        Effect::NotifyAddress { to, event, .. } if to == "nuovo@example.it" && event == "registration_refused"
    )));
    // The link is over with the cease: a confirmation with it is refused.
    let confirm = Command::ResolveCease {
        account: "old1".into(),
        decision: CeaseDecision::Confirm,
        token: Some(varco::SecretString::new(link)),
    };
    assert_eq!(
        command(&engine, &store, &confirm, 101).unwrap_err().code(),
        "invalid_input"
    );
}

/// The hints follow the accounts: a registration adds its account to the
/// codice fiscale's hint; a resolved cease takes the ceased one out, so a
/// reset by codice fiscale finds the account that stays.
#[test]
fn a_ceased_account_leaves_its_codice_fiscales_hint() {
    use varco::account::{Hint, IdentifierKind};
    use varco::flow::{CeaseDecision, Command, NewAccount, NewIdentifier};
    for decision in [CeaseDecision::Due, CeaseDecision::Refuse] {
        let engine = engine();
        let store = Store::new();
        let old = NewAccount {
            id: "old1".into(),
            username: Some("vecchio".into()),
            email: Some("vecchio@example.it".into()),
            mobile: Some(MOBILE.into()),
            identifiers: vec![NewIdentifier {
                kind: IdentifierKind::CodiceFiscale,
                value: CF.into(),
            }],
            ..NewAccount::default()
        };
        provision_new(&engine, &store, &old, "Old-Horse-1");
        let new = ceasing(&engine, &store, 0, "old1", "nuovo@example.it");
        let hint = || {
            Stored::<Hint>::from_json(&store.get(&format!("hint/cf/{CF}")).unwrap())
                .unwrap()
                .body()
                .accounts()
                .to_vec()
        };
        let mut both = vec!["old1".to_owned(), new.clone()];
        both.sort();
        assert_eq!(hint(), both);
        let token = (decision == CeaseDecision::Refuse).then(|| last_link(&store).into());
        let c = Command::ResolveCease {
            account: "old1".into(),
            decision,
            token,
        };
        let step = command(&engine, &store, &c, 11 + 72 * 3600).unwrap();
        store.commit_step(&step).unwrap();
        let stays = if decision == CeaseDecision::Due {
            new.clone()
        } else {
            "old1".to_owned()
        };
        assert_eq!(hint(), [stays], "{decision:?}");
    }
}

#[test]
fn a_link_input_to_a_flow_that_has_no_link_needs_the_client_secret() {
    let engine = engine();
    let store = Store::new();
    let (key, _) = start(&engine, &store, None, at(0));
    let stranger = Reg {
        key,
        secret: "0".repeat(64),
    };
    for input in [
        Input::OpenLink {
            token: "0".repeat(64).as_str().into(),
        },
        Input::ConfirmLink {
            token: "0".repeat(64).as_str().into(),
        },
    ] {
        let s = send(&engine, &store, &stranger, &input, 1);
        assert_eq!((&s.outcome, s.writes.len()), (&FlowOutcome::WrongClient, 0));
        assert_eq!(
            screen_of(&s),
            Screen::Identify,
            "the generic view tells nothing"
        );
    }
}

fn screen_of(s: &varco::flow::FlowStep) -> Screen {
    s.view.as_ref().unwrap().screen.clone()
}

/// A field longer than a registration's draft keeps (320 bytes: a refused
/// field is kept as typed, to be corrected) is refused as bad input and
/// writes nothing; at the bound it is refused as a field problem, and the
/// flow it writes loads back. (The fuzzer found a 500-byte address that
/// was kept in a flow that no longer loaded.)
#[test]
fn a_field_longer_than_a_draft_keeps_is_refused_and_the_flow_still_loads() {
    use varco::flow::Submit;
    let engine = engine();
    let store = Store::new();
    let direct = |r: &Reg, input: &Input, t: u64| {
        let flow = flow(&store, r);
        let submit = Submit {
            client_secret: &r.secret,
            token: &flow.body().token(),
            input,
            ticket: None,
        };
        engine.advance(&flow, &submit, &store.load(&[]), at(t), &mut rand::rng())
    };
    // The consumer registration's first screen is the address.
    let started = engine
        .start(
            FlowKind::ConsumerRegistration,
            &StartContext::default(),
            at(0),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&started.step).unwrap();
    let r = Reg {
        key: started.flow_key,
        secret: started.client_secret.expose().to_owned(),
    };
    let long = format!("{}@example.it", "l.".repeat(160));
    assert!(long.len() > 320);
    let before = store.get(&r.key);
    let err = direct(&r, &email(&long, None), 5).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(store.get(&r.key), before, "nothing written");
    let at_bound = format!("{}@x.it", "l".repeat(320 - 5));
    assert_eq!(at_bound.len(), 320);
    let s = send(&engine, &store, &r, &email(&at_bound, None), 6);
    assert_eq!(s.view.unwrap().error, Some(ViewError::FieldsRejected));
    assert!(!flow(&store, &r).body().token().is_empty());
    // The public-sector wizard's personal data, likewise.
    let p = to_personal_data(&engine, &store, 100);
    let name = "M".repeat(321);
    let err = direct(&p, &personal(&name, "Rossi", CF, "00743110157"), 150).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let s = send(
        &engine,
        &store,
        &p,
        &personal(&"M".repeat(320), "Rossi", CF, "00743110157"),
        200,
    );
    assert_eq!(s.view.unwrap().error, Some(ViewError::FieldsRejected));
    let _ = flow(&store, &p);
}
