//! Creating a task: check the request, capture its arguments, count it in its parent's latch,
//! and queue it where placement says (or ship it to the node that runs it).

use super::node::{Node, To};
use super::placement::{self, Target};
use super::run::{execute, run};
use super::worker::{current_task, current_worker, WorkerCtx};
use crate::error::fatal;
use crate::sync::latch::Latch;
use crate::task::args::{capture, TrustedArgs, OUT_OF_LINE};
use crate::task::callway::CallWay;
use crate::task::descriptor::{flags, Task, TaskRef};
use crate::task::future::FutureCell;
use crate::task::pool;
use crate::task::value::Value;
use crate::task::MAX_ARGS;
use std::sync::Arc;

/// What a task may carry besides its C arguments (torc extensions, `complete.rs`).
#[derive(Default)]
pub(crate) struct Extra {
    /// Its opaque input payload.
    pub(crate) input: Value,
    /// The cell its handle reads.
    pub(crate) future: Option<Arc<FutureCell>>,
    /// The latch to count it in instead of the creating task's (see [`Extra::counted_in`]).
    parent: Option<*const Latch>,
}

impl Extra {
    /// A task with the input payload `input` (may be empty) and the future `future`.
    pub(crate) fn new(input: Value, future: Option<Arc<FutureCell>>) -> Extra {
        Extra {
            input,
            future,
            parent: None,
        }
    }

    /// A task counted in `latch` instead of its creator's latch.
    ///
    /// # Safety
    /// `latch` is owned by the calling worker (it waits on it) and outlives the task: its
    /// owner waits for it to be done before it goes.
    pub(crate) unsafe fn counted_in(latch: &Latch) -> Extra {
        Extra {
            parent: Some(latch),
            ..Extra::default()
        }
    }
}

/// Creates a child of the task running on the calling worker, the common case, and returns
/// true; returns false (doing nothing) when the caller is not a worker running a task, or asks
/// for a detached or direct task: then the runtime checks that it runs and calls
/// [`create_other`]. `api` names the C function called, for error messages; `flag_bits` are
/// [`flags`].
#[inline(always)]
pub(crate) fn create_child(
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
) -> bool {
    child::<false>(api, qid, flag_bits, func, cargs, &mut None, None)
}

/// As [`create_child`], for a task whose only extra is the future `cell` (the task takes a
/// reference of it): the path of `torc_task_future`. Returns false, doing nothing, in the
/// cases [`create_with`] takes.
#[inline(never)]
pub(crate) fn create_child_future(
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
    cell: &Arc<FutureCell>,
) -> bool {
    child::<false>(api, qid, flag_bits, func, cargs, &mut None, Some(cell))
}

/// As [`create_child`], for a task that carries `extra` (a future, an input payload): takes
/// it when it returns true; returns false, leaving `extra` untouched, in the cases
/// [`create_with`] takes (not a worker's task, detached or direct, a parent latch of its own).
#[inline(never)]
pub(crate) fn create_child_with(
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
    extra: &mut Option<Extra>,
) -> bool {
    child::<true>(api, qid, flag_bits, func, cargs, extra, None)
}

/// The body of [`create_child`], [`create_child_future`] and [`create_child_with`]
/// (`EXTRA`: `extra` may hold something; without, the code for it is left out).
#[inline(always)]
fn child<const EXTRA: bool>(
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
    extra: &mut Option<Extra>,
    future: Option<&Arc<FutureCell>>,
) -> bool {
    debug_assert!(cargs.len() <= MAX_ARGS);
    let Some(ctx) = current_worker() else {
        return false;
    };
    let cur = ctx.current();
    if cur.is_null() || flag_bits & (flags::DETACHED | flags::DIRECT) != 0 {
        return false;
    }
    if EXTRA && extra.as_ref().is_some_and(|e| e.parent.is_some()) {
        return false;
    }
    // SAFETY: the current task is alive while it runs on this thread, which is now.
    let cur = unsafe { &*cur };
    let node = ctx.node;
    check(api, node, qid, func);
    let mut task = ctx.pool.get_for(cargs.len());
    fill(api, node, &mut task, cur.level + 1, flag_bits, func, cargs);
    if EXTRA {
        if let Some(e) = extra.take() {
            if !e.input.is_empty() {
                task.input = e.input;
            }
            task.future = e.future;
            task.mark_extended();
        }
    }
    if let Some(cell) = future {
        task.future = Some(cell.clone());
        task.mark_extended();
    }
    let tgt = placement::target(&node.layout, qid, ctx.index, Some(cur), &node.rr_next);
    if tgt.named {
        pin(&mut task);
    }
    if task.visible() {
        ctx.shared().stats.created.bump();
    }
    cur.latch.add_child();
    task.parent = &cur.latch;
    if tgt.node != node.layout.node {
        ship(api, node, task, tgt.node, tgt.named.then_some(tgt.worker));
    } else if !EXTRA && future.is_none() && !tgt.named && throttle(ctx, cur, task.level) {
        run(ctx, task);
    } else {
        node.enqueue(Some(ctx), task, destination(tgt));
    }
    true
}

/// Whether a new task of `level`, created by `cur` on worker `ctx` for any worker, runs at
/// once in its creator instead of being queued ("throttling", as TORC's
/// `TORC_THROTTLING_FACTOR` and gcc's OpenMP runtime do): when the creator's own queue already
/// holds [`Node::throttle_depth`] tasks of that level, the other workers have plenty to take,
/// and running this one here costs no queue traffic and no cache misses on a cold descriptor
/// (a loop creating 200,000 tasks then touches a few hundred descriptors, not 200,000).
/// Never with one worker (a level's tasks then run in creation order), for an `spmd`
/// instance, or without room on the stack for one more nested task.
#[inline]
fn throttle(ctx: &WorkerCtx, cur: &Task, level: u32) -> bool {
    let depth = ctx.node.throttle_depth;
    depth != 0
        && ctx.queues.len_at(level) >= depth
        && cur.flags & flags::SPMD == 0
        && ctx.stack_has_room()
}

/// Every other case: detached and direct tasks, and creations by threads that run no task
/// (kept out of line, so that the common case stays small).
#[inline(never)]
pub(crate) fn create_other(
    node: &'static Node,
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
) {
    create_with(node, api, qid, flag_bits, func, cargs, Extra::default())
}

/// Creates a task that carries `extra` (an input payload, a future, a parent latch of its
/// own), or any task [`create_child`] does not take.
#[inline(never)]
pub(crate) fn create_with(
    node: &'static Node,
    api: &str,
    qid: i32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
    extra: Extra,
) {
    check(api, node, qid, func);
    let ctx = current_worker();
    let cur = match ctx {
        Some(c) => c.current(),
        None => current_task(),
    };
    let detached = flag_bits & flags::DETACHED != 0;
    let direct = flag_bits & flags::DIRECT != 0;
    // A task with a future may come from any thread: its handle is how it is awaited, and the
    // node counts it (below) so that the job waits for it too.
    let awaited_by_handle = extra.future.is_some();
    if !detached && !direct && !awaited_by_handle && (ctx.is_none() || cur.is_null()) {
        fatal(
            api,
            format_args!("called outside a task (this thread is not a torc worker)"),
        );
    }
    // SAFETY: the current task is alive while it runs on this thread, which is now.
    let cur_ref = unsafe { cur.as_ref() };
    let mut task = match ctx {
        Some(c) => c.pool.get_for(cargs.len()),
        None => pool::get(),
    };
    let level = cur_ref.map_or(1, |c| c.level + 1);
    fill(api, node, &mut task, level, flag_bits, func, cargs);
    if !extra.input.is_empty() || extra.future.is_some() {
        task.input = extra.input;
        task.future = extra.future;
        task.mark_extended();
    }

    let own = ctx.map_or(0, |c| c.index);
    let tgt = placement::target(&node.layout, qid, own, cur_ref, &node.rr_next);
    if tgt.named {
        pin(&mut task);
    }
    let local = tgt.node == node.layout.node;
    if task.visible() {
        match ctx {
            Some(c) => c.shared().stats.created.bump(),
            None => node.stats.created_elsewhere.add(1),
        }
    }
    if direct && local {
        // A local direct task runs at once, outside the queues, and is complete on return.
        if let Some(p) = extra.parent {
            // SAFETY: a latch given to `Extra::counted_in`: live until the task is done.
            unsafe { (*p).add_child() };
            task.parent = p;
        }
        execute(node, ctx, task);
        return;
    }
    // Count the task where its completion will be awaited: the creating task, or the node
    // (detached work, and direct work or a task with a future created by a thread that runs
    // no task).
    match cur_ref {
        Some(_) if !detached && ctx.is_some() && extra.parent.is_some() => {
            let p = extra.parent.expect("checked");
            // SAFETY: a latch given to `Extra::counted_in`: live until the task is done, and
            // owned by this worker.
            unsafe { (*p).add_child() };
            task.parent = p;
        }
        Some(c) if !detached && ctx.is_some() => {
            c.latch.add_child();
            task.parent = &c.latch;
        }
        _ => {
            node.detached.add_child_shared();
            task.parent = &node.detached;
        }
    }
    if local {
        node.enqueue(ctx, task, destination(tgt));
    } else {
        ship(api, node, task, tgt.node, tgt.named.then_some(tgt.worker));
    }
}

/// The queue of a local target: the named worker's, else the creator's own.
#[inline(always)]
fn destination(tgt: Target) -> To {
    if tgt.named {
        To::Worker(tgt.worker)
    } else {
        To::Here
    }
}

/// A task placed on a named worker runs on that worker's node: no steal may move it.
#[inline]
fn pin(task: &mut TaskRef) {
    task.flags |= flags::LOCAL;
}

/// Refuses a NULL function or a `qid` outside `[-1, workers - 1]`.
#[inline]
fn check(api: &str, node: &Node, qid: i32, func: usize) {
    if func == 0 {
        bad_request(api, node, qid, func);
    }
    // One comparison for both bounds: -1 maps to 0, anything below to a huge value.
    if (qid as i64 + 1) as u64 > node.layout.total as u64 {
        bad_request(api, node, qid, func);
    }
}

#[cold]
#[inline(never)]
fn bad_request(api: &str, node: &Node, qid: i32, func: usize) -> ! {
    if func == 0 {
        fatal(api, format_args!("the task function is NULL"));
    }
    let total = node.layout.total;
    fatal(
        api,
        format_args!("qid = {qid} is out of range [-1, {}]", total - 1),
    );
}

/// Fills a clean descriptor: function, flags, origin, level and the captured arguments.
#[inline]
fn fill(
    api: &str,
    node: &Node,
    task: &mut TaskRef,
    level: u32,
    flag_bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
) {
    task.func = func;
    task.flags = flag_bits;
    task.home = node.layout.node as u32;
    task.level = level;
    if !cargs.is_empty() {
        capture_args(api, task, cargs);
    }
}

/// Records the arguments (copying COP data) and computes the words the function gets.
fn capture_args(api: &str, task: &mut TaskRef, cargs: TrustedArgs<'_>) {
    let t: &mut Task = task;
    t.mark_args();
    if let Err(e) = capture(cargs, &mut t.args, &mut t.buf) {
        fatal(api, format_args!("{e}"));
    }
}

/// Copies the large REF/PTR data of a task that nobody waits for (detached work, direct tasks
/// sent by threads that run no task) into its buffer: large blocks are sent from where they
/// are, after the creation returned, and only a waiting creator keeps its memory alive until
/// then. (Smaller data is copied into the message during the creation itself; REF results
/// still go back to the creator's address, as before.)
#[cold]
fn copy_borrowed_blocks(task: &mut TaskRef) {
    let t: &mut Task = task;
    for a in t.args.iter_mut() {
        let borrowed = matches!(a.way, CallWay::Ref | CallWay::Ptr) && !a.in_buffer;
        if borrowed && a.count > 0 && a.bytes() >= OUT_OF_LINE {
            // SAFETY: the record was captured from `TrustedArgs` (REF and PTR data readable
            // at `addr`, checked non-NULL at capture) and the creating call has not returned.
            let src = unsafe { std::slice::from_raw_parts(a.addr as *const u8, a.bytes()) };
            a.offset = t.buf.push_bytes(src);
            a.in_buffer = true;
        }
    }
}

/// Sends a new task to node `dest` (for its worker `worker` when one was named): one message
/// with its arguments' data.
#[inline(never)]
fn ship(api: &str, node: &'static Node, mut task: TaskRef, dest: usize, worker: Option<usize>) {
    if std::ptr::eq(task.parent, &node.detached) {
        // Nobody waits for it, so the creator's memory may be gone before the send reads it.
        copy_borrowed_blocks(&mut task);
    }
    let net = node.net.expect("a task for another node implies a network");
    if let Err(e) = net.ship(node, task, dest, worker) {
        fatal(api, format_args!("{e}"));
    }
}
