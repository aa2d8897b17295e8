//! The prover's side of each block (`zkml_verifier::model::blocks`, file by file): the values a
//! block computes on a layer's rows, the triples it looks up in the table and how `inspect`
//! describes it. The functions below are the prover's only dispatch on the block kind: the
//! witness (`witness.rs`), the lookups and `inspect` call them for each block of a layer
//! (`Block::lower`), and every other step reads the verifier's block properties
//! (`Block::weights`, `Block::reads`, `Block::committed`, `Block::inverses`).

pub mod divide;
pub mod matmul;
pub mod product;
pub mod public_matmul;
pub mod relu;
pub mod rescale;
pub mod tabulated;

use ark_bn254::Fr;
use zkml_verifier::model::blocks::Block;

use super::compile::Layer;
use super::witness::{range_error, LayerWitness, Lookups};
use crate::error::ProverError;

/// What a layer's first block yields on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRow {
    /// The accumulator `z`, which the `Rescale` block then rescales.
    Acc(i128),
    /// A block that rescales itself (`Block::lower` leaves `Rescale` out): its row, with `z` and
    /// the rescaled `q`.
    Divided(divide::Row),
}

/// The first block's value on row `i` of `layer` (a padded row when `i >= layer.rows`), reading
/// the input `a` and the second operand `operand`; an error when the row has no value the table
/// can check (a division's divisor out of `[1, 2^(B-1))`).
pub fn first_row(
    first: Block,
    layer: &Layer,
    (a, operand): (&[i64], Option<&[i64]>),
    i: usize,
    (scale_bits, table_bits): (u32, u32),
) -> Result<FirstRow, ProverError> {
    let real = i < layer.rows;
    let missing = || ProverError::Internal(format!("layer {} has no second operand", layer.name));
    match first {
        Block::Matmul | Block::PublicMatmul => Ok(FirstRow::Acc(if real { matmul::row(layer, i, a) } else { 0 })),
        Block::Product => {
            let b = operand.ok_or_else(missing)?;
            Ok(FirstRow::Acc(if real { product::row(a, b, &layer.bias, i) } else { 0 }))
        }
        Block::Divide => {
            let b = operand.ok_or_else(missing)?;
            // A divisor in [1, 2^(B-1)) keeps the remainder and the slack in the split's range
            // [0, 2^B).
            let bound = 1i64 << table_bits;
            let row = match real {
                false => Some(divide::PADDED),
                true => divide::row(a[i], b[i], scale_bits),
            };
            let row = row.filter(|r| (0..bound).contains(&r.rem) && (0..bound).contains(&r.slack));
            row.map(FirstRow::Divided).ok_or_else(|| {
                let v = b.get(i).copied().unwrap_or(0) as i128;
                range_error(&layer.name, "divisor (in [1, 2^(B-1)))", i, v, (bound / 2) as i128)
            })
        }
        Block::Rescale | Block::Relu | Block::Tabulated => {
            Err(ProverError::Internal(format!("{} is not a first block", first.name())))
        }
    }
}

/// Adds block `b`'s lookups on `w` to `lk`, for activation inputs `q + skip` at scale `2^s` (a
/// tabulated activation in the table section tagged `tag`), computed from the witness as it
/// stands (a wrong witness gives triples the table may not hold).
pub fn lookups(b: Block, w: &LayerWitness, tag: Fr, scale_bits: u32, lk: &mut Lookups) {
    match b {
        Block::Matmul | Block::PublicMatmul | Block::Product => {}
        Block::Divide => {
            let d = &w.division;
            let lists = divide::lookups(&d.rem, &d.rem_high, &d.slack, &d.slack_high, scale_bits);
            lk.extra.extend(b.extra_inverses().iter().copied().zip(lists));
        }
        Block::Rescale => lk.psi = rescale::lookups(&w.rem),
        Block::Relu => (lk.phi, lk.chi) = relu::lookups(w.pre(), &w.high, &w.sign, scale_bits),
        Block::Tabulated => lk.phi = tabulated::lookups(w.pre(), &w.out, tag),
    }
}

/// What `inspect` says a layer's block computes.
#[derive(Debug)]
pub struct Described<'a> {
    pub rows: u32,
    pub cols: u32,
    /// Input and output domains.
    pub n: usize,
    pub m: usize,
    /// The names of the input and the second operand.
    pub input: &'a str,
    pub operand: &'a str,
    /// Public weight runs in the key, and the shared-weight batch.
    pub public_runs: Option<usize>,
    pub batch: u32,
    pub scale_bits: u32,
    /// The activation's name, for a tabulated block.
    pub activation: &'a str,
}

/// One line on block `b` of a layer, for `inspect`.
pub fn describe(b: Block, d: &Described<'_>) -> String {
    let (rows, cols, n, m, s) = (d.rows, d.cols, d.n, d.m, d.scale_bits);
    match b {
        Block::PublicMatmul => format!(
            "public-input matmul {rows}x{cols} (W x from the key's {cols} weight columns, outputs over H_{m})"
        ),
        Block::Product => {
            format!("product of {rows} values: {} * {} element-wise (over H_{m})", d.input, d.operand)
        }
        Block::Divide => format!(
            "division of {rows} values: round(2^{s} {} / {}) element-wise, remainder range-checked (over H_{m})",
            d.input, d.operand
        ),
        Block::Matmul => match d.public_runs {
            Some(runs) => format!(
                "matmul {rows}x{cols} with public weights ({runs} runs in the key; inputs over H_{n}, outputs over H_{m})"
            ),
            None if d.batch > 1 => format!(
                "matmul {rows}x{cols} of one {}x{} weight shared by {} input rows (inputs over H_{n}, outputs over H_{m})",
                rows / d.batch,
                cols / d.batch,
                d.batch
            ),
            None => format!("matmul {rows}x{cols} (inputs over H_{n}, outputs over H_{m})"),
        },
        Block::Rescale => format!("rescale by 2^{s} (remainder range lookup)"),
        Block::Relu => format!("relu: sign lookup of q / 2^{s}, range lookup of q mod 2^{s}, output = sign * q"),
        Block::Tabulated => format!("{}: lookup of (q, f(q)) in its table section", d.activation),
    }
}
