//! Where a task is queued, and whom that wakes: the one place that decides between the
//! creator's own level queues, a worker's mailbox and the node's injector (`To`, defined with
//! the node); also where a task from another node is queued, and which task a thief of
//! another node is given.
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

use super::node::{Node, To};
use super::worker::WorkerCtx;
use crate::sync::queue::settle;
use crate::task::descriptor::flags;
use crate::task::TaskRef;

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

    /// A task from another node: queued for local worker `worker` (named by its creator), or
    /// for anyone.
    pub(crate) fn accept_task(&self, task: TaskRef, worker: Option<usize>) {
        let to = match worker {
            Some(w) if w < self.num_workers() => To::Worker(w),
            _ => To::Anyone,
        };
        self.enqueue(None, task, to);
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
}
