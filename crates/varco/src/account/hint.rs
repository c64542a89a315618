//! Hints: the identifiers that may belong to several accounts (a codice
//! fiscale: a consumer and a business account; a fixed line, reassigned)
//! and the accounts that declare them (ENGINE §1). A claim makes an
//! identifier unique; a hint (`hint/<namespace>/<key>`) lists every
//! account that holds it, so that a reset by codice fiscale or by fixed
//! number finds its account.

use serde::{Deserialize, Serialize};

use super::record::is_account_id;
use crate::Error;
use crate::record::Record;

/// The accounts one many-to-one identifier names, in order, at most
/// [`Hint::MAX_ACCOUNTS`]. Written with a compare-and-swap by whatever
/// creates an account with the identifier (provisioning, a registration)
/// and by a cease that ends one of them.
///
/// ```
/// use varco::account::Hint;
///
/// let h = Hint::default().with("b2").unwrap().with("a1").unwrap().with("b2").unwrap();
/// assert_eq!(h.accounts(), ["a1", "b2"]);
/// assert_eq!(h.only(), None); // two accounts: no one account to reset
/// assert_eq!(h.without("b2").only(), Some("a1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    accounts: Vec<String>,
}

impl Hint {
    /// The most accounts one identifier may name: a codice fiscale with
    /// more accounts than this is refused at the next account's creation.
    pub const MAX_ACCOUNTS: usize = 16;

    /// The accounts, in order.
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// The one account the identifier names, when it names exactly one.
    pub fn only(&self) -> Option<&str> {
        match self.accounts.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The hint naming `account` too (unchanged if it does already).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad account id, or when the hint
    /// names [`MAX_ACCOUNTS`](Self::MAX_ACCOUNTS) accounts already.
    pub fn with(&self, account: &str) -> Result<Hint, Error> {
        if !is_account_id(account) {
            return Err(Error::InvalidInput(
                "an account id is 1 to 64 of [A-Za-z0-9_-]".into(),
            ));
        }
        let mut next = self.clone();
        if let Err(at) = next.accounts.binary_search_by(|a| a.as_str().cmp(account)) {
            if next.accounts.len() >= Self::MAX_ACCOUNTS {
                return Err(Error::InvalidInput(format!(
                    "an identifier of this kind names at most {} accounts",
                    Self::MAX_ACCOUNTS
                )));
            }
            next.accounts.insert(at, account.to_owned());
        }
        Ok(next)
    }

    /// The hint without `account`.
    pub fn without(&self, account: &str) -> Hint {
        Hint {
            accounts: self
                .accounts
                .iter()
                .filter(|a| *a != account)
                .cloned()
                .collect(),
        }
    }
}

impl Record for Hint {
    const KIND: &'static str = "hint";
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = 4096;

    fn validate(&self) -> Result<(), Error> {
        let ordered = self.accounts.windows(2).all(|w| w[0] < w[1]);
        if self.accounts.len() > Self::MAX_ACCOUNTS
            || !ordered
            || !self.accounts.iter().all(|a| is_account_id(a))
        {
            return Err(Error::Deserialize(format!(
                "hint: at most {} account ids, in order, each once",
                Self::MAX_ACCOUNTS
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Stored;

    #[test]
    fn a_hint_names_each_account_once_in_order_and_at_most_sixteen() {
        let mut h = Hint::default();
        for i in (0..16).rev() {
            h = h.with(&format!("a{i:02}")).unwrap();
        }
        assert_eq!(h.accounts().len(), 16);
        assert!(h.accounts().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(h.with("a03").unwrap(), h);
        assert_eq!(h.with("z").unwrap_err().code(), "invalid_input");
        assert_eq!(h.with("").unwrap_err().code(), "invalid_input");
        assert_eq!(h.without("a03").accounts().len(), 15);
        assert_eq!(h.without("nobody"), h);
    }

    #[test]
    fn a_stored_hint_out_of_order_or_too_long_is_refused() {
        let ok = r#"{"kind":"hint","version":1,"revision":1,"last_seen":0,"body":{"accounts":["a1","b2"]}}"#;
        assert_eq!(
            Stored::<Hint>::from_json(ok).unwrap().body().accounts(),
            ["a1", "b2"]
        );
        for body in [
            r#"{"accounts":["b2","a1"]}"#,
            r#"{"accounts":["a1","a1"]}"#,
            r#"{"accounts":["a 1"]}"#,
        ] {
            let json = format!(
                r#"{{"kind":"hint","version":1,"revision":1,"last_seen":0,"body":{body}}}"#
            );
            assert_eq!(
                Stored::<Hint>::from_json(&json).unwrap_err().code(),
                "deserialize",
                "{body}"
            );
        }
    }
}
