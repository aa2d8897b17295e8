//! Convolutions, poolings and sums as sparse Linear weights over the flattened channel-first
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
    /// Zero padding before each axis (after-padding only bounds the output shape).
    pub pad_before: Vec<usize>,
}

impl Window {
    fn rank(&self) -> usize {
        self.input.len()
    }

    fn consistent(&self) -> bool {
        let r = self.rank();
        [&self.output, &self.kernel, &self.strides, &self.dilations, &self.pad_before].iter().all(|v| v.len() == r)
            && self.kernel.iter().chain(&self.strides).chain(&self.dilations).all(|&k| k > 0)
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
    if kernel.len() != c_out * per_in * taps {
        return None;
    }
    let offsets: Vec<Vec<usize>> = Window::positions(&w.kernel).collect();
    let (in_len, out_len) = (w.input_len(), w.output_len());
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
    let mut rows = Vec::with_capacity(channels * out_len);
    for c in 0..channels {
        for out in Window::positions(&w.output) {
            let mut cells: Vec<usize> = offsets.iter().filter_map(|k| w.source(&out, k)).collect();
            cells.sort_unstable();
            let divisor = match (normalize, count_include_pad) {
                (false, _) => 1.0,
                (true, true) => offsets.len() as f64,
                (true, false) => cells.len().max(1) as f64,
            };
            rows.push(cells.into_iter().map(|at| (c * in_len + at, (1.0 / divisor) as f32)).collect());
        }
    }
    Matrix::from_rows(channels * in_len, rows)
}

/// The matrix summing a tensor of `shape` over `axes` (the output keeps the other axes, in order).
pub fn reduce_sum_matrix(shape: &[usize], axes: &[usize]) -> Option<Matrix> {
    if axes.iter().any(|&a| a >= shape.len()) {
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
    Matrix::from_rows(shape.iter().product(), rows)
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
    fn pooling_and_sums() {
        let w = window(&[4], &[2], 2, 0, &[2]);
        let m = pool_matrix(&w, 1, true, true).unwrap();
        assert_eq!(m.entries(1).collect::<Vec<_>>(), vec![(2, 0.5), (3, 0.5)]);
        let s = reduce_sum_matrix(&[2, 3], &[1]).unwrap();
        assert_eq!(s.entries(1).map(|e| e.0).collect::<Vec<_>>(), vec![3, 4, 5]);
    }
}
