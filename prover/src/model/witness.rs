//! The integer witness of a model's layers: the quantised forward pass the proofs are about
//! (`docs/protocols/mlp.md`, "Statement"), with the range checks the lookup table needs.

use super::keys::ModelProvingKey;
use crate::error::ProverError;
use crate::quant::rescale;

/// The integer witness of one layer (padded to the domain sizes).
#[derive(Debug, Clone)]
pub struct LayerWitness {
    pub input: Vec<i64>,
    pub z: Vec<i64>,
    pub q: Vec<i64>,
    pub rem: Vec<i64>,
    pub out: Vec<i64>,
    /// Hidden layers: the split `q = 2^s high + low` (`low` is never committed) and the sign
    /// `[q >= 0]`, which the table's sign rows look up from `high` (all zero on the last layer).
    pub high: Vec<i64>,
    pub sign: Vec<i64>,
}

/// Evaluates the layers on a quantised input, checking every value the tables must hold.
pub fn witness(pk: &ModelProvingKey, input: &[i64]) -> Result<Vec<LayerWitness>, ProverError> {
    witness_with(pk, input, &|_, _| {})
}

/// [`witness`] with `hook(layer, values)` applied to each layer's values before they feed the next
/// layer: soundness tests use it to build wrong witnesses (see [`prove_witness`]).
pub fn witness_with(
    pk: &ModelProvingKey,
    input: &[i64],
    hook: &dyn Fn(usize, &mut LayerWitness),
) -> Result<Vec<LayerWitness>, ProverError> {
    let vk = &pk.vk;
    let (s, b) = (vk.scale_bits, vk.table_bits);
    if input.len() != vk.input_len() {
        return Err(ProverError::InvalidArgument(format!(
            "the model takes {} input values, got {}",
            vk.input_len(),
            input.len()
        )));
    }
    let mut a = input.to_vec();
    let mut out = Vec::with_capacity(pk.layers.len());
    for (li, l) in pk.layers.iter().enumerate() {
        let m = zkml_verifier::model::key::pow2(l.rows as u32);
        let (mut z, mut q, mut rem, mut o) = (vec![0; m], vec![0; m], vec![0; m], vec![0; m]);
        let (mut high, mut sg) = (vec![0; m], vec![0; m]);
        for i in 0..m {
            let acc: i128 = if i < l.rows {
                let row = &l.weight[i * l.cols..(i + 1) * l.cols];
                row.iter().zip(&a).map(|(&w, &x)| w as i128 * x as i128).sum::<i128>() + l.bias[i] as i128
            } else {
                0
            };
            let bound = 1i128 << 62;
            if acc.abs() >= bound {
                return Err(range_error(&l.name, "accumulator", i, acc, bound));
            }
            z[i] = acc as i64;
            q[i] = rescale(z[i], s);
            rem[i] = z[i] + (1 << (s - 1)) - (q[i] << s);
            let (lo, hi) = (super::keys::relu_min(b), 1i64 << b);
            if l.relu && !(lo..hi).contains(&q[i]) {
                let bound = if q[i] < 0 { -lo } else { hi };
                return Err(range_error(&l.name, "rescaled output (ReLU input)", i, q[i] as i128, bound as i128));
            }
            if l.relu {
                let (h, _, sign) = super::keys::split(q[i], s);
                (high[i], sg[i]) = (h, sign);
            }
            o[i] = if l.relu { q[i].max(0) } else { q[i] };
        }
        let mut lw = LayerWitness { input: a, z, q, rem, out: o, high, sign: sg };
        hook(li, &mut lw);
        a = lw.out[..l.rows].to_vec();
        out.push(lw);
    }
    Ok(out)
}

fn range_error(node: &str, what: &str, index: usize, value: i128, bound: i128) -> ProverError {
    ProverError::Quant(crate::quant::QuantError::OutOfRange {
        node: node.to_string(),
        tensor: what.to_string(),
        index,
        value,
        bound,
    })
}
