//! The layout of a dictionary's byte trie, shared by the library (for the
//! host's and the user's words) and by `build.rs` (for the embedded lists,
//! laid out once at build time and embedded as bytes, so that a process
//! pays nothing to build them).
//!
//! Breadth-first order puts the children of each node side by side, and the
//! children of node `n + 1` right after those of node `n`, so a node needs
//! only the index of its first child. Every array is little-endian bytes, so
//! the embedded tries are used where they lie, with no parsing and no
//! `unsafe`.

use std::collections::VecDeque;

/// A laid-out trie, as bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Index of each node's first child, plus one entry past the last node
    /// (`u32` little-endian each): the children of `n` are
    /// `first_child[n]..first_child[n + 1]`.
    pub first_child: Vec<u8>,
    /// The byte on the edge into each node (0 for the root).
    pub label: Vec<u8>,
    /// Frequency rank of the word ending at each node, 0 where none ends
    /// (`u16` little-endian each; ranks past 65,535 count as 65,535, a
    /// difference of less than 0.05 in log10 guesses, and no embedded list
    /// is that long).
    pub rank: Vec<u8>,
    /// The index of the list the word ending at each node comes from.
    pub list: Vec<u8>,
}

/// Lays out the trie of `entries` (word, rank, list index), sorted by the
/// words' bytes with no duplicates. Each word is visited once per byte.
pub fn lay_out<W: AsRef<str>>(entries: &[(W, u32, usize)]) -> Layout {
    let byte = |i: usize, depth: usize| entries[i].0.as_ref().as_bytes()[depth];
    let mut first_child: Vec<u32> = Vec::new();
    let mut label = vec![0u8];
    let mut rank = vec![0u16];
    let mut list = vec![0u8];
    // (node, words lo..hi sharing its prefix, prefix length)
    let mut queue = VecDeque::from([(0usize, 0usize, entries.len(), 0usize)]);
    while let Some((node, mut lo, hi, depth)) = queue.pop_front() {
        // A word equal to the prefix sorts before its longer siblings.
        if lo < hi && entries[lo].0.as_ref().len() == depth {
            rank[node] = u16::try_from(entries[lo].1).unwrap_or(u16::MAX).max(1);
            list[node] = u8::try_from(entries[lo].2).unwrap_or(u8::MAX);
            lo += 1;
        }
        first_child.push(u32::try_from(label.len()).expect("a trie of under 2^32 nodes"));
        while lo < hi {
            let b = byte(lo, depth);
            let mut end = lo + 1;
            while end < hi && byte(end, depth) == b {
                end += 1;
            }
            queue.push_back((label.len(), lo, end, depth + 1));
            label.push(b);
            rank.push(0);
            list.push(0);
            lo = end;
        }
    }
    first_child.push(u32::try_from(label.len()).expect("a trie of under 2^32 nodes"));
    Layout {
        first_child: first_child.iter().flat_map(|v| v.to_le_bytes()).collect(),
        label,
        rank: rank.iter().flat_map(|v| v.to_le_bytes()).collect(),
        list,
    }
}

/// The `i`-th little-endian `u16` of `bytes`.
#[inline(always)]
pub fn u16_at(bytes: &[u8], i: usize) -> Option<u16> {
    let b: [u8; 2] = bytes.get(2 * i..2 * i + 2)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

/// The `i`-th little-endian `u32` of `bytes`.
#[inline(always)]
pub fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(4 * i..4 * i + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// The node reached from the root along `word`'s bytes, in `layout`
/// (`build.rs` finds the common passwords' nodes with it).
#[cfg_attr(not(test), allow(dead_code))]
pub fn find(first_child: &[u8], label: &[u8], word: &[u8]) -> Option<usize> {
    let mut node = 0usize;
    for &b in word {
        let (lo, hi) = (
            u32_at(first_child, node)? as usize,
            u32_at(first_child, node + 1)? as usize,
        );
        node = lo + label.get(lo..hi)?.iter().position(|&x| x == b)?;
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_breadth_first_and_findable() {
        let entries = [("a", 3, 0), ("ab", 1, 1), ("b", 2, 0)];
        let t = lay_out(&entries);
        // root, a, b, ab
        assert_eq!(t.label, b"\0abb");
        let first: Vec<u32> = (0..5).map(|i| u32_at(&t.first_child, i).unwrap()).collect();
        assert_eq!(first, [1, 3, 4, 4, 4]);
        let rank: Vec<u16> = (0..4).map(|i| u16_at(&t.rank, i).unwrap()).collect();
        assert_eq!(rank, [0, 3, 2, 1]);
        assert_eq!(t.list, [0, 0, 0, 1]);
        assert_eq!(find(&t.first_child, &t.label, b"ab"), Some(3));
        assert_eq!(find(&t.first_child, &t.label, b""), Some(0));
        assert_eq!(find(&t.first_child, &t.label, b"ba"), None);
        assert_eq!(u16_at(&t.rank, 4), None);
        // Ranks saturate at u16::MAX.
        let big = lay_out(&[("a", 70_000, 0)]);
        assert_eq!(u16_at(&big.rank, 1), Some(u16::MAX));
        assert_eq!(lay_out::<&str>(&[]).label, [0]);
    }
}
