//! Waits of Python callers that a timeout or Ctrl-C can end.
//!
//! A wait releases the GIL and waits in the runtime (a worker runs other tasks meanwhile). The
//! main thread waits in slices of [`SLICE`]: between two it takes the GIL back and lets Python
//! run its signal handlers, so a Ctrl-C raises `KeyboardInterrupt` in the script within a
//! slice, wherever it waits. A task that the main thread runs inside such a wait may be the
//! one that receives the `KeyboardInterrupt` (Python raises it in whatever code the main
//! thread runs): that task fails with it, and [`note_interrupt`] makes the wait around it
//! raise it as well.

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the main thread waits before it looks for signals again.
const SLICE: Duration = Duration::from_millis(50);

/// Set when a task run by the main thread raised `KeyboardInterrupt`: the main thread's
/// innermost wait raises it too.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The main thread's identifier (`threading.main_thread().ident`).
static MAIN: OnceLock<u64> = OnceLock::new();

/// Records the main thread (at import, which runs on it in every usual program).
pub(crate) fn init(py: Python<'_>) -> PyResult<()> {
    let ident: u64 = py
        .import("threading")?
        .call_method0("main_thread")?
        .getattr("ident")?
        .extract()?;
    let _ = MAIN.set(ident);
    Ok(())
}

/// Whether the calling thread is Python's main thread (the one signal handlers run on).
pub(crate) fn on_main_thread() -> bool {
    // SAFETY: a plain query of the calling thread's identifier; needs no GIL.
    let me = unsafe { pyo3::ffi::PyThread_get_thread_ident() } as u64;
    MAIN.get() == Some(&me)
}

/// Set by torcpy's SIGINT (and SIGTERM) handler: the next `KeyboardInterrupt` comes from a
/// signal, not from a task raising it.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Called by torcpy's signal handler (`torcpy._signals`) before it raises.
#[pyfunction]
pub(crate) fn note_signal() {
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// A task ended with `e` on this thread: if that is the `KeyboardInterrupt` of a signal, on
/// the main thread, the wait the task ran inside raises it too.
pub(crate) fn note_interrupt(py: Python<'_>, e: &PyErr) {
    if e.is_instance_of::<PyKeyboardInterrupt>(py)
        && on_main_thread()
        && SIGNALLED.swap(false, Ordering::SeqCst)
    {
        INTERRUPTED.store(true, Ordering::SeqCst);
    }
}

/// A wait the runtime bounds: waits until the deadline it is given or until the stop
/// condition it is given holds, and says whether what it waits for is done.
pub(crate) type Slice<'a> =
    &'a mut (dyn FnMut(Option<Instant>, &mut dyn FnMut() -> bool) -> bool + Send);

/// Waits with `slice` until what it waits for is done, `over()` holds, or `deadline` passes,
/// with the GIL released. `Ok(true)`: done (or over); `Ok(false)`: the deadline passed; on the
/// main thread, the exception of a signal handler (`KeyboardInterrupt` for Ctrl-C).
pub(crate) fn wait(
    py: Python<'_>,
    deadline: Option<Instant>,
    over: &(dyn Fn() -> bool + Sync),
    slice: Slice<'_>,
) -> PyResult<bool> {
    let main = on_main_thread();
    loop {
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(over());
        }
        let end = if main {
            let s = now + SLICE;
            Some(deadline.map_or(s, |d| d.min(s)))
        } else {
            deadline
        };
        let done = py.detach(|| {
            slice(end, &mut || {
                over() || (main && INTERRUPTED.load(Ordering::Relaxed))
            })
        });
        if done || over() {
            return Ok(true);
        }
        if main {
            if INTERRUPTED.swap(false, Ordering::SeqCst) {
                return Err(PyKeyboardInterrupt::new_err(()));
            }
            if let Err(e) = py.check_signals() {
                SIGNALLED.store(false, Ordering::SeqCst);
                return Err(e);
            }
        }
    }
}

/// A deadline `timeout` seconds from now (None: no timeout; a negative timeout is now).
pub(crate) fn deadline(timeout: Option<f64>) -> Option<Instant> {
    let t = timeout?;
    let secs = if t.is_nan() || t < 0.0 {
        0.0
    } else {
        t.min(1e9)
    };
    Some(Instant::now() + Duration::from_secs_f64(secs))
}

/// Whether a wait with `timeout` runs other tasks meanwhile: always without a timeout; with
/// one, only when this node has no other worker to run them (a task run inside the wait may
/// overrun the timeout by its whole length, but without it nothing would run).
pub(crate) fn helps(timeout: Option<f64>) -> bool {
    timeout.is_none() || torc::api::local_workers().is_none_or(|w| w <= 1)
}

/// Whether tasks may run in this process now: false while a rank other than 0 of
/// `python -m torcpy` still imports the program whose functions the tasks name.
static READY: (std::sync::Mutex<bool>, std::sync::Condvar) =
    (std::sync::Mutex::new(true), std::sync::Condvar::new());

/// Holds every task back (before the runtime starts) until [`release_tasks`].
#[pyfunction]
pub(crate) fn hold_tasks() {
    if let Ok(mut r) = READY.0.lock() {
        *r = false;
    }
}

/// Lets the tasks held back by [`hold_tasks`] run.
#[pyfunction]
pub(crate) fn release_tasks() {
    if let Ok(mut r) = READY.0.lock() {
        *r = true;
    }
    READY.1.notify_all();
}

/// Whether tasks are held back (`python -m torcpy` imports the program on this rank).
pub(crate) fn tasks_held() -> bool {
    READY.0.lock().map(|r| !*r).unwrap_or(false)
}

/// Waits (the GIL released) until tasks may run; at once in the usual case.
pub(crate) fn until_ready(py: Python<'_>) {
    let held = READY.0.lock().map(|r| !*r).unwrap_or(false);
    if held {
        py.detach(|| {
            if let Ok(mut r) = READY.0.lock() {
                while !*r {
                    r = match READY.1.wait(r) {
                        Ok(r) => r,
                        Err(_) => return,
                    };
                }
            }
        });
    }
}
