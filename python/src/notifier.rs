//! The thread that finishes executor completions with the GIL, so that the thread where a
//! completion arrives (a worker, or the communication thread for a task that ran on another
//! node) never waits for it.
//!
//! A completion tells this thread (`pool::on_complete`): when the future is watched, at once
//! (the thread wakes, takes the GIL and calls the future's `_notify()`); otherwise it is
//! batched, the thread taking the GIL for a batch at most every [`FLUSH_AFTER`]. Either way
//! the thread then drops the task from its executor's tasks in flight (`inflight.rs`), so
//! that the arguments and results of futures nobody holds any more are freed even if the
//! program never reads them (a program that drops a future and waits for its argument to be
//! collected).

use crate::claim::Claim;
use crate::errors;
use crate::inflight::{self, Entry};
use crate::threads;
use pyo3::prelude::*;
use std::sync::{Arc, Condvar, Mutex, Once};
use std::time::Duration;

/// The longest a completion nobody watches waits for this thread.
const FLUSH_AFTER: Duration = Duration::from_millis(20);

/// Completions to finish, and how many of them have watchers to notify.
struct Queue {
    done: Vec<(Arc<Claim>, Entry, bool)>,
    notifies: usize,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    done: Vec::new(),
    notifies: 0,
});
static WAKE: Condvar = Condvar::new();
static START: Once = Once::new();

fn start() {
    START.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("torcpy-notifier".into())
            .spawn(run);
        if let Err(e) = spawned {
            eprintln!("torcpy: cannot start the notifier thread: {e}");
        }
    });
}

/// A completion (see the module documentation); `notify`: its future's watchers must be
/// told. Needs no GIL; never blocks for long.
pub(crate) fn completed(claim: Arc<Claim>, entry: Entry, notify: bool) {
    start();
    let Ok(mut q) = QUEUE.lock() else {
        return;
    };
    q.done.push((claim, entry, notify));
    if notify {
        q.notifies += 1;
        WAKE.notify_one();
    } else if q.done.len() == 1 {
        WAKE.notify_one();
    }
}

fn run() {
    threads::prime();
    loop {
        let done = {
            let Ok(mut q) = QUEUE.lock() else {
                return;
            };
            while q.done.is_empty() {
                q = match WAKE.wait(q) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
            if q.notifies == 0 {
                // Nobody to notify: gather a batch first (a notify ends the wait early).
                q = match WAKE.wait_timeout_while(q, FLUSH_AFTER, |q| q.notifies == 0) {
                    Ok((q, _)) => q,
                    Err(_) => return,
                };
            }
            q.notifies = 0;
            std::mem::take(&mut q.done)
        };
        Python::attach(|py| {
            for (claim, entry, notify) in done {
                if notify {
                    call_notify(py, &claim);
                }
                inflight::forget(py, &entry);
            }
        });
    }
}

/// Calls `_notify()` of the future `claim` belongs to, if it is still alive.
fn call_notify(py: Python<'_>, claim: &Claim) {
    let Some(fut) = claim.watched_future(py) else {
        return;
    };
    if let Err(e) = fut.call_method0(py, pyo3::intern!(py, "_notify")) {
        let (node, _) = errors::here();
        eprintln!(
            "torcpy: node {node}: notifying the watchers of a task failed:\n{}",
            errors::traceback_text(py, &e).trim_end()
        );
    }
}
