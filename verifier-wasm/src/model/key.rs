//! The model verifying key: what a model owner publishes (`docs/protocols/mlp.md`, "Keys").

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::codec::{Decode, Encode, G1Uncompressed, Reader, Writer, G1_BYTES};
use crate::envelope::{Artifact, Kind};
use crate::error::{DecodeError, Error};
use crate::hex::Digest;
use crate::kzg::{SrsParams, VerifyingKey};
use crate::transcript::digest;
use crate::G1;

pub use super::activation::Activation;
use super::blocks::{Block, Weights};
use super::proof::Int;

/// Largest table index width accepted (tables have sign and range rows and one section of
/// `2^(B+1)` rows per distinct tabulated activation, all within the key's SRS).
pub const MAX_TABLE_BITS: u32 = 20;
/// Largest padded layer side accepted (keeps verifier allocations bounded).
pub const MAX_SIDE: u32 = 1 << 20;
/// Most layers a key may have (keeps verification time bounded for keys from untrusted sources).
pub const MAX_LAYERS: usize = 1024;

/// Where a layer reads a tensor: the public model input, or an earlier hidden layer's output `A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Input,
    Layer(u32),
}

impl Source {
    /// Wire code: 0 for the input, `k + 1` for layer `k`.
    fn code(self) -> u32 {
        match self {
            Source::Input => 0,
            Source::Layer(k) => k.saturating_add(1),
        }
    }

    fn from_code(code: u32) -> Source {
        match code.checked_sub(1) {
            None => Source::Input,
            Some(k) => Source::Layer(k),
        }
    }

    /// Wire code of an optional source (a skip): 0 for none, then [`Source::code`] plus one.
    pub fn optional_code(s: Option<Source>) -> u32 {
        s.map_or(0, |s| s.code().saturating_add(1))
    }

    pub fn from_optional_code(code: u32) -> Option<Source> {
        code.checked_sub(1).map(Source::from_code)
    }
}

/// One fully connected layer `z = W a + b` on its input `a`, then `q = round(z / 2^s)`, then
/// `t = q + skip` when the layer has a skip (a residual connection), then its activation; an
/// output layer (no activation) publishes `t` (`docs/protocols/mlp.md`, "Statement").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerKey {
    /// Output size (rows of `W`).
    pub rows: u32,
    /// Input size (columns of `W`).
    pub cols: u32,
    /// What follows the rescaling: an activation on hidden layers, [`Activation::None`] on the
    /// output layers (which come last).
    pub act: Activation,
    /// The layer's input: the model input or an earlier hidden layer's output.
    pub input: Source,
    /// A tensor added after the rescaling (a residual connection), of `rows` values.
    pub skip: Option<Source>,
    /// The second operand of an element-wise product layer, `z = a * operand + b`
    /// (`docs/protocols/blocks/product.md`), or of a division `q = round(2^s a / operand)` when
    /// [`LayerKey::divide`] (`docs/protocols/blocks/divide.md`): such a layer has `rows == cols`
    /// and no weights.
    pub operand: Option<Source>,
    /// The operand divides instead of multiplying (only with an operand).
    pub divide: bool,
    /// The number of input rows one weight matrix of `rows / batch` rows and `cols / batch`
    /// columns is applied to (a sequence's tokens): the layer computes the block-diagonal
    /// repetition of that matrix, and the key holds one commitment per row of the shared matrix,
    /// replicated over the input rows (`docs/protocols/blocks/matmul.md`, "Shared weights").
    /// 1 for a layer with its own weight per row; more only on a matmul of an earlier layer with
    /// hidden weights.
    pub batch: u32,
    /// Hiding commitments to the weights (none on a product layer). A layer reading an earlier layer has one per row,
    /// `W_i(X) = sum_j W_ij L_j(X)` over `H_n`, which the verifier combines into the matmul's
    /// `V = sum_i e_i W_i` itself (`docs/protocols/blocks/matmul.md`); a layer reading the public
    /// input has one per column, `W^j(X) = sum_i W_ij L_i(X)` over `H_m`, which the verifier
    /// combines into `W x` (`docs/protocols/blocks/public_matmul.md`). Sent uncompressed: a key
    /// has one per row or column, and decoding a compressed point costs a square root (about
    /// 50 µs in WebAssembly).
    pub weights: Vec<G1>,
    /// Weights the model's lowering chose rather than the model (selections, transposes, sums,
    /// means, masks, pooling windows, max tournaments), published in clear instead of committed,
    /// on a layer reading an earlier layer: the verifier evaluates their combination `V` at `zeta`
    /// itself (`docs/protocols/blocks/matmul.md`, "Public weights"). `None`: hidden weights.
    pub public: Option<Vec<PublicWeight>>,
    /// Hiding commitment to the bias over `H_m` (scale `2^(2s)`).
    pub bias: G1,
}

/// A run of published weights of a layer with public weights: `W[row][col + k] = value`
/// (scale `2^s`) for `k < len`. Structural rows are runs (a mean's row is one run of `1/n`, a
/// selection's one entry), so a key stores and a verifier reads a run, not its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicWeight {
    pub row: u32,
    pub col: u32,
    pub len: u32,
    pub value: Int,
}

impl Encode for PublicWeight {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.row);
        w.u32(self.col);
        w.u32(self.len);
        w.put(&self.value);
    }
}

impl Decode for PublicWeight {
    const MIN_SIZE: usize = 16;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Self { row: r.u32(what)?, col: r.u32(what)?, len: r.u32(what)?, value: r.get(what)? })
    }
}

impl LayerKey {
    /// The layer's first block, which computes its accumulator `z` ([`Block::first`]).
    pub fn first_block(&self) -> Block {
        Block::first(self.input, self.operand, self.divide)
    }

    /// The number of weight commitments the layer has: its columns when it reads the public input,
    /// its rows after an earlier layer, none for a product, a division or public weights.
    pub fn weight_commitments(&self) -> usize {
        if self.public.is_some() {
            return 0;
        }
        match self.first_block().weights() {
            Weights::Columns => self.cols as usize,
            Weights::None => 0,
            Weights::Rows => (self.rows / self.batch.max(1)) as usize,
        }
    }
}

/// Public weights: only on a layer reading an earlier layer (the fixed-weight matmul); runs that
/// are not empty, inside the layer, in increasing order without overlaps.
fn check_public(l: &LayerKey, p: &[PublicWeight]) -> Result<(), Error> {
    let end = |w: &PublicWeight| w.col.checked_add(w.len);
    let inside = p.iter().all(|w| w.len > 0 && w.row < l.rows && end(w).is_some_and(|e| e <= l.cols));
    let increasing =
        p.iter().zip(p.iter().skip(1)).all(|(a, b)| a.row < b.row || (a.row == b.row && end(a) <= Some(b.col)));
    match (l.first_block().weights() == Weights::Rows, inside && increasing) {
        (false, _) => Err(Error::BadKey("public weights on a layer other than a matmul of an earlier layer")),
        (true, false) => Err(Error::BadKey("public weights outside their layer or out of order")),
        (true, true) => Ok(()),
    }
}

impl Encode for LayerKey {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.rows);
        w.u32(self.cols);
        self.act.encode(w);
        w.u32(self.input.code());
        w.u32(Source::optional_code(self.skip));
        w.u32(Source::optional_code(self.operand));
        w.u8(u8::from(self.divide));
        w.u32(self.batch);
        w.put(&self.weights.iter().copied().map(G1Uncompressed).collect::<Vec<_>>());
        match &self.public {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                w.put(p);
            }
        }
        w.put(&self.bias);
    }
}

impl Decode for LayerKey {
    const MIN_SIZE: usize = 9 + 13 + 4 + 4 + 1 + G1_BYTES;
    fn decode(r: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let rows = r.u32(what)?;
        let cols = r.u32(what)?;
        let act = Activation::decode(r)?;
        let input = Source::from_code(r.u32(what)?);
        let skip = Source::from_optional_code(r.u32(what)?);
        let operand = Source::from_optional_code(r.u32(what)?);
        let divide = match r.u8(what)? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Invalid { what, reason: "a division flag other than 0 or 1" }),
        };
        let batch = r.u32(what)?;
        let weights = r.vec::<G1Uncompressed>("vk weight commitments")?.into_iter().map(|p| p.0).collect();
        let public = match r.u8(what)? {
            0 => None,
            1 => Some(r.vec("vk public weights")?),
            _ => return Err(DecodeError::Invalid { what, reason: "a public-weights flag other than 0 or 1" }),
        };
        Ok(Self { rows, cols, act, input, skip, operand, divide, batch, weights, public, bias: r.get(what)? })
    }
}

/// Longest model name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest class label accepted, in bytes.
pub const MAX_LABEL_BYTES: usize = 64;
/// Most dimensions an input shape may have.
pub const MAX_SHAPE_DIMS: usize = 8;

/// What a person reads about a model: its name, the labels of its output classes and the shape of
/// its input. Covered by the digest like everything else in the key, so a page that shows "class
/// 7: seven" shows what the owner published; none of it enters the proof.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelMeta {
    /// The model's name (the ONNX file's stem unless the owner chose another).
    pub name: String,
    /// One label per output value, or none.
    pub labels: Vec<String>,
    /// The ONNX shape of the input (its product is the input length), or empty when unknown.
    pub input_shape: Vec<u32>,
}

impl ModelMeta {
    /// Checks the meta against the model's input and output lengths.
    pub fn validate(&self, input_len: usize, output_len: usize) -> Result<(), Error> {
        if self.name.len() > MAX_NAME_BYTES || self.name.chars().any(char::is_control) {
            return Err(Error::BadKey("the model name is longer than 128 bytes or holds control characters"));
        }
        if !self.labels.is_empty() && self.labels.len() != output_len {
            return Err(Error::BadKey("the key has labels, but not one per output"));
        }
        if self.labels.iter().any(|l| l.len() > MAX_LABEL_BYTES || l.chars().any(char::is_control)) {
            return Err(Error::BadKey("a label is longer than 64 bytes or holds control characters"));
        }
        if self.input_shape.len() > MAX_SHAPE_DIMS {
            return Err(Error::BadKey("the input shape has more than 8 dimensions"));
        }
        if !self.input_shape.is_empty() {
            let product = self.input_shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
            if product != Some(input_len) {
                return Err(Error::BadKey("the input shape does not hold the model's input length"));
            }
        }
        Ok(())
    }
}

impl Encode for ModelMeta {
    fn encode(&self, w: &mut Writer) {
        w.str(&self.name);
        w.len(self.labels.len());
        for l in &self.labels {
            w.str(l);
        }
        w.put(&self.input_shape);
    }
}

impl Decode for ModelMeta {
    const MIN_SIZE: usize = 12;
    fn decode(r: &mut Reader<'_>, _what: &'static str) -> Result<Self, DecodeError> {
        let name = r.str(MAX_NAME_BYTES, "vk model name")?.to_string();
        let n = r.len(4, "vk labels")?;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            labels.push(r.str(MAX_LABEL_BYTES, "vk label")?.to_string());
        }
        let input_shape: Vec<u32> = r.vec("vk input shape")?;
        if input_shape.len() > MAX_SHAPE_DIMS {
            return Err(DecodeError::LengthTooLarge {
                what: "vk input shape",
                len: input_shape.len() as u64,
                max: MAX_SHAPE_DIMS as u64,
            });
        }
        Ok(Self { name, labels, input_shape })
    }
}

/// Everything the verifier needs about a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVerifyingKey {
    /// Name, class labels and input shape, for people (covered by the digest, unused by the proof).
    pub meta: ModelMeta,
    pub kzg: VerifyingKey,
    /// Where the SRS came from and the points of the degree check (covered by the digest).
    pub params: SrsParams,
    /// `D`: the number of G1 powers the honest prover commits with (sizes the layout; soundness
    /// does not depend on it: degree bounds are checked against `params.degree`).
    pub srs_powers: u32,
    /// `s`: activations have scale `2^s`, accumulators `2^(2s)`.
    pub scale_bits: u32,
    /// `B`: ReLU inputs lie in `[-2^B, 2^B)` (see [`table_size`]).
    pub table_bits: u32,
    /// `V`: the input is token ids below `V`, which the model reads as their one-hot rows
    /// ([`ModelVerifyingKey::model_input`]); 0 for an input of quantised values.
    pub tokens: u32,
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

    /// Number of values a proof's input holds: token ids when the key takes tokens, else the
    /// model's own input values.
    pub fn input_len(&self) -> usize {
        match self.tokens {
            0 => self.model_input_len(),
            v => self.model_input_len() / v as usize,
        }
    }

    /// Number of values the layers read as the model input (the first layer's columns; the first
    /// layer reads the input): for tokens, `V` per id.
    pub fn model_input_len(&self) -> usize {
        self.layers.first().map_or(0, |l| l.cols as usize)
    }

    /// The values the layers read for a proof's `input`: the input itself, or for tokens each
    /// id's one-hot row of `V` values, `2^s` at the id and 0 elsewhere (the one at scale `2^s`).
    /// An input of another length than [`Self::input_len`] is [`Error::ProofShape`], an id
    /// outside `[0, V)` [`Error::TokenOutOfRange`].
    pub fn model_input(&self, input: &[Int]) -> Result<Vec<Int>, Error> {
        if input.len() != self.input_len() {
            return Err(Error::ProofShape { what: "input values", expected: self.input_len(), found: input.len() });
        }
        let v = self.tokens as usize;
        if v == 0 {
            return Ok(input.to_vec());
        }
        let one = 1i64.checked_shl(self.scale_bits).and_then(|v| i32::try_from(v).ok());
        let one = Int(one.ok_or(Error::BadKey("scale bits out of range"))?);
        let mut out = alloc::vec![Int(0); self.model_input_len()];
        for (index, (id, row)) in input.iter().zip(out.chunks_mut(v)).enumerate() {
            let cell = usize::try_from(id.0).ok().and_then(|i| row.get_mut(i));
            *cell.ok_or(Error::TokenOutOfRange { index, value: id.0, vocab: self.tokens })? = one;
        }
        Ok(out)
    }

    /// Number of model outputs: the rows of every output layer, in layer order.
    pub fn output_len(&self) -> usize {
        self.layers.iter().filter(|l| !l.act.hidden()).map(|l| l.rows as usize).sum()
    }

    /// The number of values of each output layer, in the order they appear in the output.
    pub fn output_sizes(&self) -> Vec<usize> {
        self.layers.iter().filter(|l| !l.act.hidden()).map(|l| l.rows as usize).collect()
    }

    /// The output layers' indices, in the order their values appear in the output.
    pub fn output_layers(&self) -> Vec<usize> {
        self.layers.iter().enumerate().filter(|(_, l)| !l.act.hidden()).map(|(i, _)| i).collect()
    }

    /// `N`: rows of the lookup table (sign rows, range rows, one section per tabulated activation
    /// the model uses), padded to a power of two.
    pub fn table_size(&self) -> usize {
        table_size(self.scale_bits, self.table_bits, self.table_sections().len())
    }

    /// The tabulated activations the model uses, in the order of their table sections.
    pub fn table_sections(&self) -> Vec<Activation> {
        table_sections(self.layers.iter().map(|l| l.act))
    }

    /// Structural checks: a graph of layers (sources, skips, output layers last) whose sizes fit the
    /// key's SRS.
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
        // Token ids index one-hot rows of `V` values (at most one layer side) at scale `2^s < 2^31`.
        let model_input_len = self.model_input_len();
        if self.tokens > MAX_SIDE || (self.tokens > 0 && model_input_len % self.tokens as usize != 0) {
            return Err(Error::BadKey("the token vocabulary does not divide the input, or exceeds 2^20"));
        }
        let mut used = alloc::vec![false; self.layers.len()];
        let input_len = model_input_len;
        for (i, l) in self.layers.iter().enumerate() {
            if l.rows == 0 || l.cols == 0 || l.rows > MAX_SIDE || l.cols > MAX_SIDE {
                return Err(Error::BadKey("layer size out of range"));
            }
            // A source is the input or an earlier hidden layer; its size must fit.
            let size = |src: Source, used: &mut [bool]| -> Result<usize, Error> {
                match src {
                    Source::Input => Ok(input_len),
                    Source::Layer(k) => {
                        let k = k as usize;
                        let src =
                            self.layers.get(k).filter(|_| k < i).ok_or(Error::BadKey("a layer reads a later layer"))?;
                        if !src.act.hidden() {
                            return Err(Error::BadKey("a layer reads an output layer"));
                        }
                        if let Some(u) = used.get_mut(k) {
                            *u = true;
                        }
                        Ok(src.rows as usize)
                    }
                }
            };
            if i == 0 && l.input != Source::Input {
                return Err(Error::BadKey("the first layer must read the model input"));
            }
            if size(l.input, &mut used)? != l.cols as usize {
                return Err(Error::BadKey("layer input size differs from its source's size"));
            }
            if let Some(skip) = l.skip {
                if size(skip, &mut used)? != l.rows as usize {
                    return Err(Error::BadKey("a skip's size differs from its layer's output size"));
                }
            }
            if let Some(operand) = l.operand {
                if l.rows != l.cols || size(operand, &mut used)? != l.rows as usize {
                    return Err(Error::BadKey("a product's operands and output differ in size"));
                }
            }
            if l.divide && l.operand.is_none() {
                return Err(Error::BadKey("a division without its divisor"));
            }
            // Output layers (no activation) come after every hidden layer.
            let later_hidden = self.layers.get(i + 1..).is_some_and(|rest| rest.iter().any(|x| x.act.hidden()));
            if !l.act.hidden() && later_hidden {
                return Err(Error::BadKey("every layer but the output layers must end in an activation"));
            }
            if !l.act.params_valid() {
                return Err(Error::BadKey("activation parameters out of range (|p| <= 2^20, finite, lo <= hi)"));
            }
            let shared = l.first_block().weights() == Weights::Rows && l.public.is_none();
            let divides = l.batch > 0 && l.rows % l.batch.max(1) == 0 && l.cols % l.batch.max(1) == 0;
            if !divides || (l.batch > 1 && !shared) {
                return Err(Error::BadKey(
                    "a layer's batch is 0, does not divide its sides, or is on a layer other than a matmul of an \
                     earlier layer with hidden weights",
                ));
            }
            if l.weights.len() != l.weight_commitments() {
                return Err(Error::BadKey(
                    "a layer does not have one weight commitment per row (per column when it reads the input, none \
                     for a product or public weights)",
                ));
            }
            if let Some(p) = &l.public {
                check_public(l, p)?;
            }
            // A shared layer's M1 has three factors: its quotient is twice its input side.
            let quotient = if l.batch > 1 { pow2(l.cols).saturating_mul(2) } else { 0 };
            if pow2(l.cols).max(pow2(l.rows)).max(quotient) > d {
                return Err(Error::BadKey("layer larger than the SRS"));
            }
        }
        if self.layers.last().is_some_and(|l| l.act.hidden()) {
            return Err(Error::BadKey("every layer but the output layers must end in an activation"));
        }
        if self.layers.iter().zip(&used).any(|(l, &u)| l.act.hidden() && !u) {
            return Err(Error::BadKey("a hidden layer's output is not used"));
        }
        // A skip's source must be zero on padded rows, where every `q` is 0: the input, or a
        // layer whose activation maps 0 to 0 (`Activation::keeps_zero`) and whose own skip is
        // such a source.
        // (An output layer publishes only its real rows, so its padded `t = q + skip` must be 0.)
        // A product's padded rows are zero when one operand's are (the product block reads both
        // operands on every row of `H_m`).
        let mut zero_padded = alloc::vec![true; self.layers.len()];
        for (i, l) in self.layers.iter().enumerate() {
            let zero = |s: Source| match s {
                Source::Input => true,
                Source::Layer(k) => zero_padded.get(k as usize).copied().unwrap_or(false),
            };
            if !l.skip.is_none_or(zero) {
                return Err(Error::BadKey(
                    "a skip's source is not zero on padded rows (its activation maps 0 elsewhere)",
                ));
            }
            // What the first block needs of its two operands on padded rows (`Block::padded_rows`).
            if let Some(o) = l.operand {
                l.first_block().padded_rows(zero(l.input), zero(o)).map_err(Error::BadKey)?;
            }
            if let Some(z) = zero_padded.get_mut(i) {
                *z = l.act.keeps_zero();
            }
        }
        self.meta.validate(self.input_len(), self.output_len())?;
        // After the size checks, which bound the layout's arithmetic.
        if self.params.degree.bound as usize != super::layout::required_degree_bound(self) {
            return Err(Error::BadKey("the degree check's bound is not the one the key's shape needs"));
        }
        Ok(())
    }
}

/// The smallest power of two `>= x` (at least 2, so every domain has a non-trivial generator).
pub fn pow2(x: u32) -> usize {
    // Saturates where the power does not fit a `usize` (wasm32): such sizes fail validation.
    usize::try_from(x).unwrap_or(usize::MAX).max(2).checked_next_power_of_two().unwrap_or(usize::MAX)
}

/// The tabulated activations among `acts`, once each, in the order of their table sections
/// (ascending in the derived order: by code, then by the parameters' `f32` bits as unsigned
/// integers, so not numerically for negative values; any fixed order serves).
pub fn table_sections(acts: impl IntoIterator<Item = Activation>) -> Vec<Activation> {
    let mut used: Vec<Activation> = acts.into_iter().filter(|a| a.tabulated()).collect();
    used.sort_unstable();
    used.dedup();
    used
}

/// Table rows `N` for scale `s <= B`, bound `B` and `sections` tabulated activations: the sign
/// rows `(h, [h >= 0], 0)` for `h in [-2^(B-s), 2^(B-s))`, the range rows `(k, 0, 1)` for
/// `k in [0, 2^s)`, then per section the rows `(x, f(x), tag)` for `x in [-2^B, 2^B)`, padded with
/// copies of the range row `(0, 0, 1)` to `N = pow2(2^(B-s+1) + 2^s + sections 2^(B+1))` rows.
pub fn table_size(scale_bits: u32, table_bits: u32, sections: usize) -> usize {
    // Checked shifts: a key with bits out of range gets a size no SRS holds, which validation
    // rejects, rather than a wrapped shift or a panic.
    let sign = table_bits.checked_sub(scale_bits).and_then(|k| 1usize.checked_shl(k + 1));
    let range = 1usize.checked_shl(scale_bits);
    let section = table_bits.checked_add(1).and_then(|k| 1usize.checked_shl(k)).and_then(|r| r.checked_mul(sections));
    match (sign, range, section) {
        (Some(a), Some(b), Some(c)) => {
            a.saturating_add(b).saturating_add(c).checked_next_power_of_two().unwrap_or(usize::MAX)
        }
        _ => usize::MAX,
    }
}

impl Artifact for ModelVerifyingKey {
    const KIND: Kind = Kind::ModelVerifyingKey;

    fn encode_payload(&self, w: &mut Writer) {
        w.put(&self.meta);
        self.kzg.encode(w);
        w.put(&self.params);
        w.u32(self.srs_powers);
        w.u32(self.scale_bits);
        w.u32(self.table_bits);
        w.u32(self.tokens);
        w.put(&self.layers);
        for t in &self.table {
            w.put(t);
        }
    }

    fn decode_payload(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            meta: r.get("vk meta")?,
            kzg: VerifyingKey::decode(r)?,
            params: r.get("vk srs parameters")?,
            srs_powers: r.u32("vk srs size")?,
            scale_bits: r.u32("vk scale bits")?,
            table_bits: r.u32("vk table bits")?,
            tokens: r.u32("vk token vocabulary")?,
            layers: r.vec("vk layer")?,
            table: [r.get("vk table")?, r.get("vk table")?, r.get("vk table")?],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;

    #[test]
    fn public_weights_round_trip_and_their_flag_is_checked() {
        let run = |row, col, len, value| PublicWeight { row, col, len, value: Int(value) };
        let mut layer = LayerKey {
            rows: 2,
            cols: 3,
            act: Activation::Relu,
            input: Source::Layer(0),
            skip: None,
            operand: None,
            divide: false,
            batch: 1,
            weights: Vec::new(),
            public: Some(alloc::vec![run(0, 0, 3, 5), run(1, 1, 1, -7)]),
            bias: G1::generator(),
        };
        for public in [layer.public.clone(), None] {
            layer.public = public;
            let mut w = Writer::new();
            layer.encode(&mut w);
            let bytes = w.into_bytes();
            assert_eq!(Reader::new(&bytes).get::<LayerKey>("layer"), Ok(layer.clone()));
            if layer.public.is_none() {
                // The flag sits right before the bias: 0 or 1, nothing else.
                let mut bad = bytes.clone();
                let at = bad.len() - crate::codec::G1_BYTES - 1;
                assert_eq!(bad[at], 0);
                bad[at] = 2;
                let want = DecodeError::Invalid { what: "layer", reason: "a public-weights flag other than 0 or 1" };
                assert_eq!(Reader::new(&bad).get::<LayerKey>("layer"), Err(want));
            }
        }
    }

    #[test]
    fn sizes_saturate_instead_of_overflowing() {
        assert_eq!(pow2(0), 2);
        assert_eq!(pow2(5), 8);
        assert_eq!(pow2(u32::MAX), (u32::MAX as usize).checked_next_power_of_two().unwrap_or(usize::MAX));
        // 2^8 sign rows and 2^7 range rows; 2^2 and 2^13; 2^15 and 2^1.
        assert_eq!(table_size(7, 14, 0), 1 << 9);
        assert_eq!(table_size(13, 14, 0), 1 << 14);
        assert_eq!(table_size(1, 14, 0), 1 << 15);
        assert_eq!(table_size(14, 14, 0), 1 << 15);
        // One tabulated activation: 2^15 more rows; three: 3 * 2^15 more.
        assert_eq!(table_size(7, 14, 1), 1 << 16);
        assert_eq!(table_size(7, 14, 3), 1 << 17);
        for (s, b, k) in [(u32::MAX, u32::MAX, 0), (0, 200, 1), (u32::MAX, 3, 3), (3, 63, usize::MAX)] {
            let _ = table_size(s, b, k); // no panic
        }
    }

    #[test]
    fn meta_round_trips_and_is_checked() {
        let meta = ModelMeta {
            name: "mnist".into(),
            labels: (0..3).map(|i| alloc::format!("class {i}")).collect(),
            input_shape: alloc::vec![1, 3],
        };
        let bytes = meta.to_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(ModelMeta::decode(&mut r, "meta").unwrap(), meta);
        assert_eq!(meta.validate(3, 3), Ok(()));
        assert_eq!(meta.validate(4, 3), Err(Error::BadKey("the input shape does not hold the model's input length")));
        assert_eq!(meta.validate(3, 2), Err(Error::BadKey("the key has labels, but not one per output")));
        let bad = ModelMeta { name: "a\nb".into(), ..meta.clone() };
        assert!(matches!(bad.validate(3, 3), Err(Error::BadKey(_))));
        // Strings longer than their limit, or not UTF-8, do not decode.
        let long = ModelMeta { name: "x".repeat(MAX_NAME_BYTES + 1), ..ModelMeta::default() };
        let bytes = long.to_bytes();
        assert!(matches!(
            ModelMeta::decode(&mut Reader::new(&bytes), "meta"),
            Err(DecodeError::LengthTooLarge { what: "vk model name", .. })
        ));
        let mut w = Writer::new();
        w.len(2);
        w.bytes(&[0xff, 0xfe]);
        w.len(0);
        w.len(0);
        let bytes = w.into_bytes();
        assert_eq!(
            ModelMeta::decode(&mut Reader::new(&bytes), "meta"),
            Err(DecodeError::Invalid { what: "vk model name", reason: "not UTF-8" })
        );
    }
}
