//! ONNX import: loads a model with tract, fixes its input shapes (static, batch 1), lets tract
//! type-check and declutter it, then translates the decluttered graph into the prover's own IR
//! ([`crate::ir::Graph`]).
//!
//! No tract type leaves this module. Besides the IR, an [`OnnxModel`] keeps tract's runnable plan
//! of the same decluttered model, so that [`OnnxModel::run_reference`] gives the float outputs
//! tract computes: the reference against which quantisation error is measured.
//!
//! Errors are one line and name the file. A model using operations the IR does not cover fails
//! with a single [`ImportError::Unsupported`] listing every such operation with its node name.

mod binary;
mod cnn;
mod constants;
mod einsum;
mod fused;
mod names;
mod norm;
mod select;
mod softmax;
mod tokens;
mod translate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

use crate::ir::{Graph, IrError};

/// Why a model could not be imported or run.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a readable ONNX model: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: input '{input}': {message}", path.display())]
    InputShape { path: PathBuf, input: String, message: String },
    #[error("{}: {step}: {message}", path.display())]
    Tract { path: PathBuf, step: &'static str, message: String },
    /// Every operation of the model that the IR does not cover, as `(node name, op name)`.
    #[error("{}: unsupported operation(s): {} (supported today: {SUPPORTED_OPS})", path.display(), list_ops(ops))]
    Unsupported { path: PathBuf, ops: Vec<(String, String)> },
    #[error("{}: {source}", path.display())]
    Ir { path: PathBuf, source: IrError },
}

/// What the prover proves today, for the unsupported-operation message.
pub const SUPPORTED_OPS: &str =
    "Gemm or MatMul with a constant operand, on one input row or a few, Conv (strides, padding, dilations, \
    groups), ConvTranspose, AveragePool, GlobalAveragePool, MaxPool, ReduceSum/ReduceMean, \
    BatchNormalization and Add, Sub, Mul or Div by constants, each hidden layer followed by Relu, \
    Sigmoid, Tanh, the exact GELU (Gelu, or the Erf expansion x * (1 + Erf(x / sqrt 2)) * 0.5 whose \
    intermediates feed nothing else), Clip (ReLU6, Hardtanh, or a Max/Min by a constant), LeakyRelu, \
    HardSigmoid, HardSwish (or Mul(x, HardSigmoid(x))), SiLU (Mul(x, Sigmoid(x))) or nothing (a linear \
    bottleneck), reading the input or any earlier layer, with residual Adds, Mul of two tensors \
    (gates), Div of two (a positive divisor), Sub of two, broadcasting these, MatMul or Einsum of two \
    activations (attention's Q K^T and scores V, batched over heads), Softmax along one axis (with an \
    additive -inf mask), LayerNormalization, Sqrt, Pow by 2 or 3, several outputs, Flatten/Reshape, \
    Transpose, Pad, Slice and Concat, the tanh approximation of GELU (GPT-2's gelu_new chain), an int64 \
    token-id input read by embedding Gathers of constant tables; Gather of activations, other integer \
    inputs and other activations (Erf on its own, ...) are not proven yet";

fn list_ops(ops: &[(String, String)]) -> String {
    ops.iter().map(|(node, op)| format!("{op} (node '{node}')")).collect::<Vec<_>>().join(", ")
}

/// A tract error as one line: the whole context chain, newlines folded.
fn one_line(e: &TractError) -> String {
    format!("{e:#}").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An imported model: the IR graph plus tract's runnable plan of the same model.
pub struct OnnxModel {
    path: PathBuf,
    graph: Graph,
    input_shapes: Vec<Vec<usize>>,
    plan: Arc<TypedRunnableModel>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel").field("path", &self.path).field("graph", &self.graph).finish_non_exhaustive()
    }
}

/// Imports the model at `path` into the IR (see [`OnnxModel::load`]).
pub fn import(path: impl AsRef<Path>) -> Result<Graph, ImportError> {
    Ok(OnnxModel::load(path)?.graph)
}

impl OnnxModel {
    /// Loads, types, declutters and translates the ONNX model at `path`.
    ///
    /// Input shapes come from the model; a symbolic (or unknown) first axis is taken to be the
    /// batch axis and set to 1; any other symbolic axis is an error.
    pub fn load(path: impl AsRef<Path>) -> Result<OnnxModel, ImportError> {
        let path = path.as_ref().to_path_buf();
        let bytes = std::fs::read(&path).map_err(|source| ImportError::Io { path: path.clone(), source })?;
        let tract_err = |step: &'static str| {
            let path = path.clone();
            move |e: TractError| ImportError::Tract { path, step, message: one_line(&e) }
        };

        // Exporters sometimes write value_info whose symbols clash with the inputs': ignore it,
        // tract re-infers every intermediate shape anyway.
        let onnx = tract_onnx::onnx().with_ignore_value_info(true);
        let proto = onnx
            .proto_model_for_read(&mut bytes.as_slice())
            .map_err(|e| ImportError::Parse { path: path.clone(), message: one_line(&e) })?;
        let onnx_ops = onnx_node_ops(&proto);
        let dir = path.parent().and_then(|d| d.to_str());
        let parsed =
            onnx.parse(&proto, dir).map_err(|e| ImportError::Parse { path: path.clone(), message: one_line(&e) })?;
        if !parsed.unresolved_inputs.is_empty() {
            return Err(ImportError::Parse {
                path: path.clone(),
                message: format!("unresolved graph inputs {:?}", parsed.unresolved_inputs),
            });
        }
        let mut model = parsed.model;
        fix_input_shapes(&mut model, &path)?;

        let typed = model.into_typed().map_err(tract_err("type inference"))?;
        let decluttered = typed.into_decluttered().map_err(tract_err("decluttering"))?;

        let mut graph = translate::translate(&decluttered, &onnx_ops)
            .map_err(tract_err("translation"))?
            .map_err(|ops| ImportError::Unsupported { path: path.clone(), ops })?;
        // Chains first (a strided 1x1 convolution's selections into its product), then the
        // branches they leave, then the chains the merged branches form.
        crate::ir::compose::compose_linear(&mut graph);
        if !crate::ir::branches::merge_branches(&mut graph).is_empty() {
            crate::ir::compose::compose_linear(&mut graph);
        }
        graph.validate().map_err(|source| ImportError::Ir { path: path.clone(), source })?;

        let mut input_shapes = Vec::new();
        for &outlet in decluttered.input_outlets().map_err(tract_err("inputs"))? {
            let fact = decluttered.outlet_fact(outlet).map_err(tract_err("inputs"))?;
            input_shapes.push(fact.shape.as_concrete().map(|s| s.to_vec()).unwrap_or_default());
        }
        let plan = decluttered.into_runnable().map_err(tract_err("building the reference plan"))?;
        Ok(OnnxModel { path, graph, input_shapes, plan })
    }

    /// The model file this was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model in the prover's IR.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn into_graph(self) -> Graph {
        self.graph
    }

    /// Runs tract itself on `inputs` (one flat row-major list per model input) and returns the
    /// float outputs, one flat list per model output.
    pub fn run_reference(&self, inputs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>, ImportError> {
        let ir_err = |source| ImportError::Ir { path: self.path.clone(), source };
        self.graph.check_inputs(inputs).map_err(ir_err)?;
        let tract_err = |e: TractError| ImportError::Tract {
            path: self.path.clone(),
            step: "reference evaluation",
            message: one_line(&e),
        };
        let mut values = TVec::new();
        for (i, (shape, data)) in self.input_shapes.iter().zip(inputs).enumerate() {
            let tensor = match (&self.graph.tokens, i) {
                // Token ids (checked by `expand_inputs`: integers in range).
                (Some(_), 0) => {
                    self.graph.expand_inputs(inputs).map_err(ir_err)?;
                    let ids: Vec<i64> = data.iter().map(|&v| v as i64).collect();
                    Tensor::from_shape(shape, &ids)
                }
                _ => Tensor::from_shape(shape, data),
            };
            values.push(tensor.map_err(tract_err)?.into_tvalue());
        }
        let outputs = self.plan.run(values).map_err(tract_err)?;
        outputs
            .iter()
            .map(|t| {
                let t = t.cast_to::<f32>()?;
                Ok(t.to_plain_array_view::<f32>()?.iter().copied().collect())
            })
            .collect::<TractResult<Vec<Vec<f32>>>>()
            .map_err(tract_err)
    }
}

/// ONNX node name -> op type, to report unsupported operations by their ONNX names.
fn onnx_node_ops(proto: &tract_onnx::pb::ModelProto) -> HashMap<String, String> {
    let mut map = HashMap::new();
    if let Some(graph) = &proto.graph {
        for node in &graph.node {
            if !node.name.is_empty() {
                map.insert(node.name.clone(), node.op_type.clone());
            }
        }
    }
    map
}

/// Sets every input fact to a concrete datum type and shape, with a symbolic first axis = 1.
fn fix_input_shapes(model: &mut InferenceModel, path: &Path) -> Result<(), ImportError> {
    let n = model.inputs.len();
    for i in 0..n {
        let outlet = model.inputs[i];
        let name = model.node(outlet.node).name.clone();
        let bad = |message: String| ImportError::InputShape { path: path.to_path_buf(), input: name.clone(), message };
        let fact = model.input_fact(i).map_err(|e| bad(one_line(&e)))?.clone();
        let dt = fact.datum_type.concretize().ok_or_else(|| bad("element type unknown".into()))?;
        if fact.shape.is_open() {
            return Err(bad("rank unknown".into()));
        }
        let mut shape = Vec::new();
        for (axis, dim) in fact.shape.dims().enumerate() {
            match dim.concretize().and_then(|d| d.to_usize().ok()) {
                Some(d) => shape.push(d),
                None if axis == 0 => shape.push(1),
                None => {
                    return Err(bad(format!(
                        "axis {axis} has a symbolic size; only the batch axis 0 may be symbolic (it is set to 1)"
                    )))
                }
            }
        }
        model.set_input_fact(i, InferenceFact::dt_shape(dt, shape)).map_err(|e| bad(one_line(&e)))?;
    }
    Ok(())
}
