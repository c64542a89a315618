//! Stores for varco's flows, and the host loop that runs on them.
//!
//! varco's core is pure: a step returns the records to write, each with a
//! compare-and-swap expectation, and the effects to carry out (ENGINE §2,
//! §4). This crate gives a host the rest:
//!
//! - a [`Store`] interface and three stores: [`MemoryStore`] (tests,
//!   embedded hosts), [`SqliteStore`] (one file, the embedded default) and
//!   [`PgStore`] (PostgreSQL, for many application servers);
//! - a transactional outbox: a step's effects are stored in the same
//!   commit as its writes, one row per step, messages sealed
//!   ([`varco::outbox`]); [`deliver`] sends them at least once with an
//!   idempotency key per effect and deletes a row once sent;
//! - expiry: every record that ends by itself (flows, challenges) carries
//!   its expiry, indexed, and [`sweep`] deletes what has passed;
//! - the host loop as functions: [`start`], [`start_from_grant`],
//!   [`run`], [`answer`], [`command`], [`provision`], with bounded
//!   retries on conflict;
//! - [`open`]: a store named by one string (a PostgreSQL connection
//!   string, a SQLite file, or `:memory:`), as the CLI's `--db` and the
//!   bindings take it;
//! - the same for async servers (feature `tokio`, on by default):
//!   [`AsyncStore`], [`Blocking`] for the memory and SQLite stores,
//!   [`AsyncPgStore`], and [`run_async`], [`start_async`],
//!   [`provision_async`].
//!
//! # Choices
//! - **rusqlite** for SQLite, not sqlx: a commit must take SQLite's write
//!   lock before it reads what it checks (`BEGIN IMMEDIATE`), or two
//!   processes can both read, both pass their check, and one fail late
//!   with `SQLITE_BUSY` that no busy timeout retries. rusqlite lets us
//!   choose the transaction's kind and the busy timeout; SQLite is
//!   compiled in (`bundled`), so nothing is installed.
//! - **postgres / tokio-postgres** for PostgreSQL: the plain client of
//!   the rust-postgres project, blocking and async over one protocol
//!   implementation. sqlx would bring a second SQLite (`libsqlite3-sys`
//!   twice cannot link) and compile-time query checks we do not need for
//!   a dozen fixed statements.
//!
//! # Isolation and sharding (PostgreSQL)
//! A commit runs at `READ COMMITTED`, which is enough because every write
//! is a conditional statement on one row: `INSERT ... ON CONFLICT DO
//! NOTHING` for "must not exist", `UPDATE ... WHERE revision = r` for a
//! compare-and-swap, `SELECT ... FOR SHARE` for an assert. Each takes the
//! row's lock and re-checks its condition on the newest version after any
//! wait, so of two racing commits of one revision exactly one matches; the
//! other sees zero rows and rolls back as a conflict. A deadlock between
//! two commits (40P01) or a serialization failure (40001) is reported as a
//! conflict too, and retried by the host loop. Stronger isolation would
//! add aborts, not safety.
//!
//! When one database is not enough, shard by account. A sign-in's commits
//! touch one account's records (account, guard, challenges, its flows)
//! plus a source counter and a padding record; route the keys of an
//! account, and of the flows started for it, to the shard its id hashes
//! to (a flow is created before its account is known: keep the shard in
//! the client's session once the identifier is, or start every flow on
//! the shard of its identifier's lookup key). Three kinds of key do not
//! follow the account, and this crate does not route them yet (a
//! `Store` that routes is the place):
//! - **claims** (`claim/<namespace>/<key>`) make identifiers unique, so
//!   each must have one home whatever account holds it: keep them in one
//!   directory database, committed before the account's shard (a crash
//!   between leaves a name reserved with no account, never a name given
//!   twice; a sweep of claims whose account is missing finds them);
//! - **source counters** (`source/...`) are then per shard, and a source
//!   that spreads guesses over accounts on N shards gets N budgets: divide
//!   the source budget by N to keep the global bound (the account's own
//!   budget stays exact, on its shard);
//! - **padding** (`pad/...`) only keeps the shape of a path: per shard is
//!   right.
//!
//! ```
//! use varco_store::{MemoryStore, Store};
//!
//! let store = MemoryStore::new();
//! assert_eq!(store.counts().unwrap().records, 0);
//! ```

#[cfg(feature = "tokio")]
mod asynchronous;
mod error;
mod host;
mod memory;
mod open;
mod outbox;
pub mod schema;
mod store;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(all(feature = "postgres", feature = "tokio"))]
mod postgres_async;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use error::StoreError;
pub use host::{
    Ran, Request, RunError, RunOptions, answer, command, commit_step, provision, run, run_with,
    start, start_from_grant,
};
pub use memory::MemoryStore;
pub use open::{is_postgres, open};
pub use outbox::{Delivered, Delivery, deliver, sweep};
pub use store::{
    Committed, Counts, MAX_KEY_LEN, MAX_RECORD_LEN, MAX_WRITES, OutboxRow, Row, Store,
};

#[cfg(feature = "tokio")]
pub use asynchronous::{
    AsyncStore, Blocking, OwnedRequest, commit_step_async, provision_async, run_async, start_async,
};
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(all(feature = "postgres", feature = "tokio"))]
pub use postgres_async::AsyncPgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteOptions, SqliteStore};
