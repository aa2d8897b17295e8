//! ONNX `Softmax` along one axis, lowered to blocks that are proven exactly
//! (`docs/quantisation.md`, "Softmax"):
//! - each row's maximum `m` by the max pooling's tournament (`ir::conv::max_layers`: Linear and
//!   ReLU layers, `max(a, b) = a + ReLU(b - a)`), so the maximum is one of the row's values and at
//!   least every one of them;
//! - `t = x - m` by a Linear spreading `-m` over the row, added to `x` (a residual);
//! - `e = exp(t)` by the tabulated `Activation::Exp` (`t <= 0`);
//! - the row sum `S` spread over the row by a Linear of ones;
//! - `y = round(2^s e / S)` by the division block (`docs/protocols/blocks/divide.md`).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxKind};
use zkml_verifier::model::activation::Activation;

use super::translate::Translator;
use crate::ir::conv::{max_layers, Combo, MAX_LOWERED};
use crate::ir::{Matrix, Op, TensorId};

/// Most values a softmax may take (a layer's side limit).
const MAX_SOFTMAX: usize = 1 << 20;

/// The cells of each row along `axis` of a row-major tensor of `shape`, rows in row-major order
/// of the other axes.
pub(super) fn rows_along(shape: &[usize], axis: usize) -> Vec<Vec<usize>> {
    let n = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut rows = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            rows.push((0..n).map(|k| (o * n + k) * inner + i).collect());
        }
    }
    rows
}

impl Translator<'_> {
    /// Pushes `node`, a softmax of `x`, as the blocks above; returns the tensor holding its output,
    /// or `Err` naming what is not supported.
    pub(super) fn push_softmax(
        &mut self,
        node: &TypedNode,
        op: &Softmax,
        x: TensorId,
    ) -> TractResult<Result<TensorId, String>> {
        if op.kind != SoftmaxKind::Softmax || op.quant_output_dt.is_some() {
            return Ok(Err("a log-softmax or a quantised softmax".into()));
        }
        let shape = self.graph.tensors[x].shape.clone();
        let len: usize = shape.iter().product();
        let axis = match op.axes.as_slice() {
            [a] if *a < shape.len() => *a,
            _ => return Ok(Err(format!("over axes {:?}", op.axes))),
        };
        if len == 0 || len > MAX_SOFTMAX {
            return Ok(Err(format!("of {len} values (at most 2^20)")));
        }
        // The row sum is spread by a dense per-row block: `len * n` weights.
        if len.saturating_mul(shape[axis]) > MAX_LOWERED {
            return Ok(Err(format!("of rows of {} values over {len} values (at most 2^26 weights)", shape[axis])));
        }
        let rows = rows_along(&shape, axis);
        let signed = !self.graph.non_negative(x);
        let windows: Vec<Vec<Combo>> = rows.iter().map(|r| r.iter().map(|&c| vec![(c, 1.0)]).collect()).collect();
        let Some(mut layers) = max_layers(windows, len, signed) else {
            return Ok(Err("an empty row".into()));
        };
        let Some(last) = layers.pop() else { return Ok(Err("an empty row".into())) };
        // The tournament's rounds: a Linear and a ReLU each.
        let mut src = x;
        for (k, weight) in layers.into_iter().enumerate() {
            let rows = weight.rows();
            let linear = self.scratch(&node.name, &format!("max{k}"), vec![rows]);
            self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![src], linear);
            let relu = self.scratch(&node.name, &format!("max{k}.relu"), vec![rows]);
            self.push(node.name.clone(), Op::Act(Activation::Relu), vec![linear], relu);
            src = relu;
        }
        // `-m` of each cell's row: the last round's combination of its row, negated.
        let mut of_cell = vec![0usize; len];
        for (r, cells) in rows.iter().enumerate() {
            for &c in cells {
                of_cell[c] = r;
            }
        }
        let negated: Vec<Vec<(usize, f32)>> =
            of_cell.iter().map(|&r| last.entries(r).map(|(c, w)| (c, -w)).collect()).collect();
        let ones: Vec<Vec<(usize, f32)>> =
            of_cell.iter().map(|&r| rows[r].iter().map(|&c| (c, 1.0)).collect()).collect();
        let (Some(negated), Some(ones)) = (Matrix::from_rows(last.cols(), negated), Matrix::from_rows(len, ones))
        else {
            return Ok(Err("its row maps".into()));
        };
        let neg_max = self.scratch(&node.name, "neg_max", shape.clone());
        self.push(node.name.clone(), Op::Linear { weight: negated, bias: None }, vec![src], neg_max);
        let shifted = self.scratch(&node.name, "shifted", shape.clone());
        self.push(node.name.clone(), Op::Add, vec![neg_max, x], shifted);
        let exp = self.scratch(&node.name, "exp", shape.clone());
        self.push(node.name.clone(), Op::Act(Activation::Exp), vec![shifted], exp);
        let sum = self.scratch(&node.name, "sum", shape);
        self.push(node.name.clone(), Op::Linear { weight: ones, bias: None }, vec![exp], sum);
        let out = OutletId::new(node.id, 0);
        let y = self.new_tensor(out)?;
        self.push(node.name.clone(), Op::Div, vec![exp, sum], y);
        Ok(Ok(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_along_an_axis() {
        assert_eq!(rows_along(&[2, 3], 1), vec![vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(rows_along(&[2, 3], 0), vec![vec![0, 3], vec![1, 4], vec![2, 5]]);
        assert_eq!(rows_along(&[1, 2, 2], 2), vec![vec![0, 1], vec![2, 3]]);
    }
}
