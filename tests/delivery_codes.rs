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
use varco::record::{Expect, Stored};
use varco::{Lang, Timestamp};

const T0: u64 = 1_800_000_000;
const PHONE: &str = "+393331234567";

type Ch = Stored<Challenge>;
type Budget = Stored<DestinationBudget>;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + secs)
}

fn keys() -> CodeKeys {
    CodeKeys::new("k1", vec![7; 32]).unwrap()
}

fn budget_for(to: &str) -> Budget {
    Stored::new(DestinationBudget::new(to))
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

fn issue_at(config: &DeliveryConfig, rng: &mut StdRng, t: Timestamp) -> (Ch, String, Budget) {
    let issued = Challenge::issue(
        config,
        &keys(),
        Purpose::Registration,
        Destination::sms(PHONE),
        &budget_for(PHONE),
        t,
        rng,
    )
    .unwrap();
    let code = code_in(&issued.effects, config.digits as usize);
    let w = issued.writes;
    (w.challenge.unwrap().record, code, w.budget.unwrap().record)
}

fn issue(config: &DeliveryConfig, rng: &mut StdRng) -> (Ch, String, Budget) {
    issue_at(config, rng, at(0))
}

/// Verifies, and gives the challenge as stored after it.
fn verify(
    c: &Ch,
    config: &DeliveryConfig,
    k: &CodeKeys,
    code: &str,
    p: Purpose,
    t: Timestamp,
) -> (CodeOutcome, Ch) {
    let step = c.verify(config, k, code, p, t).unwrap();
    (step.outcome, step.state_or(c.clone()))
}

/// Resends, and gives the challenge and budget as stored after it.
fn resend(
    c: &Ch,
    config: &DeliveryConfig,
    b: &Budget,
    t: Timestamp,
    rng: &mut StdRng,
) -> (ResendOutcome, Ch, Budget, Vec<Effect>) {
    let step = c.resend(config, &keys(), b, t, rng).unwrap();
    let ch = step.writes.challenge.map_or(c.clone(), |w| w.record);
    let bu = step.writes.budget.map_or(b.clone(), |w| w.record);
    (step.outcome, ch, bu, step.effects)
}

#[test]
fn sms_code_registration_journey() {
    let config = DeliveryConfig::new("Area Clienti");
    let mut rng = StdRng::seed_from_u64(1);
    let issued = Challenge::issue(
        &config,
        &keys(),
        Purpose::Registration,
        Destination::preferred(Some(PHONE), "mario@example.it"),
        &budget_for(PHONE),
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
    assert_eq!(to, PHONE);
    let code = code_in(&issued.effects, 6);
    assert_eq!(
        **text,
        format!(
            "Usa il codice temporaneo {code} per proseguire con la registrazione a Area Clienti. Scade tra 5 minuti."
        )
    );
    // Two new records, budget first: both "must not exist".
    let kinds: Vec<_> = varco::step::Writes::record_writes(&issued.writes)
        .iter()
        .map(|w| (w.kind, w.expect))
        .collect();
    assert_eq!(
        kinds,
        [
            ("destination_budget", Expect::Absent),
            ("challenge", Expect::Absent)
        ]
    );
    // The code is only in the message: not in the stored state, not in Debug.
    let challenge = issued.writes.challenge.unwrap().record;
    assert!(!challenge.to_json().contains(&code));
    assert!(!format!("{:?}", issued.effects).contains(&code));
    // Typed with a space, it works once.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let step = challenge
        .verify(&config, &keys(), &spaced, Purpose::Registration, at(60))
        .unwrap();
    assert_eq!(step.outcome, CodeOutcome::Accepted);
    let w = step.writes.unwrap();
    assert_eq!(w.expect, Expect::Revision { revision: 1 });
    assert_eq!(w.record.revision(), 2);
    let (again, _) = verify(
        &w.record,
        &config,
        &keys(),
        &code,
        Purpose::Registration,
        at(61),
    );
    assert_eq!(again, CodeOutcome::AlreadyUsed);
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
        &budget_for("mario@example.it"),
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
    let c = by_mail.writes.challenge.unwrap().record;
    assert_eq!(c.body().expires_at(), at(3600));
    assert_eq!(c.expires_at(), Some(at(3600))); // the envelope's, for purging
    assert_eq!(c.body().destination().channel(), Channel::Email);
    // SMS codes never live longer than 10 minutes (STANDARDS OOB-03).
    let (sms, _, _) = issue(&config, &mut rng);
    assert_eq!(sms.body().expires_at(), at(600));
}

#[test]
fn wrong_attempts_then_exhausted() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(3);
    let (mut c, code, budget) = issue(&config, &mut rng);
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for left in (1..=4).rev() {
        let (o, next) = verify(&c, &config, &keys(), wrong, Purpose::Registration, at(10));
        assert_eq!(
            o,
            CodeOutcome::Wrong {
                attempts_left: left
            }
        );
        c = next;
    }
    let (o, c) = verify(&c, &config, &keys(), wrong, Purpose::Registration, at(10));
    assert_eq!(o, CodeOutcome::Exhausted);
    assert_eq!(c.body().state(), ChallengeState::Exhausted);
    // Even the right code is refused now (and that writes nothing), and a
    // resend cannot revive it.
    let step = c
        .verify(&config, &keys(), &code, Purpose::Registration, at(11))
        .unwrap();
    assert_eq!(step.outcome, CodeOutcome::Exhausted);
    assert!(step.writes.is_none());
    let (r, _, _, _) = resend(&c, &config, &budget, at(100), &mut rng);
    assert_eq!(r, ResendOutcome::NotPending);
}

#[test]
fn expiry_is_its_own_outcome_and_the_clock_cannot_revive_it() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(4);
    let (c, code, budget) = issue(&config, &mut rng);
    let step = c
        .verify(&config, &keys(), &code, Purpose::Registration, at(300))
        .unwrap();
    assert_eq!(step.outcome, CodeOutcome::Expired);
    // The first expired try keeps the time (no attempt is spent)...
    let c = step.state_or(c);
    assert_eq!((c.body().attempts(), c.last_seen()), (0, at(300)));
    // ...and the later ones write nothing.
    let step = c
        .verify(&config, &keys(), &code, Purpose::Registration, at(301))
        .unwrap();
    assert_eq!(step.outcome, CodeOutcome::Expired);
    assert!(step.writes.is_none());
    // The host clock jumps back: still expired.
    let (o, c) = verify(&c, &config, &keys(), &code, Purpose::Registration, at(100));
    assert_eq!(o, CodeOutcome::Expired);
    // "RICHIEDI UN NUOVO CODICE": a resend issues a new code that works.
    let (r, c, _, effects) = resend(&c, &config, &budget, at(301), &mut rng);
    assert!(matches!(r, ResendOutcome::Sent { .. }));
    let fresh = code_in(&effects, 6);
    let (o, _) = verify(&c, &config, &keys(), &fresh, Purpose::Registration, at(302));
    assert_eq!(o, CodeOutcome::Accepted);
}

/// Property 16: a code issued while the clock had jumped ahead does not
/// stay valid until real time catches up.
#[test]
fn a_code_issued_while_the_clock_was_ahead_ends_when_it_comes_back() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(40);
    // The host's clock read a day ahead when the code was issued.
    let (c, code, budget) = issue_at(&config, &mut rng, at(24 * 3600));
    // Back to real time, a minute later: within the code's five minutes by
    // the record's clock, but the clock is behind what the record has seen.
    let (o, _) = verify(&c, &config, &keys(), &code, Purpose::Registration, at(60));
    assert_eq!(o, CodeOutcome::Expired);
    // A skew of under two minutes is tolerated.
    let (o, _) = verify(
        &c,
        &config,
        &keys(),
        &code,
        Purpose::Registration,
        at(24 * 3600 - 60),
    );
    assert_eq!(o, CodeOutcome::Accepted);
    // Nor can a resend issue a code that lives in the future: start again.
    let (r, _, _, _) = resend(&c, &config, &budget, at(120), &mut rng);
    assert_eq!(r, ResendOutcome::NotPending);
}

/// Property 4: a code submitted 16 times at once is accepted once. Each
/// request loads the same revision; only the first compare-and-swap wins,
/// and the others, reloading, find the code used.
#[test]
fn a_code_submitted_sixteen_times_at_once_is_accepted_once() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(41);
    let (mut stored, code, _) = issue(&config, &mut rng);
    let loaded: Vec<Ch> = (0..16).map(|_| stored.clone()).collect();
    let mut accepted = 0;
    for c in loaded {
        let mut c = c;
        loop {
            let step = c
                .verify(&config, &keys(), &code, Purpose::Registration, at(5))
                .unwrap();
            match step.writes {
                Some(w) if w.expect == stored.expect() => {
                    assert_eq!(step.outcome, CodeOutcome::Accepted);
                    accepted += 1;
                    stored = w.record;
                    break;
                }
                Some(_) => c = stored.clone(), // conflict: reload and redo
                None => {
                    assert_eq!(step.outcome, CodeOutcome::AlreadyUsed);
                    break;
                }
            }
        }
    }
    assert_eq!(accepted, 1);
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
    let (_, c) = verify(&c, &config, &keys(), wrong, Purpose::Registration, at(5));
    assert_eq!(c.body().attempts(), 1);
    // Too soon: 30 s after the first send. A refusal writes nothing.
    let step = c
        .resend(&config, &keys(), &budget, at(10), &mut rng)
        .unwrap();
    assert_eq!(step.outcome, ResendOutcome::TooSoon { retry_at: at(30) });
    assert!(step.writes.budget.is_none() && step.writes.challenge.is_none());
    // Then 30 s, 60 s, 120 s between resends.
    let (r, c, budget, fx) = resend(&c, &config, &budget, at(30), &mut rng);
    assert_eq!(
        r,
        ResendOutcome::Sent {
            expires_at: at(330),
            next_resend_at: at(90)
        }
    );
    let second = code_in(&fx, 6);
    assert_eq!(
        c.body().attempts(),
        1,
        "a resend never resets the failure count"
    );
    assert_eq!(budget.body().sends_in_last_day(at(30)), 2);
    // The old code no longer works; the new one does.
    let (o, c) = verify(&c, &config, &keys(), &first, Purpose::Registration, at(31));
    assert!(first == second || matches!(o, CodeOutcome::Wrong { .. }));
    let (r, c, budget, _) = resend(&c, &config, &budget, at(90), &mut rng);
    assert_eq!(
        r,
        ResendOutcome::Sent {
            expires_at: at(390),
            next_resend_at: at(210)
        }
    );
    let (r, c, budget, fx) = resend(&c, &config, &budget, at(210), &mut rng);
    assert!(matches!(r, ResendOutcome::Sent { .. }));
    let third = code_in(&fx, 6);
    let (r2, _, _, _) = resend(&c, &config, &budget, at(10_000), &mut rng);
    assert_eq!(r2, ResendOutcome::LimitReached);
    // Only the last code works.
    let (o, _) = verify(&c, &config, &keys(), &third, Purpose::Registration, at(211));
    assert_eq!(o, CodeOutcome::Accepted);
}

#[test]
fn misuse_is_an_error_and_changes_nothing() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(42);
    let (c, _, budget) = issue(&config, &mut rng);
    // A resend with an invalid configuration is an error, not "not pending".
    let bad = DeliveryConfig::new("Esempio").with_digits(3);
    assert_eq!(
        c.resend(&bad, &keys(), &budget, at(60), &mut rng)
            .unwrap_err()
            .code(),
        "invalid_otp_config"
    );
    // Another destination's budget is refused: a host cannot dodge the cap
    // by passing the wrong record.
    let other = budget_for("+393339999999");
    assert_eq!(
        c.resend(&config, &keys(), &other, at(60), &mut rng)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(
        Challenge::issue(
            &config,
            &keys(),
            Purpose::Login,
            Destination::sms(PHONE),
            &other,
            at(0),
            &mut rng
        )
        .is_err()
    );
    // A clock far off is refused.
    assert_eq!(
        c.verify(
            &config,
            &keys(),
            "1",
            Purpose::Registration,
            Timestamp::from_unix_millis(u64::MAX)
        )
        .unwrap_err()
        .code(),
        "invalid_time"
    );
}

#[test]
fn daily_cap_per_destination_against_sms_pumping() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(6);
    let mut budget = budget_for(PHONE);
    for i in 0..10 {
        let issued = Challenge::issue(
            &config,
            &keys(),
            Purpose::Login,
            Destination::sms(PHONE),
            &budget,
            at(i * 60),
            &mut rng,
        )
        .unwrap();
        assert!(
            matches!(issued.outcome, IssueOutcome::Sent { .. }),
            "send {i}"
        );
        let w = issued.writes.budget.unwrap();
        assert_eq!(w.expect, budget.expect());
        budget = w.record;
    }
    let refused = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms(PHONE),
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
    assert!(refused.writes.challenge.is_none() && refused.writes.budget.is_none());
    assert!(
        refused
            .effects
            .iter()
            .all(|e| matches!(e, Effect::Audit(_))),
        "nothing is sent"
    );
    // A host that "forgets" the stored budget and passes a new one gets a
    // write that must not find one: its store refuses it.
    let forgot = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms(PHONE),
        &budget_for(PHONE),
        at(700),
        &mut rng,
    )
    .unwrap();
    assert_eq!(forgot.writes.budget.unwrap().expect, Expect::Absent);
    // A day after the first send, one more is allowed.
    let ok = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms(PHONE),
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
    let (o, c) = verify(&c, &config, &keys(), &code, Purpose::Login, at(1));
    assert_eq!(o, CodeOutcome::WrongPurpose);
    assert_eq!(c.body().attempts(), 1);
    // After a key rotation, a challenge made with the old key still verifies.
    let rotated = CodeKeys::new("k2", vec![8; 32])
        .unwrap()
        .with_old("k1", vec![7; 32])
        .unwrap();
    let (o, _) = verify(&c, &config, &rotated, &code, Purpose::Registration, at(2));
    assert_eq!(o, CodeOutcome::Accepted);
    // Without the old key it cannot match.
    let (c, code, _) = issue(&config, &mut rng);
    let only_new = CodeKeys::new("k2", vec![8; 32]).unwrap();
    let (o, _) = verify(&c, &config, &only_new, &code, Purpose::Registration, at(1));
    assert!(matches!(o, CodeOutcome::Wrong { .. }));
}

#[test]
fn stored_state_round_trips_and_bad_state_is_an_error() {
    let config = DeliveryConfig::new("Esempio");
    let mut rng = StdRng::seed_from_u64(8);
    let (c, _, b) = issue(&config, &mut rng);
    assert_eq!(Ch::from_json(&c.to_json()).unwrap(), c);
    assert_eq!(Budget::from_json(&b.to_json()).unwrap(), b);
    for (json, code) in [
        ("{}".to_owned(), "deserialize"),
        ("\u{0}".to_owned(), "deserialize"),
        (
            c.to_json().replace("\"version\":1", "\"version\":7"),
            "unsupported_version",
        ),
        (b.to_json(), "wrong_record_kind"),
        (
            c.to_json()
                .replace("\"attempts\"", "\"attempts\":0,\"extra\""),
            "deserialize",
        ),
        (c.to_json().replace("\"sms\"", "\"fax\""), "deserialize"),
        ("[".repeat(100_000), "deserialize"),
    ] {
        assert_eq!(Ch::from_json(&json).unwrap_err().code(), code, "{json:.80}");
    }
    assert!(DeliveryConfig::new("x").with_digits(5).validate().is_err());
    let bad = Challenge::issue(
        &config,
        &keys(),
        Purpose::Login,
        Destination::sms(""),
        &budget_for(""),
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
                    let expired_before = max_seen >= c.body().expires_at().as_unix_seconds() - T0;
                    // Replaced codes never verify (unless they happen to equal the current one).
                    for old in replaced.iter().filter(|o| **o != current) {
                        let (o, _) = verify(&c, &config, &keys(), old, Purpose::Registration, at(clock));
                        prop_assert_ne!(o, CodeOutcome::Accepted);
                    }
                    let guess = if right { current.clone() } else { format!("{:06}", (current.parse::<u32>().unwrap() + 1) % 1_000_000) };
                    let (o, next) = verify(&c, &config, &keys(), &guess, Purpose::Registration, at(clock));
                    if expired_before {
                        prop_assert_ne!(o, CodeOutcome::Accepted, "accepted after expiry");
                    }
                    prop_assert!(next.body().attempts() >= c.body().attempts());
                    prop_assert!(next.revision() >= c.revision());
                    c = next;
                }
                Action::Resend { dt } => {
                    clock += dt;
                    max_seen = max_seen.max(clock);
                    let before = c.body().attempts();
                    let (o, next, b, fx) = resend(&c, &config, &budget, at(clock), &mut rng);
                    prop_assert_eq!(next.body().attempts(), before, "a resend changed the failure count");
                    if let ResendOutcome::Sent { .. } = o {
                        replaced.push(std::mem::replace(&mut current, code_in(&fx, 6)));
                        // A new code: "expired" is judged by the times seen
                        // since it was issued.
                        max_seen = clock;
                    }
                    c = next;
                    budget = b;
                }
                Action::ClockBack { dt } => clock = clock.saturating_sub(dt),
            }
        }
    }
}
