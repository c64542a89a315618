//! The schema and its migrations, one list per engine. A migration is
//! applied once, in order, inside one transaction with the version bump;
//! a database whose version is newer than the last here is refused
//! ([`StoreError::SchemaTooNew`](crate::StoreError::SchemaTooNew)).
//!
//! The tables, the same on both engines:
//! - `varco_records (key, kind, revision, body, expires_at)`: one row per
//!   record, `key` the primary key, `expires_at` (milliseconds, NULL for
//!   records that last) indexed for the sweep;
//! - `varco_outbox (step_id, created_at, claimed_until, effects)`: one row
//!   per committed step with effects, deleted once sent;
//! - `varco_schema (version)`: one row, the schema's version.

/// The newest schema version this code knows.
pub const VERSION: i64 = 1;

/// SQLite's migrations: `(version, statements)`.
pub(crate) const SQLITE: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE varco_records (
        key TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL,
        revision INTEGER NOT NULL,
        body TEXT NOT NULL,
        expires_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX varco_records_expiry ON varco_records (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE varco_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        step_id TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        claimed_until INTEGER NOT NULL DEFAULT 0,
        effects TEXT NOT NULL
    );
    CREATE INDEX varco_outbox_due ON varco_outbox (claimed_until, seq);",
)];

/// PostgreSQL's migrations: `(version, statements)`.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE varco_records (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        revision BIGINT NOT NULL,
        body TEXT NOT NULL,
        expires_at BIGINT
    );
    CREATE INDEX varco_records_expiry ON varco_records (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE varco_outbox (
        seq BIGSERIAL PRIMARY KEY,
        step_id TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL DEFAULT 0,
        effects TEXT NOT NULL
    );
    CREATE INDEX varco_outbox_due ON varco_outbox (claimed_until, seq);",
)];

/// The statement that creates the version table, on both engines.
pub(crate) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS varco_schema (version BIGINT NOT NULL)";
