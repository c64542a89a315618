//! The C ABI of varco (`libvarco.a`, `libvarco.so`, `include/varco.h`).
//!
//! Conventions (DESIGN.md §4, after rustls-ffi):
//! - Names are `varco_<object>_<verb>`. Every fallible function returns a
//!   [`varco_result`]; [`varco_last_error`] gives the message of the last
//!   failure on the calling thread.
//! - Text and bytes go in as a pointer and a length (no NUL needed). Text
//!   must be UTF-8 ([`varco_result::VARCO_INVALID_UTF8`] otherwise). A NULL
//!   pointer is [`varco_result::VARCO_NULL_POINTER`], except where a
//!   parameter is documented as optional, when NULL means "absent".
//! - Text comes out into the caller's buffer (`buf`, `cap`) and is
//!   NUL-terminated; `*written` gets its length without the NUL. When
//!   `cap` is too small the call returns
//!   [`varco_result::VARCO_BUFFER_TOO_SMALL`], writes nothing to `buf`, and
//!   sets `*written` to the length needed (without the NUL): retry with
//!   `*written + 1` bytes. Other out-parameters are written only on success.
//! - Objects are opaque handles made by `_new` functions and released with
//!   `_free` (`_free(NULL)` does nothing). A handle made by `_new` is
//!   immutable and may be shared between threads, except while an
//!   `_add_old_key` call runs on it. A [`varco_step`] belongs to one thread
//!   at a time.
//! - Times are Unix milliseconds, passed in by the host.
//! - Every function body runs behind `catch_unwind`: a bug inside varco
//!   returns [`varco_result::VARCO_INTERNAL`] instead of unwinding into C.
//!   (Build with the default `panic = "unwind"`.)
//!
//! Steps (issuing a code, verifying one, a guard decision, ...) return a
//! [`varco_step`]: an outcome as JSON, the state to store (opaque text),
//! and the effects to carry out, each as JSON.
//!
//! A [`varco_store`] (a SQLite file, PostgreSQL, or memory) runs the
//! flows' host loop itself: `varco_store_advance` and its siblings commit
//! every step and keep its effects in an outbox that a sender drains with
//! `varco_store_claim_outbox`.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// Every entry point is `unsafe extern "C"`; the contract of each pointer is
// the crate-level one above, restated briefly on each function.
#![allow(clippy::missing_safety_doc)]

mod breach;
mod delivery;
mod ffi;
mod flow;
mod guard;
mod hash;
mod identifier;
mod keys;
mod lifecycle;
mod otp;
mod policy;
mod recovery;
mod result;
mod step;
mod store;
mod throttle;
mod validate;

pub use breach::*;
pub use delivery::*;
pub use flow::*;
pub use guard::*;
pub use hash::*;
pub use identifier::*;
pub use keys::*;
pub use lifecycle::*;
pub use otp::*;
pub use policy::*;
pub use recovery::*;
pub use result::*;
pub use step::*;
pub use store::*;
pub use throttle::*;
pub use validate::*;
