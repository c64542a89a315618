//! The flow engine (ENGINE §3-§5) in C: an engine, an input builder, a
//! record set, and the generic calls (start, advance, command, provision,
//! check a session). Every flow goes through the same functions; a step's
//! parts are read with the `varco_step_*` accessors.

use std::collections::BTreeMap;
use std::ffi::c_int;

use varco::SecretString;
use varco::flow::{
    Actor, Command, FlowEngine, FlowKind, Input, NewAccount, Records, Then, WriteOp,
};
use varco::record::{Expect, Stored};
use zeroize::Zeroizing;

use crate::ffi::{
    OrFail, at_ms, bytes, fail, free, give, guard, handle, handle_mut, opt_text, out_ptr, parse,
    put, refuse, text, write_out,
};
use crate::result::varco_result;
use crate::step::{give_step, json, varco_step};

/// What a key is for, in [`varco_engine_keys_add`].
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum varco_key_role {
    /// Keys of the codes sent by SMS or email (at least 16 bytes).
    VARCO_KEY_CODES = 0,
    /// Keys that seal stored authenticators (32 bytes).
    VARCO_KEY_SEALING = 1,
    /// The decoy key (at least 32 bytes; never rotated).
    VARCO_KEY_DECOY = 2,
    /// Password peppers.
    VARCO_KEY_PEPPER = 3,
}

/// The keys an engine is built with: per role, the first key added is
/// the current one, later ones are older keys still accepted.
#[allow(non_camel_case_types)]
#[derive(Default)]
pub struct varco_engine_keys {
    keys: [Vec<(String, Zeroizing<Vec<u8>>)>; 4],
}

/// Empty engine keys. Free with [`varco_engine_keys_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_keys_new(out: *mut *mut varco_engine_keys) -> varco_result {
    guard(|| unsafe { give(out, varco_engine_keys::default()) })
}

/// Adds a key for `role` (its bytes are copied; the caller wipes its own).
/// Not thread-safe: build the keys before sharing them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_keys_add(
    keys: *mut varco_engine_keys,
    role: varco_key_role,
    id: *const u8,
    id_len: usize,
    key: *const u8,
    key_len: usize,
) -> varco_result {
    guard(|| {
        let k = unsafe { handle_mut(keys, "keys") }?;
        let id = unsafe { text(id, id_len, "id") }?;
        let key = unsafe { bytes(key, key_len, "key") }?;
        let slot = match role as c_int {
            0..=3 => role as usize,
            _ => {
                return Err(refuse(
                    varco_result::VARCO_INVALID_INPUT,
                    "invalid_input: an unknown key role",
                ));
            }
        };
        k.keys[slot].push((id.to_owned(), Zeroizing::new(key.to_vec())));
        Ok(())
    })
}

/// Releases engine keys, wiping them. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_keys_free(keys: *mut varco_engine_keys) {
    let _ = guard(|| {
        unsafe { free(keys) };
        Ok(())
    });
}

fn ring(keys: &[(String, Zeroizing<Vec<u8>>)]) -> Result<varco::keys::KeyRing, varco_result> {
    varco::keys::KeyRing::from_list(keys.iter().map(|(id, k)| (id.as_str(), k.to_vec()))).or_fail()
}

/// The flow engine: immutable and thread-safe once built.
#[allow(non_camel_case_types)]
pub struct varco_engine {
    pub(crate) inner: FlowEngine,
}

/// An engine from its configuration (JSON; `{}` for the defaults) and
/// keys (copied: free them when you like). Free with
/// [`varco_engine_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_new(
    config: *const u8,
    config_len: usize,
    keys: *const varco_engine_keys,
    out: *mut *mut varco_engine,
) -> varco_result {
    guard(|| {
        let config = unsafe { text(config, config_len, "config") }?;
        let k = unsafe { handle(keys, "keys") }?;
        let engine_keys = varco::flow::EngineKeys {
            codes: ring(&k.keys[0])?,
            sealing: ring(&k.keys[1])?,
            decoy: ring(&k.keys[2])?,
            peppers: if k.keys[3].is_empty() {
                None
            } else {
                Some(ring(&k.keys[3])?)
            },
        };
        let inner = FlowEngine::from_json(config, engine_keys).or_fail()?;
        unsafe { give(out, varco_engine { inner }) }
    })
}

/// Releases an engine. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_free(engine: *mut varco_engine) {
    let _ = guard(|| {
        unsafe { free(engine) };
        Ok(())
    });
}

/// One user input, built field by field: the input's name (`identify`,
/// `password`, `code`, `resend`, ...) and each field's bytes, so that no
/// JSON is made by hand. Every field is kept as a secret and wiped on
/// [`varco_input_free`].
#[allow(non_camel_case_types)]
pub struct varco_input {
    name: String,
    fields: BTreeMap<String, Zeroizing<String>>,
}

/// A new input named `name`. Free with [`varco_input_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_input_new(
    name: *const u8,
    name_len: usize,
    out: *mut *mut varco_input,
) -> varco_result {
    guard(|| {
        let name = unsafe { text(name, name_len, "name") }?;
        if name.len() > 64 {
            return Err(refuse(
                varco_result::VARCO_INVALID_INPUT,
                "invalid_input: an input name is at most 64 bytes",
            ));
        }
        unsafe {
            give(
                out,
                varco_input {
                    name: name.to_owned(),
                    fields: BTreeMap::new(),
                },
            )
        }
    })
}

/// Sets a field (`identifier`, `password`, `code`, `method`) of an input to
/// `value` (UTF-8, at most 64 KiB). Not thread-safe on one input.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_input_set(
    input: *mut varco_input,
    field: *const u8,
    field_len: usize,
    value: *const u8,
    value_len: usize,
) -> varco_result {
    guard(|| {
        let i = unsafe { handle_mut(input, "input") }?;
        let field = unsafe { text(field, field_len, "field") }?;
        let value = unsafe { text(value, value_len, "value") }?;
        if field.len() > 64 || value.len() > 64 * 1024 || i.fields.len() >= 16 {
            return Err(refuse(
                varco_result::VARCO_INVALID_INPUT,
                "invalid_input: at most 16 fields, names of 64 bytes, values of 64 KiB",
            ));
        }
        i.fields
            .insert(field.to_owned(), Zeroizing::new(value.to_owned()));
        Ok(())
    })
}

/// Releases an input, wiping its fields. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_input_free(input: *mut varco_input) {
    let _ = guard(|| {
        unsafe { free(input) };
        Ok(())
    });
}

/// The records a host loaded for a step.
#[allow(non_camel_case_types)]
pub struct varco_records {
    inner: Records,
}

/// An empty record set. Free with [`varco_records_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_records_new(out: *mut *mut varco_records) -> varco_result {
    guard(|| unsafe {
        give(
            out,
            varco_records {
                inner: Records::new(),
            },
        )
    })
}

/// Adds what the store holds under `key`: its text, or NULL (with length
/// 0) for a key looked up and not found. Not thread-safe on one set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_records_put(
    records: *mut varco_records,
    key: *const u8,
    key_len: usize,
    record: *const u8,
    record_len: usize,
) -> varco_result {
    guard(|| {
        let r = unsafe { handle_mut(records, "records") }?;
        let key = unsafe { text(key, key_len, "key") }?;
        let record = unsafe { opt_text(record, record_len, "record") }?;
        if key.is_empty() || key.len() > 1024 || r.inner.keys().count() >= Records::MAX_RECORDS {
            return Err(refuse(
                varco_result::VARCO_INVALID_INPUT,
                "invalid_input: a key of 1 to 1024 bytes, at most 64 records",
            ));
        }
        r.inner.insert(key, record.map(str::to_owned));
        Ok(())
    })
}

/// Releases a record set. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_records_free(records: *mut varco_records) {
    let _ = guard(|| {
        unsafe { free(records) };
        Ok(())
    });
}

impl varco_input {
    /// The core's input (its fields checked by the core).
    pub(crate) fn to_core(&self) -> Result<Input, varco_result> {
        let fields = self
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), SecretString::new(v.to_string())))
            .collect();
        Input::from_fields(&self.name, fields).or_fail()
    }
}

/// A core flow step as a `varco_step`.
/// The core's step for C, with its outbox row (a fresh step id and the
/// effects sealed) when it has effects.
fn flow_step(
    e: &varco::flow::FlowEngine,
    s: varco::flow::FlowStep,
) -> Result<varco_step, varco_result> {
    let mut step = varco_step::new(json(&s.outcome), None);
    if let Some(row) = e.outbox_row(&s.effects, &mut rand::rng()).or_fail()? {
        step.outbox = Some((row.step_id, row.effects));
    }
    step.view = s.view.as_ref().map(json);
    for w in &s.writes {
        step.keys.push(w.key.clone());
        step.writes.push(match &w.op {
            WriteOp::Put {
                kind,
                json,
                revision,
                expect,
                expires_at,
            } => varco::step::RecordWrite {
                kind,
                json: json.clone(),
                revision: *revision,
                expect: *expect,
                expires_at: *expires_at,
            },
            WriteOp::Assert { revision } => varco::step::RecordWrite {
                kind: "assert",
                json: String::new(),
                revision: *revision,
                expect: Expect::Revision {
                    revision: *revision,
                },
                expires_at: None,
            },
        });
    }
    match s.then {
        Then::Respond => step.then = 0,
        Then::Load { keys } => {
            step.then = 1;
            step.load = keys;
        }
        Then::CommitAndRepeat { ticket } => {
            step.then = 2;
            step.ticket = Some(Zeroizing::new(ticket.expose().to_owned()));
        }
    }
    Ok(step.with_effects(s.effects))
}

/// Starts a flow of `kind` (`login`) for a request from `source` and
/// `device`, from `place` (JSON: `{"kind":"country","code":"IT"}`; each
/// NULL for none), remembering the device after a full sign-in when
/// `remember_device` is non-zero (and the engine trusts devices). The step's one write is the new flow;
/// [`varco_step_flow_key`] gives its key and [`varco_step_client_secret`]
/// the secret to give the client. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_start(
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
        let started = e
            .inner
            .start(kind, &ctx, at_ms(now_ms)?, &mut rand::rng())
            .or_fail()?;
        unsafe { give_started(&e.inner, out, started) }
    })
}

/// Starts a flow from a signed-in session's `grant` (the JSON of a
/// `signed_in` outcome's `grant`): `kind` `step_up` proves the factors
/// again, up to `level` (1 or 2), and ends with a fresh grant. `source`,
/// `device`, `place` and `remember_device` as in [`varco_engine_start`]
/// (a NULL `device` is the grant's). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_start_from_grant(
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
        let e = unsafe { handle(engine, "engine") }?;
        let kind: FlowKind = parse(unsafe { text(kind, kind_len, "kind") }?)?;
        let grant =
            varco::flow::SessionGrant::from_json(unsafe { text(grant, grant_len, "grant") }?)
                .or_fail()?;
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
        let required = varco::flow::Requirement::new(None, level_of(level)?).or_fail()?;
        let started = e
            .inner
            .start_from_grant(
                kind,
                &grant,
                &required,
                &ctx,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_started(&e.inner, out, started) }
    })
}

/// A level given as a C int, as the core's `u8` (whose range
/// `Requirement::new` checks).
pub(crate) fn level_of(level: c_int) -> Result<u8, varco_result> {
    u8::try_from(level).map_err(|_| fail(varco::Error::InvalidInput("a level is 1 or 2".into())))
}

/// The request's context, as the start functions take it.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn start_context(
    source: *const u8,
    source_len: usize,
    device: *const u8,
    device_len: usize,
    place: *const u8,
    place_len: usize,
    remember_device: c_int,
) -> Result<varco::flow::StartContext, varco_result> {
    let place = unsafe { opt_text(place, place_len, "place") }?
        .map(varco::guard::Place::from_json)
        .transpose()
        .or_fail()?;
    Ok(varco::flow::StartContext {
        source: unsafe { opt_text(source, source_len, "source") }?.map(str::to_owned),
        device: unsafe { opt_text(device, device_len, "device") }?.map(str::to_owned),
        place,
        remember_device: remember_device != 0,
    })
}

/// Hands a started flow's step (with its key and client secret) to `out`.
unsafe fn give_started(
    e: &varco::flow::FlowEngine,
    out: *mut *mut varco_step,
    started: varco::flow::Started,
) -> Result<(), varco_result> {
    let mut step = flow_step(e, started.step)?;
    step.flow_key = Some(started.flow_key);
    step.secret = Some(Zeroizing::new(started.client_secret.expose().to_owned()));
    unsafe { give_step(out, step) }
}

/// One user input to a flow: the stored flow, the client's secret, the
/// token of the view it answers, the input, the ticket when repeating
/// (NULL otherwise), the records loaded so far. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_advance(
    engine: *const varco_engine,
    flow: *const u8,
    flow_len: usize,
    client_secret: *const u8,
    client_secret_len: usize,
    token: *const u8,
    token_len: usize,
    input: *const varco_input,
    ticket: *const u8,
    ticket_len: usize,
    records: *const varco_records,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let e = unsafe { handle(engine, "engine") }?;
        let flow = Stored::<varco::flow::Flow>::from_json(unsafe { text(flow, flow_len, "flow") }?)
            .or_fail()?;
        let secret = unsafe { text(client_secret, client_secret_len, "client_secret") }?;
        let token = unsafe { text(token, token_len, "token") }?;
        let i = unsafe { handle(input, "input") }?;
        let ticket = unsafe { opt_text(ticket, ticket_len, "ticket") }?;
        let r = unsafe { handle(records, "records") }?;
        let input = i.to_core()?;
        let submit = varco::flow::Submit {
            client_secret: secret,
            token,
            input: &input,
            ticket,
        };
        let step = e
            .inner
            .advance(&flow, &submit, &r.inner, at_ms(now_ms)?, &mut rand::rng())
            .or_fail()?;
        unsafe { give_step(out, flow_step(&e.inner, step)?) }
    })
}

/// A fact only the host knows, as JSON (`{"fact":"captcha","passed":true}`,
/// `{"fact":"delivery_failed"}`), about the view whose step token is
/// `token`, on the records loaded so far. No client secret: facts come
/// from the host's side. A stale token changes nothing. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_answer(
    engine: *const varco_engine,
    flow: *const u8,
    flow_len: usize,
    token: *const u8,
    token_len: usize,
    fact: *const u8,
    fact_len: usize,
    records: *const varco_records,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let e = unsafe { handle(engine, "engine") }?;
        let flow = Stored::<varco::flow::Flow>::from_json(unsafe { text(flow, flow_len, "flow") }?)
            .or_fail()?;
        let token = unsafe { text(token, token_len, "token") }?;
        let fact =
            varco::flow::HostFact::from_json(unsafe { text(fact, fact_len, "fact") }?).or_fail()?;
        let r = unsafe { handle(records, "records") }?;
        let step = e
            .inner
            .answer(
                &flow,
                token,
                &fact,
                &r.inner,
                at_ms(now_ms)?,
                &mut rand::rng(),
            )
            .or_fail()?;
        unsafe { give_step(out, flow_step(&e.inner, step)?) }
    })
}

/// A command: the actor (`{"actor":"operator","id":"op-7"}` or
/// `{"actor":"host"}`) and the command
/// (`{"command":"block","account":"a1","reason":"…"}`, `unblock`,
/// `subscription_expired`, `subscription_renewed`) as JSON, on the records
/// it names. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_command(
    engine: *const varco_engine,
    actor: *const u8,
    actor_len: usize,
    command: *const u8,
    command_len: usize,
    records: *const varco_records,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let e = unsafe { handle(engine, "engine") }?;
        let actor = Actor::from_json(unsafe { text(actor, actor_len, "actor") }?).or_fail()?;
        let command =
            Command::from_json(unsafe { text(command, command_len, "command") }?).or_fail()?;
        let r = unsafe { handle(records, "records") }?;
        let step = e
            .inner
            .command(&actor, &command, &r.inner, at_ms(now_ms)?, &mut rand::rng())
            .or_fail()?;
        unsafe { give_step(out, flow_step(&e.inner, step)?) }
    })
}

/// The writes that create an account (`{"id":"a1","username":"mario",
/// "mobile":"+39…","second_factor":true}`) with its password (NULL for
/// none) hashed by the engine's hasher, on the records loaded so far
/// (NULL: none). An account with a codice fiscale or a fixed number first
/// asks for their hints (`varco_step_then` is 1, load): load them and call
/// again. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_provision(
    engine: *const varco_engine,
    account: *const u8,
    account_len: usize,
    password: *const u8,
    password_len: usize,
    records: *const varco_records,
    now_ms: i64,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let e = unsafe { handle(engine, "engine") }?;
        let new =
            NewAccount::from_json(unsafe { text(account, account_len, "account") }?).or_fail()?;
        let password = unsafe { opt_text(password, password_len, "password") }?;
        let none = Records::new();
        // SAFETY: NULL or a live record set.
        let records = unsafe { records.as_ref() }.map_or(&none, |r| &r.inner);
        let step = e
            .inner
            .provision(&new, password, records, at_ms(now_ms)?, &mut rand::rng())
            .or_fail()?;
        unsafe { give_step(out, flow_step(&e.inner, step)?) }
    })
}

/// Whether a session grant (the JSON of a `signed_in` outcome's `grant`)
/// still holds for the stored account: `*check` is 0 valid, 1 revoked, 2
/// step-up (older than `max_age_ms`, or below `min_level`, 1 or 2; a
/// negative `max_age_ms` asks for no age). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_check_session(
    engine: *const varco_engine,
    grant: *const u8,
    grant_len: usize,
    account: *const u8,
    account_len: usize,
    now_ms: i64,
    max_age_ms: i64,
    min_level: c_int,
    check: *mut c_int,
) -> varco_result {
    guard(|| {
        let _ = unsafe { handle(engine, "engine") }?;
        out_ptr(check, "check")?;
        let grant =
            varco::flow::SessionGrant::from_json(unsafe { text(grant, grant_len, "grant") }?)
                .or_fail()?;
        let account = Stored::<varco::account::Account>::from_json(unsafe {
            text(account, account_len, "account")
        }?)
        .or_fail()?;
        let max_age = u64::try_from(max_age_ms)
            .ok()
            .map(std::time::Duration::from_millis);
        let required = varco::flow::Requirement::new(max_age, level_of(min_level)?).or_fail()?;
        let c = match grant.check(&account, at_ms(now_ms)?, &required) {
            varco::flow::SessionCheck::Valid => 0,
            varco::flow::SessionCheck::Revoked => 1,
            varco::flow::SessionCheck::StepUp => 2,
        };
        unsafe { put(check, c) };
        Ok(())
    })
}

unsafe fn text_field(
    step: *const varco_step,
    pick: impl Fn(&varco_step) -> Option<&str>,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(written, "written")?;
        unsafe { write_out(pick(s).unwrap_or("").as_bytes(), buf, cap, written) }
    })
}

/// A flow step's view as JSON (`{"flow":…,"token":…,"screen":"password",
/// "error":"authentication_failed"}`); `*written` is 0 when there is none
/// (with load and commit-and-repeat).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_view(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe { text_field(step, |s| s.view.as_deref(), buf, cap, written) }
}

/// What to do next: `*then` is 0 respond (reply with the view), 1 load
/// (the keys of [`varco_step_load_key`], then advance again), 2 commit and
/// repeat (commit, reload, advance again with [`varco_step_ticket`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_then(
    step: *const varco_step,
    then: *mut c_int,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(then, "then")?;
        unsafe { put(then, s.then) };
        Ok(())
    })
}

/// How many keys a load asks for (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_load_count(step: *const varco_step) -> usize {
    // SAFETY: NULL or a live step.
    unsafe { step.as_ref() }.map_or(0, |s| s.load.len())
}

/// Key `index` a load asks for.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_load_key(
    step: *const varco_step,
    index: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(written, "written")?;
        let Some(k) = s.load.get(index) else {
            return Err(refuse(
                varco_result::VARCO_OUT_OF_RANGE,
                &format!("out_of_range: key {index} of {}", s.load.len()),
            ));
        };
        unsafe { write_out(k.as_bytes(), buf, cap, written) }
    })
}

/// The ticket to advance again with after a commit-and-repeat (a secret:
/// keep it in the request's memory only, wipe it after).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_ticket(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe {
        text_field(
            step,
            |s| s.ticket.as_deref().map(String::as_str),
            buf,
            cap,
            written,
        )
    }
}

/// A started flow's client secret (give it to the client: an HTTP-only
/// cookie, the app's memory); `*written` is 0 for other steps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_client_secret(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe {
        text_field(
            step,
            |s| s.secret.as_deref().map(String::as_str),
            buf,
            cap,
            written,
        )
    }
}

/// A started flow's key (`flow/<id>`); `*written` is 0 for other steps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_flow_key(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe { text_field(step, |s| s.flow_key.as_deref(), buf, cap, written) }
}

/// The step id of the step's outbox row (a fresh one per step); `*written`
/// is 0 for a step without effects. Store it, and
/// [`varco_step_outbox`]'s text, in the same commit as the step's writes;
/// the idempotency key of effect `i` is `<step id>/<i>`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_outbox_id(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe {
        text_field(
            step,
            |s| s.outbox.as_ref().map(|(id, _)| id.as_str()),
            buf,
            cap,
            written,
        )
    }
}

/// The step's effects as its outbox row stores them: messages sealed, so
/// the row holds no code in clear; `*written` is 0 for a step without
/// effects. A sender opens it with [`varco_engine_open_outbox`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_outbox(
    step: *const varco_step,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    unsafe {
        text_field(
            step,
            |s| s.outbox.as_ref().map(|(_, row)| row.as_str()),
            buf,
            cap,
            written,
        )
    }
}

/// Opens a stored outbox row for its sender: `*out` gets a step whose
/// effects ([`varco_step_effect_count`](crate::step::varco_step_effect_count),
/// [`varco_step_effect`](crate::step::varco_step_effect)) are the row's, in
/// order (its outcome is `{}`). Fails with `VARCO_UNUSABLE_RECORD` for a
/// row that was altered, moved to another step id, or sealed under a key
/// the engine no longer holds. Free `*out` with `varco_step_free`.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_engine_open_outbox(
    engine: *const varco_engine,
    row: *const u8,
    row_len: usize,
    step_id: *const u8,
    step_id_len: usize,
    out: *mut *mut varco_step,
) -> varco_result {
    guard(|| {
        let e = unsafe { handle(engine, "engine") }?;
        let row = unsafe { text(row, row_len, "row") }?;
        let id = unsafe { text(step_id, step_id_len, "step_id") }?;
        let effects = e.inner.open_outbox(row, id).or_fail()?;
        unsafe {
            give_step(
                out,
                varco_step::new("{}".into(), None).with_effects(effects),
            )
        }
    })
}

/// The key of write `index` (flow steps name each record they write).
/// A write whose kind ([`varco_step_write_kind`](crate::step::varco_step_write_kind))
/// is `assert` stores nothing: the commit fails unless the record is
/// still at its revision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn varco_step_write_key(
    step: *const varco_step,
    index: usize,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> varco_result {
    guard(|| {
        let s = unsafe { handle(step, "step") }?;
        out_ptr(written, "written")?;
        let Some(k) = s.keys.get(index) else {
            return Err(refuse(
                varco_result::VARCO_OUT_OF_RANGE,
                &format!("out_of_range: write {index} of {}", s.keys.len()),
            ));
        };
        unsafe { write_out(k.as_bytes(), buf, cap, written) }
    })
}
