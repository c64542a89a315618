//! RFC 4226 Appendix D and RFC 6238 Appendix B test vectors, and a property
//! test against `oathtool` (a real HOTP/TOTP client) on random secrets,
//! times, algorithms and digit counts.

use proptest::prelude::*;
use varco::Timestamp;
use varco::otp::{Algorithm, HotpCredential, OtpOutcome, OtpSecret, TotpConfig, TotpCredential};
use varco::seal::SealingKeys;

fn keys() -> SealingKeys {
    SealingKeys::new("k1", [7; 32]).unwrap()
}

/// A TOTP verification as a host does it: store the credential sealed,
/// verify through its record, and open what the step writes (the same
/// credential when it writes nothing).
fn totp_step(cred: &TotpCredential, code: &str, now: Timestamp) -> (OtpOutcome, TotpCredential) {
    let stored = cred
        .store("u/totp", &keys(), now, &mut rand::rng())
        .unwrap()
        .record;
    let step = stored
        .verify("u/totp", &keys(), code, now, &mut rand::rng())
        .unwrap();
    let after = step.writes.map_or(stored, |w| w.record);
    (step.outcome, after.open("u/totp", &keys()).unwrap())
}

/// The same for HOTP, with a look-ahead.
fn hotp_step(cred: &HotpCredential, code: &str, look_ahead: u32) -> (OtpOutcome, HotpCredential) {
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let stored = cred
        .store("u/hotp", &keys(), now, &mut rand::rng())
        .unwrap()
        .record;
    let step = stored
        .verify("u/hotp", &keys(), code, look_ahead, now, &mut rand::rng())
        .unwrap();
    let after = step.writes.map_or(stored, |w| w.record);
    (step.outcome, after.open("u/hotp", &keys()).unwrap())
}

#[test]
fn rfc4226_appendix_d() {
    let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
    let cred = HotpCredential::new(secret, Algorithm::Sha1, 6).unwrap();
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in expected.iter().enumerate() {
        assert_eq!(*cred.code_at(counter as u64), *code, "counter {counter}");
    }
    // Verifying them in order walks the counter forward, one by one.
    let mut cred = cred;
    for code in expected {
        let (outcome, next) = hotp_step(&cred, code, 0);
        assert_eq!(outcome, OtpOutcome::Accepted { drift: 0 });
        cred = next;
    }
    assert_eq!(cred.counter(), 10);
}

#[test]
fn rfc6238_appendix_b() {
    let seeds: [(Algorithm, &[u8]); 3] = [
        (Algorithm::Sha1, b"12345678901234567890"),
        (Algorithm::Sha256, b"12345678901234567890123456789012"),
        (
            Algorithm::Sha512,
            b"1234567890123456789012345678901234567890123456789012345678901234",
        ),
    ];
    let table: [(u64, [&str; 3]); 6] = [
        (59, ["94287082", "46119246", "90693936"]),
        (1111111109, ["07081804", "68084774", "25091201"]),
        (1111111111, ["14050471", "67062674", "99943326"]),
        (1234567890, ["89005924", "91819424", "93441116"]),
        (2000000000, ["69279037", "90698825", "38618901"]),
        (20000000000, ["65353130", "77737706", "47863826"]),
    ];
    for (time, codes) in table {
        for (k, (alg, seed)) in seeds.iter().enumerate() {
            let config = TotpConfig::new(*alg, 8, 30, 0, 1, 1).unwrap();
            let cred = TotpCredential::new(OtpSecret::from_bytes(seed).unwrap(), config);
            let now = Timestamp::from_unix_seconds(time);
            assert_eq!(*cred.code_at(now).unwrap(), codes[k], "{alg:?} at {time}");
            assert_eq!(
                cred.verify(codes[k], now),
                OtpOutcome::Accepted { drift: 0 }
            );
        }
    }
}

#[test]
fn window_is_bounded_and_asymmetric() {
    let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
    let config = TotpConfig::new(Algorithm::Sha1, 8, 30, 0, 2, 0).unwrap();
    let cred = TotpCredential::new(secret, config);
    let t = |s| Timestamp::from_unix_seconds(s);
    let code = cred.code_at(t(1_000_000_000)).unwrap();
    // Two steps behind accepted, three not; ahead not at all.
    assert_eq!(
        cred.verify(&code, t(1_000_000_000 + 60)),
        OtpOutcome::Accepted { drift: -2 }
    );
    assert_eq!(
        cred.verify(&code, t(1_000_000_000 + 90)),
        OtpOutcome::Rejected
    );
    assert_eq!(
        cred.verify(&code, t(1_000_000_000 - 30)),
        OtpOutcome::Rejected
    );
    // An older code after a newer one is a replay, even inside the window.
    let old = cred.code_at(t(1_000_000_000 - 30)).unwrap();
    let (_, cred) = totp_step(&cred, &code, t(1_000_000_000));
    assert_eq!(cred.verify(&old, t(1_000_000_000)), OtpOutcome::Replayed);
    // Malformed input is rejected, never an error.
    for bad in [
        "",
        "1234567",
        "123456789",
        "abcdefgh",
        "１２３４５６７８",
        &"9".repeat(10_000),
    ] {
        assert_eq!(
            cred.verify(bad, t(1_000_000_000)),
            OtpOutcome::Rejected,
            "{bad}"
        );
    }
    // Before T0 there is no step.
    let late_t0 = TotpConfig::new(Algorithm::Sha1, 6, 30, 2_000_000_000, 1, 1).unwrap();
    let c = TotpCredential::new(
        OtpSecret::from_bytes(b"12345678901234567890").unwrap(),
        late_t0,
    );
    assert!(c.code_at(t(1_000)).is_none());
    assert_eq!(c.verify("123456", t(1_000)), OtpOutcome::Rejected);
}

/// The whole window is checked, never stopping at the first match: with
/// the RFC secret, steps 2386 and 2394 both give 709847 (found by a search
/// over the first 3 million steps), and a code matching both is taken for
/// the nearer step, whichever the scan meets first.
#[test]
fn the_whole_window_is_checked_and_the_nearest_step_wins() {
    let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
    let cred = TotpCredential::new(
        secret,
        TotpConfig::new(Algorithm::Sha1, 6, 30, 0, 10, 10).unwrap(),
    );
    let at = |step: u64| Timestamp::from_unix_seconds(step * 30);
    assert_eq!(*cred.code_at(at(2386)).unwrap(), *"709847");
    assert_eq!(*cred.code_at(at(2394)).unwrap(), *"709847");
    // Now at 2394: 2386 is 8 steps behind, inside the window, and met first.
    let (outcome, next) = totp_step(&cred, "709847", at(2394));
    assert_eq!(outcome, OtpOutcome::Accepted { drift: 0 });
    assert_eq!(next.last_step(), Some(2394));
    // Now at 2387: 2386 is nearer than 2394.
    let outcome = cred.verify("709847", at(2387));
    assert_eq!(outcome, OtpOutcome::Accepted { drift: -1 });
    // Now at 2392: 2394 is nearer, though the scan meets 2386 first.
    let outcome = cred.verify("709847", at(2392));
    assert_eq!(outcome, OtpOutcome::Accepted { drift: 2 });
}

#[test]
fn credentials_round_trip_through_json() {
    let cred = TotpCredential::new(OtpSecret::generate(&mut rand::rng()), TotpConfig::default());
    let (_, cred) = {
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let code = cred.code_at(now).unwrap();
        totp_step(&cred, &code, now)
    };
    let json = serde_json::to_string(&cred).unwrap();
    let back: TotpCredential = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cred);
    assert!(back.last_step().is_some());
    assert!(
        serde_json::from_str::<TotpCredential>(&json.replace("\"secret\":\"", "\"secret\":\"!"))
            .is_err()
    );
}

/// Whether `oathtool` is here; in CI its absence is a failure, not a skip.
fn oathtool_available() -> bool {
    let found = std::process::Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("oathtool is required in CI (apt-get install oathtool)");
    }
    if !found {
        eprintln!("oathtool not installed: cross-check skipped (CI installs it)");
    }
    found
}

fn oathtool(args: &[String]) -> String {
    let out = std::process::Command::new("oathtool")
        .args(args)
        .output()
        .expect("run oathtool");
    assert!(
        out.status.success(),
        "oathtool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn totp_matches_oathtool(
        secret in prop::collection::vec(any::<u8>(), 16..64),
        time in 0u64..4_000_000_000,
        alg in prop::sample::select(vec![Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]),
        digits in 6u8..=8,
        period in prop::sample::select(vec![15u64, 30, 60]),
    ) {
        if !oathtool_available() { return Ok(()); }
        let config = TotpConfig::new(alg, digits, period, 0, 1, 1).unwrap();
        let cred = TotpCredential::new(OtpSecret::from_bytes(&secret).unwrap(), config);
        let ours = cred.code_at(Timestamp::from_unix_seconds(time)).unwrap();
        let theirs = oathtool(&[
            format!("--totp={}", alg.name().to_lowercase()),
            format!("--digits={digits}"),
            format!("--time-step-size={period}s"),
            format!("--now=@{time}"),
            hex(&secret),
        ]);
        prop_assert_eq!(ours.as_str(), theirs.as_str());
    }

    #[test]
    fn hotp_matches_oathtool(
        secret in prop::collection::vec(any::<u8>(), 16..64),
        counter in any::<u32>(),
        digits in 6u8..=8,
    ) {
        if !oathtool_available() { return Ok(()); }
        let cred = HotpCredential::new(OtpSecret::from_bytes(&secret).unwrap(), Algorithm::Sha1, digits).unwrap();
        let ours = cred.code_at(u64::from(counter));
        let theirs = oathtool(&[format!("--digits={digits}"), format!("--counter={counter}"), hex(&secret)]);
        prop_assert_eq!(ours.as_str(), theirs.as_str());
    }

    /// No TOTP step is accepted twice, whatever the order of attempts.
    #[test]
    fn no_step_accepted_twice(offsets in prop::collection::vec(-3i64..4, 1..20)) {
        let secret = OtpSecret::from_bytes(&[7u8; 20]).unwrap();
        let mut cred = TotpCredential::new(secret, TotpConfig::default());
        let base = 1_900_000_000i64;
        let mut accepted = std::collections::HashSet::new();
        for off in offsets {
            let now = Timestamp::from_unix_seconds((base + off * 30) as u64);
            let code = cred.code_at(now).unwrap();
            let (outcome, next) = totp_step(&cred, &code, now);
            if let OtpOutcome::Accepted { .. } = outcome {
                let step = next.last_step().unwrap();
                prop_assert!(accepted.insert(step), "step {} accepted twice", step);
                prop_assert!(accepted.iter().all(|s| *s <= step), "an older step after a newer one");
            } else {
                prop_assert_eq!(&next, &cred);
            }
            cred = next;
        }
    }
}

mod stored {
    use super::keys;
    use varco::Timestamp;
    use varco::otp::{
        Algorithm, HotpCredential, OtpOutcome, OtpSecret, OtpUri, TotpConfig, TotpCredential,
    };
    use varco::record::{Expect, Stored};
    use varco::seal::{Sealed, SealingKeys};

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    fn rfc_totp() -> TotpCredential {
        let secret = OtpSecret::from_bytes(b"12345678901234567890").unwrap();
        TotpCredential::new(secret, TotpConfig::default())
    }

    #[test]
    fn a_sealed_credential_is_bound_to_its_record_and_revision() {
        let cred = rfc_totp();
        let w = cred
            .store("mario/totp", &keys(), now(), &mut rand::rng())
            .unwrap();
        assert_eq!(w.expect, Expect::Absent);
        let r1 = w.record;
        // Swapped in from another account: it does not open.
        let code = cred.code_at(now()).unwrap();
        let err = r1
            .verify("luigi/totp", &keys(), &code, now(), &mut rand::rng())
            .unwrap_err();
        assert_eq!(err.code(), "seal");
        // Rolled back: the older sealed body under the newer envelope.
        let r2 = r1
            .verify("mario/totp", &keys(), &code, now(), &mut rand::rng())
            .unwrap()
            .writes
            .unwrap()
            .record;
        assert_eq!(r2.revision(), 2);
        let body = |r: &Stored<Sealed<TotpCredential>>| {
            let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
            v["body"].as_str().unwrap().to_owned()
        };
        let rolled_back = r2.to_json().replace(&body(&r2), &body(&r1));
        let rolled_back = Stored::<Sealed<TotpCredential>>::from_json(&rolled_back).unwrap();
        assert_eq!(
            rolled_back.open("mario/totp", &keys()).unwrap_err().code(),
            "seal"
        );
        // The stored text never holds the secret.
        assert!(!r2.to_json().contains(cred.secret().to_base32().as_str()));
    }

    #[test]
    fn a_rotated_key_reseals_on_the_next_step_whatever_the_outcome() {
        let cred = rfc_totp();
        let old = cred
            .store("mario/totp", &keys(), now(), &mut rand::rng())
            .unwrap()
            .record;
        let rotated = SealingKeys::new("k2", [9; 32])
            .unwrap()
            .with_old("k1", [7; 32])
            .unwrap();
        assert!(old.needs_reseal(&rotated));
        // A wrong code still moves the record to the current key.
        let step = old
            .verify("mario/totp", &rotated, "000000", now(), &mut rand::rng())
            .unwrap();
        assert_eq!(step.outcome, OtpOutcome::Rejected);
        let moved = step.writes.expect("resealed").record;
        let only_new = SealingKeys::new("k2", [9; 32]).unwrap();
        assert_eq!(moved.open("mario/totp", &only_new).unwrap(), cred);
        // Under the current key, a wrong code writes nothing.
        let step = moved
            .verify("mario/totp", &only_new, "000000", now(), &mut rand::rng())
            .unwrap();
        assert!(step.writes.is_none());
        assert!(
            moved
                .reseal("mario/totp", &only_new, now(), &mut rand::rng())
                .unwrap()
                .writes
                .is_none()
        );
    }

    #[test]
    fn stored_settings_are_validated_on_load() {
        let cred = rfc_totp();
        let json = serde_json::to_string(&cred).unwrap();
        for bad in [
            json.replace("\"period_secs\":30", "\"period_secs\":0"),
            json.replace("\"digits\":6", "\"digits\":12"),
            json.replace("\"behind\":1", "\"behind\":200"),
            json.replace("\"ahead\":1", "\"ahead\":1,\"extra\":1"),
        ] {
            assert!(
                serde_json::from_str::<TotpCredential>(&bad).is_err(),
                "{bad}"
            );
        }
        let hotp =
            HotpCredential::new(OtpSecret::from_bytes(&[1; 20]).unwrap(), Algorithm::Sha1, 6)
                .unwrap();
        let json = serde_json::to_string(&hotp).unwrap();
        assert!(
            serde_json::from_str::<HotpCredential>(&json.replace("\"digits\":6", "\"digits\":3"))
                .is_err()
        );
        assert!(serde_json::from_str::<HotpCredential>(&json).is_ok());
    }

    #[test]
    fn the_hotp_counter_never_wraps() {
        let cred =
            HotpCredential::new(OtpSecret::from_bytes(&[1; 20]).unwrap(), Algorithm::Sha1, 6)
                .unwrap()
                .with_counter(u64::MAX);
        let code = cred.code_at(u64::MAX);
        // Accepting it would move the counter past u64::MAX: refused.
        assert_eq!(cred.verify(&code, 5), OtpOutcome::Rejected);
        let stored = cred
            .store("u/hotp", &keys(), now(), &mut rand::rng())
            .unwrap()
            .record;
        let step = stored
            .verify("u/hotp", &keys(), &code, 5, now(), &mut rand::rng())
            .unwrap();
        assert_eq!(step.outcome, OtpOutcome::Rejected);
        assert!(step.writes.is_none());
        let near = cred.clone().with_counter(u64::MAX - 1);
        let (a, b) = (near.code_at(u64::MAX - 1), near.code_at(u64::MAX));
        assert_eq!(near.resync(&a, &b, 10), OtpOutcome::Rejected);
    }

    #[test]
    fn an_80_bit_secret_imports_and_is_flagged_weak() {
        // Google Authenticator's own example secret: 80 bits.
        let uri = OtpUri::parse(
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .unwrap();
        let varco::otp::OtpKind::Totp(cred) = uri.kind() else {
            panic!("totp")
        };
        assert!(cred.secret().is_weak());
        assert!(OtpSecret::from_bytes(&[1; 9]).is_err());
        // New secrets stay at 160 bits.
        let step = TotpCredential::enroll(
            "Esempio",
            "mario",
            TotpConfig::default(),
            "mario/totp",
            &keys(),
            now(),
            &mut rand::rng(),
        )
        .unwrap();
        assert!(!step.outcome.weak_secret);
        assert_eq!(
            step.writes
                .unwrap()
                .record
                .open("mario/totp", &keys())
                .unwrap()
                .secret()
                .len(),
            20
        );
    }
}
