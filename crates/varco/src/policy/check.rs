//! Checking a password against a policy: every rule at once, every
//! violation reported, in bounded time.

use subtle::ConstantTimeEq;

use super::{
    CharClass, Context, ContextKind, PasswordPolicy, Report, Rule, Skipped, Strength, Violation,
    dictionary, runs, similarity, strength,
};

impl PasswordPolicy {
    /// Checks a password against every rule and reports every violation.
    ///
    /// ```
    /// use varco::policy::{Context, PasswordPolicy, Preset, Violation};
    ///
    /// let policy = PasswordPolicy::preset(Preset::MailService);
    /// let report = policy.check("ciao", &Context::new().confirmation("ciao!"));
    /// assert_eq!(report.violations(), [
    ///     Violation::TooShort { min: 8, actual: 4 },
    ///     Violation::ConfirmationMismatch,
    /// ]);
    /// ```
    ///
    /// The password is normalized first, then measured in code points. The
    /// check never fails: a rule whose input is missing from `ctx` is listed
    /// in [`Report::skipped`]. Its cost is bounded: linear in the password up
    /// to [`MAX_INPUT_BYTES`](Self::MAX_INPUT_BYTES), plus one Argon2
    /// verification per history entry.
    pub fn check(&self, password: &str, ctx: &Context<'_>) -> Report {
        let mut v = Vec::new();
        let mut skipped = Vec::new();
        if password.len() > Self::MAX_INPUT_BYTES {
            let actual = password.chars().count();
            return Report {
                ok: false,
                length: actual,
                violations: vec![Violation::TooLong {
                    max: self.max_length(),
                    actual,
                }],
                strength: Strength::unanalysed(),
                skipped,
            };
        }
        let norm = self.spec.normalization;
        let pw = norm.apply(password);
        let chars: zeroize::Zeroizing<Vec<char>> = zeroize::Zeroizing::new(pw.chars().collect());
        let lower = zeroize::Zeroizing::new(pw.to_lowercase());
        let deleeted = zeroize::Zeroizing::new(similarity::deleet(&lower));
        let context_words = self.context_words(ctx);
        let user_inputs: Vec<&str> = context_words.iter().map(|(w, _)| w.as_str()).collect();
        let strength = strength::estimate_chars(&chars, &user_inputs);

        if chars.iter().any(|c| c.is_control()) {
            v.push(Violation::ControlCharacters);
        }
        for rule in &self.spec.rules {
            match rule {
                Rule::Length {
                    min,
                    max,
                    min_with_second_factor,
                } => {
                    let min = match (ctx.second_factor, min_with_second_factor) {
                        (true, Some(m)) => *m,
                        _ => *min,
                    };
                    if chars.len() < min {
                        v.push(Violation::TooShort {
                            min,
                            actual: chars.len(),
                        });
                    }
                    if chars.len() > *max {
                        v.push(Violation::TooLong {
                            max: *max,
                            actual: chars.len(),
                        });
                    }
                }
                Rule::AllowedCharacters { set } => {
                    let mut count = 0;
                    let mut refused = String::new();
                    for &c in chars.iter().filter(|c| !c.is_control() && !set.allows(**c)) {
                        count += 1;
                        if !refused.contains(c) && refused.chars().count() < Violation::MAX_NAMED {
                            refused.push(c);
                        }
                    }
                    if count > 0 {
                        v.push(Violation::DisallowedCharacters {
                            count,
                            refused,
                            allowed_specials: set.allowed_specials(),
                        });
                    }
                }
                Rule::RequireClass { class, min } => {
                    let actual = chars
                        .iter()
                        .filter(|c| CharClass::of(**c) == Some(*class))
                        .count();
                    if actual < *min {
                        v.push(Violation::MissingClass {
                            class: *class,
                            min: *min,
                            actual,
                        });
                    }
                }
                Rule::Blocklist { builtin, .. } => {
                    let builtin_hit = || {
                        let d = dictionary::embedded();
                        d.password_rank(&lower).is_some() || d.password_rank(&deleeted).is_some()
                    };
                    let extra = &self.extra_blocklist;
                    let extra_hit = extra.rank(&lower).is_some() || extra.rank(&deleeted).is_some();
                    if (*builtin && builtin_hit()) || extra_hit {
                        v.push(Violation::Common);
                    }
                }
                Rule::ContextWords { min_word_len, .. } => {
                    if let Some((_, kind)) = context_words
                        .iter()
                        .find(|(w, _)| similarity::resembles(&lower, &deleeted, w, *min_word_len))
                    {
                        v.push(Violation::ContainsContext { kind: *kind });
                    }
                }
                Rule::MaxRepeat { max } => {
                    let run = runs::longest_repeat(&chars);
                    if run > *max {
                        v.push(Violation::Repeated { run, max: *max });
                    }
                }
                Rule::MaxSequence { max } => {
                    let run = runs::longest_sequence(&chars);
                    if run > *max {
                        v.push(Violation::Sequential { run, max: *max });
                    }
                }
                Rule::NotCurrent => match ctx.current {
                    Some(current) => {
                        let current = norm.apply(current);
                        if bool::from(pw.as_bytes().ct_eq(current.as_bytes())) {
                            v.push(Violation::SameAsCurrent);
                        }
                    }
                    None => skipped.push(Skipped::Current),
                },
                Rule::History { last } => match ctx.history {
                    Some((hasher, hashes)) => {
                        let mut unreadable = false;
                        let mut reused = false;
                        for phc in hashes.iter().take(*last) {
                            match hasher.verify(password, phc) {
                                Ok(r) if r.is_valid() => reused = true,
                                Ok(_) => {}
                                Err(_) => unreadable = true,
                            }
                        }
                        if reused {
                            v.push(Violation::Reused { last: *last });
                        }
                        if unreadable {
                            skipped.push(Skipped::History);
                        }
                    }
                    None => skipped.push(Skipped::History),
                },
                Rule::Confirmation => match ctx.confirmation {
                    Some(again) => {
                        let again = norm.apply(again);
                        if !bool::from(pw.as_bytes().ct_eq(again.as_bytes())) {
                            v.push(Violation::ConfirmationMismatch);
                        }
                    }
                    None => skipped.push(Skipped::Confirmation),
                },
                Rule::MinStrength { score } => {
                    if strength.score() < *score {
                        v.push(Violation::TooWeak {
                            score: strength.score(),
                            min: *score,
                        });
                    }
                }
            }
        }
        Report {
            ok: v.is_empty(),
            length: chars.len(),
            violations: v,
            strength,
            skipped,
        }
    }

    /// The context words to check, lower-cased, with what they are.
    fn context_words(&self, ctx: &Context<'_>) -> Vec<(String, ContextKind)> {
        let mut out = Vec::new();
        let mut add = |w: &str, kind| {
            let w = self.spec.normalization.apply(w.trim()).to_lowercase();
            if !w.is_empty() && w.len() <= 256 && !out.iter().any(|(o, _)| *o == w) {
                out.push((w, kind));
            }
        };
        if let Some(u) = ctx.username {
            add(u, ContextKind::Username);
            if u.contains('@') {
                for w in similarity::email_words(u) {
                    add(&w, ContextKind::Username);
                }
            }
            for w in similarity::pieces(u) {
                add(&w, ContextKind::Username);
            }
        }
        if let Some(e) = ctx.email {
            for w in similarity::email_words(e) {
                add(&w, ContextKind::Email);
            }
        }
        let policy_services = self.spec.rules.iter().find_map(|r| match r {
            Rule::ContextWords { services, .. } => Some(services.as_slice()),
            _ => None,
        });
        for s in policy_services.unwrap_or_default() {
            add(s, ContextKind::Service);
            for w in similarity::pieces(s) {
                add(&w, ContextKind::Service);
            }
        }
        for s in &ctx.services {
            add(s, ContextKind::Service);
            for w in similarity::pieces(s) {
                add(&w, ContextKind::Service);
            }
        }
        for w in &ctx.words {
            add(w, ContextKind::Other);
        }
        out
    }
}
