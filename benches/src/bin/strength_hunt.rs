//! Searches for inputs that make the strength estimator slow, to find the
//! worst cases worth benchmarking: `strength_hunt [len] [climb rounds]`.
//!
//! First every periodic text of period 1 to 3 over characters that start
//! many patterns (digits, letters, substitution symbols) and the benchmark's
//! worst cases (`worst_case_passwords`), then a hill climb
//! from the slowest: change one character at random, keep the change when
//! the estimate gets slower. Times are the minimum of several runs (this
//! machine is noisy), and the finalists are timed again with more runs.
//! It prints the ten slowest inputs found.

use std::time::{Duration, Instant};

fn time(pw: &str, runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(varco::policy::strength::estimate(
                std::hint::black_box(pw),
                &[],
            ));
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let len: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(128);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let wide: Vec<char> = "0123456789aeilnorstmqwzx!@$|+7".chars().collect();
    let narrow: Vec<char> = "0129ailo!@|$".chars().collect();
    let fill = |p: &[char]| p.iter().cycle().take(len).collect::<String>();
    let mut found: Vec<(Duration, String)> = Vec::new();
    for &a in &wide {
        found.push((Duration::ZERO, fill(&[a])));
        for &b in &wide {
            found.push((Duration::ZERO, fill(&[a, b])));
            for &c in &narrow {
                found.push((Duration::ZERO, fill(&[a, b, c])));
            }
        }
    }
    // And the benchmark's own worst cases (the Fibonacci word among them:
    // no periodic text holds as many distinct repeated blocks).
    found.extend(
        varco_benches::worst_case_passwords(len)
            .into_iter()
            .map(|(_, pw)| (Duration::ZERO, pw)),
    );
    found.sort_by(|x, y| x.1.cmp(&y.1));
    found.dedup_by(|x, y| x.1 == y.1);
    for f in &mut found {
        f.0 = time(&f.1, 5);
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.truncate(10);
    // Hill climb from the slowest, with a fixed-seed xorshift.
    let mut x = 0x2545f4914f6cdd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut best = found[0].clone();
    for _ in 0..rounds {
        let mut chars: Vec<char> = best.1.chars().collect();
        let at = (next() % len as u64) as usize;
        chars[at] = wide[(next() % wide.len() as u64) as usize];
        let candidate: String = chars.into_iter().collect();
        let t = time(&candidate, 5);
        if t > best.0 {
            best = (t, candidate);
        }
    }
    found.push(best);
    // A noisy run can make an input look slower than it is: time the
    // finalists again, more carefully.
    for f in &mut found {
        f.0 = time(&f.1, 51);
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (t, pw) in found.iter().take(10) {
        println!("{:8.1} µs  {pw}", t.as_secs_f64() * 1e6);
    }
}
