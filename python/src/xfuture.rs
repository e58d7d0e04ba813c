//! Waiting on an executor's future and reading it (`TorcFuture.result`, `exception`): inside
//! the runtime on its workers (running other tasks meanwhile), or, for a thread that is no
//! worker of the runtime, on the future's condition (which the completion notifies).

use crate::blocking;
use crate::claim::Claim;
use crate::claim::CANCELLED;
use crate::inflight::Entry;
use crate::value::PyValue;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use torc::api;

/// An exception of `concurrent.futures`, `name`, with `args` (the class looked up once, in
/// `cell`).
pub(crate) fn futures_error<A>(
    py: Python<'_>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    args: A,
) -> PyErr
where
    A: pyo3::PyErrArguments + Send + Sync + 'static,
{
    let ty = cell.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        Ok(py
            .import("concurrent.futures")?
            .getattr(name)?
            .cast_into::<PyType>()?
            .unbind())
    });
    match ty {
        Ok(t) => PyErr::from_type(t.bind(py).clone(), args),
        Err(e) => e,
    }
}

/// `concurrent.futures.CancelledError`, raised by a cancelled future.
pub(crate) fn cancelled_error(py: Python<'_>) -> PyErr {
    static CANCELLED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    futures_error(py, &CANCELLED_ERROR, "CancelledError", ())
}

/// `concurrent.futures.TimeoutError` (the built-in one from Python 3.11 on).
pub(crate) fn timeout_error(py: Python<'_>) -> PyErr {
    static TIMEOUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    futures_error(py, &TIMEOUT_ERROR, "TimeoutError", ())
}

/// What the waits and reads below need of an executor's task (`future::Task`).
pub(crate) struct XTask<'a> {
    pub(crate) claim: &'a Claim,
    pub(crate) entry: Option<&'a Entry>,
    pub(crate) fut: Option<&'a api::Future<PyValue>>,
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
/// `read(exception)` reads the outcome once it is final.
pub(crate) fn xget(
    py: Python<'_>,
    t: XTask<'_>,
    timeout: Option<f64>,
    exception: bool,
    read: impl FnOnce(bool) -> PyResult<Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    if !t.claim.is_final() {
        match xwait(py, &t, timeout)? {
            0 => {}
            1 => return Err(timeout_error(py)),
            _ => return Ok(foreign(py)?.clone_ref(py)),
        }
    }
    if let Some(e) = t.entry {
        // Read: its executor need not keep it any more (the program may drop the result).
        crate::inflight::forget(py, e);
    }
    if t.claim.state() == CANCELLED {
        return Err(cancelled_error(py));
    }
    read(exception)
}

/// `_xwait(timeout)` of an executor future: 0 when it is final (finished or cancelled), 1
/// when `timeout` seconds passed first, 2 when the caller is not a worker of the runtime (it
/// then waits on the future's condition instead, which the completion notifies).
pub(crate) fn xwait(py: Python<'_>, t: &XTask<'_>, timeout: Option<f64>) -> PyResult<u8> {
    if t.claim.is_final() {
        return Ok(0);
    }
    if api::worker_id().is_none() {
        return Ok(2);
    }
    let Some(fut) = t.fut else {
        return Ok(2);
    };
    let over = || t.claim.is_final();
    let help = blocking::helps(timeout);
    let done = blocking::wait(py, blocking::deadline(timeout), &over, &mut |end, stop| {
        if help {
            fut.wait_until(end, stop)
        } else {
            fut.park_until(end, stop)
        }
    })?;
    Ok(if done || t.claim.is_final() { 0 } else { 1 })
}
