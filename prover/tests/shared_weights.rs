//! Shared weights (`docs/protocols/blocks/matmul.md`, "Shared weights"): a Linear applied to
//! every row of a `[tokens, cols]` input commits its weight matrix's rows once, and the matmul
//! check combines output row `(t, i)` by `s_t e_i`. Completeness in both modes with the key's
//! shape (one commitment per row of the shared matrix; such layers do not fold), cheating provers
//! (one token's row wrong, and two tokens' errors that cancel without the token weights), the
//! tamper sweep and the transcript binding over every proof field, and malformed keys (exact
//! errors).

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::{Graph, Matrix, Op};
use zkml_prover::model::{prove_mode, witness_with, LayerWitness};
use zkml_verifier::model::activation::Activation;
use zkml_verifier::model::blocks::Block;
use zkml_verifier::model::domain::{matmul_row_weights, row_weights, token_values, token_weights};
use zkml_verifier::model::layout::{Layout, Mode};
use zkml_verifier::model::{verify_model, ModelProof, ModelVerifyingKey, Source};
use zkml_verifier::{Error, Fr};

use common::graph::{expected, fixture, Builder, Fixture};
use common::{mixed_rounds, rejected_in_both_modes, tampered_fields};

const TOKENS: usize = 4;

/// A Linear of `rows x cols` random weights applied to each of the `TOKENS` rows of `input`.
fn shared(b: &mut Builder, input: usize, rows: usize) -> usize {
    let cols = b.g.tensor(input).len() / TOKENS;
    let data: Vec<f32> = (0..rows * cols).map(|_| b.rng.gen_range(-1.0..1.0) / (cols as f32).sqrt()).collect();
    let bias: Vec<f32> = (0..rows).map(|_| b.rng.gen_range(-0.1..0.1)).collect();
    let weight = Matrix::new(rows, cols, data).unwrap();
    b.push(Op::Linear { weight, bias: Some(bias) }, vec![input], TOKENS * rows)
}

/// `x(12) -> relu(L0) -> relu(W1 per token: 3 -> 5) -> tanh(W2 per token: 5 -> 3) -> relu(L3) ->
/// L4(3)`: two layers whose 4 tokens share their weights, between a layer reading the input and
/// two ordinary ones.
fn graph(seed: u64) -> Graph {
    let mut b = Builder::new(12, seed);
    let h0 = b.linear(0, 12);
    let a0 = b.act(Activation::Relu, h0);
    let h1 = shared(&mut b, a0, 5);
    let a1 = b.act(Activation::Relu, h1);
    let h2 = shared(&mut b, a1, 3);
    let a2 = b.act(Activation::Tanh, h2);
    let h3 = b.linear(a2, 12);
    let a3 = b.act(Activation::Relu, h3);
    let y = b.linear(a3, 3);
    b.finish(&[y])
}

fn proof(f: &Fixture, mode: Mode, seed: u64) -> ModelProof {
    prove_mode(&f.pk, &f.input, mode, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn shared_weights_commit_once_and_prove_in_both_modes() {
    let f = fixture(graph(1), 2);
    let vk = &f.pk.vk;
    let shape = |l: &zkml_verifier::model::LayerKey| (l.rows, l.cols, l.batch, l.weights.len(), l.first_block());
    assert_eq!(shape(&vk.layers[0]), (12, 12, 1, 12, Block::PublicMatmul));
    assert_eq!(shape(&vk.layers[1]), (20, 12, 4, 5, Block::Matmul), "one commitment per shared row");
    assert_eq!(shape(&vk.layers[2]), (12, 20, 4, 3, Block::Matmul));
    assert_eq!(shape(&vk.layers[3]), (12, 12, 1, 12, Block::Matmul));
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = proof(&f, mode, 3);
        let verdict = verify_model(vk, &p, None).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(verdict.output, expected(&f), "{mode:?}");
    }
    // Layer 1 (ReLU, 12 -> 20 over H_16 and H_32) has no partner; layer 3 (ReLU, 12 -> 12) is
    // alone too: nothing folds, and the shared layers are checked on their own.
    let layout = Layout::new(vk, Mode::Accumulated);
    assert!(layout.classes.iter().all(|c| !c.members.contains(&1) && !c.members.contains(&2)));
}

#[test]
fn the_row_weights_are_token_weights_times_row_weights() {
    let r = Fr::from(77u64);
    let (e, s) = (row_weights(r, 5), token_weights(r, 4));
    let k = matmul_row_weights(r, 20, 4, 32);
    assert_eq!(k.len(), 32);
    for t in 0..4 {
        for i in 0..5 {
            assert_eq!(k[t * 5 + i], s[t] * e[i]);
        }
    }
    assert_eq!(k[20..], row_weights(r, 32)[20..], "padded rows weigh e_k, independent of the rows'");
    assert_ne!(s, row_weights(r, 4), "independent of the row weights");
    assert_eq!(matmul_row_weights(r, 20, 1, 32), row_weights(r, 32), "one weight per row without a batch");
    let tok = token_values(r, 12, 4, 16);
    assert_eq!(tok.len(), 16);
    for (p, x) in tok.iter().enumerate() {
        assert_eq!(*x, if p < 12 { s[p / 3] } else { Fr::from(0u64) }, "position {p}");
    }
}

type Hook = Box<dyn Fn(usize, &mut LayerWitness)>;

#[test]
fn wrong_token_rows_are_rejected() {
    let f = fixture(graph(4), 5);
    let s = f.pk.vk.scale_bits;
    let top = 1i64 << s;
    let hooks: [(&str, Hook); 3] = [
        // Token 2's row 1 of layer 1 off by one with its remainder, so that the rescaling holds.
        (
            "one token's row",
            Box::new(move |l, w| {
                if l == 1 && w.rem[2 * 5 + 1] + 1 < top {
                    w.z[2 * 5 + 1] += 1;
                    w.rem[2 * 5 + 1] += 1;
                } else if l == 1 {
                    w.z[2 * 5 + 1] -= 1;
                    w.rem[2 * 5 + 1] -= 1;
                }
            }),
        ),
        // A padded row (20 rows over H_32) off by one with its remainder: padded rows stay 0.
        (
            "a padded row",
            Box::new(move |l, w| {
                if l == 1 {
                    w.z[25] += 1;
                    w.rem[25] += 1;
                }
            }),
        ),
        // Row i of tokens 0 and 3 off by +1 and -1: the errors cancel in `sum_t e_i d_(t,i)`,
        // so only the token weights `s_t` catch them.
        (
            "errors cancelling across tokens",
            Box::new(move |l, w| {
                if l == 2 {
                    let i = (0..3).find(|&i| w.rem[i] + 1 < top && w.rem[9 + i] >= 1).unwrap();
                    w.z[i] += 1;
                    w.rem[i] += 1;
                    w.z[9 + i] -= 1;
                    w.rem[9 + i] -= 1;
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
fn tampering_with_any_field_is_rejected() {
    let f = fixture(graph(7), 8);
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        let p = proof(&f, mode, 9);
        verify_model(&f.pk.vk, &p, None).unwrap();
        for (what, t) in tampered_fields(&p) {
            assert_eq!(verify_model(&f.pk.vk, &t, None), Err(Error::PairingCheckFailed), "{what} {mode:?}");
        }
    }
}

#[test]
fn messages_are_bound_by_the_transcript() {
    let f = fixture(graph(10), 11);
    let a = proof(&f, Mode::Accumulated, 12);
    let b = proof(&f, Mode::Accumulated, 13);
    verify_model(&f.pk.vk, &b, None).unwrap();
    for (what, p) in mixed_rounds(&a, &b) {
        assert_eq!(verify_model(&f.pk.vk, &p, None), Err(Error::PairingCheckFailed), "{what}");
    }
}

#[test]
fn keys_with_a_malformed_batch_are_refused() {
    let f = fixture(graph(14), 15);
    let p = proof(&f, Mode::PerLayer, 16);
    let bad = |edit: &dyn Fn(&mut ModelVerifyingKey)| {
        let mut vk = f.pk.vk.clone();
        edit(&mut vk);
        verify_model(&vk, &p, None)
    };
    let batch = Err(Error::BadKey(
        "a layer's batch is 0, does not divide its sides, or is on a layer other than a matmul of an earlier layer \
         with hidden weights",
    ));
    assert_eq!(bad(&|vk| vk.layers[1].batch = 0), batch, "no batch");
    assert_eq!(bad(&|vk| vk.layers[1].batch = 3), batch, "3 does not divide 20");
    assert_eq!(bad(&|vk| vk.layers[0].batch = 2), batch, "on the layer reading the input");
    assert_eq!(
        bad(&|vk| {
            vk.layers[1].public = Some(Vec::new());
            vk.layers[1].weights.clear();
        }),
        batch,
        "with public weights"
    );
    // Another batch that divides both sides: the key no longer has one commitment per shared row.
    let commitments = Err(Error::BadKey(
        "a layer does not have one weight commitment per row (per column when it reads the input, none for a \
         product or public weights)",
    ));
    assert_eq!(bad(&|vk| vk.layers[1].batch = 2), commitments);
    assert_eq!(bad(&|vk| vk.layers[3].batch = 2), commitments, "a batch on an ordinary layer");
    // A key whose batch is changed along with its commitments has another digest.
    let mut vk = f.pk.vk.clone();
    vk.layers[3].batch = 2;
    vk.layers[3].weights.truncate(6);
    assert_eq!(vk.validate(), Ok(()));
    assert!(matches!(verify_model(&vk, &p, None), Err(Error::KeyMismatch { .. })));
    assert_eq!(vk.layers[3].input, Source::Layer(2));
}
