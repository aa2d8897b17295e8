//! The model proof: public input and output, the prover's commitments per round, the opened
//! evaluations and one batch opening (`docs/protocols/mlp.md`, "Wire format"). Commitments are
//! sent uncompressed: reading them needs no square roots, the main cost of decoding in WebAssembly.

use alloc::vec::Vec;

use crate::codec::{Decode, Encode, G1Uncompressed, Reader, Writer};
use crate::envelope::{Artifact, Kind};
use crate::error::DecodeError;
use crate::hex::Digest;
use crate::kzg::BatchOpeningProof;
use crate::{Fr, G1};

/// A quantised value as it travels in a proof (`i32`, little-endian two's complement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Int(pub i32);

impl Encode for Int {
    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.0.to_le_bytes());
    }
}

impl Decode for Int {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Int(i32::from_le_bytes(r.array(what)?)))
    }
}

impl Int {
    pub fn to_fr(self) -> Fr {
        Fr::from(i64::from(self.0))
    }
}

/// One inference of a model, proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelProof {
    /// Digest of the model verifying key the proof was made for.
    pub vk_digest: Digest,
    /// The quantised model input (scale `2^s`).
    pub input: Vec<Int>,
    /// The quantised model output (scale `2^s`).
    pub output: Vec<Int>,
    /// Round 1: accumulators, rescaled values, ReLU outputs, table multiplicities.
    pub round1: Vec<G1>,
    /// Round 2: partial weight evaluations, degree shifts, sums, lookup inverses.
    pub round2: Vec<G1>,
    /// Round 3: one quotient per constraint domain, then the combined degree shift.
    pub quotients: Vec<G1>,
    /// The opened evaluations, in layout order.
    pub evals: Vec<Fr>,
    pub opening: BatchOpeningProof,
}

impl Artifact for ModelProof {
    const KIND: Kind = Kind::ModelProof;

    fn encode_payload(&self, w: &mut Writer) {
        w.put(&self.vk_digest);
        w.put(&self.input);
        w.put(&self.output);
        for points in [&self.round1, &self.round2, &self.quotients] {
            let wire: Vec<G1Uncompressed> = points.iter().copied().map(G1Uncompressed).collect();
            w.put(&wire);
        }
        w.put(&self.evals);
        w.put(&self.opening);
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            vk_digest: r.get("proof vk digest")?,
            input: r.vec("proof input")?,
            output: r.vec("proof output")?,
            round1: points(r, "proof round-1 commitment")?,
            round2: points(r, "proof round-2 commitment")?,
            quotients: points(r, "proof quotient")?,
            evals: r.vec("proof evaluation")?,
            opening: r.get("proof opening")?,
        })
    }
}

/// Commitments travel uncompressed (see [`G1Uncompressed`]).
fn points(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<G1>, DecodeError> {
    Ok(r.vec::<G1Uncompressed>(what)?.into_iter().map(|p| p.0).collect())
}
