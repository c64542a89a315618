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
///
/// Stored as structure-of-arrays over one byte arena: a binary-search probe
/// then reads one offset and one byte, which keeps the strength estimator's
/// walk cheap.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    /// All words, concatenated in sorted order.
    arena: String,
    /// (start, end) of each word in `arena`, sorted by word bytes.
    spans: Vec<(u32, u32)>,
    /// Frequency rank of each word (1 = most common).
    ranks: Vec<u32>,
    /// Which list each word came from (see [`Tag`]).
    tags: Vec<Tag>,
    /// For each first byte, the range of words starting with it.
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
    /// First names and surnames.
    Name,
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
        // Sorted and de-duplicated as owned words, then laid out in the arena.
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
        let mut d = Dictionary {
            arena: String::with_capacity(entries.iter().map(|e| e.0.len()).sum()),
            ..Dictionary::default()
        };
        for (word, rank, tag) in &entries {
            let start = d.arena.len() as u32;
            d.arena.push_str(word);
            d.spans.push((start, d.arena.len() as u32));
            d.ranks.push(*rank);
            d.tags.push(*tag);
        }
        d.first = (0..=255u8)
            .map(|b| {
                let lo = d.spans.partition_point(|&s| d.bytes(s)[0] < b);
                let hi = d.spans.partition_point(|&s| d.bytes(s)[0] <= b);
                (lo as u32, hi as u32)
            })
            .collect();
        d
    }

    fn bytes(&self, (start, end): (u32, u32)) -> &[u8] {
        &self.arena.as_bytes()[start as usize..end as usize]
    }

    fn from_static(text: &'static str) -> Self {
        Self::from_ranked(text.lines().map(Cow::Borrowed))
    }

    /// Number of words.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The rank of `word` (already lower-case), if present.
    pub(crate) fn rank(&self, word: &str) -> Option<u32> {
        self.spans
            .binary_search_by(|&s| self.bytes(s).cmp(word.as_bytes()))
            .ok()
            .map(|i| self.ranks[i])
    }

    /// The tag of the entry found by [`step`](Self::step).
    pub(crate) fn tag_of(&self, (lo, _): (usize, usize)) -> Tag {
        self.tags[lo]
    }

    /// The full range, to start a walk.
    pub(crate) fn root(&self) -> (usize, usize) {
        (0, self.spans.len())
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
        if depth == 0 && !next.is_empty() && hi - lo == self.spans.len() && !self.first.is_empty() {
            let (flo, fhi) = self.first[next[0] as usize];
            return self.step((flo as usize, fhi as usize), 1, &next[1..]);
        }
        let len = |i: usize| (self.spans[i].1 - self.spans[i].0) as usize;
        if next.is_empty() {
            let exact = (lo < hi && len(lo) == end).then(|| self.ranks[lo]);
            return ((lo, hi), exact);
        }
        let arena = self.arena.as_bytes();
        let slice = &self.spans[lo..hi];
        let (start, stop) = if let [b] = next {
            // One byte (ASCII, the common case): compare that byte only. A
            // word that ends before it sorts first.
            let byte = |&(s, e): &(u32, u32)| {
                let at = s as usize + depth;
                (at < e as usize).then(|| arena[at])
            };
            let start = slice.partition_point(|s| byte(s).is_none_or(|x| x < *b));
            let stop = start + slice[start..].partition_point(|s| byte(s) == Some(*b));
            (start, stop)
        } else {
            let key = |&(s, e): &(u32, u32)| {
                let w = &arena[s as usize..e as usize];
                w[depth.min(w.len())..end.min(w.len())].cmp(next)
            };
            let start = slice.partition_point(|s| key(s).is_lt());
            let stop = start + slice[start..].partition_point(|s| key(s).is_eq());
            (start, stop)
        };
        let (nlo, nhi) = (lo + start, lo + stop);
        // The shortest word sorts first: it is the exact match if its length is `end`.
        let exact = (nlo < nhi && len(nlo) == end).then(|| self.ranks[nlo]);
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
const NAMES: &str = include_str!("../../data/names.txt");

/// The four embedded lists merged, for the strength estimator: one walk
/// finds a word in any of them, with its best rank.
pub(crate) fn strength_words() -> &'static Dictionary {
    static D: OnceLock<Dictionary> = OnceLock::new();
    D.get_or_init(|| {
        Dictionary::from_lists([
            (PASSWORDS.lines(), Tag::Password),
            (ENGLISH.lines(), Tag::English),
            (ITALIAN.lines(), Tag::Italian),
            (NAMES.lines(), Tag::Name),
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
        assert!(all.rank("giulia").is_some() && all.rank("esposito").is_some());
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
