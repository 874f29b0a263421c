//! A count of the work done on a note, and the deadline that work keeps.
//!
//! Every loop of the context engine and of extraction whose length depends
//! on the note adds its trip count, and every scan of text the bytes it may
//! read ([`add`]). Those places are the checkpoints of a document's
//! deadline ([`before`]): the steps are counted down from a budget, and only
//! when a budget is spent is the clock read, so a deadline costs a
//! subtraction per checkpoint. A note past its deadline is abandoned at the
//! next checkpoint, whatever it was doing: `--doc-timeout` holds for text
//! as it does for PDFs, even if some rule someday reads a note in more than
//! linear time.
//!
//! With the `steps` feature the count itself is kept too, for the test that
//! proves extraction linear in a note's length (it measures this, never wall
//! time); without it the count is a no-op the compiler removes.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

/// Steps between two readings of the clock while a deadline is set: a few
/// tens of microseconds of work, so a note overruns its deadline by no
/// more than that, and reading the clock costs nothing measurable.
const STEPS_PER_CHECK: i64 = 1 << 16;

#[cfg(feature = "steps")]
thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

thread_local! {
    /// Steps left before the clock is read again; never runs out without a deadline.
    static BUDGET: Cell<i64> = const { Cell::new(i64::MAX) };
    /// The deadline of the work running on this thread, if it has one.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Adds `n` steps to this thread's count, and is a checkpoint of the
/// deadline of the work it belongs to (see [`before`]).
#[inline(always)]
pub fn add(n: usize) {
    #[cfg(feature = "steps")]
    STEPS.with(|steps| steps.set(steps.get() + n as u64));
    let left = BUDGET.with(|budget| {
        let left = budget.get().wrapping_sub(n as i64);
        budget.set(left);
        left
    });
    if left < 0 {
        checkpoint();
    }
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

/// The work was abandoned at a checkpoint after its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the deadline passed before the work was done")]
pub struct DeadlinePassed;

/// Runs `work` on this thread with a deadline: when a checkpoint ([`add`])
/// is reached after `deadline`, the work is abandoned (unwound, dropping
/// what it holds) and [`DeadlinePassed`] returned. A panic of the work
/// itself goes on unwinding. A deadline set around this one is kept, and
/// holds again when this returns.
pub fn before<R>(deadline: Instant, work: impl FnOnce() -> R) -> Result<R, DeadlinePassed> {
    /// Restores the deadline and budget around the work, however it ends.
    struct Restore(Option<Instant>, i64);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|d| d.set(self.0));
            BUDGET.with(|b| b.set(self.1));
        }
    }
    let outer = DEADLINE.with(|d| d.get());
    let _restore = Restore(outer, BUDGET.with(|b| b.get()));
    // An earlier deadline around this one still holds.
    DEADLINE.with(|d| d.set(Some(outer.map_or(deadline, |outer| outer.min(deadline)))));
    BUDGET.with(|b| b.set(STEPS_PER_CHECK));
    match panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => Ok(result),
        Err(payload) if payload.is::<DeadlinePassed>() => Err(DeadlinePassed),
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// A budget is spent: reads the clock, and abandons the work when its
/// deadline has passed. `resume_unwind` skips the panic hook: a deadline
/// is no bug, and nothing is printed.
#[cold]
#[inline(never)]
fn checkpoint() {
    match DEADLINE.with(|d| d.get()) {
        Some(deadline) if Instant::now() >= deadline => {
            BUDGET.with(|b| b.set(STEPS_PER_CHECK));
            panic::resume_unwind(Box::new(DeadlinePassed));
        }
        Some(_) => BUDGET.with(|b| b.set(STEPS_PER_CHECK)),
        None => BUDGET.with(|b| b.set(i64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Work that reaches a checkpoint every step, for ever.
    fn endless() {
        loop {
            add(1);
        }
    }

    #[test]
    fn work_past_its_deadline_is_abandoned_at_a_checkpoint() {
        let deadline = Instant::now() + Duration::from_millis(5);
        assert_eq!(before(deadline, endless), Err(DeadlinePassed));
        // The thread has no deadline afterwards: work runs to its end.
        add(1 << 20);
        assert_eq!(before(Instant::now() + Duration::from_secs(60), || 7), Ok(7));
    }

    #[test]
    fn an_outer_deadline_holds_inside_a_later_inner_one() {
        let outer = Instant::now() + Duration::from_millis(5);
        let inner = Instant::now() + Duration::from_secs(3600);
        let result = before(outer, || before(inner, endless));
        // The inner call sees the outer deadline pass and reports it.
        assert_eq!(result, Ok(Err(DeadlinePassed)));
    }

    #[test]
    fn a_panic_of_the_work_is_not_a_deadline() {
        let far = Instant::now() + Duration::from_secs(60);
        let caught = panic::catch_unwind(|| before(far, || panic!("a bug")));
        assert!(caught.is_err());
    }
}
