//! Prints varco's strength estimate beside zxcvbn 3.1.1's for a list of
//! passwords (one per line on stdin): a quick way to compare the two.
fn main() {
    use std::io::BufRead;
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let ours = varco::policy::strength::estimate(&line, &[]);
        println!(
            "{:32} varco {} {:8.5} {:?}",
            line,
            ours.score(),
            ours.guesses_log10(),
            ours.feedback().warning
        );
    }
}
