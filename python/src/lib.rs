//! `torcpy._core`: the torcpy API on torc's runtime (the package `torcpy` re-exports it).
//!
//! * `runtime.rs`: init, launch, start, shutdown, finalize; node and worker queries;
//! * `submit.rs`: submit, map, spmd; `task.rs`: the task functions torc runs for them;
//! * `future.rs`: the `Task` future; `wait.rs`: wait, waitall, as_completed;
//! * `value.rs`: calls and results as the runtime carries them (pickled only off the node);
//! * `errors.rs`: exceptions carried back to `result()`; `threads.rs`: worker thread states.

use pyo3::prelude::*;

mod blocking;
mod claim;
mod errors;
mod future;
mod inflight;
mod newfuture;
mod notifier;
mod outcome;
mod pool;
mod runtime;
mod serial;
mod submit;
mod task;
mod threads;
mod value;
mod wait;
mod xfuture;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    blocking::init(m.py())?;
    m.add_class::<future::Task>()?;
    m.add_class::<pool::Pool>()?;
    m.add("_FOREIGN", xfuture::foreign(m.py())?.clone_ref(m.py()))?;
    m.add_function(wrap_pyfunction!(claim::_remote_claim, m)?)?;
    m.add_function(wrap_pyfunction!(pool::_gc_track, m)?)?;
    m.add_class::<wait::AsCompletedIter>()?;
    m.add("TaskError", m.py().get_type::<errors::TaskError>())?;
    m.add(
        "RemoteTraceback",
        m.py().get_type::<errors::RemoteTraceback>(),
    )?;
    m.add_function(wrap_pyfunction!(runtime::init, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::launch, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::start, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::finalize, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::role, m)?)?;
    m.add_function(wrap_pyfunction!(blocking::hold_tasks, m)?)?;
    m.add_function(wrap_pyfunction!(blocking::note_signal, m)?)?;
    m.add_function(wrap_pyfunction!(blocking::release_tasks, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::on_worker, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::level, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::abort, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::ended, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::serve_phase, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::end_phase, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::node_id, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::num_nodes, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::worker_id, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::worker_local_id, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::num_workers, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::num_local_workers, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::gettime, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::enable_stealing, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::disable_stealing, m)?)?;
    m.add_function(wrap_pyfunction!(submit::submit, m)?)?;
    m.add_function(wrap_pyfunction!(serial::set_serializer, m)?)?;
    m.add_function(wrap_pyfunction!(submit::map, m)?)?;
    m.add_function(wrap_pyfunction!(submit::spmd, m)?)?;
    m.add_function(wrap_pyfunction!(wait::wait, m)?)?;
    m.add_function(wrap_pyfunction!(wait::waitall, m)?)?;
    m.add_function(wrap_pyfunction!(wait::as_completed, m)?)?;
    Ok(())
}
