//! Creating Python tasks: `submit`, `map` and `spmd`.

use crate::errors;
use crate::future::Task;
use crate::outcome::Outcome;
use crate::task::{self, call_object, run_call, run_spmd, CALL, CHUNK};
use crate::threads;
use crate::value::PyValue;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyDict, PyList, PySet, PyString, PyTuple};
use std::time::Instant;
use torc::api::{self, Borrow, Future, Moved, Place};

/// Refuses `api` outside a task of a running runtime.
pub(crate) fn in_task(api_name: &str) -> PyResult<()> {
    if api::level().is_none() {
        return Err(PyRuntimeError::new_err(format!(
            "torcpy.{api_name}: called outside a torcpy task (run main with torcpy.start(main); \
             tasks may call it too)"
        )));
    }
    Ok(())
}

/// Refuses `obj`, the argument `param` of `api` (as `torcpy.submit`), unless it is callable.
pub(crate) fn callable(api: &str, param: &str, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    if obj.is_callable() {
        return Ok(());
    }
    Err(PyTypeError::new_err(format!(
        "{api}: {param} = {} is not callable",
        obj.repr()?
    )))
}

/// Where `qid` sends a task.
pub(crate) fn place_of(qid: i64) -> PyResult<Place> {
    if qid == -1 {
        return Ok(Place::Any);
    }
    let workers = api::num_workers().unwrap_or(0);
    if qid < 0 || qid as usize >= workers {
        return Err(PyValueError::new_err(format!(
            "torcpy.submit: qid = {qid} names no worker (the job has {workers}: use -1 or 0..{})",
            workers.saturating_sub(1)
        )));
    }
    Ok(Place::Worker(qid as usize))
}

/// A shallow copy of `v` if it is a built-in mutable container (list, dict, set,
/// bytearray), else None: the caller may rebind or resize its containers after submit.
fn shallow<'py>(py: Python<'py>, v: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(Some(if let Ok(l) = v.cast::<PyList>() {
        l.get_slice(0, l.len()).into_any()
    } else if let Ok(d) = v.cast::<PyDict>() {
        d.copy()?.into_any()
    } else if let Ok(s) = v.cast::<PySet>() {
        PySet::new(py, s.iter())?.into_any()
    } else if let Ok(b) = v.cast::<PyByteArray>() {
        PyByteArray::new(py, &b.to_vec()).into_any()
    } else {
        return Ok(None);
    }))
}

/// What `input()` gives back for the arguments `args`: the argument itself when there is one,
/// else the tuple.
pub(crate) fn input_of(args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
    Ok(if args.len() == 1 {
        args.get_item(0)?.unbind()
    } else {
        args.clone().into_any().unbind()
    })
}

/// `v`, shallow-copied if it is a built-in container.
fn copied<'py>(py: Python<'py>, v: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    Ok(shallow(py, &v)?.unwrap_or(v))
}

/// `args` with its built-in containers shallow-copied (the tuple itself when it has none).
pub(crate) fn copied_args<'py>(
    py: Python<'py>,
    args: Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    // Nothing is allocated unless some argument is a container.
    let mut copies: Option<Vec<Bound<'py, PyAny>>> = None;
    for (i, a) in args.iter().enumerate() {
        match (shallow(py, &a)?, &mut copies) {
            (Some(c), Some(v)) => v.push(c),
            (Some(c), None) => {
                let mut v: Vec<Bound<'py, PyAny>> = args.iter().take(i).collect();
                v.push(c);
                copies = Some(v);
            }
            (None, Some(v)) => v.push(a),
            (None, None) => {}
        }
    }
    match copies {
        Some(v) => PyTuple::new(py, v),
        None => Ok(args),
    }
}

/// Submits `f(*args, **kwargs)` as a task on worker `qid` (-1: round robin over all workers
/// of the job) and returns its `Task` (the future). `callback(task)`, if given, runs on this
/// node when the task has finished, before the task counts as done. Arguments are
/// shallow-copied now (built-in containers); they and the result are pickled only if the
/// task runs on another node.
#[pyfunction]
#[pyo3(signature = (f, *args, qid = -1, callback = None, **kwargs))]
pub(crate) fn submit(
    py: Python<'_>,
    f: Bound<'_, PyAny>,
    args: Bound<'_, PyTuple>,
    qid: i64,
    callback: Option<Bound<'_, PyAny>>,
    kwargs: Option<Bound<'_, PyDict>>,
) -> PyResult<Py<Task>> {
    in_task("submit")?;
    callable("torcpy.submit", "f", &f)?;
    let callback = callback.filter(|c| !c.is_none());
    if let Some(c) = &callback {
        callable("torcpy.submit", "callback", c)?;
    }
    let place = place_of(qid)?;
    let args = copied_args(py, args)?;
    let kw = match &kwargs {
        Some(k) if !k.is_empty() => {
            let kw = PyDict::new(py);
            for (key, v) in k.iter() {
                kw.set_item(key, copied(py, v)?)?;
            }
            Some(kw)
        }
        _ => None,
    };
    let input = input_of(&args)?;
    let call = call_object(py, CALL, &f, args.as_any(), kw.as_ref(), None)?;
    let task = Task::new(input, kw.map(|k| k.into_any().unbind()), f.unbind()).into_object(py)?;
    let value = PyValue::Call(call.into_any().unbind(), None);
    let fut = match callback {
        None => api::submit(place, run_call, (Moved(value),)),
        Some(cb) => {
            let (me, cb) = (task.clone_ref(py), cb.unbind());
            api::submit_then(place, run_call, (Moved(value),), move |fut| {
                run_callback(me, cb, fut)
            })
        }
    };
    let _ = task.get().fut.set(fut);
    task::add_child(task.clone_ref(py));
    Ok(task)
}

/// Runs a task's callback with its `Task`, whose outcome is read first (from the runtime's
/// view of the finished handle). An exception in it is printed; the task stays done.
fn run_callback(me: Py<Task>, cb: Py<PyAny>, fut: &Future<PyValue>) {
    threads::prime();
    Python::attach(move |py| {
        let t = me.get();
        t.settle_from(py, fut);
        task::enter_task();
        let r = cb.call1(py, (me.clone_ref(py),));
        drop(task::leave_task());
        if let Err(e) = r {
            let (node, _) = errors::here();
            eprintln!(
                "torcpy: node {node}: the callback of task {} raised:\n{}",
                t.name(py),
                errors::traceback_text(py, &e).trim_end()
            );
        }
        drop(cb);
        drop(me);
    })
}

/// The minimum interval in seconds between `map`'s progress lines that `progress` asks for
/// (None: no progress lines). False (or None, the default) is off, True is 1 second, a
/// number is that many seconds (0 or more).
fn progress_interval(progress: Option<&Bound<'_, PyAny>>) -> PyResult<Option<f64>> {
    let Some(p) = progress.filter(|p| !p.is_none()) else {
        return Ok(None);
    };
    if let Ok(b) = p.cast::<PyBool>() {
        return Ok(b.is_true().then_some(1.0));
    }
    // Numbers only (int, float and what converts like them: numpy's scalars, Fraction);
    // a str is refused, not parsed.
    let secs = match p.extract::<f64>() {
        Ok(s) if !p.is_instance_of::<PyString>() => s,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "torcpy.map: progress = {} is not a bool or a number of seconds",
                p.repr()?
            )))
        }
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(PyValueError::new_err(format!(
            "torcpy.map: progress = {} (the interval between progress lines must be 0 \
             seconds or more)",
            p.repr()?
        )));
    }
    Ok(Some(secs))
}

/// One progress line of `map`, on `sys.stderr` (on the process's stderr if that fails).
fn progress_line(py: Python<'_>, done: usize, total: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let rate = done as f64 / secs;
    let rate = if rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    };
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    let line = format!("torcpy.map: {done}/{total} items done ({pct}%), {rate} items/s\n");
    let written = (|| -> PyResult<()> {
        let err = py.import("sys")?.getattr("stderr")?;
        err.call_method1("write", (line.as_str(),))?;
        err.call_method0("flush")?;
        Ok(())
    })();
    if written.is_err() {
        eprint!("{line}");
    }
}

/// A chunk's handle and its number of items, for `as_completed`.
struct Chunk<'a>(&'a Future<PyValue>, usize);

impl std::borrow::Borrow<Future<PyValue>> for Chunk<'_> {
    fn borrow(&self) -> &Future<PyValue> {
        self.0
    }
}

/// Waits for every chunk of a `map` of `total` items (`cs` a chunk), the GIL released,
/// printing a progress line at a chunk's completion when `every` seconds have passed since
/// the last one (or the start), and a last line once all are done.
fn wait_with_progress(
    py: Python<'_>,
    futures: &[Future<PyValue>],
    total: usize,
    cs: usize,
    every: f64,
    started: Instant,
) {
    let chunks = futures
        .iter()
        .enumerate()
        .map(|(i, f)| Chunk(f, cs.min(total - i * cs)))
        .collect();
    let mut finished = api::as_completed(chunks);
    let (mut done, mut last) = (0, started);
    while let Some(c) = py.detach(|| finished.next()) {
        done += c.1;
        if done < total && last.elapsed().as_secs_f64() >= every {
            progress_line(py, done, total, started);
            last = Instant::now();
        }
    }
    progress_line(py, done, total, started);
}

/// `f` over the items of the sequences (`f(a, b)` for `a, b` in `zip(*seq)`), in tasks of
/// `chunksize` items spread round robin over all workers; the results as a list, in input
/// order. The first exception (in input order) is raised once every chunk has finished.
/// `progress` (True, or the minimum seconds between lines) prints, while the caller waits,
/// lines `torcpy.map: D/N items done (P%), R items/s` on stderr, and one when all are done.
#[pyfunction]
#[pyo3(
    signature = (f, *seq, chunksize = 1, progress = None),
    text_signature = "(f, *seq, chunksize=1, progress=False)"
)]
pub(crate) fn map(
    py: Python<'_>,
    f: Bound<'_, PyAny>,
    seq: Bound<'_, PyTuple>,
    chunksize: i64,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Py<PyList>> {
    in_task("map")?;
    if chunksize < 1 {
        return Err(PyValueError::new_err(format!(
            "torcpy.map: chunksize = {chunksize} (it must be at least 1)"
        )));
    }
    callable("torcpy.map", "f", &f)?;
    // The interval and the start; None (the default) costs nothing below.
    let progress = progress_interval(progress.as_ref())?.map(|every| (every, Instant::now()));
    let zip = py.import("builtins")?.getattr("zip")?;
    let items = PyList::new(
        py,
        zip.call1(seq)?.try_iter()?.collect::<PyResult<Vec<_>>>()?,
    )?;
    let n = items.len();
    let cs = chunksize as usize;
    let mut futures = Vec::with_capacity(n.div_ceil(cs));
    for start in (0..n).step_by(cs) {
        let part = items.get_slice(start, (start + cs).min(n));
        let call = call_object(py, CHUNK, &f, part.as_any(), None, None)?;
        let value = PyValue::Call(call.into_any().unbind(), None);
        futures.push(api::submit(Place::Any, run_call, (Moved(value),)));
    }
    drop(items);
    if let Some((every, started)) = progress {
        wait_with_progress(py, &futures, n, cs, every, started);
    }
    let out = PyList::empty(py);
    let mut first: Option<Py<PyAny>> = None;
    for fut in &futures {
        if !fut.is_done() {
            crate::blocking::wait(py, None, &|| false, &mut |end, stop| {
                fut.wait_until(end, stop)
            })?;
        }
        match crate::outcome::outcome_of(py, fut.get()) {
            Outcome::Value(list) => {
                if first.is_none() {
                    for x in list.bind(py).try_iter()? {
                        out.append(x?)?;
                    }
                }
            }
            Outcome::Raised(e) => {
                first.get_or_insert(e);
            }
        }
    }
    match first {
        Some(e) => Err(PyErr::from_value(e.into_bound(py))),
        None => Ok(out.unbind()),
    }
}

/// Runs `f(*args)` on every rank at once (`spmd`), where it may use MPI (mpi4py's
/// `MPI.COMM_WORLD`, collectives included); returns when every rank's call has returned.
/// Called by the primary task. `f` and `args` are pickled to reach the other ranks.
#[pyfunction]
#[pyo3(signature = (f, *args))]
pub(crate) fn spmd(py: Python<'_>, f: Bound<'_, PyAny>, args: Bound<'_, PyTuple>) -> PyResult<()> {
    in_task("spmd")?;
    if api::level() != Some(0) {
        return Err(PyRuntimeError::new_err(
            "torcpy.spmd: only the primary task (main, on rank 0) may switch to SPMD",
        ));
    }
    let call = PyTuple::new(py, [f.clone(), args.into_any()])?;
    let pickled = crate::serial::dumps(py, call.as_any()).map_err(|e| {
        PyTypeError::new_err(format!(
            "torcpy.spmd: f and its arguments cannot be pickled: {}",
            errors::one_line(py, &e)
        ))
    })?;
    let bytes: Vec<u8> = pickled.as_bytes().to_vec();
    let r = py.detach(|| api::spmd(run_spmd, (Borrow(&bytes[..]),)));
    r.map_err(|e| errors::TaskError::new_err(format!("torcpy.spmd: {e}")))
}
