//! EZKL-compatible input and output files.
//!
//! Input: `{"input_data": [[...], ...]}`, one flat row-major list of numbers per model input.
//! Output: `{"output_data": [[...], ...]}`, one flat list per model output (dequantised floats).
//! Other top-level fields are ignored. Every error is one line; the `read_*` functions prefix it
//! with the file name.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A problem with an input or output file, optionally naming the file.
#[derive(Debug)]
pub struct IoJsonError {
    pub path: Option<PathBuf>,
    pub kind: IoJsonErrorKind,
}

/// What is wrong with the file.
#[derive(Debug, thiserror::Error)]
pub enum IoJsonErrorKind {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("expected a JSON object with a \"{field}\" field")]
    NotAnObject { field: &'static str },
    #[error("missing field \"{field}\"")]
    MissingField { field: &'static str },
    #[error("\"{field}\" must be an array with one array of numbers per tensor")]
    NotAnArray { field: &'static str },
    #[error("\"{field}\" holds {got} list(s), the model has {expected} input(s)")]
    Count { field: &'static str, expected: usize, got: usize },
    #[error("{what} '{name}': expected {expected} values, got {got}")]
    Length { what: &'static str, name: String, expected: usize, got: usize },
    #[error("{what} '{name}': element {index} is {found}, not a number")]
    NotANumber { what: &'static str, name: String, index: usize, found: &'static str },
    #[error("{what} '{name}': element {index} ({value:e}) is not a finite 32-bit float")]
    NonFinite { what: &'static str, name: String, index: usize, value: f64 },
}

impl fmt::Display for IoJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for IoJsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl From<IoJsonErrorKind> for IoJsonError {
    fn from(kind: IoJsonErrorKind) -> Self {
        IoJsonError { path: None, kind }
    }
}

impl IoJsonError {
    fn in_file(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }
}

/// Parses an input file's text. `inputs` gives `(name, number of values)` of every model input,
/// in order (see [`crate::ir::Graph::input_signature`]).
pub fn parse_input(text: &str, inputs: &[(String, usize)]) -> Result<Vec<Vec<f32>>, IoJsonError> {
    parse_lists(text, "input_data", "input", Some(inputs))
}

/// Reads and parses an input file (see [`parse_input`]); errors name the file.
pub fn read_input(path: impl AsRef<Path>, inputs: &[(String, usize)]) -> Result<Vec<Vec<f32>>, IoJsonError> {
    let path = path.as_ref();
    let text = read(path)?;
    parse_input(&text, inputs).map_err(|e| e.in_file(path))
}

/// Parses an output file's text (`output_data`), without checking the lengths.
pub fn parse_output(text: &str) -> Result<Vec<Vec<f32>>, IoJsonError> {
    parse_lists(text, "output_data", "output", None)
}

/// Reads and parses an output file (see [`parse_output`]); errors name the file.
pub fn read_output(path: impl AsRef<Path>) -> Result<Vec<Vec<f32>>, IoJsonError> {
    let path = path.as_ref();
    let text = read(path)?;
    parse_output(&text).map_err(|e| e.in_file(path))
}

/// `{"output_data": [[...], ...]}` for the given outputs (non-finite values become `null`).
pub fn output_json(outputs: &[Vec<f32>]) -> String {
    serde_json::json!({ "output_data": outputs }).to_string()
}

/// `{"input_data": [[...], ...]}` for the given inputs (non-finite values become `null`).
pub fn input_json(inputs: &[Vec<f32>]) -> String {
    serde_json::json!({ "input_data": inputs }).to_string()
}

/// Writes [`output_json`] to `path`.
pub fn write_output(path: impl AsRef<Path>, outputs: &[Vec<f32>]) -> Result<(), IoJsonError> {
    let path = path.as_ref();
    std::fs::write(path, output_json(outputs) + "\n")
        .map_err(|e| IoJsonError::from(IoJsonErrorKind::Io(e)).in_file(path))
}

fn read(path: &Path) -> Result<String, IoJsonError> {
    std::fs::read_to_string(path).map_err(|e| IoJsonError::from(IoJsonErrorKind::Io(e)).in_file(path))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `{"<field>": [[numbers], ...]}` -> the lists as finite `f32`s; with `expect`, checks the number
/// of lists and their lengths and names the tensors in messages.
fn parse_lists(
    text: &str,
    field: &'static str,
    what: &'static str,
    expect: Option<&[(String, usize)]>,
) -> Result<Vec<Vec<f32>>, IoJsonError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; report the position once, our way.
        let mut message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        // Python's json.dumps writes NaN and Infinity, which JSON does not have.
        let at = text.lines().nth(e.line().saturating_sub(1)).and_then(|l| l.get(e.column().saturating_sub(1)..));
        if at.is_some_and(|rest| ["NaN", "Infinity", "-Infinity"].iter().any(|w| rest.starts_with(w))) {
            message.push_str(" (NaN and Infinity are not JSON numbers, and a model input must be finite)");
        }
        IoJsonErrorKind::Json { line: e.line(), column: e.column(), message }
    })?;
    let Value::Object(map) = value else { return Err(IoJsonErrorKind::NotAnObject { field }.into()) };
    let Some(data) = map.get(field) else { return Err(IoJsonErrorKind::MissingField { field }.into()) };
    let Value::Array(lists) = data else { return Err(IoJsonErrorKind::NotAnArray { field }.into()) };
    if lists.iter().any(|l| !l.is_array()) {
        return Err(IoJsonErrorKind::NotAnArray { field }.into());
    }
    if let Some(expect) = expect {
        if lists.len() != expect.len() {
            return Err(IoJsonErrorKind::Count { field, expected: expect.len(), got: lists.len() }.into());
        }
    }
    let mut out = Vec::with_capacity(lists.len());
    for (i, list) in lists.iter().enumerate() {
        let Value::Array(items) = list else { return Err(IoJsonErrorKind::NotAnArray { field }.into()) };
        let name = match expect {
            Some(expect) => {
                let (name, len) = &expect[i];
                if items.len() != *len {
                    return Err(
                        IoJsonErrorKind::Length { what, name: name.clone(), expected: *len, got: items.len() }.into()
                    );
                }
                name.clone()
            }
            None => i.to_string(),
        };
        let mut values = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Some(x) = item.as_f64() else {
                return Err(IoJsonErrorKind::NotANumber { what, name, index, found: kind_of(item) }.into());
            };
            let v = x as f32;
            if !v.is_finite() {
                return Err(IoJsonErrorKind::NonFinite { what, name, index, value: x }.into());
            }
            values.push(v);
        }
        out.push(values);
    }
    Ok(out)
}
