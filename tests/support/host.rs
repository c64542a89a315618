//! An in-memory store and the host loop of ENGINE §4, as a host would write
//! them: every commit atomic (one lock), every write checked first
//! (compare-and-swap, must-not-exist, assert), the effects in an outbox.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use varco::Timestamp;
use varco::effect::Effect;
use varco::flow::{
    Flow, FlowEngine, FlowOutcome, FlowStep, FlowWrite, HostFact, Input, Records, Submit, Then,
    WriteOp,
};
use varco::record::{Expect, Stored};

/// Records by key: (revision, stored text).
#[derive(Default)]
pub struct Store {
    records: Mutex<BTreeMap<String, (u64, String)>>,
    pub outbox: Mutex<Vec<Vec<Effect>>>,
    pub commits: Mutex<u64>,
    pub conflicts: Mutex<u64>,
}

#[derive(Debug)]
pub struct Conflict;

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    /// One atomic commit: every expectation checked, then every write
    /// applied, or nothing.
    pub fn commit(&self, writes: &[FlowWrite]) -> Result<(), Conflict> {
        let mut map = self.records.lock().unwrap();
        for w in writes {
            let current = map.get(&w.key).map(|(r, _)| *r);
            let ok = match &w.op {
                WriteOp::Put {
                    expect: Expect::Absent,
                    ..
                } => current.is_none(),
                WriteOp::Put {
                    expect: Expect::Revision { revision },
                    ..
                } => current == Some(*revision),
                WriteOp::Assert { revision } => current == Some(*revision),
            };
            if !ok {
                *self.conflicts.lock().unwrap() += 1;
                return Err(Conflict);
            }
        }
        for w in writes {
            if let WriteOp::Put { json, revision, .. } = &w.op {
                map.insert(w.key.clone(), (*revision, json.clone()));
            }
        }
        *self.commits.lock().unwrap() += 1;
        Ok(())
    }

    pub fn put_raw(&self, key: &str, revision: u64, json: String) {
        self.records
            .lock()
            .unwrap()
            .insert(key.to_owned(), (revision, json));
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.records
            .lock()
            .unwrap()
            .get(key)
            .map(|(_, j)| j.clone())
    }

    pub fn load(&self, keys: &[String]) -> Records {
        let map = self.records.lock().unwrap();
        let mut r = Records::new();
        for k in keys {
            r.insert(k.clone(), map.get(k).map(|(_, j)| j.clone()));
        }
        r
    }

    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.records
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Commits a step's writes and puts its effects in the outbox.
    pub fn commit_step(&self, step: &FlowStep) -> Result<(), Conflict> {
        self.commit(&step.writes)?;
        self.outbox.lock().unwrap().push(step.effects.clone());
        Ok(())
    }
}

/// Every call of one request through the host loop, for path-shape checks.
#[derive(Debug, Default)]
pub struct Trace {
    /// Per engine call: its outcome's name, its then, and its writes as
    /// (kind, op) with padding and budget records shown alike.
    pub calls: Vec<(String, String, Vec<String>, usize)>,
    /// Engine calls that checked a password (one Argon2 run each).
    pub password_checks: usize,
    pub conflicts: usize,
    /// Argon2 work done meanwhile (KiB-passes, `PasswordHasher::work`):
    /// this request's alone when nothing else runs.
    pub work: u64,
}

/// One user request through the host loop: load, advance, commit, and
/// Load / CommitAndRepeat / retry on conflict, until Respond.
pub fn request<R: rand::CryptoRng>(
    engine: &FlowEngine,
    store: &Store,
    flow_key: &str,
    secret: &str,
    input: &Input,
    now: Timestamp,
    rng: &mut R,
) -> (FlowStep, Trace) {
    // The token the client holds: the view it answers.
    let token = {
        let flow = Stored::<Flow>::from_json(&store.get(flow_key).expect("flow")).unwrap();
        flow.body().token()
    };
    request_at(engine, store, flow_key, secret, &token, input, now, rng)
}

/// [`request`] answering the view of `token` (a client that held it for a
/// while, or many clients submitting the same view at once).
#[allow(clippy::too_many_arguments)]
pub fn request_at<R: rand::CryptoRng>(
    engine: &FlowEngine,
    store: &Store,
    flow_key: &str,
    secret: &str,
    token: &str,
    input: &Input,
    now: Timestamp,
    rng: &mut R,
) -> (FlowStep, Trace) {
    let mut trace = Trace::default();
    let work_before = engine.hasher().work();
    let mut keys: Vec<String> = Vec::new();
    let mut ticket: Option<String> = None;
    for _ in 0..200 {
        let flow = Stored::<Flow>::from_json(&store.get(flow_key).expect("flow")).unwrap();
        let records = store.load(&keys);
        let submit = Submit {
            client_secret: secret,
            token,
            input,
            ticket: ticket.as_deref(),
        };
        let step = engine
            .advance(&flow, &submit, &records, now, rng)
            .unwrap_or_else(|e| panic!("advance: {e}"));
        // A password is checked (one Argon2 run) only in the phase that
        // ends `Checked` or with a password's rejection.
        if matches!(step.outcome, FlowOutcome::Checked)
            || matches!(&step.outcome, FlowOutcome::Rejected { reason } if is_password_reason(*reason))
        {
            trace.password_checks += 1;
        }
        trace.calls.push((
            step.outcome.as_str().to_owned(),
            step.then.as_str().to_owned(),
            step.writes.iter().map(shape).collect(),
            step.effects.len(),
        ));
        if store.commit_step(&step).is_err() {
            trace.conflicts += 1;
            continue;
        }
        match &step.then {
            Then::Respond => {
                trace.work = engine.hasher().work() - work_before;
                return (step, trace);
            }
            Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            Then::CommitAndRepeat { ticket: t } => ticket = Some(t.expose().to_owned()),
        }
    }
    panic!("the host loop did not settle");
}

fn is_password_reason(r: varco::flow::Rejection) -> bool {
    use varco::flow::Rejection as R;
    matches!(
        r,
        R::UnknownAccount
            | R::NoPassword
            | R::UnusableHash
            | R::WrongPassword
            | R::Locked
            | R::SourceLocked
            | R::Blocked
            | R::PasswordExpired
    )
}

/// A write's shape: what kind of record, what operation; a budget record
/// and its padding look alike (both restrict).
fn shape(w: &FlowWrite) -> String {
    match &w.op {
        WriteOp::Put { kind, expect, .. } => {
            let kind = match *kind {
                "account_guard" | "padding" | "failure_counter" | "destination_budget" => {
                    "restrict"
                }
                k => k,
            };
            let op = match expect {
                Expect::Absent => "insert",
                Expect::Revision { .. } => "update",
            };
            if kind == "restrict" {
                // Whether a budget or padding record existed before is the
                // store's business, not the path's.
                return kind.to_owned();
            }
            format!("{kind}:{op}")
        }
        WriteOp::Assert { .. } => "assert".to_owned(),
    }
}

/// A host fact through the host loop: load the flow, answer with the token
/// of the view the fact is about (the flow's current one if `None`),
/// commit, load more and repeat until Respond.
pub fn answer(
    engine: &FlowEngine,
    store: &Store,
    flow_key: &str,
    token: Option<&str>,
    fact: &HostFact,
    now: Timestamp,
) -> FlowStep {
    let mut keys: Vec<String> = Vec::new();
    let token = token.map_or_else(
        || {
            Stored::<Flow>::from_json(&store.get(flow_key).expect("flow"))
                .unwrap()
                .body()
                .token()
        },
        str::to_owned,
    );
    for _ in 0..50 {
        let flow = Stored::<Flow>::from_json(&store.get(flow_key).expect("flow")).unwrap();
        let step = engine
            .answer(
                &flow,
                &token,
                fact,
                &store.load(&keys),
                now,
                &mut rand::rng(),
            )
            .unwrap_or_else(|e| panic!("answer: {e}"));
        if store.commit_step(&step).is_err() {
            continue;
        }
        match &step.then {
            Then::Load { keys: more } => keys.extend(more.iter().cloned()),
            _ => return step,
        }
    }
    panic!("the host loop did not settle");
}
