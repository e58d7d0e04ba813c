//! The runtime's life: one [`Runtime`] object per process holds the run state, the MPI world,
//! the node, its communication state, the threads and the primary task. `start.rs` builds
//! them (`torc_init`), `finish.rs` takes them down (`torc_finalize`), `checks.rs` holds the
//! start-up checks across nodes, and `calls.rs` the operations the C ABI and the Rust API call.
//!
//! What else is process-wide, and why: the calling thread's worker context and current task
//! are thread-locals (`src/ffi/tls.c`, initial-exec TLS: read on every task creation), and so
//! are the descriptor pool of threads that are not workers (`task/pool.rs`) and the datatype
//! size cache (`mpi/datatype.rs`); the descriptor slabs and spare chains (`task/pool.rs`) are
//! never freed, so that a descriptor pointer stays valid whatever thread or message holds it,
//! which outlives any one object; the table of loaded modules (`symbol.rs`) describes the
//! process's address space, which is process-wide by nature; the MPI lock (`mpi/mod.rs`)
//! serialises MPI calls when MPI grants less than `MPI_THREAD_MULTIPLE`, for the whole
//! process as MPI requires.

mod calls;
mod checks;
mod diag;
mod finish;
mod signals;
mod start;
mod trace;

pub(crate) use calls::*;
pub(crate) use finish::finalize;
pub(crate) use start::{init, init_with, register, serve, serve_until, Serve};

use crate::comm::Comm;
use crate::error::fatal;
use crate::mpi::World;
use crate::sched::{Node, WorkerCtx};
use crate::task::Task;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;

/// `torc_init` has not run.
const UNINIT: u8 = 0;
/// `torc_init` runs.
const STARTING: u8 = 1;
/// Between `torc_init` and `torc_finalize`.
const RUNNING: u8 = 2;
/// `torc_finalize` ran (the runtime cannot start again: MPI cannot).
const FINALIZED: u8 = 3;

/// Everything the runtime of this process holds.
pub(crate) struct Runtime {
    /// One of `UNINIT`, `STARTING`, `RUNNING`, `FINALIZED`.
    state: AtomicU8,
    /// The MPI world, once started.
    world: OnceLock<World>,
    /// Task functions registered before `torc_init`, in order.
    registered: Mutex<Vec<usize>>,
    /// The node, built by `torc_init`; it lives for the rest of the process (other threads
    /// may still read its description after the end).
    node: OnceLock<&'static Node>,
    /// The node's communication state (multi-node runs only); lives as long as the node.
    comm: OnceLock<&'static Comm>,
    /// Worker threads 1..W.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// The communication thread (multi-node runs only).
    comm_thread: Mutex<Option<JoinHandle<()>>>,
    /// The primary task (node 0), between `torc_init` and `torc_finalize`.
    primary: AtomicPtr<Task>,
    /// Worker 0's context (the thread that called `torc_init`), until `torc_finalize`.
    worker0: AtomicPtr<WorkerCtx>,
    /// The diagnosis thread (`diag.rs`).
    diag: Mutex<Option<JoinHandle<()>>>,
    /// Set when the job traces (`TORC_TRACE`).
    tracing: OnceLock<trace::Tracing>,
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
    fn get() -> &'static Runtime {
        &RUNTIME
    }

    fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// The node's communication state, on a multi-node run.
    fn comm(&self) -> Option<&'static Comm> {
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
