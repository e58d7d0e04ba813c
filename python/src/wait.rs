//! Waiting for Python tasks: `wait`/`waitall` and `as_completed`. Every wait releases the
//! GIL; the waiting worker runs other tasks meanwhile.

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
                t.get().wait_released(py);
            }
            Ok(())
        }
        None => {
            in_task("wait")?;
            let r = py.detach(api::wait_all);
            drop(task::take_children());
            r.map_err(|e| errors::TaskError::new_err(format!("torcpy.wait: {e}")))
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

    fn __next__(&mut self, py: Python<'_>) -> Option<Py<Task>> {
        let it = self.inner.as_mut()?;
        let next = py.detach(|| it.next());
        match next {
            Some(h) => Some(h.0),
            None => {
                self.inner = None;
                None
            }
        }
    }

    fn __len__(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| i.size_hint().0)
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
