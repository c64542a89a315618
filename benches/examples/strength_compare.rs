//! varco's strength estimate beside zxcvbn 3.1.1's on a corpus of a few
//! thousand passwords (issue 10).
//!
//! ```sh
//! cargo run --release -p varco-benches --example strength_compare            # the table
//! cargo run --release -p varco-benches --example strength_compare -- write   # regenerate the corpus
//! cargo run --release -p varco-benches --example strength_compare -- worst   # the widest gaps
//! cargo run --release -p varco-benches --example strength_compare -- golden  # re-pin strength_golden.tsv
//! ```
//!
//! `golden` rewrites `tests/data/strength_golden.tsv` with varco's current
//! estimates of the same passwords: only for a deliberate change of the
//! model, whose effect the `git diff` of that file then shows.
//!
//! `write` makes the corpus (seeded, so the same every time) and records
//! zxcvbn's score and guesses for each password in
//! `tests/data/strength_vs_zxcvbn.tsv`, which `tests/strength_vs_zxcvbn.rs`
//! reads to hold varco to the targets without depending on zxcvbn.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write as _;

#[path = "../../tests/src/strength_comparison.rs"]
#[allow(dead_code)] // its CORPUS is the test's, compiled in; this reads the file
mod comparison;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/strength_vs_zxcvbn.tsv"
);

fn list(name: &str) -> Vec<String> {
    let path = format!("{}/../crates/varco/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn leet(w: &str, rng: &mut StdRng) -> String {
    w.chars()
        .map(|c| {
            let sub = match c {
                'a' => '@',
                'e' => '3',
                'i' => '1',
                'o' => '0',
                's' => '$',
                't' => '7',
                _ => return c,
            };
            if rng.random_bool(0.7) { sub } else { c }
        })
        .collect()
}

/// A suffix people add: nothing, digits, a year, a symbol.
fn suffix(rng: &mut StdRng) -> String {
    match rng.random_range(0..8) {
        0 => String::new(),
        1 => rng.random_range(0..10).to_string(),
        2 => format!("{:02}", rng.random_range(0..100)),
        3 => "123".into(),
        4 => rng.random_range(1950..2027).to_string(),
        5 => "!".into(),
        6 => format!("{}!", rng.random_range(1950..2027)),
        _ => format!("{:02}", rng.random_range(1..13)),
    }
}

fn every<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    let step = (items.len() / n).max(1);
    items.iter().step_by(step).take(n).cloned().collect()
}

fn corpus() -> Vec<(&'static str, String)> {
    let mut rng = StdRng::seed_from_u64(0x5eed_2026);
    let common = list("common-passwords.txt");
    let english = list("english-words.txt");
    let italian = list("italian-words.txt");
    let names = list("names.txt");
    let tv_film = list("tv-film-words.txt");
    let surnames = list("surnames.txt");
    let mut out: Vec<(&'static str, String)> = Vec::new();

    for pw in every(&common, 700) {
        out.push(("common", pw));
    }
    for (kind, words, n) in [
        ("italian", &italian, 450),
        ("english", &english, 600),
        ("tv-film", &tv_film, 300),
    ] {
        for w in every(words, n) {
            let w = match rng.random_range(0..4) {
                0 => w.clone(),
                1 => capitalize(&w),
                2 => leet(&w, &mut rng),
                _ => w.to_uppercase(),
            };
            out.push((kind, format!("{w}{}", suffix(&mut rng))));
        }
    }
    for n in every(&names, 500).into_iter().chain(every(&surnames, 150)) {
        let n = if rng.random_bool(0.5) {
            capitalize(&n)
        } else {
            n
        };
        out.push(("name", format!("{n}{}", suffix(&mut rng))));
    }
    // Common Italian surnames the estimator should know (issue 10).
    for n in [
        "Barbieri",
        "Marchetti",
        "DeSantis",
        "D'Angelo",
        "Serra",
        "Rossi",
        "Russo",
        "Ferrari",
        "Esposito",
        "Bianchi",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Gallo",
        "Conti",
        "DeLuca",
        "Mancini",
        "Costa",
        "Giordano",
        "Rizzo",
        "Lombardi",
        "Moretti",
        "Fontana",
        "Santoro",
        "Mariani",
        "Rinaldi",
        "Caruso",
        "Ferrara",
        "Galli",
        "Martini",
        "Leone",
        "Longo",
        "Gentile",
        "Martinelli",
        "Vitale",
        "Lombardo",
        "Coppola",
        "Cattaneo",
        "Orlando",
        "Monti",
        "Farina",
        "Bellini",
        "Pellegrini",
        "Palumbo",
        "Sanna",
        "Fabbri",
        "Parisi",
    ] {
        for _ in 0..3 {
            out.push(("surname", format!("{n}{}", suffix(&mut rng))));
        }
    }
    // Repetitions of guessable blocks.
    let blocks = [
        "password1",
        "qwertyuiop",
        "juventus1",
        "12/03/1985",
        "iloveyou",
        "ciao",
        "asdf",
        "2024",
        "abc",
        "123",
        "amore",
        "forzainter",
        "ab",
        "1q2w3e",
        "monkey",
        "Password!",
        "zaq1",
        "roma",
        "xyz",
        "dragon",
    ];
    for b in blocks {
        for times in [2, 3, 4, 6] {
            out.push(("repeat", b.repeat(times)));
        }
        let long: String = b.chars().cycle().take(64).collect();
        out.push(("repeat", long));
        let long: String = b.chars().cycle().take(32).collect();
        out.push(("repeat", long));
    }
    for w in every(&common, 80) {
        let times = rng.random_range(2..5);
        out.push(("repeat", w.repeat(times)));
    }
    // Keyboard patterns.
    let rows = [
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1234567890",
        "1qaz2wsx3edc",
        "qazwsxedc",
        "!qaz@wsx",
        "poiuytrewq",
        "mnbvcxz",
        "qwertzuiop",
        "azertyuiop",
        "zaq12wsx",
        "1q2w3e4r5t",
        "qweasdzxc",
        "asdfjkl;",
        "plokijuh",
    ];
    for r in rows {
        for len in [4, 6, 8, 10, 12] {
            let s: String = r.chars().take(len).collect();
            if s.chars().count() == len {
                out.push(("keyboard", s.clone()));
                out.push(("keyboard", capitalize(&s)));
            }
        }
        out.push(("keyboard", r.repeat(2)));
        out.push(("keyboard", format!("{r}{}", suffix(&mut rng))));
    }
    // Dates.
    for _ in 0..400 {
        let (d, m, y) = (
            rng.random_range(1..29),
            rng.random_range(1..13),
            rng.random_range(1940..2026),
        );
        let s = match rng.random_range(0..7) {
            0 => format!("{d:02}{m:02}{y}"),
            1 => format!("{d:02}/{m:02}/{y}"),
            2 => format!("{d:02}-{m:02}-{:02}", y % 100),
            3 => format!("{y}{m:02}{d:02}"),
            4 => format!("{d}.{m}.{y}"),
            5 => format!(
                "{}{d:02}{m:02}{:02}",
                capitalize(&names[rng.random_range(0..3000)]),
                y % 100
            ),
            _ => format!("{}{y}", italian[rng.random_range(0..3000)]),
        };
        out.push(("date", s));
    }
    // Sequences.
    for s in [
        "abcdef",
        "abcdefgh",
        "123456789",
        "987654321",
        "13579",
        "24682468",
        "zyxwvu",
        "acegikmo",
        "ABCDEFG",
        "0123456789",
        "abc123",
        "123abc",
        "aaaaaa",
        "11111111",
        "zzzzzzzzzz",
        "abcabc",
        "xyz789",
        "9876543210",
        "2468",
        "1357924680",
    ] {
        out.push(("sequence", s.into()));
        out.push(("sequence", format!("{s}{}", suffix(&mut rng))));
    }
    // Random strings.
    let sets: [&[u8]; 4] = [
        b"abcdefghijklmnopqrstuvwxyz",
        b"abcdefghijklmnopqrstuvwxyz0123456789",
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+[]{};:,.<>/?",
    ];
    for _ in 0..700 {
        let set = sets[rng.random_range(0..sets.len())];
        let len = rng.random_range(5..21);
        let s: String = (0..len)
            .map(|_| char::from(set[rng.random_range(0..set.len())]))
            .collect();
        out.push(("random", s));
    }
    // Passphrases.
    for _ in 0..400 {
        let words = rng.random_range(2..5);
        let sep = [" ", "-", "", "_", "."][rng.random_range(0..5)];
        let from = if rng.random_bool(0.5) {
            &italian
        } else {
            &english
        };
        let s: Vec<&str> = (0..words)
            .map(|_| from[rng.random_range(0..5000)].as_str())
            .collect();
        out.push(("passphrase", s.join(sep)));
    }
    // Mixes: a word and a keyboard run, two names, a word and a date.
    for _ in 0..250 {
        let w = &italian[rng.random_range(0..2000)];
        let r = rows[rng.random_range(0..rows.len())];
        let s = match rng.random_range(0..3) {
            0 => format!("{w}{}", &r[..4.min(r.len())]),
            1 => format!(
                "{}{}",
                capitalize(&names[rng.random_range(0..2000)]),
                capitalize(&names[rng.random_range(0..2000)])
            ),
            _ => format!(
                "{}{:02}{:02}",
                capitalize(w),
                rng.random_range(1..29),
                rng.random_range(1..13)
            ),
        };
        out.push(("mix", s));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(_, p)| !p.is_empty() && !p.contains('\t') && seen.insert(p.clone()));
    out
}

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/strength_golden.tsv"
);

/// Re-pins `strength_golden.tsv`: same header and passwords, current estimates.
fn golden(note: &str) {
    let old = std::fs::read_to_string(GOLDEN).expect("the golden file");
    let mut text = String::from(
        "# password\tscore\tguesses_log10\twarning (Debug form)\n\
         # varco's strength estimates, pinned so that a speed-up cannot change a\n\
         # result unnoticed. Regenerate only for a deliberate change of the model\n\
         # (`cargo run --release -p varco-benches --example strength_compare -- golden`).\n",
    );
    let _ = writeln!(text, "# Last regenerated: {note}");
    for pw in old.lines().filter(|l| !l.starts_with('#')) {
        let pw = pw.split('\t').next().unwrap_or_default();
        let s = varco::policy::strength::estimate(pw, &[]);
        let _ = writeln!(
            text,
            "{pw}\t{}\t{:.5}\t{:?}",
            s.score(),
            s.guesses_log10(),
            s.feedback().warning
        );
    }
    std::fs::write(GOLDEN, text).expect("write the golden file");
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "golden" {
        let note = std::env::args().nth(2).unwrap_or_default();
        golden(&note);
        return;
    }
    if mode == "write" {
        let mut text = String::from(
            "# kind\tpassword\tzxcvbn 3.1.1 score\tzxcvbn guesses_log10\n\
             # Made by `cargo run --release -p varco-benches --example strength_compare -- write`\n\
             # (seeded): the corpus varco's strength estimate is compared with zxcvbn on.\n",
        );
        for (kind, pw) in corpus() {
            let z = zxcvbn::zxcvbn(&pw, &[]);
            let _ = writeln!(
                text,
                "{kind}\t{pw}\t{}\t{:.5}",
                u8::from(z.score()),
                z.guesses_log10()
            );
        }
        std::fs::write(CORPUS, text).expect("write the corpus");
    }
    let text = std::fs::read_to_string(CORPUS).expect("the corpus: run with `write` first");
    let rows = comparison::read_corpus(&text);
    print!("{}", comparison::table(&rows));
    if mode == "worst" {
        let mut gaps: Vec<&comparison::Row> = rows.iter().collect();
        gaps.sort_by(|a, b| (b.v_log - b.zx_log).total_cmp(&(a.v_log - a.zx_log)));
        println!("\nvarco most lenient (log10 varco - zxcvbn):");
        for r in gaps.iter().take(60) {
            println!(
                "{:10} {:40} varco {} {:6.2}  zxcvbn {} {:6.2}",
                r.kind, r.password, r.v_score, r.v_log, r.zx_score, r.zx_log
            );
        }
        println!("\nvarco most strict:");
        for r in gaps.iter().rev().take(30) {
            println!(
                "{:10} {:40} varco {} {:6.2}  zxcvbn {} {:6.2}",
                r.kind, r.password, r.v_score, r.v_log, r.zx_score, r.zx_log
            );
        }
    }
}
