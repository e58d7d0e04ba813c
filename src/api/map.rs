//! `map(f, items, chunksize)`: `f` over every item, in chunks of `chunksize` items spread over
//! all workers of all nodes (round robin, as `qid == -1`; stealing applies), results in input
//! order.
//!
//! Each chunk is one task that reads its items where they are ([`Borrow`], `CALL_BY_PTR`: no
//! copy on this node, sent along to another) and writes its results straight into their
//! place in the output ([`Out`], `CALL_BY_RES`: written back from another node).

use super::args::{Borrow, Out};
use super::data::Data;
use super::error::Error;
use super::scope::{conjure, misuse, scope};

/// The task of one chunk: `f` over `items` into `out`.
fn chunk<F: Fn(&T) -> R + Copy, T: Data, R: Data>(items: &[T], out: &mut [R]) {
    let f: F = conjure();
    for (x, y) in items.iter().zip(out.iter_mut()) {
        *y = f(x);
    }
}

/// `f` over every item of `items`, in chunks of `chunksize` items run as tasks over all
/// workers of the job; the results in input order. `f` is a plain `fn` item or a closure that
/// captures nothing (it runs on any node). A panic in `f` makes the call return
/// [`Error::Task`] naming the chunk's task; the other chunks still run.
///
/// # Panics
/// With `chunksize == 0`, or outside a task of a running runtime.
pub fn map<T, R, F>(f: F, items: &[T], chunksize: usize) -> Result<Vec<R>, Error>
where
    T: Data,
    R: Data,
    F: Fn(&T) -> R + Copy + Send + 'static,
{
    let _ = f;
    if chunksize == 0 {
        misuse(
            "torc::api::map",
            Error::Config("chunksize = 0 (at least 1)".into()),
        );
    }
    let n = items.len();
    let mut out: Vec<R> = Vec::with_capacity(n);
    // SAFETY: room for n values; all-zero bytes are a valid Data value (Data is valid for
    // any bytes); every one is overwritten by its chunk's task before it is read.
    unsafe {
        std::ptr::write_bytes(out.as_mut_ptr(), 0, n);
        out.set_len(n);
    }
    let done = scope(|s| {
        for (xs, ys) in items.chunks(chunksize).zip(out.chunks_mut(chunksize)) {
            s.spawn(chunk::<F, T, R>, (Borrow(xs), Out(ys)));
        }
    });
    match done {
        Ok(()) => Ok(out),
        Err(e @ Error::Task(_)) => Err(e),
        Err(other) => misuse("torc::api::map", other),
    }
}
