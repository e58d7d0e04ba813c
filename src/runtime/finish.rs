//! `torc_finalize`: waits until the whole job is quiet, stops every node, prints the
//! statistics when asked and finalizes MPI.

use super::state::{Runtime, FINALIZED, RUNNING};
use crate::comm::termination;
use crate::error::fatal;
use crate::mpi;
use crate::sched::wait::{wait_for, wait_for_detached, WaitMode};
use crate::sched::worker::{current_worker, set_current_task};
use crate::sched::{Node, WorkerCtx};
use std::sync::atomic::Ordering;

/// Prints the failures nobody took: of detached tasks, and of tasks whose parents never
/// looked (a C parent cannot), which reached the primary task.
pub(super) fn report_unobserved(node: &Node) {
    for f in node.failures.take_all() {
        eprintln!(
            "torc: node {}: nobody waited for a failed task: {f}",
            node.layout.node
        );
    }
}

/// Stops this node's worker threads 1..W and waits for them.
pub(super) fn stop_workers(node: &Node) {
    node.terminate();
    for h in Runtime::get().threads.lock().drain(..) {
        let _ = h.join();
    }
}

/// Stops the communication thread once everything is sent, and withdraws the posted receives.
pub(super) fn stop_comm() {
    let rt = Runtime::get();
    let Some(comm) = rt.comm() else { return };
    comm.stop();
    if let Some(h) = rt.comm_thread.lock().take() {
        let _ = h.join();
    }
    // Nothing more will arrive: withdraw the posted receives before MPI shuts down.
    comm.close();
}

/// `torc_finalize`: waits for all outstanding work on every node, stops every node, prints
/// statistics when asked and finalizes MPI. A second call is a no-op.
pub(crate) fn finalize() {
    let rt = Runtime::get();
    match rt.state() {
        RUNNING => {}
        FINALIZED => return,
        _ => fatal("torc_finalize", format_args!("called before torc_init")),
    }
    let ctx0 = rt.worker0.load(Ordering::Acquire);
    let primary = rt.primary.load(Ordering::Acquire);
    let ctx: &WorkerCtx = match current_worker() {
        Some(c) if std::ptr::eq(c, ctx0) && c.current() == primary && !primary.is_null() => c,
        Some(c) if !c.current().is_null() => fatal(
            "torc_finalize",
            format_args!(
                "called from inside a task (level {}, node {}); only the primary task may call it",
                // SAFETY: the current task is alive while it runs on this thread, which is now.
                unsafe { (*c.current()).level },
                c.node.layout.node
            ),
        ),
        _ => fatal(
            "torc_finalize",
            format_args!("must be called by the primary task (the thread that called torc_init)"),
        ),
    };
    let node = ctx.node;
    // SAFETY: the primary task lives until the end of this function.
    wait_for(ctx, unsafe { &(*primary).latch }, 0, WaitMode::Help);
    wait_for_detached(ctx);
    // Every task of this node is done: the watchdog and the progress line stop here, before
    // the other nodes are told to end (they would not answer any more).
    super::diag::stop(rt.diag.lock().take());
    let nodes = node.layout.nodes();
    if let Some(comm) = rt.comm() {
        termination::quiesce(ctx, comm);
        super::signals::ending();
        termination::terminate_others(comm);
    }
    super::signals::ending();
    stop_workers(node);
    report_unobserved(node);
    let mut lines = vec![node.stats_line()];
    if let Some(comm) = rt.comm() {
        lines.extend(termination::collect_stats(ctx, comm));
    }
    stop_comm();
    if node.config.stats {
        for l in &lines {
            eprintln!("{l}");
        }
    }
    if let (Some(t), Some(w)) = (rt.tracing.get(), rt.world.get()) {
        super::trace::finish(t, node, w);
    }
    rt.state.store(FINALIZED, Ordering::Release);
    set_current_task(std::ptr::null_mut());
    WorkerCtx::leave();
    // Nobody may find them any more once they are freed.
    rt.primary.store(std::ptr::null_mut(), Ordering::Release);
    rt.worker0.store(std::ptr::null_mut(), Ordering::Release);
    // SAFETY: both were allocated in `init`; no thread uses them any more.
    unsafe {
        drop(Box::from_raw(primary));
        drop(Box::from_raw(ctx0));
    }
    if let Some(w) = rt.world.get() {
        if nodes > 1 {
            mpi::barrier(w);
        }
        mpi::finalize(w);
    }
}
