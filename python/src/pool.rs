//! The executor's tasks (`torcpy.futures`): futures that are `concurrent.futures.Future`s.
//!
//! The Python class (`torcpy._executor.TorcFuture`) keeps its [`Task`] in `_task`; what a
//! `concurrent.futures.Future` keeps in Python attributes, a state, waiters, callbacks, it
//! reads from the task here. The task is created with a completion callback
//! ([`on_complete`]), which runs on the submitting node when it completes.
//!
//! # States
//!
//! `PENDING` → `RUNNING` when a worker of the submitting node starts it (`run_call` claims it
//! through its [`Claim`]) or when it leaves the node (its call is pickled: from the
//! submitter's view it runs then) → `FINISHED` at completion. `PENDING` → `CANCELLED` by
//! `cancel()`: a task still queued on its node; the worker that takes it, or the node it
//! reaches, finds it cancelled and does not run it.
//!
//! # Watchers
//!
//! Nothing Python-side hears of a completion unless somebody watches the future: a waiter of
//! `concurrent.futures.wait`/`as_completed`, a thread outside the runtime's workers that
//! waits, a done callback. The watcher stores its notifier and sets `watched`; the completer
//! stores `FINISHED`, then reads `watched` (both sequentially consistent, Dekker's pattern):
//! either the completer sees the watcher and calls its notifier (with the GIL, the outcome
//! read first), or the watcher, which looks at the state after setting `watched`, sees
//! `FINISHED` and acts itself. An unwatched completion takes no GIL.

use crate::blocking;
use crate::errors;
use crate::future::Task;
use crate::submit::{copied_args, place_of};
use crate::task::{call_object, run_call, CALL, XCHUNK};
use crate::threads;
use crate::value::PyValue;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use std::sync::atomic::Ordering::SeqCst;
use torc::api::{self, Future, Moved};

/// The states of an executor future (a module-API task stays `PENDING`).
pub(crate) mod state {
    /// Queued on the submitting node; `cancel()` can still stop it.
    pub(crate) const PENDING: u8 = 0;
    /// Started, or gone to another node.
    pub(crate) const RUNNING: u8 = 1;
    /// Cancelled before it started: it never runs.
    pub(crate) const CANCELLED: u8 = 2;
    /// Completed (its outcome is set, or about to be: see `on_complete`).
    pub(crate) const FINISHED: u8 = 3;
}
use state::{CANCELLED, FINISHED, PENDING, RUNNING};

impl Task {
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
    pub(crate) fn cancel_now(&self) -> u8 {
        match self
            .state
            .compare_exchange(PENDING, CANCELLED, SeqCst, SeqCst)
        {
            Ok(_) => 1,
            Err(CANCELLED) => 2,
            Err(_) => 0,
        }
    }

    /// Whether the executor future is final (finished or cancelled).
    pub(crate) fn is_final(&self) -> bool {
        self.state.load(SeqCst) >= CANCELLED
    }
}

/// The token a call carries to say which future it runs for; the worker that takes the call
/// claims the future through it. Pickled (the call leaves the node) it becomes a plain bool:
/// whether the future was cancelled before it left.
#[pyclass(module = "torcpy._core", frozen)]
pub(crate) struct Claim {
    task: Py<Task>,
}

#[pymethods]
impl Claim {
    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (bool,))> {
        // Leaving the node: from now on the submitter cannot stop it, unless it is cancelled
        // already, and then the node it reaches does not run it.
        let cancelled = !self.task.get().start();
        let f = py.import("torcpy._core")?.getattr("_remote_claim")?;
        Ok((f.unbind(), (cancelled,)))
    }
}

/// What a [`Claim`] is once it arrived on another node: whether its future was cancelled.
#[pyfunction]
pub(crate) fn _remote_claim(cancelled: bool) -> bool {
    cancelled
}

/// Whether a call carrying `claim` (its fifth item) may run: None (a module-API call), a
/// claim of this node not cancelled, or a claim from another node that was not cancelled.
pub(crate) fn may_run(claim: &Bound<'_, PyAny>) -> bool {
    if claim.is_none() {
        return true;
    }
    if let Ok(c) = claim.cast::<Claim>() {
        return c.get().task.get().start();
    }
    !claim.is_truthy().unwrap_or(false)
}

/// The executor's submission: `f(*args, **kwargs)` on worker `qid` (-1: round robin), its
/// future an instance of `cls` (a `concurrent.futures.Future` subclass) holding the task in
/// `_task`. Any thread of a running node may call it.
#[pyfunction]
#[pyo3(signature = (cls, qid, f, args, kwargs = None))]
pub(crate) fn xsubmit(
    py: Python<'_>,
    cls: &Bound<'_, PyType>,
    qid: i64,
    f: Bound<'_, PyAny>,
    args: Bound<'_, PyTuple>,
    kwargs: Option<Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    running("submit")?;
    if !f.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "torcpy.futures.TorcPoolExecutor.submit: fn = {} is not callable",
            f.repr()?
        )));
    }
    let place = place_of(qid)?;
    let args = copied_args(py, args)?;
    let kw = match &kwargs {
        Some(k) if !k.is_empty() => Some(k.copy()?),
        _ => None,
    };
    let input = if args.len() == 1 {
        args.get_item(0)?.unbind()
    } else {
        args.clone().into_any().unbind()
    };
    let task = Py::new(
        py,
        Task::new(
            input,
            kw.clone().map(|k| k.into_any().unbind()),
            f.clone().unbind(),
        ),
    )?;
    let claim = Bound::new(
        py,
        Claim {
            task: task.clone_ref(py),
        },
    )?;
    let call = call_object(
        py,
        CALL,
        &f,
        args.as_any(),
        kw.as_ref(),
        Some(claim.as_any()),
    )?;
    start(py, cls, task, call, place)
}

/// A chunk of the executor's `map`: `[f(*a) for a in items]` as one task, its future an
/// instance of `cls`. An item's exception fails the chunk and carries the results before it
/// in its attribute `_torcpy_done`.
#[pyfunction]
pub(crate) fn xsubmit_chunk(
    py: Python<'_>,
    cls: &Bound<'_, PyType>,
    f: Bound<'_, PyAny>,
    items: Bound<'_, PyList>,
) -> PyResult<Py<PyAny>> {
    running("map")?;
    let task = Py::new(
        py,
        Task::new(items.clone().into_any().unbind(), None, f.clone().unbind()),
    )?;
    let claim = Bound::new(
        py,
        Claim {
            task: task.clone_ref(py),
        },
    )?;
    let call = call_object(py, XCHUNK, &f, items.as_any(), None, Some(claim.as_any()))?;
    start(py, cls, task, call, api::Place::Any)
}

/// Creates the task of `call` for `task` and returns its new future (an instance of `cls`).
fn start(
    py: Python<'_>,
    cls: &Bound<'_, PyType>,
    task: Py<Task>,
    call: Bound<'_, PyTuple>,
    place: api::Place,
) -> PyResult<Py<PyAny>> {
    let fut_obj = cls.call0()?;
    fut_obj.setattr(pyo3::intern!(py, "_task"), task.clone_ref(py))?;
    let value = PyValue::Ok(call.into_any().unbind());
    let me = task.clone_ref(py);
    let fut = api::submit_then(place, run_call, (Moved(value),), move |fut| {
        on_complete(me, fut)
    });
    let _ = task.get().fut.set(fut);
    Ok(fut_obj.unbind())
}

/// Refuses `api` while the runtime does not run in this process.
fn running(api_name: &str) -> PyResult<()> {
    if api::num_workers().is_none() {
        return Err(PyRuntimeError::new_err(format!(
            "torcpy.futures.TorcPoolExecutor.{api_name}: the torcpy runtime is not running in \
             this process (it has ended, or was never started)"
        )));
    }
    Ok(())
}

/// The completion of an executor task (see the module documentation): `FINISHED` unless it
/// was cancelled, then the watcher's notifier, if there is one, with the outcome read first.
fn on_complete(task: Py<Task>, fut: &Future<PyValue>) {
    let t = task.get();
    let before = t
        .state
        .fetch_update(SeqCst, SeqCst, |s| (s != CANCELLED).then_some(FINISHED));
    if before.is_err() || !t.watched.load(SeqCst) {
        // Nobody to tell (or `cancel()` told them): the handle's reference goes without the
        // GIL (PyO3 defers it to the next holder).
        return;
    }
    threads::prime();
    Python::attach(move |py| {
        let t = task.get();
        t.settle_from(py, fut);
        let notify = t.notify.lock().map(|mut n| n.take()).unwrap_or(None);
        if let Some(n) = notify {
            if let Err(e) = n.call0(py) {
                let (node, _) = errors::here();
                eprintln!(
                    "torcpy: node {node}: notifying the watchers of task {} failed:\n{}",
                    t.name(py),
                    errors::traceback_text(py, &e).trim_end()
                );
            }
        }
        drop(task);
    });
}

static CANCELLED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `concurrent.futures.CancelledError`, raised by a cancelled future.
pub(crate) fn cancelled_error(py: Python<'_>) -> PyErr {
    let ty = CANCELLED_ERROR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        Ok(py
            .import("concurrent.futures")?
            .getattr("CancelledError")?
            .cast_into::<PyType>()?
            .unbind())
    });
    match ty {
        Ok(t) => PyErr::from_type(t.bind(py).clone(), ()),
        Err(e) => e,
    }
}

/// `_xwait(timeout)` of an executor future: 0 when it is final (finished or cancelled), 1
/// when `timeout` seconds passed first, 2 when the caller is not a worker of the runtime (it
/// then waits on the future's condition instead, which the completion notifies).
pub(crate) fn xwait(py: Python<'_>, t: &Task, timeout: Option<f64>) -> PyResult<u8> {
    if t.is_final() {
        return Ok(0);
    }
    if api::worker_id().is_none() {
        return Ok(2);
    }
    let Some(fut) = t.fut.get() else {
        return Ok(2);
    };
    let over = || t.is_final();
    let help = blocking::helps(timeout);
    let done = blocking::wait(py, blocking::deadline(timeout), &over, &mut |end, stop| {
        if help {
            fut.wait_until(end, stop)
        } else {
            fut.park_until(end, stop)
        }
    })?;
    Ok(if done || t.is_final() { 0 } else { 1 })
}
