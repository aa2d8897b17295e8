//! Verification of a model proof from the verifying key and the proof alone.

use alloc::string::String;
use alloc::vec::Vec;
use ark_ff::Zero;

use super::blocks::Weights;
use super::claims::{claims, points, start_transcript, Base, Challenges};
use super::domain::row_weights;
use super::key::{LayerKey, ModelVerifyingKey};
use super::layout::{Layout, Mode};
use super::proof::ModelProof;
use crate::envelope::Artifact;
use crate::error::Error;
use crate::hex::Digest;
use crate::kzg::{add_degree_check, verify_batch_combos, DegreeProof, Query, SrsSource};
use crate::pairing::PairingBatch;
use crate::transcript::{labels, Transcript};
use crate::{Fr, G1};
use ark_ec::CurveGroup;

/// Miller loops of a model proof's final multi-pairing: `[1]_2` and `[tau]_2` (the batch
/// opening), `[tau^e]_2`, the proof's `S` and `[gamma]_2` (the degree check).
pub const MODEL_PAIRINGS: usize = 5;

/// What a valid proof establishes: the model with this digest maps `input` to `output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVerdict {
    pub model_digest: Digest,
    pub scale_bits: u32,
    /// The key's token vocabulary (`ModelVerifyingKey::tokens`; 0 when the input is values).
    pub tokens: u32,
    /// The proof's input: quantised values, or token ids.
    pub input: Vec<i32>,
    /// Every output layer's values, concatenated in layer order ([`ModelVerdict::outputs`]
    /// splits them).
    pub output: Vec<i32>,
    /// The number of values of each output layer, in order.
    pub output_sizes: Vec<usize>,
    /// Miller loops in the final multi-pairing.
    pub pairings: usize,
    /// Where the key's SRS came from: proofs under a `Dev` SRS convince nobody who did not make it.
    pub srs_source: SrsSource,
    /// The model's name, from the key.
    pub name: String,
    /// The labels of the outputs, from the key (empty when it carries none).
    pub labels: Vec<String>,
    /// The ONNX shape of the input, from the key (empty when unknown).
    pub input_shape: Vec<u32>,
}

impl ModelVerdict {
    /// `v / 2^s` for every value.
    pub fn dequantise(&self, values: &[i32]) -> Vec<f64> {
        let scale = f64::from(1u32 << self.scale_bits.min(30));
        values.iter().map(|&v| f64::from(v) / scale).collect()
    }

    /// The input as a person reads it: token ids as they are, values dequantised.
    pub fn input_values(&self) -> Vec<f64> {
        match self.tokens {
            0 => self.dequantise(&self.input),
            _ => self.input.iter().map(|&v| f64::from(v)).collect(),
        }
    }

    /// The output values split into the model's outputs, one list per output layer.
    pub fn outputs(&self) -> Vec<Vec<i32>> {
        let mut rest = self.output.as_slice();
        self.output_sizes
            .iter()
            .map(|&n| {
                let (head, tail) = rest.split_at(n.min(rest.len()));
                rest = tail;
                head.to_vec()
            })
            .collect()
    }
}

/// Absorbs round 1 and draws `(r, alpha, beta)`.
pub fn round1_challenges(t: &mut Transcript, round1: &[G1]) -> (Fr, Fr, Fr) {
    t.absorb(labels::MODEL_ROUND1, round1);
    (t.challenge(labels::MODEL_R), t.challenge(labels::MODEL_ALPHA), t.challenge(labels::MODEL_BETA))
}

/// Absorbs round 2 and draws `(lambda, kappa)`.
pub fn round2_challenges(t: &mut Transcript, round2: &[G1]) -> (Fr, Fr) {
    t.absorb(labels::MODEL_ROUND2, round2);
    (t.challenge(labels::MODEL_LAMBDA), t.challenge(labels::MODEL_KAPPA))
}

/// Accumulated proofs: absorbs round 2 (its challenges come after the folds and the decider).
pub fn round2_absorb(t: &mut Transcript, round2: &[G1]) {
    t.absorb(labels::MODEL_ROUND2, round2);
}

/// Absorbs the cross terms of one fold level and draws one challenge per fold of that level.
pub fn fold_level_challenges(t: &mut Transcript, cross: &[G1]) -> Vec<Fr> {
    t.absorb(labels::MODEL_FOLD_CROSS, cross);
    cross.iter().map(|_| t.challenge(labels::MODEL_FOLD_R)).collect()
}

/// Absorbs the accumulators' decider commitments and draws `(lambda, kappa)`.
pub fn decider_challenges(t: &mut Transcript, decider: &[G1]) -> (Fr, Fr) {
    t.absorb(labels::MODEL_DECIDER, decider);
    (t.challenge(labels::MODEL_LAMBDA), t.challenge(labels::MODEL_KAPPA))
}

/// Absorbs round 3 (the quotients, then the degree shift, then the shift's degree check) and
/// draws `zeta`.
pub fn round3_challenge(t: &mut Transcript, round3: &[G1], degree: &DegreeProof) -> Fr {
    t.absorb(labels::MODEL_QUOTIENTS, round3);
    t.absorb(labels::MODEL_DEGREE, degree);
    t.challenge(labels::MODEL_ZETA)
}

/// Replays the prover's rounds (and, for accumulated proofs, the fold levels and the decider)
/// and returns the challenges; the transcript is left ready for the batch opening. The prover
/// calls the same per-round functions as it goes.
pub fn replay(t: &mut Transcript, layout: &Layout, proof: &ModelProof) -> Result<Challenges, Error> {
    let (r, alpha, beta) = round1_challenges(t, &proof.round1);
    let mut folds = Vec::with_capacity(layout.folds.len());
    let (lambda, kappa) = match layout.mode {
        Mode::PerLayer => round2_challenges(t, &proof.round2),
        Mode::Accumulated => {
            round2_absorb(t, &proof.round2);
            for level in 0..layout.levels {
                let range = layout.level_folds(level);
                let cross = proof.folds.get(range).ok_or(Error::BadKey("fold level out of range"))?;
                folds.extend(fold_level_challenges(t, cross));
            }
            // A zero challenge would give a subtree weight zero (probability negligible).
            if folds.iter().any(Zero::is_zero) {
                return Err(Error::DegenerateChallenge);
            }
            decider_challenges(t, &proof.decider)
        }
    };
    let zeta = round3_challenge(t, &proof.quotients, &proof.degree);
    Ok(Challenges { r, alpha, beta, folds, lambda, kappa, zeta })
}

fn expect(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ProofShape { what, expected, found })
    }
}

/// Verifies `proof` against `vk` (and, when given, insists that `vk` has digest `expected`).
pub fn verify_model(
    vk: &ModelVerifyingKey,
    proof: &ModelProof,
    expected: Option<&Digest>,
) -> Result<ModelVerdict, Error> {
    vk.validate()?;
    let digest = vk.digest();
    if let Some(e) = expected {
        if *e != digest {
            return Err(Error::DigestMismatch { expected: *e, actual: digest });
        }
    }
    if proof.vk_digest != digest {
        return Err(Error::KeyMismatch { key: digest, proof: proof.vk_digest });
    }
    let layout = Layout::new(vk, proof.mode);
    expect("input values", vk.input_len(), proof.input.len())?;
    expect("output values", vk.output_len(), proof.output.len())?;
    expect("round-1 commitments", layout.round1, proof.round1.len())?;
    expect("round-2 commitments", layout.round2, proof.round2.len())?;
    expect("cross terms", layout.fold_section, proof.folds.len())?;
    expect("decider commitments", layout.decider_section, proof.decider.len())?;
    expect("round-3 commitments", layout.round3(), proof.quotients.len())?;
    expect("evaluations", layout.evals, proof.evals.len())?;

    let mut t = start_transcript(&digest, proof.kind(), &proof.input, &proof.output);
    let ch = replay(&mut t, &layout, proof)?;
    let model_input = vk.model_input(&proof.input)?;
    let input: Vec<Fr> = model_input.iter().map(|v| v.to_fr()).collect();
    let output: Vec<Fr> = proof.output.iter().map(|v| v.to_fr()).collect();
    let list = claims(vk, &layout, &ch, &proof.evals, &input, &output)?;
    let pts = points(&layout, ch.zeta)?;

    let all: Vec<G1> = proof
        .round1
        .iter()
        .chain(&proof.round2)
        .chain(&proof.folds)
        .chain(&proof.decider)
        .chain(&proof.quotients)
        .copied()
        .collect();
    // Each layer's weight commitments combined, then one term of the batch: the rows of a layer
    // reading an earlier layer by the row weights (one MSM with 128-bit scalars,
    // docs/protocols/blocks/matmul.md, "Verifier"), the columns of a layer reading the public
    // input by the input's values (docs/protocols/blocks/public_matmul.md).
    // Every layer's MSM runs in one call, sharing its batch inversions in WebAssembly.
    let by = |l: &LayerKey, w: Weights| l.first_block().weights() == w;
    let most = vk.layers.iter().filter(|l| by(l, Weights::Rows)).map(|l| l.weights.len()).max().unwrap_or(0);
    let e = row_weights(ch.r, most);
    let columns: Vec<Option<(Vec<G1>, Vec<Fr>)>> = vk
        .layers
        .iter()
        .map(|l| by(l, Weights::Columns).then(|| times_input(&l.weights, &model_input)).transpose())
        .collect::<Result<_, _>>()?;
    let instances: Vec<(&[G1], &[Fr])> = vk
        .layers
        .iter()
        .zip(&columns)
        .map(|(l, c)| match c {
            Some((b, s)) => Ok((b.as_slice(), s.as_slice())),
            None => {
                let e = e.get(..l.weights.len()).ok_or(Error::BadKey("more weight rows than row weights"))?;
                Ok((l.weights.as_slice(), e))
            }
        })
        .collect::<Result<_, Error>>()?;
    let combined: Vec<G1> = crate::msm::g1_msms(&instances)
        .ok_or(Error::BadKey("weight commitments"))?
        .into_iter()
        .map(|p| p.into_affine())
        .collect();
    let weights = |i: usize| vk.layers.get(i).map(|l| l.first_block().weights());
    let commitment = |b: Base| -> Result<G1, Error> {
        let found = match b {
            Base::Proof(i) => all.get(i),
            Base::Rows(i) => combined.get(i).filter(|_| weights(i) == Some(Weights::Rows)),
            Base::Columns(i) => combined.get(i).filter(|_| weights(i) == Some(Weights::Columns)),
            Base::Bias(i) => vk.layers.get(i).map(|l| &l.bias),
            Base::Table(i) => vk.table.get(i),
        };
        found.copied().ok_or(Error::BadKey("claim refers to a missing commitment"))
    };
    let mut combos = Vec::with_capacity(list.len());
    let mut queries = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let combo = c.terms.iter().map(|(b, s)| Ok((commitment(*b)?, *s))).collect::<Result<Vec<_>, Error>>()?;
        combos.push(combo);
        let poly = u32::try_from(i).map_err(|_| Error::BadKey("too many claims"))?;
        queries.push(Query { poly, point: c.point, eval: c.value });
    }
    let mut batch = PairingBatch::new();
    verify_batch_combos(&vk.kzg, &mut t, &combos, &pts, &queries, &proof.opening, &mut batch)?;
    // deg Shift < D against every power the parameters' tau was published with.
    let shift = commitment(Base::Proof(layout.shift()))?;
    let weight = t.challenge(labels::MODEL_DEGREE_WEIGHT);
    add_degree_check(&vk.kzg, &vk.params.degree, shift, &proof.degree, weight, &mut batch);
    let pairings = batch.pairings();
    batch.check()?;
    Ok(ModelVerdict {
        model_digest: digest,
        scale_bits: vk.scale_bits,
        tokens: vk.tokens,
        input: proof.input.iter().map(|v| v.0).collect(),
        output: proof.output.iter().map(|v| v.0).collect(),
        output_sizes: vk.output_sizes(),
        pairings,
        srs_source: vk.params.source,
        name: vk.meta.name.clone(),
        labels: vk.meta.labels.clone(),
        input_shape: vk.meta.input_shape.clone(),
    })
}

/// The terms of `sum_j x_j [W^j]`, a layer's weight columns combined by the public input (signed
/// integers: a negative value's point is negated, so every scalar is as short as the input's
/// values).
fn times_input(columns: &[G1], input: &[super::Int]) -> Result<(Vec<G1>, Vec<Fr>), Error> {
    if columns.len() != input.len() {
        return Err(Error::BadKey("a layer reading the input without one weight column per input value"));
    }
    let (bases, scalars): (Vec<G1>, Vec<Fr>) = columns
        .iter()
        .zip(input)
        .map(|(p, x)| {
            let magnitude = Fr::from(u64::from(x.0.unsigned_abs()));
            match x.0 < 0 {
                true => (-*p, magnitude),
                false => (*p, magnitude),
            }
        })
        .unzip();
    Ok((bases, scalars))
}

/// Decodes a key and a proof from untrusted bytes and verifies.
pub fn verify_model_bytes(
    vk_bytes: &[u8],
    proof_bytes: &[u8],
    expected: Option<&Digest>,
) -> Result<ModelVerdict, Error> {
    let vk = ModelVerifyingKey::from_bytes(vk_bytes)?;
    let proof = ModelProof::from_artifact_bytes(proof_bytes)?;
    verify_model(&vk, &proof, expected)
}
