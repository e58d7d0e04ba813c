//! Where a task of the Rust API goes ([`Place`]) and its creation: the typed arguments
//! described, trusted and handed to the runtime; closures run as tasks of this node.

use super::arity::{guarded, ArgList, Args, TaskFn};
use super::error::{misuse, Error};
use super::run::running_node;
use crate::sched::spawn::Extra;
use crate::sched::worker::current_worker;
use crate::task::descriptor::flags;
use crate::task::future::FutureCell;
use crate::task::CArg;
use std::sync::Arc;

/// Where a task goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Round-robin over all workers of the job (TORC's `qid == -1`).
    Any,
    /// The node of this global worker (that node's other workers may take it too).
    Worker(usize),
}

/// TORC's `qid` for `place`, or why there is none.
#[inline]
pub(super) fn qid_of(place: Place) -> Result<i32, Error> {
    let Place::Worker(w) = place else {
        return Ok(-1);
    };
    let node = running_node().ok_or(Error::NotRunning)?;
    if w < node.layout.total {
        Ok(w as i32)
    } else {
        Err(Error::NoSuchWorker {
            worker: w,
            workers: node.layout.total,
        })
    }
}

/// Creates a task of `F` with `args` at `place` (`api` names the caller, for misuse; `bits`
/// are the task's flags, `future` the cell of its handle). The arguments borrow for `'s`: the
/// callers are the scope, which waits for its tasks before `'s` ends, and the functions that
/// take only `'static` arguments ([`CopiedArgs`](super::CopiedArgs) for detached tasks).
pub(super) fn create<'s, A: Args<'s>, R, F: TaskFn<A::Kinds, R>>(
    api: &str,
    place: Place,
    bits: u8,
    _f: F,
    args: A,
    future: Option<Arc<FutureCell>>,
) {
    if !crate::runtime::is_running() {
        misuse(api, Error::NotRunning);
    }
    let qid = qid_of(place).unwrap_or_else(|e| misuse(api, e));
    let mut cargs = ArgList::new();
    args.describe(&mut cargs).unwrap_or_else(|e| misuse(api, e));
    let input = args.payload().0;
    // SAFETY: the descriptions are those of `args` (byte data of `Data` values, `describe`'s
    // work), borrowed for `'s`, which outlives the task (see above); copied ones need live
    // only during this call.
    let cargs = unsafe { cargs.trusted() };
    if input.is_empty() && future.is_none() {
        crate::runtime::create_task(api, qid, bits, F::trampoline(), cargs);
        return;
    }
    let extra = Extra::new(input, future);
    crate::runtime::create_with(api, qid, bits, F::trampoline(), cargs, extra);
}

pub(super) type Closure<'a> = Box<dyn FnOnce() + Send + 'a>;

extern "C" fn run_closure(word: usize) {
    // SAFETY: the word is the Box created in `spawn_closure`, handed over exactly once.
    let c: Box<Closure<'static>> = unsafe { Box::from_raw(word as *mut Closure<'static>) };
    guarded::<Closure<'static>>(c);
}

/// Creates a task running closure `c` on this node (counted in the latch of `parent` when
/// given, else in the calling task).
pub(super) fn spawn_closure(c: Closure<'_>, parent: Option<Extra>) -> Result<(), Error> {
    let node = running_node().ok_or(Error::NotRunning)?;
    let ctx = current_worker().ok_or(Error::NotInTask)?;
    let boxed: Box<Closure<'_>> = Box::new(c);
    let word = Box::into_raw(boxed) as usize;
    let byte = crate::mpi::datatype::byte_type();
    let mut cargs = ArgList::new();
    cargs.push(CArg::new(1, byte, 6, word as *mut libc::c_void));
    // SAFETY: one VAD word, the closure's box: it promises no memory.
    let cargs = unsafe { cargs.trusted() };
    // Named to this very worker: it stays in this node (other local workers may take it) and
    // the LOCAL flag keeps other nodes from stealing it.
    let own = node.layout.global(ctx.index) as i32;
    let f: extern "C" fn(usize) = run_closure;
    match parent {
        Some(extra) => {
            let api = "torc::join";
            crate::runtime::create_with(api, own, flags::LOCAL, f as usize, cargs, extra)
        }
        None => {
            let api = "torc::Scope::spawn_local";
            crate::runtime::create_task(api, own, flags::LOCAL, f as usize, cargs)
        }
    }
    Ok(())
}
