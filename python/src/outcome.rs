//! What a finished task gave, opened once for its future (`future.rs`): the object it
//! returned or the exception it raised.
//!
//! [`OutcomeCell`] keeps it. Opening may run Python code (unpickling a result from another
//! node), during which the GIL may pass to another thread that asks for the same outcome; a
//! cell that blocked that thread while it holds the GIL would deadlock, so PyO3's
//! `PyOnceLock` releases the GIL around every first initialization. That release, once per
//! task, handed the GIL to a worker thread at every `result()` and cost as much again as the
//! rest of the read. This cell instead lets one thread open the outcome (a flag taken with a
//! compare-exchange, the GIL held) and makes only a thread that finds another one opening it
//! wait, with the GIL released, which is rare.

use crate::errors;
use crate::value::{Opened, PyValue};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// What a finished task gave.
pub(crate) enum Outcome {
    /// Its result.
    Value(Py<PyAny>),
    /// The exception it raised (with its note), or the runtime's error.
    Raised(Py<PyAny>),
}

/// The outcome, once opened (see the module documentation).
#[derive(Default)]
pub(crate) struct OutcomeCell {
    value: OnceLock<Outcome>,
    /// Set by the thread that opens the outcome, before it starts.
    opening: AtomicBool,
}

impl OutcomeCell {
    /// The outcome, if it was opened.
    #[inline]
    pub(crate) fn get(&self) -> Option<&Outcome> {
        self.value.get()
    }

    /// The outcome, opened with `open` by the first caller (the GIL held throughout).
    pub(crate) fn get_or_open(&self, py: Python<'_>, open: impl FnOnce() -> Outcome) -> &Outcome {
        if let Some(o) = self.value.get() {
            return o;
        }
        // Acquire/release: a thread that loses sees the winner's `set` through `value` (the
        // `OnceLock` orders that itself); the flag only elects one opener.
        if self
            .opening
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let _ = self.value.set(open());
            return self.value.get().expect("the outcome was just set");
        }
        // Another thread opens it and gave the GIL away meanwhile: let it finish.
        loop {
            if let Some(o) = self.value.get() {
                return o;
            }
            py.detach(std::thread::yield_now);
        }
    }
}

/// The outcome a finished handle's result stands for (the runtime's own error as a
/// `TaskError`).
pub(crate) fn outcome_of(py: Python<'_>, r: Result<&PyValue, torc::api::Error>) -> Outcome {
    match r {
        Ok(v) => open_outcome(py, v),
        Err(e) => Outcome::Raised(errors::task_error(py, format!("torcpy: {e}"))),
    }
}

/// The outcome a value stands for.
fn open_outcome(py: Python<'_>, v: &PyValue) -> Outcome {
    match v.open(py) {
        Ok(Opened::Ok(o)) => Outcome::Value(o.unbind()),
        Ok(Opened::Raised(rec)) => match errors::exception_of(py, &rec) {
            Ok(e) => Outcome::Raised(e),
            Err(e) => Outcome::Raised(e.into_value(py).into_any()),
        },
        Ok(Opened::Unsendable(why)) => Outcome::Raised(errors::task_error(
            py,
            format!("torcpy: the task's result cannot be pickled to return it: {why}"),
        )),
        Err(e) => Outcome::Raised(errors::task_error(
            py,
            format!(
                "torcpy: the task's result cannot be unpickled: {}",
                errors::one_line(py, &e)
            ),
        )),
    }
}
