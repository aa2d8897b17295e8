//! Token inputs: an integer model input (ONNX `int64` token ids) read by embedding `Gather`s.
//!
//! The ids are public. The graph's input becomes their one-hot rows (`[ids, V]`,
//! [`crate::ir::TokenInput`]), and an embedding `Gather(E, ids)` of a constant table `E` (`[V, d]`)
//! becomes a Linear with weight `Eᵀ` on those rows: each gathered row is `onehot(id) · E`, a row of
//! the table the key commits to (`docs/quantisation.md`, "Token inputs"). Reshapes of the ids keep
//! their order and pass through; nothing else may read them.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::Gather;
use tract_onnx::tract_core::ops::change_axes::AxisOp;

use super::translate::{Translator, Value};
use crate::ir::{Matrix, Op, TensorInfo, TokenInput};

/// Largest vocabulary taken: one one-hot column per id and token, within a layer's side.
const MAX_VOCAB: usize = 1 << 16;

impl Translator<'_> {
    /// Translates `node`, which reads token ids: a reshape of them, or an embedding `Gather`.
    /// `Err` names what is not supported.
    pub(super) fn push_token_node(&mut self, node: &TypedNode, inputs: &[Value]) -> TractResult<Result<(), String>> {
        let out = OutletId::new(node.id, 0);
        let reshape = node.op_as::<AxisOp>().is_some_and(|op| !matches!(op, AxisOp::Move(..)));
        let gather = node.op_as::<Gather>().is_some_and(|g| g.axis == 0);
        match inputs {
            [Value::Ids] if reshape => {
                self.values.insert(out, Value::Ids);
                Ok(Ok(()))
            }
            [Value::Const(table), Value::Ids] if gather => {
                let table = table.cast_to::<f32>()?;
                let dims = table.shape().to_vec();
                let (vocab, width) = (dims[0], dims[1..].iter().product::<usize>());
                if vocab == 0 || vocab > MAX_VOCAB || width == 0 {
                    return Ok(Err(format!("Gather of a table of shape {dims:?} (at most 2^16 rows)")));
                }
                let Some(rows) = self.token_rows(vocab)? else {
                    return Ok(Err(format!("Gather of tables of {vocab} rows and of another size by the same ids")));
                };
                let e = table.to_plain_array_view::<f32>()?.iter().copied().collect::<Vec<f32>>();
                // Weight row c, column v: E[v][c].
                let data = (0..width).flat_map(|c| (0..vocab).map(move |v| (c, v))).map(|(c, v)| e[v * width + c]);
                let Some(weight) = Matrix::new(width, vocab, data.collect()) else {
                    return Ok(Err("Gather (its table)".into()));
                };
                let t = self.new_tensor(out)?;
                self.push(node.name.clone(), Op::Linear { weight, bias: None }, vec![rows], t);
                self.values.insert(out, Value::Tensor(t));
                Ok(Ok(()))
            }
            _ => Ok(Err(format!("{} of token ids (only reshapes and an embedding Gather read them)", node.op.name()))),
        }
    }

    /// The graph input holding the ids' one-hot rows of `vocab` columns, made on first use;
    /// `None` when an earlier `Gather` took another vocabulary.
    fn token_rows(&mut self, vocab: usize) -> TractResult<Option<usize>> {
        if let Some(tokens) = &self.graph.tokens {
            return Ok((tokens.vocab == vocab).then(|| self.graph.inputs[0]));
        }
        let Some((name, shape)) = self.ids.clone() else { return Ok(None) };
        let n: usize = shape.iter().product();
        self.graph.tensors.push(TensorInfo { name, shape: vec![n, vocab] });
        let id = self.graph.tensors.len() - 1;
        self.graph.inputs.insert(0, id);
        self.graph.tokens = Some(TokenInput { vocab, shape });
        Ok(Some(id))
    }
}
