//! The `varco` command, run for real: outputs, JSON and exit codes.

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
    assert!(String::from_utf8_lossy(&o.stderr).contains("[deserialize]"));
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
