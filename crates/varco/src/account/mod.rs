//! The account (FLOWS F5): its lifecycle, one state machine with legal
//! transitions only, each audited with its cause. The attempt budgets that
//! feed it live in [`crate::guard`].

mod lifecycle;

pub use lifecycle::{AccountState, Lifecycle, LifecycleEvent, LifecycleOutcome, LockCause};
