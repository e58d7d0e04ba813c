//! A worker thread: its own queues (one per nesting level), where it looks for work, its
//! current task and its stack; the calling thread's worker (its loop is in `run.rs`).

use super::fibers::Fibers;
use super::levels::Levels;
use super::node::{Node, To, WorkerShared};
use crate::sync::queue::settle;
use crate::task::descriptor::{Task, TaskRef};
use crate::task::pool::{self, Pool};
use crate::trace;
use std::cell::Cell;
use std::ffi::c_void;

/// What only the worker's own thread touches.
pub(crate) struct WorkerCtx {
    /// Index among this node's workers.
    pub(crate) index: usize,
    /// The node.
    pub(crate) node: &'static Node,
    /// What other threads see of this worker (`node.workers[index]`).
    shared: &'static WorkerShared,
    /// Its queues: the deepest level's oldest task first (see `levels.rs`).
    pub(crate) queues: Levels,
    /// Where the next intra-node steal starts.
    next_victim: Cell<usize>,
    /// Finished descriptors for reuse.
    pub(crate) pool: Pool,
    /// The task this worker runs now.
    current: Cell<*mut Task>,
    /// Lowest safe stack address of the worker's thread (0: unknown), set by `enter`.
    stack_limit: Cell<usize>,
    /// Future cells released by this worker, for reuse.
    pub(crate) cells: crate::task::future::Spare,
    /// Its contexts: the thread's own stack and fibers for suspended waits (`suspend.rs`).
    pub(super) fibers: Fibers,
}

// The calling thread's context and current task (the latter for threads that are not
// workers), kept in C with initial-exec TLS: see src/ffi/tls.c.
extern "C" {
    fn torc_tls_worker() -> *const c_void;
    fn torc_tls_set_worker(w: *const c_void);
    fn torc_tls_current() -> *mut c_void;
    fn torc_tls_set_current(t: *mut c_void);
}

impl WorkerCtx {
    /// The context of worker `index`, owning `queues`.
    pub(crate) fn new(index: usize, node: &'static Node, queues: Levels) -> WorkerCtx {
        WorkerCtx {
            index,
            node,
            shared: &node.workers[index],
            queues,
            next_victim: Cell::new(index + 1),
            pool: Pool::default(),
            current: Cell::new(std::ptr::null_mut()),
            stack_limit: Cell::new(0),
            cells: Default::default(),
            fibers: Fibers::new(node.config.suspend, WORKER_STACK),
        }
    }

    /// What other threads see of this worker.
    #[inline]
    pub(crate) fn shared(&self) -> &WorkerShared {
        self.shared
    }

    /// The task this worker runs now.
    #[inline]
    pub(crate) fn current(&self) -> *mut Task {
        self.current.get()
    }

    /// Makes `t` this worker's current task; returns the previous one.
    pub(crate) fn set_current(&self, t: *mut Task) -> *mut Task {
        self.current.replace(t)
    }

    /// Makes this the calling thread's worker context until [`WorkerCtx::leave`].
    pub(crate) fn enter(&self) {
        self.stack_limit.set(stack_limit());
        self.fibers.enter(self.stack_limit.get());
        trace::enter(trace::Lane::Worker(self.index));
        self.node.sleep.register_current(self.index);
        // SAFETY: the context (and its pool) outlives this registration: `leave` ends it
        // before the context is dropped, and only this thread uses the pool meanwhile.
        unsafe { pool::register_thread_pool(&self.pool) };
        // SAFETY: a plain store to this thread's own variable.
        unsafe { torc_tls_set_worker(self as *const WorkerCtx as *const c_void) };
    }

    /// The calling thread stops being a worker.
    pub(crate) fn leave() {
        // SAFETY: a plain store to this thread's own variable.
        unsafe { torc_tls_set_worker(std::ptr::null()) };
        // SAFETY: null registers no pool.
        unsafe { pool::register_thread_pool(std::ptr::null()) };
    }

    /// Finds a task: own queues, own mailbox, the node's injector, then other workers.
    pub(crate) fn find_work(&self) -> Option<TaskRef> {
        if let Some(t) = self.queues.pop() {
            return Some(t);
        }
        let node = self.node;
        if let Some(t) = settle(|| node.workers[self.index].mailbox.steal()) {
            return Some(t);
        }
        if let Some(t) = settle(|| node.injector.steal()) {
            return Some(t);
        }
        let t = self.scan_victims(self.next_victim.get(), |_, w| {
            settle(|| w.stealer.steal()).or_else(|| settle(|| w.mailbox.steal()))
        });
        if let Some((v, t)) = t {
            self.next_victim.set(v);
            return Some(t);
        }
        None
    }

    /// Tries `take` on the other workers of the node, in order from worker `start`; returns
    /// the first task found and whose it was. The node's one victim scan.
    #[inline]
    fn scan_victims(
        &self,
        start: usize,
        mut take: impl FnMut(usize, &WorkerShared) -> Option<TaskRef>,
    ) -> Option<(usize, TaskRef)> {
        let n = self.node.workers.len();
        for k in 0..n {
            let v = (start + k) % n;
            if v == self.index {
                continue;
            }
            if let Some(t) = take(v, &self.node.workers[v]) {
                return Some((v, t));
            }
        }
        None
    }

    /// Finds a task nested deeper than `level`, for a worker that waits in a task of that
    /// level. Running only deeper tasks on top of a waiting one keeps the stack as deep as the
    /// nesting, not as long as the queues; it cannot deadlock, since everything the waiting
    /// task depends on is deeper. Shallower tasks met in a mailbox or the injector are queued
    /// again (`Node::enqueue`), where other workers (and this one, once its wait is over)
    /// find them.
    #[inline]
    pub(super) fn find_work_deeper(&self, level: u32) -> Option<TaskRef> {
        // The common case first: the own queues' deepest level.
        match self.queues.pop_deeper(level) {
            Some(t) => Some(t),
            None => self.find_work_deeper_elsewhere(level),
        }
    }

    /// [`WorkerCtx::find_work_deeper`] beyond the own queues.
    #[inline(never)]
    fn find_work_deeper_elsewhere(&self, level: u32) -> Option<TaskRef> {
        let node = self.node;
        // A task taken from `to`'s queue: kept when deeper, else queued there again.
        let deeper = |t: TaskRef, to: To| {
            if t.level > level {
                Some(t)
            } else {
                node.enqueue(Some(self), t, to);
                None
            }
        };
        let own_mailbox = &node.workers[self.index].mailbox;
        if let Some(t) = settle(|| own_mailbox.steal()).and_then(|t| deeper(t, To::Here)) {
            return Some(t);
        }
        if let Some(t) = settle(|| node.injector.steal()).and_then(|t| deeper(t, To::Anyone)) {
            return Some(t);
        }
        let found = self.scan_victims(self.index + 1, |v, w| {
            settle(|| w.stealer.steal_deeper(level))
                .or_else(|| settle(|| w.mailbox.steal()).and_then(|t| deeper(t, To::Worker(v))))
        });
        found.map(|(_, t)| t)
    }

    /// Whether the worker's own queues hold a task.
    pub(crate) fn has_own_work(&self) -> bool {
        !self.queues.is_empty()
    }

    /// Puts `t`, found elsewhere, into the worker's own queues (`torc_fetch_work`).
    pub(crate) fn keep(&self, t: TaskRef) {
        self.queues.push(t);
    }

    /// Whether a task might be found (used right before parking).
    pub(crate) fn sees_work(&self) -> bool {
        !self.queues.is_empty() || self.node.has_work()
    }
}

/// Stack size of worker threads and of fibers: a task sees the same room on either.
pub(crate) const WORKER_STACK: usize = 64 << 20;

/// Room kept free on a thread's stack: a nested task is not started below it.
const STACK_RESERVE: usize = 256 << 10;

/// The lowest address the calling thread's stack may grow to before a nested task must not
/// start (its stack base plus a reserve); 0 when unknown.
fn stack_limit() -> usize {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; we read the stack bounds
    // and destroy the attributes again.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        if ok {
            addr as usize + STACK_RESERVE
        } else {
            0
        }
    }
}

impl WorkerCtx {
    /// The running context's lowest start address for a nested task (on a context switch).
    pub(super) fn set_stack_limit(&self, limit: usize) {
        self.stack_limit.set(limit);
    }

    /// Whether the calling thread's stack has room to run one more nested task.
    pub(crate) fn stack_has_room(&self) -> bool {
        let here = 0u8;
        let sp = &here as *const u8 as usize;
        sp > self.stack_limit.get()
    }
}

/// The calling thread's worker context, if it is a torc worker.
#[inline]
pub(crate) fn current_worker<'a>() -> Option<&'a WorkerCtx> {
    // SAFETY: a plain load of this thread's own variable.
    let p = unsafe { torc_tls_worker() } as *const WorkerCtx;
    // SAFETY: the context is set by `enter` and outlives every task the thread runs; it is
    // cleared by `leave` before it is dropped.
    unsafe { p.as_ref() }
}

/// The task the calling thread is running (the primary task on node 0's main thread).
pub(crate) fn current_task() -> *mut Task {
    match current_worker() {
        Some(ctx) => ctx.current(),
        // SAFETY: a plain load of this thread's own variable.
        None => unsafe { torc_tls_current() as *mut Task },
    }
}

/// Makes `t` the calling thread's current task; returns the previous one.
pub(crate) fn set_current_task(t: *mut Task) -> *mut Task {
    match current_worker() {
        Some(ctx) => ctx.set_current(t),
        None => {
            // SAFETY: plain accesses to this thread's own variable.
            let prev = unsafe { torc_tls_current() } as *mut Task;
            // SAFETY: a plain store to this thread's own variable.
            unsafe { torc_tls_set_current(t as *mut c_void) };
            prev
        }
    }
}
