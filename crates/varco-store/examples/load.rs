//! The store's load binary: sign-ins through the host loop on each store,
//! at a number of concurrent clients, with the cheapest hasher (what the
//! store costs) or the OWASP one (what Argon2 costs). Every figure of one
//! invocation is measured in that run, so ratios between stores, and
//! against the Argon2 bound of the cores, compare like with like; with
//! the OWASP hasher the bound is measured again after each configuration,
//! and each share is against the bounds just before and after it.
//!
//! ```text
//! cargo run --release -p varco-store --example load -- \
//!     --stores memory,sqlite,postgres --clients 1,8,64 --hasher cheap --seconds 5
//! ```
//!
//! PostgreSQL is the server `VARCO_PG_URL` names (`scripts/pg-cluster
//! start DIR` prints one); each run gets a fresh database. A client signs
//! in over and over (start, identify, password: three requests, four
//! commits) to one of `--accounts` accounts; `--accounts 1` puts every
//! client on one account. `--wrong` makes every password wrong: the
//! account's budget must then hold however many clients race for it.
//! `sqlite-normal` is SQLite with `Durability::Normal` (no fsync at each
//! commit).
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // a benchmark tool

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use varco::Timestamp;
use varco::flow::{
    EngineConfig, EngineKeys, FlowEngine, FlowKind, FlowOutcome, Input, NewAccount, Rejection,
    StartContext,
};
use varco::guard::{AccountGuard, Factor};
use varco::hash::{HashParams, PasswordHasher};
use varco::keys::KeyRing;
use varco::record::Stored;
use varco_store::{
    Durability, MemoryStore, PgStore, Request, SqliteOptions, SqliteStore, Store, provision, run,
    start,
};

const PASSWORD: &str = "Correct-Horse-1";

struct Args {
    stores: Vec<String>,
    clients: Vec<usize>,
    hasher: String,
    accounts: usize,
    seconds: f64,
    wrong: bool,
    max_hashes: u32,
}

fn args() -> Args {
    let mut a = Args {
        stores: vec!["memory".into(), "sqlite".into()],
        clients: vec![1, 8],
        hasher: "cheap".into(),
        accounts: 64,
        seconds: 3.0,
        wrong: false,
        max_hashes: 0,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--stores" => a.stores = value.split(',').map(str::to_owned).collect(),
            "--clients" => a.clients = value.split(',').map(|c| c.parse().unwrap()).collect(),
            "--hasher" => a.hasher = value,
            "--accounts" => a.accounts = value.parse().unwrap(),
            "--seconds" => a.seconds = value.parse().unwrap(),
            "--max-hashes" => a.max_hashes = value.parse().unwrap(),
            "--wrong" => {
                a.wrong = true;
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    a
}

fn params(hasher: &str) -> HashParams {
    match hasher {
        "cheap" => HashParams::new(8, 1, 1).unwrap(),
        "owasp" => HashParams::default(),
        other => panic!("--hasher is cheap or owasp, not {other}"),
    }
}

fn engine(hasher: &str, max_hashes: u32) -> FlowEngine {
    let keys = EngineKeys {
        codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
        sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
        decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
        peppers: None,
    };
    let mut config = EngineConfig {
        hash: params(hasher),
        ..EngineConfig::default()
    };
    // Sign-ins come as fast as the machine goes: no quick-succession rule,
    // and a budget that only the --wrong runs reach.
    config.guard.password.min_interval = Duration::ZERO;
    config.max_concurrent_hashes = max_hashes;
    FlowEngine::new(config, keys).unwrap()
}

fn open_store(kind: &str) -> Arc<dyn Store> {
    match kind {
        "memory" => Arc::new(MemoryStore::new()),
        "sqlite" | "sqlite-normal" => {
            let dir = std::env::temp_dir().join(format!("varco-load-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("{:08x}.db", rand::random::<u32>()));
            let durability = if kind == "sqlite" {
                Durability::Full
            } else {
                Durability::Normal
            };
            let options = SqliteOptions {
                durability,
                ..SqliteOptions::default()
            };
            Arc::new(SqliteStore::open_with(file, options).unwrap())
        }
        "postgres" => {
            let url = std::env::var("VARCO_PG_URL").expect("VARCO_PG_URL names the server");
            let name = format!("varco_load_{:08x}", rand::random::<u32>());
            let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            Arc::new(PgStore::connect(&format!("{url} dbname={name}")).unwrap())
        }
        other => panic!("unknown store {other}"),
    }
}

/// Argon2 runs per second on `threads` threads at `params`: the bound a
/// sign-in (one verification each) cannot beat.
fn argon2_bound(params: HashParams, threads: usize, seconds: f64) -> f64 {
    let hasher = Arc::new(PasswordHasher::new(params));
    let phc = hasher.hash(PASSWORD, &mut rand::rng()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (h, p, stop, done) = (hasher.clone(), phc.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = h.verify(PASSWORD, &p).unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

struct Totals {
    requests: u64,
    /// Engine steps (calls), each with its commit.
    steps: u64,
    sign_ins: u64,
    wrong: u64,
    conflicts: u64,
    latencies: Vec<Duration>,
    errors: u64,
}

fn client(
    engine: &FlowEngine,
    store: &dyn Store,
    user: &str,
    wrong: bool,
    now: Timestamp,
    stop: &AtomicBool,
) -> Totals {
    let mut t = Totals {
        requests: 0,
        steps: 0,
        sign_ins: 0,
        wrong: 0,
        conflicts: 0,
        latencies: Vec::new(),
        errors: 0,
    };
    let rng = &mut rand::rng();
    let pw = Input::Password {
        password: if wrong { "wrong" } else { PASSWORD }.into(),
    };
    let identify = Input::Identify {
        identifier: user.into(),
    };
    while !stop.load(Ordering::Relaxed) {
        let began = Instant::now();
        let started = start(
            engine,
            store,
            FlowKind::Login,
            &StartContext::default(),
            now,
            rng,
        );
        t.latencies.push(began.elapsed());
        t.requests += 1;
        t.steps += 1;
        let Ok(started) = started else {
            t.errors += 1;
            continue;
        };
        let secret = started.client_secret.expose().to_owned();
        let mut token = started.step.view.map(|v| v.token).unwrap_or_default();
        for input in [&identify, &pw] {
            let request = Request {
                flow_key: &started.flow_key,
                client_secret: &secret,
                token: &token,
                input,
            };
            let began = Instant::now();
            let ran = run(engine, store, &request, now, rng);
            t.latencies.push(began.elapsed());
            t.requests += 1;
            match ran {
                Ok(ran) => {
                    t.conflicts += u64::from(ran.conflicts);
                    t.steps += u64::from(ran.calls);
                    match ran.step.outcome {
                        FlowOutcome::SignedIn { .. } => t.sign_ins += 1,
                        FlowOutcome::Rejected {
                            reason: Rejection::WrongPassword,
                        } => t.wrong += 1,
                        _ => {}
                    }
                    token = ran.step.view.map(|v| v.token).unwrap_or_default();
                }
                Err(_) => t.errors += 1,
            }
        }
    }
    t
}

/// The share of the bound measured again after the runs, since a
/// machine's speed drifts over a minute.
fn report_again(
    bound: Option<f64>,
    shares: &[f64],
    params: HashParams,
    cores: usize,
    seconds: f64,
) {
    let Some(first) = bound else { return };
    let last = argon2_bound(params, cores, seconds);
    let mean = (first + last) / 2.0;
    println!(
        "argon2 bound measured again: {last:.1}/s; against the mean of both ({mean:.1}/s) the runs reached {}",
        shares
            .iter()
            .map(|s| format!("{:.0} %", s / mean * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let a = args();
    let engine = Arc::new(engine(&a.hasher, a.max_hashes));
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let bound = (a.hasher == "owasp").then(|| argon2_bound(params(&a.hasher), cores, a.seconds));
    if let Some(b) = bound {
        println!(
            "argon2 bound: {b:.1} verifications/s on {cores} threads (OWASP parameters), measured first"
        );
    }
    println!(
        "| store | hasher | clients | accounts | requests/s | steps/s | sign-ins/s | mean ms | p50 ms | p99 ms | retried on conflict | errors |{}",
        if bound.is_some() {
            " of the Argon2 bound (bracketed) |"
        } else {
            ""
        }
    );
    println!(
        "|---|---|---|---|---|---|---|---|---|---|---|---|{}",
        if bound.is_some() { "---|" } else { "" }
    );
    let mut shares = Vec::new();
    let mut last_bound = bound;
    for kind in &a.stores {
        for &clients in &a.clients {
            let store = open_store(kind);
            for i in 0..a.accounts {
                let new = NewAccount {
                    id: format!("a{i}"),
                    username: Some(format!("user{i}")),
                    ..NewAccount::default()
                };
                let _ = provision(
                    &engine,
                    &*store,
                    &new,
                    Some(PASSWORD),
                    now,
                    &mut rand::rng(),
                )
                .unwrap();
            }
            let work0 = engine.hasher().work();
            let stop = Arc::new(AtomicBool::new(false));
            let began = Instant::now();
            let handles: Vec<_> = (0..clients)
                .map(|c| {
                    let (e, s, stop) = (engine.clone(), store.clone(), stop.clone());
                    let user = format!("user{}", c % a.accounts);
                    let wrong = a.wrong;
                    std::thread::spawn(move || client(&e, &*s, &user, wrong, now, &stop))
                })
                .collect();
            std::thread::sleep(Duration::from_secs_f64(a.seconds));
            stop.store(true, Ordering::Relaxed);
            let mut all = Totals {
                requests: 0,
                steps: 0,
                sign_ins: 0,
                wrong: 0,
                conflicts: 0,
                latencies: Vec::new(),
                errors: 0,
            };
            for h in handles {
                let t = h.join().unwrap();
                all.requests += t.requests;
                all.steps += t.steps;
                all.sign_ins += t.sign_ins;
                all.wrong += t.wrong;
                all.conflicts += t.conflicts;
                all.errors += t.errors;
                all.latencies.extend(t.latencies);
            }
            let secs = began.elapsed().as_secs_f64();
            let p = engine.hasher().params();
            let runs =
                (engine.hasher().work() - work0) as f64 / (f64::from(p.m_kib()) * f64::from(p.t()));
            eprintln!(
                "  {kind}, {clients} clients: {:.2} Argon2 runs per verified password",
                runs / (all.sign_ins + all.wrong).max(1) as f64
            );
            all.latencies.sort();
            let mean = all.latencies.iter().map(Duration::as_secs_f64).sum::<f64>()
                / all.latencies.len().max(1) as f64
                * 1000.0;
            let sign_ins = all.sign_ins as f64 / secs;
            let verified = sign_ins + all.wrong as f64 / secs;
            shares.push(verified);
            // The bound measured again right after this run: the share is
            // against the mean of the bounds just before and just after
            // it, since this machine's Argon2 speed drifts within a minute.
            let bound_share = match last_bound {
                Some(before) => {
                    let after = argon2_bound(params(&a.hasher), cores, a.seconds);
                    last_bound = Some(after);
                    format!(
                        " {:.0} % (bound {before:.0}/s before, {after:.0}/s after) |",
                        verified / f64::midpoint(before, after) * 100.0
                    )
                }
                None => String::new(),
            };
            println!(
                "| {kind} | {} | {clients} | {} | {:.0} | {:.0} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} % | {} |{bound_share}",
                a.hasher,
                a.accounts,
                all.requests as f64 / secs,
                all.steps as f64 / secs,
                sign_ins,
                mean,
                percentile(&all.latencies, 0.5),
                percentile(&all.latencies, 0.99),
                all.conflicts as f64 / all.requests.max(1) as f64 * 100.0,
                all.errors,
            );
            if a.wrong {
                // The budget holds: no account took more failures than its
                // threshold, however many clients raced for it.
                let threshold = engine.config().guard.password.threshold;
                for i in 0..a.accounts {
                    let row = store.get(&format!("guard/a{i}")).unwrap();
                    let n = row.map_or(0, |r| {
                        Stored::<AccountGuard>::from_json(&r.json)
                            .unwrap()
                            .body()
                            .counter(Factor::Password)
                            .consecutive()
                    });
                    assert!(n <= threshold, "account a{i}: {n} failures");
                }
                assert!(all.wrong <= u64::from(threshold) * a.accounts as u64);
                println!(
                    "  wrong passwords verified: {} for {} account(s) (threshold {threshold}: the budget held)",
                    all.wrong, a.accounts
                );
            }
        }
    }
    report_again(bound, &shares, params(&a.hasher), cores, a.seconds);
}
