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
use wasm_bindgen::{JsError, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use zkml_tests::{kzg_fixture as f, KZG_PROOF, KZG_VK};
use zkml_verifier::artifact::{verify_kzg_batch, KzgBatchArtifact};
use zkml_verifier::codec::{FR_BYTES, G1_BYTES};
use zkml_verifier::envelope::{Artifact, FORMAT_VERSION, HEADER_BYTES};
use zkml_verifier::{wasm, DecodeError, Error, Fr};

wasm_bindgen_test_configure!(run_in_browser);

/// What `verifyKzgBatch` returns to JavaScript.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsResult {
    valid: bool,
    error: Option<String>,
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
}

/// The outcome of a call of a JS-facing function: a returned value or a thrown error.
enum Js<T> {
    Returned(T),
    Threw(JsErrorObject),
}

fn from_js<T: for<'de> Deserialize<'de>>(r: Result<JsValue, JsError>) -> Js<T> {
    match r {
        Ok(v) => Js::Returned(serde_wasm_bindgen::from_value(v).expect("unexpected result shape")),
        Err(e) => {
            let e: JsErrorObject = serde_wasm_bindgen::from_value(JsValue::from(e))
                .expect("the thrown value is not an Error with a message");
            assert_eq!(e.name, "Error");
            assert!(!e.message.is_empty(), "thrown Error without a message");
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
        (Js::Threw(e), Error::Decode(_)) => assert_eq!(e.message, err.to_string(), "{what}"),
        (Js::Returned(r), _) if !matches!(err, Error::Decode(_)) => {
            assert!(!r.valid, "{what}: JS accepted");
            assert_eq!(r.error.as_deref(), Some(err.to_string().as_str()), "{what}");
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
    // Cut inside the commitments' length prefix (after the header and the key digest).
    let cut = &KZG_PROOF[..HEADER_BYTES + 33];
    assert!(matches!(verify_kzg_batch(KZG_VK, cut), Err(Error::Decode(DecodeError::UnexpectedEnd { .. }))));
    assert!(js_throws(KZG_VK, cut, "cut length prefix").contains("truncated input"));
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
