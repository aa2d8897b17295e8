//! The workspace's shape: a block is an enum variant (with its arms in the two `blocks/mod.rs`
//! dispatch files), a pair of mirrored files and a spec page, and no source file outside the
//! `blocks` folders names a block kind; no source file is over 800 lines
//! (`docs/ARCHITECTURE.md`, "Adding a block").

use std::fs;
use std::path::{Path, PathBuf};

use zkml_verifier::model::blocks::Block;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

/// Every `.rs` file under `dir`, skipping build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a folder entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() && !matches!(name, "target" | "node_modules" | "pkg" | ".git") {
            rust_files(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The variants of `enum Block`, read from the verifier's `blocks/mod.rs`.
fn variants() -> Vec<String> {
    let src = fs::read_to_string(root().join("verifier-wasm/src/model/blocks/mod.rs")).expect("blocks/mod.rs");
    let body = src.split("pub enum Block {").nth(1).expect("the Block enum").split('}').next().expect("its body");
    let found: Vec<String> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with('#') && !l.is_empty())
        .map(|l| l.trim_end_matches(',').to_string())
        .collect();
    assert!(found.len() >= 7, "the Block enum has at least the seven blocks of format 11: {found:?}");
    found
}

/// `PublicMatmul` → `public_matmul`.
fn snake(v: &str) -> String {
    let mut s = String::new();
    for (i, c) in v.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.extend(c.to_lowercase());
    }
    s
}

#[test]
fn every_block_has_its_mirrored_files_and_spec_page() {
    let r = root();
    for v in variants() {
        let f = snake(&v);
        for path in [
            format!("verifier-wasm/src/model/blocks/{f}.rs"),
            format!("prover/src/model/blocks/{f}.rs"),
            format!("docs/protocols/blocks/{f}.md"),
        ] {
            assert!(r.join(&path).is_file(), "block {v} has no {path}");
        }
    }
}

/// The lines of `src` that name a block kind of `names` (`Block::Matmul`, not `Block::Matmulx`),
/// or import or alias the enum's variants (`Block::*`, `Block::{..}`, `Block as`).
fn naming_lines<'a>(src: &'a str, names: &[String]) -> Vec<(usize, &'a str)> {
    let names_one = |line: &str| {
        names.iter().any(|n| {
            line.match_indices(n.as_str())
                .any(|(at, _)| !line[at + n.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    };
    let imports = |line: &str| ["Block::*", "Block::{", "Block as "].iter().any(|p| line.contains(p));
    src.lines().enumerate().filter(|(_, l)| names_one(l) || imports(l)).collect()
}

#[test]
fn no_file_outside_the_blocks_folders_names_a_block_kind() {
    let r = root();
    let exempt = [r.join("verifier-wasm/src/model/blocks"), r.join("prover/src/model/blocks")];
    let names: Vec<String> = variants().iter().map(|v| format!("Block::{v}")).collect();
    // The matcher finds what it looks for: the dispatch files name every block.
    for dir in &exempt {
        let src = fs::read_to_string(dir.join("mod.rs")).expect("a blocks/mod.rs");
        let found = naming_lines(&src, &names);
        for n in &names {
            assert!(found.iter().any(|(_, l)| l.contains(n.as_str())), "{} names no {n}", dir.display());
        }
    }
    let mut files = Vec::new();
    for dir in ["verifier-wasm/src", "prover/src"] {
        rust_files(&r.join(dir), &mut files);
    }
    let outside: Vec<&PathBuf> = files.iter().filter(|f| !exempt.iter().any(|e| f.starts_with(e))).collect();
    assert!(outside.len() > 40, "found the sources outside the blocks folders: {}", outside.len());
    let mut offences = Vec::new();
    for f in outside {
        let src = fs::read_to_string(f).expect("a source file");
        for (k, line) in naming_lines(&src, &names) {
            offences.push(format!("{}:{}: {}", f.strip_prefix(&r).unwrap_or(f).display(), k + 1, line.trim()));
        }
    }
    assert!(
        offences.is_empty(),
        "outside blocks/, code reads the blocks' properties (Block::weights, reads, committed, inverses, \
         FOLDS) instead of naming a block:\n{}",
        offences.join("\n")
    );
}

#[test]
fn block_all_lists_every_variant() {
    let mut all: Vec<String> = Block::ALL.iter().map(|b| format!("{b:?}")).collect();
    let mut declared = variants();
    all.sort();
    declared.sort();
    assert_eq!(all, declared, "Block::ALL and the enum differ");
    let mut names: Vec<&str> = Block::ALL.iter().map(|b| b.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Block::ALL.len(), "two blocks share a name");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let r = root();
    let mut files = Vec::new();
    for dir in ["verifier-wasm", "prover", "tests", "web"] {
        if r.join(dir).is_dir() {
            rust_files(&r.join(dir), &mut files);
        }
    }
    assert!(files.len() > 50, "found the workspace's sources: {}", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).ok()?.lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
}
