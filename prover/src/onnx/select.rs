//! Ops that move values without computing on them: transposes, padding (constant, reflect,
//! edge), slices and concatenation. Each is a Linear map whose weight rows select one input cell
//! (a single 1) or none (a constant cell, in the bias), which `ir::compose` merges into the
//! Linear layers around it (`docs/quantisation.md`, the import table's "`Linear` (moves)").

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::{Pad, PadMode, Slice, TypedConcat};
use tract_onnx::tract_core::ops::change_axes::AxisOp;

use super::translate::{Translator, Value};
use crate::ir::conv::MAX_LOWERED;
use crate::ir::{Matrix, Op, TensorId};

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * shape[a + 1];
    }
    s
}

/// The map `y[o] = x[src(o)]`, or `fill` where `src` gives `None`, over the cells of `out_shape`
/// (`src` takes an output's index per axis and returns the input's flat index): the weight, and the
/// bias when some cell is a nonzero constant.
fn selection(
    in_len: usize,
    out_shape: &[usize],
    fill: f32,
    src: impl Fn(&[usize]) -> Option<usize>,
) -> Result<(Matrix, Option<Vec<f32>>), String> {
    let out_len: usize = out_shape.iter().product();
    if out_len > MAX_LOWERED || in_len > MAX_LOWERED {
        return Err(format!("{out_len} outputs of {in_len} inputs exceed 2^26"));
    }
    let mut index = vec![0usize; out_shape.len()];
    let mut rows = Vec::with_capacity(out_len);
    let mut bias = vec![0f32; out_len];
    let out_strides = strides(out_shape);
    for (o, b) in bias.iter_mut().enumerate() {
        let mut rest = o;
        for (a, s) in out_strides.iter().enumerate() {
            index[a] = rest / s;
            rest %= s;
        }
        match src(&index) {
            Some(i) if i < in_len => rows.push(vec![(i, 1f32)]),
            Some(_) => return Err("a source index out of range".into()),
            None => {
                rows.push(Vec::new());
                *b = fill;
            }
        }
    }
    let weight = Matrix::from_rows(in_len, rows).ok_or("a selection matrix")?.into_public();
    Ok((weight, bias.iter().any(|&b| b != 0.0).then_some(bias)))
}

/// A transpose (tract's `AxisOp::Move(from, to)`: axis `from` moved to position `to`).
pub(super) fn transpose(from: usize, to: usize, in_shape: &[usize], out_shape: &[usize]) -> Result<Matrix, String> {
    let rank = in_shape.len();
    if from >= rank || to >= rank || out_shape.len() != rank {
        return Err(format!("axis move {from} -> {to} of rank {rank}"));
    }
    // Output axis k is input axis `order[k]`.
    let mut order: Vec<usize> = (0..rank).filter(|&a| a != from).collect();
    order.insert(to, from);
    if order.iter().enumerate().any(|(k, &a)| out_shape[k] != in_shape[a]) {
        return Err(format!("transpose of {in_shape:?} to {out_shape:?}"));
    }
    let st = strides(in_shape);
    let in_len = in_shape.iter().product();
    let (weight, _) =
        selection(in_len, out_shape, 0.0, |o| Some(o.iter().zip(&order).map(|(&i, &a)| i * st[a]).sum()))?;
    Ok(weight)
}

/// A padding: constant (the constant in the bias), reflect or edge.
pub(super) fn pad(op: &Pad, in_shape: &[usize], out_shape: &[usize]) -> Result<(Matrix, Option<Vec<f32>>), String> {
    let rank = in_shape.len();
    if op.pads.len() != rank || out_shape.len() != rank {
        return Err("pads of another rank".into());
    }
    let padded = |a: usize| in_shape[a].checked_add(op.pads[a].0)?.checked_add(op.pads[a].1);
    if (0..rank).any(|a| padded(a) != Some(out_shape[a])) {
        return Err(format!("pads {:?} of {in_shape:?} to {out_shape:?}", op.pads));
    }
    // Reflect and edge copy cells of the axis: an empty axis has none to copy.
    let copies = !matches!(op.mode, PadMode::Constant(_));
    if copies && (0..rank).any(|a| in_shape[a] == 0 && op.pads[a] != (0, 0)) {
        return Err("a reflection or edge of an empty axis".into());
    }
    let fill = match &op.mode {
        PadMode::Constant(c) => {
            let c = c.cast_to_scalar::<f32>().map_err(|e| format!("pad value: {e}"))?;
            if !c.is_finite() {
                return Err("a pad value that is not finite".into());
            }
            c
        }
        PadMode::Reflect | PadMode::Edge => 0.0,
    };
    let reflect = matches!(op.mode, PadMode::Reflect);
    if reflect && (0..rank).any(|a| op.pads[a].0 >= in_shape[a] || op.pads[a].1 >= in_shape[a]) {
        return Err("a reflection wider than the axis".into());
    }
    let st = strides(in_shape);
    let in_len = in_shape.iter().product();
    selection(in_len, out_shape, fill, |o| {
        let mut flat = 0;
        for a in 0..rank {
            let (n, i) = (in_shape[a] as i64, o[a] as i64 - op.pads[a].0 as i64);
            let i = match &op.mode {
                _ if (0..n).contains(&i) => i,
                PadMode::Constant(_) => return None,
                PadMode::Edge => i.clamp(0, n - 1),
                // Mirror without repeating the edge: -1 -> 1, n -> n - 2.
                PadMode::Reflect if i < 0 => -i,
                PadMode::Reflect => 2 * (n - 1) - i,
            };
            flat += i as usize * st[a];
        }
        Some(flat)
    })
}

/// A slice of one axis (`start..end`, step 1).
pub(super) fn slice(op: &Slice, in_shape: &[usize], out_shape: &[usize]) -> Result<Matrix, String> {
    let (axis, rank) = (op.axis, in_shape.len());
    let bound = |d: &TDim| d.as_i64().and_then(|v| usize::try_from(v).ok()).ok_or("a slice bound that is not a number");
    let (start, end) = (bound(&op.start)?, bound(&op.end)?);
    let fits = axis < rank && out_shape.len() == rank && start <= end && end <= in_shape[axis];
    if !fits || (0..rank).any(|a| out_shape[a] != if a == axis { end - start } else { in_shape[a] }) {
        return Err(format!("slice {start}..{end} of axis {axis} of {in_shape:?}"));
    }
    let st = strides(in_shape);
    let in_len = in_shape.iter().product();
    let (weight, _) = selection(in_len, out_shape, 0.0, |o| {
        Some(o.iter().enumerate().map(|(a, &i)| (if a == axis { i + start } else { i }) * st[a]).sum())
    })?;
    Ok(weight)
}

/// A concatenation along `op.axis`: for each part, the Linear map placing it in the output (rows
/// of the other parts empty), or, for a constant part, its values in a bias.
pub(super) enum Part {
    Tensor(Matrix),
    Const(Vec<f32>),
}

pub(super) fn concat(
    op: &TypedConcat,
    parts: &[(Vec<usize>, Option<&Tensor>)],
    out_shape: &[usize],
) -> Result<Vec<Part>, String> {
    let (axis, rank) = (op.axis, out_shape.len());
    let mut offset = 0;
    let mut out = Vec::with_capacity(parts.len());
    for (shape, konst) in parts {
        let same = shape.len() == rank && (0..rank).all(|a| a == axis || shape[a] == out_shape[a]);
        if axis >= rank || !same || offset + shape[axis] > out_shape[axis] {
            return Err(format!("concat of {shape:?} into {out_shape:?} on axis {axis}"));
        }
        let (lo, len) = (offset, shape[axis]);
        let st = strides(shape);
        let in_len = shape.iter().product();
        let src = |o: &[usize]| {
            (lo..lo + len)
                .contains(&o[axis])
                .then(|| o.iter().enumerate().map(|(a, &i)| (if a == axis { i - lo } else { i }) * st[a]).sum())
        };
        out.push(match konst {
            None => Part::Tensor(selection(in_len, out_shape, 0.0, src)?.0),
            Some(t) => {
                let t = t.cast_to::<f32>().map_err(|e| format!("concat constant: {e}"))?;
                let view = t.to_plain_array_view::<f32>().map_err(|e| format!("concat constant: {e}"))?;
                let values: Vec<f32> = view.iter().copied().collect();
                if values.len() != in_len || values.iter().any(|v| !v.is_finite()) {
                    return Err("a concatenated constant of another size, or not finite".into());
                }
                let (weight, _) = selection(in_len, out_shape, 0.0, src)?;
                // The constant's cells: row r reads value c when its selection is (c, 1).
                let mut bias = vec![0f32; weight.rows()];
                for (r, b) in bias.iter_mut().enumerate() {
                    if let Some((c, _)) = weight.entries(r).next() {
                        *b = values[c];
                    }
                }
                Part::Const(bias)
            }
        });
        offset += len;
    }
    if out_shape.get(axis) != Some(&offset) {
        return Err(format!("concat parts of {offset} along axis {axis} for {out_shape:?}"));
    }
    Ok(out)
}

impl Translator<'_> {
    /// A concatenation as the sum of its tensor parts' placements (`concat`), constant parts in
    /// the first placement's bias: the Linear nodes and Adds, the last writing `out`'s tensor.
    /// Returns that tensor, or why the concatenation is not supported.
    pub(super) fn push_concat(
        &mut self,
        node: &TypedNode,
        op: &TypedConcat,
        inputs: &[Value],
        out_shape: &[usize],
    ) -> TractResult<Result<TensorId, String>> {
        let out = OutletId::new(node.id, 0);
        let parts: Vec<(Vec<usize>, Option<&Tensor>)> = inputs
            .iter()
            .map(|v| match v {
                Value::Tensor(t) => (self.graph.tensors[*t].shape.clone(), None),
                Value::Const(c) => (c.shape().to_vec(), Some(&**c)),
                Value::Unknown | Value::Masked(..) | Value::Ids => (Vec::new(), None),
            })
            .collect();
        let placed = match concat(op, &parts, out_shape) {
            Ok(p) => p,
            Err(reason) => return Ok(Err(reason)),
        };
        let mut bias: Option<Vec<f32>> = None;
        let mut linears = Vec::new();
        for (part, v) in placed.into_iter().zip(inputs) {
            match (part, v) {
                (Part::Tensor(w), Value::Tensor(t)) => linears.push((w, *t)),
                (Part::Const(b), _) => match &mut bias {
                    Some(acc) => acc.iter_mut().zip(b).for_each(|(a, b)| *a += b),
                    None => bias = Some(b),
                },
                _ => return Ok(Err("a part of unknown value".into())),
            }
        }
        if linears.is_empty() {
            return Ok(Err("of constants only".into()));
        }
        let last = linears.len() - 1;
        let mut sum: Option<TensorId> = None;
        for (k, (weight, x)) in linears.into_iter().enumerate() {
            let bias = if k == 0 { bias.take() } else { None };
            // The last node written writes `out`: the only placement, or the last Add.
            let t = match (k == last, sum) {
                (true, None) => self.new_tensor(out)?,
                _ => self.scratch(&node.name, &format!("part{k}"), out_shape.to_vec()),
            };
            self.push(node.name.clone(), Op::Linear { weight, bias }, vec![x], t);
            sum = Some(match sum {
                None => t,
                Some(acc) => {
                    let s = match k == last {
                        true => self.new_tensor(out)?,
                        false => self.scratch(&node.name, &format!("sum{k}"), out_shape.to_vec()),
                    };
                    self.push(node.name.clone(), Op::Add, vec![acc, t], s);
                    s
                }
            });
        }
        Ok(sum.ok_or_else(|| "of constants only".to_string()))
    }
}

/// Whether the node is one of the moves above (for the error listing of unsupported nodes).
pub(super) fn is_move(node: &TypedNode) -> bool {
    node.op_as::<AxisOp>().is_some()
        || node.op_as::<Pad>().is_some()
        || node.op_as::<Slice>().is_some()
        || node.op_as::<TypedConcat>().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(m: &Matrix) -> Vec<Vec<f32>> {
        (0..m.rows()).map(|r| (0..m.cols()).map(|c| m.get(r, c)).collect()).collect()
    }

    /// The selected input index of each output row (`None` for an empty row).
    fn picks(m: &Matrix) -> Vec<Option<usize>> {
        (0..m.rows()).map(|r| m.entries(r).next().map(|(c, _)| c)).collect()
    }

    #[test]
    fn a_transpose_permutes_cells() {
        // [2, 3] -> [3, 2]: y[j][i] = x[i][j].
        let m = transpose(0, 1, &[2, 3], &[3, 2]).unwrap();
        assert_eq!(picks(&m), [0, 3, 1, 4, 2, 5].map(Some));
        // [1, 2, 3, 4] with axis 3 moved to 1 (NHWC -> NCHW style): y[0][c][h][w] = x[0][h][w][c].
        let m = transpose(3, 1, &[1, 2, 3, 4], &[1, 4, 2, 3]).unwrap();
        let p = picks(&m);
        assert_eq!(p[0], Some(0));
        assert_eq!(p[1], Some(4)); // c = 0, h = 0, w = 1
        assert_eq!(p[6], Some(1)); // c = 1, h = 0, w = 0
        assert!(dense(&m).iter().all(|row| row.iter().sum::<f32>() == 1.0));
        assert!(transpose(0, 1, &[2, 3], &[2, 3]).is_err());
    }

    #[test]
    fn padding_modes_select_the_right_cells() {
        let op = |mode| Pad { pads: vec![(2, 1)], mode };
        let (m, bias) = pad(&op(PadMode::Constant(Arc::new(1.5f32.into()))), &[3], &[6]).unwrap();
        assert_eq!(picks(&m), [None, None, Some(0), Some(1), Some(2), None]);
        assert_eq!(bias.unwrap(), [1.5, 1.5, 0.0, 0.0, 0.0, 1.5]);
        let (m, bias) = pad(&op(PadMode::Constant(Arc::new(0f32.into()))), &[3], &[6]).unwrap();
        assert!(bias.is_none() && m.nnz() == 3);
        // Reflect: [a b c] -> [c b | a b c | b]; edge: [a a | a b c | c].
        let (m, _) = pad(&op(PadMode::Reflect), &[3], &[6]).unwrap();
        assert_eq!(picks(&m), [2, 1, 0, 1, 2, 1].map(Some));
        let (m, _) = pad(&op(PadMode::Edge), &[3], &[6]).unwrap();
        assert_eq!(picks(&m), [0, 0, 0, 1, 2, 2].map(Some));
        assert!(pad(&Pad { pads: vec![(3, 0)], mode: PadMode::Reflect }, &[3], &[6]).is_err());
    }

    #[test]
    fn slices_and_concatenations_place_each_part() {
        let s = Slice { axis: 1, start: 1.into(), end: 3.into() };
        let m = slice(&s, &[2, 4], &[2, 2]).unwrap();
        assert_eq!(picks(&m), [1, 2, 5, 6].map(Some));
        // [1, 2] ++ const [1, 1] ++ [1, 1] on axis 1.
        let c = Tensor::from(tract_ndarray::arr2(&[[7f32]]));
        let parts = concat(
            &TypedConcat { axis: 1 },
            &[(vec![1, 2], None), (vec![1, 1], Some(&c)), (vec![1, 1], None)],
            &[1, 4],
        )
        .unwrap();
        match &parts[..] {
            [Part::Tensor(a), Part::Const(b), Part::Tensor(d)] => {
                assert_eq!(picks(a), [Some(0), Some(1), None, None]);
                assert_eq!(b, &[0.0, 0.0, 7.0, 0.0]);
                assert_eq!(picks(d), [None, None, None, Some(0)]);
            }
            _ => panic!("parts"),
        }
        assert!(concat(&TypedConcat { axis: 1 }, &[(vec![1, 2], None)], &[1, 4]).is_err());
    }
}
