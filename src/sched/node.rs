//! The node: its workers' queues, the shared injector, the idle list, the detached-work latch,
//! the layout of workers over all nodes, and the run state. One per process.

use super::levels::LevelStealer;
use crate::comm::channel::Channel;
use crate::env::Config;
use crate::stats::{NodeStats, WorkerStats};
use crate::sync::latch::Latch;
use crate::sync::sleep::Sleep;
use crate::task::TaskRef;
use crossbeam_deque::Injector;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};

/// What other threads see of one worker.
pub struct WorkerShared {
    /// Steals from the worker's own queues (the lowest level's oldest task first).
    pub(crate) stealer: LevelStealer,
    /// Tasks addressed to this worker by `qid` (from other workers or nodes).
    pub mailbox: Injector<TaskRef>,
    /// Its counters.
    pub stats: WorkerStats,
}

/// How workers are spread over the nodes: global ids are rank-major.
#[derive(Clone, Debug)]
pub struct Layout {
    /// This process's rank.
    pub node: usize,
    /// Workers per node.
    pub workers: Vec<usize>,
    /// Global id of each node's worker 0 (prefix sums of `workers`).
    pub first: Vec<usize>,
    /// Workers on all nodes.
    pub total: usize,
}

impl Layout {
    /// From the worker count of every node.
    pub fn new(node: usize, workers: Vec<usize>) -> Layout {
        let mut first = Vec::with_capacity(workers.len());
        let mut total = 0;
        for &w in &workers {
            first.push(total);
            total += w;
        }
        Layout {
            node,
            workers,
            first,
            total,
        }
    }

    /// The node and local index of global worker `g` (< total).
    pub fn locate(&self, g: usize) -> (usize, usize) {
        let node = self.first.partition_point(|&f| f <= g) - 1;
        (node, g - self.first[node])
    }

    /// The global id of this node's worker `local`.
    pub fn global(&self, local: usize) -> usize {
        self.first[self.node] + local
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.workers.len()
    }
}

/// A node of the job: everything its threads share.
pub struct Node {
    /// Workers of every node.
    pub layout: Layout,
    /// This node's workers.
    pub workers: Box<[WorkerShared]>,
    /// Tasks for any worker of this node (from other nodes and non-worker threads).
    pub injector: Injector<TaskRef>,
    /// Idle workers.
    pub sleep: Sleep,
    /// Counts detached tasks created on this node until they complete.
    pub detached: Latch,
    /// Set when the node shuts down.
    pub terminate: AtomicBool,
    /// Inter-node stealing enabled on this node.
    pub stealing: AtomicBool,
    /// Round-robin cursor for `qid == -1` tasks created outside any task.
    pub rr_next: AtomicI32,
    /// Settings read at start-up.
    pub config: Config,
    /// Node-wide counters.
    pub stats: NodeStats,
    /// Registered task functions, in registration order (same on every node).
    pub registered: Vec<usize>,
    /// The communication thread's channel (multi-node runs only).
    pub comm: Option<Channel>,
}

static NODE: AtomicPtr<Node> = AtomicPtr::new(std::ptr::null_mut());

impl Node {
    /// Makes `node` the process's node; it lives for the rest of the process.
    pub fn install(node: Node) -> &'static Node {
        let p = Box::into_raw(Box::new(node));
        NODE.store(p, Ordering::Release);
        // SAFETY: just leaked, never freed.
        unsafe { &*p }
    }

    /// The installed node, if `torc_init` ran.
    pub fn get() -> Option<&'static Node> {
        let p = NODE.load(Ordering::Acquire);
        // SAFETY: set once from a leaked box that is never freed.
        unsafe { p.as_ref() }
    }

    /// Number of local workers.
    pub fn num_workers(&self) -> usize {
        self.workers.len()
    }

    /// A worker is about to park: the communication thread takes over driving the engine.
    pub fn going_idle(&self) {
        if let Some(ch) = &self.comm {
            ch.wake();
        }
    }

    /// A worker that drove the engine leaves it to run a task it was handed (possibly a long
    /// one): the communication thread, which may be in a long nap, takes over now.
    pub fn leaving_engine(&self) {
        if let Some(ch) = &self.comm {
            ch.wake_if_napping_long();
        }
    }

    /// An idle worker drives the communication engine once (when nobody else does); returns
    /// whether messages moved, and a task that arrived for this node, to run at once.
    pub fn poll_comm(&'static self) -> (bool, Option<crate::task::TaskRef>) {
        if self.comm.is_none() {
            return (false, None);
        }
        let (p, task) = crate::comm::engine::progress_for_worker(self);
        (p == crate::comm::engine::Progress::Moved, task)
    }

    /// Whether any queue of this node holds a task (a hint: it may change at once).
    pub fn has_work(&self) -> bool {
        !self.injector.is_empty()
            || self
                .workers
                .iter()
                .any(|w| !w.stealer.is_empty() || !w.mailbox.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_maps_global_ids_rank_major() {
        let l = Layout::new(1, vec![2, 1, 3]);
        assert_eq!(l.total, 6);
        assert_eq!(l.first, vec![0, 2, 3]);
        let got: Vec<_> = (0..6).map(|g| l.locate(g)).collect();
        assert_eq!(got, vec![(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)]);
        assert_eq!(l.global(0), 2);
    }
}
