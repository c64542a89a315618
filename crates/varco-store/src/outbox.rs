//! The sender's side of the transactional outbox: claim rows, open their
//! effects, hand each to the host's sender with its idempotency key, and
//! delete a row once all of it was sent.
//!
//! Delivery is at least once. A sender that crashes after sending and
//! before deleting leaves the row; when its claim lapses, another sender
//! sends it again with the same idempotency keys, which the provider (or
//! the host) uses to drop the repeat.

use std::time::Duration;

use varco::Timestamp;
use varco::effect::Effect;
use varco::flow::FlowEngine;

use crate::{Store, StoreError};

/// One effect to carry out.
#[derive(Debug)]
pub struct Delivery<'a> {
    /// `<step id>/<index>`: give it to the SMS or mail provider as its
    /// idempotency key, or check it against what was sent.
    pub idempotency_key: &'a str,
    /// The effect (its message text redacted from `Debug`).
    pub effect: &'a Effect,
    /// When its step was committed.
    pub created_at: Timestamp,
}

/// What one [`deliver`] pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Rows all sent and deleted.
    pub rows: u64,
    /// Effects handed to the sender.
    pub effects: u64,
    /// Rows whose sender failed for an effect: left for a later pass
    /// (when their claim lapses).
    pub failed: u64,
    /// Rows that do not open (altered, or sealed under a key no longer in
    /// the engine's ring): left in place for an operator.
    pub unreadable: u64,
}

/// Claims up to `limit` due rows for `lease`, sends their effects in order
/// through `send`, and deletes each row whose effects were all sent.
///
/// ```
/// use std::time::Duration;
/// # use varco::flow::*; use varco::hash::HashParams; use varco::keys::KeyRing; use varco::Timestamp;
/// use varco_store::{MemoryStore, deliver};
/// # let keys = EngineKeys { codes: KeyRing::new("c1", vec![1; 32]).unwrap(), sealing: KeyRing::new("s1", vec![2; 32]).unwrap(), decoy: KeyRing::new("d1", vec![3; 32]).unwrap(), peppers: None };
/// # let engine = FlowEngine::new(EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() }, keys).unwrap();
/// let store = MemoryStore::new();
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let done = deliver(&engine, &store, now, Duration::from_secs(60), 100, |d| {
///     println!("{} {}", d.idempotency_key, d.effect.as_str());
///     Ok::<(), std::io::Error>(())
/// }).unwrap();
/// assert_eq!(done.rows, 0);
/// ```
///
/// # Errors
/// [`StoreError`] if the store fails; a sender's failure is counted in
/// [`Delivered::failed`], not returned.
pub fn deliver<S: Store + ?Sized, E>(
    engine: &FlowEngine,
    store: &S,
    now: Timestamp,
    lease: Duration,
    limit: usize,
    mut send: impl FnMut(&Delivery<'_>) -> Result<(), E>,
) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    for row in store.claim_outbox(now, lease, limit)? {
        let Ok(effects) = engine.open_outbox(&row.effects, &row.step_id) else {
            done.unreadable += 1;
            continue;
        };
        let mut ok = true;
        for (i, effect) in effects.iter().enumerate() {
            let key = varco::outbox::idempotency_key(&row.step_id, i);
            done.effects += 1;
            let d = Delivery {
                idempotency_key: &key,
                effect,
                created_at: row.created_at,
            };
            if send(&d).is_err() {
                ok = false;
                break;
            }
        }
        if ok {
            store.delete_outbox(&row.step_id)?;
            done.rows += 1;
        } else {
            done.failed += 1;
        }
    }
    Ok(done)
}

/// Deletes every record whose expiry is at or before `now`, in batches of
/// 10,000: what a host runs on a schedule (the CLI runs it by itself).
/// Returns how many it deleted.
///
/// Only records that end by themselves carry an expiry (flows,
/// challenges), and their keys are random and never reused, so deleting
/// one cannot let a stale step's compare-and-swap succeed on a new record.
///
/// # Errors
/// [`StoreError`] if the store fails; what was deleted before stays
/// deleted.
pub fn sweep<S: Store + ?Sized>(store: &S, now: Timestamp) -> Result<u64, StoreError> {
    const BATCH: usize = 10_000;
    let mut total = 0;
    loop {
        let n = store.purge_expired(now, BATCH)?;
        total += n;
        if n < BATCH as u64 {
            return Ok(total);
        }
    }
}
