//! Starting and ending the runtime from Rust ([`run`], [`Builder`], [`serve`], [`finalize`]),
//! and what a running program asks of it: its node, its worker, its level, the job's
//! switches and statistics.

use super::error::Error;
use crate::env::Config;
use crate::runtime;
use crate::sched::worker::{current_task, current_worker};
use crate::sched::Node;
use std::time::Duration;

/// Settings for [`Builder::run`]; anything not set comes from the environment variables.
#[derive(Debug, Default, Clone)]
pub struct Builder {
    workers: Option<usize>,
    stealing: Option<bool>,
    stats: Option<bool>,
    yield_time: Option<Duration>,
    suspend: Option<bool>,
    caller: Option<CallerWorker>,
}

pub use crate::env::CallerWorker;

impl Builder {
    /// Settings from the environment only.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Worker threads on this node.
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n);
        self
    }

    /// Inter-node stealing at start.
    pub fn stealing(mut self, on: bool) -> Builder {
        self.stealing = Some(on);
        self
    }

    /// Print the statistics at the end.
    pub fn stats(mut self, on: bool) -> Builder {
        self.stats = Some(on);
        self
    }

    /// Longest idle back-off of the communication thread.
    pub fn yield_time(mut self, d: Duration) -> Builder {
        self.yield_time = Some(d);
        self
    }

    /// Whether a waiting task may be suspended on a stack of its own so that its worker runs
    /// any other task meanwhile (default: on where supported, `TORC_SUSPEND`). Off, a waiting
    /// worker runs only tasks nested deeper than the one it waits in, on the same stack: what
    /// code that keeps per-thread state across a wait needs (an interpreter, say).
    pub fn suspend_waits(mut self, on: bool) -> Builder {
        self.suspend = Some(on);
        self
    }

    /// Whether the starting thread counts among the workers (default: it does); see
    /// [`CallerWorker`].
    pub fn caller(mut self, c: CallerWorker) -> Builder {
        self.caller = Some(c);
        self
    }

    /// Starts the runtime with these settings; `mode` says what the other nodes do.
    fn start(&self, mode: runtime::Serve) -> Result<(), Error> {
        if runtime::is_finished() {
            return Err(Error::AlreadyStarted);
        }
        let config = self.config()?;
        // SAFETY: NULL argc/argv are allowed by MPI.
        let started = unsafe {
            runtime::init_with(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                Some(config),
                mode,
            )
        };
        if started {
            Ok(())
        } else {
            Err(Error::AlreadyStarted)
        }
    }

    fn config(&self) -> Result<Config, Error> {
        let mut c = Config::from_env().map_err(Error::Config)?;
        if let Some(w) = self.workers {
            if w == 0 || w > crate::env::MAX_WORKERS {
                return Err(Error::Config(format!(
                    "workers = {w} is not in [1, {}]",
                    crate::env::MAX_WORKERS
                )));
            }
            c.workers = w;
        }
        if let Some(s) = self.stealing {
            c.stealing = s;
        }
        if let Some(s) = self.stats {
            c.stats = s;
        }
        if let Some(y) = self.yield_time {
            c.yield_time = y.max(Duration::from_millis(1));
        }
        if let Some(s) = self.suspend {
            c.suspend = s;
        }
        if let Some(w) = self.caller {
            c.caller = w;
        }
        Ok(c)
    }

    /// Starts the runtime and runs `f` as the primary task on node 0; returns its value there
    /// once every task of the job has finished and the runtime has shut down. On the other
    /// nodes this serves tasks and ends the process (exit status 0) when node 0 is done.
    pub fn run<R>(self, f: impl FnOnce() -> R) -> Result<R, Error> {
        self.start(runtime::Serve::AndExit)?;
        struct Finalize;
        impl Drop for Finalize {
            fn drop(&mut self) {
                runtime::finalize();
            }
        }
        let guard = Finalize;
        let r = f();
        drop(guard);
        Ok(r)
    }
}

/// What this process is once [`Builder::init`] has started the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Node 0: the calling thread runs the primary task; end it with [`finalize`].
    Primary,
    /// Another node: call [`serve`] on this thread to run tasks until node 0 finalizes.
    Server,
}

impl Builder {
    /// Starts the runtime on every node and returns on each of them (for programs that embed
    /// torc, e.g. the Python package): on node 0 the calling thread is then the primary task
    /// and ends the run with [`finalize`]; on the other nodes it calls [`serve`], which
    /// returns once node 0 has finalized, and the process goes on.
    pub fn init(self) -> Result<Role, Error> {
        self.start(runtime::Serve::Later)?;
        Ok(match node_id() {
            Some(0) => Role::Primary,
            _ => Role::Server,
        })
    }
}

/// On a node other than 0 started by [`Builder::init`], on the thread that started it: runs
/// tasks until node 0 calls [`finalize`], then shuts this node down (MPI included) and
/// returns. [`Error::NotRunning`] when there is nothing to serve here (node 0, a runtime not
/// started by `init`, another thread, or served already).
pub fn serve() -> Result<(), Error> {
    if runtime::serve() {
        Ok(())
    } else {
        Err(Error::NotRunning)
    }
}

/// As [`serve`], but returns (without shutting this node down) once `stop()` holds: `stop`
/// is asked between tasks, at least every `TORC_YIELDTIME`, and must be cheap and must not
/// block. The thread may serve again later (a program alternating SPMD phases and task
/// phases) and ends with [`serve`]. Returns early, with `Ok`, when node 0 ends the job.
pub fn serve_until(stop: &dyn Fn() -> bool) -> Result<(), Error> {
    if runtime::serve_until(stop) {
        Ok(())
    } else {
        Err(Error::NotRunning)
    }
}

/// On node 0, from the primary task started by [`Builder::init`]: waits for every task of the
/// job, stops every node and finalizes MPI. [`Error::NotRunning`] before `init` and after
/// the end (and on other nodes, which end in [`serve`]); [`Error::NotInTask`] from any other
/// thread or task than the primary one.
pub fn finalize() -> Result<(), Error> {
    if node_id() != Some(0) {
        return Err(Error::NotRunning);
    }
    if level() != Some(0) {
        return Err(Error::NotInTask);
    }
    runtime::finalize();
    Ok(())
}

/// Stops the whole job at once (every node) with exit status `status` (`MPI_Abort`): for a
/// primary task that cannot go on. Pending tasks are lost.
pub fn abort(status: i32) -> ! {
    crate::mpi::abort_job(status)
}

/// [`Builder::run`] with the settings of the environment.
pub fn run<R>(f: impl FnOnce() -> R) -> Result<R, Error> {
    Builder::new().run(f)
}

/// The node while the runtime runs: `None` before [`run`] starts it and after it has shut
/// down (the node's description stays installed after the end, so it is not enough to ask
/// for it).
pub(crate) fn running_node() -> Option<&'static Node> {
    runtime::node_if_running()
}

/// This process's node id (MPI rank), if the runtime runs (`None` before [`run`] and after it
/// returned).
pub fn node_id() -> Option<usize> {
    running_node().map(|n| n.layout.node)
}

/// Number of nodes, if the runtime runs.
pub fn num_nodes() -> Option<usize> {
    running_node().map(|n| n.layout.nodes())
}

/// The calling thread's global worker id, if the runtime runs and the thread is a worker.
pub fn worker_id() -> Option<usize> {
    if !runtime::is_running() {
        return None;
    }
    current_worker().map(|c| c.node.layout.global(c.index))
}

/// The calling thread's worker index on its node (0 .. [`local_workers`]), if the runtime
/// runs and the thread is a worker.
pub fn local_worker_id() -> Option<usize> {
    if !runtime::is_running() {
        return None;
    }
    current_worker().map(|c| c.index)
}

/// Workers on all nodes, if the runtime runs.
pub fn num_workers() -> Option<usize> {
    running_node().map(|n| n.layout.total)
}

/// The node that runs global worker `worker`, if the runtime runs and the worker exists.
pub fn node_of_worker(worker: usize) -> Option<usize> {
    running_node()
        .filter(|n| worker < n.layout.total)
        .map(|n| n.layout.locate(worker).0)
}

/// Workers on this node, if the runtime runs.
pub fn local_workers() -> Option<usize> {
    running_node().map(|n| n.num_workers())
}

/// Nesting level of the calling task (0 for the primary task), if the runtime runs and the
/// thread runs a task.
pub fn level() -> Option<u32> {
    if !runtime::is_running() {
        return None;
    }
    // SAFETY: the current task is alive while it runs on this thread.
    unsafe { current_task().as_ref() }.map(|t| t.level)
}

/// Turns inter-node stealing on or off on every node.
pub fn set_stealing(on: bool) -> Result<(), Error> {
    if !runtime::is_running() {
        return Err(Error::NotRunning);
    }
    let api = if on {
        "torc_enable_stealing"
    } else {
        "torc_disable_stealing"
    };
    runtime::set_stealing(api, on, true);
    Ok(())
}

/// Zeroes the statistics counters on every node.
pub fn reset_statistics() -> Result<(), Error> {
    if !runtime::is_running() {
        return Err(Error::NotRunning);
    }
    runtime::reset_statistics("torc_reset_statistics");
    Ok(())
}

/// This node's statistics line (as `TORC_STATS` prints it), if the runtime runs
/// ([`Error::NotRunning`] before [`run`] and after it returned).
pub fn statistics() -> Result<String, Error> {
    running_node()
        .map(Node::stats_line)
        .ok_or(Error::NotRunning)
}
