//! Waiting for children: the waiting worker runs other tasks meanwhile, then parks.

use super::enqueue::To;
use super::execute::{run, run_inline};
use super::worker::WorkerCtx;
use crate::sync::backoff::Backoff;
use crate::sync::latch::Latch;

/// How a wait behaves while children are outstanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitMode {
    /// `torc_waitall`: run other tasks until the children are done.
    Help,
    /// `torc_waitall2`: as `Help`, but also return when the node has no queued work.
    HelpUntilIdle,
    /// `torc_waitall3`: do not run other tasks.
    NoHelp,
}

/// Blocks until `latch` is done (or, for `HelpUntilIdle`, the node runs dry). `level` is the
/// nesting level of the waiting task: meanwhile the worker runs only deeper tasks.
pub(crate) fn wait_for(ctx: &WorkerCtx, latch: &Latch, level: u32, mode: WaitMode) {
    let node = ctx.node;
    let mut backoff = Backoff::new();
    loop {
        if latch.is_done() {
            return;
        }
        if mode != WaitMode::NoHelp {
            if let Some(t) = ctx.find_work_deeper(level) {
                if !ctx.stack_has_room() {
                    crate::error::fatal(
                        "torc_waitall",
                        format_args!(
                            "tasks nest too deeply for this thread's stack (level {}); raise \
                             the stack limit (ulimit -s) or use more workers",
                            t.level
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
        if !backoff.snooze() {
            continue;
        }
        if !latch.sleep_begin() {
            if mode == WaitMode::NoHelp {
                node.sleep.park_alone(node.config.yield_time);
            } else {
                node.going_idle();
                node.sleep.sleep(ctx.index, node.config.yield_time, || {
                    !latch.is_done() && !ctx.sees_work()
                });
            }
        }
        latch.sleep_end();
        backoff.reset();
    }
}

/// Blocks until every detached task created on this node completed (worker 0 at shutdown),
/// running other tasks meanwhile.
pub(crate) fn wait_for_detached(ctx: &WorkerCtx) {
    wait_for(ctx, &ctx.node.detached, 0, WaitMode::Help);
}
