//! The tasks of one executor in flight: kept from submit until the program has read their
//! outcome or the notifier thread has seen them complete (for `shutdown` and `wait()`, which
//! must reach tasks whose futures the program dropped).
//!
//! Entries hold Python references, so they are removed only where the GIL is held: by the
//! thread that reads the future's outcome (`xfuture::xget`: the reference is released right
//! there, and a result the program drops is freed at once), or by the notifier thread after
//! the completion (`notifier.rs`). A completion itself, which runs without the GIL, only
//! tells the notifier.

use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Weak};

/// The tasks of one executor in flight, by number.
#[derive(Default)]
pub(crate) struct InFlight {
    next: AtomicU64,
    tasks: Mutex<HashMap<u64, Py<PyAny>>>,
}

/// Where a task is kept: its executor's tasks in flight (weakly: the executor may be gone)
/// and its number there.
pub(crate) type Entry = (Weak<InFlight>, u64);

impl InFlight {
    /// Keeps `task`; returns its number.
    pub(crate) fn insert(&self, task: Py<PyAny>) -> u64 {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.tasks.lock() {
            m.insert(n, task);
        }
        n
    }

    /// The tasks kept (new references).
    pub(crate) fn all(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.tasks
            .lock()
            .map(|m| m.values().map(|t| t.clone_ref(py)).collect())
            .unwrap_or_default()
    }
}

/// Stops keeping the task of `entry` (with the GIL held, the reference is released at once).
pub(crate) fn forget(_py: Python<'_>, entry: &Entry) {
    let Some(f) = entry.0.upgrade() else {
        return;
    };
    let task = f.tasks.lock().ok().and_then(|mut m| m.remove(&entry.1));
    drop(task);
}
