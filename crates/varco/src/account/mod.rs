//! The account: its lifecycle (FLOWS F5), one state machine with legal
//! transitions only, each audited with its cause; its identifiers and the
//! lookup keys they are found by; the Italian tax codes it carries (F7).
//! The attempt budgets that feed the lifecycle live in [`crate::guard`].

mod hint;
mod identifier;
mod lifecycle;
mod question;
mod record;

/// The tax codes moved to [`crate::validate`]; these names stay.
pub use crate::validate::{CodiceFiscale, PartitaIva};
pub use hint::Hint;
pub use identifier::{IdentifierKind, IdentifierRules, LookupKey};
pub use lifecycle::{AccountState, Lifecycle, LifecycleEvent, LifecycleOutcome, LockCause};
pub use question::{MAX_ANSWER_BYTES, MobileHold, SecretQuestion, normalize_answer};
pub use record::{Account, Claim, Identifier, PendingCease, ProvisionWrites, RequiredAction};
pub(crate) use record::{account_key, is_account_id};
