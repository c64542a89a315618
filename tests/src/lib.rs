//! Cross-crate test suites for varco live beside this file, in `tests/`:
//! `policy_journeys.rs` (FLOWS F1 end to end), `hashing.rs` (RFC 9106 and
//! reference PHC vectors, FLOWS F2) and `properties.rs` (proptest invariants).
