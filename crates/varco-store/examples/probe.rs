#![allow(clippy::unwrap_used, missing_docs)]
use std::time::Instant;
use varco_store::{PgStore, Store};
fn main() {
    let url = std::env::var("VARCO_PG_URL").unwrap();
    let s = PgStore::connect(&url).unwrap();
    let t = Instant::now();
    for _ in 0..2000 {
        let _ = s.get("account/zz").unwrap();
    }
    println!("get: {:?} each", t.elapsed() / 2000);
    let keys: Vec<String> = vec!["a".into(), "b".into()];
    let t = Instant::now();
    for _ in 0..2000 {
        let _ = s.load(&keys).unwrap();
    }
    println!("load: {:?} each", t.elapsed() / 2000);
    use varco::flow::{FlowWrite, WriteOp};
    use varco::record::Expect;
    let put = |k: &str, rev: u64| FlowWrite {
        key: k.into(),
        op: WriteOp::Put {
            kind: "note",
            json: "{}".into(),
            revision: rev,
            expect: if rev == 1 {
                Expect::Absent
            } else {
                Expect::Revision { revision: rev - 1 }
            },
            expires_at: None,
        },
    };
    let base = rand::random::<u32>();
    let t = Instant::now();
    for i in 1..=500u64 {
        let _ = s
            .commit(
                &[
                    put(&format!("p/{base}/a"), i),
                    put(&format!("p/{base}/b"), i),
                ],
                None,
            )
            .unwrap();
    }
    println!("commit of 2 writes: {:?} each", t.elapsed() / 500);
}
#[allow(dead_code)]
fn unused() {}
