//! The async interface (tokio), for Rust servers: [`AsyncStore`], its
//! implementations, and the host loop as async functions ([`run_async`],
//! [`start_async`], [`provision_async`]).
//!
//! - [`Blocking`] puts any blocking [`Store`] (memory, SQLite) behind the
//!   async interface: each call runs on tokio's blocking pool, so a
//!   SQLite commit waiting for the file's lock never stalls the runtime.
//! - [`AsyncPgStore`] speaks to PostgreSQL with `tokio-postgres`, a pool
//!   of connections, and the same statements as [`PgStore`](crate::PgStore).
//!
//! The engine's own work (an Argon2 hash of some milliseconds) also runs
//! on the blocking pool, so the runtime's worker threads only ever wait on
//! I/O. The random generator is the thread's (`rand::rng()`), drawn where
//! the engine runs.
//!
//! ```
//! # use varco::flow::*; use varco::hash::HashParams; use varco::keys::KeyRing; use varco::Timestamp;
//! use std::sync::Arc;
//! use varco_store::{Blocking, MemoryStore, OwnedRequest, run_async, start_async};
//!
//! # let keys = EngineKeys { codes: KeyRing::new("c1", vec![1; 32]).unwrap(), sealing: KeyRing::new("s1", vec![2; 32]).unwrap(), decoy: KeyRing::new("d1", vec![3; 32]).unwrap(), peppers: None };
//! # let engine = Arc::new(FlowEngine::new(EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() }, keys).unwrap());
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let store = Blocking::new(MemoryStore::new());
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let started = start_async(&engine, &store, FlowKind::Login, StartContext::default(), now).await.unwrap();
//! let request = OwnedRequest {
//!     flow_key: started.flow_key.clone(),
//!     client_secret: started.client_secret.expose().to_owned(),
//!     token: started.step.view.unwrap().token,
//!     input: Input::Identify { identifier: "mario".into() },
//! };
//! let ran = run_async(&engine, &store, &request, now).await.unwrap();
//! assert_eq!(ran.step.view.unwrap().screen, Screen::Password);
//! # });
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use varco::Timestamp;
use varco::flow::{
    FlowEngine, FlowKind, FlowStep, Input, NewAccount, Records, StartContext, Started, Submit,
};

use crate::host::{Loop, outbox_row, provisioned, split_flow, with_flow};
use crate::{Committed, Counts, OutboxRow, Ran, RunError, RunOptions, Store, StoreError};
use varco::flow::FlowWrite;

/// The async twin of [`Store`]: the same contract, each call a future that
/// is `Send`, so a server may hold it across `.await` on any runtime
/// thread.
pub trait AsyncStore: Send + Sync {
    /// As [`Store::get`], the revision and text of one record.
    fn get(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<crate::Row>, StoreError>> + Send;
    /// As [`Store::load`].
    fn load(&self, keys: Vec<String>) -> impl Future<Output = Result<Records, StoreError>> + Send;
    /// As [`Store::commit`].
    fn commit(
        &self,
        writes: Vec<FlowWrite>,
        outbox: Option<OutboxRow>,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;
    /// As [`Store::claim_outbox`].
    fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OutboxRow>, StoreError>> + Send;
    /// As [`Store::delete_outbox`].
    fn delete_outbox(
        &self,
        step_id: String,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// As [`Store::purge_expired`].
    fn purge_expired(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// As [`Store::counts`].
    fn counts(&self) -> impl Future<Output = Result<Counts, StoreError>> + Send;
}

/// A blocking [`Store`] behind the async interface: each call on tokio's
/// blocking pool.
#[derive(Debug)]
pub struct Blocking<S> {
    inner: Arc<S>,
}

impl<S> Clone for Blocking<S> {
    fn clone(&self) -> Self {
        Blocking {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Store + 'static> Blocking<S> {
    /// Wraps `store`.
    pub fn new(store: S) -> Self {
        Blocking {
            inner: Arc::new(store),
        }
    }

    /// The blocking store inside (for a sweep from a thread of its own, or
    /// tests).
    pub fn inner(&self) -> &S {
        &self.inner
    }

    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Database(format!("a store task failed: {e}")))?
    }
}

impl<S: Store + 'static> AsyncStore for Blocking<S> {
    async fn get(&self, key: String) -> Result<Option<crate::Row>, StoreError> {
        self.call(move |s| s.get(&key)).await
    }
    async fn load(&self, keys: Vec<String>) -> Result<Records, StoreError> {
        self.call(move |s| s.load(&keys)).await
    }
    async fn commit(
        &self,
        writes: Vec<FlowWrite>,
        outbox: Option<OutboxRow>,
    ) -> Result<Committed, StoreError> {
        self.call(move |s| s.commit(&writes, outbox.as_ref())).await
    }
    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.call(move |s| s.claim_outbox(now, lease, limit)).await
    }
    async fn delete_outbox(&self, step_id: String) -> Result<bool, StoreError> {
        self.call(move |s| s.delete_outbox(&step_id)).await
    }
    async fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        self.call(move |s| s.purge_expired(now, limit)).await
    }
    async fn counts(&self) -> Result<Counts, StoreError> {
        self.call(Store::counts).await
    }
}

/// One user submission, owned (it crosses to the blocking pool).
#[derive(Debug, Clone)]
pub struct OwnedRequest {
    /// The flow's key.
    pub flow_key: String,
    /// The client secret the flow was started with.
    pub client_secret: String,
    /// The token of the view the input answers.
    pub token: String,
    /// The input.
    pub input: Input,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RunError> + Send + 'static,
) -> Result<T, RunError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RunError::Store(StoreError::Database(format!("an engine task failed: {e}"))))?
}

/// Commits a step's writes with its outbox row (effects sealed).
///
/// # Errors
/// As [`commit_step`](crate::commit_step).
pub async fn commit_step_async<S: AsyncStore + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    step: &FlowStep,
    now: Timestamp,
) -> Result<Committed, RunError> {
    if step.writes.is_empty() && step.effects.is_empty() {
        return Ok(Committed::Done);
    }
    let row = outbox_row(engine, step, now, &mut rand::rng())?;
    Ok(store.commit(step.writes.clone(), row).await?)
}

/// [`run`](crate::run), async: one user submission through the host loop.
///
/// # Errors
/// As [`run`](crate::run).
pub async fn run_async<S: AsyncStore + ?Sized>(
    engine: &Arc<FlowEngine>,
    store: &S,
    request: &OwnedRequest,
    now: Timestamp,
) -> Result<Ran, RunError> {
    let mut lp = Loop::new(RunOptions::default());
    loop {
        let loaded = store.load(with_flow(&request.flow_key, &lp.keys)).await?;
        let (flow, records) = split_flow(&request.flow_key, loaded)?;
        let (e, req) = (engine.clone(), request.clone());
        let ticket = lp.ticket.as_ref().map(|t| t.expose().to_owned());
        let step = blocking(move || {
            let submit = Submit {
                client_secret: &req.client_secret,
                token: &req.token,
                input: &req.input,
                ticket: ticket.as_deref(),
            };
            Ok(e.advance(&flow, &submit, &records, now, &mut rand::rng())?)
        })
        .await?;
        let committed = commit_step_async(engine, store, &step, now).await?;
        if let Some(ran) = lp.after(step, &committed)? {
            return Ok(ran);
        }
        if let Some(wait) = lp.backoff() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// [`start`](crate::start), async.
///
/// # Errors
/// As [`start`](crate::start).
pub async fn start_async<S: AsyncStore + ?Sized>(
    engine: &Arc<FlowEngine>,
    store: &S,
    kind: FlowKind,
    context: StartContext,
    now: Timestamp,
) -> Result<Started, RunError> {
    let started = engine.start(kind, &context, now, &mut rand::rng())?;
    match commit_step_async(engine, store, &started.step, now).await? {
        Committed::Done => Ok(started),
        Committed::Conflict { key } => Err(RunError::Taken { key }),
    }
}

/// [`provision`](crate::provision), async: the password is hashed on the
/// blocking pool.
///
/// # Errors
/// As [`provision`](crate::provision).
pub async fn provision_async<S: AsyncStore + ?Sized>(
    engine: &Arc<FlowEngine>,
    store: &S,
    new: NewAccount,
    password: Option<String>,
    now: Timestamp,
) -> Result<FlowStep, RunError> {
    let password = Arc::new(password.map(zeroize::Zeroizing::new));
    let new = Arc::new(new);
    let mut lp = Loop::for_fact(RunOptions::default());
    loop {
        let records = store.load(lp.keys.clone()).await?;
        let (e, n, p) = (engine.clone(), new.clone(), password.clone());
        let step = blocking(move || {
            Ok(e.provision(
                &n,
                p.as_deref().map(String::as_str),
                &records,
                now,
                &mut rand::rng(),
            )?)
        })
        .await?;
        let committed = commit_step_async(engine, store, &step, now).await?;
        let taken = match &committed {
            Committed::Conflict { key } => store.get(key.clone()).await?.is_some(),
            Committed::Done => false,
        };
        let committed = provisioned(committed, taken)?;
        if let Some(ran) = lp.after(step, &committed)? {
            return Ok(ran.step);
        }
        if let Some(wait) = lp.backoff() {
            tokio::time::sleep(wait).await;
        }
    }
}
