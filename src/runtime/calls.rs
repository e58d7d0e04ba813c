//! The operations the C ABI (`ffi`) and the Rust API (`api`) call, once they have converted
//! their arguments: each checks that the runtime runs (naming the entry point in its error)
//! and hands the work to the scheduler or the communication layer.

use super::state::{running_node, Runtime};
use crate::comm::{broadcast, control, steal};
use crate::error::fatal;
use crate::sched::spawn;
use crate::sched::wait::{wait_for, WaitMode};
use crate::sched::worker::current_worker;
use crate::sched::WorkerCtx;
use crate::sync::latch::Latch;
use crate::task::descriptor::flags;
use crate::task::failure::Failure;
use crate::task::TrustedArgs;
use mpi_sys::MPI_Datatype;
use std::os::raw::c_long;

/// Creates a task of C function `func` with arguments `cargs`; `api` names the entry point
/// called, for error messages; `bits` are the task's flags.
#[inline(always)]
pub(crate) fn create_task(api: &str, qid: i32, bits: u8, func: usize, cargs: TrustedArgs<'_>) {
    // The common case, a task creating a child on its worker, needs no look at the state: a
    // worker running a task implies a running runtime.
    if !spawn::create_child(api, qid, bits, func, cargs) {
        spawn::create_other(running_node(api), api, qid, bits, func, cargs);
    }
}

/// `torc_fetch_work`: makes sure the calling worker's queues hold a task, taking one from
/// another worker or, by stealing, from another node; whether they do.
pub(crate) fn fetch_work(ctx: &WorkerCtx) -> bool {
    if ctx.has_own_work() {
        return true;
    }
    let found = ctx.find_work().or_else(|| {
        let comm = Runtime::get().comm()?;
        steal::fetch_for(ctx, comm)
    });
    match found {
        Some(t) => {
            ctx.keep(t);
            true
        }
        None => false,
    }
}

/// `torc_broadcast` of `count` elements of `dt` at `addr` (checked to lie in a module's data).
///
/// # Safety
/// `dt` is an MPI datatype handle.
pub(crate) unsafe fn broadcast(api: &str, addr: usize, count: c_long, dt: MPI_Datatype) {
    let node = running_node(api);
    // SAFETY: `dt` is a datatype handle (this function's contract).
    unsafe { broadcast::broadcast(node, Runtime::get().comm(), addr, count, dt) };
}

/// Switches inter-node stealing, on every node (`everywhere`, returning once all applied it)
/// or on this one.
pub(crate) fn set_stealing(api: &str, on: bool, everywhere: bool) {
    let node = running_node(api);
    if everywhere {
        control::set_stealing_everywhere(node, Runtime::get().comm(), on);
    } else {
        node.set_stealing(on);
    }
}

/// Zeroes the statistics on every node.
pub(crate) fn reset_statistics(api: &str) {
    let node = running_node(api);
    control::reset_statistics_everywhere(node, Runtime::get().comm());
}

/// Creates a task that carries `extra` (a future, an input payload): the torc extensions.
pub(crate) fn create_with(
    api: &str,
    qid: i32,
    bits: u8,
    func: usize,
    cargs: TrustedArgs<'_>,
    extra: spawn::Extra,
) {
    let mut extra = Some(extra);
    if !spawn::create_child_with(api, qid, bits, func, cargs, &mut extra) {
        let node = running_node(api);
        let extra = extra.expect("left untouched");
        spawn::create_with(node, api, qid, bits, func, cargs, extra);
    }
}

/// `spmd`: runs `func(args...)` once on every node at the same time (here: on the calling
/// thread, as a direct task) and returns once every instance has returned, with the failures
/// of those that failed. Only inputs may be passed (COP/VAL, PTR, VAD); only the primary task
/// may call it (so that two never overlap).
pub(crate) fn spmd(api: &str, func: usize, cargs: TrustedArgs<'_>) -> Vec<Failure> {
    let node = running_node(api);
    for (i, a) in cargs.as_slice().iter().enumerate() {
        let way = match a.callway {
            2 => "CALL_BY_REF",
            3 => "CALL_BY_RES",
            _ => continue,
        };
        fatal(
            api,
            format_args!(
                "argument {i} is passed by {way}; spmd takes inputs only (CALL_BY_COP, \
                 CALL_BY_VAL, CALL_BY_PTR, CALL_BY_VAD)"
            ),
        );
    }
    let ctx = match current_worker() {
        Some(c) if !c.current().is_null() => c,
        _ => fatal(api, format_args!("called outside a task")),
    };
    // SAFETY: the current task is alive while it runs on this thread.
    let level = unsafe { (*ctx.current()).level };
    if node.layout.node != 0 || level != 0 {
        fatal(
            api,
            format_args!(
                "must be called by the primary task (called by a task of level {level} on \
                 node {})",
                node.layout.node
            ),
        );
    }
    let latch = Latch::new();
    latch.set_owner(ctx.index);
    let first = |k: usize| node.layout.first[k] as i32;
    for k in (0..node.layout.nodes()).filter(|&k| k != node.layout.node) {
        // SAFETY: this worker owns `latch` and waits below until every instance is done.
        let extra = unsafe { spawn::Extra::counted_in(&latch) };
        let bits = flags::SPMD | flags::LOCAL;
        spawn::create_with(node, api, first(k), bits, func, cargs, extra);
    }
    // SAFETY: as above (a local direct task even runs to completion inside the call).
    let extra = unsafe { spawn::Extra::counted_in(&latch) };
    let own = node.layout.global(ctx.index) as i32;
    let bits = flags::SPMD | flags::DIRECT | flags::INVISIBLE;
    spawn::create_with(node, api, own, bits, func, cargs, extra);
    wait_for(ctx, &latch, level, WaitMode::Help);
    node.failures.take(&latch)
}
