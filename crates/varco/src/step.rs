//! The one shape of every stateful step: what happened, what to store,
//! what to do.
//!
//! Every operation that changes a record returns a [`Step`]: its
//! `outcome` (a wrong code, a lock, a sent message are outcomes, not
//! errors), its `writes` (each record to store with the revision it
//! replaces: [`Write`]), and its `effects` (send this SMS, write this audit
//! event). A refusal (locked, too soon) writes nothing. `Err` is for misuse
//! and bad input only, and then nothing is written and nothing is to be
//! done: the stored state stays as it was.
//!
//! ## The host's part
//! ```text
//! load the record (and its revision)
//! step = record.verb(…, now)?
//! for each write in step.writes, in order, in one transaction:
//!     Expect::Absent          -> INSERT, failing if the key exists
//!     Expect::Revision { r }  -> UPDATE … WHERE key = ? AND revision = r
//! a conflict                  -> nothing happened: load again and redo the step
//! then carry out step.effects (send, audit)
//! ```
//!
//! ```
//! use varco::guard::{AccountGuard, Admission, Factor, GuardPolicies};
//! use varco::record::{Expect, Stored};
//! use varco::Timestamp;
//!
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let guard = Stored::new(AccountGuard::new()); // the account has none yet
//! let step = guard.begin(&GuardPolicies::default(), Factor::Password, None, now).unwrap();
//! assert!(matches!(step.outcome, Admission::Allowed { .. }));
//! let write = step.writes.as_ref().unwrap();
//! assert_eq!(write.expect, Expect::Absent); // INSERT: must not exist
//! assert_eq!(write.record.revision(), 1);
//! ```

use crate::effect::Effect;
use crate::record::{Expect, Record, Stored};

/// What a step returns: the outcome, the records to store, the effects.
///
/// `W` is the step's writes: `Option<Write<T>>` for a step on one record
/// (`None` when nothing changes), or a struct naming each record for a step
/// on several (a struct naming each record). Either way
/// [`Writes::record_writes`] lists them in commit order, in stored form.
#[must_use = "store the step's writes with compare-and-swap, then carry out its effects"]
#[derive(Debug)]
pub struct Step<O, W> {
    /// What happened.
    pub outcome: O,
    /// What to store, each with what the store must find first.
    pub writes: W,
    /// What to do once the writes are stored.
    pub effects: Vec<Effect>,
}

/// A step on one record of type `T`.
pub type RecordStep<O, T> = Step<O, Option<Write<T>>>;

/// One record to store, and what the store must find in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write<T> {
    /// The record to store.
    pub record: Stored<T>,
    /// Compare-and-swap: nothing, or the revision it replaces.
    pub expect: Expect,
}

impl<T: Record> Write<T> {
    /// The write that replaces `previous` by `record`.
    pub(crate) fn replacing(previous: &Stored<T>, record: Stored<T>) -> Self {
        Write {
            expect: previous.expect(),
            record,
        }
    }
}

/// A write in stored form: for stores and bindings, which keep records as
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    /// The record's kind (`account_guard`, `challenge`, ...).
    pub kind: &'static str,
    /// The stored form (JSON).
    pub json: String,
    /// The record's new revision.
    pub revision: u64,
    /// What the store must find first.
    pub expect: Expect,
    /// When the record ends by itself, if it does (a store may purge it
    /// then).
    pub expires_at: Option<crate::Timestamp>,
}

/// The writes of a step, in the order a host commits them.
pub trait Writes {
    /// Each write in stored form: restrictions (budgets, counters) first,
    /// then what a step consumes, then what it grants.
    fn record_writes(&self) -> Vec<RecordWrite>;
}

impl<T: Record> Writes for Write<T> {
    fn record_writes(&self) -> Vec<RecordWrite> {
        vec![RecordWrite {
            kind: T::KIND,
            json: self.record.to_json(),
            revision: self.record.revision(),
            expect: self.expect,
            expires_at: self.record.expires_at(),
        }]
    }
}

impl<W: Writes> Writes for Option<W> {
    fn record_writes(&self) -> Vec<RecordWrite> {
        self.as_ref().map(Writes::record_writes).unwrap_or_default()
    }
}

impl<O, T> Step<O, Option<Write<T>>> {
    /// The record to store, if the step changed it.
    pub fn record(&self) -> Option<&Stored<T>> {
        self.writes.as_ref().map(|w| &w.record)
    }

    /// The record as it stands after the step: the new one if it changed,
    /// else `current`. For a caller that goes on with the next step in
    /// memory (a test, a demo).
    pub fn state_or(self, current: Stored<T>) -> Stored<T> {
        self.writes.map_or(current, |w| w.record)
    }
}
