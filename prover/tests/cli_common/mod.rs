//! What the CLI tests share: running `prove`, reading its output, temporary folders, fixtures.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `prove` with `args`; tests may seed the blinding of keys and proofs.
pub fn prove(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prove")).args(args).env("ZKML_INSECURE_SEED", "1").output().expect("run prove")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh folder for one test (`name`) of this process.
pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkml-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tests/fixtures/REL`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel)
}

/// `tests/fixtures/models/NAME`.
pub fn model_fixture(name: &str) -> PathBuf {
    fixture(&format!("models/{name}"))
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exit 2 with exactly one line on stderr, which contains every one of `parts`.
#[track_caller]
pub fn fails_in_one_line(o: &Output, parts: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    for p in parts {
        assert!(e.contains(p), "{p:?} missing from: {e}");
    }
}
