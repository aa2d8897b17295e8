//! ONNX import, the IR's float evaluation, input/output JSON and fixed-point quantisation, on
//! `mnist_mlp.onnx`, two tiny generated models (`tests/fixtures/models/make_unsupported.py`) and the
//! Sigmoid/Tanh/GELU models of `scripts/make_activation_mlp.py`.

use std::path::PathBuf;

use zkml_prover::io_json::{self, IoJsonErrorKind};
use zkml_prover::ir::{Graph, Node, Op, TensorInfo};
use zkml_prover::model::activation;
use zkml_prover::onnx::{self, ImportError, OnnxModel};
use zkml_prover::quant::{self, QuantConfig, QuantError, QuantizedModel};
use zkml_verifier::model::activation::Activation;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/models").join(name)
}

const SAMPLES: [&str; 3] = ["mnist_mlp", "mnist_mlp.1", "mnist_mlp.2"];

fn sample(graph: &Graph, prefix: &str) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let input = io_json::read_input(fixture(&format!("{prefix}.input.json")), &graph.input_signature()).unwrap();
    let expected = io_json::read_output(fixture(&format!("{prefix}.expected.json"))).unwrap();
    (input, expected)
}

fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

fn load_mnist() -> OnnxModel {
    OnnxModel::load(fixture("mnist_mlp.onnx")).unwrap()
}

#[test]
fn mnist_mlp_imports_as_linear_relu_layers() {
    let model = load_mnist();
    let g = model.graph();
    eprintln!("{g}");
    assert_eq!(g.inputs.len(), 1);
    assert_eq!(g.tensor(g.inputs[0]).shape, vec![1, 1, 28, 28]);
    assert_eq!(g.outputs.len(), 1);
    assert_eq!(g.tensor(g.outputs[0]).len(), 10);
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Linear", "Relu", "Linear", "Relu", "Linear"]);
    let dims = linear_layers(g);
    assert_eq!(dims, [(784, 128, true), (128, 64, true), (64, 10, true)]);
    // Biases are folded into the layers, which take the ONNX Gemm names.
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["/1/Gemm", "/2/Relu", "/3/Gemm", "/4/Relu", "/5/Gemm"]);
    g.validate().unwrap();
    assert_eq!(onnx::import(fixture("mnist_mlp.onnx")).unwrap(), *g);
}

#[test]
fn mnist_mlp_float_eval_matches_tract_and_expected() {
    let model = load_mnist();
    for prefix in SAMPLES {
        let (input, expected) = sample(model.graph(), prefix);
        let ir = model.graph().eval_f32(&input).unwrap();
        let tract = model.run_reference(&input).unwrap();
        let (e_ir_tract, e_tract_expected, e_ir_expected) = (
            quant::max_abs_error(&ir, &tract),
            quant::max_abs_error(&tract, &expected),
            quant::max_abs_error(&ir, &expected),
        );
        eprintln!("{prefix}: |IR - tract| = {e_ir_tract:.2e}, |tract - expected| = {e_tract_expected:.2e}");
        assert!(e_ir_tract < 1e-4, "{prefix}: IR vs tract {e_ir_tract}");
        assert!(e_tract_expected < 1e-3, "{prefix}: tract vs expected {e_tract_expected}");
        assert!(e_ir_expected < 1e-3, "{prefix}: IR vs expected {e_ir_expected}");
    }
}

#[test]
fn mnist_mlp_quantised_eval_keeps_the_argmax() {
    let model = load_mnist();
    let graph = model.graph().clone();
    let (calibration, _) = sample(&graph, "mnist_mlp");
    let q = QuantizedModel::calibrate(graph.clone(), &[calibration], &QuantConfig::default()).unwrap();
    eprintln!("chosen scale: 2^{} with {}-bit tables", q.scale_bits, q.table_bits);
    assert!((4..=12).contains(&q.scale_bits));
    for (t, m) in graph.tensors.iter().zip(&q.max_abs) {
        eprintln!("  max |q| of {}: {m}", t.name);
    }
    for prefix in SAMPLES {
        let (input, expected) = sample(&graph, prefix);
        let reference = model.run_reference(&input).unwrap();
        let (witness, out) = q.run(&input).unwrap();
        let err = quant::max_abs_error(&out, &reference);
        eprintln!("{prefix}: s = {}, max abs error vs tract = {err:.4}, output {:?}", q.scale_bits, out[0]);
        assert_eq!(argmax(&out[0]), argmax(&expected[0]), "{prefix}");
        assert!(err < 0.25, "{prefix}: max abs error {err}");

        // The witness is consistent with the rules it will be proved by.
        for (i, node) in graph.nodes.iter().enumerate() {
            let y = &witness.tensors[node.output];
            match &node.op {
                Op::Linear { .. } => {
                    let z = witness.accumulators[i].as_ref().unwrap();
                    for (&z, &y) in z.iter().zip(y) {
                        assert_eq!(y, quant::rescale(z, q.scale_bits));
                        assert!(z.abs() < q.accumulator_bound() && y.abs() < q.table_bound());
                        let r = quant::rescale_remainder(z, q.scale_bits);
                        assert!(-(1 << (q.scale_bits - 1)) <= r && r < 1 << (q.scale_bits - 1));
                    }
                }
                Op::Act(Activation::Relu) => {
                    let x = &witness.tensors[node.inputs[0]];
                    assert!(x.iter().zip(y).all(|(&x, &y)| y == x.max(0)));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn calibration_picks_the_largest_scale_that_fits() {
    let graph = load_mnist().into_graph();
    let (input, _) = sample(&graph, "mnist_mlp");
    let calibration = [input.clone()];
    for table_bits in [10, 12, 14, 16] {
        let config = QuantConfig { table_bits, headroom_bits: 0, ..QuantConfig::default() };
        let q = QuantizedModel::calibrate(graph.clone(), &calibration, &config).unwrap();
        let h = config.headroom_bits;
        for (t, &m) in q.max_abs.iter().enumerate() {
            assert!(graph.inputs.contains(&t) || m < q.table_bound() >> h, "{}: {m}", graph.tensors[t].name);
        }
        let errors: Vec<String> = SAMPLES
            .iter()
            .map(|p| {
                let (input, _) = sample(&graph, p);
                format!("{:.4}", quant::max_abs_error(&q.run(&input).unwrap().1, &graph.eval_f32(&input).unwrap()))
            })
            .collect();
        eprintln!("B = {table_bits}: s = {}, max abs error per sample {errors:?}", q.scale_bits);
        if q.scale_bits < config.max_scale_bits {
            let mut bigger = QuantizedModel::new(graph.clone(), q.scale_bits + 1, table_bits - h).unwrap();
            let err = bigger.record(&input).unwrap_err();
            assert!(matches!(err, QuantError::OutOfRange { .. }), "{err}");
        }
    }
    // Logits reach about 24: no scale >= 2^4 keeps them below 2^8.
    let config = QuantConfig { table_bits: 8, ..QuantConfig::default() };
    let err = QuantizedModel::calibrate(graph, &calibration, &config).unwrap_err();
    assert!(matches!(err, QuantError::NoScale { .. }), "{err}");
    assert!(!err.to_string().contains('\n'));
}

/// Calibrated on one digit with the defaults, the images of docs/quantisation.md ("Choosing s, with
/// headroom") evaluate within every table: all white, all black and 1.5 times brighter.
#[test]
fn default_headroom_takes_natural_inputs() {
    let graph = load_mnist().into_graph();
    let (input, _) = sample(&graph, "mnist_mlp");
    let config = QuantConfig::default();
    let q = QuantizedModel::calibrate(graph.clone(), std::slice::from_ref(&input), &config).unwrap();
    assert_eq!((q.scale_bits, q.table_bits, config.headroom_bits), (7, 14, 2));
    let (lo, hi) = input[0].iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let n = input[0].len();
    for (name, image) in [
        ("all white", vec![hi; n]),
        ("all black", vec![lo; n]),
        ("1.5x brighter", input[0].iter().map(|v| v * 1.5).collect()),
    ] {
        let (_, out) = q.run(std::slice::from_ref(&image)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let float = graph.eval_f32(&[image]).unwrap();
        let error = quant::max_abs_error(&out, &float);
        assert!(error < 0.5, "{name}: error {error}");
    }
    // Without headroom the same scale leaves no room: the all-white image overflows a table.
    let tight = QuantConfig { table_bits: 12, headroom_bits: 0, ..config };
    let q = QuantizedModel::calibrate(graph, &[input], &tight).unwrap();
    let err = q.run(&[vec![hi; n]]).unwrap_err();
    assert!(matches!(err, QuantError::OutOfRange { .. }), "{err}");
}

#[test]
fn out_of_range_input_names_the_node() {
    let graph = load_mnist().into_graph();
    let (input, _) = sample(&graph, "mnist_mlp");
    let q = QuantizedModel::calibrate(graph.clone(), &[input], &QuantConfig::default()).unwrap();
    let huge = vec![vec![1e6f32; 784]];
    let err = q.run(&huge).unwrap_err();
    eprintln!("{err}");
    match &err {
        QuantError::OutOfRange { node, tensor, bound, .. } => {
            assert_eq!(node, "/1/Gemm");
            assert!(tensor.ends_with(".acc"), "{tensor}");
            assert_eq!(*bound, q.accumulator_bound() as i128);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("/1/Gemm") && !err.to_string().contains('\n'));
    // Not representable at all: a clear error, not a panic.
    let err = q.run(&[vec![3e38f32; 784]]).unwrap_err();
    assert!(matches!(err, QuantError::InputNotRepresentable { index: 0, .. }), "{err}");
    // Wrong input length.
    let err = q.run(&[vec![0.0; 3]]).unwrap_err();
    assert_eq!(err.to_string(), "input 'input': expected 784 values, got 3");
}

#[test]
fn rescale_rounds_half_up() {
    let s = 4; // 2^s = 16
    for (z, y) in [(0, 0), (7, 0), (8, 1), (24, 2), (-8, 0), (-9, -1), (-24, -1), (-25, -2), (16 * 5 + 3, 5)] {
        assert_eq!(quant::rescale(z, s), y, "z = {z}");
        let r = quant::rescale_remainder(z, s);
        assert_eq!(z, y * 16 + r);
        assert!((-8..8).contains(&r));
    }
    assert_eq!(quant::rescale(i64::MAX, 8), 1 << 55);
    assert_eq!(quant::quantise(0.5, 1), Some(1));
    assert_eq!(quant::quantise(-0.75, 1), Some(-2)); // half away from zero
    assert_eq!(quant::quantise(f64::NAN, 1), None);
    assert_eq!(quant::quantise(1e30, 4), None);
}

#[test]
fn unsupported_model_lists_every_op_in_one_error() {
    let path = fixture("unsupported.onnx");
    let err = OnnxModel::load(&path).unwrap_err();
    let msg = err.to_string();
    eprintln!("{msg}");
    let ImportError::Unsupported { ops, .. } = &err else { panic!("unexpected {msg}") };
    let names: Vec<&str> = ops.iter().map(|(n, _)| n.as_str()).collect();
    // Its Conv is supported (a sparse Linear); Softplus and Softmax are not.
    assert_eq!(names, ["softplus", "softmax"], "{ops:?}");
    assert!(ops.iter().zip(["Softplus", "Softmax"]).all(|((_, op), want)| op.starts_with(want)), "{ops:?}");
    assert!(msg.starts_with(&path.display().to_string()));
    assert!(!msg.contains('\n'));
}

#[test]
fn residual_model_with_symbolic_batch_matches_tract() {
    let model = OnnxModel::load(fixture("residual.onnx")).unwrap();
    let g = model.graph();
    eprintln!("{g}");
    assert_eq!(g.tensor(g.inputs[0]).shape, vec![1, 8]);
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert!(ops.contains(&"Add") && ops.contains(&"Relu") && ops.contains(&"Reshape"), "{ops:?}");
    let linear = linear_layers(g);
    assert_eq!(linear, [(8, 6, true), (6, 6, false)]);
    assert_eq!(g.tensor(g.outputs[0]).shape, vec![1, 2, 3]);
    let input = vec![(0..8).map(|i| (i as f32 - 3.5) / 4.0).collect::<Vec<f32>>()];
    let ir = g.eval_f32(&input).unwrap();
    let tract = model.run_reference(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &tract) < 1e-5, "{ir:?} vs {tract:?}");
    let q = QuantizedModel::calibrate(g.clone(), std::slice::from_ref(&input), &QuantConfig::default()).unwrap();
    let (_, out) = q.run(&input).unwrap();
    let err = quant::max_abs_error(&out, &tract);
    eprintln!("residual: s = {}, max abs error = {err}", q.scale_bits);
    assert!(err < 0.05);
}

#[test]
fn missing_or_corrupt_model_files_are_named() {
    let missing = fixture("no_such_model.onnx");
    let err = OnnxModel::load(&missing).unwrap_err();
    assert!(matches!(err, ImportError::Io { .. }), "{err}");
    assert!(err.to_string().starts_with(&missing.display().to_string()), "{err}");

    let not_onnx = fixture("mnist_mlp.input.json");
    let err = OnnxModel::load(&not_onnx).unwrap_err();
    eprintln!("{err}");
    assert!(err.to_string().starts_with(&not_onnx.display().to_string()), "{err}");
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn input_json_errors_are_one_line() {
    let sig = vec![("input".to_string(), 4usize)];
    let cases: [(&str, &str); 9] = [
        ("{\"input_data\": [[1, 2, 3, 4]", "malformed JSON at line 1, column"),
        ("{\n\"input_data\": [[1, 2,, 3, 4]]}", "malformed JSON at line 2, column 22"),
        ("[[1, 2, 3, 4]]", "expected a JSON object with a \"input_data\" field"),
        ("{\"data\": [[1, 2, 3, 4]]}", "missing field \"input_data\""),
        ("{\"input_data\": [1, 2, 3, 4]}", "\"input_data\" must be an array"),
        ("{\"input_data\": [[1, 2, 3, 4], [5]]}", "\"input_data\" holds 2 list(s), the model has 1 input(s)"),
        ("{\"input_data\": [[1, 2, 3]]}", "input 'input': expected 4 values, got 3"),
        ("{\"input_data\": [[1, 2, \"x\", 4]]}", "input 'input': element 2 is a string, not a number"),
        ("{\"input_data\": [[1, 2, 1e39, 4]]}", "input 'input': element 2 (1e39) is not a finite 32-bit float"),
    ];
    for (text, want) in cases {
        let err = io_json::parse_input(text, &sig).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(want), "{text:?}: got {msg:?}, want {want:?}");
        assert!(!msg.contains('\n'), "{msg}");
    }
    let err = io_json::parse_input("{\"input_data\": [[1, 2, 3e400, 4]]}", &sig).unwrap_err();
    assert!(matches!(err.kind, IoJsonErrorKind::Json { .. }), "{err}");
    assert_eq!(
        io_json::parse_input("{\"input_data\": [[1, 2, 3, 4.5]]}", &sig).unwrap(),
        vec![vec![1.0, 2.0, 3.0, 4.5]]
    );
}

#[test]
fn input_file_errors_name_the_file_and_the_input() {
    let graph = load_mnist().into_graph();
    let dir = std::env::temp_dir().join(format!("zkml-onnx-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let short = dir.join("short.input.json");
    std::fs::write(&short, io_json::input_json(&[vec![0.5; 10]])).unwrap();
    let err = io_json::read_input(&short, &graph.input_signature()).unwrap_err();
    assert_eq!(err.to_string(), format!("{}: input 'input': expected 784 values, got 10", short.display()));
    let err = io_json::read_input(dir.join("absent.json"), &graph.input_signature()).unwrap_err();
    assert!(err.to_string().contains("absent.json"), "{err}");

    let out = dir.join("out.json");
    io_json::write_output(&out, &[vec![1.5, -2.25]]).unwrap();
    assert_eq!(io_json::read_output(&out).unwrap(), vec![vec![1.5, -2.25]]);
    std::fs::remove_dir_all(&dir).unwrap();
}

const ACTIVATION_MODELS: [&str; 2] = ["activation_mlp", "activation_mlp_tiny"];

/// The op names of a graph, reshapes left out.
fn ops_without_reshapes(g: &Graph) -> Vec<&'static str> {
    g.nodes.iter().map(|n| n.op.name()).filter(|&op| op != "Reshape").collect()
}

#[test]
fn activation_mlp_imports_as_sigmoid_tanh_gelu_layers() {
    let model = OnnxModel::load(fixture("activation_mlp.onnx")).unwrap();
    let g = model.graph();
    eprintln!("{g}");
    g.validate().unwrap();
    assert_eq!(g.tensor(g.inputs[0]).shape, vec![1, 16]);
    assert_eq!(g.tensor(g.outputs[0]).len(), 4);
    assert_eq!(ops_without_reshapes(g), ["Linear", "Sigmoid", "Linear", "Tanh", "Linear", "Gelu", "Linear"]);
    assert_eq!(linear_layers(g), [(16, 12, true), (12, 10, true), (10, 8, true), (8, 4, true)]);
    // The activations keep their ONNX names; the fused GELU is named after its Erf.
    let names: Vec<&str> = g.nodes.iter().filter(|n| n.op.activation().is_some()).map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["/1/Sigmoid", "/3/Tanh", "/5/Erf"]);
    let acts: Vec<Activation> = g.nodes.iter().filter_map(|n| n.op.activation()).collect();
    assert_eq!(acts, [Activation::Sigmoid, Activation::Tanh, Activation::Gelu]);
    assert_eq!(Op::Act(Activation::Relu).activation(), Some(Activation::Relu));
    assert_eq!(Op::Add.activation(), None);

    let tiny = OnnxModel::load(fixture("activation_mlp_tiny.onnx")).unwrap();
    assert_eq!(ops_without_reshapes(tiny.graph()), ["Linear", "Sigmoid", "Linear", "Tanh", "Linear", "Gelu", "Linear"]);
    assert_eq!(linear_layers(tiny.graph()), [(4, 3, true), (3, 3, true), (3, 3, true), (3, 2, true)]);
}

#[test]
fn activation_mlp_float_eval_matches_the_reference() {
    for prefix in ACTIVATION_MODELS {
        let model = OnnxModel::load(fixture(&format!("{prefix}.onnx"))).unwrap();
        let (input, expected) = sample(model.graph(), prefix);
        let ir = model.graph().eval_f32(&input).unwrap();
        let tract = model.run_reference(&input).unwrap();
        let (e_ir, e_tract) = (quant::max_abs_error(&ir, &expected), quant::max_abs_error(&tract, &expected));
        eprintln!("{prefix}: |IR - expected| = {e_ir:.2e}, |tract - expected| = {e_tract:.2e}, output {:?}", ir[0]);
        assert!(e_ir < 1e-4, "{prefix}: IR vs expected {e_ir}");
        assert!(e_tract < 1e-4, "{prefix}: tract vs expected {e_tract}");
    }
}

#[test]
fn activation_mlp_quantised_eval_follows_the_tables() {
    for prefix in ACTIVATION_MODELS {
        let model = OnnxModel::load(fixture(&format!("{prefix}.onnx"))).unwrap();
        let graph = model.graph().clone();
        let (input, expected) = sample(&graph, prefix);
        let q =
            QuantizedModel::calibrate(graph.clone(), std::slice::from_ref(&input), &QuantConfig::default()).unwrap();
        let (witness, out) = q.run(&input).unwrap();
        let step = (-(q.scale_bits as f32)).exp2();
        let err = quant::max_abs_error(&out, &expected);
        eprintln!("{prefix}: s = {}, max abs error = {err:.5} ({:.2} steps)", q.scale_bits, err / step);
        assert!(err <= 4.0 * step, "{prefix}: error {err} at scale 2^{}", q.scale_bits);

        // Every activation maps its (in-table) input through the integer activation.
        let s = q.scale_bits;
        for node in &graph.nodes {
            let Some(act) = node.op.activation() else { continue };
            let (x, y) = (&witness.tensors[node.inputs[0]], &witness.tensors[node.output]);
            assert_eq!(x.len(), y.len());
            for (&x, &y) in x.iter().zip(y) {
                assert_eq!(y, activation::apply(act, x, s), "{}: f({x})", node.name);
                assert!(q.relu_min() <= x && x < q.table_bound());
            }
        }
        // The dry run reports each activation's input against [-2^B, 2^B).
        let ranges = q.ranges(&q.quantise_inputs(&input).unwrap()).unwrap();
        for node in graph.nodes.iter().filter(|n| n.op.activation().is_some()) {
            let r = ranges.iter().find(|r| r.node == node.name).unwrap();
            assert_eq!(r.tensor, graph.tensor(node.inputs[0]).name);
            assert_eq!((r.low, r.high), (q.relu_min(), q.table_bound() - 1));
            assert!(r.fits());
        }
    }
}

/// Sigmoid, Tanh and GELU inputs are held to ReLU's range `[-2^B, 2^B)`, with the same errors.
#[test]
fn activation_inputs_are_range_checked_like_relu() {
    for op in
        [Op::Act(Activation::Relu), Op::Act(Activation::Sigmoid), Op::Act(Activation::Tanh), Op::Act(Activation::Gelu)]
    {
        let graph = Graph {
            tensors: vec![
                TensorInfo { name: "x".into(), shape: vec![1, 4] },
                TensorInfo { name: "y".into(), shape: vec![1, 4] },
            ],
            inputs: vec![0],
            outputs: vec![1],
            nodes: vec![Node { name: "act".into(), op: op.clone(), inputs: vec![0], output: 1 }],
            tokens: None,
        };
        graph.validate().unwrap();
        let act = op.activation().unwrap();
        // s = 4, B = 6: inputs in [-64, 64).
        let q = QuantizedModel::new(graph, 4, 6).unwrap();
        let fits = vec![-64, -16, 16, 63];
        let w = q.eval(std::slice::from_ref(&fits)).unwrap();
        assert_eq!(w.tensors[1], fits.iter().map(|&v| activation::apply(act, v, 4)).collect::<Vec<_>>());
        for (v, bound) in [(64, 64), (-65, 64)] {
            let err = q.eval(&[vec![0, 0, v, 0]]).unwrap_err();
            let want =
                QuantError::OutOfRange { node: "act".into(), tensor: "x".into(), index: 2, value: v.into(), bound };
            assert_eq!(err, want, "{}", op.name());
        }
        let r = q.ranges(&[vec![-65, 0, 0, 70]]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].min, r[0].max, r[0].low, r[0].high, r[0].fits()), (-65, 70, -64, 63, false));
    }
    // Float evaluation through the same functions.
    let g = Graph {
        tensors: vec![TensorInfo { name: "x".into(), shape: vec![3] }, TensorInfo { name: "y".into(), shape: vec![3] }],
        inputs: vec![0],
        outputs: vec![1],
        nodes: vec![Node { name: "gelu".into(), op: Op::Act(Activation::Gelu), inputs: vec![0], output: 1 }],
        tokens: None,
    };
    let y = g.eval_f32(&[vec![-1.0, 0.0, 1.0]]).unwrap();
    assert!(quant::max_abs_error(&y, &[vec![-0.158_655_26, 0.0, 0.841_344_7]]) < 1e-6, "{y:?}");
}

#[test]
fn gelu_with_a_shared_intermediate_is_not_fused() {
    let path = fixture("gelu_shared_erf.onnx");
    let err = OnnxModel::load(&path).unwrap_err();
    let msg = err.to_string();
    eprintln!("{msg}");
    let ImportError::Unsupported { ops, .. } = &err else { panic!("unexpected {msg}") };
    assert!(ops.contains(&("/1/Erf".to_string(), "Erf".to_string())), "{ops:?}");
    assert!(msg.starts_with(&path.display().to_string()) && msg.contains("Erf (node '/1/Erf')"), "{msg}");
    assert!(msg.contains("exact GELU") && !msg.contains('\n'), "{msg}");
}

#[test]
fn gelu_forms_tract_fuses_or_not_import_as_one_gelu() {
    let input = vec![vec![0.9f32, -1.7, 0.3, 1.2]];
    // The Erf chain in another order (matched by the importer), and the ONNX Gelu op (opset 20).
    for name in ["gelu_reordered.onnx", "gelu_opset20.onnx"] {
        let model = OnnxModel::load(fixture(name)).unwrap();
        let g = model.graph();
        eprintln!("{name}:\n{g}");
        assert_eq!(ops_without_reshapes(g), ["Linear", "Gelu"], "{name}");
        let ir = g.eval_f32(&input).unwrap();
        let tract = model.run_reference(&input).unwrap();
        assert!(quant::max_abs_error(&ir, &tract) < 1e-5, "{name}: {ir:?} vs {tract:?}");
    }
    // The tanh approximation is another function: imported as GeluTanh, not as the exact GELU,
    // and evaluated as tract does.
    let model = OnnxModel::load(fixture("gelu_tanh.onnx")).unwrap();
    let g = model.graph();
    assert_eq!(ops_without_reshapes(g), ["Linear", "GeluTanh"]);
    let ir = g.eval_f32(&input).unwrap();
    let tract = model.run_reference(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &tract) < 1e-5, "{ir:?} vs {tract:?}");
}

#[test]
fn gpt2_gelu_new_chain_is_one_tanh_gelu() {
    // GPT-2's NewGELUActivation as exported (Mul 0.5, Pow 3, Mul 0.044715, Add, Mul sqrt(2/pi),
    // Tanh, Add 1, Mul), which tract leaves unfused: one GeluTanh.
    let model = OnnxModel::load(fixture("gelu_new.onnx")).unwrap();
    let g = model.graph();
    assert_eq!(ops_without_reshapes(g), ["Linear", "GeluTanh", "Linear"]);
    let input = io_json::read_input(fixture("gelu_new.input.json"), &g.input_signature()).unwrap();
    let expected = io_json::read_output(fixture("gelu_new.expected.json")).unwrap();
    let ir = g.eval_f32(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5, "{ir:?} vs {expected:?}");
}

/// `(inputs, outputs, has bias)` of every `Linear` node, in graph order.
fn linear_layers(g: &Graph) -> Vec<(usize, usize, bool)> {
    g.nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Linear { weight, bias } => Some((weight.cols(), weight.rows(), bias.is_some())),
            _ => None,
        })
        .collect()
}

#[test]
fn batch_norm_and_constant_scalings_fold_into_the_linear_layers() {
    // Linear -> BatchNormalization -> ReLU -> Linear -> * 0.5 -> - c -> / 2: every per-output
    // constant folds into the Linear before it.
    let model = OnnxModel::load(fixture("bn_mlp.onnx")).unwrap();
    let g = model.graph();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Linear", "Relu", "Linear"]);
    assert_eq!(linear_layers(g), [(10, 8, true), (8, 4, true)]);
    let (input, expected) = sample(g, "bn_mlp");
    let ir = g.eval_f32(&input).unwrap();
    let tract = model.run_reference(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &tract) < 1e-5, "{ir:?} vs {tract:?}");
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5, "{ir:?} vs {expected:?}");
}

#[test]
fn constants_that_do_not_fold_are_diagonal_layers() {
    // `c - h` (a tensor subtracted from a constant) is a diagonal Linear, composed into the Gemm
    // before it; `g * c` with `g` also read elsewhere stays a diagonal Linear right after a Linear,
    // which reads that Linear's value through an identity layer (and an Add of two Linear values
    // makes a second one).
    let model = OnnxModel::load(fixture("affine_unfoldable.onnx")).unwrap();
    let g = model.graph();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Linear", "Linear", "Linear", "Add", "Add"], "{g}");
    let input = vec![vec![0.3, -0.7, 1.1, 0.2]];
    let ir = g.eval_f32(&input).unwrap();
    let tract = model.run_reference(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &tract) < 1e-5, "{ir:?} vs {tract:?}");
    let q = QuantizedModel::new(g.clone(), 6, 12).unwrap();
    let layers = zkml_prover::model::compile(&q).unwrap();
    let acts: Vec<&str> = layers.iter().map(|l| l.act.name()).collect();
    assert_eq!(acts, ["identity", "identity", "none"]);
}

#[test]
fn a_mul_of_two_tensors_imports_as_a_product() {
    // gated_mlp.onnx: relu(x W1) * sigmoid(x W2), then a Linear.
    let model = OnnxModel::load(fixture("gated_mlp.onnx")).unwrap();
    let g = model.graph();
    g.validate().unwrap();
    assert_eq!(ops_without_reshapes(g), ["Linear", "Relu", "Linear", "Sigmoid", "Mul", "Linear"]);
    let (input, expected) = sample(g, "gated_mlp");
    let ir = g.eval_f32(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5);
    // Quantised: the product is an accumulator of scale 2^(2s), rescaled, within one step of the
    // reference per output once through the last Linear.
    let config = QuantConfig { table_bits: 12, ..QuantConfig::default() };
    let q = QuantizedModel::calibrate(g.clone(), std::slice::from_ref(&input), &config).unwrap();
    let (w, out) = q.run(&input).unwrap();
    let mul = g.nodes.iter().position(|n| n.op == Op::Mul).unwrap();
    let (a, b) = (&w.tensors[g.nodes[mul].inputs[0]], &w.tensors[g.nodes[mul].inputs[1]]);
    let z = w.accumulators[mul].as_ref().unwrap();
    for i in 0..z.len() {
        assert_eq!(z[i], a[i] * b[i]);
        assert_eq!(w.tensors[g.nodes[mul].output][i], quant::rescale(z[i], q.scale_bits));
    }
    let err = quant::max_abs_error(&out, &expected);
    assert!(err < 0.01, "{err}");
    // The compiler makes it a product layer reading the ReLU layer and the Sigmoid layer.
    let layers = zkml_prover::model::compile(&q).unwrap();
    let p = layers.iter().find(|l| l.operand.is_some()).unwrap();
    assert_eq!((p.rows, p.cols, p.weight.nnz(), p.act), (10, 10, 0, Activation::Identity));
    let acts: Vec<Activation> = [Some(p.input), p.operand]
        .into_iter()
        .flatten()
        .map(|s| match s {
            zkml_verifier::model::Source::Layer(k) => layers[k as usize].act,
            zkml_verifier::model::Source::Input => Activation::None,
        })
        .collect();
    assert_eq!(acts, [Activation::Relu, Activation::Sigmoid]);
}

#[test]
fn a_matmul_of_two_activations_imports_as_spread_product_and_sum() {
    // bilinear_attention.onnx: two heads of q k^T, then (scores / sqrt 3) v, without the softmax.
    let model = OnnxModel::load(fixture("bilinear_attention.onnx")).unwrap();
    let g = model.graph();
    g.validate().unwrap();
    eprintln!("{g}");
    // Each head product: two selections spreading q and k (k^T: the transpose composes into its
    // selection) over the 2 x 4 x 4 x 3 product space, their product, the sum over the 3 values.
    let muls: Vec<&Node> = g.nodes.iter().filter(|n| n.op == Op::Mul).collect();
    assert_eq!(muls.len(), 2);
    for m in &muls {
        assert_eq!(g.tensor(m.output).len(), 2 * 4 * 4 * 3);
    }
    let (input, expected) = sample(g, "bilinear_attention");
    let ir = g.eval_f32(&input).unwrap();
    let tract = model.run_reference(&input).unwrap();
    assert!(quant::max_abs_error(&ir, &expected) < 1e-5, "{:?} {:?}", ir, expected);
    assert!(quant::max_abs_error(&tract, &expected) < 1e-5);
}
