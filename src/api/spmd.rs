//! `spmd(f, args)`: `f(args...)` once on every node at the same time, where it may call MPI
//! on `MPI_COMM_WORLD` (collectives included) while torc's own traffic goes on over its
//! private communicators.
//!
//! Node 0's instance runs on the calling thread (the primary task); every other node's on one
//! of its workers. Under `MPI_THREAD_MULTIPLE` torc keeps communicating meanwhile; under
//! `MPI_THREAD_SERIALIZED` it first sends what it has queued, then keeps all of its own MPI
//! calls out of the way until `f` returns (so `f` must not wait for tasks of other nodes
//! then). Every node's workers should be free to take their instance: an instance waits at
//! its first collective for the others.

use super::arity::{ArgList, Args, TaskFn};
use super::error::misuse;
use super::error::{failed, Error};

/// Runs `f(args...)` on every node at once and returns when every instance has returned:
/// `Err` names the instances that panicked. Arguments are inputs only ([`In`](super::In),
/// [`Borrow`](super::Borrow)), sent to every node.
///
/// # Panics
/// Outside the primary task of a running runtime, or with an output argument.
pub fn spmd<'a, A: Args<'a>, F: TaskFn<A::Kinds>>(f: F, args: A) -> Result<(), Error> {
    let _ = f;
    const API: &str = "torc::api::spmd";
    if !crate::runtime::is_running() {
        misuse(API, Error::NotRunning);
    }
    let mut cargs = ArgList::new();
    args.describe(&mut cargs).unwrap_or_else(|e| misuse(API, e));
    for (i, a) in cargs.as_slice().iter().enumerate() {
        if a.callway == 2 || a.callway == 3 {
            misuse(
                API,
                Error::Config(format!("argument {i} is an output; spmd takes inputs only")),
            );
        }
    }
    if crate::sched::worker::current_worker().is_none()
        || crate::sched::worker::current_task().is_null()
    {
        misuse(API, Error::NotInTask);
    }
    // SAFETY: the descriptions of `args` (byte data of `Data` values), inputs only, borrowed
    // for this call, which returns once every instance ran.
    let cargs = unsafe { cargs.trusted() };
    let failures = crate::runtime::spmd(API, F::trampoline(), cargs);
    match failed(failures) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
