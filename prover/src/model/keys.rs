//! Model setup: compile, commit the weights, biases and lookup table, and write the keys
//! (`docs/protocols/mlp.md`, "Keys").

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use ark_std::UniformRand;
use rand::RngCore;
use zkml_verifier::codec::{Reader, Writer};
use zkml_verifier::envelope::{self, Kind};
use zkml_verifier::kzg::{DegreeKey, SrsParams};
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::{Block, Weights};
use zkml_verifier::model::key::{pow2, table_sections, table_size, PublicWeight, Source};

use super::activation::apply;
use zkml_verifier::model::layout::{required_degree_bound, witness_widths};
use zkml_verifier::model::{Int, LayerKey, ModelMeta, ModelVerifyingKey};
use zkml_verifier::DecodeError;

use super::compile::{compile, Layer};
use super::poly::{domain, interpolate};
use super::prove::PROOF_HIDING;
use crate::error::ProverError;
use crate::ir::Sparse;
use crate::kzg::{commit_with_blind, msm, msm_small, Blinded, DegreeProvingKey};
use crate::quant::QuantizedModel;
use crate::srs::{Srs, SrsOrigin};
use ark_poly::EvaluationDomain;
use ark_std::cfg_into_iter;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Degree of the blinding polynomials of the weight and bias commitments.
pub const KEY_HIDING_DEGREE: usize = 2;

/// What the prover keeps: the verifying key, the SRS powers it commits with, the layers and the
/// blinds of the key's commitments.
#[derive(Debug, Clone)]
pub struct ModelProvingKey {
    pub vk: ModelVerifyingKey,
    /// The first `D` G1 powers, the blinding powers and `[1]_2, [tau]_2`.
    pub srs: Srs,
    /// The powers the degree check needs (the last G2 powers of the parameters).
    pub degree: DegreeProvingKey,
    pub layers: Vec<Layer>,
    /// Per layer, the blinds of its weight commitments (rows, or columns for a layer reading the
    /// public input), concatenated ([`row_blind`]).
    pub weight_blinds: Vec<Vec<Fr>>,
    pub bias_blinds: Vec<Vec<Fr>>,
}

/// The commitments `[L_j(tau)]_1` to the Lagrange polynomials of `H_n`: the inverse FFT of the
/// first `n` G1 powers. A weight row `W_i(X) = sum_j W_ij L_j(X)` is then committed by an MSM
/// over its stored entries only.
pub fn lagrange_basis(srs: &Srs, n: usize) -> Result<Vec<G1Affine>, ProverError> {
    let powers = srs.powers_g1.get(..n).ok_or(ProverError::DegreeTooLarge { degree: n - 1, max: srs.max_degree() })?;
    let mut proj: Vec<G1Projective> = powers.iter().map(|p| p.into_group()).collect();
    domain(n)?.ifft_in_place(&mut proj);
    Ok(G1Projective::normalize_batch(&proj))
}

/// The domain size a layer's weight commitments are interpolated over: `H_m` (its output) for
/// the columns of a layer reading the public input, `H_n` (its input) for rows.
pub fn weight_domain(layer: &Layer) -> usize {
    match first_block(layer).weights() {
        Weights::Columns => pow2(layer.rows as u32),
        Weights::Rows | Weights::None => pow2(layer.cols as u32),
    }
}

/// The number of weight commitments of a layer: columns when it reads the public input, rows
/// after an earlier layer, none for a product or public weights (`LayerKey::weight_commitments`).
pub fn weight_commitments(layer: &Layer) -> usize {
    if layer.public_weights() {
        return 0;
    }
    match first_block(layer).weights() {
        Weights::Columns => layer.cols,
        Weights::None => 0,
        // With shared weights, one per row of the shared matrix.
        Weights::Rows => layer.rows / layer.batch.max(1),
    }
}

/// Whether the layer's weights are committed by column (it reads the public input).
fn by_column(layer: &Layer) -> bool {
    first_block(layer).weights() == Weights::Columns
}

/// The layer's first block ([`Block::first`]).
pub fn first_block(layer: &Layer) -> Block {
    Block::first(layer.input, layer.operand, layer.divide)
}

/// The key's weight commitments of `layer`, with the blinds `r_k` of `blinds` ([`row_blind`]), from
/// the Lagrange basis of [`weight_domain`] ([`lagrange_basis`]): `[W_i(tau) + gamma r_i(tau)]_1`
/// for every row `i`, or `[W^j(tau) + gamma r_j(tau)]_1` for every column `j` of a layer reading
/// the public input (`docs/protocols/blocks/public_matmul.md`).
pub fn commit_weights(
    srs: &Srs,
    lagrange: &[G1Affine],
    layer: &Layer,
    blinds: &[Fr],
) -> Result<Vec<G1Affine>, ProverError> {
    let transposed;
    let matrix = match by_column(layer) {
        true => {
            transposed = layer.weight.transpose().ok_or_else(|| ProverError::Internal("weight transpose".into()))?;
            &transposed
        }
        false => &layer.weight,
    };
    let n = weight_commitments(layer);
    // The blinds' terms `sum_k r_ik [gamma tau^k]`: per base, one fixed-base batch multiplication
    // over every row (a window table instead of a variable-base product per row).
    let mut hiding = vec![G1Projective::zero(); n];
    for (k, base) in srs.gamma_g1.iter().enumerate().take(KEY_HIDING_DEGREE + 1) {
        let scalars: Vec<Fr> = (0..n).map(|i| row_blind(blinds, i).get(k).copied().unwrap_or_default()).collect();
        let table = BatchMulPreprocessing::new(base.into_group(), n);
        for (h, p) in hiding.iter_mut().zip(table.batch_mul(&scalars)) {
            *h += p;
        }
    }
    // Shared weights: row `i` of `W` at every input row, `sum_j W_ij sum_t L_(t c + j)`, from the
    // summed bases (`docs/protocols/blocks/matmul.md`, "Shared weights").
    let replicated = match layer.batch > 1 {
        true => {
            let c = matrix.cols();
            let sums: Vec<G1Projective> = (0..c)
                .map(|j| (0..layer.batch).map(|t| lagrange.get(t * c + j).copied().unwrap_or_default()).sum())
                .collect();
            G1Projective::normalize_batch(&sums)
        }
        false => Vec::new(),
    };
    let lagrange = if layer.batch > 1 { replicated.as_slice() } else { lagrange };
    let rows: Vec<G1Projective> = cfg_into_iter!(hiding)
        .enumerate()
        .map(|(i, h)| {
            let (cols, vals) = matrix.row(i);
            let bases: Vec<G1Affine> = cols.iter().map(|&c| lagrange[c as usize]).collect();
            msm_small(&bases, vals) + h
        })
        .collect();
    Ok(G1Projective::normalize_batch(&rows))
}

/// `sum_k c_k (W_k(X), r_k(X))` over `terms = [(k, c_k)]`: a combination of weight commitments
/// (rows, or columns for a layer reading the public input) and their blinds, formed on the values
/// over [`weight_domain`] (one inverse FFT, whatever the number of terms).
pub fn weight_combination(layer: &Layer, blinds: &[Fr], terms: &[(usize, Fr)]) -> Result<Blinded, ProverError> {
    let size = weight_domain(layer);
    let count = weight_commitments(layer);
    let mut blind = vec![Fr::zero(); KEY_HIDING_DEGREE + 1];
    let mut column_weights = match by_column(layer) {
        true => vec![Fr::zero(); count],
        false => Vec::new(),
    };
    for &(k, c) in terms {
        if k >= count {
            return Err(ProverError::Internal(format!("weight commitment {k} of layer '{}' missing", layer.name)));
        }
        if by_column(layer) {
            column_weights[k] += c;
        }
        for (b, r) in blind.iter_mut().zip(row_blind(blinds, k)) {
            *b += c * r;
        }
    }
    let values = match by_column(layer) {
        // Columns: value i is row i of W against the columns' weights.
        true => {
            let mut values = super::blocks::public_matmul::product(&layer.weight, &column_weights);
            values.resize(size, Fr::zero());
            values
        }
        false => combine_rows(layer, terms, size),
    };
    Ok(Blinded { poly: super::poly::poly(interpolate(&values, size)?), blind: super::poly::poly(blind) })
}

/// `sum_k c_k W_k` on the values of `H_n` for `terms = [(k, c_k)]` (`k` below the stored rows):
/// the stored rows combined once, then, with shared weights, placed at every input row.
pub fn combine_rows(layer: &Layer, terms: &[(usize, Fr)], n: usize) -> Vec<Fr> {
    let width = layer.weight.cols();
    let mut shared = vec![Fr::zero(); width];
    for &(k, c) in terms {
        for (col, w) in layer.weight.entries(k) {
            shared[col] += c * Fr::from(w);
        }
    }
    let mut values = vec![Fr::zero(); n];
    for (v, x) in values.iter_mut().zip(shared.iter().cycle().take(width * layer.batch.max(1))) {
        *v = *x;
    }
    values
}

/// The blind of row `i`'s commitment, from a layer's concatenated row blinds.
pub fn row_blind(blinds: &[Fr], i: usize) -> &[Fr] {
    let k = KEY_HIDING_DEGREE + 1;
    blinds.get(i * k..(i + 1) * k).unwrap_or(&[])
}

pub fn bias_coeffs(layer: &Layer) -> Result<Vec<Fr>, ProverError> {
    let vals: Vec<Fr> = layer.bias.iter().map(|&b| Fr::from(b)).collect();
    interpolate(&vals, pow2(layer.rows as u32))
}

/// Smallest ReLU input the table covers: `-2^B` (the split `q = 2^s h + l` with the sign rows'
/// `h >= -2^(B-s)`).
pub fn relu_min(table_bits: u32) -> i64 {
    -(1i64 << table_bits)
}

/// Number of sign rows: `2^(B-s+1)`, for `h in [-2^(B-s), 2^(B-s))`.
fn sign_rows(scale_bits: u32, table_bits: u32) -> usize {
    1usize << (table_bits - scale_bits + 1)
}

/// The three table columns (input, output, tag) as values over `H_N`: sign rows
/// `(h, [h >= 0], 0)` for `h in [-2^(B-s), 2^(B-s))`, then range rows `(k, 0, 1)` for
/// `k in [0, 2^s)`, then for each tabulated activation in `sections` the rows `(x, f(x), tag)`
/// for `x in [-2^B, 2^B)`, then copies of the range row `(0, 0, 1)` up to `N` (a padding row must
/// be a valid row: a zero row `(0, 0, 0)` would let a sign lookup claim `h = 0` is negative).
pub fn table_columns(scale_bits: u32, table_bits: u32, sections: &[Activation]) -> [Vec<Fr>; 3] {
    let n = table_size(scale_bits, table_bits, sections.len());
    let half = (sign_rows(scale_bits, table_bits) / 2) as i64;
    let (mut t_in, mut t_out, mut t_tag) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for h in -half..half {
        t_in.push(Fr::from(h));
        t_out.push(Fr::from(u64::from(h >= 0)));
        t_tag.push(Fr::zero());
    }
    for k in 0..(1i64 << scale_bits) {
        t_in.push(Fr::from(k));
        t_out.push(Fr::zero());
        t_tag.push(Fr::from(1u64));
    }
    for (k, &act) in sections.iter().enumerate() {
        // The section's tag, `Activation::tag`: 2 plus its index.
        let tag = Fr::from(k as u64 + 2);
        let bound = 1i64 << table_bits;
        for x in -bound..bound {
            t_in.push(Fr::from(x));
            t_out.push(Fr::from(apply(act, x, scale_bits)));
            t_tag.push(tag);
        }
    }
    while t_in.len() < n {
        t_in.push(Fr::zero());
        t_out.push(Fr::zero());
        t_tag.push(Fr::from(1u64));
    }
    [t_in, t_out, t_tag]
}

/// Number of G1 powers the model needs (`D`).
pub fn powers_needed(layers: &[Layer], scale_bits: u32, table_bits: u32) -> usize {
    let sections = table_sections(layers.iter().map(|l| l.act));
    let table = table_size(scale_bits, table_bits, sections.len());
    layers
        .iter()
        // Quotients and blinded polynomials reach degree side + 3; with shared weights, M1 has
        // the token weights' polynomial as a third factor and its quotient twice the input side.
        .map(|l| pow2(l.cols as u32).max(pow2(l.rows as u32)) * if l.batch > 1 { 2 } else { 1 } + 8)
        .chain([table + 8])
        .max()
        .unwrap_or(0)
}

/// Compiles and commits `model` with `srs`; `meta` (name, labels, input shape) goes into the key as
/// is and is checked against the model's shape.
pub fn setup<R: RngCore>(
    srs: &Srs,
    model: &QuantizedModel,
    meta: ModelMeta,
    rng: &mut R,
) -> Result<ModelProvingKey, ProverError> {
    let layers = compile(model)?;
    let (s, b) = (model.scale_bits, model.table_bits);
    // Degree bounds are checked against the last G2 power the SRS's tau was ever published with
    // (docs/protocols/kzg.md, "Degree bounds"), which a file cut from a larger ceremony lacks.
    let published = srs.published_g2_powers().ok_or_else(|| match srs.origin {
        SrsOrigin::Ceremony { power, ceremony_power, .. } => ProverError::InvalidArgument(format!(
            "this SRS holds the first 2^{power} powers of a 2^{ceremony_power} powers-of-tau ceremony; the \
             degree checks of a model need the ceremony's last G2 powers, which only its full file has: import \
             the ceremony's 2^{ceremony_power} file"
        )),
        SrsOrigin::InsecureDev => ProverError::InvalidArgument("the SRS lacks G2 powers".into()),
    })?;
    let available = srs.powers_g1.len();
    let needed = powers_needed(&layers, s, b);
    if needed > available {
        let log = needed.next_power_of_two().trailing_zeros();
        return Err(ProverError::InvalidArgument(format!(
            "the model needs an SRS with {needed} powers but this one has {available} (use an SRS of log size {log} or \
             more)"
        )));
    }
    // D: the G1 powers the prover keeps, enough for the model and for every fold class whose packed
    // witness the SRS can hold (docs/protocols/accumulation.md, "What folds").
    let d = layers
        .iter()
        .filter(|l| l.act == Activation::Relu && first_block(l) == Block::FOLDS && !l.public_weights() && l.batch == 1)
        .map(|l| witness_widths(pow2(l.cols as u32), pow2(l.rows as u32)).iter().sum::<usize>())
        .filter(|&w| w <= available)
        .fold(needed, usize::max);
    let mut keep = srs.clone();
    keep.powers_g1.truncate(d);
    keep.powers_g2.truncate(2);
    let mut keys = Vec::with_capacity(layers.len());
    // The Lagrange basis of each weight domain, computed once.
    let mut lagrange: std::collections::HashMap<usize, Vec<G1Affine>> = std::collections::HashMap::new();
    let (mut weight_blinds, mut bias_blinds) = (Vec::new(), Vec::new());
    for l in &layers {
        let wb: Vec<Fr> = (0..weight_commitments(l) * (KEY_HIDING_DEGREE + 1)).map(|_| Fr::rand(rng)).collect();
        let bb: Vec<Fr> = (0..=KEY_HIDING_DEGREE).map(|_| Fr::rand(rng)).collect();
        let weights = match weight_commitments(l) {
            // A product has no weights.
            0 => Vec::new(),
            _ => {
                let n = weight_domain(l);
                let basis = match lagrange.entry(n) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(lagrange_basis(&keep, n)?),
                };
                commit_weights(&keep, basis, l, &wb)?
            }
        };
        let bias = commit_with_blind(
            &keep,
            &Blinded { poly: super::poly::poly(bias_coeffs(l)?), blind: super::poly::poly(bb.clone()) },
        )?;
        keys.push(LayerKey {
            rows: l.rows as u32,
            cols: l.cols as u32,
            act: l.act,
            input: l.input,
            skip: l.skip,
            operand: l.operand,
            divide: l.divide,
            batch: l.batch as u32,
            weights,
            public: l.public_weights().then(|| public_weights(l)).transpose()?,
            bias,
        });
        weight_blinds.push(wb);
        bias_blinds.push(bb);
    }
    let table = table_commitments(&keep, s, b, &table_sections(layers.iter().map(|l| l.act)))?;
    // The degree check's bound is derived from the key's shape, so it is set once the shape is.
    let placeholder = DegreeKey { g2_powers: 1, bound: 1, gamma_h: srs.gamma_g2, shift_h: srs.powers_g2[0] };
    let mut vk = ModelVerifyingKey {
        meta,
        kzg: keep.verifying_key(),
        params: SrsParams { source: srs.source(), file_digest: srs.source_digest(), degree: placeholder },
        srs_powers: d as u32,
        scale_bits: s,
        table_bits: b,
        tokens: match &model.graph.tokens {
            Some(t) => {
                u32::try_from(t.vocab).map_err(|_| ProverError::Unsupported("a vocabulary beyond 2^32".into()))?
            }
            None => 0,
        },
        layers: keys,
        table,
    };
    let degree = DegreeProvingKey::new(srs, published, required_degree_bound(&vk), PROOF_HIDING + 1)?;
    vk.params.degree = degree.key;
    vk.validate().map_err(|e| ProverError::Unsupported(e.to_string()))?;
    Ok(ModelProvingKey { vk, srs: keep, degree, layers, weight_blinds, bias_blinds })
}

/// A layer's structural weights as the key publishes them (`LayerKey::public`): each row's
/// entries as runs of equal values on consecutive columns.
pub fn public_weights(l: &Layer) -> Result<Vec<PublicWeight>, ProverError> {
    let mut out: Vec<PublicWeight> = Vec::new();
    for row in 0..l.rows {
        let mut open: Option<PublicWeight> = None;
        for (col, w) in l.weight.entries(row) {
            let value = i32::try_from(w)
                .map_err(|_| ProverError::Unsupported(format!("{}: a structural weight {w} beyond 32 bits", l.name)))?;
            let (row, col) = (row as u32, col as u32);
            match &mut open {
                Some(run) if run.col + run.len == col && run.value.0 == value => run.len += 1,
                _ => out.extend(open.replace(PublicWeight { row, col, len: 1, value: Int(value) })),
            }
        }
        out.extend(open);
    }
    Ok(out)
}

/// Unblinded commitments to the table columns (deterministic given the SRS).
pub fn table_commitments(
    srs: &Srs,
    scale_bits: u32,
    table_bits: u32,
    sections: &[Activation],
) -> Result<[G1Affine; 3], ProverError> {
    let cols = table_columns(scale_bits, table_bits, sections);
    let n = cols[0].len();
    let mut out = [G1Affine::zero(); 3];
    for (o, c) in out.iter_mut().zip(cols.iter()) {
        let c: &[Fr] = c;
        *o = msm(&srs.powers_g1, &interpolate(c, n)?).into_affine();
    }
    Ok(out)
}

impl ModelProvingKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = envelope::writer(Kind::ModelProvingKey);
        let blob = |w: &mut Writer, b: &[u8]| {
            w.u64(b.len() as u64);
            w.bytes(b);
        };
        blob(&mut w, &zkml_verifier::envelope::Artifact::to_artifact_bytes(&self.vk));
        blob(&mut w, &self.srs.to_bytes());
        w.put(&self.degree.key);
        w.put(&self.degree.shifted_g2);
        w.put(&self.degree.shifted_g1);
        w.len(self.layers.len());
        for ((l, wb), bb) in self.layers.iter().zip(&self.weight_blinds).zip(&self.bias_blinds) {
            blob(&mut w, l.name.as_bytes());
            w.u32(l.rows as u32);
            w.u32(l.cols as u32);
            l.act.encode(&mut w);
            // The skip's encoding for both (the input is never none).
            w.u32(Source::optional_code(Some(l.input)));
            w.u32(Source::optional_code(l.skip));
            w.u32(Source::optional_code(l.operand));
            w.u8(u8::from(l.divide));
            w.u32(l.batch as u32);
            // The (shared) weight row by row as (entry count, then column and value per entry),
            // then the bias.
            for i in 0..l.weight.rows() {
                let (cols, vals) = l.weight.row(i);
                w.u32(cols.len() as u32);
                for (&c, &v) in cols.iter().zip(vals) {
                    w.u32(c);
                    w.u64(v as u64);
                }
            }
            for v in &l.bias {
                w.u64(*v as u64);
            }
            w.put(wb);
            w.put(bb);
        }
        envelope::finish(w)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = envelope::open_kind(bytes, Kind::ModelProvingKey)?;
        fn blob<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<&'a [u8], DecodeError> {
            let n = r.u64(what)?;
            let n =
                usize::try_from(n).map_err(|_| DecodeError::LengthTooLarge { what, len: n, max: usize::MAX as u64 })?;
            r.bytes(n, what)
        }
        let vk = <ModelVerifyingKey as zkml_verifier::envelope::Artifact>::from_artifact_bytes(blob(&mut r, "pk vk")?)?;
        // A proving key is trusted no more than a verifying key: its key is validated before use.
        vk.validate().map_err(|e| DecodeError::Invalid {
            what: "the proving key's verifying key",
            reason: match e {
                zkml_verifier::Error::BadKey(m) | zkml_verifier::Error::DegenerateKey(m) => m,
                _ => "fails validation",
            },
        })?;
        let srs = Srs::from_bytes(blob(&mut r, "pk srs")?)?;
        let degree = DegreeProvingKey {
            key: r.get("pk degree key")?,
            shifted_g2: r.vec("pk degree G2 powers")?,
            shifted_g1: r.vec("pk degree G1 powers")?,
        };
        let consistent = degree.key == vk.params.degree
            && degree.shifted_g2.len() == vk.params.degree.bound as usize
            && degree.shifted_g1.len() == PROOF_HIDING + 1;
        if !consistent {
            return Err(DecodeError::Invalid {
                what: "the proving key's degree check",
                reason: "its powers do not match the verifying key's degree check",
            });
        }
        let count = r.len(9, "pk layers")?;
        let mut layers = Vec::with_capacity(count);
        let (mut weight_blinds, mut bias_blinds) = (Vec::new(), Vec::new());
        for _ in 0..count {
            let name = String::from_utf8_lossy(blob(&mut r, "pk layer name")?).into_owned();
            let rows = r.u32("pk layer rows")? as usize;
            let cols = r.u32("pk layer cols")? as usize;
            let act = Activation::decode(&mut r)?;
            let input = Source::from_optional_code(r.u32("pk layer input")?).unwrap_or(Source::Input);
            let skip = Source::from_optional_code(r.u32("pk layer skip")?);
            let operand = Source::from_optional_code(r.u32("pk layer operand")?);
            let divide = match r.u8("pk layer division flag")? {
                0 => false,
                1 => true,
                _ => {
                    return Err(DecodeError::Invalid { what: "pk layer", reason: "a division flag other than 0 or 1" })
                }
            };
            let batch = r.u32("pk layer batch")? as usize;
            if batch == 0 || rows % batch != 0 || cols % batch != 0 {
                return Err(DecodeError::Invalid {
                    what: "pk layer",
                    reason: "a batch that does not divide its sides",
                });
            }
            // The stored (shared) matrix: `rows / batch x cols / batch`.
            let (w_rows, w_cols) = (rows / batch, cols / batch);
            // Each stored row costs at least its 4-byte count and each bias value 8 bytes: bound
            // `rows` by what is left before allocating.
            if w_rows.saturating_mul(4).saturating_add(rows.saturating_mul(8)) > r.remaining() {
                return Err(DecodeError::LengthTooLarge {
                    what: "pk layer rows",
                    len: rows as u64,
                    max: (r.remaining() / 12) as u64,
                });
            }
            let mut weight_rows = Vec::with_capacity(w_rows);
            for _ in 0..w_rows {
                let count = r.u32("pk weight row length")? as usize;
                if count > w_cols || count.saturating_mul(12) > r.remaining() {
                    return Err(DecodeError::Invalid {
                        what: "pk weight row",
                        reason: "more entries than columns or bytes",
                    });
                }
                let mut row = Vec::with_capacity(count);
                for _ in 0..count {
                    let c = r.u32("pk weight column")? as usize;
                    row.push((c, r.u64("pk weight value")? as i64));
                }
                weight_rows.push(row);
            }
            let weight = Sparse::from_rows(w_cols, weight_rows).ok_or(DecodeError::Invalid {
                what: "pk weight row",
                reason: "columns out of range or not increasing",
            })?;
            // Structural weights are the ones the verifying key publishes.
            let weight = match vk.layers.get(layers.len()).is_some_and(|k| k.public.is_some()) {
                true => weight.into_public(),
                false => weight,
            };
            let bias = (0..rows).map(|_| r.u64("pk layer bias").map(|v| v as i64)).collect::<Result<Vec<_>, _>>()?;
            layers.push(Layer { name, rows, cols, weight, batch, bias, act, input, skip, operand, divide });
            weight_blinds.push(r.vec::<Fr>("pk weight blind")?);
            bias_blinds.push(r.vec::<Fr>("pk bias blind")?);
        }
        r.finish("model proving key")?;
        // The layers and blinds must be the ones the verifying key describes, or proving would
        // index past them.
        let k = KEY_HIDING_DEGREE + 1;
        let matches = layers.len() == vk.layers.len()
            && layers.iter().zip(&vk.layers).zip(weight_blinds.iter().zip(&bias_blinds)).all(|((l, key), (wb, bb))| {
                l.rows == key.rows as usize
                    && l.cols == key.cols as usize
                    && l.act == key.act
                    && l.input == key.input
                    && l.skip == key.skip
                    && l.operand == key.operand
                    && l.divide == key.divide
                    && l.batch == key.batch as usize
                    && (l.operand.is_none() || l.weight.nnz() == 0)
                    && wb.len() == weight_commitments(l) * k
                    && key
                        .public
                        .as_ref()
                        .is_none_or(|p| p.iter().map(|w| w.len as usize).sum::<usize>() == l.weight.nnz())
                    && bb.len() == k
            });
        if !matches {
            return Err(DecodeError::Invalid {
                what: "the proving key's layers",
                reason: "their shapes, weights or blinds do not match the verifying key",
            });
        }
        Ok(Self { vk, srs, degree, layers, weight_blinds, bias_blinds })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: &[Vec<Fr>; 3], k: usize) -> [Fr; 3] {
        [t[0][k], t[1][k], t[2][k]]
    }

    fn triple(a: i64, b: i64, c: u64) -> [Fr; 3] {
        [Fr::from(a), Fr::from(b), Fr::from(c)]
    }

    #[test]
    fn table_rows_sections_and_padding() {
        let (s, b) = (3, 5);
        for sections in [vec![], vec![Activation::Tanh], vec![Activation::Sigmoid, Activation::Gelu]] {
            let t = table_columns(s, b, &sections);
            let n = table_size(s, b, sections.len());
            assert!(t.iter().all(|c| c.len() == n));
            // Sign rows h in [-4, 4), then range rows k in [0, 8).
            assert_eq!(row(&t, 0), triple(-4, 0, 0));
            assert_eq!(row(&t, 3), triple(-1, 0, 0));
            assert_eq!(row(&t, 4), triple(0, 1, 0));
            assert_eq!(row(&t, 7), triple(3, 1, 0));
            assert_eq!(row(&t, 8), triple(0, 0, 1));
            assert_eq!(row(&t, 15), triple(7, 0, 1));
            // One section per activation: x in [-32, 32) with f(x) and the activation's tag.
            for (k, &act) in sections.iter().enumerate() {
                let start = 16 + 64 * k;
                for (j, x) in (-32..32).enumerate() {
                    assert_eq!(row(&t, start + j), triple(x, apply(act, x, s), act.tag(&sections).unwrap()));
                }
            }
            // Padding: copies of the range row (0, 0, 1), never a zero row.
            for k in 16 + 64 * sections.len()..n {
                assert_eq!(row(&t, k), triple(0, 0, 1));
            }
        }
    }
}
