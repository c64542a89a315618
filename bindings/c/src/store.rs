//! `varco-store` in C: a store (SQLite file, PostgreSQL, or memory) that
//! runs the host loop, so a C program does not write it.
//!
//! Each call is one request: the loop loads what the engine asks for,
//! commits each step with its outbox row (compare-and-swap, retried on
//! conflict) and gives back a step to read with the `varco_step_*`
//! accessors: its outcome and view (and, for a start, its flow key and
//! client secret). It has no writes and no effects: the writes are
//! committed, and the effects wait in the outbox until a sender takes
//! them with [`varco_store_claim_outbox`].

use std::ffi::c_int;

use ::varco_store::{RunError, StoreError};
use varco::flow::{Actor, Command, FlowKind, HostFact, NewAccount, Requirement, SessionGrant};
use zeroize::Zeroizing;

use crate::ffi::{
    OrFail, at_ms, fail, free, give, guard, handle, opt_text, out_ptr, parse, put, refuse, text,
    write_out,
};
use crate::flow::{level_of, start_context, varco_engine, varco_input};
use crate::result::varco_result;
use crate::step::{give_step, json, varco_step};

/// A store for the flows' records and their outbox. Thread-safe: share
/// one per process. Made by [`varco_store_open`], released with
/// [`varco_store_free`].
#[allow(non_camel_case_types)]
pub struct varco_store {
    inner: Box<dyn ::varco_store::Store>,
}

/// A store failure as a result code, its message recorded.
fn store_failed(e: &StoreError) -> varco_result {
    let code = match e {
        StoreError::Invalid(_) => varco_result::VARCO_INVALID_INPUT,
        StoreError::SchemaTooNew { .. } => varco_result::VARCO_INVALID_CONFIG,
        _ => varco_result::VARCO_STORE_FAILED,
    };
    refuse(code, &format!("store: {e}"))
}

/// A host loop's failure as a result code, its message recorded.
fn run_failed(e: RunError) -> varco_result {
    match e {
        RunError::Engine(e) => fail(e),
        RunError::Store(e) => store_failed(&e),
        RunError::UnknownFlow => refuse(
            varco_result::VARCO_UNKNOWN_FLOW,
            "unknown_flow: no flow at this key (never started, or expired): start a new one",
        ),
        RunError::Conflicts { conflicts } => refuse(
            varco_result::VARCO_STORE_BUSY,
            &format!(
                "busy: {conflicts} commit conflicts in a row; nothing was committed, submit again"
            ),
        ),
        RunError::Taken { key } => refuse(
            varco_result::VARCO_TAKEN,
            &format!("taken: a new record's key is taken: {key}"),
        ),
        other => refuse(varco_result::VARCO_INTERNAL, &format!("internal: {other}")),
    }
}

trait OrStore<T> {
    fn or_store(self) -> Result<T, varco_result>;
}

impl<T> OrStore<T> for Result<T, RunError> {
    fn or_store(self) -> Result<T, varco_result> {
        self.map_err(run_failed)
    }
}

impl<T> OrStore<T> for Result<T, StoreError> {
    fn or_store(self) -> Result<T, varco_result> {
        self.map_err(|e| store_failed(&e))
    }
}

/// The answer to a request as a step: its outcome and view only.
fn answered(step: &varco::flow::FlowStep) -> varco_step {
    let mut s = varco_step::new(json(&step.outcome), None);
    s.view = step.view.as_ref().map(json);
    s
}

/// A started flow as a step: outcome, view, flow key, client secret.
unsafe fn give_started(
    out: *mut *mut varco_step,
    started: varco::flow::Started,
) -> Result<(), varco_result> {
    let mut s = answered(&started.step);
    s.flow_key = Some(started.flow_key);
    s.secret = Some(Zeroizing::new(started.client_secret.expose().to_owned()));
    unsafe { give_step(out, s) }
}

/// Opens the store `name` names: a PostgreSQL connection string
/// (`postgresql://…`, or `host=… dbname=…`), `:memory:` (empty, gone with
/// the process), or the path of a SQLite file (created with its schema if
/// missing). `VARCO_STORE_FAILED` when the database cannot be opened;
/// the message never holds the connection string. Free with
/// [`varco_store_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_open(
    name: *const u8,
    name_len: usize,
    out: *mut *mut varco_store,
) -> varco_result {
    guard(|| {
        let name = unsafe { text(name, name_len, "name") }?;
        out_ptr(out, "out")?;
        let inner = ::varco_store::open(name).or_store()?;
        unsafe { give(out, varco_store { inner }) }
    })
}

/// Releases a store (its connections close). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_free(store: *mut varco_store) {
    let _ = guard(|| {
        unsafe { free(store) };
        Ok(())
    });
}

/// Starts a flow of `kind` and stores it; the arguments as in
/// `varco_engine_start`. `*out` gets a step with the outcome, the view,
/// the flow's key and the client secret. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_start(
    store: *const varco_store,
    engine: *const varco_engine,
    kind: *const u8,
    kind_len: usize,
    source: *const u8,
    source_len: usize,
    device: *const u8,
    device_len: usize,
    place: *const u8,
    place_len: usize,
    remember_device: c_int,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let kind: FlowKind = parse(unsafe { text(kind, kind_len, "kind") }?)?;
        let ctx = unsafe {
            start_context(
                source,
                source_len,
                device,
                device_len,
                place,
                place_len,
                remember_device,
            )
        }?;
        out_ptr(out, "out")?;
        let started = ::varco_store::start(
            &e.inner,
            &*st.inner,
            kind,
            &ctx,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        unsafe { give_started(out, started) }
    })
}

/// Starts a flow from a signed-in session's `grant` and stores it; the
/// arguments as in `varco_engine_start_from_grant`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_start_from_grant(
    store: *const varco_store,
    engine: *const varco_engine,
    kind: *const u8,
    kind_len: usize,
    grant: *const u8,
    grant_len: usize,
    level: c_int,
    source: *const u8,
    source_len: usize,
    device: *const u8,
    device_len: usize,
    place: *const u8,
    place_len: usize,
    remember_device: c_int,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let kind: FlowKind = parse(unsafe { text(kind, kind_len, "kind") }?)?;
        let grant =
            SessionGrant::from_json(unsafe { text(grant, grant_len, "grant") }?).or_fail()?;
        let ctx = unsafe {
            start_context(
                source,
                source_len,
                device,
                device_len,
                place,
                place_len,
                remember_device,
            )
        }?;
        let required = Requirement::new(None, level_of(level)?).or_fail()?;
        out_ptr(out, "out")?;
        let started = ::varco_store::start_from_grant(
            &e.inner,
            &*st.inner,
            kind,
            &grant,
            &required,
            &ctx,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        unsafe { give_started(out, started) }
    })
}

/// One user input to the flow at `flow_key`, with the client's secret and
/// the token of the view it answers, through the whole host loop. `*out`
/// gets the answer (outcome and view). `VARCO_UNKNOWN_FLOW` for a flow
/// never started or swept; `VARCO_STORE_BUSY` when other requests kept
/// changing the same records (nothing committed: submit again).
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_advance(
    store: *const varco_store,
    engine: *const varco_engine,
    flow_key: *const u8,
    flow_key_len: usize,
    client_secret: *const u8,
    client_secret_len: usize,
    token: *const u8,
    token_len: usize,
    input: *const varco_input,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let flow_key = unsafe { text(flow_key, flow_key_len, "flow_key") }?;
        let secret = unsafe { text(client_secret, client_secret_len, "client_secret") }?;
        let token = unsafe { text(token, token_len, "token") }?;
        let input = unsafe { handle(input, "input") }?.to_core()?;
        out_ptr(out, "out")?;
        let request = ::varco_store::Request {
            flow_key,
            client_secret: secret,
            token,
            input: &input,
        };
        let ran = ::varco_store::run(
            &e.inner,
            &*st.inner,
            &request,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        unsafe { give_step(out, answered(&ran.step)) }
    })
}

/// A fact only the host knows (JSON, as `varco_engine_answer` takes it),
/// about the view whose token is `token` (NULL: the flow's current view).
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_answer(
    store: *const varco_store,
    engine: *const varco_engine,
    flow_key: *const u8,
    flow_key_len: usize,
    token: *const u8,
    token_len: usize,
    fact: *const u8,
    fact_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let flow_key = unsafe { text(flow_key, flow_key_len, "flow_key") }?;
        let token = unsafe { opt_text(token, token_len, "token") }?;
        let fact = HostFact::from_json(unsafe { text(fact, fact_len, "fact") }?).or_fail()?;
        out_ptr(out, "out")?;
        let ran = ::varco_store::answer(
            &e.inner,
            &*st.inner,
            flow_key,
            token,
            &fact,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        unsafe { give_step(out, answered(&ran.step)) }
    })
}

/// A command (actor and command as JSON, as `varco_engine_command` takes
/// them), on the records it names, loaded as the engine asks. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_command(
    store: *const varco_store,
    engine: *const varco_engine,
    actor: *const u8,
    actor_len: usize,
    command: *const u8,
    command_len: usize,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let actor = Actor::from_json(unsafe { text(actor, actor_len, "actor") }?).or_fail()?;
        let command =
            Command::from_json(unsafe { text(command, command_len, "command") }?).or_fail()?;
        out_ptr(out, "out")?;
        let ran = ::varco_store::command(
            &e.inner,
            &*st.inner,
            &actor,
            &command,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        unsafe { give_step(out, answered(&ran.step)) }
    })
}

/// Creates an account (JSON, as `varco_engine_provision` takes it) with
/// its password (NULL for none), claims first. `VARCO_TAKEN` when its id
/// or an identifier is taken; nothing is written then. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_provision(
    store: *const varco_store,
    engine: *const varco_engine,
    account: *const u8,
    account_len: usize,
    password: *const u8,
    password_len: usize,
    now_ms: i64,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        let new =
            NewAccount::from_json(unsafe { text(account, account_len, "account") }?).or_fail()?;
        let password = unsafe { opt_text(password, password_len, "password") }?;
        let _created = ::varco_store::provision(
            &e.inner,
            &*st.inner,
            &new,
            password,
            at_ms(now_ms)?,
            &mut rand::rng(),
        )
        .or_store()?;
        Ok(())
    })
}

/// The record at `key` (an account, to check a session against) into
/// `buf`, and its revision into `*revision`; an absent record is
/// `VARCO_OK` with `*revision` 0 and `*written` 0. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_get(
    store: *const varco_store,
    key: *const u8,
    key_len: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
    revision: *mut i64,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let key = unsafe { text(key, key_len, "key") }?;
        out_ptr(written, "written")?;
        out_ptr(revision, "revision")?;
        let row = st.inner.get(key).or_store()?;
        let (text, rev) = row.map_or((String::new(), 0), |r| {
            (r.json, i64::try_from(r.revision).unwrap_or(i64::MAX))
        });
        unsafe { write_out(text.as_bytes(), buf, cap, written) }?;
        unsafe { put(revision, rev) };
        Ok(())
    })
}

/// Claims the oldest outbox row that no sender holds, for `lease_ms`,
/// opened: `*out` gets a step whose effects (`varco_step_effect_count`,
/// `varco_step_effect`) are the row's, in order, and whose
/// `varco_step_outbox_id` is its step id; `*out` is NULL when none is
/// due. Send effect `i` with the idempotency key `<step id>/<i>`, then
/// call [`varco_store_outbox_sent`]; unsent, the row comes back after its
/// lease (delivery is at least once). A row that does not open (altered,
/// or sealed under a key the engine no longer holds) is
/// `VARCO_UNUSABLE_RECORD`, its step id in the message: it stays claimed
/// for its lease, so the next call gets the next row. Free `*out` with
/// `varco_step_free`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_claim_outbox(
    store: *const varco_store,
    engine: *const varco_engine,
    now_ms: i64,
    lease_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let e = unsafe { handle(engine, "engine") }?;
        out_ptr(out, "out")?;
        let lease = u64::try_from(lease_ms)
            .map_err(|_| fail(varco::Error::InvalidInput("lease_ms is negative".into())))?;
        let now = at_ms(now_ms)?;
        let rows = st
            .inner
            .claim_outbox(now, std::time::Duration::from_millis(lease), 1)
            .or_store()?;
        let Some(row) = rows.into_iter().next() else {
            unsafe { put(out, std::ptr::null_mut()) };
            return Ok(());
        };
        let effects = e
            .inner
            .open_outbox(&row.effects, &row.step_id)
            .map_err(|err| {
                let code = fail(err);
                crate::result::set_last_error(
                    format!("outbox row {} does not open: seal", row.step_id),
                    Some(varco::ErrorCode::Seal),
                );
                code
            })?;
        let mut step = varco_step::new("{}".into(), None).with_effects(effects);
        step.outbox = Some((row.step_id, String::new()));
        unsafe { give_step(out, step) }
    })
}

/// Marks a claimed row sent (deletes it): `*deleted` is 1, or 0 if it was
/// gone already. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_outbox_sent(
    store: *const varco_store,
    step_id: *const u8,
    step_id_len: usize,
    deleted: *mut c_int,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        let id = unsafe { text(step_id, step_id_len, "step_id") }?;
        out_ptr(deleted, "deleted")?;
        let gone = st.inner.delete_outbox(id).or_store()?;
        unsafe { put(deleted, c_int::from(gone)) };
        Ok(())
    })
}

/// Deletes every record that has expired by `now_ms` (flows, challenges):
/// run it on a schedule. `*deleted` gets how many. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_store_sweep(
    store: *const varco_store,
    now_ms: i64,
    deleted: *mut u64,
) -> varco_result {
    guard(|| {
        let st = unsafe { handle(store, "store") }?;
        out_ptr(deleted, "deleted")?;
        let n = ::varco_store::sweep(&*st.inner, at_ms(now_ms)?).or_store()?;
        unsafe { put(deleted, n) };
        Ok(())
    })
}
