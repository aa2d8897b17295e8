//! The workspace's shape: a block is an enum variant (with its arms in the two `blocks/mod.rs`
//! dispatch files), a pair of mirrored files and a spec page, and no source file outside the
//! `blocks` folders names a block kind; no source file is over 800 lines
//! (`docs/ARCHITECTURE.md`, "Adding a block").

use std::fs;
use std::path::{Path, PathBuf};

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

#[test]
fn no_file_outside_the_blocks_folders_names_a_block_kind() {
    let r = root();
    let mut files = Vec::new();
    for dir in ["verifier-wasm/src", "prover/src"] {
        rust_files(&r.join(dir), &mut files);
    }
    let names: Vec<String> = variants().iter().map(|v| format!("Block::{v}")).collect();
    let mut offences = Vec::new();
    for f in files.iter().filter(|f| !f.components().any(|c| c.as_os_str() == "blocks")) {
        let src = fs::read_to_string(f).expect("a source file");
        for (k, line) in src.lines().enumerate() {
            // A name followed by an identifier character is a longer name (`Block::Matmulx`).
            let named = names.iter().any(|n| {
                line.match_indices(n.as_str())
                    .any(|(at, _)| !line[at + n.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
            });
            if named {
                offences.push(format!("{}:{}: {}", f.strip_prefix(&r).unwrap_or(f).display(), k + 1, line.trim()));
            }
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
