//! Phone numbers: a mobile (a recovery mobile, a registration's code), a
//! fixed line (the consumer registration takes either).

use serde::Serialize;

use super::{Field, Invalid, Problem};
use crate::account::{IdentifierKind, IdentifierRules, LookupKey};

/// What an Italian national number is, by its first digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Mobile,
    Fixed,
    A2p,
    Other,
}

fn range(national: &str) -> Range {
    let n = national.len();
    if national.starts_with('3') && (9..=10).contains(&n) {
        Range::Mobile
    } else if national.starts_with('0') && (6..=11).contains(&n) {
        Range::Fixed
    } else if national.starts_with("43") {
        Range::A2p
    } else {
        Range::Other
    }
}

/// The number in E.164, or why it is not a phone number at all.
fn e164(raw: &str, rules: &IdentifierRules, field: Field) -> Result<String, Invalid> {
    if raw.trim().is_empty() {
        return Err(Invalid::one(field, Problem::Empty));
    }
    if raw.len() > 64 {
        return Err(Invalid::one(field, Problem::TooLong));
    }
    match LookupKey::of(IdentifierKind::Mobile, raw, rules) {
        Ok(k) => Ok(k.key().to_owned()),
        Err(_) => {
            let allowed = |(i, c): (usize, char)| {
                c.is_ascii_digit() || " -./()".contains(c) || (c == '+' && i == 0)
            };
            let chars_ok = raw.trim().chars().enumerate().all(allowed);
            let p = if chars_ok {
                Problem::PhoneLength
            } else {
                Problem::PhoneCharacters
            };
            Err(Invalid::one(field, p))
        }
    }
}

/// A mobile number in international form (`+393331234567`), or why it is
/// not one. Typed as the user likes (`333 123 4567`, `+39 333-1234567`,
/// `0039…`), in the default country when it has no prefix. An Italian
/// number (+39) is a mobile when its national number starts with 3 and
/// has 9 or 10 digits (the plan's mobile ranges); a fixed line (0…) and
/// the A2P ranges (43…, where applications send from, which cannot receive
/// a user's SMS) are refused by name. Other countries' numbers are taken
/// when they are valid international numbers (8 to 15 digits): their
/// plans are not varco's to know.
///
/// ```
/// use varco::account::IdentifierRules;
/// use varco::validate::mobile;
///
/// let rules = IdentifierRules::default();
/// assert_eq!(mobile("333 123 4567", &rules).unwrap(), "+393331234567");
/// assert_eq!(mobile("+39 06 1234 5678", &rules).unwrap_err().codes(), ["mobile_fixed_line"]);
/// assert_eq!(mobile("430 123 4567", &rules).unwrap_err().codes(), ["mobile_a2p"]);
/// assert_eq!(mobile("+44 7700 900123", &rules).unwrap(), "+447700900123");
/// assert_eq!(mobile("3331", &rules).unwrap_err().codes(), ["phone_length"]);
/// ```
///
/// # Errors
/// [`Invalid`]: `empty`, `too_long`, `phone_characters`, `phone_length`,
/// `mobile_fixed_line`, `mobile_a2p`, `mobile_not_mobile`.
pub fn mobile(raw: &str, rules: &IdentifierRules) -> Result<String, Invalid> {
    let field = Field::Mobile;
    let n = e164(raw, rules, field)?;
    if let Some(national) = n.strip_prefix("+39") {
        let p = match range(national) {
            Range::Mobile => return Ok(n),
            Range::Fixed => Problem::MobileFixedLine,
            Range::A2p => Problem::MobileA2p,
            Range::Other => Problem::MobileNotMobile,
        };
        return Err(Invalid::one(field, p));
    }
    Ok(n)
}

/// A fixed-line number in international form (`+390612345678`): an
/// Italian one starts with 0 and has 6 to 11 digits; other countries'
/// numbers are taken when they are valid international numbers.
///
/// ```
/// use varco::account::IdentifierRules;
/// use varco::validate::fixed_number;
///
/// let rules = IdentifierRules::default();
/// assert_eq!(fixed_number("06 1234 5678", &rules).unwrap(), "+390612345678");
/// assert_eq!(fixed_number("333 123 4567", &rules).unwrap_err().codes(), ["fixed_not_fixed"]);
/// ```
///
/// # Errors
/// [`Invalid`]: `empty`, `too_long`, `phone_characters`, `phone_length`,
/// `fixed_not_fixed`.
pub fn fixed_number(raw: &str, rules: &IdentifierRules) -> Result<String, Invalid> {
    let field = Field::FixedNumber;
    let n = e164(raw, rules, field)?;
    match n.strip_prefix("+39").map(range) {
        None | Some(Range::Fixed) => Ok(n),
        Some(_) => Err(Invalid::one(field, Problem::FixedNotFixed)),
    }
}

/// A number that may be a mobile or a fixed line, and which it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneNumber {
    /// The number in E.164.
    pub e164: String,
    /// Whether it can receive an SMS code: an Italian mobile, or any
    /// foreign number (whose plan varco does not know, so it is proved by
    /// SMS rather than trusted as a fixed line).
    pub mobile: bool,
}

/// A fixed or mobile number, as the consumer registration asks for one:
/// an Italian mobile or fixed line, or a foreign number; the A2P ranges
/// and other Italian ranges (premium, toll-free, ...) are refused.
///
/// ```
/// use varco::account::IdentifierRules;
/// use varco::validate::phone;
///
/// let rules = IdentifierRules::default();
/// assert!(phone("333 123 4567", &rules).unwrap().mobile);
/// assert!(!phone("02 1234567", &rules).unwrap().mobile);
/// assert_eq!(phone("800 123 456", &rules).unwrap_err().codes(), ["mobile_not_mobile"]);
/// ```
///
/// # Errors
/// [`Invalid`]: `empty`, `too_long`, `phone_characters`, `phone_length`,
/// `mobile_a2p`, `mobile_not_mobile`.
pub fn phone(raw: &str, rules: &IdentifierRules) -> Result<PhoneNumber, Invalid> {
    let field = Field::Phone;
    let e164 = e164(raw, rules, field)?;
    let mobile = match e164.strip_prefix("+39").map(range) {
        None | Some(Range::Mobile) => true,
        Some(Range::Fixed) => false,
        Some(Range::A2p) => return Err(Invalid::one(field, Problem::MobileA2p)),
        Some(Range::Other) => return Err(Invalid::one(field, Problem::MobileNotMobile)),
    };
    Ok(PhoneNumber { e164, mobile })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(r: Result<String, Invalid>) -> Vec<&'static str> {
        r.err().map(|e| e.codes()).unwrap_or_default()
    }

    #[test]
    fn italian_mobiles_pass_and_every_other_range_is_named() {
        let r = IdentifierRules::default();
        for ok in [
            "3331234567",
            "+39 333 123 4567",
            "0039 320 1234567",
            "333123456",
            "+39 (347) 123.45.67",
        ] {
            assert!(mobile(ok, &r).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("0612345678", "mobile_fixed_line"),
            ("+39 02 1234567", "mobile_fixed_line"),
            ("+39 430 1234567", "mobile_a2p"),
            ("4391234567", "mobile_a2p"),
            ("33312345678", "mobile_not_mobile"),
            ("800123456", "mobile_not_mobile"),
            ("33312", "phone_length"),
            ("+39", "phone_length"),
            ("", "empty"),
            ("  ", "empty"),
            ("abc", "phone_characters"),
            ("333-CALL-ME", "phone_characters"),
            ("++393331234567", "phone_characters"),
        ] {
            assert_eq!(codes(mobile(bad, &r)), [code], "{bad}");
        }
        assert_eq!(codes(mobile(&"3".repeat(1 << 16), &r)), ["too_long"]);
    }

    #[test]
    fn fixed_lines_and_either() {
        let r = IdentifierRules::default();
        assert_eq!(fixed_number("+39 02 1234567", &r).unwrap(), "+39021234567");
        assert_eq!(codes(fixed_number("4301234567", &r)), ["fixed_not_fixed"]);
        assert!(fixed_number("+41 44 668 18 00", &r).is_ok());
        let p = phone("+44 7700 900123", &r).unwrap();
        assert!(p.mobile, "a foreign number is proved by SMS");
        assert_eq!(
            phone("430 1234567", &r).unwrap_err().codes(),
            ["mobile_a2p"]
        );
        assert_eq!(phone("06 12345678", &r).unwrap().e164, "+390612345678");
    }
}
