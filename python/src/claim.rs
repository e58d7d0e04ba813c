//! The state of an executor's task (`torcpy.futures`), shared without the GIL by its future,
//! the worker that takes it and its completion: who may still stop it.
//!
//! `PENDING` → `RUNNING` when a worker of the submitting node takes it (`run_call` claims it
//! before it takes the GIL) or when it leaves the node (its call is pickled: from the
//! submitter's view it runs then, see `Task::__reduce__`) → `FINISHED` at completion.
//! `PENDING` → `CANCELLED` by `cancel()`: the worker that takes it, or the node it reaches,
//! finds it cancelled and does not run it.
//!
//! # Watchers
//!
//! Nothing Python-side hears of a completion unless somebody watches the future (a waiter of
//! `concurrent.futures.wait`/`as_completed`, a thread that is no worker of the runtime
//! waiting for it, a done callback). The watcher stores its notifier and sets `watched`; the
//! completer stores `FINISHED`, then reads `watched` (both sequentially consistent: Dekker's
//! pattern). Either the completer sees the watcher and has the notifier called
//! (`notifier.rs`), or the watcher, which looks at the state after setting `watched`, sees
//! `FINISHED` and acts itself.

use pyo3::prelude::*;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU8};
use std::sync::{Arc, Mutex};

/// Queued on the submitting node; `cancel()` can still stop it.
pub(crate) const PENDING: u8 = 0;
/// Started, or gone to another node.
pub(crate) const RUNNING: u8 = 1;
/// Cancelled before it started: it never runs.
pub(crate) const CANCELLED: u8 = 2;
/// Completed (its outcome is set, or about to be: see `pool::on_complete`).
pub(crate) const FINISHED: u8 = 3;

/// The state of one executor task (a module-API task keeps `PENDING`).
#[derive(Default)]
pub(crate) struct Claim {
    state: AtomicU8,
    /// Set once a watcher was attached (`notify` holds its notifier).
    pub(crate) watched: AtomicBool,
    /// A weak reference to the executor future, whose `_notify()` the completion has called
    /// when watched. (Weak: the task, which the future holds, must not hold the future.)
    pub(crate) notify: Mutex<Option<Py<PyAny>>>,
}

impl Claim {
    pub(crate) fn new() -> Arc<Claim> {
        Arc::new(Claim::default())
    }

    /// The state.
    pub(crate) fn state(&self) -> u8 {
        self.state.load(SeqCst)
    }

    /// Claims the task for running: true unless it was cancelled.
    pub(crate) fn start(&self) -> bool {
        match self
            .state
            .compare_exchange(PENDING, RUNNING, SeqCst, SeqCst)
        {
            Ok(_) => true,
            Err(s) => s != CANCELLED,
        }
    }

    /// `cancel()`: 1 when this call cancelled it, 2 when it was cancelled already, 0 when it
    /// runs or ran.
    pub(crate) fn cancel(&self) -> u8 {
        match self
            .state
            .compare_exchange(PENDING, CANCELLED, SeqCst, SeqCst)
        {
            Ok(_) => 1,
            Err(CANCELLED) => 2,
            Err(_) => 0,
        }
    }

    /// Completion: `FINISHED` unless cancelled; whether a watcher must now be told.
    pub(crate) fn finish(&self) -> bool {
        let was = self
            .state
            .fetch_update(SeqCst, SeqCst, |s| (s != CANCELLED).then_some(FINISHED));
        was.is_ok() && self.watched.load(SeqCst)
    }

    /// Whether the future is final (finished or cancelled).
    pub(crate) fn is_final(&self) -> bool {
        self.state() >= CANCELLED
    }

    /// Attaches a watcher (see the module documentation).
    pub(crate) fn watch(&self, notify: Py<PyAny>) {
        if let Ok(mut n) = self.notify.lock() {
            *n = Some(notify);
        }
        self.watched.store(true, SeqCst);
    }

    /// The watched future, if it is watched and alive (a strong reference to it).
    pub(crate) fn watched_future(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let weak = self.notify.lock().ok()?.as_ref()?.clone_ref(py);
        let fut = weak.call0(py).ok()?;
        (!fut.is_none(py)).then_some(fut)
    }
}

/// What a task's claim is once its call arrived on another node: whether its future was
/// cancelled before it left (see `Task::__reduce__`).
#[pyfunction]
pub(crate) fn _remote_claim(cancelled: bool) -> bool {
    cancelled
}
