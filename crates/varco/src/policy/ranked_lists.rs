//! Merging ranked word lists into one: lower-cased, sorted by bytes, one
//! entry per word with its best rank.
//!
//! Used at run time for a host's own lists and, through `build.rs` (which
//! includes this file), at build time for the embedded lists, so that the
//! first strength estimate does not pay for sorting 66,000 words.

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

/// Writes merged entries one per line as `word<TAB>rank<TAB>list`.
/// Words never hold a tab or a line break (lists are read by lines).
// Used by build.rs; the library only reads, and its tests round-trip.
#[cfg_attr(not(test), allow(dead_code))]
pub fn to_text(entries: &[Entry<'_>]) -> String {
    let mut text = String::new();
    for (word, rank, list) in entries {
        text.push_str(word);
        text.push('\t');
        text.push_str(&rank.to_string());
        text.push('\t');
        text.push_str(&list.to_string());
        text.push('\n');
    }
    text
}

/// Reads what [`to_text`] wrote; `None` if a line is malformed.
pub fn from_text(text: &str) -> Option<Vec<Entry<'_>>> {
    // Byte searches: splitting 64,000 lines on a `char` pattern costs more
    // than the trie built from them.
    let number = |field: &str| -> Option<u64> {
        if field.is_empty() || field.len() > 10 {
            return None;
        }
        field.bytes().try_fold(0u64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        })
    };
    text.lines()
        .map(|line| {
            let tab = line.bytes().position(|b| b == b'\t')?;
            let (word, rest) = (&line[..tab], &line[tab + 1..]);
            let tab = rest.bytes().position(|b| b == b'\t')?;
            let rank = u32::try_from(number(&rest[..tab])?).ok()?;
            let list = usize::try_from(number(&rest[tab + 1..])?).ok()?;
            Some((Cow::Borrowed(word), rank, list))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_by_best_rank_and_round_trips() {
        let merged = merge([vec!["Casa", "ciao", "", "casa"], vec!["zeta", "ciao"]]);
        let words: Vec<(&str, u32, usize)> =
            merged.iter().map(|(w, r, l)| (&**w, *r, *l)).collect();
        // "Casa" lower-cased keeps rank 1 over its second appearance; "ciao"
        // is second in both lists: the earlier list wins the tie.
        assert_eq!(words, vec![("casa", 1, 0), ("ciao", 2, 0), ("zeta", 1, 1)]);
        let text = to_text(&merged);
        assert_eq!(text, "casa\t1\t0\nciao\t2\t0\nzeta\t1\t1\n");
        assert_eq!(from_text(&text), Some(merged));
        assert_eq!(from_text("casa\t1"), None);
        assert_eq!(from_text("casa\t1\t0\textra"), None);
        assert_eq!(from_text("casa\tx\t0"), None);
    }
}
