//! What can go wrong in a store: never a conflict (that is a value,
//! [`Committed::Conflict`](crate::Committed::Conflict)), only a database
//! that failed, refused or is newer than this code.

/// A store's failure. Its text names the operation and the database's own
/// message; it never holds a record's body or an effect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (I/O, a lost connection, a constraint broken
    /// by something else than varco).
    #[error("database: {0}")]
    Database(String),
    /// What the caller gave is not storable (an empty or oversized key, an
    /// oversized record, a revision past 2^63 - 1).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database's schema is newer than this code knows: a newer
    /// version of varco-store migrated it. Nothing was changed.
    #[error("the database's schema is at version {found}; this code knows up to {known}")]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this code knows.
        known: i64,
    },
    /// A thread panicked while holding the store's lock (memory store).
    #[error("the store's lock was poisoned by a panic")]
    Poisoned,
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(format!("sqlite: {e}"))
    }
}

#[cfg(feature = "postgres")]
impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The error's own text is only "db error": take the server's.
        match e.as_db_error() {
            Some(db) => {
                StoreError::Database(format!("postgres: {} ({})", db.message(), db.code().code()))
            }
            None => StoreError::Database(format!("postgres: {e}")),
        }
    }
}
