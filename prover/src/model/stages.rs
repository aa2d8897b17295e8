//! Stage timing of the prover, read by the benchmarks and printed with `ZKML_PROFILE`.

/// Called with each stage's name when it ends (progress display).
type Hook = Box<dyn Fn(&'static str)>;

thread_local! {
    static STAGE_TIMES: std::cell::RefCell<Vec<(&'static str, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
    static STAGE_HOOK: std::cell::RefCell<Option<Hook>> = const { std::cell::RefCell::new(None) };
}

/// The stages of a proof, in order: what [`with_stage_hook`]'s hook is called with.
pub const STAGES: [&str; 7] =
    ["witness", "round 1", "round 2", "folding", "quotients", "evaluations and claims", "batch opening"];

/// Runs `f` (which proves on this thread) with `hook` called as each stage of a proof ends.
pub fn with_stage_hook<T>(hook: impl Fn(&'static str) + 'static, f: impl FnOnce() -> T) -> T {
    STAGE_HOOK.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    let out = f();
    STAGE_HOOK.with(|h| *h.borrow_mut() = None);
    out
}

/// Stage times (seconds) of the last proof made on this thread: `witness`, `round 1`, `round 2`,
/// `folding` (cross terms, folds and the accumulators' commitments), `quotients`,
/// `evaluations and claims`, `batch opening`. Benchmarks read them.
pub fn last_stage_times() -> Vec<(&'static str, f64)> {
    STAGE_TIMES.with(|s| s.borrow().clone())
}

/// Records stage times, and prints them on stderr when `ZKML_PROFILE` is set.
pub(crate) struct Stages {
    at: std::time::Instant,
    print: bool,
}

impl Stages {
    pub(crate) fn new() -> Self {
        STAGE_TIMES.with(|s| s.borrow_mut().clear());
        Self { at: std::time::Instant::now(), print: std::env::var_os("ZKML_PROFILE").is_some() }
    }

    pub(crate) fn mark(&mut self, what: &'static str) {
        let secs = self.at.elapsed().as_secs_f64();
        if self.print {
            eprintln!("[prove] {what}: {:.1} ms", secs * 1e3);
        }
        STAGE_TIMES.with(|s| s.borrow_mut().push((what, secs)));
        STAGE_HOOK.with(|h| {
            if let Some(hook) = h.borrow().as_ref() {
                hook(what);
            }
        });
        self.at = std::time::Instant::now();
    }
}
