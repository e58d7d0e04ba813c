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
//! through its task, which its call carries) or when it leaves the node (its call is pickled: from the
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
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Mutex;
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

/// What an executor task's claim (its [`Task`], see `Task::__reduce__`) is once it
/// arrived on another node: whether its future was cancelled.
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
    if let Ok(t) = claim.cast::<Task>() {
        return t.get().start();
    }
    !claim.is_truthy().unwrap_or(false)
}

/// The submitting side of one `TorcPoolExecutor`: the class of its futures, whether it is
/// shut down or broken, and the futures submitted through it that were not seen done yet.
#[pyclass(module = "torcpy._core", frozen)]
pub(crate) struct Pool {
    /// The futures' class (a `concurrent.futures.Future` subclass with a `_task` slot).
    cls: Py<PyType>,
    /// After `shutdown`: submits are refused.
    closed: AtomicBool,
    /// Why the executor is broken (its initializer failed), if it is.
    broken: Mutex<Option<String>>,
    /// The futures submitted through it, with their tasks (pruned of final ones as it grows).
    futures: Mutex<Vec<(Py<PyAny>, Py<Task>)>>,
    /// The length at which `futures` is pruned next.
    prune_at: AtomicUsize,
}

static BROKEN_EXECUTOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl Pool {
    /// Refuses `api` when the executor is broken or shut down, or the runtime has ended.
    fn check(&self, py: Python<'_>, api_name: &str) -> PyResult<()> {
        if let Some(why) = self.broken.lock().ok().and_then(|b| b.clone()) {
            let ty = BROKEN_EXECUTOR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
                Ok(py
                    .import("concurrent.futures")?
                    .getattr("BrokenExecutor")?
                    .cast_into::<PyType>()?
                    .unbind())
            })?;
            return Err(PyErr::from_type(ty.bind(py).clone(), why));
        }
        if self.closed.load(SeqCst) {
            return Err(PyRuntimeError::new_err(format!(
                "TorcPoolExecutor.{api_name}: cannot schedule new futures after shutdown"
            )));
        }
        running(api_name)
    }

    /// Keeps `fut` (of `task`) for `shutdown` and `wait`; drops the final ones now and then,
    /// so that the list stays about as long as what is in flight.
    fn track(&self, py: Python<'_>, fut: &Py<PyAny>, task: &Py<Task>) {
        let Ok(mut fs) = self.futures.lock() else {
            return;
        };
        fs.push((fut.clone_ref(py), task.clone_ref(py)));
        if fs.len() >= self.prune_at.load(SeqCst) {
            fs.retain(|(_, t)| !t.get().is_final());
            self.prune_at.store((2 * fs.len()).max(64), SeqCst);
        }
    }

    /// Creates the task of `call` for `task` and returns its new future.
    fn start(
        &self,
        py: Python<'_>,
        task: Py<Task>,
        call: Bound<'_, PyTuple>,
        place: api::Place,
    ) -> PyResult<Py<PyAny>> {
        let fut_obj = self.cls.bind(py).call0()?.unbind();
        fut_obj.setattr(py, pyo3::intern!(py, "_task"), task.clone_ref(py))?;
        // A future makes no reference cycle until it is watched (its task does not refer back
        // to it): keep it off the collector's lists, which would otherwise walk every future
        // in flight at every collection (`_gc_track` puts it back when it gets watchers).
        // SAFETY: a live object of a collected type, untracked once, here, right after its
        // creation; untracking an object is always allowed.
        unsafe { pyo3::ffi::PyObject_GC_UnTrack(fut_obj.as_ptr().cast()) };
        let value = PyValue::Ok(call.into_any().unbind());
        let me = task.clone_ref(py);
        let fut = api::submit_then(place, run_call, (Moved(value),), move |fut| {
            on_complete(me, fut)
        });
        let _ = task.get().fut.set(fut);
        self.track(py, &fut_obj, &task);
        Ok(fut_obj)
    }

    /// `f(*args, **kwargs)` on worker `qid` (-1: round robin).
    fn call(
        &self,
        py: Python<'_>,
        api_name: &str,
        qid: i64,
        f: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.check(py, api_name)?;
        if !f.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "TorcPoolExecutor.{api_name}: fn = {} is not callable",
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
        let kw_input = kw.clone().map(|k| k.into_any().unbind());
        let task = Task::new_claimed(input, kw_input, f.clone().unbind()).into_object(py)?;
        let claim = task.bind(py).clone().into_any();
        let call = call_object(py, CALL, &f, args.as_any(), kw.as_ref(), Some(&claim))?;
        self.start(py, task, call, place)
    }
}

#[pymethods]
impl Pool {
    #[new]
    fn new(cls: Py<PyType>) -> Pool {
        Pool {
            cls,
            closed: AtomicBool::new(false),
            broken: Mutex::new(None),
            futures: Mutex::new(Vec::new()),
            prune_at: AtomicUsize::new(64),
        }
    }

    /// `TorcPoolExecutor.submit(fn, /, *args, **kwargs)`: round robin over every worker of
    /// the job; every keyword goes to `fn`.
    #[pyo3(signature = (r#fn, /, *args, **kwargs))]
    fn submit(
        &self,
        py: Python<'_>,
        r#fn: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, "submit", -1, r#fn, args, kwargs)
    }

    /// `TorcPoolExecutor.submit_to(qid, fn, /, *args, **kwargs)`: on worker `qid`.
    #[pyo3(signature = (qid, r#fn, /, *args, **kwargs))]
    fn submit_to(
        &self,
        py: Python<'_>,
        qid: i64,
        r#fn: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, "submit_to", qid, r#fn, args, kwargs)
    }

    /// One item of `map`: `fn(*args)`.
    fn map_one(
        &self,
        py: Python<'_>,
        r#fn: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, "map", -1, r#fn, args, None)
    }

    /// A chunk of `map`: `[fn(*a) for a in items]` as one task. An item's exception fails
    /// the chunk and carries the results before it in its attribute `_torcpy_done`.
    fn map_chunk(
        &self,
        py: Python<'_>,
        r#fn: Bound<'_, PyAny>,
        items: Bound<'_, PyList>,
    ) -> PyResult<Py<PyAny>> {
        self.check(py, "map")?;
        let f = r#fn;
        let input = items.clone().into_any().unbind();
        let task = Task::new_claimed(input, None, f.clone().unbind()).into_object(py)?;
        let claim = task.bind(py).clone().into_any();
        let call = call_object(py, XCHUNK, &f, items.as_any(), None, Some(&claim))?;
        self.start(py, task, call, api::Place::Any)
    }

    /// Refuses further submits with `BrokenExecutor(why)`.
    fn set_broken(&self, why: String) {
        if let Ok(mut b) = self.broken.lock() {
            *b = Some(why);
        }
    }

    /// Raises as a submit through `api` would, if it would.
    fn check_open(&self, py: Python<'_>, api: &str) -> PyResult<()> {
        self.check(py, api)
    }

    /// Takes the futures submitted so far (for `wait` and `shutdown`); with `close`, later
    /// submits are refused.
    #[pyo3(signature = (close = false))]
    fn take(&self, close: bool) -> Vec<Py<PyAny>> {
        if close {
            self.closed.store(true, SeqCst);
        }
        let fs = self
            .futures
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default();
        fs.into_iter().map(|(f, _)| f).collect()
    }
}

/// Puts an executor future back on the collector's lists (it is getting watchers, which may
/// refer back to it), unless it is there.
#[pyfunction]
pub(crate) fn _gc_track(obj: &Bound<'_, PyAny>) {
    // SAFETY: `obj` is alive; it is tracked only if it is not (tracking twice corrupts the
    // collector's lists), and only objects of collected types (a Python class's instances).
    unsafe {
        let p = obj.as_ptr();
        if pyo3::ffi::PyType_IS_GC(pyo3::ffi::Py_TYPE(p)) != 0
            && pyo3::ffi::PyObject_GC_IsTracked(p) == 0
        {
            pyo3::ffi::PyObject_GC_Track(p.cast());
        }
    }
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
            let called = n.call0(py).and_then(|fut| {
                if fut.is_none(py) {
                    // The future is gone: nobody waits on it any more.
                    return Ok(());
                }
                fut.call_method0(py, pyo3::intern!(py, "_notify")).map(drop)
            });
            if let Err(e) = called {
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

static TIMEOUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `concurrent.futures.TimeoutError` (the built-in one from Python 3.11 on).
pub(crate) fn timeout_error(py: Python<'_>) -> PyErr {
    let ty = TIMEOUT_ERROR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        Ok(py
            .import("concurrent.futures")?
            .getattr("TimeoutError")?
            .cast_into::<PyType>()?
            .unbind())
    });
    match ty {
        Ok(t) => PyErr::from_type(t.bind(py).clone(), ()),
        Err(e) => e,
    }
}

/// The marker `_xget` returns to a caller that must wait on the future's condition.
pub(crate) static FOREIGN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The marker object (made once).
pub(crate) fn foreign(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    FOREIGN.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("builtins")?.getattr("object")?.call0()?.unbind())
    })
}

/// `_xget(timeout, exception)` of an executor future: `result()` (or, with `exception`,
/// `exception()`) after waiting up to `timeout` seconds: `TimeoutError` if it is not done
/// by then, `CancelledError` if it was cancelled. A caller that is no worker of the runtime
/// gets [`foreign`] instead when the future is not final yet: it waits on the future's
/// condition, then asks again.
pub(crate) fn xget(
    py: Python<'_>,
    t: &Task,
    timeout: Option<f64>,
    exception: bool,
) -> PyResult<Py<PyAny>> {
    if !t.is_final() {
        match xwait(py, t, timeout)? {
            0 => {}
            1 => return Err(timeout_error(py)),
            _ => return Ok(foreign(py)?.clone_ref(py)),
        }
    }
    if t.state.load(SeqCst) == CANCELLED {
        return Err(cancelled_error(py));
    }
    if exception {
        Ok(t.exception_now(py)?.unwrap_or_else(|| py.None()))
    } else {
        t.result_now(py)
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
