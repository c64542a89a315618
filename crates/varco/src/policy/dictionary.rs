//! Ranked word lists with exact lookup and bounded prefix walks.
//!
//! A [`Dictionary`] is a trie of lower-case words, each with its frequency
//! rank (1 = most common). The strength estimator walks every word that
//! starts at a position of the password one character at a time, each step
//! a look at a node's few children, instead of hashing every substring:
//! that is what keeps the estimate bounded (see `strength`).

use super::ranked_lists;
use super::trie::{self, u16_at, u32_at};
use std::borrow::Cow;

/// A node of a [`Dictionary`]'s trie: the words sharing one prefix.
pub(crate) type Node = u32;

/// A ranked word list, as a byte trie laid out in breadth-first order (see
/// [`trie`](super::trie)): a step scans one short run of bytes (usually one
/// cache line) for the next byte of the password.
///
/// The embedded lists' trie is laid out by `build.rs` and used where it lies
/// in the binary (borrowed); the host's and the user's words are laid out
/// at run time (owned).
#[derive(Debug, Clone)]
pub(crate) struct Dictionary {
    /// Each node's first child, `u32` little-endian (see [`trie::Layout`]).
    first_child: Cow<'static, [u8]>,
    /// The byte on the edge into each node.
    label: Cow<'static, [u8]>,
    /// Frequency rank of the word ending at each node, `u16` little-endian
    /// (0 = no word ends there).
    rank: Cow<'static, [u8]>,
    /// The list the word ending at each node came from, an index into `tags`.
    list: Cow<'static, [u8]>,
    /// What each list is.
    tags: Cow<'static, [Tag]>,
    /// For the embedded lists: (node, rank) pairs, `u32` little-endian and
    /// sorted by node, of the words of the common-password list with their
    /// rank in that list (the blocklist rule's lookup). Empty otherwise.
    password_ranks: Cow<'static, [u8]>,
}

/// Which embedded list a word of the merged strength dictionary comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tag {
    /// Common passwords.
    #[default]
    Password,
    /// Frequent English words, and words of US television and film.
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

    /// Lays out the trie of `entries` (sorted by bytes, no duplicates);
    /// `tags[list]` names each entry's list.
    fn from_sorted(entries: &[ranked_lists::Entry<'_>], tags: &[Tag]) -> Self {
        let layout = trie::lay_out(entries);
        Dictionary {
            first_child: Cow::Owned(layout.first_child),
            label: Cow::Owned(layout.label),
            rank: Cow::Owned(layout.rank),
            list: Cow::Owned(layout.list),
            tags: Cow::Owned(tags.to_vec()),
            password_ranks: Cow::Borrowed(&[]),
        }
    }

    /// Number of words.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        (0..self.label.len())
            .filter(|&n| u16_at(&self.rank, n).is_some_and(|r| r != 0))
            .count()
    }

    /// The child of `node` along byte `b`.
    #[inline(always)]
    // The trie has under 2^32 nodes (the build script checks): a node index fits a u32.
    #[allow(clippy::cast_possible_truncation)]
    fn child(&self, node: Node, b: u8) -> Option<Node> {
        // Both bounds in one read: this node's first child and the next's.
        let n = node as usize;
        let pair: [u8; 8] = self.first_child.get(4 * n..4 * n + 8)?.try_into().ok()?;
        let [a0, a1, a2, a3, b0, b1, b2, b3] = pair;
        let lo = u32::from_le_bytes([a0, a1, a2, a3]) as usize;
        let hi = u32::from_le_bytes([b0, b1, b2, b3]) as usize;
        find_byte(self.label.get(lo..hi)?, b).map(|k| (lo + k) as Node)
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

    /// The rank of `word` (already lower-case) in the embedded
    /// common-password list, if it is there (`None` for dictionaries laid
    /// out at run time).
    pub(crate) fn password_rank(&self, word: &str) -> Option<u32> {
        if word.is_empty() {
            return None;
        }
        let node = self.step(self.root(), word.as_bytes())?;
        let pairs = self.password_ranks.len() / 8;
        let (mut lo, mut hi) = (0, pairs);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match u32_at(&self.password_ranks, 2 * mid)?.cmp(&node) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return u32_at(&self.password_ranks, 2 * mid + 1),
            }
        }
        None
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
    #[inline(always)]
    pub(crate) fn step_char(&self, node: Node, c: char) -> Option<Node> {
        if c.is_ascii() {
            self.child(node, c as u8)
        } else {
            self.step(node, c.encode_utf8(&mut [0u8; 4]).as_bytes())
        }
    }

    /// Whether a word ends at `node`.
    #[inline(always)]
    pub(crate) fn ends_word(&self, node: Node) -> bool {
        u16_at(&self.rank, node as usize).is_some_and(|r| r != 0)
    }

    /// The rank and list of the word that is exactly the prefix of `node`.
    pub(crate) fn word_at(&self, node: Node) -> Option<(u32, Tag)> {
        let n = node as usize;
        let rank = u32::from(u16_at(&self.rank, n).filter(|&r| r != 0)?);
        let tag = self
            .list
            .get(n)
            .and_then(|&l| self.tags.get(usize::from(l)))
            .copied()
            .unwrap_or_default();
        Some((rank, tag))
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

/// What each embedded list is, in the order of `build.rs`'s lists: common
/// passwords, English words, Italian words, names, US television and film
/// words, surnames (see `data/SOURCES.md`).
const STRENGTH_TAGS: [Tag; 6] = [
    Tag::Password,
    Tag::English,
    Tag::Italian,
    Tag::Name,
    Tag::English,
    Tag::Name,
];

/// The embedded lists merged, laid out by `build.rs`: one walk finds a word
/// in any of them, with its best rank; [`Dictionary::password_rank`] gives a
/// common password's rank in its own list (the blocklist rule). Nothing is
/// built at run time: the arrays are used where they lie in the binary.
pub(crate) fn embedded() -> &'static Dictionary {
    static D: Dictionary = Dictionary {
        first_child: Cow::Borrowed(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/words-first-child.bin"
        ))),
        label: Cow::Borrowed(include_bytes!(concat!(env!("OUT_DIR"), "/words-label.bin"))),
        rank: Cow::Borrowed(include_bytes!(concat!(env!("OUT_DIR"), "/words-rank.bin"))),
        list: Cow::Borrowed(include_bytes!(concat!(env!("OUT_DIR"), "/words-list.bin"))),
        tags: Cow::Borrowed(&STRENGTH_TAGS),
        password_ranks: Cow::Borrowed(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/words-password-ranks.bin"
        ))),
    };
    &D
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_trie_holds_every_list() {
        let d = embedded();
        // build.rs laid it out from the six lists of data/.
        assert!(d.len() > 100_000, "{}", d.len());
        for (list, tag) in [
            ("common-passwords.txt", Tag::Password),
            ("english-words.txt", Tag::English),
            ("italian-words.txt", Tag::Italian),
            ("names.txt", Tag::Name),
            ("tv-film-words.txt", Tag::English),
            ("surnames.txt", Tag::Name),
        ] {
            let text = match list {
                "common-passwords.txt" => include_str!("../../data/common-passwords.txt"),
                "english-words.txt" => include_str!("../../data/english-words.txt"),
                "italian-words.txt" => include_str!("../../data/italian-words.txt"),
                "names.txt" => include_str!("../../data/names.txt"),
                "tv-film-words.txt" => include_str!("../../data/tv-film-words.txt"),
                _ => include_str!("../../data/surnames.txt"),
            };
            for (i, word) in text.lines().enumerate().step_by(97) {
                let node = d.step(d.root(), word.as_bytes()).expect(word);
                let (rank, found) = d.word_at(node).expect(word);
                // The best rank over every list; this list's when it is best.
                assert!(rank as usize <= i + 1, "{list}: {word}");
                if rank as usize == i + 1 && found != tag {
                    assert_ne!(found, Tag::UserInput, "{word}");
                }
            }
        }
    }

    #[test]
    fn common_passwords_keep_their_own_rank() {
        let d = embedded();
        let list = include_str!("../../data/common-passwords.txt");
        for (i, word) in list.lines().enumerate() {
            assert_eq!(
                d.password_rank(word),
                Some(u32::try_from(i).unwrap() + 1),
                "{word}"
            );
        }
        assert_eq!(d.password_rank("123456"), Some(1));
        assert_eq!(d.password_rank("password"), Some(2));
        // Words of the other lists are not common passwords.
        assert_eq!(d.password_rank("perché"), None);
        assert_eq!(d.password_rank("not-a-common-password-xyz"), None);
        assert_eq!(d.password_rank(""), None);
        // A dictionary laid out at run time has no password ranks.
        assert_eq!(
            Dictionary::from_ranked(["123456"]).password_rank("123456"),
            None
        );
    }

    #[test]
    fn embedded_lists_are_ranked() {
        let all = embedded();
        assert!(all.rank("perché").is_some());
        assert!(all.rank("the").is_some());
        assert_eq!(all.rank("password"), Some(2));
        assert!(all.rank("giulia").is_some() && all.rank("esposito").is_some());
        assert!(all.rank("barbieri").is_some() && all.rank("mozzarella").is_some());
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
            assert_eq!(d.rank(w), Some(u32::try_from(i).unwrap() + 1), "{w:?}");
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
