//! The conformance suite against the PostgreSQL store: a real server, a
//! fresh database per test. Built only with the `postgres-tests` feature;
//! `VARCO_PG_URL` names the server. `./scripts/test` starts a throwaway
//! cluster (`scripts/pg-cluster`), sets it and runs this suite.
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
mod conformance;

use std::sync::Arc;
use varco_store::PgStore;

/// The connection string of a fresh, empty database, collated as English.
fn fresh_database() -> String {
    let url = std::env::var("VARCO_PG_URL").expect(
        "VARCO_PG_URL is not set: run ./scripts/test, which starts a throwaway cluster \
         (scripts/pg-cluster start DIR prints the string to set)",
    );
    let name = format!("varco_t_{:016x}", rand::random::<u64>());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        // A language's collation, as production databases have (the test
        // cluster's own is C): an order that holds only under C fails here.
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu \
             ICU_LOCALE 'en-US' LOCALE 'C'"
        ))
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

#[test]
fn a_version_2_database_keeps_its_records_and_sorts_keys_by_bytes_after_migrating() {
    use varco_store::Store;
    let url = fresh_database();
    drop(PgStore::connect(&url).unwrap());
    // Back to version 2: the key collated as the database (English).
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(
        "ALTER TABLE varco_records ALTER COLUMN key SET DATA TYPE TEXT COLLATE \"default\";
         UPDATE varco_schema SET version = 2;
         INSERT INTO varco_records (key, kind, revision, body) VALUES
           ('account/a1', 'account', 1, '{}'), ('Z', 'budget', 3, '{\"n\":1}'),
           ('flow/é', 'flow', 2, '[]');",
    )
    .unwrap();
    let english: Vec<String> = c
        .query("SELECT key FROM varco_records ORDER BY key", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(english, ["account/a1", "flow/é", "Z"]);

    let store = PgStore::connect(&url).unwrap();
    assert_eq!(store.keys("", 10).unwrap(), ["Z", "account/a1", "flow/é"]);
    let z = store.get("Z").unwrap().unwrap();
    assert_eq!((z.revision, z.json.as_str()), (3, r#"{"n":1}"#));
    let v: i64 = c
        .query_one("SELECT version FROM varco_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, 3);
}
