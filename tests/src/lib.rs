//! Cross-crate test suites for varco live beside this file, in `tests/`:
//! `policy_journeys.rs` (FLOWS F1 end to end), `hashing.rs` (RFC 9106 and
//! reference PHC vectors, FLOWS F2) and `properties.rs` (proptest invariants).

/// The README, so that its Rust example is compiled and run as a doctest.
#[doc = include_str!("../../README.md")]
pub mod readme {}
