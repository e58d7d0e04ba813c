//! Waiting for the calling task's children, as a scope does before it returns and as
//! [`wait_all`] does for tasks created outside any scope.

use super::error::{failed, Error};
use super::run::running_node;
use crate::sched::wait::{wait_for, wait_here_until, WaitMode};
use crate::sched::worker::{current_task, current_worker};

/// Waits for all children of the calling task (running other tasks meanwhile).
pub(crate) fn wait_children() {
    if let Some(ctx) = current_worker() {
        // SAFETY: the current task is alive while it runs on this thread.
        if let Some(t) = unsafe { current_task().as_ref() } {
            wait_for(ctx, &t.latch, t.level, WaitMode::Help);
        }
    }
}

/// As [`wait_children`], until `stop()` says so (asked at least every `nap`); whether the
/// children are done.
pub(crate) fn wait_children_until(
    nap: std::time::Duration,
    stop: &mut dyn FnMut() -> bool,
) -> bool {
    if current_worker().is_none() {
        return true;
    }
    // SAFETY: the current task is alive while it runs on this thread.
    match unsafe { current_task().as_ref() } {
        Some(t) => wait_here_until(&t.latch, nap, true, stop),
        None => true,
    }
}

/// The failures of the calling task's children nobody took yet, as an error.
pub(crate) fn take_failures() -> Option<Error> {
    let node = running_node()?;
    // SAFETY: the current task is alive while it runs on this thread.
    let t = unsafe { current_task().as_ref() }?;
    failed(node.failures.take(&t.latch))
}

/// Waits for every child task of the calling task (the worker runs other tasks meanwhile);
/// [`Error::Task`] if some failed (and nobody took their failure: a handle keeps its own).
pub fn wait_all() -> Result<(), Error> {
    if current_worker().is_none() || current_task().is_null() {
        return Err(Error::NotInTask);
    }
    wait_children();
    match take_failures() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// As [`wait_all`], but waiting only until `deadline` (if any) passes or `stop()` returns true
/// (asked as in [`Future::wait_until`](super::Future::wait_until)): `Ok(true)` when the
/// children are done (and none failed), `Ok(false)` when the wait gave up.
pub fn wait_all_until(
    deadline: Option<std::time::Instant>,
    stop: &mut dyn FnMut() -> bool,
) -> Result<bool, Error> {
    if current_worker().is_none() || current_task().is_null() {
        return Err(Error::NotInTask);
    }
    let nap = std::time::Duration::from_millis(1);
    let done = match deadline {
        None => wait_children_until(nap, stop),
        Some(d) => wait_children_until(nap, &mut || std::time::Instant::now() >= d || stop()),
    };
    if !done {
        return Ok(false);
    }
    match take_failures() {
        Some(e) => Err(e),
        None => Ok(true),
    }
}
