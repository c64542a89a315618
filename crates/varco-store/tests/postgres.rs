//! The conformance suite against the PostgreSQL store: a real server, a
//! fresh database per test. Built only with the `postgres-tests` feature;
//! `VARCO_PG_URL` names the server. `./scripts/test` starts a throwaway
//! cluster (`scripts/pg-cluster`), sets it and runs this suite.
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
mod conformance;

use std::sync::Arc;
use varco_store::PgStore;

/// The connection string of a fresh, empty database.
fn fresh_database() -> String {
    let url = std::env::var("VARCO_PG_URL").expect(
        "VARCO_PG_URL is not set: run ./scripts/test, which starts a throwaway cluster \
         (scripts/pg-cluster start DIR prints the string to set)",
    );
    let name = format!("varco_t_{:016x}", rand::random::<u64>());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    format!("{url} dbname={name}")
}

fn store() -> Arc<PgStore> {
    Arc::new(PgStore::connect(&fresh_database()).unwrap())
}

conformance!(store);
processes!(fresh_database, open_spec);

fn open_spec(url: &str) -> Arc<dyn varco_store::Store> {
    Arc::new(PgStore::connect(url).unwrap())
}

#[test]
fn unknown_logins_leave_nothing() {
    // What grows and what a sweep removes does not depend on the commit
    // reaching the disk: the flood commits asynchronously to stay quick.
    let url = format!("{} options='-c synchronous_commit=off'", fresh_database());
    conformance::unknown_logins_leave_nothing(Arc::new(PgStore::connect(&url).unwrap()), 100_000);
}

#[test]
fn a_schema_newer_than_this_code_is_refused_and_left_alone() {
    let url = fresh_database();
    drop(PgStore::connect(&url).unwrap());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.execute("UPDATE varco_schema SET version = 99", &[])
        .unwrap();
    match PgStore::connect(&url) {
        Err(varco_store::StoreError::SchemaTooNew { found: 99, .. }) => {}
        other => panic!("{other:?}"),
    }
    let v: i64 = c
        .query_one("SELECT version FROM varco_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, 99);
}
