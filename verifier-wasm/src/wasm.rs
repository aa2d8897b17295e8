//! JavaScript bindings (wasm32-unknown-unknown only): thin wrappers over the bytes-in,
//! `Result`-out Rust API.
//!
//! Malformed bytes throw an `Error` whose message says what is wrong; well-formed inputs that do
//! not verify return `{ valid: false, error }`. Nothing here panics or traps.

use alloc::string::{String, ToString};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::artifact;
use crate::envelope::{self, FORMAT_VERSION};
use crate::error::Error;

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

/// Reads the envelope header of any artifact: `{ kind, formatVersion, bytes }`.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsError> {
    let (kind, _) = envelope::open(bytes).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&Inspection { kind: kind.name(), format_version: FORMAT_VERSION, bytes: bytes.len() })
}

/// The format version this verifier reads.
#[wasm_bindgen(js_name = formatVersion)]
pub fn format_version() -> u16 {
    FORMAT_VERSION
}
