//! Import of snarkjs powers-of-tau files: a real (power 6) ceremony file imports and its KZG key
//! works; every kind of damage is rejected with the exact error, and no input panics.

use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ff::{BigInteger, Field, PrimeField};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkml_prover::artifact::{random_kzg_batch, KzgDemoShape};
use zkml_prover::error::SrsError;
use zkml_prover::srs::ptau::{import, import_bytes};
use zkml_prover::srs::{Srs, SrsOrigin};
use zkml_prover::ProverError;

/// `snarkjs powersoftau new bn128 6` then one `contribute` (see tests/fixtures/ptau/README.md).
const POT6: &[u8] = include_bytes!("../../tests/fixtures/ptau/pot6.ptau");
/// The same `new` file before any contribution: tau = alpha = beta = 1.
const POT6_NEW: &[u8] = include_bytes!("../../tests/fixtures/ptau/pot6_new.ptau");

/// Where the data of sections 1 to 7 start in `pot6.ptau` (snarkjs writes them in order).
const TAU_G1_AT: usize = 80;
const TAU_G2_AT: usize = 8220;
const BETA_TAU_G1_AT: usize = 20532;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0x9a7)
}

fn import_ok(bytes: &[u8], log_size: Option<u32>) -> Srs {
    import_bytes(bytes, log_size, &mut rng()).unwrap()
}

fn import_err(bytes: &[u8], log_size: Option<u32>) -> SrsError {
    import_bytes(bytes, log_size, &mut rng()).unwrap_err()
}

/// Sections of a file, in file order: `(type, data)`.
type Sections = Vec<(u32, Vec<u8>)>;

/// Splits a well-formed file into its sections.
fn sections(bytes: &[u8]) -> Sections {
    let n = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    let mut pos = 12;
    let mut out = Vec::new();
    for _ in 0..n {
        let id = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        pos += 12;
        out.push((id, bytes[pos..pos + size].to_vec()));
        pos += size;
    }
    assert_eq!(pos, bytes.len());
    out
}

fn assemble(sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"ptau".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (id, data) in sections {
        out.extend(id.to_le_bytes());
        out.extend((data.len() as u64).to_le_bytes());
        out.extend(data);
    }
    out
}

/// The Montgomery representative snarkjs stores for `v`: `v * 2^256 mod q`, 32 bytes LE.
fn montgomery_bytes(v: Fq) -> Vec<u8> {
    let r = Fq::from(2u64).pow([256u64]);
    (v * r).into_bigint().to_bytes_le()
}

fn prove_and_verify(srs: &Srs, shape: KzgDemoShape, seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let artifact = random_kzg_batch(srs, shape, &mut rng).unwrap();
    artifact.verify(&srs.verifying_key()).unwrap();
}

#[test]
fn real_ceremony_file_imports_and_its_key_works() {
    assert!(POT6.len() < 100_000);
    let srs = import_ok(POT6, None);
    assert_eq!(
        srs.origin,
        SrsOrigin::Ceremony { power: 6, ceremony_power: 6, source: zkml_verifier::transcript::digest(POT6) }
    );
    assert_eq!((srs.powers_g1.len(), srs.gamma_g1.len(), srs.powers_g2.len()), (127, 16, 64));
    assert_eq!((srs.max_degree(), srs.max_hiding_degree()), (126, 15));
    prove_and_verify(&srs, KzgDemoShape { polys: 3, degree: 126, points: 4 }, 1);
    // The imported SRS survives our own encoding.
    assert_eq!(Srs::from_bytes(&srs.to_bytes()).unwrap(), srs);

    // A prefix: the same points, fewer of them; the origin still names the whole file.
    let small = import_ok(POT6, Some(3));
    assert_eq!(small.origin, srs.origin);
    assert_eq!(small.powers_g1, srs.powers_g1[..8]);
    assert_eq!(small.gamma_g1, srs.gamma_g1[..8]);
    // Every G2 power is kept: degree checks use the last ones.
    assert_eq!(small.powers_g2, srs.powers_g2);
    prove_and_verify(&small, KzgDemoShape { polys: 2, degree: 7, points: 2 }, 2);
    assert_eq!(import_ok(POT6, Some(6)).powers_g1, srs.powers_g1[..64]);
    assert_eq!(import_ok(POT6, Some(1)).powers_g1, srs.powers_g1[..2]);
    assert!(matches!(import_err(POT6, Some(0)), SrsError::Shape(_)));

    // Through the file system.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ptau/pot6.ptau");
    assert_eq!(import(&path, None, &mut rng()).unwrap(), srs);
    let missing = path.with_file_name("no-such-file.ptau");
    match import(&missing, None, &mut rng()) {
        Err(ProverError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an IO error, got {other:?}"),
    }
}

#[test]
fn sections_may_come_in_any_order_and_extra_sections_are_skipped() {
    let srs = import_ok(POT6, None);
    let mut s = sections(POT6);
    assert_eq!(s.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7]);
    s.reverse();
    s.insert(3, (13, vec![0xAB; 100]));
    let shuffled = assemble(&s);
    let other = import_ok(&shuffled, None);
    assert_eq!(
        other.origin,
        SrsOrigin::Ceremony { power: 6, ceremony_power: 6, source: zkml_verifier::transcript::digest(&shuffled) }
    );
    assert_eq!((other.powers_g1, other.gamma_g1, other.powers_g2), (srs.powers_g1, srs.gamma_g1, srs.powers_g2));
    // Our re-assembly of the untouched sections is byte-identical.
    assert_eq!(assemble(&sections(POT6)), POT6);
}

#[test]
fn corrupted_points_name_section_and_index() {
    // Off the curve: the low byte of tauG1 point 5's x.
    let mut bad = POT6.to_vec();
    bad[TAU_G1_AT + 5 * 64] ^= 0x01;
    let err = import_err(&bad, None);
    assert_eq!(err, SrsError::NotOnCurve { section: "tauG1", index: 5 });
    assert_eq!(err.to_string(), "tauG1 point 5: not on the curve");
    // Only the kept points are decoded: a prefix of 4 does not see point 5.
    assert_eq!(import_ok(&bad, Some(2)).powers_g1.len(), 4);

    // A coordinate >= q: tauG2 point 2's x.c1 set to q itself.
    let mut bad = POT6.to_vec();
    let at = TAU_G2_AT + 2 * 128 + 32;
    bad[at..at + 32].copy_from_slice(&Fq::MODULUS.to_bytes_le());
    let err = import_err(&bad, None);
    assert_eq!(err, SrsError::NonCanonicalCoordinate { section: "tauG2", index: 2 });
    assert_eq!(err.to_string(), "tauG2 point 2: coordinate is not a canonical field element");
    // ... and all ones.
    let mut bad = POT6.to_vec();
    let at = BETA_TAU_G1_AT + 7 * 64 + 32;
    bad[at..at + 32].fill(0xff);
    assert_eq!(import_err(&bad, None), SrsError::NonCanonicalCoordinate { section: "betaTauG1", index: 7 });

    // The point at infinity (all zero bytes).
    let mut bad = POT6.to_vec();
    bad[BETA_TAU_G1_AT + 3 * 64..BETA_TAU_G1_AT + 4 * 64].fill(0);
    assert_eq!(import_err(&bad, None), SrsError::Identity { section: "betaTauG1", index: 3 });
    let mut bad = POT6.to_vec();
    bad[TAU_G2_AT + 9 * 128..TAU_G2_AT + 10 * 128].fill(0);
    assert_eq!(import_err(&bad, None), SrsError::Identity { section: "tauG2", index: 9 });

    // On the G2 curve but outside the prime-order subgroup.
    let off_subgroup = (1u64..)
        .find_map(|i| {
            let x = Fq2::new(Fq::from(i), Fq::from(1u64));
            let y = (x.square() * x + ark_bn254::g2::Config::COEFF_B).sqrt()?;
            let p = G2Affine { x, y, infinity: false };
            (p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
        })
        .unwrap();
    let mut bad = POT6.to_vec();
    let encoded: Vec<u8> = [off_subgroup.x.c0, off_subgroup.x.c1, off_subgroup.y.c0, off_subgroup.y.c1]
        .into_iter()
        .flat_map(montgomery_bytes)
        .collect();
    bad[TAU_G2_AT + 128..TAU_G2_AT + 256].copy_from_slice(&encoded);
    assert_eq!(import_err(&bad, None), SrsError::NotInSubgroup { section: "tauG2", index: 1 });
    // Sanity check of the encoding: re-encoding the genuine point 1 gives the file's bytes.
    let srs = import_ok(POT6, None);
    let genuine: Vec<u8> = [srs.powers_g2[1].x.c0, srs.powers_g2[1].x.c1, srs.powers_g2[1].y.c0, srs.powers_g2[1].y.c1]
        .into_iter()
        .flat_map(montgomery_bytes)
        .collect();
    assert_eq!(genuine, POT6[TAU_G2_AT + 128..TAU_G2_AT + 256]);
}

#[test]
fn valid_points_that_are_not_powers_are_inconsistent() {
    let swap = |bytes: &mut [u8], at: usize, size: usize, i: usize, j: usize| {
        let a = bytes[at + i * size..at + (i + 1) * size].to_vec();
        bytes.copy_within(at + j * size..at + (j + 1) * size, at + i * size);
        bytes[at + j * size..at + (j + 1) * size].copy_from_slice(&a);
    };
    let mut bad = POT6.to_vec();
    swap(&mut bad, TAU_G1_AT, 64, 3, 4);
    let err = import_err(&bad, None);
    assert_eq!(err, SrsError::Inconsistent("tau G1 powers"));
    assert_eq!(err.to_string(), "tau G1 powers: the powers are not consistent (pairing check failed)");

    let mut bad = POT6.to_vec();
    swap(&mut bad, TAU_G2_AT, 128, 10, 40);
    assert_eq!(import_err(&bad, None), SrsError::Inconsistent("tau G2 powers"));

    let mut bad = POT6.to_vec();
    swap(&mut bad, BETA_TAU_G1_AT, 64, 14, 15);
    assert_eq!(import_err(&bad, None), SrsError::Inconsistent("gamma tau G1 powers"));
    // betaTauG1 beyond the 16 kept powers is not read.
    let mut bad = POT6.to_vec();
    swap(&mut bad, BETA_TAU_G1_AT, 64, 20, 30);
    import_ok(&bad, None);

    // tauG1 point 0 must be the generator.
    let mut bad = POT6.to_vec();
    swap(&mut bad, TAU_G1_AT, 64, 0, 1);
    assert_eq!(import_err(&bad, None), SrsError::WrongGenerator("tau G1 powers"));
    let mut bad = POT6.to_vec();
    swap(&mut bad, TAU_G2_AT, 128, 0, 1);
    assert_eq!(import_err(&bad, None), SrsError::WrongGenerator("tau G2 powers"));
}

#[test]
fn truncated_files_are_rejected() {
    let len = POT6.len();
    let cases: [(usize, &str); 6] = [
        (0, "the file header ends before its magic bytes (0 bytes in the file)"),
        (10, "the file header ends before its section count (10 bytes in the file)"),
        (30, "section 1 (header) declares 44 bytes but only 6 remain"),
        (TAU_G1_AT + 4000, "section 2 (tauG1) declares 8128 bytes but only 4000 remain"),
        (TAU_G2_AT + 8192, "the file ends at byte 16412 inside the table entry of section 4 of 7"),
        (len - 1, "section 7 (contributions) declares 1514 bytes but only 1513 remain"),
    ];
    for (cut, message) in cases {
        let err = import_err(&POT6[..cut], None);
        assert_eq!(err, SrsError::Truncated(message.into()), "cut at {cut}");
        assert_eq!(err.to_string(), format!("powers-of-tau file is truncated: {message}"));
    }
    // Every prefix is rejected, none panics.
    for cut in 0..len {
        assert!(
            matches!(
                import_bytes(&POT6[..cut], None, &mut rng()),
                Err(SrsError::Truncated(_) | SrsError::PtauMagic(_))
            ),
            "cut at {cut}"
        );
    }
    // A byte too many.
    let mut long = POT6.to_vec();
    long.push(0);
    assert_eq!(import_err(&long, None), SrsError::Malformed("1 bytes after the last of the 7 sections".into()));
}

#[test]
fn malformed_headers_and_tables() {
    let mut bad = POT6.to_vec();
    bad[3] = b'X';
    assert_eq!(import_err(&bad, None), SrsError::PtauMagic(*b"ptaX"));
    assert_eq!(import_err(b"zkey\x01\0\0\0\0\0\0\0", None), SrsError::PtauMagic(*b"zkey"));

    let mut bad = POT6.to_vec();
    bad[4] = 2;
    assert_eq!(import_err(&bad, None), SrsError::PtauVersion(2));

    // A section count larger than the file.
    let mut bad = POT6.to_vec();
    bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        import_err(&bad, None),
        SrsError::Truncated(format!(
            "the file ends at byte {} inside the table entry of section 8 of {}",
            POT6.len(),
            u32::MAX
        ))
    );
    // A huge declared section size.
    let mut bad = POT6.to_vec();
    bad[TAU_G1_AT - 8..TAU_G1_AT].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        import_err(&bad, None),
        SrsError::Truncated(format!(
            "section 2 (tauG1) declares {} bytes but only {} remain",
            u64::MAX,
            POT6.len() - TAU_G1_AT
        ))
    );

    let original = sections(POT6);
    let edited = |f: &dyn Fn(&mut Sections)| {
        let mut s = original.clone();
        f(&mut s);
        import_err(&assemble(&s), None)
    };
    for missing in [1u32, 2, 3, 5, 6] {
        assert_eq!(edited(&|s| s.retain(|(id, _)| *id != missing)), SrsError::MissingSection(missing));
    }
    // Sections we do not read may be absent.
    let mut s = original.clone();
    s.retain(|(id, _)| *id != 4 && *id < 7);
    import_ok(&assemble(&s), None);

    assert_eq!(
        edited(&|s| {
            let dup = s[2].clone();
            s.push(dup)
        }),
        SrsError::Malformed("section 3 (tauG2) appears more than once".into())
    );
    let err = edited(&|s| s[2].1.extend([0u8; 128]));
    assert_eq!(err, SrsError::Malformed("section 3 (tauG2) is 8320 bytes, expected 8192".into()));
    assert_eq!(err.to_string(), "powers-of-tau file: section 3 (tauG2) is 8320 bytes, expected 8192");
    assert_eq!(
        edited(&|s| s[1].1.truncate(64 * 63)),
        SrsError::Malformed("section 2 (tauG1) is 4032 bytes, expected 8128".into())
    );
    assert_eq!(
        edited(&|s| {
            s[4].1.pop();
        }),
        SrsError::Malformed("section 5 (betaTauG1) is 4095 bytes, expected 4096".into())
    );
    assert_eq!(edited(&|s| s[5].1.clear()), SrsError::Malformed("section 6 (betaG2) is 0 bytes, expected 128".into()));

    // Header: another field size, another modulus, a bad power, a bad size.
    assert_eq!(edited(&|s| s[0].1[..4].copy_from_slice(&48u32.to_le_bytes())), SrsError::WrongCurve);
    assert_eq!(edited(&|s| s[0].1[4] ^= 2), SrsError::WrongCurve);
    assert_eq!(
        edited(&|s| s[0].1[36..40].copy_from_slice(&29u32.to_le_bytes())),
        SrsError::Malformed("power 29 exceeds 28, the largest a BN254 ceremony supports".into())
    );
    // Power 5 in the header: every section has the wrong size.
    assert_eq!(
        edited(&|s| s[0].1[36..40].copy_from_slice(&5u32.to_le_bytes())),
        SrsError::Malformed("section 2 (tauG1) is 8128 bytes, expected 4032".into())
    );
    assert_eq!(edited(&|s| s[0].1.push(0)), SrsError::Malformed("section 1 (header) is 45 bytes, expected 44".into()));
    assert_eq!(
        edited(&|s| s[0].1.truncate(2)),
        SrsError::Malformed("section 1 (header) is 2 bytes, expected 44".into())
    );
}

#[test]
fn untouched_new_file_is_rejected() {
    // `powersoftau new` writes tau = alpha = beta = 1: every point is a generator.
    let s = sections(POT6_NEW);
    assert_eq!(s[0].1, sections(POT6)[0].1);
    assert_eq!(import_err(POT6_NEW, None), SrsError::Malformed("tau is 0 or 1".into()));
}

#[test]
fn log_size_beyond_the_file_is_too_small() {
    let err = import_err(POT6, Some(7));
    assert_eq!(err, SrsError::TooSmall { requested: 7, available: 6 });
    assert_eq!(err.to_string(), "requested 2^7 powers but the file holds only 2^6");
    assert_eq!(import_err(POT6, Some(u32::MAX)), SrsError::TooSmall { requested: u32::MAX, available: 6 });
}

#[test]
fn damaged_tables_never_panic() {
    // Every single-byte change in the file header and the section table entries.
    let mut table_bytes: Vec<usize> = (0..12).collect();
    let mut pos = 12;
    for (_, data) in sections(POT6) {
        table_bytes.extend(pos..pos + 12);
        pos += 12 + data.len();
    }
    for &at in &table_bytes {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = POT6.to_vec();
            bad[at] ^= flip;
            let _ = import_bytes(&bad, None, &mut rng());
        }
    }
}
