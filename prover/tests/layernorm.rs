//! Layer normalisation (`prover/src/onnx/norm.rs`; `docs/quantisation.md`, "Layer
//! normalisation"), on `layernorm.onnx` (a `LayerNormalization` between two MatMuls): the
//! lowering against the ONNX reference, completeness in both modes, and cheating provers whose
//! reciprocal square root, mean or centring is wrong, each rejected.

mod common;

use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::io_json;
use zkml_prover::ir::Op;
use zkml_prover::model::{prove_mode, setup, witness_with, LayerWitness};
use zkml_prover::onnx::OnnxModel;
use zkml_prover::quant::{self, QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta};

use common::graph::{expected, Fixture};
use common::rejected_in_both_modes;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models")
}

fn layernorm() -> Fixture {
    let onnx = OnnxModel::load(models().join("layernorm.onnx")).unwrap();
    let g = onnx.graph().clone();
    let input = io_json::read_input(models().join("layernorm.input.json"), &g.input_signature()).unwrap();
    let config = QuantConfig { table_bits: 11, ..QuantConfig::default() };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let srs = Srs::insecure_dev(15, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let q = model.quantise_inputs(&input).unwrap().remove(0);
    Fixture { pk, model, input: q }
}

#[test]
fn layer_norm_lowers_to_a_centring_squares_a_mean_and_a_reciprocal_square_root() {
    let onnx = OnnxModel::load(models().join("layernorm.onnx")).unwrap();
    let g = onnx.graph();
    g.validate().unwrap();
    let input = io_json::read_input(models().join("layernorm.input.json"), &g.input_signature()).unwrap();
    let expected = io_json::read_output(models().join("layernorm.expected.json")).unwrap();
    let ir = g.eval_f32(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5);
    // The square and the product with the reciprocal square root: two products; one Rsqrt.
    assert_eq!(g.nodes.iter().filter(|n| n.op == Op::Mul).count(), 2);
    assert_eq!(g.nodes.iter().filter(|n| n.op == Op::Act(Activation::Rsqrt)).count(), 1);
    let config = QuantConfig { table_bits: 12, ..QuantConfig::default() };
    let q = QuantizedModel::calibrate(g.clone(), std::slice::from_ref(&input), &config).unwrap();
    let (_, out) = q.run(&input).unwrap();
    let err = quant::max_abs_error(&out, &expected);
    assert!(err < 0.05, "{err}");
}

#[test]
fn layer_norm_proves_and_verifies_in_both_modes() {
    let f = layernorm();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &p, None).unwrap().output, expected(&f), "{mode:?}");
    }
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_wrong_reciprocal_square_root_or_mean_is_rejected() {
    let f = layernorm();
    let layers = &f.pk.vk.layers;
    let rsqrt = layers.iter().position(|l| l.act == Activation::Rsqrt).unwrap();
    let s = f.pk.vk.scale_bits;
    let hooks: [(&str, Hook); 2] = [
        // The reciprocal square root one step off: not the table's value for its input.
        (
            "a wrong reciprocal square root",
            Box::new(move |l, w| {
                if l == rsqrt {
                    w.out[0] += 1;
                }
            }),
        ),
        // The mean of the squares one step larger, its reciprocal square root recomputed on it: the
        // mean's matmul no longer holds.
        (
            "a wrong mean",
            Box::new(move |l, w| {
                if l == rsqrt {
                    w.z[0] += 1 << s;
                    w.q[0] += 1;
                    w.out[0] = zkml_prover::model::activation::apply(Activation::Rsqrt, w.q[0], s);
                }
            }),
        ),
    ];
    for (what, hook) in hooks {
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        rejected_in_both_modes(&f.pk, &f.input, &wit, 3, what);
    }
}

#[test]
fn a_mean_of_squares_is_a_square_and_a_mean() {
    // mean_of_squares.onnx: ReduceMean(h * h), which tract fuses into Reduce<MeanOfSquares>.
    let onnx = OnnxModel::load(models().join("mean_of_squares.onnx")).unwrap();
    let g = onnx.graph().clone();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).filter(|&o| o != "Reshape").collect();
    assert_eq!(ops, ["Linear", "Mul", "Linear"]);
    let input = io_json::read_input(models().join("mean_of_squares.input.json"), &g.input_signature()).unwrap();
    let reference = io_json::read_output(models().join("mean_of_squares.expected.json")).unwrap();
    assert!(quant::max_abs_error(&g.eval_f32(&input).unwrap(), &reference) < 1e-5);
    let config = QuantConfig { table_bits: 9, ..QuantConfig::default() };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let q = model.quantise_inputs(&input).unwrap().remove(0);
    let f = Fixture { pk, model, input: q };
    let p = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut rng).unwrap();
    assert_eq!(verify_model(&f.pk.vk, &p, None).unwrap().output, expected(&f));
    let (_, out) = f.model.run(&input).unwrap();
    assert!(quant::max_abs_error(&out, &reference) < 0.1, "{}", quant::max_abs_error(&out, &reference));
}

#[test]
fn inputs_outside_a_square_root_or_an_exponential_are_named() {
    use common::graph::Builder;
    use zkml_prover::quant::QuantError;
    for act in [Activation::Sqrt, Activation::Rsqrt, Activation::Exp] {
        let mut b = Builder::new(3, 5);
        let h = b.linear(0, 3);
        let a = b.act(act, h);
        let y = b.linear(a, 2);
        let model = QuantizedModel::new(b.finish(&[y]), 6, 12).unwrap();
        // Inputs that make some pre-activation negative (square roots) or positive (Exp).
        let (lo, hi) = model.act_input_bounds(act);
        let found = [-64i64, 64].iter().map(|&v| model.eval(&[vec![v; 3]])).find_map(|r| match r {
            Err(e @ QuantError::Domain { .. }) => Some(e),
            _ => None,
        });
        let e = found.unwrap_or_else(|| panic!("{act:?}: no domain error"));
        let QuantError::Domain { value, low, high, .. } = &e else { unreachable!() };
        assert!(!(lo..hi).contains(value) && (*low, *high) == (lo, hi), "{e}");
        assert!(e.to_string().contains(&format!("outside the domain of {}", act.name())), "{e}");
    }
}
