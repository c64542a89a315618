//! Lays out the embedded word lists' trie once, at build time, so that a
//! process pays nothing to build it: the library embeds the arrays as bytes
//! and reads them where they lie (see `src/policy/trie.rs`, shared with the
//! library, and `src/policy/ranked_lists.rs`, the merge).

#[path = "src/policy/ranked_lists.rs"]
#[allow(dead_code)] // the text reader is the library's
mod ranked_lists;
#[path = "src/policy/trie.rs"]
#[allow(dead_code)]
mod trie;

use std::path::Path;

/// The lists, in the order of `STRENGTH_TAGS` in `src/policy/dictionary.rs`;
/// the first is the common-password list the blocklist rule uses.
const STRENGTH_LISTS: [&str; 6] = [
    "data/common-passwords.txt",
    "data/english-words.txt",
    "data/italian-words.txt",
    "data/names.txt",
    "data/tv-film-words.txt",
    "data/surnames.txt",
];

fn read(path: &str) -> String {
    println!("cargo::rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(!text.contains('\t'), "{path}: a word holds a tab");
    text
}

fn main() {
    println!("cargo::rerun-if-changed=src/policy/ranked_lists.rs");
    println!("cargo::rerun-if-changed=src/policy/trie.rs");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let write = |name: &str, bytes: &[u8]| {
        let path = Path::new(&out).join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    let lists: Vec<String> = STRENGTH_LISTS.iter().map(|p| read(p)).collect();
    let merged = ranked_lists::merge(lists.iter().map(|l| l.lines()));
    let layout = trie::lay_out(&merged);
    // The rank of each common password in its own list, by node, for the
    // blocklist: (node, rank) little-endian pairs sorted by node.
    let mut passwords: Vec<(u32, u32)> = ranked_lists::merge([lists[0].lines()])
        .iter()
        .map(|(word, rank, _)| {
            let node = trie::find(&layout.first_child, &layout.label, word.as_bytes())
                .expect("every common password is in the merged trie");
            (u32::try_from(node).expect("fewer than 2^32 nodes"), *rank)
        })
        .collect();
    passwords.sort_unstable();
    let passwords: Vec<u8> = passwords
        .iter()
        .flat_map(|(n, r)| n.to_le_bytes().into_iter().chain(r.to_le_bytes()))
        .collect();
    write("words-first-child.bin", &layout.first_child);
    write("words-label.bin", &layout.label);
    write("words-rank.bin", &layout.rank);
    write("words-list.bin", &layout.list);
    write("words-password-ranks.bin", &passwords);
}
