//! The safe Rust interface. For now: queries of the running runtime. Typed task creation for
//! Rust users is built on the same runtime (issue 4).

use crate::sched::registry::Node;
use crate::sched::worker::{current_task, current_worker};

/// This process's node id (MPI rank), if the runtime runs.
pub fn node_id() -> Option<usize> {
    Node::get().map(|n| n.layout.node)
}

/// Number of nodes, if the runtime runs.
pub fn num_nodes() -> Option<usize> {
    Node::get().map(|n| n.layout.nodes())
}

/// The calling thread's global worker id, if it is a worker.
pub fn worker_id() -> Option<usize> {
    current_worker().map(|c| c.node.layout.global(c.index))
}

/// Workers on all nodes, if the runtime runs.
pub fn num_workers() -> Option<usize> {
    Node::get().map(|n| n.layout.total)
}

/// Nesting level of the calling task (0 for the primary task), if the thread runs a task.
pub fn level() -> Option<u32> {
    // SAFETY: the current task is alive while it runs on this thread.
    unsafe { current_task().as_ref() }.map(|t| t.level)
}
