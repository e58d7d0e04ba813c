//! The operations the C ABI (`ffi`) and the Rust API (`api`) call, once they have converted
//! their arguments: each checks that the runtime runs (naming the entry point in its error)
//! and hands the work to the scheduler or the communication layer.

use super::{running_node, Runtime};
use crate::comm::{broadcast, control, steal};
use crate::sched::spawn;
use crate::sched::WorkerCtx;
use crate::task::CArg;
use mpi_sys::MPI_Datatype;
use std::os::raw::c_long;

/// Creates a task of C function `func` with arguments `cargs`; `api` names the entry point
/// called, for error messages; `bits` are the task's flags.
///
/// # Safety
/// Every argument of `cargs` with data describes memory the creator keeps valid as its call-way requires (readable for COP, REF and PTR; writable for REF and RES) until the task completes.
#[inline(always)]
pub(crate) unsafe fn create_task(api: &str, qid: i32, bits: u8, func: usize, cargs: &[CArg]) {
    // The common case, a task creating a child on its worker, needs no look at the state: a
    // worker running a task implies a running runtime.
    // SAFETY (both calls): as our caller guarantees.
    if !unsafe { spawn::create_child(api, qid, bits, func, cargs) } {
        unsafe { spawn::create_other(running_node(api), api, qid, bits, func, cargs) };
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
    // SAFETY: as the caller guarantees.
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
