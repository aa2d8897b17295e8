//! Helpers shared by the model proof tests (`mod common;` in each test file).

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use zkml_verifier::model::ModelProof;
use zkml_verifier::{Fr, G1};

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
    cases
}
