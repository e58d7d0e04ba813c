//! Where a new task goes: `qid == -1` round-robin over all global workers starting from the
//! creator's own (TORC Lite's policy), `qid >= 0` that global worker.

use super::layout::Layout;
use crate::task::Task;
use std::sync::atomic::{AtomicI32, Ordering};

/// The target of a new task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// Node that runs it.
    pub(crate) node: usize,
    /// Local worker index on that node.
    pub(crate) worker: usize,
    /// Whether a worker was named (`qid >= 0`) rather than picked round-robin.
    pub(crate) named: bool,
}

/// Picks the global worker for a task created with `qid` (already range-checked).
/// `own` is the creator's local worker index (0 for threads that are not workers); the cursor
/// lives in the creating task, or in the node for creations outside any task.
#[inline]
pub(crate) fn target(
    layout: &Layout,
    qid: i32,
    own: usize,
    creator: Option<&Task>,
    rr: &AtomicI32,
) -> Target {
    if layout.total == 1 {
        // One worker in the whole job: nothing to choose.
        return Target {
            node: 0,
            worker: 0,
            named: qid >= 0,
        };
    }
    let (global, named) = if qid >= 0 {
        (qid as usize, true)
    } else {
        let total = layout.total as i32;
        let g = match creator {
            Some(t) => {
                let next = t.rr_next.get();
                let g = if next < 0 {
                    layout.global(own) as i32
                } else {
                    next
                };
                // The next worker, wrapping around (no division on this hot path).
                t.rr_next.set(if g + 1 >= total { 0 } else { g + 1 });
                g
            }
            None => rr.fetch_add(1, Ordering::Relaxed).rem_euclid(total),
        };
        (g as usize, false)
    };
    let (node, worker) = if layout.workers.len() == 1 {
        (0, global)
    } else {
        layout.locate(global)
    };
    Target {
        node,
        worker,
        named,
    }
}

/// `torc_sched_nextcpu`: the caller's own id for `cpu == -1`, else `(cpu + stride) % total`.
pub(crate) fn next_cpu(cpu: i32, stride: i32, own: usize, total: usize) -> i32 {
    if cpu == -1 {
        own as i32
    } else {
        (cpu as i64 + stride as i64).rem_euclid(total as i64) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_starts_at_the_creator() {
        let layout = Layout::new(0, vec![2, 2]);
        let t = Task::new();
        let rr = AtomicI32::new(0);
        let got: Vec<_> = (0..5)
            .map(|_| target(&layout, -1, 1, Some(&t), &rr))
            .collect();
        let ids: Vec<_> = got.iter().map(|t| (t.node, t.worker)).collect();
        assert_eq!(ids, vec![(0, 1), (1, 0), (1, 1), (0, 0), (0, 1)]);
        // On node 1, local worker 0 is global worker 2.
        let on1 = Layout::new(1, vec![2, 2]);
        let t1 = Task::new();
        let ids1: Vec<_> = (0..3)
            .map(|_| target(&on1, -1, 0, Some(&t1), &rr))
            .map(|t| (t.node, t.worker))
            .collect();
        assert_eq!(ids1, vec![(1, 0), (1, 1), (0, 0)]);
        assert!(got.iter().all(|t| !t.named));
        let named = target(&layout, 3, 0, Some(&t), &rr);
        assert_eq!(
            named,
            Target {
                node: 1,
                worker: 1,
                named: true
            }
        );
    }

    #[test]
    fn next_cpu_wraps() {
        assert_eq!(next_cpu(-1, 1, 5, 8), 5);
        assert_eq!(next_cpu(7, 1, 0, 8), 0);
        assert_eq!(next_cpu(3, 2, 0, 4), 1);
    }
}
