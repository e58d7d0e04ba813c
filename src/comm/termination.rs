//! Termination detection and shutdown (README.md, "Termination"). Node 0, once its primary
//! task and its own detached work are done, asks every node for its (created, completed)
//! detached-task counters in waves; two successive waves with the same sums, created equal to
//! completed, mean that no task is left anywhere, and node 0 sends TERMINATE. Each node then
//! stops its workers and sends node 0 its statistics line.

use super::state::Comm;
use super::wire::{self, tag};
use crate::sched::run::run;
use crate::sched::wait::wait_for_detached;
use crate::sched::{Node, WorkerCtx};
use crate::sync::backoff;

/// Sums of one wave: (created, completed) detached tasks over all nodes.
pub(super) type Wave = (u64, u64);

/// Whether the job is quiet after wave `now`, given the wave before it: every detached task
/// created has completed, and nothing changed between the two waves.
pub(super) fn quiet(previous: Option<Wave>, now: Wave) -> bool {
    now.0 == now.1 && previous == Some(now)
}

/// Runs local work while waiting for `done` (answers from other nodes); the communication
/// thread receives them.
fn help_until(ctx: &WorkerCtx, mut done: impl FnMut() -> bool) {
    backoff::wait_until(&mut done, || match ctx.find_work() {
        Some(t) => {
            run(ctx, t);
            true
        }
        None => false,
    });
}

/// Node 0: waits until no detached work is left anywhere (waves of QUERY and QUERY_REPLY).
pub(crate) fn quiesce(ctx: &WorkerCtx, comm: &Comm) {
    let node = ctx.node;
    let mut previous = None;
    loop {
        wait_for_detached(ctx);
        comm.awaited.query.lock().iter_mut().for_each(|q| *q = None);
        comm.send_to_others(tag::QUERY, &[]);
        help_until(ctx, || {
            comm.awaited
                .query
                .lock()
                .iter()
                .skip(1)
                .all(Option::is_some)
        });
        let (c, d) = node.detached_counts();
        let mut now = (c as u64, d as u64);
        for (c, d) in comm.awaited.query.lock().iter().skip(1).flatten() {
            now.0 += c;
            now.1 += d;
        }
        if quiet(previous, now) {
            return;
        }
        previous = Some(now);
    }
}

/// Node 0, once quiet: tells every other node to shut down.
pub(crate) fn terminate_others(comm: &Comm) {
    comm.send_to_others(tag::TERMINATE, &[]);
}

/// A node other than 0, shutting down: sends node 0 its statistics line.
pub(crate) fn send_stats(node: &Node, comm: &Comm) {
    comm.outbox
        .send(0, tag::STATS, wire::encode_stats(&node.stats_line()));
}

/// Node 0, shutting down: the statistics lines of the other nodes, in node order, once all
/// arrived.
pub(crate) fn collect_stats(ctx: &WorkerCtx, comm: &Comm) -> Vec<String> {
    let lines = &comm.awaited.stats;
    help_until(ctx, || lines.lock().iter().skip(1).all(Option::is_some));
    lines.lock().iter().skip(1).flatten().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_needs_two_equal_waves_with_everything_completed() {
        assert!(!quiet(None, (5, 5)), "one wave is not enough");
        assert!(quiet(Some((5, 5)), (5, 5)));
        assert!(!quiet(Some((4, 4)), (5, 5)), "work moved between the waves");
        assert!(!quiet(Some((5, 4)), (5, 4)), "a task still runs");
        assert!(
            !quiet(Some((6, 5)), (5, 5)),
            "sums that differ mean a task was created and completed in between"
        );
        assert!(quiet(Some((0, 0)), (0, 0)));
    }
}
