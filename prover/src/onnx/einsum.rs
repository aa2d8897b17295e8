//! An `EinSum` of a variable and a constant as a Linear node's weight: a matrix product on leading
//! row axes keeps the compact `out x in` weight (several rows share it), any other product is
//! expanded into one row's linear map (a 1x1 convolution's `NIHW,OI->OHW`, a constant broadcast
//! over a batch axis).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::einsum::EinSum;

use crate::ir::Matrix;

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![0; shape.len()];
    let mut s = 1;
    for a in (0..shape.len()).rev() {
        st[a] = s;
        s *= shape[a];
    }
    st
}

/// Recognises an `EinSum` of a variable `x` (input slot `x_slot`) and a constant `w` as a linear
/// layer applied to every row of `x`, and returns the `out x in` weight matrix.
///
/// Axes, by where they occur (size-1 axes may occur anywhere and are ignored):
/// contracted (in `x` and `w`, not in the output), output features (in `w` and the output),
/// rows (in `x` and the output). In `x` the rows must precede the contracted axes and in the output
/// they must precede the features, so that `x` is a row-major `[rows, in]` matrix and the output a
/// row-major `[rows, out]` one.
pub(super) fn einsum_as_linear(
    op: &EinSum,
    x_slot: usize,
    x_shape: &[usize],
    w: &Tensor,
    out_shape: &[usize],
) -> TractResult<Result<Matrix, String>> {
    let w_slot = 1 - x_slot;
    let w_shape = w.shape();
    let w_strides = strides(w_shape);
    // (position in x or output, size, stride in w)
    let mut contracted: Vec<(usize, usize, usize)> = Vec::new();
    let mut features: Vec<(usize, usize, usize)> = Vec::new();
    let mut rows: Vec<(usize, usize)> = Vec::new(); // (position in x, position in output)
    for axis in op.axes.iter_all_axes() {
        let (xi, wi, oi) = (&axis.inputs[x_slot], &axis.inputs[w_slot], &axis.outputs[0]);
        if xi.len() > 1 || wi.len() > 1 || oi.len() > 1 {
            return Ok(Err(format!("axis '{}' repeated in one operand", axis.repr)));
        }
        let size = xi
            .first()
            .map(|&p| x_shape[p])
            .or_else(|| wi.first().map(|&p| w_shape[p]))
            .or_else(|| oi.first().map(|&p| out_shape[p]))
            .unwrap_or(1);
        if size == 1 {
            continue;
        }
        match (xi.first(), wi.first(), oi.first()) {
            (Some(&px), Some(&pw), None) => contracted.push((px, size, w_strides[pw])),
            (None, Some(&pw), Some(&po)) => features.push((po, size, w_strides[pw])),
            (Some(&px), None, Some(&po)) => rows.push((px, po)),
            (Some(_), Some(_), Some(_)) => return Ok(Err(format!("weights differ along axis '{}'", axis.repr))),
            _ => return Ok(Err(format!("sums or broadcasts along axis '{}'", axis.repr))),
        }
    }
    if contracted.is_empty() || features.is_empty() {
        return Ok(Err("not a matrix product".into()));
    }
    contracted.sort_unstable();
    features.sort_unstable();
    rows.sort_unstable();
    let max_row_x = rows.iter().map(|r| r.0).max();
    let max_row_o = rows.iter().map(|r| r.1).max();
    if max_row_x.is_some_and(|m| m > contracted[0].0) || max_row_o.is_some_and(|m| m > features[0].0) {
        return Ok(Err("rows are not the leading axes".into()));
    }
    if rows.windows(2).any(|p| p[0].1 > p[1].1) {
        return Ok(Err("row axes reordered".into()));
    }
    let w = w.cast_to::<f32>()?;
    let wv = w.to_plain_array_view::<f32>()?;
    let wdata: Vec<f32> = wv.iter().copied().collect();
    let n_in: usize = contracted.iter().map(|c| c.1).product();
    let n_out: usize = features.iter().map(|f| f.1).product();
    let offsets = |axes: &[(usize, usize, usize)], count: usize| -> Vec<usize> {
        (0..count)
            .map(|mut i| {
                let mut off = 0;
                for &(_, size, stride) in axes.iter().rev() {
                    off += (i % size) * stride;
                    i /= size;
                }
                off
            })
            .collect()
    };
    let in_off = offsets(&contracted, n_in);
    let out_off = offsets(&features, n_out);
    let mut data = Vec::with_capacity(n_in * n_out);
    for &o in &out_off {
        data.extend(in_off.iter().map(|&i| wdata[o + i]));
    }
    match Matrix::new(n_out, n_in, data) {
        Some(m) => Ok(Ok(m)),
        None => Err(TractError::msg(format!("weight matrix {n_out}x{n_in}: wrong number of entries"))),
    }
}

/// Most index combinations [`einsum_as_map`] walks.
const MAX_EINSUM_TERMS: usize = 1 << 24;

/// The einsum `y = x (.) w` with a constant `w`, as the one-row linear map from all of `x` to all
/// of `y`: `y[o] = sum w[k] x[i]` over every combination of axis values, each axis at most once
/// per operand.
pub(super) fn einsum_as_map(
    op: &EinSum,
    x_slot: usize,
    x_shape: &[usize],
    w: &Tensor,
    out_shape: &[usize],
) -> TractResult<Result<Matrix, String>> {
    let w_slot = 1 - x_slot;
    let w_shape = w.shape().to_vec();
    let (xs, ws, os) = (strides(x_shape), strides(&w_shape), strides(out_shape));
    // Per axis: its size and its stride in x, w and the output (0 where absent).
    let mut axes: Vec<(usize, [usize; 3])> = Vec::new();
    for axis in op.axes.iter_all_axes() {
        let (xi, wi, oi) = (&axis.inputs[x_slot], &axis.inputs[w_slot], &axis.outputs[0]);
        if xi.len() > 1 || wi.len() > 1 || oi.len() > 1 {
            return Ok(Err(format!("axis '{}' repeated in one operand", axis.repr)));
        }
        // The axis' size: its operands' sizes agree, or are 1 (broadcast: stride 0 there).
        let sizes = [(xi.first(), x_shape, &xs), (wi.first(), &w_shape[..], &ws), (oi.first(), out_shape, &os)];
        let size = sizes.iter().filter_map(|(p, shape, _)| p.map(|&p| shape[p])).max().unwrap_or(1);
        if sizes.iter().any(|(p, shape, _)| p.is_some_and(|&p| shape[p] != 1 && shape[p] != size)) {
            return Ok(Err(format!("axis '{}' has sizes that do not broadcast", axis.repr)));
        }
        if oi.first().is_some_and(|&p| out_shape[p] != size) {
            return Ok(Err(format!("axis '{}' is broadcast in the output", axis.repr)));
        }
        let at = |(p, shape, st): &(Option<&usize>, &[usize], &Vec<usize>)| {
            p.map_or(0, |&p| if shape[p] == 1 { 0 } else { st[p] })
        };
        axes.push((size, [at(&sizes[0]), at(&sizes[1]), at(&sizes[2])]));
    }
    let terms = axes.iter().try_fold(1usize, |acc, a| acc.checked_mul(a.0));
    if terms.is_none_or(|t| t > MAX_EINSUM_TERMS) {
        return Ok(Err("too large to expand".into()));
    }
    let w = w.cast_to::<f32>()?;
    let wdata: Vec<f32> = w.to_plain_array_view::<f32>()?.iter().copied().collect();
    let (n_in, n_out) = (x_shape.iter().product::<usize>(), out_shape.iter().product::<usize>());
    let mut rows: Vec<std::collections::BTreeMap<usize, f64>> = vec![Default::default(); n_out];
    for mut t in 0..terms.unwrap_or(0) {
        let mut at = [0usize; 3];
        for &(size, st) in axes.iter().rev() {
            let v = t % size;
            t /= size;
            for k in 0..3 {
                at[k] += v * st[k];
            }
        }
        *rows[at[2]].entry(at[0]).or_default() += wdata[at[1]] as f64;
    }
    let rows = rows.into_iter().map(|r| r.into_iter().filter(|e| e.1 != 0.0).map(|(c, v)| (c, v as f32)).collect());
    Ok(Matrix::from_rows(n_in, rows).ok_or_else(|| "weight shape".to_string()))
}

/// Largest product space [`einsum_of_two`] spreads its operands over (a layer's side limit,
/// `zkml_verifier::model::key::MAX_SIDE`).
const MAX_PRODUCT_SPACE: usize = 1 << 20;

/// The einsum `y = a (.) b` of two variables (`Q K^T`, `attention V`, batched over heads) as three
/// maps over the product space of every axis (each combination of axis values once): `spread_a`
/// and `spread_b` copy each operand's element to every point of the space that reads it (0/1
/// selections), their element-wise product is the terms, and `sum` adds the terms of each output
/// element (the contracted axes). Each axis occurs at most once per operand; an operand's size-1
/// axis broadcasts. Returns `[spread_a, spread_b, sum]`.
pub(super) fn einsum_of_two(
    op: &EinSum,
    a_shape: &[usize],
    b_shape: &[usize],
    out_shape: &[usize],
) -> Result<[Matrix; 3], String> {
    let shapes = [a_shape, b_shape, out_shape];
    let st = shapes.map(strides);
    // Per axis: its size and its stride in a, b and the output (0 where absent or broadcast).
    let mut axes: Vec<(usize, [usize; 3])> = Vec::new();
    for axis in op.axes.iter_all_axes() {
        let at = [&axis.inputs[0], &axis.inputs[1], &axis.outputs[0]];
        if at.iter().any(|p| p.len() > 1) {
            return Err(format!("axis '{}' repeated in one operand", axis.repr));
        }
        let pos: [Option<usize>; 3] = at.map(|p| p.first().copied());
        let size = (0..3).filter_map(|k| pos[k].map(|p| shapes[k][p])).max().unwrap_or(1);
        if (0..3).any(|k| pos[k].is_some_and(|p| shapes[k][p] != 1 && shapes[k][p] != size)) {
            return Err(format!("axis '{}' has sizes that do not broadcast", axis.repr));
        }
        if pos[2].is_some_and(|p| out_shape[p] != size) {
            return Err(format!("axis '{}' is broadcast in the output", axis.repr));
        }
        let stride = |k: usize| pos[k].map_or(0, |p| if shapes[k][p] == 1 { 0 } else { st[k][p] });
        axes.push((size, [stride(0), stride(1), stride(2)]));
    }
    let space = axes.iter().try_fold(1usize, |acc, a| acc.checked_mul(a.0));
    let Some(space) = space.filter(|&t| t <= MAX_PRODUCT_SPACE) else {
        return Err(format!("its product space exceeds {MAX_PRODUCT_SPACE} terms"));
    };
    let lens = shapes.map(|s| s.iter().product::<usize>());
    let (mut spread_a, mut spread_b) = (Vec::with_capacity(space), Vec::with_capacity(space));
    let mut sum: Vec<Vec<(usize, f32)>> = vec![Vec::new(); lens[2]];
    for t in 0..space {
        let (mut rest, mut at) = (t, [0usize; 3]);
        for &(size, stride) in axes.iter().rev() {
            let v = rest % size;
            rest /= size;
            for k in 0..3 {
                at[k] += v * stride[k];
            }
        }
        spread_a.push(vec![(at[0], 1.0)]);
        spread_b.push(vec![(at[1], 1.0)]);
        sum[at[2]].push((t, 1.0));
    }
    let matrix = |cols: usize, rows: Vec<Vec<(usize, f32)>>| {
        Matrix::from_rows(cols, rows).map(Matrix::into_public).ok_or("shape".to_string())
    };
    Ok([matrix(lens[0], spread_a)?, matrix(lens[1], spread_b)?, matrix(space, sum)?])
}
