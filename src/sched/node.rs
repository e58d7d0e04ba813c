//! The node: its workers' queues, the shared injector, the idle list, the detached-work latch,
//! the layout of workers over all nodes, and the run state. One per process, owned by the
//! runtime (`runtime/mod.rs`).

use super::enqueue::To;
use super::levels::{LevelStealer, Levels};
use super::network::Network;
use crate::env::Config;
use crate::stats::{report_line, NodeStats, WorkerStats};
use crate::sync::latch::Latch;
use crate::sync::queue::settle;
use crate::sync::sleep::Sleep;
use crate::task::descriptor::flags;
use crate::task::TaskRef;
use crossbeam_deque::Injector;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// What other threads see of one worker.
pub(crate) struct WorkerShared {
    /// Steals from the worker's own queues (the lowest level's oldest task first).
    pub(super) stealer: LevelStealer,
    /// Tasks addressed to this worker by `qid` (from other workers or nodes).
    pub(super) mailbox: Injector<TaskRef>,
    /// Its counters.
    pub(super) stats: WorkerStats,
    /// What it does now (for reports and the watchdog).
    pub(crate) activity: super::activity::Activity,
}

/// How workers are spread over the nodes: global ids are rank-major.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// This process's rank.
    pub(crate) node: usize,
    /// Workers per node.
    pub(crate) workers: Vec<usize>,
    /// Global id of each node's worker 0 (prefix sums of `workers`).
    pub(crate) first: Vec<usize>,
    /// Workers on all nodes.
    pub(crate) total: usize,
}

impl Layout {
    /// From the worker count of every node.
    pub(crate) fn new(node: usize, workers: Vec<usize>) -> Layout {
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
    pub(crate) fn locate(&self, g: usize) -> (usize, usize) {
        let node = self.first.partition_point(|&f| f <= g) - 1;
        (node, g - self.first[node])
    }

    /// The global id of this node's worker `local`.
    pub(crate) fn global(&self, local: usize) -> usize {
        self.first[self.node] + local
    }

    /// Number of nodes.
    pub(crate) fn nodes(&self) -> usize {
        self.workers.len()
    }
}

/// A node of the job: everything its threads share. The communication layer reaches the
/// queues and the run state only through the methods below (accept a task, complete a remote
/// child, give a task to a thief, switch stealing, reset statistics, terminate).
pub(crate) struct Node {
    /// Workers of every node.
    pub(crate) layout: Layout,
    /// Settings read at start-up.
    pub(crate) config: Config,
    /// Node-wide counters.
    pub(crate) stats: NodeStats,
    /// Registered task functions, in registration order (same on every node).
    pub(crate) registered: Vec<usize>,
    /// The network (multi-node runs only).
    pub(super) net: Option<&'static dyn Network>,
    /// This node's workers.
    pub(super) workers: Box<[WorkerShared]>,
    /// Tasks for any worker of this node (from other nodes and non-worker threads).
    pub(super) injector: Injector<TaskRef>,
    /// Idle workers.
    pub(super) sleep: Sleep,
    /// Counts detached tasks created on this node until they complete.
    pub(super) detached: Latch,
    /// Set when the node shuts down.
    terminate: AtomicBool,
    /// Inter-node stealing enabled on this node.
    stealing: AtomicBool,
    /// Round-robin cursor for `qid == -1` tasks created outside any task.
    pub(super) rr_next: AtomicI32,
    /// Failures nobody has taken yet.
    pub(crate) failures: super::failures::Failures,
    /// Queued tasks of one level in a worker's own queue from which a new task of that level
    /// runs at once in its creator instead (`TORC_THROTTLING_FACTOR` times the workers; 0: never,
    /// as with one worker, whose tasks of a level run in creation order). See `spawn.rs`.
    pub(crate) throttle_depth: usize,
}

/// [`Node::throttle_depth`] for `config`.
fn throttle_depth(config: &Config) -> usize {
    let factor = config.throttling.unwrap_or(crate::env::THROTTLING_FACTOR) as usize;
    if config.workers > 1 {
        factor.saturating_mul(config.workers)
    } else {
        0
    }
}

impl Node {
    /// The node of rank `layout.node`, whose workers own `queues` (one `Levels` each, given
    /// to [`WorkerCtx::new`]), talking to other nodes through `net`.
    pub(crate) fn new(
        layout: Layout,
        config: Config,
        queues: &[Levels],
        registered: Vec<usize>,
        net: Option<&'static dyn Network>,
    ) -> Node {
        let workers = queues
            .iter()
            .map(|q| WorkerShared {
                stealer: q.stealer(),
                mailbox: Injector::new(),
                stats: Default::default(),
                activity: Default::default(),
            })
            .collect();
        Node {
            layout,
            sleep: Sleep::new(config.workers),
            stealing: AtomicBool::new(config.stealing),
            throttle_depth: throttle_depth(&config),
            config,
            stats: NodeStats::default(),
            registered,
            net,
            workers,
            injector: Injector::new(),
            // Worker 0 waits on it at the end; other threads add to it.
            detached: Latch::shared(0),
            terminate: AtomicBool::new(false),
            rr_next: AtomicI32::new(0),
            failures: Default::default(),
        }
    }

    /// Number of local workers.
    pub(crate) fn num_workers(&self) -> usize {
        self.workers.len()
    }

    /// Workers parked waiting for work.
    pub(crate) fn idle_workers(&self) -> usize {
        self.sleep.idle_count()
    }

    /// A worker is about to park: the network is driven by somebody else from now on.
    pub(super) fn going_idle(&self) {
        if let Some(net) = self.net {
            net.going_idle();
        }
    }

    /// A worker that drove the network leaves it to run a task it was handed.
    pub(super) fn leaving_engine(&self) {
        if let Some(net) = self.net {
            net.leaving_engine();
        }
    }

    /// An idle worker drives the network once (when nobody else does); returns whether
    /// messages moved, and a task that arrived for this node, to run at once.
    pub(super) fn poll_net(&'static self) -> (bool, Option<TaskRef>) {
        match self.net {
            Some(net) => net.poll(self),
            None => (false, None),
        }
    }

    /// Whether any queue of this node holds a task (a hint: it may change at once).
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty()
            || self
                .workers
                .iter()
                .any(|w| !w.stealer.is_empty() || !w.mailbox.is_empty())
    }

    /// Whether the node shuts down.
    #[inline]
    pub(crate) fn terminating(&self) -> bool {
        self.terminate.load(Ordering::Acquire)
    }

    /// Shuts the node down: stealing stops, and every worker leaves its loop once it finds no
    /// more work.
    pub(crate) fn terminate(&self) {
        self.stealing.store(false, Ordering::SeqCst);
        self.terminate.store(true, Ordering::SeqCst);
        self.sleep.wake_all();
    }

    /// Whether inter-node stealing is on here.
    pub(crate) fn stealing(&self) -> bool {
        self.stealing.load(Ordering::SeqCst)
    }

    /// Switches inter-node stealing on this node.
    pub(crate) fn set_stealing(&self, on: bool) {
        self.stealing.store(on, Ordering::SeqCst);
    }

    /// A task from another node: queued for local worker `worker` (named by its creator), or
    /// for anyone.
    pub(crate) fn accept_task(&self, task: TaskRef, worker: Option<usize>) {
        let to = match worker {
            Some(w) if w < self.num_workers() => To::Worker(w),
            _ => To::Anyone,
        };
        self.enqueue(None, task, to);
    }

    /// Runs `f`, an `spmd` function that calls MPI itself (see `Network::exclusive`).
    pub(crate) fn exclusive(&self, f: &mut dyn FnMut()) {
        match self.net {
            Some(net) => net.exclusive(f),
            None => f(),
        }
    }

    /// (created, completed) detached tasks of this node, for termination detection.
    pub(crate) fn detached_counts(&self) -> (usize, usize) {
        self.detached.counts()
    }

    /// The coarsest task this node can give a thief of another node: the injector's oldest,
    /// then each worker's lowest level, oldest first. Pinned tasks (placed on a named worker,
    /// or Rust closures) stay; with stealing off nothing is given, so that once stealing was
    /// switched off no task moves between nodes by stealing.
    pub(crate) fn give_to_thief(&self) -> Option<TaskRef> {
        if !self.stealing() {
            return None;
        }
        // Pinned tasks met on the way, put back once a task is found (or none is).
        let mut pinned = Vec::new();
        let mut found = None;
        for _ in 0..64 {
            let Some(c) = settle(|| self.injector.steal()).or_else(|| {
                self.workers
                    .iter()
                    .find_map(|w| settle(|| w.stealer.steal()))
            }) else {
                break;
            };
            if c.flags & flags::LOCAL != 0 {
                pinned.push(c);
                continue;
            }
            found = Some(c);
            break;
        }
        for c in pinned {
            self.enqueue(None, c, To::Anyone);
        }
        found
    }

    /// Zeroes this node's counters.
    pub(crate) fn reset_statistics(&self) {
        for w in self.workers.iter() {
            w.stats.created.reset();
            w.stats.executed.reset();
        }
        let s = &self.stats;
        for c in [
            &s.created_elsewhere,
            &s.steals_attempted,
            &s.steals_served,
            &s.steals_hit,
        ] {
            c.reset();
        }
    }

    /// (created, executed) visible tasks of this node so far.
    pub(crate) fn task_counts(&self) -> (u64, u64) {
        let created = self
            .workers
            .iter()
            .map(|w| w.stats.created.get())
            .sum::<u64>()
            + self.stats.created_elsewhere.get();
        let executed = self.workers.iter().map(|w| w.stats.executed.get()).sum();
        (created, executed)
    }

    /// The statistics line of this node (`TORC_STATS`).
    pub(crate) fn stats_line(&self) -> String {
        let executed: Vec<u64> = self
            .workers
            .iter()
            .map(|w| w.stats.executed.get())
            .collect();
        let created: u64 = self
            .workers
            .iter()
            .map(|w| w.stats.created.get())
            .sum::<u64>()
            + self.stats.created_elsewhere.get();
        report_line(self.layout.node, created, &executed, &self.stats)
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
