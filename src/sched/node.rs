//! The node: its workers' queues, the shared injector, the idle list, the detached-work latch,
//! the layout of workers over all nodes, and the run state. One per process, owned by the
//! runtime (`runtime/mod.rs`). Also the two small types that name the node and that the node
//! names: where a task may be queued ([`To`], see `enqueue.rs`) and what the scheduler needs
//! from the network ([`Network`]), which `comm` implements: the scheduler never names a
//! communication type, and a one-node run has no network at all (`Node::net` is `None`, and
//! none of its calls is made).

use super::activity::Activity;
use super::failures::Failures;
use super::layout::Layout;
use super::levels::{LevelStealer, Levels};
use crate::env::Config;
use crate::stats::{report_line, NodeStats, WorkerStats};
use crate::sync::latch::Latch;
use crate::sync::sleep::Sleep;
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
    pub(crate) activity: Activity,
}

/// Where [`Node::enqueue`] puts a task (the table of `enqueue.rs` says who is woken).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum To {
    /// The calling worker's own queues (the node's injector on a thread that is no worker).
    Here,
    /// Local worker `w`: its own queues when it calls, else its mailbox.
    Worker(usize),
    /// Any worker of the node: the injector.
    Anyone,
}

/// The network seen from the scheduler.
pub(crate) trait Network: Sync {
    /// Sends `task`, created on this node, to node `dest` to run there (on its local worker
    /// `worker` when one was named). Fails when the task's function cannot be named on
    /// another node (the message names the function).
    fn ship(
        &self,
        node: &'static Node,
        task: TaskRef,
        dest: usize,
        worker: Option<usize>,
    ) -> Result<(), String>;

    /// Sends the completion of `task`, which came from its home node and ran here, with the
    /// data it writes back. `lazy`: the caller drives the network itself next, so the
    /// communication thread need not be woken.
    fn send_done(&self, task: TaskRef, lazy: bool);

    /// Drives the network once for an idle worker, unless somebody else drives it now:
    /// whether messages moved, and a task that arrived for any worker of this node, handed to
    /// the caller to run at once.
    fn poll(&self, node: &'static Node) -> (bool, Option<TaskRef>);

    /// A worker is about to park: whoever else can drive the network takes over now.
    fn going_idle(&self);

    /// Runs `f`, which calls MPI itself (an `spmd` function): under `MPI_THREAD_MULTIPLE` at
    /// once; under less, once everything queued is handed to MPI (posted, not necessarily
    /// complete), holding the process's MPI lock, so no torc MPI call runs while `f` does.
    fn exclusive(&self, f: &mut dyn FnMut());

    /// A worker that drove the network leaves it to run a task it was handed (possibly a long
    /// one): whoever else can drive the network takes over now.
    fn leaving_engine(&self);

    /// Tasks this node sent away whose completion has not come back.
    fn away(&self) -> usize;

    /// Of those, the ones counted in `latch`, by the node they were sent to: (node, count).
    fn away_for(&self, latch: *const Latch) -> Vec<(usize, usize)>;

    /// The network's part of the state report of node `me` (tasks away, steals in flight).
    fn state_lines(&self, me: usize) -> Vec<String>;
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
    pub(crate) failures: Failures,
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
