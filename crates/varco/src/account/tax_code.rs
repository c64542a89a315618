//! Italian tax codes, validated by format and check character (FLOWS F7):
//! the personal codice fiscale (16 characters) and the organisation's
//! partita IVA (11 digits).

use crate::Error;

/// A personal tax code (codice fiscale), upper-cased, without spaces, its
/// format and check character verified. Omocodic codes (digits replaced by
/// letters to tell apart two people with the same code) are accepted.
///
/// ```
/// use varco::account::CodiceFiscale;
///
/// let cf = CodiceFiscale::parse(" rssmra80a01h501u ").unwrap();
/// assert_eq!(cf.as_str(), "RSSMRA80A01H501U");
/// assert_eq!(CodiceFiscale::parse("RSSMRA80A01H501X").unwrap_err().code(), "invalid_input");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodiceFiscale(String);

/// An organisation's tax code (partita IVA): 11 digits, the last a check
/// digit.
///
/// ```
/// use varco::account::PartitaIva;
///
/// assert_eq!(PartitaIva::parse("IT 00743110157").unwrap().as_str(), "00743110157");
/// assert!(PartitaIva::parse("00743110158").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartitaIva(String);

/// The letters that stand for the digits 0-9 in an omocodic code.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// The month letters, January to December.
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// The value of a character in an odd position (1st, 3rd, ...), for
/// `0`-`9` then `A`-`Z`.
const ODD: [u32; 36] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
    23, // A-Z
];

/// Upper-cases and drops spaces; anything longer than `max` after that is
/// refused before any other work.
fn compact(raw: &str, max: usize, what: &str) -> Result<String, Error> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .take(max + 1)
        .collect();
    if s.chars().count() > max {
        return Err(Error::InvalidInput(format!("{what}: too long")));
    }
    Ok(s)
}

/// The digit a character in a digit position stands for (a digit, or its
/// omocodic letter).
fn digit_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        _ => OMOCODIA
            .iter()
            .position(|&l| l == b)
            .and_then(|i| u32::try_from(i).ok()),
    }
}

impl CodiceFiscale {
    /// Reads a codice fiscale: 6 letters (surname, name), 2 digits (year),
    /// a month letter, 2 digits (day, plus 40 for women), a letter and 3
    /// digits (the place), and the check letter. The birth date must exist
    /// (30 April, 29 February only in a leap year).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a wrong length, format, day, month or
    /// check character.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let bad = |m: &str| Err(Error::InvalidInput(format!("codice fiscale: {m}")));
        let s = compact(raw, 16, "codice fiscale")?;
        let b = s.as_bytes();
        if b.len() != 16 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return bad("16 letters and digits");
        }
        let letters = [0, 1, 2, 3, 4, 5, 8, 11, 15];
        let digits = [6, 7, 9, 10, 12, 13, 14];
        if !letters.iter().all(|&i| b[i].is_ascii_uppercase()) {
            return bad("a letter where a letter belongs");
        }
        if !digits.iter().all(|&i| digit_value(b[i]).is_some()) {
            return bad("a digit where a digit belongs");
        }
        let Some(month) = MONTHS.iter().position(|&m| m == b[8]) else {
            return bad("an unknown month letter");
        };
        let year = digit_value(b[6]).unwrap_or(0) * 10 + digit_value(b[7]).unwrap_or(0);
        let raw_day = digit_value(b[9]).unwrap_or(9) * 10 + digit_value(b[10]).unwrap_or(9);
        let day = raw_day % 40;
        // The two-digit year is 1920-2019 (as python-stdnum reads it), so a
        // year divisible by 4 is a leap year (2000 was one).
        let days_in_month = match month {
            1 if year.is_multiple_of(4) => 29,
            1 => 28,
            3 | 5 | 8 | 10 => 30,
            _ => 31,
        };
        if raw_day > 71 || day == 0 || day > days_in_month {
            return bad("an impossible birth date");
        }
        let sum: u32 = b[..15]
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let index = match c {
                    b'0'..=b'9' => usize::from(c - b'0'),
                    _ => 10 + usize::from(c - b'A'),
                };
                if i % 2 == 0 {
                    ODD[index]
                } else if c.is_ascii_digit() {
                    u32::from(c - b'0')
                } else {
                    u32::from(c - b'A')
                }
            })
            .sum();
        let check = b'A' + u8::try_from(sum % 26).unwrap_or(0);
        if b[15] != check {
            return bad("the check character does not match");
        }
        Ok(CodiceFiscale(s))
    }

    /// The code, upper-case, 16 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartitaIva {
    /// Reads a partita IVA: 11 digits (spaces and an `IT` prefix are
    /// dropped): a non-zero 7-digit number, a tax office (001-100, 120,
    /// 121, 888, 999), and the Luhn check digit of the first ten.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let bad = |m: &str| Err(Error::InvalidInput(format!("partita IVA: {m}")));
        let s = compact(raw, 13, "partita IVA")?;
        let s = s.strip_prefix("IT").unwrap_or(&s).to_owned();
        let b = s.as_bytes();
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
            return bad("11 digits");
        }
        if b[..7].iter().all(|&c| c == b'0') {
            return bad("a zero number");
        }
        // Digits 8-10 name the tax office: 001-100, or 120, 121, 888, 999.
        let office = &s[7..10];
        if !(("001"..="100").contains(&office) || ["120", "121", "888", "999"].contains(&office)) {
            return bad("an unknown tax office");
        }
        let sum: u32 = b[..10]
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let d = u32::from(c - b'0');
                if i % 2 == 0 {
                    d
                } else if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            })
            .sum();
        if u32::from(b[10] - b'0') != (10 - sum % 10) % 10 {
            return bad("the check digit does not match");
        }
        Ok(PartitaIva(s))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omocodic_codes_are_accepted_and_their_check_still_counts() {
        // The same person as RSSMRA80A01H501U with the last digit (1 -> M)
        // and the first day digit (0 -> L) replaced: a new check letter.
        let base = "RSSMRA80A01H501";
        let omocodic = "RSSMRA80AL1H50M";
        for body in [base, omocodic] {
            let ok = (b'A'..=b'Z')
                .filter(|&c| CodiceFiscale::parse(&format!("{body}{}", c as char)).is_ok())
                .count();
            assert_eq!(ok, 1, "exactly one check letter fits {body}");
        }
    }

    #[test]
    fn bad_input_is_an_error_never_a_panic() {
        for raw in [
            "",
            "x",
            "RSSMRA80A01H501",
            "RSSMRA80A01H501UU",
            "RSSMRA80Z01H501U",
            "RSSMRA80A32H501U",
            "ÀSSMRA80A01H501U",
            &"A".repeat(10_000),
        ] {
            assert!(CodiceFiscale::parse(raw).is_err(), "{raw:?}");
        }
        for raw in [
            "",
            "0074311015",
            "007431101577",
            "0074311015x",
            "00000000000",
            "ITIT00743110157",
        ] {
            assert!(PartitaIva::parse(raw).is_err(), "{raw:?}");
        }
    }
}
