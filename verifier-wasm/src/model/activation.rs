//! What follows a layer's rescaling: a closed set of activations, each with the way the proof
//! checks it (`docs/protocols/mlp.md`, "Tabulated activations").

use alloc::vec::Vec;

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;

/// A real parameter of an activation (a bound, a slope), kept as the bits of the `f32` the ONNX
/// model holds, so that keys compare, hash and encode exactly. Decoding accepts finite values only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Param(pub u32);

impl Param {
    /// The parameter `v`, with `-0.0` written as `0.0` (one encoding per value).
    pub fn new(v: f32) -> Param {
        Param((v + 0.0).to_bits())
    }

    pub fn get(self) -> f32 {
        f32::from_bits(self.0)
    }
}

/// The activation after a layer's rescaling `q = round(z / 2^s)`. Values are fixed point at scale
/// `2^s` on both sides: a tabulated activation maps `q` to `round(2^s f(q / 2^s))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activation {
    /// Nothing: the last layer, whose `q` is the model output.
    None,
    /// `max(q, 0)`, through the split `q = 2^s h + l`: a sign row for `h`, a range row for `l`,
    /// and `a = σ q`.
    Relu,
    /// The logistic function `1 / (1 + e^-x)`, tabulated.
    Sigmoid,
    /// `tanh x`, tabulated.
    Tanh,
    /// The exact GELU `x (1 + erf(x / √2)) / 2`, tabulated.
    Gelu,
    /// `min(max(x, lo), hi)` with `lo <= hi` (ONNX `Clip`; ReLU6 is `lo = 0, hi = 6`), tabulated.
    Clip { lo: Param, hi: Param },
    /// `x` for `x >= 0`, `alpha x` below (ONNX `LeakyRelu`), tabulated.
    LeakyRelu { alpha: Param },
    /// `max(0, min(1, alpha x + beta))` (ONNX `HardSigmoid`), tabulated.
    HardSigmoid { alpha: Param, beta: Param },
    /// `x max(0, min(1, x / 6 + 1/2))` (ONNX `HardSwish`), tabulated.
    HardSwish,
    /// `x` itself, on a hidden layer: a Linear output (with its residual) read as a value, by a
    /// Linear layer or an Add (a linear bottleneck, MobileNetV2's), committed like any hidden
    /// layer's. Tabulated: the lookup of `(t, t, tag)` also keeps `t` in the table's range.
    Identity,
    /// `x / (1 + e^-x)` (SiLU, or Swish: `Mul(x, Sigmoid(x))` in an export), tabulated.
    Silu,
    /// `e^min(x, 0)`: a softmax's exponential, whose inputs are `x - max <= 0` (the quantiser
    /// refuses a positive input, so the clamp never applies to an honest witness), tabulated.
    Exp,
    /// `sqrt(max(x, 0))` (ONNX `Sqrt`; the quantiser refuses a negative input), tabulated.
    Sqrt,
    /// `1 / sqrt(max(x, 2^-s))` (a layer norm's reciprocal standard deviation: a variance below
    /// one step counts as one step; the quantiser refuses a negative input), tabulated.
    Rsqrt,
    /// The tanh approximation of GELU, `x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2` (GPT-2's
    /// `gelu_new`, ONNX `Gelu` with `approximate="tanh"`), tabulated.
    GeluTanh,
}

impl Activation {
    /// The activations without parameters, by code.
    pub const PLAIN: [Activation; 12] = [
        Activation::None,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Gelu,
        Activation::HardSwish,
        Activation::Identity,
        Activation::Silu,
        Activation::Exp,
        Activation::Sqrt,
        Activation::Rsqrt,
        Activation::GeluTanh,
    ];

    /// The wire code (the verifying key's byte per layer; 0 and 1 are the former ReLU flag),
    /// followed on the wire by the parameters ([`Activation::encode`]).
    pub fn code(self) -> u8 {
        match self {
            Activation::None => 0,
            Activation::Relu => 1,
            Activation::Sigmoid => 2,
            Activation::Tanh => 3,
            Activation::Gelu => 4,
            Activation::Clip { .. } => 5,
            Activation::LeakyRelu { .. } => 6,
            Activation::HardSigmoid { .. } => 7,
            Activation::HardSwish => 8,
            Activation::Identity => 9,
            Activation::Silu => 10,
            Activation::Exp => 11,
            Activation::Sqrt => 12,
            Activation::Rsqrt => 13,
            Activation::GeluTanh => 14,
        }
    }

    /// The code, then each parameter's `f32` bits (u32 LE).
    pub fn encode(self, w: &mut Writer) {
        w.u8(self.code());
        match self {
            Activation::Clip { lo, hi } => {
                w.u32(lo.0);
                w.u32(hi.0);
            }
            Activation::LeakyRelu { alpha } => w.u32(alpha.0),
            Activation::HardSigmoid { alpha, beta } => {
                w.u32(alpha.0);
                w.u32(beta.0);
            }
            _ => {}
        }
    }

    /// Reads what [`Activation::encode`] writes: a known code, finite parameters, `lo <= hi`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Activation, DecodeError> {
        let code = r.u8("layer activation")?;
        let mut param = || -> Result<Param, DecodeError> {
            let bits = r.u32("activation parameter")?;
            // Finite, and `0.0` never written as `-0.0`: one encoding per key.
            match f32::from_bits(bits).is_finite() && bits != 0x8000_0000 {
                true => Ok(Param(bits)),
                false => Err(DecodeError::InvalidValue { what: "activation parameter", value: u64::from(bits) }),
            }
        };
        let act = match code {
            5 => {
                let (lo, hi) = (param()?, param()?);
                if lo.get() > hi.get() {
                    return Err(DecodeError::InvalidValue {
                        what: "clip bounds (lo above hi)",
                        value: u64::from(lo.0),
                    });
                }
                Activation::Clip { lo, hi }
            }
            6 => Activation::LeakyRelu { alpha: param()? },
            7 => Activation::HardSigmoid { alpha: param()?, beta: param()? },
            _ => Activation::PLAIN
                .into_iter()
                .find(|a| a.code() == code)
                .ok_or(DecodeError::InvalidValue { what: "layer activation", value: u64::from(code) })?,
        };
        Ok(act)
    }

    /// Name, for messages and `inspect`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
            Activation::Clip { .. } => "clip",
            Activation::LeakyRelu { .. } => "leaky_relu",
            Activation::HardSigmoid { .. } => "hard_sigmoid",
            Activation::HardSwish => "hard_swish",
            Activation::Identity => "identity",
            Activation::Silu => "silu",
            Activation::Exp => "exp",
            Activation::Sqrt => "sqrt",
            Activation::Rsqrt => "rsqrt",
            Activation::GeluTanh => "gelu_tanh",
        }
    }

    /// The parameters by name (empty for the activations without any).
    pub fn params(self) -> Vec<(&'static str, f32)> {
        match self {
            Activation::Clip { lo, hi } => alloc::vec![("lo", lo.get()), ("hi", hi.get())],
            Activation::LeakyRelu { alpha } => alloc::vec![("alpha", alpha.get())],
            Activation::HardSigmoid { alpha, beta } => alloc::vec![("alpha", alpha.get()), ("beta", beta.get())],
            _ => Vec::new(),
        }
    }

    /// Largest parameter magnitude a key may hold: bounds an activation's outputs by
    /// `2^20 · 2^(B+s)` so that the next layer's integers stay small (`docs/protocols/mlp.md`,
    /// "Soundness").
    pub const MAX_PARAM: f32 = 1_048_576.0;

    /// Whether the parameters are a key's: finite, at most [`Activation::MAX_PARAM`] in
    /// magnitude, not `-0.0`, and `lo <= hi` for a Clip.
    pub fn params_valid(self) -> bool {
        let ok = self.params().iter().all(|&(_, v)| v.is_finite() && v.abs() <= Self::MAX_PARAM);
        let canonical = self.params().iter().all(|&(_, v)| v.to_bits() != 0x8000_0000);
        let ordered = match self {
            Activation::Clip { lo, hi } => lo.get() <= hi.get(),
            _ => true,
        };
        ok && canonical && ordered
    }

    /// Whether the layer has an activation (every layer but the last).
    pub fn hidden(self) -> bool {
        self != Activation::None
    }

    /// Whether the activation is a lookup of `(q, f(q), tag)` in a table section of its own
    /// (its block has one: `Block::has_table_section`).
    pub fn tabulated(self) -> bool {
        super::blocks::Block::of(self).is_some_and(super::blocks::Block::has_table_section)
    }

    /// Whether `f(0) = 0`, so that a layer's padded rows (where `q = 0`) stay zero: false for
    /// Sigmoid, HardSigmoid, Exp, Rsqrt and a Clip whose range leaves out 0.
    pub fn keeps_zero(self) -> bool {
        match self {
            Activation::Sigmoid | Activation::HardSigmoid { .. } | Activation::Exp | Activation::Rsqrt => false,
            Activation::Clip { lo, hi } => lo.get() <= 0.0 && 0.0 <= hi.get(),
            _ => true,
        }
    }

    /// The tag column's value in this activation's table section: 2 plus the section's index
    /// among `sections` (the key's tabulated activations, [`super::key::table_sections`]); sign
    /// rows have tag 0, range rows tag 1. `None` when `sections` does not hold it.
    pub fn tag(self, sections: &[Activation]) -> Option<u64> {
        sections.iter().position(|&a| a == self).map(|k| k as u64 + 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(a: Activation) -> Result<Activation, DecodeError> {
        let mut w = Writer::new();
        a.encode(&mut w);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        let out = Activation::decode(&mut r)?;
        r.finish("activation")?;
        Ok(out)
    }

    #[test]
    fn codes_round_trip_and_parameters_are_checked() {
        let clip = Activation::Clip { lo: Param::new(0.0), hi: Param::new(6.0) };
        let leaky = Activation::LeakyRelu { alpha: Param::new(0.01) };
        let hard = Activation::HardSigmoid { alpha: Param::new(0.2), beta: Param::new(0.5) };
        for a in Activation::PLAIN.into_iter().chain([clip, leaky, hard]) {
            assert_eq!(round_trip(a), Ok(a));
            assert_eq!(a.tabulated(), a.code() >= 2);
        }
        let mut w = Writer::new();
        w.u8(15);
        assert!(matches!(
            Activation::decode(&mut Reader::new(&w.into_bytes())),
            Err(DecodeError::InvalidValue { what: "layer activation", value: 15 })
        ));
        let bad_clip = Activation::Clip { lo: Param::new(1.0), hi: Param::new(0.5) };
        assert!(matches!(
            round_trip(bad_clip),
            Err(DecodeError::InvalidValue { what: "clip bounds (lo above hi)", .. })
        ));
        let nan = Activation::LeakyRelu { alpha: Param(f32::NAN.to_bits()) };
        assert!(matches!(round_trip(nan), Err(DecodeError::InvalidValue { what: "activation parameter", .. })));
        let inf = Activation::Clip { lo: Param::new(0.0), hi: Param(f32::INFINITY.to_bits()) };
        assert!(matches!(round_trip(inf), Err(DecodeError::InvalidValue { what: "activation parameter", .. })));
    }

    #[test]
    fn tags_follow_the_sections_and_miss_the_sign_and_range_rows() {
        let clip = Activation::Clip { lo: Param::new(0.0), hi: Param::new(6.0) };
        let sections = [Activation::Tanh, clip];
        assert_eq!(Activation::Tanh.tag(&sections), Some(2));
        assert_eq!(clip.tag(&sections), Some(3));
        assert_eq!(Activation::Gelu.tag(&sections), None);
        assert!(clip.keeps_zero() && !Activation::Sigmoid.keeps_zero());
        assert!(!Activation::Clip { lo: Param::new(0.5), hi: Param::new(6.0) }.keeps_zero());
    }
}
