//! The organisation's tax code (FLOWS F7): the 11-digit partita IVA, which
//! is also the codice fiscale of a company; a sole trader's is the owner's
//! personal codice fiscale.

use super::codice_fiscale::compact;
use super::{CodiceFiscale, Field, Invalid, Problem};

/// An organisation's tax code (partita IVA): 11 digits, the last a check
/// digit.
///
/// ```
/// use varco::validate::{PartitaIva, Problem};
///
/// assert_eq!(PartitaIva::parse("IT 00743110157").unwrap().as_str(), "00743110157");
/// assert_eq!(PartitaIva::parse("00743110158").unwrap_err().problems(), &[Problem::VatCheck]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartitaIva(String);

impl PartitaIva {
    /// Reads a partita IVA: 11 digits (spaces and an `IT` prefix are
    /// dropped): a non-zero 7-digit number, a tax office (001-100, 120,
    /// 121, 888, 999), and the Luhn check digit of the first ten.
    ///
    /// # Errors
    /// [`Invalid`] with every problem found: `empty`, `too_long`,
    /// `vat_length` (read no further), or any of `vat_zero`, `vat_office`,
    /// `vat_check`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::parse_as(raw, Field::PartitaIva)
    }

    fn parse_as(raw: &str, field: Field) -> Result<Self, Invalid> {
        let s = compact(raw, 64, field)?;
        let s = s.strip_prefix("IT").unwrap_or(&s).to_owned();
        let b = s.as_bytes();
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
            return Err(Invalid::one(field, Problem::VatLength));
        }
        let mut problems = Vec::new();
        if b[..7].iter().all(|&c| c == b'0') {
            problems.push(Problem::VatZero);
        }
        let office = &s[7..10];
        if !(("001"..="100").contains(&office) || ["120", "121", "888", "999"].contains(&office)) {
            problems.push(Problem::VatOffice);
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
            problems.push(Problem::VatCheck);
        }
        match Invalid::new(field, problems) {
            Some(e) => Err(e),
            None => Ok(PartitaIva(s)),
        }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The codice fiscale of an organisation, as the registration asks for it:
/// a company's 11 digits (its partita IVA), or a sole trader's personal
/// codice fiscale (16 characters). Which one is told by the shape: letters
/// other than an `IT` prefix, or 16 characters, make it personal.
///
/// ```
/// use varco::validate::organisation_code;
///
/// assert_eq!(organisation_code("00743110157").unwrap(), "00743110157");
/// assert_eq!(organisation_code("rssmra80a01h501u").unwrap(), "RSSMRA80A01H501U");
/// assert_eq!(organisation_code("0074311015").unwrap_err().codes(), ["vat_length"]);
/// ```
///
/// # Errors
/// [`Invalid`] (field `organisation_code`) with the problems of the shape
/// it was read as.
pub fn organisation_code(raw: &str) -> Result<String, Invalid> {
    let field = Field::OrganisationCode;
    let s = compact(raw, 64, field)?;
    let body = s.strip_prefix("IT").unwrap_or(&s);
    if s.len() == 16 || body.bytes().any(|b| b.is_ascii_alphabetic()) {
        return CodiceFiscale::parse(&s)
            .map(|c| c.as_str().to_owned())
            .map_err(|e| Invalid::new(field, e.problems().to_vec()).unwrap_or(e));
    }
    PartitaIva::parse_as(&s, field).map(|p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An independent Luhn: the check digit that makes the sum of the
    /// doubled-from-the-right digits a multiple of ten.
    fn with_check(ten: &str) -> String {
        let sum: u32 = ten
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap();
                if i % 2 == 0 {
                    (d * 2) / 10 + (d * 2) % 10
                } else {
                    d
                }
            })
            .sum();
        format!("{ten}{}", (10 - sum % 10) % 10)
    }

    #[test]
    fn every_problem_is_found_at_once() {
        for (raw, want) in [
            ("", vec![Problem::Empty]),
            ("0074311015", vec![Problem::VatLength]),
            ("007431101577", vec![Problem::VatLength]),
            ("0074311015x", vec![Problem::VatLength]),
            ("ITIT00743110157", vec![Problem::VatLength]),
            ("00000000000", vec![Problem::VatZero, Problem::VatOffice]),
            ("00743112001", vec![Problem::VatOffice, Problem::VatCheck]),
        ] {
            assert_eq!(
                PartitaIva::parse(raw).unwrap_err().problems(),
                want,
                "{raw:?}"
            );
        }
        assert_eq!(
            PartitaIva::parse(&"1".repeat(10_000))
                .unwrap_err()
                .problems(),
            [Problem::TooLong]
        );
        for ten in [
            "0074311015",
            "1234567001",
            "0000001120",
            "9999999999",
            "1000000888",
        ] {
            assert!(PartitaIva::parse(&with_check(ten)).is_ok(), "{ten}");
        }
    }

    #[test]
    fn every_single_digit_change_is_refused() {
        let good = with_check("0123456078");
        assert!(PartitaIva::parse(&good).is_ok());
        for i in 0..11 {
            for d in b'0'..=b'9' {
                let mut b = good.clone().into_bytes();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                assert!(
                    PartitaIva::parse(std::str::from_utf8(&b).unwrap()).is_err(),
                    "{i} {d}"
                );
            }
        }
    }

    #[test]
    fn an_organisation_code_is_either_shape_under_its_own_field() {
        let e = organisation_code("RSSMRA80A01H501X").unwrap_err();
        assert_eq!(
            (e.field(), e.problems()),
            (Field::OrganisationCode, &[Problem::CfCheck][..])
        );
        let e = organisation_code("00743110158").unwrap_err();
        assert_eq!(
            (e.field(), e.problems()),
            (Field::OrganisationCode, &[Problem::VatCheck][..])
        );
        assert_eq!(organisation_code("IT00743110157").unwrap(), "00743110157");
        assert_eq!(
            organisation_code(" ").unwrap_err().problems(),
            [Problem::Empty]
        );
    }
}
