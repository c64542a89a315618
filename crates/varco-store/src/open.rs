//! A store named by one string, as the CLI's `--db` and the bindings take
//! it: a PostgreSQL connection string, `:memory:`, or a SQLite file.

use crate::{MemoryStore, Store, StoreError};

/// Whether `name` is a PostgreSQL connection string: a
/// `postgres://`/`postgresql://` URL, or key=value pairs naming a `host`
/// or a `dbname`.
///
/// ```
/// assert!(varco_store::is_postgres("postgresql://varco@localhost/varco"));
/// assert!(varco_store::is_postgres("host=/tmp dbname=varco"));
/// assert!(!varco_store::is_postgres("accounts.db"));
/// ```
pub fn is_postgres(name: &str) -> bool {
    name.starts_with("postgres://")
        || name.starts_with("postgresql://")
        || name
            .split_whitespace()
            .any(|w| w.starts_with("host=") || w.starts_with("dbname="))
}

/// Opens the store `name` names:
/// - a PostgreSQL connection string ([`is_postgres`]): a
///   [`PgStore`](crate::PgStore) (feature `postgres`);
/// - `:memory:`: a new, empty [`MemoryStore`] (gone with the process;
///   SQLite's own `:memory:` would give each connection a database of its
///   own);
/// - anything else: the SQLite file at that path, created with its schema
///   if missing ([`SqliteStore`](crate::SqliteStore), feature `sqlite`).
///
/// ```
/// let store = varco_store::open(":memory:").unwrap();
/// assert_eq!(store.counts().unwrap().records, 0);
/// assert!(varco_store::open("").is_err());
/// ```
///
/// # Errors
/// [`StoreError::Invalid`] for an empty name or an engine this build
/// leaves out; [`StoreError::Database`] when the database cannot be
/// opened; [`StoreError::SchemaTooNew`] when its schema is newer than
/// this code.
pub fn open(name: &str) -> Result<Box<dyn Store>, StoreError> {
    if name.is_empty() || name.contains('\0') {
        return Err(StoreError::Invalid(
            "a store name is a PostgreSQL connection string, :memory:, or a file path".into(),
        ));
    }
    if name == ":memory:" {
        return Ok(Box::new(MemoryStore::new()));
    }
    if is_postgres(name) {
        #[cfg(feature = "postgres")]
        return Ok(Box::new(crate::PgStore::connect(name)?));
        #[cfg(not(feature = "postgres"))]
        return Err(StoreError::Invalid(
            "this build has no PostgreSQL store (feature postgres)".into(),
        ));
    }
    #[cfg(feature = "sqlite")]
    return Ok(Box::new(crate::SqliteStore::open(name)?));
    #[cfg(not(feature = "sqlite"))]
    Err(StoreError::Invalid(
        "this build has no SQLite store (feature sqlite)".into(),
    ))
}
