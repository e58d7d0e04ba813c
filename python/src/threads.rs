//! Python thread states for torc's worker threads.
//!
//! A torc worker that runs a Python task attaches to the interpreter. Attaching a thread that
//! has no thread state creates one and destroys it again when the thread detaches (PyO3 uses
//! `PyGILState_Ensure`/`Release`), which costs microseconds per task and forgets the
//! thread's `threading.local` data. So the first time a worker runs Python it creates its
//! thread state once, keeps it for the rest of the process, and releases the GIL: later
//! attaches only take the GIL.

use std::cell::Cell;

thread_local! {
    static PRIMED: Cell<bool> = const { Cell::new(false) };
}

/// Makes sure the calling thread has a Python thread state of its own (see the module
/// documentation). Harmless on a thread that is attached (it has a state, which is kept).
#[inline]
pub(crate) fn prime() {
    if PRIMED.with(Cell::get) {
        return;
    }
    PRIMED.with(|p| p.set(true));
    // SAFETY: called while the interpreter runs (torcpy is imported); neither call needs the
    // GIL beforehand. A thread that has a state already (the main thread, a thread Python
    // started) is left alone. Otherwise `PyGILState_Ensure` creates this thread's state and
    // takes the GIL; the state is never released, so its count stays above zero and later
    // `PyGILState_Ensure`/`Release` pairs only take and drop the GIL;
    // `PyEval_SaveThread` drops the GIL taken here.
    unsafe {
        if !pyo3::ffi::PyGILState_GetThisThreadState().is_null() {
            return;
        }
        let _ = pyo3::ffi::PyGILState_Ensure();
        let _ = pyo3::ffi::PyEval_SaveThread();
    }
}
