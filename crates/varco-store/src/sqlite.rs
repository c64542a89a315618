//! The SQLite store: one file, WAL, nothing to install (SQLite is compiled
//! in). Safe for many threads and many processes on one file.
//!
//! How a commit stays atomic and free of lost updates: it runs in a
//! `BEGIN IMMEDIATE` transaction, which takes the database's write lock
//! first, so writers are serialised across threads and processes; inside
//! it each write's expectation is checked, then each write applied, then
//! the outbox row inserted, then `COMMIT`. A writer that finds the lock
//! taken waits (`busy_timeout`) rather than fail. Readers never wait, in
//! WAL mode, and read one consistent snapshot per statement (a load is one
//! statement). A crash at any point leaves the last committed state: the
//! WAL's commit is one atomic append.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use varco::Timestamp;
use varco::flow::{FlowWrite, Records};

use crate::schema;
use crate::store::{
    Op, check_key, check_keys, check_outbox, from_millis, in_order, lease_until, millis, plan,
    records_of, taken_step_id,
};
use crate::{Committed, Counts, OutboxRow, Row, Store, StoreError};

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: a commit is on disk when it returns; a power
    /// cut loses nothing committed. The default: a lost failure count is a
    /// free guess, and cutting the power is an attack, not only an
    /// accident (the 2015 "IP Box" brute-forced phone passcodes by cutting
    /// the power after each wrong guess, before the count reached flash).
    /// A lost password reset would also bring the old password back.
    #[default]
    Full,
    /// `synchronous = NORMAL`: still atomic and never corrupt, but a power
    /// cut (not a crash of the process) may lose the commits since the
    /// last checkpoint. For a server whose power an attacker cannot cut.
    /// Faster: with the OWASP hasher on two cores, `Full`'s fsyncs (four
    /// per sign-in) kept Argon2 at 0.83–0.84 of its bound, `Normal` at
    /// 0.93 (BENCHMARKS.md, "SQLite's durability"; a group commit did not
    /// close the gap).
    Normal,
}

/// Options for [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long a writer waits for another's lock before it fails.
    pub busy_timeout: Duration,
    /// See [`Durability`].
    pub durability: Durability,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(30),
            durability: Durability::Full,
        }
    }
}

/// A store in one SQLite file.
///
/// ```
/// use varco_store::{SqliteStore, Store};
///
/// let dir = std::env::temp_dir().join(format!("varco-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let store = SqliteStore::open(dir.join("varco.db")).unwrap();
/// assert_eq!(store.get("account/a1").unwrap(), None);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct SqliteStore {
    path: PathBuf,
    options: SqliteOptions,
    /// Idle connections; one per concurrent caller at most.
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if need be) the database at `path` and migrates it
    /// to the newest schema.
    ///
    /// # Errors
    /// [`StoreError::Database`] if the file cannot be opened or migrated;
    /// [`StoreError::SchemaTooNew`] for a database a newer varco-store
    /// migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// [`open`](Self::open) with options.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let store = SqliteStore {
            path: path.as_ref().to_owned(),
            options,
            idle: Mutex::new(Vec::new()),
        };
        let mut conn = store.connect()?;
        migrate(&mut conn)?;
        store.release(conn);
        Ok(store)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(self.options.busy_timeout)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!(
                "sqlite: WAL mode refused (journal_mode is {mode})"
            )));
        }
        let sync = match self.options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON;"
        ))?;
        Ok(conn)
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let mut conn = match taken {
            Some(c) => c,
            None => self.connect()?,
        };
        let out = f(&mut conn);
        // A connection left inside a transaction (it cannot be, but a
        // database error mid-way may leave one) is dropped, not reused.
        if conn.is_autocommit() {
            self.release(conn);
        }
        out
    }

    fn release(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(schema::VERSION_TABLE)?;
    let found: Option<i64> = tx
        .query_row("SELECT version FROM varco_schema", [], |r| r.get(0))
        .optional()?;
    let found = match found {
        Some(v) => v,
        None => {
            tx.execute("INSERT INTO varco_schema (version) VALUES (0)", [])?;
            0
        }
    };
    if found > schema::VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: schema::VERSION,
        });
    }
    for (version, sql) in schema::SQLITE {
        if *version > found {
            tx.execute_batch(sql)?;
            tx.execute("UPDATE varco_schema SET version = ?1", params![version])?;
        }
    }
    tx.commit()?;
    Ok(())
}

impl Store for SqliteStore {
    fn get(&self, key: &str) -> Result<Option<Row>, StoreError> {
        check_key(key)?;
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT revision, body, expires_at FROM varco_records WHERE key = ?1",
            )?;
            Ok(st
                .query_row(params![key], |r| {
                    Ok(Row {
                        revision: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        json: r.get(1)?,
                        expires_at: r.get::<_, Option<i64>>(2)?.map(from_millis),
                    })
                })
                .optional()?)
        })
    }

    fn load(&self, keys: &[String]) -> Result<Records, StoreError> {
        check_keys(keys)?;
        if keys.is_empty() {
            return Ok(Records::new());
        }
        self.with(|c| {
            // One statement: one snapshot for every key.
            let list = serde_json::to_string(keys).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut st = c.prepare_cached(
                "SELECT key, body FROM varco_records WHERE key IN (SELECT value FROM json_each(?1))",
            )?;
            let mut found = std::collections::BTreeMap::new();
            let rows = st.query_map(params![list], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (k, v) = row?;
                found.insert(k, v);
            }
            Ok(records_of(keys, found))
        })
    }

    fn commit(
        &self,
        writes: &[FlowWrite],
        outbox: Option<&OutboxRow>,
    ) -> Result<Committed, StoreError> {
        let plan = plan(writes)?;
        check_outbox(outbox)?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (key, op) in &plan {
                let current: Option<i64> = tx
                    .prepare_cached("SELECT revision FROM varco_records WHERE key = ?1")?
                    .query_row(params![key], |r| r.get(0))
                    .optional()?;
                if !op.holds(current) {
                    // Dropping the transaction rolls it back.
                    return Ok(Committed::Conflict {
                        key: (*key).to_owned(),
                    });
                }
            }
            for (key, op) in &plan {
                match op {
                    Op::Insert {
                        kind,
                        json,
                        revision,
                        expires_at,
                    }
                    | Op::Update {
                        kind,
                        json,
                        revision,
                        expires_at,
                        ..
                    } => {
                        tx.prepare_cached(
                            "INSERT INTO varco_records (key, kind, revision, body, expires_at)
                             VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT (key) DO UPDATE SET kind = excluded.kind,
                               revision = excluded.revision, body = excluded.body,
                               expires_at = excluded.expires_at",
                        )?
                        .execute(params![key, kind, revision, json, expires_at])?;
                    }
                    Op::Assert { .. } => {}
                }
            }
            if let Some(row) = outbox {
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO varco_outbox (step_id, created_at, effects) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![row.step_id, millis(row.created_at), row.effects]);
                // The only unique key left to break is the step id (records
                // are upserts); as in every store, that is the caller's
                // error, and the dropped transaction stores nothing.
                match inserted {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                    {
                        return Err(taken_step_id(&row.step_id));
                    }
                    other => other?,
                };
            }
            tx.commit()?;
            Ok(Committed::Done)
        })
    }

    fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let now = millis(now);
        let until = lease_until(now, lease);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let rows = {
                let mut st = tx.prepare_cached(
                    "UPDATE varco_outbox SET claimed_until = ?1 WHERE seq IN (
                       SELECT seq FROM varco_outbox WHERE claimed_until <= ?2 ORDER BY seq LIMIT ?3)
                     RETURNING seq, step_id, created_at, effects",
                )?;
                let rows = st
                    .query_map(params![until, now, limit], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            OutboxRow {
                                step_id: r.get(1)?,
                                created_at: from_millis(r.get(2)?),
                                effects: r.get(3)?,
                            },
                        ))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                in_order(rows)
            };
            tx.commit()?;
            Ok(rows)
        })
    }

    fn delete_outbox(&self, step_id: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            Ok(
                c.prepare_cached("DELETE FROM varco_outbox WHERE step_id = ?1")?
                    .execute(params![step_id])?
                    > 0,
            )
        })
    }

    fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            let n = c
                .prepare_cached(
                    "DELETE FROM varco_records WHERE key IN (
                       SELECT key FROM varco_records WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2)",
                )?
                .execute(params![millis(now), limit])?;
            Ok(n as u64)
        })
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        self.with(|c| {
            let one = |sql: &str| -> Result<u64, StoreError> {
                let n: i64 = c.query_row(sql, [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or(0))
            };
            Ok(Counts {
                records: one("SELECT count(*) FROM varco_records")?,
                expiring: one("SELECT count(*) FROM varco_records WHERE expires_at IS NOT NULL")?,
                outbox: one("SELECT count(*) FROM varco_outbox")?,
            })
        })
    }

    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT key FROM varco_records WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key LIMIT ?2",
            )?;
            let rows = st.query_map(params![prefix, limit], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
