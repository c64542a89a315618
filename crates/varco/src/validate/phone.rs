//! Mobile numbers: what may be enrolled as a recovery mobile, or receive a
//! registration's code.

use crate::Error;
use crate::account::{IdentifierKind, IdentifierRules, LookupKey};

/// A mobile number in international form (`+393331234567`), or an error
/// that says why it is not one. Typed as the user likes (`333 123 4567`,
/// `+39 333-1234567`, `0039…`), in the default country when it has no
/// prefix. An Italian number (+39) is a mobile when its national number
/// starts with 3 and has 9 or 10 digits (the plan's mobile ranges); other
/// countries' numbers are taken when they are valid international numbers
/// (8 to 15 digits).
///
/// ```
/// use varco::account::IdentifierRules;
/// use varco::validate::mobile;
///
/// let rules = IdentifierRules::default();
/// assert_eq!(mobile("333 123 4567", &rules).unwrap(), "+393331234567");
/// assert_eq!(mobile("+39 06 1234 5678", &rules).unwrap_err().code(), "invalid_input"); // Rome, fixed
/// assert_eq!(mobile("+44 7700 900123", &rules).unwrap(), "+447700900123");
/// assert!(mobile("3331", &rules).is_err());
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] for a number that is not a mobile.
pub fn mobile(raw: &str, rules: &IdentifierRules) -> Result<String, Error> {
    let key = LookupKey::of(IdentifierKind::Mobile, raw, rules)?;
    let e164 = key.key();
    if let Some(national) = e164.strip_prefix("+39") {
        let ok = national.starts_with('3') && (9..=10).contains(&national.len());
        if !ok {
            return Err(Error::InvalidInput(
                "mobile: not an Italian mobile number (3xx, 9 or 10 digits)".into(),
            ));
        }
    }
    Ok(e164.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_mobiles_pass_and_fixed_lines_and_short_numbers_do_not() {
        let r = IdentifierRules::default();
        for ok in [
            "3331234567",
            "+39 333 123 4567",
            "0039 320 1234567",
            "333123456",
        ] {
            assert!(mobile(ok, &r).is_ok(), "{ok}");
        }
        for bad in [
            "0612345678",
            "+39 02 1234567",
            "33312345678",
            "33312",
            "",
            "abc",
            "+39",
        ] {
            assert!(mobile(bad, &r).is_err(), "{bad}");
        }
    }
}
