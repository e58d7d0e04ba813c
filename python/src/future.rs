//! `torcpy.Task`: the future of a submitted task (PEP 3148's `Future`, as torcpy has it):
//! `result()`, `exception()`, `done()`, `input()`, `kw_input()`; and the waits on them.
//!
//! It wraps the runtime's handle (`torc::api::Future`) and keeps the opened outcome once it
//! was read: the object the task returned (never pickled when the task ran on this node) or
//! the exception it raised.

use crate::blocking;
use crate::claim::Claim;
use crate::errors;
use crate::outcome::{outcome_of, Outcome, OutcomeCell};
use crate::value::PyValue;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use torc::api::Future;

/// The future of a torcpy task.
#[pyclass(module = "torcpy", name = "Task", frozen)]
pub struct Task {
    /// The runtime's handle: set right after the task is created.
    pub(crate) fut: OnceLock<Future<PyValue>>,
    /// The arguments as submitted: the argument itself when there is one, else the tuple.
    pub(crate) input: Py<PyAny>,
    /// The keyword arguments (None: there were none).
    pub(crate) kw_input: Option<Py<PyAny>>,
    /// The task function (its name is looked up only for messages).
    pub(crate) function: Py<PyAny>,
    /// The outcome, once read.
    pub(crate) outcome: OutcomeCell,
    /// Whether someone looked at the outcome (else a dropped failed task says so).
    pub(crate) observed: AtomicBool,
    /// An executor's task: its call carries the task itself as its claim (see `pool.rs`).
    pub(crate) claimed: bool,
    /// An executor task's state, shared with its call and its completion (`claim.rs`); a
    /// module-API task keeps `PENDING`.
    pub(crate) claim: std::sync::Arc<Claim>,
    /// Where its executor keeps it while in flight (`inflight.rs`; executor tasks only).
    pub(crate) entry: OnceLock<crate::inflight::Entry>,
}

impl Task {
    /// `self` as a Python object, kept off the cyclic collector's lists: a task refers only to
    /// what it was given and what it returned, which makes no cycle with it in any usual
    /// program, and a collection would otherwise walk every task in flight (a fifth of the
    /// executor's time per task, measured). A cycle through a task's own result is then freed
    /// only when broken by hand.
    pub(crate) fn into_object(self, py: Python<'_>) -> PyResult<Py<Task>> {
        let t = Py::new(py, self)?;
        // SAFETY: a live object, just created; untracking an object is always allowed (its
        // deallocation untracks again, which is harmless).
        unsafe { pyo3::ffi::PyObject_GC_UnTrack(t.as_ptr().cast()) };
        Ok(t)
    }

    /// A task not created yet (its handle is set right after): `input`, `kw_input` and
    /// `function` as submitted.
    pub(crate) fn new(input: Py<PyAny>, kw_input: Option<Py<PyAny>>, function: Py<PyAny>) -> Task {
        Task::with(input, kw_input, function, false)
    }

    /// An executor's task (see `pool.rs`).
    pub(crate) fn new_claimed(
        input: Py<PyAny>,
        kw_input: Option<Py<PyAny>>,
        function: Py<PyAny>,
    ) -> Task {
        Task::with(input, kw_input, function, true)
    }

    fn with(
        input: Py<PyAny>,
        kw_input: Option<Py<PyAny>>,
        function: Py<PyAny>,
        claimed: bool,
    ) -> Task {
        Task {
            fut: OnceLock::new(),
            input,
            kw_input,
            function,
            outcome: OutcomeCell::default(),
            observed: AtomicBool::new(false),
            claimed,
            claim: Claim::new(),
            entry: OnceLock::new(),
        }
    }

    /// `result()`: waits, then the result, or raises the task's exception.
    pub(crate) fn result_now(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.observed.store(true, Ordering::Relaxed);
        match self.settle(py)? {
            Outcome::Value(v) => Ok(v.clone_ref(py)),
            Outcome::Raised(e) => Err(PyErr::from_value(e.bind(py).clone())),
        }
    }

    /// `exception()`: waits, then the task's exception, or None.
    pub(crate) fn exception_now(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.observed.store(true, Ordering::Relaxed);
        Ok(match self.settle(py)? {
            Outcome::Value(_) => None,
            Outcome::Raised(e) => Some(e.clone_ref(py)),
        })
    }

    fn handle(&self) -> &Future<PyValue> {
        self.fut.get().expect("a torcpy task without its handle")
    }

    /// Waits for the task with the GIL released (the worker runs other tasks meanwhile); on
    /// the main thread a Ctrl-C ends the wait with `KeyboardInterrupt` (`blocking.rs`).
    pub(crate) fn wait_released(&self, py: Python<'_>) -> PyResult<()> {
        if self.outcome.get().is_some() {
            return Ok(());
        }
        if let Some(f) = self.fut.get() {
            if !f.is_done() {
                blocking::wait(py, None, &|| false, &mut |end, stop| {
                    f.wait_until(end, stop)
                })?;
            }
        }
        Ok(())
    }

    /// The outcome read from `fut`, which must be finished (or be a callback's view).
    pub(crate) fn settle_from(&self, py: Python<'_>, fut: &Future<PyValue>) -> &Outcome {
        self.outcome.get_or_open(py, || outcome_of(py, fut.get()))
    }

    /// Waits, then the outcome.
    pub(crate) fn settle(&self, py: Python<'_>) -> PyResult<&Outcome> {
        self.wait_released(py)?;
        if let Some(o) = self.outcome.get() {
            return Ok(o);
        }
        Ok(self.settle_from(py, self.handle()))
    }

    /// Whether the task has finished.
    pub(crate) fn is_finished(&self) -> bool {
        self.outcome.get().is_some() || self.fut.get().is_some_and(|f| f.is_done())
    }

    /// The task function's name, for messages.
    pub(crate) fn name(&self, py: Python<'_>) -> String {
        errors::function_name(self.function.bind(py))
    }

    /// What the executor's waits and reads need (`xfuture.rs`).
    fn xtask(&self) -> crate::xfuture::XTask<'_> {
        crate::xfuture::XTask {
            claim: &self.claim,
            entry: self.entry.get(),
            fut: self.fut.get(),
        }
    }

    /// The task's handle, for `as_completed`.
    pub(crate) fn future(&self) -> &Future<PyValue> {
        self.handle()
    }
}

#[pymethods]
impl Task {
    /// Waits for the task and returns its result, or raises the exception it raised (with a
    /// note naming the task, its node and worker, and the traceback there when remote).
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.result_now(py)
    }

    /// Waits for the task and returns the exception it raised, or None.
    fn exception(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.exception_now(py)
    }

    /// Whether the task has finished (and its callback ran).
    fn done(&self) -> bool {
        self.outcome.get().is_some() || self.fut.get().is_some_and(|f| f.is_done())
    }

    /// The positional arguments as submitted: the argument itself when there is one, else
    /// the tuple.
    fn input(&self, py: Python<'_>) -> Py<PyAny> {
        self.input.clone_ref(py)
    }

    /// The keyword arguments as submitted.
    fn kw_input(&self, py: Python<'_>) -> Py<PyAny> {
        match &self.kw_input {
            Some(k) => k.clone_ref(py),
            None => pyo3::types::PyDict::new(py).into_any().unbind(),
        }
    }

    /// Waits for the task (without reading its outcome).
    fn wait(&self, py: Python<'_>) -> PyResult<()> {
        self.wait_released(py)
    }

    // The executor future's side (`pool.rs`); `torcpy._executor.TorcFuture` calls these.

    /// Its state (`claim.rs`).
    fn _state(&self) -> u8 {
        self.claim.state()
    }

    /// Whether it is final: finished or cancelled.
    fn _final(&self) -> bool {
        self.claim.is_final()
    }

    /// Cancels it if it has not started: 1 cancelled now, 2 cancelled before, 0 not.
    fn _cancel(&self) -> u8 {
        self.claim.cancel()
    }

    /// `set_running_or_notify_cancel`: false when it was cancelled, else it runs.
    fn _set_running(&self) -> bool {
        self.claim.start()
    }

    /// Attaches the watcher (`claim.rs`): `notify`, a weak reference to the future, whose
    /// `_notify()` is called once after completion, unless the watcher sees the completion
    /// itself when it looks at the state afterwards. (Weak: the task, which the future holds,
    /// must not hold the future, or they would make a cycle only the collector could free,
    /// and tasks are kept off the collector's lists.)
    fn _watch(&self, notify: Py<PyAny>) {
        self.claim.watch(notify);
    }

    /// The future watching this task, if any (for `shutdown(cancel_futures=True)`, which
    /// cancels tasks and must tell their watchers).
    fn _watched_future(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.claim.watched_future(py)
    }

    /// Waits up to `timeout` seconds (None: no limit): 0 final, 1 timed out, 2 the caller
    /// is no worker and must wait on the future's condition.
    #[pyo3(signature = (timeout = None))]
    fn _xwait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<u8> {
        crate::xfuture::xwait(py, &self.xtask(), timeout)
    }

    /// Waits until it is final, on any thread (`shutdown(wait=True)`, `wait()`).
    fn _wait_final(&self, py: Python<'_>) -> PyResult<()> {
        if self.claim.is_final() {
            return Ok(());
        }
        let Some(f) = self.fut.get() else {
            return Ok(());
        };
        let over = || self.claim.is_final();
        blocking::wait(py, None, &over, &mut |end, stop| f.wait_until(end, stop))?;
        Ok(())
    }

    /// `result(timeout)`, or with `exception`, `exception(timeout)` (see `xfuture::xget`).
    #[pyo3(signature = (timeout = None, exception = false))]
    fn _xget(&self, py: Python<'_>, timeout: Option<f64>, exception: bool) -> PyResult<Py<PyAny>> {
        crate::xfuture::xget(py, self.xtask(), timeout, exception, |exception| {
            if exception {
                Ok(self.exception_now(py)?.unwrap_or_else(|| py.None()))
            } else {
                self.result_now(py)
            }
        })
    }

    /// An executor task travels as its claim (see `pool.rs`): leaving the node, it runs
    /// from the submitter's view, unless it was cancelled; then the node it reaches does not
    /// run it. Other tasks (futures of `torcpy.submit`) cannot be pickled.
    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (bool,))> {
        if !self.claimed {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "cannot pickle 'torcpy.Task' object",
            ));
        }
        let cancelled = !self.claim.start();
        static REMOTE_CLAIM: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
        let f = REMOTE_CLAIM.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("torcpy._core")?
                .getattr("_remote_claim")?
                .unbind())
        })?;
        Ok((f.clone_ref(py), (cancelled,)))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = if self.done() { "done" } else { "pending" };
        format!("<torcpy.Task {} {state}>", self.name(py))
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.observed.load(Ordering::Relaxed) {
            return;
        }
        let Some(f) = self.fut.get() else { return };
        if !f.is_done() {
            return;
        }
        Python::attach(|py| {
            let raised = match self.outcome.get() {
                Some(Outcome::Raised(e)) => Some(e.clone_ref(py)),
                Some(Outcome::Value(_)) => None,
                None => match f.get() {
                    Ok(v) if v.is_raised() => match self.settle_from(py, f) {
                        Outcome::Raised(e) => Some(e.clone_ref(py)),
                        Outcome::Value(_) => None,
                    },
                    Ok(_) => None,
                    Err(e) => Some(errors::task_error(py, format!("torcpy: {e}"))),
                },
            };
            if let Some(e) = raised {
                let line = errors::one_line(py, &PyErr::from_value(e.into_bound(py)));
                let (node, _) = errors::here();
                eprintln!(
                    "torcpy: node {node}: nobody looked at the exception of task {}: {line}",
                    self.name(py)
                );
            }
        });
    }
}
