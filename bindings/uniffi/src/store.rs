//! `varco-store` for Kotlin, Swift and Python: a store (SQLite file,
//! PostgreSQL, or memory) that runs the host loop, so an app or a server
//! in another language does not write it.
//!
//! Each call is one request: the loop loads what the engine asks for,
//! commits each step with its outbox row (compare-and-swap, retried on
//! conflict), and returns what to show. The effects (SMS, email, audit)
//! wait in the outbox: a sender takes them with `claim_outbox`, sends
//! each with its idempotency key, and marks the row sent.

use std::sync::Arc;

use varco::flow::{
    FlowKind, FlowOutcome, HostFact, Requirement, SessionCheck, SessionGrant, StartContext, View,
};
use varco_store::{RunError, StoreError};

use crate::at_ms;
use crate::effect::Effect;
use crate::error::{StoreErrorCode, VarcoError};
use crate::flow::Command;
use crate::flow::{Actor, FlowEngine, FlowInput, NewAccount};
use crate::secret::{SecretText, secret};

/// A store for the flows' records and their outbox: a SQLite file (the
/// embedded default), a PostgreSQL database shared by many servers, or
/// memory. Thread-safe: share one per process. Its string form never
/// shows the connection string (it may hold a password).
#[derive(uniffi::Object)]
pub struct Store {
    inner: Box<dyn varco_store::Store>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store(<redacted>)")
    }
}

/// What a request through the store ends with: what happened, what to
/// show, and how many commit conflicts the loop met (and retried) on the
/// way. The step's effects are in the outbox.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoreReply {
    /// What happened.
    pub outcome: FlowOutcome,
    /// What to show.
    pub view: Option<View>,
    /// Commit conflicts retried.
    pub conflicts: u32,
}

/// A flow started and stored: its key and the client secret to give the
/// client, with what happened and what to show.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoreStarted {
    /// `flow/<id>`.
    pub flow_key: String,
    /// The client secret (an HTTP-only cookie, the app's memory).
    pub client_secret: Arc<SecretText>,
    /// What happened (`started`, or `ended` for a grant too old).
    pub outcome: FlowOutcome,
    /// What to show.
    pub view: Option<View>,
}

/// A record as stored.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoredRecord {
    /// Its revision (1 for a new record).
    pub revision: i64,
    /// Its stored text.
    pub record: String,
    /// When it ends by itself, if it does.
    pub expires_at: Option<varco::Timestamp>,
}

/// One effect of a claimed outbox row, with its idempotency key.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutboxDelivery {
    /// `<step id>/<index>`: give it to the SMS or mail provider, or check
    /// it against what was sent, so a repeat sends nothing.
    pub idempotency_key: String,
    /// The effect.
    pub effect: Effect,
}

/// An outbox row claimed for sending: send every effect in order, then
/// call `Store.outbox_sent` with its step id. Unsent, it comes back
/// after its lease.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClaimedRow {
    /// The step's id.
    pub step_id: String,
    /// When the step was committed.
    pub created_at: varco::Timestamp,
    /// Its effects, in order; empty when `unreadable`.
    pub deliveries: Vec<OutboxDelivery>,
    /// The row does not open (altered, or sealed under a key the engine
    /// no longer holds): leave it for an operator, do not mark it sent.
    pub unreadable: bool,
}

/// How many rows a store holds.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct StoreCounts {
    /// Records.
    pub records: u64,
    /// Of which expire.
    pub expiring: u64,
    /// Outbox rows not yet sent.
    pub outbox: u64,
}

impl From<RunError> for VarcoError {
    fn from(e: RunError) -> Self {
        let detail = e.to_string();
        let code = match e {
            RunError::Engine(e) => return e.into(),
            RunError::Store(e) => return e.into(),
            RunError::UnknownFlow => StoreErrorCode::UnknownFlow,
            RunError::Conflicts { .. } => StoreErrorCode::Busy,
            RunError::Taken { .. } => StoreErrorCode::Taken,
            _ => StoreErrorCode::Unsettled,
        };
        VarcoError::Store { code, detail }
    }
}

impl From<StoreError> for VarcoError {
    fn from(e: StoreError) -> Self {
        let detail = e.to_string();
        let code = match e {
            StoreError::Invalid(_) => StoreErrorCode::Invalid,
            StoreError::SchemaTooNew { .. } => StoreErrorCode::SchemaTooNew,
            _ => StoreErrorCode::Database,
        };
        VarcoError::Store { code, detail }
    }
}

fn reply(ran: varco_store::Ran) -> StoreReply {
    StoreReply {
        outcome: ran.step.outcome,
        view: ran.step.view,
        conflicts: ran.conflicts,
    }
}

fn started(s: varco::flow::Started) -> StoreStarted {
    StoreStarted {
        flow_key: s.flow_key,
        client_secret: secret(zeroize::Zeroizing::new(s.client_secret.expose().to_owned())),
        outcome: s.step.outcome,
        view: s.step.view,
    }
}

fn context(
    source: Option<String>,
    device: Option<String>,
    place_json: Option<&str>,
    remember_device: bool,
) -> Result<StartContext, VarcoError> {
    Ok(StartContext {
        source,
        device,
        place: place_json.map(varco::guard::Place::from_json).transpose()?,
        remember_device,
    })
}

fn non_negative(ms: i64, what: &str) -> Result<u64, VarcoError> {
    u64::try_from(ms).map_err(|_| varco::Error::InvalidInput(format!("{what} is negative")).into())
}

#[uniffi::export]
impl Store {
    /// Opens the store `name` names: a PostgreSQL connection string
    /// (`postgresql://…`, or `host=… dbname=…`), `:memory:` (empty, gone
    /// with the process), or the path of a SQLite file (created with its
    /// schema if missing).
    #[uniffi::constructor]
    pub fn open(name: String) -> Result<Arc<Self>, VarcoError> {
        Ok(Arc::new(Store {
            inner: varco_store::open(&name)?,
        }))
    }

    /// Starts a flow and stores it (`start` on the engine, committed).
    /// `source`, `device`, `place_json` and `remember_device` as there.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &self,
        engine: &FlowEngine,
        kind: FlowKind,
        source: Option<String>,
        device: Option<String>,
        place_json: Option<String>,
        remember_device: bool,
        now_ms: i64,
    ) -> Result<StoreStarted, VarcoError> {
        let ctx = context(source, device, place_json.as_deref(), remember_device)?;
        Ok(started(varco_store::start(
            &engine.inner,
            &*self.inner,
            kind,
            &ctx,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?))
    }

    /// Starts a flow from a signed-in session's grant and stores it
    /// (`start_from_grant` on the engine, committed).
    #[allow(clippy::too_many_arguments)]
    pub fn start_from_grant(
        &self,
        engine: &FlowEngine,
        kind: FlowKind,
        grant: SessionGrant,
        level: u8,
        source: Option<String>,
        device: Option<String>,
        place_json: Option<String>,
        remember_device: bool,
        now_ms: i64,
    ) -> Result<StoreStarted, VarcoError> {
        let ctx = context(source, device, place_json.as_deref(), remember_device)?;
        let required = Requirement::new(None, level)?;
        Ok(started(varco_store::start_from_grant(
            &engine.inner,
            &*self.inner,
            kind,
            &grant,
            &required,
            &ctx,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?))
    }

    /// One user input to the flow at `flow_key`, through the whole host
    /// loop.
    pub fn advance(
        &self,
        engine: &FlowEngine,
        flow_key: String,
        client_secret: Arc<SecretText>,
        token: String,
        input: FlowInput,
        now_ms: i64,
    ) -> Result<StoreReply, VarcoError> {
        let input = input.to_core();
        let secret = client_secret.to_core();
        let request = varco_store::Request {
            flow_key: &flow_key,
            client_secret: secret.expose(),
            token: &token,
            input: &input,
        };
        Ok(reply(varco_store::run(
            &engine.inner,
            &*self.inner,
            &request,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?))
    }

    /// A fact only the host knows, about the view whose token is `token`
    /// (`None`: the flow's current view).
    pub fn answer(
        &self,
        engine: &FlowEngine,
        flow_key: String,
        token: Option<String>,
        fact: HostFact,
        now_ms: i64,
    ) -> Result<StoreReply, VarcoError> {
        Ok(reply(varco_store::answer(
            &engine.inner,
            &*self.inner,
            &flow_key,
            token.as_deref(),
            &fact,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?))
    }

    /// A command (an operator's block, a forced reset, the host's report
    /// of a subscription, a cease resolved), on the records it names.
    pub fn command(
        &self,
        engine: &FlowEngine,
        actor: Actor,
        command: Command,
        now_ms: i64,
    ) -> Result<StoreReply, VarcoError> {
        Ok(reply(varco_store::command(
            &engine.inner,
            &*self.inner,
            &actor.into_core(),
            &command.to_core(),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?))
    }

    /// Creates an account: its claims and the account, its password
    /// hashed by the engine. Fails with `Store { code: Taken }` when the
    /// id or an identifier is taken.
    pub fn provision(
        &self,
        engine: &FlowEngine,
        account: NewAccount,
        password: Option<Arc<SecretText>>,
        now_ms: i64,
    ) -> Result<(), VarcoError> {
        let new = account.into_core();
        let password = password.map(|p| p.to_core());
        let _created = varco_store::provision(
            &engine.inner,
            &*self.inner,
            &new,
            password.as_ref().map(varco::SecretString::expose),
            at_ms(now_ms)?,
            &mut rand::rng(),
        )?;
        Ok(())
    }

    /// The record at `key`, if any (an account, to check a session
    /// against).
    pub fn get(&self, key: String) -> Result<Option<StoredRecord>, VarcoError> {
        Ok(self.inner.get(&key)?.map(|row| StoredRecord {
            revision: i64::try_from(row.revision).unwrap_or(i64::MAX),
            record: row.json,
            expires_at: row.expires_at,
        }))
    }

    /// Whether `grant` still holds for its account as stored now (a
    /// missing account: revoked); with `max_age_ms` and `min_level` as in
    /// `FlowEngine.check_session`.
    pub fn check_session(
        &self,
        engine: &FlowEngine,
        grant: SessionGrant,
        now_ms: i64,
        max_age_ms: Option<i64>,
        min_level: u8,
    ) -> Result<SessionCheck, VarcoError> {
        match self.inner.get(&grant.account_key())? {
            // The account is gone: nothing of it holds.
            None => Ok(SessionCheck::Revoked),
            Some(row) => engine.check_session(grant, row.json, now_ms, max_age_ms, min_level),
        }
    }

    /// Claims up to `limit` outbox rows that no sender holds, for
    /// `lease_ms`, opened for sending. Send each row's effects in order,
    /// then `outbox_sent`; delivery is at least once.
    pub fn claim_outbox(
        &self,
        engine: &FlowEngine,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedRow>, VarcoError> {
        let lease = std::time::Duration::from_millis(non_negative(lease_ms, "lease_ms")?);
        let rows = self.inner.claim_outbox(
            at_ms(now_ms)?,
            lease,
            usize::try_from(limit).unwrap_or(usize::MAX),
        )?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let opened = engine.inner.open_outbox(&row.effects, &row.step_id);
                let unreadable = opened.is_err();
                let deliveries = opened
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| OutboxDelivery {
                        idempotency_key: varco::outbox::idempotency_key(&row.step_id, i),
                        effect: Effect::from(e),
                    })
                    .collect();
                ClaimedRow {
                    step_id: row.step_id,
                    created_at: row.created_at,
                    deliveries,
                    unreadable,
                }
            })
            .collect())
    }

    /// Marks a claimed row sent (deletes it); `false` if it was gone.
    pub fn outbox_sent(&self, step_id: String) -> Result<bool, VarcoError> {
        Ok(self.inner.delete_outbox(&step_id)?)
    }

    /// Deletes every record that has expired by `now_ms` (flows,
    /// challenges): run it on a schedule. How many it deleted.
    pub fn sweep(&self, now_ms: i64) -> Result<u64, VarcoError> {
        Ok(varco_store::sweep(&*self.inner, at_ms(now_ms)?)?)
    }

    /// How many rows the store holds.
    pub fn counts(&self) -> Result<StoreCounts, VarcoError> {
        let c = self.inner.counts()?;
        Ok(StoreCounts {
            records: c.records,
            expiring: c.expiring,
            outbox: c.outbox,
        })
    }
}
