//! The division block (`docs/protocols/blocks/divide.md`): `q = round(2^s a / b)` on two tensors
//! of the proof, the remainder range-checked on both sides. Completeness in both modes (a signed
//! numerator over a positive divisor, a division as the output with a numerator that is not zero
//! on padded rows, a normalisation `e / sum(e)`), the layout it gives, cheating provers whose
//! quotient is one off (the remainder below 0 or above the divisor), the tamper sweep and the
//! transcript binding, keys whose division is malformed (exact errors), and what the quantiser and
//! the compiler refuse.

mod common;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Op};
use zkml_prover::model::{prove_mode, witness_with, LayerWitness};
use zkml_prover::quant::{QuantConfig, QuantError, QuantizedModel};
use zkml_prover::ProverError;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, ModelProof, Source};
use zkml_verifier::Error;

use common::graph::{expected, fixture, Builder, Fixture};
use common::{mixed_rounds, rejected_in_both_modes, tampered_fields};

/// `x(6) -> tanh(L0(x)) / P(relu(L1(x))) -> L2(3)`: a signed numerator over a positive divisor
/// (`P` has non-negative weights and a bias of at least 0.5), read by a Linear layer.
fn ratio(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let h0 = b.linear(0, 5);
    let a = b.act(Activation::Tanh, h0);
    let h1 = b.linear(0, 5);
    let r = b.act(Activation::Relu, h1);
    let d = b.positive(r, 5);
    let q = b.div(a, d);
    let y = b.linear(q, 3);
    b.finish(&[y])
}

/// `sigmoid(L0(x)) / P(relu(L1(x)))` as the model output: the numerator is not zero on padded
/// rows (the division's `Pad` selector clears it there).
fn division_as_output(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let h0 = b.linear(0, 5);
    let a = b.act(Activation::Sigmoid, h0);
    let h1 = b.linear(0, 5);
    let r = b.act(Activation::Relu, h1);
    let d = b.positive(r, 5);
    let q = b.div(a, d);
    b.finish(&[q])
}

/// `e = sigmoid(L0(x))`, `y = e / sum(e)` (the sum broadcast to every element by a Linear of ones),
/// then `L1(3)`: a softmax's normalisation with the sigmoid for the exponential.
fn normalisation(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let h0 = b.linear(0, 5);
    let e = b.act(Activation::Sigmoid, h0);
    let ones = Matrix::new(5, 5, vec![1.0; 25]).unwrap();
    let sum = b.push(Op::Linear { weight: ones, bias: None }, vec![e], 5);
    let q = b.div(e, sum);
    let y = b.linear(q, 3);
    b.finish(&[y])
}

fn proof(f: &Fixture, mode: Mode, seed: u64) -> ModelProof {
    prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

fn division(f: &Fixture) -> usize {
    f.pk.vk.layers.iter().position(|l| l.first_block() == Block::Divide).unwrap()
}

#[test]
fn divisions_prove_and_verify_in_both_modes() {
    for (what, g, seed) in [
        ("ratio", ratio(1), 2),
        ("division as output", division_as_output(3), 4),
        ("normalisation", normalisation(5), 6),
    ] {
        let f = fixture(g, seed);
        let k = division(&f);
        // The witness is the quantiser's: q = round(2^s a / b).
        let w = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
        let node = f.model.graph.nodes.iter().find(|n| n.op == Op::Div).unwrap();
        let (a, b, q) = (&w.tensors[node.inputs[0]], &w.tensors[node.inputs[1]], &w.tensors[node.output]);
        let s = f.pk.vk.scale_bits;
        for i in 0..a.len() {
            let exact = (a[i] as f64) * f64::from(1 << s) / b[i] as f64;
            assert!(b[i] >= 1 && (q[i] as f64 - exact).abs() <= 0.5, "{what}: {} / {} -> {}", a[i], b[i], q[i]);
        }
        assert_eq!(f.pk.vk.layers[k].operand.map(|_| f.pk.vk.layers[k].divide), Some(true));
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let p = proof(&f, mode, seed + 10);
            let verdict = verify_model(&f.pk.vk, &p, None).unwrap_or_else(|e| panic!("{what} {mode:?}: {e}"));
            assert_eq!(verdict.output, expected(&f), "{what} {mode:?}");
        }
    }
}

#[test]
fn a_division_layer_has_its_own_lookups_and_no_rescaling() {
    let f = fixture(ratio(7), 8);
    let k = division(&f);
    assert!(f.pk.vk.layers[k].weights.is_empty());
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let layout = Layout::new(&f.pk.vk, mode);
        let l = &layout.layers[k];
        assert_eq!(l.extra.iter().map(|e| e.0).collect::<Vec<_>>(), Block::Divide.committed());
        assert!(l.class.is_none());
        let slot = &layout.slots[l.slot.unwrap()];
        assert_eq!((slot.c, slot.s1, slot.s2, slot.psi), (None, None, None, None));
        assert_eq!(slot.extra.iter().map(|e| e.0).collect::<Vec<_>>(), Block::Divide.extra_inverses());
        assert_eq!(slot.ev_extra.len(), 3);
    }
    assert_eq!(Block::lower(Activation::Identity, Block::Divide), [Block::Divide, Block::Tabulated]);
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_quotient_one_off_is_rejected() {
    let f = fixture(ratio(9), 10);
    let k = division(&f);
    let d = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
    let node = f.model.graph.nodes.iter().find(|n| n.op == Op::Div).unwrap();
    let b = d.tensors[node.inputs[1]][0];
    let s = f.pk.vk.scale_bits;
    let split = move |v: i64| v.div_euclid(1 << s);
    // The quotient one larger (the remainder goes below 0) or one smaller (it reaches 2b: the
    // slack goes below 0), the division's equation kept, the rest of the model computed on it;
    // and a padded row's quotient made nonzero.
    let hooks: [(&str, Hook); 3] = [
        (
            "one larger",
            Box::new(move |l, w| {
                if l == k {
                    let dv = &mut w.division;
                    (w.q[0], w.out[0], dv.rem[0], dv.slack[0]) =
                        (w.q[0] + 1, w.out[0] + 1, dv.rem[0] - 2 * b, dv.slack[0] + 2 * b);
                    (dv.rem_high[0], dv.slack_high[0]) = (split(dv.rem[0]), split(dv.slack[0]));
                }
            }),
        ),
        (
            "one smaller",
            Box::new(move |l, w| {
                if l == k {
                    let dv = &mut w.division;
                    (w.q[0], w.out[0], dv.rem[0], dv.slack[0]) =
                        (w.q[0] - 1, w.out[0] - 1, dv.rem[0] + 2 * b, dv.slack[0] - 2 * b);
                    (dv.rem_high[0], dv.slack_high[0]) = (split(dv.rem[0]), split(dv.slack[0]));
                }
            }),
        ),
        // A padded row's quotient (where D1 alone leaves it free) made 5: D6 pins it to 0.
        (
            "padded quotient",
            Box::new(move |l, w| {
                if l == k {
                    let last = w.q.len() - 1;
                    (w.q[last], w.out[last]) = (5, 5);
                }
            }),
        ),
    ];
    for (what, hook) in hooks {
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        rejected_in_both_modes(&f.pk, &f.input, &wit, 11, what);
    }
}

#[test]
fn tampering_with_any_field_is_rejected() {
    for (g, seed) in [(ratio(12), 13), (division_as_output(14), 15)] {
        let f = fixture(g, seed);
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let p = proof(&f, mode, seed + 1);
            verify_model(&f.pk.vk, &p, None).unwrap();
            for (what, t) in tampered_fields(&p) {
                assert_eq!(verify_model(&f.pk.vk, &t, None), Err(Error::PairingCheckFailed), "{what} {mode:?}");
            }
        }
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    let f = fixture(normalisation(16), 17);
    let a = proof(&f, Mode::Accumulated, 18);
    let b = proof(&f, Mode::Accumulated, 19);
    verify_model(&f.pk.vk, &b, None).unwrap();
    for (what, p) in mixed_rounds(&a, &b) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_with_a_malformed_division_are_refused() {
    let f = fixture(ratio(20), 21);
    let p = proof(&f, Mode::PerLayer, 22);
    let k = division(&f);
    let bad = |edit: &dyn Fn(&mut zkml_verifier::model::ModelVerifyingKey)| {
        let mut vk = f.pk.vk.clone();
        edit(&mut vk);
        verify_model(&vk, &p, None)
    };
    // The divisor's layer made a Sigmoid layer: not zero on padded rows.
    let Source::Layer(divisor) = f.pk.vk.layers[k].operand.unwrap() else { panic!() };
    assert_eq!(
        bad(&|vk| vk.layers[divisor as usize].act = Activation::Sigmoid),
        Err(Error::BadKey("a division's divisor is not zero on padded rows (its activation maps 0 elsewhere)"))
    );
    // A division flag on a matmul layer.
    assert_eq!(bad(&|vk| vk.layers[0].divide = true), Err(Error::BadKey("a division without its divisor")));
    // The division made a product: the same shape, another statement.
    let mut vk = f.pk.vk.clone();
    vk.layers[k].divide = false;
    let mut q = p.clone();
    q.vk_digest = vk.digest();
    assert!(verify_model(&vk, &q, None).is_err());
    // A flag byte other than 0 or 1 does not decode.
    let mut vk = f.pk.vk.clone();
    vk.layers[k].weights.clear();
    let bytes = zkml_verifier::envelope::Artifact::to_artifact_bytes(&vk);
    let flag = bytes.len() - find_flag(&vk, k);
    let mut bad_bytes = bytes.clone();
    assert_eq!(bad_bytes[flag], 1);
    bad_bytes[flag] = 2;
    assert!(matches!(
        zkml_verifier::model::ModelVerifyingKey::from_bytes(&bad_bytes),
        Err(Error::Decode(zkml_verifier::DecodeError::Invalid { reason: "a division flag other than 0 or 1", .. }))
    ));
}

/// Bytes from layer `k`'s division flag to the end of `vk`'s encoding: the flag is followed by
/// the layer's weight count (0), its bias, the later layers and the table.
fn find_flag(vk: &zkml_verifier::model::ModelVerifyingKey, k: usize) -> usize {
    use zkml_verifier::codec::Encode;
    let mut w = zkml_verifier::codec::Writer::new();
    // The batch, no weight commitments, no public weights, then the bias.
    w.u32(vk.layers[k].batch);
    w.u32(0);
    w.u8(0);
    vk.layers[k].bias.encode(&mut w);
    for l in &vk.layers[k + 1..] {
        l.encode(&mut w);
    }
    for t in &vk.table {
        t.encode(&mut w);
    }
    w.into_bytes().len() + 1
}

#[test]
fn divisors_the_quantiser_and_the_compiler_refuse() {
    // A divisor that reaches 0: the quantiser names it.
    let mut b = Builder::new(4, 23);
    let h0 = b.linear(0, 3);
    let a = b.act(Activation::Relu, h0);
    let h1 = b.linear(0, 3);
    let r = b.act(Activation::Relu, h1);
    let q = b.div(a, r);
    let g = b.finish(&[q]);
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::new(g, 4, 8).unwrap();
    let zero = vec![vec![0i64; 4]];
    match model.eval(&zero) {
        Err(e @ QuantError::Divisor { value: 0, bound: 128, .. }) => {
            assert!(e.to_string().contains("is outside [1, 128) (a division needs a positive divisor"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // A division by a Sigmoid layer (not zero on padded rows): the compiler refuses it.
    let mut b = Builder::new(4, 24);
    let h0 = b.linear(0, 3);
    let a = b.act(Activation::Relu, h0);
    let h1 = b.linear(0, 3);
    let s = b.act(Activation::Sigmoid, h1);
    let q = b.div(a, s);
    let g = b.finish(&[q]);
    let input = vec![vec![0.5f32; 4]];
    let model = QuantizedModel::calibrate(g, &[input], &config).unwrap();
    match zkml_prover::model::compile(&model) {
        Err(ProverError::Unsupported(m)) => {
            assert!(
                m.contains("a division's divisor is not zero on padded rows") && m.contains("and sigmoid layers"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
}
