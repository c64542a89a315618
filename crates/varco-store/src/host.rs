//! The host loop of ENGINE §4 as functions, so that a Rust host does not
//! write it: [`start`] a flow, [`run`] one user submission through it,
//! [`answer`] a host fact, [`command`] an operator's or the host's
//! command, [`provision`] an account.
//!
//! ```text
//! load the flow and the records the engine asked for
//! step = advance(flow, secret, token, input, records, now, rng)
//! commit step.writes atomically with the step's outbox row
//!   conflict               -> reload, advance again (bounded: RunError::Conflicts)
//! then Load(keys)          -> load them too, advance again
//! then CommitAndRepeat(t)  -> reload, advance again with the same input and t
//! then Respond             -> return the step; its effects are in the outbox
//! ```
//!
//! The effects are sent after the reply, by a sender that drains the
//! outbox ([`deliver`](crate::deliver)), so that an answer takes the same
//! time for a known and an unknown account.

use rand_core::CryptoRng;
use varco::Timestamp;
use varco::flow::{
    Actor, Command, Flow, FlowEngine, FlowKind, FlowStep, HostFact, Input, NewAccount, Records,
    Requirement, SessionGrant, StartContext, Started, Submit, Then,
};
use varco::record::Stored;

use crate::{Committed, OutboxRow, Store, StoreError};

/// Why a request through the host loop did not give a step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The engine refused the call (a malformed record, a bad input, a
    /// record of a newer version than this engine knows); nothing was
    /// written.
    #[error("engine: {0}")]
    Engine(#[from] varco::Error),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// There is no flow at this key (never started, or expired and swept):
    /// start a new one.
    #[error("no flow at this key")]
    UnknownFlow,
    /// Every try met a commit conflict: other requests kept changing the
    /// same records. Nothing of this request was committed by the last
    /// try; the client may submit again.
    #[error("gave up after {conflicts} commit conflicts in a row")]
    Conflicts {
        /// How many.
        conflicts: u32,
    },
    /// The engine kept asking for more (a bug, or records changing under
    /// it without conflicts): the loop stopped after this many calls.
    #[error("the host loop did not settle after {calls} engine calls")]
    Unsettled {
        /// How many calls it made.
        calls: u32,
    },
    /// A new record's key was taken (a flow id drawn twice, an account
    /// id or identifier already claimed).
    #[error("a new record's key is taken: {key}")]
    Taken {
        /// The key.
        key: String,
    },
}

/// The host loop's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Conflicts in a row before [`RunError::Conflicts`].
    pub max_conflicts: u32,
    /// The first wait after a conflict, doubled for each further conflict
    /// in a row (up to 64 times this) and drawn at random below that, so
    /// that requests racing for one account stop retrying in lockstep.
    /// Zero retries at once.
    pub backoff: std::time::Duration,
    /// Engine calls before [`RunError::Unsettled`] (a sign-in takes three
    /// to five).
    pub max_calls: u32,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_conflicts: 64,
            backoff: std::time::Duration::from_micros(100),
            max_calls: 256,
        }
    }
}

/// One user submission, as the client sends it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The flow's key ([`Started::flow_key`]).
    pub flow_key: &'a str,
    /// The client secret the flow was started with.
    pub client_secret: &'a str,
    /// The token of the view the input answers ([`View::token`](varco::flow::View::token)).
    pub token: &'a str,
    /// The input.
    pub input: &'a Input,
}

/// What the host loop ended with.
#[derive(Debug)]
pub struct Ran {
    /// The last step: its outcome and view are the answer; its effects
    /// (and those of the steps before it) are in the outbox.
    pub step: FlowStep,
    /// Commit conflicts met on the way (retried).
    pub conflicts: u32,
    /// Engine calls made.
    pub calls: u32,
}

/// Starts a flow and commits it: the client gets
/// [`Started::client_secret`] and the step's view.
///
/// # Errors
/// [`RunError::Engine`] for the engine's refusals; [`RunError::Store`];
/// [`RunError::Taken`] if the drawn flow id exists (it never does).
pub fn start<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    kind: FlowKind,
    context: &StartContext,
    now: Timestamp,
    rng: &mut R,
) -> Result<Started, RunError> {
    let started = engine.start(kind, context, now, rng)?;
    commit_new(engine, store, &started.step, now, rng)?;
    Ok(started)
}

/// Starts a flow from a signed-in session's grant (a step-up, a password
/// change, a recovery mobile enrollment) and commits it. A grant too old
/// or too weak for `required` starts a flow that has already ended
/// (`reauth_required`), as the engine decides.
///
/// # Errors
/// As [`start`].
#[allow(clippy::too_many_arguments)]
pub fn start_from_grant<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    kind: FlowKind,
    grant: &SessionGrant,
    required: &Requirement,
    context: &StartContext,
    now: Timestamp,
    rng: &mut R,
) -> Result<Started, RunError> {
    let started = engine.start_from_grant(kind, grant, required, context, now, rng)?;
    commit_new(engine, store, &started.step, now, rng)?;
    Ok(started)
}

/// Stores a new account: its claims (each must not exist), its hints
/// (loaded as the engine asks, each a compare-and-swap) and the account,
/// with its password hashed by the engine. A hint that another account
/// joined meanwhile is loaded again and the account provisioned again.
///
/// # Errors
/// [`RunError::Engine`] for an account the engine refuses;
/// [`RunError::Taken`] when the id or an identifier is claimed already.
pub fn provision<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    new: &NewAccount,
    password: Option<&str>,
    now: Timestamp,
    rng: &mut R,
) -> Result<FlowStep, RunError> {
    let mut lp = Loop::for_fact(RunOptions::default());
    loop {
        let records = store.load(&lp.keys)?;
        let step = engine.provision(new, password, &records, now, rng)?;
        let committed = commit_step(engine, store, &step, now, rng)?;
        let taken = match &committed {
            Committed::Conflict { key } => store.get(key)?.is_some(),
            Committed::Done => false,
        };
        if let Some(ran) = lp.after(step, &provisioned(committed, taken)?)? {
            return Ok(ran.step);
        }
        if let Some(wait) = lp.backoff() {
            std::thread::sleep(wait);
        }
    }
}

/// A provisioning's commit: a conflict on a claim or the account that
/// exists (`taken`) is [`RunError::Taken`]; one on a hint (shared by
/// accounts), or one that names a key still absent, is retried. The last
/// is a conflict no write caused: PostgreSQL's deadlock or serialization
/// failure names no key, and the store reports the commit's first, which
/// for a provisioning is a claim.
pub(crate) fn provisioned(committed: Committed, taken: bool) -> Result<Committed, RunError> {
    match committed {
        Committed::Conflict { key } if taken && !key.starts_with("hint/") => {
            Err(RunError::Taken { key })
        }
        other => Ok(other),
    }
}

fn commit_new<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    step: &FlowStep,
    now: Timestamp,
    rng: &mut R,
) -> Result<(), RunError> {
    match commit_step(engine, store, step, now, rng)? {
        Committed::Done => Ok(()),
        Committed::Conflict { key } => Err(RunError::Taken { key }),
    }
}

/// Commits a step's writes with its outbox row (when it has effects).
///
/// # Errors
/// [`RunError::Engine`] if the effects cannot be sealed;
/// [`RunError::Store`].
pub fn commit_step<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    step: &FlowStep,
    now: Timestamp,
    rng: &mut R,
) -> Result<Committed, RunError> {
    if step.writes.is_empty() && step.effects.is_empty() {
        return Ok(Committed::Done);
    }
    let row = outbox_row(engine, step, now, rng)?;
    Ok(store.commit(&step.writes, row.as_ref())?)
}

/// The outbox row of a step ([`FlowEngine::outbox_row`]), stamped with
/// the time of its commit.
pub(crate) fn outbox_row<R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    step: &FlowStep,
    now: Timestamp,
    rng: &mut R,
) -> Result<Option<OutboxRow>, RunError> {
    Ok(engine.outbox_row(&step.effects, rng)?.map(|row| OutboxRow {
        step_id: row.step_id,
        created_at: now,
        effects: row.effects,
    }))
}

fn load_flow<S: Store + ?Sized>(store: &S, key: &str) -> Result<Stored<Flow>, RunError> {
    let row = store.get(key)?.ok_or(RunError::UnknownFlow)?;
    Ok(Stored::<Flow>::from_json(&row.json)?)
}

/// The flow and the records a step asked for, in one read (one snapshot,
/// one round trip): `keys` with the flow's key in front.
pub(crate) fn split_flow(
    flow_key: &str,
    mut records: Records,
) -> Result<(Stored<Flow>, Records), RunError> {
    let text = records
        .remove(flow_key)
        .flatten()
        .ok_or(RunError::UnknownFlow)?;
    Ok((Stored::<Flow>::from_json(&text)?, records))
}

/// The keys to read for a step: the flow's, then those the engine asked
/// for (never the flow's twice).
pub(crate) fn with_flow(flow_key: &str, keys: &[String]) -> Vec<String> {
    std::iter::once(flow_key.to_owned())
        .chain(keys.iter().filter(|k| *k != flow_key).cloned())
        .collect()
}

/// One user submission through the host loop, with the default bounds.
///
/// ```
/// use varco::flow::*;
/// use varco::hash::HashParams;
/// use varco::keys::KeyRing;
/// use varco::Timestamp;
/// use varco_store::{MemoryStore, Request, run, start};
///
/// let keys = EngineKeys {
///     codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
///     sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
///     decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
///     peppers: None,
/// };
/// let config = EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() };
/// let engine = FlowEngine::new(config, keys).unwrap();
/// let store = MemoryStore::new();
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let rng = &mut rand::rng();
/// let started = start(&engine, &store, FlowKind::Login, &StartContext::default(), now, rng).unwrap();
/// let view = started.step.view.unwrap();
/// let input = Input::Identify { identifier: "nobody".into() };
/// let request = Request { flow_key: &started.flow_key, client_secret: started.client_secret.expose(), token: &view.token, input: &input };
/// let ran = run(&engine, &store, &request, now, rng).unwrap();
/// // An unknown user is asked for a password like anyone.
/// assert_eq!(ran.step.view.unwrap().screen, Screen::Password);
/// ```
///
/// # Errors
/// See [`RunError`]: nothing of a failed try stays committed except what
/// earlier steps of the same request committed (a reservation), which is
/// what the engine's protocol expects.
pub fn run<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    request: &Request<'_>,
    now: Timestamp,
    rng: &mut R,
) -> Result<Ran, RunError> {
    run_with(engine, store, request, now, rng, RunOptions::default())
}

/// [`run`] with explicit bounds.
///
/// # Errors
/// As [`run`].
pub fn run_with<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    request: &Request<'_>,
    now: Timestamp,
    rng: &mut R,
    options: RunOptions,
) -> Result<Ran, RunError> {
    let mut lp = Loop::new(options);
    loop {
        let (flow, records) = split_flow(
            request.flow_key,
            store.load(&with_flow(request.flow_key, &lp.keys))?,
        )?;
        let submit = Submit {
            client_secret: request.client_secret,
            token: request.token,
            input: request.input,
            ticket: lp.ticket.as_ref().map(varco::flow::Secret::expose),
        };
        let step = engine.advance(&flow, &submit, &records, now, rng)?;
        let committed = commit_step(engine, store, &step, now, rng)?;
        if let Some(ran) = lp.after(step, &committed)? {
            return Ok(ran);
        }
        if let Some(wait) = lp.backoff() {
            std::thread::sleep(wait);
        }
    }
}

/// A command (an operator's block or forced reset, the host's report of
/// a subscription, a cease resolved) through the host loop: the records
/// it names are loaded as the engine asks for them, and a conflict with a
/// racing request loads them again and redoes the command on what is
/// stored now.
///
/// ```
/// # use varco::flow::*; use varco::hash::HashParams; use varco::keys::KeyRing; use varco::Timestamp;
/// use varco_store::{MemoryStore, command, provision};
/// # let keys = EngineKeys { codes: KeyRing::new("c1", vec![1; 32]).unwrap(), sealing: KeyRing::new("s1", vec![2; 32]).unwrap(), decoy: KeyRing::new("d1", vec![3; 32]).unwrap(), peppers: None };
/// # let engine = FlowEngine::new(EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() }, keys).unwrap();
/// let store = MemoryStore::new();
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let rng = &mut rand::rng();
/// let new = NewAccount::from_json(r#"{"id":"a1","username":"mario"}"#).unwrap();
/// provision(&engine, &store, &new, Some("correct horse battery"), now, rng).unwrap();
/// let block = Command::Block { account: "a1".into(), reason: "stolen phone".into() };
/// let operator = Actor::Operator { id: "op-7".into() };
/// let ran = command(&engine, &store, &operator, &block, now, rng).unwrap();
/// assert!(matches!(ran.step.outcome, FlowOutcome::Applied { .. }));
/// ```
///
/// # Errors
/// [`RunError::Engine`] for a command the engine refuses (an unknown
/// account, a transition its state does not allow); as [`run`].
pub fn command<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    actor: &Actor,
    command: &Command,
    now: Timestamp,
    rng: &mut R,
) -> Result<Ran, RunError> {
    let mut lp = Loop::for_fact(RunOptions::default());
    loop {
        let records = store.load(&lp.keys)?;
        let step = engine.command(actor, command, &records, now, rng)?;
        let committed = commit_step(engine, store, &step, now, rng)?;
        if let Some(ran) = lp.after(step, &committed)? {
            return Ok(ran);
        }
        if let Some(wait) = lp.backoff() {
            std::thread::sleep(wait);
        }
    }
}

/// The host loop's state between engine calls, shared by the blocking and
/// the async loops: the keys to load, the ticket to repeat with, and the
/// counts that bound it.
pub(crate) struct Loop {
    pub(crate) keys: Vec<String>,
    pub(crate) ticket: Option<varco::flow::Secret>,
    options: RunOptions,
    conflicts: u32,
    in_a_row: u32,
    calls: u32,
    /// `answer` takes no ticket: it settles on anything but `Load`.
    fact: bool,
}

impl Loop {
    /// How long to wait before the next try: after a conflict, a random
    /// time below `backoff × 2^(conflicts in a row - 1)` (at most 64 ×);
    /// otherwise none.
    pub(crate) fn backoff(&self) -> Option<std::time::Duration> {
        if self.in_a_row == 0 || self.options.backoff.is_zero() {
            return None;
        }
        let factor = 1u32 << (self.in_a_row - 1).min(6);
        let ceiling = self.options.backoff.saturating_mul(factor);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX).max(1);
        Some(std::time::Duration::from_nanos(
            rand::random::<u64>() % nanos,
        ))
    }
}

impl Loop {
    pub(crate) fn new(options: RunOptions) -> Self {
        Loop {
            keys: Vec::new(),
            ticket: None,
            options,
            conflicts: 0,
            in_a_row: 0,
            calls: 0,
            fact: false,
        }
    }

    pub(crate) fn for_fact(options: RunOptions) -> Self {
        Loop {
            fact: true,
            ..Loop::new(options)
        }
    }

    /// What to do after an engine call and its commit: `Some` when the
    /// request is answered, `None` to call the engine again.
    pub(crate) fn after(
        &mut self,
        step: FlowStep,
        committed: &Committed,
    ) -> Result<Option<Ran>, RunError> {
        self.calls += 1;
        match committed {
            Committed::Conflict { .. } => {
                self.conflicts += 1;
                self.in_a_row += 1;
                if self.in_a_row >= self.options.max_conflicts {
                    return Err(RunError::Conflicts {
                        conflicts: self.in_a_row,
                    });
                }
            }
            Committed::Done => {
                self.in_a_row = 0;
                match &step.then {
                    Then::Load { keys: more } => {
                        for k in more {
                            if !self.keys.contains(k) {
                                self.keys.push(k.clone());
                            }
                        }
                    }
                    Then::CommitAndRepeat { ticket } if !self.fact => {
                        self.ticket = Some(ticket.clone());
                    }
                    _ => {
                        return Ok(Some(Ran {
                            step,
                            conflicts: self.conflicts,
                            calls: self.calls,
                        }));
                    }
                }
            }
        }
        if self.calls >= self.options.max_calls {
            return Err(RunError::Unsettled { calls: self.calls });
        }
        Ok(None)
    }
}

/// A host fact (a human check passed, a payment confirmed, ...) through
/// the host loop: `token` is the view the fact is about (`None`: the
/// flow's current one).
///
/// # Errors
/// As [`run`].
pub fn answer<S: Store + ?Sized, R: CryptoRng + ?Sized>(
    engine: &FlowEngine,
    store: &S,
    flow_key: &str,
    token: Option<&str>,
    fact: &HostFact,
    now: Timestamp,
    rng: &mut R,
) -> Result<Ran, RunError> {
    let token = match token {
        Some(t) => t.to_owned(),
        None => load_flow(store, flow_key)?.body().token(),
    };
    let mut lp = Loop::for_fact(RunOptions::default());
    loop {
        let (flow, records) = split_flow(flow_key, store.load(&with_flow(flow_key, &lp.keys))?)?;
        let step = engine.answer(&flow, &token, fact, &records, now, rng)?;
        let committed = commit_step(engine, store, &step, now, rng)?;
        if let Some(ran) = lp.after(step, &committed)? {
            return Ok(ran);
        }
        if let Some(wait) = lp.backoff() {
            std::thread::sleep(wait);
        }
    }
}
