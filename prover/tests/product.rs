//! The element-wise product block (`docs/protocols/blocks/product.md`): `z = a * b + bias` on two
//! tensors of the proof. Completeness in both modes (a gate of a ReLU and a Sigmoid layer, the
//! input times a layer, a square, operands from folded layers, a product as an output), the
//! layout it gives, a cheating prover whose product is wrong, the tamper sweep and the
//! transcript binding over every proof field, keys whose product is malformed (exact errors),
//! and graphs the compiler refuses.

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Op};
use zkml_prover::model::{prove_mode, setup, witness_with, LayerWitness, ModelProvingKey};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_prover::ProverError;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof, Source};
use zkml_verifier::Error;

use common::graph::{expected, fixture, Builder, Fixture};
use common::{mixed_rounds, rejected_in_both_modes, tampered_fields};

/// `x(6) -> relu(L0(x)) * sigmoid(L1(x)) -> L2(3)`: a gate (the Sigmoid layer is not zero on
/// padded rows, the ReLU layer is).
fn gate(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let h = b.linear(0, 5);
    let a = b.act(Activation::Relu, h);
    let h1 = b.linear(0, 5);
    let g = b.act(Activation::Sigmoid, h1);
    let p = b.mul(a, g);
    let y = b.linear(p, 3);
    b.finish(&[y])
}

/// `x(5) * tanh(L0(x))` as the output, and `relu(L1(x))^2 -> relu -> L2(3)` as a second one.
fn input_product_and_square(seed: u64) -> Graph {
    let mut b = Builder::new(5, seed);
    let h = b.linear(0, 5);
    let t = b.act(Activation::Tanh, h);
    let p = b.mul(0, t);
    let h1 = b.linear(0, 4);
    let a = b.act(Activation::Relu, h1);
    let sq = b.mul(a, a);
    let r = b.act(Activation::Relu, sq);
    let y = b.linear(r, 3);
    b.finish(&[p, y])
}

/// `x(8) -> a0 -> a1 -> a2` (ReLU layers of one shape: a1 and a2 fold), then `a1 * a2 -> L3(3)`:
/// both operands are folded layers' outputs.
fn operands_from_a_fold_class(seed: u64) -> Graph {
    let mut b = Builder::new(8, seed);
    let h0 = b.linear(0, 8);
    let a0 = b.act(Activation::Relu, h0);
    let h1 = b.linear(a0, 8);
    let a1 = b.act(Activation::Relu, h1);
    let h2 = b.linear(a1, 8);
    let a2 = b.act(Activation::Relu, h2);
    let p = b.mul(a1, a2);
    let y = b.linear(p, 3);
    b.finish(&[y])
}

/// The compiler's other shapes of products: a GLU whose value operand is a Linear's output (made
/// an identity layer), a product with a residual then a ReLU, the input squared as layer 0, a
/// product feeding two ReLU layers of one shape (a fold class), and a Linear's output squared.
fn more_shapes(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    // Linear(x) * Sigmoid(Linear(x)).
    let v = b.linear(0, 6);
    let h = b.linear(0, 6);
    let g = b.act(Activation::Sigmoid, h);
    let glu = b.mul(v, g);
    // x * x, then + x, then ReLU.
    let sq = b.mul(0, 0);
    let res = b.push(Op::Add, vec![sq, 0], 6);
    let r = b.act(Activation::Relu, res);
    // (glu * r) feeding two ReLU layers of one shape.
    let p = b.mul(glu, r);
    let h1 = b.linear(p, 6);
    let a1 = b.act(Activation::Relu, h1);
    let h2 = b.linear(a1, 6);
    let a2 = b.act(Activation::Relu, h2);
    // Linear(a2)^2 as an output.
    let l = b.linear(a2, 4);
    let l2 = b.mul(l, l);
    let y = b.linear(l2, 3);
    b.finish(&[y])
}

fn proof(f: &Fixture, mode: Mode, seed: u64) -> ModelProof {
    prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn products_prove_and_verify_in_both_modes() {
    for (what, g, seed) in [
        ("gate", gate(1), 2),
        ("input product and square", input_product_and_square(3), 4),
        ("operands from a fold class", operands_from_a_fold_class(5), 6),
        ("more shapes", more_shapes(28), 29),
    ] {
        let f = fixture(g, seed);
        assert!(f.pk.vk.layers.iter().any(|l| l.first_block() == Block::Product), "{what}");
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let p = proof(&f, mode, seed + 10);
            let verdict = verify_model(&f.pk.vk, &p, None).unwrap_or_else(|e| panic!("{what} {mode:?}: {e}"));
            assert_eq!(verdict.output, expected(&f), "{what} {mode:?}");
        }
    }
}

#[test]
fn a_product_layer_has_no_weights_no_running_sums_and_does_not_fold() {
    let f = fixture(operands_from_a_fold_class(7), 8);
    let vk = &f.pk.vk;
    let k = vk.layers.iter().position(|l| l.first_block() == Block::Product).unwrap();
    let l = &vk.layers[k];
    assert!(l.weights.is_empty());
    assert_eq!((l.rows, l.cols), (8, 8));
    assert_eq!((l.input, l.operand), (Source::Layer(1), Some(Source::Layer(2))));
    let layout = Layout::new(vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, vec![1, 2]);
    let slot = &layout.slots[layout.layers[k].slot.unwrap()];
    assert_eq!(slot.first, Block::Product);
    assert_eq!((slot.c, slot.s1, slot.s2, slot.ev_s1, slot.ev_s2), (None, None, None, None, None));
    // Both operands are folded, and opened at zeta for the product.
    assert!(layout.layers[1].ev_a_out.is_some() && layout.layers[2].ev_a_out.is_some());
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_wrong_product_is_rejected() {
    let f = fixture(gate(9), 10);
    let k = f.pk.vk.layers.iter().position(|l| l.first_block() == Block::Product).unwrap();
    let s = f.pk.vk.scale_bits;
    let hooks: [(&str, Hook); 2] = [
        // z off by 2^s, rescaled consistently (its identity output and the next layer follow).
        (
            "rescaled",
            Box::new(move |l, w| {
                if l == k {
                    w.z[0] += 1 << s;
                    w.q[0] += 1;
                    w.out[0] += 1;
                }
            }),
        ),
        // z off by one with its remainder, so that the rescaling holds too.
        (
            "z and remainder",
            Box::new(move |l, w| {
                if l == k {
                    let i = (0..w.rem.len()).find(|&i| w.rem[i] + 1 < 1 << s).unwrap();
                    w.z[i] += 1;
                    w.rem[i] += 1;
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
    for (g, seed) in [(operands_from_a_fold_class(12), 13), (input_product_and_square(14), 15)] {
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
    let f = fixture(gate(16), 17);
    let a = proof(&f, Mode::Accumulated, 18);
    let b = proof(&f, Mode::Accumulated, 19);
    verify_model(&f.pk.vk, &b, None).unwrap();
    for (what, p) in mixed_rounds(&a, &b) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_with_a_malformed_product_are_refused() {
    let f = fixture(gate(20), 21);
    let p = proof(&f, Mode::PerLayer, 22);
    let k = f.pk.vk.layers.iter().position(|l| l.first_block() == Block::Product).unwrap();
    let bad = |edit: &dyn Fn(&mut zkml_verifier::model::ModelVerifyingKey)| {
        let mut vk = f.pk.vk.clone();
        edit(&mut vk);
        verify_model(&vk, &p, None)
    };
    // The ReLU operand made a Sigmoid layer: neither operand is zero on padded rows.
    let relu = f.pk.vk.layers.iter().position(|l| l.act == Activation::Relu).unwrap();
    assert_eq!(
        bad(&|vk| vk.layers[relu].act = Activation::Sigmoid),
        Err(Error::BadKey("neither operand of a product is zero on padded rows (their activations map 0 elsewhere)"))
    );
    // An operand of another size (the model input has 6 values, the product 5).
    assert_eq!(
        bad(&|vk| vk.layers[k].operand = Some(Source::Input)),
        Err(Error::BadKey("a product's operands and output differ in size"))
    );
    // A weight commitment on a product.
    assert_eq!(
        bad(&|vk| {
            let b = vk.layers[k].bias;
            vk.layers[k].weights.push(b)
        }),
        Err(Error::BadKey(
            "a layer does not have one weight commitment per row (per column when it reads the input, none for a \
             product or public weights)"
        ))
    );
    // The product turned into a matmul without weights, or reading itself or a later layer.
    assert!(matches!(bad(&|vk| vk.layers[k].operand = None), Err(Error::BadKey(_))));
    for later in [k, k + 1] {
        assert_eq!(
            bad(&|vk| vk.layers[k].operand = Some(Source::Layer(later as u32))),
            Err(Error::BadKey("a layer reads a later layer"))
        );
    }
    // The output layer made a product of the ReLU layer and the product (5 values each, for 3
    // outputs).
    let last = f.pk.vk.layers.len() - 1;
    assert_eq!(
        bad(&|vk| {
            let l = &mut vk.layers[last];
            (l.operand, l.cols) = (Some(Source::Layer(relu as u32)), 5);
            l.weights.clear();
        }),
        Err(Error::BadKey("a product's operands and output differ in size"))
    );
    // The first layer must read the model input, a product too.
    assert_eq!(
        bad(&|vk| {
            let first = vk.layers[0].clone();
            vk.layers[0] = zkml_verifier::model::LayerKey {
                input: Source::Layer(1),
                operand: Some(Source::Input),
                weights: Vec::new(),
                ..first
            };
        }),
        Err(Error::BadKey("the first layer must read the model input"))
    );
}

/// `bilinear_attention.onnx`: two heads of `(q k^T / sqrt 3) v` (no softmax), each MatMul of two
/// activations a spread, a product and a sum (`onnx/einsum.rs`).
fn attention() -> Fixture {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models");
    let onnx = zkml_prover::onnx::OnnxModel::load(dir.join("bilinear_attention.onnx")).unwrap();
    let g = onnx.graph().clone();
    let input =
        zkml_prover::io_json::read_input(dir.join("bilinear_attention.input.json"), &g.input_signature()).unwrap();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, std::slice::from_ref(&input), &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(25);
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let input = model.quantise_inputs(&input).unwrap().remove(0);
    Fixture { pk, model, input }
}

#[test]
fn an_attention_product_with_one_value_changed_is_rejected() {
    let f = attention();
    let products: Vec<usize> = (0..f.pk.vk.layers.len()).filter(|&k| f.pk.vk.layers[k].operand.is_some()).collect();
    assert_eq!(products.len(), 2, "q k^T and scores v");
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = proof(&f, mode, 26);
        assert_eq!(verify_model(&f.pk.vk, &p, None).unwrap().output, expected(&f));
    }
    let s = f.pk.vk.scale_bits;
    for &k in &products {
        // One term of the head product eight steps larger (enough to reach the coarse output), the
        // rest of the model computed on it.
        let hook = move |l: usize, w: &mut LayerWitness| {
            if l == k {
                w.z[5] += 8 << s;
                w.q[5] += 8;
                w.out[5] += 8;
            }
        };
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        for p in rejected_in_both_modes(&f.pk, &f.input, &wit, 27, &format!("layer {k}")) {
            assert_ne!(p.output.iter().map(|v| v.0).collect::<Vec<_>>(), expected(&f), "the change reaches the output");
        }
    }
}

#[test]
fn a_proving_key_with_weights_on_a_product_is_refused() {
    let f = fixture(gate(30), 31);
    let k = f.pk.layers.iter().position(|l| l.operand.is_some()).unwrap();
    let mut pk = f.pk.clone();
    pk.layers[k].weight = zkml_prover::ir::Sparse::from_rows(5, (0..5).map(|i| vec![(i, 1i64)])).unwrap();
    assert_eq!(
        ModelProvingKey::from_bytes(&pk.to_bytes()).map(|_| ()),
        Err(zkml_verifier::DecodeError::Invalid {
            what: "the proving key's layers",
            reason: "their shapes, weights or blinds do not match the verifying key",
        })
    );
    assert!(ModelProvingKey::from_bytes(&f.pk.to_bytes()).is_ok());
}

#[test]
fn products_the_compiler_refuses() {
    // Two Sigmoid layers: neither is zero on padded rows.
    let mut b = Builder::new(4, 23);
    let h0 = b.linear(0, 3);
    let s0 = b.act(Activation::Sigmoid, h0);
    let h1 = b.linear(0, 3);
    let s1 = b.act(Activation::Sigmoid, h1);
    let p = b.mul(s0, s1);
    let y = b.linear(p, 2);
    let g = b.finish(&[y]);
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    let input: Vec<f32> = (0..4).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input]], &config).unwrap();
    match zkml_prover::model::compile(&model) {
        Err(ProverError::Unsupported(m)) => {
            assert!(m.contains("neither operand of a product is zero on padded rows"), "{m}");
            assert!(m.contains("operands of sigmoid and sigmoid layers"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}
