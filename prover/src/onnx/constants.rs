//! Constants broadcast against a tensor: numpy broadcasting of a constant's data, and an
//! element-wise `x op c` with a constant as a diagonal Linear (`translate.rs` uses both).

use tract_onnx::prelude::*;

use crate::ir::Matrix;

/// Numpy broadcast of row-major `data` of shape `shape` to `target`; `None` when incompatible.
pub(super) fn broadcast(data: &[f32], shape: &[usize], target: &[usize]) -> Option<Vec<f32>> {
    Some(broadcast_indices(shape, target)?.into_iter().map(|i| data[i]).collect())
}

/// For each element of `target`, the element of a tensor of `shape` that numpy broadcasting puts
/// there; `None` when incompatible.
pub(super) fn broadcast_indices(shape: &[usize], target: &[usize]) -> Option<Vec<usize>> {
    if shape.len() > target.len() {
        return None;
    }
    let pad = target.len() - shape.len();
    let dims: Vec<usize> = std::iter::repeat_n(1, pad).chain(shape.iter().copied()).collect();
    if dims.iter().zip(target).any(|(&d, &t)| d != 1 && d != t) {
        return None;
    }
    // Source strides, 0 on broadcast axes.
    let mut strides = vec![0; dims.len()];
    let mut s = 1;
    for a in (0..dims.len()).rev() {
        strides[a] = if dims[a] == 1 { 0 } else { s };
        s *= dims[a];
    }
    let total: usize = target.iter().product();
    let mut out = Vec::with_capacity(total);
    for flat in 0..total {
        let (mut rem, mut off) = (flat, 0);
        for a in (0..target.len()).rev() {
            off += (rem % target[a]) * strides[a];
            rem /= target[a];
        }
        out.push(off);
    }
    Some(out)
}

/// `x op c` (`c op x` for `Sub`), element-wise with a constant broadcast to `x`'s shape, as a
/// diagonal Linear: `y = s x + t` with `(s, t)` = `(1, c)`, `(1, -c)`, `(-1, c)` for `c - x`,
/// `(c, 0)`, `(1/c, 0)`.
pub(super) fn diagonal(
    op: &str,
    x_first: bool,
    c: &Tensor,
    x_shape: &[usize],
    out_shape: &[usize],
) -> TractResult<Result<(Matrix, Vec<f32>), String>> {
    if x_shape != out_shape {
        return Ok(Err("broadcast enlarges the tensor".into()));
    }
    let c = c.cast_to::<f32>()?;
    let data: Vec<f32> = c.to_plain_array_view::<f32>()?.iter().copied().collect();
    let Some(c) = broadcast(&data, c.shape(), out_shape) else {
        return Ok(Err(format!("shape {:?} does not broadcast to {out_shape:?}", c.shape())));
    };
    let n = c.len();
    let (scale, shift): (Vec<f32>, Vec<f32>) = match (op, x_first) {
        ("Add", _) => (vec![1.0; n], c),
        ("Sub", true) => (vec![1.0; n], c.iter().map(|v| -v).collect()),
        ("Sub", false) => (vec![-1.0; n], c),
        ("Mul", _) => (c, vec![0.0; n]),
        ("Div", true) if !c.contains(&0.0) => (c.iter().map(|v| 1.0 / v).collect(), vec![0.0; n]),
        _ => return Ok(Err("a division by zero".into())),
    };
    if scale.iter().chain(&shift).any(|v| !v.is_finite()) {
        return Ok(Err("not finite".into()));
    }
    let rows = scale.iter().enumerate().map(|(i, &s)| if s == 0.0 { vec![] } else { vec![(i, s)] });
    Ok(Matrix::from_rows(n, rows.collect::<Vec<_>>()).map(|m| (m, shift)).ok_or_else(|| "shape".to_string()))
}
