//! FLOWS.md F1, end to end: the seed presets, the NIST preset, registration
//! (typed twice), password change (current + new, history), composed
//! policies, and policies shipped as JSON.

use varco::hash::{HashParams, PasswordHasher};
use varco::policy::{
    CharClass, CharacterSet, Context, ContextKind, PasswordPolicy, Preset, Rule, Skipped, Violation,
};
use varco::{Lang, Normalization};

fn codes(p: &PasswordPolicy, pw: &str, ctx: &Context<'_>) -> Vec<&'static str> {
    p.check(pw, ctx)
        .violations()
        .iter()
        .map(|v| v.code())
        .collect()
}

#[test]
fn mail_service_rule_from_seed_000() {
    let p = PasswordPolicy::preset(Preset::MailService);
    let ctx = Context::new();
    // 8 to 24 characters.
    assert_eq!(codes(&p, "Abc12345", &ctx), Vec::<&str>::new());
    assert_eq!(codes(&p, "Abc1234", &ctx), ["too_short"]);
    assert_eq!(codes(&p, &"a".repeat(24), &ctx), Vec::<&str>::new());
    assert_eq!(codes(&p, &"a".repeat(25), &ctx), ["too_long"]);
    // Every one of the listed special characters is accepted, the ASCII
    // hyphen included (the seed prints it as an en dash)…
    for c in "?!$+-/.,@^_".chars() {
        assert!(
            p.check(&format!("abcdefg{c}"), &ctx).is_ok(),
            "{c:?} should be allowed"
        );
    }
    // …and anything else is rejected: other punctuation, the en dash itself,
    // space, accented letters.
    for c in ['%', '#', '&', '*', '–', ' ', 'è', '€', '"'] {
        let r = p.check(&format!("abcdefg{c}"), &ctx);
        assert_eq!(
            r.violations(),
            [Violation::DisallowedCharacters {
                count: 1,
                refused: c.to_string(),
                allowed_specials: Some("?!$+-/.,@^_".into())
            }],
            "{c:?} should be rejected"
        );
        // The message names the refused character (a space by its code
        // point, which quotes would not show).
        let shown = if c == ' ' {
            "U+0020".to_owned()
        } else {
            format!("«{c}»")
        };
        assert!(
            r.violations()[0].message(varco::Lang::It).contains(&shown),
            "{c:?}"
        );
    }
    // No composition rule: only letters is fine.
    assert!(p.check("abcdefgh", &ctx).is_ok());
}

#[test]
fn customer_area_rule_requires_all_four_classes() {
    let p = PasswordPolicy::preset(Preset::CustomerArea);
    let ctx = Context::new();
    assert!(p.check("Ciao2026!", &ctx).is_ok());
    let r = p.check("ciao", &ctx);
    assert_eq!(
        r.violations(),
        [
            Violation::TooShort { min: 8, actual: 4 },
            Violation::MissingClass {
                class: CharClass::Upper,
                min: 1,
                actual: 0
            },
            Violation::MissingClass {
                class: CharClass::Digit,
                min: 1,
                actual: 0
            },
            Violation::MissingClass {
                class: CharClass::Special,
                min: 1,
                actual: 0
            },
        ]
    );
    // Every violation comes with an Italian and an English message.
    assert_eq!(
        r.messages(Lang::It)[0],
        "La password deve contenere almeno 8 caratteri (ne ha 4)."
    );
    // A count of one takes the singular, in both languages.
    assert_eq!(
        r.messages(Lang::En)[1],
        "The password must contain at least 1 upper-case letter (it has 0)."
    );
    assert_eq!(
        r.messages(Lang::It)[1],
        "La password deve contenere almeno 1 lettera maiuscola (ne ha 0)."
    );
}

#[test]
fn counts_of_one_take_the_singular() {
    use varco::policy::{CharClass, Violation};
    let one = [
        (Violation::Breached { count: 1 }, "una volta", "once"),
        (
            Violation::Reused { last: 1 },
            "l'ultima usata",
            "the last one used",
        ),
        (
            Violation::MissingClass {
                class: CharClass::Digit,
                min: 1,
                actual: 0,
            },
            "almeno 1 cifra ",
            "at least 1 digit ",
        ),
        (
            Violation::TooShort { min: 1, actual: 0 },
            "almeno 1 carattere ",
            "at least 1 character ",
        ),
    ];
    for (v, it, en) in one {
        assert!(v.message(Lang::It).contains(it), "{}", v.message(Lang::It));
        assert!(v.message(Lang::En).contains(en), "{}", v.message(Lang::En));
    }
    let many = Violation::Breached { count: 3 };
    assert!(many.message(Lang::En).contains("3 times"));
    assert!(many.message(Lang::It).contains("3 volte"));
}

#[test]
fn nist_preset_lengths_blocklist_and_context() {
    let p = PasswordPolicy::preset(Preset::Nist80063b);
    // 15 alone, 8 with a second factor (PW-01).
    assert_eq!(codes(&p, "violino tramo", &Context::new()), ["too_short"]);
    assert!(
        p.check("violino tramo", &Context::new().second_factor(true))
            .is_ok()
    );
    // At least 64 accepted, Unicode and spaces included (PW-02, PW-03).
    let long = "ñandú über straße 東京 ".repeat(4);
    assert!(long.chars().count() >= 64);
    assert!(p.check(&long, &Context::new()).is_ok());
    assert_eq!(codes(&p, &"ab c".repeat(40), &Context::new()), ["too_long"]);
    // No composition rules (PW-04).
    assert!(
        p.check("all lower case words here", &Context::new())
            .is_ok()
    );
    // Blocklist, with case and substitutions undone (PW-09).
    for common in ["password", "PASSWORD", "P@ssw0rd", "qwertyuiop"] {
        assert!(
            codes(&p, common, &Context::new().second_factor(true)).contains(&"common"),
            "{common}"
        );
    }
    // Context words: username, email parts, service names (PW-09).
    let ctx = Context::new()
        .username("mrossi")
        .email("mario.rossi@example.it")
        .service("Example Mail");
    let r = p.check("mario.rossi@example.it", &ctx);
    assert!(r.violations().contains(&Violation::ContainsContext {
        kind: ContextKind::Email
    }));
    let r = p.check("i love examplemail so much", &ctx);
    assert!(r.violations().contains(&Violation::ContainsContext {
        kind: ContextKind::Service
    }));
    // Similar, not only equal: one letter changed, substitutions.
    let r = p.check("m4ri0.r0ssa and more words", &ctx);
    assert!(
        r.violations()
            .iter()
            .any(|v| v.code() == "contains_context"),
        "{:?}",
        r.violations()
    );
    // Repeats and sequences.
    assert!(codes(&p, "aaaaaa plus a long tail", &Context::new()).contains(&"repeated"));
    assert!(codes(&p, "123456 plus a long tail", &Context::new()).contains(&"sequential"));
}

#[test]
fn registration_typed_twice() {
    let p = PasswordPolicy::preset(Preset::CustomerArea);
    let r = p.check("Ciao2026!", &Context::new().confirmation("Ciao2026?"));
    assert_eq!(r.violations(), [Violation::ConfirmationMismatch]);
    assert!(
        p.check("Ciao2026!", &Context::new().confirmation("Ciao2026!"))
            .is_ok()
    );
    // Canonically equivalent forms match (the confirmation is normalized too).
    let p = PasswordPolicy::preset(Preset::Nist80063b);
    let r = p.check(
        "caff\u{e8} e cornetto!",
        &Context::new().confirmation("caffe\u{300} e cornetto!"),
    );
    assert!(r.is_ok(), "{:?}", r.violations());
    // Without a confirmation the check is reported as skipped, not passed.
    let r = p.check("caffè e cornetto!", &Context::new());
    assert!(r.skipped().contains(&Skipped::Confirmation));
}

#[test]
fn change_password_current_and_history() {
    let hasher = PasswordHasher::new(HashParams::new(64, 1, 1).unwrap());
    let mut rng = rand::rng();
    let old: Vec<String> = ["first long passphrase", "second long passphrase"]
        .iter()
        .map(|pw| hasher.hash(pw, &mut rng).unwrap())
        .collect();
    let mut rules = PasswordPolicy::preset(Preset::Nist80063b).rules().to_vec();
    rules.push(Rule::History { last: 2 });
    let p = PasswordPolicy::new(Normalization::Nfc, rules).unwrap();
    let ctx = Context::new()
        .current("third long passphrase")
        .history(&hasher, &old);
    assert_eq!(
        p.check("third long passphrase", &ctx).violations(),
        [Violation::SameAsCurrent]
    );
    assert_eq!(
        p.check("first long passphrase", &ctx).violations(),
        [Violation::Reused { last: 2 }]
    );
    assert!(p.check("a brand new passphrase", &ctx).is_ok());
    // A corrupt history entry is reported as a skipped check, never a panic.
    let bad = vec!["not a hash".to_owned()];
    let r = p.check(
        "a brand new passphrase",
        &Context::new().history(&hasher, &bad),
    );
    assert!(r.skipped().contains(&Skipped::History));
}

#[test]
fn every_violation_at_once() {
    let p = PasswordPolicy::new(
        Normalization::Nfc,
        vec![
            Rule::Length {
                min: 10,
                max: 20,
                min_with_second_factor: None,
            },
            Rule::AllowedCharacters {
                set: CharacterSet::AsciiPrintable,
            },
            Rule::RequireClass {
                class: CharClass::Digit,
                min: 2,
            },
            Rule::Blocklist {
                builtin: true,
                extra: vec![],
            },
            Rule::ContextWords {
                services: vec!["varco".into()],
                min_word_len: 4,
            },
            Rule::MaxRepeat { max: 2 },
            Rule::MaxSequence { max: 3 },
            Rule::MinStrength { score: 3 },
        ],
    )
    .unwrap();
    let got = codes(&p, "varcoèèè", &Context::new());
    assert_eq!(
        got,
        [
            "too_short",
            "disallowed_characters",
            "missing_class",
            "contains_context",
            "repeated",
            "too_weak"
        ]
    );
}

#[test]
fn host_policy_ships_as_json_and_answers_the_same() {
    let p = PasswordPolicy::new(
        Normalization::Nfkc,
        vec![
            Rule::Length {
                min: 12,
                max: 64,
                min_with_second_factor: Some(8),
            },
            Rule::Blocklist {
                builtin: false,
                extra: vec!["Juventus".into(), "forzainter".into()],
            },
            Rule::ContextWords {
                services: vec!["Acme Bank".into()],
                min_word_len: 4,
            },
        ],
    )
    .unwrap();
    let json = p.to_json();
    let shipped = PasswordPolicy::from_json(&json).unwrap();
    assert_eq!(shipped, p);
    for pw in [
        "juventus",
        "JUVENTUS",
        "forzainter",
        "acmebank2026!!",
        "ok password here",
        "Ｊｕｖｅｎｔｕｓ",
    ] {
        assert_eq!(
            shipped.check(pw, &Context::new()).violations(),
            p.check(pw, &Context::new()).violations(),
            "{pw}"
        );
    }
    // NFKC folds the full-width form onto the blocked word.
    assert!(codes(&shipped, "Ｊｕｖｅｎｔｕｓ", &Context::new()).contains(&"common"));
    // The host's words replace the builtin list when builtin is false.
    assert!(!codes(&shipped, "password1234", &Context::new()).contains(&"common"));
}

#[test]
fn invalid_policies_are_clear_errors() {
    let cases = [
        r#"{"version":1,"rules":[{"rule":"length","min":10,"max":5}]}"#,
        r#"{"version":1,"rules":[{"rule":"length","min":1,"max":5},{"rule":"length","min":1,"max":5}]}"#,
        r#"{"version":1,"rules":[{"rule":"allowed_characters","set":{"kind":"ascii","specials":"a"}}]}"#,
        r#"{"version":1,"rules":[{"rule":"length","min":1,"max":2},{"rule":"require_class","class":"digit","min":3}]}"#,
        r#"{"version":1,"rules":[{"rule":"min_strength","score":5}]}"#,
        r#"{"version":1,"rules":[{"rule":"history","last":0}]}"#,
    ];
    for c in cases {
        assert_eq!(
            PasswordPolicy::from_json(c).unwrap_err().code(),
            "invalid_policy",
            "{c}"
        );
    }
    for c in [
        "",
        "null",
        "[]",
        r#"{"version":1}"#,
        r#"{"version":1,"rules":[{"rule":"nope"}]}"#,
        r#"{"version":1,"rules":[],"extra":1}"#,
    ] {
        // Not JSON, or not a policy: still the policy's own error, for the
        // host to fix (never `deserialize`, which says a record is unusable).
        assert_eq!(
            PasswordPolicy::from_json(c).unwrap_err().code(),
            "invalid_policy",
            "{c}"
        );
    }
    let newer = PasswordPolicy::from_json(r#"{"version":2,"rules":[]}"#).unwrap_err();
    assert_eq!(newer.code(), "invalid_policy");
    assert!(
        newer.to_string().contains("unsupported format version 2"),
        "{newer}"
    );
}

#[test]
fn presets_roundtrip_and_bad_input_never_panics() {
    for preset in Preset::ALL {
        let p = PasswordPolicy::preset(preset);
        assert_eq!(PasswordPolicy::from_json(&p.to_json()).unwrap(), p);
        assert_eq!(p.name(), Some(preset.name()));
        for pw in [
            "",
            "\0",
            "\u{202e}abc",
            "\r\n\t",
            &"x".repeat(70_000),
            &"é".repeat(5000),
        ] {
            let r = p.check(pw, &Context::new().username("").email("@"));
            assert!(r.strength().score() <= 4);
        }
    }
    let r = PasswordPolicy::default().check("abc\u{7}def ghi jkl mno", &Context::new());
    assert!(r.violations().contains(&Violation::ControlCharacters));
}
