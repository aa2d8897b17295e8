//! JavaScript bindings (wasm32-unknown-unknown only): thin wrappers over the bytes-in,
//! `Result`-out Rust API.
//!
//! Malformed bytes throw an `Error` whose message says what is wrong; well-formed inputs that do
//! not verify return `{ valid: false, error }`. Nothing here panics or traps.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::artifact;
use crate::envelope::{self, FORMAT_VERSION};
use crate::error::Error;
use crate::hex::Digest;
use crate::model::verify_model_bytes;

#[wasm_bindgen(typescript_custom_section)]
const VERIFY_RESULT_TS: &str = r#"
/**
 * What `verify` returns. A proof that verifies: `valid` is true and every other field but
 * `error` is set. A well-formed proof that does not verify (a failed check, a key mismatch, a
 * model digest other than the expected one): `valid` is false and only `error` is set.
 */
export interface VerifyResult {
    /** Whether the proof verifies against the key (and the expected digest, when given). */
    valid: boolean;
    /** Why the proof does not verify (only when `valid` is false). */
    error?: string;
    /** The model digest: 64 lowercase hex digits of the verifying key's digest. */
    modelDigest?: string;
    /** The proven model inputs, dequantised: one flat list per model input. */
    inputs?: number[][];
    /** The proven model outputs, dequantised: one flat list per model output. */
    outputs?: number[][];
    /** Miller loops in the final multi-pairing. */
    pairings?: number;
    /**
     * Where the key's parameters came from: `"ceremony"` (a public powers-of-tau ceremony) or
     * `"dev"` (made locally by `prove srs new`: whoever made it can forge proofs, so a valid proof
     * under a dev key convinces nobody else).
     */
    srs?: "ceremony" | "dev";
}
"#;

/// `{ valid: true, modelDigest, inputs, outputs, pairings, srs }` or `{ valid: false, error }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelResult {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inputs: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairings: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    srs: Option<&'static str>,
}

/// `{ valid: true, vkDigest, commitments, points, queries, pairings }` or `{ valid: false, error }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct KzgBatchResult {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vk_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commitments: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queries: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairings: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Inspection {
    kind: &'static str,
    format_version: u16,
    bytes: usize,
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(v).map_err(|e| JsError::new(&e.to_string()))
}

/// Verifies a KZG batch-opening artifact against a KZG verifying key.
#[wasm_bindgen(js_name = verifyKzgBatch)]
pub fn verify_kzg_batch(vk: &[u8], proof: &[u8]) -> Result<JsValue, JsError> {
    let result = match artifact::verify_kzg_batch(vk, proof) {
        Ok(s) => KzgBatchResult {
            valid: true,
            vk_digest: Some(s.vk_digest.to_hex()),
            commitments: Some(s.commitments),
            points: Some(s.points),
            queries: Some(s.queries),
            pairings: Some(s.pairings),
            ..Default::default()
        },
        Err(e @ Error::Decode(_)) => return Err(JsError::new(&e.to_string())),
        Err(e) => KzgBatchResult { valid: false, error: Some(e.to_string()), ..Default::default() },
    };
    to_js(&result)
}

/// Verifies a proof of one inference of a model against the model's verifying key and, when
/// `expectedDigest` is given (64 hex digits), insists that the key has that model digest.
///
/// Returns `{ valid: true, modelDigest, inputs, outputs, pairings, srs }` with the proven input and
/// output dequantised (one flat list per model input and output), or `{ valid: false, error }`.
/// Throws an `Error` when the key or the proof cannot be decoded, or when `expectedDigest` is not
/// 64 hex digits.
#[wasm_bindgen(js_name = verify, unchecked_return_type = "VerifyResult")]
pub fn verify(
    vk: &[u8],
    proof: &[u8],
    #[wasm_bindgen(js_name = expectedDigest)] expected_digest: Option<String>,
) -> Result<JsValue, JsError> {
    let expected = match expected_digest.as_deref() {
        None => None,
        Some(hex) => Some(Digest::from_hex(hex).ok_or_else(|| {
            JsError::new(&format!(
                "the expected model digest must be 64 hex digits, got {:?} ({} characters)",
                shorten(hex),
                hex.chars().count()
            ))
        })?),
    };
    let result = match verify_model_bytes(vk, proof, expected.as_ref()) {
        Ok(v) => ModelResult {
            valid: true,
            model_digest: Some(v.model_digest.to_hex()),
            inputs: Some(vec![v.dequantise(&v.input)]),
            outputs: Some(vec![v.dequantise(&v.output)]),
            pairings: Some(v.pairings),
            srs: Some(v.srs_source.name()),
            ..Default::default()
        },
        Err(e @ Error::Decode(_)) => return Err(JsError::new(&e.to_string())),
        Err(e) => ModelResult { valid: false, error: Some(e.to_string()), ..Default::default() },
    };
    to_js(&result)
}

/// At most 80 characters of `s`, for error messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", s.get(..at).unwrap_or_default()),
        None => s.to_string(),
    }
}

/// Reads the envelope header of any artifact: `{ kind, formatVersion, bytes }`.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsError> {
    let (kind, _) = envelope::open(bytes).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&Inspection { kind: kind.name(), format_version: FORMAT_VERSION, bytes: bytes.len() })
}

/// Checks the module's arithmetic (pairing bilinearity, encodings, inversions) and a known answer
/// (the bundled deep MLP proof verifies, and fails with one output changed); `true` when all hold.
/// Running it a few times after loading also warms up the engine's compiled code along the whole
/// verification path, so the first verification runs at full speed.
#[wasm_bindgen(js_name = selfTest)]
pub fn self_test() -> bool {
    crate::selftest::run()
}

/// The format version this verifier reads.
#[wasm_bindgen(js_name = formatVersion)]
pub fn format_version() -> u16 {
    FORMAT_VERSION
}
