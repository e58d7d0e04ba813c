//! Exceptions of Python tasks: caught where the task ran, carried to the caller as a record,
//! raised again by `result()` with where it happened and the remote traceback.
//!
//! A record is the tuple `(exception, traceback text, function name, node, worker)`. On the
//! node that ran the task it holds the exception object itself (with its traceback); sent to
//! another node it is pickled, and an exception that does not pickle is replaced by a
//! `torcpy.TaskError` with its type and message.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

pyo3::create_exception!(
    torcpy,
    TaskError,
    pyo3::exceptions::PyRuntimeError,
    "A torcpy task could not run or report its outcome (its exception could not be sent, its \
     function or arguments could not be pickled, or the runtime failed it)."
);

pyo3::create_exception!(
    torcpy,
    RemoteTraceback,
    pyo3::exceptions::PyException,
    "On Python 3.9 and 3.10, which print no notes (PEP 678): the cause given to a task's \
     exception (one without a cause of its own), whose message is the exception's torcpy notes \
     (task, node, worker, and the traceback there when another node raised it), so that the \
     traceback printed shows them, as concurrent.futures shows a worker process's traceback."
);

/// `type: message` of `e`.
pub(crate) fn one_line(py: Python<'_>, e: &PyErr) -> String {
    let v = e.value(py);
    let ty = v
        .get_type()
        .qualname()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "Exception".into());
    match v.str() {
        Ok(s) if !s.to_string().is_empty() => format!("{ty}: {s}"),
        _ => ty,
    }
}

/// The full traceback text of `e`, as Python prints it.
pub(crate) fn traceback_text(py: Python<'_>, e: &PyErr) -> String {
    let text = (|| -> PyResult<String> {
        let tb = py.import("traceback")?;
        let lines = tb.call_method1(
            "format_exception",
            (e.get_type(py), e.value(py), e.traceback(py)),
        )?;
        let joined = PyString::new(py, "").call_method1("join", (lines,))?;
        joined.extract::<String>()
    })();
    text.unwrap_or_else(|_| one_line(py, e))
}

/// The name a task function goes by in messages: its qualified name, else its repr.
pub(crate) fn function_name(f: &Bound<'_, PyAny>) -> String {
    if let Ok(q) = f.getattr("__qualname__") {
        if let Ok(s) = q.extract::<String>() {
            return s;
        }
    }
    f.repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Where the calling thread is: (node, global worker or -1).
pub(crate) fn here() -> (i64, i64) {
    let node = torc::api::node_id().map_or(0, |n| n as i64);
    let worker = torc::api::worker_id().map_or(-1, |w| w as i64);
    (node, worker)
}

/// The record of exception `e`, raised by task function `f` on this thread.
pub(crate) fn record(py: Python<'_>, e: PyErr, fname: &str) -> Py<PyAny> {
    let tb = traceback_text(py, &e);
    let (node, worker) = here();
    PyTuple::new(
        py,
        [
            e.into_value(py).into_any(),
            PyString::new(py, &tb).into_any().unbind(),
            PyString::new(py, fname).into_any().unbind(),
            node.into_pyobject(py).unwrap().into_any().unbind(),
            worker.into_pyobject(py).unwrap().into_any().unbind(),
        ],
    )
    .expect("a tuple of five")
    .into_any()
    .unbind()
}

/// Record `rec` as it travels: `(pickled exception or None, traceback text, function, node,
/// worker, "type: message")`, the exception pickled on its own so that the rest always
/// arrives, even when the exception cannot be pickled here or unpickled there.
pub(crate) fn wire_record<'py>(
    py: Python<'py>,
    rec: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let rec = rec.cast::<PyTuple>()?;
    let exc = rec.get_item(0)?;
    let line = one_line(py, &PyErr::from_value(exc.clone()));
    let pickled = crate::serial::dumps(py, &exc)
        .map(Bound::into_any)
        .unwrap_or_else(|_| py.None().into_bound(py));
    let mut items: Vec<Bound<'py, PyAny>> = vec![pickled];
    items.extend(rec.iter().skip(1));
    items.push(PyString::new(py, &line).into_any());
    Ok(PyTuple::new(py, items)?.into_any())
}

/// The record of a [`wire_record`] that arrived: its exception unpickled, or a `TaskError`
/// with its type and message when that cannot be done.
pub(crate) fn arrived_record<'py>(
    py: Python<'py>,
    wire: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let wire = wire.cast::<PyTuple>()?;
    let pickled = wire.get_item(0)?;
    let line: String = wire.get_item(5)?.extract()?;
    let exc = if pickled.is_none() {
        Err(format!("{line} (the exception could not be pickled)"))
    } else {
        let bytes = pickled.cast::<pyo3::types::PyBytes>()?.as_bytes();
        crate::serial::unpickle(py, bytes).map_err(|e| {
            format!(
                "{line} (the exception could not be unpickled: {})",
                one_line(py, &e)
            )
        })
    };
    let exc = match exc {
        Ok(e) => e,
        Err(text) => TaskError::new_err(text)
            .into_value(py)
            .into_any()
            .into_bound(py),
    };
    let mut items: Vec<Bound<'py, PyAny>> = vec![exc];
    items.extend(wire.iter().skip(1).take(4));
    Ok(PyTuple::new(py, items)?.into_any())
}

/// The exception of record `rec`, with a note saying which task raised it where (and the
/// traceback of the node that ran it, if that is another process).
pub(crate) fn exception_of(_py: Python<'_>, rec: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let rec = rec.cast::<PyTuple>()?;
    let exc = rec.get_item(0)?;
    let tb: String = rec.get_item(1)?.extract()?;
    let fname: String = rec.get_item(2)?.extract()?;
    let node: i64 = rec.get_item(3)?.extract()?;
    let worker: i64 = rec.get_item(4)?.extract()?;
    // One process per node: a record made on another node came from another process.
    let remote = node != here().0;
    let mut note = format!("torcpy: raised by task {fname} on node {node}, worker {worker}");
    if remote {
        note.push_str(" (traceback there):\n");
        note.push_str(tb.trim_end());
    }
    if exc.hasattr("add_note")? {
        exc.call_method1("add_note", (note,))?;
        return Ok(exc.unbind());
    }
    // Python 3.9 and 3.10: the notes kept by hand where 3.11 keeps them (they travel with the
    // exception's state when it is pickled again), and shown as the exception's cause, unless
    // it has a cause of its own (a cause does not travel: from another node it is made again
    // at each arrival).
    let py = exc.py();
    let notes = match exc.getattr("__notes__") {
        Ok(n) if n.is_instance_of::<PyList>() => n.cast_into::<PyList>()?,
        _ => {
            let n = PyList::empty(py);
            exc.setattr("__notes__", &n)?;
            n
        }
    };
    notes.append(&note)?;
    let cause = exc.getattr("__cause__")?;
    if cause.is_none() || cause.is_instance_of::<RemoteTraceback>() {
        let text: Vec<String> = notes
            .iter()
            .filter_map(|n| n.extract::<String>().ok())
            .collect();
        let shown = RemoteTraceback::new_err(format!("\n{}", text.join("\n\n")));
        exc.setattr("__cause__", shown.into_value(py))?;
    }
    Ok(exc.unbind())
}

/// A `TaskError` with `message`, as an exception object.
pub(crate) fn task_error(py: Python<'_>, message: String) -> Py<PyAny> {
    TaskError::new_err(message).into_value(py).into_any()
}
