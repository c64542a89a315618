//! The conformance suite against the SQLite store (a fresh file per test).
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
mod conformance;

use std::sync::Arc;
use varco_store::{Durability, SqliteOptions, SqliteStore};

fn file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("varco-store-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{:016x}.db", rand::random::<u64>()))
}

fn store() -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(file()).unwrap())
}

conformance!(store);
processes!(|| file().to_string_lossy().into_owned(), open_spec);

fn open_spec(path: &str) -> Arc<dyn varco_store::Store> {
    Arc::new(SqliteStore::open(path).unwrap())
}

#[test]
fn unknown_logins_leave_nothing() {
    // What grows and what a sweep removes does not depend on fsync: the
    // flood runs with `synchronous = NORMAL` to keep the suite quick.
    let options = SqliteOptions {
        durability: Durability::Normal,
        ..SqliteOptions::default()
    };
    let store = Arc::new(SqliteStore::open_with(file(), options).unwrap());
    conformance::unknown_logins_leave_nothing(store, 100_000);
}

#[test]
fn a_schema_newer_than_this_code_is_refused_and_left_alone() {
    let path = file();
    drop(SqliteStore::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute("UPDATE varco_schema SET version = 99", [])
        .unwrap();
    drop(c);
    match SqliteStore::open(&path) {
        Err(varco_store::StoreError::SchemaTooNew { found: 99, .. }) => {}
        other => panic!("{other:?}"),
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = c
        .query_row("SELECT version FROM varco_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99);
    // Opening a migrated database again changes nothing.
    let again = file();
    drop(SqliteStore::open(&again).unwrap());
    drop(SqliteStore::open(&again).unwrap());
}
