//! Running one task: call its function, wait for the children it left, signal its parent.

use super::node::Node;
use super::wait::{wait_for, WaitMode};
use super::worker::{set_current_task, WorkerCtx};
use crate::sync::latch::Latch;
use crate::task::Task;
use crate::task::{call, pool, TaskRef, MAX_ARGS};

/// Runs `t` on the calling thread (`ctx` is `None` for direct tasks on non-worker threads).
#[inline]
pub fn execute(ctx: Option<&WorkerCtx>, t: TaskRef) {
    match ctx {
        Some(c) => run(c, t),
        None => run_elsewhere(t),
    }
}

/// Runs `t` on worker `ctx`: the path every queued task takes.
#[inline(never)]
pub fn run(ctx: &WorkerCtx, t: TaskRef) {
    run_inline(ctx, t)
}

/// [`run`], inlined into the loop of a waiting worker (the hot path of fine-grained tasks).
#[inline(always)]
pub fn run_inline(ctx: &WorkerCtx, t: TaskRef) {
    let p = t.as_ptr();
    // SAFETY: `t` owns the descriptor; nobody else touches it while it runs (its children only
    // reach its latch, atomically or from this thread).
    let task = unsafe { &mut *p };
    task.latch.set_owner(ctx.index);
    let prev = ctx.set_current(p);
    call_task(task);
    if !task.latch.is_done() {
        // A task is complete only when its children are: wait for any it did not wait for.
        wait_for(ctx, &task.latch, task.level, WaitMode::Help);
    }
    ctx.set_current(prev);
    if task.visible() {
        ctx.shared().stats.executed.bump();
    }
    let node = ctx.node;
    if task.home as usize != node.layout.node {
        send_done(Some(ctx), node, t);
        return;
    }
    let parent = task.parent;
    ctx.pool.put(t);
    if !parent.is_null() {
        // SAFETY: `parent` is the latch this task was counted in, signalled once here;
        // `ctx.index` is this thread's worker.
        unsafe { signal_by(ctx, parent) };
    }
}

/// Runs a direct task on a thread that is not a worker.
#[cold]
fn run_elsewhere(t: TaskRef) {
    let p = t.as_ptr();
    // SAFETY: as in `run`.
    let task = unsafe { &mut *p };
    let prev = set_current_task(p);
    call_task(task);
    // It created no children it could wait for here (creating needs a worker).
    set_current_task(prev);
    match Node::get() {
        Some(node) if task.home as usize != node.layout.node => send_done(None, node, t),
        _ => {
            let parent = task.parent;
            pool::put(t);
            if !parent.is_null() {
                // SAFETY: `parent` is the latch this task was counted in, signalled once here.
                unsafe { signal(parent) };
            }
        }
    }
}

/// Calls the task's function with its argument words.
#[inline]
fn call_task(task: &Task) {
    let n = task.args.len();
    if n == 0 {
        // SAFETY: the creator gave a C task function taking no arguments.
        unsafe { call::call0(task.func) };
        return;
    }
    let mut buf = [std::mem::MaybeUninit::<usize>::uninit(); MAX_ARGS];
    for (w, a) in buf.iter_mut().zip(task.args.iter()) {
        w.write(a.value);
    }
    // SAFETY: the first `n` words were written just above.
    let words = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const usize, n) };
    // SAFETY: the creator gave a C task function taking `n` pointer arguments; the words are
    // the argument pointers (or VAD words) prepared for it.
    unsafe { call::call(task.func, words) };
}

/// The task came from another node: send the completion and the REF/RES data home (out of
/// line: the local path stays small).
#[inline(never)]
fn send_done(ctx: Option<&WorkerCtx>, node: &Node, t: TaskRef) {
    let msg = crate::comm::wire::encode_done(&t);
    let home = t.home as usize;
    // Large write-backs are sent from the task's buffer: keep it until they are out.
    let keep = if msg.blocks.is_empty() {
        match ctx {
            Some(c) => c.pool.put(t),
            None => pool::put(t),
        }
        None
    } else {
        Some(crate::comm::channel::Keep::new(t))
    };
    if let Some(ch) = &node.comm {
        // A worker with nothing else to do drives the engine next, itself.
        let lazy = ctx.is_some_and(|c| !c.sees_work());
        ch.send_encoded(home, crate::comm::wire::tag::DONE, msg, keep, lazy);
    }
}

/// Signals one completed child to `latch` and wakes its owner if it sleeps on it.
///
/// # Safety
/// `latch` must be the live parent latch of a task that completed and was not signalled yet.
pub unsafe fn signal(latch: *const crate::sync::latch::Latch) {
    // SAFETY: a parent latch outlives its children; this is the child's single completion.
    if let Some(owner) = unsafe { Latch::complete(latch) } {
        if let Some(node) = Node::get() {
            node.sleep.wake(owner);
        }
    }
}

/// As [`signal`], from worker `ctx`'s thread (cheaper when it owns the latch).
///
/// # Safety
/// As for [`signal`].
#[inline]
unsafe fn signal_by(ctx: &WorkerCtx, latch: *const Latch) {
    // SAFETY: as the caller guarantees; `ctx.index` is the calling thread's worker.
    if let Some(owner) = unsafe { Latch::complete_by(latch, ctx.index) } {
        ctx.node.sleep.wake(owner);
    }
}
