//! Unit tests of the claims' linearisation (`claims.rs`).

use super::*;

fn params() -> Params {
    let x = Fr::from(3u64);
    Params { alpha: x, beta: x, half: x, two_s: x, inv_n: x, inv_m: x, inv_table: x }
}

#[test]
fn linearisation_keeps_commitments_and_substitutes_openings() {
    // M1 with every polynomial opened but V: a constant plus V's commitment times A_in's value.
    let v = single(Base::Proof(7));
    let mut lin = Linearise { u: Fr::from(2u64), polys: Vec::new() };
    lin.polys.extend([
        (Poly::S1, Lin::constant(Fr::from(5u64))),
        (Poly::S1Next, Lin::constant(Fr::from(11u64))),
        (Poly::C, Lin::constant(Fr::from(6u64))),
        (Poly::V, Lin::of(&v, Fr::one())),
        (Poly::AIn, Lin::constant(Fr::from(4u64))),
    ]);
    let e = checked(matmul::m1(&mut lin, &params())).unwrap();
    // u (S1n - S1 + C/n) = 2 (11 - 5 + 6 * 3) = 48; - V * 4.
    assert_eq!(e.c, Fr::from(48u64));
    assert_eq!(e.lc, vec![(Base::Proof(7), -Fr::from(4u64))]);
}

#[test]
fn a_product_of_two_commitments_or_a_missing_polynomial_is_an_error() {
    let not_linear = Err(Error::BadKey("a constraint is not linear in the unopened commitments"));
    let mut lin = Linearise { u: Fr::one(), polys: Vec::new() };
    lin.polys.extend([
        (Poly::S1, Lin::constant(Fr::one())),
        (Poly::S1Next, Lin::constant(Fr::one())),
        (Poly::C, Lin::constant(Fr::one())),
        (Poly::V, Lin::of(&single(Base::Proof(1)), Fr::one())),
        (Poly::AIn, Lin::of(&single(Base::Proof(2)), Fr::one())),
    ]);
    assert_eq!(checked(matmul::m1(&mut lin, &params())).map(|e| e.c), not_linear);
    lin.polys.retain(|(p, _)| *p != Poly::AIn);
    assert_eq!(checked(matmul::m1(&mut lin, &params())).map(|e| e.c), not_linear);
}
