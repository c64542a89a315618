//! Breached-password range queries (k-anonymity).

use crate::VarcoError;

/// A k-anonymity range query: send [`prefix`](Self::prefix) to the range
/// API, pass the response body to [`count`](Self::count).
#[derive(uniffi::Object)]
pub struct BreachQuery {
    inner: varco::breach::RangeQuery,
}

#[uniffi::export]
impl BreachQuery {
    /// A query for a password (only 5 hex digits of its SHA-1 leave).
    #[uniffi::constructor]
    pub fn new(password: String) -> Self {
        let password = varco::SecretString::new(password);
        BreachQuery {
            inner: varco::breach::RangeQuery::new(password.expose()),
        }
    }

    /// The prefix to request (`GET /range/{prefix}`).
    pub fn prefix(&self) -> String {
        self.inner.prefix().to_owned()
    }

    /// How many breaches list the password (0: not found).
    pub fn count(&self, body: String) -> Result<u64, VarcoError> {
        Ok(match self.inner.check(&body)? {
            varco::breach::BreachResult::NotFound => 0,
            varco::breach::BreachResult::Breached { count } => count,
        })
    }
}
