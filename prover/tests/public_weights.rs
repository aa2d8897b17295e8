//! Public (structural) weights (`docs/protocols/blocks/matmul.md`, "Public weights"): a matmul
//! whose weights the lowering chose (selections, means, sums) publishes them in the key as runs,
//! and the verifier evaluates `V` at `zeta` from them instead of combining weight commitments.
//! Completeness in both modes with the runs the key holds, the layout (such a layer never
//! folds), a cheating prover whose structural product is wrong, a key whose published weights
//! differ from the ones the prover used, the tamper sweep and the transcript binding over every
//! proof field, and keys whose public weights are malformed (exact errors).

mod common;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Op};
use zkml_prover::model::{prove_mode, prove_witness_with, witness, witness_with, LayerWitness, ProveOptions};
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::key::PublicWeight;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, Int, ModelProof, ModelVerifyingKey, Source};
use zkml_verifier::Error;

use common::graph::{expected, fixture, Builder, Fixture};
use common::{mixed_rounds, rejected_in_both_modes, tampered_fields};

/// The structural map of the test graph, 8 -> 8: rows 0-3 reverse the first four inputs, rows 4
/// and 5 are the means of inputs 4-7 and 0-7, row 6 is `a_1 - a_0` and row 7 the sum of 2, 3, 4.
fn structural() -> Matrix {
    let rows = vec![
        vec![(3, 1.0)],
        vec![(2, 1.0)],
        vec![(1, 1.0)],
        vec![(0, 1.0)],
        (4..8).map(|c| (c, 0.25)).collect(),
        (0..8).map(|c| (c, 0.125)).collect(),
        vec![(0, -1.0), (1, 1.0)],
        vec![(2, 1.0), (3, 1.0), (4, 1.0)],
    ];
    Matrix::from_rows(8, rows).unwrap().into_public()
}

/// `x(8) -> a0 -> a1 -> relu(P a1) -> a3 -> L(3)`: hidden ReLU layers of shape 8 x 8 around the
/// structural one (`a1` and `a3` fold; `P a1` has the same shape and must not).
fn graph(seed: u64) -> Graph {
    let mut b = Builder::new(8, seed);
    let h0 = b.linear(0, 8);
    let a0 = b.act(Activation::Relu, h0);
    let h1 = b.linear(a0, 8);
    let a1 = b.act(Activation::Relu, h1);
    let p = b.push(Op::Linear { weight: structural(), bias: None }, vec![a1], 8);
    let a2 = b.act(Activation::Relu, p);
    let h3 = b.linear(a2, 8);
    let a3 = b.act(Activation::Relu, h3);
    let y = b.linear(a3, 3);
    b.finish(&[y])
}

fn proof(f: &Fixture, mode: Mode, seed: u64) -> ModelProof {
    prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

fn public_layer(vk: &ModelVerifyingKey) -> usize {
    vk.layers.iter().position(|l| l.public.is_some()).expect("a layer with public weights")
}

#[test]
fn structural_weights_are_published_as_runs_and_prove_in_both_modes() {
    let f = fixture(graph(1), 2);
    let vk = &f.pk.vk;
    let k = public_layer(vk);
    assert_eq!(vk.layers.iter().filter(|l| l.public.is_some()).count(), 1, "only the structural layer");
    let l = &vk.layers[k];
    assert_eq!((l.first_block(), l.input, l.weights.len()), (Block::Matmul, Source::Layer(1), 0));
    let one = 1 << vk.scale_bits;
    let run = |row, col, len, value| PublicWeight { row, col, len, value: Int(value) };
    let want = vec![
        run(0, 3, 1, one),
        run(1, 2, 1, one),
        run(2, 1, 1, one),
        run(3, 0, 1, one),
        run(4, 4, 4, one / 4),
        run(5, 0, 8, one / 8),
        run(6, 0, 1, -one),
        run(6, 1, 1, one),
        run(7, 2, 3, one),
    ];
    assert_eq!(l.public.as_ref().unwrap(), &want);
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = proof(&f, mode, 3);
        let verdict = verify_model(vk, &p, None).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(verdict.output, expected(&f), "{mode:?}");
    }
    // The hidden layers of the same shape fold; the structural one is checked on its own.
    let layout = Layout::new(vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, vec![1, 3]);
    assert_eq!(k, 2);
    let slot = &layout.slots[layout.layers[k].slot.unwrap()];
    assert_eq!(slot.first, Block::Matmul);
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_wrong_structural_product_is_rejected() {
    let f = fixture(graph(4), 5);
    let k = public_layer(&f.pk.vk);
    let s = f.pk.vk.scale_bits;
    let hooks: [(&str, Hook); 2] = [
        // The mean row off by 2^s, rescaled consistently.
        (
            "rescaled",
            Box::new(move |l, w| {
                if l == k {
                    w.z[4] += 1 << s;
                    w.q[4] += 1;
                    w.high[4] = w.q[4].div_euclid(1 << s);
                    w.sign[4] = i64::from(w.high[4] >= 0);
                    w.out[4] = w.q[4].max(0);
                }
            }),
        ),
        // A selected value off by one with its remainder, so that the rescaling holds too.
        (
            "z and remainder",
            Box::new(move |l, w| {
                if l == k {
                    let i = (0..4).find(|&i| w.rem[i] + 1 < 1 << s).unwrap();
                    w.z[i] += 1;
                    w.rem[i] += 1;
                }
            }),
        ),
    ];
    for (what, hook) in hooks {
        let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
        rejected_in_both_modes(&f.pk, &f.input, &wit, 6, what);
    }
}

#[test]
fn a_key_publishing_other_weights_than_the_prover_used_is_rejected() {
    // The owner publishes one weight changed but proves with the weights it compiled: the
    // verifier evaluates `V` from what the key says, so the matmul's sums no longer close.
    let mut f = fixture(graph(7), 8);
    let k = public_layer(&f.pk.vk);
    f.pk.vk.layers[k].public.as_mut().unwrap()[4].value.0 += 1;
    let wit = witness(&f.pk, &f.input).unwrap();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        // The strict prover checks every claim against the key and refuses; with its checks off
        // the proof it makes fails verification.
        let strict = ProveOptions::new(mode);
        assert!(prove_witness_with(&f.pk, &f.input, &wit, &mut rng, &strict).is_err(), "{mode:?}");
        let cheat = ProveOptions { strict: false, ..strict };
        let p = prove_witness_with(&f.pk, &f.input, &wit, &mut rng, &cheat).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{mode:?}");
    }
}

#[test]
fn public_weights_are_bound_to_the_digest() {
    let f = fixture(graph(10), 11);
    let p = proof(&f, Mode::Accumulated, 12);
    let k = public_layer(&f.pk.vk);
    let mut vk = f.pk.vk.clone();
    vk.layers[k].public.as_mut().unwrap()[0].col = 2;
    assert!(matches!(verify_model(&vk, &p, None), Err(Error::KeyMismatch { .. })));
    let digest = f.pk.vk.digest();
    assert!(matches!(verify_model(&vk, &p, Some(&digest)), Err(Error::DigestMismatch { .. })));
}

#[test]
fn tampering_with_any_field_is_rejected() {
    let f = fixture(graph(13), 14);
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = proof(&f, mode, 15);
        verify_model(&f.pk.vk, &p, None).unwrap();
        for (what, t) in tampered_fields(&p) {
            assert_eq!(verify_model(&f.pk.vk, &t, None), Err(Error::PairingCheckFailed), "{what} {mode:?}");
        }
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    let f = fixture(graph(16), 17);
    let a = proof(&f, Mode::PerLayer, 18);
    let b = proof(&f, Mode::PerLayer, 19);
    verify_model(&f.pk.vk, &b, None).unwrap();
    for (what, p) in mixed_rounds(&a, &b) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_with_malformed_public_weights_are_refused() {
    let f = fixture(graph(20), 21);
    let p = proof(&f, Mode::PerLayer, 22);
    let k = public_layer(&f.pk.vk);
    let bad = |edit: &dyn Fn(&mut ModelVerifyingKey)| {
        let mut vk = f.pk.vk.clone();
        edit(&mut vk);
        verify_model(&vk, &p, None)
    };
    let order = Err(Error::BadKey("public weights outside their layer or out of order"));
    fn runs(vk: &mut ModelVerifyingKey, k: usize) -> &mut Vec<PublicWeight> {
        vk.layers[k].public.as_mut().unwrap()
    }
    assert_eq!(bad(&|vk| runs(vk, k)[0].len = 0), order, "an empty run");
    assert_eq!(bad(&|vk| runs(vk, k)[0].row = 8), order, "a row outside");
    assert_eq!(bad(&|vk| runs(vk, k)[5].len = 9), order, "a run past the last column");
    assert_eq!(bad(&|vk| runs(vk, k)[5].col = u32::MAX), order, "a run whose end overflows");
    assert_eq!(bad(&|vk| runs(vk, k).swap(0, 1)), order, "rows out of order");
    assert_eq!(bad(&|vk| runs(vk, k)[6].len = 2), order, "overlapping runs");
    assert_eq!(bad(&|vk| runs(vk, k).push(PublicWeight { row: 7, col: 4, len: 1, value: Int(1) })), order, "overlap");
    // Public weights on the layer reading the public input, or on a product.
    let other = Err(Error::BadKey("public weights on a layer other than a matmul of an earlier layer"));
    assert_eq!(
        bad(&|vk| {
            vk.layers[0].public = Some(Vec::new());
            vk.layers[0].weights.clear();
        }),
        other
    );
    // Public weights beside weight commitments: one or the other.
    let commitments = Err(Error::BadKey(
        "a layer does not have one weight commitment per row (per column when it reads the input, none for a \
         product or public weights)",
    ));
    assert_eq!(bad(&|vk| vk.layers[1].public = Some(Vec::new())), commitments);
    assert_eq!(
        bad(&|vk| {
            let row = vk.layers[1].weights[0];
            vk.layers[k].weights.push(row);
        }),
        commitments
    );
}

#[test]
fn structural_weights_that_quantise_coarsely_are_reported() {
    // At 2^4 a mean of 3 (1/3 -> 5/16, 6% off) is reported; a mean of 4 (exact), a selection and
    // the model's own weights of 1/3 are not.
    let mut b = Builder::new(6, 23);
    let thirds = Matrix::from_rows(6, [vec![(0, 1.0 / 3.0), (1, 1.0 / 3.0), (2, 1.0 / 3.0)]]).unwrap();
    let quarters = Matrix::from_rows(6, [(0..4).map(|c| (c, 0.25)).collect::<Vec<_>>()]).unwrap().into_public();
    let hidden = b.push(Op::Linear { weight: thirds.clone(), bias: None }, vec![0], 1);
    let mean3 = b.push(Op::Linear { weight: thirds.into_public(), bias: None }, vec![0], 1);
    let mean4 = b.push(Op::Linear { weight: quarters, bias: None }, vec![0], 1);
    let g = b.finish(&[hidden, mean3, mean4]);
    let q = zkml_prover::quant::QuantizedModel::new(g, 4, 8).unwrap();
    let coarse = q.coarse_structural_weights(0.05);
    assert_eq!(coarse.len(), 1, "{coarse:?}");
    let (node, w, v) = &coarse[0];
    assert_eq!((node.as_str(), *w, *v), ("t2", 1.0 / 3.0, 5.0 / 16.0));
    assert_eq!(q.coarse_weight_warnings().len(), 1);
    assert!(q.coarse_structural_weights(0.1).is_empty(), "6% is within 10%");
}

#[test]
fn a_structural_weight_scaled_by_a_model_constant_stays_hidden() {
    // pool_scale.onnx: AveragePool (structural) then Mul by a per-channel constant, which folds
    // into the pooling's weights: they are the model's now, committed, never published.
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models/pool_scale.onnx");
    let model = zkml_prover::onnx::OnnxModel::load(&path).unwrap();
    let g = model.graph().clone();
    let pools: Vec<&zkml_prover::ir::Node> =
        g.nodes.iter().filter(|n| n.name.contains("pool") && matches!(n.op, Op::Linear { .. })).collect();
    assert_eq!(pools.len(), 1, "{g}");
    let Op::Linear { weight, .. } = &pools[0].op else { unreachable!() };
    assert!(!weight.is_public(), "the scaled pooling is the model's");
    let input: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) / 4.0).collect();
    let config =
        zkml_prover::quant::QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let q = zkml_prover::quant::QuantizedModel::calibrate(g, &[vec![input]], &config).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    let srs = zkml_prover::srs::Srs::insecure_dev(10, &mut rng);
    let pk = zkml_prover::model::setup(&srs, &q, zkml_verifier::model::ModelMeta::default(), &mut rng).unwrap();
    assert!(pk.vk.layers.iter().all(|l| l.public.is_none()), "nothing of this model is published");
    assert_eq!(pk.vk.layers[1].weights.len(), 8, "the pooling's rows are committed");
}
