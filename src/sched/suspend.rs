//! Suspending a waiting task on its own stack, so that its worker runs any task meanwhile (not
//! only deeper ones): TORC's user-level threads, made lazily. The protocol is described in
//! `src/fiber/README.md`; the contexts' state is `fibers.rs`, and what a fresh fiber runs (the
//! worker loop) is given by its caller, `run.rs`.

use super::fibers::{Ctx, Waiter};
use super::waitable::Waitable;
use super::worker::WorkerCtx;
use crate::fiber::{self, Context};
use crate::task::Task;
use crate::trace;
use std::cell::Cell;

/// Most fibers one worker makes; beyond, a wait that cannot go on parks as before.
const MAX_FIBERS: usize = 4096;

/// Room kept free on a fiber's stack (as on a thread's): a nested task is not started below it.
const RESERVE: usize = 256 << 10;

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

/// What a fresh fiber runs, given the address of its worker's context: the worker loop.
pub(super) type Entry = extern "C" fn(usize) -> !;

/// A context to continue instead of the waiting one: a stopped wait that is over, an idle
/// context, or a fresh fiber starting at `entry`.
fn pick(ctx: &WorkerCtx, entry: Entry) -> Option<(*mut Ctx, *mut Task)> {
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
    let cx = Context::fiber(f.size, entry, ctx as *const WorkerCtx as usize)?;
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
/// another context (a fresh fiber starts at `entry`) until `on` is done and a scheduling point
/// continues this one. False when nothing was suspended (disabled, no fiber to be had, or `on`
/// turned out done).
pub(super) fn suspend(ctx: &WorkerCtx, on: &(dyn Waitable + '_), entry: Entry) -> bool {
    let f = &ctx.fibers;
    if !f.enabled || f.running.get().is_null() {
        return false;
    }
    // Completions from now on wake this thread (which may be parked in another context).
    if on.sleep_begin(ctx.index) {
        on.sleep_end(ctx.index);
        return true;
    }
    let Some((to, task)) = pick(ctx, entry) else {
        on.sleep_end(ctx.index);
        return false;
    };
    let on_static: *const (dyn Waitable + 'static) =
        // SAFETY: only the lifetime is erased: the waiter stays stopped in this call, where
        // `on` lives, until a scheduling point takes it off the list and continues it.
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
pub(super) fn resume_ready(ctx: &WorkerCtx) {
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
pub(super) fn leave_fiber(ctx: &WorkerCtx) -> bool {
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
