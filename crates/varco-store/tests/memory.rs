//! The conformance suite against the in-memory store.

#[macro_use]
mod conformance;

use std::sync::Arc;
use varco_store::MemoryStore;

fn store() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::new())
}

conformance!(store);

#[test]
fn unknown_logins_leave_nothing() {
    conformance::unknown_logins_leave_nothing(store(), 100_000);
}
