//! The strength estimator gives the same answers as before its speed work:
//! 1,071 passwords (common passwords, words and names with substitutions,
//! dates, random and adversarial text up to 300 characters) with the score,
//! guesses and warning recorded in `data/strength_golden.tsv`.

use varco::policy::strength::estimate;

#[test]
fn estimates_match_the_recorded_ones() {
    let data = include_str!("data/strength_golden.tsv");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [pw, score, guesses, warning] = fields[..] else {
            panic!("malformed line: {line:?}");
        };
        let s = estimate(pw, &[]);
        let want_guesses: f64 = guesses.parse().expect("guesses");
        let got = (s.score().to_string(), format!("{:?}", s.feedback().warning));
        // The file keeps five decimals.
        if got != (score.to_string(), warning.to_string())
            || (s.guesses_log10() - want_guesses).abs() > 6e-6
        {
            wrong.push(format!(
                "{pw:?}: want {score} {guesses} {warning}, got {} {:.5} {}",
                got.0,
                s.guesses_log10(),
                got.1
            ));
        }
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} lines read");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
