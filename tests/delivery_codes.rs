//! FLOWS.md F3 end to end: codes sent by SMS or email, with expiry, attempts,
//! resend ("Invia di nuovo") replacing the code, cooldowns and caps; and the
//! invariants: a replaced code never verifies, no code verifies after it
//! expires, a resend never lowers the failure count.

use std::time::Duration;

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use varco::effect::Effect;
use varco::guard::DestinationBudget;
use varco::otp::{
    Challenge, ChallengeState, Channel, CodeKeys, CodeOutcome, DeliveryConfig, Destination,
    IssueOutcome, Purpose, ResendOutcome,
};
use varco::{Lang, Timestamp};

const T0: u64 = 1_800_000_000;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + secs)
}

fn keys() -> CodeKeys {
    CodeKeys::new("k1", vec![7; 32]).unwrap()
}

/// The code inside a message effect, as the user reads it.
fn code_in(effects: &[Effect], digits: usize) -> String {
    let text = effects
        .iter()
        .find_map(|e| match e {
            Effect::SendSms { text, .. } => Some(text.to_string()),
            Effect::SendEmail { body, .. } => Some(body.to_string()),
            _ => None,
        })
        .expect("a message effect");
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == digits)
        .expect("a code in the message")
        .to_owned()
}

fn issue(config: &DeliveryConfig, rng: &mut StdRng) -> (Challenge, String, DestinationBudget) {
    let issued = Challenge::issue(
        config,
        &keys(),
        Purpose::Registration,
        Destination::sms("+393331234567"),
        &DestinationBudget::default(),
        at(0),
        rng,
    )
    .unwrap();
    let code = code_in(&issued.effects, config.digits as usize);
    (issued.challenge.unwrap(), code, issued.budget)
}

#[test]
fn sms_code_registration_journey() {
    let config = DeliveryConfig::new("Area Clienti");
    let mut rng = StdRng::seed_from_u64(1);
    let issued = Challenge::issue(
        &config,
        &keys(),
        Purpose::Registration,
        Destination::preferred(Some("+393331234567"), "mario@example.it"),
        &DestinationBudget::default(),
        at(0),
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        issued.outcome,
        IssueOutcome::Sent {
            expires_at: at(300),
            next_resend_at: at(30)
        }
    );
    let Effect::SendSms { to, text } = &issued.effects[0] else {
        panic!("an SMS")
    };
    assert_eq!(to, "+393331234567");
    let code = code_in(&issued.effects, 6);
    assert_eq!(
        **text,
        format!(
            "Usa il codice temporaneo {code} per proseguire con la registrazione a Area Clienti. Scade tra 5 minuti."
        )
    );
    // The code is only in the message: not in the stored state, not in Debug.
    let challenge = issued.challenge.unwrap();
    assert!(!challenge.to_json().contains(&code));
    assert!(!format!("{:?}", issued.effects).contains(&code));
    // Typed with a space, it works once.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let step = challenge.verify(&config, &keys(), &spaced, Purpose::Registration, at(60));
    assert_eq!(step.outcome, CodeOutcome::Accepted);
    assert_eq!(step.challenge.revision(), challenge.revision() + 1);
    let again = step
        .challenge
        .verify(&config, &keys(), &code, Purpose::Registration, at(61));
    assert_eq!(again.outcome, CodeOutcome::AlreadyUsed);
}

#[test]
fn email_when_there_is_no_mobile_and_longer_ttl_is_capped_for_sms() {
    let config = DeliveryConfig::new("Esempio")
        .with_lang(Lang::En)
        .with_ttl(Duration::from_secs(3600));
    let mut rng = StdRng::seed_from_u64(2);
    let by_mail = Challenge::issue(
        &config,
        &keys(),
        Purpose::Recovery,
        Destination::preferred(None, "mario@example.it"),
        &DestinationBudget::default(),
        at(0),
        &mut rng,
    )
    .unwrap();
    let Effect::SendEmail { to, subject, .. } = &by_mail.effects[0] else {
        panic!("an email")
    };
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("mario@example.it", "Your temporary code for Esempio")
    );
    assert_eq!(by_mail.challenge.as_ref().unwrap().expires_at(), at(3600));
    assert_eq!(
        by_mail.challenge.unwrap().destination().channel(),
        Channel::Email
    );
    // SMS codes never live longer than 10 minutes (STANDARDS OOB-03).
    let (sms, _, _) = issue(&config, &mut rng);
    assert_eq!(sms.expires_at(), at(600));
}

#[test]
fn wrong_attempts_then_exhausted() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(3);
    let (mut c, code, _) = issue(&config, &mut rng);
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for left in (1..=4).rev() {
        let step = c.verify(&config, &keys(), wrong, Purpose::Registration, at(10));
        assert_eq!(
            step.outcome,
            CodeOutcome::Wrong {
                attempts_left: left
            }
        );
        c = step.challenge;
    }
    let step = c.verify(&config, &keys(), wrong, Purpose::Registration, at(10));
    assert_eq!(step.outcome, CodeOutcome::Exhausted);
    // Even the right code is refused now, and a resend cannot revive it.
    let step = step
        .challenge
        .verify(&config, &keys(), &code, Purpose::Registration, at(11));
    assert_eq!(step.outcome, CodeOutcome::Exhausted);
    let r = step.challenge.resend(
        &config,
        &keys(),
        &DestinationBudget::default(),
        at(100),
        &mut rng,
    );
    assert_eq!(r.outcome, ResendOutcome::NotPending);
}

#[test]
fn expiry_is_its_own_outcome_and_the_clock_cannot_revive_it() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(4);
    let (c, code, _) = issue(&config, &mut rng);
    let step = c.verify(&config, &keys(), &code, Purpose::Registration, at(300));
    assert_eq!(step.outcome, CodeOutcome::Expired);
    assert_eq!(step.challenge.state(), ChallengeState::Expired);
    // The host clock jumps back: still expired.
    let step = step
        .challenge
        .verify(&config, &keys(), &code, Purpose::Registration, at(100));
    assert_eq!(step.outcome, CodeOutcome::Expired);
    // "RICHIEDI UN NUOVO CODICE": a resend issues a new code that works.
    let r = step.challenge.resend(
        &config,
        &keys(),
        &DestinationBudget::default(),
        at(301),
        &mut rng,
    );
    assert!(matches!(r.outcome, ResendOutcome::Sent { .. }));
    let fresh = code_in(&r.effects, 6);
    let step = r
        .challenge
        .verify(&config, &keys(), &fresh, Purpose::Registration, at(302));
    assert_eq!(step.outcome, CodeOutcome::Accepted);
}

#[test]
fn resend_replaces_the_code_with_growing_cooldown_and_caps() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(5);
    let (c, first, budget) = issue(&config, &mut rng);
    let wrong = if first == "000000" {
        "999999"
    } else {
        "000000"
    };
    let c = c
        .verify(&config, &keys(), wrong, Purpose::Registration, at(5))
        .challenge;
    assert_eq!(c.attempts(), 1);
    // Too soon: 30 s after the first send.
    let r = c.resend(&config, &keys(), &budget, at(10), &mut rng);
    assert_eq!(r.outcome, ResendOutcome::TooSoon { retry_at: at(30) });
    let c = r.challenge;
    // Then 30 s, 60 s, 120 s between resends.
    let r = c.resend(&config, &keys(), &budget, at(30), &mut rng);
    assert_eq!(
        r.outcome,
        ResendOutcome::Sent {
            expires_at: at(330),
            next_resend_at: at(90)
        }
    );
    let second = code_in(&r.effects, 6);
    let (c, budget) = (r.challenge, r.budget.unwrap());
    assert_eq!(c.attempts(), 1, "a resend never resets the failure count");
    // The old code no longer works; the new one does.
    let step = c.verify(&config, &keys(), &first, Purpose::Registration, at(31));
    assert!(first == second || matches!(step.outcome, CodeOutcome::Wrong { .. }));
    let c = step.challenge;
    let r = c.resend(&config, &keys(), &budget, at(90), &mut rng);
    assert_eq!(
        r.outcome,
        ResendOutcome::Sent {
            expires_at: at(390),
            next_resend_at: at(210)
        }
    );
    let r = r
        .challenge
        .resend(&config, &keys(), &r.budget.unwrap(), at(210), &mut rng);
    assert!(matches!(r.outcome, ResendOutcome::Sent { .. }));
    let third = code_in(&r.effects, 6);
    let r2 = r
        .challenge
        .resend(&config, &keys(), &r.budget.unwrap(), at(10_000), &mut rng);
    assert_eq!(r2.outcome, ResendOutcome::LimitReached);
    // Only the last code works (when it is still valid).
    let step = r2
        .challenge
        .verify(&config, &keys(), &third, Purpose::Registration, at(211));
    assert_eq!(
        step.outcome,
        CodeOutcome::Expired,
        "verified at the host's clock, after the limit check moved it on"
    );
}

#[test]
fn daily_cap_per_destination_against_sms_pumping() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(6);
    let mut budget = DestinationBudget::default();
    for i in 0..10 {
        let issued = Challenge::issue(
            &config,
            &keys(),
            Purpose::Login,
            Destination::sms("+393331234567"),
            &budget,
            at(i * 60),
            &mut rng,
        )
        .unwrap();
        assert!(
            matches!(issued.outcome, IssueOutcome::Sent { .. }),
            "send {i}"
        );
        budget = issued.budget;
    }
    let refused = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms("+393331234567"),
        &budget,
        at(700),
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        refused.outcome,
        IssueOutcome::DailyCapReached {
            retry_at: at(24 * 3600)
        }
    );
    assert!(refused.challenge.is_none());
    assert!(
        refused
            .effects
            .iter()
            .all(|e| matches!(e, Effect::Audit(_))),
        "nothing is sent"
    );
    // A day after the first send, one more is allowed.
    let ok = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms("+393331234567"),
        &budget,
        at(24 * 3600),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(ok.outcome, IssueOutcome::Sent { .. }));
}

#[test]
fn purpose_binding_and_key_rotation() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(7);
    let (c, code, _) = issue(&config, &mut rng);
    let step = c.verify(&config, &keys(), &code, Purpose::Login, at(1));
    assert_eq!(step.outcome, CodeOutcome::WrongPurpose);
    assert_eq!(step.challenge.attempts(), 1);
    // After a key rotation, a challenge made with the old key still verifies.
    let rotated = CodeKeys::new("k2", vec![8; 32])
        .unwrap()
        .with_old("k1", vec![7; 32])
        .unwrap();
    let step = step
        .challenge
        .verify(&config, &rotated, &code, Purpose::Registration, at(2));
    assert_eq!(step.outcome, CodeOutcome::Accepted);
    // Without the old key it cannot match.
    let (c, code, _) = issue(&config, &mut rng);
    let only_new = CodeKeys::new("k2", vec![8; 32]).unwrap();
    assert!(matches!(
        c.verify(&config, &only_new, &code, Purpose::Registration, at(1))
            .outcome,
        CodeOutcome::Wrong { .. }
    ));
}

#[test]
fn stored_state_round_trips_and_bad_state_is_an_error() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(8);
    let (c, _, _) = issue(&config, &mut rng);
    assert_eq!(Challenge::from_json(&c.to_json()).unwrap(), c);
    assert_eq!(
        Challenge::from_json("{}").unwrap_err().code(),
        "deserialize"
    );
    assert_eq!(
        Challenge::from_json("\u{0}").unwrap_err().code(),
        "deserialize"
    );
    assert_eq!(
        Challenge::from_json(&c.to_json().replace("\"version\":1", "\"version\":7"))
            .unwrap_err()
            .code(),
        "unsupported_version"
    );
    assert!(DeliveryConfig::new("x").with_digits(5).validate().is_err());
    let bad = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms(""),
        &DestinationBudget::default(),
        at(0),
        &mut rng,
    );
    assert!(bad.is_err());
}

/// One step of a random session: a guess (right or wrong) at some time, or a resend.
#[derive(Debug, Clone)]
enum Action {
    Guess { right: bool, dt: u64 },
    Resend { dt: u64 },
    ClockBack { dt: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (any::<bool>(), 0u64..200).prop_map(|(right, dt)| Action::Guess { right, dt }),
        (0u64..200).prop_map(|dt| Action::Resend { dt }),
        (0u64..400).prop_map(|dt| Action::ClockBack { dt }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_in_any_session(seed in any::<u64>(), actions in prop::collection::vec(action(), 1..25)) {
        let config = DeliveryConfig::new("Esempio");
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut c, code, mut budget) = issue(&config, &mut rng);
        let mut current = code;
        let mut replaced: Vec<String> = Vec::new();
        let mut clock = 0u64;
        let mut max_seen = 0u64;
        for a in actions {
            match a {
                Action::Guess { right, dt } => {
                    clock += dt;
                    max_seen = max_seen.max(clock);
                    let expired_before = max_seen >= c.expires_at().as_unix_seconds() - T0;
                    // Replaced codes never verify (unless they happen to equal the current one).
                    for old in replaced.iter().filter(|o| **o != current) {
                        let s = c.verify(&config, &keys(), old, Purpose::Registration, at(clock));
                        prop_assert_ne!(s.outcome, CodeOutcome::Accepted);
                    }
                    let guess = if right { current.clone() } else { format!("{:06}", (current.parse::<u32>().unwrap() + 1) % 1_000_000) };
                    let step = c.verify(&config, &keys(), &guess, Purpose::Registration, at(clock));
                    if expired_before {
                        prop_assert_ne!(step.outcome, CodeOutcome::Accepted, "accepted after expiry");
                    }
                    prop_assert!(step.challenge.attempts() >= c.attempts());
                    c = step.challenge;
                }
                Action::Resend { dt } => {
                    clock += dt;
                    max_seen = max_seen.max(clock);
                    let before = c.attempts();
                    let step = c.resend(&config, &keys(), &budget, at(clock), &mut rng);
                    prop_assert_eq!(step.challenge.attempts(), before, "a resend changed the failure count");
                    if let ResendOutcome::Sent { .. } = step.outcome {
                        replaced.push(std::mem::replace(&mut current, code_in(&step.effects, 6)));
                        budget = step.budget.unwrap();
                    }
                    c = step.challenge;
                }
                Action::ClockBack { dt } => clock = clock.saturating_sub(dt),
            }
        }
    }
}
