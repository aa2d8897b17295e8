//! The public-input matmul block (`docs/protocols/blocks/public_matmul.md`): a layer reading the
//! model input is checked against `Y = W x`, formed by the verifier from the key's weight columns.
//! Completeness with signed inputs and either shape, the layout it gives, rejection of a changed
//! input, of a key with one column changed and of a key with rows in place of columns (exact
//! errors), and a cheating prover whose first accumulator is not `W x + b`. The tamper sweep and the
//! transcript binding over every proof field, this layer's `Z` included, are `model_mlp.rs`'s.

mod common;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::model::{prove_mode, prove_witness_with, witness_with, ModelProvingKey, ProveOptions};
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, Int, ModelProof};
use zkml_verifier::Error;

use common::{moved, random_model};

/// A key for `dims` and a quantised input with both signs (the first value negated).
fn fixture(dims: &[usize], seed: u64) -> (ModelProvingKey, Vec<i64>) {
    let (pk, model, input) = random_model(dims, seed);
    let mut q = model.quantise_inputs(&[input]).unwrap().remove(0);
    q[0] = -q[0] - 1;
    (pk, q)
}

fn proof(pk: &ModelProvingKey, input: &[i64], mode: Mode, seed: u64) -> ModelProof {
    prove_mode(pk, input, mode, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn signed_inputs_prove_and_verify_in_either_shape() {
    // More columns than rows, more rows than columns, and a deeper network whose other layers fold.
    for (dims, seed) in [(&[12usize, 3, 2][..], 1), (&[3, 12, 2][..], 2), (&[8, 8, 8, 8, 3][..], 3)] {
        let (pk, input) = fixture(dims, seed);
        assert!(input.iter().any(|&x| x < 0) && input.iter().any(|&x| x > 0));
        assert_eq!(pk.vk.layers[0].first_block(), zkml_verifier::model::blocks::Block::PublicMatmul);
        assert_eq!(pk.vk.layers[0].weights.len(), dims[0], "one weight commitment per column");
        assert_eq!(pk.vk.layers[1].weights.len(), dims[2], "one weight commitment per row");
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let p = proof(&pk, &input, mode, seed + 10);
            let verdict = verify_model(&pk.vk, &p, None).unwrap();
            let ints: Vec<Int> = input.iter().map(|&x| Int(x as i32)).collect();
            assert_eq!(p.input, ints, "{dims:?} {mode:?}");
            assert_eq!(verdict.input, input.iter().map(|&x| x as i32).collect::<Vec<_>>());
        }
    }
}

#[test]
fn the_first_layer_has_no_running_sums_and_does_not_fold() {
    let (pk, _) = fixture(&[8, 8, 8, 8, 3], 4);
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let layout = Layout::new(&pk.vk, mode);
        let first = &layout.slots[layout.layers[0].slot.unwrap()];
        assert_eq!(first.first, zkml_verifier::model::blocks::Block::PublicMatmul);
        assert_eq!((first.c, first.s1, first.s2), (None, None, None));
        assert_eq!((first.ev_s1, first.ev_s2), (None, None));
        assert!(layout.classes.iter().all(|c| !c.members.contains(&0)));
    }
    // Layers 1 and 2 fold; layer 0 stays on its own.
    assert_eq!(Layout::new(&pk.vk, Mode::Accumulated).classes[0].members, vec![1, 2]);
    // A one-layer model: its input domain (8) is no constraint domain, its output domain (4) is.
    let (pk, _) = fixture(&[6, 3], 5);
    let layout = Layout::new(&pk.vk, Mode::PerLayer);
    assert!(!layout.domains.contains(&8) && layout.domains.contains(&4), "{:?}", layout.domains);
}

#[test]
fn a_changed_input_value_or_sign_is_rejected() {
    let (pk, input) = fixture(&[6, 5, 3], 6);
    let honest = proof(&pk, &input, Mode::PerLayer, 7);
    verify_model(&pk.vk, &honest, None).unwrap();
    for i in 0..input.len() {
        for changed in [honest.input[i].0 + 1, -honest.input[i].0] {
            if changed == honest.input[i].0 {
                continue;
            }
            let mut p = honest.clone();
            p.input[i] = Int(changed);
            assert_eq!(verify_model(&pk.vk, &p, None), Err(Error::PairingCheckFailed), "input {i} -> {changed}");
        }
    }
}

#[test]
fn keys_with_a_changed_column_or_rows_for_columns_are_rejected() {
    let (pk, input) = fixture(&[6, 5, 3], 8);
    let p = proof(&pk, &input, Mode::PerLayer, 9);
    for j in 0..6 {
        let mut vk = pk.vk.clone();
        vk.layers[0].weights[j] = moved(&vk.layers[0].weights[j]);
        // The proof names the honest key's digest: re-point it to reach the pairing check.
        let mut q = p.clone();
        q.vk_digest = vk.digest();
        assert_eq!(verify_model(&vk, &q, None), Err(Error::PairingCheckFailed), "column {j}");
    }
    // One commitment per row (5) where the first layer needs one per column (6).
    let mut vk = pk.vk.clone();
    vk.layers[0].weights.pop();
    assert_eq!(
        verify_model(&vk, &p, None),
        Err(Error::BadKey(
            "a layer does not have one weight commitment per row (per column when it reads the input, none for a \
             product or public weights)"
        ))
    );
}

#[test]
fn a_first_accumulator_other_than_w_x_plus_b_is_rejected() {
    let (pk, input) = fixture(&[6, 5, 4, 3], 10);
    let s = pk.vk.scale_bits;
    // Row 1 of the first layer off by 2^s, rescaled consistently (the ReLU and later layers follow),
    // so that only z = W x + b breaks; and off by one in z alone, so that the rescaling holds too.
    type Hook = Box<dyn Fn(usize, &mut zkml_prover::model::LayerWitness)>;
    let hooks: [(&str, Hook); 2] = [
        (
            "rescaled",
            Box::new(move |l, w| {
                if l == 0 {
                    w.z[1] += 1 << s;
                    w.q[1] += 1;
                    w.out[1] = w.q[1].max(0);
                }
            }),
        ),
        (
            "z and remainder",
            Box::new(move |l, w| {
                if l == 0 {
                    let i = (0..w.rem.len()).find(|&i| w.rem[i] + 1 < 1 << s).unwrap();
                    w.z[i] += 1;
                    w.rem[i] += 1;
                }
            }),
        ),
    ];
    for (what, hook) in hooks {
        let wit = witness_with(&pk, &input, &hook).unwrap();
        for mode in [Mode::PerLayer, Mode::Accumulated] {
            let strict = ProveOptions::new(mode);
            let mut rng = ChaCha20Rng::seed_from_u64(11);
            assert!(prove_witness_with(&pk, &input, &wit, &mut rng, &strict).is_err(), "{what}: the strict prover");
            let cheat = ProveOptions { strict: false, ..strict };
            let p = prove_witness_with(&pk, &input, &wit, &mut rng, &cheat).unwrap();
            assert_eq!(verify_model(&pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what} {mode:?}");
        }
    }
}
