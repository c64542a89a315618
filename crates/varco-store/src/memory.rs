//! The in-memory store: one lock around a map, for tests and for embedded
//! hosts whose state may die with the process.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use varco::Timestamp;
use varco::flow::{FlowWrite, Records};

use crate::store::{
    Op, check_key, check_keys, check_outbox, from_millis, lease_until, millis, plan, taken_step_id,
};
use crate::{Committed, Counts, OutboxRow, Row, Store, StoreError};

#[derive(Default)]
struct State {
    records: BTreeMap<String, (i64, String, Option<i64>)>,
    /// By sequence: in commit order, as the SQL stores claim them (a
    /// host's clock may step back; the commit order does not).
    outbox: BTreeMap<u64, (OutboxRow, i64)>,
    /// Each outbox row's place in `outbox`, by step id.
    outbox_ids: std::collections::HashMap<String, u64>,
    sequence: u64,
}

/// Records and outbox in memory, behind one lock: every commit is atomic
/// and serialised.
///
/// ```
/// use varco_store::{MemoryStore, Store, Committed};
/// use varco::flow::{FlowWrite, WriteOp};
/// use varco::record::Expect;
///
/// let store = MemoryStore::new();
/// let put = |expect| FlowWrite { key: "note/1".into(), op: WriteOp::Put {
///     kind: "note", json: "{}".into(), revision: 1, expect, expires_at: None } };
/// assert_eq!(store.commit(&[put(Expect::Absent)], None).unwrap(), Committed::Done);
/// // The same insert again: the key exists now.
/// assert!(matches!(store.commit(&[put(Expect::Absent)], None).unwrap(), Committed::Conflict { .. }));
/// ```
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state.lock().map_err(|_| StoreError::Poisoned)
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Row>, StoreError> {
        check_key(key)?;
        Ok(self.lock()?.records.get(key).map(|(r, j, e)| Row {
            revision: u64::try_from(*r).unwrap_or(0),
            json: j.clone(),
            expires_at: e.map(from_millis),
        }))
    }

    fn load(&self, keys: &[String]) -> Result<Records, StoreError> {
        check_keys(keys)?;
        let state = self.lock()?;
        let mut out = Records::new();
        for k in keys {
            out.insert(k.clone(), state.records.get(k).map(|(_, j, _)| j.clone()));
        }
        Ok(out)
    }

    fn commit(
        &self,
        writes: &[FlowWrite],
        outbox: Option<&OutboxRow>,
    ) -> Result<Committed, StoreError> {
        let plan = plan(writes)?;
        check_outbox(outbox)?;
        let mut state = self.lock()?;
        for (key, op) in &plan {
            let current = state.records.get(*key).map(|(r, _, _)| *r);
            if !op.holds(current) {
                return Ok(Committed::Conflict {
                    key: (*key).to_owned(),
                });
            }
        }
        if let Some(row) = outbox
            && state.outbox_ids.contains_key(&row.step_id)
        {
            return Err(taken_step_id(&row.step_id));
        }
        for (key, op) in plan {
            match op {
                Op::Insert {
                    json,
                    revision,
                    expires_at,
                    ..
                }
                | Op::Update {
                    json,
                    revision,
                    expires_at,
                    ..
                } => {
                    state
                        .records
                        .insert(key.to_owned(), (revision, json.to_owned(), expires_at));
                }
                Op::Assert { .. } => {}
            }
        }
        if let Some(row) = outbox {
            state.sequence += 1;
            let at = state.sequence;
            state.outbox.insert(at, (row.clone(), 0));
            state.outbox_ids.insert(row.step_id.clone(), at);
        }
        Ok(Committed::Done)
    }

    fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let now = millis(now);
        let until = lease_until(now, lease);
        let mut state = self.lock()?;
        let mut out = Vec::new();
        for (row, claimed_until) in state.outbox.values_mut() {
            if out.len() >= limit {
                break;
            }
            if *claimed_until <= now {
                *claimed_until = until;
                out.push(row.clone());
            }
        }
        Ok(out)
    }

    fn delete_outbox(&self, step_id: &str) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        let at = state.outbox_ids.remove(step_id);
        Ok(at.is_some_and(|k| state.outbox.remove(&k).is_some()))
    }

    fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let now = millis(now);
        let mut state = self.lock()?;
        let gone: Vec<String> = state
            .records
            .iter()
            .filter(|(_, (_, _, e))| e.is_some_and(|e| e <= now))
            .take(limit)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            state.records.remove(k);
        }
        Ok(gone.len() as u64)
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        let state = self.lock()?;
        Ok(Counts {
            records: state.records.len() as u64,
            expiring: state
                .records
                .values()
                .filter(|(_, _, e)| e.is_some())
                .count() as u64,
            outbox: state.outbox.len() as u64,
        })
    }

    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .records
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, _)| k.clone())
            .collect())
    }
}
