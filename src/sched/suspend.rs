//! Suspending a waiting task on its own stack, so that its worker runs any task meanwhile (not
//! only deeper ones): TORC's user-level threads, made lazily. The protocol is described in
//! `src/fiber/README.md`.
//!
//! Everything here is touched by the worker's own thread only; the contexts of one worker never
//! run at the same time, so plain cells suffice.

use super::wait::Waitable;
use super::worker::WorkerCtx;
use crate::fiber::{self, Context};
use crate::task::Task;
use crate::trace;
use std::cell::{Cell, RefCell};

/// Most fibers one worker makes; beyond, a wait that cannot go on parks as before.
const MAX_FIBERS: usize = 4096;

/// Room kept free on a fiber's stack (as on a thread's): a nested task is not started below it.
const RESERVE: usize = 256 << 10;

/// One context of the worker and the lowest address a nested task may start above on it.
struct Ctx {
    cx: Context,
    limit: usize,
    /// Its fiber number (0: the thread's own stack), for its trace lane.
    no: usize,
    /// Its trace lane's buffer while it does not run (`TORC_TRACE`).
    lane: Cell<Option<&'static trace::Buffer>>,
}

/// A context stopped in a wait: what it waits for and the task that waits.
struct Waiter {
    ctx: *mut Ctx,
    /// Alive while the waiter is stopped: it lives in the stopped frame of `wait_on`.
    on: *const dyn Waitable,
    task: *mut Task,
}

/// One worker's contexts.
pub(crate) struct Fibers {
    /// Whether waits may suspend (`TORC_SUSPEND`, and a supported build).
    enabled: bool,
    /// Stack size of a fiber.
    size: usize,
    /// The context running now; null until the worker entered its thread.
    running: Cell<*mut Ctx>,
    /// Contexts stopped at a scheduling point (between tasks, in the worker loop), reusable.
    idle: RefCell<Vec<*mut Ctx>>,
    /// Contexts stopped in a wait, oldest first.
    waiting: RefCell<Vec<Waiter>>,
    /// How many there are (read on every scheduling point: no borrow).
    n_waiting: Cell<usize>,
    /// Fibers made so far.
    made: Cell<usize>,
}

impl Fibers {
    /// For a worker whose waits may suspend when `enabled`, on fibers of `size` bytes.
    pub(crate) fn new(enabled: bool, size: usize) -> Fibers {
        Fibers {
            enabled: enabled && fiber::SUPPORTED,
            size,
            running: Cell::new(std::ptr::null_mut()),
            idle: RefCell::new(Vec::new()),
            waiting: RefCell::new(Vec::new()),
            n_waiting: Cell::new(0),
            made: Cell::new(0),
        }
    }

    /// The calling thread's own stack becomes the running context, with `limit` as its
    /// lowest start address for nested tasks.
    pub(crate) fn enter(&self, limit: usize) {
        if self.running.get().is_null() {
            let root = Box::new(Ctx {
                cx: Context::thread(),
                limit,
                no: 0,
                lane: Cell::new(None),
            });
            self.running.set(Box::into_raw(root));
        }
    }

    /// Whether some stopped wait is over.
    #[inline]
    pub(crate) fn any_ready(&self) -> bool {
        self.n_waiting.get() != 0 && self.find_ready().is_some()
    }

    /// Whether waits may suspend.
    #[inline]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    #[cold]
    fn find_ready(&self) -> Option<usize> {
        // SAFETY: each `on` lives in its stopped waiter's frame (see `Waiter`).
        self.waiting
            .borrow()
            .iter()
            .position(|w| unsafe { (*w.on).is_done() })
    }

    fn take_ready(&self) -> Option<Waiter> {
        let i = self.find_ready()?;
        self.n_waiting.set(self.n_waiting.get() - 1);
        Some(self.waiting.borrow_mut().remove(i))
    }
}

impl Drop for Fibers {
    fn drop(&mut self) {
        // Dropped on the worker's thread after its loop ended, on its own stack: the fibers
        // are stopped (their frames are abandoned; they hold nothing to release).
        let running = self.running.get();
        for c in self.idle.get_mut().drain(..) {
            if c != running {
                // SAFETY: made by `Box::into_raw` here, not running, owned by this list only.
                drop(unsafe { Box::from_raw(c) });
            }
        }
        debug_assert!(self.waiting.get_mut().is_empty());
        if !running.is_null() {
            // SAFETY: as above; the running context is the thread's own (it owns no stack).
            drop(unsafe { Box::from_raw(running) });
        }
    }
}

/// Where a fiber starts: the worker loop, on the worker `arg` points to.
extern "C" fn fiber_main(arg: usize) -> ! {
    // SAFETY: `arg` is the worker context that made this fiber; it outlives its fibers.
    let ctx = unsafe { &*(arg as *const WorkerCtx) };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ctx.run_loop()));
    crate::error::fatal(
        "torc worker",
        format_args!(
            "a fiber's worker loop ended{}",
            if r.is_err() { " with a panic" } else { "" }
        ),
    )
}

/// Stops the running context and continues `to`, whose task is `task` (null: none; it stopped
/// between tasks); the caller has already filed the running context where it can be found
/// again (or, retiring, not). Returns when some context continues this one.
fn switch_to(ctx: &WorkerCtx, to: *mut Ctx, task: *mut Task) {
    let f = &ctx.fibers;
    let from = f.running.get();
    f.running.set(to);
    ctx.set_current(task);
    // SAFETY: `to` is a live context of this worker (boxed, owned by its lists).
    let to_ref = unsafe { &*to };
    ctx.set_stack_limit(to_ref.limit);
    // SAFETY: `task` is null or a task stopped in a wait on `to`'s stack (alive).
    unsafe { ctx.shared().activity.resume(task) };
    if trace::on() {
        // Each context records on a lane of its own, where its spans nest.
        let lane = to_ref
            .lane
            .take()
            .unwrap_or_else(|| trace::Buffer::new(trace::Lane::Fiber(ctx.index, to_ref.no)));
        // SAFETY: `from` is live (it runs now).
        unsafe { (*from).lane.set(trace::swap_lane(Some(lane))) };
    }
    // SAFETY: `from` runs now (it is the running context until this call); `to` is stopped
    // (taken from the idle or waiting list, where a context is filed only once stopped, or a
    // fresh fiber) and continued once for this stop.
    unsafe { fiber::switch(&(*from).cx, &to_ref.cx) };
}

/// A context to continue instead of the waiting one: a stopped wait that is over, an idle
/// context, or a fresh fiber.
fn pick(ctx: &WorkerCtx) -> Option<(*mut Ctx, *mut Task)> {
    let f = &ctx.fibers;
    if let Some(w) = f.take_ready() {
        return Some((w.ctx, w.task));
    }
    if let Some(c) = f.idle.borrow_mut().pop() {
        return Some((c, std::ptr::null_mut()));
    }
    if f.made.get() >= MAX_FIBERS {
        return None;
    }
    let cx = Context::fiber(f.size, fiber_main, ctx as *const WorkerCtx as usize)?;
    f.made.set(f.made.get() + 1);
    let limit = cx.stack_bottom().map_or(0, |b| b + RESERVE);
    let c = Ctx {
        cx,
        limit,
        no: f.made.get(),
        lane: Cell::new(None),
    };
    Some((Box::into_raw(Box::new(c)), std::ptr::null_mut()))
}

/// Suspends the calling wait on `on` (of worker `ctx`'s current task): the worker goes on with
/// another context until `on` is done and a scheduling point continues this one. False when
/// nothing was suspended (disabled, no fiber to be had, or `on` turned out done).
pub(crate) fn suspend(ctx: &WorkerCtx, on: &(dyn Waitable + '_)) -> bool {
    let f = &ctx.fibers;
    if !f.enabled || f.running.get().is_null() {
        return false;
    }
    // Completions from now on wake this thread (which may be parked in another context).
    if on.sleep_begin(ctx.index) {
        on.sleep_end(ctx.index);
        return true;
    }
    let Some((to, task)) = pick(ctx) else {
        on.sleep_end(ctx.index);
        return false;
    };
    // SAFETY (of the lifetime erasure): the waiter stays stopped in this call, where `on`
    // lives, until a scheduling point takes it off the list and continues it.
    let on_static: *const (dyn Waitable + 'static) =
        unsafe { std::mem::transmute::<*const (dyn Waitable + '_), _>(on) };
    f.waiting.borrow_mut().push(Waiter {
        ctx: f.running.get(),
        on: on_static,
        task: ctx.current(),
    });
    f.n_waiting.set(f.n_waiting.get() + 1);
    switch_to(ctx, to, task);
    // Continued: the wait is over.
    on.sleep_end(ctx.index);
    true
}

/// At a scheduling point of the worker loop (no task on this context's stack): continues a
/// stopped wait that is over, if any, filing this context as idle.
#[inline]
pub(crate) fn resume_ready(ctx: &WorkerCtx) {
    if ctx.fibers.n_waiting.get() == 0 {
        return;
    }
    resume_ready_slow(ctx)
}

#[cold]
fn resume_ready_slow(ctx: &WorkerCtx) {
    let f = &ctx.fibers;
    if let Some(w) = f.take_ready() {
        f.idle.borrow_mut().push(f.running.get());
        switch_to(ctx, w.ctx, w.task);
    }
}

/// The node terminates and the worker loop runs on a fiber: continues the thread's own
/// context (idle in its loop), which then ends the loop. True when that happened (and this
/// fiber was continued again: it should look once more); false when the loop runs on the
/// thread's own stack and may simply end.
pub(crate) fn leave_fiber(ctx: &WorkerCtx) -> bool {
    let f = &ctx.fibers;
    let running = f.running.get();
    // SAFETY: the running context is live.
    if running.is_null() || unsafe { (*running).cx.is_thread() } {
        return false;
    }
    let root = {
        let mut idle = f.idle.borrow_mut();
        // SAFETY: the idle contexts are live.
        let at = idle.iter().position(|&c| unsafe { (*c).cx.is_thread() });
        at.map(|i| idle.swap_remove(i))
    };
    match root {
        Some(root) => {
            f.idle.borrow_mut().push(running);
            switch_to(ctx, root, std::ptr::null_mut());
            true
        }
        // The thread's own stack is in a wait that is not over (no task should be, once the
        // node terminates): keep serving.
        None => {
            std::thread::yield_now();
            true
        }
    }
}
