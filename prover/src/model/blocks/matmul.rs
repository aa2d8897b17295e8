//! The fixed-weight matmul block's values (`zkml_verifier::model::blocks::matmul`;
//! `docs/protocols/blocks/matmul.md`). Its round-2 running sums are built in `prove/round2.rs`.

/// `z_i = sum_j W_ij a_j + b_i` for row `i` of a `rows x cols` row-major `weight`, in `i128`.
pub fn row(weight: &[i64], bias: &[i64], cols: usize, i: usize, a: &[i64]) -> i128 {
    let w = &weight[i * cols..(i + 1) * cols];
    w.iter().zip(a).map(|(&w, &x)| w as i128 * x as i128).sum::<i128>() + bias[i] as i128
}
