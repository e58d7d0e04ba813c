//! The one [`Runtime`] object of the process and its run state: whether the runtime runs,
//! and the node while it does.

use super::trace;
use crate::comm::Comm;
use crate::error::fatal;
use crate::mpi::World;
use crate::sched::{Node, WorkerCtx};
use crate::task::descriptor::Task;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;

/// `torc_init` has not run.
pub(super) const UNINIT: u8 = 0;
/// `torc_init` runs.
pub(super) const STARTING: u8 = 1;
/// Between `torc_init` and `torc_finalize`.
pub(super) const RUNNING: u8 = 2;
/// `torc_finalize` ran (the runtime cannot start again: MPI cannot).
pub(super) const FINALIZED: u8 = 3;

/// Everything the runtime of this process holds.
pub(crate) struct Runtime {
    /// One of `UNINIT`, `STARTING`, `RUNNING`, `FINALIZED`.
    pub(super) state: AtomicU8,
    /// The MPI world, once started.
    pub(super) world: OnceLock<World>,
    /// Task functions registered before `torc_init`, in order.
    pub(super) registered: Mutex<Vec<usize>>,
    /// The node, built by `torc_init`; it lives for the rest of the process (other threads
    /// may still read its description after the end).
    pub(super) node: OnceLock<&'static Node>,
    /// The node's communication state (multi-node runs only); lives as long as the node.
    pub(super) comm: OnceLock<&'static Comm>,
    /// Worker threads 1..W.
    pub(super) threads: Mutex<Vec<JoinHandle<()>>>,
    /// The communication thread (multi-node runs only).
    pub(super) comm_thread: Mutex<Option<JoinHandle<()>>>,
    /// The primary task (node 0), between `torc_init` and `torc_finalize`.
    pub(super) primary: AtomicPtr<Task>,
    /// Worker 0's context (the thread that called `torc_init`), until `torc_finalize`.
    pub(super) worker0: AtomicPtr<WorkerCtx>,
    /// The diagnosis thread (`diag.rs`).
    pub(super) diag: Mutex<Option<JoinHandle<()>>>,
    /// Set when the job traces (`TORC_TRACE`).
    pub(super) tracing: OnceLock<trace::Tracing>,
}

/// The process's runtime: the one place it is reached through.
static RUNTIME: Runtime = Runtime {
    state: AtomicU8::new(UNINIT),
    world: OnceLock::new(),
    registered: Mutex::new(Vec::new()),
    node: OnceLock::new(),
    comm: OnceLock::new(),
    threads: Mutex::new(Vec::new()),
    comm_thread: Mutex::new(None),
    primary: AtomicPtr::new(std::ptr::null_mut()),
    worker0: AtomicPtr::new(std::ptr::null_mut()),
    diag: Mutex::new(None),
    tracing: OnceLock::new(),
};

impl Runtime {
    /// The process's runtime.
    pub(super) fn get() -> &'static Runtime {
        &RUNTIME
    }

    pub(super) fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// The node's communication state, on a multi-node run.
    pub(super) fn comm(&self) -> Option<&'static Comm> {
        self.comm.get().copied()
    }
}

/// Whether the runtime runs (between `torc_init` and `torc_finalize`).
pub(crate) fn is_running() -> bool {
    Runtime::get().state() == RUNNING
}

/// Whether the runtime ran and was finalized in this process.
pub(crate) fn is_finished() -> bool {
    Runtime::get().state() == FINALIZED
}

/// The node, or a fatal error naming `api` when the runtime does not run.
pub(crate) fn running_node(api: &str) -> &'static Node {
    let rt = Runtime::get();
    match rt.state() {
        RUNNING => rt.node.get().expect("the node is built before RUNNING"),
        FINALIZED => fatal(api, format_args!("called after torc_finalize")),
        _ => fatal(api, format_args!("called before torc_init")),
    }
}

/// The node while the runtime runs (`None` before `torc_init` and after `torc_finalize`).
pub(crate) fn node_if_running() -> Option<&'static Node> {
    is_running().then(|| *Runtime::get().node.get().expect("built before RUNNING"))
}

/// The node once `torc_init` built it, also after `torc_finalize` (for the C queries of the
/// job's shape, which TORC Lite answers after the end too).
pub(crate) fn node_built() -> Option<&'static Node> {
    Runtime::get().node.get().copied()
}
