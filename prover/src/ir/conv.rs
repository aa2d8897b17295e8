//! Convolutions, poolings and sums as sparse Linear weights (and a max pooling as Linear and ReLU
//! layers) over the flattened channel-first
//! (`[C, spatial...]`) tensors: one row per output element, holding only the kernel's (or
//! window's) entries that fall inside the input. A `[N, C, ...]` batch is the Linear's rows.
//! Padding positions read zeros, so they have no entry.

use super::sparse::Matrix;

/// The geometry shared by convolutions and poolings (one entry per spatial axis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Input spatial shape.
    pub input: Vec<usize>,
    /// Output spatial shape.
    pub output: Vec<usize>,
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    /// Zero padding before and after each axis. A window reaching past the padding after (a ceil
    /// mode's last window) reads nothing there, not even padding.
    pub pad_before: Vec<usize>,
    pub pad_after: Vec<usize>,
}

/// Most rows, or stored weights, a lowered convolution, pooling or sum may have: a few-byte ONNX
/// file declaring a huge input must be refused before anything that size is built.
pub const MAX_LOWERED: usize = 1 << 26;

impl Window {
    fn rank(&self) -> usize {
        self.input.len()
    }

    fn consistent(&self) -> bool {
        let r = self.rank();
        [&self.output, &self.kernel, &self.strides, &self.dilations, &self.pad_before, &self.pad_after]
            .iter()
            .all(|v| v.len() == r)
            && self.kernel.iter().chain(&self.strides).chain(&self.dilations).all(|&k| k > 0)
            && [&self.input, &self.output, &self.kernel].iter().all(|v| fits(v))
            // Positions, strides, dilations and padding stay far below overflow in `source`.
            && [&self.strides, &self.dilations, &self.pad_before, &self.pad_after]
                .iter()
                .all(|v| v.iter().all(|&x| x <= MAX_LOWERED))
    }

    /// Every spatial index of `shape`, row-major.
    fn positions(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
        let total: usize = shape.iter().product();
        (0..total).map(move |mut i| {
            let mut idx = vec![0; shape.len()];
            for (d, &n) in shape.iter().enumerate().rev() {
                idx[d] = i % n;
                i /= n;
            }
            idx
        })
    }

    /// Whether kernel offset `k` of output position `out` lies inside the padded input (the input
    /// or its padding): the cells an average pooling with `count_include_pad` divides by.
    fn inside_padded(&self, out: &[usize], k: &[usize]) -> bool {
        (0..self.rank()).all(|d| {
            out[d] * self.strides[d] + k[d] * self.dilations[d] < self.pad_before[d] + self.input[d] + self.pad_after[d]
        })
    }

    /// For output position `out` and kernel offset `k`: the flat input position it reads, or
    /// `None` in the padding.
    fn source(&self, out: &[usize], k: &[usize]) -> Option<usize> {
        let mut flat = 0usize;
        for d in 0..self.rank() {
            let at = (out[d] * self.strides[d] + k[d] * self.dilations[d]).checked_sub(self.pad_before[d])?;
            if at >= self.input[d] {
                return None;
            }
            flat = flat * self.input[d] + at;
        }
        Some(flat)
    }

    fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    fn output_len(&self) -> usize {
        self.output.iter().product()
    }
}

/// The matrix of a grouped convolution with `c_in` input and `c_out` output channels and a kernel
/// in `[c_out, c_in / group, kernel...]` order (ONNX `OIHW`); `None` when the shapes disagree.
pub fn conv_matrix(w: &Window, c_in: usize, c_out: usize, group: usize, kernel: &[f32]) -> Option<Matrix> {
    if !w.consistent() || group == 0 || c_in % group != 0 || c_out % group != 0 {
        return None;
    }
    let (per_in, per_out) = (c_in / group, c_out / group);
    let taps: usize = w.kernel.iter().product();
    let (in_len, out_len) = (w.input_len(), w.output_len());
    if !fits(&[c_out, out_len, per_in, taps]) || !fits(&[c_in, in_len]) || kernel.len() != c_out * per_in * taps {
        return None;
    }
    let offsets: Vec<Vec<usize>> = Window::positions(&w.kernel).collect();
    let mut rows = Vec::with_capacity(c_out * out_len);
    for co in 0..c_out {
        let g = co / per_out;
        for out in Window::positions(&w.output) {
            let mut row = Vec::with_capacity(per_in * taps);
            for ci in 0..per_in {
                for (t, k) in offsets.iter().enumerate() {
                    let v = kernel[(co * per_in + ci) * taps + t];
                    if let (Some(at), true) = (w.source(&out, k), v != 0.0) {
                        row.push(((g * per_in + ci) * in_len + at, v));
                    }
                }
            }
            row.sort_unstable_by_key(|e| e.0);
            rows.push(row);
        }
    }
    debug_assert_eq!(rows.len(), c_out * out_len);
    Matrix::from_rows(c_in * in_len, rows)
}

/// The matrix of a sum pooling over `channels` channels, divided by the window size when
/// `normalize` (an average pooling): by the whole window when `count_include_pad`, else by the
/// number of its positions inside the input.
pub fn pool_matrix(w: &Window, channels: usize, normalize: bool, count_include_pad: bool) -> Option<Matrix> {
    if !w.consistent() {
        return None;
    }
    let offsets: Vec<Vec<usize>> = Window::positions(&w.kernel).collect();
    let (in_len, out_len) = (w.input_len(), w.output_len());
    if !fits(&[channels, out_len, offsets.len()]) || !fits(&[channels, in_len]) {
        return None;
    }
    let mut rows = Vec::with_capacity(channels * out_len);
    for c in 0..channels {
        for out in Window::positions(&w.output) {
            let mut cells: Vec<usize> = offsets.iter().filter_map(|k| w.source(&out, k)).collect();
            cells.sort_unstable();
            // ONNX divides by the window's cells inside the input, or inside the padded input
            // with `count_include_pad` (a ceil mode's last window can reach past both).
            let divisor = match (normalize, count_include_pad) {
                (false, _) => 1.0,
                (true, true) => offsets.iter().filter(|k| w.inside_padded(&out, k)).count().max(1) as f64,
                (true, false) => cells.len().max(1) as f64,
            };
            rows.push(cells.into_iter().map(|at| (c * in_len + at, (1.0 / divisor) as f32)).collect());
        }
    }
    Matrix::from_rows(channels * in_len, rows).map(Matrix::into_public)
}

/// The product of `dims`, when it does not overflow.
fn product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |a, &b| a.checked_mul(b))
}

/// Whether the product of `dims` is at most [`MAX_LOWERED`].
fn fits(dims: &[usize]) -> bool {
    product(dims).is_some_and(|n| n <= MAX_LOWERED)
}

/// A linear combination of the previous layer's outputs: `(index, coefficient)`, sorted, merged.
/// A combination of the previous layer's values: `(index, weight)`, indices increasing.
pub type Combo = Vec<(usize, f32)>;

fn combine(a: &Combo, b: &Combo, k: f32) -> Combo {
    let mut out: Combo = a.clone();
    for &(i, v) in b {
        match out.binary_search_by_key(&i, |e| e.0) {
            Ok(at) => out[at].1 += k * v,
            Err(at) => out.insert(at, (i, k * v)),
        }
    }
    out.retain(|e| e.1 != 0.0);
    out
}

/// The layers of a max pooling over `channels` channels, each a Linear followed by a ReLU but the
/// last: a tournament in which a pair `(a, b)` becomes `max(a, b) = a + ReLU(b - a)`. Each layer
/// emits, per pair, the row `b - a` and the rows carrying `a` through the ReLU: `a` itself when
/// every value is non-negative, else `a` and `-a` (`a = ReLU(a) - ReLU(-a)`); unpaired values are
/// carried the same way. The last layer emits each window's maximum, as a combination of the
/// previous layer's outputs, in `[C, spatial...]` order. Padding cells hold no candidate. Exact on
/// integers: `docs/quantisation.md`, "MaxPool". `None` for an empty window or inconsistent
/// geometry.
pub fn max_pool_layers(w: &Window, channels: usize, signed: bool) -> Option<Vec<Matrix>> {
    if !w.consistent() {
        return None;
    }
    let offsets: Vec<Vec<usize>> = Window::positions(&w.kernel).collect();
    let in_len = w.input_len();
    // A signed round emits at most 3 rows per 2 candidates.
    if !fits(&[channels, w.output_len(), offsets.len(), 2]) || !fits(&[channels, in_len]) {
        return None;
    }
    let mut windows: Vec<Vec<Combo>> = Vec::with_capacity(channels * w.output_len());
    for c in 0..channels {
        for out in Window::positions(&w.output) {
            let mut cells: Vec<usize> = offsets.iter().filter_map(|k| w.source(&out, k)).collect();
            cells.sort_unstable();
            cells.dedup();
            if cells.is_empty() {
                return None;
            }
            windows.push(cells.into_iter().map(|at| vec![(c * in_len + at, 1.0)]).collect());
        }
    }
    max_layers(windows, channels * in_len, signed)
}

/// The tournament of [`max_pool_layers`] over any `windows` (each a list of candidates, a
/// combination of an input of `cols` values): the layers, each a Linear followed by a ReLU but the
/// last, whose last emits each window's maximum, in window order. A softmax's row maxima use it
/// (`onnx/softmax.rs`).
pub fn max_layers(mut windows: Vec<Vec<Combo>>, cols: usize, signed: bool) -> Option<Vec<Matrix>> {
    let mut layers = Vec::new();
    let mut cols = cols;
    while windows.iter().any(|v| v.len() > 1) {
        let mut rows: Vec<Combo> = Vec::new();
        for values in &mut windows {
            let mut next = Vec::with_capacity(values.len().div_ceil(2));
            for pair in values.chunks(2) {
                // Carry `a`: its rows and its value as a combination of them.
                let mut value: Combo = vec![(rows.len(), 1.0)];
                rows.push(pair[0].clone());
                if signed {
                    value.push((rows.len(), -1.0));
                    rows.push(combine(&Vec::new(), &pair[0], -1.0));
                }
                if let [a, b] = pair {
                    value.push((rows.len(), 1.0));
                    rows.push(combine(b, a, -1.0));
                }
                next.push(value);
            }
            *values = next;
        }
        layers.push(Matrix::from_rows(cols, rows.iter().cloned())?.into_public());
        cols = rows.len();
    }
    let last = windows.iter().map(|v| v.first().cloned().unwrap_or_default());
    layers.push(Matrix::from_rows(cols, last)?.into_public());
    Some(layers)
}

/// The selection of every `stride`-th element along `axis` of a tensor of `shape`, from `modulo`
/// on (tract's `Downsample`, which a strided 1x1 convolution becomes): one weight 1 per output.
pub fn downsample_matrix(shape: &[usize], axis: usize, stride: usize, modulo: usize) -> Option<Matrix> {
    if axis >= shape.len() || stride == 0 || !fits(shape) {
        return None;
    }
    let mut out_shape = shape.to_vec();
    out_shape[axis] = shape[axis].saturating_sub(modulo).div_ceil(stride);
    let rows = Window::positions(&out_shape).map(|mut idx| {
        idx[axis] = idx[axis] * stride + modulo;
        vec![(idx.iter().zip(shape).fold(0usize, |acc, (&i, &n)| acc * n + i), 1.0)]
    });
    Matrix::from_rows(shape.iter().product(), rows.collect::<Vec<_>>()).map(Matrix::into_public)
}

/// The matrix summing a tensor of `shape` over `axes` (the output keeps the other axes, in order).
pub fn reduce_sum_matrix(shape: &[usize], axes: &[usize]) -> Option<Matrix> {
    if axes.iter().any(|&a| a >= shape.len()) || !fits(shape) {
        return None;
    }
    let kept: Vec<usize> = (0..shape.len()).filter(|d| !axes.contains(d)).collect();
    let out_shape: Vec<usize> = kept.iter().map(|&d| shape[d]).collect();
    let out_len: usize = out_shape.iter().product();
    let mut rows: Vec<Vec<(usize, f32)>> = vec![Vec::new(); out_len];
    for (flat, idx) in Window::positions(shape).enumerate() {
        let o = kept.iter().fold(0usize, |acc, &d| acc * shape[d] + idx[d]);
        rows[o].push((flat, 1.0));
    }
    Matrix::from_rows(shape.iter().product(), rows).map(Matrix::into_public)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(input: &[usize], kernel: &[usize], stride: usize, pad: usize, output: &[usize]) -> Window {
        Window {
            input: input.to_vec(),
            output: output.to_vec(),
            kernel: kernel.to_vec(),
            strides: vec![stride; input.len()],
            dilations: vec![1; input.len()],
            pad_before: vec![pad; input.len()],
            pad_after: vec![pad; input.len()],
        }
    }

    #[test]
    fn a_padded_convolution_reads_its_window() {
        // 1 channel, 3x3 input, 3x3 kernel of ones, padding 1: the corner sums 4 cells.
        let w = window(&[3, 3], &[3, 3], 1, 1, &[3, 3]);
        let m = conv_matrix(&w, 1, 1, 1, &[1.0; 9]).unwrap();
        assert_eq!((m.rows(), m.cols()), (9, 9));
        assert_eq!(m.entries(0).map(|e| e.0).collect::<Vec<_>>(), vec![0, 1, 3, 4]);
        assert_eq!(m.row(4).0.len(), 9);
    }

    #[test]
    fn a_depthwise_convolution_reads_its_own_channel() {
        let w = window(&[2, 2], &[1, 1], 1, 0, &[2, 2]);
        let m = conv_matrix(&w, 2, 2, 2, &[2.0, 3.0]).unwrap();
        assert_eq!(m.entries(5).collect::<Vec<_>>(), vec![(5, 3.0)]);
    }

    #[test]
    fn a_max_pooling_tournament_computes_the_maximum() {
        // 2 channels: 4x4 with 2x2 windows of stride 2, 4x4 with 3x3 windows of stride 2 and
        // padding 1, 5x5 with overlapping 3x3 windows; non-negative values, then signed ones.
        for (input, kernel, stride, pad, output) in [(4, 2, 2, 0, 2), (4, 3, 2, 1, 2), (5, 3, 1, 0, 3)] {
            let w = window(&[input, input], &[kernel, kernel], stride, pad, &[output, output]);
            for signed in [false, true] {
                let layers = max_pool_layers(&w, 2, signed).unwrap();
                let shift = if signed { 11.0 } else { 0.0 };
                let x: Vec<f32> = (0..2 * input * input).map(|i| ((i * 7919) % 23) as f32 - shift).collect();
                let mut v = x.clone();
                for (k, m) in layers.iter().enumerate() {
                    let y: Vec<f32> = (0..m.rows()).map(|r| m.entries(r).map(|(c, w)| w * v[c]).sum()).collect();
                    // Every layer but the last is followed by a ReLU, which must not change anything
                    // but the differences.
                    v = if k + 1 < layers.len() { y.iter().map(|&t| t.max(0.0)).collect() } else { y };
                }
                for c in 0..2 {
                    for oy in 0..output {
                        for ox in 0..output {
                            let mut want = f32::MIN;
                            for ky in 0..kernel {
                                for kx in 0..kernel {
                                    let (iy, ix) = (
                                        (oy * stride + ky) as isize - pad as isize,
                                        (ox * stride + kx) as isize - pad as isize,
                                    );
                                    if (0..input as isize).contains(&iy) && (0..input as isize).contains(&ix) {
                                        want = want.max(x[c * input * input + iy as usize * input + ix as usize]);
                                    }
                                }
                            }
                            assert_eq!(v[(c * output + oy) * output + ox], want, "{input} {kernel} {stride} {pad}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn pooling_and_sums() {
        let w = window(&[4], &[2], 2, 0, &[2]);
        let m = pool_matrix(&w, 1, true, true).unwrap();
        assert_eq!(m.entries(1).collect::<Vec<_>>(), vec![(2, 0.5), (3, 0.5)]);
        // Ceil mode: length 3, kernel 2, stride 2, no padding: the last window holds x[2] alone,
        // and ONNX divides it by 1 even with count_include_pad.
        let w = Window { pad_after: vec![0], ..window(&[3], &[2], 2, 0, &[2]) };
        for include in [true, false] {
            let m = pool_matrix(&w, 1, true, include).unwrap();
            assert_eq!(m.entries(1).collect::<Vec<_>>(), vec![(2, 1.0)]);
        }
        // With padding 1 after, the padding cell counts with count_include_pad only.
        let w = Window { pad_after: vec![1], ..window(&[3], &[2], 2, 0, &[2]) };
        assert_eq!(pool_matrix(&w, 1, true, true).unwrap().entries(1).collect::<Vec<_>>(), vec![(2, 0.5)]);
        assert_eq!(pool_matrix(&w, 1, true, false).unwrap().entries(1).collect::<Vec<_>>(), vec![(2, 1.0)]);
        // A declared size beyond the cap is refused, not built.
        assert!(reduce_sum_matrix(&[1 << 14, 1 << 14], &[1]).is_none());
        let huge = window(&[1 << 20, 1 << 20], &[2, 2], 2, 0, &[1 << 19, 1 << 19]);
        assert!(pool_matrix(&huge, 1, true, true).is_none());
        let d = downsample_matrix(&[2, 5], 1, 2, 1).unwrap();
        assert_eq!((d.rows(), d.cols()), (4, 10));
        assert_eq!((0..4).map(|r| d.row(r).0[0]).collect::<Vec<_>>(), vec![1, 3, 6, 8]);
        let s = reduce_sum_matrix(&[2, 3], &[1]).unwrap();
        assert_eq!(s.entries(1).map(|e| e.0).collect::<Vec<_>>(), vec![3, 4, 5]);
    }
}
