//! The task functions the runtime runs for Python: a call, a chunk of `map`, an `spmd`
//! instance; and the list of the running task's children that `as_completed()` needs.
//!
//! A call travels as one object, the tuple `(kind, f, args, kwargs)`: as it is to a worker of
//! this node, pickled to another node (functions by reference, as pickle does).

use crate::errors;
use crate::future::Task;
use crate::threads;
use crate::value::{Opened, PyValue};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::cell::RefCell;

/// `f(*args, **kwargs)`.
pub(crate) const CALL: u8 = 0;
/// `[f(*a) for a in args]`: one chunk of `map`.
pub(crate) const CHUNK: u8 = 1;
/// A chunk of the executor's `map`: as [`CHUNK`], but an item's exception carries the
/// results of the items before it (attribute `_torcpy_done`), so that they are not lost.
pub(crate) const XCHUNK: u8 = 2;
/// As [`XCHUNK`], for `map` over one iterable: each item is the one argument itself (no
/// tuple made per item), `fn(a)`.
pub(crate) const XCHUNK1: u8 = 3;

thread_local! {
    /// Per task running on this thread (innermost last): the children it submitted and has
    /// not waited for with `wait()` yet. The primary task's list is the first one on node 0.
    static CHILDREN: RefCell<Vec<Vec<Py<Task>>>> = const { RefCell::new(Vec::new()) };
}

/// Opens the list of children of a task starting on this thread.
pub(crate) fn enter_task() {
    CHILDREN.with(|c| c.borrow_mut().push(Vec::new()));
}

/// Closes the innermost list; its handles are dropped with the GIL held (here).
pub(crate) fn leave_task() -> Vec<Py<Task>> {
    CHILDREN.with(|c| c.borrow_mut().pop().unwrap_or_default())
}

/// Records `t` as a child of the running task.
pub(crate) fn add_child(t: Py<Task>) {
    CHILDREN.with(|c| {
        if let Some(top) = c.borrow_mut().last_mut() {
            top.push(t);
        }
    });
}

/// Takes the running task's children (all of them have been waited for, or are handed to
/// `as_completed`).
pub(crate) fn take_children() -> Vec<Py<Task>> {
    CHILDREN.with(|c| {
        c.borrow_mut()
            .last_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}

/// The call object for `f(*args, **kwargs)` (kind [`CALL`], [`CHUNK`] or [`XCHUNK`]), with
/// the claim of the executor future it runs for, if any (`pool::Claim`).
pub(crate) fn call_object<'py>(
    py: Python<'py>,
    kind: u8,
    f: &Bound<'py, PyAny>,
    args: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
    claim: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let none = || py.None().into_bound(py);
    let kw = kwargs.map_or_else(none, |k| k.clone().into_any());
    let claim = claim.map_or_else(none, Bound::clone);
    let call = PyTuple::new(
        py,
        [
            kind.into_pyobject(py)?.into_any(),
            f.clone(),
            args.clone(),
            kw,
            claim,
        ],
    )?;
    // Only the runtime's task holds the call (no Python object refers to it), so it can be
    // part of no reference cycle: keep it off the collector's lists, which would otherwise
    // walk every call still queued at every collection.
    // SAFETY: a live tuple, just created and tracked; untracking an object is always allowed.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(call.as_ptr().cast()) };
    Ok(call)
}

/// The task function of every Python task: runs the call it carries and returns its result,
/// or the record of the exception it raised.
pub(crate) fn run_call(input: PyValue) -> PyValue {
    if let PyValue::Call(_, Some(claim)) = &input {
        // Claimed before the GIL: from now on `cancel()` cannot stop it (and a cancelled
        // one is not run), whenever this thread gets the GIL.
        if !claim.start() {
            return PyValue::Skipped;
        }
    }
    threads::prime();
    Python::attach(move |py| {
        crate::blocking::until_ready(py);
        let call = match input.open(py) {
            Ok(Opened::Ok(c)) => c,
            Ok(Opened::Unsendable(why)) => {
                let (node, _) = errors::here();
                let e = errors::TaskError::new_err(format!(
                    "torcpy: a task's function or arguments cannot be serialized to run on node \
                     {node}: {why}"
                ));
                return PyValue::Raised(errors::record(py, e, "?"));
            }
            Ok(Opened::Raised(_)) => {
                let e = errors::TaskError::new_err("torcpy: a task's input is not a call");
                return PyValue::Raised(errors::record(py, e, "?"));
            }
            Err(e) => {
                let e = errors::TaskError::new_err(format!(
                    "torcpy: the task's function or arguments cannot be unpickled: {}",
                    errors::one_line(py, &e)
                ));
                return PyValue::Raised(errors::record(py, e, "?"));
            }
        };
        drop(input);
        let Ok((kind, f, args, kwargs, claim)) = call.extract::<(
            u8,
            Bound<'_, PyAny>,
            Bound<'_, PyAny>,
            Option<Bound<'_, PyDict>>,
            Bound<'_, PyAny>,
        )>() else {
            let e = errors::TaskError::new_err("torcpy: a task's input is not a call");
            return PyValue::Raised(errors::record(py, e, "?"));
        };
        if !may_run(&claim) {
            // Cancelled before it started: its future says so already.
            return PyValue::Ok(py.None());
        }
        drop(claim);
        enter_task();
        let r = match kind {
            CHUNK => chunk(py, &f, &args, false, true),
            XCHUNK => chunk(py, &f, &args, true, true),
            XCHUNK1 => chunk(py, &f, &args, true, false),
            _ => match args.cast::<PyTuple>() {
                Ok(a) => f.call(a, kwargs.as_ref()),
                Err(e) => Err(e.into()),
            },
        };
        if let Err(e) = &r {
            crate::blocking::note_interrupt(py, e);
        }
        let children = leave_task();
        if children.iter().any(|c| !c.get().is_finished()) {
            // Children it did not wait for: the task completes only with them anyway; waiting
            // here lets their handles go with their outcome known (a failure nobody looked
            // at is then reported).
            let _ = py.detach(torc::api::wait_all);
        }
        drop(children);
        match r {
            Ok(v) => PyValue::Ok(v.unbind()),
            Err(e) => PyValue::Raised(errors::record(py, e, &errors::function_name(&f))),
        }
    })
}

/// `[f(*a) for a in items]`; with `keep_done`, an item's exception carries the results
/// before it in its attribute `_torcpy_done`.
fn chunk<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    keep_done: bool,
    star: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let items = items.cast::<PyList>()?;
    let out = PyList::empty(py);
    for a in items.iter() {
        let r = if star {
            f.call1(a.cast_into::<PyTuple>()?)
        } else {
            f.call1((a,))
        };
        match r {
            Ok(v) => out.append(v)?,
            Err(e) => {
                if keep_done && !out.is_empty() {
                    // An exception that takes no attributes loses them (the items are then
                    // reported from the chunk's first one).
                    let _ = e.value(py).setattr(pyo3::intern!(py, "_torcpy_done"), &out);
                }
                return Err(e);
            }
        }
    }
    Ok(out.into_any())
}

/// The task function of `spmd`: unpickles `(f, args)` and calls `f(*args)` on this node. An
/// exception becomes the instance's failure (its traceback is the message).
pub(crate) fn run_spmd(pickled: &[u8]) {
    threads::prime();
    let failed = Python::attach(|py| -> Option<String> {
        let call = (|| -> PyResult<Bound<'_, PyAny>> {
            let (f, args): (Bound<'_, PyAny>, Bound<'_, PyTuple>) =
                crate::serial::unpickle(py, pickled)?.extract()?;
            enter_task();
            let r = f.call1(args);
            drop(leave_task());
            r
        })();
        call.err().map(|e| errors::traceback_text(py, &e))
    });
    if let Some(text) = failed {
        // Without the panic hook: the message reaches the caller, nothing is printed here.
        std::panic::resume_unwind(Box::new(text));
    }
}

/// Whether a call carrying `claim` (its fifth item) may run here: None (a module-API call),
/// or a claim from another node that was not cancelled. (A claim of this node was looked at
/// before the GIL was taken: `run_call`.)
pub(crate) fn may_run(claim: &Bound<'_, PyAny>) -> bool {
    if claim.is_none() || claim.cast::<crate::future::Task>().is_ok() {
        return true;
    }
    !claim.is_truthy().unwrap_or(false)
}
