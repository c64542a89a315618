//! Each store against a model: random sequences of every `Store` call
//! (commits with every kind of expectation, loads, the outbox's claims and
//! deletes, sweeps, counts, key listings), each answer compared with what
//! a plain in-memory model of the trait's documentation answers. Keys and
//! bodies include non-ASCII text, so byte order and round trips are
//! checked too. proptest shrinks a failure to its shortest sequence.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use varco::Timestamp;
use varco::flow::{FlowWrite, WriteOp};
use varco::record::Expect;
use varco_store::{Committed, OutboxRow, Store, StoreError};

const KEYS: &[&str] = &[
    "account/a1",
    "account/a1/x",
    "account/a2",
    "flow/é",
    "flow/z",
    "Z",
];
const PREFIXES: &[&str] = &["", "account/", "account/a1", "flow/", "flow/é", "q"];
const BODIES: &[&str] = &[
    "{}",
    r#"{"a":"é – ✓ 🔑"}"#,
    r#"{"q":"it's \"quoted\" \\ back"}"#,
    "[1,2,3]",
];
const STEPS: &[&str] = &["s1", "s2", "s3", "s/é"];

/// What a write expects to find.
#[derive(Debug, Clone)]
pub enum Exp {
    Absent,
    Revision(u64),
    /// Whatever the model holds now (absent: `Absent`), so that commits
    /// often succeed.
    Current,
}

#[derive(Debug, Clone)]
pub struct W {
    key: usize,
    /// `None`: an assert.
    put: Option<(usize, u64, Option<u64>)>,
    expect: Exp,
}

#[derive(Debug, Clone)]
pub enum Action {
    Commit {
        writes: Vec<W>,
        outbox: Option<(usize, u64)>,
    },
    Get(usize),
    Load(Vec<usize>),
    Claim {
        now: u64,
        lease: u64,
        limit: usize,
    },
    Delete(usize),
    Purge(u64),
    Counts,
    Keys(usize, usize),
}

fn exp() -> impl Strategy<Value = Exp> {
    prop_oneof![
        1 => Just(Exp::Absent),
        1 => (0u64..4).prop_map(Exp::Revision),
        4 => Just(Exp::Current),
    ]
}

fn write() -> impl Strategy<Value = W> {
    (
        0..KEYS.len(),
        proptest::option::weighted(
            0.8,
            (0..BODIES.len(), 1u64..6, proptest::option::of(1u64..10)),
        ),
        exp(),
    )
        .prop_map(|(key, put, expect)| W { key, put, expect })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (
            proptest::collection::vec(write(), 0..4),
            proptest::option::of((0..STEPS.len(), 0u64..10)),
        )
            .prop_map(|(writes, outbox)| Action::Commit { writes, outbox }),
        1 => (0..KEYS.len()).prop_map(Action::Get),
        1 => proptest::collection::vec(0..KEYS.len(), 0..4).prop_map(Action::Load),
        2 => (0u64..12, 0u64..5, 0usize..4)
            .prop_map(|(now, lease, limit)| Action::Claim { now, lease, limit }),
        1 => (0..STEPS.len()).prop_map(Action::Delete),
        1 => (0u64..12).prop_map(Action::Purge),
        1 => Just(Action::Counts),
        1 => (0..PREFIXES.len(), 0usize..8).prop_map(|(p, l)| Action::Keys(p, l)),
    ]
}

/// The model: what the trait's documentation promises.
#[derive(Default)]
struct Model {
    /// key → (revision, body, expires at in seconds)
    records: BTreeMap<String, (u64, String, Option<u64>)>,
    /// In commit order: (step id, created at, claimed until in ms).
    outbox: Vec<(String, u64, u64)>,
}

fn err(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(_) => "invalid".into(),
        other => format!("error: {other}"),
    }
}

fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + secs)
}

impl Model {
    fn revision(&self, key: &str) -> Option<u64> {
        self.records.get(key).map(|r| r.0)
    }

    fn flow_writes(&self, writes: &[W]) -> Vec<FlowWrite> {
        writes
            .iter()
            .map(|w| {
                let key = KEYS[w.key];
                let expect = match w.expect {
                    Exp::Absent => Expect::Absent,
                    Exp::Revision(revision) => Expect::Revision { revision },
                    Exp::Current => match self.revision(key) {
                        Some(revision) => Expect::Revision { revision },
                        None => Expect::Absent,
                    },
                };
                let op = match w.put {
                    Some((body, revision, expires)) => WriteOp::Put {
                        kind: "test",
                        json: BODIES[body].to_owned(),
                        revision,
                        expect,
                        expires_at: expires.map(at),
                    },
                    None => WriteOp::Assert {
                        revision: match expect {
                            Expect::Revision { revision } => revision,
                            Expect::Absent => 0,
                        },
                    },
                };
                FlowWrite {
                    key: key.to_owned(),
                    op,
                }
            })
            .collect()
    }

    fn commit(&mut self, writes: &[FlowWrite], outbox: Option<&OutboxRow>) -> String {
        let mut seen = std::collections::BTreeSet::new();
        if !writes.iter().all(|w| seen.insert(w.key.clone())) {
            return "invalid".into();
        }
        for w in writes {
            let current = self.revision(&w.key);
            let holds = match &w.op {
                WriteOp::Put { expect, .. } => match expect {
                    Expect::Absent => current.is_none(),
                    Expect::Revision { revision } => current == Some(*revision),
                },
                WriteOp::Assert { revision } => current == Some(*revision),
            };
            if !holds {
                return format!("{:?}", Committed::Conflict { key: w.key.clone() });
            }
        }
        if let Some(row) = outbox
            && self.outbox.iter().any(|(id, ..)| *id == row.step_id)
        {
            return "invalid".into();
        }
        for w in writes {
            if let WriteOp::Put {
                json,
                revision,
                expires_at,
                ..
            } = &w.op
            {
                let secs = expires_at.map(|t| t.as_unix_seconds() - 1_800_000_000);
                self.records
                    .insert(w.key.clone(), (*revision, json.clone(), secs));
            }
        }
        if let Some(row) = outbox {
            let created = row.created_at.as_unix_seconds() - 1_800_000_000;
            self.outbox.push((row.step_id.clone(), created, 0));
        }
        format!("{:?}", Committed::Done)
    }

    fn claim(&mut self, now: u64, lease: u64, limit: usize) -> String {
        let now_ms = at(now).as_unix_millis();
        let mut out = Vec::new();
        for (id, created, claimed) in &mut self.outbox {
            if out.len() >= limit {
                break;
            }
            if *claimed <= now_ms {
                *claimed = now_ms + lease * 1000;
                out.push(format!("{id}@{created}"));
            }
        }
        format!("{out:?}")
    }
}

/// What a store answers, in the model's words.
fn claimed(rows: &[OutboxRow]) -> String {
    let out: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}@{}",
                r.step_id,
                r.created_at.as_unix_seconds() - 1_800_000_000
            )
        })
        .collect();
    format!("{out:?}")
}

/// Runs `actions` on `store` and on the model; panics at the first answer
/// that differs.
pub fn agrees(store: &dyn Store, actions: &[Action]) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    for (i, a) in actions.iter().enumerate() {
        let (got, want) = match a {
            Action::Commit { writes, outbox } => {
                let writes = model.flow_writes(writes);
                let row = outbox.map(|(s, created)| OutboxRow {
                    step_id: STEPS[s].to_owned(),
                    created_at: at(created),
                    effects: r#"[{"audit":"é"}]"#.to_owned(),
                });
                let got = match store.commit(&writes, row.as_ref()) {
                    Ok(c) => format!("{c:?}"),
                    Err(e) => err(&e),
                };
                (got, model.commit(&writes, row.as_ref()))
            }
            Action::Get(k) => {
                let got = match store.get(KEYS[*k]) {
                    Ok(r) => format!(
                        "{:?}",
                        r.map(|r| (
                            r.revision,
                            r.json,
                            r.expires_at.map(|t| t.as_unix_seconds() - 1_800_000_000)
                        ))
                    ),
                    Err(e) => err(&e),
                };
                (got, format!("{:?}", model.records.get(KEYS[*k])))
            }
            Action::Load(keys) => {
                let mut keys: Vec<String> = keys.iter().map(|k| KEYS[*k].to_owned()).collect();
                keys.sort();
                keys.dedup();
                let got = match store.load(&keys) {
                    Ok(mut r) => {
                        format!("{:?}", keys.iter().map(|k| r.remove(k)).collect::<Vec<_>>())
                    }
                    Err(e) => err(&e),
                };
                let want: Vec<Option<Option<String>>> = keys
                    .iter()
                    .map(|k| Some(model.records.get(k).map(|r| r.1.clone())))
                    .collect();
                (got, format!("{want:?}"))
            }
            Action::Claim { now, lease, limit } => {
                let got = match store.claim_outbox(at(*now), Duration::from_secs(*lease), *limit) {
                    Ok(rows) => claimed(&rows),
                    Err(e) => err(&e),
                };
                (got, model.claim(*now, *lease, *limit))
            }
            Action::Delete(s) => {
                let got = match store.delete_outbox(STEPS[*s]) {
                    Ok(b) => format!("{b}"),
                    Err(e) => err(&e),
                };
                let before = model.outbox.len();
                model.outbox.retain(|(id, ..)| id != STEPS[*s]);
                (got, format!("{}", model.outbox.len() < before))
            }
            Action::Purge(now) => {
                let got = match store.purge_expired(at(*now), usize::MAX) {
                    Ok(n) => format!("{n}"),
                    Err(e) => err(&e),
                };
                let before = model.records.len();
                model.records.retain(|_, r| r.2.is_none_or(|e| e > *now));
                (got, format!("{}", before - model.records.len()))
            }
            Action::Counts => {
                let got = match store.counts() {
                    Ok(c) => format!("{} {} {}", c.records, c.expiring, c.outbox),
                    Err(e) => err(&e),
                };
                let expiring = model.records.values().filter(|r| r.2.is_some()).count();
                let want = format!(
                    "{} {} {}",
                    model.records.len(),
                    expiring,
                    model.outbox.len()
                );
                (got, want)
            }
            Action::Keys(p, limit) => {
                let got = match store.keys(PREFIXES[*p], *limit) {
                    Ok(k) => format!("{k:?}"),
                    Err(e) => err(&e),
                };
                let want: Vec<&String> = model
                    .records
                    .keys()
                    .filter(|k| k.starts_with(PREFIXES[*p]))
                    .take(*limit)
                    .collect();
                (got, format!("{want:?}"))
            }
        };
        prop_assert_eq!(got, want, "action {} of {}: {:?}", i, actions.len(), a);
    }
    Ok(())
}

/// Sequences per store (each on a fresh store: a PostgreSQL database, a
/// SQLite file): 64, or `VARCO_MODEL_CASES` for a deeper run.
pub fn cases() -> u32 {
    std::env::var("VARCO_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Random sequences of up to `len` calls.
pub fn actions(len: usize) -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(action(), 1..len)
}
