//! The constraints of the layer relation and of the lookup table, written once, each in its
//! block's file (`super::blocks`; `docs/protocols/mlp.md`, "Constraints"; the relaxed forms of
//! `docs/protocols/accumulation.md`); this file holds what they share and their one order.
//!
//! Each constraint is a function generic over an [`Algebra`], which says what a polynomial, a
//! constant and the slack `u` are. Three algebras evaluate the same definitions:
//! - the verifier's linearisation at `zeta` (`claims.rs`): opened polynomials become their values,
//!   the others stay commitments with scalar coefficients;
//! - the prover's quotient (`zkml_prover::model::quotient`): values on a coset of the domain;
//! - the fold's cross terms (`zkml_prover::model::fold`): values on the domain of `left + rho
//!   right`, as polynomials in `rho`, whose `rho^1` coefficient is the cross term.
//!
//! The functions return the constraint without its error term; a relaxed instance's `Err` is
//! subtracted by the caller (`M1`, `L1`, `L2`, `L4`, `RA` are the quadratic ones that carry errors; [`on_n`] and
//! [`on_m`] list each domain's constraints in their one order).

use alloc::vec::Vec;
use core::ops::{Add, Mul, Sub};

use super::activation::Activation;
use super::blocks::{lookup, Block};
use crate::Fr;

/// The polynomials a constraint refers to. `*Next` is the polynomial at `omega X` (the next point
/// of its domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poly {
    /// The layer's input over `H_n` (its source layer's `A`, or the public input).
    AIn,
    /// A product layer's second operand over `H_m` (its source layer's `A`, or the public
    /// input): `Z = A_in Operand + B` (`blocks/product.rs`); a division's divisor
    /// (`blocks/divide.rs`).
    Operand,
    /// The public selector of a layer's padded rows over `H_m` (1 on rows `>= rows`, 0 below).
    Pad,
    /// A division's remainder, the high parts of its split and of its slack's (committed, opened
    /// at `zeta`), and the inverses of their four lookups (committed, never opened).
    Rem,
    RemHigh,
    SlackHigh,
    RemSign,
    RemLow,
    SlackSign,
    SlackLow,
    /// `V = sum_i e_i W_i` over `H_n` (`e`: the row weights of `r`, `domain::row_weights`).
    V,
    /// The matmul total `c` (a constant).
    C,
    S1,
    S1Next,
    /// `Y = W x` over `H_m` for a layer reading the public input `x`: the key's weight columns
    /// combined by `x` (`blocks/public_matmul.rs`), never a prover message.
    Y,
    /// `Z` (the accumulator `z = W a + b`), `B` (the bias), `K` (`K_r = sum_i e_i L_i`, the row weights interpolated), all over `H_m`.
    Z,
    B,
    K,
    /// `D` (the rescaled `q`) and `A` (`ReLU(q)`) over `H_m`; for hidden layers the split
    /// `q = 2^s H + L` (`L` is `D - 2^s H`, never committed) and the sign `Sigma = [H >= 0]`.
    D,
    A,
    H,
    Sigma,
    /// A hidden layer's skip (residual) input over `H_m`, added to `D` before the activation
    /// (zero without one); the activation's input is `D + Skip`.
    Skip,
    /// The lookup inverses: `Phi` of the sign lookup `(H, Sigma)`, `Psi` of the remainder's range
    /// lookup, `Chi` of `L`'s range lookup.
    Phi,
    Psi,
    Chi,
    S2,
    S2Next,
    S3,
    S3Next,
    /// The lookup total `e` (a constant).
    E,
    /// The table side over `H_N`: `phi_T`, the multiplicities, the three table columns, the
    /// running sum and the sum of every lookup total.
    PhiT,
    Mu,
    TIn,
    TOut,
    TTag,
    ST,
    STNext,
    ESum,
}

/// What the constraints are evaluated in.
pub trait Algebra {
    type E: Clone + Add<Output = Self::E> + Sub<Output = Self::E> + Mul<Output = Self::E> + Mul<Fr, Output = Self::E>;
    fn poly(&mut self, p: Poly) -> Self::E;
    fn constant(&mut self, c: Fr) -> Self::E;
    /// The slack `u` (1 for a layer checked on its own).
    fn slack(&mut self) -> Self::E;
}

/// The challenges and constants the constraints use.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub alpha: Fr,
    pub beta: Fr,
    /// `2^(s-1)` and `2^s`.
    pub half: Fr,
    pub two_s: Fr,
    /// `1 / n`, `1 / m` of the slot, `1 / N` of the table.
    pub inv_n: Fr,
    pub inv_m: Fr,
    pub inv_table: Fr,
}

/// Index of each relaxed constraint's error component (`layout::error_widths` order).
pub const ERR_N: usize = 0;
pub const ERR_L1: usize = 1;
pub const ERR_L2: usize = 2;
pub const ERR_L4: usize = 3;
pub const ERR_A: usize = 4;
/// Number of error components of a relaxed instance.
pub const ERRORS: usize = 5;

/// The constraints on `H_n`, in their `lambda` order, each with the index of its error component,
/// for a layer whose first block is `first`.
pub fn on_n<A: Algebra>(a: &mut A, p: &Params, first: Block) -> Vec<(A::E, Option<usize>)> {
    // Only the matmul block on an earlier layer's output has constraints on its input's domain.
    match first.has_running_sums() {
        true => first.on_n(a, p),
        false => Vec::new(),
    }
}

/// The constraints on `H_m`, in their `lambda` order, each with the index of its error component
/// (`None`: linear, no error), for a layer whose first block is `first` and which ends in `act`:
/// its blocks' ([`Block::lower`]) in order, then the layer's lookup running sum (L3). `tag` is a
/// tabulated activation's table section (`Activation::tag`; unused otherwise).
/// `quadratic_only` keeps only the constraints with an error (the fold's cross terms).
pub fn on_m<A: Algebra>(
    a: &mut A,
    p: &Params,
    (act, tag): (Activation, Fr),
    first: Block,
    quadratic_only: bool,
) -> Vec<(A::E, Option<usize>)> {
    let blocks = Block::lower(act, first);
    let mut out = Vec::new();
    for b in &blocks {
        out.extend(b.on_m(a, p, tag, quadratic_only));
    }
    if !quadratic_only {
        let inverses: Vec<Poly> = blocks.iter().flat_map(|b| b.inverses().iter().copied()).collect();
        out.push((lookup::l3(a, p, &inverses), None));
    }
    out
}
