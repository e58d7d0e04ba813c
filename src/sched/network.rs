//! What the scheduler needs from the network, declared here and implemented by `comm`: the
//! scheduler never names a communication type, and a one-node run has no network at all
//! (`Node::net` is `None`, and none of these calls is made).

use super::node::Node;
use crate::task::TaskRef;

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
    fn away_for(&self, latch: *const crate::sync::latch::Latch) -> Vec<(usize, usize)>;

    /// The network's part of the state report of node `me` (tasks away, steals in flight).
    fn state_lines(&self, me: usize) -> Vec<String>;
}
