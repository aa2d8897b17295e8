//! The integer witness of a model's layers: the quantised forward pass the proofs are about
//! (`docs/protocols/mlp.md`, "Statement"), with the range checks the lookup table needs.

use ark_bn254::Fr;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::constraints::Poly;
use zkml_verifier::model::key::Source;
use zkml_verifier::model::{Int, ModelVerifyingKey};

use super::blocks::{self, FirstRow};
use super::keys::ModelProvingKey;
use crate::error::ProverError;

/// The integer witness of one layer (padded to the domain sizes).
#[derive(Debug, Clone)]
pub struct LayerWitness {
    pub input: Vec<i64>,
    pub z: Vec<i64>,
    pub q: Vec<i64>,
    pub rem: Vec<i64>,
    pub out: Vec<i64>,
    /// ReLU layers: the split `q = 2^s high + low` (`low` is never committed) and the sign
    /// `[q >= 0]`, which the table's sign rows look up from `high` (all zero on the last layer).
    pub high: Vec<i64>,
    pub sign: Vec<i64>,
    /// The skip's values added to `q` before the activation (zeros without one): the activation
    /// reads `q + skip`, an output layer publishes it.
    pub skip: Vec<i64>,
    /// A division's remainders, slacks and their high parts (`blocks::divide`; empty otherwise).
    pub division: Division,
}

/// A division layer's extra values, one per row of `H_m` (`blocks::divide::Row`).
#[derive(Debug, Clone, Default)]
pub struct Division {
    pub rem: Vec<i64>,
    pub rem_high: Vec<i64>,
    pub slack: Vec<i64>,
    pub slack_high: Vec<i64>,
}

impl Division {
    fn push(&mut self, row: blocks::divide::Row) {
        self.rem.push(row.rem);
        self.rem_high.push(row.rem_high);
        self.slack.push(row.slack);
        self.slack_high.push(row.slack_high);
    }
}

impl LayerWitness {
    /// The values of a polynomial a block commits beyond the layer's usual ones
    /// (`Block::committed`).
    pub fn committed(&self, p: Poly) -> Option<&[i64]> {
        match p {
            Poly::Rem => Some(&self.division.rem),
            Poly::RemHigh => Some(&self.division.rem_high),
            Poly::SlackHigh => Some(&self.division.slack_high),
            _ => None,
        }
    }
}

/// The values the layers read for a proof's `input` (`ModelVerifyingKey::model_input`: token ids
/// become one-hot rows), after checking its length.
pub fn model_input(vk: &ModelVerifyingKey, input: &[i64]) -> Result<Vec<i64>, ProverError> {
    if input.len() != vk.input_len() {
        return Err(ProverError::InvalidArgument(format!(
            "the model takes {} input values, got {}",
            vk.input_len(),
            input.len()
        )));
    }
    let ints = input
        .iter()
        .map(|&v| i32::try_from(v).map(Int))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ProverError::InvalidArgument("an input value does not fit in 32 bits".into()))?;
    let rows = vk.model_input(&ints).map_err(|e| ProverError::InvalidArgument(e.to_string()))?;
    Ok(rows.iter().map(|v| i64::from(v.0)).collect())
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
    let model_input = model_input(vk, input)?;
    let input = &model_input[..];
    let mut out: Vec<LayerWitness> = Vec::with_capacity(pk.layers.len());
    for (li, l) in pk.layers.iter().enumerate() {
        // A source's values (the input, or an earlier layer's outputs) on its real rows; a skip is
        // zero-padded, which `validate` makes true of every skip source.
        let source = |src: Source, len: usize| -> Result<Vec<i64>, ProverError> {
            let v = match src {
                Source::Input => input,
                Source::Layer(k) => out.get(k as usize).map(|w| w.out.as_slice()).unwrap_or(&[]),
            };
            v.get(..len).map(<[i64]>::to_vec).ok_or_else(|| {
                ProverError::InvalidArgument(format!("layer {li} reads a source of fewer than {len} values"))
            })
        };
        let a = source(l.input, l.cols)?;
        // A product's second operand (`blocks::product`).
        let operand = match l.operand {
            Some(src) => Some(source(src, l.rows)?),
            None => None,
        };
        let m = zkml_verifier::model::key::pow2(l.rows as u32);
        let mut skip = match l.skip {
            Some(src) => source(src, l.rows)?,
            None => Vec::new(),
        };
        skip.resize(m, 0);
        let (mut z, mut q, mut rem, mut o) = (vec![0; m], vec![0; m], vec![0; m], vec![0; m]);
        let (mut high, mut sg) = (vec![0; m], vec![0; m]);
        let mut division = Division::default();
        let first = super::keys::first_block(l);
        for i in 0..m {
            // The layer's first block (`blocks::first_row`), then the rescaling unless the block
            // rescales itself, then the activation.
            match blocks::first_row(first, l, (&a, operand.as_deref()), i, (s, b))? {
                FirstRow::Divided(row) => {
                    (z[i], q[i]) = (row.z, row.q);
                    division.push(row);
                }
                FirstRow::Acc(acc) => {
                    let bound = 1i128 << 62;
                    if acc.abs() >= bound {
                        return Err(range_error(&l.name, "accumulator", i, acc, bound));
                    }
                    z[i] = acc as i64;
                    (q[i], rem[i]) = blocks::rescale::apply(z[i], s);
                }
            }
            // The activation's input: q plus the skip (a residual connection).
            let t =
                q[i].checked_add(skip[i]).ok_or_else(|| range_error(&l.name, "skip sum", i, q[i] as i128, 1 << 63))?;
            let (lo, hi) = (super::keys::relu_min(b), 1i64 << b);
            if l.act.hidden() && !(lo..hi).contains(&t) {
                let bound = if t < 0 { -lo } else { hi };
                return Err(range_error(&l.name, "rescaled output (activation input)", i, t as i128, bound as i128));
            }
            if l.act == Activation::Relu {
                let (h, _, sign) = blocks::relu::split(t, s);
                (high[i], sg[i]) = (h, sign);
            }
            o[i] = super::activation::apply(l.act, t, s);
        }
        let mut lw = LayerWitness { input: a, z, q, rem, out: o, high, sign: sg, skip, division };
        hook(li, &mut lw);
        out.push(lw);
    }
    Ok(out)
}

pub(crate) fn range_error(node: &str, what: &str, index: usize, value: i128, bound: i128) -> ProverError {
    ProverError::Quant(crate::quant::QuantError::OutOfRange {
        node: node.to_string(),
        tensor: what.to_string(),
        index,
        value,
        bound,
    })
}

/// The triples `(in, out, tag)` one layer looks up in the table (`docs/protocols/mlp.md`,
/// "Round 2"), in the field: what the lookup constraints compress with `alpha` and `beta`.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The activation's: `(h, sigma, 0)` for ReLU, `(q, f(q), tag)` for a tabulated activation,
    /// none on the last layer.
    pub phi: Vec<[Fr; 3]>,
    /// The remainders' range lookups `(rem, 0, 1)`.
    pub psi: Vec<[Fr; 3]>,
    /// ReLU only: the split's low parts `(q - 2^s h, 0, 1)`.
    pub chi: Vec<[Fr; 3]>,
    /// The lookups of the inverses a block commits beyond `phi`, `psi`, `chi`
    /// (`Block::extra_inverses`, in order: a division's four).
    pub extra: Vec<(Poly, Vec<[Fr; 3]>)>,
}

impl Lookups {
    /// Every looked-up triple.
    pub fn all(&self) -> impl Iterator<Item = &[Fr; 3]> {
        self.phi.iter().chain(&self.psi).chain(&self.chi).chain(self.extra.iter().flat_map(|(_, v)| v))
    }
}

impl LayerWitness {
    /// The activation's inputs `q + skip`, in the field.
    pub(crate) fn pre(&self) -> impl Iterator<Item = Fr> + '_ {
        self.q.iter().zip(self.skip.iter().chain(core::iter::repeat(&0))).map(|(&q, &k)| Fr::from(q) + Fr::from(k))
    }

    /// The layer's lookups for activation `act` at scale `2^s` (a tabulated one in the table
    /// section tagged `tag`), computed from the witness as it stands (a wrong witness gives
    /// triples the table may not hold).
    pub fn lookups(&self, act: Activation, first: Block, tag: Fr, scale_bits: u32) -> Lookups {
        // Each block of the layer adds its own (`Block::lower`, the verifier's lowering).
        let mut lk = Lookups::default();
        for b in Block::lower(act, first) {
            blocks::lookups(b, self, tag, scale_bits, &mut lk);
        }
        lk
    }
}
