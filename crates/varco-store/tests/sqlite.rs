//! The conformance suite against the SQLite store (a fresh file per test).
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

#[macro_use]
mod conformance;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use varco::Timestamp;
use varco::flow::{FlowWrite, Records};
use varco_store::{
    Committed, Counts, Durability, OutboxRow, Row, SqliteOptions, SqliteStore, Store, StoreError,
};

fn file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("varco-store-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{:016x}.db", rand::random::<u64>()))
}

/// Deletes a database file and its `-wal` and `-shm`.
fn remove(path: &Path) {
    for end in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(end);
        let _ = std::fs::remove_file(p);
    }
}

/// A SQLite store on a file of its own, deleted once the store is dropped
/// (a run of the suite would otherwise leave its files, the flood's 150 MB
/// among them, in the temporary folder).
struct Temp(Option<SqliteStore>, PathBuf);

impl Temp {
    fn open(options: SqliteOptions) -> Self {
        let path = file();
        Temp(Some(SqliteStore::open_with(&path, options).unwrap()), path)
    }

    fn s(&self) -> &SqliteStore {
        self.0.as_ref().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        drop(self.0.take());
        remove(&self.1);
    }
}

impl Store for Temp {
    fn get(&self, key: &str) -> Result<Option<Row>, StoreError> {
        self.s().get(key)
    }
    fn load(&self, keys: &[String]) -> Result<Records, StoreError> {
        self.s().load(keys)
    }
    fn commit(
        &self,
        writes: &[FlowWrite],
        outbox: Option<&OutboxRow>,
    ) -> Result<Committed, StoreError> {
        self.s().commit(writes, outbox)
    }
    fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.s().claim_outbox(now, lease, limit)
    }
    fn delete_outbox(&self, step_id: &str) -> Result<bool, StoreError> {
        self.s().delete_outbox(step_id)
    }
    fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        self.s().purge_expired(now, limit)
    }
    fn counts(&self) -> Result<Counts, StoreError> {
        self.s().counts()
    }
    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.s().keys(prefix, limit)
    }
}

fn store() -> Arc<Temp> {
    Arc::new(Temp::open(SqliteOptions::default()))
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
    conformance::unknown_logins_leave_nothing(Arc::new(Temp::open(options)), 100_000);
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
    drop(c);
    remove(&path);
    remove(&again);
}
