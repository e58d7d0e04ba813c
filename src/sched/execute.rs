//! Running one task: call its function, wait for the children it left, signal its parent.

use super::latch::Latch;
use super::registry::Node;
use super::wait::{wait_for, WaitMode};
use super::worker::{set_current_task, WorkerCtx};
use crate::task::{call, pool, TaskRef, MAX_ARGS};

/// Runs `t` on the calling thread (`ctx` is `None` for direct tasks on non-worker threads).
pub fn execute(ctx: Option<&WorkerCtx>, t: TaskRef) {
    let p = t.as_ptr();
    // SAFETY: `t` owns the descriptor; nobody else touches it while it runs (its children only
    // reach its latch, atomically).
    let task = unsafe { &mut *p };
    if let Some(ctx) = ctx {
        task.latch.set_owner(ctx.index);
    }
    let n = task.args.len();
    let mut buf = [std::mem::MaybeUninit::<usize>::uninit(); MAX_ARGS];
    for (w, a) in buf.iter_mut().zip(task.args.iter()) {
        w.write(a.value);
    }
    // SAFETY: the first `n` words were written just above.
    let words = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const usize, n) };
    let prev = match ctx {
        Some(c) => c.set_current(p),
        None => set_current_task(p),
    };
    // SAFETY: the creator gave a C task function taking `n` pointer arguments; the words are
    // the argument pointers (or VAD words) prepared for it.
    unsafe { call::call(task.func, words) };
    if !task.latch.is_done() {
        // A task is complete only when its children are: wait for any it did not wait for.
        if let Some(ctx) = ctx {
            wait_for(ctx, &task.latch, task.level, WaitMode::Help);
        }
    }
    match ctx {
        Some(c) => c.set_current(prev),
        None => set_current_task(prev),
    };
    if let Some(ctx) = ctx {
        if task.visible() {
            ctx.node.workers[ctx.index].stats.executed.bump();
        }
    }
    let node = match ctx {
        Some(c) => Some(c.node),
        None => Node::get(),
    };
    match node {
        Some(node) if task.home as usize != node.layout.node => {
            // It came from another node: send the completion and the REF/RES data home.
            let msg = crate::comm::wire::encode_done(task);
            let home = task.home as usize;
            // Large write-backs are sent from the task's buffer: keep it until they are out.
            let keep = if msg.blocks.is_empty() {
                recycle(ctx, t);
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
        _ => {
            let parent = task.parent;
            recycle(ctx, t);
            if !parent.is_null() {
                // SAFETY: `parent` is the latch this task was counted in, signalled once here.
                unsafe { signal(parent) };
            }
        }
    }
}

/// Signals one completed child to `latch` and wakes its owner if it sleeps on it.
///
/// # Safety
/// `latch` must be the live parent latch of a task that completed and was not signalled yet.
pub unsafe fn signal(latch: *const crate::sched::latch::Latch) {
    // SAFETY: a parent latch outlives its children; this is the child's single completion.
    if let Some(owner) = unsafe { Latch::complete(latch) } {
        if let Some(node) = Node::get() {
            node.sleep.wake(owner);
        }
    }
}

fn recycle(ctx: Option<&WorkerCtx>, t: TaskRef) {
    match ctx {
        Some(c) => c.pool.put(t),
        None => pool::put(t),
    }
}
