//! Softmax (`prover/src/onnx/softmax.rs`; `docs/quantisation.md`, "Softmax"), on
//! `attention.onnx` (two heads of `softmax(q k^T / sqrt 3) v`): the lowering against the ONNX
//! reference, completeness in both modes, and cheating provers whose softmax uses a wrong
//! maximum or a changed exponential, each rejected.

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
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta};

use common::graph::{expected, Fixture};
use common::rejected_in_both_modes;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models")
}

/// The model `name` of the fixtures, quantised with 11-bit tables, with its key over a dev SRS
/// (seeded with `seed`), its float input and its reference output.
fn fixture(name: &str, seed: u64) -> (Fixture, Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let onnx = OnnxModel::load(models().join(format!("{name}.onnx"))).unwrap();
    let g = onnx.graph().clone();
    let input = io_json::read_input(models().join(format!("{name}.input.json")), &g.input_signature()).unwrap();
    let expected = io_json::read_output(models().join(format!("{name}.expected.json"))).unwrap();
    let config = QuantConfig { table_bits: 11, ..QuantConfig::default() };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let srs = Srs::insecure_dev(15, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let q = model.quantise_inputs(&input).unwrap().remove(0);
    (Fixture { pk, model, input: q }, input, expected)
}

/// The attention model and its reference output.
fn attention() -> (Fixture, Vec<Vec<f32>>) {
    let (f, _, expected) = fixture("attention", 1);
    (f, expected)
}

#[test]
fn softmax_lowers_to_maxima_exponentials_and_a_division() {
    let onnx = OnnxModel::load(models().join("attention.onnx")).unwrap();
    let g = onnx.graph();
    g.validate().unwrap();
    let input = io_json::read_input(models().join("attention.input.json"), &g.input_signature()).unwrap();
    let expected = io_json::read_output(models().join("attention.expected.json")).unwrap();
    // Float: the lowering is the softmax (up to f32 rounding).
    let ir = g.eval_f32(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5);
    // One exponential and one division per softmax, each over the 2 x 4 x 4 scores.
    let exp: Vec<_> = g.nodes.iter().filter(|n| n.op == Op::Act(Activation::Exp)).collect();
    let div: Vec<_> = g.nodes.iter().filter(|n| n.op == Op::Div).collect();
    assert_eq!((exp.len(), div.len()), (1, 1));
    assert_eq!(g.tensor(div[0].output).len(), 32);
    // Quantised: every row of the softmax sums to about 2^s, and the maximum's exponential is 2^s.
    let config = QuantConfig { table_bits: 12, ..QuantConfig::default() };
    let q = QuantizedModel::calibrate(g.clone(), std::slice::from_ref(&input), &config).unwrap();
    let (w, out) = q.run(&input).unwrap();
    let one = 1i64 << q.scale_bits;
    let (e, y) = (&w.tensors[exp[0].output], &w.tensors[div[0].output]);
    for row in 0..8 {
        let cells = row * 4..row * 4 + 4;
        assert_eq!(e[cells.clone()].iter().max(), Some(&one), "row {row}");
        let total: i64 = y[cells].iter().sum();
        assert!((total - one).abs() <= 2, "row {row}: {total}");
    }
    let err = quant::max_abs_error(&out, &expected);
    assert!(err < 0.05, "{err}");
}

#[test]
fn attention_with_softmax_proves_and_verifies_in_both_modes() {
    let (f, _) = attention();
    assert_eq!(f.pk.vk.layers.iter().filter(|l| l.first_block() == Block::Divide).count(), 1);
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &p, None).unwrap().output, expected(&f), "{mode:?}");
    }
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_wrong_maximum_or_exponential_is_rejected() {
    let (f, _) = attention();
    let layers = &f.pk.vk.layers;
    // The exponential's layer (its input is x - m: the layer spreading -m, with x as its skip).
    let exp = layers.iter().position(|l| l.act == Activation::Exp).unwrap();
    let s = f.pk.vk.scale_bits;
    // A row's maximum one step larger: every shifted value of row 0 one lower, the exponentials
    // and everything after computed on it (a softmax is invariant to the shift, its rounding and
    // the proof's maximum are not).
    let hooks: [(&str, Hook); 2] = [
        (
            "a wrong maximum",
            Box::new(move |l, w| {
                if l == exp {
                    for i in 0..4 {
                        w.q[i] -= 1;
                        let t = w.q[i] + w.skip[i];
                        w.out[i] = zkml_prover::model::activation::apply(Activation::Exp, t, s);
                    }
                }
            }),
        ),
        (
            "an exponential changed",
            Box::new(move |l, w| {
                if l == exp {
                    w.out[1] += 1;
                }
            }),
        ),
    ];
    for (what, hook) in hooks {
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        rejected_in_both_modes(&f.pk, &f.input, &wit, 3, what);
    }
}

/// `masked_attention.onnx` (the attention with a causal mask added to its scores).
fn masked_attention() -> Fixture {
    let (f, input, expected) = fixture("masked_attention", 7);
    // The lowering is the masked softmax, in floats.
    assert!(quant::max_abs_error(&f.model.graph.eval_f32(&input).unwrap(), &expected) < 1e-5);
    f
}

#[test]
fn a_masked_softmax_proves_with_its_masked_cells_zero() {
    let f = masked_attention();
    let g = &f.model.graph;
    let w = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
    // Each row's sum and maximum run over the cells on and below the diagonal of each head's 4 x 4
    // scores.
    let div = g.nodes.iter().find(|n| n.op == Op::Div).unwrap();
    let sum = &w.tensors[div.inputs[1]];
    let one = 1i64 << f.model.scale_bits;
    let e = &w.tensors[div.inputs[0]];
    for row in 0..8 {
        let kept: Vec<usize> = (0..4).filter(|&col| col <= row % 4).map(|col| row * 4 + col).collect();
        // The sum runs over the kept cells only, and so does the maximum (its exponential is 2^s).
        assert_eq!(sum[row * 4], kept.iter().map(|&c| e[c]).sum::<i64>(), "row {row}");
        assert_eq!(kept.iter().map(|&c| e[c]).max(), Some(one), "row {row}");
    }
    // The Linear reading the quotients (the clearing, merged into the spread of the product with
    // v) takes no masked cell.
    let reader = g.nodes.iter().find(|n| n.inputs == [div.output]).unwrap();
    let Op::Linear { weight, .. } = &reader.op else { panic!("{:?}", reader.op) };
    let masked = |c: usize| c % 4 > (c / 4) % 4;
    assert!((0..weight.rows()).all(|r| weight.entries(r).all(|(c, _)| !masked(c))));
    assert!((0..32).filter(|&c| !masked(c)).all(|c| (0..weight.rows()).any(|r| weight.get(r, c) != 0.0)));
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(8)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &p, None).unwrap().output, expected(&f), "{mode:?}");
    }
}

#[test]
fn a_masked_exponential_in_a_row_sum_is_rejected() {
    let f = masked_attention();
    let layers = &f.pk.vk.layers;
    // The division's divisor is the row sums' layer; it reads the exponentials.
    let div = layers.iter().position(|l| l.first_block() == Block::Divide).unwrap();
    let Some(zkml_verifier::model::Source::Layer(sum)) = layers[div].operand else { panic!() };
    let sum = sum as usize;
    let (s, act) = (f.pk.vk.scale_bits, layers[sum].act);
    // Row 0 of head 0 keeps cell 0 only: its sum with cell 1's exponential (masked) added, and
    // every later layer computed on it, so that only the sum against its committed weights breaks.
    let hook = move |l: usize, w: &mut LayerWitness| {
        if l == sum {
            w.z[0] += w.input[1] << s;
            w.q[0] += w.input[1];
            w.out[0] = zkml_prover::model::activation::apply(act, w.q[0] + w.skip[0], s);
        }
    };
    let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
    assert!(wit[sum].input[1] > 0, "the masked cell's exponential is nonzero");
    rejected_in_both_modes(&f.pk, &f.input, &wit, 9, "a masked exponential in a row sum");
}
