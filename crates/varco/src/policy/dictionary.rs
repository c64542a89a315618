//! Ranked word lists with exact lookup and bounded prefix walks.
//!
//! A [`Dictionary`] is a list of lower-case words sorted by bytes, each with
//! its frequency rank (1 = most common). Sorting lets the strength estimator
//! walk all words that start at a position of the password with one binary
//! search per character, instead of hashing every substring: that is what
//! keeps the estimate bounded (see `strength`).

use std::borrow::Cow;
use std::sync::OnceLock;

/// A sorted, ranked word list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    /// (word, rank, tag), sorted by word bytes; ranks start at 1; the tag
    /// says which list the word came from (see [`Tag`]).
    entries: Vec<(Cow<'static, str>, u32, Tag)>,
    /// For each first byte, the range of entries starting with it.
    first: Vec<(u32, u32)>,
}

/// Which embedded list a word of the merged strength dictionary comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tag {
    /// Common passwords.
    #[default]
    Password,
    /// Frequent English words.
    English,
    /// Frequent Italian words.
    Italian,
    /// Words from the context (username, email…).
    UserInput,
}

impl Dictionary {
    /// Builds a dictionary from words in rank order (most common first).
    /// Words are lower-cased; a repeated word keeps its best rank.
    pub(crate) fn from_ranked<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        Self::from_lists([(words, Tag::Password)])
    }

    /// Merges ranked lists; a word in several lists keeps its best rank.
    pub(crate) fn from_lists<L, I, S>(lists: L) -> Self
    where
        L: IntoIterator<Item = (I, Tag)>,
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        let mut entries: Vec<(Cow<'static, str>, u32, Tag)> = Vec::new();
        for (words, tag) in lists {
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
                    (w, u32::try_from(i + 1).unwrap_or(u32::MAX), tag)
                });
            entries.extend(ranked);
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(&b.1)));
        entries.dedup_by(|later, first| later.0 == first.0);
        let mut first = vec![(0u32, 0u32); 256];
        for b in 0..=255u8 {
            let lo = entries.partition_point(|e| e.0.as_bytes()[0] < b);
            let hi = entries.partition_point(|e| e.0.as_bytes()[0] <= b);
            first[b as usize] = (lo as u32, hi as u32);
        }
        Dictionary { entries, first }
    }

    fn from_static(text: &'static str) -> Self {
        Self::from_ranked(text.lines().map(Cow::Borrowed))
    }

    /// Number of words.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The rank of `word` (already lower-case), if present.
    pub(crate) fn rank(&self, word: &str) -> Option<u32> {
        self.entries
            .binary_search_by(|(w, _, _)| w.as_bytes().cmp(word.as_bytes()))
            .ok()
            .map(|i| self.entries[i].1)
    }

    /// The tag of the entry found by [`step`](Self::step).
    pub(crate) fn tag_of(&self, (lo, _): (usize, usize)) -> Tag {
        self.entries[lo].2
    }

    /// The full range, to start a walk.
    pub(crate) fn root(&self) -> (usize, usize) {
        (0, self.entries.len())
    }

    /// Narrows `range` (all words sharing a prefix of `depth` bytes) to the
    /// words whose next bytes are `next`. Returns the new range (possibly
    /// empty) and the rank of the word equal to the extended prefix, if any.
    pub(crate) fn step(
        &self,
        (lo, hi): (usize, usize),
        depth: usize,
        next: &[u8],
    ) -> ((usize, usize), Option<u32>) {
        let end = depth + next.len();
        if depth == 0 && !next.is_empty() && hi - lo == self.entries.len() && !self.first.is_empty()
        {
            let (flo, fhi) = self.first[next[0] as usize];
            return self.step((flo as usize, fhi as usize), 1, &next[1..]);
        }
        if next.is_empty() {
            let exact = (lo < hi && self.entries[lo].0.len() == end).then(|| self.entries[lo].1);
            return ((lo, hi), exact);
        }
        let slice = &self.entries[lo..hi];
        let key = |w: &[u8]| -> std::cmp::Ordering {
            let part = &w[depth.min(w.len())..end.min(w.len())];
            part.cmp(next)
        };
        let start = slice.partition_point(|(w, _, _)| key(w.as_bytes()).is_lt());
        let stop = start + slice[start..].partition_point(|(w, _, _)| key(w.as_bytes()).is_eq());
        let (nlo, nhi) = (lo + start, lo + stop);
        // The shortest word sorts first: it is the exact match if its length is `end`.
        let exact = (nlo < nhi && self.entries[nlo].0.len() == end).then(|| self.entries[nlo].1);
        ((nlo, nhi), exact)
    }
}

/// The embedded list of the 30,000 most common passwords (see `data/SOURCES.md`).
pub(crate) fn common_passwords() -> &'static Dictionary {
    static D: OnceLock<Dictionary> = OnceLock::new();
    D.get_or_init(|| Dictionary::from_static(PASSWORDS))
}

const PASSWORDS: &str = include_str!("../../data/common-passwords.txt");
const ENGLISH: &str = include_str!("../../data/english-words.txt");
const ITALIAN: &str = include_str!("../../data/italian-words.txt");

/// The three embedded lists merged, for the strength estimator: one walk
/// finds a word in any of them, with its best rank.
pub(crate) fn strength_words() -> &'static Dictionary {
    static D: OnceLock<Dictionary> = OnceLock::new();
    D.get_or_init(|| {
        Dictionary::from_lists([
            (PASSWORDS.lines(), Tag::Password),
            (ENGLISH.lines(), Tag::English),
            (ITALIAN.lines(), Tag::Italian),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_are_large_and_ranked() {
        assert!(common_passwords().len() >= 10_000);
        assert_eq!(common_passwords().rank("123456"), Some(1));
        assert_eq!(common_passwords().rank("password"), Some(2));
        assert_eq!(common_passwords().rank("not-a-common-password-xyz"), None);
        let all = strength_words();
        assert!(all.rank("perché").is_some());
        assert!(all.rank("the").is_some());
        assert_eq!(all.rank("password"), Some(2));
    }

    #[test]
    fn prefix_walk_finds_every_prefix_word() {
        let d = Dictionary::from_ranked(["pass", "password", "passw0rd", "pa", "zebra", "pé"]);
        let mut range = d.root();
        let mut found = Vec::new();
        for (depth, b) in "password1".bytes().enumerate() {
            let (r, exact) = d.step(range, depth, &[b]);
            if let Some(rank) = exact {
                found.push((depth + 1, rank));
            }
            if r.0 == r.1 {
                break;
            }
            range = r;
        }
        assert_eq!(found, vec![(2, 4), (4, 1), (8, 2)]);
        // Multi-byte steps from the root use the first-byte index.
        let (r, exact) = d.step(d.root(), 0, "p".as_bytes());
        let (_, exact2) = d.step(r, 1, "é".as_bytes());
        assert_eq!((exact, exact2), (None, Some(6)));
    }

    #[test]
    fn duplicates_keep_best_rank() {
        let d = Dictionary::from_ranked(["a", "B", "b"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.rank("b"), Some(2));
    }
}
