//! Runs the strength estimator on one worst-case input in a loop, for
//! profilers: `strength_profile <name> <len> <iterations>`.
fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "random".into());
    let len: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(128);
    let iters: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let pw = varco_benches::worst_case_passwords(len)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| p)
        .expect("unknown input name");
    let mut total = 0u32;
    for _ in 0..iters {
        total +=
            u32::from(varco::policy::strength::estimate(&pw, &["mario.rossi", "mario"]).score());
    }
    println!("{name} {len}: score sum {total}");
}
