//! Where every commitment and evaluation of a model proof sits, derived from the verifying key
//! alone (`docs/protocols/mlp.md`, "Prover messages"). Prover and verifier both use it, so the
//! proof needs no indices of its own.

use alloc::vec::Vec;

use super::key::{pow2, ModelVerifyingKey};

/// Indices for one layer. Commitment indices are global over rounds 1, 2 and the quotients;
/// evaluation indices index the proof's evaluation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerLayout {
    /// Padded input size: the matmul domain `H_n`.
    pub n: usize,
    /// Padded output size: the accumulator and lookup domain `H_m`.
    pub m: usize,
    pub relu: bool,
    // Round 1: the accumulator z = W a + b, the rescaled q and the ReLU output (hidden layers).
    pub z: usize,
    pub d: Option<usize>,
    pub a_out: Option<usize>,
    // Round 2.
    pub v: usize,
    pub q: usize,
    pub c: usize,
    pub s1: usize,
    pub s2: usize,
    pub phi: Option<usize>,
    pub psi: usize,
    pub e: usize,
    pub s3: usize,
    // Evaluations at zeta (and at omega * zeta for the running sums).
    pub ev_s1: usize,
    pub ev_s1_next: usize,
    pub ev_s2: usize,
    pub ev_s2_next: usize,
    pub ev_s3: usize,
    pub ev_s3_next: usize,
    pub ev_z: usize,
    pub ev_d: Option<usize>,
    pub ev_a_out: Option<usize>,
}

/// The layout of a whole proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub layers: Vec<LayerLayout>,
    /// Table size `N`.
    pub table_n: usize,
    pub mu: usize,
    pub phi_t: usize,
    pub s_t: usize,
    pub round1: usize,
    pub round2: usize,
    /// Domain sizes with constraints, ascending; quotient `i` belongs to `domains[i]` and has
    /// commitment index `round1 + round2 + i`; the degree shift follows the quotients.
    pub domains: Vec<usize>,
    /// Evaluations of the three table columns at zeta.
    pub ev_table: [usize; 3],
    pub ev_st: usize,
    pub ev_st_next: usize,
    pub evals: usize,
}

impl Layout {
    /// Derives the layout from a validated key.
    pub fn new(vk: &ModelVerifyingKey) -> Self {
        let mut c = Counter(0);
        let dims: Vec<(usize, usize, bool)> = vk.layers.iter().map(|l| (pow2(l.cols), pow2(l.rows), l.relu)).collect();
        let r1: Vec<(usize, Option<usize>, Option<usize>)> =
            dims.iter().map(|&(_, _, relu)| (c.take(), relu.then(|| c.take()), relu.then(|| c.take()))).collect();
        let mu = c.take();
        let round1 = c.0;
        let mut layers = Vec::with_capacity(dims.len());
        for (&(n, m, relu), &(z, d, a_out)) in dims.iter().zip(&r1) {
            layers.push(LayerLayout {
                n,
                m,
                relu,
                z,
                d,
                a_out,
                v: c.take(),
                q: c.take(),
                c: c.take(),
                s1: c.take(),
                s2: c.take(),
                phi: relu.then(|| c.take()),
                psi: c.take(),
                e: c.take(),
                s3: c.take(),
                ev_s1: 0,
                ev_s1_next: 0,
                ev_s2: 0,
                ev_s2_next: 0,
                ev_s3: 0,
                ev_s3_next: 0,
                ev_z: 0,
                ev_d: None,
                ev_a_out: None,
            });
        }
        let phi_t = c.take();
        let s_t = c.take();
        let round2 = c.0 - round1;

        let mut ev = Counter(0);
        for l in &mut layers {
            l.ev_s1 = ev.take();
            l.ev_s1_next = ev.take();
            l.ev_s2 = ev.take();
            l.ev_s2_next = ev.take();
            l.ev_s3 = ev.take();
            l.ev_s3_next = ev.take();
            l.ev_z = ev.take();
            l.ev_d = l.relu.then(|| ev.take());
            l.ev_a_out = l.relu.then(|| ev.take());
        }
        let ev_table = [ev.take(), ev.take(), ev.take()];
        let ev_st = ev.take();
        let ev_st_next = ev.take();

        let table_n = vk.table_size();
        let mut domains: Vec<usize> = dims.iter().flat_map(|&(n, m, _)| [n, m]).chain([table_n]).collect();
        domains.sort_unstable();
        domains.dedup();
        Layout { layers, table_n, mu, phi_t, s_t, round1, round2, domains, ev_table, ev_st, ev_st_next, evals: ev.0 }
    }

    /// Commitment index of the quotient for domain size `d`.
    pub fn quotient(&self, d: usize) -> Option<usize> {
        self.domains.iter().position(|&x| x == d).map(|i| self.round1 + self.round2 + i)
    }

    /// Index in the point list of `omega_d * zeta` (point 0 is `zeta`).
    pub fn shifted_point(&self, d: usize) -> Option<usize> {
        self.domains.iter().position(|&x| x == d).map(|i| i + 1)
    }

    /// Round-3 commitments: the quotients, then the combined degree shift.
    pub fn round3(&self) -> usize {
        self.domains.len() + 1
    }

    /// Commitment index of the combined degree shift `sum_k kappa^k X^(D - d_k) P_k`.
    pub fn shift(&self) -> usize {
        self.round1 + self.round2 + self.domains.len()
    }

    /// Total commitments in a proof.
    pub fn commitments(&self) -> usize {
        self.round1 + self.round2 + self.round3()
    }
}

struct Counter(usize);

impl Counter {
    fn take(&mut self) -> usize {
        self.0 += 1;
        self.0 - 1
    }
}
