//! What the model commands share: the description written next to the keys (`DIR/model.json`),
//! and input/output JSON files read against a model's verifying key.
//!
//! `model.json` only names things (the model file, its input and output tensors); everything
//! `prove prove` and `prove verify` need (sizes, the scale `2^s`) comes from the keys themselves,
//! so a missing or stale `model.json` changes messages, never results.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zkml_prover::io_json;
use zkml_prover::quant;
use zkml_verifier::hex::Digest;
use zkml_verifier::model::ModelVerifyingKey;

use super::Failure;

/// File name of the model description, next to `model.pk` and `model.vk`.
pub const META_FILE: &str = "model.json";

/// Names of the model's input and output tensors (one name per output; an empty list means the
/// default names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub input: String,
    pub outputs: Vec<String>,
}

impl Default for Names {
    fn default() -> Self {
        Names { input: "input".into(), outputs: Vec::new() }
    }
}

impl Names {
    /// The name of output `k`: the recorded one, else `output` (`output_k` after the first).
    pub fn output(&self, k: usize) -> String {
        match self.outputs.get(k) {
            Some(n) => n.clone(),
            None if k == 0 => "output".into(),
            None => format!("output_{k}"),
        }
    }
}

/// The proof's output values split into the model's outputs (one list per output layer, in the
/// key's order).
pub fn split_outputs(values: &[f32], vk: &ModelVerifyingKey) -> Vec<Vec<f32>> {
    let mut rest = values;
    let mut out = Vec::new();
    for n in vk.output_sizes() {
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head.to_vec());
        rest = tail;
    }
    out
}

/// `[{"name", "values"}]` for each output.
pub fn outputs_json(lists: &[Vec<f32>], names: &Names) -> Value {
    lists.iter().enumerate().map(|(k, v)| json!({"name": names.output(k), "values": v})).collect()
}

/// The tensor names recorded in the `model.json` beside `key_file`, when that file describes the
/// model with `digest`; default names otherwise.
pub fn names_for(key_file: &Path, digest: &Digest) -> Names {
    let path = key_file.parent().map_or_else(|| PathBuf::from(META_FILE), |d| d.join(META_FILE));
    let Some(meta) = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok()) else {
        return Names::default();
    };
    if meta["digest"].as_str() != Some(digest.to_hex().as_str()) {
        return Names::default();
    }
    let input = meta["inputs"][0]["name"].as_str().map_or_else(|| "input".to_string(), str::to_string);
    let outputs = meta["outputs"].as_array().map_or_else(Vec::new, |list| {
        list.iter().map(|o| o["name"].as_str().unwrap_or("output").to_string()).collect()
    });
    Names { input, outputs }
}

/// `{"name", "shape", "values"}` for each `(name, shape)`.
pub fn tensors_json(tensors: &[(String, Vec<usize>)]) -> Value {
    tensors
        .iter()
        .map(|(name, shape)| json!({"name": name, "shape": shape, "values": shape.iter().product::<usize>()}))
        .collect()
}

/// Reads an EZKL input file for the model of `vk` and quantises it at the key's scale (token ids
/// are taken as they are).
pub fn read_quantised_input(path: &Path, vk: &ModelVerifyingKey, names: &Names) -> Result<Vec<i64>, Failure> {
    let lists = io_json::read_input(path, &[(names.input.clone(), vk.input_len())])
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let s = vk.scale_bits;
    if vk.tokens > 0 {
        // Token ids: integers below the vocabulary, taken as they are.
        return lists[0]
            .iter()
            .enumerate()
            .map(|(index, &x)| {
                let id = (x.fract() == 0.0 && x >= 0.0 && x < vk.tokens as f32).then_some(x as i64);
                id.ok_or_else(|| {
                    Failure::Usage(format!(
                        "{}: input '{}': element {index} ({x}) is not a token id (an integer in [0, {}))",
                        path.display(),
                        names.input,
                        vk.tokens
                    ))
                })
            })
            .collect();
    }
    lists[0]
        .iter()
        .enumerate()
        .map(|(index, &x)| {
            quant::quantise(f64::from(x), s).filter(|q| i32::try_from(*q).is_ok()).ok_or_else(|| {
                Failure::Usage(format!(
                    "{}: input '{}': element {index} ({x}) cannot be quantised at scale 2^{s} (inputs must be \
                     finite and within ±{})",
                    path.display(),
                    names.input,
                    (31f64 - f64::from(s)).exp2()
                ))
            })
        })
        .collect()
}

/// `q / 2^s` for every value.
pub fn dequantise(values: &[i32], scale_bits: u32) -> Vec<f32> {
    values.iter().map(|&q| quant::dequantise(i64::from(q), scale_bits)).collect()
}

/// Index of the largest value (the class of a classifier).
pub fn argmax(values: &[f32]) -> Option<usize> {
    (0..values.len()).reduce(|best, i| if values[i] > values[best] { i } else { best })
}

/// Most values [`show`] prints; the JSON output holds them all.
const SHOWN: usize = 32;

/// Values as a short list: `[-11.125, 0.5]` (the shortest form that reads back exactly); past 32
/// values, the first 32 and the count (`--json` prints every value).
pub fn show(values: &[f32]) -> String {
    let parts: Vec<String> = values.iter().take(SHOWN).map(|v| format!("{v}")).collect();
    match values.len() > SHOWN {
        true => format!("[{}, ...] ({} values; --json prints them all)", parts.join(", "), values.len()),
        false => format!("[{}]", parts.join(", ")),
    }
}
