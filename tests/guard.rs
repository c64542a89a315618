//! FLOWS.md F5: attempt budgets and lockout, end to end, and the
//! concurrency model: parallel wrong guesses on one revision are never
//! counted as one and never slip past the limit; a success never wipes the
//! failures that raced it; a refusal writes nothing; no sequence of
//! failures locks both the password and recovery for good.

use std::time::Duration;

use proptest::prelude::*;
use varco::Timestamp;
use varco::guard::{
    AccountGuard, Admission, AtCap, Attempt, Backoff, Factor, FailureCounter, GuardPolicies,
    LockMode, LockoutPolicy, Reason, Unlock,
};
use varco::record::{Expect, Stored};

const T0: u64 = 1_800_000_000;

type Guard = Stored<AccountGuard>;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + secs)
}

fn new_guard() -> Guard {
    Stored::new(AccountGuard::new())
}

/// `begin`, and the guard as stored after it (unchanged on a refusal).
fn begin(
    g: &Guard,
    p: &GuardPolicies,
    f: Factor,
    dev: Option<&str>,
    t: Timestamp,
) -> (Admission<Attempt>, Guard) {
    let step = g.begin(p, f, dev, t).unwrap();
    let outcome = step.outcome.clone();
    (outcome, step.state_or(g.clone()))
}

/// One wrong attempt, as a host following the protocol does it.
fn wrong(g: Guard, p: &GuardPolicies, f: Factor, dev: Option<&str>, t: Timestamp) -> Guard {
    begin(&g, p, f, dev, t).1
}

/// One right attempt: begin, then succeed with its ticket.
fn right(g: Guard, p: &GuardPolicies, f: Factor, dev: Option<&str>, t: Timestamp) -> Guard {
    let (a, g) = begin(&g, p, f, dev, t);
    let Admission::Allowed { attempt } = a else {
        panic!("refused: {a:?}")
    };
    g.succeed(&attempt, t).unwrap().state_or(g)
}

fn allowed(a: &Admission<Attempt>) -> bool {
    matches!(a, Admission::Allowed { .. })
}

#[test]
fn temporary_locks_grow_then_success_clears() {
    let p = GuardPolicies::default();
    let mut g = new_guard();
    let mut t = 0;
    for _ in 0..5 {
        let (a, next) = begin(&g, &p, Factor::Password, None, at(t));
        assert!(allowed(&a));
        g = next;
        t += 2;
    }
    // Locked for 1 minute from the 5th failure (at t = 8).
    let (a, _) = begin(&g, &p, Factor::Password, None, at(t));
    assert_eq!(
        a,
        Admission::Locked {
            until: Some(at(68)),
            reason: Reason::TooManyFailures
        }
    );
    // After the wait, five more: then 2 minutes.
    t = 68;
    for _ in 0..5 {
        let (a, next) = begin(&g, &p, Factor::Password, None, at(t));
        assert!(allowed(&a));
        g = next;
        t += 2;
    }
    let (a, _) = begin(&g, &p, Factor::Password, None, at(t));
    assert_eq!(
        a,
        Admission::Locked {
            until: Some(at(76 + 120)),
            reason: Reason::TooManyFailures
        }
    );
    // A success (after the lock) clears everything.
    let g = right(g, &p, Factor::Password, None, at(400));
    assert_eq!(g.body().counter(Factor::Password).consecutive(), 0);
}

#[test]
fn quick_succession_is_refused() {
    let p = GuardPolicies::default();
    let g = wrong(new_guard(), &p, Factor::Password, None, at(0));
    let (a, _) = begin(
        &g,
        &p,
        Factor::Password,
        None,
        Timestamp::from_unix_millis(T0 * 1000 + 300),
    );
    assert_eq!(
        a,
        Admission::Locked {
            until: Some(at(1)),
            reason: Reason::TooFast
        }
    );
}

#[test]
fn a_refusal_writes_nothing() {
    let p = GuardPolicies::default();
    let mut g = new_guard();
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, None, at(i * 2));
    }
    let locked = g.begin(&p, Factor::Password, None, at(20)).unwrap();
    assert!(matches!(locked.outcome, Admission::Locked { .. }));
    assert!(locked.writes.is_none());
    let too_fast = g.begin(&p, Factor::Password, None, at(8)).unwrap();
    assert!(too_fast.writes.is_none());
    // An allowed attempt writes, with compare-and-swap on the loaded revision.
    let allowed = g.begin(&p, Factor::Recovery, None, at(20)).unwrap();
    let w = allowed.writes.unwrap();
    assert_eq!(w.expect, Expect::Revision { revision: 5 });
    assert_eq!(w.record.revision(), 6);
    // A new guard's first write is "must not exist".
    let first = new_guard()
        .begin(&p, Factor::Password, None, at(0))
        .unwrap();
    assert_eq!(first.writes.unwrap().expect, Expect::Absent);
}

#[test]
fn a_device_is_trusted_only_after_a_full_sign_in() {
    let p = GuardPolicies::default();
    // A correct password alone does not make a device trusted.
    let g = right(new_guard(), &p, Factor::Password, Some("phone-1"), at(0));
    assert!(!g.body().is_trusted("phone-1"));
    // The host trusts it once every factor has passed.
    let g = g.trust_device("phone-1", at(1)).unwrap().state_or(g);
    assert!(g.body().is_trusted("phone-1"));
    assert_eq!(
        g.trust_device("", at(2)).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        g.trust_device(&"d".repeat(129), at(2)).unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn trusted_device_keeps_its_own_budget_and_recovery_stays_open() {
    let p = GuardPolicies::default();
    let g = new_guard();
    let mut g = g.trust_device("phone-1", at(0)).unwrap().state_or(g);
    // An attacker elsewhere locks the shared budget.
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, Some("attacker"), at(10 + i * 2));
    }
    assert!(!allowed(
        &begin(&g, &p, Factor::Password, Some("attacker"), at(30)).0
    ));
    assert!(!allowed(&begin(&g, &p, Factor::Password, None, at(30)).0));
    // The owner's phone still may try, and its attempt counts in the
    // account's budget too: it adds no guess the account does not see.
    let (a, after) = begin(&g, &p, Factor::Password, Some("phone-1"), at(30));
    assert!(allowed(&a));
    assert_eq!(after.body().counter(Factor::Password).consecutive(), 6);
    // Its success clears the phone's counter and takes back only its own
    // attempt from the account's: the attacker's failures stay.
    let Admission::Allowed { attempt } = a else {
        unreachable!()
    };
    let after = after.succeed(&attempt, at(30)).unwrap().state_or(after);
    assert_eq!(after.body().counter(Factor::Password).consecutive(), 5);
    assert!(!allowed(
        &begin(&after, &p, Factor::Password, None, at(31)).0
    ));
    // A recovery is open for everyone, and the second factor has its own
    // counter.
    assert!(allowed(
        &begin(&g, &p, Factor::Recovery, Some("attacker"), at(30)).0
    ));
    assert!(allowed(
        &begin(&g, &p, Factor::SecondFactor, None, at(30)).0
    ));
}

#[test]
fn second_factor_attempts_count_against_the_account_whatever_the_device() {
    let p = GuardPolicies::default();
    let g = new_guard();
    let mut g = g.trust_device("phone-1", at(0)).unwrap().state_or(g);
    // Guesses at the second factor from the phone and from elsewhere all
    // count against the account's one budget.
    g = wrong(g, &p, Factor::SecondFactor, Some("phone-1"), at(10));
    for i in 0..4 {
        g = wrong(g, &p, Factor::SecondFactor, None, at(12 + i * 2));
    }
    assert_eq!(g.body().counter(Factor::SecondFactor).consecutive(), 5);
    // The trusted phone gets no guesses of its own at the second factor.
    assert!(!allowed(
        &begin(&g, &p, Factor::SecondFactor, Some("phone-1"), at(30)).0
    ));
}

#[test]
fn permanent_after_ten_temporary_locks() {
    let p = GuardPolicies::default();
    let mut g = new_guard();
    let mut t = 0u64;
    for lock in 1..=10u32 {
        for _ in 0..5 {
            let (a, next) = begin(&g, &p, Factor::Password, None, at(t));
            assert!(allowed(&a), "lock {lock}");
            g = next;
            t += 2;
        }
        // Wait out the lock (1, 2, 4, … minutes, at most an hour).
        t += p.password.wait(lock).as_secs();
    }
    assert!(g.body().counter(Factor::Password).is_permanently_locked());
    assert_eq!(
        begin(&g, &p, Factor::Password, None, at(t + 1_000_000)).0,
        Admission::Locked {
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

/// Property 17 (Devise #1944): an attacker who holds no factor cannot force
/// the owner to call support. Whatever the attacker does to the password
/// and recovery, for as long as they like, recovery opens again.
#[test]
fn no_sequence_of_failures_locks_password_and_recovery_for_good() {
    let p = GuardPolicies::default();
    let mut g = new_guard();
    let mut t = 0u64;
    // Two years of guessing as fast as the guard allows, on both factors.
    while t < 2 * 366 * 24 * 3600 {
        let mut next_try = t + 1;
        for f in [Factor::Password, Factor::Recovery, Factor::SecondFactor] {
            let (a, next) = begin(&g, &p, f, None, at(t));
            g = next;
            if let Admission::Locked { until: Some(u), .. } = a {
                next_try = next_try.max(u.as_unix_millis() / 1000 - T0);
            }
        }
        t = next_try;
    }
    assert!(g.body().counter(Factor::Password).is_permanently_locked());
    for f in [Factor::Recovery, Factor::SecondFactor] {
        let c = g.body().counter(f);
        assert!(!c.is_permanently_locked(), "{f:?}");
        let until = c.locked_until().unwrap_or(at(t));
        assert!(
            allowed(&begin(&g, &p, f, None, until.max(at(t))).0),
            "{f:?}"
        );
    }
}

#[test]
fn a_recovery_lifts_the_password_lock_but_not_the_second_factors() {
    let p = GuardPolicies {
        second_factor: LockoutPolicy::default(),
        ..GuardPolicies::default()
    };
    let mut g = new_guard();
    for i in 0..100 {
        g = wrong(g, &p, Factor::Password, None, at(i * 4000));
        g = wrong(g, &p, Factor::SecondFactor, None, at(i * 4000 + 1));
    }
    let by_recovery = g
        .unlock(&Unlock::Recovery, at(10_000_000))
        .unwrap()
        .state_or(g.clone());
    assert!(allowed(
        &begin(&by_recovery, &p, Factor::Password, None, at(10_000_001)).0
    ));
    assert!(!allowed(
        &begin(&by_recovery, &p, Factor::SecondFactor, None, at(10_000_001)).0
    ));
    let by_operator = g
        .unlock(
            &Unlock::Operator {
                operator: "op-7".into(),
            },
            at(10_000_000),
        )
        .unwrap()
        .state_or(g);
    assert!(allowed(
        &begin(&by_operator, &p, Factor::SecondFactor, None, at(10_000_001)).0
    ));
}

#[test]
fn per_source_and_per_destination_budgets() {
    use std::collections::HashMap;
    // The host keeps one counter record per source address, with its own
    // policy: one address spraying many accounts is stopped, others are not.
    let per_source = LockoutPolicy {
        threshold: 20,
        min_interval: Duration::ZERO,
        ..LockoutPolicy::default()
    };
    let mut sources: HashMap<&str, Stored<FailureCounter>> = HashMap::new();
    for i in 0..20 {
        let c = sources
            .entry("203.0.113.7")
            .or_insert_with(|| Stored::new(FailureCounter::default()));
        let step = c.begin(&per_source, at(i)).unwrap();
        assert!(matches!(step.outcome, Admission::Allowed { .. }));
        *c = step.state_or(c.clone());
    }
    let spraying = &sources["203.0.113.7"];
    assert!(matches!(
        spraying.begin(&per_source, at(21)).unwrap().outcome,
        Admission::Locked { .. }
    ));
    let other = Stored::new(FailureCounter::default());
    assert!(matches!(
        other.begin(&per_source, at(21)).unwrap().outcome,
        Admission::Allowed { .. }
    ));
    // A success clears the failures up to its own attempt.
    let step = other.begin(&per_source, at(21)).unwrap();
    let Admission::Allowed { attempt } = step.outcome else {
        unreachable!()
    };
    let counted = step.state_or(other);
    let cleared = counted.succeed(attempt, at(22)).unwrap().state_or(counted);
    assert_eq!(cleared.body().consecutive(), 0);
    let json = cleared.to_json();
    assert_eq!(Stored::<FailureCounter>::from_json(&json).unwrap(), cleared);
}

#[test]
fn soft_mode_steps_up_instead_of_refusing() {
    let p = GuardPolicies {
        password: LockoutPolicy::soft(),
        ..GuardPolicies::default()
    };
    let mut g = new_guard();
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, None, at(i * 2));
    }
    let step = g.begin(&p, Factor::Password, None, at(20)).unwrap();
    assert_eq!(
        step.outcome,
        Admission::StepUp {
            reason: Reason::TooManyFailures
        }
    );
    assert!(step.writes.is_none());
}

#[test]
fn nist_cap_locks_the_password_for_good_until_operator_or_recovery() {
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
    let mut g = new_guard();
    for i in 0..100 {
        let (a, next) = begin(&g, &p, Factor::Password, None, at(i));
        assert!(allowed(&a), "attempt {i}");
        g = next;
    }
    assert_eq!(g.body().counter(Factor::Password).consecutive(), 100);
    assert_eq!(
        begin(&g, &p, Factor::Password, None, at(10_000_000)).0,
        Admission::Locked {
            until: None,
            reason: Reason::TooManyFailures
        }
    );
    let unlocked = g
        .unlock(
            &Unlock::Operator {
                operator: "op-7".into(),
            },
            at(10_000_001),
        )
        .unwrap()
        .state_or(g.clone());
    assert!(allowed(
        &begin(&unlocked, &p, Factor::Password, None, at(10_000_002)).0
    ));
    let by_recovery = g
        .unlock(&Unlock::Recovery, at(10_000_001))
        .unwrap()
        .state_or(g);
    assert!(
        !by_recovery
            .body()
            .counter(Factor::Password)
            .is_permanently_locked()
    );
}

#[test]
fn time_going_backwards_never_shortens_a_lock() {
    let p = GuardPolicies::default();
    let mut g = new_guard();
    for i in 0..5 {
        g = wrong(g, &p, Factor::Password, None, at(1000 + i * 2));
    }
    // Locked until 1068. The host clock jumps back an hour: still locked.
    let back = Timestamp::from_unix_seconds(T0 + 1068 - 3600);
    assert!(!allowed(&begin(&g, &p, Factor::Password, None, back).0));
    assert!(!allowed(&begin(&g, &p, Factor::Password, None, at(1067)).0));
    assert!(allowed(&begin(&g, &p, Factor::Password, None, at(1068)).0));
}

#[test]
fn a_clock_far_off_is_refused_and_never_stored() {
    let p = GuardPolicies::default();
    let g = wrong(new_guard(), &p, Factor::Password, None, at(0));
    let end_of_time = Timestamp::from_unix_millis(u64::MAX);
    assert_eq!(
        g.begin(&p, Factor::Password, None, end_of_time)
            .unwrap_err()
            .code(),
        "invalid_time"
    );
    let two_years_back = Timestamp::from_unix_seconds(T0 - 2 * 366 * 24 * 3600);
    assert_eq!(
        g.begin(&p, Factor::Password, None, two_years_back)
            .unwrap_err()
            .code(),
        "invalid_time"
    );
    // At the latest time accepted, locks still lock: nothing overflows.
    let mut g = new_guard();
    let end = Timestamp::LATEST - Duration::from_secs(60);
    for i in 0..5 {
        g = wrong(
            g,
            &p,
            Factor::Password,
            None,
            end + Duration::from_secs(i * 2),
        );
    }
    assert!(!allowed(
        &begin(&g, &p, Factor::Password, None, Timestamp::LATEST).0
    ));
}

#[test]
fn policies_that_would_switch_a_protection_off_are_refused() {
    let refused = [
        r#"{"password":{"forget_after_ms":0}}"#,
        r#"{"password":{"forget_after_ms":60000,"max_wait_ms":3600000}}"#,
        r#"{"recovery":{"at_cap":{"action":"wait","wait_ms":0}}}"#,
        r#"{"password":{"max_wait_ms":999999999999999}}"#,
        r#"{"password":{"at_cap":{"action":"lock_for_good","x":1}}}"#,
        r#"{"pasword":{}}"#,
    ];
    for json in refused {
        assert!(GuardPolicies::from_json(json).is_err(), "{json}");
    }
    let d = GuardPolicies::from_json("{}").unwrap();
    assert_eq!(d, GuardPolicies::default());
    assert_eq!(d.password.at_cap, AtCap::LockForGood);
    assert!(matches!(d.recovery.at_cap, AtCap::Wait { .. }));
}

#[test]
fn state_round_trips_and_bad_state_is_an_error() {
    let p = GuardPolicies::default();
    let g = new_guard();
    let g = g.trust_device("d", at(0)).unwrap().state_or(g);
    let g = wrong(g, &p, Factor::Password, None, at(5));
    assert_eq!(Guard::from_json(&g.to_json()).unwrap(), g);
    assert_eq!(Guard::from_json("[]").unwrap_err().code(), "deserialize");
    assert_eq!(
        Guard::from_json(&g.to_json().replace("\"version\":1", "\"version\":3"))
            .unwrap_err()
            .code(),
        "unsupported_version"
    );
    assert_eq!(
        Guard::from_json(&g.to_json().replace("\"consecutive\"", "\"consecutiv\""))
            .unwrap_err()
            .code(),
        "deserialize"
    );
}

/// A store with compare-and-swap, as the host must provide.
struct Store {
    state: Guard,
}

impl Store {
    fn load(&self) -> Guard {
        self.state.clone()
    }
    fn cas(&mut self, write: varco::step::Write<AccountGuard>) -> bool {
        let current = match self.state.revision() {
            0 => Expect::Absent,
            revision => Expect::Revision { revision },
        };
        if current == write.expect {
            self.state = write.record;
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
        let mut store = Store { state: new_guard() };
        // Each request: Some(loaded) while between load and store, None when idle.
        let mut pending: Vec<Option<Guard>> = vec![None; requests];
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
                    let step = loaded.begin(&p, Factor::Password, None, now).unwrap();
                    match step.writes {
                        None => done[pick] = true, // refused: never verified
                        Some(w) => if store.cas(w) {
                            verified += 1; // the password is checked now, and is wrong
                            done[pick] = true;
                        } // else: lost the race, reload and retry
                    }
                }
            }
        }
        prop_assert!(verified <= policy.threshold, "{} guesses verified", verified);
        prop_assert_eq!(store.state.body().counter(Factor::Password).consecutive(), verified);
    }

    /// Property 2: the owner's correct attempt races wrong guesses. However
    /// they interleave, the owner's success never wipes the failures
    /// counted after its own attempt, nor the lock they set.
    #[test]
    fn a_success_never_wipes_the_failures_that_raced_it(
        guesses in 1u32..12,
        owner_first in any::<bool>(),
    ) {
        let policy = LockoutPolicy { min_interval: Duration::ZERO, ..LockoutPolicy::default() };
        let p = GuardPolicies { password: policy, ..GuardPolicies::default() };
        let mut store = Store { state: new_guard() };
        let mut owner: Option<Attempt> = None;
        let mut counted_after = 0u32;
        for i in 0..=guesses {
            let is_owner = (i == 0 && owner_first) || (i == guesses && !owner_first);
            let step = store.load().begin(&p, Factor::Password, None, at(0)).unwrap();
            let Admission::Allowed { attempt } = step.outcome.clone() else { continue };
            prop_assert!(store.cas(step.writes.unwrap()));
            if is_owner { owner = Some(attempt) } else if owner.is_some() { counted_after += 1 }
        }
        let Some(owner) = owner else { return Ok(()) };
        let before = store.load();
        let locked_before = !allowed(&begin(&before, &p, Factor::Password, None, at(1)).0);
        let after = before.succeed(&owner, at(1)).unwrap().state_or(before);
        prop_assert_eq!(after.body().counter(Factor::Password).consecutive(), counted_after);
        let locked_after = !allowed(&begin(&after, &p, Factor::Password, None, at(1)).0);
        if owner_first {
            // Every lock was set by a guess counted after the owner's attempt.
            prop_assert_eq!(locked_after, locked_before);
        } else {
            prop_assert!(!locked_after);
        }
    }

    /// A locked factor never lets an attempt through, and counters never pass
    /// their cap, whatever the sequence of attempts, successes and clock jumps.
    #[test]
    fn locked_never_authenticates_and_counters_stay_capped(
        ops in prop::collection::vec((0u8..5, 0u64..400, any::<bool>()), 1..120),
    ) {
        let p = GuardPolicies::default();
        let mut g = new_guard();
        let mut clock = 0u64;
        for (op, dt, trusted) in ops {
            let dev = if trusted { Some("phone") } else { Some("other") };
            match op {
                0 => clock += dt,
                1 => clock = clock.saturating_sub(dt),
                2 => {
                    let step = g.begin(&p, Factor::Password, dev, at(clock)).unwrap();
                    match step.outcome.clone() {
                        // Only an allowed attempt may succeed.
                        Admission::Allowed { attempt } => {
                            let counted = step.state_or(g);
                            g = counted.succeed(&attempt, at(clock)).unwrap().state_or(counted);
                        }
                        _ => prop_assert!(step.writes.is_none()),
                    }
                }
                3 => g = g.trust_device("phone", at(clock)).unwrap().state_or(g),
                _ => g = wrong(g, &p, Factor::Password, dev, at(clock)),
            }
            prop_assert!(g.body().counter(Factor::Password).consecutive() <= p.password.max_consecutive);
            if g.revision() > 0 {
                let loaded = Guard::from_json(&g.to_json()).unwrap();
                prop_assert_eq!(&loaded, &g);
            }
        }
    }

    /// Replaying a success or an unlock changes nothing but the revision.
    #[test]
    fn success_and_unlock_are_idempotent(fails in 0u64..8) {
        let p = GuardPolicies::default();
        let mut g = new_guard();
        for i in 0..fails {
            g = wrong(g, &p, Factor::Password, None, at(i * 2));
        }
        let (a, counted) = begin(&g, &p, Factor::Recovery, None, at(100));
        let attempt = a.attempt().unwrap().clone();
        let once = counted.succeed(&attempt, at(100)).unwrap().state_or(counted);
        let twice = once.succeed(&attempt, at(100)).unwrap().state_or(once.clone());
        prop_assert_eq!(once.body(), twice.body());
        let u1 = g.unlock(&Unlock::Recovery, at(100)).unwrap().state_or(g.clone());
        let u2 = u1.unlock(&Unlock::Recovery, at(100)).unwrap().state_or(u1.clone());
        prop_assert_eq!(u1.body(), u2.body());
        prop_assert_eq!(u2.revision(), u1.revision() + 1);
    }
}

mod lifecycle {
    use super::at;
    use varco::account::{AccountState as S, Lifecycle, LifecycleEvent as E, LockCause};
    use varco::audit::AuditKind;
    use varco::effect::Effect;
    use varco::record::{Expect, Stored};

    fn states() -> Vec<S> {
        vec![
            S::PendingActivation,
            S::Active,
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
            E::RecoveryCompleted,
            E::OperatorUnblock {
                operator: "op-2".into(),
            },
            E::SubscriptionRenewed,
        ]
    }

    /// The rules of FLOWS F5, written out independently of the library.
    /// Failure locks are the guard's, not the lifecycle's; a completed
    /// recovery reactivates a dormant account and lifts no block
    /// (ENGINE property 13).
    fn expected(from: &S, e: &E) -> Option<S> {
        Some(match (from, e) {
            (S::Ceased, _) => return None,
            (_, E::Cease { .. }) => S::Ceased,
            (S::PendingActivation, E::Activate) => S::Active,
            (S::PendingActivation, E::OperatorBlock { .. }) => S::Suspended,
            (S::Active, E::PreventiveBlock { .. }) => S::Locked {
                cause: LockCause::Location,
            },
            (S::Active, E::Inactivity) => S::Dormant,
            (S::Active, E::SubscriptionExpired) => S::Expired,
            (S::Active, E::OperatorBlock { .. }) => S::Suspended,
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

    fn apply(l: &Stored<Lifecycle>, e: &E, t: varco::Timestamp) -> Stored<Lifecycle> {
        l.apply(e, t).unwrap().writes.unwrap().record
    }

    /// Drives a fresh lifecycle to `state` through legal events.
    fn reach(state: &S) -> Stored<Lifecycle> {
        let created = Lifecycle::create(at(0)).unwrap().writes.unwrap();
        assert_eq!(created.expect, Expect::Absent);
        let path: Vec<E> = match state {
            S::PendingActivation => vec![],
            S::Active => vec![E::Activate],
            S::Locked { .. } => vec![E::Activate, E::PreventiveBlock { detail: "x".into() }],
            S::Dormant => vec![E::Activate, E::Inactivity],
            S::Expired => vec![E::Activate, E::SubscriptionExpired],
            S::Suspended => vec![E::OperatorBlock {
                operator: "o".into(),
                reason: "r".into(),
            }],
            S::Ceased => vec![E::Cease { reason: "r".into() }],
        };
        path.iter().fold(created.record, |l, e| apply(&l, e, at(1)))
    }

    #[test]
    fn every_transition_is_legal_or_refused_without_change() {
        // audit kind -> the events that produced it
        let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for s in states() {
            for e in events() {
                let l = reach(&s);
                assert_eq!(l.body().state(), &s);
                match (l.apply(&e, at(2)), expected(&s, &e)) {
                    (Ok(step), Some(to)) => {
                        assert_eq!(step.outcome.state, to, "{s:?} + {e:?}");
                        assert_eq!(step.outcome.can_authenticate, to == S::Active);
                        let w = step.writes.unwrap();
                        assert_eq!(w.record.body().state(), &to);
                        assert_eq!(w.expect, l.expect());
                        assert_eq!(w.record.revision(), l.revision() + 1);
                        let Effect::Audit(a) = &step.effects[0] else {
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
                        panic!(
                            "{s:?} + {e:?}: got {:?}, want {want:?}",
                            got.map(|x| x.outcome)
                        )
                    }
                }
                // Only an active account authenticates.
                assert_eq!(l.body().can_authenticate(), s == S::Active);
            }
        }
        // Each cause and each unblock is its own audit kind: no kind is
        // shared by two different events, and every event has one.
        assert!(seen.values().all(|events| events.len() == 1), "{seen:?}");
        assert_eq!(seen.len(), events().len());
        assert!(seen.contains_key(&format!("{:?}", AuditKind::AccountRecovered)));
    }

    #[test]
    fn a_completed_recovery_lifts_no_location_or_operator_block() {
        for blocked in [
            S::Locked {
                cause: LockCause::Location,
            },
            S::Suspended,
        ] {
            let l = reach(&blocked);
            let err = l.apply(&E::RecoveryCompleted, at(5)).unwrap_err();
            assert_eq!(err.code(), "illegal_transition", "{blocked:?}");
        }
    }

    #[test]
    fn causes_and_unblocks_carry_their_reasons() {
        let l = reach(&S::Active);
        let step = l
            .apply(
                &E::OperatorBlock {
                    operator: "op-1".into(),
                    reason: "suspected theft".into(),
                },
                at(5),
            )
            .unwrap();
        let Effect::Audit(a) = &step.effects[0] else {
            panic!()
        };
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
        let quiet = l
            .check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(179 * day))
            .unwrap();
        assert!(quiet.writes.is_none(), "nothing changes, nothing to write");
        assert_eq!(quiet.outcome.state, S::Active);
        let l = l
            .record_activity(at(100 * day))
            .unwrap()
            .writes
            .unwrap()
            .record;
        assert!(
            l.check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(279 * day))
                .unwrap()
                .writes
                .is_none()
        );
        let dormant = l
            .check_inactivity(Lifecycle::DEFAULT_DORMANT_AFTER, at(281 * day))
            .unwrap();
        assert_eq!(dormant.outcome.state, S::Dormant);
        let dormant = dormant.writes.unwrap().record;
        assert!(!dormant.body().can_authenticate());
        let back = apply(&dormant, &E::RecoveryCompleted, at(282 * day));
        assert!(back.body().can_authenticate());
        assert_eq!(
            Stored::<Lifecycle>::from_json(&back.to_json()).unwrap(),
            back
        );
        assert_eq!(
            Stored::<Lifecycle>::from_json("{}").unwrap_err().code(),
            "deserialize"
        );
        // An event with a field it does not have is refused.
        let bad: Result<E, _> = serde_json::from_str(r#"{"event":"activate","x":1}"#);
        assert!(bad.is_err());
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
