//! Convolutions, poolings and sums as Linear nodes with sparse weights (`crate::ir::conv`).
//!
//! What tract produces (tract 0.23, checked on `mnist_lenet.onnx` and `tiny_resnet.onnx`):
//! - ONNX `Conv` becomes `cnn::Conv` (`NCHW` data, `OIHW` kernel) reading the data, the kernel
//!   and the bias as constants: a Linear whose rows are the output positions.
//! - `AveragePool` becomes `cnn::SumPool` with `normalize` (divided by the window): a Linear with
//!   weights `1/k`, composed with the next Linear (`crate::ir::compose`).
//! - `GlobalAveragePool` becomes a `Reduce<Sum>` over the spatial axes and a `Mul` by `1/(H W)`:
//!   a Linear of ones, into which the `Mul` is folded.
//! - A strided 1x1 convolution becomes `Downsample` along each spatial axis (a selection: a Linear
//!   of ones, composed into the `EinSum` after it) and the `EinSum` of a 1x1 convolution.
//! - `MaxPool` becomes `cnn::MaxPool`: Linear and ReLU layers computing each window's maximum by a
//!   tournament (`crate::ir::conv::max_pool_layers`), cheaper on a non-negative tensor (after a
//!   ReLU, Clip with `lo >= 0`, Sigmoid or HardSigmoid).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::cnn::{Conv, Deconv, KernelFormat, MaxPool, PoolSpec, SumPool};
use tract_onnx::tract_core::ops::nn::{DataFormat, Reduce, Reducer};
use tract_onnx::tract_core::ops::Downsample;

use crate::ir::conv::{conv_matrix, downsample_matrix, max_pool_layers, pool_matrix, reduce_sum_matrix, Window};
use crate::ir::Matrix;

/// A Linear's weight and bias, or why the node cannot be one.
type Linear = Result<(Matrix, Option<Vec<f32>>), String>;

/// A node as a Linear; `None` for other ops.
pub(super) type Lowered = Option<Linear>;

/// Lowers a `Conv`, `SumPool` or `Reduce<Sum>` node reading `x_shape` into `out_shape`; `consts`
/// are its constant inputs after the data (a convolution's kernel and bias).
pub(super) fn lower(
    node: &TypedNode,
    x_shape: &[usize],
    consts: &[Arc<Tensor>],
    out_shape: &[usize],
) -> TractResult<Lowered> {
    if let Some(conv) = node.op_as::<Conv>() {
        return Ok(Some(lower_conv(conv, x_shape, consts, out_shape)?));
    }
    if let Some(deconv) = node.op_as::<Deconv>() {
        return Ok(Some(lower_deconv(deconv, x_shape, consts, out_shape)?));
    }
    if let Some(pool) = node.op_as::<SumPool>() {
        let lowered = window(&pool.pool_spec, x_shape, out_shape).and_then(|(w, c, _)| {
            pool_matrix(&w, c, pool.normalize, pool.count_include_pad).ok_or_else(|| "pooling geometry".to_string())
        });
        return Ok(Some(lowered.map(|m| (m, None))));
    }
    if let Some(ds) = node.op_as::<Downsample>() {
        let stride = usize::try_from(ds.stride).ok().filter(|&s| s > 0);
        return Ok(Some(match stride.and_then(|s| downsample_matrix(x_shape, ds.axis, s, ds.modulo)) {
            Some(m) if m.rows() == out_shape.iter().product::<usize>() => Ok((m, None)),
            _ => Err(format!("stride {} from {} along axis {}", ds.stride, ds.modulo, ds.axis)),
        }));
    }
    if let Some(reduce) = node.op_as::<Reduce>() {
        return Ok(Some(match reduce.reducer {
            Reducer::Sum => reduce_sum_matrix(x_shape, &reduce.axes)
                .map(|m| (m, None))
                .ok_or_else(|| "reduced axes out of range".to_string()),
            r => Err(format!("Reduce<{r:?}>")),
        }));
    }
    Ok(None)
}

/// A `MaxPool` node as Linear layers (each but the last followed by a ReLU), or why it cannot be;
/// `None` for other ops. `signed`: the input may hold negative values.
pub(super) fn lower_max_pool(
    node: &TypedNode,
    x_shape: &[usize],
    out_shape: &[usize],
    signed: bool,
) -> Option<Result<Vec<Matrix>, String>> {
    let pool = node.op_as::<MaxPool>()?;
    if pool.with_index_outputs.is_some() {
        return Some(Err("with an index output".into()));
    }
    // The layers' tensors are one image's; a batch would repeat them (not done yet).
    if pool.pool_spec.data_format == DataFormat::NCHW && x_shape.first().is_some_and(|&n| n != 1) {
        return Some(Err(format!("on a batch of {}", x_shape[0])));
    }
    Some(
        window(&pool.pool_spec, x_shape, out_shape)
            .and_then(|(w, c, _)| max_pool_layers(&w, c, signed).ok_or_else(|| "a window without a cell".to_string())),
    )
}

/// Whether the node is one [`lower`] may turn into a Linear (for error reports downstream of an
/// unsupported node).
pub(super) fn maybe_linear(node: &TypedNode) -> bool {
    node.op_as::<Conv>().is_some()
        || node.op_as::<Deconv>().is_some()
        || node.op_as::<SumPool>().is_some()
        || node.op_as::<MaxPool>().is_some()
        || node.op_as::<Downsample>().is_some()
        || node.op_as::<Reduce>().is_some_and(|r| r.reducer == Reducer::Sum)
}

/// The window of a pooling or convolution on an `NCHW` (or `CHW`) input: the geometry, the
/// input channels and the output channels.
fn window(spec: &PoolSpec, x_shape: &[usize], out_shape: &[usize]) -> Result<(Window, usize, usize), String> {
    let skip = match spec.data_format {
        DataFormat::NCHW => 2,
        DataFormat::CHW => 1,
        f => return Err(format!("data format {f:?} (channels last)")),
    };
    if x_shape.len() <= skip || out_shape.len() != x_shape.len() {
        return Err(format!("input shape {x_shape:?}"));
    }
    let input = x_shape[skip..].to_vec();
    let padded = spec.computed_padding(&input);
    let w = Window {
        output: padded.iter().map(|p| p.convoluted).collect(),
        pad_before: padded.iter().map(|p| p.pad_before).collect(),
        pad_after: padded.iter().map(|p| p.pad_after).collect(),
        kernel: spec.kernel_shape.to_vec(),
        strides: spec.strides().to_vec(),
        dilations: spec.dilations().to_vec(),
        input,
    };
    if w.output[..] != out_shape[skip..] {
        return Err(format!("output shape {out_shape:?} (computed {:?})", w.output));
    }
    Ok((w, x_shape[skip - 1], out_shape[skip - 1]))
}

fn lower_conv(conv: &Conv, x_shape: &[usize], consts: &[Arc<Tensor>], out_shape: &[usize]) -> TractResult<Linear> {
    if conv.q_params.is_some() {
        return Ok(Err("quantised Conv".into()));
    }
    if conv.kernel_fmt != KernelFormat::OIHW {
        return Ok(Err(format!("kernel format {:?}", conv.kernel_fmt)));
    }
    let (w, c_in, c_out) = match window(&conv.pool_spec, x_shape, out_shape) {
        Ok(x) => x,
        Err(e) => return Ok(Err(e)),
    };
    let [kernel, rest @ ..] = consts else { return Ok(Err("a kernel that is not a constant".into())) };
    let kernel = kernel.cast_to::<f32>()?;
    let kernel: Vec<f32> = kernel.to_plain_array_view::<f32>()?.iter().copied().collect();
    if kernel.iter().any(|v| !v.is_finite()) {
        return Ok(Err("a kernel that is not finite".into()));
    }
    let Some(m) = conv_matrix(&w, c_in, c_out, conv.group, &kernel) else {
        return Ok(Err(format!("kernel of {} values for {c_in} -> {c_out} channels", kernel.len())));
    };
    let positions: usize = w.output.iter().product();
    Ok(channel_bias(rest.first(), c_out, positions)?.map(|bias| (m, bias)))
}

/// A convolution's bias (one value, or one per output channel) repeated over the `positions` of
/// each channel; `None` inside when every value is 0.
fn channel_bias(
    b: Option<&Arc<Tensor>>,
    c_out: usize,
    positions: usize,
) -> TractResult<Result<Option<Vec<f32>>, String>> {
    let Some(b) = b else { return Ok(Ok(None)) };
    let b = b.cast_to::<f32>()?;
    let b: Vec<f32> = b.to_plain_array_view::<f32>()?.iter().copied().collect();
    let per_channel = match b.len() {
        1 => vec![b[0]; c_out],
        n if n == c_out => b,
        n => return Ok(Err(format!("bias of {n} values for {c_out} channels"))),
    };
    if per_channel.iter().any(|v| !v.is_finite()) {
        return Ok(Err("a bias that is not finite".into()));
    }
    // Zero biases add nothing: keep the node without one.
    Ok(Ok(per_channel
        .iter()
        .any(|&v| v != 0.0)
        .then(|| per_channel.iter().flat_map(|&v| std::iter::repeat_n(v, positions)).collect())))
}

/// A transposed convolution (tract's `Deconv`, ONNX `ConvTranspose`) is the transpose of the
/// convolution from its output to its input with the same kernel, strides, dilations and leading
/// padding: each input cell spreads over the output cells whose window reads it.
fn lower_deconv(op: &Deconv, x_shape: &[usize], consts: &[Arc<Tensor>], out_shape: &[usize]) -> TractResult<Linear> {
    let spec = &op.pool_spec;
    let skip = match spec.data_format {
        DataFormat::NCHW if x_shape.first() == Some(&1) => 2,
        DataFormat::CHW => 1,
        f => return Ok(Err(format!("data format {f:?} on {x_shape:?}"))),
    };
    if op.kernel_format != KernelFormat::OIHW || x_shape.len() <= skip || out_shape.len() != x_shape.len() {
        return Ok(Err(format!("kernel format {:?} on {x_shape:?}", op.kernel_format)));
    }
    let (c_in, c_out, g) = (x_shape[skip - 1], out_shape[skip - 1], op.group);
    let input = &x_shape[skip..];
    let (strides, dilations) = (spec.strides().to_vec(), spec.dilations().to_vec());
    let dims = spec.padding.compute_for_deconv(input, &spec.kernel_shape, &dilations, &strides, &op.adjustments)?;
    if dims.iter().map(|d| d.deconvoluted).ne(out_shape[skip..].iter().copied()) {
        return Ok(Err(format!("output shape {out_shape:?}")));
    }
    let w = Window {
        input: out_shape[skip..].to_vec(),
        output: input.to_vec(),
        kernel: spec.kernel_shape.to_vec(),
        strides,
        dilations,
        pad_before: dims.iter().map(|d| d.pad_before).collect(),
        pad_after: dims.iter().map(|d| d.pad_after).collect(),
    };
    let [kernel, rest @ ..] = consts else { return Ok(Err("a kernel that is not a constant".into())) };
    let kernel = kernel.cast_to::<f32>()?;
    let kernel: Vec<f32> = kernel.to_plain_array_view::<f32>()?.iter().copied().collect();
    let taps: usize = w.kernel.iter().product();
    if g == 0 || c_in % g != 0 || c_out % g != 0 || kernel.len() != c_out * (c_in / g) * taps {
        return Ok(Err(format!("kernel of {} values for {c_in} -> {c_out} channels", kernel.len())));
    }
    if kernel.iter().any(|v| !v.is_finite()) {
        return Ok(Err("a kernel that is not finite".into()));
    }
    // tract's kernel is [c_out, c_in / g, taps]; the convolution back is [c_in, c_out / g, taps].
    let (ci_g, co_g) = (c_in / g, c_out / g);
    let mut back = vec![0f32; kernel.len()];
    for (co, i, t) in triples(c_out, ci_g, taps) {
        let (gi, o) = (co / co_g, co % co_g);
        back[((gi * ci_g + i) * co_g + o) * taps + t] = kernel[(co * ci_g + i) * taps + t];
    }
    let Some(m) = conv_matrix(&w, c_out, c_in, g, &back).and_then(|m| m.transpose()) else {
        return Ok(Err("geometry".into()));
    };
    let positions: usize = w.input.iter().product();
    Ok(channel_bias(rest.first(), c_out, positions)?.map(|bias| (m, bias)))
}

/// Every `(a, b, c)` below `(na, nb, nc)`, row-major.
fn triples(na: usize, nb: usize, nc: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..na).flat_map(move |a| (0..nb).flat_map(move |b| (0..nc).map(move |c| (a, b, c))))
}
