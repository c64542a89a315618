//! FLOWS.md F5: attempt budgets and lockout, end to end, and the
//! concurrency model: parallel wrong guesses on one revision are never
//! counted as one and never slip past the limit.

use std::time::Duration;

use proptest::prelude::*;
use varco::Timestamp;
use varco::guard::{
    AccountGuard, Backoff, Decision, Factor, GuardPolicies, LockMode, LockoutPolicy, Reason, Unlock,
};

const T0: u64 = 1_800_000_000;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + secs)
}

/// One wrong password attempt, as a host following the protocol does it.
fn wrong(
    g: AccountGuard,
    p: &GuardPolicies,
    f: Factor,
    dev: Option<&str>,
    t: Timestamp,
) -> (Decision, AccountGuard) {
    let step = g.begin(p, f, dev, t);
    (step.decision, step.guard)
}

#[test]
fn temporary_locks_grow_then_success_clears() {
    let p = GuardPolicies::default();
    let mut g = AccountGuard::new();
    let mut t = 0;
    for _ in 0..5 {
        let (d, next) = wrong(g, &p, Factor::Password, None, at(t));
        assert_eq!(d, Decision::Allow);
        g = next;
        t += 2;
    }
    // Locked for 1 minute from the 5th failure (at t = 8).
    let (d, g2) = wrong(g.clone(), &p, Factor::Password, None, at(t));
    assert_eq!(
        d,
        Decision::Locked {
            until: Some(at(68)),
            reason: Reason::TooManyFailures
        }
    );
    g = g2;
    // After the wait, five more: then 2 minutes.
    t = 68;
    for _ in 0..5 {
        let (d, next) = wrong(g, &p, Factor::Password, None, at(t));
        assert_eq!(d, Decision::Allow);
        g = next;
        t += 2;
    }
    let (d, _) = wrong(g.clone(), &p, Factor::Password, None, at(t));
    assert_eq!(
        d,
        Decision::Locked {
            until: Some(at(76 + 120)),
            reason: Reason::TooManyFailures
        }
    );
    // A success (after the lock) clears everything.
    let step = g.begin(&p, Factor::Password, None, at(400));
    assert_eq!(step.decision, Decision::Allow);
    let g = step.guard.succeed(Factor::Password, None, at(400)).guard;
    assert_eq!(g.counter(Factor::Password).consecutive(), 0);
}

#[test]
fn quick_succession_is_refused() {
    let p = GuardPolicies::default();
    let (_, g) = wrong(AccountGuard::new(), &p, Factor::Password, None, at(0));
    let step = g.begin(
        &p,
        Factor::Password,
        None,
        Timestamp::from_unix_millis((T0) * 1000 + 300),
    );
    assert_eq!(
        step.decision,
        Decision::Locked {
            until: Some(at(1)),
            reason: Reason::TooFast
        }
    );
}

#[test]
fn trusted_device_keeps_its_own_budget_and_recovery_stays_open() {
    let p = GuardPolicies::default();
    // The owner signed in once from her phone.
    let g = AccountGuard::new()
        .succeed(Factor::Password, Some("phone-1"), at(0))
        .guard;
    // An attacker elsewhere locks the shared budget.
    let mut g = g;
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, Some("attacker"), at(10 + i * 2)).1;
    }
    assert!(matches!(
        g.begin(&p, Factor::Password, Some("attacker"), at(30))
            .decision,
        Decision::Locked { .. }
    ));
    assert!(matches!(
        g.begin(&p, Factor::Password, None, at(30)).decision,
        Decision::Locked { .. }
    ));
    // The owner's phone still may try.
    assert_eq!(
        g.begin(&p, Factor::Password, Some("phone-1"), at(30))
            .decision,
        Decision::Allow
    );
    // And a recovery is open for everyone.
    assert_eq!(
        g.begin(&p, Factor::Recovery, Some("attacker"), at(30))
            .decision,
        Decision::Allow
    );
    // Per factor: the second factor has its own counter too.
    assert_eq!(
        g.begin(&p, Factor::SecondFactor, None, at(30)).decision,
        Decision::Allow
    );
}

#[test]
fn permanent_after_ten_temporary_locks() {
    let p = GuardPolicies::default();
    let mut g = AccountGuard::new();
    let mut t = 0u64;
    for lock in 1..=10u32 {
        for _ in 0..5 {
            let step = g.begin(&p, Factor::Password, None, at(t));
            assert_eq!(step.decision, Decision::Allow, "lock {lock}");
            g = step.guard;
            t += 2;
        }
        // Wait out the lock (1, 2, 4, … minutes, at most an hour).
        t += p.password.wait(lock).as_secs();
    }
    assert!(g.counter(Factor::Password).is_permanently_locked());
    assert_eq!(
        g.begin(&p, Factor::Password, None, at(t + 1_000_000))
            .decision,
        Decision::Locked {
            until: None,
            reason: Reason::TooManyFailures
        }
    );
    let cfg = GuardPolicies {
        password: LockoutPolicy {
            permanent_after_locks: 0,
            ..LockoutPolicy::default()
        },
        ..p
    };
    assert!(cfg.validate().is_ok());
}

#[test]
fn per_source_and_per_destination_budgets() {
    use std::collections::HashMap;
    use varco::guard::FailureCounter;
    // The host keeps one counter per source address, with its own policy:
    // one address spraying many accounts is stopped, the others are not.
    let per_source = LockoutPolicy {
        threshold: 20,
        min_interval: Duration::ZERO,
        ..LockoutPolicy::default()
    };
    let mut sources: HashMap<&str, FailureCounter> = HashMap::new();
    for i in 0..20 {
        let c = sources.entry("203.0.113.7").or_default();
        assert_eq!(c.decide(&per_source, at(i)), Decision::Allow);
        *c = c.fail(&per_source, at(i));
    }
    assert!(matches!(
        sources["203.0.113.7"].decide(&per_source, at(21)),
        Decision::Locked { .. }
    ));
    assert_eq!(
        sources
            .entry("198.51.100.2")
            .or_default()
            .decide(&per_source, at(21)),
        Decision::Allow
    );
    // Per destination (a phone number): same counter, another policy.
    let per_destination = LockoutPolicy {
        threshold: 3,
        ..LockoutPolicy::default()
    };
    let mut phone = FailureCounter::default();
    for i in 0..3 {
        phone = phone.fail(&per_destination, at(i * 10));
    }
    assert!(matches!(
        phone.decide(&per_destination, at(25)),
        Decision::Locked { .. }
    ));
    assert_eq!(phone.succeed(), FailureCounter::default());
}

#[test]
fn soft_mode_steps_up_instead_of_refusing() {
    let p = GuardPolicies {
        password: LockoutPolicy::soft(),
        ..GuardPolicies::default()
    };
    let mut g = AccountGuard::new();
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, None, at(i * 2)).1;
    }
    assert_eq!(
        g.begin(&p, Factor::Password, None, at(20)).decision,
        Decision::StepUp {
            reason: Reason::TooManyFailures
        }
    );
}

#[test]
fn nist_cap_locks_for_good_until_operator_or_recovery() {
    let fast = LockoutPolicy {
        threshold: 100,
        backoff: Backoff::Linear {
            base: Duration::from_secs(1),
        },
        max_wait: Duration::from_secs(1),
        min_interval: Duration::ZERO,
        mode: LockMode::Hard,
        ..LockoutPolicy::default()
    };
    let p = GuardPolicies {
        password: fast,
        ..GuardPolicies::default()
    };
    let mut g = AccountGuard::new();
    for i in 0..100 {
        let (d, next) = wrong(g, &p, Factor::Password, None, at(i));
        assert_eq!(d, Decision::Allow, "attempt {i}");
        g = next;
    }
    assert_eq!(g.counter(Factor::Password).consecutive(), 100);
    let d = g.begin(&p, Factor::Password, None, at(10_000_000)).decision;
    assert_eq!(
        d,
        Decision::Locked {
            until: None,
            reason: Reason::TooManyFailures
        }
    );
    let unlocked = g.unlock(
        &Unlock::Operator {
            operator: "op-7".into(),
        },
        at(10_000_001),
    );
    assert_eq!(
        unlocked
            .guard
            .begin(&p, Factor::Password, None, at(10_000_002))
            .decision,
        Decision::Allow
    );
    let by_recovery = g.unlock(&Unlock::Recovery, at(10_000_001)).guard;
    assert!(
        !by_recovery
            .counter(Factor::Password)
            .is_permanently_locked()
    );
}

#[test]
fn time_going_backwards_never_shortens_a_lock() {
    let p = GuardPolicies::default();
    let mut g = AccountGuard::new();
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, None, at(1000 + i * 2)).1;
    }
    // Locked until 1068. The host clock jumps back an hour: still locked.
    assert!(matches!(
        g.begin(
            &p,
            Factor::Password,
            None,
            Timestamp::from_unix_seconds(T0 + 1068 - 3600)
        )
        .decision,
        Decision::Locked { .. }
    ));
    assert!(matches!(
        g.begin(&p, Factor::Password, None, at(1067)).decision,
        Decision::Locked { .. }
    ));
    assert_eq!(
        g.begin(&p, Factor::Password, None, at(1068)).decision,
        Decision::Allow
    );
}

#[test]
fn state_round_trips_and_bad_state_is_an_error() {
    let p = GuardPolicies::default();
    let g = wrong(
        AccountGuard::new()
            .succeed(Factor::Password, Some("d"), at(0))
            .guard,
        &p,
        Factor::Password,
        None,
        at(5),
    )
    .1;
    assert_eq!(AccountGuard::from_json(&g.to_json()).unwrap(), g);
    assert_eq!(
        AccountGuard::from_json("[]").unwrap_err().code(),
        "deserialize"
    );
    assert_eq!(
        AccountGuard::from_json(&g.to_json().replace("\"version\":1", "\"version\":3"))
            .unwrap_err()
            .code(),
        "unsupported_version"
    );
    assert!(
        GuardPolicies {
            password: LockoutPolicy {
                threshold: 0,
                ..LockoutPolicy::default()
            },
            ..GuardPolicies::default()
        }
        .validate()
        .is_err()
    );
}

/// A store with compare-and-swap, as the host must provide.
struct Store {
    state: AccountGuard,
}

impl Store {
    fn load(&self) -> AccountGuard {
        self.state.clone()
    }
    fn cas(&mut self, expected: u64, new: AccountGuard) -> bool {
        if self.state.revision() == expected {
            self.state = new;
            true
        } else {
            false
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// N requests race: each loads, begins, and tries to store; the
    /// scheduler interleaves loads and stores in any order. However they
    /// interleave, every verified guess was counted first, and no more than
    /// the threshold are ever verified.
    #[test]
    fn parallel_guesses_never_slip_past_the_limit(
        requests in 2usize..12,
        schedule in prop::collection::vec(any::<prop::sample::Index>(), 0..200),
    ) {
        let policy = LockoutPolicy { min_interval: Duration::ZERO, ..LockoutPolicy::default() };
        let p = GuardPolicies { password: policy, ..GuardPolicies::default() };
        let mut store = Store { state: AccountGuard::new() };
        // Each request: Some(loaded) while between load and store, None when idle.
        let mut pending: Vec<Option<AccountGuard>> = vec![None; requests];
        let mut done = vec![false; requests];
        let mut verified = 0u32;
        let now = at(0);
        let mut steps = schedule.into_iter();
        while done.iter().any(|d| !d) {
            let live: Vec<usize> = (0..requests).filter(|i| !done[*i]).collect();
            let pick = match steps.next() { Some(ix) => live[ix.index(live.len())], None => live[0] };
            match pending[pick].take() {
                None => pending[pick] = Some(store.load()),
                Some(loaded) => {
                    let step = loaded.begin(&p, Factor::Password, None, now);
                    if step.decision != Decision::Allow {
                        done[pick] = true; // refused: never verified
                    } else if store.cas(loaded.revision(), step.guard) {
                        verified += 1; // the password is checked now, and is wrong
                        done[pick] = true;
                    } // else: lost the race, reload and retry
                }
            }
        }
        prop_assert!(verified <= policy.threshold, "{} guesses verified", verified);
        prop_assert_eq!(store.state.counter(Factor::Password).consecutive(), verified);
    }

    /// A locked factor never lets an attempt through, and counters never pass
    /// their cap, whatever the sequence of attempts, successes and clock jumps.
    #[test]
    fn locked_never_authenticates_and_counters_stay_capped(
        ops in prop::collection::vec((0u8..4, 0u64..400, any::<bool>()), 1..120),
    ) {
        let p = GuardPolicies::default();
        let mut g = AccountGuard::new();
        let mut clock = 0u64;
        for (op, dt, trusted) in ops {
            let dev = if trusted { Some("phone") } else { Some("other") };
            match op {
                0 => clock += dt,
                1 => clock = clock.saturating_sub(dt),
                2 => {
                    let step = g.begin(&p, Factor::Password, dev, at(clock));
                    if step.decision == Decision::Allow {
                        // Only an allowed attempt may succeed.
                        g = step.guard.succeed(Factor::Password, dev, at(clock)).guard;
                    } else {
                        prop_assert_eq!(step.guard.counter(Factor::Password), g.counter(Factor::Password));
                        g = step.guard;
                    }
                }
                _ => g = g.begin(&p, Factor::Password, dev, at(clock)).guard,
            }
            prop_assert!(g.counter(Factor::Password).consecutive() <= p.password.max_consecutive);
            let loaded = AccountGuard::from_json(&g.to_json()).unwrap();
            prop_assert_eq!(&loaded, &g);
        }
    }

    /// Replaying a success or an unlock changes nothing but the revision.
    #[test]
    fn success_and_unlock_are_idempotent(fails in 0u64..8) {
        let p = GuardPolicies::default();
        let mut g = AccountGuard::new();
        for i in 0..fails {
            g = g.begin(&p, Factor::Password, None, at(i * 2)).guard;
        }
        let once = g.succeed(Factor::Password, Some("d"), at(100)).guard;
        let twice = once.succeed(Factor::Password, Some("d"), at(100)).guard;
        prop_assert_eq!(once.counter(Factor::Password), twice.counter(Factor::Password));
        prop_assert_eq!(once.is_trusted("d"), twice.is_trusted("d"));
        let u1 = g.unlock(&Unlock::Recovery, at(100)).guard;
        let u2 = u1.unlock(&Unlock::Recovery, at(100)).guard;
        prop_assert_eq!(u1.counter(Factor::Password), u2.counter(Factor::Password));
        prop_assert_eq!(u2.revision(), u1.revision() + 1);
    }
}

mod lifecycle {
    use super::at;
    use varco::account::{AccountState as S, Lifecycle, LifecycleEvent as E, LockCause};
    use varco::audit::AuditKind;
    use varco::effect::Effect;

    fn states() -> Vec<S> {
        vec![
            S::PendingActivation,
            S::Active,
            S::Locked {
                cause: LockCause::Failures,
            },
            S::Locked {
                cause: LockCause::Location,
            },
            S::Dormant,
            S::Expired,
            S::Suspended,
            S::Ceased,
        ]
    }

    fn events() -> Vec<E> {
        vec![
            E::Activate,
            E::LockForFailures,
            E::PreventiveBlock {
                detail: "Rome→NYC in 1 h".into(),
            },
            E::Inactivity,
            E::SubscriptionExpired,
            E::OperatorBlock {
                operator: "op-1".into(),
                reason: "suspected theft".into(),
            },
            E::Cease {
                reason: "closed".into(),
            },
            E::WaitElapsed,
            E::RecoveryCompleted,
            E::OperatorUnblock {
                operator: "op-2".into(),
            },
            E::SubscriptionRenewed,
        ]
    }

    /// The rules of FLOWS F5, written out independently of the library.
    fn expected(from: &S, e: &E) -> Option<S> {
        let l = |c| S::Locked { cause: c };
        Some(match (from, e) {
            (S::Ceased, _) => return None,
            (_, E::Cease { .. }) => S::Ceased,
            (S::PendingActivation, E::Activate) => S::Active,
            (S::PendingActivation, E::OperatorBlock { .. }) => S::Suspended,
            (S::Active, E::LockForFailures) => l(LockCause::Failures),
            (S::Active, E::PreventiveBlock { .. }) => l(LockCause::Location),
            (S::Active, E::Inactivity) => S::Dormant,
            (S::Active, E::SubscriptionExpired) => S::Expired,
            (S::Active, E::OperatorBlock { .. }) => S::Suspended,
            (
                S::Locked {
                    cause: LockCause::Failures,
                },
                E::WaitElapsed,
            ) => S::Active,
            (S::Locked { .. }, E::RecoveryCompleted) => S::Active,
            (S::Locked { .. }, E::OperatorUnblock { .. }) => S::Active,
            (S::Locked { .. }, E::SubscriptionExpired) => S::Expired,
            (S::Locked { .. }, E::OperatorBlock { .. }) => S::Suspended,
            (S::Dormant, E::RecoveryCompleted | E::OperatorUnblock { .. }) => S::Active,
            (S::Dormant, E::SubscriptionExpired) => S::Expired,
            (S::Dormant, E::OperatorBlock { .. }) => S::Suspended,
            (S::Expired, E::SubscriptionRenewed) => S::Active,
            (S::Expired, E::OperatorBlock { .. }) => S::Suspended,
            (S::Suspended, E::OperatorUnblock { .. }) => S::Active,
            _ => return None,
        })
    }

    /// Drives a fresh lifecycle to `state` through legal events.
    fn reach(state: &S) -> Lifecycle {
        let l = Lifecycle::new(at(0));
        let path: Vec<E> = match state {
            S::PendingActivation => vec![],
            S::Active => vec![E::Activate],
            S::Locked {
                cause: LockCause::Failures,
            } => vec![E::Activate, E::LockForFailures],
            S::Locked {
                cause: LockCause::Location,
            } => vec![E::Activate, E::PreventiveBlock { detail: "x".into() }],
            S::Dormant => vec![E::Activate, E::Inactivity],
            S::Expired => vec![E::Activate, E::SubscriptionExpired],
            S::Suspended => vec![E::OperatorBlock {
                operator: "o".into(),
                reason: "r".into(),
            }],
            S::Ceased => vec![E::Cease { reason: "r".into() }],
        };
        path.iter().fold(l, |l, e| l.apply(e, at(1)).unwrap().0)
    }

    #[test]
    fn every_transition_is_legal_or_refused_without_change() {
        // audit kind -> the events that produced it
        let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for s in states() {
            for e in events() {
                let l = reach(&s);
                assert_eq!(l.state(), &s);
                match (l.apply(&e, at(2)), expected(&s, &e)) {
                    (Ok((next, effects)), Some(to)) => {
                        assert_eq!(next.state(), &to, "{s:?} + {e:?}");
                        assert_eq!(next.revision(), l.revision() + 1);
                        let Effect::Audit(a) = &effects[0] else {
                            panic!("an audit event")
                        };
                        assert!(a.details.iter().any(|(k, _)| k == "event"));
                        let event_name = format!("{e:?}");
                        let event_name = event_name.split([' ', '{']).next().unwrap().to_owned();
                        seen.entry(format!("{:?}", a.kind))
                            .or_default()
                            .insert(event_name);
                    }
                    (Err(err), None) => {
                        assert_eq!(err.code(), "illegal_transition", "{s:?} + {e:?}")
                    }
                    (got, want) => {
                        panic!("{s:?} + {e:?}: got {:?}, want {want:?}", got.map(|x| x.0))
                    }
                }
                // Only an active account authenticates.
                assert_eq!(l.can_authenticate(), s == S::Active);
            }
        }
        // Each cause and each unblock is its own audit kind: no kind is
        // shared by two different events, and all eleven events have one.
        assert!(seen.values().all(|events| events.len() == 1), "{seen:?}");
        assert_eq!(seen.len(), events().len());
        assert!(seen.contains_key(&format!("{:?}", AuditKind::AccountRecovered)));
    }

    #[test]
    fn causes_and_unblocks_carry_their_reasons() {
        let l = reach(&S::Active);
        let (_, fx) = l
            .apply(
                &E::OperatorBlock {
                    operator: "op-1".into(),
                    reason: "suspected theft".into(),
                },
                at(5),
            )
            .unwrap();
        let Effect::Audit(a) = &fx[0] else { panic!() };
        assert!(
            a.details
                .contains(&("reason".into(), "suspected theft".into()))
        );
        assert!(a.details.contains(&("operator".into(), "op-1".into())));
        assert!(a.details.contains(&("to".into(), "suspended".into())));
    }

    #[test]
    fn inactivity_makes_dormant_after_180_days_and_recovery_revives() {
        let l = reach(&S::Active);
        let day = 24 * 3600;
        assert!(
            l.check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(179 * day))
                .is_none()
        );
        let l = l.record_activity(at(100 * day));
        assert!(
            l.check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(279 * day))
                .is_none()
        );
        let (dormant, _) = l
            .check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(281 * day))
            .unwrap();
        assert_eq!(dormant.state(), &S::Dormant);
        assert!(!dormant.can_authenticate());
        let (back, _) = dormant.apply(&E::RecoveryCompleted, at(282 * day)).unwrap();
        assert!(back.can_authenticate());
        assert_eq!(Lifecycle::from_json(&back.to_json()).unwrap(), back);
        assert_eq!(
            Lifecycle::from_json("{}").unwrap_err().code(),
            "deserialize"
        );
    }
}

mod travel {
    use super::at;
    use varco::guard::{
        Place, RiskDecision, Sighting, TravelAction, TravelPolicy, assess_travel, distance_km,
    };

    fn coords(t: u64, lat: f64, lon: f64) -> Sighting {
        Sighting {
            at: at(t),
            place: Place::Coordinates { lat, lon },
        }
    }

    fn country(t: u64, code: &str) -> Sighting {
        Sighting {
            at: at(t),
            place: Place::Country { code: code.into() },
        }
    }

    #[test]
    fn implausible_journeys() {
        // Rome to Milan is ~480 km.
        let d = distance_km(41.9028, 12.4964, 45.4642, 9.19);
        assert!((470.0..490.0).contains(&d), "{d}");
        let p = TravelPolicy::default();
        let rome = coords(0, 41.9, 12.5);
        assert_eq!(assess_travel(None, &rome, &p), RiskDecision::Allow);
        assert_eq!(
            assess_travel(Some(&rome), &coords(3600, 45.46, 9.19), &p),
            RiskDecision::Allow
        );
        let sydney_1h = coords(3600, -33.87, 151.21);
        assert!(
            matches!(assess_travel(Some(&rome), &sydney_1h, &p), RiskDecision::StepUp { speed_kmh } if speed_kmh > 10_000.0)
        );
        let block = TravelPolicy {
            action: TravelAction::Block,
            ..p
        };
        assert!(matches!(
            assess_travel(Some(&rome), &sydney_1h, &block),
            RiskDecision::Block { .. }
        ));
        // Countries: a change within 2 hours is implausible; same country is fine.
        assert!(matches!(
            assess_travel(Some(&country(0, "IT")), &country(1800, "US"), &p),
            RiskDecision::StepUp { .. }
        ));
        assert_eq!(
            assess_travel(Some(&country(0, "IT")), &country(1800, "it"), &p),
            RiskDecision::Allow
        );
        assert_eq!(
            assess_travel(Some(&country(0, "IT")), &country(3 * 3600, "US"), &p),
            RiskDecision::Allow
        );
        // A clock going backwards only makes a journey look faster.
        let earlier = coords(0, -33.87, 151.21);
        let rome_later = Sighting {
            at: at(3600),
            ..rome.clone()
        };
        assert!(matches!(
            assess_travel(Some(&rome_later), &earlier, &p),
            RiskDecision::StepUp { .. }
        ));
        // Bad coordinates and mixed kinds cannot be judged: allowed (and left to the guard).
        assert_eq!(
            assess_travel(Some(&rome), &coords(10, f64::NAN, 0.0), &p),
            RiskDecision::Allow
        );
        assert_eq!(
            assess_travel(Some(&rome), &country(10, "US"), &p),
            RiskDecision::Allow
        );
    }
}
