//! The tasks of one executor in flight: kept from submit until the program has read their
//! outcome or the notifier thread has seen them complete (for `shutdown` and `wait()`, which
//! must reach tasks whose futures the program dropped).
//!
//! Entries hold Python references, so they are removed only where the GIL is held: by the
//! thread that reads the future's outcome (`xfuture::xget`: the reference is released right
//! there, and a result the program drops is freed at once), or by the notifier thread after
//! the completion (`notifier.rs`). A completion itself, which runs without the GIL, only
//! tells the notifier.
//!
//! The tasks sit in a slab (a vector of slots and a list of the free ones): a submit and a
//! removal are a lock and a few stores, no hashing. A task may be removed twice (read, and
//! seen complete), and its slot may hold another task by the second time, so an entry names
//! its slot and the task's number, and a removal takes the slot's task only when the numbers
//! match.

use pyo3::prelude::*;
use std::sync::{Mutex, Weak};

/// The tasks of one executor in flight.
#[derive(Default)]
pub(crate) struct InFlight {
    slab: Mutex<Slab>,
}

#[derive(Default)]
struct Slab {
    /// Each slot: the number of the task in it and the task, or None when free.
    slots: Vec<(u64, Option<Py<PyAny>>)>,
    /// The free slots.
    free: Vec<u32>,
    /// The next task's number.
    next: u64,
}

/// Where a task is kept: its executor's tasks in flight (weakly: the executor may be gone),
/// its slot there and its number.
#[derive(Clone)]
pub(crate) struct Entry {
    home: Weak<InFlight>,
    slot: u32,
    number: u64,
}

impl InFlight {
    /// Keeps `task` (of the executor whose tasks in flight `this` are); returns its entry.
    pub(crate) fn insert(this: &std::sync::Arc<InFlight>, task: Py<PyAny>) -> Entry {
        let Ok(mut s) = this.slab.lock() else {
            // A panic while the lock was held: keep nothing (only `shutdown` misses it).
            return Entry {
                home: Weak::new(),
                slot: 0,
                number: 0,
            };
        };
        let number = s.next;
        s.next += 1;
        let slot = match s.free.pop() {
            Some(i) => {
                s.slots[i as usize] = (number, Some(task));
                i
            }
            None => {
                let i = u32::try_from(s.slots.len()).expect("fewer than 2^32 tasks in flight");
                s.slots.push((number, Some(task)));
                i
            }
        };
        Entry {
            home: std::sync::Arc::downgrade(this),
            slot,
            number,
        }
    }

    /// The tasks kept (new references).
    pub(crate) fn all(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.slab
            .lock()
            .map(|s| {
                s.slots
                    .iter()
                    .filter_map(|(_, t)| t.as_ref().map(|t| t.clone_ref(py)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Stops keeping the task of `entry` (with the GIL held, the reference is released at once,
/// after the lock).
pub(crate) fn forget(_py: Python<'_>, entry: &Entry) {
    let Some(home) = entry.home.upgrade() else {
        return;
    };
    let task = home.slab.lock().ok().and_then(|mut s| {
        let slot = s.slots.get_mut(entry.slot as usize)?;
        if slot.0 != entry.number || slot.1.is_none() {
            return None;
        }
        let t = slot.1.take();
        s.free.push(entry.slot);
        t
    });
    drop(task);
}
