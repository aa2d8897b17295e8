//! tract's `RmsNorm` (what a `LayerNormalization` becomes once tract has split off its centring:
//! `y = x / sqrt(mean(x^2) + eps)` along one axis), lowered to blocks that are proven exactly
//! (`docs/quantisation.md`, "Layer normalisation"): the square `x * x` (a product), the mean of
//! each row plus `eps` spread over the row (a Linear), the tabulated reciprocal square root
//! (`Activation::Rsqrt`) and the product `x * rsqrt`.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::RmsNorm;
use zkml_verifier::model::activation::Activation;

use super::translate::Translator;
use crate::ir::{Matrix, Op, TensorId};

/// Most values a normalisation may take (a layer's side limit).
const MAX_NORM: usize = 1 << 20;

impl Translator<'_> {
    /// Pushes `node`, an `RmsNorm` of `x`; returns the tensor holding its output, or `Err` naming
    /// what is not supported.
    pub(super) fn push_rms_norm(
        &mut self,
        node: &TypedNode,
        op: &RmsNorm,
        x: TensorId,
    ) -> TractResult<Result<TensorId, String>> {
        let shape = self.graph.tensors[x].shape.clone();
        let len: usize = shape.iter().product();
        if op.axis >= shape.len() || len == 0 || len > MAX_NORM {
            return Ok(Err(format!("over axis {} of {shape:?}", op.axis)));
        }
        let eps = op.eps.cast_to_scalar::<f32>()?;
        if !eps.is_finite() || eps < 0.0 {
            return Ok(Err(format!("with epsilon {eps}")));
        }
        let (n, inner) = (shape[op.axis], shape[op.axis + 1..].iter().product::<usize>());
        // Each cell's row along the axis: the cells sharing its other coordinates.
        let row_of = |c: usize| {
            let (outer, i) = (c / (n * inner), c % inner);
            (0..n).map(move |k| (outer * n + k) * inner + i)
        };
        let mean: Vec<Vec<(usize, f32)>> = (0..len)
            .map(|c| {
                let mut cells: Vec<(usize, f32)> = row_of(c).map(|k| (k, 1.0 / n as f32)).collect();
                cells.sort_unstable_by_key(|e| e.0);
                cells
            })
            .collect();
        let Some(mean) = Matrix::from_rows(len, mean) else { return Ok(Err("its row means".into())) };
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
