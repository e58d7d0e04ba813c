//! Calling a task's function with its argument words (an `spmd` instance's while torc's own
//! MPI calls keep out of its way).

use super::worker::current_worker;
use crate::task::call;
use crate::task::descriptor::{flags, Task};
use crate::task::MAX_ARGS;

/// Calls the task's function with its argument words.
#[inline]
pub(super) fn call_task(task: &Task) {
    if task.flags & flags::SPMD != 0 {
        return call_spmd(task);
    }
    call_words(task);
}

/// An `spmd` instance: called while torc's MPI calls keep out of its way.
#[cold]
fn call_spmd(task: &Task) {
    match current_worker() {
        Some(c) => c.node.exclusive(&mut || call_words(task)),
        None => call_words(task),
    }
}

/// Calls the function with the words.
#[inline]
fn call_words(task: &Task) {
    debug_assert!(task.flags & flags::ARGS != 0 || task.args.is_empty());
    // Without flags::ARGS there are no records: not even their length is read (line 2).
    let n = if task.flags & flags::ARGS != 0 {
        task.args.len()
    } else {
        0
    };
    if n == 0 {
        // SAFETY: the creator gave a C task function taking no arguments.
        unsafe { call::call0(task.func) };
        return;
    }
    let base = task.buf.base_ptr();
    let mut buf = [std::mem::MaybeUninit::<usize>::uninit(); MAX_ARGS];
    for (w, a) in buf.iter_mut().zip(task.args.iter()) {
        w.write(a.word(base));
    }
    // SAFETY: the first `n` words were written just above.
    let words = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const usize, n) };
    // SAFETY: the creator gave a C task function taking `n` pointer arguments; the words are
    // the argument pointers (or VAD words) prepared for it.
    unsafe { call::call(task.func, words) };
}
