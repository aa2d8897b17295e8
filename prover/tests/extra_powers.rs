//! The two forgeries of the security review, rebuilt against the current protocol: a prover who
//! holds more G1 powers of `tau` than the key uses (as anyone does for a public ceremony) proves a
//! wrong output by escaping a degree bound. Each is rejected; and each would verify if the prover
//! also held G2 powers beyond the published ones, which shows that the degree check of
//! `docs/protocols/kzg.md` is what stops it, and that it rests only on the G2 powers a ceremony
//! never published.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::random_mlp;
use zkml_prover::model::{
    prove_witness_with, setup, witness, witness_with, LayerWitness, ModelProvingKey, ProveOptions, TotalCheat,
};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::envelope::Artifact;
use zkml_verifier::model::layout::Mode;
use zkml_verifier::model::{verify_model, ModelMeta, ModelProof};
use zkml_verifier::Error;

const MID: [usize; 8] = [8, 8, 8, 8, 8, 8, 8, 3];

/// The parameters publish 1024 G2 powers of `tau` (and 2^12 G1 powers); the model is set up on
/// them. Returns the honest key, the key of a prover who also holds all 2^13 G1 powers (any
/// number of G1 powers is public for a ceremony), the key of an impossible prover who also
/// holds G2 powers beyond the published 1024, and the quantised input.
fn keys(seed: u64) -> (ModelProvingKey, ModelProvingKey, ModelProvingKey, Vec<i64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let g = random_mlp(&MID, &mut rng);
    let input: Vec<f32> = (0..MID[0]).map(|_| rng.gen_range(0.0..1.0)).collect();
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let big = Srs::insecure_dev(13, &mut rng);
    assert_eq!(big.powers_g2.len(), 4096);
    let published =
        Srs { powers_g1: big.powers_g1[..4096].to_vec(), powers_g2: big.powers_g2[..1024].to_vec(), ..big.clone() };
    let pk = setup(&published, &model, ModelMeta::default(), &mut rng).unwrap();
    assert_eq!(pk.vk.params.degree.g2_powers, 1024);
    let mut extra_g1 = pk.clone();
    extra_g1.srs.powers_g1 = big.powers_g1.clone();
    assert_eq!(extra_g1.vk, pk.vk);
    let mut impossible = extra_g1.clone();
    let e = (pk.vk.params.degree.g2_powers - pk.vk.params.degree.bound) as usize;
    impossible.degree.shifted_g2 = big.powers_g2[e..].to_vec();
    let x = model.quantise_inputs(&[input]).unwrap()[0].clone();
    (pk, extra_g1, impossible, x)
}

fn honest_output(pk: &ModelProvingKey, x: &[i64]) -> Vec<i32> {
    let w = witness(pk, x).unwrap();
    w.last().unwrap().out[..pk.vk.output_len()].iter().map(|&v| v as i32).collect()
}

fn forge(pk: &ModelProvingKey, x: &[i64], wit: &[LayerWitness], opts: &ProveOptions, seed: u64) -> ModelProof {
    let p = prove_witness_with(pk, x, wit, &mut ChaCha20Rng::seed_from_u64(seed), opts).unwrap();
    ModelProof::from_artifact_bytes(&p.to_artifact_bytes()).unwrap()
}

/// Any output for the true input: the last layer's accumulator is replaced. The matmul's `V` is
/// formed by the verifier from the key, but the two running sums of the matmul close on the same
/// `C`, and only its degree bound (a constant) makes them close on the same total: the prover
/// commits `C = c_true + (c_false - c_true) X^m`, which averages the true matmul sum over `H_n`
/// and the false accumulator's over `H_m`. (Against the protocol of the review it moved `V` to
/// degree `2n - 1` instead; `V` no longer comes from the prover.)
#[test]
fn arbitrary_output_with_extra_powers_is_rejected() {
    let (pk, extra_g1, impossible, x) = keys(15);
    let honest = honest_output(&pk, &x);
    let target: [i64; 3] = [1234, -777, 42];
    let s = pk.vk.scale_bits;
    let wit = witness_with(&pk, &x, &|l, w| {
        if l == 6 {
            for (i, &t) in target.iter().enumerate() {
                w.z[i] = t << s;
                w.q[i] = t;
                w.rem[i] = 1 << (s - 1);
                w.out[i] = t;
            }
        }
    })
    .unwrap();
    let target: Vec<i32> = target.iter().map(|&t| t as i32).collect();
    assert_ne!(honest, target);
    let digest = pk.vk.digest();
    for mode in [Mode::PerLayer, Mode::Accumulated] {
        // Without the forged C, the wrong accumulator fails whatever powers the prover holds.
        let plain = ProveOptions { strict: false, unbounded_shift: true, ..ProveOptions::new(mode) };
        for key in [&extra_g1, &impossible] {
            let forged = forge(key, &x, &wit, &plain, 2);
            assert_eq!(verify_model(&pk.vk, &forged, Some(&digest)), Err(Error::PairingCheckFailed), "{mode:?}");
        }
        let opts = ProveOptions { forge_last_c: true, ..plain };
        let forged = forge(&extra_g1, &x, &wit, &opts, 2);
        assert_eq!(forged.output.iter().map(|v| v.0).collect::<Vec<_>>(), target);
        assert_eq!(verify_model(&pk.vk, &forged, Some(&digest)), Err(Error::PairingCheckFailed), "{mode:?}");
        // With G2 powers nobody published, the same forgery would verify.
        let control = forge(&impossible, &x, &wit, &opts, 2);
        let verdict = verify_model(&pk.vk, &control, Some(&digest)).unwrap();
        assert_eq!(verdict.output, target, "{mode:?} control");
    }
}

/// Wrong ReLU outputs in a folded layer, each with the sign that makes `A = Sigma D` hold (a
/// negative input passed through, a positive one zeroed), the sign lookups' total difference
/// pushed into `Low`'s `X^(o_E)` coefficient: only `deg Low < o_E` catches it.
#[test]
fn folded_relu_with_extra_powers_is_rejected() {
    let (pk, extra_g1, impossible, x) = keys(15);
    let honest = honest_output(&pk, &x);
    let wit = witness_with(&pk, &x, &|l, w| {
        if l == 5 {
            for i in 0..w.q.len().min(8) {
                let sign = i64::from(w.q[i] < 0);
                (w.sign[i], w.out[i]) = (sign, sign * w.q[i]);
            }
        }
    })
    .unwrap();
    let claimed: Vec<i32> = wit.last().unwrap().out[..3].iter().map(|&v| v as i32).collect();
    assert_ne!(claimed, honest);
    let opts = ProveOptions {
        strict: false,
        unbounded_shift: true,
        table_total_cheat: Some(TotalCheat::LowTooLong),
        ..ProveOptions::new(Mode::Accumulated)
    };
    let digest = pk.vk.digest();
    let forged = forge(&extra_g1, &x, &wit, &opts, 1);
    assert_eq!(verify_model(&pk.vk, &forged, Some(&digest)), Err(Error::PairingCheckFailed));
    let control = forge(&impossible, &x, &wit, &opts, 1);
    assert_eq!(verify_model(&pk.vk, &control, Some(&digest)).unwrap().output, claimed);
}
