//! A worker thread: its own deque, where it looks for work, and its loop.

use super::backoff::Backoff;
use super::execute::execute;
use super::registry::Node;
use crate::task::pool::Pool;
use crate::task::{Task, TaskRef};
use crossbeam_deque::{Steal, Worker};
use std::cell::Cell;

/// What only the worker's own thread touches.
pub struct WorkerCtx {
    /// Index among this node's workers.
    pub index: usize,
    /// The node.
    pub node: &'static Node,
    /// Its deque: the owner pushes and pops at the back (deepest task first).
    pub deque: Worker<TaskRef>,
    /// Where the next intra-node steal starts.
    next_victim: Cell<usize>,
    /// Finished descriptors for reuse.
    pub pool: Pool,
    /// The task this worker runs now.
    current: Cell<*mut Task>,
}

thread_local! {
    static WORKER: Cell<*const WorkerCtx> = const { Cell::new(std::ptr::null()) };
    static CURRENT: Cell<*mut Task> = const { Cell::new(std::ptr::null_mut()) };
}

impl WorkerCtx {
    /// The context of worker `index`, owning `deque`.
    pub fn new(index: usize, node: &'static Node, deque: Worker<TaskRef>) -> WorkerCtx {
        WorkerCtx {
            index,
            node,
            deque,
            next_victim: Cell::new(index + 1),
            pool: Pool::default(),
            current: Cell::new(std::ptr::null_mut()),
        }
    }

    /// The task this worker runs now.
    pub fn current(&self) -> *mut Task {
        self.current.get()
    }

    /// Makes `t` this worker's current task; returns the previous one.
    pub fn set_current(&self, t: *mut Task) -> *mut Task {
        self.current.replace(t)
    }

    /// Makes this the calling thread's worker context until [`WorkerCtx::leave`].
    pub fn enter(&self) {
        self.node.sleep.register_current(self.index);
        WORKER.with(|w| w.set(self));
    }

    /// The calling thread stops being a worker.
    pub fn leave() {
        WORKER.with(|w| w.set(std::ptr::null()));
    }

    /// Finds a task: own deque, own mailbox, the node's injector, then other workers.
    pub fn find_work(&self) -> Option<TaskRef> {
        if let Some(t) = self.deque.pop() {
            return Some(t);
        }
        let node = self.node;
        if let Some(t) = steal(|| node.workers[self.index].mailbox.steal()) {
            return Some(t);
        }
        if let Some(t) = steal(|| node.injector.steal_batch_and_pop(&self.deque)) {
            return Some(t);
        }
        let n = node.workers.len();
        let start = self.next_victim.get();
        for k in 0..n {
            let v = (start + k) % n;
            if v == self.index {
                continue;
            }
            let w = &node.workers[v];
            if let Some(t) = steal(|| w.stealer.steal()).or_else(|| steal(|| w.mailbox.steal())) {
                self.next_victim.set(v);
                return Some(t);
            }
        }
        None
    }

    /// Whether a task might be found (used right before parking).
    pub fn sees_work(&self) -> bool {
        !self.deque.is_empty() || self.node.has_work()
    }

    /// The worker loop of threads 1..W: run tasks until the node terminates.
    pub fn run_loop(&self) {
        let node = self.node;
        let mut backoff = Backoff::new();
        loop {
            if let Some(t) = self.find_work() {
                execute(Some(self), t);
                backoff.reset();
                continue;
            }
            if node.terminate.load(std::sync::atomic::Ordering::Acquire) {
                break;
            }
            if backoff.snooze() {
                node.going_idle();
                node.sleep.sleep(self.index, node.config.yield_time, || {
                    !self.sees_work() && !node.terminate.load(std::sync::atomic::Ordering::SeqCst)
                });
                backoff.reset();
            }
        }
    }
}

/// Retries a steal until it gives a definite answer.
fn steal(mut f: impl FnMut() -> Steal<TaskRef>) -> Option<TaskRef> {
    loop {
        match f() {
            Steal::Success(t) => return Some(t),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

/// The calling thread's worker context, if it is a torc worker.
pub fn current_worker<'a>() -> Option<&'a WorkerCtx> {
    let p = WORKER.with(|w| w.get());
    // SAFETY: the context is set by `enter` and outlives every task the thread runs; it is
    // cleared by `leave` before it is dropped.
    unsafe { p.as_ref() }
}

/// The task the calling thread is running (the primary task on node 0's main thread).
pub fn current_task() -> *mut Task {
    match current_worker() {
        Some(ctx) => ctx.current(),
        None => CURRENT.with(|c| c.get()),
    }
}

/// Makes `t` the calling thread's current task; returns the previous one.
pub fn set_current_task(t: *mut Task) -> *mut Task {
    match current_worker() {
        Some(ctx) => ctx.set_current(t),
        None => CURRENT.with(|c| c.replace(t)),
    }
}
