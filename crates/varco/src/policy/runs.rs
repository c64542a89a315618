//! Repeated characters (`aaaa`) and sequences (`1234`, `dcba`).

/// The longest run of one identical character.
pub(crate) fn longest_repeat(chars: &[char]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &c in chars {
        run = if Some(c) == prev { run + 1 } else { 1 };
        prev = Some(c);
        best = best.max(run);
    }
    best
}

/// The longest run of ASCII letters or digits, each one more (or each one
/// less) than the one before, ignoring case: `abcd`, `6789`, `ZYX`.
pub(crate) fn longest_sequence(chars: &[char]) -> usize {
    let key = |c: char| {
        let c = c.to_ascii_lowercase();
        (c.is_ascii_lowercase() || c.is_ascii_digit()).then_some(c as i32)
    };
    let mut best = 0;
    let mut run = 0;
    let mut dir = 0;
    let mut prev: Option<i32> = None;
    for &c in chars {
        let k = key(c);
        match (prev, k) {
            (Some(p), Some(k)) if (k - p).abs() == 1 => {
                let d = k - p;
                if run >= 2 && d == dir {
                    run += 1;
                } else {
                    run = 2;
                    dir = d;
                }
            }
            (_, Some(_)) => run = 1,
            (_, None) => run = 0,
        }
        prev = k;
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn repeats() {
        assert_eq!(longest_repeat(&c("")), 0);
        assert_eq!(longest_repeat(&c("abc")), 1);
        assert_eq!(longest_repeat(&c("abbbbc")), 4);
        assert_eq!(longest_repeat(&c("ééé")), 3);
    }

    #[test]
    fn sequences() {
        assert_eq!(longest_sequence(&c("")), 0);
        assert_eq!(longest_sequence(&c("x")), 1);
        assert_eq!(longest_sequence(&c("a1234b")), 4);
        assert_eq!(longest_sequence(&c("9876")), 4);
        assert_eq!(longest_sequence(&c("AbCdE")), 5);
        assert_eq!(longest_sequence(&c("12321")), 3);
        assert_eq!(longest_sequence(&c("9:;")), 1);
        assert_eq!(longest_sequence(&c("z{")), 1);
    }
}
