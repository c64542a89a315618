//! Peak resident memory of concurrent Argon2 hashing, per concurrent hash.
//!
//! `peak_memory <varco|rustcrypto|libargon2> [threads] [hashes per thread]`
//! runs `threads` threads, each hashing `hashes` passwords at the OWASP
//! parameters (m = 19456 KiB, t = 2, p = 1), and prints the process's peak
//! resident set (VmHWM, from /proc/self/status) above the baseline taken
//! before hashing, divided by the number of threads and by m, and the wall
//! time per hash in each thread. Run one mode per process: the peak is a
//! process-wide high-water mark.

use std::sync::Arc;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "varco".into());
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let per_thread: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let params = varco::hash::HashParams::default();
    let hasher = Arc::new(varco::hash::PasswordHasher::new(params));
    let baseline = vm_hwm_kib();
    let start = std::time::Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let hasher = Arc::clone(&hasher);
            let mode = mode.clone();
            std::thread::spawn(move || {
                let mut rng = rand::rng();
                for i in 0..per_thread {
                    let pw = format!("password {t} {i}");
                    match mode.as_str() {
                        "varco" => {
                            hasher.hash(&pw, &mut rng).expect("hash");
                        }
                        "rustcrypto" => {
                            varco_benches::rustcrypto_alloc(
                                params.m_kib(),
                                params.t(),
                                params.p(),
                                pw.as_bytes(),
                                b"0123456789abcdef",
                            );
                        }
                        #[cfg(feature = "libargon2")]
                        "libargon2" => {
                            varco_benches::reference::argon2id(
                                params.m_kib(),
                                params.t(),
                                params.p(),
                                pw.as_bytes(),
                                b"0123456789abcdef",
                            );
                        }
                        other => panic!("unknown mode {other}"),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let elapsed = start.elapsed();
    let peak = vm_hwm_kib();
    let per_hash = (peak.saturating_sub(baseline)) as f64 / threads as f64;
    println!(
        "mode={mode} threads={threads} hashes={} baseline_kib={baseline} peak_kib={peak} per_concurrent_hash_kib={per_hash:.0} ratio_to_m={:.2} ms_per_hash_per_thread={:.2}",
        threads * per_thread,
        per_hash / f64::from(params.m_kib()),
        elapsed.as_secs_f64() * 1000.0 / per_thread as f64
    );
}
