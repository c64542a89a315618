//! The async interface under real concurrency: 64 tasks on a
//! multi-threaded tokio runtime, through `run_async`, against the memory
//! and SQLite stores behind `Blocking` and, with the `postgres-tests`
//! feature, `AsyncPgStore` on a real server (`VARCO_PG_URL`). The set-up
//! and the final checks use the blocking stores, outside the runtime.
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
mod conformance;

use std::future::Future;
use std::sync::Arc;

use conformance::*;
use varco::flow::{FlowEngine, FlowOutcome, Input, Rejection};
use varco_store::{AsyncStore, Blocking, MemoryStore, OwnedRequest, SqliteStore, Store, run_async};

fn owned(f: &Open, input: Input) -> OwnedRequest {
    OwnedRequest {
        flow_key: f.key.clone(),
        client_secret: f.secret.clone(),
        token: f.token.clone(),
        input,
    }
}

/// Runs `n` requests as tasks at once on a 4-thread runtime; their outcomes.
fn race<A, F, Fut>(
    connect: F,
    engine: &Arc<FlowEngine>,
    requests: Vec<OwnedRequest>,
) -> Vec<FlowOutcome>
where
    A: AsyncStore + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = A>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Arc::new(connect().await);
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|r| {
                let (e, s) = (engine.clone(), store.clone());
                tokio::spawn(async move {
                    run_async(&e, &*s, &r, at(100))
                        .await
                        .map(|ran| ran.step.outcome)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    })
}

/// §6.1 through the async loop: at one attempt left, 64 tasks guess at
/// once, each on its own flow; one password is verified.
fn guesses_at_one_left<A, F, Fut>(setup: &dyn Store, connect: F)
where
    A: AsyncStore + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = A>,
{
    let engine = engine();
    account(&engine, setup, "a1", "mario", false);
    let threshold = engine.config().guard.password.threshold;
    for i in 0..threshold - 1 {
        let now = at(u64::from(i) * 2);
        let f = open(&engine, setup, "mario", now);
        let r = submit(&engine, setup, &f, &password("wrong"), now);
        assert!(outcome(&r).contains("WrongPassword"));
    }
    let requests = (0..64)
        .map(|_| owned(&open(&engine, setup, "mario", at(100)), password("wrong")))
        .collect();
    let outcomes = race(connect, &engine, requests);
    let wrong = FlowOutcome::Rejected {
        reason: Rejection::WrongPassword,
    };
    assert_eq!(
        outcomes.iter().filter(|o| **o == wrong).count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(consecutive(setup, "a1"), threshold);
}

/// §6.4 through the async loop: one code from 16 tasks, accepted once.
fn one_code_sixteen_tasks<A, F, Fut>(setup: &dyn Store, connect: F)
where
    A: AsyncStore + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = A>,
{
    let engine = engine();
    account(&engine, setup, "a1", "mario", true);
    let mut f = open(&engine, setup, "mario", at(100));
    let ran = submit(&engine, setup, &f, &password(PASSWORD), at(100)).unwrap();
    f.token = ran.step.view.unwrap().token;
    let code = last_code(&engine, setup);
    let requests = (0..16)
        .map(|_| {
            owned(
                &f,
                Input::Code {
                    code: code.clone().into(),
                },
            )
        })
        .collect();
    let outcomes = race(connect, &engine, requests);
    let signed_in = outcomes
        .iter()
        .filter(|o| matches!(o, FlowOutcome::SignedIn { .. }))
        .count();
    assert_eq!(signed_in, 1, "{outcomes:?}");
}

/// Deletes a test's database file, its `-wal` and `-shm`.
fn remove_db(path: &std::path::Path) {
    for end in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(end);
        let _ = std::fs::remove_file(p);
    }
}

fn sqlite_file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("varco-store-async-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{:016x}.db", rand::random::<u64>()))
}

#[test]
fn memory_guesses_at_one_left() {
    let store = Blocking::new(MemoryStore::new());
    let s = store.clone();
    guesses_at_one_left(store.inner(), || async move { s });
}

#[test]
fn memory_one_code_sixteen_tasks() {
    let store = Blocking::new(MemoryStore::new());
    let s = store.clone();
    one_code_sixteen_tasks(store.inner(), || async move { s });
}

#[test]
fn sqlite_guesses_at_one_left() {
    let file = sqlite_file();
    let setup = SqliteStore::open(&file).unwrap();
    let path = file.clone();
    guesses_at_one_left(&setup, || async move {
        Blocking::new(SqliteStore::open(&path).unwrap())
    });
    drop(setup);
    remove_db(&file);
}

#[test]
fn sqlite_one_code_sixteen_tasks() {
    let file = sqlite_file();
    let setup = SqliteStore::open(&file).unwrap();
    let path = file.clone();
    one_code_sixteen_tasks(&setup, || async move {
        Blocking::new(SqliteStore::open(&path).unwrap())
    });
    drop(setup);
    remove_db(&file);
}

#[cfg(feature = "postgres-tests")]
mod postgres {
    use super::*;
    use varco_store::{AsyncPgStore, PgStore};

    fn fresh_database() -> String {
        let url = std::env::var("VARCO_PG_URL").expect("VARCO_PG_URL (./scripts/test sets it)");
        let name = format!("varco_a_{:016x}", rand::random::<u64>());
        let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu \
                 ICU_LOCALE 'en-US' LOCALE 'C'"
            ))
            .unwrap();
        format!("{url} dbname={name}")
    }

    /// `AsyncPgStore` as a blocking `Store`, for the model: each call on a
    /// runtime of its own (`keys`, which the async interface lacks,
    /// through a blocking connection to the same database).
    struct BlockOn {
        store: AsyncPgStore,
        keys: PgStore,
        rt: tokio::runtime::Runtime,
    }

    impl Store for BlockOn {
        fn get(&self, key: &str) -> Result<Option<varco_store::Row>, varco_store::StoreError> {
            self.rt.block_on(self.store.get(key.to_owned()))
        }
        fn load(&self, keys: &[String]) -> Result<varco::flow::Records, varco_store::StoreError> {
            self.rt.block_on(self.store.load(keys.to_vec()))
        }
        fn commit(
            &self,
            writes: &[varco::flow::FlowWrite],
            outbox: Option<&varco_store::OutboxRow>,
        ) -> Result<varco_store::Committed, varco_store::StoreError> {
            self.rt
                .block_on(self.store.commit(writes.to_vec(), outbox.cloned()))
        }
        fn claim_outbox(
            &self,
            now: varco::Timestamp,
            lease: std::time::Duration,
            limit: usize,
        ) -> Result<Vec<varco_store::OutboxRow>, varco_store::StoreError> {
            self.rt.block_on(self.store.claim_outbox(now, lease, limit))
        }
        fn delete_outbox(&self, step_id: &str) -> Result<bool, varco_store::StoreError> {
            self.rt
                .block_on(self.store.delete_outbox(step_id.to_owned()))
        }
        fn purge_expired(
            &self,
            now: varco::Timestamp,
            limit: usize,
        ) -> Result<u64, varco_store::StoreError> {
            self.rt.block_on(self.store.purge_expired(now, limit))
        }
        fn counts(&self) -> Result<varco_store::Counts, varco_store::StoreError> {
            self.rt.block_on(self.store.counts())
        }
        fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, varco_store::StoreError> {
            self.keys.keys(prefix, limit)
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: conformance::model::cases() / 2,
            ..proptest::prelude::ProptestConfig::default()
        })]
        #[test]
        fn postgres_async_agrees_with_the_model(actions in conformance::model::actions(40)) {
            let url = fresh_database();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let store = rt.block_on(AsyncPgStore::connect(&url)).unwrap();
            let keys = PgStore::connect(&url).unwrap();
            conformance::model::agrees(&BlockOn { store, keys, rt }, &actions)?;
        }
    }

    #[test]
    fn postgres_guesses_at_one_left() {
        let url = fresh_database();
        let setup = PgStore::connect(&url).unwrap();
        guesses_at_one_left(&setup, || async move {
            AsyncPgStore::connect(&url).await.unwrap()
        });
    }

    #[test]
    fn postgres_one_code_sixteen_tasks() {
        let url = fresh_database();
        let setup = PgStore::connect(&url).unwrap();
        one_code_sixteen_tasks(&setup, || async move {
            AsyncPgStore::connect(&url).await.unwrap()
        });
    }
}
