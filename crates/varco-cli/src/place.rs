//! Where a command on one record keeps it: a state file the user names
//! (read, decided and written under an exclusive lock), or a key in the
//! database the flows use (read, decided, then a compare-and-swap, again
//! on a conflict). Either way parallel invocations on one record take
//! turns, and no change is lost.

use std::path::PathBuf;

use varco::flow::FlowWrite;
use varco::record::Record;
use varco::step::{Write, Writes};
use varco_store::{Committed, Store};

use crate::flow::{open_store, store_fail};
use crate::support::{Fail, bad_input, io_fail, lock_state, write_atomic};

pub(crate) enum Place {
    File(PathBuf),
    Db { store: Box<dyn Store>, key: String },
}

/// Conflicts in a row before a command gives up.
const TRIES: usize = 64;

impl Place {
    /// A file, or the record `key` in `db`.
    pub(crate) fn of(
        file: Option<PathBuf>,
        db: Option<&str>,
        key: Option<String>,
    ) -> Result<Place, Fail> {
        match (file, db, key) {
            (Some(path), None, _) => Ok(Place::File(path)),
            (None, Some(db), Some(key)) => {
                if key.len() > varco_store::MAX_KEY_LEN || key.chars().any(char::is_control) {
                    return Err(bad_input("an account id the store cannot hold"));
                }
                Ok(Place::Db {
                    store: open_store(db)?,
                    key,
                })
            }
            _ => Err(bad_input("a state file, or --db with --account")),
        }
    }

    /// Runs `decide` on the record's current text (`None`: none yet) until
    /// the write it returns lands (none to write lands at once); its value.
    pub(crate) fn update<T: Record, V>(
        &self,
        mut decide: impl FnMut(Option<&str>) -> Result<(Option<Write<T>>, V), Fail>,
    ) -> Result<V, Fail> {
        match self {
            Place::File(path) => {
                let _lock = lock_state(path)?;
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => Some(text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(io_fail(&path.display().to_string(), e)),
                };
                let (write, value) = decide(text.as_deref())?;
                if let Some(w) = write {
                    write_atomic(path, &w.record.to_json())?;
                }
                Ok(value)
            }
            Place::Db { store, key } => {
                for _ in 0..TRIES {
                    let row = store.get(key).map_err(store_fail)?;
                    let (write, value) = decide(row.as_ref().map(|r| r.json.as_str()))?;
                    let writes: Vec<FlowWrite> = write
                        .record_writes()
                        .into_iter()
                        .map(|w| FlowWrite::of_record(key.as_str(), w))
                        .collect();
                    if writes.is_empty()
                        || store.commit(&writes, None).map_err(store_fail)? == Committed::Done
                    {
                        return Ok(value);
                    }
                }
                Err(Fail {
                    code: 4,
                    message: format!("{key} kept changing: try again"),
                })
            }
        }
    }
}
