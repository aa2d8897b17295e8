//! Names of the ONNX nodes behind tract's nodes, for the IR and for error messages.

use std::collections::HashMap;

/// The ONNX node a tract node comes from: tract names the nodes it derives from an ONNX node `N`
/// as `N` or `N.suffix...`. `None` when no ONNX node matches (unnamed ONNX nodes).
pub(super) fn onnx_node<'m>(name: &str, onnx_ops: &'m HashMap<String, String>) -> Option<(String, &'m str)> {
    let mut prefix = name;
    loop {
        if let Some(op) = onnx_ops.get(prefix) {
            return Some((prefix.to_string(), op.as_str()));
        }
        prefix = &prefix[..prefix.rfind('.')?];
    }
}

/// Reports unsupported tract nodes under the ONNX nodes they come from, one entry per ONNX node.
pub(super) fn onnx_names(
    unsupported: Vec<(String, String)>,
    onnx_ops: &HashMap<String, String>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, op) in unsupported {
        let entry = match onnx_node(&name, onnx_ops) {
            // Keep the detail when tract's op says more than the ONNX op type.
            Some((node, onnx_op)) if op == onnx_op || !op.contains('(') => (node, onnx_op.to_string()),
            Some((node, onnx_op)) => (node, format!("{onnx_op} [{op}]")),
            None => (name, op),
        };
        if !out.iter().any(|(n, _)| *n == entry.0) {
            out.push(entry);
        }
    }
    out
}
