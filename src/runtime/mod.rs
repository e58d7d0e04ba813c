//! The runtime's life: one `Runtime` object per process (`state.rs`) holds the run state, the MPI world,
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
mod state;
mod trace;

pub(crate) use calls::*;
pub(crate) use finish::finalize;
pub(crate) use start::{init, init_with, register, serve, serve_until, Serve};
pub(crate) use state::{is_finished, is_running, node_built, node_if_running, running_node};
