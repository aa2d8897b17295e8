//! The public-input matmul block's values (`zkml_verifier::model::blocks::public_matmul`;
//! `docs/protocols/blocks/public_matmul.md`): `Y = W x` over `H_m`, what the verifier forms from
//! the key's weight columns. Its rows are those of the matmul (`super::matmul::row`); it has no
//! round-2 polynomials.

use ark_bn254::Fr;

use crate::ir::Sparse;

/// `y_i = sum_j W_ij x_j` for every row of `weight`, in the field.
pub fn product(weight: &Sparse<i64>, x: &[Fr]) -> Vec<Fr> {
    (0..weight.rows())
        .map(|i| weight.entries(i).map(|(j, w)| x.get(j).copied().unwrap_or_default() * Fr::from(w)).sum())
        .collect()
}
