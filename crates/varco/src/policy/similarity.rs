//! "Contains or resembles": context words and blocklist matching.

use zeroize::Zeroizing;

/// Undoes the most common character substitutions (`@`→a, `0`→o, `$`→s…)
/// on an already lower-cased string.
pub(crate) fn deleet(s: &str) -> String {
    // The caller wraps the result in `Zeroizing`.
    s.chars().map(|c| unleet(c).unwrap_or(c)).collect()
}

/// The single most likely letter behind a substitution character.
pub(crate) fn unleet(c: char) -> Option<char> {
    Some(match c {
        '4' | '@' => 'a',
        '8' => 'b',
        '(' | '{' | '[' | '<' => 'c',
        '3' => 'e',
        '6' | '9' => 'g',
        '1' | '!' | '|' => 'i',
        '0' => 'o',
        '$' | '5' => 's',
        '7' | '+' => 't',
        '%' => 'x',
        '2' => 'z',
        _ => return None,
    })
}

/// Whether `password` (lower-case, normalized) contains or closely resembles
/// `word` (lower-case). Words shorter than `min_len` count only on equality.
pub(crate) fn resembles(password: &str, deleeted: &str, word: &str, min_len: usize) -> bool {
    let wlen = word.chars().count();
    if wlen == 0 {
        return false;
    }
    if password == word || deleeted == word {
        return true;
    }
    if wlen < min_len {
        return false;
    }
    let reversed = Zeroizing::new(password.chars().rev().collect::<String>());
    if password.contains(word) || deleeted.contains(word) || reversed.contains(word) {
        return true;
    }
    let plen = password.chars().count();
    if plen >= min_len && word.contains(password) {
        return true;
    }
    // Close in edit distance: at most a quarter of the word changed.
    let budget = (wlen / 4).max(1);
    plen.abs_diff(wlen) <= budget && within_distance(deleeted, word, budget)
}

/// Levenshtein distance ≤ `budget`, on at most 256 code points each (longer
/// inputs are not "close" to anything reasonable and are skipped).
fn within_distance(a: &str, b: &str, budget: usize) -> bool {
    let a: Zeroizing<Vec<char>> = Zeroizing::new(a.chars().take(257).collect());
    let b: Vec<char> = b.chars().take(257).collect();
    if a.len() > 256 || b.len() > 256 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > budget {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= budget
}

/// The words to check for an email address: the whole address, the local
/// part, and the local part's pieces.
pub(crate) fn email_words(email: &str) -> Vec<String> {
    let email = email.trim().to_lowercase();
    let mut out = vec![email.clone()];
    if let Some((local, _domain)) = email.rsplit_once('@') {
        out.push(local.to_owned());
        out.extend(pieces(local));
    }
    out
}

/// A name split at `.`, `_`, `-`, `+` and spaces, when it has several parts.
pub(crate) fn pieces(name: &str) -> Vec<String> {
    let parts: Vec<String> = name
        .split(['.', '_', '-', '+', ' '])
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if parts.len() > 1 { parts } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: &str, w: &str) -> bool {
        resembles(p, &deleet(p), w, 4)
    }

    #[test]
    fn containment_and_similarity() {
        assert!(r("mariorossi1980", "mario"));
        assert!(r("m4r10r0ss1", "mariorossi"));
        assert!(r("issorxyz", "rossi"));
        assert!(r("mariorossa", "mariorossi"));
        assert!(!r("correct horse battery", "mario"));
        assert!(!r("abc", "ab"));
        assert!(r("ab", "ab"));
    }

    #[test]
    fn email_parts() {
        let w = email_words("Mario.Rossi@Example.IT");
        assert_eq!(
            w,
            vec!["mario.rossi@example.it", "mario.rossi", "mario", "rossi"]
        );
    }

    #[test]
    fn distance_bound() {
        assert!(within_distance("kitten", "sitting", 3));
        assert!(!within_distance("kitten", "sitting", 2));
    }
}
