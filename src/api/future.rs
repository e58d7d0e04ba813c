//! Handles of tasks with a result (PEP 3148's futures): [`Future`] and [`as_completed`].
//!
//! Waiting on a handle inside a task runs other tasks meanwhile, as waiting for a scope does
//! (deeper tasks only, TORC's rule); outside any worker the thread naps between looks.

use super::codec::{self, Codec};
use super::error::{failed, Error};
use crate::sched::wait::{wait_here, wait_here_until};
use crate::sched::worker::current_worker;
use crate::task::future::{FutureCell, Listener, Outcome};
use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The handle of a task created with [`Scope::submit`](super::Scope::submit): whether it is
/// done, its result, or the error of its failure. Handles stay on the node that created the
/// task.
pub struct Future<R: Codec> {
    /// Released (for reuse) when the handle goes away.
    cell: std::mem::ManuallyDrop<Arc<FutureCell>>,
    /// A callback's view of the handle: it may read the result but never take it.
    borrowed: bool,
    _r: PhantomData<fn() -> R>,
}

impl<R: Codec> std::fmt::Debug for Future<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Future<{}>(done: {})",
            std::any::type_name::<R>(),
            self.is_done()
        )
    }
}

impl<R: Codec> Future<R> {
    pub(super) fn new(cell: Arc<FutureCell>) -> Future<R> {
        Future {
            cell: std::mem::ManuallyDrop::new(cell),
            borrowed: false,
            _r: PhantomData,
        }
    }

    /// The handle a callback gets (its outcome is set, its event not yet).
    pub(super) fn borrowed(cell: Arc<FutureCell>) -> Future<R> {
        Future {
            cell: std::mem::ManuallyDrop::new(cell),
            borrowed: true,
            _r: PhantomData,
        }
    }

    /// Whether the task completed (and its callback, if any, ran).
    pub fn is_done(&self) -> bool {
        self.borrowed || self.cell.is_done()
    }

    /// Waits until the task completed; the worker runs other tasks meanwhile.
    pub fn wait(&self) {
        if !self.borrowed {
            wait_here(&**self.cell);
        }
    }

    /// Waits until the task completed or `timeout` has passed; whether it completed. As
    /// [`wait`](Future::wait), the worker runs other tasks meanwhile.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        self.wait_until(deadline, &mut || false)
    }

    /// Waits until the task completed, `deadline` (if any) has passed, or `stop()` returns
    /// true; whether it completed. `stop` is asked whenever the waiter looks, at least every
    /// millisecond while it parks: it must be cheap and must not block or wait for another
    /// thread (read an atomic flag set elsewhere, e.g. by a signal handler). A task the worker
    /// runs meanwhile is finished first: the wait returns only between tasks.
    pub fn wait_until(&self, deadline: Option<Instant>, stop: &mut dyn FnMut() -> bool) -> bool {
        if self.borrowed {
            return true;
        }
        bounded_wait(&**self.cell, deadline, true, stop)
    }

    /// As [`wait_until`](Future::wait_until), but a worker runs no other task meanwhile: it
    /// only parks, so a task it would run cannot make it overrun `deadline` (the task must
    /// then be run by another worker).
    pub fn park_until(&self, deadline: Option<Instant>, stop: &mut dyn FnMut() -> bool) -> bool {
        if self.borrowed {
            return true;
        }
        bounded_wait(&**self.cell, deadline, false, stop)
    }

    /// Waits, then gives a reference to the result, or the error of the task's failure.
    pub fn get(&self) -> Result<&R, Error> {
        self.wait();
        self.cell.observed.store(true, Ordering::Relaxed);
        // SAFETY: done (or inside the callback, before anyone else may look); only
        // `result`, which consumes the handle, takes the outcome.
        match unsafe { self.cell.outcome() } {
            Outcome::Ready(v) => codec::view::<R>(v).ok_or_else(|| {
                Error::BadResult(format!("it is not a {}", std::any::type_name::<R>()))
            }),
            Outcome::Failed(f) => Err(failed(f.clone()).expect("a failure")),
            Outcome::Pending => Err(Error::BadResult("it was taken already".into())),
        }
    }

    /// The error of the task's failure, if it failed (waits for it first).
    pub fn error(&self) -> Option<Error> {
        self.get().err()
    }

    /// Waits, then takes the result (or the error of the task's failure).
    pub fn result(self) -> Result<R, Error> {
        if self.borrowed {
            return self.get().map(|_| ()).and(Err(Error::BadResult(
                "a callback cannot take the result; use get()".into(),
            )));
        }
        self.wait();
        self.cell.observed.store(true, Ordering::Relaxed);
        // SAFETY: done, and this is the handle's single owner (consumed here).
        match unsafe { self.cell.take_outcome() } {
            Outcome::Ready(v) => codec::from_value(v).map_err(Error::BadResult),
            Outcome::Failed(f) => Err(failed(f).expect("a failure")),
            Outcome::Pending => Err(Error::BadResult("it was taken already".into())),
        }
    }
}

impl<R: Codec> Drop for Future<R> {
    fn drop(&mut self) {
        // SAFETY: the field is taken once, here, and never used again.
        let cell = unsafe { std::mem::ManuallyDrop::take(&mut self.cell) };
        FutureCell::recycle(cell, current_worker().map(|c| &c.cells));
    }
}

/// How often a bounded wait looks at its deadline and stop condition while it parks.
const BOUNDED_NAP: Duration = Duration::from_millis(1);

/// Waits for `w` until it is done, `deadline` passes or `stop()` says so; whether it is done.
fn bounded_wait<W: crate::sched::wait::Waitable>(
    w: &W,
    deadline: Option<Instant>,
    help: bool,
    stop: &mut dyn FnMut() -> bool,
) -> bool {
    match deadline {
        None => wait_here_until(w, BOUNDED_NAP, help, stop),
        Some(d) => wait_here_until(w, BOUNDED_NAP, help, &mut || Instant::now() >= d || stop()),
    }
}

/// The handles of `futures` in the order their tasks complete (each yielded once it is
/// done). Waiting for the next one runs other tasks meanwhile. `H` is the handle itself or
/// anything that holds one (e.g. an `Arc<Future<R>>`, or a binding's own handle object); a
/// handle given more than once is yielded once.
pub fn as_completed<R: Codec, H: Borrow<Future<R>>>(futures: Vec<H>) -> AsCompleted<R, H> {
    // A handle given twice (through two holders of it) is yielded once (PEP 3148): a cell
    // tells one listener of one index.
    let mut seen = std::collections::HashSet::with_capacity(futures.len());
    let futures: Vec<H> = futures
        .into_iter()
        .filter(|f| seen.insert(Arc::as_ptr(&f.borrow().cell) as usize))
        .collect();
    let listener = Listener::new();
    for (i, f) in futures.iter().enumerate() {
        f.borrow().cell.listen(&listener, i);
    }
    AsCompleted {
        left: futures.len(),
        futures: futures.into_iter().map(Some).collect(),
        listener,
        _r: PhantomData,
    }
}

/// The iterator of [`as_completed`].
pub struct AsCompleted<R: Codec, H: Borrow<Future<R>> = Future<R>> {
    futures: Vec<Option<H>>,
    listener: Arc<Listener>,
    left: usize,
    _r: PhantomData<fn() -> R>,
}

impl<R: Codec, H: Borrow<Future<R>>> Iterator for AsCompleted<R, H> {
    type Item = H;

    fn next(&mut self) -> Option<H> {
        if self.left == 0 {
            return None;
        }
        loop {
            if let Some(i) = self.listener.next_ready() {
                self.left -= 1;
                return self.futures[i].take();
            }
            wait_here(&*self.listener);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// A bounded wait for the next handle of [`AsCompleted`] gave up: its deadline passed or its
/// stop condition held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl<R: Codec, H: Borrow<Future<R>>> AsCompleted<R, H> {
    /// The next handle to complete, as [`Iterator::next`], but waiting only until `deadline`
    /// (if any) passes or `stop()` returns true (asked as in [`Future::wait_until`]):
    /// `Ok(Some(h))` a completed handle, `Ok(None)` when all were yielded, `Err(Stopped)`
    /// when the wait gave up (the iterator goes on from where it was).
    pub fn next_until(
        &mut self,
        deadline: Option<Instant>,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<Option<H>, Stopped> {
        self.next_bounded(deadline, true, stop)
    }

    /// As [`next_until`](AsCompleted::next_until), but a worker runs no other task meanwhile
    /// (as [`Future::park_until`]).
    pub fn park_next_until(
        &mut self,
        deadline: Option<Instant>,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<Option<H>, Stopped> {
        self.next_bounded(deadline, false, stop)
    }

    fn next_bounded(
        &mut self,
        deadline: Option<Instant>,
        help: bool,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<Option<H>, Stopped> {
        if self.left == 0 {
            return Ok(None);
        }
        loop {
            if let Some(i) = self.listener.next_ready() {
                self.left -= 1;
                return Ok(self.futures[i].take());
            }
            if !bounded_wait(&*self.listener, deadline, help, stop) {
                return Err(Stopped);
            }
        }
    }
}
