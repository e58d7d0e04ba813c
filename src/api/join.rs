//! `join(a, b)`: two closures, potentially in parallel, as rayon's `join`: `b` becomes a task
//! of this node (another worker may take it), `a` runs on the calling thread, then the caller
//! waits for `b` (running other tasks meanwhile).

use super::error::misuse;
use super::place::{spawn_closure, Closure};
use crate::sched::spawn::Extra;
use crate::sched::wait::{wait_for, WaitMode};
use crate::sched::worker::{current_task, current_worker};
use crate::sync::latch::Latch;

/// Runs `a` and `b`, potentially in parallel, and returns both results. Outside a task of a
/// running runtime both run here, one after the other. A panic in either is resumed here once
/// both have finished (as in rayon).
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let Some(ctx) = current_worker().filter(|_| !current_task().is_null()) else {
        return (a(), b());
    };
    let mut rb: Option<std::thread::Result<RB>> = None;
    let slot = &mut rb;
    let latch = Latch::new();
    latch.set_owner(ctx.index);
    let job: Closure<'_> = Box::new(move || {
        *slot = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(b)));
    });
    // SAFETY: this worker owns `latch` and waits on it below, whatever `a` does, before
    // this frame goes.
    let counted = unsafe { Extra::counted_in(&latch) };
    spawn_closure(job, Some(counted)).unwrap_or_else(|e| misuse("torc::api::join", e));
    let ra = std::panic::catch_unwind(std::panic::AssertUnwindSafe(a));
    // SAFETY: the current task is alive while it runs on this thread.
    let level = unsafe { (*current_task()).level };
    // `b` borrows this frame: wait for it whatever `a` did.
    wait_for(ctx, &latch, level, WaitMode::Help);
    let rb = rb.expect("join: the second closure ran");
    match (ra, rb) {
        (Ok(ra), Ok(rb)) => (ra, rb),
        (Err(p), _) | (_, Err(p)) => std::panic::resume_unwind(p),
    }
}
