//! A count of the work done on a note, for the test that proves extraction
//! linear in a note's length (it measures this, never wall time). Every
//! loop of the context engine and of extraction whose length depends on the
//! note adds its trip count, and every scan of text the bytes it may read.
//! Without the `steps` feature the count is a no-op the compiler removes.

#[cfg(feature = "steps")]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Adds `n` steps to this thread's count.
#[inline(always)]
pub fn add(n: usize) {
    #[cfg(feature = "steps")]
    STEPS.with(|steps| steps.set(steps.get() + n as u64));
    #[cfg(not(feature = "steps"))]
    let _ = n;
}

/// The steps counted on this thread since the last call (0 without the
/// `steps` feature).
pub fn take() -> u64 {
    #[cfg(feature = "steps")]
    return STEPS.with(|steps| steps.replace(0));
    #[cfg(not(feature = "steps"))]
    0
}

/// Whether steps are counted in this build.
pub const COUNTED: bool = cfg!(feature = "steps");
