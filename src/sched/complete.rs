//! Completing a task with a result, a failure or a callback, on its home node (out of line:
//! the path of plain tasks stays as it was).
//!
//! Order, for a task with a future: the outcome is stored, the callback runs (on a worker of
//! the home node, as a task counted in the parent's latch in place of the finished one, so it
//! may create tasks and the parent's wait covers it; an *inline* callback, brief and creating
//! no task, runs where the completion arrives instead), then the event is set (waking the
//! handle's waiter and telling an `as_completed` listener), and only then is the parent's
//! latch signalled. A task without a future hands its failures to its parent: they are filed
//! under the parent's latch (`failures.rs`), where a scope, or the parent's own end, takes
//! them. Last, the parent's latch is signalled ([`signal`]).
//!
//! Nothing here runs or waits for a task: a task that finished on its worker is completed by
//! `run.rs`, which waits for a callback's children itself.

use super::node::{Node, To};
use super::worker::{current_task, current_worker, WorkerCtx};
use crate::sync::latch::Latch;
use crate::task::arglist::Arg;
use crate::task::callway::CallWay;
use crate::task::descriptor::{flags, Task};
use crate::task::failure::Failure;
use crate::task::future::{FutureCell, Outcome};
use crate::task::pool;
use crate::task::value::Value;
use std::sync::Arc;

/// Takes the failures filed under `task`'s latch (its children's) into its own.
#[cold]
pub(super) fn collect(node: &Node, task: &mut Task) {
    let mut f = node.failures.take(&task.latch);
    if !f.is_empty() {
        task.failures.append(&mut f);
        task.mark_extended();
    }
}

/// The outcome a task's result or failures make.
fn outcome_of(output: Value, failures: Vec<Failure>) -> Outcome {
    if failures.is_empty() {
        Outcome::Ready(output)
    } else {
        Outcome::Failed(failures)
    }
}

/// Sets the event of `cell` and wakes whoever waits on it.
pub(super) fn publish(node: &Node, cell: &FutureCell) {
    if let Some(w) = cell.event.set() {
        node.sleep.wake(w);
    }
    if let Some(w) = cell.notify_listener() {
        node.sleep.wake(w);
    }
}

/// Runs the callback of `cell` from the running task (whose failures get the callback's).
pub(super) fn run_callback(cell: &Arc<FutureCell>, task: *mut Task) {
    // SAFETY: the completer is the only one to touch the callback, before the event is set.
    if let Some(cb) = unsafe { cell.take_callback() } {
        if let Some(f) = cb(cell) {
            // SAFETY: `task` is the task running on this thread.
            unsafe {
                (*task).failures.push(f);
                (*task).mark_extended();
            }
        }
    }
}

/// Stores the outcome of `task`, which has a future and finished on its home node: its
/// result, or its failures. Returns the future's cell, whose callback (if any) runs next, then
/// [`publish`]: see `run.rs`.
pub(super) fn store_outcome(task: &mut Task) -> Option<Arc<FutureCell>> {
    let cell = task.future.take()?;
    let outcome = if task.failures.is_empty() {
        Outcome::Ready(std::mem::take(&mut task.output))
    } else {
        Outcome::Failed(std::mem::take(&mut task.failures))
    };
    // SAFETY: this thread completes the task, once, before the event is set.
    unsafe { cell.put(outcome) };
    Some(cell)
}

/// Files the failures of a finished task (without a future), if any, under its parent's
/// latch.
#[cold]
pub(super) fn hand_up(node: &Node, parent: *const Latch, failures: &mut Vec<Failure>) {
    if !failures.is_empty() {
        node.failures.record(parent, std::mem::take(failures));
    }
}

/// The body of a callback task: runs the callback of the cell its word holds, then publishes.
extern "C" fn callback_task(word: usize) {
    // SAFETY: the word is the reference `complete_away` turned into a raw pointer, handed
    // over to this task exactly once.
    let cell = unsafe { Arc::from_raw(word as *const FutureCell) };
    run_callback(&cell, current_task());
    if let Some(node) = current_worker().map(|c| c.node) {
        publish(node, &cell);
    }
}

impl Node {
    /// A task of this node that ran elsewhere completed with `output` and `failures`: settle
    /// its future (if it has one), run its callback (as a task, see above) and signal `latch`.
    /// `level` is the task's nesting level.
    ///
    /// # Safety
    /// `latch` must be the live parent latch of that task, not yet signalled for it.
    pub(crate) unsafe fn complete_away(
        &'static self,
        latch: *const Latch,
        level: u32,
        future: Option<Arc<FutureCell>>,
        output: Value,
        mut failures: Vec<Failure>,
    ) {
        let Some(cell) = future else {
            if !failures.is_empty() {
                hand_up(self, latch, &mut failures);
            }
            // SAFETY: `latch` is the live parent latch of the task, not yet signalled for it
            // (this function's contract).
            unsafe { signal(self, latch) };
            return;
        };
        let outcome = match (failures.is_empty(), output, cell.decode) {
            (true, Value::Bytes(b), Some(decode)) => match decode(b) {
                Ok(v) => Outcome::Ready(v),
                Err(e) => Outcome::Failed(vec![Failure {
                    function: "(result)".into(),
                    node: self.layout.node as u32,
                    worker: u32::MAX,
                    level,
                    message: format!("the result cannot be decoded: {e}"),
                }]),
            },
            (_, output, _) => outcome_of(output, failures),
        };
        // SAFETY: this thread completes the task, once, before the event is set.
        unsafe { cell.put(outcome) };
        // SAFETY: this thread completes the task, and the event is not set yet.
        if !unsafe { cell.has_callback() } {
            publish(self, &cell);
            // SAFETY: `latch` is the live parent latch of the task, not yet signalled for it
            // (this function's contract).
            unsafe { signal(self, latch) };
            return;
        }
        if cell.inline_callback {
            // A brief callback that neither blocks nor creates tasks: run it here, wherever
            // the completion arrived, instead of waiting for a worker to be free for it.
            // SAFETY: the completer is the only one to touch the callback, before the event.
            if let Some(cb) = unsafe { cell.take_callback() } {
                if let Some(f) = cb(&cell) {
                    hand_up(self, latch, &mut vec![f]);
                }
            }
            publish(self, &cell);
            // SAFETY: `latch` is the live parent latch of the task, not yet signalled for it
            // (this function's contract).
            unsafe { signal(self, latch) };
            return;
        }
        // The callback runs as a task of this node, counted in `latch` in place of the task
        // that finished (so the parent's wait covers the callback and what it creates).
        let mut t = pool::get();
        let word = Arc::into_raw(cell) as usize;
        let f: extern "C" fn(usize) = callback_task;
        t.func = f as usize;
        t.flags = flags::LOCAL | flags::INVISIBLE | flags::ARGS;
        t.home = self.layout.node as u32;
        t.level = level;
        t.parent = latch;
        t.args.push(Arg {
            way: CallWay::Vad,
            count: 0,
            elem_size: 0,
            addr: word,
            offset: 0,
            in_buffer: false,
        });
        self.enqueue(None, t, To::Anyone);
    }
}

/// Signals one completed child to `latch` and wakes its owner if it sleeps on it.
///
/// # Safety
/// `latch` must be the live parent latch of a task that completed and was not signalled yet.
pub(super) unsafe fn signal(node: &Node, latch: *const Latch) {
    // SAFETY: a parent latch outlives its children, and this is the child's single completion
    // (this function's contract).
    if let Some(owner) = unsafe { Latch::complete(latch) } {
        node.sleep.wake(owner);
    }
}

/// As [`signal`], from worker `ctx`'s thread (cheaper when it owns the latch).
///
/// # Safety
/// As for [`signal`].
#[inline]
pub(super) unsafe fn signal_by(ctx: &WorkerCtx, latch: *const Latch) {
    // SAFETY: as for `signal` (this function's contract); `ctx.index` is the calling
    // thread's worker.
    if let Some(owner) = unsafe { Latch::complete_by(latch, ctx.index) } {
        ctx.node.sleep.wake(owner);
    }
}
