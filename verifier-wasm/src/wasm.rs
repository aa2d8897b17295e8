//! JavaScript bindings (wasm32-unknown-unknown only): thin wrappers over the bytes-in,
//! `Result`-out Rust API.
//!
//! Malformed bytes throw an `Error` whose message says what is wrong; well-formed inputs that do
//! not verify return `{ valid: false, error }`. Nothing here panics or traps.
//!
//! Every thrown `Error` and every invalid result carries a stable `code` (`DECODE`,
//! `BAD_ARGUMENT`, `INVALID_PROOF`, `KEY_MISMATCH`, `DIGEST_MISMATCH`, `BAD_KEY`: [`error_code`]).
//! The npm package (`npm/src`) wraps these functions with argument checks, `init` and its types.

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
/** What `verify` returns: narrow on `valid` (the npm package's `index.d.ts` documents each field). */
export type VerifyResult =
  | { valid: true; modelDigest: string; modelName: string; labels: string[]; inputShape: number[];
      inputs: number[][]; outputs: number[][]; pairings: number; srs: "ceremony" | "dev" }
  | { valid: false; error: string; code: "INVALID_PROOF" | "KEY_MISMATCH" | "DIGEST_MISMATCH" | "BAD_KEY" };
"#;

/// `{ valid: true, modelDigest, modelName, labels, inputShape, inputs, outputs, pairings, srs }` or
/// `{ valid: false, error, code }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelResult {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_shape: Option<Vec<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inputs: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairings: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    srs: Option<&'static str>,
}

/// `{ valid: true, vkDigest, commitments, points, queries, pairings }` or `{ valid: false, error, code }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct KzgBatchResult {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
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

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `Error`, for errors that carry a `code` property.
    #[wasm_bindgen(js_name = Error)]
    type CodedError;
    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> CodedError;
    #[wasm_bindgen(method, setter = code)]
    fn set_code(this: &CodedError, code: &str);
}

/// A JavaScript `Error` with `message` and `code`.
fn coded_error(code: &str, message: &str) -> JsValue {
    let e = CodedError::new(message);
    e.set_code(code);
    e.into()
}

/// The stable code of a verification error, for programs (the message is for people):
/// `DECODE` (bytes that cannot be decoded: thrown), `KEY_MISMATCH` (the proof was made for another
/// key), `DIGEST_MISMATCH` (the key is not the expected model), `BAD_KEY` (a key that decodes but
/// cannot be used), `INVALID_PROOF` (the proof does not verify).
pub fn error_code(e: &Error) -> &'static str {
    match e {
        Error::Decode(_) => "DECODE",
        Error::KeyMismatch { .. } => "KEY_MISMATCH",
        Error::DigestMismatch { .. } => "DIGEST_MISMATCH",
        Error::DegenerateKey(_) | Error::BadKey(_) => "BAD_KEY",
        Error::PairingCheckFailed
        | Error::Shape(_)
        | Error::ProofShape { .. }
        | Error::DegenerateChallenge
        | Error::TokenOutOfRange { .. } => "INVALID_PROOF",
    }
}

/// Where an error goes: a decode error is thrown, anything else is an invalid result.
enum Failure {
    Thrown { code: &'static str, message: String },
    Invalid { code: &'static str, message: String },
}

impl Failure {
    fn of(e: &Error) -> Self {
        let (code, message) = (error_code(e), e.to_string());
        match e {
            Error::Decode(_) => Failure::Thrown { code, message },
            _ => Failure::Invalid { code, message },
        }
    }
}

fn kzg_result(vk: &[u8], proof: &[u8]) -> Result<KzgBatchResult, Failure> {
    match artifact::verify_kzg_batch(vk, proof) {
        Ok(s) => Ok(KzgBatchResult {
            valid: true,
            vk_digest: Some(s.vk_digest.to_hex()),
            commitments: Some(s.commitments),
            points: Some(s.points),
            queries: Some(s.queries),
            pairings: Some(s.pairings),
            ..Default::default()
        }),
        Err(e) => match Failure::of(&e) {
            Failure::Invalid { code, message } => {
                Ok(KzgBatchResult { valid: false, error: Some(message), code: Some(code), ..Default::default() })
            }
            thrown => Err(thrown),
        },
    }
}

/// Verifies a KZG batch-opening artifact against a KZG verifying key: `{ valid: true, vkDigest,
/// commitments, points, queries, pairings }` or `{ valid: false, error, code }`; throws an `Error`
/// with `code` `"DECODE"` for bytes that cannot be decoded.
#[wasm_bindgen(js_name = verifyKzgBatch)]
pub fn verify_kzg_batch(vk: &[u8], proof: &[u8]) -> Result<JsValue, JsValue> {
    match kzg_result(vk, proof) {
        Ok(r) => to_js(&r).map_err(JsValue::from),
        Err(Failure::Thrown { code, message } | Failure::Invalid { code, message }) => Err(coded_error(code, &message)),
    }
}

fn model_result(vk: &[u8], proof: &[u8], expected_digest: Option<&str>) -> Result<ModelResult, Failure> {
    let expected = match expected_digest {
        None => None,
        Some(hex) => Some(Digest::from_hex(hex).ok_or_else(|| Failure::Thrown {
            code: "BAD_ARGUMENT",
            message: format!(
                "the expected model digest must be 64 hex digits, got {:?} ({} characters)",
                shorten(hex),
                hex.chars().count()
            ),
        })?),
    };
    match verify_model_bytes(vk, proof, expected.as_ref()) {
        Ok(v) => Ok(ModelResult {
            valid: true,
            model_digest: Some(v.model_digest.to_hex()),
            model_name: Some(v.name.clone()),
            labels: Some(v.labels.clone()),
            input_shape: Some(v.input_shape.clone()),
            inputs: Some(vec![v.input_values()]),
            outputs: Some(v.outputs().iter().map(|o| v.dequantise(o)).collect()),
            pairings: Some(v.pairings),
            srs: Some(v.srs_source.name()),
            ..Default::default()
        }),
        Err(e) => match Failure::of(&e) {
            Failure::Invalid { code, message } => {
                Ok(ModelResult { valid: false, error: Some(message), code: Some(code), ..Default::default() })
            }
            thrown => Err(thrown),
        },
    }
}

/// Verifies a proof of one inference of a model against the model's verifying key and, when
/// `expectedDigest` is given (64 hex digits), insists that the key has that model digest:
/// `{ valid: true, modelDigest, modelName, labels, inputShape, inputs, outputs, pairings, srs }`
/// (inputs and outputs dequantised, one flat list per model input and output; name, labels and
/// input shape from the key) or `{ valid: false, error, code }`. Throws an `Error` with `code`
/// `"DECODE"` (bytes that cannot be decoded) or `"BAD_ARGUMENT"` (an expected digest that is not
/// 64 hex digits).
#[wasm_bindgen(js_name = verify, unchecked_return_type = "VerifyResult")]
pub fn verify(
    vk: &[u8],
    proof: &[u8],
    #[wasm_bindgen(js_name = expectedDigest)] expected_digest: Option<String>,
) -> Result<JsValue, JsValue> {
    match model_result(vk, proof, expected_digest.as_deref()) {
        Ok(r) => to_js(&r).map_err(JsValue::from),
        Err(Failure::Thrown { code, message } | Failure::Invalid { code, message }) => Err(coded_error(code, &message)),
    }
}

/// At most 80 characters of `s`, for error messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", s.get(..at).unwrap_or_default()),
        None => s.to_string(),
    }
}

/// Reads the envelope header of any artifact: `{ kind, formatVersion, bytes }`.
/// Throws an `Error` with `code` `"DECODE"` when the bytes are not one.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let (kind, _) = envelope::open(bytes).map_err(|e| coded_error("DECODE", &e.to_string()))?;
    to_js(&Inspection { kind: kind.name(), format_version: FORMAT_VERSION, bytes: bytes.len() }).map_err(JsValue::from)
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
