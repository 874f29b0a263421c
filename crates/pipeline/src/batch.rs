//! Parallel over documents, streaming, in input order: results are handed on
//! as they finish, through a bounded reorder window, so memory stays flat
//! however large the archive and output is deterministic whatever `--jobs`.

use rayon::iter::{ParallelBridge, ParallelIterator};
use rayon::ThreadPool;
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};

/// Maps `work` over `items` on `pool`'s threads and passes each result to
/// `sink` in the order of `items`. At most `window` items are taken ahead of
/// the oldest one not yet passed on, which bounds memory when one item is slow.
/// The first error of `sink` stops the run (items in flight still finish) and
/// is returned.
pub fn ordered_map<T, U, E>(
    pool: &ThreadPool,
    items: impl Iterator<Item = T> + Send,
    window: usize,
    work: impl Fn(T) -> U + Sync,
    mut sink: impl FnMut(U) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    U: Send,
{
    let gate = Gate::new(window.max(1) as u64);
    let (sender, receiver) = mpsc::channel::<(u64, U)>();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let admitted = (0u64..).zip(items).take_while(|(index, _)| gate.admit(*index));
            pool.install(|| {
                admitted.par_bridge().for_each_with(sender, |sender, (index, item)| {
                    // The receiver is gone only when the sink failed; the run is ending.
                    let _ = sender.send((index, work(item)));
                });
            });
        });
        let result = deliver_in_order(receiver, &gate, &mut sink);
        if result.is_err() {
            gate.cancel();
        }
        result
    })
}

/// Passes results to `sink` in index order, opening the gate as it goes.
fn deliver_in_order<U, E>(
    receiver: mpsc::Receiver<(u64, U)>,
    gate: &Gate,
    sink: &mut impl FnMut(U) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut next = 0u64;
    for (index, result) in receiver {
        waiting.insert(index, result);
        while let Some(result) = waiting.remove(&next) {
            sink(result)?;
            next += 1;
            gate.advance(next);
        }
    }
    Ok(())
}

/// Lets item `index` start only while `index < delivered + window`.
struct Gate {
    window: u64,
    state: Mutex<GateState>,
    changed: Condvar,
}

struct GateState {
    delivered: u64,
    cancelled: bool,
}

impl Gate {
    fn new(window: u64) -> Gate {
        Gate {
            window,
            state: Mutex::new(GateState { delivered: 0, cancelled: false }),
            changed: Condvar::new(),
        }
    }

    /// Waits until item `index` may start; false when the run was cancelled.
    fn admit(&self, index: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.cancelled && index >= state.delivered + self.window {
            state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        !state.cancelled
    }

    fn advance(&self, delivered: u64) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).delivered = delivered;
        self.changed.notify_all();
    }

    fn cancel(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).cancelled = true;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn results_come_in_input_order_whatever_finishes_first() {
        let mut out = Vec::new();
        let work = |n: u64| {
            // Early items are the slowest, so they finish last.
            std::thread::sleep(Duration::from_millis((20 - n % 20) / 4));
            n * 10
        };
        ordered_map(&pool(4), 0..200u64, 16, work, |n| {
            out.push(n);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(out, (0..200).map(|n| n * 10).collect::<Vec<_>>());
    }

    #[test]
    fn no_item_starts_more_than_a_window_ahead() {
        let started = AtomicU64::new(0);
        let delivered = AtomicU64::new(0);
        let window = 8;
        let work = |n: u64| {
            started.fetch_max(n + 1, Ordering::SeqCst);
            let lead = started.load(Ordering::SeqCst) - delivered.load(Ordering::SeqCst);
            // Item 0 is slow: without the window the others would run far ahead.
            if n == 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            lead
        };
        let mut max_lead = 0;
        ordered_map(&pool(3), 0..100u64, window, work, |lead| {
            max_lead = max_lead.max(lead);
            delivered.fetch_add(1, Ordering::SeqCst);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(max_lead <= window as u64, "an item started {max_lead} ahead of delivery");
        assert_eq!(delivered.load(Ordering::SeqCst), 100);
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let taken = AtomicU64::new(0);
        let items = (0..u64::MAX).inspect(|_| {
            taken.fetch_add(1, Ordering::SeqCst);
        });
        let mut seen = 0;
        let result = ordered_map(
            &pool(2),
            items,
            4,
            |n| n,
            |n| {
                seen += 1;
                if n == 10 {
                    Err("disk full")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result, Err("disk full"));
        assert_eq!(seen, 11);
        assert!(taken.load(Ordering::SeqCst) < 10 + 4 + 3);
    }

    #[test]
    fn one_thread_and_a_window_of_one_still_finish() {
        let mut out = Vec::new();
        ordered_map(
            &pool(1),
            0..20u64,
            1,
            |n| n,
            |n| {
                out.push(n);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(out.len(), 20);
    }
}
