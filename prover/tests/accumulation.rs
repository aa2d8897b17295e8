//! Accumulation end to end (`docs/protocols/accumulation.md`): hidden layers of equal shape folded
//! into one accumulator per class; completeness, size, and rejection of tampered folds.

mod common;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::model::{
    prove_mode, prove_witness_with, witness_with, LayerWitness, ModelProvingKey, ProveOptions, TotalCheat,
};
use zkml_verifier::codec::{Decode, Reader};
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::verify::MODEL_PAIRINGS;
use zkml_verifier::model::{verify_model, ModelProof};

use common::{moved, random_model, tampered_fields};
use zkml_verifier::Error;

struct Fixture {
    pk: ModelProvingKey,
    input: Vec<i64>,
}

fn fixture(dims: &[usize], seed: u64) -> Fixture {
    let (pk, model, input) = random_model(dims, seed);
    let q = model.quantise_inputs(&[input]).unwrap();
    Fixture { pk, input: q[0].clone() }
}

/// Input 16, eight hidden layers of width 16, output 4: the seven hidden layers after the first
/// fold (the first reads the public input: the public-input block, checked on its own).
const DEEP: [usize; 10] = [16, 16, 16, 16, 16, 16, 16, 16, 16, 4];

#[test]
fn deep_mlp_folds_and_verifies() {
    let f = fixture(&DEEP, 1);
    let layout = Layout::new(&f.pk.vk, Mode::Accumulated);
    assert_eq!(layout.classes.len(), 1);
    assert_eq!(layout.classes[0].members, (1..8).collect::<Vec<_>>());
    assert_eq!((layout.folds.len(), layout.levels), (6, 3));
    let acc = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let per = prove_mode(&f.pk, &f.input, Mode::PerLayer, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let va = verify_model(&f.pk.vk, &acc, None).unwrap();
    let vp = verify_model(&f.pk.vk, &per, None).unwrap();
    assert_eq!(va.output, vp.output);
    assert_eq!((va.pairings, vp.pairings), (MODEL_PAIRINGS, MODEL_PAIRINGS));
    let (a, p) = (acc.to_artifact_bytes(), per.to_artifact_bytes());
    assert_eq!(ModelProof::from_artifact_bytes(&a).unwrap(), acc);
    assert_eq!(ModelProof::from_artifact_bytes(&p).unwrap(), per);
    eprintln!("accumulated {} bytes, per-layer {} bytes", a.len(), p.len());
    // The size target of the accumulated format on this network (docs/BENCHMARKS.md): at least
    // 2.5x smaller than the per-layer proof (3,780 against 10,940 bytes with format 8, whose first
    // layer, reading the input, is checked on its own; the per-layer proof lost
    // its V and Q commitments when the weights became row commitments in the key).
    assert!(5 * a.len() <= 2 * p.len(), "accumulated {} bytes, per-layer {} bytes", a.len(), p.len());
}

fn accumulated(f: &Fixture, seed: u64) -> ModelProof {
    prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

/// Seven hidden layers of width 8, of which the six after the first fold (5 folds, 3 levels), small
/// enough for sweeps.
const MID: [usize; 9] = [8, 8, 8, 8, 8, 8, 8, 8, 3];

#[test]
fn tampered_cross_terms_and_accumulators_are_rejected() {
    let f = fixture(&MID, 3);
    let proof = accumulated(&f, 4);
    verify_model(&f.pk.vk, &proof, None).unwrap();
    assert_eq!(proof.folds.len(), 5);
    assert_eq!(proof.decider.len(), zkml_verifier::model::layout::DECIDER_PER_CLASS);
    for i in 0..proof.folds.len() {
        let mut p = proof.clone();
        p.folds[i] = moved(&p.folds[i]);
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "cross term {i}");
    }
    for i in 0..proof.decider.len() {
        let mut p = proof.clone();
        p.decider[i] = moved(&p.decider[i]);
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "accumulator commitment {i}");
    }
    // The public input (read by the first layer, on its own) and output.
    for i in [0, 5] {
        let mut p = proof.clone();
        p.input[i] = zkml_verifier::model::Int(p.input[i].0 + 1);
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "input {i}");
    }
    let mut p = proof.clone();
    p.output[0] = zkml_verifier::model::Int(p.output[0].0 - 1);
    assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "output");
    // A cross term swapped with another, or dropped.
    let mut p = proof.clone();
    p.folds.swap(0, 1);
    assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed));
    let mut p = proof.clone();
    p.folds.pop();
    assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::ProofShape { what: "cross terms", expected: 5, found: 4 }));
    let mut p = proof.clone();
    p.decider.push(p.decider[0]);
    assert_eq!(
        verify_model(&f.pk.vk, &p, None),
        Err(Error::ProofShape {
            what: "decider commitments",
            expected: zkml_verifier::model::layout::DECIDER_PER_CLASS,
            found: zkml_verifier::model::layout::DECIDER_PER_CLASS + 1
        })
    );
}

#[test]
fn a_fold_with_a_wrong_challenge_is_rejected() {
    let f = fixture(&MID, 5);
    let wit = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
    for fold in 0..5 {
        let opts = ProveOptions { wrong_fold_challenge: Some(fold), ..ProveOptions::new(Mode::Accumulated) };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(6), &opts).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "fold {fold}");
    }
}

/// A witness hook: layer `layer`'s accumulator off by `2^s`, rescaled consistently, so only
/// `z = W a + b` breaks.
fn wrong_accumulator(layer: usize, s: u32) -> impl Fn(usize, &mut LayerWitness) {
    move |l, w| {
        if l == layer {
            w.z[1] += 1 << s;
            w.q[1] += 1;
            w.out[1] = w.q[1].max(0);
        }
    }
}

#[test]
fn a_folded_instance_with_a_wrong_witness_fails_the_decider() {
    let f = fixture(&MID, 7);
    let s = f.pk.vk.scale_bits;
    for layer in [0, 1, 3, 5] {
        let wit = witness_with(&f.pk, &f.input, &wrong_accumulator(layer, s)).unwrap();
        let strict = ProveOptions::new(Mode::Accumulated);
        assert!(prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(8), &strict).is_err());
        let cheat = ProveOptions { strict: false, ..strict };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(8), &cheat).unwrap();
        assert_eq!(proof.folds.len(), 5);
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "layer {layer}");
    }
    // Inside a folded layer: a wrong ReLU output; a negative input passed with its sign claimed
    // positive (A = Sigma D holds, the sign lookup fails); a non-negative input split with a
    // negative high part (sign 0, output 0: the low part leaves [0, 2^s)).
    type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;
    let hooks: [(&str, Hook); 3] = [
        (
            "relu output",
            Box::new(|l, w| {
                if l == 4 {
                    if let Some(i) = w.q.iter().position(|&q| q < 0) {
                        w.out[i] = w.q[i];
                    } else {
                        w.out[0] += 1;
                    }
                }
            }),
        ),
        (
            "sign",
            Box::new(|l, w| {
                if let (4, Some(i)) = (l, w.q.iter().position(|&q| q < 0)) {
                    (w.sign[i], w.out[i]) = (1, w.q[i]);
                }
            }),
        ),
        (
            "split",
            Box::new(|l, w| {
                if let (4, Some(i)) = (l, w.q.iter().position(|&q| q > 0)) {
                    (w.high[i], w.sign[i], w.out[i]) = (-1, 0, 0);
                }
            }),
        ),
    ];
    for (what, hook) in &hooks {
        let wit = witness_with(&f.pk, &f.input, hook.as_ref()).unwrap();
        let honest = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
        assert!(wit.iter().zip(&honest).any(|(a, b)| a.out != b.out), "{what}: the hook changed nothing");
        let cheat = ProveOptions { strict: false, ..ProveOptions::new(Mode::Accumulated) };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(9), &cheat).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

/// A wrong ReLU output in a folded layer leaves the layer side's lookup total off the table's by
/// `1/(α − q − β a') − 1/(α − q − β ReLU(q))`. A prover that reports the class's summed total
/// `E_sum` as the table needs (so that the table check holds) is caught by the split of the
/// members' summed witnesses: by the split claim, or, if `Low` absorbs the difference, by its
/// degree bound. On an honest witness the same prover is honest, and the proof verifies.
#[test]
fn a_class_lookup_total_that_suits_the_table_is_rejected() {
    let f = fixture(&MID, 15);
    for cheat in [TotalCheat::SplitBroken, TotalCheat::LowTooLong] {
        let opts =
            ProveOptions { strict: false, table_total_cheat: Some(cheat), ..ProveOptions::new(Mode::Accumulated) };
        let honest = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
        let proof = prove_witness_with(&f.pk, &f.input, &honest, &mut ChaCha20Rng::seed_from_u64(3), &opts).unwrap();
        verify_model(&f.pk.vk, &proof, None).unwrap();
        for layer in [0, 2, 5] {
            let wit = witness_with(&f.pk, &f.input, &|l, w| {
                if l == layer {
                    w.out[0] += 1;
                }
            })
            .unwrap();
            let plain = ProveOptions { table_total_cheat: None, ..opts };
            let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(4), &plain).unwrap();
            assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "plain, layer {layer}");
            let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(4), &opts).unwrap();
            assert_eq!(
                verify_model(&f.pk.vk, &proof, None),
                Err(Error::PairingCheckFailed),
                "{cheat:?}, layer {layer}"
            );
        }
    }
}

#[test]
fn every_field_and_byte_of_an_accumulated_proof_is_checked() {
    let f = fixture(&MID, 10);
    let proof = accumulated(&f, 11);
    let cases = tampered_fields(&proof);
    for (what, p) in &cases {
        assert_eq!(verify_model(&f.pk.vk, p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    // Byte flips: every byte of the header, digest and each section start, then a stride.
    let bytes = proof.to_artifact_bytes();
    let offsets: Vec<usize> = (0..48).chain((48..bytes.len()).step_by(5)).collect();
    for &i in &offsets {
        let mut b = bytes.clone();
        b[i] ^= 0x21;
        let r = ModelProof::from_artifact_bytes(&b).map_err(Error::from).and_then(|p| verify_model(&f.pk.vk, &p, None));
        assert!(r.is_err(), "flipping byte {i} of {} still verifies", bytes.len());
    }
    for len in [0, 8, 40, bytes.len() / 3, bytes.len() - 1] {
        assert!(ModelProof::from_artifact_bytes(&bytes[..len]).is_err());
    }
    // The accumulated kind cannot be read as a per-layer proof or the other way round.
    let mut as_per_layer = bytes.clone();
    as_per_layer[6] = 6;
    assert!(ModelProof::from_artifact_bytes(&as_per_layer).is_err());
}

/// Commitments of an accumulated proof travel compressed: an x-coordinate with no curve point, or
/// one at or above the base field modulus, is refused with the exact decoding error.
#[test]
fn compressed_commitments_are_decoded_with_checks() {
    use ark_ff::{BigInteger, PrimeField};
    use zkml_verifier::DecodeError;
    let f = fixture(&MID, 13);
    let proof = accumulated(&f, 14);
    let bytes = proof.to_artifact_bytes();
    // Envelope header, digest, input and output (u32 length + i32 each), round-1 length.
    let at = zkml_verifier::envelope::HEADER_BYTES + 32 + 4 + 4 * proof.input.len() + 4 + 4 * proof.output.len() + 4;
    let first = ModelProof::from_artifact_bytes(&bytes).unwrap().round1[0];
    assert_eq!(zkml_verifier::G1::decode(&mut Reader::new(&bytes[at..at + 32]), "x"), Ok(first));
    let what = "proof round-1 commitment";
    let off_curve = (2u64..)
        .map(ark_bn254::Fq::from)
        .find(|x| zkml_verifier::G1::get_point_from_x_unchecked(*x, false).is_none())
        .unwrap();
    let mut b = bytes.clone();
    b[at..at + 32].copy_from_slice(&off_curve.into_bigint().to_bytes_le());
    assert_eq!(ModelProof::from_artifact_bytes(&b), Err(DecodeError::InvalidPoint { what }));
    let mut b = bytes.clone();
    let mut modulus = ark_bn254::Fq::MODULUS.to_bytes_le();
    modulus[31] &= 0x3f;
    b[at..at + 32].copy_from_slice(&modulus);
    assert_eq!(ModelProof::from_artifact_bytes(&b), Err(DecodeError::InvalidPoint { what }));
}

#[test]
fn fold_messages_are_bound_by_the_transcript() {
    let f = fixture(&MID, 12);
    let a = accumulated(&f, 13);
    let b = accumulated(&f, 14);
    verify_model(&f.pk.vk, &b, None).unwrap();
    assert_ne!(a.folds, b.folds);
    let mixes: Vec<(&str, ModelProof)> = vec![
        ("cross terms", ModelProof { folds: b.folds.clone(), ..a.clone() }),
        ("accumulators", ModelProof { decider: b.decider.clone(), ..a.clone() }),
        ("round 2", ModelProof { round2: b.round2.clone(), ..a.clone() }),
        ("quotients", ModelProof { quotients: b.quotients.clone(), ..a.clone() }),
    ];
    for (what, p) in mixes {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
    // The same fold data under the per-layer mode is a different proof.
    let per = ModelProof { mode: Mode::PerLayer, folds: vec![], decider: vec![], ..a.clone() };
    assert!(verify_model(&f.pk.vk, &per, None).is_err());
}

#[test]
fn classes_group_hidden_layers_by_shape() {
    // Shapes of the hidden layers: 8x8 (layers 0-4; 0 reads the input and is checked on its own),
    // 4x8 (layer 5) and 4x4 (layer 6): one class.
    let f = fixture(&[8, 8, 8, 8, 8, 8, 4, 4, 2], 15);
    let layout = Layout::new(&f.pk.vk, Mode::Accumulated);
    let members: Vec<Vec<usize>> = layout.classes.iter().map(|c| c.members.clone()).collect();
    assert_eq!(members, vec![vec![1, 2, 3, 4]]);
    let proof = accumulated(&f, 16);
    assert_eq!(verify_model(&f.pk.vk, &proof, None).unwrap().pairings, MODEL_PAIRINGS);
    assert_eq!(proof.folds.len(), 3);
}

/// The deep network's key and proofs, pinned for the Node and Chromium tests
/// (`tests/fixtures/mlp/deep_mlp.*`, rewritten with `UPDATE_FIXTURES=1`).
#[test]
fn deep_mlp_fixtures_are_current() {
    let f = fixture(&DEEP, 1);
    let acc = prove_mode(&f.pk, &f.input, Mode::Accumulated, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let per = prove_mode(&f.pk, &f.input, Mode::PerLayer, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/mlp");
    let files: [(&str, Vec<u8>); 4] = [
        ("deep_mlp.vk", f.pk.vk.to_artifact_bytes()),
        ("deep_mlp.proof", acc.to_artifact_bytes()),
        ("deep_mlp.per_layer.proof", per.to_artifact_bytes()),
        ("deep_mlp.digest", format!("{}\n", f.pk.vk.digest().to_hex()).into_bytes()),
    ];
    for (name, bytes) in &files {
        let path = dir.join(name);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, bytes).unwrap();
        } else {
            let pinned = std::fs::read(&path).unwrap();
            assert!(pinned == *bytes, "{name} is stale: rerun with UPDATE_FIXTURES=1 if the format changed on purpose");
        }
    }
}

#[test]
fn interleaved_classes_fold_in_the_same_levels() {
    // Hidden shapes alternate: layers 0, 2, 4, 6 are 8 -> 16 (0 reads the input, on its own) and
    // 1, 3, 5 are 16 -> 8; each class feeds the other, and both fold in the same levels.
    let f = fixture(&[8, 16, 8, 16, 8, 16, 8, 16, 3], 21);
    let layout = Layout::new(&f.pk.vk, Mode::Accumulated);
    let members: Vec<Vec<usize>> = layout.classes.iter().map(|c| c.members.clone()).collect();
    assert_eq!(members, vec![vec![1, 3, 5], vec![2, 4, 6]]);
    assert_eq!((layout.folds.len(), layout.levels), (4, 2));
    verify_model(&f.pk.vk, &accumulated(&f, 2), None).unwrap();
    let s = f.pk.vk.scale_bits;
    for layer in 0..7 {
        let wit = witness_with(&f.pk, &f.input, &wrong_accumulator(layer, s)).unwrap();
        let cheat = ProveOptions { strict: false, ..ProveOptions::new(Mode::Accumulated) };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(8), &cheat).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "layer {layer}");
    }
    let wit = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
    for fold in 0..layout.folds.len() {
        let opts = ProveOptions { wrong_fold_challenge: Some(fold), ..ProveOptions::new(Mode::Accumulated) };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(6), &opts).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "fold {fold}");
    }
}

#[test]
fn lookup_totals_cannot_move_between_layers() {
    // One unit of lookup total moved between two layers keeps the sum the table check sees; each
    // layer's own running sum must catch it, folded or not.
    let f = fixture(&MID, 41);
    let wit = witness_with(&f.pk, &f.input, &|_, _| {}).unwrap();
    for shift in [(1, 2), (1, 3), (2, 5), (0, 1), (5, 6)] {
        let opts =
            ProveOptions { strict: false, shift_lookup_total: Some(shift), ..ProveOptions::new(Mode::Accumulated) };
        let proof = prove_witness_with(&f.pk, &f.input, &wit, &mut ChaCha20Rng::seed_from_u64(8), &opts).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &proof, None), Err(Error::PairingCheckFailed), "{shift:?}");
    }
}

/// The envelope kind is absorbed first: for a model without fold classes the two kinds have the
/// same layout, and a proof of one kind re-enveloped as the other is still rejected.
#[test]
fn a_proof_re_enveloped_as_the_other_kind_is_rejected() {
    let f = fixture(&[4, 6, 3], 21);
    assert!(Layout::new(&f.pk.vk, Mode::Accumulated).classes.is_empty());
    for (from, to) in [(Mode::PerLayer, Mode::Accumulated), (Mode::Accumulated, Mode::PerLayer)] {
        let p = prove_mode(&f.pk, &f.input, from, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        verify_model(&f.pk.vk, &p, None).unwrap();
        let moved = ModelProof { mode: to, ..p };
        let back = ModelProof::from_artifact_bytes(&moved.to_artifact_bytes()).unwrap();
        assert_eq!(verify_model(&f.pk.vk, &back, None), Err(Error::PairingCheckFailed), "{from:?} as {to:?}");
    }
}
