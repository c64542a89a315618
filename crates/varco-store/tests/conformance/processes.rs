//! The conformance suite across processes: several copies of the test
//! binary, each with several threads (and so several connections), on one
//! SQLite file or one PostgreSQL database; and a process killed in the
//! middle of its commits.
//!
//! The parent re-runs its own test binary with `--exact child_process
//! --ignored` and the job in `VARCO_STORE_CHILD` (a JSON file). Each
//! child waits for a `go` file, so that all start together, and prints one
//! `OUTCOME <text>` line per request.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use varco::flow::{FlowOutcome, Input, Rejection};
use varco::record::Expect;
use varco_store::{Committed, Store};

use super::*;

/// How a child opens the store: the test file gives it.
pub type Opener = fn(&str) -> Arc<dyn Store>;

const ENV: &str = "VARCO_STORE_CHILD";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "varco-store-procs-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spawn(job: &Value, dir: &Path, n: usize) -> Child {
    let file = dir.join(format!("job-{n}.json"));
    std::fs::write(&file, job.to_string()).unwrap();
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, &file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn outcomes(children: Vec<Child>) -> Vec<String> {
    let mut out = Vec::new();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "a child failed: {:?}", o.status);
        let text = String::from_utf8(o.stdout).unwrap();
        out.extend(
            text.lines()
                .filter_map(|l| l.split_once("OUTCOME "))
                .map(|(_, o)| o.to_owned()),
        );
    }
    out
}

fn go(dir: &Path) {
    std::fs::write(dir.join("go"), b"").unwrap();
}

/// The child's side: run the job named by `VARCO_STORE_CHILD`. Does
/// nothing when that is unset (the test is `#[ignore]`d; the parent runs
/// it).
pub fn child(open_store: Opener) {
    let Ok(file) = std::env::var(ENV) else {
        return;
    };
    let job: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let store = open_store(job["store"].as_str().unwrap());
    let dir = PathBuf::from(job["dir"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join("go").exists() {
        assert!(Instant::now() < deadline, "never told to go");
        std::thread::sleep(Duration::from_millis(1));
    }
    match job["kind"].as_str().unwrap() {
        "submit" => {
            let engine = engine();
            let input = Input::from_json(&job["input"].to_string()).unwrap();
            let flows: Vec<Open> = job["flows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| Open {
                    key: f["key"].as_str().unwrap().into(),
                    secret: f["secret"].as_str().unwrap().into(),
                    token: f["token"].as_str().unwrap().into(),
                })
                .collect();
            let now = Timestamp::from_unix_millis(job["now"].as_u64().unwrap());
            let flows = Arc::new(flows);
            let n = flows.len();
            let results = at_once(n, move |i| {
                let r = submit(&engine, &*store, &flows[i], &input, now);
                match &r {
                    Ok(ran)
                        if ran.step.outcome
                            == FlowOutcome::Rejected {
                                reason: Rejection::WrongPassword,
                            } =>
                    {
                        "wrong_password".to_owned()
                    }
                    Ok(ran) if matches!(ran.step.outcome, FlowOutcome::SignedIn { .. }) => {
                        "signed_in".to_owned()
                    }
                    _ => outcome(&r),
                }
            });
            for r in results {
                println!("OUTCOME {r}");
            }
        }
        "commit_forever" => {
            // Commit three records at one value, over and over, until killed.
            loop {
                let rows: Vec<_> = ["t/a", "t/b", "t/c"]
                    .iter()
                    .map(|k| store.get(k).unwrap().unwrap())
                    .collect();
                let n: u64 = rows[0].json.parse().unwrap();
                let writes: Vec<_> = ["t/a", "t/b", "t/c"]
                    .iter()
                    .zip(&rows)
                    .map(|(k, r)| {
                        put(
                            k,
                            &(n + 1).to_string(),
                            r.revision + 1,
                            Expect::Revision {
                                revision: r.revision,
                            },
                        )
                    })
                    .collect();
                let _ = store.commit(&writes, None).unwrap();
            }
        }
        other => panic!("unknown job {other}"),
    }
}

fn flow_json(f: &Open) -> Value {
    json!({"key": f.key, "secret": f.secret, "token": f.token})
}

/// §6.1 across processes: at one attempt left, 4 processes × 16 threads
/// guess at once, each on its own flow; exactly one password is verified
/// and the budget ends exactly full.
pub fn guesses_across_processes(store: &dyn Store, spec: &str) {
    let engine = engine();
    account(&engine, store, "a1", "mario", false);
    let threshold = engine.config().guard.password.threshold;
    for i in 0..threshold - 1 {
        let now = at(u64::from(i) * 2);
        let f = open(&engine, store, "mario", now);
        let r = submit(&engine, store, &f, &password("wrong"), now);
        assert!(outcome(&r).contains("WrongPassword"), "{}", outcome(&r));
    }
    let now = at(100);
    let dir = scratch();
    let children: Vec<Child> = (0..4)
        .map(|p| {
            let flows: Vec<Value> = (0..16)
                .map(|_| flow_json(&open(&engine, store, "mario", now)))
                .collect();
            let job = json!({
                "store": spec, "dir": dir, "kind": "submit", "flows": flows,
                "input": {"input": "password", "password": "wrong"}, "now": now.as_unix_millis(),
            });
            spawn(&job, &dir, p)
        })
        .collect();
    go(&dir);
    let results = outcomes(children);
    assert_eq!(results.len(), 64);
    let verified = results.iter().filter(|r| *r == "wrong_password").count();
    assert_eq!(verified, 1, "{results:?}");
    assert!(
        results.iter().all(|r| !r.starts_with("error")),
        "{results:?}"
    );
    assert_eq!(consecutive(store, "a1"), threshold);
    let _ = std::fs::remove_dir_all(&dir);
}

/// §6.4 across processes: one code submitted by 4 processes × 4 threads at
/// once on its flow is accepted once.
pub fn one_code_across_processes(store: &dyn Store, spec: &str) {
    let engine = engine();
    account(&engine, store, "a1", "mario", true);
    let now = at(100);
    let mut f = open(&engine, store, "mario", now);
    let ran = submit(&engine, store, &f, &password(PASSWORD), now).unwrap();
    assert!(
        matches!(ran.step.outcome, FlowOutcome::CodeSent { .. }),
        "{:?}",
        ran.step.outcome
    );
    f.token = ran.step.view.unwrap().token;
    let code = last_code(&engine, store);
    let dir = scratch();
    let children: Vec<Child> = (0..4)
        .map(|p| {
            let flows: Vec<Value> = (0..4).map(|_| flow_json(&f)).collect();
            let job = json!({
                "store": spec, "dir": dir, "kind": "submit", "flows": flows,
                "input": {"input": "code", "code": code}, "now": now.as_unix_millis(),
            });
            spawn(&job, &dir, p)
        })
        .collect();
    go(&dir);
    let results = outcomes(children);
    assert_eq!(results.len(), 16);
    assert_eq!(
        results.iter().filter(|r| *r == "signed_in").count(),
        1,
        "{results:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Atomicity when a process dies: a process commits three records at one
/// value, over and over, and is killed (SIGKILL) in the middle; the three
/// records still agree, and the store takes commits after it.
pub fn killed_mid_commit(store: &dyn Store, spec: &str) {
    let first = [
        put("t/a", "0", 1, Expect::Absent),
        put("t/b", "0", 1, Expect::Absent),
        put("t/c", "0", 1, Expect::Absent),
    ];
    assert_eq!(store.commit(&first, None).unwrap(), Committed::Done);
    let dir = scratch();
    for round in 0..3 {
        let job = json!({"store": spec, "dir": dir, "kind": "commit_forever"});
        let mut child = spawn(&job, &dir, round);
        go(&dir);
        // Let it commit for a while, then kill it wherever it is.
        let before = store.get("t/a").unwrap().unwrap().revision;
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.get("t/a").unwrap().unwrap().revision < before + 20 {
            assert!(Instant::now() < deadline, "the child made no progress");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(u64::from(rand::random::<u8>() % 20)));
        child.kill().unwrap();
        let _ = child.wait();
        std::fs::remove_file(dir.join("go")).unwrap();
        // One read, one snapshot: the killed client's last commit may
        // still land on the server (a commit is one statement), but never
        // in part.
        let keys = ["t/a", "t/b", "t/c"].map(str::to_owned);
        let mut loaded = store.load(&keys).unwrap();
        let texts: Vec<_> = keys
            .iter()
            .map(|k| loaded.remove(k).flatten().unwrap())
            .collect();
        assert!(
            texts.iter().all(|t| *t == texts[0]),
            "round {round}: {texts:?}"
        );
        let rows: Vec<_> = ["t/a"]
            .iter()
            .map(|k| store.get(k).unwrap().unwrap())
            .collect();
        assert!(rows[0].revision > before);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The tests a store's file adds for processes: `$spec()` makes a fresh
/// store's spec, `$open(spec)` opens it (in the parent and each child).
#[allow(unused_macros)] // the memory store has no processes to share
macro_rules! processes {
    ($spec:expr, $open:expr) => {
        #[test]
        #[ignore = "run by the process tests as their child"]
        fn child_process() {
            conformance::processes::child($open);
        }
        #[test]
        fn guesses_across_processes() {
            let spec = $spec();
            conformance::processes::guesses_across_processes(&*$open(&spec), &spec);
        }
        #[test]
        fn one_code_across_processes() {
            let spec = $spec();
            conformance::processes::one_code_across_processes(&*$open(&spec), &spec);
        }
        #[test]
        fn killed_mid_commit() {
            let spec = $spec();
            conformance::processes::killed_mid_commit(&*$open(&spec), &spec);
        }
    };
}
