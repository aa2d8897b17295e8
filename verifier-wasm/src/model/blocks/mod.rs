//! The blocks a layer is lowered to, each a closed enum variant with its constraints in a file of
//! its own and a spec page in `docs/protocols/blocks/`; the prover mirrors each file in
//! `zkml_prover::model::blocks`. A layer is its first block (`Matmul`; `PublicMatmul` when it
//! reads the public input; `Product` for an element-wise product of two tensors; `Divide` for a
//! division, which rescales itself), then its activation's block (none on an output layer), then
//! `Rescale` (not after `Divide`), in the `lambda` order of their constraints on `H_m`, and the
//! lookup argument ([`lookup`]) closes every block's lookups.

pub mod divide;
pub mod lookup;
pub mod matmul;
pub mod product;
pub mod public_matmul;
pub mod relu;
pub mod rescale;
pub mod tabulated;

use alloc::vec::Vec;

use super::activation::Activation;
use super::constraints::{Algebra, Params, Poly, ERR_A, ERR_L1, ERR_L2, ERR_L4, ERR_N};
use super::key::Source;
use crate::Fr;

/// How a layer's first block has its weights in the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// None: the block reads two tensors of the proof.
    None,
    /// One commitment per output row over the input's domain `H_n` (or public runs, or one per
    /// row of a shared matrix), combined by the row weights `e` into `V`.
    Rows,
    /// One commitment per input column over the output's domain `H_m`, combined by the public
    /// input's values into `Y = W x`.
    Columns,
}

/// A block of a layer relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// `z = W a + b` with the weights bound to the key (`matmul.rs`).
    Matmul,
    /// `z = W x + b` on the public input `x`, against the key's weight columns
    /// (`public_matmul.rs`).
    PublicMatmul,
    /// `z = a * b + bias` element-wise, on two tensors of the proof (`product.rs`).
    Product,
    /// `q = round(2^s a / b)` element-wise, the remainder range-checked (`divide.rs`).
    Divide,
    /// `q = round(z / 2^s)`, the remainder range-checked (`rescale.rs`).
    Rescale,
    /// `a = ReLU(q + skip)` through the split (`relu.rs`).
    Relu,
    /// `a = f(q + skip)` by a lookup in the activation's table section (`tabulated.rs`).
    Tabulated,
}

impl Block {
    /// The first block of every layer a fold class holds: only a layer with running sums folds
    /// (`has_running_sums`), and its cross terms are this block's constraints.
    pub const FOLDS: Block = Block::Matmul;

    /// The first block of a layer reading `input`, with the second operand `operand`, which
    /// divides when `divide` (`LayerKey::first_block`): the key's lowering choice, made here
    /// only.
    pub fn first(input: Source, operand: Option<Source>, divide: bool) -> Block {
        match (operand, input) {
            (Some(_), _) if divide => Block::Divide,
            (Some(_), _) => Block::Product,
            (None, Source::Input) => Block::PublicMatmul,
            (None, Source::Layer(_)) => Block::Matmul,
        }
    }

    /// How the block has its weights in the key (only a first block has any).
    pub fn weights(self) -> Weights {
        match self {
            Block::Matmul => Weights::Rows,
            Block::PublicMatmul => Weights::Columns,
            Block::Product | Block::Divide | Block::Rescale | Block::Relu | Block::Tabulated => Weights::None,
        }
    }

    /// The values the block's constraints on `H_m` read beyond the layer's own commitments and
    /// openings, which prover and verifier form for every block that names them:
    /// `Y` (the weight columns combined by the public input), `AIn` and `Operand` (the two
    /// tensors read), `Pad` (the public selector of padded rows), `K` (the row weights'
    /// interpolation, which comes with the running sums).
    pub fn reads(self) -> &'static [Poly] {
        match self {
            Block::Matmul => &[Poly::K],
            Block::PublicMatmul => &[Poly::Y],
            Block::Product => &[Poly::AIn, Poly::Operand],
            Block::Divide => &[Poly::AIn, Poly::Operand, Poly::Pad],
            Block::Rescale | Block::Relu | Block::Tabulated => &[],
        }
    }

    /// Whether the block's constraints hold on a layer's padded rows (where `Z`, `D` and the
    /// lookups are zero) given whether its input and its second operand are zero there: a
    /// product needs one of them zero, a division its divisor (its numerator is cleared by `Pad`).
    pub fn padded_rows(self, input_zero: bool, operand_zero: bool) -> Result<(), &'static str> {
        match self {
            Block::Divide if !operand_zero => {
                Err("a division's divisor is not zero on padded rows (its activation maps 0 elsewhere)")
            }
            Block::Product if !operand_zero && !input_zero => {
                Err("neither operand of a product is zero on padded rows (their activations map 0 elsewhere)")
            }
            Block::Divide
            | Block::Product
            | Block::Matmul
            | Block::PublicMatmul
            | Block::Rescale
            | Block::Relu
            | Block::Tabulated => Ok(()),
        }
    }

    /// Whether a layer lowered to `blocks` reads `p` on `H_m` ([`Block::reads`]).
    pub fn any_reads(blocks: &[Block], p: Poly) -> bool {
        blocks.iter().any(|b| b.reads().contains(&p))
    }

    /// Whether a layer lowered to `blocks` commits the lookup inverse `p` ([`Block::inverses`]).
    pub fn any_inverse(blocks: &[Block], p: Poly) -> bool {
        blocks.iter().any(|b| b.inverses().contains(&p))
    }

    /// Whether the block looks its input up in a table section of its own, tagged by the
    /// activation (`Activation::tag`).
    pub fn has_table_section(self) -> bool {
        match self {
            Block::Tabulated => true,
            Block::Matmul | Block::PublicMatmul | Block::Product | Block::Divide | Block::Rescale | Block::Relu => {
                false
            }
        }
    }

    /// The name `inspect` counts the block under.
    pub fn name(self) -> &'static str {
        match self {
            Block::Matmul => "matmul",
            Block::PublicMatmul => "public-input matmul",
            Block::Product => "product",
            Block::Divide => "division",
            Block::Rescale => "rescale+range lookup",
            Block::Relu => "relu lookup",
            Block::Tabulated => "activation lookup",
        }
    }

    /// Every block, in declaration order (`prover/tests/block_seams.rs` checks it against the
    /// enum).
    pub const ALL: [Block; 7] = [
        Block::Matmul,
        Block::PublicMatmul,
        Block::Product,
        Block::Divide,
        Block::Rescale,
        Block::Relu,
        Block::Tabulated,
    ];

    /// The blocks a layer whose first block is `first` (`LayerKey::first_block`) and which ends
    /// in `act` is lowered to, in constraint order.
    pub fn lower(act: Activation, first: Block) -> Vec<Block> {
        // A division yields the rescaled `q` itself.
        let rescale = (!first.rescales_itself()).then_some(Block::Rescale);
        [Some(first), Block::of(act), rescale].into_iter().flatten().collect()
    }

    /// The polynomials the block commits in round 1 beyond every layer's `Z, D, A, H, Sigma`,
    /// each opened at `zeta`.
    pub fn committed(self) -> &'static [Poly] {
        match self {
            Block::Divide => &[Poly::Rem, Poly::RemHigh, Poly::SlackHigh],
            Block::Matmul | Block::PublicMatmul | Block::Product | Block::Rescale | Block::Relu | Block::Tabulated => {
                &[]
            }
        }
    }

    /// Whether a first block yields the rescaled `q` itself, so that its layer has no `Rescale`
    /// block (a division).
    pub fn rescales_itself(self) -> bool {
        match self {
            Block::Divide => true,
            Block::Matmul | Block::PublicMatmul | Block::Product | Block::Rescale | Block::Relu | Block::Tabulated => {
                false
            }
        }
    }

    /// The lookup inverses the block commits in round 2 beyond the layer's `phi`, `psi`, `chi`
    /// (never opened).
    pub fn extra_inverses(self) -> &'static [Poly] {
        match self {
            Block::Divide => &[Poly::RemSign, Poly::RemLow, Poly::SlackSign, Poly::SlackLow],
            Block::Matmul | Block::PublicMatmul | Block::Product | Block::Rescale | Block::Relu | Block::Tabulated => {
                &[]
            }
        }
    }

    /// Whether the block has the matmul's running sums (`C`, `S1`, `S2`, the row weights' `K` and
    /// constraints on its input's domain `H_n`); only [`Block::Matmul`] has, and only a layer
    /// with it folds.
    pub fn has_running_sums(self) -> bool {
        match self {
            Block::Matmul => true,
            Block::PublicMatmul | Block::Product | Block::Divide | Block::Rescale | Block::Relu | Block::Tabulated => {
                false
            }
        }
    }

    /// The block that proves activation `act` (none for [`Activation::None`]).
    pub fn of(act: Activation) -> Option<Block> {
        // Exhaustive: a new activation chooses its block here.
        match act {
            Activation::None => None,
            Activation::Relu => Some(Block::Relu),
            Activation::Sigmoid
            | Activation::Tanh
            | Activation::Gelu
            | Activation::Clip { .. }
            | Activation::LeakyRelu { .. }
            | Activation::HardSigmoid { .. }
            | Activation::HardSwish
            | Activation::Identity
            | Activation::Silu
            | Activation::Exp
            | Activation::Sqrt
            | Activation::Rsqrt
            | Activation::GeluTanh => Some(Block::Tabulated),
        }
    }

    /// The block's constraints on `H_n`, each with the index of its error component.
    pub fn on_n<A: Algebra>(self, a: &mut A, p: &Params) -> Vec<(A::E, Option<usize>)> {
        match self {
            Block::Matmul => alloc::vec![(matmul::m1(a, p), Some(ERR_N))],
            _ => Vec::new(),
        }
    }

    /// The block's constraints on `H_m`, each with the index of its error component (`None`:
    /// linear, no error); `quadratic_only` keeps those with one. `tag` is a tabulated block's
    /// table section (`Activation::tag`).
    pub fn on_m<A: Algebra>(self, a: &mut A, p: &Params, tag: Fr, quadratic_only: bool) -> Vec<(A::E, Option<usize>)> {
        match self {
            Block::Matmul if quadratic_only => Vec::new(),
            Block::Matmul => alloc::vec![(matmul::m2(a, p), None)],
            Block::PublicMatmul if quadratic_only => Vec::new(),
            Block::PublicMatmul => alloc::vec![(public_matmul::m0(a), None)],
            // Never folds (`has_running_sums`), so it has no cross term.
            Block::Product if quadratic_only => Vec::new(),
            Block::Product => alloc::vec![(product::p0(a), None)],
            // Never folds (`has_running_sums`): its quadratic constraints have no cross term.
            Block::Divide if quadratic_only => Vec::new(),
            Block::Divide => alloc::vec![
                (divide::d0(a, p), None),
                (divide::d1(a), None),
                (divide::d2(a, p), None),
                (divide::d3(a, p), None),
                (divide::d4(a, p), None),
                (divide::d5(a, p), None),
                (divide::d6(a), None),
            ],
            Block::Rescale => alloc::vec![(rescale::l2(a, p), Some(ERR_L2))],
            Block::Relu => {
                alloc::vec![(relu::l1(a, p), Some(ERR_L1)), (relu::l4(a, p), Some(ERR_L4)), (relu::ra(a), Some(ERR_A)),]
            }
            Block::Tabulated => alloc::vec![(tabulated::l1_table(a, p, tag), Some(ERR_L1))],
        }
    }

    /// The lookup inverses the block adds to its layer's running sum L3.
    pub fn inverses(self) -> &'static [Poly] {
        match self {
            Block::Relu => &[Poly::Phi, Poly::Chi],
            Block::Tabulated => &[Poly::Phi],
            Block::Rescale => &[Poly::Psi],
            Block::Divide => Block::Divide.extra_inverses(),
            Block::Matmul | Block::PublicMatmul | Block::Product => &[],
        }
    }
}

/// The activation's input `D + Skip`.
fn pre<A: Algebra>(a: &mut A) -> A::E {
    let (d, skip) = (a.poly(Poly::D), a.poly(Poly::Skip));
    d + skip
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::Source;

    /// The first blocks `Block::first` can choose.
    fn firsts() -> Vec<Block> {
        let (input, layer) = (Source::Input, Source::Layer(0));
        let mut v: Vec<Block> =
            [(input, None, false), (layer, None, false), (layer, Some(layer), false), (input, Some(layer), true)]
                .into_iter()
                .map(|(i, o, d)| Block::first(i, o, d))
                .collect();
        v.sort_by_key(|b| b.name());
        v.dedup();
        v
    }

    /// The properties the layout, the claims and the prover rely on, for every block.
    #[test]
    fn the_block_properties_agree_with_each_other() {
        let firsts = firsts();
        assert_eq!(firsts.len(), 4, "matmul, public-input matmul, product, division");
        for b in Block::ALL {
            let first = firsts.contains(&b);
            // Only first blocks have weights, read values from elsewhere, or rescale themselves;
            // only activation blocks are chosen by `Block::of` and have table sections.
            assert!(first || (b.weights() == Weights::None && !b.rescales_itself()), "{b:?}");
            assert!(first || b.reads().is_empty(), "{b:?}");
            // The running sums come with the row weights' `K` and weight rows, and fold.
            assert_eq!(b.has_running_sums(), b.reads().contains(&Poly::K), "{b:?}");
            assert_eq!(b.has_running_sums(), b.weights() == Weights::Rows, "{b:?}");
            assert_eq!(b == Block::FOLDS, b.has_running_sums(), "{b:?}");
            // A block with weight columns reads `Y`, and a block without weights reads both tensors.
            assert_eq!(b.weights() == Weights::Columns, b.reads().contains(&Poly::Y), "{b:?}");
            if first && b.weights() == Weights::None {
                assert!(b.reads().contains(&Poly::AIn) && b.reads().contains(&Poly::Operand), "{b:?}");
            }
            // What a block commits or inverts beyond the shared polynomials is its own.
            for p in b.committed().iter().chain(b.extra_inverses()) {
                let owners = Block::ALL.iter().filter(|c| c.committed().contains(p) || c.extra_inverses().contains(p));
                assert_eq!(owners.count(), 1, "{p:?} of {b:?}");
            }
            assert!(b.extra_inverses().iter().all(|p| b.inverses().contains(p)), "{b:?}");
        }
        // Every lowering: one first block, at most one activation block, a rescale unless the first
        // block rescales itself.
        for &first in &firsts {
            for act in [Activation::None, Activation::Relu, Activation::Sigmoid] {
                let lowered = Block::lower(act, first);
                assert_eq!(lowered.first(), Some(&first));
                assert_eq!(lowered.contains(&Block::Rescale), !first.rescales_itself(), "{first:?}");
                assert_eq!(lowered.iter().filter(|b| b.has_table_section()).count(), usize::from(act.tabulated()));
            }
        }
    }
}
