//! What follows a layer's rescaling: a closed set of activations, each with the way the proof
//! checks it (`docs/protocols/mlp.md`, "Tabulated activations").

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
}

impl Activation {
    /// Every activation, by code.
    pub const ALL: [Activation; 5] =
        [Activation::None, Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Gelu];

    /// The tabulated activations, in the order of their table sections.
    pub const TABULATED: [Activation; 3] = [Activation::Sigmoid, Activation::Tanh, Activation::Gelu];

    /// The wire code (the verifying key's byte per layer; 0 and 1 are the former ReLU flag).
    pub fn code(self) -> u8 {
        match self {
            Activation::None => 0,
            Activation::Relu => 1,
            Activation::Sigmoid => 2,
            Activation::Tanh => 3,
            Activation::Gelu => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<Activation> {
        Activation::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Name, for messages and `inspect`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
        }
    }

    /// Whether the layer has an activation (every layer but the last).
    pub fn hidden(self) -> bool {
        self != Activation::None
    }

    /// Whether the activation is a lookup of `(q, f(q), tag)` in a table section of its own.
    pub fn tabulated(self) -> bool {
        Activation::TABULATED.contains(&self)
    }

    /// The tag column's value in this activation's table section: its code (sign rows have tag
    /// 0, range rows tag 1).
    pub fn tag(self) -> u64 {
        u64::from(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_tags_are_distinct_from_the_sign_and_range_rows() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_code(a.code()), Some(a));
        }
        assert_eq!(Activation::from_code(5), None);
        for a in Activation::TABULATED {
            assert!(a.tabulated() && a.hidden() && a.tag() >= 2);
        }
        assert!(!Activation::Relu.tabulated() && !Activation::None.hidden());
    }
}
