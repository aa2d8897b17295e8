//! How to prove: the proof's mode, and the switches the soundness tests use to play a cheating
//! prover.

use zkml_verifier::model::layout::Mode;

/// How to prove: the proof's mode, and switches for soundness tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProveOptions {
    pub mode: Mode,
    /// Check every constraint and claim and fail on the first that does not hold (the normal
    /// mode). Off, the prover writes a proof whatever the witness: a cheating prover, for tests.
    pub strict: bool,
    /// Tests only: fold with a challenge other than the transcript's for this fold.
    pub wrong_fold_challenge: Option<usize>,
    /// Tests only: move one unit of lookup total `e` from layer `a` to layer `b` (the sum over
    /// layers, which the table check sees, is unchanged).
    pub shift_lookup_total: Option<(usize, usize)>,
    /// Tests only: make the table side close on the table's own total `sum phi_T`, and report
    /// the first class's `E_sum` as whatever that needs instead of the sum of its members' totals.
    pub table_total_cheat: Option<TotalCheat>,
    /// Tests only: a prover holding more G1 powers than the key uses (as anyone does for a
    /// public ceremony) commits the degree shift with all of them, whatever its degree.
    pub unbounded_shift: bool,
    /// Tests only: on the last layer (when `n != m`), commit `C = c_1 + (c_2 - c_1) X^k`,
    /// `k = min(n, m)`, which averages the true matmul sum over `H_max(n,m)` and the false
    /// accumulator's over `H_k`: only `C` being a constant (a degree bound) stops it.
    pub forge_last_c: bool,
}

/// How [`ProveOptions::table_total_cheat`] hides the difference in the first class's split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalCheat {
    /// `Low` is the honest low part, so `sum P2 = Low + X^(o_E) E_sum` fails.
    SplitBroken,
    /// `Low` takes the difference at `X^(o_E)`, so the split holds but `deg Low < o_E` fails.
    LowTooLong,
}

impl ProveOptions {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            strict: true,
            wrong_fold_challenge: None,
            shift_lookup_total: None,
            table_total_cheat: None,
            unbounded_shift: false,
            forge_last_c: false,
        }
    }
}
