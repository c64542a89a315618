//! The cheapest way to guess the whole password from its parts.
//!
//! As in zxcvbn, an attacker who knows the patterns guesses a password made of
//! `l` parts in about `l! × Π guesses(part) + 10000^(l-1)` tries; the estimate
//! is the minimum over every way to cover the password with matches and
//! brute-forced runs. The search is a dynamic programme over (position,
//! number of parts) with brute-force runs merged as they grow, so its cost is
//! `O(n × MAX_PARTS × matches per position)`: bounded, unlike zxcvbn's, whose
//! worst case grows with the square of the length.

use super::matching::Match;

/// Parts considered at most. A cover of `l` parts costs at least
/// `10000^(l-1)` guesses, so any cover of 4 or more parts already scores 4
/// (≥ 10¹²): the cap never changes a score, and the estimate is exact below
/// `10^(4 × (MAX_PARTS - 1))` = 10²⁸ (above, it is a lower bound of that
/// size). It bounds the work.
const MAX_PARTS: usize = 8;
/// log10 of the guesses per brute-forced character (zxcvbn's cardinality 10).
const BRUTEFORCE_LOG: f64 = 1.0;
/// log10 of zxcvbn's "minimum guesses before growing sequence" (10000).
const SEQUENCE_PENALTY_LOG: f64 = 4.0;

/// One part of the cheapest cover: a match (by index) or a brute-forced run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Match(usize),
    Bruteforce { i: usize, j: usize },
}

/// Where a cell's cheapest cost came from.
#[derive(Clone, Copy)]
struct Back {
    /// The previous state's position; `NONE` while the cell is unreached.
    prev: u32,
    /// The previous state's number of parts.
    prev_parts: u8,
    /// Whether the previous state ended in a brute-force run.
    prev_b: bool,
    /// The last part: a match index in an "m" cell, the start of the
    /// brute-force run in a "b" cell (whose run ends just before the cell).
    part: u32,
}

const NONE: u32 = u32::MAX;

const UNREACHED: Back = Back {
    prev: NONE,
    prev_parts: 0,
    prev_b: false,
    part: 0,
};

/// The cells of one state kind, costs and origins apart so that the inner
/// loops read and compare plain `f64`s.
struct Cells {
    cost: Vec<f64>,
    back: Vec<Back>,
}

impl Cells {
    fn new(len: usize) -> Self {
        Cells {
            cost: vec![f64::INFINITY; len],
            back: vec![UNREACHED; len],
        }
    }

    fn relax(&mut self, at: usize, cost: f64, back: Back) {
        if cost < self.cost[at] {
            self.cost[at] = cost;
            self.back[at] = back;
        }
    }
}

fn log10_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (1.0 + 10f64.powf(lo - hi)).log10()
}

/// Indices of the matches worth trying, grouped by start position: of the
/// matches covering the same span only the cheapest can win (the first of
/// equals, as the programme keeps the first of equal costs), so the others
/// are dropped. Returns (offsets, order): the matches starting at `k` are
/// `order[offsets[k]..offsets[k + 1]]`, in their original order.
fn by_start(n: usize, matches: &[Match]) -> (Vec<usize>, Vec<usize>) {
    let mut offsets = vec![0usize; n + 1];
    for m in matches {
        offsets[m.i + 1] += 1;
    }
    for k in 0..n {
        offsets[k + 1] += offsets[k];
    }
    let mut grouped = vec![0usize; matches.len()];
    let mut fill = offsets.clone();
    for (k, m) in matches.iter().enumerate() {
        grouped[fill[m.i]] = k;
        fill[m.i] += 1;
    }
    // best[j] = (start, match) of the cheapest match seen for (start, j).
    let mut best = vec![(usize::MAX, 0usize); n];
    let mut order = Vec::with_capacity(matches.len());
    let mut kept = vec![0usize; n + 1];
    for k in 0..n {
        let bucket = &grouped[offsets[k]..offsets[k + 1]];
        for &mi in bucket {
            let slot = &mut best[matches[mi].j];
            if slot.0 != k || matches[mi].log_g < matches[slot.1].log_g {
                *slot = (k, mi);
            }
        }
        order.extend(
            bucket
                .iter()
                .copied()
                .filter(|&mi| best[matches[mi].j] == (k, mi)),
        );
        kept[k + 1] = order.len();
    }
    (kept, order)
}

/// The log10 of the guesses for `n` characters covered by `matches`, and the
/// parts of the cheapest cover.
// Positions are under 128 (the longest password) and parts under MAX_PARTS: the casts fit.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn cheapest(n: usize, matches: &[Match]) -> (f64, Vec<Part>) {
    if n == 0 {
        return (0.0, Vec::new());
    }
    let (offsets, order) = by_start(n, matches);
    let parts = MAX_PARTS.min(n);
    let w = parts + 1;
    // State "m": last part is a match (or nothing yet); "b": a brute-force run.
    let mut m = Cells::new((n + 1) * w);
    let mut b = Cells::new((n + 1) * w);
    m.cost[0] = 0.0;
    let mut base = [(f64::INFINITY, false); MAX_PARTS + 1];
    for k in 0..n {
        let back = |l: usize, from_b: bool, part: usize| Back {
            prev: k as u32,
            prev_parts: l as u8,
            prev_b: from_b,
            part: part as u32,
        };
        // The cheapest way to have covered `..k` with `l` parts.
        for (l, slot) in base.iter_mut().enumerate().take(w) {
            let (cm, cb) = (m.cost[k * w + l], b.cost[k * w + l]);
            *slot = if cb < cm { (cb, true) } else { (cm, false) };
        }
        // A match starting at k adds a part. (Each cell a match reaches is
        // reached by no other match from k: `by_start` keeps one per span.)
        for &mi in &order[offsets[k]..offsets[k + 1]] {
            let mt = &matches[mi];
            let row = (mt.j + 1) * w;
            for (l, &(cost, from_b)) in base.iter().enumerate().take(parts) {
                if cost.is_finite() {
                    m.relax(row + l + 1, cost + mt.log_g, back(l, from_b, mi));
                }
            }
        }
        for l in 0..=parts {
            let (cm, cb) = (m.cost[k * w + l], b.cost[k * w + l]);
            if cm.is_finite() && l < parts {
                // A brute-force run starts at k, as a new part.
                b.relax((k + 1) * w + l + 1, cm + BRUTEFORCE_LOG, back(l, false, k));
            }
            if cb.is_finite() {
                // Extending a run keeps one part and its start, and points
                // back to where the run started, so the run is rebuilt as a
                // single part.
                let prev = b.back[k * w + l];
                b.relax((k + 1) * w + l, cb + BRUTEFORCE_LOG, prev);
            }
        }
    }
    let mut best = (f64::INFINITY, 0usize, false);
    let mut log_fact = 0.0;
    for l in 1..=parts {
        log_fact += (l as f64).log10();
        for (cells, is_b) in [(&m, false), (&b, true)] {
            let c = cells.cost[n * w + l];
            if c.is_finite() {
                let total = log10_add(log_fact + c, SEQUENCE_PENALTY_LOG * (l - 1) as f64);
                if total < best.0 {
                    best = (total, l, is_b);
                }
            }
        }
    }
    // Walk back.
    let mut out = Vec::new();
    let (mut k, mut l, mut is_b) = (n, best.1, best.2);
    while k > 0 {
        let back = if is_b {
            b.back[k * w + l]
        } else {
            m.back[k * w + l]
        };
        if back.prev == NONE {
            break;
        }
        out.push(if is_b {
            Part::Bruteforce {
                i: back.part as usize,
                j: k - 1,
            }
        } else {
            Part::Match(back.part as usize)
        });
        (k, l, is_b) = (
            back.prev as usize,
            usize::from(back.prev_parts),
            back.prev_b,
        );
    }
    out.reverse();
    (best.0, out)
}

#[cfg(test)]
mod tests {
    use super::super::matching::Pattern;
    use super::*;

    #[test]
    fn bruteforce_only() {
        let (g, parts) = cheapest(5, &[]);
        assert!((g - 5.0).abs() < 1e-4, "{g}");
        assert_eq!(parts, vec![Part::Bruteforce { i: 0, j: 4 }]);
    }

    #[test]
    fn prefers_a_cheap_match() {
        let m = Match {
            i: 0,
            j: 7,
            log_g: 1.0,
            pattern: Pattern::Sequence,
        };
        let (g, parts) = cheapest(10, &[m]);
        // 2 parts: 2! × 10 × 10^2 + 10^4 ≈ 10^4.3
        assert!(g < 4.5, "{g}");
        assert_eq!(parts, vec![Part::Match(0), Part::Bruteforce { i: 8, j: 9 }]);
    }
}
