//! The model proof: public input and output, the prover's commitments per round, the opened
//! evaluations and one batch opening (`docs/protocols/mlp.md`, "Wire format"). The accumulated
//! proof (kind 7), the succinct artifact, sends its commitments compressed (32 bytes each); the
//! per-layer proof (kind 6), kept for comparison and debugging, sends them uncompressed (64
//! bytes), which spares the square root that decoding a compressed point costs.

use alloc::vec;
use alloc::vec::Vec;

use super::layout::Mode;
use crate::codec::{Decode, Encode, G1Uncompressed, Reader, Writer};
use crate::envelope::{finish, open, writer, Artifact, Kind};
use crate::error::DecodeError;
use crate::hex::Digest;
use crate::kzg::{BatchOpeningProof, DegreeProof};
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
    /// Per-layer proofs (kind 6) or accumulated proofs (kind 7, with the two sections below).
    pub mode: Mode,
    /// Accumulated proofs: one packed cross term per fold, in layout order.
    pub folds: Vec<G1>,
    /// Accumulated proofs: per fold class, the accumulator's witness and error components.
    pub decider: Vec<G1>,
    /// Round 3: one quotient per constraint domain, then the combined degree shift.
    pub quotients: Vec<G1>,
    /// The shift's degree check (`kzg::add_degree_check`).
    pub degree: DegreeProof,
    /// The opened evaluations, in layout order.
    pub evals: Vec<Fr>,
    pub opening: BatchOpeningProof,
}

impl ModelProof {
    /// The envelope kind of this proof's mode.
    pub fn kind(&self) -> Kind {
        Self::kind_of(self.mode)
    }

    /// The envelope kind of proofs of `mode`.
    pub fn kind_of(mode: Mode) -> Kind {
        match mode {
            Mode::PerLayer => Kind::ModelProof,
            Mode::Accumulated => Kind::AccumulatedModelProof,
        }
    }

    fn encode(&self, w: &mut Writer) {
        self.encode_sections(w, |_, _| {});
    }

    /// Writes the payload, calling `mark(section, bytes)` after each section with its size.
    fn encode_sections(&self, w: &mut Writer, mut mark: impl FnMut(&'static str, usize)) {
        let mut at = w.written();
        let mut end = |w: &Writer, name| {
            mark(name, w.written() - at);
            at = w.written();
        };
        w.put(&self.vk_digest);
        end(w, "digest");
        w.put(&self.input);
        w.put(&self.output);
        end(w, "public_values");
        let mut sections = vec![("round1", &self.round1), ("round2", &self.round2)];
        if self.mode == Mode::Accumulated {
            sections.extend([("cross_terms", &self.folds), ("accumulators", &self.decider)]);
        }
        sections.push(("quotients", &self.quotients));
        for (name, points) in sections {
            match self.mode {
                Mode::PerLayer => w.put(&points.iter().copied().map(G1Uncompressed).collect::<Vec<_>>()),
                Mode::Accumulated => w.put(points),
            }
            end(w, name);
        }
        w.put(&self.degree);
        end(w, "degree");
        w.put(&self.evals);
        end(w, "evaluations");
        w.put(&self.opening);
        end(w, "opening");
    }

    /// Bytes of each section of the enveloped encoding, in order (`header_and_digest`,
    /// `public_values`, `round1`, `round2`, [`cross_terms`, `accumulators`,] `quotients`,
    /// `degree`, `evaluations`, `opening`); they add up to the artifact's size.
    pub fn section_sizes(&self) -> Vec<(&'static str, usize)> {
        let mut out = Vec::new();
        let mut w = writer(self.kind());
        let header = w.written();
        self.encode_sections(&mut w, |name, bytes| match name {
            "digest" => out.push(("header_and_digest", header + bytes)),
            _ => out.push((name, bytes)),
        });
        out
    }

    fn decode(r: &mut Reader<'_>, mode: Mode) -> Result<Self, DecodeError> {
        let (vk_digest, input, output) = (r.get("proof vk digest")?, r.vec("proof input")?, r.vec("proof output")?);
        let round1 = points(r, mode, "proof round-1 commitment")?;
        let round2 = points(r, mode, "proof round-2 commitment")?;
        let (folds, decider) = match mode {
            Mode::PerLayer => (Vec::new(), Vec::new()),
            Mode::Accumulated => (points(r, mode, "proof cross term")?, points(r, mode, "proof decider commitment")?),
        };
        Ok(Self {
            vk_digest,
            input,
            output,
            round1,
            round2,
            mode,
            folds,
            decider,
            quotients: points(r, mode, "proof quotient")?,
            degree: r.get("proof degree check")?,
            evals: r.vec("proof evaluation")?,
            opening: r.get("proof opening")?,
        })
    }
}

/// A model proof of either mode: the envelope kind says which (6 per-layer, 7 accumulated).
impl Artifact for ModelProof {
    const KIND: Kind = Kind::ModelProof;

    fn encode_payload(&self, w: &mut Writer) {
        self.encode(w);
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::decode(r, Mode::PerLayer)
    }

    fn to_artifact_bytes(&self) -> Vec<u8> {
        let mut w = writer(self.kind());
        self.encode(&mut w);
        finish(w)
    }

    fn from_artifact_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (kind, mut r) = open(bytes)?;
        let mode = match kind {
            Kind::ModelProof => Mode::PerLayer,
            Kind::AccumulatedModelProof => Mode::Accumulated,
            found => return Err(DecodeError::WrongKind { expected: Kind::ModelProof, found }),
        };
        let v = Self::decode(&mut r, mode)?;
        r.finish(kind.name())?;
        Ok(v)
    }
}

/// A section of commitments: uncompressed in per-layer proofs (see [`G1Uncompressed`]),
/// compressed in accumulated ones. Both decodings check the curve equation (G1 of BN254 has
/// cofactor 1, so that is the subgroup check too) and the canonical encoding.
fn points(r: &mut Reader<'_>, mode: Mode, what: &'static str) -> Result<Vec<G1>, DecodeError> {
    match mode {
        Mode::PerLayer => Ok(r.vec::<G1Uncompressed>(what)?.into_iter().map(|p| p.0).collect()),
        Mode::Accumulated => r.vec::<G1>(what),
    }
}
