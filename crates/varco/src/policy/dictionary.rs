//! Ranked word lists with exact lookup and bounded prefix walks.
//!
//! A [`Dictionary`] is a trie of lower-case words, each with its frequency
//! rank (1 = most common). The strength estimator walks every word that
//! starts at a position of the password one character at a time, each step
//! a look at a node's few children, instead of hashing every substring:
//! that is what keeps the estimate bounded (see `strength`).

use super::ranked_lists;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::OnceLock;

/// A node of a [`Dictionary`]'s trie: the words sharing one prefix.
pub(crate) type Node = u32;

/// A ranked word list, as a byte trie laid out in breadth-first order.
///
/// Breadth-first order puts the children of each node side by side, and
/// the children of node `n + 1` right after those of node `n`, so a node
/// needs only the index of its first child, and a step scans one short run
/// of bytes (usually one cache line) for the next byte of the password.
#[derive(Debug, Clone)]
pub(crate) struct Dictionary {
    /// Index of each node's first child, plus one entry past the last node:
    /// the children of `n` are `first_child[n]..first_child[n + 1]`.
    first_child: Vec<u32>,
    /// The byte on the edge into each node (unused for the root).
    label: Vec<u8>,
    /// Frequency rank of the word ending at each node (0 = no word ends there).
    rank: Vec<u32>,
    /// Which list the word ending at each node came from (see [`Tag`]).
    tag: Vec<Tag>,
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

impl Default for Dictionary {
    fn default() -> Self {
        Self::from_sorted(&[], &[])
    }
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
        let mut tags = Vec::new();
        let entries = ranked_lists::merge(lists.into_iter().map(|(words, tag)| {
            tags.push(tag);
            words
        }));
        Self::from_sorted(&entries, &tags)
    }

    /// A dictionary from lists merged at build time (`build.rs`), `tags`
    /// naming each list.
    fn from_merged(text: &'static str, tags: &[Tag]) -> Self {
        // The text is written by build.rs from the embedded lists: a parse
        // failure is a build defect, caught by the tests, never by input.
        let entries = ranked_lists::from_text(text).unwrap_or_default();
        Self::from_sorted(&entries, tags)
    }

    /// Lays out the trie of `entries` (sorted by bytes, no duplicates)
    /// breadth first; `tags[list]` names each entry's list. Each word is
    /// visited once per byte.
    fn from_sorted(entries: &[ranked_lists::Entry<'_>], tags: &[Tag]) -> Self {
        let byte = |i: usize, depth: usize| entries[i].0.as_bytes()[depth];
        let mut d = Dictionary {
            first_child: Vec::new(),
            label: vec![0],
            rank: vec![0],
            tag: vec![Tag::default()],
        };
        // (node, words lo..hi sharing its prefix, prefix length)
        let mut queue = VecDeque::from([(0usize, 0usize, entries.len(), 0usize)]);
        while let Some((node, mut lo, hi, depth)) = queue.pop_front() {
            // A word equal to the prefix sorts before its longer siblings.
            if lo < hi && entries[lo].0.len() == depth {
                d.rank[node] = entries[lo].1;
                d.tag[node] = tags.get(entries[lo].2).copied().unwrap_or_default();
                lo += 1;
            }
            d.first_child.push(d.label.len() as u32);
            while lo < hi {
                let b = byte(lo, depth);
                let mut end = lo + 1;
                while end < hi && byte(end, depth) == b {
                    end += 1;
                }
                queue.push_back((d.label.len(), lo, end, depth + 1));
                d.label.push(b);
                d.rank.push(0);
                d.tag.push(Tag::default());
                lo = end;
            }
        }
        d.first_child.push(d.label.len() as u32);
        d
    }

    /// Number of words.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.rank.iter().filter(|&&r| r != 0).count()
    }

    /// The child of `node` along byte `b`.
    #[inline]
    fn child(&self, node: Node, b: u8) -> Option<Node> {
        let n = node as usize;
        let (lo, hi) = (
            *self.first_child.get(n)? as usize,
            self.first_child[n + 1] as usize,
        );
        find_byte(&self.label[lo..hi], b).map(|k| (lo + k) as Node)
    }

    /// The rank of `word` (already lower-case), if present.
    pub(crate) fn rank(&self, word: &str) -> Option<u32> {
        if word.is_empty() {
            return None;
        }
        self.step(self.root(), word.as_bytes())
            .and_then(|n| self.word_at(n))
            .map(|(rank, _)| rank)
    }

    /// The root: the empty prefix, where every walk starts.
    pub(crate) fn root(&self) -> Node {
        0
    }

    /// Follows the bytes `next` down from `node`: the node of the extended
    /// prefix, or `None` when no word starts with it.
    pub(crate) fn step(&self, mut node: Node, next: &[u8]) -> Option<Node> {
        for &b in next {
            node = self.child(node, b)?;
        }
        Some(node)
    }

    /// [`step`](Self::step) by one character.
    #[inline]
    pub(crate) fn step_char(&self, node: Node, c: char) -> Option<Node> {
        if c.is_ascii() {
            self.child(node, c as u8)
        } else {
            self.step(node, c.encode_utf8(&mut [0u8; 4]).as_bytes())
        }
    }

    /// Whether a word ends at `node`.
    #[inline]
    pub(crate) fn ends_word(&self, node: Node) -> bool {
        self.rank.get(node as usize).is_some_and(|&r| r != 0)
    }

    /// The rank and list of the word that is exactly the prefix of `node`.
    pub(crate) fn word_at(&self, node: Node) -> Option<(u32, Tag)> {
        let n = node as usize;
        (self.rank[n] != 0).then(|| (self.rank[n], self.tag[n]))
    }
}

/// The position of `b` in `bytes`, eight bytes at a time: a node has up to
/// a few dozen children, and a scan without a branch per byte beats a
/// binary search's chain of dependent loads at that size.
#[inline]
fn find_byte(bytes: &[u8], b: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = u64::from_ne_bytes([b; 8]);
    let mut chunks = bytes.chunks_exact(8);
    for (k, chunk) in (&mut chunks).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // The lowest flagged byte is the first zero byte of `x` (a borrow
        // can only flag bytes above a zero byte).
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(8 * k + (zero.trailing_zeros() / 8) as usize);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|&x| x == b)
        .map(|k| done + k)
}

/// The embedded list of the 30,000 most common passwords (see `data/SOURCES.md`).
pub(crate) fn common_passwords() -> &'static Dictionary {
    static D: OnceLock<Dictionary> = OnceLock::new();
    D.get_or_init(|| Dictionary::from_merged(COMMON_PASSWORDS, &[Tag::Password]))
}

/// `data/common-passwords.txt`, merged and sorted by `build.rs`.
const COMMON_PASSWORDS: &str = include_str!(concat!(env!("OUT_DIR"), "/common-passwords.tsv"));
/// The four lists of `data/` merged and sorted by `build.rs`, in the order
/// of [`STRENGTH_TAGS`].
const STRENGTH_WORDS: &str = include_str!(concat!(env!("OUT_DIR"), "/strength-words.tsv"));
/// The list each entry of [`STRENGTH_WORDS`] comes from.
const STRENGTH_TAGS: [Tag; 4] = [Tag::Password, Tag::English, Tag::Italian, Tag::Name];

/// The four embedded lists merged, for the strength estimator: one walk
/// finds a word in any of them, with its best rank.
pub(crate) fn strength_words() -> &'static Dictionary {
    static D: OnceLock<Dictionary> = OnceLock::new();
    D.get_or_init(|| Dictionary::from_merged(STRENGTH_WORDS, &STRENGTH_TAGS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_parse_whole() {
        // build.rs wrote them; a malformed line would leave a list empty.
        let words = ranked_lists::from_text(STRENGTH_WORDS).expect("strength words");
        assert!(words.len() > 60_000);
        assert!(words.iter().all(|e| e.2 < STRENGTH_TAGS.len()));
        assert!(
            words
                .windows(2)
                .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
        );
        let common = ranked_lists::from_text(COMMON_PASSWORDS).expect("common passwords");
        assert_eq!(common.len(), common_passwords().len());
    }

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
        let mut node = d.root();
        let mut found = Vec::new();
        for (depth, b) in "password1".bytes().enumerate() {
            let Some(next) = d.step(node, &[b]) else {
                break;
            };
            if let Some((rank, _)) = d.word_at(next) {
                found.push((depth + 1, rank));
            }
            node = next;
        }
        assert_eq!(found, vec![(2, 4), (4, 1), (8, 2)]);
        // A multi-byte character is one step of several bytes.
        let p = d.step(d.root(), "p".as_bytes()).unwrap();
        let pe = d.step(p, "é".as_bytes()).unwrap();
        assert_eq!(
            (d.word_at(p), d.word_at(pe)),
            (None, Some((6, Tag::Password)))
        );
        assert_eq!(d.step(p, "x".as_bytes()), None);
        assert_eq!(d.rank("pé"), Some(6));
        assert_eq!(
            (d.rank("p"), d.rank(""), d.rank("passwords")),
            (None, None, None)
        );
    }

    #[test]
    fn empty_and_tagged_lists() {
        let d = Dictionary::default();
        assert_eq!(
            (d.len(), d.rank("a"), d.step(d.root(), b"a")),
            (0, None, None)
        );
        let d = Dictionary::from_lists([
            (vec!["ciao", "casa"], Tag::Italian),
            (vec!["casa"], Tag::English),
        ]);
        let casa = d.step(d.root(), b"casa").unwrap();
        // Both lists rank "casa" first or second; the best rank wins.
        assert_eq!(d.word_at(casa), Some((1, Tag::English)));
        assert_eq!(d.rank("ciao"), Some(1));
        // Every byte value, and a root with many children, still step.
        let all: Vec<String> = (1..=255u8)
            .filter(|b| !b.is_ascii_uppercase())
            .filter_map(|b| std::str::from_utf8(&[b]).ok().map(str::to_owned))
            .collect();
        let d = Dictionary::from_ranked(all.clone());
        for (i, w) in all.iter().enumerate() {
            assert_eq!(d.rank(w), Some(i as u32 + 1), "{w:?}");
        }
    }

    #[test]
    fn byte_search_finds_the_first_match() {
        let bytes: Vec<u8> = (0..=255u8).chain(0..=255).collect();
        for len in 0..bytes.len() {
            for b in [0u8, 1, 7, 8, 9, 0x7f, 0x80, 0x81, 0xfe, 0xff] {
                let want = bytes[..len].iter().position(|&x| x == b);
                assert_eq!(find_byte(&bytes[..len], b), want, "len {len} byte {b}");
            }
        }
        // Zero bytes next to the target (the borrow case of the SWAR test).
        assert_eq!(find_byte(&[0, 1, 0, 1, 0, 1, 0, 1, 1], 1), Some(1));
        assert_eq!(find_byte(&[1, 0, 0, 0, 0, 0, 0, 0, 0], 0), Some(1));
        assert_eq!(
            find_byte(&[0x80, 0x00, 0x01, 2, 3, 4, 5, 6, 7], 0x01),
            Some(2)
        );
    }

    #[test]
    fn duplicates_keep_best_rank() {
        let d = Dictionary::from_ranked(["a", "B", "b"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.rank("b"), Some(2));
    }
}
