//! Lowers a quantised graph to the chain of layers the MLP protocol proves:
//! `Linear -> activation -> ... -> Linear` (ReLU, Sigmoid, Tanh or GELU), with reshapes
//! (flattens) allowed anywhere.

use zkml_verifier::model::activation::Activation;

use crate::error::ProverError;
use crate::ir::Op;
use crate::quant::QuantizedModel;

/// One proven layer: `z = W a + b`, `q = round(z / 2^s)`, then an activation unless it is the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Name of the Linear node, for messages.
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    /// Row-major `rows x cols`, scale `2^s`.
    pub weight: Vec<i64>,
    /// Length `rows`, scale `2^(2s)` (zeros when the node has no bias).
    pub bias: Vec<i64>,
    /// What follows the rescaling ([`Activation::None`] on the last layer).
    pub act: Activation,
}

/// The layers of `model`, or an error naming the first node the protocol cannot prove.
pub fn compile(model: &QuantizedModel) -> Result<Vec<Layer>, ProverError> {
    let g = &model.graph;
    let unsupported = |msg: String| Err(ProverError::Unsupported(msg));
    if g.inputs.len() != 1 || g.outputs.len() != 1 {
        return unsupported(format!(
            "the MLP prover needs exactly one input and one output (model has {} and {})",
            g.inputs.len(),
            g.outputs.len()
        ));
    }
    let mut current = g.inputs[0];
    let mut layers: Vec<Layer> = Vec::new();
    for (i, node) in g.nodes.iter().enumerate() {
        if node.inputs.first() != Some(&current) {
            return unsupported(format!(
                "node '{}' ({}) does not continue the chain of layers",
                node.name,
                node.op.name()
            ));
        }
        match (&node.op, &model.linear[i]) {
            (Op::Reshape { .. }, _) => {}
            (Op::Linear { .. }, Some(p)) => {
                if g.tensor(current).len() != p.cols {
                    return unsupported(format!(
                        "node '{}': batched Linear ({} inputs for {} columns) is not supported",
                        node.name,
                        g.tensor(current).len(),
                        p.cols
                    ));
                }
                if layers.last().is_some_and(|l| !l.act.hidden()) {
                    return unsupported(format!(
                        "node '{}': two Linear layers without an activation between them",
                        node.name
                    ));
                }
                layers.push(Layer {
                    name: node.name.clone(),
                    rows: p.rows,
                    cols: p.cols,
                    weight: p.weight.clone(),
                    bias: p.bias.clone().unwrap_or_else(|| vec![0; p.rows]),
                    act: Activation::None,
                });
            }
            (op, _) if op.activation().is_some() => match (layers.last_mut(), op.activation()) {
                (Some(l), Some(act)) if !l.act.hidden() => l.act = act,
                _ => {
                    return unsupported(format!(
                        "node '{}': {} must directly follow a Linear layer",
                        node.name,
                        op.name()
                    ))
                }
            },
            (op, _) => {
                return unsupported(format!(
                    "node '{}': op {} is not supported by the MLP prover",
                    node.name,
                    op.name()
                ))
            }
        }
        current = node.output;
    }
    if current != g.outputs[0] {
        return unsupported("the graph output is not the end of the chain of layers".into());
    }
    match layers.last() {
        None => unsupported("the model has no Linear layer".into()),
        Some(l) if l.act.hidden() => {
            unsupported(format!("node '{}': the model must end with a Linear layer, not {}", l.name, l.act.name()))
        }
        Some(_) => Ok(layers),
    }
}
