//! The executor's submitting side (`torcpy.futures.TorcPoolExecutor`): [`Pool`] creates the
//! tasks, whose futures are `concurrent.futures.Future`s (`torcpy._executor.TorcFuture`,
//! holding the task in `_task`), keeps the tasks in flight for `shutdown`, and completes them.
//!
//! A task is created with a brief completion callback ([`on_complete`], `api::submit_notify`):
//! it runs where the completion arrives, takes no GIL, marks the claim `FINISHED`
//! (`claim.rs`) and tells the notifier thread (`notifier.rs`), which tells the future's
//! watchers, if any, and drops the task from the executor's tasks in flight (`inflight.rs`).

use crate::claim::Claim;
use crate::future::Task;
use crate::inflight::{Entry, InFlight};
use crate::newfuture::FutureClass;
use crate::notifier;
use crate::submit::{callable, copied_args, input_of, place_of};
use crate::task::{call_object, run_call, CALL, XCHUNK, XCHUNK1};
use crate::value::PyValue;
use crate::xfuture::futures_error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use torc::api::{self, Future, Moved};

/// The submitting side of one `TorcPoolExecutor`: the class of its futures, whether it is
/// shut down or broken, and the futures submitted through it that were not seen done yet.
#[pyclass(module = "torcpy._core", frozen)]
pub(crate) struct Pool {
    /// The futures' class (a `concurrent.futures.Future` subclass with a `_task` slot).
    cls: FutureClass,
    /// After `shutdown`: submits are refused.
    closed: AtomicBool,
    /// Why the executor is broken (its initializer failed), if it is.
    broken: Mutex<Option<String>>,
    /// Its tasks in flight.
    in_flight: Arc<InFlight>,
}

static BROKEN_EXECUTOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl Pool {
    /// Refuses `api` when the executor is broken or shut down, or the runtime has ended.
    fn check(&self, py: Python<'_>, api_name: &str) -> PyResult<()> {
        if let Some(why) = self.broken.lock().ok().and_then(|b| b.clone()) {
            return Err(futures_error(py, &BROKEN_EXECUTOR, "BrokenExecutor", why));
        }
        if self.closed.load(SeqCst) {
            return Err(PyRuntimeError::new_err(format!(
                "TorcPoolExecutor.{api_name}: cannot schedule new futures after shutdown"
            )));
        }
        running(api_name)
    }

    /// Creates the task of `call` for `task` and returns its new future.
    fn start(
        &self,
        py: Python<'_>,
        task: Py<Task>,
        call: Bound<'_, PyTuple>,
        place: api::Place,
    ) -> PyResult<Py<PyAny>> {
        let fut_obj = self.cls.make(py, task.clone_ref(py).into_any())?;
        // A future makes no reference cycle until it is watched (its task does not refer back
        // to it): keep it off the collector's lists, which would otherwise walk every future
        // in flight at every collection (`_gc_track` puts it back when it gets watchers).
        // SAFETY: a live object of a collected type, untracked once, here, right after its
        // creation; untracking an object is always allowed.
        unsafe { pyo3::ffi::PyObject_GC_UnTrack(fut_obj.as_ptr().cast()) };
        let claim = task.get().claim.clone();
        let value = PyValue::Call(call.into_any().unbind(), Some(claim.clone()));
        let entry = InFlight::insert(&self.in_flight, task.clone_ref(py).into_any());
        let _ = task.get().entry.set(entry.clone());
        let fut = api::submit_notify(place, run_call, (Moved(value),), move |fut| {
            on_complete(claim, entry, fut)
        });
        let _ = task.get().fut.set(fut);
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
        callable(&format!("TorcPoolExecutor.{api_name}"), "fn", &f)?;
        let place = place_of(qid)?;
        let args = copied_args(py, args)?;
        let kw = match &kwargs {
            Some(k) if !k.is_empty() => Some(k.copy()?),
            _ => None,
        };
        let input = input_of(&args)?;
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
    fn new(py: Python<'_>, cls: Py<PyType>) -> Pool {
        Pool {
            cls: FutureClass::new(py, cls),
            closed: AtomicBool::new(false),
            broken: Mutex::new(None),
            in_flight: Arc::default(),
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

    /// A chunk of `map`: `[fn(*a) for a in items]` as one task, or with `star` false (`map`
    /// over one iterable, whose items are the arguments themselves) `[fn(a) for a in
    /// items]`. An item's exception fails the chunk and carries the results before it in its
    /// attribute `_torcpy_done`.
    #[pyo3(signature = (r#fn, items, star = true))]
    fn map_chunk(
        &self,
        py: Python<'_>,
        r#fn: Bound<'_, PyAny>,
        items: Bound<'_, PyList>,
        star: bool,
    ) -> PyResult<Py<PyAny>> {
        self.check(py, "map")?;
        let f = r#fn;
        let input = items.clone().into_any().unbind();
        let task = Task::new_claimed(input, None, f.clone().unbind()).into_object(py)?;
        let claim = task.bind(py).clone().into_any();
        let kind = if star { XCHUNK } else { XCHUNK1 };
        let call = call_object(py, kind, &f, items.as_any(), None, Some(&claim))?;
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

    /// The tasks submitted so far that have not completed (for `wait` and `shutdown`);
    /// with `close`, later submits are refused.
    #[pyo3(signature = (close = false))]
    fn in_flight(&self, py: Python<'_>, close: bool) -> Vec<Py<PyAny>> {
        if close {
            self.closed.store(true, SeqCst);
        }
        self.in_flight.all(py)
    }
}

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

/// The completion of an executor task, where it arrives (see the module documentation):
/// brief, without the GIL.
fn on_complete(claim: Arc<Claim>, entry: Entry, _fut: &Future<PyValue>) {
    let notify = claim.finish();
    notifier::completed(claim, entry, notify);
}
