//! ONNX `Softmax` along one axis, lowered to blocks that are proven exactly
//! (`docs/quantisation.md`, "Softmax"):
//! - each row's maximum `m` by the max pooling's tournament (`ir::conv::max_layers`: Linear and
//!   ReLU layers, `max(a, b) = a + ReLU(b - a)`), so the maximum is one of the row's values and at
//!   least every one of them;
//! - `t = x - m` by a Linear spreading `-m` over the row, added to `x` (a residual);
//! - `e = exp(t)` by the tabulated `Activation::Exp` (`t <= 0`);
//! - the row sum `S` spread over the row by a Linear of ones;
//! - `y = round(2^s e / S)` by the division block (`docs/protocols/blocks/divide.md`).
//!
//! A softmax of `x + M` with `M` an attention mask (0 or `-inf`, [`additive_mask`]) leaves the
//! masked cells out of the maximum and the sum, and clears their quotients (a Linear keeping the
//! other cells), so that they are exactly 0 at every scale.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxKind};
use zkml_verifier::model::activation::Activation;

use super::constants::broadcast_indices;
use super::translate::Translator;
use crate::ir::conv::{max_layers, Combo, MAX_LOWERED};
use crate::ir::{Matrix, Op, TensorId};

/// Most values a softmax may take (a layer's side limit).
const MAX_SOFTMAX: usize = 1 << 20;

/// Entries of an added constant at or below this are a mask (`-inf`; exporters write the float32
/// minimum, `-3.4e38`).
const MASKED: f32 = -1e30;

/// When the constant `c` added to a tensor of `shape` is an attention mask (some entries at or
/// below `-1e30`, every other entry 0): which cells it masks, broadcast to `shape`. `None` when no
/// entry is that low (an ordinary constant); `Err` for a mask this lowering does not take.
pub(super) fn additive_mask(c: &Tensor, shape: &[usize]) -> Option<Result<Vec<bool>, String>> {
    let c = c.cast_to::<f32>().ok()?;
    let values: Vec<f32> = c.to_plain_array_view::<f32>().ok()?.iter().copied().collect();
    if !values.iter().any(|&v| v <= MASKED) {
        return None;
    }
    if values.iter().any(|&v| v > MASKED && v != 0.0) {
        return Some(Err("its entries are neither 0 nor below -1e30".into()));
    }
    let Some(cells) = broadcast_indices(c.shape(), shape) else {
        return Some(Err(format!("of shape {:?} added to {shape:?}", c.shape())));
    };
    Some(Ok(cells.into_iter().map(|i| values[i] <= MASKED).collect()))
}

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
        mask: Option<&[bool]>,
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
        // A masked cell is left out of its row's maximum and sum; its shift is `MASKED_SHIFT`.
        let masked = |c: usize| mask.is_some_and(|m| m[c]);
        let all_rows = rows_along(&shape, axis);
        let rows: Vec<Vec<usize>> =
            all_rows.iter().map(|r| r.iter().copied().filter(|&c| !masked(c)).collect()).collect();
        if rows.iter().any(Vec::is_empty) {
            return Ok(Err("with a row masked entirely".into()));
        }
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
        // Every cell's row (the sum is also the divisor of a masked cell); none for a masked cell's
        // maximum.
        let mut of_cell = vec![0; len];
        for (r, cells) in all_rows.iter().enumerate() {
            for &c in cells {
                of_cell[c] = r;
            }
        }
        let negated = (0..len).map(|c| {
            if masked(c) {
                vec![]
            } else {
                last.entries(of_cell[c]).map(|(k, w)| (k, -w)).collect::<Vec<_>>()
            }
        });
        let ones = of_cell.iter().map(|&r| rows[r].iter().map(|&c| (c, 1.0f32)).collect::<Vec<_>>());
        let (Some(negated), Some(ones)) = (Matrix::from_rows(last.cols(), negated), Matrix::from_rows(len, ones))
        else {
            return Ok(Err("its row maps".into()));
        };
        let (negated, ones) = (negated.into_public(), ones.into_public());
        let neg_max = self.scratch(&node.name, "neg_max", shape.clone());
        self.push(node.name.clone(), Op::Linear { weight: negated, bias: None }, vec![src], neg_max);
        // A masked cell's `x` and maximum are 0 (so its shift is 0, inside the table), and its
        // quotient is cleared: by a Linear keeping the other cells, which merges into the Linear
        // reading the softmax (`ir::compose`) when there is one.
        let keep =
            match mask.map(|m| Matrix::from_rows(len, (0..len).map(|c| if m[c] { vec![] } else { vec![(c, 1.0)] }))) {
                Some(None) => return Ok(Err("its mask".into())),
                keep => keep.flatten().map(Matrix::into_public),
            };
        let x = match &keep {
            Some(keep) => {
                let kept = self.scratch(&node.name, "unmasked", shape.clone());
                self.push(node.name.clone(), Op::Linear { weight: keep.clone(), bias: None }, vec![x], kept);
                kept
            }
            None => x,
        };
        let shifted = self.scratch(&node.name, "shifted", shape.clone());
        self.push(node.name.clone(), Op::Add, vec![neg_max, x], shifted);
        let exp = self.scratch(&node.name, "exp", shape.clone());
        self.push(node.name.clone(), Op::Act(Activation::Exp), vec![shifted], exp);
        let sum = self.scratch(&node.name, "sum", shape.clone());
        self.push(node.name.clone(), Op::Linear { weight: ones, bias: None }, vec![exp], sum);
        let out = OutletId::new(node.id, 0);
        let y = match keep {
            Some(keep) => {
                let quotient = self.scratch(&node.name, "quotient", shape);
                self.push(node.name.clone(), Op::Div, vec![exp, sum], quotient);
                let y = self.new_tensor(out)?;
                self.push(node.name.clone(), Op::Linear { weight: keep, bias: None }, vec![quotient], y);
                y
            }
            None => {
                let y = self.new_tensor(out)?;
                self.push(node.name.clone(), Op::Div, vec![exp, sum], y);
                y
            }
        };
        Ok(Ok(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_masks_are_zero_or_below_minus_1e30() {
        let min = f32::MIN;
        let mask = |v: &[f32], shape: &[usize], to: &[usize]| {
            additive_mask(&Tensor::from_shape(shape, v).unwrap(), to).map(|m| m.map_err(|_| ()))
        };
        // Not a mask: an ordinary constant, zeros included.
        assert_eq!(mask(&[0.0, 0.0], &[2], &[2, 2]), None);
        assert_eq!(mask(&[0.5, -3.0], &[2], &[2, 2]), None);
        // A causal mask broadcast over two heads; -inf counts too.
        let causal = mask(&[0.0, min, 0.0, f32::NEG_INFINITY], &[1, 2, 2], &[2, 2, 2]);
        assert_eq!(causal, Some(Ok(vec![false, true, false, true, false, true, false, true])));
        // Refused: finite entries other than 0, and shapes that do not broadcast.
        assert_eq!(mask(&[1.0, min], &[2], &[2]), Some(Err(())));
        assert_eq!(mask(&[0.0, min, 0.0], &[3], &[2, 2]), Some(Err(())));
    }

    #[test]
    fn rows_along_an_axis() {
        assert_eq!(rows_along(&[2, 3], 1), vec![vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(rows_along(&[2, 3], 0), vec![vec![0, 3], vec![1, 4], vec![2, 5]]);
        assert_eq!(rows_along(&[1, 2, 2], 2), vec![vec![0, 1], vec![2, 3]]);
    }
}
