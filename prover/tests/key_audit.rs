//! `check_key` recomputes every public commitment of a key from its SRS: an honest key passes, and
//! each public part a dishonest owner could choose badly is caught by name.

use ark_ec::{AffineRepr, CurveGroup};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::ir::random_mlp;
use zkml_prover::model::{check_key, setup, ModelProvingKey};
use zkml_prover::quant::{QuantConfig, QuantizedModel};
use zkml_prover::srs::Srs;
use zkml_verifier::model::{ModelMeta, ModelVerifyingKey};

fn key() -> (ModelProvingKey, Srs) {
    let mut rng = ChaCha20Rng::seed_from_u64(41);
    let g = random_mlp(&[6, 8, 8, 3], &mut rng);
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 8, table_bits: 8, headroom_bits: 0 };
    let model = QuantizedModel::calibrate(g, &[vec![vec![0.5; 6]]], &config).unwrap();
    let srs = Srs::insecure_dev(11, &mut rng);
    (setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap(), srs)
}

fn bad(vk: &ModelVerifyingKey, srs: &Srs) -> Vec<&'static str> {
    check_key(vk, srs).unwrap().into_iter().filter(|c| !c.ok).map(|c| c.what).collect()
}

#[test]
fn an_honest_key_passes_and_every_public_part_is_checked() {
    let (pk, srs) = key();
    assert!(bad(&pk.vk, &srs).is_empty());

    let mut vk = pk.vk.clone();
    vk.table[1] = (vk.table[1] + vk.kzg.g).into_affine();
    assert_eq!(bad(&vk, &srs), ["lookup table"]);

    let mut vk = pk.vk.clone();
    vk.params.degree.shift_h = srs.powers_g2[(vk.params.degree.g2_powers - vk.params.degree.bound) as usize - 1];
    assert_eq!(bad(&vk, &srs), ["[tau^e]_2 of the degree check"]);

    // A larger bound with a matching point still gives proofs room: the bound is derived from the shape.
    let mut vk = pk.vk.clone();
    vk.params.degree.bound += 1;
    vk.params.degree.shift_h = srs.powers_g2[(vk.params.degree.g2_powers - vk.params.degree.bound) as usize];
    assert_eq!(bad(&vk, &srs), ["degree bound"]);

    let mut vk = pk.vk.clone();
    vk.params.degree.g2_powers -= 1;
    assert_eq!(bad(&vk, &srs), ["published G2 powers", "[tau^e]_2 of the degree check"]);

    let mut vk = pk.vk.clone();
    vk.kzg.gamma_g = (vk.kzg.gamma_g + vk.kzg.g).into_affine();
    assert_eq!(bad(&vk, &srs), ["blinding base [gamma]_1"]);

    let mut vk = pk.vk.clone();
    vk.params.degree.gamma_h = srs.powers_g2[2];
    assert_eq!(bad(&vk, &srs), ["[gamma]_2"]);

    // Another SRS: everything that depends on it differs.
    let other = Srs::insecure_dev(11, &mut ChaCha20Rng::seed_from_u64(42));
    let found = bad(&pk.vk, &other);
    for what in ["[tau]_2", "blinding base [gamma]_1", "source file digest", "[gamma]_2", "lookup table"] {
        assert!(found.contains(&what), "{what} not reported: {found:?}");
    }
    assert!(!found.contains(&"generators [1]_1, [1]_2"));
    assert_eq!(pk.vk.kzg.g, ark_bn254::G1Affine::generator());
}

/// A small model set up on the bundled snarkjs ceremony file (power 6): the key names the
/// ceremony, proofs verify and say so, and `check_key` against the imported file finds it honest.
#[test]
fn a_model_on_a_snarkjs_ceremony_file() {
    use zkml_verifier::kzg::SrsSource;
    let ptau = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ptau/pot6.ptau");
    let mut rng = ChaCha20Rng::seed_from_u64(43);
    let srs = zkml_prover::srs::ptau::import(&ptau, None, &mut rng).unwrap();
    let g = random_mlp(&[4, 4, 3], &mut rng);
    let config = QuantConfig { min_scale_bits: 2, max_scale_bits: 2, table_bits: 5, headroom_bits: 0 };
    let input = vec![0.25f32, 0.5, 0.75, 1.0];
    let model = QuantizedModel::calibrate(g, &[vec![input.clone()]], &config).unwrap();
    let pk = setup(&srs, &model, ModelMeta::default(), &mut rng).unwrap();
    assert_eq!(pk.vk.params.source, SrsSource::Ceremony);
    assert_eq!(pk.vk.params.degree.g2_powers, 64);
    assert!(bad(&pk.vk, &srs).is_empty());
    let x = model.quantise_inputs(&[input]).unwrap()[0].clone();
    let proof = zkml_prover::model::prove(&pk, &x, &mut rng).unwrap();
    let verdict = zkml_verifier::model::verify_model(&pk.vk, &proof, Some(&pk.vk.digest())).unwrap();
    assert_eq!(verdict.srs_source, SrsSource::Ceremony);
}

/// Keys whose degree check would be vacuous or wrong are refused before any arithmetic, with the
/// exact error.
#[test]
fn keys_with_a_bad_degree_check_are_refused() {
    use zkml_verifier::Error;
    let (pk, srs) = key();
    let refused = |f: &dyn Fn(&mut ModelVerifyingKey)| {
        let mut vk = pk.vk.clone();
        f(&mut vk);
        vk.validate().unwrap_err()
    };
    assert_eq!(refused(&|vk| vk.params.degree.bound = 0), Error::BadKey("degree bound of zero"));
    assert_eq!(
        refused(&|vk| vk.params.degree.bound = vk.params.degree.g2_powers + 1),
        Error::BadKey("degree bound above the published G2 powers")
    );
    assert_eq!(
        refused(&|vk| vk.params.degree.bound += 1),
        Error::BadKey("the degree check's bound is not the one the key's shape needs")
    );
    assert_eq!(
        refused(&|vk| vk.params.degree.gamma_h = vk.kzg.h),
        Error::DegenerateKey("a degree-check point is degenerate")
    );
    assert_eq!(
        refused(&|vk| vk.params.degree.shift_h = ark_bn254::G2Affine::zero()),
        Error::DegenerateKey("a degree-check point is degenerate")
    );
    assert!(srs.powers_g2.len() >= pk.vk.params.degree.g2_powers as usize);
}
