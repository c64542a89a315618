//! The personal codice fiscale (FLOWS F7): format, birth date, place
//! shape, check character, omocodia; and, when the host knows them, a
//! cross-check against the person's names, birth date and sex.

use serde::{Deserialize, Serialize};

use super::{Field, Invalid, Problem};

/// A personal tax code (codice fiscale), upper-cased, without spaces, its
/// format and check character verified. Omocodic codes (digits replaced by
/// letters to tell apart two people with the same code) are accepted.
///
/// ```
/// use varco::validate::{CodiceFiscale, Problem};
///
/// let cf = CodiceFiscale::parse(" rssmra80a01h501u ").unwrap();
/// assert_eq!(cf.as_str(), "RSSMRA80A01H501U");
/// assert_eq!(CodiceFiscale::parse("RSSMRA80A01H501X").unwrap_err().problems(), &[Problem::CfCheck]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodiceFiscale(String);

/// What the host knows of the person a codice fiscale should belong to.
/// Every field is optional: only what is given is compared.
///
/// ```
/// use varco::validate::{BirthDate, CodiceFiscale, Person, Problem, Sex};
///
/// let cf = CodiceFiscale::parse("RSSMRA80A01H501U").unwrap();
/// let mario = Person {
///     first_name: Some("Mario".into()),
///     last_name: Some("Rossi".into()),
///     birth_date: Some(BirthDate { year: 1980, month: 1, day: 1 }),
///     sex: Some(Sex::Male),
/// };
/// assert!(cf.mismatches(&mario).is_empty());
/// let other = Person { first_name: Some("Luigi".into()), sex: Some(Sex::Female), ..mario };
/// assert_eq!(cf.mismatches(&other), vec![Problem::CfName, Problem::CfSex]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Person {
    /// The first name(s), as typed (accents and apostrophes allowed).
    pub first_name: Option<String>,
    /// The surname(s), as typed.
    pub last_name: Option<String>,
    /// The birth date.
    pub birth_date: Option<BirthDate>,
    /// The sex as the code records it.
    pub sex: Option<Sex>,
}

impl Person {
    /// A person from JSON (`{"first_name":"Mario","last_name":"Rossi",
    /// "birth_date":{"year":1980,"month":1,"day":1},"sex":"male"}`, every
    /// field optional).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] for malformed JSON or an unknown
    /// field.
    pub fn from_json(json: &str) -> Result<Self, crate::Error> {
        serde_json::from_str(json).map_err(|e| crate::Error::InvalidInput(format!("person: {e}")))
    }
}

/// A birth date (a day that does not exist simply matches no code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthDate {
    /// The year (four digits; the code keeps its last two).
    pub year: u16,
    /// The month, 1-12.
    pub month: u8,
    /// The day, 1-31.
    pub day: u8,
}

/// The sex a codice fiscale records (women's birth day plus 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Day as is.
    Male,
    /// Day plus 40.
    Female,
}

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
/// Positions (0-based) of letters: surname, name, month, place, check.
const LETTERS: [usize; 9] = [0, 1, 2, 3, 4, 5, 8, 11, 15];
/// Positions (0-based) of digits: year, day, place number.
const DIGITS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];

/// Upper-cases and drops white space; `Empty` for nothing, `TooLong` for
/// anything longer than `max` after that (read no further).
pub(super) fn compact(raw: &str, max: usize, field: Field) -> Result<String, Invalid> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .take(max + 1)
        .collect();
    if s.is_empty() {
        return Err(Invalid::one(field, Problem::Empty));
    }
    if s.chars().count() > max {
        return Err(Invalid::one(field, Problem::TooLong));
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

/// The check letter of the first fifteen characters (upper-case ASCII
/// letters and digits).
fn check_letter(b: &[u8]) -> u8 {
    let sum: u32 = b[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let index = match c {
                b'0'..=b'9' => usize::from(c - b'0'),
                _ => 10 + usize::from(c.saturating_sub(b'A')).min(25),
            };
            if i % 2 == 0 {
                ODD[index]
            } else if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c.saturating_sub(b'A'))
            }
        })
        .sum();
    b'A' + u8::try_from(sum % 26).unwrap_or(0)
}

/// The two-digit number at `i`, `i + 1` (omocodia decoded).
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    Some(digit_value(b[i])? * 10 + digit_value(b[i + 1])?)
}

impl CodiceFiscale {
    /// Reads a codice fiscale: 6 letters (surname, name), 2 digits (year),
    /// a month letter, 2 digits (day, plus 40 for women), a place code
    /// (a letter and 3 digits), and the check letter. Digits may be
    /// replaced by the omocodia letters `LMNPQRSTUV` (positions 7, 8, 10,
    /// 11, 13, 14, 15). The birth date must exist (30 April; 29 February
    /// only in a leap year, the two-digit year read as 1920-2019 as
    /// python-stdnum reads it, so every year divisible by 4).
    ///
    /// # Errors
    /// [`Invalid`] with every problem found: `empty`, `too_long`,
    /// `cf_length`, `cf_characters` (read no further), or any of
    /// `cf_letter_expected`, `cf_digit_expected`, `cf_month`, `cf_day`,
    /// `cf_check`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let field = Field::CodiceFiscale;
        let s = compact(raw, 64, field)?;
        let b = s.as_bytes();
        if !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(Invalid::one(field, Problem::CfCharacters));
        }
        if b.len() != 16 {
            return Err(Invalid::one(field, Problem::CfLength));
        }
        let mut problems = Vec::new();
        if !LETTERS.iter().all(|&i| b[i].is_ascii_uppercase()) {
            problems.push(Problem::CfLetterExpected);
        }
        if !DIGITS.iter().all(|&i| digit_value(b[i]).is_some()) {
            problems.push(Problem::CfDigitExpected);
        }
        let month = MONTHS.iter().position(|&m| m == b[8]);
        if month.is_none() {
            problems.push(Problem::CfMonth);
        }
        if let Some(raw_day) = two_digits(b, 9) {
            let year = two_digits(b, 6).unwrap_or(0);
            let days_in_month = match month {
                Some(1) if year.is_multiple_of(4) => 29,
                Some(1) => 28,
                Some(3 | 5 | 8 | 10) => 30,
                _ => 31,
            };
            let day = raw_day % 40;
            if raw_day > 71 || day == 0 || day > days_in_month {
                problems.push(Problem::CfDay);
            }
        }
        if b[15] != check_letter(b) {
            problems.push(Problem::CfCheck);
        }
        match Invalid::new(field, problems) {
            Some(e) => Err(e),
            None => Ok(CodiceFiscale(s)),
        }
    }

    /// The code, upper-case, 16 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What of `person` the code contradicts: `cf_surname`, `cf_name`,
    /// `cf_birth_date`, `cf_sex` (empty when all that is given matches).
    /// Names are compared by their code letters (consonants, then vowels,
    /// then `X`; a first name with four consonants or more takes the 1st,
    /// 3rd and 4th), accents folded and other characters dropped.
    pub fn mismatches(&self, person: &Person) -> Vec<Problem> {
        let b = self.0.as_bytes();
        let mut out = Vec::new();
        if let Some(last) = &person.last_name
            && name_letters(last, false) != b[0..3]
        {
            out.push(Problem::CfSurname);
        }
        if let Some(first) = &person.first_name
            && name_letters(first, true) != b[3..6]
        {
            out.push(Problem::CfName);
        }
        let raw_day = two_digits(b, 9).unwrap_or(0);
        if let Some(d) = person.birth_date {
            let year = two_digits(b, 6).unwrap_or(0);
            let month = MONTHS.iter().position(|&m| m == b[8]).unwrap_or(99);
            let same = u32::from(d.year) % 100 == year
                && usize::from(d.month) == month + 1
                && u32::from(d.day) == raw_day % 40;
            if !same {
                out.push(Problem::CfBirthDate);
            }
        }
        if let Some(sex) = person.sex
            && (raw_day > 40) != (sex == Sex::Female)
        {
            out.push(Problem::CfSex);
        }
        out
    }
}

/// The three code letters of a surname (`first` false) or a first name.
fn name_letters(name: &str, first: bool) -> [u8; 3] {
    use unicode_normalization::UnicodeNormalization;
    let letters: Vec<u8> = name
        .nfd()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase() as u8)
        .take(256)
        .collect();
    let vowel = |c: &u8| b"AEIOU".contains(c);
    let consonants: Vec<u8> = letters.iter().copied().filter(|c| !vowel(c)).collect();
    if first && consonants.len() >= 4 {
        return [consonants[0], consonants[2], consonants[3]];
    }
    let mut it = consonants
        .iter()
        .chain(letters.iter().filter(|c| vowel(c)))
        .copied()
        .chain(std::iter::repeat(b'X'));
    [
        it.next().unwrap_or(b'X'),
        it.next().unwrap_or(b'X'),
        it.next().unwrap_or(b'X'),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An independent generator: the official tables written as text, the
    /// name rules as the Agenzia delle Entrate states them.
    fn generate(
        last: &str,
        first: &str,
        y: u16,
        m: u8,
        d: u8,
        female: bool,
        place: &str,
    ) -> String {
        fn code3(s: &str, first: bool) -> String {
            let up: String = s
                .to_uppercase()
                .chars()
                .filter(char::is_ascii_uppercase)
                .collect();
            let cons: String = up.chars().filter(|c| !"AEIOU".contains(*c)).collect();
            let vow: String = up.chars().filter(|c| "AEIOU".contains(*c)).collect();
            if first && cons.len() > 3 {
                let c: Vec<char> = cons.chars().collect();
                return [c[0], c[2], c[3]].iter().collect();
            }
            format!("{cons}{vow}XXX")[..3].to_string()
        }
        let body = format!(
            "{}{}{:02}{}{:02}{}",
            code3(last, false),
            code3(first, true),
            y % 100,
            "ABCDEHLMPRST".as_bytes()[usize::from(m - 1)] as char,
            d + if female { 40 } else { 0 },
            place
        );
        body.clone() + &check(&body).to_string()
    }

    fn check(body: &str) -> char {
        // The odd-position table inverted: the letter whose value is k sits
        // at index k (B is 0, A is 1, K is 2, ...).
        let odd = "BAKPLCQDREVOSFTGUHMINJWZYX";
        let mut sum = 0;
        for (i, c) in body.chars().enumerate() {
            let v = if c.is_ascii_digit() {
                c as usize - '0' as usize
            } else {
                c as usize - 'A' as usize
            };
            // A digit counts as the letter of its value (0 as A).
            sum += if i % 2 == 0 {
                odd.find(char::from(b'A' + u8::try_from(v).unwrap()))
                    .unwrap()
            } else {
                v
            };
        }
        char::from(b'A' + u8::try_from(sum % 26).unwrap())
    }

    #[test]
    fn known_codes_and_their_people() {
        // Published examples: Mario Rossi, Rome, 1 January 1980; Matteo
        // Moretti, Milan, 8 April 1991.
        assert_eq!(
            generate("Rossi", "Mario", 1980, 1, 1, false, "H501"),
            "RSSMRA80A01H501U"
        );
        assert_eq!(
            generate("Moretti", "Matteo", 1991, 4, 8, false, "F205"),
            "MRTMTT91D08F205J"
        );
        // Four consonants in a first name: 1st, 3rd and 4th (Gianfranco: GFR).
        let cf = CodiceFiscale::parse(&generate(
            "Bianchi",
            "Gianfranco",
            1975,
            12,
            31,
            false,
            "L219",
        ))
        .unwrap();
        assert_eq!(&cf.as_str()[3..6], "GFR");
        let p = Person {
            first_name: Some("Gianfranco".into()),
            last_name: Some("Bianchi".into()),
            birth_date: Some(BirthDate {
                year: 1975,
                month: 12,
                day: 31,
            }),
            sex: Some(Sex::Male),
        };
        assert!(cf.mismatches(&p).is_empty());
        // Short names pad with X; accents and apostrophes are folded away.
        let cf = CodiceFiscale::parse(&generate("Fo", "Lu", 2001, 2, 28, true, "Z404")).unwrap();
        assert_eq!(&cf.as_str()[..6], "FOXLUX");
        let p = Person {
            first_name: Some("Lù".into()),
            last_name: Some("Fò".into()),
            sex: Some(Sex::Female),
            ..Default::default()
        };
        assert!(cf.mismatches(&p).is_empty());
        let dangelo =
            CodiceFiscale::parse(&generate("DAngelo", "Anna", 1990, 5, 3, true, "A662")).unwrap();
        let p = Person {
            last_name: Some("D'Angelo".into()),
            ..Default::default()
        };
        assert!(dangelo.mismatches(&p).is_empty());
        let wrong = Person {
            last_name: Some("Verdi".into()),
            birth_date: Some(BirthDate {
                year: 1990,
                month: 5,
                day: 4,
            }),
            sex: Some(Sex::Male),
            ..Default::default()
        };
        assert_eq!(
            dangelo.mismatches(&wrong),
            vec![Problem::CfSurname, Problem::CfBirthDate, Problem::CfSex]
        );
    }

    #[test]
    fn every_problem_is_found_at_once() {
        let e = CodiceFiscale::parse("RSSMR180Z41H5A1U").unwrap_err();
        assert_eq!(
            e.problems(),
            &[
                Problem::CfLetterExpected,
                Problem::CfDigitExpected,
                Problem::CfMonth,
                Problem::CfCheck
            ]
        );
        for (raw, p) in [
            ("", Problem::Empty),
            ("   ", Problem::Empty),
            ("RSSMRA80A01H501", Problem::CfLength),
            ("RSSMRA80A01H501UU", Problem::CfLength),
            ("RSSMRA80A01H501-", Problem::CfCharacters),
            ("ÀSSMRA80A01H501U", Problem::CfCharacters),
            ("RSSMRA80A32H501U", Problem::CfDay),
            ("RSSMRA81B29H501U", Problem::CfDay),
            ("RSSMRA80D31H501U", Problem::CfDay),
        ] {
            let e = CodiceFiscale::parse(raw).unwrap_err();
            assert_eq!(e.problems()[0], p, "{raw:?}");
        }
        assert_eq!(
            CodiceFiscale::parse(&"A".repeat(10_000))
                .unwrap_err()
                .problems(),
            &[Problem::TooLong]
        );
    }

    #[test]
    fn omocodic_codes_are_accepted_and_their_check_still_counts() {
        let base = "RSSMRA80A01H501";
        let omocodic = "RSSMRA80AL1H50M";
        for body in [base, omocodic] {
            let ok = (b'A'..=b'Z')
                .filter(|&c| CodiceFiscale::parse(&format!("{body}{}", c as char)).is_ok())
                .count();
            assert_eq!(ok, 1, "exactly one check letter fits {body}");
        }
    }

    fn person() -> impl Strategy<Value = (String, String, u16, u8, u8, bool, String, Vec<usize>)> {
        (
            "[A-Za-z]{1,12}",
            "[A-Za-z]{1,12}",
            1920u16..2020,
            1u8..=12,
            1u8..=28,
            any::<bool>(),
            "[A-Z][0-9]{3}",
            proptest::collection::vec(0usize..7, 0..7),
        )
    }

    proptest! {
        /// Every code the generator builds validates and matches its
        /// person, omocodic or not; every single-character change of it is
        /// refused.
        #[test]
        fn generated_codes_validate_and_single_changes_do_not(
            (last, first, y, m, d, female, place, omo) in person(),
            pos in 0usize..16,
            with in "[A-Z0-9]",
        ) {
            let mut code: Vec<u8> = generate(&last, &first, y, m, d, female, &place).into_bytes();
            for i in omo {
                let at = DIGITS[i];
                if code[at].is_ascii_digit() {
                    code[at] = OMOCODIA[usize::from(code[at] - b'0')];
                }
            }
            code[15] = b'A';
            code[15] = check(std::str::from_utf8(&code[..15]).unwrap()) as u8;
            let text = String::from_utf8(code.clone()).unwrap();
            let cf = CodiceFiscale::parse(&text).unwrap();
            let p = Person {
                first_name: Some(first),
                last_name: Some(last),
                birth_date: Some(BirthDate { year: y, month: m, day: d }),
                sex: Some(if female { Sex::Female } else { Sex::Male }),
            };
            prop_assert!(cf.mismatches(&p).is_empty());
            let w = with.as_bytes()[0];
            prop_assume!(code[pos] != w);
            code[pos] = w;
            prop_assert!(CodiceFiscale::parse(std::str::from_utf8(&code).unwrap()).is_err());
        }

        /// Whatever is typed, parsing answers without a panic, and a code
        /// that parses is its own normal form.
        #[test]
        fn any_text_is_an_answer(raw in "\\PC{0,40}") {
            if let Ok(cf) = CodiceFiscale::parse(&raw) {
                prop_assert_eq!(CodiceFiscale::parse(cf.as_str()).unwrap(), cf);
            }
        }
    }
}
