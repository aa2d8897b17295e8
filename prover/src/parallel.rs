//! Optional parallelism through one code path: ark-std's `cfg_iter!` family (rayon when the
//! `parallel` feature is on, plain iterators otherwise). Files that use them import
//! `rayon::prelude::*` under the same feature.

/// Number of worker threads the prover will use.
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}
