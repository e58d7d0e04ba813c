//! Where a task is queued, and whom that wakes: the one place that decides between the
//! creator's own level queues, a worker's mailbox and the node's injector.
//!
//! | `To`         | calling thread            | queue                         | wake-up                  |
//! |--------------|---------------------------|-------------------------------|--------------------------|
//! | `Here`       | worker                    | its own queues                | one idle worker, if W > 1 |
//! | `Here`       | not a worker              | injector                      | one idle worker          |
//! | `Worker(w)`  | worker `w` itself         | its own queues                | one idle worker, if W > 1 |
//! | `Worker(w)`  | anybody else              | `w`'s mailbox                 | `w`, and one idle worker |
//! | `Anyone`     | any                       | injector                      | one idle worker          |
//!
//! Every wake-up follows the publication of the task (see `sync/sleep.rs` for why none is
//! lost). Tasks in mailboxes and own queues may still be taken by other workers of the node;
//! only the node is fixed for a named worker's task (it is pinned: no other node steals it).

use super::node::Node;
use super::worker::WorkerCtx;
use crate::task::TaskRef;

/// Where [`Node::enqueue`] puts a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum To {
    /// The calling worker's own queues (the node's injector on a thread that is no worker).
    Here,
    /// Local worker `w`: its own queues when it calls, else its mailbox.
    Worker(usize),
    /// Any worker of the node: the injector.
    Anyone,
}

impl Node {
    /// Queues `task` as `to` says and wakes whom that needs; `ctx` is the calling thread's
    /// worker, if it is one.
    #[inline(always)]
    pub(crate) fn enqueue(&self, ctx: Option<&WorkerCtx>, task: TaskRef, to: To) {
        match (to, ctx) {
            (To::Here, Some(c)) => self.to_own(c, task),
            (To::Worker(w), Some(c)) if w == c.index => self.to_own(c, task),
            (To::Worker(w), _) => self.to_mailbox(w, task),
            (To::Here, None) | (To::Anyone, _) => self.to_injector(task),
        }
    }

    #[inline(always)]
    fn to_own(&self, ctx: &WorkerCtx, task: TaskRef) {
        ctx.queues.push(task);
        if self.num_workers() > 1 {
            self.sleep.notify_one();
        }
    }

    #[inline(never)]
    fn to_mailbox(&self, w: usize, task: TaskRef) {
        self.workers[w].mailbox.push(task);
        self.sleep.wake(w);
        self.sleep.notify_one();
    }

    #[inline(never)]
    fn to_injector(&self, task: TaskRef) {
        self.injector.push(task);
        self.sleep.notify_one();
    }
}
