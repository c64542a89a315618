//! The PostgreSQL store, async (tokio-postgres): the statements (one
//! `varco_commit` per commit), isolation and conflict rules of the
//! blocking [`PgStore`](crate::PgStore), on a pool of connections whose
//! I/O tasks run on the caller's runtime.

use std::sync::Mutex;
use std::time::Duration;

use tokio_postgres::{Client, NoTls, Statement};
use varco::Timestamp;
use varco::flow::{FlowWrite, Records};

use crate::asynchronous::AsyncStore;
use crate::postgres::{
    CLAIM, COMMIT, COUNTS, CommitArgs, DELETE_OUTBOX, GET, LOAD, PURGE, claimed, committed,
};
use crate::store::{
    check_key, check_keys, check_outbox, from_millis, lease_until, millis, plan, records_of,
};
use crate::{Committed, Counts, OutboxRow, Row, StoreError};

struct Conn {
    client: Client,
    get: Statement,
    load: Statement,
    commit: Statement,
}

/// A PostgreSQL store for async servers: a pool of `tokio-postgres`
/// connections (one per concurrent caller, kept for reuse). Connect it
/// from inside a tokio runtime: each connection's I/O runs as a task on it.
///
/// ```no_run
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use varco_store::{AsyncPgStore, AsyncStore};
///
/// let store = AsyncPgStore::connect("host=/run/postgresql user=varco dbname=varco").await.unwrap();
/// assert!(store.get("account/a1".into()).await.unwrap().is_none());
/// # });
/// ```
pub struct AsyncPgStore {
    config: String,
    idle: Mutex<Vec<Conn>>,
}

impl std::fmt::Debug for AsyncPgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection string may hold a password.
        f.debug_struct("AsyncPgStore").finish_non_exhaustive()
    }
}

async fn open(config: &str) -> Result<Conn, StoreError> {
    let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
    tokio::spawn(async move {
        // The connection ends when its client is dropped; an error here
        // shows on the client's next call.
        let _ = connection.await;
    });
    Ok(Conn {
        get: client.prepare(GET).await?,
        load: client.prepare(LOAD).await?,
        commit: client.prepare(COMMIT).await?,
        client,
    })
}

impl AsyncPgStore {
    /// Connects and migrates the schema to the newest version (through the
    /// blocking client, once, on the blocking pool).
    ///
    /// # Errors
    /// As [`PgStore::connect`](crate::PgStore::connect).
    pub async fn connect(config: &str) -> Result<Self, StoreError> {
        let c = config.to_owned();
        tokio::task::spawn_blocking(move || crate::PgStore::connect(&c).map(drop))
            .await
            .map_err(|e| StoreError::Database(format!("migration task failed: {e}")))??;
        let store = AsyncPgStore {
            config: config.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let conn = open(config).await?;
        store.release(conn);
        Ok(store)
    }

    async fn take(&self) -> Result<Conn, StoreError> {
        let taken = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        match taken {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => open(&self.config).await,
        }
    }

    fn release(&self, conn: Conn) {
        if !conn.client.is_closed()
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(conn);
        }
    }
}

impl AsyncStore for AsyncPgStore {
    async fn get(&self, key: String) -> Result<Option<Row>, StoreError> {
        check_key(&key)?;
        let c = self.take().await?;
        let out = c.client.query_opt(&c.get, &[&key]).await;
        self.release(c);
        Ok(out?.map(|r| Row {
            revision: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
            json: r.get(1),
            expires_at: r.get::<_, Option<i64>>(2).map(from_millis),
        }))
    }

    async fn load(&self, keys: Vec<String>) -> Result<Records, StoreError> {
        check_keys(&keys)?;
        if keys.is_empty() {
            return Ok(Records::new());
        }
        let c = self.take().await?;
        let rows = c.client.query(&c.load, &[&keys]).await;
        self.release(c);
        let found = rows?.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(records_of(&keys, found))
    }

    async fn commit(
        &self,
        writes: Vec<FlowWrite>,
        outbox: Option<OutboxRow>,
    ) -> Result<Committed, StoreError> {
        let plan = plan(&writes)?;
        check_outbox(outbox.as_ref())?;
        let args = CommitArgs::new(&plan, outbox.as_ref());
        let c = self.take().await?;
        let result = c.client.execute(&c.commit, &args.params()).await;
        self.release(c);
        committed(result, &plan, outbox.as_ref().map(|r| r.step_id.as_str()))
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let now = millis(now);
        let until = lease_until(now, lease);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let c = self.take().await?;
        let rows = c.client.query(CLAIM, &[&until, &now, &limit]).await;
        self.release(c);
        Ok(claimed(rows?))
    }

    async fn delete_outbox(&self, step_id: String) -> Result<bool, StoreError> {
        let c = self.take().await?;
        let n = c.client.execute(DELETE_OUTBOX, &[&step_id]).await;
        self.release(c);
        Ok(n? > 0)
    }

    async fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let c = self.take().await?;
        let n = c.client.execute(PURGE, &[&millis(now), &limit]).await;
        self.release(c);
        Ok(n?)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let c = self.take().await?;
        let r = c.client.query_one(COUNTS, &[]).await;
        self.release(c);
        let r = r?;
        let n = |i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
        Ok(Counts {
            records: n(0),
            expiring: n(1),
            outbox: n(2),
        })
    }
}
