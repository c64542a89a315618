//! Keeping hints current (ENGINE §1): whatever creates an account with a
//! codice fiscale or a fixed number adds the account to those hints, in
//! the same commit; a cease takes the ceased account out. Each write is a
//! compare-and-swap on the hint as loaded, so two accounts created at once
//! with one codice fiscale cannot lose each other.

use super::engine::{FlowEngine, Work};
use super::records::{FlowWrite, Records};
use crate::account::Hint;
use crate::record::Stored;
use crate::step::Write;
use crate::{Error, Timestamp};

impl FlowEngine {
    /// Adds `account` to (`join`) or takes it out of each hint at `keys`,
    /// as `records` hold them (all loaded: see [`Self::missing`]); a hint
    /// that does not change is not written.
    ///
    /// # Errors
    /// A stored hint's own error (a hint that lists the most accounts it
    /// may marks itself as overflowing instead of refusing).
    pub(crate) fn hint_writes(
        records: &Records,
        keys: &[String],
        account: &str,
        join: bool,
        work: &mut Work,
        now: Timestamp,
    ) -> Result<(), Error> {
        for key in keys {
            let stored = records
                .load::<Hint>(key)?
                .present()
                .unwrap_or_else(|| Stored::new(Hint::default()));
            let next = if join {
                stored.body().with(account)?
            } else {
                stored.body().without(account)
            };
            if &next != stored.body() {
                let write = Write::replacing(&stored, stored.next(next, now)?);
                work.commit.consume(FlowWrite::put(key, &write));
            }
        }
        Ok(())
    }
}
