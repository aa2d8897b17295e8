//! Composition of Linear nodes with nothing non-linear between them: `W2 (W1 x + b1) + b2` becomes
//! one Linear `(W2 W1) x + (W2 b1 + b2)`. An average pooling before a convolution or a Gemm, a
//! global average pooling before the classifier, or two Gemms in a row become one fixed-weight
//! matmul, proven with one rounding instead of two (`docs/quantisation.md`, "Composed layers"),
//! unless the first has fractional weights, the product would round more than
//! [`MAX_FRACTIONAL_GROWTH`] times the weights the second has (a global pooling's), and the first's
//! output is non-negative: then a ReLU (the identity there) keeps the first a layer of its own.

use std::collections::HashMap;

use zkml_verifier::model::activation::Activation;

use super::sparse::Matrix;
use super::{Graph, Node, Op, TensorId, TensorInfo};

/// How many times `W2`'s stored weights a product with a fractional factor may store and still
/// compose (a `2x2` pooling's: each weight divided by 4, against 4 inputs; `docs/quantisation.md`,
/// "Composed layers").
pub const MAX_FRACTIONAL_GROWTH: usize = 4;

/// Most entries a composed weight may have; a chain whose product is larger stays as it is (and
/// the compiler then reports two Linear layers in a row).
pub const MAX_COMPOSED_ENTRIES: usize = 1 << 24;

/// Composes every chain `Linear -> (Reshape ->)* Linear` whose intermediate tensors feed only the
/// next node and are not graph outputs, on one input row (no batch). Returns the names of the
/// nodes that were merged into the Linear after them.
pub fn compose_linear(g: &mut Graph) -> Vec<String> {
    let mut merged = Vec::new();
    while let Some((first, chain, last)) = find_chain(g) {
        let (Op::Linear { weight: w1, bias: b1 }, Op::Linear { weight: w2, bias: b2 }) =
            (&g.nodes[first].op, &g.nodes[last].op)
        else {
            break;
        };
        // A product with many more stored weights than `W2` whose factor `W1` has fractions (a
        // pooling's 1/k) rounds each of `W2`'s weights divided, against k times the inputs: when
        // the growth exceeds MAX_FRACTIONAL_GROWTH (a global pooling's) and the first Linear's
        // output is non-negative, it stays a layer of its own, behind a ReLU that changes nothing
        // (docs/quantisation.md, "Composed layers"). A 2x2 pooling composes: one layer fewer for
        // the verifier, at a small cost in precision. Integer factors (sums, selections) compose.
        let fractional = w1.values().iter().any(|v| v.fract() != 0.0);
        if fractional && product_size(w2, w1) > MAX_FRACTIONAL_GROWTH * w2.nnz() && non_negative_linear(g, first) {
            separate(g, first, chain.last().copied().unwrap_or(last));
            continue;
        }
        let Some(weight) = product(w2, w1) else { break };
        let mut bias: Vec<f64> =
            b2.as_ref().map_or_else(|| vec![0.0; w2.rows()], |b| b.iter().map(|&v| v as f64).collect());
        if let Some(b1) = b1 {
            for (r, acc) in bias.iter_mut().enumerate() {
                *acc += w2.entries(r).map(|(c, w)| w as f64 * b1[c] as f64).sum::<f64>();
            }
        }
        let any_bias = b1.is_some() || b2.is_some();
        let input = g.nodes[first].inputs[0];
        merged.push(g.nodes[first].name.clone());
        let node = &mut g.nodes[last];
        node.op = Op::Linear { weight, bias: any_bias.then(|| bias.into_iter().map(|v| v as f32).collect()) };
        node.inputs = vec![input];
        let mut drop: Vec<usize> = chain;
        drop.push(first);
        drop.sort_unstable();
        for k in drop.into_iter().rev() {
            g.nodes.remove(k);
        }
    }
    if !merged.is_empty() {
        prune_tensors(g);
    }
    merged
}

/// Whether the Linear node `k` outputs only non-negative values: non-negative weights and bias
/// on an input that an activation with non-negative outputs produces (through reshapes).
fn non_negative_linear(g: &Graph, k: usize) -> bool {
    let Op::Linear { weight, bias } = &g.nodes[k].op else { return false };
    if weight.values().iter().chain(bias.iter().flatten()).any(|&v| v < 0.0) {
        return false;
    }
    g.non_negative(g.nodes[k].inputs[0])
}

/// Puts a ReLU after the Linear node `k`, read by node `next` instead of `k`'s output.
fn separate(g: &mut Graph, k: usize, next: usize) {
    let out = g.nodes[k].output;
    let info = g.tensors[out].clone();
    g.tensors.push(TensorInfo { name: format!("{}.relu", info.name), shape: info.shape });
    let relu = g.tensors.len() - 1;
    for t in &mut g.nodes[next].inputs {
        if *t == out {
            *t = relu;
        }
    }
    let name = g.nodes[k].name.clone();
    g.nodes.insert(k + 1, Node { name, op: Op::Act(Activation::Relu), inputs: vec![out], output: relu });
}

/// `(first Linear, reshapes between, second Linear)` of the first composable chain.
fn find_chain(g: &Graph) -> Option<(usize, Vec<usize>, usize)> {
    let uses = |t: TensorId| g.nodes.iter().filter(|n| n.inputs.contains(&t)).count();
    let producer = |t: TensorId| g.nodes.iter().position(|n| n.output == t);
    let private = |t: TensorId| uses(t) == 1 && !g.outputs.contains(&t);
    for (last, node) in g.nodes.iter().enumerate() {
        let Op::Linear { weight: w2, .. } = &node.op else { continue };
        let mut chain = Vec::new();
        let mut t = node.inputs[0];
        let first = loop {
            if !private(t) {
                break None;
            }
            let Some(p) = producer(t) else { break None };
            match &g.nodes[p].op {
                Op::Reshape { .. } => {
                    chain.push(p);
                    t = g.nodes[p].inputs[0];
                }
                Op::Linear { weight: w1, .. } => break Some((p, w1)),
                _ => break None,
            }
        };
        let Some((first, w1)) = first else { continue };
        // One input row each: the first Linear's input is one row of its weight, and its output
        // one row of the second's.
        let one_row = g.tensor(g.nodes[first].inputs[0]).len() == w1.cols() && w1.rows() == w2.cols();
        if one_row && product_size(w2, w1) <= MAX_COMPOSED_ENTRIES {
            return Some((first, chain, last));
        }
    }
    None
}

/// An upper bound on the entries of `a b`: every entry of `a` times its row of `b`.
fn product_size(a: &Matrix, b: &Matrix) -> usize {
    (0..a.rows()).map(|r| a.entries(r).map(|(k, _)| b.row(k).0.len()).sum::<usize>().min(b.cols())).sum()
}

/// `a b` in `f64`, rounded once to `f32`.
fn product(a: &Matrix, b: &Matrix) -> Option<Matrix> {
    let mut acc = vec![0f64; b.cols()];
    let mut seen = vec![false; b.cols()];
    let mut touched: Vec<usize> = Vec::new();
    let mut rows = Vec::with_capacity(a.rows());
    for r in 0..a.rows() {
        for (k, x) in a.entries(r) {
            for (c, y) in b.entries(k) {
                if !seen[c] {
                    seen[c] = true;
                    touched.push(c);
                }
                acc[c] += x as f64 * y as f64;
            }
        }
        touched.sort_unstable();
        let row: Vec<(usize, f32)> = touched
            .iter()
            .map(|&c| {
                seen[c] = false;
                (c, std::mem::take(&mut acc[c]) as f32)
            })
            .filter(|e| e.1 != 0.0)
            .collect();
        touched.clear();
        rows.push(row);
    }
    // A product of published (structural) matrices is one; any model weight makes it hidden.
    Matrix::from_rows(b.cols(), rows).map(|m| if a.is_public() && b.is_public() { m.into_public() } else { m })
}

/// Drops the tensors no node reads or writes and that are not graph inputs or outputs,
/// renumbering the rest.
pub(super) fn prune_tensors(g: &mut Graph) {
    let mut used = vec![false; g.tensors.len()];
    let all = g.inputs.iter().chain(&g.outputs).chain(g.nodes.iter().flat_map(|n| n.inputs.iter().chain([&n.output])));
    for &t in all {
        used[t] = true;
    }
    let mut new_id: HashMap<TensorId, TensorId> = HashMap::new();
    let mut tensors = Vec::new();
    for (t, info) in g.tensors.drain(..).enumerate() {
        if used[t] {
            new_id.insert(t, tensors.len());
            tensors.push(info);
        }
    }
    g.tensors = tensors;
    let map = |t: &mut TensorId| *t = new_id[t];
    g.inputs.iter_mut().for_each(map);
    g.outputs.iter_mut().for_each(map);
    for Node { inputs, output, .. } in &mut g.nodes {
        inputs.iter_mut().for_each(map);
        map(output);
    }
}
