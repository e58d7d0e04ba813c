//! Running a task and completing it, and the waits that run other tasks meanwhile: the one
//! recursion of the scheduler (a task waits for its children, the wait runs tasks, which wait
//! in turn), kept in this one file. `sched/mod.rs` says how it is bounded.
//!
//! A queued task runs through [`run`] (or [`run_inline`], inside a waiting worker's loop):
//! its function is called (`call.rs`), the children it left are waited for ([`wait_for`]),
//! its failures and future are settled (`complete.rs`; a callback's own children are waited
//! for here), and its parent's latch is signalled, or its completion is sent home. The worker
//! loop ([`WorkerCtx::run_loop`]), which each fiber of a worker runs too, is here as well.

use super::activity::{Awaits, Waiting};
use super::call::call_task;
use super::complete::{self, signal, signal_by};
use super::node::{Node, To};
use super::suspend::{leave_fiber, resume_ready, suspend};
use super::waitable::{WaitMode, Waitable};
use super::worker::{set_current_task, WorkerCtx};
use crate::sync::backoff::Backoff;
use crate::sync::latch::Latch;
use crate::task::descriptor::{Task, TaskRef};
use crate::task::pool;
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
fn run_inline(ctx: &WorkerCtx, t: TaskRef) {
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
        after_run(ctx, task, at_home);
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
    // SAFETY: `t` owns the descriptor; nobody else touches it while it runs.
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

/// A task ran on worker `ctx` (which still runs it) and its children are done: takes their
/// failures, and settles its future if it is at home: the outcome is stored, the callback (if
/// any) runs as part of the task, so its tasks are the task's children and are waited for
/// here, and only then is the event published (see `complete.rs`).
#[cold]
#[inline(never)]
fn after_run(ctx: &WorkerCtx, task: &mut Task, at_home: bool) {
    if ctx.node.failures.pending() {
        complete::collect(ctx.node, task);
    }
    if !at_home {
        return;
    }
    let Some(cell) = complete::store_outcome(task) else {
        return;
    };
    // SAFETY: this thread completes the task (it stored the outcome just now), before the
    // event is set.
    if unsafe { cell.has_callback() } {
        complete::run_callback(&cell, task);
        if !task.latch.is_done() {
            wait_for(ctx, &task.latch, task.level, WaitMode::Help);
        }
        complete::collect(ctx.node, task);
    }
    complete::publish(ctx.node, &cell);
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

/// Blocks until `latch` is done (or, for `HelpUntilIdle`, the node runs dry). `level` is the
/// nesting level of the waiting task: meanwhile the worker runs only deeper tasks.
#[inline]
pub(crate) fn wait_for(ctx: &WorkerCtx, latch: &Latch, level: u32, mode: WaitMode) {
    wait_on(ctx, latch, level, mode)
}

/// Blocks until `latch` (a latch, future or listener) is done; as [`wait_for`].
pub(crate) fn wait_on<W: Waitable>(ctx: &WorkerCtx, latch: &W, level: u32, mode: WaitMode) {
    // Where the wait is registered for the state report, once it parked.
    let mut registered = None;
    wait_loop(ctx, latch, level, mode, &mut registered);
    if let Some(at) = registered {
        ctx.shared().activity.wait_end(at);
    }
}

/// The loop of [`wait_on`]; registers the wait in `registered` when it first parks.
#[inline(always)]
fn wait_loop<W: Waitable>(
    ctx: &WorkerCtx,
    latch: &W,
    level: u32,
    mode: WaitMode,
    registered: &mut Option<usize>,
) {
    let node = ctx.node;
    let mut backoff = Backoff::new();
    loop {
        if latch.is_done() {
            return;
        }
        if mode != WaitMode::NoHelp {
            if let Some(t) = ctx.find_work_deeper(level) {
                if !ctx.stack_has_room() {
                    // No room for it on this stack: set this wait aside and run it on another.
                    let deep = t.level;
                    ctx.keep(t);
                    if suspend(ctx, latch, fiber_main) {
                        backoff.reset();
                        continue;
                    }
                    crate::error::fatal(
                        "torc_waitall",
                        format_args!(
                            "tasks nest too deeply for this thread's stack (level {}); raise \
                             the stack limit (ulimit -s) or use more workers",
                            deep
                        ),
                    );
                }
                run_inline(ctx, t);
                backoff.reset();
                continue;
            }
            if mode == WaitMode::HelpUntilIdle {
                return;
            }
        }
        match node.poll_net() {
            (_, Some(t)) => {
                // Run it here only if it is nested deeper (see `find_work_deeper`).
                if mode != WaitMode::NoHelp && t.level > level && ctx.stack_has_room() {
                    node.leaving_engine();
                    run(ctx, t);
                } else {
                    node.enqueue(Some(ctx), t, To::Anyone);
                }
                backoff.reset();
                continue;
            }
            (true, None) => {
                backoff.reset();
                continue;
            }
            (false, None) => {}
        }
        if mode == WaitMode::Help
            && ctx.fibers.enabled()
            && (ctx.sees_work() || ctx.fibers.any_ready())
        {
            // Work this wait may not run on its own stack (shallower tasks), or another wait
            // that is over: set this wait aside on its stack and go on with that.
            if registered.is_none() {
                *registered = Some(register_wait(ctx, latch.awaits()));
            }
            if suspend(ctx, latch, fiber_main) {
                backoff.reset();
                continue;
            }
        }
        if !backoff.snooze() {
            continue;
        }
        if registered.is_none() {
            *registered = Some(register_wait(ctx, latch.awaits()));
        }
        if !latch.sleep_begin(ctx.index) {
            let t0 = if trace::on() { trace::now() } else { 0 };
            let nap = latch
                .nap()
                .map_or(node.config.yield_time, |n| n.min(node.config.yield_time));
            if mode == WaitMode::NoHelp {
                node.sleep.park_alone(nap);
            } else {
                node.going_idle();
                node.sleep.sleep(ctx.index, nap, || {
                    !latch.is_done() && !ctx.sees_work() && !ctx.fibers.any_ready()
                });
            }
            if t0 != 0 {
                record_idle(t0);
            }
        }
        latch.sleep_end(ctx.index);
        backoff.reset();
    }
}

/// Registers a wait of worker `ctx`'s current task for the state report.
#[cold]
fn register_wait(ctx: &WorkerCtx, awaits: Awaits) -> usize {
    // SAFETY: the current task is alive while it runs (waits) on this thread.
    let (func, level) = unsafe { ctx.current().as_ref() }.map_or((0, 0), |t| (t.func, t.level));
    ctx.shared().activity.wait_begin(Waiting {
        func,
        level,
        awaits,
        since: std::time::Instant::now(),
    })
}

/// Records an idle span from `t0` to now on the calling thread's trace lane.
#[cold]
fn record_idle(t0: u64) {
    trace::push(trace::Record::span(trace::Kind::Idle, t0, trace::now()));
}

impl WorkerCtx {
    /// The worker loop: run tasks until the node terminates. It runs on the thread's own stack
    /// and on every fiber of the worker (`suspend.rs`); between tasks it continues a suspended
    /// wait that is over, if any.
    pub(crate) fn run_loop(&self) {
        self.run_loop_until(&|| false)
    }

    /// [`run_loop`](Self::run_loop), which also ends (between tasks) once `stop()` holds;
    /// `stop` is asked whenever the worker looks for work, at least every `TORC_YIELDTIME`.
    pub(crate) fn run_loop_until(&self, stop: &dyn Fn() -> bool) {
        let node = self.node;
        let mut backoff = Backoff::new();
        loop {
            resume_ready(self);
            if let Some(t) = self.find_work() {
                run(self, t);
                backoff.reset();
                continue;
            }
            if node.terminating() || stop() {
                if !leave_fiber(self) {
                    break;
                }
                continue;
            }
            match node.poll_net() {
                (_, Some(t)) => {
                    node.leaving_engine();
                    run(self, t);
                    backoff.reset();
                    continue;
                }
                (true, None) => {
                    // Messages moved but brought no task: keep driving while they move, without
                    // starting the back-off over (steal traffic of an idle job would keep the
                    // worker spinning).
                    continue;
                }
                (false, None) => {}
            }
            if backoff.snooze() {
                node.going_idle();
                let t0 = if trace::on() { trace::now() } else { 0 };
                node.sleep.sleep(self.index, node.config.yield_time, || {
                    !self.sees_work() && !node.terminating() && !self.fibers.any_ready() && !stop()
                });
                if t0 != 0 {
                    record_idle(t0);
                }
                // No reset: after a park in which nothing came, look once and park again
                // instead of spinning anew (an idle node costs a look per TORC_YIELDTIME);
                // finding work above starts the back-off over.
            }
        }
    }
}

/// Where a fiber of a worker starts (see `suspend.rs`): the worker loop, on the worker `arg`
/// points to.
extern "C" fn fiber_main(arg: usize) -> ! {
    // SAFETY: `arg` is the address of the worker context that made this fiber (`suspend`
    // passes it); the context outlives its fibers.
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
