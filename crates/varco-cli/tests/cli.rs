//! The `varco` command, run for real: outputs, JSON and exit codes.
#![allow(clippy::unwrap_used)] // test helpers: a failure should panic

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn varco(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_varco"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn varco");
    // The process may exit before reading stdin (usage errors): a broken
    // pipe here is expected, not a failure.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn policy_check_accepts_and_rejects() {
    let ok = varco(&["policy", "check"], b"fiume violino tramonto lampada\n");
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("result: accepted"));
    let bad = varco(&["policy", "check", "--lang", "it"], b"hunter2\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("La password deve contenere almeno 15 caratteri (ne ha 7)."));
}

#[test]
fn policy_check_json_lists_every_violation() {
    let o = varco(
        &[
            "policy",
            "check",
            "--preset",
            "customer_area",
            "--json",
            "--confirm",
        ],
        b"ciao\r\nciaO\r\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "too_short",
            "missing_class",
            "missing_class",
            "missing_class",
            "confirmation_mismatch"
        ]
    );
    assert_eq!(v["policy"], "customer_area");
    assert_eq!(v["ok"], false);
    assert!(v["strength"]["score"].as_u64().unwrap() <= 4);
    assert!(
        v["violations"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The password")
    );
}

#[test]
fn policy_check_uses_context_and_second_factor() {
    let args = [
        "policy",
        "check",
        "--json",
        "--email",
        "mario.rossi@example.it",
        "--second-factor",
    ];
    let o = varco(&args, b"mariorossi2026!\n");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "contains_context")
    );
    let o = varco(&["policy", "check", "--second-factor"], b"violino tramo\n");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// `--lang it` translates every label, and the message names the refused
/// character; `--lang en` has no Italian label.
#[test]
fn every_label_follows_the_language() {
    let it = varco(
        &[
            "policy",
            "check",
            "--preset",
            "mail_service",
            "--lang",
            "it",
        ],
        b"Ciao%2026\n",
    );
    let out = stdout(&it);
    for label in ["regole:", "esito:", "robustezza:", "tentativi", "saltato:"] {
        assert!(out.contains(label), "{label} missing in\n{out}");
    }
    for english in [
        "policy:",
        "result:",
        "strength:",
        "guesses",
        "skipped:",
        "custom",
    ] {
        assert!(!out.contains(english), "{english} in\n{out}");
    }
    assert!(out.contains("non ammesso: «%»"), "{out}");
    let en = stdout(&varco(
        &[
            "policy",
            "check",
            "--preset",
            "mail_service",
            "--lang",
            "en",
        ],
        b"Ciao%2026\n",
    ));
    for italian in ["regole:", "esito:", "robustezza:", "saltato:"] {
        assert!(!en.contains(italian), "{italian} in\n{en}");
    }
    assert!(en.contains("not allowed: “%”"), "{en}");
}

#[test]
fn policy_files_round_trip_through_show() {
    let dir = std::env::temp_dir().join(format!("varco-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mail.json");
    let shown = varco(&["policy", "show", "--preset", "mail_service"], b"");
    assert_eq!(shown.status.code(), Some(0));
    std::fs::write(&file, &shown.stdout).unwrap();
    let o = varco(
        &["policy", "check", "--policy", file.to_str().unwrap()],
        b"Ciao%2026\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("disallowed_characters"));
    std::fs::write(&file, b"{ not json").unwrap();
    let o = varco(
        &["policy", "check", "--policy", file.to_str().unwrap()],
        b"x\n",
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[invalid_policy]"));
    let o = varco(
        &[
            "policy",
            "check",
            "--policy",
            dir.join("missing.json").to_str().unwrap(),
        ],
        b"x\n",
    );
    assert_eq!(o.status.code(), Some(4));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_has_its_own_exit_codes() {
    let o = varco(&["policy", "check"], b"\xff\xfe\n");
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid UTF-8"));
    assert_eq!(
        varco(&["policy", "check", "--preset", "nope"], b"x")
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        varco(&["policy", "check", "--lang", "fr"], b"x")
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        varco(&["hash", "--m-kib", "1", "--t", "1", "--p", "1"], b"x")
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        varco(&["hash", "--preset", "bogus"], b"x").status.code(),
        Some(3)
    );
    assert_eq!(
        varco(&["verify", "$argon2id$garbage"], b"x").status.code(),
        Some(3)
    );
    assert_eq!(varco(&["frobnicate"], b"").status.code(), Some(2));
    assert_eq!(
        varco(&["hash", "--m-kib", "64"], b"x").status.code(),
        Some(2)
    );
    let huge = vec![b'a'; (1 << 20) + 10];
    assert_eq!(varco(&["hash"], &huge).status.code(), Some(3));
}

#[test]
fn hash_then_verify() {
    let h = varco(
        &["hash", "--m-kib", "256", "--t", "1", "--p", "1"],
        b"caff\xc3\xa8 lungo\n",
    );
    assert_eq!(h.status.code(), Some(0));
    let phc = stdout(&h).trim().to_owned();
    assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    // The decomposed form of the same password verifies (NFC).
    let ok = varco(
        &["verify", "--json", &phc],
        "caffe\u{300} lungo\n".as_bytes(),
    );
    assert_eq!(ok.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["needs_rehash"], true); // not the OWASP default parameters
    let wrong = varco(&["verify", &phc], b"caffe lungo\n");
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(stdout(&wrong).trim(), "invalid");
}

/// `varco verify` verifies every hash `varco hash` makes, heavy ones too.
#[test]
fn verify_accepts_every_hash_that_hash_makes() {
    for args in [
        &["hash", "--m-kib", "131072", "--t", "1", "--p", "1"][..],
        &["hash", "--preset", "owasp-m47104-t1"][..],
        &["hash", "--m-kib", "8", "--t", "10", "--p", "1"][..],
    ] {
        let h = varco(args, b"pw\n");
        assert_eq!(h.status.code(), Some(0), "{args:?}");
        let phc = stdout(&h).trim().to_owned();
        let ok = varco(&["verify", &phc], b"pw\n");
        assert_eq!(ok.status.code(), Some(0), "{args:?}: {}", stdout(&ok));
    }
}

#[test]
fn default_hash_is_owasp_and_verifies_without_rehash() {
    let h = varco(&["hash", "--json"], b"una passphrase\n");
    let v: serde_json::Value = serde_json::from_slice(&h.stdout).unwrap();
    let phc = v["phc"].as_str().unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let ok = varco(&["verify", phc], b"una passphrase\n");
    assert_eq!(stdout(&ok).trim(), "valid");
}

#[test]
fn peppered_hashes_need_the_pepper() {
    let dir = std::env::temp_dir().join(format!("varco-cli-pepper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pepper = dir.join("pepper.bin");
    std::fs::write(&pepper, [42u8; 32]).unwrap();
    let p = pepper.to_str().unwrap();
    let h = varco(
        &[
            "hash",
            "--m-kib",
            "64",
            "--t",
            "1",
            "--p",
            "1",
            "--pepper-id",
            "k1",
            "--pepper-file",
            p,
        ],
        b"pw\n",
    );
    let phc = stdout(&h).trim().to_owned();
    assert!(phc.contains("keyid="));
    let ok = varco(
        &["verify", &phc, "--pepper-id", "k1", "--pepper-file", p],
        b"pw\n",
    );
    assert_eq!(ok.status.code(), Some(0));
    let no_pepper = varco(&["verify", &phc], b"pw\n");
    assert_eq!(no_pepper.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&no_pepper.stderr).contains("unknown_pepper"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn breach_prefix_and_check() {
    let o = varco(&["breach", "prefix"], b"password\n");
    assert_eq!(stdout(&o).trim(), "5BAA6");
    let dir = std::env::temp_dir().join(format!("varco-cli-breach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("range.txt");
    std::fs::write(
        &body,
        "1E4C9B93F3F0682250B6CF8331B7EE68FD8:9659365\r\n0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n",
    )
    .unwrap();
    let o = varco(
        &[
            "breach",
            "check",
            "--json",
            "--response",
            body.to_str().unwrap(),
        ],
        b"password\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["count"], 9659365);
    std::fs::remove_dir_all(&dir).unwrap();
}

const RFC_SECRET: &[u8] = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n";

#[test]
fn totp_generate_and_verify_rfc6238() {
    let o = varco(
        &["totp", "generate", "--time", "59", "--digits", "8"],
        RFC_SECRET,
    );
    assert_eq!(stdout(&o).trim(), "94287082");
    let o = varco(
        &[
            "totp",
            "generate",
            "--time",
            "1111111109",
            "--digits",
            "8",
            "--algorithm",
            "sha256",
        ],
        b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA\n",
    );
    assert_eq!(stdout(&o).trim(), "68084774");
    let o = varco(
        &[
            "totp", "verify", "94287082", "--time", "59", "--digits", "8", "--json",
        ],
        RFC_SECRET,
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            v["outcome"].as_str(),
            v["drift"].as_i64(),
            v["last_step"].as_u64()
        ),
        (Some("accepted"), Some(0), Some(1))
    );
    let replay = varco(
        &[
            "totp",
            "verify",
            "94287082",
            "--time",
            "59",
            "--digits",
            "8",
            "--last-step",
            "1",
        ],
        RFC_SECRET,
    );
    assert_eq!(
        (replay.status.code(), stdout(&replay).trim()),
        (Some(1), "replayed")
    );
    let wrong = varco(
        &[
            "totp", "verify", "00000000", "--time", "59", "--digits", "8",
        ],
        RFC_SECRET,
    );
    assert_eq!(wrong.status.code(), Some(1));
    let bad = varco(&["totp", "generate"], b"not base32!\n");
    assert_eq!(bad.status.code(), Some(3));
    let bad = varco(&["totp", "generate", "--digits", "9"], RFC_SECRET);
    assert_eq!(bad.status.code(), Some(3));
}

#[test]
fn totp_new_and_uri_round_trip() {
    let o = varco(
        &[
            "totp",
            "new",
            "--issuer",
            "Posta Esempio",
            "--account",
            "mario",
            "--json",
        ],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let secret = v["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    let uri = v["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Posta%20Esempio:mario?secret="));
    let parsed = varco(&["totp", "uri", "--parse"], format!("{uri}\n").as_bytes());
    let p: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(
        (
            p["issuer"].as_str(),
            p["account"].as_str(),
            p["digits"].as_u64()
        ),
        (Some("Posta Esempio"), Some("mario"), Some(6))
    );
    assert!(
        !stdout(&parsed).contains(secret),
        "parse never prints the secret"
    );
    let built = varco(
        &[
            "totp",
            "uri",
            "--issuer",
            "Posta Esempio",
            "--account",
            "mario",
        ],
        format!("{secret}\n").as_bytes(),
    );
    assert_eq!(stdout(&built).trim(), uri);
    assert_eq!(
        varco(&["totp", "uri", "--parse"], b"https://example.com\n")
            .status
            .code(),
        Some(3)
    );
}

#[test]
fn hotp_generate_verify_and_look_ahead() {
    let o = varco(&["hotp", "generate", "--counter", "9"], RFC_SECRET);
    assert_eq!(stdout(&o).trim(), "520489");
    let o = varco(
        &["hotp", "verify", "162583", "--counter", "0", "--json"],
        RFC_SECRET,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["outcome"].as_str(), v["counter"].as_u64()),
        (Some("accepted"), Some(8))
    );
    let o = varco(
        &[
            "hotp",
            "verify",
            "162583",
            "--counter",
            "0",
            "--look-ahead",
            "3",
        ],
        RFC_SECRET,
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn recovery_codes_work_once() {
    let dir = std::env::temp_dir().join(format!("varco-cli-codes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let set = dir.join("set.json");
    let s = set.to_str().unwrap();
    let o = varco(&["codes", "new", "--count", "3", "--out", s, "--json"], b"");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<String> = v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 3);
    let stored = std::fs::read_to_string(&set).unwrap();
    assert!(
        codes.iter().all(|c| !stored.contains(&c.replace('-', ""))),
        "codes are stored hashed"
    );
    let typed = format!("{}\n", codes[1].to_lowercase());
    let o = varco(&["codes", "redeem", "--set", s], typed.as_bytes());
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(0), "accepted (2 left)")
    );
    let o = varco(&["codes", "redeem", "--set", s], typed.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(&set, "{broken").unwrap();
    let o = varco(&["codes", "redeem", "--set", s], codes[0].as_bytes());
    assert_eq!(o.status.code(), Some(3));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn guard_drives_a_state_file() {
    let dir = std::env::temp_dir().join(format!("varco-cli-guard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("g.json");
    let s = state.to_str().unwrap();
    for i in 0..5u64 {
        let t = (1_800_000_000 + 2 * i).to_string();
        let o = varco(&["guard", "fail", "--state", s, "--time", &t], b"");
        assert_eq!(o.status.code(), Some(0), "failure {i} allowed and counted");
    }
    let o = varco(
        &[
            "guard",
            "fail",
            "--state",
            s,
            "--time",
            "1800000010",
            "--json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"]["decision"], "locked");
    assert_eq!(v["factors"]["password"]["consecutive"], 5);
    // Recovery stays open; status does not change the file.
    let before = std::fs::read_to_string(&state).unwrap();
    let o = varco(
        &[
            "guard",
            "status",
            "--state",
            s,
            "--factor",
            "recovery",
            "--time",
            "1800000011",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&state).unwrap(), before);
    // An operator unlocks.
    let o = varco(
        &[
            "guard",
            "unlock",
            "--by",
            "operator:op-7",
            "--state",
            s,
            "--time",
            "1800000012",
            "--json",
        ],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"]["decision"], "allow");
    // A success does not trust the device; `trust` does, after a full
    // sign-in. Bad input is exit 3.
    let o = varco(
        &[
            "guard",
            "succeed",
            "--state",
            s,
            "--device",
            "phone",
            "--json",
            "--time",
            "1800000013",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["trusted_device"], false);
    assert_eq!(v["factors"]["password"]["consecutive"], 0);
    let trust = [
        "guard",
        "trust",
        "--state",
        s,
        "--device",
        "phone",
        "--json",
        "--time",
        "1800000014",
    ];
    let v: serde_json::Value = serde_json::from_slice(&varco(&trust, b"").stdout).unwrap();
    assert_eq!(v["trusted_device"], true);
    assert_eq!(
        varco(&["guard", "status", "--state", s, "--factor", "nope"], b"")
            .status
            .code(),
        Some(3)
    );
    std::fs::write(&state, "{").unwrap();
    assert_eq!(
        varco(&["guard", "status", "--state", s], b"").status.code(),
        Some(3)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A closed standard output (`varco … | head -1`) ends the command with
/// exit code 141, never a panic. The reader is closed before the command
/// writes: it waits on stdin until then.
#[test]
fn a_closed_stdout_is_exit_141_not_a_panic() {
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_varco"))
            .args(["policy", "check", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn varco");
        drop(child.stdout.take()); // the reader goes away first
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(b"fiume violino tramonto lampada\n");
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out.status.code(), Some(141), "{err}");
    }
}

/// `--help` says how stdin is read and what the exit codes are; a trailing
/// `\r\n` is not part of the password.
#[test]
fn help_documents_stdin_and_crlf_is_not_part_of_the_password() {
    let help = stdout(&varco(&["--help"], b""));
    assert!(
        help.contains("first line") && help.contains("\\r") && help.contains("141"),
        "{help}"
    );
    let crlf = varco(
        &["policy", "check", "--json"],
        b"fiume violino tramonto lampada\r\n",
    );
    let lf = varco(
        &["policy", "check", "--json"],
        b"fiume violino tramonto lampada\n",
    );
    assert_eq!(stdout(&crlf), stdout(&lf));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("varco-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `varco account`: the lifecycle on a record file; an illegal event
/// changes nothing; create never replaces a record.
#[test]
fn the_account_lifecycle_runs_on_a_record_file() {
    let dir = temp_dir("account");
    let state = dir.join("a.json");
    let s = state.to_str().unwrap();
    let run = |args: &[&str]| {
        varco(
            &[&["lifecycle"], args, &["--state", s, "--json"]].concat(),
            b"",
        )
    };
    let o = run(&["create", "--time", "1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(r#""state":"pending_activation""#),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        run(&["create", "--time", "2"]).status.code(),
        Some(3),
        "never replaces"
    );
    let o = run(&["apply", "--event", r#"{"event":"activate"}"#, "--time", "3"]);
    assert!(stdout(&o).contains(r#""revision":2"#), "{}", stdout(&o));
    let before = std::fs::read_to_string(&state).unwrap();
    let o = run(&["apply", "--event", r#"{"event":"activate"}"#, "--time", "4"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[illegal_transition]"));
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        before,
        "nothing changed"
    );
    let o = run(&["inactivity", "--days", "1", "--time", "100000"]);
    assert!(
        stdout(&o).contains(r#""state":"dormant""#),
        "{}",
        stdout(&o)
    );
    let o = run(&["show"]);
    assert!(
        stdout(&o).contains(r#""can_authenticate":false"#),
        "{}",
        stdout(&o)
    );
}

/// `varco totp enroll` and `check`: a sealed record file, bound to its key;
/// a replay refused; the secret never in the file.
#[test]
fn sealed_authenticator_records_enrol_and_check() {
    let dir = temp_dir("totp");
    let keys = dir.join("keys");
    std::fs::write(
        &keys,
        "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
    )
    .unwrap();
    let record = dir.join("t.json");
    let (k, r) = (keys.to_str().unwrap(), record.to_str().unwrap());
    let bound = |key: &'static str| ["--record", r, "--record-key", key, "--keys", k];
    let enrolled = varco(
        &[
            &["totp", "enroll"][..],
            &bound("mario/totp"),
            &[
                "--issuer",
                "Esempio",
                "--account",
                "mario",
                "--time",
                "1700000000",
                "--json",
            ],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        enrolled.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&enrolled)).unwrap();
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(
        !std::fs::read_to_string(&record).unwrap().contains(&secret),
        "sealed"
    );
    let code = stdout(&varco(
        &["totp", "generate", "--time", "1700000000"],
        format!("{secret}\n").as_bytes(),
    ));
    let check = |key: &'static str, time: &str| {
        varco(
            &[&["totp", "check"][..], &bound(key), &["--time", time]].concat(),
            code.as_bytes(),
        )
    };
    assert_eq!(check("mario/totp", "1700000000").status.code(), Some(0));
    let replay = check("mario/totp", "1700000001");
    assert_eq!(replay.status.code(), Some(1));
    assert!(stdout(&replay).contains("replayed"));
    let other = check("luigi/totp", "1700000001");
    assert_eq!(other.status.code(), Some(3), "bound to its record key");
    assert!(String::from_utf8_lossy(&other.stderr).contains("[seal]"));
    let again = varco(
        &[
            &["totp", "enroll"][..],
            &bound("mario/totp"),
            &["--issuer", "E", "--account", "m"],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        again.status.code(),
        Some(3),
        "an enrolment never replaces a record"
    );
}

/// `varco id`: lookup keys and tax codes, the identifier from stdin.
#[test]
fn identifiers_give_their_record_keys_and_tax_codes_are_checked() {
    let o = varco(
        &["id", "key", "--kind", "email"],
        b" Mario.Rossi@Example.IT.\n",
    );
    assert_eq!(stdout(&o).trim(), "claim/login/mario.rossi@example.it");
    let o = varco(
        &["id", "key", "--kind", "mobile", "--country", "41"],
        b"079 123 45 67\n",
    );
    assert_eq!(stdout(&o).trim(), "claim/mobile/+41791234567");
    let o = varco(&["id", "key", "--kind", "pin"], b"1234\n");
    assert_eq!(o.status.code(), Some(3));
    let o = varco(&["id", "codice-fiscale"], b"rssmra80a01h501u\n");
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(0), "RSSMRA80A01H501U")
    );
    let o = varco(&["id", "partita-iva"], b"00743110158\n");
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("vat_check"));
    // Every problem at once, one a line, in the language asked for.
    let o = varco(
        &[
            "id",
            "validate",
            "--field",
            "codice_fiscale",
            "--lang",
            "it",
        ],
        b"RSSMRA80Z01H501U\n",
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            "cf_month: La lettera del mese di nascita non è valida.",
            "cf_check: Il carattere di controllo del codice fiscale non corrisponde."
        ]
    );
    let o = varco(
        &["id", "validate", "--field", "mobile"],
        b"0039 333 1234567\n",
    );
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(0), "+393331234567")
    );
    let o = varco(
        &[
            "id",
            "validate",
            "--field",
            "codice_fiscale",
            "--json",
            "--person",
            r#"{"sex":"female"}"#,
        ],
        b"RSSMRA80A01H501U\n",
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o)
            .starts_with(r#"{"valid":false,"field":"codice_fiscale","problems":[{"code":"cf_sex""#)
    );
    let o = varco(&["id", "validate", "--field", "pin"], b"1\n");
    assert_eq!(o.status.code(), Some(3));
}

/// A directory with engine keys and a cheap configuration.
fn flow_dir() -> (std::path::PathBuf, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "varco-flow-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let hex = |b: u8| format!("{b:02x}").repeat(32);
    std::fs::write(
        dir.join("keys"),
        format!(
            "codes c1 {}\nsealing s1 {}\ndecoy d1 {}\n",
            hex(1),
            hex(2),
            hex(3)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("config.json"),
        r#"{"hash":{"m_kib":8,"t":1,"p":1}}"#,
    )
    .unwrap();
    let args = vec![
        "--db".to_owned(),
        dir.join("varco.db").display().to_string(),
        "--keys".to_owned(),
        dir.join("keys").display().to_string(),
        "--config".to_owned(),
        dir.join("config.json").display().to_string(),
        "--time".to_owned(),
        "1800000000".to_owned(),
    ];
    (dir, args)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// `varco flow <extra> <args>`, or `varco account …` for its commands.
fn flow_run(args: &[String], extra: &[&str], stdin: &str) -> (Option<i32>, serde_json::Value) {
    let group = match extra.first() {
        Some(&("create" | "import" | "show")) => "account",
        _ => "flow",
    };
    let mut all: Vec<&str> = vec![group];
    all.extend_from_slice(extra);
    all.extend(args.iter().map(String::as_str));
    let o = varco(&all, stdin.as_bytes());
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v)
}

/// Starts a sign-in and gives it `inputs` in turn: the flow's key, its
/// client secret, the last view's token and the last output.
fn walk(
    args: &[String],
    inputs: &[serde_json::Value],
) -> (String, String, String, serde_json::Value) {
    let (_, started) = flow_run(args, &["start"], "");
    let key = started["flow_key"].as_str().unwrap().to_owned();
    let secret = started["client_secret"].as_str().unwrap().to_owned();
    let mut token = started["view"]["token"].as_str().unwrap().to_owned();
    let mut last = started;
    for input in inputs {
        let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
        let (_, v) = flow_run(args, &["advance", "--flow", &key], &req.to_string());
        token = v["view"]["token"].as_str().unwrap_or_default().to_owned();
        last = v;
    }
    (key, secret, token, last)
}

#[test]
fn flow_sign_in_with_an_sms_code_and_an_operator_block() {
    let (dir, args) = flow_dir();
    let (code, _) = flow_run(
        &args,
        &[
            "create",
            "--account",
            r#"{"id":"a1","username":"mario","mobile":"333 1234567","second_factor":true}"#,
        ],
        "Correct \"Horse\" 1\n",
    );
    assert_eq!(code, Some(0));
    // The same username again: refused, nothing overwritten.
    let (code, _) = flow_run(
        &args,
        &["create", "--account", r#"{"id":"a2","username":"Mario"}"#],
        "x\n",
    );
    assert_eq!(code, Some(3));
    let (_, started) = flow_run(&args, &["start", "--source", "203.0.113.7"], "");
    let key = started["flow_key"].as_str().unwrap().to_owned();
    let secret = started["client_secret"].as_str().unwrap().to_owned();
    let mut token = started["view"]["token"].as_str().unwrap().to_owned();
    let mut say = |input: serde_json::Value| {
        let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
        let (code, v) = flow_run(&args, &["advance", "--flow", &key], &req.to_string());
        if let Some(t) = v["view"]["token"].as_str() {
            token = t.to_owned();
        }
        (code, v)
    };
    let (_, v) = say(serde_json::json!({"input":"identify","identifier":"mario"}));
    assert_eq!(v["view"]["screen"], "password");
    let (code, v) = say(serde_json::json!({"input":"password","password":"Correct \"Horse\" 1"}));
    assert_eq!(
        (code, &v["outcome"]["outcome"]),
        (Some(0), &serde_json::json!("code_sent"))
    );
    let sms = v["effects"][0]["text"].as_str().unwrap().to_owned();
    let c: String = sms.chars().filter(char::is_ascii_digit).take(6).collect();
    let (code, v) = say(serde_json::json!({"input":"code","code":"00000"}));
    assert_eq!(
        (code, v["view"]["error"].as_str()),
        (Some(1), Some("code_wrong"))
    );
    let (code, v) = say(serde_json::json!({"input":"code","code": c}));
    assert_eq!(
        (code, v["outcome"]["outcome"].as_str()),
        (Some(0), Some("signed_in"))
    );
    assert_eq!(v["outcome"]["grant"]["level"], 2);
    let (code, v) = flow_run(
        &args,
        &[
            "command",
            "--actor",
            r#"{"actor":"operator","id":"op-7"}"#,
            "--command",
            r#"{"command":"block","account":"a1","reason":"theft"}"#,
        ],
        "",
    );
    assert_eq!(
        (code, v["outcome"]["state"].as_str()),
        (Some(0), Some("suspended"))
    );
    // Malformed input is exit 3, never a crash.
    let (code, _) = flow_run(&args, &["advance", "--flow", &key], "{not json");
    assert_eq!(code, Some(3));
    let (code, _) = flow_run(&args, &["advance", "--flow", "flow/../../etc"], "{}");
    assert_eq!(code, Some(3));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flow_answer_takes_the_hosts_facts_and_refuses_malformed_ones() {
    let (dir, args) = flow_dir();
    let (code, _) = flow_run(
        &args,
        &[
            "create",
            "--account",
            r#"{"id":"a1","username":"mario","mobile":"333 1234567","second_factor":true}"#,
        ],
        "Correct-Horse-1\n",
    );
    assert_eq!(code, Some(0));
    let (_, started) = flow_run(&args, &["start"], "");
    let key = started["flow_key"].as_str().unwrap().to_owned();
    let secret = started["client_secret"].as_str().unwrap().to_owned();
    let mut token = started["view"]["token"].as_str().unwrap().to_owned();
    for input in [
        serde_json::json!({"input":"identify","identifier":"mario"}),
        serde_json::json!({"input":"password","password":"Correct-Horse-1"}),
    ] {
        let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
        let (_, v) = flow_run(&args, &["advance", "--flow", &key], &req.to_string());
        token = v["view"]["token"].as_str().unwrap().to_owned();
    }
    let fact = |token: &str, fact: &str| {
        flow_run(
            &args,
            &["answer", "--flow", &key, "--token", token, "--fact", fact],
            "",
        )
    };
    let (code, v) = fact(&token, r#"{"fact":"delivery_failed"}"#);
    assert_eq!(code, Some(0));
    assert_eq!(v["view"]["screen"], "code");
    assert_eq!(v["view"]["error"], "not_delivered");
    // The old token again: stale, nothing changes.
    let (_, v) = fact(&token, r#"{"fact":"delivery_failed"}"#);
    assert_eq!(v["outcome"]["outcome"], "stale");
    // A malformed fact, or one the screen does not await: a usage error.
    let (code, _) = fact(&token, r#"{"fact":"delivered"}"#);
    assert_eq!(code, Some(3));
    let now = v["view"]["token"].as_str().unwrap().to_owned();
    let (code, _) = fact(&now, r#"{"fact":"captcha","passed":true}"#);
    assert_eq!(code, Some(3));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flow_check_and_step_up_give_a_fresh_level_2_grant() {
    let (dir, args) = flow_dir();
    let (code, _) = flow_run(
        &args,
        &[
            "create",
            "--account",
            r#"{"id":"a1","username":"mario","mobile":"333 1234567"}"#,
        ],
        "Correct-Horse-1\n",
    );
    assert_eq!(code, Some(0));
    let run = |extra: &[&str], inputs: &[serde_json::Value]| {
        let (_, started) = flow_run(&args, extra, "");
        let key = started["flow_key"].as_str().unwrap().to_owned();
        let secret = started["client_secret"].as_str().unwrap().to_owned();
        let mut token = started["view"]["token"].as_str().unwrap().to_owned();
        let mut last = started;
        for input in inputs {
            let input = match input.as_str() {
                // The code the last step sent.
                Some("sent code") => {
                    let sms = last["effects"][0]["text"].as_str().unwrap();
                    let c: String = sms.chars().filter(char::is_ascii_digit).take(6).collect();
                    serde_json::json!({"input":"code","code": c})
                }
                _ => input.clone(),
            };
            let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
            let (_, v) = flow_run(&args, &["advance", "--flow", &key], &req.to_string());
            token = v["view"]["token"].as_str().unwrap_or_default().to_owned();
            last = v;
        }
        last
    };
    let pw = serde_json::json!({"input":"password","password":"Correct-Horse-1"});
    let v = run(
        &["start"],
        &[
            serde_json::json!({"input":"identify","identifier":"mario"}),
            pw.clone(),
        ],
    );
    let grant = v["outcome"]["grant"].to_string();
    assert_eq!(v["outcome"]["grant"]["level"], 1);
    let check = |grant: &str, level: &str| {
        flow_run(&args, &["check", "--grant", grant, "--level", level], "")
    };
    assert_eq!(
        check(&grant, "1"),
        (Some(0), serde_json::json!({"check":"valid"}))
    );
    assert_eq!(
        check(&grant, "2"),
        (Some(1), serde_json::json!({"check":"step_up"}))
    );
    assert_eq!(check(&grant, "3").0, Some(3));
    let v = run(
        &["start", "--grant", &grant, "--level", "2"],
        &[pw, serde_json::json!("sent code")],
    );
    assert_eq!(v["outcome"]["outcome"], "signed_in");
    let fresh = v["outcome"]["grant"].to_string();
    assert_eq!(v["outcome"]["grant"]["level"], 2);
    assert_eq!(
        check(&fresh, "2"),
        (Some(0), serde_json::json!({"check":"valid"}))
    );
    // A grant for an account the store does not hold is revoked.
    let other = grant.replace("\"a1\"", "\"a9\"");
    assert_eq!(
        check(&other, "1"),
        (Some(1), serde_json::json!({"check":"revoked"}))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hash_wrap_wraps_legacy_hashes_line_for_line_and_verify_takes_them() {
    let bcrypt = "$2b$04$f..FfCDhfXf.VTTKifttHen/ATM.B9D1AAr1v6StgEmFbX5k/.Qq2";
    let spec = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
    let input = format!("{bcrypt}\n\n{spec}\n");
    let cheap = ["hash", "--m-kib", "64", "--t", "1", "--p", "1", "--wrap"];
    let o = varco(&cheap, input.as_bytes());
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("$varco-wrap$") && !lines[0].contains("FbX5k"));
    assert_eq!(lines[1], spec, "kept: its salt cannot be remade");
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrapped 1, kept 1"));
    let o = varco(&["verify", lines[0]], b"password\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("needs rehash"));
    let o = varco(&["verify", lines[0]], b"Password\n");
    assert_eq!(o.status.code(), Some(1));
    // A line that is no hash stops the run, with its number.
    let o = varco(&cheap, format!("{bcrypt}\nnot a hash\n").as_bytes());
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2"));
}

/// Runs `n` copies of `varco` at once, each with its own arguments and
/// stdin; their outputs in order.
fn varco_at_once(runs: Vec<(Vec<String>, Vec<u8>)>) -> Vec<Output> {
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(args, stdin)| {
            std::thread::spawn(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                varco(&a, &stdin)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn parallel_guard_failures_are_all_counted() {
    let dir = std::env::temp_dir().join(format!("varco-cli-par-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = varco(&["guard", "policy"], b"");
    let mut p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    p["password"]["threshold"] = 50.into();
    p["password"]["min_interval_ms"] = 0.into();
    let policy = dir.join("policy.json");
    std::fs::write(&policy, p.to_string()).unwrap();
    let state = dir.join("g.json");
    let args = |_| {
        let v = [
            "guard",
            "fail",
            "--state",
            state.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--time",
            "1800000000",
        ];
        (v.iter().map(|s| (*s).to_owned()).collect(), Vec::new())
    };
    let outs = varco_at_once((0..20).map(args).collect());
    assert!(outs.iter().all(|o| o.status.code() == Some(0)));
    let o = varco(
        &[
            "guard",
            "status",
            "--state",
            state.to_str().unwrap(),
            "--json",
            "--time",
            "1800000000",
        ],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["factors"]["password"]["consecutive"], 20,
        "no failure lost"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn parallel_redeems_of_one_recovery_code_accept_it_once() {
    let dir = std::env::temp_dir().join(format!("varco-cli-codes-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let set = dir.join("set.json");
    let s = set.to_str().unwrap().to_owned();
    let o = varco(
        &["codes", "new", "--count", "3", "--out", &s, "--json"],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let code = v["codes"][0].as_str().unwrap().to_owned();
    let runs = (0..8)
        .map(|_| {
            let a = ["codes", "redeem", "--set", &s].map(str::to_owned).to_vec();
            (a, format!("{code}\n").into_bytes())
        })
        .collect();
    let outs = varco_at_once(runs);
    let accepted = outs.iter().filter(|o| o.status.code() == Some(0)).count();
    assert_eq!(accepted, 1, "one code, one acceptance");
    assert!(outs.iter().all(|o| matches!(o.status.code(), Some(0 | 1))));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn parallel_sign_ins_on_one_database_keep_the_budget() {
    let (dir, args) = flow_dir();
    let (code, _) = flow_run(
        &args,
        &["create", "--account", r#"{"id":"a1","username":"mario"}"#],
        "Correct-Horse-1\n",
    );
    assert_eq!(code, Some(0));
    // 12 flows at the password screen, then 12 wrong passwords at once,
    // each from its own process.
    let mut runs = Vec::new();
    for _ in 0..12 {
        let identify = serde_json::json!({"input":"identify","identifier":"mario"});
        let (key, secret, token, _) = walk(&args, &[identify]);
        let req = serde_json::json!({"client_secret": secret, "token": token,
            "input": {"input":"password","password":"wrong"}});
        let mut a: Vec<String> = ["flow", "advance", "--flow", &key]
            .map(str::to_owned)
            .to_vec();
        a.extend(args.iter().cloned());
        runs.push((a, req.to_string().into_bytes()));
    }
    let outs = varco_at_once(runs);
    let reasons: Vec<String> = outs
        .iter()
        .map(|o| {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
            v["outcome"]["reason"].as_str().unwrap_or("?").to_owned()
        })
        .collect();
    let wrong = reasons.iter().filter(|r| *r == "wrong_password").count();
    assert_eq!(wrong, 5, "the threshold, exactly: {reasons:?}");
    assert!(
        outs.iter().all(|o| o.status.code() == Some(1)),
        "{reasons:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn demo_runs_the_seed_journeys_on_a_temporary_database() {
    let o = varco(&["demo", "--json", "--time", "1800000000"], b"");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["outcome"]["outcome"].as_str())
        .collect();
    assert!(outcomes.contains(&"signed_in"));
    assert!(outcomes.contains(&"blocked"));
    // The SMS as the sender hands it over, with the code in it.
    assert!(lines.iter().any(|l| {
        l["sent"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Usa il codice temporaneo"))
    }));
    // An unknown user, a wrong password and a locked password: one view.
    let view_of = |reason: &str| {
        lines
            .iter()
            .find(|l| l["outcome"]["reason"] == reason)
            .map(|l| l["view"].clone())
            .unwrap()
    };
    assert_eq!(view_of("unknown_account"), view_of("wrong_password"));
    assert_eq!(view_of("locked"), view_of("wrong_password"));
    // A recovery mobile change: the old number gets the cancel link, and
    // the owner's cancel from it is applied.
    assert!(lines.iter().any(|l| {
        l["sent"]["sms"] == "+393331234567"
            && l["sent"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("recovery/cancel?account=a1&token="))
    }));
    assert!(outcomes.contains(&"applied"));
    assert!(
        lines
            .iter()
            .any(|l| l["sent"]["event"] == "recovery_mobile_change_cancelled")
    );
    // Text mode says the same in words.
    let o = varco(&["demo"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("== F4: sign-in with a password and an SMS code"));
}

#[test]
fn account_import_wraps_legacy_hashes_and_reports_each_line() {
    let (dir, args) = flow_dir();
    let bcrypt = "$2b$04$f..FfCDhfXf.VTTKifttHen/ATM.B9D1AAr1v6StgEmFbX5k/.Qq2";
    let lines = [
        serde_json::json!({"id":"i1","username":"anna","imported_hash": bcrypt}).to_string(),
        serde_json::json!({"id":"i2","username":"ANNA"}).to_string(),
        "{not json".to_owned(),
        serde_json::json!({"id":"i3","email":"bruno@example.it"}).to_string(),
    ]
    .join("\n");
    let mut all = vec!["account", "import"];
    all.extend(args.iter().map(String::as_str));
    let o = varco(&all, lines.as_bytes());
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out[0]["created"], "i1");
    assert_eq!(
        out[1]["taken"], "claim/login/anna",
        "one namespace, case-folded"
    );
    assert_eq!(out[2]["refused"], "invalid_input");
    assert_eq!(out[3]["created"], "i3");
    assert_eq!(out[4], serde_json::json!({"created": 2, "refused": 2}));
    // The imported bcrypt password ("password", from passlib) signs in.
    let (_, _, _, last) = walk(
        &args,
        &[
            serde_json::json!({"input":"identify","identifier":"Anna"}),
            serde_json::json!({"input":"password","password":"password"}),
        ],
    );
    assert_eq!(last["outcome"]["outcome"], "signed_in", "{last}");
    // Shown without its hash.
    let (code, v) = flow_run(&args, &["show", "--id", "i1"], "");
    assert_eq!(code, Some(0));
    assert_eq!(v["password"], true);
    assert!(!v.to_string().contains("$2b$") && !v.to_string().contains("argon2"));
    let (code, v) = flow_run(&args, &["show", "--id", "nobody"], "");
    assert_eq!((code, &v["found"]), (Some(1), &serde_json::json!(false)));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn guard_and_codes_on_the_database_take_turns_and_share_the_flows_records() {
    let (dir, args) = flow_dir();
    let db = args[1].clone();
    let (code, _) = flow_run(
        &args,
        &["create", "--account", r#"{"id":"a1","username":"mario"}"#],
        "Correct-Horse-1\n",
    );
    assert_eq!(code, Some(0));
    // Two wrong passwords through the flow...
    for _ in 0..2 {
        let _ = walk(
            &args,
            &[
                serde_json::json!({"input":"identify","identifier":"mario"}),
                serde_json::json!({"input":"password","password":"wrong"}),
            ],
        );
    }
    // ...are what `varco guard status --db` sees for the account.
    let status = |extra: &[&str]| {
        let mut a = vec![
            "guard",
            "status",
            "--db",
            &db,
            "--account",
            "a1",
            "--json",
            "--time",
            "1800000000",
        ];
        a.extend_from_slice(extra);
        let o = varco(&a, b"");
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    assert_eq!(status(&[])["factors"]["password"]["consecutive"], 2);
    // 12 operators' `guard fail` at once on that guard: every one counted.
    let o = varco(&["guard", "policy"], b"");
    let mut p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    p["password"]["threshold"] = 50.into();
    p["password"]["min_interval_ms"] = 0.into();
    let policy = dir.join("policy.json");
    std::fs::write(&policy, p.to_string()).unwrap();
    let pol = policy.to_str().unwrap().to_owned();
    let runs = (0..12)
        .map(|_| {
            let a = [
                "guard",
                "fail",
                "--db",
                &db,
                "--account",
                "a1",
                "--policy",
                &pol,
                "--time",
                "1800000000",
            ]
            .map(str::to_owned)
            .to_vec();
            (a, Vec::new())
        })
        .collect();
    let outs = varco_at_once(runs);
    assert!(
        outs.iter().all(|o| o.status.code() == Some(0)),
        "{:?}",
        outs.iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        status(&["--policy", &pol])["factors"]["password"]["consecutive"],
        14
    );
    // Recovery codes in the database: 8 redeems of one code at once, one accepted.
    let o = varco(
        &[
            "codes",
            "new",
            "--count",
            "3",
            "--db",
            &db,
            "--account",
            "a1",
            "--json",
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let code = v["codes"][0].as_str().unwrap().to_owned();
    let runs = (0..8)
        .map(|_| {
            let a = ["codes", "redeem", "--db", &db, "--account", "a1"]
                .map(str::to_owned)
                .to_vec();
            (a, format!("{code}\n").into_bytes())
        })
        .collect();
    let outs = varco_at_once(runs);
    assert_eq!(
        outs.iter().filter(|o| o.status.code() == Some(0)).count(),
        1
    );
    // A file and the database at once is a usage error.
    let o = varco(
        &[
            "guard",
            "status",
            "--db",
            &db,
            "--account",
            "a1",
            "--state",
            "x.json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flow_reset_by_sms_and_the_secret_question_on_the_database() {
    let (dir, args) = flow_dir();
    let (code, _) = flow_run(
        &args,
        &[
            "create",
            "--account",
            r#"{"id":"a1","username":"mario","mobile":"333 1234567","question":"first_pet","answer":"Fido"}"#,
        ],
        "Correct-Horse-1\n",
    );
    assert_eq!(code, Some(0));
    let run = |kind: &str, inputs: &[serde_json::Value]| {
        let (_, started) = flow_run(&args, &["start", "--kind", kind], "");
        assert_eq!(started["view"]["screen"], "identify");
        let key = started["flow_key"].as_str().unwrap().to_owned();
        let secret = started["client_secret"].as_str().unwrap().to_owned();
        let mut token = started["view"]["token"].as_str().unwrap().to_owned();
        let mut out = Vec::new();
        for input in inputs {
            let mut input = input.clone();
            if input["code"] == "sent" {
                // The code of the SMS the last step sent.
                let sms: &serde_json::Value = &out
                    .last()
                    .map_or(serde_json::Value::Null, |v: &serde_json::Value| {
                        v["effects"].clone()
                    });
                let text = sms
                    .as_array()
                    .and_then(|a| a.iter().find_map(|e| e["text"].as_str()))
                    .unwrap()
                    .to_owned();
                input["code"] = text
                    .chars()
                    .filter(char::is_ascii_digit)
                    .take(6)
                    .collect::<String>()
                    .into();
            }
            let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
            let (_, v) = flow_run(&args, &["advance", "--flow", &key], &req.to_string());
            if let Some(t) = v["view"]["token"].as_str() {
                token = t.to_owned();
            }
            out.push(v);
        }
        out
    };
    let fresh = "fiume violino tramonto";
    let steps = run(
        "password_reset",
        &[
            serde_json::json!({"input":"identify_by","kind":"username","identifier":"Mario"}),
            serde_json::json!({"input":"code","code":"sent"}),
            serde_json::json!({"input":"new_password","password":fresh,"confirmation":fresh}),
        ],
    );
    assert_eq!(steps[0]["view"]["screen"], "code");
    assert_eq!(steps[1]["view"]["screen"], "new_password");
    assert_eq!(steps[2]["outcome"]["outcome"], "done");
    assert_eq!(steps[2]["outcome"]["done"], "password_reset");
    let steps = run(
        "password_reset",
        &[
            serde_json::json!({"input":"identify","identifier":"mario"}),
            serde_json::json!({"input":"forgot"}),
            serde_json::json!({"input":"answer","answer":"rex"}),
            serde_json::json!({"input":"answer","answer":"FIDO"}),
        ],
    );
    assert_eq!(steps[1]["view"]["screen"], "question");
    assert_eq!(steps[1]["view"]["question"], "first_pet");
    assert_eq!(steps[2]["view"]["error"], "authentication_failed");
    assert_eq!(steps[3]["view"]["screen"], "new_password");
    // A kind that starts from a grant needs one.
    let (code, _) = flow_run(&args, &["start", "--kind", "password_change"], "");
    assert_eq!(code, Some(3));
    let (code, _) = flow_run(&args, &["start", "--kind", "nonsense"], "");
    assert_eq!(code, Some(3));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The public-sector registration on the database, every step from the
/// command line: the number, the captcha and the contract (host facts),
/// the code, personal data, the email and its link (confirmed with the
/// link's token as the client secret), the password; then the account.
#[test]
fn flow_registration_on_the_database() {
    let (dir, args) = flow_dir();
    let (_, started) = flow_run(&args, &["start", "--kind", "registration"], "");
    assert_eq!(started["view"]["screen"], "enter_mobile");
    let key = started["flow_key"].as_str().unwrap().to_owned();
    let mut secret = started["client_secret"].as_str().unwrap().to_owned();
    let mut token = started["view"]["token"].as_str().unwrap().to_owned();
    let say = |secret: &str, token: &mut String, input: serde_json::Value| {
        let req = serde_json::json!({"client_secret": secret, "token": token, "input": input});
        let (code, v) = flow_run(&args, &["advance", "--flow", &key], &req.to_string());
        if let Some(t) = v["view"]["token"].as_str() {
            *token = t.to_owned();
        }
        (code, v)
    };
    let (_, v) = say(
        &secret,
        &mut token,
        serde_json::json!({"input":"mobile","number":"347 1234567"}),
    );
    assert_eq!(v["outcome"]["question"], "captcha");
    let fact = |token: &str, fact: &str| {
        flow_run(
            &args,
            &["answer", "--flow", &key, "--token", token, "--fact", fact],
            "",
        )
    };
    let (_, v) = fact(&token, r#"{"fact":"captcha","passed":true}"#);
    token = v["view"]["token"].as_str().unwrap().to_owned();
    let sms = v["effects"][0]["text"].as_str().unwrap().to_owned();
    let c: String = sms.chars().filter(char::is_ascii_digit).take(6).collect();
    let (_, v) = say(
        &secret,
        &mut token,
        serde_json::json!({"input":"code","code": c}),
    );
    assert_eq!(
        v["outcome"]["question"]["eligible_contract"]["mobile"],
        "+393471234567"
    );
    let (_, v) = fact(&token, r#"{"fact":"eligible_contract","eligible":true}"#);
    token = v["view"]["token"].as_str().unwrap().to_owned();
    let (_, v) = say(
        &secret,
        &mut token,
        serde_json::json!({"input":"personal_data","first_name":"Mario","last_name":"Rossi","codice_fiscale":"RSSMRA80A01H501U","organisation_code":"00743110157"}),
    );
    assert_eq!(
        v["outcome"]["question"]["duplicate"]["codice_fiscale"],
        "RSSMRA80A01H501U"
    );
    let (_, v) = fact(&token, r#"{"fact":"duplicate"}"#);
    token = v["view"]["token"].as_str().unwrap().to_owned();
    let (_, v) = say(
        &secret,
        &mut token,
        serde_json::json!({"input":"email","address":"mario.rossi@example.it"}),
    );
    assert_eq!(v["view"]["screen"], "check_email");
    let body = v["effects"][0]["body"].as_str().unwrap();
    let link: String = body
        .split_once("token=")
        .unwrap()
        .1
        .chars()
        .take(64)
        .collect();
    let (_, v) = say(
        &link,
        &mut token,
        serde_json::json!({"input":"open_link","token": link}),
    );
    assert_eq!(v["view"]["screen"], "confirm_link");
    let (_, v) = say(
        &link,
        &mut token,
        serde_json::json!({"input":"confirm_link","token": link}),
    );
    assert_eq!(v["view"]["screen"], "create_password");
    secret = link;
    let (code, v) = say(
        &secret,
        &mut token,
        serde_json::json!({"input":"create_password","password":"fiume violino tramonto","confirmation":"fiume violino tramonto","accept_terms":true,"accept_privacy":true}),
    );
    assert_eq!(
        (code, v["outcome"]["done"].as_str()),
        (Some(0), Some("registered"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}
