//! The fixed-weight matmul block's values (`zkml_verifier::model::blocks::matmul`;
//! `docs/protocols/blocks/matmul.md`). Its round-2 running sums are built in `prove/round2.rs`.

use crate::model::compile::Layer;

/// `z_i = sum_j W_ij a_j + b_i` for row `i` of the layer's weight ([`Layer::row`]), in `i128` (a
/// column beyond `a` reads 0).
pub fn row(layer: &Layer, i: usize, a: &[i64]) -> i128 {
    let dot: i128 = layer.row(i).map(|(c, w)| w as i128 * a.get(c).copied().unwrap_or(0) as i128).sum();
    dot + layer.bias[i] as i128
}
