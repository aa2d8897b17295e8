//! The model verifying key: what a model owner publishes (`docs/protocols/mlp.md`, "Keys").

use alloc::vec::Vec;

use crate::codec::{Decode, Encode, Reader, Writer, G1_BYTES};
use crate::envelope::{Artifact, Kind};
use crate::error::{DecodeError, Error};
use crate::hex::Digest;
use crate::kzg::{SrsParams, VerifyingKey};
use crate::transcript::digest;
use crate::G1;

/// Largest table index width accepted (tables have at most `2^(B+2)` rows).
pub const MAX_TABLE_BITS: u32 = 20;
/// Largest padded layer side accepted (keeps verifier allocations bounded).
pub const MAX_SIDE: u32 = 1 << 20;
/// Most layers a key may have (keeps verification time bounded for keys from untrusted sources).
pub const MAX_LAYERS: usize = 1024;

/// One fully connected layer `z = W a + b`, then `q = round(z / 2^s)`, then ReLU unless it is the
/// last layer (whose `q` is the model output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerKey {
    /// Output size (rows of `W`).
    pub rows: u32,
    /// Input size (columns of `W`).
    pub cols: u32,
    /// Whether ReLU follows the rescaling.
    pub relu: bool,
    /// Hiding commitment to the weight polynomial `W(X) = sum_i L_i(X^n) W_i(X)`.
    pub weight: G1,
    /// Hiding commitment to the bias over `H_m` (scale `2^(2s)`).
    pub bias: G1,
}

impl Encode for LayerKey {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.rows);
        w.u32(self.cols);
        w.u8(u8::from(self.relu));
        w.put(&self.weight);
        w.put(&self.bias);
    }
}

impl Decode for LayerKey {
    const MIN_SIZE: usize = 9 + 2 * G1_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let rows = r.u32(what)?;
        let cols = r.u32(what)?;
        let relu = match r.u8(what)? {
            0 => false,
            1 => true,
            v => return Err(DecodeError::InvalidValue { what: "layer relu flag", value: u64::from(v) }),
        };
        Ok(Self { rows, cols, relu, weight: r.get(what)?, bias: r.get(what)? })
    }
}

/// Everything the verifier needs about a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVerifyingKey {
    pub kzg: VerifyingKey,
    /// Where the SRS came from and the points of the degree check (covered by the digest).
    pub params: SrsParams,
    /// `D`: the number of G1 powers the honest prover commits with (sizes the layout; soundness
    /// does not depend on it: degree bounds are checked against `params.degree`).
    pub srs_powers: u32,
    /// `s`: activations have scale `2^s`, accumulators `2^(2s)`.
    pub scale_bits: u32,
    /// `B`: ReLU inputs lie in `[2^B + 2^s - N, 2^B)` (see [`table_size`]).
    pub table_bits: u32,
    pub layers: Vec<LayerKey>,
    /// Commitments (unblinded, deterministic) to the table columns input, output and tag.
    pub table: [G1; 3],
}

impl ModelVerifyingKey {
    /// The model digest: what a model owner publishes and a verifier pins.
    pub fn digest(&self) -> Digest {
        digest(&self.to_artifact_bytes())
    }

    /// Decodes an enveloped key and validates it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let vk = Self::from_artifact_bytes(bytes)?;
        vk.validate()?;
        Ok(vk)
    }

    /// Number of model inputs (the first layer's columns).
    pub fn input_len(&self) -> usize {
        self.layers.first().map_or(0, |l| l.cols as usize)
    }

    /// Number of model outputs (the last layer's rows).
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, |l| l.rows as usize)
    }

    /// `N`: rows of the lookup table (ReLU rows, then remainder-range rows), padded to a power of two.
    pub fn table_size(&self) -> usize {
        table_size(self.scale_bits, self.table_bits)
    }

    /// Structural checks: a chain of layers whose sizes fit the key's SRS.
    pub fn validate(&self) -> Result<(), Error> {
        self.kzg.validate()?;
        self.params.degree.validate(&self.kzg)?;
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return Err(Error::BadKey("no layers, or more than 1024"));
        }
        if !(1..=MAX_TABLE_BITS).contains(&self.table_bits) || !(1..=self.table_bits).contains(&self.scale_bits) {
            return Err(Error::BadKey("scale or table bits out of range"));
        }
        let d = self.srs_powers as usize;
        if self.table_size() > d {
            return Err(Error::BadKey("table larger than the SRS"));
        }
        let last = self.layers.len() - 1;
        let mut prev_rows = None;
        for (i, l) in self.layers.iter().enumerate() {
            if l.rows == 0 || l.cols == 0 || l.rows > MAX_SIDE || l.cols > MAX_SIDE {
                return Err(Error::BadKey("layer size out of range"));
            }
            if prev_rows.is_some_and(|r| r != l.cols) {
                return Err(Error::BadKey("layer input size differs from the previous layer's output size"));
            }
            if l.relu != (i != last) {
                return Err(Error::BadKey("every layer but the last must end in ReLU"));
            }
            let (n, m) = (pow2(l.cols), pow2(l.rows));
            if n.saturating_mul(m) > d {
                return Err(Error::BadKey("layer larger than the SRS"));
            }
            prev_rows = Some(l.rows);
        }
        // After the size checks, which bound the layout's arithmetic.
        if self.params.degree.bound as usize != super::layout::required_degree_bound(self) {
            return Err(Error::BadKey("the degree check's bound is not the one the key's shape needs"));
        }
        Ok(())
    }
}

/// The smallest power of two `>= x` (at least 2, so every domain has a non-trivial generator).
pub fn pow2(x: u32) -> usize {
    (x as usize).max(2).next_power_of_two()
}

/// Table rows `N` for scale `s <= B` and bound `B`: `2^(B+1)` when `s + 3 <= B`, else `2^(B+2)`.
/// The last `2^s` rows are range rows; the others are ReLU rows for the inputs
/// `[2^B + 2^s - N, 2^B)`: at least `[-(2^B - 2^s), 2^B)`, all of `[-2^B, 2^B)` when `N = 2^(B+2)`.
pub fn table_size(scale_bits: u32, table_bits: u32) -> usize {
    if scale_bits + 3 <= table_bits {
        1usize << (table_bits + 1)
    } else {
        1usize << (table_bits + 2)
    }
}

impl Artifact for ModelVerifyingKey {
    const KIND: Kind = Kind::ModelVerifyingKey;

    fn encode_payload(&self, w: &mut Writer) {
        self.kzg.encode(w);
        w.put(&self.params);
        w.u32(self.srs_powers);
        w.u32(self.scale_bits);
        w.u32(self.table_bits);
        w.put(&self.layers);
        for t in &self.table {
            w.put(t);
        }
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            kzg: VerifyingKey::decode(r)?,
            params: r.get("vk srs parameters")?,
            srs_powers: r.u32("vk srs size")?,
            scale_bits: r.u32("vk scale bits")?,
            table_bits: r.u32("vk table bits")?,
            layers: r.vec("vk layer")?,
            table: [r.get("vk table")?, r.get("vk table")?, r.get("vk table")?],
        })
    }
}
