//! What a user meets around the proof: keys that are not overwritten by accident, names and
//! labels in the key, machine-readable verdicts, quantisation with headroom and a dry run, output
//! paths checked before proving.

mod cli_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use cli_common::{fails_in_one_line, fixture, model_fixture, prove, s, stderr, stdout, tmp};
use serde_json::Value;

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

/// The sample image of `mnist_mlp` changed pixel by pixel, written as an input file.
fn image(dir: &Path, name: &str, f: impl Fn(f64, f64, f64) -> f64) -> PathBuf {
    let text = std::fs::read_to_string(model_fixture("mnist_mlp.input.json")).unwrap();
    let j: Value = serde_json::from_str(&text).unwrap();
    let pixels: Vec<f64> = j["input_data"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (lo, hi) = pixels.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let changed: Vec<f64> = pixels.iter().map(|&v| f(v, lo, hi)).collect();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::json!({ "input_data": [changed] }).to_string()).unwrap();
    path
}

/// `prove setup mnist_mlp.onnx --srs SRS -o OUT --calibration mnist_mlp.input.json EXTRA...`.
fn setup_mnist(srs: &Path, out: &Path, extra: &[&str]) -> Output {
    let (onnx, sample) = (model_fixture("mnist_mlp.onnx"), model_fixture("mnist_mlp.input.json"));
    let base = ["setup", s(&onnx), "--srs", s(srs), "-o", s(out), "--calibration", s(&sample)];
    prove(&[&base[..], extra].concat())
}

struct Keys {
    dir: PathBuf,
    srs: PathBuf,
    pk: PathBuf,
    vk: PathBuf,
    digest: String,
}

/// `mnist_mlp` set up once, with a name and labels, on a dev SRS of 2^17 powers.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tmp("keys");
        let srs = dir.join("dev.srs");
        let o = prove(&["srs", "new", "--log-size", "17", "--seed", "1", "-o", s(&srs)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let labels = dir.join("labels.txt");
        let names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        std::fs::write(&labels, names.join("\n") + "\n").unwrap();
        let out = dir.join("keys");
        let o = setup_mnist(&srs, &out, &["--name", "MNIST digits", "--labels", s(&labels), "--seed", "2"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let digest = stdout(&o).trim().to_string();
        Keys { pk: out.join("model.pk"), vk: out.join("model.vk"), dir, srs, digest }
    })
}

#[test]
fn setup_refuses_to_replace_keys_without_force() {
    let k = keys();
    let out = k.pk.parent().unwrap();
    let before = std::fs::read(&k.vk).unwrap();
    let o = setup_mnist(&k.srs, out, &[]);
    fails_in_one_line(&o, &["keys exist already", &k.digest, "--force"]);
    assert_eq!(std::fs::read(&k.vk).unwrap(), before, "the published key was touched");

    // --force replaces them (in a copy, so the other tests keep theirs), with a new digest.
    let copy = k.dir.join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["model.pk", "model.vk"] {
        std::fs::copy(out.join(f), copy.join(f)).unwrap();
    }
    let o = setup_mnist(&k.srs, &copy, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let digest = stdout(&o).trim().to_string();
    assert_ne!(digest, k.digest);
    // An output "directory" that is a file is refused before anything is done.
    let o = setup_mnist(&k.srs, &k.vk, &[]);
    fails_in_one_line(&o, &["model.vk", "not a directory"]);
}

#[test]
fn the_key_carries_name_labels_and_input_shape() {
    let k = keys();
    let o = prove(&["inspect", s(&k.vk), "--json"]);
    let j = json(&o);
    assert_eq!(j["name"], "MNIST digits");
    assert_eq!(j["labels"][7], "seven");
    assert_eq!(j["input_shape"], serde_json::json!([1, 1, 28, 28]));

    // Labels must match the outputs, one each.
    let dir = tmp("labels");
    let few = dir.join("few.json");
    std::fs::write(&few, r#"["a", "b"]"#).unwrap();
    let o = setup_mnist(&k.srs, &dir.join("keys"), &["--labels", s(&few)]);
    fails_in_one_line(&o, &["few.json", "2 labels", "10 output values"]);
}

#[test]
fn prove_and_verify_print_json() {
    let k = keys();
    let dir = tmp("json");
    let proof = dir.join("sample.proof");
    let input = model_fixture("mnist_mlp.input.json");
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&input), "-o", s(&proof), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = json(&o);
    assert_eq!(p["model_digest"], k.digest.as_str());
    assert_eq!(p["proof_bytes"].as_u64(), Some(std::fs::metadata(&proof).unwrap().len()));
    assert_eq!(p["outputs"][0]["values"].as_array().unwrap().len(), 10);
    let argmax = p["argmax"].as_u64().unwrap() as usize;
    let names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    assert_eq!(p["label"], names[argmax]);

    // Pinned, with the digest read from a file.
    let digest_file = dir.join("model.digest");
    std::fs::write(&digest_file, format!("{}\n", k.digest)).unwrap();
    let pin = format!("@{}", s(&digest_file));
    let o = prove(&["verify", "--vk", s(&k.vk), "--proof", s(&proof), "--digest", &pin, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["valid"], true);
    assert_eq!(v["model_digest"], k.digest.as_str());
    assert_eq!(v["digest_pinned"], true);
    assert_eq!(v["srs"], "dev");
    assert_eq!(v["model_name"], "MNIST digits");
    assert_eq!(v["inputs"][0]["values"].as_array().unwrap().len(), 784);
    assert_eq!(v["outputs"][0]["values"], p["outputs"][0]["values"]);
    assert_eq!(v["label"], names[argmax]);
    // Not pinned: valid, and it says so.
    let o = prove(&["verify", "--vk", s(&k.vk), "--proof", s(&proof), "--json"]);
    assert_eq!(json(&o)["digest_pinned"], false);
    // Another digest: invalid (exit 1), still one object.
    let o = prove(&["verify", "--vk", s(&k.vk), "--proof", s(&proof), "--digest", &"ab".repeat(32), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!((v["valid"].as_bool(), v["error_kind"].as_str()), (Some(false), Some("invalid")));
    assert!(v["error"].as_str().unwrap().contains("was expected"), "{v}");
    // The text verdict shows the name and the label.
    let o = prove(&["verify", "--vk", s(&k.vk), "--proof", s(&proof)]);
    let text = stdout(&o);
    assert!(text.contains("model:   MNIST digits"), "{text}");
    assert!(text.contains(&format!("argmax:  {argmax} ({})", names[argmax])), "{text}");
}

/// Calibrated on one digit (the default headroom), an all-white, an all-black and a 1.5 times
/// brighter image prove and verify.
#[test]
fn natural_inputs_prove_after_calibrating_on_one_sample() {
    let k = keys();
    let dir = tmp("natural");
    for (name, path) in [
        ("white", image(&dir, "white.json", |_, _, hi| hi)),
        ("black", image(&dir, "black.json", |_, lo, _| lo)),
        ("bright", image(&dir, "bright.json", |v, _, _| 1.5 * v)),
    ] {
        let proof = dir.join(format!("{name}.proof"));
        let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&path), "-o", s(&proof)]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let o = prove(&["verify", "--vk", s(&k.vk), "--proof", s(&proof), "--digest", &k.digest, "--input", s(&path)]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    }
}

#[test]
fn out_of_range_inputs_name_the_node_and_the_flags() {
    let k = keys();
    let dir = tmp("range");
    let huge = image(&dir, "huge.json", |v, _, _| 40.0 * v + 1.0);
    let proof = dir.join("huge.proof");
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&huge), "-o", s(&proof)]);
    fails_in_one_line(&o, &["huge.json", "node '/1/Gemm'", "--calibration", "--headroom-bits", "--table-bits"]);
    assert!(!proof.exists());

    // The dry run shows it without an SRS, and which flags make it fit.
    let onnx = model_fixture("mnist_mlp.onnx");
    let sample = model_fixture("mnist_mlp.input.json");
    let o = prove(&["dry-run", s(&onnx), "--calibration", s(&sample), "--input", s(&huge)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("scale 2^7, 14-bit tables, headroom 2 bits"), "{text}");
    assert!(text.contains("OUT OF RANGE"), "{text}");
    assert!(stderr(&o).contains("--headroom-bits"), "{}", stderr(&o));
    // Calibrated on the large input too, at a coarser scale, it fits.
    let o = prove(&[
        "dry-run",
        s(&onnx),
        "--calibration",
        s(&sample),
        "--calibration",
        s(&huge),
        "--scale-bits",
        "1..12",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    assert!(j["scale_bits"].as_u64().unwrap() < 7, "{j}");
    assert!(j["inputs"].as_array().unwrap().iter().all(|i| i["fits"] == true), "{j}");
    let nodes = j["nodes"].as_array().unwrap();
    assert!(nodes.iter().all(|n| n["usage"].as_f64().unwrap() <= 0.25), "{j}");
    // Bad flags are named.
    let o = prove(&["dry-run", s(&onnx), "--calibration", s(&sample), "--scale-bits", "x"]);
    fails_in_one_line(&o, &["--scale-bits"]);
    let o = prove(&["dry-run", s(&onnx), "--calibration", s(&sample), "--table-bits", "4", "--headroom-bits", "4"]);
    fails_in_one_line(&o, &["headroom"]);
}

#[test]
fn output_paths_are_checked_before_proving() {
    let k = keys();
    let dir = tmp("outputs");
    let input = model_fixture("mnist_mlp.input.json");
    // A directory as the proof file.
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&input), "-o", s(&dir)]);
    fails_in_one_line(&o, &["is a directory"]);
    // An output file under a file.
    let file = dir.join("file");
    std::fs::write(&file, b"x").unwrap();
    let proof = dir.join("p.proof");
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&input), "-o", s(&proof), "--output", s(&file.join("o"))]);
    fails_in_one_line(&o, &["not a directory"]);
    assert!(!proof.exists(), "a proof was written although an output path was bad");
}

#[test]
fn inspect_with_another_models_key_says_so() {
    let k = keys();
    let dir = tmp("inspect");
    let proof = dir.join("p.proof");
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&model_fixture("mnist_mlp.input.json")), "-o", s(&proof)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let other = fixture("mlp/deep_mlp.vk");
    let o = prove(&["inspect", s(&proof), "--vk", s(&other)]);
    fails_in_one_line(&o, &["another model", &k.digest]);
    let o = prove(&["inspect", s(&proof), "--vk", s(&k.vk), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    // `prove inspect KEY | head -1`: the reader goes away before the command writes.
    let vk = fixture("mlp/mnist_mlp.vk");
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_prove"))
            .args(["inspect", s(&vk)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

#[test]
fn bad_numbers_say_what_is_allowed() {
    let dir = tmp("numbers");
    let onnx = model_fixture("mnist_mlp.onnx");
    // Python's json.dumps writes NaN: the message says JSON has none.
    let nan = dir.join("nan.json");
    std::fs::write(&nan, r#"{"input_data": [[0.5, NaN, 1]]}"#).unwrap();
    let o = prove(&["dry-run", s(&onnx), "--calibration", s(&nan)]);
    fails_in_one_line(&o, &["nan.json", "line 1, column 23", "NaN and Infinity are not JSON numbers"]);
    // A value too large for the key's scale: the allowed range is given.
    let k = keys();
    let big = image(&dir, "big.json", |v, _, _| if v > 0.99 { 1e30 } else { v });
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&big), "-o", s(&dir.join("p.proof"))]);
    fails_in_one_line(&o, &["big.json", "cannot be quantised at scale 2^7", "within ±16777216"]);
    // An input of another model: the key and its model are named.
    let o = prove(&["prove", "--pk", s(&k.pk), "--input", s(&model_fixture("deep_mlp.input.json")), "-o", "x"]);
    fails_in_one_line(&o, &["expected 784 values, got 32", "model 'MNIST digits'", "model.pk"]);
}
