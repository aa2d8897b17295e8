//! Helpers shared by the model proof tests (`mod common;` in each test file).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod graph;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::random_mlp;
use zkml_prover::model::{prove_witness_with, setup, LayerWitness, ModelProvingKey, ProveOptions};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof};
use zkml_verifier::{Error, Fr, G1, G2};

/// A random MLP with layer sizes `dims`, calibrated on one random input (returned, as floats), and
/// its proving key over a small dev SRS; everything drawn from `seed`.
pub fn random_model(dims: &[usize], seed: u64) -> (ModelProvingKey, QuantizedModel, Vec<f32>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let g = random_mlp(dims, &mut rng);
    let input: Vec<f32> = (0..dims[0]).map(|_| rng.gen_range(0.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let srs = Srs::insecure_dev(11, &mut rng);
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    (pk, model, input)
}

/// `p + G`: a valid point other than `p`.
pub fn moved(p: &G1) -> G1 {
    (*p + G1::generator()).into_affine()
}

/// Copies of `proof` with one commitment (of every section), evaluation, opening witness or
/// opening blind changed each, named by what was changed: the field sweep of every protocol.
pub fn tampered_fields(proof: &ModelProof) -> Vec<(String, ModelProof)> {
    type Section = fn(&mut ModelProof) -> &mut Vec<G1>;
    let sections: [(&str, Section); 5] = [
        ("round-1 commitment", |p| &mut p.round1),
        ("round-2 commitment", |p| &mut p.round2),
        ("cross term", |p| &mut p.folds),
        ("accumulator", |p| &mut p.decider),
        ("quotient", |p| &mut p.quotients),
    ];
    let mut cases = Vec::new();
    for (name, get) in sections {
        for i in 0..get(&mut proof.clone()).len() {
            let mut p = proof.clone();
            let v = get(&mut p);
            v[i] = moved(&v[i]);
            cases.push((format!("{name} {i}"), p));
        }
    }
    for i in 0..proof.evals.len() {
        let mut p = proof.clone();
        p.evals[i] += Fr::one();
        cases.push((format!("evaluation {i}"), p));
    }
    for i in 0..proof.opening.openings.len() {
        let mut p = proof.clone();
        p.opening.openings[i].witness = moved(&p.opening.openings[i].witness);
        cases.push((format!("opening witness {i}"), p));
        let mut p = proof.clone();
        p.opening.openings[i].blind_eval += Fr::one();
        cases.push((format!("opening blind {i}"), p));
    }
    let mut p = proof.clone();
    p.degree.shifted = (p.degree.shifted + G2::generator()).into_affine();
    cases.push(("degree check S".into(), p));
    let mut p = proof.clone();
    p.degree.blind = moved(&p.degree.blind);
    cases.push(("degree check R".into(), p));
    cases
}

/// The cheating-prover check of a wrong witness `wit`, in both modes: the strict prover refuses
/// it, and the proof made with its checks off fails the pairing check. Returns those proofs.
pub fn rejected_in_both_modes(
    pk: &ModelProvingKey,
    input: &[i64],
    wit: &[LayerWitness],
    seed: u64,
    what: &str,
) -> Vec<ModelProof> {
    let mut proofs = Vec::new();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let strict = ProveOptions::new(mode);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        assert!(prove_witness_with(pk, input, wit, &mut rng, &strict).is_err(), "{what}: strict prover");
        let cheat = ProveOptions { strict: false, ..strict };
        let p = prove_witness_with(pk, input, wit, &mut rng, &cheat).unwrap();
        assert_eq!(verify_model(&pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what} {mode:?}");
        proofs.push(p);
    }
    proofs
}

/// Copies of proof `a` with one round of proof `b` each: the transcript-binding check.
pub fn mixed_rounds(a: &ModelProof, b: &ModelProof) -> Vec<(&'static str, ModelProof)> {
    vec![
        ("round 1", ModelProof { round1: b.round1.clone(), ..a.clone() }),
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("quotients", ModelProof { quotients: b.quotients.clone(), ..a.clone() }),
        ("evaluations", ModelProof { evals: b.evals.clone(), ..a.clone() }),
    ]
}
