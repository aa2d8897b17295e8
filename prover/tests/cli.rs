//! The `prove` command's contract: exit codes (0 valid, 1 invalid, 2 usage or I/O error) and
//! one-line errors that name the file at fault; the model commands end to end on `mnist_mlp`.

mod cli_common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use cli_common::{fails_in_one_line, fixture, model_fixture, prove, s, stderr, stdout, tmp};

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
    // Every tauG1 power (2 * 2^6 - 1) and every tauG2 power.
    assert_eq!((j["g1_powers"].as_u64(), j["g2_powers"].as_u64()), (Some(127), Some(64)));
    assert_eq!(j["origin"]["ceremony_power"], 6);
    assert_eq!(j["origin"]["usable_for_models"], true);

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

/// `mnist_mlp` set up and proven once per test binary (the SRS, setup and proof are the slow
/// part): a dev SRS of 2^17 powers, `prove setup`, `prove prove`.
struct Mnist {
    dir: PathBuf,
    pk: PathBuf,
    vk: PathBuf,
    proof: PathBuf,
    output: PathBuf,
    digest: String,
    prove_stdout: String,
}

fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| {
        let dir = tmp("mnist");
        let srs = dir.join("dev.srs");
        let o = prove(&["srs", "new", "--log-size", "17", "--seed", "1", "-o", s(&srs)]);
        assert!(o.status.success(), "{}", stderr(&o));

        let keys = dir.join("keys");
        let input = model_fixture("mnist_mlp.input.json");
        let onnx = model_fixture("mnist_mlp.onnx");
        let o =
            prove(&["setup", s(&onnx), "--srs", s(&srs), "-o", s(&keys), "--calibration", s(&input), "--seed", "2"]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::remove_file(&srs).unwrap(); // 8 MB, needed by setup only
        let digest = stdout(&o).trim().to_string();
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "digest {digest:?}");

        let (pk, vk) = (keys.join("model.pk"), keys.join("model.vk"));
        let (proof, output) = (dir.join("mnist.proof"), dir.join("out.json"));
        let o = prove(&["prove", "--pk", s(&pk), "--input", s(&input), "-o", s(&proof), "--output", s(&output)]);
        assert!(o.status.success(), "{}", stderr(&o));
        Mnist { dir, pk, vk, proof, output, digest, prove_stdout: stdout(&o) }
    })
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).reduce(|b, i| if v[i] > v[b] { i } else { b }).unwrap()
}

#[test]
fn mnist_setup_prove_verify() {
    let m = mnist();
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(m.vk.with_file_name("model.json")).unwrap()).unwrap();
    assert_eq!(meta["digest"], m.digest.as_str());
    assert_eq!(meta["inputs"][0]["values"], 784);

    // The proven outputs, dequantised, keep the float model's class.
    let out: serde_json::Value = serde_json::from_slice(&std::fs::read(&m.output).unwrap()).unwrap();
    let values: Vec<f64> = out["output_data"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(values.len(), 10);
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model_fixture("mnist_mlp.expected.json")).unwrap()).unwrap();
    let expected: Vec<f64> =
        expected["output_data"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(argmax(&values), argmax(&expected));
    assert!(m.prove_stdout.contains(&format!("argmax: {}", argmax(&expected))), "{}", m.prove_stdout);

    let input = model_fixture("mnist_mlp.input.json");
    let o = prove(&[
        "verify",
        "--vk",
        s(&m.vk),
        "--proof",
        s(&m.proof),
        "--digest",
        &m.digest,
        "--input",
        s(&input),
        "--output",
        s(&m.output),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("valid"), "{text}");
    assert!(text.contains(&m.digest) && text.contains(&format!("argmax:  {}", argmax(&expected))), "{text}");
    assert!(text.contains(&format!("digest:  {} (pinned)", m.digest)), "{text}");
    // Without --digest the verdict says the model was not pinned.
    let o = prove(&["verify", "--vk", s(&m.vk), "--proof", s(&m.proof)]);
    assert!(stdout(&o).contains("(not pinned"), "{}", stdout(&o));
    assert!(text.contains("input:   matches") && text.contains("output:  matches"), "{text}");
}

#[test]
fn mnist_verify_rejects_what_the_proof_does_not_show() {
    let m = mnist();
    let base = ["verify", "--vk", s(&m.vk), "--proof", s(&m.proof)];
    let with = |extra: &[&str]| prove(&[&base[..], extra].concat());
    let invalid = |o: &Output, part: &str| {
        let e = stderr(o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(part), "{part:?} missing from: {e}");
    };

    // A published digest other than the key's.
    invalid(&with(&["--digest", &"ab".repeat(32)]), "was expected");

    // Another input than the proven one.
    let text = std::fs::read_to_string(model_fixture("mnist_mlp.input.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["input_data"][0][300] = serde_json::json!(json["input_data"][0][300].as_f64().unwrap() + 1.0);
    let other = m.dir.join("other.input.json");
    std::fs::write(&other, json.to_string()).unwrap();
    invalid(&with(&["--input", s(&other)]), "element 300");

    // Other outputs than the proven ones: the float model's are more than half a step away.
    invalid(&with(&["--output", s(&model_fixture("mnist_mlp.expected.json"))]), "mnist_mlp.expected.json");

    // A flipped bit of the proven input (header, key digest, input length, then the values).
    let mut bytes = std::fs::read(&m.proof).unwrap();
    bytes[zkml_verifier::envelope::HEADER_BYTES + 32 + 4] ^= 1;
    let bad = m.dir.join("bad.proof");
    std::fs::write(&bad, &bytes).unwrap();
    invalid(&prove(&["verify", "--vk", s(&m.vk), "--proof", s(&bad)]), "bad.proof: the pairing check failed");
}

#[test]
fn undecodable_files_exit_2_and_say_why() {
    let m = mnist();
    let bytes = std::fs::read(&m.proof).unwrap();
    let usage = |o: &Output, part: &str| {
        let e = stderr(o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(part), "{part:?} missing from: {e}");
    };
    // A cut file says how much of it is there.
    let cut = m.dir.join("cut.proof");
    std::fs::write(&cut, &bytes[..500]).unwrap();
    let total = bytes.len();
    let thousands = format!("{},{:03}", total / 1000, total % 1000);
    usage(
        &prove(&["verify", "--vk", s(&m.vk), "--proof", s(&cut)]),
        &format!("cut.proof: truncated accumulated model proof: 500 of {thousands} bytes"),
    );
    // A scalar above the modulus (the proof's last field).
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 32..].fill(0xff);
    let bad_scalar = m.dir.join("bad-scalar.proof");
    std::fs::write(&bad_scalar, &bad).unwrap();
    usage(
        &prove(&["verify", "--vk", s(&m.vk), "--proof", s(&bad_scalar)]),
        "kzg opening: not a canonical field element",
    );
    // Swapped files: a key given as the proof, a proof given as the key.
    usage(&prove(&["verify", "--vk", s(&m.vk), "--proof", s(&m.vk)]), "is not a proof");
    usage(&prove(&["verify", "--vk", s(&m.proof), "--proof", s(&m.proof)]), "expected a model verifying key");
    // With --json, one object on stdout all the same.
    let o = prove(&["verify", "--vk", s(&m.vk), "--proof", s(&cut), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["valid"].as_bool(), j["digest_pinned"].as_bool()), (Some(false), Some(false)), "{j}");
    assert_eq!(j["model_digest"], m.digest.as_str());
    assert!(j["error"].as_str().unwrap().contains("truncated"), "{j}");
}

#[test]
fn mnist_inspect_reports_sizes_and_pairings() {
    let m = mnist();
    let proof_len = std::fs::metadata(&m.proof).unwrap().len();
    for (file, kind) in
        [(&m.vk, "model verifying key"), (&m.pk, "model proving key"), (&m.proof, "accumulated model proof")]
    {
        let o = prove(&["inspect", s(file), "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["kind"], kind);
        assert!(j["pairings"].is_u64(), "{j}");
        assert_eq!(j["pairings"], 5);
        assert_eq!(j["bytes"].as_u64(), Some(std::fs::metadata(file).unwrap().len()));
        assert_eq!(j["format_version"], zkml_verifier::envelope::FORMAT_VERSION);
        if kind != "accumulated model proof" {
            assert_eq!(j["digest"], m.digest.as_str());
            // The key names its parameters: a dev SRS here, with the degree check's G2 powers.
            assert_eq!(j["srs"]["source"], "dev", "{j}");
            assert!(j["srs"]["degree_bound"].as_u64().unwrap() <= j["srs"]["published_g2_powers"].as_u64().unwrap());
            assert_eq!(j["srs"]["points_digest"].as_str().map(str::len), Some(64));
            assert_eq!(j["layers"].as_array().unwrap().len(), 3);
            assert_eq!(j["proof"]["bytes"].as_u64(), Some(proof_len), "{j}");
        } else {
            assert_eq!(j["model_digest"], m.digest.as_str());
            assert_eq!(j["mode"], "accumulated");
            // mnist_mlp's hidden layers have different shapes: nothing folds.
            assert_eq!(j["folds"], 0);
            let sections: u64 = j["sections"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
            assert_eq!(sections, proof_len, "{j}");
        }
        // The text form works too.
        assert!(prove(&["inspect", s(file)]).status.success());
    }

    // The per-layer proof of the same inference: kind 6, verified the same way.
    let per_layer = m.dir.join("per-layer.proof");
    let input = model_fixture("mnist_mlp.input.json");
    let o = prove(&["prove", "--pk", s(&m.pk), "--input", s(&input), "-o", s(&per_layer), "--no-accumulate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prove(&["verify", "--vk", s(&m.vk), "--proof", s(&per_layer), "--digest", &m.digest]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prove(&["inspect", s(&per_layer), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["kind"].as_str(), j["mode"].as_str()), (Some("model proof"), Some("per-layer")));
}

#[test]
fn inspect_reports_classes_and_folds_of_an_accumulated_proof() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/mlp");
    let (vk, proof, per) = (dir.join("deep_mlp.vk"), dir.join("deep_mlp.proof"), dir.join("deep_mlp.per_layer.proof"));
    let o = prove(&["inspect", s(&proof), "--json", "--vk", s(&vk)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["pairings"].as_u64(), j["folds"].as_u64()), (Some(5), Some(6)), "{j}");
    assert_eq!(j["bytes"].as_u64(), Some(std::fs::metadata(&proof).unwrap().len()));
    let classes = j["classes"].as_array().unwrap();
    assert_eq!((classes[0]["instances"].as_u64(), classes[0]["folds"].as_u64()), (Some(7), Some(6)), "{j}");
    // The first layer (reading the public input) and the output layer are checked on their own.
    assert_eq!(classes[1]["layers"], serde_json::json!([0, 8]));
    assert!(j["sections"]["cross_terms"].as_u64().unwrap() > 0);
    // Without the key: the number of accumulators (classes) and folds, from the proof alone.
    let o = prove(&["inspect", s(&proof), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["accumulated_classes"].as_u64(), j["folds"].as_u64()), (Some(1), Some(6)), "{j}");
    assert!(j.get("classes").is_none(), "{j}");
    let o = prove(&["inspect", s(&per), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["accumulated_classes"].as_u64(), j["folds"].as_u64()), (Some(0), Some(0)), "{j}");
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&proof)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&per)]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn mnist_prove_names_bad_inputs_in_one_line() {
    let m = mnist();
    let dir = tmp("bad-inputs");
    let run = |name: &str, text: &str| {
        let input = dir.join(name);
        std::fs::write(&input, text).unwrap();
        prove(&["prove", "--pk", s(&m.pk), "--input", s(&input), "-o", s(&dir.join("p.proof"))])
    };
    fails_in_one_line(&run("malformed.json", "{\"input_data\": [[0.5, 0.25,"), &["malformed.json", "malformed JSON"]);
    fails_in_one_line(
        &run("short.json", "{\"input_data\": [[0.5, 0.25, 1]]}"),
        &["short.json", "input 'input'", "expected 784 values, got 3"],
    );
    fails_in_one_line(&run("text.json", "{\"input_data\": [[\"a\"]]}"), &["text.json"]);
    assert!(!dir.join("p.proof").exists());
    // The key itself: a verifying key is not a proving key.
    let o = prove(&["prove", "--pk", s(&m.vk), "--input", s(&model_fixture("mnist_mlp.input.json")), "-o", "x"]);
    fails_in_one_line(&o, &["model.vk"]);
}

#[test]
fn setup_names_what_it_cannot_use() {
    let dir = tmp("setup-errors");
    let srs = dir.join("small.srs");
    assert!(prove(&["srs", "new", "--log-size", "6", "--seed", "3", "-o", s(&srs)]).status.success());
    let onnx = model_fixture("mnist_mlp.onnx");
    let input = model_fixture("mnist_mlp.input.json");
    let out = dir.join("keys");

    // Unsupported operations are all listed, with their nodes.
    let o = prove(&[
        "setup",
        s(&model_fixture("unsupported.onnx")),
        "--srs",
        s(&srs),
        "-o",
        s(&out),
        "--calibration",
        s(&input),
    ]);
    fails_in_one_line(&o, &["unsupported.onnx", "Softplus", "Softmax"]);

    // No calibration input: asks for one.
    let o = prove(&["setup", s(&onnx), "--srs", s(&srs), "-o", s(&out)]);
    fails_in_one_line(&o, &["mnist_mlp.onnx", "--calibration"]);

    // A calibration input that does not fit the model.
    let short = dir.join("short.json");
    std::fs::write(&short, "{\"input_data\": [[1, 2]]}").unwrap();
    let o = prove(&["setup", s(&onnx), "--srs", s(&srs), "-o", s(&out), "--calibration", s(&short)]);
    fails_in_one_line(&o, &["short.json", "expected 784 values, got 2"]);

    // An SRS too small for the model.
    let o = prove(&["setup", s(&onnx), "--srs", s(&srs), "-o", s(&out), "--calibration", s(&input)]);
    fails_in_one_line(&o, &["small.srs", "log size"]);
    assert!(!out.join("model.pk").exists());
}

#[test]
fn deep_onnx_model_folds_through_the_cli() {
    // tests/fixtures/models/deep_mlp.onnx: 32 -> [32, relu] x 8 -> 10; the eight hidden layers fold.
    let dir = tmp("deep");
    let srs = dir.join("dev.srs");
    assert!(prove(&["srs", "new", "--log-size", "16", "--seed", "3", "-o", s(&srs)]).status.success());
    let keys = dir.join("keys");
    let input = model_fixture("deep_mlp.input.json");
    let o = prove(&[
        "setup",
        s(&model_fixture("deep_mlp.onnx")),
        "--srs",
        s(&srs),
        "-o",
        s(&keys),
        "--calibration",
        s(&input),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let digest = stdout(&o).trim().to_string();
    let (pk, vk) = (keys.join("model.pk"), keys.join("model.vk"));
    let (acc, per) = (dir.join("acc.proof"), dir.join("per.proof"));
    let output = dir.join("out.json");
    let o = prove(&["prove", "--pk", s(&pk), "--input", s(&input), "-o", s(&acc), "--output", s(&output)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prove(&["prove", "--pk", s(&pk), "--input", s(&input), "-o", s(&per), "--no-accumulate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for p in [&acc, &per] {
        let o = prove(&["verify", "--vk", s(&vk), "--proof", s(p), "--digest", &digest, "--output", s(&output)]);
        assert!(o.status.success(), "{}: {}", p.display(), stderr(&o));
    }
    let o = prove(&["inspect", s(&acc), "--json", "--vk", s(&vk)]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Layer 0 reads the public input and is checked on its own.
    assert_eq!(j["classes"][0]["layers"], serde_json::json!([1, 2, 3, 4, 5, 6, 7]));
    assert_eq!((j["folds"].as_u64(), j["pairings"].as_u64()), (Some(6), Some(5)));

    // Verification on a dev SRS is valid but says whose word it rests on.
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&acc)]);
    assert!(stdout(&o).contains("srs:     dev"), "{}", stdout(&o));
    assert!(stderr(&o).contains("warning: this key was made on a dev SRS"), "{}", stderr(&o));

    // The key's public commitments are what its SRS gives; under another SRS they are not.
    let o = prove(&["check-key", "--vk", s(&vk), "--srs", s(&srs), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["honest"].as_bool(), j["srs"].as_str()), (Some(true), Some("dev")), "{j}");
    let other = dir.join("other.srs");
    assert!(prove(&["srs", "new", "--log-size", "15", "--seed", "4", "-o", s(&other)]).status.success());
    let o = prove(&["check-key", "--vk", s(&vk), "--srs", s(&other)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("NOT honest") && stderr(&o).contains("lookup table"), "{}", stderr(&o));
    let (a, p) = (std::fs::metadata(&acc).unwrap().len(), std::fs::metadata(&per).unwrap().len());
    assert!(a < p, "accumulated {a} bytes, per-layer {p}");
    // The verifying key's description lists the same class and both proof sizes.
    let o = prove(&["inspect", s(&vk), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["proof"]["bytes"].as_u64(), j["per_layer_proof_bytes"].as_u64()), (Some(a), Some(p)), "{j}");
    // A flipped byte in the cross-term section (right after round 2): a point off the curve does
    // not decode (exit 2), another point fails the pairing check (exit 1).
    let mut bytes = std::fs::read(&acc).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 4;
    let bad = dir.join("bad.proof");
    std::fs::write(&bad, &bytes).unwrap();
    let o = prove(&["verify", "--vk", s(&vk), "--proof", s(&bad)]);
    match o.status.code() {
        Some(1) => assert!(stderr(&o).contains("the pairing check failed"), "{}", stderr(&o)),
        Some(2) => assert!(stderr(&o).contains("not a valid point"), "{}", stderr(&o)),
        c => panic!("exit {c:?}: {}", stderr(&o)),
    }
}

#[test]
fn seeded_blinding_is_refused_outside_tests() {
    let dir = tmp("seed-refused");
    let o = Command::new(env!("CARGO_BIN_EXE_prove"))
        .args(["prove", "--pk", "missing.pk", "--input", "missing.json", "-o", s(&dir.join("p")), "--seed", "1"])
        .env_remove("ZKML_INSECURE_SEED")
        .output()
        .unwrap();
    // The key is read first; a seeded prove of a real key is refused before any blinding is drawn.
    assert_eq!(o.status.code(), Some(2));
    let m = mnist();
    let o = Command::new(env!("CARGO_BIN_EXE_prove"))
        .args([
            "prove",
            "--pk",
            s(&m.pk),
            "--input",
            s(&model_fixture("mnist_mlp.input.json")),
            "-o",
            s(&dir.join("p")),
        ])
        .args(["--seed", "1"])
        .env_remove("ZKML_INSECURE_SEED")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--seed makes the blinding"), "{}", stderr(&o));
    assert!(!dir.join("p").exists());
}

#[test]
fn a_crafted_proving_key_is_refused_without_a_panic() {
    // The security review's crafted key: table_bits = 200 made `inspect` overflow a shift.
    let m = mnist();
    let mut pk = zkml_prover::model::ModelProvingKey::from_bytes(&std::fs::read(&m.pk).unwrap()).unwrap();
    pk.vk.table_bits = 200;
    let crafted = m.dir.join("crafted.pk");
    std::fs::write(&crafted, pk.to_bytes()).unwrap();
    let input = model_fixture("mnist_mlp.input.json");
    for args in [
        vec!["inspect", s(&crafted)],
        vec!["prove", "--pk", s(&crafted), "--input", s(&input), "-o", s(&m.dir.join("crafted.proof"))],
    ] {
        let o = prove(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("the proving key's verifying key: scale or table bits out of range"),
            "{}",
            stderr(&o)
        );
    }
}
