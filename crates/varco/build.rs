//! Merges and sorts the embedded word lists once, at build time, so that the
//! first strength estimate and the first blocklist check only lay out a trie
//! from an already sorted list (see `src/policy/ranked_lists.rs`).

#[path = "src/policy/ranked_lists.rs"]
#[allow(dead_code)] // the reader is the library's
mod ranked_lists;

use std::path::Path;

/// The lists, in the order of `Tag` in `src/policy/dictionary.rs`.
const STRENGTH_LISTS: [&str; 4] = [
    "data/common-passwords.txt",
    "data/english-words.txt",
    "data/italian-words.txt",
    "data/names.txt",
];

fn read(path: &str) -> String {
    println!("cargo::rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(!text.contains('\t'), "{path}: a word holds a tab");
    text
}

fn main() {
    println!("cargo::rerun-if-changed=src/policy/ranked_lists.rs");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    let lists: Vec<String> = STRENGTH_LISTS.iter().map(|p| read(p)).collect();
    let write = |name: &str, entries: &[ranked_lists::Entry<'_>]| {
        let path = Path::new(&out).join(name);
        std::fs::write(&path, ranked_lists::to_text(entries))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    write(
        "strength-words.tsv",
        &ranked_lists::merge(lists.iter().map(|l| l.lines())),
    );
    write(
        "common-passwords.tsv",
        &ranked_lists::merge([lists[0].lines()]),
    );
}
