//! The evaluation claims a model proof must satisfy, built from the key, the public values, the
//! challenges and the opened evaluations (`docs/protocols/mlp.md`, "Verifier checks").
//!
//! The prover builds the same list with the same function and opens it, so the two sides cannot
//! disagree on the protocol: the prover evaluates the constraints on cosets (`zkml_prover::model`),
//! the verifier checks their linearisation at `zeta` here.

use alloc::vec;
use alloc::vec::Vec;
use ark_ff::{Field, One, Zero};

use super::domain::{interpolate_at, lagrange_kernel, root_of_unity, vanishing};
use super::key::ModelVerifyingKey;
use super::layout::Layout;
use crate::error::Error;
use crate::transcript::{labels, Transcript};
use crate::Fr;

/// A polynomial a claim refers to: a commitment of the proof (by layout index) or of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Proof(usize),
    Weight(usize),
    Bias(usize),
    Table(usize),
}

/// `sum_k s_k * P_k` evaluated at `points[point]` equals `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub terms: Vec<(Base, Fr)>,
    pub point: u32,
    pub value: Fr,
}

/// The Fiat–Shamir challenges of a model proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenges {
    /// Row-combination point of every matmul.
    pub r: Fr,
    /// Lookup challenge and column compression.
    pub alpha: Fr,
    pub beta: Fr,
    /// Constraint combination within a domain.
    pub lambda: Fr,
    /// Combination of the degree bounds.
    pub kappa: Fr,
    /// Evaluation point.
    pub zeta: Fr,
}

/// The transcript every model proof starts from: domain, model digest, public input and output.
pub fn start_transcript(vk_digest: &crate::hex::Digest, input: &[super::Int], output: &[super::Int]) -> Transcript {
    let mut t = Transcript::new(labels::MODEL_DOMAIN);
    t.absorb(labels::VK_DIGEST, vk_digest);
    t.absorb(labels::MODEL_INPUT, input);
    t.absorb(labels::MODEL_OUTPUT, output);
    t
}

/// `[zeta, omega_d * zeta for every constraint domain d]`.
pub fn points(layout: &Layout, zeta: Fr) -> Result<Vec<Fr>, Error> {
    let mut pts = Vec::with_capacity(layout.domains.len() + 1);
    pts.push(zeta);
    for &d in &layout.domains {
        pts.push(root_of_unity(d)? * zeta);
    }
    Ok(pts)
}

/// Every claim, in a fixed order: opened evaluations first (their values from `evals`), then the
/// degree and Kronecker checks, then one linearised constraint check per domain.
pub fn claims(
    vk: &ModelVerifyingKey,
    layout: &Layout,
    ch: &Challenges,
    evals: &[Fr],
    input: &[Fr],
    output: &[Fr],
) -> Result<Vec<Claim>, Error> {
    let ev = |i: usize| {
        evals.get(i).copied().ok_or(Error::ProofShape {
            what: "evaluations",
            expected: layout.evals,
            found: evals.len(),
        })
    };
    let shifted = |d: usize| -> Result<u32, Error> {
        layout
            .shifted_point(d)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or(Error::BadKey("domain missing from the layout"))
    };
    let one = |b: Base| vec![(b, Fr::one())];
    let zeta = ch.zeta;
    let s = vk.scale_bits;
    let big_d = vk.srs_powers as usize;
    let mut out = Vec::new();

    // 1. Opened evaluations.
    for l in &layout.layers {
        out.push(Claim { terms: one(Base::Proof(l.s1)), point: 0, value: ev(l.ev_s1)? });
        out.push(Claim { terms: one(Base::Proof(l.s1)), point: shifted(l.n)?, value: ev(l.ev_s1_next)? });
        out.push(Claim { terms: one(Base::Proof(l.s2)), point: 0, value: ev(l.ev_s2)? });
        out.push(Claim { terms: one(Base::Proof(l.s2)), point: shifted(l.m)?, value: ev(l.ev_s2_next)? });
        out.push(Claim { terms: one(Base::Proof(l.s3)), point: 0, value: ev(l.ev_s3)? });
        out.push(Claim { terms: one(Base::Proof(l.s3)), point: shifted(l.m)?, value: ev(l.ev_s3_next)? });
        out.push(Claim { terms: one(Base::Proof(l.z)), point: 0, value: ev(l.ev_z)? });
        if let (Some(d), Some(ed)) = (l.d, l.ev_d) {
            out.push(Claim { terms: one(Base::Proof(d)), point: 0, value: ev(ed)? });
        }
        if let (Some(a), Some(ea)) = (l.a_out, l.ev_a_out) {
            out.push(Claim { terms: one(Base::Proof(a)), point: 0, value: ev(ea)? });
        }
    }
    for (k, &e) in layout.ev_table.iter().enumerate() {
        out.push(Claim { terms: one(Base::Table(k)), point: 0, value: ev(e)? });
    }
    out.push(Claim { terms: one(Base::Proof(layout.s_t)), point: 0, value: ev(layout.ev_st)? });
    out.push(Claim {
        terms: one(Base::Proof(layout.s_t)),
        point: shifted(layout.table_n)?,
        value: ev(layout.ev_st_next)?,
    });

    // 2. Kronecker reduction W = V + (X^n - r) Q, and the degree bounds deg V < n, deg C = deg E = 0
    //    at once: Shift = sum_k kappa^k X^(D - d_k) P_k has degree < D only if every term does.
    let mut shift_terms = vec![(Base::Proof(layout.shift()), Fr::one())];
    let mut kappa_k = Fr::one();
    let mut bound = |p: usize, d: usize| {
        shift_terms.push((Base::Proof(p), -kappa_k * zeta.pow([big_d.saturating_sub(d) as u64])));
        kappa_k *= ch.kappa;
    };
    for (i, l) in layout.layers.iter().enumerate() {
        let zn_minus_r = zeta.pow([l.n as u64]) - ch.r;
        out.push(Claim {
            terms: vec![(Base::Weight(i), Fr::one()), (Base::Proof(l.v), -Fr::one()), (Base::Proof(l.q), -zn_minus_r)],
            point: 0,
            value: Fr::zero(),
        });
        bound(l.v, l.n);
        bound(l.c, 1);
        bound(l.e, 1);
    }
    out.push(Claim { terms: shift_terms, point: 0, value: Fr::zero() });

    // 3. One linearised check per domain: sum_k lambda^k C_k(zeta) = Z_d(zeta) T_d(zeta).
    let (alpha, beta) = (ch.alpha, ch.beta);
    let beta2 = beta * beta;
    let half = Fr::from(1u64 << (s - 1));
    let two_s = Fr::from(1u64 << s);
    for &d in &layout.domains {
        if vanishing(d, zeta).is_zero() {
            return Err(Error::DegenerateChallenge);
        }
        let d_fr = Fr::from(d as u64);
        let d_inv = d_fr.inverse().ok_or(Error::BadKey("empty domain"))?;
        let mut terms: Vec<(Base, Fr)> = Vec::new();
        let mut constant = Fr::zero();
        let mut lam = Fr::one();
        let mut push = |terms: &mut Vec<(Base, Fr)>, k: Fr, c: Fr, t: &[(Base, Fr)]| {
            constant += k * c;
            terms.extend(t.iter().map(|(b, s)| (*b, k * s)));
        };
        for (i, l) in layout.layers.iter().enumerate() {
            if l.n == d {
                // M1: S1(wX) - S1(X) - V(X) A(X) + C/n.
                let a_hat = match i.checked_sub(1).and_then(|p| layout.layers.get(p)).and_then(|p| p.ev_a_out) {
                    Some(e) => ev(e)?,
                    None => interpolate_at(input, d, zeta)?,
                };
                let c = ev(l.ev_s1_next)? - ev(l.ev_s1)?;
                push(&mut terms, lam, c, &[(Base::Proof(l.v), -a_hat), (Base::Proof(l.c), d_inv)]);
                lam *= ch.lambda;
            }
            if l.m == d {
                // M2: S2(wX) - S2(X) - K_r(X) (Z(X) - B(X)) + C/m.
                let k = lagrange_kernel(d, ch.r, zeta)?;
                let c = ev(l.ev_s2_next)? - ev(l.ev_s2)?;
                push(&mut terms, lam, c, &[(Base::Proof(l.z), -k), (Base::Bias(i), k), (Base::Proof(l.c), d_inv)]);
                lam *= ch.lambda;
                let d_hat = match l.ev_d {
                    Some(e) => ev(e)?,
                    None => interpolate_at(output, d, zeta)?,
                };
                // L1: phi(X) (alpha - D(X) - beta A(X)) - 1.
                if let (Some(phi), Some(ea)) = (l.phi, l.ev_a_out) {
                    push(&mut terms, lam, -Fr::one(), &[(Base::Proof(phi), alpha - d_hat - beta * ev(ea)?)]);
                    lam *= ch.lambda;
                }
                // L2: psi(X) (alpha - R(X) - beta^2) - 1, R = Z + 2^(s-1) - 2^s D.
                let r_hat = ev(l.ev_z)? + half - two_s * d_hat;
                push(&mut terms, lam, -Fr::one(), &[(Base::Proof(l.psi), alpha - r_hat - beta2)]);
                lam *= ch.lambda;
                // L3: S3(wX) - S3(X) - phi(X) - psi(X) + E/m.
                let c = ev(l.ev_s3_next)? - ev(l.ev_s3)?;
                let mut t = vec![(Base::Proof(l.psi), -Fr::one()), (Base::Proof(l.e), d_inv)];
                if let Some(phi) = l.phi {
                    t.push((Base::Proof(phi), -Fr::one()));
                }
                push(&mut terms, lam, c, &t);
                lam *= ch.lambda;
            }
        }
        if layout.table_n == d {
            // T1: phi_T(X) (alpha - T_in - beta T_out - beta^2 T_tag) - mu(X).
            let [t_in, t_out, t_tag] = layout.ev_table;
            let f = alpha - ev(t_in)? - beta * ev(t_out)? - beta2 * ev(t_tag)?;
            push(&mut terms, lam, Fr::zero(), &[(Base::Proof(layout.phi_t), f), (Base::Proof(layout.mu), -Fr::one())]);
            lam *= ch.lambda;
            // T2: S_T(wX) - S_T(X) - phi_T(X) + sum_l E_l / N.
            let c = ev(layout.ev_st_next)? - ev(layout.ev_st)?;
            let mut t = vec![(Base::Proof(layout.phi_t), -Fr::one())];
            t.extend(layout.layers.iter().map(|l| (Base::Proof(l.e), d_inv)));
            push(&mut terms, lam, c, &t);
        }
        let quotient = layout.quotient(d).ok_or(Error::BadKey("domain missing from the layout"))?;
        terms.push((Base::Proof(quotient), -vanishing(d, zeta)));
        out.push(Claim { terms, point: 0, value: -constant });
    }
    Ok(out)
}
