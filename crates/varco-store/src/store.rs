//! The store interface of ENGINE §4: load records by key, commit a step's
//! writes atomically with its outbox row, and the outbox and expiry
//! operations around them.

use std::time::Duration;

use varco::Timestamp;
use varco::flow::{FlowWrite, Records, WriteOp};
use varco::record::Expect;

use crate::StoreError;

/// The longest record key a store takes, in bytes.
pub const MAX_KEY_LEN: usize = 512;
/// The largest record a store takes, in bytes (the core's records are far
/// smaller).
pub const MAX_RECORD_LEN: usize = 1 << 20;
/// At most this many writes in one commit.
pub const MAX_WRITES: usize = 64;

/// A record as stored: its revision, its text and its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its revision.
    pub revision: u64,
    /// Its stored text (the core's envelope and body).
    pub json: String,
    /// When it ends by itself, if it does.
    pub expires_at: Option<Timestamp>,
}

/// A step's effects in the outbox: one row per committed step.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The step's unique id (idempotency keys derive from it).
    pub step_id: String,
    /// When the step was committed.
    pub created_at: Timestamp,
    /// The effects' stored form ([`varco::outbox`]): messages sealed.
    pub effects: String,
}

impl std::fmt::Debug for OutboxRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRow")
            .field("step_id", &self.step_id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Committed {
    /// Every write and the outbox row are stored.
    Done,
    /// A write's expectation failed: another request changed `key` first.
    /// Nothing was stored; load again and redo the step.
    Conflict {
        /// The first key whose expectation failed.
        key: String,
    },
}

/// How many rows a store holds, for operators and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records.
    pub records: u64,
    /// Of which expire.
    pub expiring: u64,
    /// Outbox rows not yet deleted.
    pub outbox: u64,
}

/// A store for varco's records and outbox (blocking). Every method is safe
/// to call from many threads at once; a commit is atomic against every
/// other commit, in this process and in others on the same database.
///
/// The implementations: [`MemoryStore`](crate::MemoryStore),
/// [`SqliteStore`](crate::SqliteStore) and
/// [`PgStore`](crate::PgStore). The conformance suite in `tests/` runs
/// against all three.
pub trait Store: Send + Sync {
    /// One record, if present.
    ///
    /// # Errors
    /// [`StoreError`] if the database fails or the key is invalid.
    fn get(&self, key: &str) -> Result<Option<Row>, StoreError>;

    /// The records at `keys`, as the engine takes them (absent keys as
    /// `None`), read together.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn load(&self, keys: &[String]) -> Result<Records, StoreError>;

    /// Commits `writes` in their order, all or none, with the outbox row
    /// if any: each put "must not exist" or compare-and-swap on its
    /// revision, each assert "still at this revision". A failed
    /// expectation is [`Committed::Conflict`], and nothing is stored.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for writes that break the limits (checked
    /// before anything is stored); [`StoreError::Database`] if the
    /// database fails, in which case nothing is stored either.
    fn commit(
        &self,
        writes: &[FlowWrite],
        outbox: Option<&OutboxRow>,
    ) -> Result<Committed, StoreError>;

    /// Claims up to `limit` outbox rows that no sender holds (or whose
    /// claim has lapsed), in commit order, for `lease`: another sender will
    /// not get them until then. A row is delivered at least once: delete
    /// it with [`delete_outbox`](Self::delete_outbox) once sent.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn claim_outbox(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError>;

    /// Deletes a sent outbox row; `false` if it was gone.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn delete_outbox(&self, step_id: &str) -> Result<bool, StoreError>;

    /// Deletes up to `limit` records whose expiry is at or before `now`;
    /// how many it deleted. [`sweep`](crate::sweep) calls it until none
    /// are left.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn purge_expired(&self, now: Timestamp, limit: usize) -> Result<u64, StoreError>;

    /// How many rows the store holds.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn counts(&self) -> Result<Counts, StoreError>;

    /// The keys that start with `prefix`, in order, at most `limit`: for
    /// operators' tools and tests, not for the flows (which know their
    /// keys).
    ///
    /// # Errors
    /// As [`get`](Self::get).
    fn keys(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError>;
}

/// A write as a store applies it.
pub(crate) enum Op<'a> {
    Insert {
        kind: &'a str,
        json: &'a str,
        revision: i64,
        expires_at: Option<i64>,
    },
    Update {
        kind: &'a str,
        json: &'a str,
        revision: i64,
        replaces: i64,
        expires_at: Option<i64>,
    },
    Assert {
        revision: i64,
    },
}

impl Op<'_> {
    /// Whether the write's expectation holds for the record's current
    /// revision (`None`: absent).
    pub(crate) fn holds(&self, current: Option<i64>) -> bool {
        match self {
            Op::Insert { .. } => current.is_none(),
            Op::Update { replaces, .. } => current == Some(*replaces),
            Op::Assert { revision } => current == Some(*revision),
        }
    }
}

/// The records of a load: each key's text from `found`, `None` where
/// none was found.
pub(crate) fn records_of(
    keys: &[String],
    mut found: std::collections::BTreeMap<String, String>,
) -> Records {
    let mut out = Records::new();
    for k in keys {
        out.insert(k.clone(), found.remove(k));
    }
    out
}

/// Claimed outbox rows, oldest first: `(sequence, row)` pairs sorted by
/// their sequence (`RETURNING` gives no order).
pub(crate) fn in_order(mut rows: Vec<(i64, OutboxRow)>) -> Vec<OutboxRow> {
    rows.sort_by_key(|(seq, _)| *seq);
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The end of a claim of `lease` from `now`, in milliseconds.
pub(crate) fn lease_until(now: i64, lease: Duration) -> i64 {
    now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) fn signed(r: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(r).map_err(|_| StoreError::Invalid(format!("{what} past 2^63 - 1")))
}

pub(crate) fn millis(t: Timestamp) -> i64 {
    i64::try_from(t.as_unix_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(u64::try_from(ms).unwrap_or(0))
}

/// A key is 1 to [`MAX_KEY_LEN`] bytes with no control character: the
/// core's keys never have one, and PostgreSQL's text cannot hold a NUL, so
/// every store refuses the same keys.
pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(StoreError::Invalid(format!(
            "a record key is 1 to {MAX_KEY_LEN} bytes"
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "a record key has a control character".into(),
        ));
    }
    Ok(())
}

pub(crate) fn check_keys(keys: &[String]) -> Result<(), StoreError> {
    if keys.len() > Records::MAX_RECORDS {
        return Err(StoreError::Invalid(format!(
            "at most {} keys per load",
            Records::MAX_RECORDS
        )));
    }
    keys.iter().try_for_each(|k| check_key(k))
}

/// Every write checked and converted before anything is stored.
pub(crate) fn plan(writes: &[FlowWrite]) -> Result<Vec<(&str, Op<'_>)>, StoreError> {
    if writes.len() > MAX_WRITES {
        return Err(StoreError::Invalid(format!(
            "at most {MAX_WRITES} writes per commit"
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(writes.len());
    for w in writes {
        check_key(&w.key)?;
        if !seen.insert(w.key.as_str()) {
            return Err(StoreError::Invalid(format!(
                "one commit writes `{}` twice",
                w.key
            )));
        }
        let op = match &w.op {
            WriteOp::Put {
                kind,
                json,
                revision,
                expect,
                expires_at,
            } => {
                if json.len() > MAX_RECORD_LEN {
                    return Err(StoreError::Invalid(format!(
                        "a record is at most {MAX_RECORD_LEN} bytes"
                    )));
                }
                // JSON escapes a NUL; a raw one is not a record (and
                // PostgreSQL's text cannot hold it).
                if json.contains('\0') {
                    return Err(StoreError::Invalid("a record holds a NUL byte".into()));
                }
                let revision = signed(*revision, "a revision")?;
                let expires_at = expires_at.map(millis);
                match expect {
                    Expect::Absent => Op::Insert {
                        kind,
                        json,
                        revision,
                        expires_at,
                    },
                    Expect::Revision { revision: r } => Op::Update {
                        kind,
                        json,
                        revision,
                        replaces: signed(*r, "a revision")?,
                        expires_at,
                    },
                }
            }
            WriteOp::Assert { revision } => Op::Assert {
                revision: signed(*revision, "a revision")?,
            },
        };
        out.push((w.key.as_str(), op));
    }
    Ok(out)
}

/// The error of a commit whose outbox row reuses a step id, in every store.
pub(crate) fn taken_step_id(step_id: &str) -> StoreError {
    StoreError::Invalid(format!("outbox step id `{step_id}` is taken"))
}

pub(crate) fn check_outbox(row: Option<&OutboxRow>) -> Result<(), StoreError> {
    if let Some(r) = row {
        if r.step_id.is_empty() || r.step_id.len() > 128 {
            return Err(StoreError::Invalid(
                "an outbox step id is 1 to 128 bytes".into(),
            ));
        }
        if r.effects.len() > varco::outbox::MAX_STORED_LEN {
            return Err(StoreError::Invalid("an outbox row is too long".into()));
        }
    }
    Ok(())
}
