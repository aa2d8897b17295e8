//! The MLP protocol end to end on small random networks: completeness, rejection with exact errors,
//! a tamper sweep over every proof field and Fiat–Shamir binding (`docs/protocols/mlp.md`).

mod common;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::model::{prove, prove_witness, witness_with, LayerWitness, ModelProvingKey};
use zkml_prover::quant::QuantizedModel;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::verify::MODEL_PAIRINGS;
use zkml_verifier::model::{verify_model, ModelProof};

use common::{random_model, tampered_fields};

struct Fixture {
    pk: ModelProvingKey,
    model: QuantizedModel,
    input: Vec<f32>,
}

fn fixture(dims: &[usize], seed: u64) -> Fixture {
    let (pk, model, input) = random_model(dims, seed);
    Fixture { pk, model, input }
}

fn proof_for(f: &Fixture, input: &[f32], seed: u64) -> ModelProof {
    let q = f.model.quantise_inputs(&[input.to_vec()]).unwrap();
    prove(&f.pk, &q[0], &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn small_mlp_proves_and_verifies() {
    let f = fixture(&[6, 5, 3], 1);
    let proof = proof_for(&f, &f.input, 2);
    let verdict = verify_model(&f.pk.vk, &proof, None).unwrap();
    let (witness, _) = f.model.run(std::slice::from_ref(&f.input)).unwrap();
    let expected: Vec<i32> =
        witness.tensors[*f.model.graph.outputs.first().unwrap()].iter().map(|&v| v as i32).collect();
    assert_eq!(verdict.output, expected);
    assert_eq!(verdict.pairings, MODEL_PAIRINGS);
    let bytes = proof.to_artifact_bytes();
    assert_eq!(ModelProof::from_artifact_bytes(&bytes).unwrap(), proof);
}

use zkml_verifier::hex::Digest;
use zkml_verifier::model::Int;
use zkml_verifier::Error;

fn fails(f: &Fixture, proof: &ModelProof) -> Error {
    verify_model(&f.pk.vk, proof, None).expect_err("a tampered proof must not verify")
}

#[test]
fn changed_public_values_are_rejected() {
    let f = fixture(&[6, 5, 3], 3);
    let proof = proof_for(&f, &f.input, 4);
    let mut p = proof.clone();
    p.input[0] = Int(p.input[0].0 + 1);
    assert_eq!(fails(&f, &p), Error::PairingCheckFailed);
    let mut p = proof.clone();
    p.output[1] = Int(p.output[1].0 - 1);
    assert_eq!(fails(&f, &p), Error::PairingCheckFailed);
    let mut p = proof.clone();
    p.input.pop();
    assert_eq!(fails(&f, &p), Error::ProofShape { what: "input values", expected: 6, found: 5 });
    let mut p = proof.clone();
    p.output.push(Int(0));
    assert_eq!(fails(&f, &p), Error::ProofShape { what: "output values", expected: 3, found: 4 });
    let mut p = proof;
    p.evals.pop();
    assert!(matches!(fails(&f, &p), Error::ProofShape { what: "evaluations", .. }));
}

#[test]
fn keys_and_digests_must_match() {
    let f = fixture(&[6, 5, 3], 5);
    let other = fixture(&[6, 5, 3], 6);
    let proof = proof_for(&f, &f.input, 7);
    let digest = f.pk.vk.digest();
    assert_eq!(verify_model(&f.pk.vk, &proof, Some(&digest)).unwrap().model_digest, digest);
    let wrong = Digest([7u8; 32]);
    assert_eq!(
        verify_model(&f.pk.vk, &proof, Some(&wrong)),
        Err(Error::DigestMismatch { expected: wrong, actual: digest })
    );
    assert_eq!(
        verify_model(&other.pk.vk, &proof, None),
        Err(Error::KeyMismatch { key: other.pk.vk.digest(), proof: digest })
    );
    // The other model's key with this proof's digest claimed: the key's weights do not match.
    let mut forged = proof.clone();
    forged.vk_digest = other.pk.vk.digest();
    assert_eq!(verify_model(&other.pk.vk, &forged, None), Err(Error::PairingCheckFailed));
}

#[test]
fn a_proof_with_other_weights_fails() {
    let f = fixture(&[6, 5, 3], 8);
    for layer in 0..2 {
        let mut pk = f.pk.clone();
        pk.layers[layer].weight.values_mut()[3] += 1;
        let q = f.model.quantise_inputs(std::slice::from_ref(&f.input)).unwrap();
        let proof = prove(&pk, &q[0], &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "layer {layer}");
        let mut pk = f.pk.clone();
        pk.layers[layer].bias[0] += 1;
        let proof = prove(&pk, &q[0], &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "bias of layer {layer}");
    }
}

#[test]
fn tampering_with_any_field_is_rejected() {
    let f = fixture(&[6, 5, 3], 10);
    let proof = proof_for(&f, &f.input, 11);
    let mut cases: Vec<(String, ModelProof)> = Vec::new();
    let mut p = proof.clone();
    p.vk_digest.0[0] ^= 1;
    cases.push(("vk digest".into(), p));
    for i in 0..proof.input.len() {
        let mut p = proof.clone();
        p.input[i] = Int(p.input[i].0 ^ 1);
        cases.push((format!("input {i}"), p));
    }
    for i in 0..proof.output.len() {
        let mut p = proof.clone();
        p.output[i] = Int(p.output[i].0 ^ 1);
        cases.push((format!("output {i}"), p));
    }
    cases.extend(tampered_fields(&proof));
    for (what, p) in &cases {
        assert!(verify_model(&f.pk.vk, p, None).is_err(), "{what} tampered but the proof verified");
    }

    // Byte level: every byte of the header and digest, then a stride through the rest; every
    // outcome is an error (decoding or verification), never a panic.
    let bytes = proof.to_artifact_bytes();
    let offsets: Vec<usize> = (0..48).chain((48..bytes.len()).step_by(7)).collect();
    for &i in &offsets {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        let r = ModelProof::from_artifact_bytes(&b).map_err(Error::from).and_then(|p| verify_model(&f.pk.vk, &p, None));
        assert!(r.is_err(), "flipping byte {i} of {} still verifies", bytes.len());
    }
    for len in [0, 7, 8, 40, bytes.len() / 2, bytes.len() - 1] {
        assert!(ModelProof::from_artifact_bytes(&bytes[..len]).is_err());
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    // Two honest proofs of the same inference: any field moved from one into the other breaks it,
    // because every challenge depends on all messages before it.
    let f = fixture(&[6, 5, 3], 12);
    let a = proof_for(&f, &f.input, 13);
    let b = proof_for(&f, &f.input, 14);
    assert_ne!(a.round1, b.round1);
    verify_model(&f.pk.vk, &b, None).unwrap();
    let mixes: Vec<(&str, ModelProof)> = vec![
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("quotients", ModelProof { quotients: b.quotients.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
        ("opening", ModelProof { opening: b.opening.clone(), ..a.clone() }),
        ("round 1", ModelProof { round1: b.round1.clone(), ..a.clone() }),
        ("degree check", ModelProof { degree: b.degree, ..a.clone() }),
        (
            "quotients and shift with their degree check",
            ModelProof { quotients: b.quotients.clone(), degree: b.degree, ..a.clone() },
        ),
    ];
    for (what, p) in mixes {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn proving_keys_round_trip() {
    let f = fixture(&[4, 3, 2], 15);
    let bytes = f.pk.to_bytes();
    let back = ModelProvingKey::from_bytes(&bytes).unwrap();
    assert_eq!(back.vk, f.pk.vk);
    assert_eq!(back.layers, f.pk.layers);
    assert!(ModelProvingKey::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn deeper_networks_verify_with_the_same_pairings() {
    let f = fixture(&[8, 7, 6, 5, 4, 3, 2], 16);
    let proof = proof_for(&f, &f.input, 17);
    assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().pairings, MODEL_PAIRINGS);
}

/// A change to a layer's witness values.
type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

/// A cheating prover: the witness is changed by `hook` (then propagated to later layers) and the
/// prover writes a proof without checking its constraints. The verifier must reject it.
fn cheat(f: &Fixture, hook: &dyn Fn(usize, &mut LayerWitness)) -> Result<zkml_verifier::model::ModelVerdict, Error> {
    let q = f.model.quantise_inputs(std::slice::from_ref(&f.input)).unwrap();
    let wit = witness_with(&f.pk, &q[0], hook).unwrap();
    // The strict prover refuses the same witness (so the hook really broke a constraint).
    assert!(prove_witness(&f.pk, &q[0], &wit, &mut ChaCha20Rng::seed_from_u64(1), true).is_err());
    let proof = prove_witness(&f.pk, &q[0], &wit, &mut ChaCha20Rng::seed_from_u64(1), false).unwrap();
    verify_model(&f.pk.vk, &proof, None)
}

#[test]
fn wrong_witnesses_are_rejected() {
    let f = fixture(&[6, 5, 4, 3], 18);
    let (s, b) = (f.pk.vk.scale_bits, f.pk.vk.table_bits);
    // The honest witness through the non-strict path still verifies.
    let q = f.model.quantise_inputs(std::slice::from_ref(&f.input)).unwrap();
    let honest = witness_with(&f.pk, &q[0], &|_, _| {}).unwrap();
    let proof = prove_witness(&f.pk, &q[0], &honest, &mut ChaCha20Rng::seed_from_u64(1), false).unwrap();
    verify_model(&f.pk.vk, &proof, None).unwrap();

    let cases: Vec<(&str, Hook)> = vec![
        // ReLU output off by one (the next layer computes on it consistently).
        (
            "relu output",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 0 {
                    w.out[1] += 1
                }
            }),
        ),
        // A negative ReLU input passed through unchanged.
        (
            "relu passes a negative",
            Box::new(|l, w: &mut LayerWitness| {
                if let (0 | 1, Some(i)) = (l, w.q.iter().position(|&q| q < 0)) {
                    w.out[i] = w.q[i];
                }
            }),
        ),
        // Accumulator not equal to W a + b (rescaled consistently).
        (
            "accumulator",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 0 {
                    w.z[2] += 1 << s;
                    w.q[2] += 1;
                    w.out[2] = w.q[2].max(0)
                }
            }),
        ),
        // Rescaling rounded the wrong way: remainder outside [0, 2^s).
        (
            "rounding",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 1 {
                    w.q[1] += 1;
                    w.rem[1] -= 1 << s;
                    w.out[1] = w.q[1].max(0)
                }
            }),
        ),
        // A different model output (the last layer's q is the output).
        (
            "output",
            Box::new(move |l, w: &mut LayerWitness| {
                if l == 2 {
                    w.q[0] -= 1;
                    w.rem[0] += 1 << s;
                    w.out[0] = w.q[0]
                }
            }),
        ),
        // A negative ReLU input passed through with its sign claimed positive (A = Sigma D holds;
        // the sign lookup (h < 0, 1) is no table row).
        (
            "sign of a negative",
            Box::new(|l, w: &mut LayerWitness| {
                if let (0 | 1, Some(i)) = (l, w.q.iter().position(|&q| q < 0)) {
                    (w.sign[i], w.out[i]) = (1, w.q[i]);
                }
            }),
        ),
        // A positive ReLU input zeroed with its sign claimed negative.
        (
            "sign of a positive",
            Box::new(|l, w: &mut LayerWitness| {
                if let (0 | 1, Some(i)) = (l, w.q.iter().position(|&q| q > 0)) {
                    (w.sign[i], w.out[i]) = (0, 0);
                }
            }),
        ),
        // A split whose low part leaves [0, 2^s): a non-negative input given a negative high part
        // (so a sign of 0 and a ReLU output of 0).
        (
            "split",
            Box::new(|l, w: &mut LayerWitness| {
                if let (0 | 1, Some(i)) = (l, w.q.iter().position(|&q| q >= 0)) {
                    (w.high[i], w.sign[i], w.out[i]) = (-1, 0, 0);
                }
            }),
        ),
        // A negative ReLU input claimed as its own low part (h = 0, sign 1, output q): the range
        // lookup of a negative l, which only the tag column keeps off the sign row (l, 0).
        (
            "negative low part",
            Box::new(move |l, w: &mut LayerWitness| {
                let small = w.q.iter().position(|&q| q < 0 && q >= -(1 << (b - s)));
                if let (0 | 1, Some(i)) = (l, small.or_else(|| w.q.iter().position(|&q| q < 0))) {
                    (w.high[i], w.sign[i], w.out[i]) = (0, 1, w.q[i]);
                }
            }),
        ),
        // The padding row of a layer carries a value.
        (
            "padding",
            Box::new(|l, w: &mut LayerWitness| {
                if l == 2 {
                    let last = w.z.len() - 1;
                    w.out[last] = 5;
                    w.q[last] = 5
                }
            }),
        ),
    ];
    for (what, hook) in &cases {
        assert_eq!(cheat(&f, hook.as_ref()), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn oversized_keys_are_refused() {
    let f = fixture(&[4, 3, 2], 19);
    let mut vk = f.pk.vk.clone();
    let hidden = vk.layers[0].clone();
    let row = hidden.weights[0];
    vk.layers = std::iter::repeat_n(
        zkml_verifier::model::LayerKey { rows: 4, cols: 4, weights: vec![row; 4], ..hidden.clone() },
        1024,
    )
    .chain([zkml_verifier::model::LayerKey {
        rows: 2,
        cols: 4,
        act: zkml_verifier::model::key::Activation::None,
        weights: vec![row; 2],
        ..hidden
    }])
    .collect();
    assert_eq!(vk.validate(), Err(Error::BadKey("no layers, or more than 1024")));
    vk.layers.truncate(3);
    vk.layers[0].cols = 1 << 21;
    assert!(matches!(vk.validate(), Err(Error::BadKey(_))));
}
