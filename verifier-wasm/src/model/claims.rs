//! The evaluation claims a model proof must satisfy, built from the key, the public values, the
//! challenges and the opened evaluations (`docs/protocols/mlp.md`, "Verifier checks";
//! `docs/protocols/accumulation.md`, "Decider").
//!
//! The prover builds the same list with the same function and opens it, so the two sides cannot
//! disagree on the protocol: the prover evaluates the constraints on cosets (`zkml_prover::model`),
//! the verifier checks their linearisation at `zeta` here. An accumulator's commitments are linear
//! combinations of the proof's commitments ([`Lc`]); claims expand them, so the final check stays
//! one batch opening over the proof's own commitments.

use alloc::vec;
use alloc::vec::Vec;
use ark_ff::{Field, One, Zero};

use super::activation::Activation;
use super::blocks::{lookup, matmul, Block, Weights};
use super::constraints::ERRORS;
use super::constraints::{self, Algebra, Params, Poly};
use super::domain::{
    interpolate_at, matmul_row_weights, padded_rows_at, root_of_unity, row_weights, token_values, vanishing,
};
use super::key::ModelVerifyingKey;
use super::key::Source;
use super::layout::{
    degree_bounds, error_widths, lookup_total_offset, round1_widths, witness_widths, Bounded, Layout, Node, SlotKind,
    WITNESS,
};
use crate::error::Error;
use crate::transcript::{labels, Transcript};
use crate::Fr;

/// A polynomial a claim refers to: a commitment of the proof (by layout index) or of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Proof(usize),
    /// Layer `layer`'s weight rows combined by the row weights `e` of the challenge `r`:
    /// `V(X) = sum_k e_k W_k(X)` over `H_n` (`domain::row_weights`).
    Rows(usize),
    /// Layer `layer`'s weight columns combined by the public input `x`: `Y(X) = sum_j x_j W^j(X)`
    /// over `H_m`, the commitment to `W x` (a layer reading the public input,
    /// `blocks/public_matmul.rs`).
    Columns(usize),
    Bias(usize),
    Table(usize),
}

/// A linear combination of committed polynomials.
pub type Lc = Vec<(Base, Fr)>;

/// `sum_k s_k * P_k` evaluated at `points[point]` equals `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub terms: Lc,
    pub point: u32,
    pub value: Fr,
}

/// The Fiat–Shamir challenges of a model proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenges {
    /// Row-combination point of every matmul.
    pub r: Fr,
    /// Lookup challenge and column compression.
    pub alpha: Fr,
    pub beta: Fr,
    /// One challenge per fold, in layout order (empty for per-layer proofs).
    pub folds: Vec<Fr>,
    /// Constraint combination within a domain.
    pub lambda: Fr,
    /// Combination of the degree bounds.
    pub kappa: Fr,
    /// Evaluation point.
    pub zeta: Fr,
}

/// The transcript every model proof starts from: domain, model digest, the proof's envelope kind
/// (so a proof of one kind is never read as the other), public input and output.
pub fn start_transcript(
    vk_digest: &crate::hex::Digest,
    kind: crate::envelope::Kind,
    input: &[super::Int],
    output: &[super::Int],
) -> Transcript {
    let mut t = Transcript::new(labels::MODEL_DOMAIN);
    t.absorb(labels::VK_DIGEST, vk_digest);
    t.absorb(labels::MODEL_KIND, &u32::from(kind.code()));
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

/// Where a fold class's accumulator comes from: the weight of each member layer in the folded
/// instance (`acc = sum_i w_i inst_i`, so `u = sum_i w_i`) and the weight of each cross term in
/// the folded error (`Err = sum_f e_f T_f`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldWeights {
    pub members: Vec<(usize, Fr)>,
    pub cross: Vec<(usize, Fr)>,
    pub u: Fr,
}

/// Unrolls class `class`'s fold tree with the fold challenges: a fold `left + r right` passes its
/// weight `w` to `left`, `w r` to `right`, and `w^2 r` to its cross term (errors fold as
/// `Err_left + r T + r^2 Err_right`, and an error's weight is the square of its instance's).
pub fn fold_weights(layout: &Layout, class: usize, challenges: &[Fr]) -> Result<FoldWeights, Error> {
    let cl = layout.classes.get(class).ok_or(Error::BadKey("fold class missing from the layout"))?;
    let mut out = FoldWeights { members: Vec::new(), cross: Vec::new(), u: Fr::zero() };
    let mut stack = vec![(cl.root, Fr::one())];
    while let Some((node, w)) = stack.pop() {
        match node {
            Node::Leaf(i) => {
                out.members.push((i, w));
                out.u += w;
            }
            Node::Fold(f) => {
                let fl = layout.folds.get(f).ok_or(Error::BadKey("fold missing from the layout"))?;
                let r = *challenges.get(f).ok_or(Error::ProofShape {
                    what: "fold challenges",
                    expected: layout.folds.len(),
                    found: challenges.len(),
                })?;
                out.cross.push((fl.cross, w * w * r));
                stack.push((fl.right, w * r));
                stack.push((fl.left, w));
            }
        }
    }
    Ok(out)
}

/// The polynomials one slot's relation is about, as combinations of committed polynomials.
struct SlotPolys {
    n: usize,
    m: usize,
    act: Activation,
    /// Layers on their own: the skip's source, and for output layers the range of the public
    /// output their values fill.
    skip: Option<Source>,
    output: Option<core::ops::Range<usize>>,
    /// The matmul's `V = sum_i e_i W_i` (row weights `e` of `r`; a folded one for classes), from the key's
    /// weight-row commitments; for a layer reading the public input, `Y = W x` from its weight
    /// columns: never a prover message (empty for a product).
    v: Lc,
    /// `V(zeta)` when the key publishes the layer's weights (then `v` is empty).
    public_v: Option<Fr>,
    /// A layer whose input rows share one weight matrix: its own `K(zeta)` (row weights
    /// `s_t e_i`); `v` is then scaled by the token weights' polynomial at `zeta`.
    shared_k: Option<Fr>,
    /// The layer's first block (`Layout::Slot::first`): with the public-input matmul `v` is `Y`;
    /// only the matmul has `C`, `S1`, `S2`.
    first: Block,
    /// A product's second operand (`LayerKey::operand`).
    operand: Option<Source>,
    bias: Lc,
    z: Lc,
    /// `D` for hidden layers; `None` on output layers, whose `D` is their public output less the skip.
    d: Option<Lc>,
    a_out: Option<Lc>,
    e: Lc,
    c: Option<Lc>,
    s1: Option<Lc>,
    s2: Option<Lc>,
    phi: Option<Lc>,
    psi: Option<Lc>,
    chi: Option<Lc>,
    s3: Lc,
    /// The layer's real rows (the padded-row selector of a division).
    rows: usize,
    /// What the layer's blocks commit beyond the above: round 1 (opened at `zeta`, with their
    /// commitment and evaluation indices) and round 2 (never opened).
    committed: Vec<(Poly, usize, usize)>,
    extra: Vec<(Poly, Lc)>,
    /// Hidden layers: `H` and `Sigma` (a class's are decider commitments).
    h: Option<Lc>,
    sigma: Option<Lc>,
    /// Relaxation: slack `u` and the error components (`None`: `u = 1`, no errors).
    relax: Option<(Fr, [Lc; ERRORS])>,
    /// Evaluation indices: the input at zeta (`None`: the public input), `D`, `A`, `H`, `Sigma`.
    ev_in: Option<usize>,
    ev_d: Option<usize>,
    ev_a: Option<usize>,
    ev_h: Option<usize>,
    ev_sigma: Option<usize>,
    /// Evaluation indices of `S1, S1(w.), S2, S2(w.)` (absent with the public input) and of
    /// `S3, S3(w.), Z` at zeta.
    ev_s12: [Option<usize>; 4],
    ev_s3z: [usize; 3],
    /// Classes: the folded layer input `A_in`, packed witness `P2`, packed error `Err` and packed
    /// round-1 commitment (`Z, D, H, Sigma`).
    folded: Option<[Lc; 4]>,
    /// Classes: the sum of the members' packed witnesses, and `Low`, `E_sum` that split it.
    split: Option<(Lc, [Lc; 2])>,
}

/// The tag of `act`'s table section (`Activation::tag`), as the constraints take it; zero for
/// activations without a section, which do not read it.
pub fn section_tag(sections: &[Activation], act: Activation) -> Result<Fr, Error> {
    match (act.tabulated(), act.tag(sections)) {
        (false, _) => Ok(Fr::zero()),
        (true, Some(t)) => Ok(Fr::from(t)),
        (true, None) => Err(Error::BadKey("a tabulated activation without its table section")),
    }
}

fn single(b: Base) -> Lc {
    vec![(b, Fr::one())]
}

fn scaled(lc: &Lc, s: Fr) -> Lc {
    lc.iter().map(|(b, x)| (*b, *x * s)).collect()
}

fn combine(parts: &[(Lc, Fr)]) -> Lc {
    parts.iter().flat_map(|(lc, s)| scaled(lc, *s)).collect()
}

fn slot_polys(layout: &Layout, ch: &Challenges, si: usize) -> Result<SlotPolys, Error> {
    let missing = Error::BadKey("layout index out of range");
    let s = layout.slots.get(si).ok_or(missing.clone())?;
    let p = |i: usize| single(Base::Proof(i));
    let common = |relax, ev_in, ev_a, v, bias, [z, d, h, sigma]: [Option<Lc>; 4], a_out| SlotPolys {
        n: s.n,
        m: s.m,
        act: s.act,
        skip: None,
        output: None,
        v,
        public_v: None,
        shared_k: None,
        bias,
        z: z.unwrap_or_default(),
        d,
        a_out,
        first: s.first,
        operand: None,
        e: p(s.e),
        c: s.c.map(p),
        s1: s.s1.map(p),
        s2: s.s2.map(p),
        phi: s.phi.map(p),
        psi: s.psi.map(p),
        rows: 0,
        committed: Vec::new(),
        extra: s.extra.iter().map(|&(q, i)| (q, p(i))).collect(),
        chi: s.chi.map(p),
        s3: p(s.s3),
        h,
        sigma,
        relax,
        ev_in,
        ev_d: s.ev_d,
        ev_a,
        ev_h: s.ev_h,
        ev_sigma: s.ev_sigma,
        folded: None,
        split: None,
        ev_s12: [s.ev_s1, s.ev_s1_next, s.ev_s2, s.ev_s2_next],
        ev_s3z: [s.ev_s3, s.ev_s3_next, s.ev_z],
    };
    match s.kind {
        SlotKind::Layer(i) => {
            let l = layout.layers.get(i).ok_or(missing.clone())?;
            let ev_in = match l.input {
                Source::Layer(k) => {
                    Some(layout.layers.get(k as usize).and_then(|p| p.ev_a_out).ok_or(missing.clone())?)
                }
                Source::Input => None,
            };
            let v = match s.first.weights() {
                Weights::Columns => single(Base::Columns(i)),
                Weights::None => Vec::new(),
                Weights::Rows => single(Base::Rows(i)),
            };
            let bias = single(Base::Bias(i));
            let round1 = [Some(l.z), l.d, l.h, l.sigma].map(|x| x.map(p));
            let mut sp = common(None, ev_in, l.ev_a_out, v, bias, round1, l.a_out.map(p));
            sp.skip = l.skip;
            sp.operand = l.operand;
            sp.rows = l.rows;
            sp.committed = l.extra.iter().zip(&s.ev_extra).map(|(&(q, c), &(_, e))| (q, c, e)).collect();
            if sp.committed.len() != l.extra.len() || s.ev_extra.len() != l.extra.len() {
                return Err(missing);
            }
            if !l.act.hidden() {
                let start: usize = layout.layers.iter().take(i).filter(|x| !x.act.hidden()).map(|x| x.rows).sum();
                sp.output = Some(start..start + l.rows);
            }
            Ok(sp)
        }
        SlotKind::Class(c) => {
            let fw = fold_weights(layout, c, &ch.folds)?;
            let mut lcs: [Lc; 5] = Default::default();
            let mut v: Lc = Vec::new();
            let mut packed_sum: Lc = Vec::new();
            for &(i, w) in &fw.members {
                let l = layout.layers.get(i).ok_or(missing.clone())?;
                // Layers reading the public input never fold.
                let prev = match l.input {
                    Source::Layer(k) => layout.layers.get(k as usize).and_then(|p| p.a_out),
                    Source::Input => None,
                };
                let (Some(a), Some(a_in), Some(packed)) = (l.a_out, prev, l.packed) else {
                    return Err(missing);
                };
                let bases = [Base::Bias(i), Base::Proof(l.z), Base::Proof(a), Base::Proof(a_in), Base::Proof(packed)];
                for (lc, b) in lcs.iter_mut().zip(bases) {
                    lc.push((b, w));
                }
                v.push((Base::Rows(i), w));
                packed_sum.push((Base::Proof(packed), Fr::one()));
            }
            let [bias, r1_packed, a, a_in, packed] = lcs;
            let round1 = s.round1.ok_or(Error::BadKey("class slot without its round-1 components"))?;
            let err_packed: Lc = fw.cross.iter().map(|&(i, w)| (Base::Proof(i), w)).collect();
            let err = s.err.ok_or(Error::BadKey("class slot without error terms"))?;
            let relax = Some((fw.u, err.map(p)));
            let [low, e_sum] = s.split.ok_or(Error::BadKey("class slot without its split"))?;
            let mut sp = common(relax, s.ev_a_in, s.ev_a, v, bias, round1.map(|x| Some(p(x))), Some(a));
            // Keep the folded input and packed commitments where the claims can reach them.
            sp.folded = Some([a_in, packed, err_packed, r1_packed]);
            sp.split = Some((packed_sum, [p(low), p(e_sum)]));
            Ok(sp)
        }
    }
}

/// Every claim, in a fixed order: opened evaluations first (their values from `evals`), then the
/// packing and degree checks, then one linearised constraint check per domain.
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
    let zeta = ch.zeta;
    let s = vk.scale_bits;
    let big_d = vk.params.degree.bound as usize;
    let sections = vk.table_sections();
    let mut slots = (0..layout.slots.len()).map(|i| slot_polys(layout, ch, i)).collect::<Result<Vec<_>, Error>>()?;
    // Public weights: `V(zeta)` from the key's entries, not a combination of commitments.
    let most = vk.layers.iter().filter(|l| l.public.is_some()).map(|l| l.rows as usize).max().unwrap_or(0);
    let e = row_weights(ch.r, most);
    for (sp, sl) in slots.iter_mut().zip(&layout.slots) {
        // Only a layer's own matmul (a class's members have neither).
        let layer = match sl.kind {
            SlotKind::Layer(i) => vk.layers.get(i).filter(|_| sl.first.weights() == Weights::Rows),
            SlotKind::Class(_) => None,
        };
        let Some(l) = layer else { continue };
        if let Some(p) = &l.public {
            sp.public_v = Some(matmul::public_v_at(p, &e, sp.n, ch.zeta)?);
            sp.v = Vec::new();
        }
        // Shared weights: `Tok(X) V(X)` in M1, `K` of the row weights `s_t e_i` in M2.
        if l.batch > 1 {
            let (rows, cols, batch) = (l.rows as usize, l.cols as usize, l.batch as usize);
            let tok = interpolate_at(&token_values(ch.r, cols, batch, sp.n), sp.n, ch.zeta)?;
            sp.v = scaled(&sp.v, tok);
            sp.shared_k = Some(interpolate_at(&matmul_row_weights(ch.r, rows, batch, sp.m), sp.m, ch.zeta)?);
        }
    }
    let mut out = Vec::new();
    let mut open = |terms: &Lc, point: u32, value: Fr| out.push(Claim { terms: terms.clone(), point, value });

    // 1. Opened evaluations.
    for (sp, sl) in slots.iter().zip(&layout.slots) {
        let sums = [(&sp.s1, sl.ev_s1, sl.ev_s1_next, sp.n), (&sp.s2, sl.ev_s2, sl.ev_s2_next, sp.m)];
        for (poly, at, next, d) in sums {
            match (poly, at, next) {
                (Some(poly), Some(at), Some(next)) => {
                    open(poly, 0, ev(at)?);
                    open(poly, shifted(d)?, ev(next)?);
                }
                (None, None, None) => {}
                _ => return Err(Error::BadKey("a running sum without its evaluations")),
            }
        }
        open(&sp.s3, 0, ev(sl.ev_s3)?);
        open(&sp.s3, shifted(sp.m)?, ev(sl.ev_s3_next)?);
        open(&sp.z, 0, ev(sl.ev_z)?);
        for (x, e) in [(&sp.d, sp.ev_d), (&sp.h, sp.ev_h), (&sp.sigma, sp.ev_sigma)] {
            if let (Some(x), Some(e)) = (x, e) {
                open(x, 0, ev(e)?);
            }
        }
        if let (Some(a), Some(ea)) = (&sp.a_out, sp.ev_a) {
            open(a, 0, ev(ea)?);
        }
        for &(_, c, e) in &sp.committed {
            open(&single(Base::Proof(c)), 0, ev(e)?);
        }
        if let (Some([a_in, ..]), Some(ei)) = (&sp.folded, sp.ev_in) {
            open(a_in, 0, ev(ei)?);
        }
    }
    for l in &layout.layers {
        if let (Some(_), Some(a), Some(ea)) = (l.class, l.a_out, l.ev_a_out) {
            open(&single(Base::Proof(a)), 0, ev(ea)?);
        }
    }
    for (k, &e) in layout.ev_table.iter().enumerate() {
        open(&single(Base::Table(k)), 0, ev(e)?);
    }
    open(&single(Base::Proof(layout.s_t)), 0, ev(layout.ev_st)?);
    open(&single(Base::Proof(layout.s_t)), shifted(layout.table_n)?, ev(layout.ev_st_next)?);

    // 2. For accumulators, the packing of the folded witness and error into their components; and
    //    every degree bound at once:
    //    Shift = sum_k kappa^k X^(D - d_k) P_k has degree < D only if every term does, with D the
    //    key's checked bound (the pairing check of `kzg::add_degree_check` shows deg Shift < D).
    let mut shift_terms = vec![(Base::Proof(layout.shift()), Fr::one())];
    let mut kappa_k = Fr::one();
    let mut bound = |p: &Lc, d: usize| -> Result<(), Error> {
        let e = big_d.checked_sub(d).ok_or(Error::BadKey("a degree bound exceeds the key's checked bound"))?;
        shift_terms.extend(scaled(p, -kappa_k * zeta.pow([e as u64])));
        kappa_k *= ch.kappa;
        Ok(())
    };
    for (sp, sl) in slots.iter().zip(&layout.slots) {
        let witness: [Option<&Lc>; WITNESS] = [
            sp.c.as_ref(),
            sp.s1.as_ref(),
            sp.s2.as_ref(),
            sp.phi.as_ref(),
            sp.psi.as_ref(),
            sp.chi.as_ref(),
            Some(&sp.s3),
            Some(&sp.e),
        ];
        let round1 = [Some(&sp.z), sp.d.as_ref(), sp.h.as_ref(), sp.sigma.as_ref()];
        if let (Some([_, packed, err_packed, r1_packed]), Some((_, errs))) = (&sp.folded, &sp.relax) {
            let witness: Vec<&Lc> = witness
                .iter()
                .copied()
                .collect::<Option<_>>()
                .ok_or(Error::BadKey("class slot without its lookups"))?;
            let round1: Vec<&Lc> = round1
                .iter()
                .copied()
                .collect::<Option<_>>()
                .ok_or(Error::BadKey("class slot without its round-1 components"))?;
            let errs: Vec<&Lc> = errs.iter().collect();
            // `packed - sum_k zeta^(o_k) comp_k = 0` for each packing.
            let packings: [(&Lc, &[&Lc], &[usize]); 3] = [
                (packed, &witness, &witness_widths(sp.n, sp.m)),
                (err_packed, &errs, &error_widths(sp.n, sp.m)),
                (r1_packed, &round1, &round1_widths(sp.m)),
            ];
            for (packed, comps, widths) in packings {
                let mut terms = packed.clone();
                let mut o = 0usize;
                for (comp, &w) in comps.iter().zip(widths) {
                    terms.extend(scaled(comp, -zeta.pow([o as u64])));
                    o += w;
                }
                out.push(Claim { terms, point: 0, value: Fr::zero() });
            }
            // The members' lookup totals, summed: `sum_l P2_l = Low + X^(o_E) E_sum` with
            // `deg Low < o_E` and `E_sum` constant makes `E_sum` the sum of the members' `E`.
            let (sum, [low, e_sum]) = sp.split.as_ref().ok_or(Error::BadKey("class slot without its split"))?;
            let o_e = lookup_total_offset(sp.n, sp.m);
            let terms = combine(&[
                (sum.clone(), Fr::one()),
                (low.clone(), -Fr::one()),
                (e_sum.clone(), -zeta.pow([o_e as u64])),
            ]);
            out.push(Claim { terms, point: 0, value: Fr::zero() });
        }
        let missing = Error::BadKey("a degree bound names a polynomial the slot lacks");
        for (b, w) in degree_bounds(sl) {
            let errs = sp.relax.as_ref().map(|(_, e)| e);
            let split = sp.split.as_ref().map(|(_, s)| s);
            let p = match b {
                Bounded::Witness(k) => witness.get(k).copied().flatten(),
                Bounded::Error(k) => errs.and_then(|e| e.get(k)),
                Bounded::Round1(k) => round1.get(k).copied().flatten(),
                Bounded::Low => split.map(|[low, _]| low),
                Bounded::ESum => split.map(|[_, e_sum]| e_sum),
            };
            bound(p.ok_or(missing.clone())?, w)?;
        }
    }
    out.push(Claim { terms: shift_terms, point: 0, value: Fr::zero() });

    // 3. One linearised check per domain: sum_k lambda^k C_k(zeta) = Z_d(zeta) T_d(zeta), with the
    //    relaxed constraints of accumulators (slack u, error terms; accumulation.md). The
    //    constraints are those of `constraints.rs`, evaluated by `Linearise`.
    // Shifts checked, though a validated key has 1 <= s <= 20: a key that skipped validation is an
    // error here, never a panic or a wrapped shift.
    let pow = |k: Option<u32>| k.and_then(|k| 1u64.checked_shl(k)).ok_or(Error::BadKey("scale bits out of range"));
    let inv = |k: usize| Fr::from(k as u64).inverse().ok_or(Error::BadKey("empty domain"));
    let mut params = Params {
        alpha: ch.alpha,
        beta: ch.beta,
        half: Fr::from(pow(s.checked_sub(1))?),
        two_s: Fr::from(pow(Some(s))?),
        inv_n: Fr::one(),
        inv_m: Fr::one(),
        inv_table: inv(layout.table_n)?,
    };
    for &d in &layout.domains {
        if vanishing(d, zeta).is_zero() {
            return Err(Error::DegenerateChallenge);
        }
        // K = sum_i e_i L_i over this domain at zeta: once per domain, shared by its slots (M2:
        // only on a matmul layer).
        let k_at_zeta = match layout.slots.iter().any(|sp| sp.m == d && sp.first.has_running_sums()) {
            true => Some(interpolate_at(&row_weights(ch.r, d), d, zeta)?),
            false => None,
        };
        let mut total = Lin::constant(Fr::zero());
        let mut lam = Fr::one();
        let mut push = |e: Lin| {
            total = core::mem::replace(&mut total, Lin::constant(Fr::zero())) + e * lam;
            lam *= ch.lambda;
        };
        for sp in slots.iter().filter(|sp| (sp.first.has_running_sums() && sp.n == d) || sp.m == d) {
            let (u, errs) = match &sp.relax {
                Some((u, e)) => (*u, Some(e)),
                None => (Fr::one(), None),
            };
            let err =
                |k: usize| errs.and_then(|e| e.get(k)).map_or(Lin::constant(Fr::zero()), |e| Lin::of(e, Fr::one()));
            let opened = |i: usize| ev(i).map(Lin::constant);
            let mut lin = Linearise { u, polys: Vec::new() };
            let mut put = |p: Poly, l: Lin| lin.polys.push((p, l));
            let (on_n, on_m) = (sp.first.has_running_sums() && sp.n == d, sp.m == d);
            // What the layer's blocks read on `H_m` beyond its own polynomials (`Block::reads`).
            let blocks = Block::lower(sp.act, sp.first);
            let reads = |p: Poly| on_m && Block::any_reads(&blocks, p);
            if on_n {
                // V is the combination of every weight row: formed only where M1 needs it.
                put(Poly::V, sp.public_v.map_or_else(|| Lin::of(&sp.v, Fr::one()), Lin::constant));
            }
            if reads(Poly::Y) {
                // Y = W x, the weight columns combined by the public input (M0).
                put(Poly::Y, Lin::of(&sp.v, Fr::one()));
            }
            if let Some(c) = &sp.c {
                put(Poly::C, Lin::of(c, Fr::one()));
            }
            let sums = [Poly::S1, Poly::S1Next, Poly::S2, Poly::S2Next];
            for (poly, e) in sums.into_iter().zip(sp.ev_s12) {
                if let Some(e) = e {
                    put(poly, opened(e)?);
                }
            }
            for (poly, e) in [Poly::S3, Poly::S3Next, Poly::Z].into_iter().zip(sp.ev_s3z) {
                put(poly, opened(e)?);
            }
            put(Poly::B, Lin::of(&sp.bias, Fr::one()));
            if let Some(psi) = &sp.psi {
                put(Poly::Psi, Lin::of(psi, Fr::one()));
            }
            for (q, lc) in &sp.extra {
                put(*q, Lin::of(lc, Fr::one()));
            }
            for &(q, _, e) in &sp.committed {
                put(q, opened(e)?);
            }
            put(Poly::E, Lin::of(&sp.e, Fr::one()));
            if let Some(phi) = &sp.phi {
                put(Poly::Phi, Lin::of(phi, Fr::one()));
            }
            if let Some(chi) = &sp.chi {
                put(Poly::Chi, Lin::of(chi, Fr::one()));
            }
            for (poly, e) in [(Poly::A, sp.ev_a), (Poly::H, sp.ev_h), (Poly::Sigma, sp.ev_sigma)] {
                if let Some(e) = e {
                    put(poly, opened(e)?);
                }
            }
            // A tensor at zeta: a layer's opened `A`, or the public input's interpolation.
            let tensor = |src: Source| match src {
                Source::Input => interpolate_at(input, d, zeta),
                Source::Layer(k) => {
                    let e = layout.layers.get(k as usize).and_then(|l| l.ev_a_out);
                    ev(e.ok_or(Error::BadKey("a layer's source has no evaluation"))?)
                }
            };
            if on_n || reads(Poly::AIn) {
                let a_in = match sp.ev_in {
                    Some(e) => ev(e)?,
                    None => interpolate_at(input, d, zeta)?,
                };
                put(Poly::AIn, Lin::constant(a_in));
            }
            if reads(Poly::Operand) {
                let operand = sp.operand.ok_or(Error::BadKey("a product without its operand"))?;
                put(Poly::Operand, Lin::constant(tensor(operand)?));
            }
            if reads(Poly::Pad) {
                put(Poly::Pad, Lin::constant(padded_rows_at(sp.rows, d, zeta)?));
            }
            if reads(Poly::K) {
                let k = sp.shared_k.or(k_at_zeta).ok_or(Error::BadKey("a slot's domain without K"))?;
                put(Poly::K, Lin::constant(k));
            }
            if on_m {
                let skip = match sp.skip {
                    None => Fr::zero(),
                    Some(src) => tensor(src)?,
                };
                // An output layer's D is its public values less its skip.
                let d_hat = match (sp.ev_d, &sp.output) {
                    (Some(e), _) => ev(e)?,
                    (None, Some(range)) => {
                        let y = output.get(range.clone()).ok_or(Error::ProofShape {
                            what: "output values",
                            expected: range.end,
                            found: output.len(),
                        })?;
                        interpolate_at(y, d, zeta)? - skip
                    }
                    (None, None) => return Err(Error::BadKey("a layer without D or output values")),
                };
                put(Poly::D, Lin::constant(d_hat));
                put(Poly::Skip, Lin::constant(skip));
            }
            (params.inv_n, params.inv_m) = (inv(sp.n)?, inv(sp.m)?);
            let mut list = Vec::new();
            if on_n {
                list.extend(constraints::on_n(&mut lin, &params, sp.first));
            }
            if on_m {
                let act = (sp.act, section_tag(&sections, sp.act)?);
                list.extend(constraints::on_m(&mut lin, &params, act, sp.first, false));
            }
            for (e, k) in list {
                push(checked(e)? - k.map_or_else(|| Lin::constant(Fr::zero()), &err));
            }
        }
        if layout.table_n == d {
            // T2 sums every layer's lookup total: each layer on its own commits its E, and a
            // class's E_sum is the sum of its members'.
            let own = layout.layers.iter().filter_map(|l| l.e);
            let sums = layout.slots.iter().filter_map(|s| s.split.map(|[_, e_sum]| e_sum));
            let e_all: Lc = own.chain(sums).map(|i| (Base::Proof(i), Fr::one())).collect();
            let [t_in, t_out, t_tag] = layout.ev_table;
            let mut lin = Linearise { u: Fr::one(), polys: Vec::new() };
            let proof = |i: usize| Lin::of(&single(Base::Proof(i)), Fr::one());
            lin.polys.extend([
                (Poly::PhiT, proof(layout.phi_t)),
                (Poly::Mu, proof(layout.mu)),
                (Poly::TIn, Lin::constant(ev(t_in)?)),
                (Poly::TOut, Lin::constant(ev(t_out)?)),
                (Poly::TTag, Lin::constant(ev(t_tag)?)),
                (Poly::ST, Lin::constant(ev(layout.ev_st)?)),
                (Poly::STNext, Lin::constant(ev(layout.ev_st_next)?)),
                (Poly::ESum, Lin::of(&e_all, Fr::one())),
            ]);
            push(checked(lookup::t1(&mut lin, &params))?);
            push(checked(lookup::t2(&mut lin, &params))?);
        }
        let quotient = layout.quotient(d).ok_or(Error::BadKey("domain missing from the layout"))?;
        let mut terms = total.lc;
        terms.push((Base::Proof(quotient), -vanishing(d, zeta)));
        out.push(Claim { terms, point: 0, value: -total.c });
    }
    Ok(out)
}

/// A linearised expression: a constant plus a combination of commitments. A product is linear
/// only when one side is a constant; anything else marks the expression invalid, which
/// [`checked`] turns into an error (a constraint the verifier cannot check).
#[derive(Debug, Clone)]
struct Lin {
    c: Fr,
    lc: Lc,
    linear: bool,
}

impl Lin {
    fn constant(c: Fr) -> Self {
        Lin { c, lc: Vec::new(), linear: true }
    }

    fn of(lc: &Lc, s: Fr) -> Self {
        Lin { c: Fr::zero(), lc: scaled(lc, s), linear: true }
    }
}

impl core::ops::Add for Lin {
    type Output = Lin;
    fn add(mut self, o: Lin) -> Lin {
        self.c += o.c;
        self.lc.extend(o.lc);
        self.linear &= o.linear;
        self
    }
}

impl core::ops::Sub for Lin {
    type Output = Lin;
    fn sub(self, o: Lin) -> Lin {
        self + o * -Fr::one()
    }
}

impl core::ops::Mul<Fr> for Lin {
    type Output = Lin;
    fn mul(self, s: Fr) -> Lin {
        Lin { c: self.c * s, lc: scaled(&self.lc, s), linear: self.linear }
    }
}

impl core::ops::Mul for Lin {
    type Output = Lin;
    fn mul(self, o: Lin) -> Lin {
        match (self.lc.is_empty(), o.lc.is_empty()) {
            (true, _) => Lin { linear: self.linear && o.linear, ..o * self.c },
            (_, true) => Lin { linear: self.linear && o.linear, ..self * o.c },
            _ => Lin { linear: false, ..self },
        }
    }
}

/// The verifier's algebra: each polynomial of a slot as an opened value or a commitment.
struct Linearise {
    u: Fr,
    polys: Vec<(Poly, Lin)>,
}

/// `e`, if it is linear in the unopened commitments (every constraint is, for a valid layout).
fn checked(e: Lin) -> Result<Lin, Error> {
    match e.linear {
        true => Ok(e),
        false => Err(Error::BadKey("a constraint is not linear in the unopened commitments")),
    }
}

impl Algebra for Linearise {
    type E = Lin;

    fn poly(&mut self, p: Poly) -> Lin {
        // A polynomial the slot does not have makes the constraint unusable, never a panic.
        self.polys
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(Lin { linear: false, ..Lin::constant(Fr::zero()) }, |(_, l)| l.clone())
    }

    fn constant(&mut self, c: Fr) -> Lin {
        Lin::constant(c)
    }

    fn slack(&mut self) -> Lin {
        Lin::constant(self.u)
    }
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;
