//! Running one task: call its function, wait for the children it left, signal its parent.

use super::complete;
use super::node::Node;
use super::wait::{wait_for, WaitMode};
use super::worker::{set_current_task, WorkerCtx};
use crate::sync::latch::Latch;
use crate::task::Task;
use crate::task::{call, pool, TaskRef, MAX_ARGS};
use crate::trace;

/// Runs `t` on the calling thread of `node` (`ctx` is `None` for direct tasks on threads that
/// are not workers).
#[inline]
pub(crate) fn execute(node: &'static Node, ctx: Option<&WorkerCtx>, t: TaskRef) {
    match ctx {
        Some(c) => run(c, t),
        None => run_elsewhere(node, t),
    }
}

/// Runs `t` on worker `ctx`: the path every queued task takes.
#[inline(never)]
pub(crate) fn run(ctx: &WorkerCtx, t: TaskRef) {
    run_inline(ctx, t)
}

/// [`run`], inlined into the loop of a waiting worker (the hot path of fine-grained tasks).
#[inline(always)]
pub(super) fn run_inline(ctx: &WorkerCtx, t: TaskRef) {
    let p = t.as_ptr();
    // SAFETY: `t` owns the descriptor; nobody else touches it while it runs (its children only
    // reach its latch, atomically or from this thread).
    let task = unsafe { &mut *p };
    task.latch.set_owner(ctx.index);
    let prev = ctx.set_current(p);
    let activity = &ctx.shared().activity;
    activity.start(task);
    let t0 = if trace::on() { trace::now() } else { 0 };
    call_task(task);
    if !task.latch.is_done() {
        // A task is complete only when its children are: wait for any it did not wait for.
        wait_for(ctx, &task.latch, task.level, WaitMode::Help);
    }
    let node = ctx.node;
    let at_home = task.home as usize == node.layout.node;
    if node.failures.pending() || task.extended() {
        // Children's failures to take, or a future to settle (`complete.rs`).
        complete::after_run(ctx, task, at_home);
    }
    ctx.set_current(prev);
    // SAFETY: `prev` is null or the task this worker ran when it started this one, which
    // waits below on this thread's stack.
    unsafe { activity.resume(prev) };
    if t0 != 0 {
        record_run(node, task, t0);
    }
    if task.visible() {
        ctx.shared().stats.executed.bump();
    }
    if !at_home {
        send_done(Some(ctx), node, t);
        return;
    }
    let parent = task.parent;
    if task.extended() {
        complete::hand_up(node, parent, &mut task.failures);
    }
    ctx.pool.put(t);
    if !parent.is_null() {
        // SAFETY: `parent` is the latch this task was counted in, signalled once here;
        // `ctx.index` is this thread's worker.
        unsafe { signal_by(ctx, parent) };
    }
}

/// Runs a direct task on a thread that is not a worker.
#[cold]
fn run_elsewhere(node: &'static Node, t: TaskRef) {
    let p = t.as_ptr();
    // SAFETY: as in `run`.
    let task = unsafe { &mut *p };
    let prev = set_current_task(p);
    let t0 = if trace::on() { trace::now() } else { 0 };
    call_task(task);
    // It created no children it could wait for here (creating needs a worker).
    set_current_task(prev);
    if t0 != 0 {
        record_run(node, task, t0);
    }
    if task.home as usize != node.layout.node {
        send_done(None, node, t);
        return;
    }
    let parent = task.parent;
    if let Some(cell) = task.future.take() {
        // A direct task with a future, run where no worker is: its callback, if any, is
        // run as a task (see `complete.rs`).
        let (output, failures) = (
            std::mem::take(&mut task.output),
            std::mem::take(&mut task.failures),
        );
        let level = task.level;
        pool::put(t);
        // SAFETY: `parent` is the latch this task was counted in, signalled once (there).
        unsafe { node.complete_away(parent, level, Some(cell), output, failures) };
        return;
    }
    if task.extended() {
        complete::hand_up(node, parent, &mut task.failures);
    }
    pool::put(t);
    if !parent.is_null() {
        // SAFETY: `parent` is the latch this task was counted in, signalled once here.
        unsafe { signal(node, parent) };
    }
}

/// Records the run of `task`, which started at `t0`, on the calling thread's trace lane.
#[cold]
#[inline(never)]
fn record_run(node: &Node, task: &Task, t0: u64) {
    let bytes =
        task.args.iter().map(|a| a.bytes() as u64).sum::<u64>() + task.input.known_len() as u64;
    // A task that came from another node, or came back home unrun (it keeps its handle),
    // ends the flow that began when it left its creator.
    let travelled = task.home as usize != node.layout.node || task.handle != 0;
    trace::push(trace::Record {
        func: task.func,
        bytes,
        id: if travelled {
            trace::flow_id(task.home, task.handle)
        } else {
            0
        },
        a: task.level,
        b: task.home as u16,
        flag: task.visible() as u8,
        ..trace::Record::span(trace::Kind::Task, t0, trace::now())
    });
}

/// Calls the task's function with its argument words.
#[inline]
fn call_task(task: &Task) {
    if task.flags & crate::task::descriptor::flags::SPMD != 0 {
        return call_spmd(task);
    }
    call_words(task);
}

/// An `spmd` instance: called while torc's MPI calls keep out of its way.
#[cold]
fn call_spmd(task: &Task) {
    match crate::sched::worker::current_worker() {
        Some(c) => c.node.exclusive(&mut || call_words(task)),
        None => call_words(task),
    }
}

/// Calls the function with the words.
#[inline]
fn call_words(task: &Task) {
    debug_assert!(task.flags & crate::task::descriptor::flags::ARGS != 0 || task.args.is_empty());
    // Without flags::ARGS there are no records: not even their length is read (line 2).
    let n = if task.flags & crate::task::descriptor::flags::ARGS != 0 {
        task.args.len()
    } else {
        0
    };
    if n == 0 {
        // SAFETY: the creator gave a C task function taking no arguments.
        unsafe { call::call0(task.func) };
        return;
    }
    let base = task.buf.base_ptr();
    let mut buf = [std::mem::MaybeUninit::<usize>::uninit(); MAX_ARGS];
    for (w, a) in buf.iter_mut().zip(task.args.iter()) {
        w.write(a.word(base));
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
fn send_done(ctx: Option<&WorkerCtx>, node: &'static Node, t: TaskRef) {
    let net = node
        .net
        .expect("a task from another node implies a network");
    // A worker with nothing else to do drives the network next, itself.
    let lazy = ctx.is_some_and(|c| !c.sees_work());
    net.send_done(t, lazy);
}

/// Signals one completed child to `latch` and wakes its owner if it sleeps on it.
///
/// # Safety
/// `latch` must be the live parent latch of a task that completed and was not signalled yet.
pub(super) unsafe fn signal(node: &Node, latch: *const Latch) {
    // SAFETY: a parent latch outlives its children; this is the child's single completion.
    if let Some(owner) = unsafe { Latch::complete(latch) } {
        node.sleep.wake(owner);
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
