//! Waiting for Python tasks: `wait`/`waitall` and `as_completed`. Every wait releases the
//! GIL; the waiting worker runs other tasks meanwhile.

use crate::blocking;
use crate::errors;
use crate::future::Task;
use crate::submit::in_task;
use crate::task;
use crate::value::PyValue;
use pyo3::prelude::*;
use torc::api::{self, AsCompleted, Future};

/// Waits for the given tasks, or (None) for every child of the calling task.
#[pyfunction]
#[pyo3(signature = (tasks = None))]
pub(crate) fn wait(py: Python<'_>, tasks: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    match tasks.filter(|t| !t.is_none()) {
        Some(ts) => {
            for t in ts.try_iter()? {
                let t = t?;
                let t = t.cast::<Task>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "torcpy.wait: {} is not a torcpy task",
                        t.repr().map(|r| r.to_string()).unwrap_or_default()
                    ))
                })?;
                t.get().wait_released(py)?;
            }
            Ok(())
        }
        None => {
            in_task("wait")?;
            let mut r = Ok(true);
            blocking::wait(py, None, &|| false, &mut |end, stop| {
                r = api::wait_all_until(end, stop);
                !matches!(r, Ok(false))
            })?;
            drop(task::take_children());
            r.map(|_| ())
                .map_err(|e| errors::TaskError::new_err(format!("torcpy.wait: {e}")))
        }
    }
}

/// `wait`, under the name of the original torcpy.
#[pyfunction]
#[pyo3(signature = (tasks = None))]
pub(crate) fn waitall(py: Python<'_>, tasks: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    wait(py, tasks)
}

/// A task held for `as_completed`.
struct Held(Py<Task>);

impl std::borrow::Borrow<Future<PyValue>> for Held {
    fn borrow(&self) -> &Future<PyValue> {
        self.0.get().future()
    }
}

/// The iterator `as_completed` returns.
#[pyclass(module = "torcpy", name = "AsCompleted")]
pub(crate) struct AsCompletedIter {
    inner: Option<AsCompleted<PyValue, Held>>,
}

#[pymethods]
impl AsCompletedIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<Task>>> {
        Ok(match self.next_before(py, None, true)? {
            Next::Ready(t) => Some(t),
            _ => None,
        })
    }

    /// The next task to finish, waiting at most `timeout` seconds (None: no limit):
    /// `(False, task)`, `(False, None)` when all were yielded, `(True, None)` on timeout.
    #[pyo3(signature = (timeout = None))]
    fn _next(
        &mut self,
        py: Python<'_>,
        timeout: Option<f64>,
    ) -> PyResult<(bool, Option<Py<Task>>)> {
        let help = blocking::helps(timeout);
        Ok(
            match self.next_before(py, blocking::deadline(timeout), help)? {
                Next::Ready(t) => (false, Some(t)),
                Next::Exhausted => (false, None),
                Next::TimedOut => (true, None),
            },
        )
    }

    fn __len__(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| i.size_hint().0)
    }
}

/// What waiting for the next task of an `as_completed` gave.
enum Next {
    Ready(Py<Task>),
    Exhausted,
    TimedOut,
}

impl AsCompletedIter {
    fn next_before(
        &mut self,
        py: Python<'_>,
        deadline: Option<std::time::Instant>,
        help: bool,
    ) -> PyResult<Next> {
        let Some(it) = self.inner.as_mut() else {
            return Ok(Next::Exhausted);
        };
        let mut got = None;
        blocking::wait(py, deadline, &|| false, &mut |end, stop| {
            let next = if help {
                it.next_until(end, stop)
            } else {
                it.park_next_until(end, stop)
            };
            match next {
                Ok(x) => {
                    got = Some(x);
                    true
                }
                Err(api::Stopped) => false,
            }
        })?;
        Ok(match got {
            Some(Some(h)) => Next::Ready(h.0),
            Some(None) => {
                self.inner = None;
                Next::Exhausted
            }
            None => Next::TimedOut,
        })
    }
}

/// The given tasks (None: every child of the calling task not waited for yet) in the order
/// they finish.
#[pyfunction]
#[pyo3(signature = (tasks = None))]
pub(crate) fn as_completed(tasks: Option<Bound<'_, PyAny>>) -> PyResult<AsCompletedIter> {
    let held: Vec<Held> = match tasks.filter(|t| !t.is_none()) {
        Some(ts) => {
            let mut v = Vec::new();
            for t in ts.try_iter()? {
                let t = t?;
                let t = t.cast_into::<Task>().map_err(|e| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "torcpy.as_completed: {} is not a torcpy task",
                        e.into_inner()
                            .repr()
                            .map(|r| r.to_string())
                            .unwrap_or_default()
                    ))
                })?;
                v.push(Held(t.unbind()));
            }
            v
        }
        None => {
            in_task("as_completed")?;
            task::take_children().into_iter().map(Held).collect()
        }
    };
    Ok(AsCompletedIter {
        inner: Some(api::as_completed(held)),
    })
}
