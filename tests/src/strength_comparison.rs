//! varco's strength estimate beside zxcvbn's on the corpus of
//! `tests/data/strength_vs_zxcvbn.tsv`: which passwords hold words only
//! varco knows, Spearman's rank correlation, and the comparison table.
//! Shared (`#[path]`) by `tests/strength_vs_zxcvbn.rs`, which holds varco to
//! the targets, and `benches/examples/strength_compare.rs`, which writes the
//! corpus and prints the table for BENCHMARKS.md.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// The corpus: kind, password, zxcvbn 3.1.1's score and log10 guesses.
pub const CORPUS: &str = include_str!("../data/strength_vs_zxcvbn.tsv");

const NAMES: &str = include_str!("../../crates/varco/data/names.txt");
const ITALIAN: &str = include_str!("../../crates/varco/data/italian-words.txt");
const SHARED: [&str; 2] = [
    include_str!("../../crates/varco/data/common-passwords.txt"),
    include_str!("../../crates/varco/data/english-words.txt"),
];

/// Where `names.txt`'s Italian names begin (after zxcvbn's US census lists;
/// see `crates/varco/data/SOURCES.md`).
const ITALIAN_NAMES_FROM: usize = 7695;

/// Words of four letters or more that varco knows and zxcvbn does not:
/// Italian words and Italian names absent from zxcvbn's lists.
pub fn italian_only() -> HashSet<&'static str> {
    let shared: HashSet<&str> = SHARED
        .iter()
        .flat_map(|l| l.lines())
        .chain(NAMES.lines().take(ITALIAN_NAMES_FROM))
        .collect();
    ITALIAN
        .lines()
        .chain(NAMES.lines().skip(ITALIAN_NAMES_FROM))
        .filter(|w| w.chars().count() >= 4 && !shared.contains(w))
        .collect()
}

/// True when the password holds one of those words (ignoring case and the
/// usual substitutions): where varco is stricter by design.
pub fn uses_italian(password: &str, italian: &HashSet<&str>) -> bool {
    let plain: Vec<char> = password
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '3' => 'e',
            '1' | '!' => 'i',
            '0' => 'o',
            '$' | '5' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    (0..plain.len()).any(|i| {
        (i + 4..=plain.len().min(i + 24))
            .any(|j| italian.contains(plain[i..j].iter().collect::<String>().as_str()))
    })
}

/// One password's estimates: varco's and zxcvbn's (score, log10 guesses).
pub struct Row {
    /// The password holds a word only varco knows ([`uses_italian`]).
    pub italian: bool,
    /// The corpus's category (common, repeat, keyboard, date…).
    pub kind: String,
    /// The password.
    pub password: String,
    /// zxcvbn's score.
    pub zx_score: u8,
    /// zxcvbn's log10 guesses.
    pub zx_log: f64,
    /// varco's score.
    pub v_score: u8,
    /// varco's log10 guesses.
    pub v_log: f64,
}

/// The corpus `text`, each password estimated by varco.
pub fn read_corpus(text: &str) -> Vec<Row> {
    let italian = italian_only();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let v = varco::policy::strength::estimate(f[1], &[]);
            Row {
                italian: uses_italian(f[1], &italian),
                kind: f[0].into(),
                password: f[1].into(),
                zx_score: f[2].parse().expect("score"),
                zx_log: f[3].parse().expect("log"),
                v_score: v.score(),
                v_log: v.guesses_log10(),
            }
        })
        .collect()
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson on average ranks).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The figures of one group of rows.
pub struct Summary {
    /// Passwords.
    pub n: usize,
    /// Spearman on log10 guesses, over the rows where zxcvbn is below its cap.
    pub spearman: f64,
    /// Rows where varco's score is at least 2 above zxcvbn's.
    pub lenient: usize,
    /// Rows where varco's score is at least 2 below zxcvbn's.
    pub stricter: usize,
    /// Rows with the same score.
    pub same: usize,
}

/// [`Summary`] of `rows`.
pub fn summary(rows: &[&Row]) -> Summary {
    let below: Vec<&&Row> = rows.iter().filter(|r| r.zx_log < 19.0).collect();
    let a: Vec<f64> = below.iter().map(|r| r.v_log).collect();
    let b: Vec<f64> = below.iter().map(|r| r.zx_log).collect();
    Summary {
        n: rows.len(),
        spearman: spearman(&a, &b),
        lenient: rows.iter().filter(|r| r.v_score >= r.zx_score + 2).count(),
        stricter: rows.iter().filter(|r| r.zx_score >= r.v_score + 2).count(),
        same: rows.iter().filter(|r| r.zx_score == r.v_score).count(),
    }
}

/// The comparison table (Markdown), overall, by knowledge and by kind.
pub fn table(rows: &[Row]) -> String {
    let mut by_kind: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_kind.entry(&r.kind).or_default().push(r);
    }
    let mut s = String::from(
        "| passwords | n | Spearman (log-guesses, zxcvbn < 10^19) | varco ≥ 2 points more lenient | ≥ 2 points stricter | same score |\n|---|---|---|---|---|---|\n",
    );
    let mut line = |name: &str, rs: &[&Row]| {
        let m = summary(rs);
        let n = m.n as f64;
        let _ = writeln!(
            s,
            "| {name} | {} | {:.3} | {:.1} % ({}) | {:.1} % ({}) | {:.0} % |",
            m.n,
            m.spearman,
            100.0 * m.lenient as f64 / n,
            m.lenient,
            100.0 * m.stricter as f64 / n,
            m.stricter,
            100.0 * m.same as f64 / n,
        );
    };
    let all: Vec<&Row> = rows.iter().collect();
    line("**all**", &all);
    let shared: Vec<&Row> = rows.iter().filter(|r| !r.italian).collect();
    line("**without Italian-only words**", &shared);
    let italian: Vec<&Row> = rows.iter().filter(|r| r.italian).collect();
    line("with Italian-only words", &italian);
    for (k, rs) in &by_kind {
        line(k, rs);
    }
    s
}
