//! Where every commitment and evaluation of a model proof sits, derived from the verifying key
//! and the proof's mode alone (`docs/protocols/mlp.md`, "Prover messages";
//! `docs/protocols/accumulation.md`, "Layout"). Prover and verifier both use it, so the proof needs
//! no indices of its own.

use alloc::vec::Vec;

use super::activation::Activation;
use super::blocks::Block;
use super::constraints::{Poly, ERRORS};
use super::key::{pow2, ModelVerifyingKey, Source};

/// How the hidden layers of a proof are proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every layer's relation is checked on its own commitments (`docs/protocols/mlp.md`).
    PerLayer,
    /// Hidden layers of equal shape are folded into one accumulator per class, and only the
    /// accumulators are checked (`docs/protocols/accumulation.md`).
    Accumulated,
}

/// Extra coefficients of a polynomial carrying a `Z_H` blind of degree one (`Z_H(X) (b_0 + b_1 X)`).
pub const BLINDED_EXTRA: usize = 2;

/// Degree bounds (number of coefficients) of the packed round-2 witness of a folded layer, in
/// packing order `C, S1, S2, phi, psi, chi, S3, E`. The lookup total `E` (a constant) comes last,
/// at offset [`lookup_total_offset`], so that the decider can read the sum of a class's totals
/// off the sum of its members' packed witnesses (`docs/protocols/accumulation.md`).
pub fn witness_widths(n: usize, m: usize) -> [usize; WITNESS] {
    let e = BLINDED_EXTRA;
    [1, n + e, m + e, m, m, m, m + e, 1]
}

/// Components of the round-2 witness: `C, S1, S2, phi, psi, chi, S3, E`.
pub const WITNESS: usize = 8;
/// Index of `E`, the last component.
pub const WITNESS_E: usize = WITNESS - 1;
/// Components of a ReLU layer's round-1 commitments that a fold packs: `Z, D, H, Sigma`.
pub const ROUND1: usize = 4;

/// Offset of `E` in the packed witness: the sum of the other components' widths.
pub fn lookup_total_offset(n: usize, m: usize) -> usize {
    let w = witness_widths(n, m);
    w.split_last().map_or(0, |(_, rest)| rest.iter().fold(0usize, |acc, &x| acc.saturating_add(x)))
}

/// Degree bounds of the packed error polynomial `Err_n, Err_L1, Err_L2, Err_L4, Err_A`
/// (`constraints::ERR_*`).
pub fn error_widths(n: usize, m: usize) -> [usize; ERRORS] {
    [n, m, m, m, m]
}

/// Degree bounds of the packed round-1 commitment `Z + X^(m+2) D + X^(2m+4) H + X^(3m+6) Sigma`
/// of a folded layer.
pub fn round1_widths(m: usize) -> [usize; ROUND1] {
    [m + BLINDED_EXTRA; ROUND1]
}

/// The largest degree bound a proof of either mode checks for this key: 1 (the constants `C`
/// and `E`; `E` alone for a layer without running sums) for layers on their own; every packed component, error component, round-1 component and `Low`
/// (bound `o_E`) for fold classes. Setup writes it into the key's degree check.
pub fn required_degree_bound(vk: &ModelVerifyingKey) -> usize {
    let classes = fold_classes(vk, &dims(vk)).into_iter().flat_map(|c| {
        let (n, m) = (c.n, c.m);
        witness_widths(n, m)
            .into_iter()
            .chain(error_widths(n, m))
            .chain(round1_widths(m))
            .chain([lookup_total_offset(n, m)])
    });
    classes.fold(1, usize::max)
}

fn dims(vk: &ModelVerifyingKey) -> Vec<(usize, usize, Activation)> {
    vk.layers.iter().map(|l| (pow2(l.cols), pow2(l.rows), l.act)).collect()
}

/// A polynomial whose degree the proof's combined shift bounds (`docs/protocols/mlp.md`, the degree
/// shift; `docs/protocols/accumulation.md`, the decider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bounded {
    /// Component `k` of the round-2 witness in packing order `C, S1, S2, phi, psi, chi, S3, E`.
    Witness(usize),
    /// Error component `k`: `Err_n, Err_L1, Err_L2, Err_L4, Err_A`.
    Error(usize),
    /// Component `k` of the accumulator's round 1: `Z, D, H, Sigma`.
    Round1(usize),
    /// The split of a class's summed packed witnesses.
    Low,
    ESum,
}

/// Every degree bound of a slot, `(polynomial, number of coefficients)`, in the order of the
/// shift's `kappa` powers: a layer on its own bounds its constants `C` and `E` (`E` alone when its
/// first block has no running sums: it has no `C`); an accumulator
/// every packed component, every error component, `Z, D, H, Sigma`, then `Low` below `o_E` and `E_sum`.
/// Prover and verifier both walk this list.
pub fn degree_bounds(s: &Slot) -> Vec<(Bounded, usize)> {
    match s.kind {
        SlotKind::Layer(_) if !s.first.has_running_sums() => alloc::vec![(Bounded::Witness(WITNESS_E), 1)],
        SlotKind::Layer(_) => alloc::vec![(Bounded::Witness(0), 1), (Bounded::Witness(WITNESS_E), 1)],
        SlotKind::Class(_) => {
            let witness = witness_widths(s.n, s.m).into_iter().enumerate().map(|(k, w)| (Bounded::Witness(k), w));
            let errors = error_widths(s.n, s.m).into_iter().enumerate().map(|(k, w)| (Bounded::Error(k), w));
            let round1 = round1_widths(s.m).into_iter().enumerate().map(|(k, w)| (Bounded::Round1(k), w));
            let rest = [(Bounded::Low, lookup_total_offset(s.n, s.m)), (Bounded::ESum, 1)];
            witness.chain(errors).chain(round1).chain(rest).collect()
        }
    }
}

/// Commitments per fold class in the decider section: the accumulator's round-2 witness (8, `E`
/// included), its error components (5), its `Z, D, H, Sigma` (4), and `Low`, `E_sum` (2), which
/// split the sum of the members' packed witnesses at the lookup total.
pub const DECIDER_PER_CLASS: usize = WITNESS + ERRORS + ROUND1 + 2;

/// Indices for one layer. Commitment indices are global over every section of the proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerLayout {
    /// Output size (the weight rows, one key commitment each).
    pub rows: usize,
    /// Padded input size: the matmul domain `H_n`.
    pub n: usize,
    /// Padded output size: the accumulator and lookup domain `H_m`.
    pub m: usize,
    pub act: Activation,
    /// Where the layer reads its input, its skip and a product's second operand
    /// (`LayerKey::input`, `LayerKey::skip`, `LayerKey::operand`), and its first block
    /// (`LayerKey::first_block`).
    pub input: Source,
    pub skip: Option<Source>,
    pub operand: Option<Source>,
    pub first: Block,
    // Round 1: the accumulator z = W a + b, the rescaled q, the ReLU output, the split's high
    // part H and the sign Sigma (ReLU layers). For a folded layer `z`, `d`, `h` and `sigma` all
    // name its packed commitment (`round1_widths`).
    pub z: usize,
    pub d: Option<usize>,
    pub a_out: Option<usize>,
    pub h: Option<usize>,
    pub sigma: Option<usize>,
    /// Round 1: what the layer's blocks commit beyond the above (`Block::committed`: a
    /// division's remainder and high parts), each opened at `zeta` (`Slot::ev_extra`).
    pub extra: Vec<(Poly, usize)>,
    /// Round 2 of a layer checked on its own: its lookup total `E` (a constant). A folded layer
    /// packs `E` into its `P2`.
    pub e: Option<usize>,
    /// Round 2 of a folded layer: its packed witness `P2`.
    pub packed: Option<usize>,
    /// The fold class of a folded layer.
    pub class: Option<usize>,
    /// The slot that checks this layer on its own (layers that are not folded).
    pub slot: Option<usize>,
    /// Evaluation of `A` at zeta: hidden layers checked on their own, and folded layers whose
    /// output feeds a layer checked on its own.
    pub ev_a_out: Option<usize>,
}

/// Which relation a slot checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// Layer `i`, on its own commitments (`u = 1`, no error terms).
    Layer(usize),
    /// The accumulator of fold class `c` (relaxed: slack `u`, error terms).
    Class(usize),
}

/// One layer relation checked by the final claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub kind: SlotKind,
    pub n: usize,
    pub m: usize,
    pub act: Activation,
    /// The layer's first block (`LayerKey::first_block`; `Matmul` for a class). Only the matmul
    /// has `C`, `S1`, `S2` and constraints on `H_n`; a layer with another (the public-input
    /// matmul, the element-wise product) never folds.
    pub first: Block,
    // Commitments of the round-2 witness (a layer's round 2, or a class's decider section). The
    // matmul's `V` is not among them: the verifier forms it from the key (`claims.rs`). `C`,
    // `S1`, `S2` exist only with the matmul block.
    pub c: Option<usize>,
    pub s1: Option<usize>,
    pub s2: Option<usize>,
    pub phi: Option<usize>,
    /// The rescaling's remainder lookups (absent after a division, which rescales itself).
    pub psi: Option<usize>,
    pub chi: Option<usize>,
    pub s3: usize,
    /// The lookup inverses the layer's blocks commit beyond `phi`, `psi`, `chi`
    /// (`Block::extra_inverses`; never opened).
    pub extra: Vec<(Poly, usize)>,
    /// Evaluations at `zeta` of the layer's extra round-1 commitments (`LayerLayout::extra`).
    pub ev_extra: Vec<(Poly, usize)>,
    /// The lookup total `E`: the layer's own, or the accumulator's (decider section).
    pub e: usize,
    /// Classes: the error components `Err_n, Err_L1, Err_L2, Err_L4, Err_A` (decider section).
    pub err: Option<[usize; ERRORS]>,
    /// Classes: the accumulator's `Z, D, H, Sigma` (decider section), unpacked from the folded
    /// round-1 commitment.
    pub round1: Option<[usize; ROUND1]>,
    /// Classes: `Low` and `E_sum` (decider section), with `sum of the members' P2 = Low +
    /// X^(o_E) E_sum` and `deg Low < o_E`: `E_sum` is the sum of the members' lookup totals.
    pub split: Option<[usize; 2]>,
    // Evaluations at zeta (and at omega * zeta for the running sums); `S1`, `S2` only where they
    // exist.
    pub ev_s1: Option<usize>,
    pub ev_s1_next: Option<usize>,
    pub ev_s2: Option<usize>,
    pub ev_s2_next: Option<usize>,
    pub ev_s3: usize,
    pub ev_s3_next: usize,
    pub ev_z: usize,
    pub ev_d: Option<usize>,
    /// Hidden layers: `H` and `Sigma` at zeta.
    pub ev_h: Option<usize>,
    pub ev_sigma: Option<usize>,
    /// Classes only: the folded `A` and the folded layer input at zeta (a layer on its own uses
    /// its `LayerLayout::ev_a_out` and its predecessor's).
    pub ev_a: Option<usize>,
    pub ev_a_in: Option<usize>,
}

/// A node of a fold tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// A fresh instance: layer `i`.
    Leaf(usize),
    /// The result of fold `f`.
    Fold(usize),
}

/// One fold: `acc = left + r right`, `Err = Err_left + r T + r^2 Err_right`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldLayout {
    pub class: usize,
    /// Tree level (0 folds two fresh instances' parents); challenges are drawn level by level.
    pub level: usize,
    pub left: Node,
    pub right: Node,
    /// Commitment index of the packed cross term `T`.
    pub cross: usize,
}

/// Hidden layers of one shape, folded into one accumulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassLayout {
    pub n: usize,
    pub m: usize,
    /// Layer indices, in order.
    pub members: Vec<usize>,
    pub root: Node,
    pub slot: usize,
}

/// The layout of a whole proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub mode: Mode,
    pub layers: Vec<LayerLayout>,
    pub slots: Vec<Slot>,
    pub classes: Vec<ClassLayout>,
    /// Folds in transcript order: by level, then class, then position.
    pub folds: Vec<FoldLayout>,
    /// Number of fold levels (`ceil(log2)` of the largest class).
    pub levels: usize,
    /// Table size `N`.
    pub table_n: usize,
    pub mu: usize,
    pub phi_t: usize,
    pub s_t: usize,
    pub round1: usize,
    pub round2: usize,
    /// Cross-term commitments (one per fold) and decider commitments ([`DECIDER_PER_CLASS`] per class).
    pub fold_section: usize,
    pub decider_section: usize,
    /// Domain sizes with constraints, ascending; quotient `i` belongs to `domains[i]`; the degree
    /// shift follows the quotients.
    pub domains: Vec<usize>,
    /// Evaluations of the three table columns at zeta.
    pub ev_table: [usize; 3],
    pub ev_st: usize,
    pub ev_st_next: usize,
    pub evals: usize,
}

/// Layers that fold: ReLU layers whose shape `(n, m)` is shared by another ReLU layer and
/// whose packed witness fits the SRS, without a skip, whose first block is the matmul (a layer
/// reading the public input is checked on its own, against the key's weight columns, and so is
/// a product).
fn fold_classes(vk: &ModelVerifyingKey, dims: &[(usize, usize, Activation)]) -> Vec<ClassLayout> {
    let d = vk.srs_powers as usize;
    let mut classes: Vec<ClassLayout> = Vec::new();
    for (i, &(n, m, act)) in dims.iter().enumerate() {
        let packed = witness_widths(n, m).iter().fold(0usize, |acc, &w| acc.saturating_add(w));
        // Public or shared weights never fold: their `V` is a value, or carries the token weights.
        let skip = vk.layers.get(i).is_some_and(|l| {
            l.skip.is_some() || !l.first_block().has_running_sums() || l.public.is_some() || l.batch > 1
        });
        if act != Activation::Relu || skip || packed > d {
            continue;
        }
        match classes.iter_mut().find(|c| (c.n, c.m) == (n, m)) {
            Some(c) => c.members.push(i),
            None => classes.push(ClassLayout { n, m, members: alloc::vec![i], root: Node::Leaf(i), slot: 0 }),
        }
    }
    classes.retain(|c| c.members.len() >= 2);
    classes
}

impl Layout {
    /// Derives the layout from a key that passed `ModelVerifyingKey::validate` (sizes below
    /// `2^20`, `max(n, m) <= D`); every caller validates first.
    pub fn new(vk: &ModelVerifyingKey, mode: Mode) -> Self {
        let mut c = Counter(0);
        let dims = dims(vk);
        let mut classes = match mode {
            Mode::PerLayer => Vec::new(),
            Mode::Accumulated => fold_classes(vk, &dims),
        };
        let mut layer_class: Vec<Option<usize>> = alloc::vec![None; dims.len()];
        for (ci, cl) in classes.iter().enumerate() {
            for &i in &cl.members {
                if let Some(x) = layer_class.get_mut(i) {
                    *x = Some(ci);
                }
            }
        }

        let mut layers: Vec<LayerLayout> = Vec::with_capacity(dims.len());
        for ((&(n, m, act), &class), key) in dims.iter().zip(&layer_class).zip(&vk.layers) {
            let (hidden, relu) = (act.hidden(), act == Activation::Relu);
            // A folded layer commits Z, D, H and Sigma packed into one commitment (all four
            // indices point to it); the others commit each, in the order Z, D, A, H, Sigma, then
            // what their blocks add (`Block::committed`).
            let z = c.take();
            let d = match class {
                Some(_) => Some(z),
                None => hidden.then(|| c.take()),
            };
            let a_out = hidden.then(|| c.take());
            let mut own = || match class {
                Some(_) => Some(z),
                None => relu.then(|| c.take()),
            };
            let (h, sigma) = (own(), own());
            let first = key.first_block();
            let extra = Block::lower(act, first)
                .iter()
                .flat_map(|b| b.committed().iter().copied())
                .map(|p| (p, c.take()))
                .collect();
            layers.push(LayerLayout {
                rows: key.rows as usize,
                n,
                m,
                act,
                input: key.input,
                skip: key.skip,
                operand: key.operand,
                first,
                z,
                d,
                a_out,
                h,
                sigma,
                extra,
                e: None,
                packed: None,
                class,
                slot: None,
                ev_a_out: None,
            });
        }
        let mu = c.take();
        let round1 = c.0;

        let mut slots = Vec::new();
        for (i, l) in layers.iter_mut().enumerate() {
            if l.class.is_some() {
                l.packed = Some(c.take());
                continue;
            }
            let (cc, s1, s2) = match l.first.has_running_sums() {
                false => (None, None, None),
                true => (Some(c.take()), Some(c.take()), Some(c.take())),
            };
            let blocks = Block::lower(l.act, l.first);
            // The inverses of the layer's blocks (`Block::inverses`): the shared three by name,
            // then the blocks' extra ones.
            let [phi, psi, chi] =
                [Poly::Phi, Poly::Psi, Poly::Chi].map(|p| Block::any_inverse(&blocks, p).then(|| c.take()));
            let e = c.take();
            l.e = Some(e);
            let s3 = c.take();
            let extra = blocks.iter().flat_map(|b| b.extra_inverses().iter().copied()).map(|p| (p, c.take())).collect();
            l.slot = Some(slots.len());
            slots.push(Slot::new(
                SlotKind::Layer(i),
                (l.n, l.m, l.act),
                [cc, s1, s2],
                [psi, Some(s3), Some(e)],
                [phi, chi],
                None,
            ));
            if let Some(slot) = slots.last_mut() {
                slot.first = l.first;
                slot.extra = extra;
            }
        }
        let phi_t = c.take();
        let s_t = c.take();
        let round2 = c.0 - round1;

        // Fold trees, built level by level across all classes.
        let mut folds = Vec::new();
        let mut nodes: Vec<Vec<Node>> =
            classes.iter().map(|cl| cl.members.iter().map(|&i| Node::Leaf(i)).collect()).collect();
        let mut level = 0;
        while nodes.iter().any(|n| n.len() > 1) {
            for (ci, list) in nodes.iter_mut().enumerate() {
                let mut next = Vec::with_capacity(list.len().div_ceil(2));
                for pair in list.chunks(2) {
                    match *pair {
                        [left, right] => {
                            next.push(Node::Fold(folds.len()));
                            folds.push(FoldLayout { class: ci, level, left, right, cross: c.take() });
                        }
                        [single] => next.push(single),
                        _ => {}
                    }
                }
                *list = next;
            }
            level += 1;
        }
        let fold_section = folds.len();
        for (cl, list) in classes.iter_mut().zip(&nodes) {
            if let Some(&root) = list.first() {
                cl.root = root;
            }
        }

        let decider_start = c.0;
        for (ci, cl) in classes.iter_mut().enumerate() {
            let ids: [usize; WITNESS] = core::array::from_fn(|_| c.take());
            let err: [usize; ERRORS] = core::array::from_fn(|_| c.take());
            let round1: [usize; ROUND1] = core::array::from_fn(|_| c.take());
            let split = [c.take(), c.take()];
            cl.slot = slots.len();
            let [cc, s1, s2, phi, psi, chi, s3, e] = ids;
            slots.push(Slot::new(
                SlotKind::Class(ci),
                (cl.n, cl.m, Activation::Relu),
                [Some(cc), Some(s1), Some(s2)],
                [Some(psi), Some(s3), Some(e)],
                [Some(phi), Some(chi)],
                Some(err),
            ));
            if let Some(slot) = slots.last_mut() {
                slot.round1 = Some(round1);
                slot.split = Some(split);
            }
        }
        let decider_section = c.0 - decider_start;
        debug_assert_eq!(decider_section, classes.len() * DECIDER_PER_CLASS);

        let mut ev = Counter(0);
        for s in &mut slots {
            if s.first.has_running_sums() {
                s.ev_s1 = Some(ev.take());
                s.ev_s1_next = Some(ev.take());
                s.ev_s2 = Some(ev.take());
                s.ev_s2_next = Some(ev.take());
            }
            s.ev_s3 = ev.take();
            s.ev_s3_next = ev.take();
            s.ev_z = ev.take();
            let relu = s.act == Activation::Relu;
            s.ev_d = s.act.hidden().then(|| ev.take());
            s.ev_h = relu.then(|| ev.take());
            s.ev_sigma = relu.then(|| ev.take());
            match s.kind {
                SlotKind::Layer(i) => {
                    if let Some(l) = layers.get_mut(i) {
                        l.ev_a_out = l.act.hidden().then(|| ev.take());
                        s.ev_extra = l.extra.iter().map(|&(p, _)| (p, ev.take())).collect();
                    }
                }
                SlotKind::Class(_) => {
                    s.ev_a = Some(ev.take());
                    s.ev_a_in = Some(ev.take());
                }
            }
        }
        // Folded layers whose output feeds a layer checked on its own, or any layer's skip or
        // product operand.
        let feeds_own: Vec<bool> = (0..layers.len())
            .map(|k| {
                // Layer counts are validated below 1024, so `k` fits a `u32`.
                let Some(src) = u32::try_from(k).ok().map(Source::Layer) else { return false };
                layers
                    .iter()
                    .any(|j| (j.class.is_none() && j.input == src) || j.skip == Some(src) || j.operand == Some(src))
            })
            .collect();
        for (l, feeds) in layers.iter_mut().zip(feeds_own) {
            if l.class.is_some() && feeds {
                l.ev_a_out = Some(ev.take());
            }
        }
        let ev_table = [ev.take(), ev.take(), ev.take()];
        let ev_st = ev.take();
        let ev_st_next = ev.take();

        let table_n = vk.table_size();
        // Only a matmul on an earlier layer has constraints on its input's domain.
        let mut domains: Vec<usize> = dims
            .iter()
            .zip(&vk.layers)
            .flat_map(|(&(n, m, _), l)| [l.first_block().has_running_sums().then_some(n), Some(m)])
            .flatten()
            .chain([table_n])
            .collect();
        domains.sort_unstable();
        domains.dedup();
        Layout {
            mode,
            layers,
            slots,
            classes,
            folds,
            levels: level,
            table_n,
            mu,
            phi_t,
            s_t,
            round1,
            round2,
            fold_section,
            decider_section,
            domains,
            ev_table,
            ev_st,
            ev_st_next,
            evals: ev.0,
        }
    }

    /// First commitment index of the cross terms.
    pub fn fold_start(&self) -> usize {
        self.round1 + self.round2
    }

    /// First commitment index of the decider section.
    pub fn decider_start(&self) -> usize {
        self.fold_start() + self.fold_section
    }

    /// First commitment index of round 3.
    pub fn round3_start(&self) -> usize {
        self.decider_start() + self.decider_section
    }

    /// Commitment index of the quotient for domain size `d`.
    pub fn quotient(&self, d: usize) -> Option<usize> {
        self.domains.iter().position(|&x| x == d).map(|i| self.round3_start() + i)
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
        self.round3_start() + self.domains.len()
    }

    /// Total commitments in a proof.
    pub fn commitments(&self) -> usize {
        self.round3_start() + self.round3()
    }

    /// Folds of fold level `level`, as a range of fold indices.
    pub fn level_folds(&self, level: usize) -> core::ops::Range<usize> {
        let start = self.folds.iter().position(|f| f.level == level).unwrap_or(self.folds.len());
        let end = self.folds.iter().rposition(|f| f.level == level).map_or(start, |e| e + 1);
        start..end
    }
}

impl Slot {
    fn new(
        kind: SlotKind,
        (n, m, act): (usize, usize, Activation),
        [c, s1, s2]: [Option<usize>; 3],
        [psi, s3, e]: [Option<usize>; 3],
        [phi, chi]: [Option<usize>; 2],
        err: Option<[usize; ERRORS]>,
    ) -> Self {
        Slot {
            kind,
            n,
            m,
            act,
            first: Block::FOLDS,
            c,
            s1,
            s2,
            phi,
            psi,
            chi,
            s3: s3.unwrap_or_default(),
            e: e.unwrap_or_default(),
            extra: Vec::new(),
            ev_extra: Vec::new(),
            err,
            round1: None,
            split: None,
            ev_s1: None,
            ev_s1_next: None,
            ev_s2: None,
            ev_s2_next: None,
            ev_s3: 0,
            ev_s3_next: 0,
            ev_z: 0,
            ev_d: None,
            ev_h: None,
            ev_sigma: None,
            ev_a: None,
            ev_a_in: None,
        }
    }
}

struct Counter(usize);

impl Counter {
    fn take(&mut self) -> usize {
        self.0 += 1;
        self.0 - 1
    }
}
