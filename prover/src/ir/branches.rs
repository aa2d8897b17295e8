//! Adds of two Linear branches, `A u + B v`, which the layer compiler cannot prove as they stand (a
//! residual adds a layer's output, not a second Linear's), rewritten into one Linear
//! (`docs/quantisation.md`, "Two Linear branches"):
//! - on one source (`u = v`): `(A + B) v`;
//! - a ResNet downsampling block, `A ReLU(C v) + B v` with `v` non-negative: the layer `C` also
//!   carries `v` through its ReLU (identity rows, which the ReLU keeps), and `[A | B]` reads
//!   `[ReLU(C v); v]`.

use super::sparse::Matrix;
use super::{Graph, Op, TensorId};
use zkml_verifier::model::activation::Activation;

/// Rewrites every such Add (both Linear branches feeding only the Add, on one input row). Returns
/// the names of the Add nodes rewritten.
pub fn merge_branches(g: &mut Graph) -> Vec<String> {
    let mut merged = Vec::new();
    'again: loop {
        for k in 0..g.nodes.len() {
            let name = g.nodes[k].name.clone();
            if rewrite(g, k) {
                merged.push(name);
                continue 'again;
            }
        }
        if !merged.is_empty() {
            super::compose::prune_tensors(g);
        }
        return merged;
    }
}

/// The Linear node producing `t` (through reshapes), when `t` and every tensor between feed
/// exactly one node and are not graph outputs.
/// Returns the Linear node and the reshapes between.
fn private_linear(g: &Graph, t: TensorId) -> Option<(usize, Vec<usize>)> {
    let mut t = t;
    let mut reshapes = Vec::new();
    loop {
        let uses = g.nodes.iter().filter(|n| n.inputs.contains(&t)).count();
        if uses != 1 || g.outputs.contains(&t) {
            return None;
        }
        let k = g.nodes.iter().position(|n| n.output == t)?;
        match g.nodes[k].op {
            Op::Linear { .. } => return Some((k, reshapes)),
            Op::Reshape { .. } => {
                reshapes.push(k);
                t = g.nodes[k].inputs[0];
            }
            _ => return None,
        }
    }
}

/// `(weight, bias, input)` of Linear node `k` when it maps one row (its input is one row of its
/// weight's columns); the input is the tensor its input reshapes (a reshape keeps the order).
fn one_row(g: &Graph, k: usize) -> Option<(&Matrix, Option<&Vec<f32>>, TensorId)> {
    let Op::Linear { weight, bias } = &g.nodes[k].op else { return None };
    let mut input = g.nodes[k].inputs[0];
    if g.tensor(input).len() != weight.cols() {
        return None;
    }
    while let Some(n) = g.nodes.iter().find(|n| n.output == input && matches!(n.op, Op::Reshape { .. })) {
        input = n.inputs[0];
    }
    Some((weight, bias.as_ref(), input))
}

/// Sum of two optional biases of `rows` values.
fn add_bias(a: Option<&Vec<f32>>, b: Option<&Vec<f32>>, rows: usize) -> Option<Vec<f32>> {
    if a.is_none() && b.is_none() {
        return None;
    }
    let get = |x: Option<&Vec<f32>>, i: usize| x.map_or(0.0, |v| v[i]);
    Some((0..rows).map(|i| get(a, i) + get(b, i)).collect())
}

/// `[a | b]`, or `a + b` when `shift` is 0 (columns of `b` moved by `shift`).
fn side_by_side(a: &Matrix, b: &Matrix, shift: usize, cols: usize) -> Option<Matrix> {
    let rows = (0..a.rows()).map(|r| {
        let mut row: Vec<(usize, f32)> = a.entries(r).collect();
        for (c, v) in b.entries(r) {
            match row.binary_search_by_key(&(c + shift), |e| e.0) {
                Ok(i) => row[i].1 += v,
                Err(i) => row.insert(i, (c + shift, v)),
            }
        }
        row.retain(|e| e.1 != 0.0);
        row
    });
    Matrix::from_rows(cols, rows.collect::<Vec<_>>())
}

/// Rewrites node `k` when it is such an Add; `true` when it did.
fn rewrite(g: &mut Graph, k: usize) -> bool {
    if !matches!(g.nodes[k].op, Op::Add) {
        return false;
    }
    let (ta, tb) = (g.nodes[k].inputs[0], g.nodes[k].inputs[1]);
    let (Some((la, ra)), Some((lb, rb))) = (private_linear(g, ta), private_linear(g, tb)) else { return false };
    if la == lb {
        // `Add(t, t)`: one branch twice, nothing to merge.
        return false;
    }
    // The branches' nodes (Linear and reshapes) that go once the Add reads the merged Linear.
    let drop: Vec<usize> = [la, lb].into_iter().chain(ra).chain(rb).collect();
    for (la, lb) in [(la, lb), (lb, la)] {
        let (Some((wa, ba, u)), Some((wb, bb, v))) = (one_row(g, la), one_row(g, lb)) else { return false };
        if wa.rows() != wb.rows() {
            return false;
        }
        let rows = wa.rows();
        if u == v {
            let Some(weight) = side_by_side(wa, wb, 0, wa.cols()) else { return false };
            let bias = add_bias(ba, bb, rows);
            finish(g, k, drop, Op::Linear { weight, bias }, v);
            return true;
        }
        // `u = ReLU(C v)`: the ReLU and C feed nothing else, `v` is non-negative.
        let Some(relu) = g.nodes.iter().position(|n| n.output == u) else { continue };
        if g.nodes[relu].op != Op::Act(Activation::Relu) || !g.non_negative(v) {
            continue;
        }
        let Some((lc, rc_reshapes)) = private_linear(g, g.nodes[relu].inputs[0]) else { continue };
        if !rc_reshapes.is_empty() {
            continue;
        }
        let Some((wc, bc, vc)) = one_row(g, lc) else { continue };
        // A reads the ReLU's output itself (its shape changes), and nothing else does.
        let direct = g.nodes[la].inputs[0] == u;
        if !direct || vc != v || g.nodes.iter().filter(|n| n.inputs.contains(&u)).count() != 1 || g.outputs.contains(&u)
        {
            continue;
        }
        let (rc, nv) = (wc.rows(), g.tensor(v).len());
        // C' = [C; I]: the ReLU now also outputs v.
        let carried = (0..rc).map(|r| wc.entries(r).collect::<Vec<_>>()).chain((0..nv).map(|j| vec![(j, 1.0)]));
        let Some(wc2) = Matrix::from_rows(nv, carried.collect::<Vec<_>>()) else { continue };
        let Some(weight) = side_by_side(wa, wb, rc, rc + nv) else { continue };
        let bias = add_bias(ba, bb, rows);
        let bc2 = bc.map(|b| b.iter().copied().chain(std::iter::repeat_n(0.0, nv)).collect());
        let (c_out, relu_out) = (g.nodes[lc].output, u);
        g.nodes[lc].op = Op::Linear { weight: wc2, bias: bc2 };
        for t in [c_out, relu_out] {
            g.tensors[t].shape = vec![rc + nv];
        }
        finish(g, k, drop, Op::Linear { weight, bias }, relu_out);
        return true;
    }
    false
}

/// Node `k` becomes `op` reading `input`; the branch nodes `drop` go.
fn finish(g: &mut Graph, k: usize, mut drop: Vec<usize>, op: Op, input: TensorId) {
    g.nodes[k].op = op;
    g.nodes[k].inputs = vec![input];
    drop.sort_unstable();
    for d in drop.into_iter().rev() {
        g.nodes.remove(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Node, TensorInfo};

    fn tensor(g: &mut Graph, name: &str, len: usize) -> TensorId {
        g.tensors.push(TensorInfo { name: name.into(), shape: vec![len] });
        g.tensors.len() - 1
    }

    fn linear(g: &mut Graph, name: &str, input: TensorId, rows: usize, seed: usize) -> TensorId {
        let cols = g.tensor(input).len();
        let data: Vec<f32> = (0..rows * cols).map(|i| ((i * 7 + seed * 13) % 11) as f32 / 11.0 - 0.4).collect();
        let weight = Matrix::new(rows, cols, data).unwrap();
        let out = tensor(g, name, rows);
        let bias = Some((0..rows).map(|i| i as f32 * 0.1).collect());
        g.nodes.push(Node { name: name.into(), op: Op::Linear { weight, bias }, inputs: vec![input], output: out });
        out
    }

    fn node(g: &mut Graph, name: &str, op: Op, inputs: Vec<TensorId>, len: usize) -> TensorId {
        let out = tensor(g, name, len);
        g.nodes.push(Node { name: name.into(), op, inputs, output: out });
        out
    }

    #[test]
    fn two_branches_of_one_source_and_a_downsampling_block_merge() {
        // x -> h = ReLU(L0 x) (non-negative), then A(h) + B(h), and A(ReLU(C h)) + B'(h).
        let mut g = Graph::default();
        let x = tensor(&mut g, "x", 3);
        g.inputs.push(x);
        let l0 = linear(&mut g, "l0", x, 4, 1);
        let h = node(&mut g, "h", Op::Act(Activation::Relu), vec![l0], 4);
        let a = linear(&mut g, "a", h, 4, 2);
        let b = linear(&mut g, "b", h, 4, 3);
        let s1 = node(&mut g, "s1", Op::Add, vec![a, b], 4);
        let r1 = node(&mut g, "r1", Op::Act(Activation::Relu), vec![s1], 4);
        let c = linear(&mut g, "c", r1, 5, 4);
        let rc = node(&mut g, "rc", Op::Act(Activation::Relu), vec![c], 5);
        let a2 = linear(&mut g, "a2", rc, 2, 5);
        let b2 = linear(&mut g, "b2", r1, 2, 6);
        let s2 = node(&mut g, "s2", Op::Add, vec![a2, b2], 2);
        g.outputs.push(s2);
        g.validate().unwrap();
        let inputs = [vec![0.3, -0.8, 1.2], vec![-1.0, 0.5, 0.25]];
        let before: Vec<_> = inputs.iter().map(|i| g.eval_f32(std::slice::from_ref(i)).unwrap()).collect();
        assert_eq!(merge_branches(&mut g), ["s1", "s2"]);
        g.validate().unwrap();
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["Linear", "Relu", "Linear", "Relu", "Linear", "Relu", "Linear"], "{g}");
        for (i, want) in inputs.iter().zip(&before) {
            let got = g.eval_f32(std::slice::from_ref(i)).unwrap();
            assert!(got[0].iter().zip(&want[0]).all(|(p, q)| (p - q).abs() < 1e-5), "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn a_branch_on_a_signed_source_stays() {
        // B reads x directly (may be negative): carrying it through C's ReLU would clip it.
        let mut g = Graph::default();
        let x = tensor(&mut g, "x", 3);
        g.inputs.push(x);
        let c = linear(&mut g, "c", x, 4, 1);
        let rc = node(&mut g, "rc", Op::Act(Activation::Relu), vec![c], 4);
        let a = linear(&mut g, "a", rc, 2, 2);
        let b = linear(&mut g, "b", x, 2, 3);
        let s = node(&mut g, "s", Op::Add, vec![a, b], 2);
        g.outputs.push(s);
        assert!(merge_branches(&mut g).is_empty());
    }
}
