//! The conformance suite against the in-memory store.

#[macro_use]
mod conformance;

use std::sync::Arc;
use varco_store::{MemoryStore, Store};

fn store() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::new())
}

conformance!(store);

#[test]
fn unknown_logins_leave_nothing() {
    conformance::unknown_logins_leave_nothing(store(), 100_000);
}

/// A store whose first commit reports a conflict no write caused, on the
/// commit's first key, as PostgreSQL does for a deadlock: a provisioning
/// retries it rather than call a free claim taken.
struct SpuriousConflictOnce {
    inner: MemoryStore,
    fired: std::sync::atomic::AtomicBool,
}

impl varco_store::Store for SpuriousConflictOnce {
    fn get(&self, key: &str) -> Result<Option<varco_store::Row>, varco_store::StoreError> {
        self.inner.get(key)
    }
    fn load(&self, keys: &[String]) -> Result<varco::flow::Records, varco_store::StoreError> {
        self.inner.load(keys)
    }
    fn commit(
        &self,
        writes: &[varco::flow::FlowWrite],
        outbox: Option<&varco_store::OutboxRow>,
    ) -> Result<varco_store::Committed, varco_store::StoreError> {
        if !self.fired.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(varco_store::Committed::Conflict {
                key: writes[0].key.clone(),
            });
        }
        self.inner.commit(writes, outbox)
    }
    fn claim_outbox(
        &self,
        now: varco::Timestamp,
        lease: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<varco_store::OutboxRow>, varco_store::StoreError> {
        self.inner.claim_outbox(now, lease, limit)
    }
    fn delete_outbox(&self, step_id: &str) -> Result<bool, varco_store::StoreError> {
        self.inner.delete_outbox(step_id)
    }
    fn purge_expired(
        &self,
        now: varco::Timestamp,
        limit: usize,
    ) -> Result<u64, varco_store::StoreError> {
        self.inner.purge_expired(now, limit)
    }
    fn counts(&self) -> Result<varco_store::Counts, varco_store::StoreError> {
        self.inner.counts()
    }
    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, varco_store::StoreError> {
        self.inner.keys(prefix, limit)
    }
}

#[test]
fn a_conflict_no_write_caused_does_not_make_a_free_claim_taken() {
    let engine = conformance::engine();
    let store = SpuriousConflictOnce {
        inner: MemoryStore::new(),
        fired: std::sync::atomic::AtomicBool::new(false),
    };
    let new = varco::flow::NewAccount {
        id: "a1".into(),
        username: Some("mario".into()),
        ..varco::flow::NewAccount::default()
    };
    let at = conformance::at(0);
    let _ = varco_store::provision(
        &engine,
        &store,
        &new,
        Some("Correct-Horse-1"),
        at,
        &mut rand::rng(),
    )
    .unwrap();
    assert!(store.get("account/a1").unwrap().is_some());
    // A claim that is really taken still is.
    let again = varco::flow::NewAccount {
        id: "a2".into(),
        ..new
    };
    let err = varco_store::provision(
        &engine,
        &store,
        &again,
        Some("Correct-Horse-1"),
        at,
        &mut rand::rng(),
    )
    .unwrap_err();
    assert!(
        matches!(err, varco_store::RunError::Taken { .. }),
        "{err:?}"
    );
}
