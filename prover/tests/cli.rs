//! The `prove` command's contract: exit codes (0 valid, 1 invalid, 2 usage or I/O error) and
//! one-line errors that name the file at fault.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn prove(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prove")).args(args).output().expect("run prove")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkml-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn srs_kzg_demo_verify_inspect_round_trip() {
    let dir = tmp("roundtrip");
    let srs = dir.join("dev.srs");
    let o = prove(&["srs", "new", "--log-size", "6", "--seed", "1", "-o", s(&srs)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("INSECURE"));

    let out = dir.join("kzg");
    let o = prove(&["kzg-demo", "--srs", s(&srs), "-o", s(&out), "--degree", "20", "--seed", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (vk, proof) = (out.join("kzg.vk"), out.join("kzg.proof"));

    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&proof)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.starts_with("valid"), "{stdout}");
    let digest = stdout.rsplit(' ').next().unwrap().trim().to_string();
    assert_eq!(digest.len(), 64);

    // The published digest is checked when given.
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&proof), "--digest", &digest]);
    assert_eq!(o.status.code(), Some(0));
    let wrong = "00".repeat(32);
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&proof), "--digest", &wrong]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("was expected"), "{}", stderr(&o));
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&proof), "--digest", "xyz"]);
    assert_eq!(o.status.code(), Some(2));

    // A flipped byte is an invalid proof (exit 1) with a one-line reason naming the file.
    let mut bytes = std::fs::read(&proof).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = dir.join("bad.proof");
    std::fs::write(&bad, &bytes).unwrap();
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.proof"));
    assert_eq!(stderr(&o).lines().count(), 1);

    // Missing file: exit 2.
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&dir.join("missing"))]);
    assert_eq!(o.status.code(), Some(2));

    let o = prove(&["inspect", s(&proof), "--json"]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "KZG batch-opening proof");
    assert_eq!(j["pairings"], 2);
    assert_eq!(j["bytes"], std::fs::metadata(&proof).unwrap().len());
    let o = prove(&["inspect", s(&srs)]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("insecure"));
}

#[test]
fn srs_import_accepts_a_ceremony_file_and_names_problems() {
    let dir = tmp("import");
    let ptau = fixture("ptau/pot6.ptau");
    let out = dir.join("c.srs");
    let o = prove(&["srs", "import", s(&ptau), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prove(&["inspect", s(&out), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["g1_powers"], 64);
    assert_eq!(j["origin"]["ceremony_power"], 6);

    let bytes = std::fs::read(&ptau).unwrap();
    let truncated = dir.join("truncated.ptau");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let o = prove(&["srs", "import", s(&truncated), "-o", s(&dir.join("t.srs"))]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("truncated.ptau") && e.contains("truncated"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");

    // Corrupt a coordinate of a tauG1 point (section 2 follows the 12-byte file header, the
    // 12-byte section-1 entry and its 44-byte body, then the 12-byte section-2 entry).
    let mut bad = bytes.clone();
    let tau_g1 = 12 + 12 + 44 + 12;
    bad[tau_g1 + 64 * 3 + 5] ^= 0x10;
    let corrupted = dir.join("corrupted.ptau");
    std::fs::write(&corrupted, &bad).unwrap();
    let o = prove(&["srs", "import", s(&corrupted), "-o", s(&dir.join("c2.srs"))]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("corrupted.ptau") && e.contains("tauG1 point 3"), "{e}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(prove(&["verify"]).status.code(), Some(2));
    assert_eq!(prove(&["srs", "new", "--log-size", "0", "-o", "x"]).status.code(), Some(2));
    assert_eq!(prove(&["frobnicate"]).status.code(), Some(2));
}
