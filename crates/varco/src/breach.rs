//! Breached-password lookups by k-anonymity range query.
