//! Invariants, checked on generated inputs (proptest):
//! - every violation reported is real, and every rule broken is reported;
//! - save then load gives the same policy;
//! - checks and estimates never panic, and stay in range;
//! - hashing round-trips, and a changed password never verifies.

use proptest::prelude::*;
use varco::Normalization;
use varco::hash::{HashParams, PasswordHasher};
use varco::policy::{
    CharClass, CharacterSet, Context, PasswordPolicy, Preset, Rule, Violation, common_rank,
    strength,
};

/// Passwords drawn from letters, digits, the mail service's specials, other
/// punctuation, spaces and non-ASCII letters, with runs of one character and
/// ascending or descending sequences mixed in, so every rule gets exercised.
fn password() -> impl Strategy<Value = String> {
    let single = prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => prop::char::range('A', 'Z'),
        2 => prop::char::range('0', '9'),
        1 => prop::sample::select("?!$+-/.,@^_%#& ".chars().collect::<Vec<_>>()),
        1 => prop::sample::select("èéàùß東€".chars().collect::<Vec<_>>()),
    ]
    .prop_map(|c| c.to_string());
    let run = (prop::char::range('a', 'e'), 2usize..6).prop_map(|(c, n)| c.to_string().repeat(n));
    let seq = (
        prop::sample::select(vec!['a', 'k', 'Q', '0', '3']),
        2u32..7,
        any::<bool>(),
    )
        .prop_map(|(c, n, up)| {
            (0..n)
                .filter_map(|k| {
                    char::from_u32(if up {
                        c as u32 + k
                    } else {
                        c as u32 + n - 1 - k
                    })
                })
                .collect::<String>()
        });
    prop::collection::vec(prop_oneof![8 => single, 1 => run, 1 => seq], 0..16)
        .prop_map(|v| v.concat())
}

fn longest_repeat(c: &[char]) -> usize {
    (0..c.len())
        .map(|i| c[i..].iter().take_while(|&&x| x == c[i]).count())
        .max()
        .unwrap_or(0)
}

fn longest_sequence(c: &[char]) -> usize {
    let key = |x: char| {
        let x = x.to_ascii_lowercase();
        (x.is_ascii_lowercase() || x.is_ascii_digit()).then_some(x as i32)
    };
    let mut best = c.iter().filter(|&&x| key(x).is_some()).count().min(1);
    for i in 0..c.len() {
        for dir in [1, -1] {
            let mut n = 1;
            while i + n < c.len() {
                match (key(c[i + n - 1]), key(c[i + n])) {
                    (Some(a), Some(b))
                        if b - a == dir
                            && c[i + n - 1].is_ascii_digit() == c[i + n].is_ascii_digit() =>
                    {
                        n += 1
                    }
                    _ => break,
                }
            }
            if key(c[i]).is_some() {
                best = best.max(n);
            }
        }
    }
    best
}

fn all_rules_policy() -> PasswordPolicy {
    PasswordPolicy::new(
        Normalization::Nfc,
        vec![
            Rule::Length {
                min: 10,
                max: 30,
                min_with_second_factor: None,
            },
            Rule::AllowedCharacters {
                set: CharacterSet::Ascii {
                    specials: "?!$+-/.,@^_".into(),
                },
            },
            Rule::RequireClass {
                class: CharClass::Upper,
                min: 1,
            },
            Rule::RequireClass {
                class: CharClass::Digit,
                min: 2,
            },
            Rule::RequireClass {
                class: CharClass::Special,
                min: 1,
            },
            Rule::Blocklist {
                builtin: true,
                extra: vec![],
            },
            Rule::MaxRepeat { max: 2 },
            Rule::MaxSequence { max: 3 },
            Rule::Confirmation,
        ],
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Each violation is true of the password, and each broken rule shows up:
    /// the report is exactly the set of rules the password breaks.
    #[test]
    fn every_violation_is_real_and_none_is_missed(pw in password(), confirm in password(), same in any::<bool>()) {
        let policy = all_rules_policy();
        let confirmation = if same { pw.clone() } else { confirm };
        let r = policy.check(&pw, &Context::new().confirmation(&confirmation));
        let chars: Vec<char> = pw.chars().collect();
        let count = |class| chars.iter().filter(|&&c| CharClass::of(c) == Some(class)).count();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "?!$+-/.,@^_".contains(c);
        let mut expected = Vec::new();
        if chars.len() < 10 { expected.push(Violation::TooShort { min: 10, actual: chars.len() }); }
        if chars.len() > 30 { expected.push(Violation::TooLong { max: 30, actual: chars.len() }); }
        let bad = chars.iter().filter(|&&c| !allowed(c)).count();
        if bad > 0 {
            let mut refused: Vec<char> = Vec::new();
            for &c in chars.iter().filter(|&&c| !allowed(c)) {
                if !refused.contains(&c) && refused.len() < Violation::MAX_NAMED { refused.push(c); }
            }
            let refused = refused.into_iter().collect();
            expected.push(Violation::DisallowedCharacters { count: bad, refused, allowed_specials: Some("?!$+-/.,@^_".into()) });
        }
        for (class, min) in [(CharClass::Upper, 1), (CharClass::Digit, 2), (CharClass::Special, 1)] {
            if count(class) < min { expected.push(Violation::MissingClass { class, min, actual: count(class) }); }
        }
        if common_rank(&pw).is_some() { expected.push(Violation::Common); }
        let rep = longest_repeat(&chars);
        if rep > 2 { expected.push(Violation::Repeated { run: rep, max: 2 }); }
        let seq = longest_sequence(&chars);
        if seq > 3 { expected.push(Violation::Sequential { run: seq, max: 3 }); }
        if pw != confirmation { expected.push(Violation::ConfirmationMismatch); }
        prop_assert_eq!(r.violations(), expected.as_slice());
        prop_assert_eq!(r.is_ok(), expected.is_empty());
        prop_assert_eq!(r.length(), chars.len());
    }

    /// Save then load gives the same policy, with the same answers.
    #[test]
    fn save_then_load_gives_the_same_policy(
        min in 1usize..20, extra in 0usize..20, mfa in prop::option::of(1usize..8),
        specials in "[?!$+./,@^_-]{0,6}", words in prop::collection::vec("[a-z]{1,10}", 0..5),
        nfkc in any::<bool>(), repeat in 2usize..6, pw in password(),
    ) {
        let policy = PasswordPolicy::new(
            if nfkc { Normalization::Nfkc } else { Normalization::Nfc },
            vec![
                Rule::Length { min, max: min + extra, min_with_second_factor: mfa.map(|m| m.min(min)) },
                Rule::AllowedCharacters { set: CharacterSet::Ascii { specials } },
                Rule::Blocklist { builtin: false, extra: words },
                Rule::MaxRepeat { max: repeat },
            ],
        ).unwrap();
        let loaded = PasswordPolicy::from_json(&policy.to_json()).unwrap();
        prop_assert_eq!(&loaded, &policy);
        prop_assert_eq!(loaded.to_json(), policy.to_json());
        let (a, b) = (loaded.check(&pw, &Context::new()), policy.check(&pw, &Context::new()));
        prop_assert_eq!(a.violations(), b.violations());
    }

    /// Any string at all: no panic, a score in range, and the length is the
    /// normalized code point count.
    #[test]
    fn any_input_is_handled(pw in any::<String>(), user in any::<String>()) {
        for preset in Preset::ALL {
            let r = PasswordPolicy::preset(preset).check(&pw, &Context::new().username(&user).email(&user));
            prop_assert!(r.strength().score() <= 4);
            prop_assert_eq!(r.length(), Normalization::Nfc.apply(&pw).chars().count());
        }
        let s = strength::estimate(&pw, &[&user]);
        prop_assert!(s.score() <= 4 && s.guesses_log10() >= 0.0);
    }

    /// The estimate is a finite number of guesses, at most a character's
    /// worth of digits per character.
    #[test]
    fn estimate_is_finite_and_bounded(pw in "\\PC{0,300}") {
        let s = strength::estimate(&pw, &[]);
        prop_assert!(s.guesses_log10().is_finite());
        prop_assert!(s.guesses_log10() <= pw.chars().count() as f64 + 1.0);
    }

    /// The estimate grows with length: appending characters that no pattern
    /// can join to the password (ideographs far apart in Unicode, on no
    /// keyboard, in no dictionary) never lowers it, and adds at least one
    /// guess per added character. (Appending letters can lower it:
    /// "passwor" + "d" is a dictionary word, as in zxcvbn.)
    #[test]
    fn appending_unrelated_characters_never_lowers_the_estimate(
        pw in "[ -~]{0,40}",
        suffix in proptest::collection::vec(proptest::sample::select(vec!['龍', '鳳', '麟', '龜', '鶴', '竜']), 1..6),
    ) {
        let base = strength::estimate(&pw, &[]).guesses_log10();
        let longer: String = pw.chars().chain(suffix.iter().copied()).collect();
        let grown = strength::estimate(&longer, &[]).guesses_log10();
        prop_assert!(grown > base, "{pw:?} -> {longer:?}: {base} -> {grown}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Hash then verify succeeds; any other password fails.
    #[test]
    fn hash_roundtrip(pw in "\\PC{0,80}", other in "\\PC{0,80}", seed in any::<u64>()) {
        use rand::SeedableRng;
        let h = PasswordHasher::new(HashParams::new(32, 1, 1).unwrap());
        let phc = h.hash(&pw, &mut rand::rngs::StdRng::seed_from_u64(seed)).unwrap();
        prop_assert!(h.verify(&pw, &phc).unwrap().is_valid());
        let same = Normalization::Nfc.apply(&pw) == Normalization::Nfc.apply(&other);
        prop_assert_eq!(h.verify(&other, &phc).unwrap().is_valid(), same);
    }
}
