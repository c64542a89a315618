//! Merging ranked word lists into one: lower-cased, sorted by bytes, one
//! entry per word with its best rank.
//!
//! Used at run time for a host's own lists and, through `build.rs` (which
//! includes this file), at build time for the embedded lists, whose trie is
//! then laid out there too (`trie.rs`).

use std::borrow::Cow;

/// A merged word: the word, its best rank (1 = most common) and the index of
/// the list that gave that rank.
pub type Entry<'a> = (Cow<'a, str>, u32, usize);

/// Merges `lists`, each in rank order (most common first). Empty words are
/// skipped; a word in several lists, or twice in one, keeps its best rank,
/// and the earlier list on equal ranks. The result is sorted by the words'
/// bytes.
pub fn merge<'a, L, I, S>(lists: L) -> Vec<Entry<'a>>
where
    L: IntoIterator<Item = I>,
    I: IntoIterator<Item = S>,
    S: Into<Cow<'a, str>>,
{
    let mut entries: Vec<Entry<'a>> = Vec::new();
    for (list, words) in lists.into_iter().enumerate() {
        let ranked = words
            .into_iter()
            .map(Into::into)
            .filter(|w| !w.is_empty())
            .enumerate()
            .map(|(i, w)| {
                let w = if w.chars().any(char::is_uppercase) {
                    Cow::Owned(w.to_lowercase())
                } else {
                    w
                };
                (w, u32::try_from(i + 1).unwrap_or(u32::MAX), list)
            });
        entries.extend(ranked);
    }
    entries.sort_unstable_by(|a, b| (a.0.as_bytes(), a.1, a.2).cmp(&(b.0.as_bytes(), b.1, b.2)));
    entries.dedup_by(|later, first| later.0 == first.0);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_by_best_rank() {
        let merged = merge([vec!["Casa", "ciao", "", "casa"], vec!["zeta", "ciao"]]);
        let words: Vec<(&str, u32, usize)> =
            merged.iter().map(|(w, r, l)| (&**w, *r, *l)).collect();
        // "Casa" lower-cased keeps rank 1 over its second appearance; "ciao"
        // is second in both lists: the earlier list wins the tie.
        assert_eq!(words, vec![("casa", 1, 0), ("ciao", 2, 0), ("zeta", 1, 1)]);
    }
}
