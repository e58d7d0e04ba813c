//! `torcpy.Task`: the future of a submitted task (PEP 3148's `Future`, as torcpy has it):
//! `result()`, `exception()`, `done()`, `input()`, `kw_input()`; and the waits on them.
//!
//! It wraps the runtime's handle (`torc::api::Future`) and keeps the opened outcome once it
//! was read: the object the task returned (never pickled when the task ran on this node) or
//! the exception it raised.

use crate::errors;
use crate::value::{Opened, PyValue};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use torc::api::Future;

/// What a finished task gave.
pub(crate) enum Outcome {
    /// Its result.
    Value(Py<PyAny>),
    /// The exception it raised (with its note), or the runtime's error.
    Raised(Py<PyAny>),
}

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
    pub(crate) outcome: PyOnceLock<Outcome>,
    /// Whether someone looked at the outcome (else a dropped failed task says so).
    pub(crate) observed: AtomicBool,
}

impl Task {
    fn handle(&self) -> &Future<PyValue> {
        self.fut.get().expect("a torcpy task without its handle")
    }

    /// Waits for the task with the GIL released (the worker runs other tasks meanwhile).
    pub(crate) fn wait_released(&self, py: Python<'_>) {
        if self.outcome.get(py).is_some() {
            return;
        }
        if let Some(f) = self.fut.get() {
            if !f.is_done() {
                py.detach(|| f.wait());
            }
        }
    }

    /// The outcome read from `fut`, which must be finished (or be a callback's view).
    pub(crate) fn settle_from(&self, py: Python<'_>, fut: &Future<PyValue>) -> &Outcome {
        self.outcome.get_or_init(py, || outcome_of(py, fut.get()))
    }

    /// Waits, then the outcome.
    pub(crate) fn settle(&self, py: Python<'_>) -> &Outcome {
        self.wait_released(py);
        if let Some(o) = self.outcome.get(py) {
            return o;
        }
        self.settle_from(py, self.handle())
    }

    /// Whether the task has finished.
    pub(crate) fn is_finished(&self, py: Python<'_>) -> bool {
        self.outcome.get(py).is_some() || self.fut.get().is_some_and(|f| f.is_done())
    }

    /// The task function's name, for messages.
    pub(crate) fn name(&self, py: Python<'_>) -> String {
        errors::function_name(self.function.bind(py))
    }

    /// The task's handle, for `as_completed`.
    pub(crate) fn future(&self) -> &Future<PyValue> {
        self.handle()
    }
}

/// The outcome a finished handle's result stands for (the runtime's own error as a
/// `TaskError`).
pub(crate) fn outcome_of(py: Python<'_>, r: Result<&PyValue, torc::api::Error>) -> Outcome {
    match r {
        Ok(v) => open_outcome(py, v),
        Err(e) => Outcome::Raised(errors::task_error(py, format!("torcpy: {e}"))),
    }
}

/// The outcome a value stands for.
fn open_outcome(py: Python<'_>, v: &PyValue) -> Outcome {
    match v.open(py) {
        Ok(Opened::Ok(o)) => Outcome::Value(o.unbind()),
        Ok(Opened::Raised(rec)) => match errors::exception_of(py, &rec) {
            Ok(e) => Outcome::Raised(e),
            Err(e) => Outcome::Raised(e.into_value(py).into_any()),
        },
        Ok(Opened::Unsendable(why)) => Outcome::Raised(errors::task_error(
            py,
            format!("torcpy: the task's result cannot be pickled to return it: {why}"),
        )),
        Err(e) => Outcome::Raised(errors::task_error(
            py,
            format!(
                "torcpy: the task's result cannot be unpickled: {}",
                errors::one_line(py, &e)
            ),
        )),
    }
}

#[pymethods]
impl Task {
    /// Waits for the task and returns its result, or raises the exception it raised (with a
    /// note naming the task, its node and worker, and the traceback there when remote).
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.observed.store(true, Ordering::Relaxed);
        match self.settle(py) {
            Outcome::Value(v) => Ok(v.clone_ref(py)),
            Outcome::Raised(e) => Err(PyErr::from_value(e.bind(py).clone())),
        }
    }

    /// Waits for the task and returns the exception it raised, or None.
    fn exception(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.observed.store(true, Ordering::Relaxed);
        match self.settle(py) {
            Outcome::Value(_) => None,
            Outcome::Raised(e) => Some(e.clone_ref(py)),
        }
    }

    /// Whether the task has finished (and its callback ran).
    fn done(&self, py: Python<'_>) -> bool {
        self.outcome.get(py).is_some() || self.fut.get().is_some_and(|f| f.is_done())
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
    fn wait(&self, py: Python<'_>) {
        self.wait_released(py);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = if self.done(py) { "done" } else { "pending" };
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
            let raised = match self.outcome.get(py) {
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
