//! The integer activations the proof's tables hold (`zkml_verifier::model::activation`;
//! `docs/protocols/mlp.md`, "Tabulated activations").

use zkml_verifier::model::activation::Activation;

/// `f(q)` for a rescaled value `q` at scale `2^s`, at the same scale: `round(2^s f(q / 2^s))`
/// (halves away from zero) for the tabulated activations, `max(q, 0)` for ReLU, `q` for none and
/// the identity.
///
/// The functions are `libm`'s (pinned), a pure-Rust port of musl's: the same bits wherever
/// doubles are IEEE binary64 with round-to-nearest (x86-64, aarch64, wasm32), so a table, and
/// the key's commitments to it, is reproducible from `s`, `B` and the layers' activations; a test
/// pins the values.
pub fn apply(act: Activation, q: i64, scale_bits: u32) -> i64 {
    match act {
        Activation::None | Activation::Identity => q,
        Activation::Relu => q.max(0),
        // A variance below one step counts as one step (`Activation::Rsqrt`).
        Activation::Rsqrt => {
            let scale = (1u64 << scale_bits) as f64;
            libm::round(real(act, q.max(1) as f64 / scale) * scale) as i64
        }
        _ => {
            let scale = (1u64 << scale_bits) as f64;
            libm::round(real(act, q as f64 / scale) * scale) as i64
        }
    }
}

/// The same function on floats (the reference evaluation of a graph).
pub fn apply_f32(act: Activation, x: f32) -> f32 {
    real(act, f64::from(x)) as f32
}

/// `f(x)` in doubles; parameters are the model's `f32` values, widened exactly.
fn real(act: Activation, x: f64) -> f64 {
    let hard = |v: f64| v.clamp(0.0, 1.0);
    match act {
        Activation::None | Activation::Identity => x,
        Activation::Relu => x.max(0.0),
        Activation::Sigmoid => 1.0 / (1.0 + libm::exp(-x)),
        Activation::Tanh => libm::tanh(x),
        Activation::Gelu => 0.5 * x * (1.0 + libm::erf(x / core::f64::consts::SQRT_2)),
        // `lo <= hi` and both finite: the key's decoder and the importer check it.
        Activation::Clip { lo, hi } => x.max(f64::from(lo.get())).min(f64::from(hi.get())),
        Activation::LeakyRelu { alpha } => match x >= 0.0 {
            true => x,
            false => f64::from(alpha.get()) * x,
        },
        Activation::HardSigmoid { alpha, beta } => hard(f64::from(alpha.get()) * x + f64::from(beta.get())),
        Activation::HardSwish => x * hard(x / 6.0 + 0.5),
        Activation::Silu => x / (1.0 + libm::exp(-x)),
        Activation::Exp => libm::exp(x.min(0.0)),
        Activation::Sqrt => libm::sqrt(x.max(0.0)),
        // `apply` clamps its input at one step, 2^-s, before calling this; the float reference
        // keeps ONNX's 1 / sqrt(x).
        Activation::Rsqrt => 1.0 / libm::sqrt(x),
        Activation::GeluTanh => {
            let c = libm::sqrt(2.0 / core::f64::consts::PI);
            0.5 * x * (1.0 + libm::tanh(c * (x + 0.044715 * x * x * x)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkml_verifier::model::activation::Param;

    /// The digest of every activation's values on `[-2^10, 2^10)` at `s = 7`: a different `libm`,
    /// or a change to the rounding, would change every key's table commitments, so it is pinned.
    #[test]
    fn tables_are_pinned() {
        for (act, want) in [
            (Activation::Sigmoid, "5d06b3894a5f4a37a4cb618556404f86795bd96600abae2291a950cf085afb46"),
            (Activation::Tanh, "af3b997474db3a352a48093e0914c4226725602333382f1490a32d32b03def3f"),
            (Activation::Gelu, "7b99e78982a3f6bed8eb7e9275d892f0f948e693941f5d974e3915b78ee76a40"),
            (
                Activation::Clip { lo: Param::new(0.0), hi: Param::new(6.0) },
                "4143a565e1b554ec6fcae3a5e59f7dd278ca08054928169927402d8bda98f64b",
            ),
            (
                Activation::LeakyRelu { alpha: Param::new(0.1) },
                "f925cf1f659231565956a83e5df4591f6a177e3f5152847a119664f5de529994",
            ),
            (
                Activation::HardSigmoid { alpha: Param::new(1.0 / 6.0), beta: Param::new(0.5) },
                "452dc3f2cca36bdaf2536a66cac4d0c79e269caab376eaa36db7c0abadaad41d",
            ),
            (Activation::HardSwish, "c7fa6797096a063344249a9681525b9b91f28cd2dfd5b1d27ab6814678c181bf"),
            (Activation::Silu, "800d961fa6d55030d8ad31b4c4c487e2b4fd252f5a057808ea95be0a1d9bdfea"),
            (Activation::Exp, "bc2dfd6c828e544a4c7bdeaa444e7fd731e0cad87319795868adcba76c76d738"),
            (Activation::Sqrt, "68ccb046111a59bbffc19e6454d2a2f4df85bbe264ac340f75c13a30c7eaf6ff"),
            (Activation::Rsqrt, "f9eed189e70654bc47c1f50bc3772a2b7e1d0d2c2c7fd5e12a00689e3ad7f837"),
            (Activation::GeluTanh, "81d710796f1f17d59fc2c5808c3e73a7d1e63639b2cdd4122142718b2e099102"),
        ] {
            let bytes: Vec<u8> = (-1024i64..1024).flat_map(|x| apply(act, x, 7).to_le_bytes()).collect();
            assert_eq!(zkml_verifier::transcript::digest(&bytes).to_hex(), want, "{act:?}");
        }
    }

    #[test]
    fn fixed_point_values() {
        // s = 7: 1.0 is 128.
        assert_eq!(apply(Activation::Sigmoid, 0, 7), 64);
        assert_eq!(apply(Activation::Sigmoid, 128 * 20, 7), 128);
        assert_eq!(apply(Activation::Sigmoid, -128 * 20, 7), 0);
        assert_eq!(apply(Activation::Tanh, 128, 7), 97); // tanh 1 = 0.7616
        assert_eq!(apply(Activation::Tanh, -128, 7), -97);
        assert_eq!(apply(Activation::Gelu, 128, 7), 108); // gelu 1 = 0.8413
        assert_eq!(apply(Activation::Gelu, -128, 7), -20); // gelu -1 = -0.1587
        assert_eq!(apply(Activation::Relu, -5, 7), 0);
        assert_eq!(apply(Activation::None, -5, 7), -5);
        assert!((apply_f32(Activation::Gelu, 1.0) - 0.841_344_7).abs() < 1e-6);
        assert_eq!(apply(Activation::Silu, 128, 7), 94); // silu 1 = 0.7311
        assert_eq!(apply(Activation::Silu, -128, 7), -34); // silu -1 = -0.2689
        assert_eq!(apply(Activation::Identity, -5, 7), -5);
        assert_eq!(apply(Activation::Exp, 0, 7), 128);
        assert_eq!(apply(Activation::Exp, -128, 7), 47); // e^-1 = 0.3679
        assert_eq!(apply(Activation::Exp, -128 * 20, 7), 0);
        assert_eq!(apply(Activation::Exp, 128, 7), 128); // clamped: never an honest input
        assert_eq!(apply(Activation::Sqrt, 512, 7), 256); // sqrt 4 = 2
        assert_eq!(apply(Activation::Sqrt, -5, 7), 0);
        assert_eq!(apply(Activation::Rsqrt, 512, 7), 64); // 1 / sqrt 4 = 0.5
        assert_eq!(apply(Activation::Rsqrt, 0, 7), apply(Activation::Rsqrt, 1, 7)); // one step: sqrt 128
        assert_eq!(apply(Activation::Rsqrt, 1, 7), 1448);
        assert_eq!(apply(Activation::GeluTanh, 128, 7), 108); // gelu_tanh 1 = 0.8412
        assert_eq!(apply(Activation::GeluTanh, -128, 7), -20);
    }
}
