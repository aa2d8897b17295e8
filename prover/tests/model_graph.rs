//! Models beyond a chain (`docs/protocols/mlp.md`, "Statement"): residual connections into an
//! output, into a ReLU or a tabulated layer and from the input; fan-out into several output heads;
//! a folded class whose first member's output also feeds a head. Completeness in both modes, a
//! wrong residual rejected, a tamper sweep, Fiat–Shamir binding, keys whose sources are wrong,
//! and graphs the compiler refuses.

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Node, Op, TensorId, TensorInfo};
use zkml_prover::model::{compile, prove_mode, prove_witness, setup, witness_with, LayerWitness, ModelProvingKey};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_prover::ProverError;
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof, Source};
use zkml_verifier::Error;

use common::tampered_fields;

/// Builds IR graphs with random weights.
struct Builder {
    g: Graph,
    rng: ChaCha20Rng,
}

impl Builder {
    fn new(inputs: usize, seed: u64) -> Self {
        let mut g = Graph::default();
        g.tensors.push(TensorInfo { name: "x".into(), shape: vec![1, inputs] });
        g.inputs.push(0);
        Builder { g, rng: ChaCha20Rng::seed_from_u64(seed) }
    }

    fn push(&mut self, op: Op, inputs: Vec<TensorId>, len: usize) -> TensorId {
        let out = self.g.tensors.len();
        let name = format!("t{out}");
        self.g.tensors.push(TensorInfo { name: name.clone(), shape: vec![1, len] });
        self.g.nodes.push(Node { name, op, inputs, output: out });
        out
    }

    fn linear(&mut self, input: TensorId, rows: usize) -> TensorId {
        let cols = self.g.tensor(input).len();
        let data: Vec<f32> = (0..rows * cols).map(|_| self.rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| self.rng.gen_range(-0.1..0.1)).collect();
        let weight = Matrix::new(rows, cols, data).unwrap();
        self.push(Op::Linear { weight, bias: Some(bias) }, vec![input], rows)
    }

    fn unary(&mut self, op: Op, input: TensorId) -> TensorId {
        let len = self.g.tensor(input).len();
        self.push(op, vec![input], len)
    }

    fn add(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let len = self.g.tensor(a).len();
        self.push(Op::Add, vec![a, b], len)
    }

    fn finish(mut self, outputs: &[TensorId]) -> Graph {
        self.g.outputs = outputs.to_vec();
        self.g
    }
}

struct Fixture {
    pk: ModelProvingKey,
    model: QuantizedModel,
    input: Vec<i64>,
}

fn fixture(g: Graph, seed: u64) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let n = g.tensor(g.inputs[0]).len();
    let input: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let srs = Srs::insecure_dev(12, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    let input = model.quantise_inputs(&[input]).unwrap().remove(0);
    Fixture { pk, model, input }
}

/// The quantised model's outputs, concatenated in graph order.
fn expected(f: &Fixture) -> Vec<i32> {
    let w = f.model.eval(std::slice::from_ref(&f.input)).unwrap();
    f.model.graph.outputs.iter().flat_map(|&t| w.tensors[t].iter().map(|&v| v as i32)).collect()
}

/// `x(6) -> L0(5) relu -> L1(5) + relu0 -> output`: a residual into the output layer.
fn residual_into_output(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let h = b.linear(0, 5);
    let a = b.unary(Op::Act(Activation::Relu), h);
    let z = b.linear(a, 5);
    let y = b.add(z, a);
    b.finish(&[y])
}

/// `x(5) -> L0(5) + x -> tanh -> L1(5) + relu? ...`: residuals before a tabulated activation (from
/// the input) and before a ReLU (from the tanh layer), then an output layer.
fn residuals_before_activations(seed: u64) -> Graph {
    let mut b = Builder::new(5, seed);
    let h = b.linear(0, 5);
    let t = b.add(0, h);
    let a0 = b.unary(Op::Act(Activation::Tanh), t);
    let h1 = b.linear(a0, 5);
    let t1 = b.add(h1, a0);
    let a1 = b.unary(Op::Act(Activation::Relu), t1);
    let y = b.linear(a1, 3);
    b.finish(&[y])
}

/// Three ReLU layers of one shape (a fold class) whose first member also feeds a second head,
/// and a third head reading the input directly.
fn heads_and_fan_out(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let mut a = 0;
    let mut first = 0;
    for k in 0..3 {
        let h = b.linear(a, 5);
        a = b.unary(Op::Act(Activation::Relu), h);
        if k == 0 {
            first = a;
        }
    }
    let y1 = b.linear(a, 3);
    let y2 = b.linear(first, 2);
    let y3 = b.linear(0, 2);
    b.finish(&[y1, y2, y3])
}

#[test]
fn graphs_prove_and_verify_in_both_modes() {
    for (name, g) in [
        ("residual into the output", residual_into_output(1)),
        ("residuals before activations", residuals_before_activations(2)),
        ("heads and fan-out", heads_and_fan_out(3)),
        ("Linear values read as values", linear_values(6)),
    ] {
        let f = fixture(g, 4);
        for mode in [Mode::Accumulated, Mode::PerLayer] {
            let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
            let verdict = verify_model(&f.pk.vk, &proof, None).unwrap();
            assert_eq!(verdict.output, expected(&f), "{name}, {mode:?}");
        }
    }
}

/// Linear outputs read as values, each made an identity layer by the compiler: two Linear outputs
/// added (`L1` becomes the skip of `L0`); a bottleneck `L2` with a residual, read by `L3` and by a
/// second residual Add (MobileNetV2's pattern); `L5`, with that residual, read by `L6`; `L6` read
/// by the output layer `L7`.
fn linear_values(seed: u64) -> Graph {
    let mut b = Builder::new(6, seed);
    let (p, q) = (b.linear(0, 5), b.linear(0, 5));
    let s = b.add(p, q);
    let h = b.unary(Op::Act(Activation::Relu), s);
    let bottleneck = b.linear(h, 5);
    let c = b.add(bottleneck, h);
    let e = b.linear(c, 5);
    let r = b.unary(Op::Act(Activation::Relu), e);
    let d = b.linear(r, 5);
    let o = b.add(d, c);
    let y = b.linear(o, 3);
    let y2 = b.linear(y, 2);
    b.finish(&[y2])
}

#[test]
fn linear_values_become_identity_layers() {
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(linear_values(6), &[vec![vec![0.5; 6]]], &config).unwrap();
    let layers = compile(&model).unwrap();
    let acts: Vec<Activation> = layers.iter().map(|l| l.act).collect();
    let names: Vec<&str> = acts.iter().map(|a| a.name()).collect();
    // L1 (the skip of L0), the bottleneck L2, L5 (with its residual) and L6 are identity layers.
    assert_eq!(acts.iter().filter(|&&a| a == Activation::Identity).count(), 4, "{names:?}");
    let identity = |k: &Source| matches!(k, Source::Layer(i) if acts[*i as usize] == Activation::Identity);
    // An identity layer is a skip (twice) and an input (three times).
    assert_eq!(layers.iter().filter(|l| l.skip.as_ref().is_some_and(identity)).count(), 2);
    assert_eq!(layers.iter().filter(|l| identity(&l.input)).count(), 3);
}

/// `relu(fc_a(x) + relu(fc_b(x)))`: the residual comes from a Linear node after `fc_a`, so the
/// layers are reordered (`fc_b` first).
fn residual_from_a_later_node(seed: u64) -> Graph {
    let mut b = Builder::new(4, seed);
    let ha = b.linear(0, 3);
    let hb = b.linear(0, 3);
    let ab = b.unary(Op::Act(Activation::Relu), hb);
    let t = b.add(ha, ab);
    let a = b.unary(Op::Act(Activation::Relu), t);
    let y = b.linear(a, 2);
    b.finish(&[y])
}

#[test]
fn layers_are_ordered_after_their_sources() {
    let f = fixture(residual_from_a_later_node(36), 37);
    let sources: Vec<(Source, Option<Source>)> = f.pk.vk.layers.iter().map(|l| (l.input, l.skip)).collect();
    assert_eq!(sources, [(Source::Input, None), (Source::Input, Some(Source::Layer(0))), (Source::Layer(1), None)]);
    let proof = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(38)).unwrap();
    assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected(&f));
}

#[test]
fn the_key_records_sources_skips_and_output_order() {
    let f = fixture(heads_and_fan_out(6), 7);
    let sources: Vec<(Source, Option<Source>)> = f.pk.vk.layers.iter().map(|l| (l.input, l.skip)).collect();
    assert_eq!(
        sources,
        [
            (Source::Input, None),
            (Source::Layer(0), None),
            (Source::Layer(1), None),
            (Source::Layer(2), None),
            (Source::Layer(0), None),
            (Source::Input, None),
        ]
    );
    assert_eq!(f.pk.vk.output_layers(), vec![3, 4, 5]);
    assert_eq!(f.pk.vk.output_len(), 7);
    // The ReLU layers after the first fold (layer 0 reads the public input, on its own); layer 0's
    // output also feeds a head checked on its own.
    let layout = Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes[0].members, vec![1, 2]);
    assert!(layout.layers[0].ev_a_out.is_some());
    let f = fixture(residuals_before_activations(8), 9);
    let skips: Vec<Option<Source>> = f.pk.vk.layers.iter().map(|l| l.skip).collect();
    assert_eq!(skips, [Some(Source::Input), Some(Source::Layer(0)), None]);
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn a_wrong_residual_is_rejected() {
    let f = fixture(residuals_before_activations(10), 11);
    let g = fixture(residual_into_output(12), 13);
    let s = f.pk.vk.scale_bits;
    let cases: Vec<(&str, &Fixture, Hook)> = vec![
        // The ReLU layer's skip off by one, its activation computed consistently on it.
        (
            "skip into a ReLU layer",
            &f,
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 1 {
                    w.skip[0] += 1;
                    let t = w.q[0] + w.skip[0];
                    let (h, _, sign) = zkml_prover::model::blocks::relu::split(t, s);
                    (w.high[0], w.sign[0], w.out[0]) = (h, sign, t.max(0));
                }
            }),
        ),
        // The output layer publishes q without its residual.
        (
            "output without its residual",
            &g,
            Box::new(|l, w: &mut LayerWitness| {
                if l == 1 {
                    w.out = w.q.clone();
                }
            }),
        ),
    ];
    for (what, f, hook) in &cases {
        let wit = witness_with(&f.pk, &f.input, hook.as_ref()).unwrap();
        assert!(prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(14), true).is_err(), "{what}");
        let proof = prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(14), false).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn tampering_with_any_field_is_rejected() {
    let f = fixture(heads_and_fan_out(15), 16);
    let proof = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(17)).unwrap();
    verify_model(&f.pk.vk, &proof, None).unwrap();
    for (what, p) in tampered_fields(&proof) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    let f = fixture(residuals_before_activations(18), 19);
    let proof = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(20)).unwrap();
    for (what, p) in tampered_fields(&proof) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    let f = fixture(residual_into_output(21), 22);
    let a = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(23)).unwrap();
    let b = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(24)).unwrap();
    verify_model(&f.pk.vk, &b, None).unwrap();
    let mixes: Vec<(&str, ModelProof)> = vec![
        ("round 1", ModelProof { round1: b.round1.clone(), ..a.clone() }),
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("quotients", ModelProof { quotients: b.quotients.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
    ];
    for (what, p) in mixes {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_with_wrong_sources_are_refused() {
    let f = fixture(heads_and_fan_out(25), 26);
    let bad = |edit: &dyn Fn(&mut zkml_verifier::model::ModelVerifyingKey)| {
        let mut vk = f.pk.vk.clone();
        edit(&mut vk);
        vk.validate()
    };
    assert_eq!(bad(&|vk| vk.layers[1].input = Source::Layer(2)), Err(Error::BadKey("a layer reads a later layer")));
    assert_eq!(bad(&|vk| vk.layers[4].input = Source::Layer(3)), Err(Error::BadKey("a layer reads an output layer")));
    assert_eq!(
        bad(&|vk| vk.layers[0].input = Source::Layer(0)),
        Err(Error::BadKey("the first layer must read the model input"))
    );
    assert_eq!(bad(&|vk| vk.layers[2].input = Source::Layer(2)), Err(Error::BadKey("a layer reads a later layer")));
    // Layer 0's output then feeds nothing: layer 1 reads the input (6 values for 5 columns).
    assert_eq!(
        bad(&|vk| vk.layers[1].input = Source::Input),
        Err(Error::BadKey("layer input size differs from its source's size"))
    );
    assert_eq!(
        bad(&|vk| vk.layers[3].skip = Some(Source::Layer(1))),
        Err(Error::BadKey("a skip's size differs from its layer's output size"))
    );
    assert_eq!(
        bad(&|vk| vk.layers[3].input = Source::Layer(1)),
        Err(Error::BadKey("a hidden layer's output is not used"))
    );
}

#[test]
fn a_skip_must_be_zero_on_padded_rows() {
    // x(6) -> L0(5) sigmoid; L1(5) reads it, plus a residual of it; padded rows of a Sigmoid
    // layer hold f(0) = 2^(s-1), which an output layer could not publish.
    let mut b = Builder::new(6, 30);
    let h = b.linear(0, 5);
    let a = b.unary(Op::Act(Activation::Sigmoid), h);
    let y = b.linear(a, 5);
    let f = fixture(b.finish(&[y]), 31);
    let mut vk = f.pk.vk.clone();
    vk.layers[1].skip = Some(Source::Layer(0));
    assert_eq!(
        vk.validate(),
        Err(Error::BadKey("a skip's source is not zero on padded rows (its activation maps 0 elsewhere)"))
    );
    let mut b = Builder::new(6, 32);
    let h = b.linear(0, 5);
    let a = b.unary(Op::Act(Activation::Sigmoid), h);
    let z = b.linear(a, 5);
    let y = b.add(z, a);
    let g = b.finish(&[y]);
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![vec![0.5; 6]]], &config).unwrap();
    assert!(
        matches!(compile(&model), Err(ProverError::Unsupported(m)) if m.contains("a residual from a sigmoid layer"))
    );
}

#[test]
fn graphs_the_compiler_refuses() {
    let refused = |g: Graph| {
        let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 7, table_bits: 8, headroom_bits: 0 };
        let n = g.tensor(g.inputs[0]).len();
        let model = QuantizedModel::calibrate(g, &[vec![vec![0.5; n]]], &config).unwrap();
        match compile(&model) {
            Err(ProverError::Unsupported(m)) => m,
            other => panic!("compiled: {other:?}"),
        }
    };
    // An output that is an activation's.
    let mut b = Builder::new(4, 28);
    let h = b.linear(0, 3);
    let a = b.unary(Op::Act(Activation::Relu), h);
    assert!(refused(b.finish(&[a])).contains("is not a Linear layer's output"));
    // A layer's pre-activation value used twice: two activations, or an activation beside a
    // residual of the same value.
    let mut b = Builder::new(4, 33);
    let h = b.linear(0, 3);
    let (a1, a2) = (b.unary(Op::Act(Activation::Relu), h), b.unary(Op::Act(Activation::Sigmoid), h));
    let (y1, y2) = (b.linear(a1, 2), b.linear(a2, 2));
    assert!(refused(b.finish(&[y1, y2])).contains("its value is used twice"));
    let mut b = Builder::new(3, 34);
    let h = b.linear(0, 3);
    let t = b.add(h, 0);
    let a = b.unary(Op::Act(Activation::Relu), h);
    let (y1, y2) = (b.linear(t, 2), b.linear(a, 2));
    assert!(refused(b.finish(&[y1, y2])).contains("its value is used twice"));
    // An output listed twice.
    let mut b = Builder::new(4, 35);
    let y = b.linear(0, 2);
    assert!(refused(b.finish(&[y, y])).contains("is not a Linear layer's output"));
    // A Linear layer whose value is neither activated nor an output.
    let mut b = Builder::new(4, 29);
    let _dangling = b.linear(0, 3);
    let y = b.linear(0, 2);
    assert!(refused(b.finish(&[y])).contains("without an activation is not an output"));
}

/// `x[3, 4] -> Linear(4 -> 5) -> relu -> Linear(5 -> 2) -> y[3, 2]`: a Linear applied to each of
/// three rows, as one layer with a block-diagonal weight.
fn batched(seed: u64) -> Graph {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut g = Graph::default();
    let tensor = |g: &mut Graph, shape: Vec<usize>| {
        g.tensors.push(TensorInfo { name: format!("t{}", g.tensors.len()), shape });
        g.tensors.len() - 1
    };
    let x = tensor(&mut g, vec![3, 4]);
    g.inputs.push(x);
    let mut linear = |g: &mut Graph, input: TensorId, rows: usize, cols: usize| {
        let data: Vec<f32> = (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
        let bias: Vec<f32> = (0..rows).map(|_| rng.gen_range(-0.1..0.1)).collect();
        let out = tensor(g, vec![3, rows]);
        let op = Op::Linear { weight: Matrix::new(rows, cols, data).unwrap(), bias: Some(bias) };
        g.nodes.push(Node { name: format!("linear{out}"), op, inputs: vec![input], output: out });
        out
    };
    let h = linear(&mut g, x, 5, 4);
    let a = tensor(&mut g, vec![3, 5]);
    g.nodes.push(Node { name: "relu".into(), op: Op::Act(Activation::Relu), inputs: vec![h], output: a });
    let y = linear(&mut g, a, 2, 5);
    g.outputs.push(y);
    g
}

#[test]
fn a_batched_linear_proves_every_row() {
    let f = fixture(batched(40), 41);
    // One layer per Linear, with the rows of all three inputs.
    let shape: Vec<(u32, u32)> = f.pk.vk.layers.iter().map(|l| (l.rows, l.cols)).collect();
    assert_eq!(shape, [(15, 12), (6, 15)]);
    for mode in [Mode::Accumulated, Mode::PerLayer] {
        let proof = prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(42)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().output, expected(&f), "{mode:?}");
    }
    // One value of the second row's hidden activations changed: rejected.
    let hook = |l: usize, w: &mut LayerWitness| {
        if l == 0 {
            w.out[7] += 1;
        }
    };
    let wit = witness_with(&f.pk, &f.input, &hook).unwrap();
    let proof = prove_witness(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(43), false).unwrap();
    assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed));
}
