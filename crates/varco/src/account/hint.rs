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
/// [`Hint::MAX_ACCOUNTS`]; past that, it only says that more accounts hold
/// the identifier (`overflow`). Written with a compare-and-swap by
/// whatever creates an account with the identifier (provisioning, a
/// registration) and by a cease that ends one of them.
///
/// ```
/// use varco::account::Hint;
///
/// let h = Hint::default().with("b2").unwrap().with("a1").unwrap().with("b2").unwrap();
/// assert_eq!(h.accounts(), ["a1", "b2"]);
/// assert_eq!(h.only(), None); // two accounts: no one account to reset
/// assert!(h.several());
/// assert_eq!(h.without("b2").only(), Some("a1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    accounts: Vec<String>,
    /// More accounts hold the identifier than the list has room for: it
    /// names no one account again, even when accounts leave the list (the
    /// ones beyond it were never listed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    overflow: bool,
}

impl Hint {
    /// The most accounts a hint lists. Past it, a new account with the
    /// identifier is still created; the hint marks itself as overflowing
    /// and names no one account from then on. Refusing it instead would
    /// let anyone who registers sixteen accounts with a victim's codice
    /// fiscale keep the victim from having one.
    pub const MAX_ACCOUNTS: usize = 16;

    /// The accounts, in order.
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// The one account the identifier names, when it names exactly one.
    pub fn only(&self) -> Option<&str> {
        match self.accounts.as_slice() {
            [one] if !self.overflow => Some(one),
            _ => None,
        }
    }

    /// Whether the identifier names several accounts (listed, or more than
    /// the list has room for).
    pub fn several(&self) -> bool {
        self.overflow || self.accounts.len() > 1
    }

    /// Whether more accounts hold the identifier than the list has room
    /// for.
    pub fn overflows(&self) -> bool {
        self.overflow
    }

    /// The hint naming `account` too (unchanged if it does already); when
    /// it lists [`MAX_ACCOUNTS`](Self::MAX_ACCOUNTS) already, the hint
    /// marks itself as overflowing instead.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad account id.
    pub fn with(&self, account: &str) -> Result<Hint, Error> {
        if !is_account_id(account) {
            return Err(Error::InvalidInput(
                "an account id is 1 to 64 of [A-Za-z0-9_-]".into(),
            ));
        }
        let mut next = self.clone();
        if let Err(at) = next.accounts.binary_search_by(|a| a.as_str().cmp(account)) {
            if next.accounts.len() >= Self::MAX_ACCOUNTS {
                next.overflow = true;
            } else {
                next.accounts.insert(at, account.to_owned());
            }
        }
        Ok(next)
    }

    /// The hint without `account` (still overflowing if it was).
    pub fn without(&self, account: &str) -> Hint {
        Hint {
            accounts: self
                .accounts
                .iter()
                .filter(|a| *a != account)
                .cloned()
                .collect(),
            overflow: self.overflow,
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
        assert_eq!(h.with("").unwrap_err().code(), "invalid_input");
        assert_eq!(h.without("a03").accounts().len(), 15);
        assert_eq!(h.without("nobody"), h);
        assert!(!h.overflows());
    }

    /// A seventeenth account is not refused: the hint overflows, and names
    /// no one account again, even once all but one of those listed leave.
    #[test]
    fn a_full_hint_overflows_rather_than_refuse_an_account() {
        let mut h = Hint::default();
        for i in 0..16 {
            h = h.with(&format!("a{i:02}")).unwrap();
        }
        let over = h.with("z").unwrap();
        assert!(over.overflows() && over.several());
        assert_eq!(over.accounts(), h.accounts());
        assert_eq!(over.with("y").unwrap(), over, "no growth past the list");
        let mut left = over.clone();
        for i in 1..16 {
            left = left.without(&format!("a{i:02}"));
        }
        assert_eq!(left.accounts(), ["a00"]);
        assert_eq!(left.only(), None);
        assert!(left.several());
        let body = serde_json::to_string(&left).unwrap();
        assert_eq!(body, r#"{"accounts":["a00"],"overflow":true}"#);
        let json =
            format!(r#"{{"kind":"hint","version":1,"revision":1,"last_seen":0,"body":{body}}}"#);
        assert_eq!(Stored::<Hint>::from_json(&json).unwrap().body(), &left);
        // Without overflow, the field is not written.
        assert!(!serde_json::to_string(&h).unwrap().contains("overflow"));
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
