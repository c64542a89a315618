//! Records as they cross: opaque text, with the revision each write
//! replaces, so a host stores them with compare-and-swap.

use varco::step::Writes;

/// One record to store, in one commit with the step's other writes, in
/// their order.
///
/// ```text
/// replaces == 0  ->  INSERT (the key must not exist yet)
/// replaces == r  ->  UPDATE … SET record = ?, revision = ? WHERE key = ? AND revision = r
/// ```
/// A conflict means another request changed the record first: load it
/// again and redo the step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Write {
    /// The record's kind (`account_guard`, `failure_counter`, ...).
    pub kind: String,
    /// The stored form: keep it as it is.
    pub record: String,
    /// The record's new revision.
    pub revision: i64,
    /// The revision it replaces; 0 when the record must not exist yet.
    pub replaces: i64,
    /// When the record ends by itself (a challenge): index it and delete
    /// it once passed. `None` for records that last.
    pub expires_at: Option<varco::Timestamp>,
}

/// The core's writes, in commit order.
pub(crate) fn writes(w: &impl Writes) -> Vec<Write> {
    w.record_writes()
        .into_iter()
        .map(|w| Write {
            kind: w.kind.to_owned(),
            record: w.json,
            revision: revision(w.revision),
            replaces: match w.expect {
                varco::record::Expect::Absent => 0,
                varco::record::Expect::Revision { revision: r } => revision(r),
            },
            expires_at: w.expires_at,
        })
        .collect()
}

/// A revision as a signed 64-bit integer (the core keeps them below 2^63).
fn revision(r: u64) -> i64 {
    i64::try_from(r).unwrap_or(i64::MAX)
}
