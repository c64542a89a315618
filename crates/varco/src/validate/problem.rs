//! What is wrong with a field: stable codes for programs, Italian and
//! English messages for people, every problem at once (a form shows them
//! all, not one per submit).

use serde::{Deserialize, Serialize};

use super::Field;
use crate::{Error, Lang};

/// One thing wrong with what a user typed. The code ([`Problem::code`]) is
/// stable; the messages may be reworded.
///
/// ```
/// use varco::Lang;
/// use varco::validate::Problem;
///
/// assert_eq!(Problem::CfCheck.code(), "cf_check");
/// assert_eq!(Problem::CfCheck.message(Lang::It), "Il carattere di controllo del codice fiscale non corrisponde.");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nothing was typed.
    Empty,
    /// Far longer than any value of the field.
    TooLong,
    /// A codice fiscale is not 16 characters long.
    CfLength,
    /// A character that is neither a letter nor a digit.
    CfCharacters,
    /// A digit where the code has a letter (name, surname, month, place,
    /// check).
    CfLetterExpected,
    /// A letter where the code has a digit, and not one of the omocodia
    /// letters `LMNPQRSTUV`.
    CfDigitExpected,
    /// The month letter is not one of `ABCDEHLMPRST`.
    CfMonth,
    /// The day is not a day of that month (1-31, or 41-71 for women).
    CfDay,
    /// The check character does not match the other fifteen.
    CfCheck,
    /// The surname letters do not match the surname given.
    CfSurname,
    /// The name letters do not match the first name given.
    CfName,
    /// The year, month or day does not match the birth date given.
    CfBirthDate,
    /// The day's +40 does not match the sex given.
    CfSex,
    /// An organisation's code (partita IVA) is not 11 digits.
    VatLength,
    /// The number part is all zeros.
    VatZero,
    /// Digits 8-10 name no tax office (001-100, 120, 121, 888, 999).
    VatOffice,
    /// The check digit does not match the first ten.
    VatCheck,
    /// A phone number with letters or other symbols in it.
    PhoneCharacters,
    /// Too few or too many digits for a phone number.
    PhoneLength,
    /// A fixed-line number where a mobile is required.
    MobileFixedLine,
    /// A number of the A2P ranges (Italy's 43x), where applications send
    /// messages from: it cannot receive a user's SMS.
    MobileA2p,
    /// An Italian number that is not in the mobile ranges (3xx, 9 or 10
    /// digits).
    MobileNotMobile,
    /// A number that is not an Italian fixed line (0x, 6 to 11 digits)
    /// where one is asked for.
    FixedNotFixed,
    /// Not of the form `name@domain.tld`.
    EmailFormat,
    /// The part before `@` has characters portals refuse, or dots at its
    /// ends or two in a row.
    EmailLocalPart,
    /// The domain is not made of valid labels ending in a top-level
    /// domain of letters.
    EmailDomain,
    /// A certified-mail (PEC) address, refused where the flow wants an
    /// ordinary mailbox.
    EmailPec,
}

impl Problem {
    /// The stable code (`"cf_check"`).
    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// The message for a person, in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        let (_, it, en) = self.texts();
        lang.pick(it, en)
    }

    fn texts(self) -> (&'static str, &'static str, &'static str) {
        use Problem::*;
        match self {
            Empty => ("empty", "Il campo è vuoto.", "The field is empty."),
            TooLong => (
                "too_long",
                "Il valore è troppo lungo.",
                "The value is too long.",
            ),
            CfLength => (
                "cf_length",
                "Il codice fiscale ha 16 caratteri.",
                "A codice fiscale has 16 characters.",
            ),
            CfCharacters => (
                "cf_characters",
                "Il codice fiscale contiene solo lettere e cifre.",
                "A codice fiscale has only letters and digits.",
            ),
            CfLetterExpected => (
                "cf_letter_expected",
                "Il codice fiscale ha una cifra dove va una lettera.",
                "The codice fiscale has a digit where a letter belongs.",
            ),
            CfDigitExpected => (
                "cf_digit_expected",
                "Il codice fiscale ha una lettera dove va una cifra.",
                "The codice fiscale has a letter where a digit belongs.",
            ),
            CfMonth => (
                "cf_month",
                "La lettera del mese di nascita non è valida.",
                "The birth month letter is not valid.",
            ),
            CfDay => (
                "cf_day",
                "Il giorno di nascita non esiste.",
                "The birth day does not exist.",
            ),
            CfCheck => (
                "cf_check",
                "Il carattere di controllo del codice fiscale non corrisponde.",
                "The check character of the codice fiscale does not match.",
            ),
            CfSurname => (
                "cf_surname",
                "Il codice fiscale non corrisponde al cognome.",
                "The codice fiscale does not match the surname.",
            ),
            CfName => (
                "cf_name",
                "Il codice fiscale non corrisponde al nome.",
                "The codice fiscale does not match the first name.",
            ),
            CfBirthDate => (
                "cf_birth_date",
                "Il codice fiscale non corrisponde alla data di nascita.",
                "The codice fiscale does not match the birth date.",
            ),
            CfSex => (
                "cf_sex",
                "Il codice fiscale non corrisponde al sesso.",
                "The codice fiscale does not match the sex.",
            ),
            VatLength => (
                "vat_length",
                "La partita IVA ha 11 cifre.",
                "A partita IVA has 11 digits.",
            ),
            VatZero => (
                "vat_zero",
                "La partita IVA non può essere tutta zeri.",
                "A partita IVA cannot be all zeros.",
            ),
            VatOffice => (
                "vat_office",
                "La partita IVA indica un ufficio che non esiste.",
                "The partita IVA names no tax office.",
            ),
            VatCheck => (
                "vat_check",
                "La cifra di controllo della partita IVA non corrisponde.",
                "The check digit of the partita IVA does not match.",
            ),
            PhoneCharacters => (
                "phone_characters",
                "Il numero contiene caratteri non ammessi.",
                "The number has characters that are not allowed.",
            ),
            PhoneLength => (
                "phone_length",
                "Il numero ha troppe o troppo poche cifre.",
                "The number has too many or too few digits.",
            ),
            MobileFixedLine => (
                "mobile_fixed_line",
                "Serve un numero di cellulare, non di rete fissa.",
                "A mobile number is needed, not a fixed line.",
            ),
            MobileA2p => (
                "mobile_a2p",
                "Il numero è riservato ai servizi e non riceve SMS.",
                "The number is reserved for services and cannot receive SMS.",
            ),
            MobileNotMobile => (
                "mobile_not_mobile",
                "Il numero non è un cellulare italiano.",
                "The number is not an Italian mobile number.",
            ),
            FixedNotFixed => (
                "fixed_not_fixed",
                "Il numero non è di rete fissa italiana.",
                "The number is not an Italian fixed line.",
            ),
            EmailFormat => (
                "email_format",
                "L'indirizzo email non è nella forma nome@dominio.it.",
                "The email address is not of the form name@domain.com.",
            ),
            EmailLocalPart => (
                "email_local_part",
                "La parte prima della @ contiene caratteri non ammessi.",
                "The part before the @ has characters that are not allowed.",
            ),
            EmailDomain => (
                "email_domain",
                "Il dominio dell'indirizzo email non è valido.",
                "The domain of the email address is not valid.",
            ),
            EmailPec => (
                "email_pec",
                "Non è possibile usare un indirizzo di posta certificata (PEC).",
                "A certified-mail (PEC) address cannot be used.",
            ),
        }
    }

    /// Every problem, in declaration order.
    pub const ALL: [Problem; 27] = {
        use Problem::*;
        [
            Empty,
            TooLong,
            CfLength,
            CfCharacters,
            CfLetterExpected,
            CfDigitExpected,
            CfMonth,
            CfDay,
            CfCheck,
            CfSurname,
            CfName,
            CfBirthDate,
            CfSex,
            VatLength,
            VatZero,
            VatOffice,
            VatCheck,
            PhoneCharacters,
            PhoneLength,
            MobileFixedLine,
            MobileA2p,
            MobileNotMobile,
            FixedNotFixed,
            EmailFormat,
            EmailLocalPart,
            EmailDomain,
            EmailPec,
        ]
    };
}

/// A field that did not validate: which field, and every problem found
/// (never empty). It converts into [`Error::InvalidInput`] with the codes
/// in its text, so `?` works where a flow refuses bad input.
///
/// ```
/// use varco::validate::{Field, Problem, codice_fiscale};
///
/// let e = codice_fiscale("RSSMRA80Z01H501U").unwrap_err();
/// assert_eq!(e.field(), Field::CodiceFiscale);
/// assert_eq!(e.problems(), &[Problem::CfMonth, Problem::CfCheck]);
/// assert_eq!(e.to_string(), "codice_fiscale: cf_month, cf_check");
/// assert_eq!(varco::Error::from(e).code(), "invalid_input");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    field: Field,
    problems: Vec<Problem>,
}

impl Invalid {
    /// The field and its problems; an empty list is not an error, so it
    /// gives `None`.
    pub fn new(field: Field, problems: Vec<Problem>) -> Option<Self> {
        (!problems.is_empty()).then_some(Invalid { field, problems })
    }

    /// One problem.
    pub fn one(field: Field, problem: Problem) -> Self {
        Invalid {
            field,
            problems: vec![problem],
        }
    }

    /// The field that did not validate.
    pub fn field(&self) -> Field {
        self.field
    }

    /// Every problem found, in the order the field is read.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems' stable codes.
    pub fn codes(&self) -> Vec<&'static str> {
        self.problems.iter().map(|p| p.code()).collect()
    }

    /// The problems' messages in `lang`.
    pub fn messages(&self, lang: Lang) -> Vec<&'static str> {
        self.problems.iter().map(|p| p.message(lang)).collect()
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field.as_str(), self.codes().join(", "))
    }
}

impl std::error::Error for Invalid {}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::InvalidInput(e.to_string())
    }
}

/// The problems as `[{"code":…,"it":…,"en":…}]`.
pub(super) struct Items<'a>(pub(super) &'a [Problem]);

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for p in self.0 {
            let item: std::collections::BTreeMap<&str, &str> = [
                ("code", p.code()),
                ("it", p.message(Lang::It)),
                ("en", p.message(Lang::En)),
            ]
            .into();
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

impl Serialize for Invalid {
    /// `{"field":"codice_fiscale","problems":[{"code":"cf_check",
    /// "en":"…","it":"…"}]}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Invalid", 2)?;
        st.serialize_field("field", self.field.as_str())?;
        st.serialize_field("problems", &Items(&self.problems))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_match_serde_and_every_message_is_written() {
        let mut seen = std::collections::HashSet::new();
        for p in Problem::ALL {
            assert!(seen.insert(p.code()), "{}", p.code());
            assert_eq!(serde_json::to_value(p).unwrap(), p.code());
            assert_ne!(p.message(Lang::It), p.message(Lang::En));
            assert!(p.message(Lang::It).ends_with('.'));
        }
        assert!(Invalid::new(Field::Email, vec![]).is_none());
    }
}
