//! The cost of crossing the C boundary, on a trivial call (a TOTP code)
//! and on a full step (verifying a delivery code: load the stored
//! challenge, check the code, write the new state and the audit effect),
//! beside the same work in Rust; and one sign-in step of the flow engine
//! (a wrong SMS code). Python and Kotlin are measured by
//! `bindings/bench.sh` (their runtimes cannot run under criterion).

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use varco::Timestamp;
use varco::guard::DestinationBudget;
use varco::otp::{
    Challenge, CodeKeys, DeliveryConfig, Destination, OtpSecret, Purpose, TotpConfig,
    TotpCredential,
};
use varco::record::Stored;
use varco_c::*;

const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const KEY: [u8; 32] = [7; 32];
const NOW: u64 = 1_800_000_000_000;

fn trivial(c: &mut Criterion) {
    let mut g = c.benchmark_group("binding_trivial_totp_code");
    let cred = TotpCredential::new(
        OtpSecret::from_base32(SECRET).unwrap(),
        TotpConfig::default(),
    );
    g.bench_function("rust", |b| {
        b.iter(|| cred.code_at(black_box(Timestamp::from_unix_seconds(59))))
    });
    // What a C caller does: the secret as text, parsed on every call.
    g.bench_function("c_abi", |b| {
        let mut buf = [0u8; 16];
        let mut n = 0;
        b.iter(|| unsafe {
            varco_totp_code(
                SECRET.as_ptr(),
                SECRET.len(),
                black_box(59_000),
                std::ptr::null(),
                0,
                buf.as_mut_ptr(),
                buf.len(),
                &mut n,
            )
        })
    });
    // The boundary alone: copy a step's outcome out (catch_unwind, NULL
    // checks, a 19-byte copy).
    g.bench_function("c_abi_accessor_only", |b| {
        let mut step = null_mut();
        unsafe { assert_eq!(varco_lifecycle_create(0, &mut step), varco_result::VARCO_OK) };
        let mut buf = [0u8; 128];
        let mut n = 0;
        b.iter(|| unsafe {
            varco_step_outcome(black_box(step), buf.as_mut_ptr(), buf.len(), &mut n)
        });
        unsafe { varco_step_free(step) };
    });
    g.finish();
}

fn full_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("binding_step_code_verify");
    let config = DeliveryConfig::new("Esempio");
    let keys = CodeKeys::new("k", KEY.to_vec()).unwrap();
    let issued = Challenge::issue(
        &config,
        &keys,
        Purpose::Login,
        Destination::sms("+393331234567"),
        &Stored::new(DestinationBudget::new("+393331234567")),
        Timestamp::from_unix_millis(NOW),
        &mut rand::rng(),
    )
    .unwrap();
    let stored = issued.writes.challenge.unwrap().record.to_json();
    // A Rust host: load the stored challenge, verify a wrong code, store it.
    g.bench_function("rust", |b| {
        b.iter(|| {
            let ch = Stored::<Challenge>::from_json(black_box(&stored)).unwrap();
            let step = ch
                .verify(
                    &config,
                    &keys,
                    "123456",
                    Purpose::Login,
                    Timestamp::from_unix_millis(NOW + 1000),
                )
                .unwrap();
            let written = step.writes.map(|w| w.record.to_json());
            (written, serde_json_len(&step.effects))
        })
    });
    // A C host: the same through the C ABI, reading the outcome, the state
    // and the effect out of the step.
    let mut d = null_mut();
    let cfg = br#"{"service":"Esempio"}"#;
    unsafe {
        assert_eq!(
            varco_delivery_new(
                cfg.as_ptr(),
                cfg.len(),
                b"k".as_ptr(),
                1,
                KEY.as_ptr(),
                KEY.len(),
                &mut d
            ),
            varco_result::VARCO_OK
        );
    }
    g.bench_function("c_abi", |b| {
        let mut buf = vec![0u8; 4096];
        let mut n = 0;
        b.iter(|| unsafe {
            let mut step = null_mut();
            varco_challenge_verify(
                d,
                stored.as_ptr(),
                stored.len(),
                b"123456".as_ptr(),
                6,
                b"login".as_ptr(),
                5,
                NOW as i64 + 1000,
                &mut step,
            );
            varco_step_outcome(step, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_write(step, 0, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_effect(step, 0, buf.as_mut_ptr(), buf.len(), &mut n);
            varco_step_free(step);
            n
        })
    });
    unsafe { varco_delivery_free(d) };
    g.finish();
}

/// A sign-in's wrong SMS code, one engine step with every record loaded
/// (the cheapest Argon2 never runs in it): in Rust, and through the C ABI
/// with the step's outcome, view, writes and effects read out. Python's
/// and Kotlin's figures for the same step come from `bindings/bench.sh`.
fn flow_step(c: &mut Criterion) {
    use std::collections::BTreeMap;
    use varco::flow::{
        EngineConfig, EngineKeys, Flow, FlowEngine, FlowKind, Input, NewAccount, Records,
        StartContext, Submit, Then, WriteOp,
    };
    use varco::keys::KeyRing;
    let mut g = c.benchmark_group("binding_flow_step_code_wrong");
    let config = r#"{"hash":{"m_kib":8,"t":1,"p":1}}"#;
    let keys = || EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    };
    let engine = FlowEngine::new(EngineConfig::from_json(config).unwrap(), keys()).unwrap();
    let now = Timestamp::from_unix_millis(NOW);
    let rng = &mut rand::rng();
    let mut db: BTreeMap<String, String> = BTreeMap::new();
    let commit = |db: &mut BTreeMap<String, String>, step: &varco::flow::FlowStep| {
        for w in &step.writes {
            if let WriteOp::Put { json, .. } = &w.op {
                db.insert(w.key.clone(), json.clone());
            }
        }
    };
    let new = NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        mobile: Some("+393331234567".into()),
        second_factor: true,
        ..NewAccount::default()
    };
    commit(
        &mut db,
        &engine
            .provision(
                &new,
                Some("Correct-Horse-1"),
                &varco::flow::Records::new(),
                now,
                rng,
            )
            .unwrap(),
    );
    let started = engine
        .start(FlowKind::Login, &StartContext::default(), now, rng)
        .unwrap();
    commit(&mut db, &started.step);
    let (key, secret) = (
        started.flow_key.clone(),
        started.client_secret.expose().to_owned(),
    );
    // The host loop, until the view; the keys it loaded.
    let mut drive = |db: &mut BTreeMap<String, String>, input: &Input| {
        let (mut keys, mut ticket): (Vec<String>, Option<String>) = (Vec::new(), None);
        let token = Stored::<Flow>::from_json(&db[&key]).unwrap().body().token();
        loop {
            let flow = Stored::<Flow>::from_json(&db[&key]).unwrap();
            let mut records = Records::new();
            for k in &keys {
                records.insert(k.clone(), db.get(k).cloned());
            }
            let submit = Submit {
                client_secret: &secret,
                token: &token,
                input,
                ticket: ticket.as_deref(),
            };
            let step = engine.advance(&flow, &submit, &records, now, rng).unwrap();
            commit(db, &step);
            match step.then {
                Then::Respond => return keys,
                Then::Load { keys: more } => keys.extend(more),
                Then::CommitAndRepeat { ticket: t } => ticket = Some(t.expose().to_owned()),
            }
        }
    };
    drive(
        &mut db,
        &Input::Identify {
            identifier: "mario".into(),
        },
    );
    drive(
        &mut db,
        &Input::Password {
            password: "Correct-Horse-1".into(),
        },
    );
    let wrong = Input::Code {
        code: "000000".into(),
    };
    let loaded = drive(&mut db, &wrong);
    let flow_json = db[&key].clone();
    let flow = Stored::<Flow>::from_json(&flow_json).unwrap();
    let token = flow.body().token();
    let mut records = Records::new();
    for k in &loaded {
        records.insert(k.clone(), db.get(k).cloned());
    }
    {
        // What is measured: a wrong code, counted and refused.
        let submit = Submit {
            client_secret: &secret,
            token: &token,
            input: &wrong,
            ticket: None,
        };
        let step = engine.advance(&flow, &submit, &records, now, rng).unwrap();
        assert_eq!(
            step.outcome,
            varco::flow::FlowOutcome::Rejected {
                reason: varco::flow::Rejection::WrongCode
            }
        );
    }
    g.bench_function("rust", |b| {
        b.iter(|| {
            let submit = Submit {
                client_secret: &secret,
                token: &token,
                input: &wrong,
                ticket: None,
            };
            let step = engine
                .advance(black_box(&flow), &submit, &records, now, &mut rand::rng())
                .unwrap();
            assert!(step.view.is_some());
            step
        })
    });
    unsafe {
        let mut k = null_mut();
        assert_eq!(varco_engine_keys_new(&mut k), varco_result::VARCO_OK);
        for (role, id, byte) in [
            (varco_key_role::VARCO_KEY_CODES, "c1", 1u8),
            (varco_key_role::VARCO_KEY_SEALING, "s1", 2),
            (varco_key_role::VARCO_KEY_DECOY, "d1", 3),
        ] {
            let bytes = [byte; 32];
            varco_engine_keys_add(k, role, id.as_ptr(), id.len(), bytes.as_ptr(), 32);
        }
        let mut e = null_mut();
        assert_eq!(
            varco_engine_new(config.as_ptr(), config.len(), k, &mut e),
            varco_result::VARCO_OK
        );
        varco_engine_keys_free(k);
        let mut r = null_mut();
        varco_records_new(&mut r);
        for k in &loaded {
            let text = db.get(k);
            varco_records_put(
                r,
                k.as_ptr(),
                k.len(),
                text.map_or(std::ptr::null(), |t| t.as_ptr()),
                text.map_or(0, |t| t.len()),
            );
        }
        let mut buf = vec![0u8; 16 * 1024];
        g.bench_function("c_abi", |b| {
            b.iter(|| {
                let mut i = null_mut();
                varco_input_new(b"code".as_ptr(), 4, &mut i);
                varco_input_set(i, b"code".as_ptr(), 4, b"000000".as_ptr(), 6);
                let mut step = null_mut();
                let res = varco_engine_advance(
                    e,
                    flow_json.as_ptr(),
                    flow_json.len(),
                    secret.as_ptr(),
                    secret.len(),
                    token.as_ptr(),
                    token.len(),
                    i,
                    std::ptr::null(),
                    0,
                    r,
                    NOW as i64,
                    &mut step,
                );
                assert_eq!(res, varco_result::VARCO_OK);
                let mut n = 0;
                varco_step_outcome(step, buf.as_mut_ptr(), buf.len(), &mut n);
                varco_step_view(step, buf.as_mut_ptr(), buf.len(), &mut n);
                for w in 0..varco_step_write_count(step) {
                    varco_step_write_key(step, w, buf.as_mut_ptr(), buf.len(), &mut n);
                    varco_step_write(step, w, buf.as_mut_ptr(), buf.len(), &mut n);
                }
                for x in 0..varco_step_effect_count(step) {
                    varco_step_effect(step, x, buf.as_mut_ptr(), buf.len(), &mut n);
                }
                varco_step_free(step);
                varco_input_free(i);
                n
            })
        });
        varco_records_free(r);
        varco_engine_free(e);
    }
    g.finish();
}

/// What a Rust host pays to serialize the effects for its audit sink.
fn serde_json_len(effects: &[varco::effect::Effect]) -> usize {
    effects
        .iter()
        .map(|e| serde_json::to_string(e).map_or(0, |s| s.len()))
        .sum()
}

criterion_group!(benches, trivial, full_step, flow_step);
criterion_main!(benches);
