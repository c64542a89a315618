//! The PostgreSQL store (blocking): for many application servers sharing
//! one database. See the crate docs for the isolation level and sharding.
//!
//! A commit is one statement, `SELECT varco_commit(...)` (a function the
//! schema's version 2 creates, see [`schema`](crate::schema)), run as its
//! own transaction at `READ COMMITTED`: each write a conditional statement
//! on one row, then the outbox row. A write that matches no row raises
//! `VC001`, a deadlock (40P01) or a serialization failure (40001) aborts:
//! each rolls the whole commit back and reports [`Committed::Conflict`].
//! One round trip per commit, whatever its number of writes.
//!
//! Durability is the server's: with its defaults a commit returns once it
//! is on disk, so a power cut loses no failure count. That wait is most of
//! a step's cost on a slow disk (BENCHMARKS.md). A host that accepts
//! losing the last fraction of a second of commits on a crash of the
//! server (never a torn or half-applied one) may add
//! `options='-c synchronous_commit=off'` to the connection string, as
//! [`Durability::Normal`](crate::Durability::Normal) does for SQLite; a
//! failure count lost that way is one free guess per lost commit.

use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client, NoTls, Statement};
use varco::Timestamp;
use varco::flow::{FlowWrite, Records};

use crate::schema;
use crate::store::{
    Op, check_key, check_keys, check_outbox, from_millis, in_order, lease_until, millis, plan,
    records_of, taken_step_id,
};
use crate::{Committed, Counts, OutboxRow, Row, Store, StoreError};

pub(crate) const GET: &str = "SELECT revision, body, expires_at FROM varco_records WHERE key = $1";
pub(crate) const LOAD: &str = "SELECT key, body FROM varco_records WHERE key = ANY($1)";
pub(crate) const CLAIM: &str = "UPDATE varco_outbox SET claimed_until = $1 WHERE seq IN (
       SELECT seq FROM varco_outbox WHERE claimed_until <= $2 ORDER BY seq LIMIT $3
       FOR UPDATE SKIP LOCKED)
     RETURNING seq, step_id, created_at, effects";
pub(crate) const DELETE_OUTBOX: &str = "DELETE FROM varco_outbox WHERE step_id = $1";
pub(crate) const PURGE: &str = "DELETE FROM varco_records WHERE key IN (
       SELECT key FROM varco_records WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2
       FOR UPDATE SKIP LOCKED)";
pub(crate) const KEYS: &str =
    "SELECT key FROM varco_records WHERE starts_with(key, $1) ORDER BY key LIMIT $2";
pub(crate) const COUNTS: &str = "SELECT (SELECT count(*) FROM varco_records),
       (SELECT count(*) FROM varco_records WHERE expires_at IS NOT NULL),
       (SELECT count(*) FROM varco_outbox)";
/// A step's whole commit, one statement (schema version 2).
pub(crate) const COMMIT: &str = "SELECT varco_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7215066431221)";

/// The key whose expectation failed, when a commit's error means another
/// request won: `varco_commit`'s own `VC001` (its message is the key), a
/// deadlock (40P01) or a serialization failure (40001), which name no key
/// (the commit's first is given).
pub(crate) fn conflict_of(e: &tokio_postgres::Error, first: &str) -> Option<String> {
    use tokio_postgres::error::SqlState;
    let db = e.as_db_error()?;
    if db.code().code() == "VC001" {
        return Some(db.message().to_owned());
    }
    let c = db.code();
    (*c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
        .then(|| first.to_owned())
}

/// `varco_commit`'s arguments: the writes as parallel arrays, in order.
pub(crate) struct CommitArgs<'a> {
    keys: Vec<&'a str>,
    ops: Vec<i32>,
    kinds: Vec<&'a str>,
    revisions: Vec<i64>,
    replaces: Vec<i64>,
    bodies: Vec<Option<&'a str>>,
    expires: Vec<Option<i64>>,
    outbox_id: Option<&'a str>,
    outbox_at: Option<i64>,
    outbox_effects: Option<&'a str>,
}

impl<'a> CommitArgs<'a> {
    pub(crate) fn new(plan: &'a [(&'a str, Op<'a>)], outbox: Option<&'a OutboxRow>) -> Self {
        let mut a = CommitArgs {
            keys: Vec::with_capacity(plan.len()),
            ops: Vec::with_capacity(plan.len()),
            kinds: Vec::with_capacity(plan.len()),
            revisions: Vec::with_capacity(plan.len()),
            replaces: Vec::with_capacity(plan.len()),
            bodies: Vec::with_capacity(plan.len()),
            expires: Vec::with_capacity(plan.len()),
            outbox_id: outbox.map(|o| o.step_id.as_str()),
            outbox_at: outbox.map(|o| millis(o.created_at)),
            outbox_effects: outbox.map(|o| o.effects.as_str()),
        };
        for (key, op) in plan {
            a.keys.push(key);
            let (code, kind, revision, replaces, body, expires) = match op {
                Op::Insert {
                    kind,
                    json,
                    revision,
                    expires_at,
                } => (0, *kind, *revision, 0, Some(*json), *expires_at),
                Op::Update {
                    kind,
                    json,
                    revision,
                    replaces,
                    expires_at,
                } => (1, *kind, *revision, *replaces, Some(*json), *expires_at),
                Op::Assert { revision } => (2, "", *revision, 0, None, None),
            };
            a.ops.push(code);
            a.kinds.push(kind);
            a.revisions.push(revision);
            a.replaces.push(replaces);
            a.bodies.push(body);
            a.expires.push(expires);
        }
        a
    }

    pub(crate) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 10] {
        [
            &self.keys,
            &self.ops,
            &self.kinds,
            &self.revisions,
            &self.replaces,
            &self.bodies,
            &self.expires,
            &self.outbox_id,
            &self.outbox_at,
            &self.outbox_effects,
        ]
    }
}

/// The rows `CLAIM` returned, oldest first.
pub(crate) fn claimed(rows: Vec<postgres::Row>) -> Vec<OutboxRow> {
    in_order(
        rows.into_iter()
            .map(|r| {
                (
                    r.get(0),
                    OutboxRow {
                        step_id: r.get(1),
                        created_at: from_millis(r.get(2)),
                        effects: r.get(3),
                    },
                )
            })
            .collect(),
    )
}

/// A commit's result from `varco_commit`'s.
pub(crate) fn committed(
    result: Result<u64, tokio_postgres::Error>,
    plan: &[(&str, Op<'_>)],
    outbox_id: Option<&str>,
) -> Result<Committed, StoreError> {
    match result {
        Ok(_) => Ok(Committed::Done),
        Err(e) => {
            // Records are inserted `ON CONFLICT DO NOTHING`: a unique key
            // broken is the outbox's step id, the caller's error.
            if let (Some(db), Some(id)) = (e.as_db_error(), outbox_id)
                && *db.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                && db.table() == Some("varco_outbox")
            {
                return Err(taken_step_id(id));
            }
            let first = plan.first().map_or("", |(k, _)| *k);
            match conflict_of(&e, first) {
                Some(key) => Ok(Committed::Conflict { key }),
                None => Err(e.into()),
            }
        }
    }
}

struct Conn {
    client: Client,
    get: Statement,
    load: Statement,
    commit: Statement,
}

/// A store in a PostgreSQL database, with a pool of connections (one per
/// concurrent caller, kept for reuse).
///
/// ```no_run
/// use varco_store::{PgStore, Store};
///
/// let store = PgStore::connect("host=/run/postgresql user=varco dbname=varco").unwrap();
/// assert!(store.get("account/a1").unwrap().is_none());
/// ```
pub struct PgStore {
    config: String,
    idle: Mutex<Vec<Conn>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection string may hold a password.
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects (a libpq-style connection string or URL) and migrates the
    /// schema to the newest version.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot connect or migrate;
    /// [`StoreError::SchemaTooNew`] for a database a newer varco-store
    /// migrated.
    pub fn connect(config: &str) -> Result<Self, StoreError> {
        let store = PgStore {
            config: config.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let mut client = Client::connect(&store.config, NoTls)?;
        migrate(&mut client)?;
        let conn = prepare(client)?;
        store.release(conn);
        Ok(store)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let taken = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let mut conn = match taken {
            Some(c) if !c.client.is_closed() => c,
            _ => prepare(Client::connect(&self.config, NoTls)?)?,
        };
        let out = f(&mut conn);
        if !conn.client.is_closed() {
            self.release(conn);
        }
        out
    }

    fn release(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

fn prepare(mut client: Client) -> Result<Conn, StoreError> {
    Ok(Conn {
        get: client.prepare(GET)?,
        load: client.prepare(LOAD)?,
        commit: client.prepare(COMMIT)?,
        client,
    })
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute(MIGRATION_LOCK, &[])?;
    tx.batch_execute(schema::VERSION_TABLE)?;
    let found: Option<i64> = tx
        .query_opt("SELECT version FROM varco_schema", &[])?
        .map(|r| r.get(0));
    let found = match found {
        Some(v) => v,
        None => {
            tx.execute("INSERT INTO varco_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    if found > schema::VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: schema::VERSION,
        });
    }
    for (version, sql) in schema::POSTGRES {
        if *version > found {
            tx.batch_execute(sql)?;
            tx.execute("UPDATE varco_schema SET version = $1", &[version])?;
        }
    }
    tx.commit()?;
    Ok(())
}

impl Store for PgStore {
    fn get(&self, key: &str) -> Result<Option<Row>, StoreError> {
        check_key(key)?;
        self.with(|c| {
            Ok(c.client.query_opt(&c.get, &[&key])?.map(|r| Row {
                revision: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                json: r.get(1),
                expires_at: r.get::<_, Option<i64>>(2).map(from_millis),
            }))
        })
    }

    fn load(&self, keys: &[String]) -> Result<Records, StoreError> {
        check_keys(keys)?;
        if keys.is_empty() {
            return Ok(Records::new());
        }
        self.with(|c| {
            let found = c
                .client
                .query(&c.load, &[&keys])?
                .into_iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
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
        let args = CommitArgs::new(&plan, outbox);
        self.with(|c| {
            committed(
                c.client.execute(&c.commit, &args.params()),
                &plan,
                outbox.map(|r| r.step_id.as_str()),
            )
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
        self.with(|c| Ok(claimed(c.client.query(CLAIM, &[&until, &now, &limit])?)))
    }

    fn delete_outbox(&self, step_id: &str) -> Result<bool, StoreError> {
        self.with(|c| Ok(c.client.execute(DELETE_OUTBOX, &[&step_id])? > 0))
    }

    fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| Ok(c.client.execute(PURGE, &[&millis(now), &limit])?))
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        self.with(|c| {
            let r = c.client.query_one(COUNTS, &[])?;
            let n = |i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
            Ok(Counts {
                records: n(0),
                expiring: n(1),
                outbox: n(2),
            })
        })
    }

    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            Ok(c.client
                .query(KEYS, &[&prefix, &limit])?
                .into_iter()
                .map(|r| r.get(0))
                .collect())
        })
    }
}
