//! Element-wise `Add`, `Sub`, `Mul`, `Div` of two variable tensors (numpy broadcasting), and `Pow`
//! by a constant 2 or 3: an operand smaller than the output is first spread to it by a 0/1
//! selection (a Linear, which `ir::compose` merges into the Linear before it when it can); `Sub`
//! adds the subtrahend negated by a Linear; a square or a cube is a product of the tensor with
//! itself (`docs/protocols/blocks/product.md`).

use tract_onnx::prelude::*;

use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::math::{PowConst, Square};

use super::constants::broadcast_indices;
use super::translate::Translator;
use crate::ir::{Matrix, Op, TensorId};

impl Translator<'_> {
    /// `x` spread to `shape` by numpy broadcasting, negated when `negate`: `x` itself when
    /// nothing changes, else a Linear selection on a tensor of its own.
    fn spread(
        &mut self,
        node: &TypedNode,
        x: TensorId,
        shape: &[usize],
        negate: bool,
        what: &str,
    ) -> Result<TensorId, String> {
        let from = self.graph.tensors[x].shape.clone();
        if from == shape && !negate {
            return Ok(x);
        }
        let Some(index) = broadcast_indices(&from, shape) else {
            return Err(format!("shape {from:?} does not broadcast to {shape:?}"));
        };
        let w = if negate { -1.0 } else { 1.0 };
        let len = from.iter().product();
        let rows: Vec<Vec<(usize, f32)>> = index.into_iter().map(|i| vec![(i, w)]).collect();
        let weight = Matrix::from_rows(len, rows).ok_or("a selection".to_string())?.into_public();
        let t = self.scratch(&node.name, what, shape.to_vec());
        self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![x], t);
        Ok(t)
    }

    /// `a op b` for two variable tensors (`op` one of `Add`, `Sub`, `Mul`, `Div`), broadcast to
    /// `out_shape`, writing `out`; returns the output tensor or why it is not supported.
    pub(super) fn push_binary_of_two(
        &mut self,
        node: &TypedNode,
        op: &str,
        [a, b]: [TensorId; 2],
        out_shape: &[usize],
    ) -> TractResult<Result<TensorId, String>> {
        let ir = match op {
            "Add" | "Sub" => Op::Add,
            "Mul" => Op::Mul,
            "Div" => Op::Div,
            _ => return Ok(Err(op.to_string())),
        };
        let a = match self.spread(node, a, out_shape, false, "spread_a") {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let b = match self.spread(node, b, out_shape, op == "Sub", "spread_b") {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let t = self.new_tensor(OutletId::new(node.id, 0))?;
        self.push(node.name.clone(), ir, vec![a, b], t);
        Ok(Ok(t))
    }

    /// `x^k` for a constant `k` of 2 or 3 (a `Pow`, or tract's `Square`): products of `x` with
    /// itself, writing the node's output.
    pub(super) fn push_power(
        &mut self,
        node: &TypedNode,
        x: TensorId,
        k: u32,
    ) -> TractResult<Result<TensorId, String>> {
        let shape = self.graph.tensors[x].shape.clone();
        let out = OutletId::new(node.id, 0);
        match k {
            2 => {
                let t = self.new_tensor(out)?;
                self.push(node.name.clone(), Op::Mul, vec![x, x], t);
                Ok(Ok(t))
            }
            3 => {
                let sq = self.scratch(&node.name, "square", shape);
                self.push(node.name.clone(), Op::Mul, vec![x, x], sq);
                let t = self.new_tensor(out)?;
                self.push(node.name.clone(), Op::Mul, vec![sq, x], t);
                Ok(Ok(t))
            }
            _ => Ok(Err(format!("a power {k} (2 or 3 are proven)"))),
        }
    }
}

/// The exponent of an element-wise power by a constant as tract keeps it: `Square`, or `Pow` by a
/// known exponent (`PowConst`).
pub(super) fn const_power(op: &ElementWiseOp) -> Option<f32> {
    match op.0.downcast_ref::<PowConst>() {
        _ if op.0.is::<Square>() => Some(2.0),
        Some(p) => Some(p.exponent),
        None => None,
    }
}
