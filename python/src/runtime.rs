//! Starting and ending torcpy: `init`, `launch`, `start`, `shutdown`, `finalize`; the
//! settings from `TORCPY_*` (and torc's `TORC_*`); where the caller is (node, worker) and
//! stealing on or off.
//!
//! `init` starts torc on every rank and returns on each. `launch(main)` then runs `main` as
//! the primary task on rank 0 and shuts the job down when it returns, while the other ranks
//! serve tasks until then and return. `start(main)` is both.

use crate::errors;
use crate::task;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use torc::api::{self, Builder, CallerWorker, Role};

/// What this process is, once `init` ran: its role, node and the job's nodes.
static STARTED: OnceLock<(Role, usize, usize)> = OnceLock::new();
/// Whether rank 0 has shut the runtime down (or the server ranks have served).
static ENDED: AtomicBool = AtomicBool::new(false);
/// Whether `launch` began (it runs main, or serves, once).
static LAUNCHED: AtomicBool = AtomicBool::new(false);

fn not_running(api: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "torcpy.{api}: the runtime is not running (call torcpy.start(main) first)"
    ))
}

/// The settings: torc's from `TORC_*`, then `TORCPY_WORKERS`, `TORCPY_STEALING` and
/// `TORCPY_SERVER_YIELDTIME` over them.
fn builder(caller: CallerWorker) -> PyResult<Builder> {
    // A Python task's frames live in its thread's interpreter state: a wait must not set the
    // task aside on another stack while the worker runs other Python tasks on that thread.
    let mut b = Builder::new().suspend_waits(false).caller(caller);
    if let Ok(w) = std::env::var("TORCPY_WORKERS") {
        let n: usize = w.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            PyValueError::new_err(format!(
                "torcpy.init: TORCPY_WORKERS = {w:?} is not a number of workers (1 or more)"
            ))
        })?;
        b = b.workers(n);
    }
    if let Ok(s) = std::env::var("TORCPY_STEALING") {
        let on = match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" | "" => false,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "torcpy.init: TORCPY_STEALING = {s:?} is not a boolean (True/False, 1/0)"
                )))
            }
        };
        b = b.stealing(on);
    }
    if let Ok(y) = std::env::var("TORCPY_SERVER_YIELDTIME") {
        let secs: f64 = y
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| *s >= 0.0)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "torcpy.init: TORCPY_SERVER_YIELDTIME = {y:?} is not a number of seconds"
                ))
            })?;
        b = b.yield_time(Duration::from_secs_f64(secs));
    }
    Ok(b)
}

/// Starts the runtime on every rank (collective); a second call does nothing. `caller`:
/// "counted" (the calling thread is one of `TORCPY_WORKERS`, as in the original torcpy) or
/// "extra" (rank 0 starts `TORCPY_WORKERS` worker threads besides the calling thread, which
/// runs the script and runs tasks only while it waits: the executor's launchers).
#[pyfunction]
#[pyo3(signature = (caller = "counted"))]
pub(crate) fn init(py: Python<'_>, caller: &str) -> PyResult<()> {
    if STARTED.get().is_some() {
        return Ok(());
    }
    let caller = match caller {
        "counted" => CallerWorker::Counted,
        "extra" => CallerWorker::ExtraOnNode0,
        _ => {
            return Err(PyValueError::new_err(format!(
                "torcpy.init: caller = {caller:?} (use \"counted\" or \"extra\")"
            )))
        }
    };
    let b = builder(caller)?;
    let role = py.detach(|| b.init()).map_err(|e| match e {
        api::Error::Config(_) => match std::env::var("TORCPY_WORKERS") {
            Ok(w) => PyValueError::new_err(format!("torcpy.init: TORCPY_WORKERS = {w:?}: {e}")),
            Err(_) => PyValueError::new_err(format!("torcpy.init: {e}")),
        },
        _ => PyRuntimeError::new_err(format!("torcpy.init: {e}")),
    })?;
    let (node, nodes) = (api::node_id().unwrap_or(0), api::num_nodes().unwrap_or(1));
    let _ = STARTED.set((role, node, nodes));
    if role == Role::Primary {
        task::enter_task();
    }
    Ok(())
}

/// Rank 0: runs `main()` as the primary task, then shuts the job down and returns its
/// result. Other ranks: serve tasks until rank 0 is done, then return None. An exception in
/// `main` ends the whole job: on one rank it propagates after the shutdown; with several it
/// is printed and every rank stops with status 1.
#[pyfunction]
#[pyo3(signature = (main = None))]
pub(crate) fn launch(py: Python<'_>, main: Option<Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    init(py, "counted")?;
    let &(role, _, nodes) = STARTED.get().expect("started");
    if ENDED.load(Ordering::Acquire) {
        return Err(PyRuntimeError::new_err(
            "torcpy.launch: the runtime has already ended in this process",
        ));
    }
    if api::level().is_some_and(|l| l > 0) || LAUNCHED.swap(true, Ordering::AcqRel) {
        return Err(PyRuntimeError::new_err(
            "torcpy.start: called while torcpy runs (from main or a task); start it once, \
             from __main__",
        ));
    }
    if role == Role::Server {
        serve(
            py,
            if main.is_some() {
                "torcpy.launch"
            } else {
                "torcpy.launch(None)"
            },
        )?;
        return Ok(py.None());
    }
    let Some(main) = main else {
        // The late switch (`launch(None)`): the caller goes on as the primary task; the job
        // ends with its `shutdown()`.
        return Ok(py.None());
    };
    let r = main.call0().map(Bound::unbind);
    match r {
        Ok(v) => {
            shutdown(py, "torcpy.shutdown")?;
            Ok(v)
        }
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) => {
            // Ctrl-C that main did not catch: every rank ends now, as Python's 130.
            e.print(py);
            let ended = py
                .import("torcpy._signals")
                .and_then(|m| m.call_method0("end_interrupted"));
            // (Only returns if that failed.)
            drop(ended);
            flush(py);
            api::abort(130)
        }
        Err(e) if nodes == 1 => {
            shutdown(py, "torcpy.shutdown")?;
            Err(e)
        }
        Err(e) if e.is_instance_of::<pyo3::exceptions::PySystemExit>(py) => {
            // `sys.exit(status)` in main: a clean end for status 0 (or None), which then
            // leaves with it; any other status stops every rank with it.
            let code = e.value(py).getattr("code").ok();
            let status = match &code {
                Some(c) if c.is_none() => 0,
                Some(c) => c.extract::<i32>().unwrap_or(1),
                None => 1,
            };
            if status == 0 {
                shutdown(py, "torcpy.shutdown")?;
                return Err(e);
            }
            eprintln!(
                "torcpy: node 0: the primary task exited with status {status}: stopping the job"
            );
            flush(py);
            api::abort(status)
        }
        Err(e) => {
            e.print(py);
            eprintln!(
                "torcpy: node 0: the primary task raised {}: stopping the job",
                errors::one_line(py, &e)
            );
            flush(py);
            api::abort(1)
        }
    }
}

/// Flushes Python's standard streams (before the process ends without Python's help).
fn flush(py: Python<'_>) {
    if let Ok(sys) = py.import("sys") {
        for s in ["stdout", "stderr"] {
            if let Ok(stream) = sys.getattr(s) {
                let _ = stream.call_method0("flush");
            }
        }
    }
}

/// A server rank: runs tasks until rank 0 ends the job.
fn serve(py: Python<'_>, api_name: &str) -> PyResult<()> {
    refuse_while_held(api_name)?;
    if !ENDED.swap(true, Ordering::AcqRel) {
        let _ = py.detach(api::serve);
    }
    Ok(())
}

/// Refuses to serve while `python -m torcpy` imports the program on this rank (tasks are held
/// until the import ends, so serving then would wait forever): the program's module-level
/// code called `api_name`, which belongs under `if __name__ == "__main__":`.
fn refuse_while_held(api_name: &str) -> PyResult<()> {
    if !crate::blocking::tasks_held() {
        return Ok(());
    }
    let (node, _) = crate::errors::here();
    Err(PyRuntimeError::new_err(format!(
        "{api_name}: called by the program's module-level code on rank {node}, where python -m \
         torcpy imports the program to find its functions (only rank 0 runs it as __main__); \
         put the program's work under `if __name__ == \"__main__\":`"
    )))
}

/// Whether the calling thread is one of the runtime's workers (a wait there runs other
/// tasks).
#[pyfunction]
pub(crate) fn on_worker() -> bool {
    api::worker_id().is_some()
}

/// The nesting level of the task the calling thread runs (0: the primary task), or None
/// outside any task.
#[pyfunction]
pub(crate) fn level() -> Option<u32> {
    api::level()
}

/// Stops the whole job at once with exit status `status` (`MPI_Abort`), after flushing
/// Python's standard streams.
#[pyfunction]
pub(crate) fn abort(py: Python<'_>, status: i32) {
    flush(py);
    api::abort(status)
}

/// What this process is in the job: "primary" (rank 0), "server" (another rank), or None
/// before `init`.
#[pyfunction]
pub(crate) fn role() -> Option<&'static str> {
    STARTED.get().map(|s| match s.0 {
        Role::Primary => "primary",
        Role::Server => "server",
    })
}

/// Whether the job has ended in this process (it was started, and runs no more).
#[pyfunction]
pub(crate) fn ended() -> bool {
    STARTED.get().is_some() && api::node_id().is_none()
}

/// How many task phases rank 0 has ended (`end_phase`), on this rank.
static PHASES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// On a rank other than 0, on the thread that started torcpy: runs tasks until rank 0 ends
/// the current task phase (`end_phase`, run on every rank) or the job, then returns and the
/// script goes on (`TorcCommExecutor`). Ctrl-C raises `KeyboardInterrupt` here.
#[pyfunction]
pub(crate) fn serve_phase(py: Python<'_>) -> PyResult<()> {
    refuse_while_held("torcpy.futures.TorcCommExecutor")?;
    let start = PHASES.load(Ordering::SeqCst);
    let over = || PHASES.load(Ordering::SeqCst) != start;
    let mut served = Ok(());
    crate::blocking::wait(py, None, &over, &mut |end, stop| {
        let stop = std::cell::RefCell::new(stop);
        let until = || (stop.borrow_mut())() || end.is_some_and(|e| std::time::Instant::now() >= e);
        served = api::serve_until(&until);
        // Done when the phase ended, or the job did (then there is nothing more to serve).
        over() || served.is_err()
    })?;
    served.map_err(|e| PyRuntimeError::new_err(format!("torcpy: serving tasks: {e}")))
}

/// Ends the current task phase on this rank (see `serve_phase`).
#[pyfunction]
pub(crate) fn end_phase() {
    PHASES.fetch_add(1, Ordering::SeqCst);
}

/// `init`, then `launch(main)`: the usual way to run a torcpy program (collective; call it
/// from `__main__`). Returns `main`'s result on rank 0, None on the others.
#[pyfunction]
pub(crate) fn start(py: Python<'_>, main: Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    init(py, "counted")?;
    launch(py, Some(main))
}

/// Rank 0, in the primary task: waits for every task of the job and stops all ranks. Other
/// ranks: serve until then. A second call does nothing.
#[pyfunction]
#[pyo3(signature = (caller = "torcpy.shutdown"))]
pub(crate) fn shutdown(py: Python<'_>, caller: &str) -> PyResult<()> {
    let Some(&(role, _, _)) = STARTED.get() else {
        return Ok(());
    };
    if api::level().is_some_and(|l| l > 0) || (role == Role::Server && api::level().is_some()) {
        return Err(PyRuntimeError::new_err(
            "torcpy.shutdown: called from inside a task; only the primary task (main, on rank \
             0) may end the job",
        ));
    }
    if role == Role::Server {
        serve(py, caller)?;
        return Ok(());
    }
    if ENDED.load(Ordering::Acquire) {
        return Ok(());
    }
    if api::level() != Some(0) {
        return Err(PyRuntimeError::new_err(
            "torcpy.shutdown: only the primary task (main, on rank 0) may end the job",
        ));
    }
    let r = py.detach(api::finalize);
    ENDED.store(true, Ordering::Release);
    drop(task::leave_task());
    r.map_err(|e| PyRuntimeError::new_err(format!("torcpy.shutdown: {e}")))
}

/// Ends torcpy in this process (collective): as `shutdown`; nothing after the end.
#[pyfunction]
pub(crate) fn finalize(py: Python<'_>) -> PyResult<()> {
    shutdown(py, "torcpy.shutdown")
}

/// This process's node (MPI rank).
#[pyfunction]
pub(crate) fn node_id() -> PyResult<usize> {
    api::node_id()
        .or(STARTED.get().map(|s| s.1))
        .ok_or_else(|| not_running("node_id"))
}

/// The job's nodes (MPI processes).
#[pyfunction]
pub(crate) fn num_nodes() -> PyResult<usize> {
    api::num_nodes()
        .or(STARTED.get().map(|s| s.2))
        .ok_or_else(|| not_running("num_nodes"))
}

/// The calling worker's global id (-1 on a thread that is no worker).
#[pyfunction]
pub(crate) fn worker_id() -> PyResult<i64> {
    api::num_workers().ok_or_else(|| not_running("worker_id"))?;
    Ok(api::worker_id().map_or(-1, |w| w as i64))
}

/// The calling worker's id on its node (-1 on a thread that is no worker).
#[pyfunction]
pub(crate) fn worker_local_id() -> PyResult<i64> {
    api::num_workers().ok_or_else(|| not_running("worker_local_id"))?;
    Ok(api::local_worker_id().map_or(-1, |w| w as i64))
}

/// Workers of the whole job.
#[pyfunction]
pub(crate) fn num_workers() -> PyResult<usize> {
    api::num_workers().ok_or_else(|| not_running("num_workers"))
}

/// Workers of this node.
#[pyfunction]
pub(crate) fn num_local_workers() -> PyResult<usize> {
    api::local_workers().ok_or_else(|| not_running("num_local_workers"))
}

/// Seconds since the epoch, as a float (for timing).
#[pyfunction]
pub(crate) fn gettime() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Turns inter-node stealing on, on every node.
#[pyfunction]
pub(crate) fn enable_stealing() -> PyResult<()> {
    api::set_stealing(true).map_err(|_| not_running("enable_stealing"))
}

/// Turns inter-node stealing off, on every node.
#[pyfunction]
pub(crate) fn disable_stealing() -> PyResult<()> {
    api::set_stealing(false).map_err(|_| not_running("disable_stealing"))
}
