//! The flow engine (ENGINE §2-§5) and its flows: the login (FLOWS F4, F5
//! at sign-in) and the step-up; the password reset, the password change
//! and the recovery-mobile enrollment (F6, F1); an operator's forced
//! reset (a [`Command`]); the registration (F7).
//!
//! A [`FlowEngine`] is built once from configuration and keys. It holds no
//! state: the host passes the flow record, the records it loaded, the
//! input and the time, and gets back one [`FlowStep`]: the outcome, the
//! view, the writes (one atomic commit, each a compare-and-swap, a "must
//! not exist" or an assert), the effects, and what to do next.
//!
//! ## The host loop
//! ```text
//! load the flow and the records it names
//! step = advance(flow, submit, records, now, rng)
//! commit step.writes atomically, in order (each CAS, must-not-exist or assert)
//!   conflict               -> reload, advance again (no password is hashed twice)
//! then Load(keys)          -> load them, advance again
//! then CommitAndRepeat(t)  -> reload, advance again with the same input and t
//! then Respond             -> reply with step.view; the effects go to the outbox
//! ```
//! The effects of a step go to an outbox in the same commit and are sent
//! after the reply, so the answer's timing is the same for known and
//! unknown accounts.

mod cease;
mod command;
mod config;
mod decoy;
mod engine;
mod forced_reset;
mod hints;
mod host_fact;
mod input;
mod login;
mod new_password;
mod owner_link;
mod password_change;
mod provision;
mod records;
mod recovery_code;
mod recovery_mobile;
mod registration;
mod required_action;
mod reservation;
mod reset;
mod session;
mod state;
mod step;
mod username_recovery;
mod view;

pub use command::{Actor, CeaseDecision, Command};
pub use config::{EngineConfig, EngineKeys, RecoveryConfig, RegistrationConfig, SecondFactorRule};
pub use decoy::Padding;
pub use engine::{
    FlowEngine, StartContext, Submit, challenge_key, destination_key, guard_key, source_key,
};
pub use host_fact::HostFact;
pub use input::{DuplicateChoice, Input};
pub use provision::{NewAccount, NewIdentifier};
pub use records::{FlowWrite, Records, WriteOp};
pub use registration::probe_key;
pub use session::{Requirement, SessionCheck, SessionGrant};
pub use state::{Flow, FlowKind};
pub use step::{FlowOutcome, FlowStep, Rejection, Secret, Started, Then};
pub use view::{
    BlockCause, Done, EndReason, FormValue, HostQuestion, Method, Screen, Unblock, View, ViewError,
};
