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
//!
//! PostgreSQL has one function besides (version 2): `varco_commit`, a
//! step's conditional writes and its outbox row in one statement, so that
//! a commit is one round trip; its definition is in this module's
//! source, with the migrations. Version 3 makes PostgreSQL's `key`
//! `COLLATE "C"`: keys then sort byte by byte, as in SQLite and in memory,
//! whatever the database's own collation (an English one puts `Z` after
//! `account/…`), and compare without a language's rules. The table is not
//! rewritten, but its primary key index is rebuilt under an exclusive
//! lock: on a large database, let one server migrate in a quiet moment.

/// The newest schema version this code knows.
pub const VERSION: i64 = 3;

/// SQLite's migrations: `(version, statements)`.
pub(crate) const SQLITE: &[(i64, &str)] = &[
    (
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
    ),
    // Nothing to add: SQLite's commit is one transaction in the process
    // already. The number keeps both engines at one version.
    (2, ""),
    // SQLite compares text byte by byte (BINARY) already.
    (3, ""),
];

/// PostgreSQL's migrations: `(version, statements)`. Version 2 adds
/// `varco_commit(keys, ops, kinds, revisions, replaces, bodies, expires,
/// outbox_id, outbox_at, outbox_effects)`: for each write in order, op 0
/// inserts if the key is absent (`ON CONFLICT DO NOTHING`), op 1 updates
/// if the revision is `replaces` (`WHERE revision = ...`), op 2 checks the
/// revision and keeps a share lock on the row (`FOR SHARE`); the first
/// that matches no row raises SQLSTATE `VC001` with the key as its
/// message, which rolls back everything the statement did; then the
/// outbox row. The same statements and locks as the version-1 commit, in
/// one round trip instead of one per write.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES: &[(i64, &str)] = &[
    (
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
    ),
    (
        2,
        "CREATE FUNCTION varco_commit(keys TEXT[], ops INT[], kinds TEXT[], revisions BIGINT[],
        replaces BIGINT[], bodies TEXT[], expires BIGINT[], outbox_id TEXT, outbox_at BIGINT,
        outbox_effects TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
    DECLARE
        i INT;
        n INT;
    BEGIN
        FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
            IF ops[i] = 0 THEN
                INSERT INTO varco_records (key, kind, revision, body, expires_at)
                    VALUES (keys[i], kinds[i], revisions[i], bodies[i], expires[i])
                    ON CONFLICT (key) DO NOTHING;
                GET DIAGNOSTICS n = ROW_COUNT;
            ELSIF ops[i] = 1 THEN
                UPDATE varco_records SET kind = kinds[i], revision = revisions[i],
                    body = bodies[i], expires_at = expires[i]
                    WHERE key = keys[i] AND revision = replaces[i];
                GET DIAGNOSTICS n = ROW_COUNT;
            ELSE
                PERFORM 1 FROM varco_records WHERE key = keys[i] AND revision = revisions[i]
                    FOR SHARE;
                n := CASE WHEN FOUND THEN 1 ELSE 0 END;
            END IF;
            IF n = 0 THEN
                RAISE EXCEPTION USING ERRCODE = 'VC001', MESSAGE = keys[i];
            END IF;
        END LOOP;
        IF outbox_id IS NOT NULL THEN
            INSERT INTO varco_outbox (step_id, created_at, effects)
                VALUES (outbox_id, outbox_at, outbox_effects);
        END IF;
    END
    $$;",
    ),
    (
        3,
        "ALTER TABLE varco_records ALTER COLUMN key SET DATA TYPE TEXT COLLATE \"C\";",
    ),
];

/// The statement that creates the version table, on both engines.
pub(crate) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS varco_schema (version BIGINT NOT NULL)";
