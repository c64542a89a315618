//! Pattern matchers: each finds the places where a part of the password is
//! guessable, and how many guesses that part costs an attacker.
//!
//! Every matcher is linear or near-linear in the password length, with a fixed
//! step budget where a search could branch (the substitution walk), so the
//! whole analysis is bounded: see `MAX_ANALYSED` in the parent module.

use super::keyboard::{self, Keyboard};
use crate::policy::dictionary::{Dictionary, Node, Tag};

/// How the upper case letters of a dictionary word are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upper {
    None,
    First,
    All,
    Mixed,
}

/// What a match is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Pattern {
    Dictionary {
        tag: Tag,
        rank: u32,
        reversed: bool,
        l33t: bool,
        upper: Upper,
    },
    Spatial {
        turns: usize,
    },
    Repeat {
        base_len: usize,
    },
    Sequence,
    Year,
    Date,
}

/// A guessable part: chars `i..=j`, costing `10^log_g` guesses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Match {
    pub(crate) i: usize,
    pub(crate) j: usize,
    pub(crate) log_g: f64,
    pub(crate) pattern: Pattern,
}

impl Match {
    fn new(i: usize, j: usize, guesses: f64, pattern: Pattern) -> Self {
        Match {
            i,
            j,
            log_g: floored(i, j, guesses).log10(),
            pattern,
        }
    }
}

/// zxcvbn's floors: a single character costs at least 10 guesses, a longer
/// match at least 50.
fn floored(i: usize, j: usize, guesses: f64) -> f64 {
    guesses.max(if i == j { 10.0 } else { 50.0 })
}

/// Keeps `(j, guesses, pattern)` in `picked` unless a match of the same end
/// already there costs no more (the first of equals stays, as in the cover
/// search, which could only ever use the cheapest of one span).
fn pick(picked: &mut Vec<(usize, f64, Pattern)>, j: usize, guesses: f64, pattern: Pattern) {
    match picked.iter_mut().find(|p| p.0 == j) {
        Some(p) if guesses < p.1 => *p = (j, guesses, pattern),
        Some(_) => {}
        None => picked.push((j, guesses, pattern)),
    }
}

/// `C(n, 1) + C(n, 2) + … + C(n, k_max)`, each term from the one before:
/// linear in `k_max`, where summing [`n_choose_k`] would be quadratic.
fn binomial_sum(n: usize, k_max: usize) -> f64 {
    let mut term = 1.0f64; // C(n, 0)
    let mut sum = 0.0;
    for k in 1..=k_max.min(n) {
        term = term * (n - k + 1) as f64 / k as f64;
        sum += term;
    }
    sum
}

#[cfg(test)]
fn n_choose_k(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    let mut r = 1.0f64;
    for d in 1..=k {
        r = r * (n - k + d) as f64 / d as f64;
    }
    r
}

/// Characters that may stand for letters (`p@ssw0rd`), and the letters
/// each may stand for (at most two).
const L33T: [(char, &[char]); 20] = [
    ('4', &['a']),
    ('@', &['a']),
    ('8', &['b']),
    ('(', &['c']),
    ('{', &['c']),
    ('[', &['c']),
    ('<', &['c']),
    ('3', &['e']),
    ('6', &['g']),
    ('9', &['g']),
    ('1', &['i', 'l']),
    ('|', &['i', 'l']),
    ('!', &['i']),
    ('7', &['l', 't']),
    ('+', &['t']),
    ('0', &['o']),
    ('$', &['s']),
    ('5', &['s']),
    ('%', &['x']),
    ('2', &['z']),
];

/// The [`L33T`] entry of each character, `NO_L33T` for none: looked up
/// once per password, not once per walk step.
// The substitution table has under 256 entries: an index fits a u8.
#[allow(clippy::cast_possible_truncation)]
fn l33t_indices(lower: &[char]) -> Vec<u8> {
    lower
        .iter()
        .map(|&c| {
            L33T.iter()
                .position(|(s, _)| *s == c)
                .map_or(NO_L33T, |k| k as u8)
        })
        .collect()
}

const NO_L33T: u8 = u8::MAX;

/// Steps a substitution walk may take from one starting position.
const WALK_BUDGET: usize = 24;

/// A walk's pending states: (position, trie node, substitutions made,
/// choices), where choices holds two bits per [`L33T`] entry: 0 = not met
/// yet, 1 = literal, 2 or 3 = its first or second letter.
type WalkStack = Vec<(usize, Node, u32, u64)>;

/// Every dictionary word that starts at `start` of `lower`, following
/// substitutions when `l33t` (from [`l33t_indices`]) is given. Leaves in
/// `hits` one `(end, node, substitutions)` per word found, in the order
/// found.
///
/// As in zxcvbn, a substitution is consistent within a word: once a `1` is
/// read as `i`, every `1` of that word is an `i`. That keeps the branching to
/// at most three ways per distinct substitution character, not per position.
///
/// The walk is depth first: of the ways on from a state, the last that the
/// dictionary continues is followed at once and the others wait on `stack`
/// (the same order as pushing them all and popping one, without the
/// round trip).
// A choice among a handful of alternatives fits a usize anywhere.
#[allow(clippy::cast_possible_truncation)]
fn walk(
    dict: &Dictionary,
    lower: &[char],
    start: usize,
    l33t: Option<&[u8]>,
    stack: &mut WalkStack,
    hits: &mut Vec<(usize, Node, u32)>,
) {
    stack.clear();
    hits.clear();
    let Some(l33t) = l33t else {
        // Without substitutions there is one way on, one step per character.
        let mut node = dict.root();
        for (pos, &c) in lower.iter().enumerate().skip(start).take(WALK_BUDGET) {
            let Some(next) = dict.step_char(node, c) else {
                break;
            };
            if dict.ends_word(next) {
                hits.push((pos, next, 0));
            }
            node = next;
        }
        return;
    };
    let mut budget = WALK_BUDGET;
    let mut current = Some((start, dict.root(), 0u32, 0u64));
    while let Some((mut pos, mut node, mut subs, choices)) = current.take().or_else(|| stack.pop())
    {
        // Follow one way on while there is only one; branch where a
        // substitution character is met for the first time.
        while let Some(&c) = lower.get(pos) {
            let k = l33t[pos];
            let (ch, is_sub) = if k == NO_L33T {
                (c, false)
            } else {
                let k = usize::from(k);
                let shift = 2 * k;
                let alts = L33T[k].1;
                match (choices >> shift) & 3 {
                    0 => {
                        // The literal, then each letter it may stand for: every
                        // way the dictionary continues is kept; the last is
                        // followed now and the others wait, in order.
                        let literal = (c, choices | 1 << shift, false);
                        let letters = alts.iter().enumerate().map(|(a, &letter)| {
                            (letter, choices | ((2 + a as u64) << shift), true)
                        });
                        for (ch, choices, is_sub) in std::iter::once(literal).chain(letters) {
                            if budget == 0 {
                                return;
                            }
                            budget -= 1;
                            let Some(next) = dict.step_char(node, ch) else {
                                continue;
                            };
                            let subs = subs + u32::from(is_sub);
                            if dict.ends_word(next) {
                                hits.push((pos, next, subs));
                            }
                            if let Some(waiting) = current.replace((pos + 1, next, subs, choices)) {
                                stack.push(waiting);
                            }
                        }
                        break;
                    }
                    1 => (c, false),
                    chosen => (alts[(chosen - 2) as usize], true),
                }
            };
            if budget == 0 {
                return;
            }
            budget -= 1;
            let Some(next) = dict.step_char(node, ch) else {
                break;
            };
            subs += u32::from(is_sub);
            if dict.ends_word(next) {
                hits.push((pos, next, subs));
            }
            node = next;
            pos += 1;
        }
    }
}

/// Running counts of upper- and lower-case letters, so that the case of any
/// token is known in constant time.
struct CaseCounts {
    upper: Vec<u32>,
    lower: Vec<u32>,
}

impl CaseCounts {
    fn new(chars: &[char]) -> Self {
        let mut upper = Vec::with_capacity(chars.len() + 1);
        let mut lower = Vec::with_capacity(chars.len() + 1);
        let (mut u, mut l) = (0u32, 0u32);
        upper.push(0);
        lower.push(0);
        for c in chars {
            u += u32::from(c.is_uppercase());
            l += u32::from(c.is_lowercase());
            upper.push(u);
            lower.push(l);
        }
        CaseCounts { upper, lower }
    }

    /// (upper, lower) counts in `i..=j`.
    fn of(&self, i: usize, j: usize) -> (usize, usize) {
        (
            (self.upper[j + 1] - self.upper[i]) as usize,
            (self.lower[j + 1] - self.lower[i]) as usize,
        )
    }
}

/// How the capitals of `chars[i..=j]` are placed, and how many variations
/// of the lower-case word that placement represents.
fn upper_of(chars: &[char], counts: &CaseCounts, i: usize, j: usize) -> (Upper, f64) {
    let (u, l) = counts.of(i, j);
    if u == 0 {
        return (Upper::None, 1.0);
    }
    let first = chars[i].is_uppercase() && u == 1;
    let last = chars[j].is_uppercase() && u == 1;
    if l == 0 {
        return (Upper::All, 2.0);
    }
    if first || last {
        return (Upper::First, 2.0);
    }
    let variations = binomial_sum(u + l, u.min(l));
    (Upper::Mixed, variations)
}

/// Dictionary matches, forwards (with substitutions) and reversed.
pub(crate) fn dictionary(chars: &[char], lower: &[char], dict: &Dictionary, out: &mut Vec<Match>) {
    let n = lower.len();
    let counts = CaseCounts::new(chars);
    let mut stack = WalkStack::with_capacity(64);
    let mut hits = Vec::with_capacity(WALK_BUDGET);
    // Of the words one walk finds over the same span (`111`, `iii`, `lll`),
    // only the cheapest is kept: the others could never be chosen, and
    // dropping them here saves their logarithms and the cover search's time.
    let mut picked = Vec::with_capacity(WALK_BUDGET);
    let l33t = l33t_indices(lower);
    for i in 0..n {
        walk(dict, lower, i, Some(&l33t), &mut stack, &mut hits);
        picked.clear();
        for &(j, node, subs) in &hits {
            let Some((rank, tag)) = dict.word_at(node) else {
                continue;
            };
            let (upper, uv) = upper_of(chars, &counts, i, j);
            let l33t_factor = 2f64.powi(subs as i32);
            let guesses = floored(i, j, rank as f64 * uv * l33t_factor);
            let pattern = Pattern::Dictionary {
                tag,
                rank,
                reversed: false,
                l33t: subs > 0,
                upper,
            };
            pick(&mut picked, j, guesses, pattern);
        }
        out.extend(picked.iter().map(|&(j, g, p)| Match::new(i, j, g, p)));
    }
    let rev: zeroize::Zeroizing<Vec<char>> =
        zeroize::Zeroizing::new(lower.iter().rev().copied().collect());
    for ri in 0..n {
        walk(dict, &rev, ri, None, &mut stack, &mut hits);
        for &(rj, node, _) in &hits {
            let Some((rank, tag)) = dict.word_at(node) else {
                continue;
            };
            let (i, j) = (n - 1 - rj, n - 1 - ri);
            let token = &lower[i..=j];
            if token.iter().eq(token.iter().rev()) {
                continue; // a palindrome was already found forwards
            }
            let (upper, uv) = upper_of(chars, &counts, i, j);
            out.push(Match::new(
                i,
                j,
                rank as f64 * uv * 2.0,
                Pattern::Dictionary {
                    tag,
                    rank,
                    reversed: true,
                    l33t: false,
                    upper,
                },
            ));
        }
    }
}

/// zxcvbn's guesses for a keyboard pattern of `len` keys with `turns`
/// changes of direction: `starts` × the sum, over every length `i` in
/// `2..=len` and number of turns `j` in `1..=min(turns, i - 1)`, of
/// `C(i - 1, j - 1) × degree^j`.
///
/// Summed term by term that is cubic in the length (`121212…` turns at
/// every key). Here each binomial and power comes from the one before, and
/// where every `j` up to `i - 1` counts the inner sum has a closed form:
/// with `m = i - 1`, `Σ_{j=1..m} C(m, j - 1) d^j = d × ((1 + d)^m - d^m)`
/// (the binomial theorem less its last term). What is left costs at most
/// `(len - turns) × turns` steps, a quarter of the length squared.
/// `spatial_guesses_by_terms` in the tests checks it against the plain sum.
// Passwords are at most 128 characters long: lengths fit an i32.
#[allow(clippy::cast_possible_truncation)]
fn spatial_guesses(kb: &Keyboard, len: usize, turns: usize, shifted: usize) -> f64 {
    let d = kb.degree;
    let mut g = 0.0;
    for m in 1..len {
        if m <= turns {
            g += d * ((1.0 + d).powi(m as i32) - d.powi(m as i32));
        } else {
            let mut binomial = 1.0f64; // C(m, 0)
            let mut power = d; // d^1
            for q in 0..turns {
                g += binomial * power;
                binomial = binomial * (m - q) as f64 / (q + 1) as f64;
                power *= d;
            }
        }
    }
    g *= kb.starts;
    let unshifted = len - shifted;
    if shifted > 0 {
        if unshifted == 0 {
            g *= 2.0;
        } else {
            g *= binomial_sum(len, shifted.min(unshifted));
        }
    }
    g
}

/// Keyboard patterns of three or more adjacent keys.
pub(crate) fn spatial(chars: &[char], out: &mut Vec<Match>) {
    let n = chars.len();
    for kb in [keyboard::qwerty(), keyboard::keypad()] {
        let mut i = 0;
        while i + 2 < n {
            let mut j = i;
            let mut last_dir = None;
            let mut turns = 0;
            let mut shifted = usize::from(kb.is_shifted(chars[i]));
            while j + 1 < n {
                match kb.step(chars[j], chars[j + 1]) {
                    Some((dir, sh)) => {
                        if last_dir != Some(dir) {
                            turns += 1;
                            last_dir = Some(dir);
                        }
                        shifted += usize::from(sh);
                        j += 1;
                    }
                    None => break,
                }
            }
            let len = j - i + 1;
            if len >= 3 {
                let g = spatial_guesses(kb, len, turns, shifted);
                out.push(Match::new(i, j, g, Pattern::Spatial { turns }));
            }
            i = if j > i { j } else { i + 1 };
        }
    }
}

/// Repeated blocks of any length (`aaa`, `abcabc`, `juventus1juventus1`):
/// for each block length `p`, the maximal runs where every character equals
/// the one `p` places later, whole copies only, and only when the block is
/// not itself a repeat (`abab` is `ab` twice; zxcvbn likewise takes the
/// shortest block). `base_log_g` gives the cost of guessing one block; the
/// match costs that times the number of copies, as in zxcvbn.
///
/// One pass of `n` comparisons per block length: quadratic in the length,
/// and there are fewer maximal runs than characters, so `base_log_g` is
/// called fewer than `n` times for each block length.
pub(crate) fn repeat(
    lower: &[char],
    out: &mut Vec<Match>,
    mut base_log_g: impl FnMut(usize, usize) -> f64,
) {
    let n = lower.len();
    for p in 1..=n / 2 {
        let mut i = 0;
        while i + 2 * p <= n {
            if lower[i] != lower[i + p] {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + p < n && lower[j] == lower[j + p] {
                j += 1;
            }
            // lower[i..j + p] has period p.
            let copies = (j + p - i) / p;
            let base = &lower[i..i + p];
            if copies >= 2 && copies * p >= 3 && is_primitive(base) {
                let g = 10f64.powf(base_log_g(i, i + p)) * copies as f64;
                out.push(Match::new(
                    i,
                    i + copies * p - 1,
                    g,
                    Pattern::Repeat { base_len: p },
                ));
            }
            i = j + 1;
        }
    }
}

/// True when `block` is not a shorter block repeated (`abc`, not `abab`).
fn is_primitive(block: &[char]) -> bool {
    let p = block.len();
    (1..p)
        .filter(|d| p.is_multiple_of(*d))
        .all(|d| (d..p).any(|x| block[x] != block[x - d]))
}

/// Runs of three or more characters with a constant step of 1 to 5 code
/// points (`abc`, `9753`, `acegi`).
pub(crate) fn sequence(chars: &[char], out: &mut Vec<Match>) {
    let n = chars.len();
    let cp = |k: usize| chars[k] as i64;
    let mut i = 0;
    while i + 2 < n {
        let d = cp(i + 1) - cp(i);
        if d == 0 || d.abs() > 5 {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j + 1 < n && cp(j + 1) - cp(j) == d {
            j += 1;
        }
        let len = j - i + 1;
        if len >= 3 {
            let first = chars[i];
            let base = if "aAzZ019".contains(first) {
                4.0
            } else if first.is_ascii_digit() {
                10.0
            } else {
                26.0
            };
            let dir = if d < 0 { 2.0 } else { 1.0 };
            out.push(Match::new(i, j, base * dir * len as f64, Pattern::Sequence));
            i = j;
        } else {
            i += 1;
        }
    }
}

const MIN_YEAR_SPACE: f64 = 20.0;

fn year_space(year: i64, reference: i64) -> f64 {
    ((year - reference).abs() as f64).max(MIN_YEAR_SPACE)
}

fn digits(chars: &[char]) -> Option<i64> {
    let mut v = 0i64;
    for c in chars {
        v = v * 10 + c.to_digit(10)? as i64;
    }
    Some(v)
}

fn full_year(y: i64, len: usize, reference: i64) -> i64 {
    if len == 4 {
        y
    } else if y <= reference % 100 {
        2000 + y
    } else {
        1900 + y
    }
}

/// Years (1900 to 2099) and dates with or without separators.
pub(crate) fn dates(chars: &[char], reference: i64, out: &mut Vec<Match>) {
    let n = chars.len();
    let ascii_digit = |c: &char| c.is_ascii_digit();
    // run[i]: how many ASCII digits start at i. Every pattern below starts
    // with a run of digits of a known length, so most windows are skipped
    // without reading them.
    let mut run = vec![0usize; n + 1];
    for i in (0..n).rev() {
        run[i] = if chars[i].is_ascii_digit() {
            run[i + 1] + 1
        } else {
            0
        };
    }
    for i in 0..n.saturating_sub(3) {
        if run[i] >= 4
            && let Some(y) = digits(&chars[i..i + 4])
            && (1900..=2099).contains(&y)
        {
            out.push(Match::new(
                i,
                i + 3,
                year_space(y, reference),
                Pattern::Year,
            ));
        }
    }
    let valid = |d: i64, m: i64, y: i64| {
        (1..=31).contains(&d) && (1..=12).contains(&m) && (1000..=2099).contains(&y)
    };
    // Without separators: ddmmyy, mmddyy, yymmdd, ddmmyyyy, mmddyyyy, yyyymmdd.
    for len in [6usize, 8] {
        for i in 0..(n + 1).saturating_sub(len) {
            if run[i] < len {
                continue;
            }
            let t = &chars[i..i + len];
            let num = |a: usize, b: usize| digits(&t[a..b]).unwrap_or(-1);
            let ylen = len - 4;
            let candidates = [
                (num(0, 2), num(2, 4), num(4, len), ylen),
                (num(2, 4), num(0, 2), num(4, len), ylen),
                (num(len - 2, len), num(ylen, ylen + 2), num(0, ylen), ylen),
            ];
            if let Some(space) = candidates
                .iter()
                .map(|&(d, m, y, yl)| (d, m, full_year(y, yl, reference)))
                .filter(|&(d, m, y)| valid(d, m, y))
                .map(|(_, _, y)| year_space(y, reference))
                .min_by(|a, b| a.total_cmp(b))
            {
                out.push(Match::new(i, i + len - 1, space * 365.0, Pattern::Date));
            }
        }
    }
    // With one repeated separator: d/m/yy … dd-mm-yyyy, yyyy.mm.dd. The
    // first part has 1, 2 or 4 digits.
    for i in 0..n {
        if !matches!(run[i], 1 | 2 | 4) {
            continue;
        }
        for len in 6..=10usize {
            if i + len > n {
                break;
            }
            let t = &chars[i..i + len];
            let Some(sep) = t.iter().copied().find(|c| !c.is_ascii_digit()) else {
                continue;
            };
            if !" /\\_.-".contains(sep) {
                continue;
            }
            let mut parts = t.split(|&c| c == sep);
            let (Some(a), Some(b), Some(c), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if [a, b, c]
                .iter()
                .any(|p| p.is_empty() || !p.iter().all(ascii_digit))
            {
                continue;
            }
            let num = |p: &[char]| digits(p).unwrap_or(-1);
            let mut best: Option<f64> = None;
            let mut consider = |d: i64, m: i64, y: i64| {
                if valid(d, m, y) {
                    let s = year_space(y, reference);
                    best = Some(best.map_or(s, |b: f64| b.min(s)));
                }
            };
            if a.len() <= 2 && b.len() <= 2 && (c.len() == 2 || c.len() == 4) {
                let y = full_year(num(c), c.len(), reference);
                consider(num(a), num(b), y);
                consider(num(b), num(a), y);
            }
            if a.len() == 4 && b.len() <= 2 && c.len() <= 2 {
                consider(num(c), num(b), num(a));
            }
            if let Some(space) = best {
                out.push(Match::new(
                    i,
                    i + len - 1,
                    space * 365.0 * 4.0,
                    Pattern::Date,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn finds_l33t_and_reversed_words() {
        let d = Dictionary::from_ranked(["password", "drow"]);
        let chars = cs("P@ssw0rd");
        let lower: Vec<char> = chars
            .iter()
            .map(|c| c.to_lowercase().next().unwrap())
            .collect();
        let mut out = Vec::new();
        dictionary(&chars, &lower, &d, &mut out);
        assert!(out.iter().any(|m| m.i == 0
            && m.j == 7
            && matches!(
                m.pattern,
                Pattern::Dictionary {
                    l33t: true,
                    upper: Upper::First,
                    ..
                }
            )));
        let mut out = Vec::new();
        let rev = cs("xxword");
        dictionary(&rev, &rev, &d, &mut out);
        assert!(out.iter().any(|m| m.i == 2
            && m.j == 5
            && matches!(m.pattern, Pattern::Dictionary { reversed: true, .. })));
    }

    #[test]
    fn finds_keyboard_runs() {
        let mut out = Vec::new();
        spatial(&cs("xqwertyx"), &mut out);
        assert!(
            out.iter()
                .any(|m| m.i == 1 && m.j == 6 && m.pattern == Pattern::Spatial { turns: 1 })
        );
    }

    #[test]
    fn finds_repeats_sequences_dates() {
        let mut out = Vec::new();
        repeat(&cs("abcabcabc"), &mut out, |_, _| 2.0);
        assert!(
            out.iter()
                .any(|m| m.i == 0 && m.j == 8 && m.pattern == Pattern::Repeat { base_len: 3 })
        );
        let mut out = Vec::new();
        sequence(&cs("x13579"), &mut out);
        assert!(out.iter().any(|m| m.i == 1 && m.j == 5));
        let mut out = Vec::new();
        dates(&cs("mario12/03/1985"), 2026, &mut out);
        assert!(
            out.iter()
                .any(|m| m.pattern == Pattern::Date && m.i == 5 && m.j == 14)
        );
        assert!(out.iter().any(|m| m.pattern == Pattern::Year && m.i == 11));
        let mut out = Vec::new();
        dates(&cs("12031985"), 2026, &mut out);
        assert!(
            out.iter()
                .any(|m| m.pattern == Pattern::Date && m.i == 0 && m.j == 7)
        );
    }

    /// The plain sum that `spatial_guesses` computes in linear time.
    // Test lengths are small.
    #[allow(clippy::cast_possible_truncation)]
    fn spatial_guesses_by_terms(kb: &Keyboard, len: usize, turns: usize) -> f64 {
        let mut g = 0.0;
        for i in 2..=len {
            for j in 1..=turns.min(i - 1) {
                g += n_choose_k(i - 1, j - 1) * kb.starts * kb.degree.powi(j as i32);
            }
        }
        g
    }

    #[test]
    fn spatial_guesses_match_the_plain_sum() {
        for kb in [keyboard::qwerty(), keyboard::keypad()] {
            for len in 3..=64 {
                for turns in (1..len).chain([len + 3]) {
                    let fast = spatial_guesses(kb, len, turns, 0);
                    let slow = spatial_guesses_by_terms(kb, len, turns);
                    let err = ((fast - slow) / slow).abs();
                    assert!(err < 1e-9, "len {len} turns {turns}: {fast} vs {slow}");
                }
            }
        }
    }

    #[test]
    fn combinatorics() {
        assert_eq!(n_choose_k(5, 2), 10.0);
        assert_eq!(n_choose_k(2, 5), 0.0);
        for n in 0..40 {
            for k in 0..45 {
                let slow: f64 = (1..=k).map(|i| n_choose_k(n, i)).sum();
                let fast = binomial_sum(n, k);
                assert!(
                    (fast - slow).abs() <= slow * 1e-12,
                    "{n} {k}: {fast} {slow}"
                );
            }
        }
    }
}
