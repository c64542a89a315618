//! Links to an account's owner on the channels they had before a change
//! (FLOWS F6, F7): the link that cancels a recovery mobile change, sent to
//! the old number and the email; the link that confirms or refuses a cease
//! a newer registration asked for, emailed to the old account's owner.
//!
//! varco draws the token (32 random bytes, 64 hex digits), puts it in the
//! message, and keeps only its SHA-256 in the account record beside what
//! the link answers. The host's page gives the token back in the command
//! (`Command::CancelMobileChange`, `Command::ResolveCease`); it is
//! compared in constant time, and it holds only while what it answers is
//! pending. The host signs and stores nothing of its own.
//!
//! An operator (who checked the owner's identity out of band) may give the
//! command without a token; the host may not.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::step::{Secret, matches_digest};
use crate::{Error, SecretString};

/// A link drawn for an account's owner: its address (with the token in
/// it) and the token's digest, to keep.
pub(crate) struct OwnerLink {
    /// The address, `{account}` and `{token}` replaced.
    pub(crate) url: Zeroizing<String>,
    /// The token's SHA-256, hex.
    pub(crate) digest: String,
}

impl OwnerLink {
    /// Draws a link for `account` on the address `template`.
    pub(crate) fn draw<R: CryptoRng + ?Sized>(template: &str, account: &str, rng: &mut R) -> Self {
        let token = Secret::draw(rng);
        OwnerLink {
            url: Zeroizing::new(
                template
                    .replace("{account}", account)
                    .replace("{token}", token.expose()),
            ),
            digest: token.digest(),
        }
    }
}

/// Whether a command may go on: `token` (if given) must be the link whose
/// digest is `stored`; without a token, only an operator may.
///
/// # Errors
/// [`Error::InvalidInput`], the same for a wrong token, a link that is
/// over, and none where one is needed: the host tells the owner the link
/// does not hold.
pub(crate) fn check(
    token: Option<&SecretString>,
    stored: Option<&str>,
    by_operator: bool,
) -> Result<(), Error> {
    let holds = match (token, stored) {
        (Some(t), Some(s)) => matches_digest(t.expose(), s),
        (Some(_), None) => false,
        (None, _) => by_operator,
    };
    if holds {
        Ok(())
    } else {
        Err(Error::InvalidInput(
            "the link does not hold (wrong, or what it answers is over)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_holds_for_its_token_only_and_an_operator_needs_none() {
        let mut rng = rand::rng();
        let link = OwnerLink::draw("https://x/c?a={account}&t={token}", "a7", &mut rng);
        let token = link.url.rsplit("t=").next().unwrap().to_owned();
        assert!(link.url.starts_with("https://x/c?a=a7&t="));
        assert_eq!(token.len(), 64);
        let given = SecretString::new(token);
        assert!(check(Some(&given), Some(&link.digest), false).is_ok());
        assert!(check(Some(&given), Some(&link.digest), true).is_ok());
        let forged = SecretString::new("0".repeat(64));
        assert!(check(Some(&forged), Some(&link.digest), false).is_err());
        assert!(check(Some(&forged), Some(&link.digest), true).is_err());
        assert!(check(Some(&given), None, false).is_err());
        assert!(check(None, Some(&link.digest), false).is_err());
        assert!(check(None, Some(&link.digest), true).is_ok());
        assert!(check(None, None, true).is_ok());
    }
}
