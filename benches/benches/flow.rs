//! The flow engine: the cost of each sign-in step without Argon2 (the
//! cheapest hasher, 8 KiB, t = 1), each step as a host runs it (parse the
//! stored flow and records, advance, serialise the writes); and a whole
//! sign-in (password and SMS code, every host-loop call) with the OWASP
//! hasher beside one Argon2 verification at the same parameters, in the
//! same run, for the share Argon2 takes.
//!
//! `cargo bench -p varco-benches --bench flow`

#[path = "../../tests/support/host.rs"]
mod host;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use varco::Timestamp;
use varco::effect::Effect;
use varco::flow::{
    EngineConfig, EngineKeys, Flow, FlowEngine, FlowKind, FlowOutcome, Input, NewAccount, Records,
    StartContext, Submit,
};
use varco::hash::HashParams;
use varco::keys::KeyRing;
use varco::record::Stored;

fn engine(hash: HashParams) -> FlowEngine {
    let keys = EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    };
    FlowEngine::new(
        EngineConfig {
            hash,
            ..EngineConfig::default()
        },
        keys,
    )
    .unwrap()
}

const T: u64 = 1_800_000_000;

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(T)
}

/// A store with mario (SMS second factor) and a flow at `input`'s screen.
fn at_screen(e: &FlowEngine, inputs: &[Input]) -> (host::Store, String, String) {
    let store = host::Store::new();
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        mobile: Some("+393331234567".into()),
        second_factor: true,
        ..NewAccount::default()
    };
    store
        .commit_step(
            &e.provision(
                &new,
                Some("Correct-Horse-1"),
                &Records::new(),
                now(),
                &mut rand::rng(),
            )
            .unwrap(),
        )
        .unwrap();
    let s = e
        .start(
            FlowKind::Login,
            &StartContext {
                source: Some("203.0.113.7".into()),
                device: None,
                place: None,
                remember_device: false,
            },
            now(),
            &mut rand::rng(),
        )
        .unwrap();
    store.commit_step(&s.step).unwrap();
    let (key, secret) = (s.flow_key, s.client_secret.expose().to_owned());
    for i in inputs {
        let _ = host::request(e, &store, &key, &secret, i, now(), &mut rand::rng());
    }
    (store, key, secret)
}

fn last_code(store: &host::Store) -> String {
    store
        .outbox
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .rev()
        .find_map(|e| match e {
            Effect::SendSms { text, .. } => {
                Some(text.chars().filter(char::is_ascii_digit).take(6).collect())
            }
            _ => None,
        })
        .unwrap()
}

/// One step as a host runs it: the stored flow and records parsed, the
/// step computed, its writes already serialised by the engine.
fn step(
    e: &FlowEngine,
    flow: &str,
    secret: &str,
    input: &Input,
    records: &[(String, Option<String>)],
) -> usize {
    let flow = Stored::<Flow>::from_json(flow).unwrap();
    let mut r = Records::new();
    for (k, v) in records {
        r.insert(k.clone(), v.clone());
    }
    let token = flow.body().token();
    let submit = Submit {
        client_secret: secret,
        token: &token,
        input,
        ticket: None,
    };
    let s = e
        .advance(&flow, &submit, &r, now(), &mut rand::rng())
        .unwrap();
    s.writes.len() + s.effects.len()
}

fn loaded(store: &host::Store, keys: &[&str]) -> Vec<(String, Option<String>)> {
    keys.iter().map(|k| (k.to_string(), store.get(k))).collect()
}

/// The records a step asks for (following its loads), as the store holds
/// them.
fn needed(
    e: &FlowEngine,
    store: &host::Store,
    flow: &str,
    secret: &str,
    input: &Input,
) -> Vec<(String, Option<String>)> {
    let mut keys: Vec<String> = Vec::new();
    loop {
        let f = Stored::<Flow>::from_json(flow).unwrap();
        let token = f.body().token();
        let submit = Submit {
            client_secret: secret,
            token: &token,
            input,
            ticket: None,
        };
        let step = e
            .advance(&f, &submit, &store.load(&keys), now(), &mut rand::rng())
            .unwrap();
        match step.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more),
            _ => return keys.iter().map(|k| (k.clone(), store.get(k))).collect(),
        }
    }
}

fn flow_steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_step");
    let e = engine(HashParams::new(8, 1, 1).unwrap());
    let identify = Input::Identify {
        identifier: "Mario".into(),
    };
    let password = Input::Password {
        password: "wrong".into(),
    };

    // Identify, the claim loaded.
    let (store, key, secret) = at_screen(&e, &[]);
    let flow = store.get(&key).unwrap();
    let records = loaded(&store, &["claim/login/mario"]);
    g.bench_function("identify", |b| {
        b.iter(|| black_box(step(&e, &flow, &secret, &identify, &records)))
    });

    // The password's first phase: count the attempt (account, guard,
    // padding and source loaded).
    let (store, key, secret) = at_screen(&e, std::slice::from_ref(&identify));
    let flow = store.get(&key).unwrap();
    let records = needed(&e, &store, &flow, &secret, &password);
    g.bench_function("password_reserve", |b| {
        b.iter(|| black_box(step(&e, &flow, &secret, &password, &records)))
    });

    // A code at the code screen (account, guard and challenge loaded): a
    // wrong one, as most are.
    let (store, key, secret) = at_screen(
        &e,
        &[
            identify.clone(),
            Input::Password {
                password: "Correct-Horse-1".into(),
            },
        ],
    );
    let flow = store.get(&key).unwrap();
    let right = last_code(&store);
    let wrong = Input::Code {
        code: if right == "000000" {
            "111111"
        } else {
            "000000"
        }
        .into(),
    };
    let records = needed(&e, &store, &flow, &secret, &wrong);
    g.bench_function("code_wrong", |b| {
        b.iter(|| black_box(step(&e, &flow, &secret, &wrong, &records)))
    });
    let ok = Input::Code {
        code: right.as_str().into(),
    };
    g.bench_function("code_accepted_signs_in", |b| {
        b.iter(|| black_box(step(&e, &flow, &secret, &ok, &records)))
    });
    g.finish();
}

/// A store with mario (a recovery mobile, a secret question) and a flow
/// of `kind` (a grant's flow when `grant`) past `inputs`.
fn recovery_at(
    e: &FlowEngine,
    kind: FlowKind,
    grant: bool,
    inputs: &[Input],
) -> (host::Store, String, String) {
    let store = host::Store::new();
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        mobile: Some("+393331234567".into()),
        question: Some("first_pet".into()),
        answer: Some("Fido".into()),
        identifiers: vec![varco::flow::NewIdentifier {
            kind: varco::account::IdentifierKind::CodiceFiscale,
            value: "RSSMRA80A01H501U".into(),
        }],
        ..NewAccount::default()
    };
    // Its hint first (the engine asks for it), then the account.
    let mut keys: Vec<String> = Vec::new();
    let provisioned = loop {
        let step = e
            .provision(
                &new,
                Some("Correct-Horse-1"),
                &store.load(&keys),
                now(),
                &mut rand::rng(),
            )
            .unwrap();
        match &step.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            _ => break step,
        }
    };
    store.commit_step(&provisioned).unwrap();
    let s = if grant {
        let g = varco::flow::SessionGrant::from_json(&format!(
            r#"{{"account":"a1","epoch":0,"level":1,"at":{}}}"#,
            T * 1000
        ))
        .unwrap();
        e.start_from_grant(
            kind,
            &g,
            &varco::flow::Requirement::default(),
            &StartContext::default(),
            now(),
            &mut rand::rng(),
        )
        .unwrap()
    } else {
        e.start(kind, &StartContext::default(), now(), &mut rand::rng())
            .unwrap()
    };
    store.commit_step(&s.step).unwrap();
    let (key, secret) = (s.flow_key, s.client_secret.expose().to_owned());
    for i in inputs {
        let _ = host::request(e, &store, &key, &secret, i, now(), &mut rand::rng());
    }
    (store, key, secret)
}

/// The recovery flows' steps without Argon2 (issue 14's target: 20 µs).
fn recovery_steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("recovery_step");
    let e = engine(HashParams::new(8, 1, 1).unwrap());
    let bench = |g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
                 name: &str,
                 (store, key, secret): (host::Store, String, String),
                 input: Input| {
        let flow = store.get(&key).unwrap();
        let records = needed(&e, &store, &flow, &secret, &input);
        g.bench_function(name, |b| {
            b.iter(|| black_box(step(&e, &flow, &secret, &input, &records)))
        });
    };
    let identify = |who: &str| Input::Identify {
        identifier: who.into(),
    };
    let reset = FlowKind::PasswordReset;
    // Identify: the code goes out (a known account), or a decoy rung's
    // code is made and kept (an unknown one).
    bench(
        &mut g,
        "reset_identify_known",
        recovery_at(&e, reset, false, &[]),
        identify("mario"),
    );
    bench(
        &mut g,
        "reset_identify_unknown",
        recovery_at(&e, reset, false, &[]),
        identify("nobody"),
    );
    // By codice fiscale: a hint naming the account, or no hint.
    let by_cf = |cf: &str| Input::IdentifyBy {
        kind: varco::account::IdentifierKind::CodiceFiscale,
        identifier: cf.into(),
    };
    bench(
        &mut g,
        "reset_identify_codice_fiscale_known",
        recovery_at(&e, reset, false, &[]),
        by_cf("RSSMRA80A01H501U"),
    );
    bench(
        &mut g,
        "reset_identify_codice_fiscale_unknown",
        recovery_at(&e, reset, false, &[]),
        by_cf("MRTMTT91D08F205J"),
    );
    let wrong = Input::Code {
        code: "000000".into(),
    };
    bench(
        &mut g,
        "reset_code_wrong",
        recovery_at(&e, reset, false, &[identify("mario")]),
        wrong,
    );
    bench(
        &mut g,
        "reset_to_question",
        recovery_at(&e, reset, false, &[identify("mario")]),
        Input::Forgot,
    );
    bench(
        &mut g,
        "reset_answer_reserve",
        recovery_at(&e, reset, false, &[identify("mario"), Input::Forgot]),
        Input::Answer {
            answer: "Rex".into(),
        },
    );
    bench(
        &mut g,
        "change_reserve",
        recovery_at(&e, FlowKind::PasswordChange, true, &[]),
        Input::ChangePassword {
            current: "Correct-Horse-1".into(),
            password: "fiume violino tramonto".into(),
            confirmation: "fiume violino tramonto".into(),
        },
    );
    let number = Input::Mobile {
        number: "320 7654321".into(),
    };
    bench(
        &mut g,
        "enroll_mobile",
        recovery_at(&e, FlowKind::RecoveryMobile, true, &[]),
        number.clone(),
    );
    // The right code: the number saved and held, the cancel link drawn and
    // sent to the old number.
    let at_code = recovery_at(&e, FlowKind::RecoveryMobile, true, &[number]);
    let code = last_code(&at_code.0);
    bench(
        &mut g,
        "enroll_code_saves",
        at_code,
        Input::Code { code: code.into() },
    );
    g.finish();
}

/// A whole sign-in through the host loop (every engine call, the
/// in-memory store's commits) with the OWASP hasher, and one Argon2
/// verification at the same parameters: their ratio is Argon2's share.
fn full_login(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_login_owasp");
    g.sample_size(20);
    let params = HashParams::default();
    let e = engine(params);
    let phc = e
        .hasher()
        .hash("Correct-Horse-1", &mut rand::rng())
        .unwrap();
    g.bench_function("argon2id_verify", |b| {
        b.iter(|| {
            black_box(
                e.hasher()
                    .verify(black_box("Correct-Horse-1"), &phc)
                    .unwrap(),
            )
        })
    });
    g.bench_function("password_and_sms_code", |b| {
        b.iter_batched(
            || {
                at_screen(
                    &e,
                    &[Input::Identify {
                        identifier: "mario".into(),
                    }],
                )
            },
            |(store, key, secret)| {
                let pw = Input::Password {
                    password: "Correct-Horse-1".into(),
                };
                let (s, _) = host::request(&e, &store, &key, &secret, &pw, now(), &mut rand::rng());
                assert!(matches!(s.outcome, FlowOutcome::CodeSent { .. }));
                let code = Input::Code {
                    code: last_code(&store).as_str().into(),
                };
                let (s, _) =
                    host::request(&e, &store, &key, &secret, &code, now(), &mut rand::rng());
                assert!(matches!(s.outcome, FlowOutcome::SignedIn { .. }));
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// One registration move: an input, or a host fact.
enum Move {
    In(Input),
    Fact(varco::flow::HostFact),
}

/// A registration driven through the host loop by `moves`: the store, the
/// flow's key and its client secret (the link's token once confirmed).
fn registration_at(
    e: &FlowEngine,
    kind: FlowKind,
    moves: Vec<Move>,
) -> (host::Store, String, String) {
    let store = host::Store::new();
    let s = e
        .start(kind, &StartContext::default(), now(), &mut rand::rng())
        .unwrap();
    store.commit_step(&s.step).unwrap();
    let (key, mut secret) = (s.flow_key, s.client_secret.expose().to_owned());
    for m in moves {
        match m {
            Move::In(Input::Code { .. }) => {
                let code = Input::Code {
                    code: last_code(&store).into(),
                };
                let _ = host::request(e, &store, &key, &secret, &code, now(), &mut rand::rng());
            }
            Move::In(Input::ConfirmLink { .. }) => {
                let link = last_link(&store);
                let confirm = Input::ConfirmLink {
                    token: link.as_str().into(),
                };
                let _ = host::request(e, &store, &key, &link, &confirm, now(), &mut rand::rng());
                secret = link;
            }
            Move::In(i) => {
                let _ = host::request(e, &store, &key, &secret, &i, now(), &mut rand::rng());
            }
            Move::Fact(f) => {
                let _ = host::answer(e, &store, &key, None, &f, now());
            }
        }
    }
    (store, key, secret)
}

fn last_link(store: &host::Store) -> String {
    store
        .outbox
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .rev()
        .find_map(|e| match e {
            Effect::SendEmail { body, .. } => body
                .split_once("token=")
                .map(|(_, t)| t.chars().take_while(char::is_ascii_hexdigit).collect()),
            _ => None,
        })
        .unwrap()
}

/// What `input` does to the flow as stored (following its loads).
fn outcome_of(
    e: &FlowEngine,
    (store, key, secret): &(host::Store, String, String),
    input: &Input,
) -> FlowOutcome {
    let flow = store.get(key).unwrap();
    let mut keys: Vec<String> = Vec::new();
    loop {
        let f = Stored::<Flow>::from_json(&flow).unwrap();
        let submit = Submit {
            client_secret: secret,
            token: &f.body().token(),
            input,
            ticket: None,
        };
        let step = e
            .advance(&f, &submit, &store.load(&keys), now(), &mut rand::rng())
            .unwrap();
        match step.then {
            varco::flow::Then::Load { keys: more } => keys.extend(more),
            _ => return step.outcome,
        }
    }
}

/// The registration's steps without Argon2 (issue 15's target: 20 µs),
/// each as a host runs it; a fact through `answer`.
fn registration_steps(c: &mut Criterion) {
    use varco::flow::HostFact;
    let mut g = c.benchmark_group("registration_step");
    let e = engine(HashParams::new(8, 1, 1).unwrap());
    let reg = FlowKind::Registration;
    let mobile = || {
        Move::In(Input::Mobile {
            number: "347 1234567".into(),
        })
    };
    let captcha = || Move::Fact(HostFact::Captcha { passed: true });
    let code = || {
        Move::In(Input::Code {
            code: String::new().into(),
        })
    };
    let eligible = || Move::Fact(HostFact::EligibleContract { eligible: true });
    let personal = || Input::PersonalData {
        first_name: "Mario".into(),
        last_name: "Rossi".into(),
        codice_fiscale: "RSSMRA80A01H501U".into(),
        organisation_code: "00743110157".into(),
    };
    let no_duplicate = || Move::Fact(HostFact::Duplicate { account: None });
    let email = || Input::Email {
        address: "mario.rossi@example.it".into(),
        username: None,
    };
    let confirm = || {
        Move::In(Input::ConfirmLink {
            token: String::new().into(),
        })
    };
    let create = || Input::CreatePassword {
        password: "fiume violino tramonto".into(),
        confirmation: "fiume violino tramonto".into(),
        accept_terms: true,
        accept_privacy: true,
    };
    let bench_in = |g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
                    name: &str,
                    (store, key, secret): (host::Store, String, String),
                    input: Input| {
        let flow = store.get(&key).unwrap();
        let records = needed(&e, &store, &flow, &secret, &input);
        g.bench_function(name, |b| {
            b.iter(|| black_box(step(&e, &flow, &secret, &input, &records)))
        });
    };
    bench_in(
        &mut g,
        "mobile",
        registration_at(&e, reg, vec![]),
        Input::Mobile {
            number: "347 1234567".into(),
        },
    );
    {
        // The captcha's verdict sends the code (a fact, through answer).
        let (store, key, _) = registration_at(&e, reg, vec![mobile()]);
        let flow = store.get(&key).unwrap();
        let fact = HostFact::Captcha { passed: true };
        let records = loaded(&store, &["destination/+393471234567"]);
        g.bench_function("captcha_sends_code", |b| {
            b.iter(|| {
                let f = Stored::<Flow>::from_json(&flow).unwrap();
                let mut r = Records::new();
                for (k, v) in &records {
                    r.insert(k.clone(), v.clone());
                }
                let s = e
                    .answer(&f, &f.body().token(), &fact, &r, now(), &mut rand::rng())
                    .unwrap();
                black_box(s.writes.len())
            })
        });
    }
    let at_code = registration_at(&e, reg, vec![mobile(), captcha()]);
    let right = Input::Code {
        code: last_code(&at_code.0).into(),
    };
    bench_in(&mut g, "code_right", at_code, right);
    bench_in(
        &mut g,
        "personal_data",
        registration_at(&e, reg, vec![mobile(), captcha(), code(), eligible()]),
        personal(),
    );
    bench_in(
        &mut g,
        "email_sends_link",
        registration_at(
            &e,
            reg,
            vec![
                mobile(),
                captcha(),
                code(),
                eligible(),
                Move::In(personal()),
                no_duplicate(),
            ],
        ),
        email(),
    );
    let at_link = registration_at(
        &e,
        reg,
        vec![
            mobile(),
            captcha(),
            code(),
            eligible(),
            Move::In(personal()),
            no_duplicate(),
            Move::In(email()),
        ],
    );
    let link = last_link(&at_link.0);
    let at_link = (at_link.0, at_link.1, link.clone());
    bench_in(
        &mut g,
        "open_link",
        at_link,
        Input::OpenLink {
            token: link.as_str().into(),
        },
    );
    let at_create = registration_at(
        &e,
        reg,
        vec![
            mobile(),
            captcha(),
            code(),
            eligible(),
            Move::In(personal()),
            no_duplicate(),
            Move::In(email()),
            confirm(),
        ],
    );
    {
        // The last step: the hash made before (state creating), the
        // claims and the account written.
        let (store, key, secret) = at_create;
        let input = create();
        let f = Stored::<Flow>::from_json(&store.get(&key).unwrap()).unwrap();
        let submit = Submit {
            client_secret: &secret,
            token: &f.body().token(),
            input: &input,
            ticket: None,
        };
        let first = e
            .advance(&f, &submit, &Records::new(), now(), &mut rand::rng())
            .unwrap();
        store.commit_step(&first).unwrap();
        let flow = store.get(&key).unwrap();
        let records = needed(&e, &store, &flow, &secret, &input);
        let at = (store, key, secret.clone());
        assert!(matches!(
            outcome_of(&e, &at, &input),
            FlowOutcome::Done { .. }
        ));
        g.bench_function("create_account", |b| {
            b.iter(|| black_box(step(&e, &flow, &secret, &input, &records)))
        });
    }
    bench_in(
        &mut g,
        "consumer_email",
        registration_at(&e, FlowKind::ConsumerRegistration, vec![]),
        email(),
    );
    g.finish();
}

criterion_group!(
    benches,
    flow_steps,
    recovery_steps,
    registration_steps,
    full_login
);
criterion_main!(benches);
