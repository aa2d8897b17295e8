//! tract's `RmsNorm` (what a `LayerNormalization` becomes once tract has split off its centring:
//! `y = x / sqrt(mean(x^2) + eps)` along one axis), lowered to blocks that are proven exactly
//! (`docs/quantisation.md`, "Layer normalisation"): the square `x * x` (a product), the mean of
//! each row plus `eps` spread over the row (a Linear), the tabulated reciprocal square root
//! (`Activation::Rsqrt`) and the product `x * rsqrt`; and tract's `Reduce<MeanOfSquares>` (what it
//! leaves of a normalisation it does not fuse), the square and a Linear of the means.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer, RmsNorm, Softmax};
use zkml_verifier::model::activation::Activation;

use super::softmax::rows_along;
use super::translate::Translator;
use crate::ir::conv::{reduce_sum_matrix, MAX_LOWERED};
use crate::ir::{Matrix, Op, TensorId};

/// Most values a normalisation may take (a layer's side limit).
const MAX_NORM: usize = 1 << 20;

impl Translator<'_> {
    /// Pushes `node` when it is a normalisation (`RmsNorm`, `Reduce<MeanOfSquares>`) or a
    /// softmax (`softmax.rs`) of `x`: `None` for any other node, else the tensor holding its
    /// output or why it is not supported.
    pub(super) fn push_normalisation(
        &mut self,
        node: &TypedNode,
        x: TensorId,
        mask: Option<&[bool]>,
    ) -> TractResult<Option<Result<TensorId, String>>> {
        if let Some(op) = node.op_as::<Softmax>() {
            return self.push_softmax(node, op, x, mask).map(Some);
        }
        if let Some(op) = node.op_as::<Reduce>() {
            return self.push_mean_of_squares(node, op, x);
        }
        if let Some(op) = node.op_as::<RmsNorm>() {
            return self.push_rms_norm(node, op, x).map(Some);
        }
        Ok(None)
    }

    /// Pushes `node`, a `Reduce<MeanOfSquares>` of `x` (`None` for another reducer): the square
    /// `x * x` and the mean over the reduced axes; returns the tensor holding its output.
    fn push_mean_of_squares(
        &mut self,
        node: &TypedNode,
        op: &Reduce,
        x: TensorId,
    ) -> TractResult<Option<Result<TensorId, String>>> {
        if op.reducer != Reducer::MeanOfSquares {
            return Ok(None);
        }
        let shape = self.graph.tensors[x].shape.clone();
        let Some(sum) = reduce_sum_matrix(&shape, &op.axes) else {
            return Ok(Some(Err(format!("over axes {:?} of {shape:?}", op.axes))));
        };
        let count: usize = op.axes.iter().map(|&a| shape[a]).product();
        let rows = (0..sum.rows()).map(|r| sum.entries(r).map(|(c, w)| (c, w / count as f32)).collect::<Vec<_>>());
        let Some(mean) = Matrix::from_rows(sum.cols(), rows.collect::<Vec<_>>()).map(Matrix::into_public) else {
            return Ok(Some(Err("its means".into())));
        };
        let square = self.scratch(&node.name, "square", shape);
        self.push(node.name.clone(), Op::Mul, vec![x, x], square);
        let y = self.new_tensor(OutletId::new(node.id, 0))?;
        self.push(node.name.clone(), Op::Linear { weight: mean, bias: None }, vec![square], y);
        Ok(Some(Ok(y)))
    }

    /// Pushes `node`, an `RmsNorm` of `x`; returns the tensor holding its output, or `Err` naming
    /// what is not supported.
    fn push_rms_norm(&mut self, node: &TypedNode, op: &RmsNorm, x: TensorId) -> TractResult<Result<TensorId, String>> {
        let shape = self.graph.tensors[x].shape.clone();
        let len: usize = shape.iter().product();
        if op.axis >= shape.len() || len == 0 || len > MAX_NORM {
            return Ok(Err(format!("over axis {} of {shape:?}", op.axis)));
        }
        let eps = op.eps.cast_to_scalar::<f32>()?;
        if !eps.is_finite() || eps < 0.0 {
            return Ok(Err(format!("with epsilon {eps}")));
        }
        let n = shape[op.axis];
        // The means are spread by a dense per-row block: `len * n` weights.
        if len.saturating_mul(n) > MAX_LOWERED {
            return Ok(Err(format!("of rows of {n} values over {len} values (at most 2^26 weights)")));
        }
        // Each cell's row along the axis (its cells increasing), as the softmax's.
        let rows = rows_along(&shape, op.axis);
        let mut mean: Vec<Vec<(usize, f32)>> = vec![Vec::new(); len];
        for row in &rows {
            let weights: Vec<(usize, f32)> = row.iter().map(|&k| (k, 1.0 / n as f32)).collect();
            for &c in row {
                mean[c] = weights.clone();
            }
        }
        let Some(mean) = Matrix::from_rows(len, mean).map(Matrix::into_public) else {
            return Ok(Err("its row means".into()));
        };
        // `t = x`, by a Linear whose gain calibration sets (`ir::balance`); merged into the Linear
        // writing `x` when there is one. Its weights are structural: a power of two, a
        // quantisation parameter like the scale (`docs/zero-knowledge.md`).
        let identity = Matrix::from_rows(len, (0..len).map(|c| vec![(c, 1.0)])).map(Matrix::into_public);
        let Some(identity) = identity else { return Ok(Err("its gain".into())) };
        let t = self.scratch(&node.name, "gain", shape.clone());
        self.push(node.name.clone(), Op::Linear { weight: identity, bias: None }, vec![x], t);
        let x = t;
        let square = self.scratch(&node.name, "square", shape.clone());
        self.push(node.name.clone(), Op::Mul, vec![x, x], square);
        let ms = self.scratch(&node.name, "mean_square", shape.clone());
        self.push(node.name.clone(), Op::Linear { weight: mean, bias: Some(vec![eps; len]) }, vec![square], ms);
        let r = self.scratch(&node.name, "rsqrt", shape);
        self.push(node.name.clone(), Op::Act(Activation::Rsqrt), vec![ms], r);
        let y = self.new_tensor(OutletId::new(node.id, 0))?;
        self.push(node.name.clone(), Op::Mul, vec![x, r], y);
        Ok(Ok(y))
    }
}
