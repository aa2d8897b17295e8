//! The verifier compiled to WebAssembly and run in headless Chromium (wasm-bindgen-test):
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome tests
//! ```
//!
//! Both the Rust API and the JS-facing bindings (`zkml_verifier::wasm`) are checked on the pinned
//! fixture, on every single-bit flip of the proof and of the key, on a changed claimed evaluation,
//! and on truncated and garbage input. A panic inside the verifier would trap the module and fail
//! the test, so passing also shows that none of these inputs traps.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use zkml_tests::{kzg_fixture as f, KZG_PROOF, KZG_VK};
use zkml_verifier::artifact::{verify_kzg_batch, KzgBatchArtifact};
use zkml_verifier::codec::{FR_BYTES, G1_BYTES};
use zkml_verifier::envelope::{self, Artifact, Kind, FORMAT_VERSION, HEADER_BYTES};
use zkml_verifier::{wasm, DecodeError, Error, Fr};

wasm_bindgen_test_configure!(run_in_browser);

/// What `verifyKzgBatch` returns to JavaScript.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsResult {
    valid: bool,
    error: Option<String>,
    code: Option<String>,
    vk_digest: Option<String>,
    commitments: Option<usize>,
    points: Option<usize>,
    queries: Option<usize>,
    pairings: Option<usize>,
}

/// What `inspect` returns to JavaScript.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsInspection {
    kind: String,
    format_version: u16,
    bytes: usize,
}

/// The part of a thrown JavaScript `Error` the tests look at.
#[derive(Debug, Deserialize)]
struct JsErrorObject {
    name: String,
    message: String,
    /// `DECODE` or `BAD_ARGUMENT` (`zkml_verifier::wasm::error_code`).
    code: String,
}

/// The outcome of a call of a JS-facing function: a returned value or a thrown error.
enum Js<T> {
    Returned(T),
    Threw(JsErrorObject),
}

fn from_js<T: for<'de> Deserialize<'de>>(r: Result<JsValue, JsValue>) -> Js<T> {
    match r {
        Ok(v) => Js::Returned(serde_wasm_bindgen::from_value(v).expect("unexpected result shape")),
        Err(e) => {
            let e: JsErrorObject =
                serde_wasm_bindgen::from_value(e).expect("the thrown value is not an Error with a message and a code");
            assert_eq!(e.name, "Error");
            assert!(!e.message.is_empty(), "thrown Error without a message");
            assert!(["DECODE", "BAD_ARGUMENT"].contains(&e.code.as_str()), "thrown code {}", e.code);
            Js::Threw(e)
        }
    }
}

fn js_verify(vk: &[u8], proof: &[u8]) -> Js<JsResult> {
    from_js(wasm::verify_kzg_batch(vk, proof))
}

/// The JS-facing function throws (malformed input) and returns the message.
#[track_caller]
fn js_throws(vk: &[u8], proof: &[u8], what: &str) -> String {
    match js_verify(vk, proof) {
        Js::Threw(e) => e.message,
        Js::Returned(r) => panic!("{what}: returned {r:?} instead of throwing"),
    }
}

/// The input is rejected by both APIs, consistently: decode errors throw in JS, every other
/// error returns `{ valid: false, error }` with the Rust error's message.
#[track_caller]
fn assert_rejected(vk: &[u8], proof: &[u8], what: &str) {
    let err = match verify_kzg_batch(vk, proof) {
        Ok(s) => panic!("{what}: accepted ({s:?})"),
        Err(e) => e,
    };
    match (js_verify(vk, proof), &err) {
        (Js::Threw(e), Error::Decode(_)) => {
            assert_eq!(e.message, err.to_string(), "{what}");
            assert_eq!(e.code, "DECODE", "{what}");
        }
        (Js::Returned(r), _) if !matches!(err, Error::Decode(_)) => {
            assert!(!r.valid, "{what}: JS accepted");
            assert_eq!(r.error.as_deref(), Some(err.to_string().as_str()), "{what}");
            assert_eq!(r.code.as_deref(), Some(wasm::error_code(&err)), "{what}");
            assert_eq!(r.vk_digest, None, "{what}");
        }
        (Js::Threw(e), _) => panic!("{what}: JS threw {e:?} for a non-decode error {err:?}"),
        (Js::Returned(r), _) => panic!("{what}: JS returned {r:?} for a decode error {err:?}"),
    }
}

fn flipped(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[i] ^= 0x01;
    b
}

#[wasm_bindgen_test]
fn pinned_fixture_verifies_through_the_rust_api() {
    let s = verify_kzg_batch(KZG_VK, KZG_PROOF).expect("the pinned fixture does not verify");
    let artifact = KzgBatchArtifact::from_artifact_bytes(KZG_PROOF).unwrap();
    assert_eq!(s.vk_digest, artifact.vk_digest);
    assert_eq!((s.commitments, s.points, s.queries), (f::POLYS, f::POINTS, f::POLYS * f::POINTS));
    // The batch folds every point into one two-pairing product check.
    assert_eq!(s.pairings, 2);
}

#[wasm_bindgen_test]
fn pinned_fixture_verifies_through_the_js_bindings() {
    let r = match js_verify(KZG_VK, KZG_PROOF) {
        Js::Returned(r) => r,
        Js::Threw(e) => panic!("verifyKzgBatch threw: {}", e.message),
    };
    assert!(r.valid, "rejected: {:?}", r.error);
    assert_eq!(r.error, None);
    let digest = r.vk_digest.expect("no vkDigest");
    let s = verify_kzg_batch(KZG_VK, KZG_PROOF).unwrap();
    assert_eq!(digest, s.vk_digest.to_hex());
    assert_eq!(digest.len(), 64);
    assert!(digest.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert_eq!((r.commitments, r.points, r.queries, r.pairings), (Some(3), Some(2), Some(6), Some(2)));
}

#[wasm_bindgen_test]
fn self_test_passes_in_the_browser() {
    // Arithmetic, then the bundled deep MLP proof verified and, with one output changed, rejected.
    assert!(wasm::self_test());
}

#[wasm_bindgen_test]
fn inspect_and_format_version() {
    assert_eq!(wasm::format_version(), FORMAT_VERSION);
    for (bytes, kind) in [(KZG_VK, "KZG verifying key"), (KZG_PROOF, "KZG batch-opening proof")] {
        match from_js::<JsInspection>(wasm::inspect(bytes)) {
            Js::Returned(i) => {
                assert_eq!(i.kind, kind);
                assert_eq!(i.format_version, FORMAT_VERSION);
                assert_eq!(i.bytes, bytes.len());
            }
            Js::Threw(e) => panic!("inspect threw: {}", e.message),
        }
    }
    match from_js::<JsInspection>(wasm::inspect(b"not an artifact")) {
        Js::Threw(e) => assert!(e.message.contains("magic"), "{}", e.message),
        Js::Returned(i) => panic!("inspect of garbage returned {i:?}"),
    }
}

/// Every flip goes through the JS-facing function, which runs the Rust API
/// (`artifact::verify_kzg_batch`) inside; the Rust decoder's verdict on the flipped proof says
/// which way it must fail. (Running the full Rust verification a second time per flip would
/// double the run, and the whole test binary has the runner's 20 s budget by default.)
#[wasm_bindgen_test]
fn every_bit_flip_of_the_proof_is_rejected() {
    let (mut threw, mut invalid) = (0, 0);
    for i in 0..KZG_PROOF.len() {
        let what = format!("proof byte {i} ^ 0x01");
        let proof = flipped(KZG_PROOF, i);
        match (KzgBatchArtifact::from_artifact_bytes(&proof), js_verify(KZG_VK, &proof)) {
            (Err(e), Js::Threw(t)) => {
                assert_eq!(t.message, Error::Decode(e).to_string(), "{what}");
                threw += 1;
            }
            (Ok(_), Js::Returned(r)) => {
                assert!(!r.valid, "{what}: accepted");
                let error = r.error.unwrap_or_default();
                assert!(!error.is_empty(), "{what}: invalid without an error");
                assert!(!error.starts_with("malformed input"), "{what}: {error}");
                assert_eq!(r.vk_digest, None, "{what}");
                invalid += 1;
            }
            (Err(e), Js::Returned(r)) => panic!("{what}: decode error {e:?} but JS returned {r:?}"),
            (Ok(_), Js::Threw(t)) => panic!("{what}: well-formed but JS threw {}", t.message),
        }
    }
    // Both paths are exercised: bad encodings throw, well-formed wrong values are invalid.
    assert!(threw > 0 && invalid > 0, "threw {threw}, invalid {invalid}");
    // The same through the Rust API directly, for the flips in the first query's claimed
    // evaluation: a pairing failure, or a non-canonical scalar where the flip leaves the field.
    let at = first_eval_offset();
    for i in at..at + FR_BYTES {
        let what = format!("proof byte {i} ^ 0x01");
        match verify_kzg_batch(KZG_VK, &flipped(KZG_PROOF, i)) {
            Err(Error::PairingCheckFailed) => {}
            Err(Error::Decode(DecodeError::InvalidScalar { .. })) if i == at + FR_BYTES - 1 => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    verify_kzg_batch(KZG_VK, KZG_PROOF).expect("the verifier is unhealthy after the flips");
}

/// Offset of `queries[0].eval` in the pinned proof (docs/formats.md): the header, the key digest,
/// then length-prefixed commitments, points and queries (`u32` poly, `u32` point, eval).
fn first_eval_offset() -> usize {
    let a = KzgBatchArtifact::from_artifact_bytes(KZG_PROOF).unwrap();
    let at = HEADER_BYTES + 32 + (4 + G1_BYTES * a.commitments.len()) + (4 + FR_BYTES * a.points.len()) + 4 + 8;
    // Cross-check: changing that evaluation changes bytes inside that range only.
    let mut changed = a.clone();
    changed.queries[0].eval = -a.queries[0].eval;
    let changed = changed.to_artifact_bytes();
    let diff: Vec<usize> = (0..KZG_PROOF.len()).filter(|&i| KZG_PROOF[i] != changed[i]).collect();
    assert!(diff.iter().all(|i| (at..at + FR_BYTES).contains(i)), "{diff:?}");
    at
}

#[wasm_bindgen_test]
fn every_bit_flip_of_the_key_is_rejected() {
    for i in 0..KZG_VK.len() {
        assert_rejected(&flipped(KZG_VK, i), KZG_PROOF, &format!("key byte {i} ^ 0x01"));
    }
    verify_kzg_batch(KZG_VK, KZG_PROOF).expect("the verifier is unhealthy after the flips");
}

#[wasm_bindgen_test]
fn a_changed_claimed_evaluation_fails_the_pairing_check() {
    let mut artifact = KzgBatchArtifact::from_artifact_bytes(KZG_PROOF).unwrap();
    artifact.queries[0].eval += Fr::from(1u64);
    let tampered = artifact.to_artifact_bytes();
    assert_eq!(tampered.len(), KZG_PROOF.len());
    assert_eq!(verify_kzg_batch(KZG_VK, &tampered), Err(Error::PairingCheckFailed));
    match js_verify(KZG_VK, &tampered) {
        Js::Returned(r) => {
            assert!(!r.valid);
            assert_eq!(r.error.as_deref(), Some(Error::PairingCheckFailed.to_string().as_str()));
            assert_eq!((r.vk_digest, r.commitments, r.points, r.queries, r.pairings), (None, None, None, None, None));
        }
        Js::Threw(e) => panic!("threw for a well-formed proof: {}", e.message),
    }
}

#[wasm_bindgen_test]
fn truncated_input_is_malformed() {
    // Every prefix of the proof throws in JS with the Rust decoder's message (the key is decoded
    // on each call, so the Rust API runs the full path only on a sample of lengths).
    for n in 0..KZG_PROOF.len() {
        let what = format!("proof truncated to {n} bytes");
        let e = KzgBatchArtifact::from_artifact_bytes(&KZG_PROOF[..n]).expect_err(&what);
        assert_eq!(js_throws(KZG_VK, &KZG_PROOF[..n], &what), Error::Decode(e).to_string(), "{what}");
        if n % 16 == 0 || n + 1 == KZG_PROOF.len() {
            assert!(matches!(verify_kzg_batch(KZG_VK, &KZG_PROOF[..n]), Err(Error::Decode(_))), "{what}");
        }
    }
    for n in 0..KZG_VK.len() {
        let what = format!("key truncated to {n} bytes");
        assert!(matches!(verify_kzg_batch(&KZG_VK[..n], KZG_PROOF), Err(Error::Decode(_))), "{what}");
        js_throws(&KZG_VK[..n], KZG_PROOF, &what);
    }
    // A cut file: the envelope's length says how much is missing.
    let cut = &KZG_PROOF[..HEADER_BYTES + 33];
    let (actual, expected) = (cut.len() as u64, KZG_PROOF.len() as u64);
    assert_eq!(
        verify_kzg_batch(KZG_VK, cut),
        Err(Error::Decode(DecodeError::Truncated { kind: Kind::KzgBatchProof, actual, expected }))
    );
    let msg = js_throws(KZG_VK, cut, "cut file");
    assert!(msg.contains(&format!("truncated KZG batch-opening proof: {actual} of")), "{msg}");
    // A payload cut inside the commitments' length prefix (after the header and the key digest),
    // with a header that declares the cut length.
    let mut resealed = cut.to_vec();
    envelope::seal(&mut resealed);
    assert!(matches!(verify_kzg_batch(KZG_VK, &resealed), Err(Error::Decode(DecodeError::UnexpectedEnd { .. }))));
    assert!(js_throws(KZG_VK, &resealed, "cut length prefix").contains("truncated input"));
    // One trailing byte.
    let mut long = KZG_PROOF.to_vec();
    long.push(0);
    assert!(matches!(verify_kzg_batch(KZG_VK, &long), Err(Error::Decode(DecodeError::TrailingBytes { count: 1, .. }))));
    js_throws(KZG_VK, &long, "one trailing byte");
}

#[wasm_bindgen_test]
fn garbage_is_malformed() {
    assert_eq!(verify_kzg_batch(KZG_VK, b"hello, world"), Err(Error::Decode(DecodeError::BadMagic)));
    assert!(js_throws(KZG_VK, b"hello, world", "text").contains("magic"));
    // The files swapped: the message names both kinds.
    let msg = js_throws(KZG_VK, KZG_VK, "key as proof");
    assert!(msg.contains("KZG verifying key") && msg.contains("KZG batch-opening proof"), "{msg}");
    assert!(matches!(verify_kzg_batch(KZG_PROOF, KZG_VK), Err(Error::Decode(DecodeError::WrongKind { .. }))));
    // Deterministic pseudo-random bytes, bare and behind a valid envelope header.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_le_bytes()[0]
    };
    for k in 0..32 {
        let mut proof: Vec<u8> = (0..KZG_PROOF.len()).map(|_| next()).collect();
        assert_rejected(KZG_VK, &proof, &format!("garbage proof #{k}"));
        proof[..HEADER_BYTES].copy_from_slice(&KZG_PROOF[..HEADER_BYTES]);
        assert_rejected(KZG_VK, &proof, &format!("garbage proof payload #{k}"));
        let mut vk: Vec<u8> = (0..KZG_VK.len()).map(|_| next()).collect();
        vk[..HEADER_BYTES].copy_from_slice(&KZG_VK[..HEADER_BYTES]);
        assert_rejected(&vk, KZG_PROOF, &format!("garbage key payload #{k}"));
    }
}

/// The model verifier on the pinned MNIST MLP fixtures (`tests/fixtures/mlp`), through the Rust
/// API (`verify_model_bytes`) and the JS-facing `verify`: the proof verifies and reports the model
/// digest and its 784 inputs and 10 outputs; a wrong expected digest, another model's key, a proof
/// made with a changed weight and a proof with a changed input or output value are rejected; a
/// flip of every 64th byte of the proof is rejected without a trap.
mod model {
    use super::{from_js, Js};
    use zkml_verifier::envelope::HEADER_BYTES;
    use zkml_verifier::hex::Digest;
    use zkml_verifier::model::verify_model_bytes;
    use zkml_verifier::{wasm, Error};

    use serde::Deserialize;
    use wasm_bindgen_test::wasm_bindgen_test;

    const VK: &[u8] = include_bytes!("../fixtures/mlp/mnist_mlp.vk");
    const PROOF: &[u8] = include_bytes!("../fixtures/mlp/mnist_mlp.proof");
    const DIGEST_HEX: &str = include_str!("../fixtures/mlp/mnist_mlp.digest");
    const OTHER_VK: &[u8] = include_bytes!("../fixtures/mlp/other.vk");
    const WRONG_WEIGHT_PROOF: &[u8] = include_bytes!("../fixtures/mlp/wrong_weight.proof");
    const EXPECTED_JSON: &str = include_str!("../fixtures/mlp/mnist_mlp.expected.json");

    const INPUTS: usize = 784;
    const OUTPUTS: usize = 10;
    /// The proof's input list starts after the header and the 32-byte key digest (docs/formats.md).
    const INPUT_LEN_AT: usize = HEADER_BYTES + 32;
    const INPUT_AT: usize = INPUT_LEN_AT + 4;
    /// The output list follows the input list: a `u32` length, then `i32` values.
    const OUTPUT_AT: usize = INPUT_AT + 4 * INPUTS + 4;

    /// What `verify` returns to JavaScript.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct JsModelResult {
        valid: bool,
        error: Option<String>,
        code: Option<String>,
        model_digest: Option<String>,
        model_name: Option<String>,
        labels: Option<Vec<String>>,
        input_shape: Option<Vec<u32>>,
        inputs: Option<Vec<Vec<f64>>>,
        outputs: Option<Vec<Vec<f64>>>,
        pairings: Option<usize>,
        srs: Option<String>,
    }

    fn digest() -> Digest {
        Digest::from_hex(DIGEST_HEX).expect("mnist_mlp.digest is not 64 hex digits")
    }

    fn js_verify(vk: &[u8], proof: &[u8], digest: Option<&str>) -> Js<JsModelResult> {
        from_js(wasm::verify(vk, proof, digest.map(str::to_owned)))
    }

    /// The float outputs in `{"output_data": [[...]]}`, read without a JSON parser.
    fn expected_outputs() -> Vec<f64> {
        let after_key = EXPECTED_JSON.find("output_data").expect("no output_data in the expected JSON");
        let rest = &EXPECTED_JSON[after_key..];
        let outer = rest.find('[').expect("output_data is not a list");
        let inner = outer + 1 + rest[outer + 1..].find('[').expect("output_data is not a list of lists");
        let end = inner + rest[inner..].find(']').expect("unterminated list");
        rest[inner + 1..end].split(',').map(|v| v.trim().parse::<f64>().expect("not a number")).collect()
    }

    fn argmax(values: &[f64]) -> usize {
        (0..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
    }

    fn with_int(proof: &[u8], at: usize, f: impl Fn(i32) -> i32) -> Vec<u8> {
        let mut b = proof.to_vec();
        let old = i32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        b[at..at + 4].copy_from_slice(&f(old).to_le_bytes());
        b
    }

    /// Rejected by the Rust API for a reason other than malformed bytes; the JS-facing function
    /// returns `{ valid: false, error }` with the same message.
    #[track_caller]
    fn assert_invalid(vk: &[u8], proof: &[u8], expected: Option<&Digest>, what: &str) -> Error {
        let err = match verify_model_bytes(vk, proof, expected) {
            Ok(v) => panic!("{what}: accepted ({v:?})"),
            Err(e @ Error::Decode(_)) => panic!("{what}: malformed, not invalid: {e}"),
            Err(e) => e,
        };
        let hex = expected.map(Digest::to_hex);
        match js_verify(vk, proof, hex.as_deref()) {
            Js::Returned(r) => {
                assert!(!r.valid, "{what}: JS accepted");
                assert_eq!(r.error.as_deref(), Some(err.to_string().as_str()), "{what}");
                assert_eq!(r.code.as_deref(), Some(wasm::error_code(&err)), "{what}");
                assert_eq!((r.model_digest, r.inputs, r.outputs, r.pairings), (None, None, None, None), "{what}");
                assert_eq!((r.model_name, r.labels, r.input_shape), (None, None, None), "{what}");
            }
            Js::Threw(e) => panic!("{what}: JS threw {} for a non-decode error", e.message),
        }
        err
    }

    #[wasm_bindgen_test]
    fn model_proof_verifies_and_reports_the_digest_input_and_output() {
        let digest = digest();
        let v = verify_model_bytes(VK, PROOF, None).expect("the model fixture does not verify");
        assert_eq!(verify_model_bytes(VK, PROOF, Some(&digest)).as_ref(), Ok(&v));
        assert_eq!(v.model_digest, digest);
        assert_eq!((v.input.len(), v.output.len()), (INPUTS, OUTPUTS));
        assert!(v.pairings > 0);
        // The proven input and output are the ones in the proof's bytes.
        let raw = |at: usize, n: usize| -> Vec<i32> {
            (0..n).map(|i| i32::from_le_bytes(PROOF[at + 4 * i..at + 4 * i + 4].try_into().unwrap())).collect()
        };
        assert_eq!(v.input, raw(INPUT_AT, INPUTS));
        assert_eq!(v.output, raw(OUTPUT_AT, OUTPUTS));
        // The proven prediction is the reference model's.
        let output = v.dequantise(&v.output);
        let expected = expected_outputs();
        assert_eq!(expected.len(), OUTPUTS);
        assert_eq!(argmax(&output), argmax(&expected), "{output:?} vs {expected:?}");

        for d in [None, Some(DIGEST_HEX)] {
            let r = match js_verify(VK, PROOF, d) {
                Js::Returned(r) => r,
                Js::Threw(e) => panic!("verify threw: {}", e.message),
            };
            assert!(r.valid, "rejected: {:?}", r.error);
            assert_eq!(r.error, None);
            assert_eq!(r.model_digest.as_deref(), Some(digest.to_hex().as_str()));
            assert_eq!(r.inputs, Some(vec![v.dequantise(&v.input)]));
            assert_eq!(r.outputs, Some(vec![output.clone()]));
            assert_eq!(r.pairings, Some(v.pairings));
            // The fixtures are made on a dev SRS, and the result says so.
            assert_eq!(r.srs.as_deref(), Some("dev"));
            // What the key says about the model.
            assert_eq!(r.model_name.as_deref(), Some("mnist_mlp"));
            let labels: Vec<String> = (0..OUTPUTS).map(|d| d.to_string()).collect();
            assert_eq!(r.labels, Some(labels));
            assert_eq!(r.input_shape, Some(vec![1, 1, 28, 28]));
            assert_eq!(r.code, None);
        }
    }

    #[wasm_bindgen_test]
    fn a_wrong_expected_digest_is_invalid() {
        let digest = digest();
        let mut wrong = digest;
        wrong.0[0] ^= 0x01;
        let err = assert_invalid(VK, PROOF, Some(&wrong), "wrong digest");
        assert_eq!(err, Error::DigestMismatch { expected: wrong, actual: digest });
        // A digest that is not 64 hex digits throws in JS.
        for bad in ["", "abc", &DIGEST_HEX.trim()[1..]] {
            match js_verify(VK, PROOF, Some(bad)) {
                Js::Threw(e) => assert!(e.message.contains("64 hex digits"), "{}", e.message),
                Js::Returned(r) => panic!("digest {bad:?}: returned {r:?} instead of throwing"),
            }
        }
    }

    #[wasm_bindgen_test]
    fn another_models_key_is_invalid() {
        match assert_invalid(OTHER_VK, PROOF, None, "other.vk") {
            Error::KeyMismatch { proof, .. } => assert_eq!(proof, digest()),
            e => panic!("other.vk: {e:?}"),
        }
        assert_invalid(OTHER_VK, PROOF, Some(&digest()), "other.vk with the model digest");
    }

    #[wasm_bindgen_test]
    fn a_proof_made_with_a_changed_weight_is_invalid() {
        assert_invalid(VK, WRONG_WEIGHT_PROOF, None, "wrong_weight.proof");
    }

    #[wasm_bindgen_test]
    fn a_changed_input_or_output_value_is_invalid() {
        assert_eq!(u32::from_le_bytes(PROOF[INPUT_LEN_AT..INPUT_AT].try_into().unwrap()) as usize, INPUTS);
        assert_eq!(u32::from_le_bytes(PROOF[OUTPUT_AT - 4..OUTPUT_AT].try_into().unwrap()) as usize, OUTPUTS);
        assert_invalid(VK, &with_int(PROOF, INPUT_AT, |q| q + 1), Some(&digest()), "input 0 + 1");
        assert_invalid(VK, &with_int(PROOF, INPUT_AT + 4 * (INPUTS - 1), |q| q - 1), None, "last input - 1");
        assert_invalid(VK, &with_int(PROOF, OUTPUT_AT, |q| q + 1), Some(&digest()), "output 0 + 1");
        assert_invalid(VK, &with_int(PROOF, OUTPUT_AT + 4 * (OUTPUTS - 1), |q| q - 1), None, "last output - 1");
    }

    #[wasm_bindgen_test]
    fn truncated_and_garbage_proofs_are_malformed() {
        for n in [0, 4, HEADER_BYTES, INPUT_LEN_AT + 2, INPUT_AT + 2, PROOF.len() / 2, PROOF.len() - 1] {
            let what = format!("proof truncated to {n} bytes");
            assert!(matches!(verify_model_bytes(VK, &PROOF[..n], None), Err(Error::Decode(_))), "{what}");
            assert!(matches!(js_verify(VK, &PROOF[..n], None), Js::Threw(_)), "{what}");
        }
        assert!(matches!(verify_model_bytes(VK, b"hello, world", None), Err(Error::Decode(_))));
        assert!(matches!(verify_model_bytes(PROOF, VK, None), Err(Error::Decode(_))));
        match js_verify(VK, VK, None) {
            Js::Threw(e) => assert!(e.message.contains("model verifying key"), "{}", e.message),
            Js::Returned(r) => panic!("key as the proof: returned {r:?}"),
        }
    }

    /// One flip in every 64 bytes of the proof, through the Rust API: each is an error (malformed
    /// bytes or a failed check), never a trap; both kinds occur.
    #[wasm_bindgen_test]
    fn a_flip_of_every_64th_byte_is_rejected() {
        let (mut malformed, mut invalid) = (0, 0);
        for i in (0..PROOF.len()).step_by(64) {
            let mut proof = PROOF.to_vec();
            proof[i] ^= 1 << (i / 64 % 8);
            match verify_model_bytes(VK, &proof, Some(&digest())) {
                Ok(v) => panic!("proof byte {i} flipped: accepted ({v:?})"),
                Err(Error::Decode(_)) => malformed += 1,
                Err(_) => invalid += 1,
            }
        }
        assert!(malformed > 0 && invalid > 0, "malformed {malformed}, invalid {invalid}");
        verify_model_bytes(VK, PROOF, Some(&digest())).expect("the verifier is unhealthy after the flips");
    }

    const DEEP_VK: &[u8] = include_bytes!("../fixtures/mlp/deep_mlp.vk");
    const DEEP_PROOF: &[u8] = include_bytes!("../fixtures/mlp/deep_mlp.proof");
    const DEEP_PER_LAYER: &[u8] = include_bytes!("../fixtures/mlp/deep_mlp.per_layer.proof");

    /// The deep MLP (eight hidden layers of width 16, all folded into one accumulator): the
    /// accumulated and the per-layer proof verify, in the same five Miller loops as mnist_mlp, and
    /// flips through the accumulated proof's cross terms and accumulators are rejected.
    #[wasm_bindgen_test]
    fn an_accumulated_proof_verifies_in_the_same_pairings() {
        let mut outputs = Vec::new();
        for proof in [DEEP_PROOF, DEEP_PER_LAYER] {
            let r = match js_verify(DEEP_VK, proof, None) {
                Js::Returned(r) => r,
                Js::Threw(e) => panic!("verify threw: {}", e.message),
            };
            assert!(r.valid, "rejected: {:?}", r.error);
            assert_eq!(r.pairings, Some(5));
            outputs.push(r.outputs);
        }
        assert_eq!(outputs[0], outputs[1]);
        let mnist = verify_model_bytes(VK, PROOF, None).expect("mnist fixture");
        assert_eq!(mnist.pairings, 5);
        let (mut malformed, mut invalid) = (0, 0);
        for i in (0..DEEP_PROOF.len()).step_by(37) {
            let mut proof = DEEP_PROOF.to_vec();
            proof[i] ^= 1 << (i % 8);
            match verify_model_bytes(DEEP_VK, &proof, None) {
                Ok(v) => panic!("deep proof byte {i} flipped: accepted ({v:?})"),
                Err(Error::Decode(_)) => malformed += 1,
                Err(_) => invalid += 1,
            }
        }
        assert!(malformed > 0 && invalid > 0, "malformed {malformed}, invalid {invalid}");
    }
}
