//! The records a host loaded for a step, and the writes a step returns.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Error;
use crate::Timestamp;
use crate::record::{Expect, Record, Stored};
use crate::step::{RecordWrite, Write};

/// The records a host loaded for a step, by key: the stored text of each,
/// or `None` for a key it looked up and did not find. A key not given at
/// all was not loaded; the step then asks for it ([`Then::Load`](super::Then::Load)).
///
/// ```
/// use varco::flow::Records;
///
/// let mut records = Records::new();
/// records.insert("claim/login/mario", None); // looked up, absent
/// assert!(records.is_loaded("claim/login/mario"));
/// assert!(!records.is_loaded("account/a1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    map: BTreeMap<String, Option<String>>,
}

/// A record as loaded: not asked for, absent, or present.
pub(crate) enum Loaded<T> {
    Missing,
    Absent,
    Present(Stored<T>),
}

impl Records {
    /// Records this many at most (a step never needs more).
    pub const MAX_RECORDS: usize = 64;

    /// No records.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds what the store holds under `key`: its text, or `None` if there
    /// is none. A key given twice keeps the last.
    pub fn insert(&mut self, key: impl Into<String>, json: Option<String>) {
        self.map.insert(key.into(), json);
    }

    /// `insert`, for chaining.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, json: Option<String>) -> Self {
        self.insert(key, json);
        self
    }

    /// Takes `key` out: `Some(text)` for a record that was loaded (`None`
    /// inside when absent), `None` if it was not asked for. A host that
    /// loads the flow with the records a step asked for, in one read,
    /// takes the flow out this way.
    ///
    /// ```
    /// use varco::flow::Records;
    ///
    /// let mut r = Records::new().with("flow/f1", Some("{}".into())).with("account/a1", None);
    /// assert_eq!(r.remove("flow/f1"), Some(Some("{}".into())));
    /// assert_eq!(r.remove("account/a1"), Some(None));
    /// assert_eq!(r.remove("flow/f1"), None);
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Option<String>> {
        self.map.remove(key)
    }

    /// Whether `key` was loaded (present or absent).
    pub fn is_loaded(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The keys given.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.map.len() > Self::MAX_RECORDS {
            return Err(Error::InvalidInput(format!(
                "at most {} records per step",
                Self::MAX_RECORDS
            )));
        }
        Ok(())
    }

    pub(crate) fn load<T: Record>(&self, key: &str) -> Result<Loaded<T>, Error> {
        match self.map.get(key) {
            None => Ok(Loaded::Missing),
            Some(None) => Ok(Loaded::Absent),
            Some(Some(json)) => Stored::<T>::from_json(json).map(Loaded::Present),
        }
    }
}

impl<T> Loaded<T> {
    pub(crate) fn present(self) -> Option<Stored<T>> {
        match self {
            Loaded::Present(s) => Some(s),
            _ => None,
        }
    }
}

/// What a store must do with one record, in a step's one atomic commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    /// Store `json` at `revision`: an insert that must not find the key
    /// (`expect` absent), or an update of the revision it replaces.
    Put {
        /// The record's kind.
        kind: &'static str,
        /// The stored form.
        json: String,
        /// Its new revision.
        revision: u64,
        /// What the store must find first.
        #[serde(flatten)]
        expect: Expect,
        /// When the record ends by itself (a flow, a challenge): a store
        /// indexes it and may purge the record once it has passed. `None`
        /// for records that last (accounts, budgets, padding).
        #[serde(skip_serializing_if = "Option::is_none")]
        expires_at: Option<Timestamp>,
    },
    /// Write nothing, but fail the commit unless the record is still at
    /// `revision`: what a granting step relied on.
    Assert {
        /// The revision it must still have.
        revision: u64,
    },
}

/// One write of a step: the record's key and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowWrite {
    /// The record's key (`account/a1`, `flow/…`).
    pub key: String,
    /// What to do.
    #[serde(flatten)]
    pub op: WriteOp,
}

impl FlowWrite {
    pub(crate) fn put<T: Record>(key: &str, w: &Write<T>) -> Self {
        FlowWrite {
            key: key.to_owned(),
            op: WriteOp::Put {
                kind: T::KIND,
                json: w.record.to_json(),
                revision: w.record.revision(),
                expect: w.expect,
                expires_at: w.record.expires_at(),
            },
        }
    }

    /// The write of a record a step outside the flow engine returned (an
    /// account's provisioning, a guard's step), under its key: so that one
    /// store commits both.
    ///
    /// ```
    /// use varco::flow::{FlowWrite, WriteOp};
    /// use varco::step::Writes;
    /// use varco::guard::{FailureCounter, LockoutPolicy};
    /// use varco::record::{Expect, Stored};
    /// use varco::Timestamp;
    ///
    /// let now = Timestamp::from_unix_seconds(1_800_000_000);
    /// let counter = Stored::new(FailureCounter::default());
    /// let step = counter.begin(&LockoutPolicy::default(), now).unwrap();
    /// let w = FlowWrite::of_record("source/1.2.3.4", step.writes.record_writes().remove(0));
    /// assert!(matches!(w.op, WriteOp::Put { expect: Expect::Absent, .. }));
    /// ```
    pub fn of_record(key: impl Into<String>, w: RecordWrite) -> Self {
        FlowWrite {
            key: key.into(),
            op: WriteOp::Put {
                kind: w.kind,
                json: w.json,
                revision: w.revision,
                expect: w.expect,
                expires_at: w.expires_at,
            },
        }
    }

    pub(crate) fn assert<T: Record>(key: &str, r: &Stored<T>) -> Self {
        FlowWrite {
            key: key.to_owned(),
            op: WriteOp::Assert {
                revision: r.revision(),
            },
        }
    }

    /// The expected state, for a store: `None` for "must not exist",
    /// `Some(r)` for "must be at revision r".
    pub fn expected_revision(&self) -> Option<u64> {
        match &self.op {
            WriteOp::Put {
                expect: Expect::Absent,
                ..
            } => None,
            WriteOp::Put {
                expect: Expect::Revision { revision },
                ..
            } => Some(*revision),
            WriteOp::Assert { revision } => Some(*revision),
        }
    }
}

/// The writes of a step in ENGINE §2's order: restrict (counters, budgets,
/// padding), consume (flow, challenge), grant (account).
#[derive(Debug, Default)]
pub(crate) struct Commit {
    restrict: Vec<FlowWrite>,
    consume: Vec<FlowWrite>,
    grant: Vec<FlowWrite>,
}

impl Commit {
    pub(crate) fn restrict(&mut self, w: FlowWrite) {
        self.restrict.push(w);
    }
    pub(crate) fn consume(&mut self, w: FlowWrite) {
        self.consume.push(w);
    }
    pub(crate) fn grant(&mut self, w: FlowWrite) {
        self.grant.push(w);
    }
    pub(crate) fn into_writes(self) -> Vec<FlowWrite> {
        let mut all = self.restrict;
        all.extend(self.consume);
        all.extend(self.grant);
        all
    }
}
