//! Parking idle workers and waking them when work arrives (no fixed sleeps).
//!
//! A worker about to park registers in the idle list, then checks once more for work; a thread
//! that publishes work issues a full fence and wakes one registered worker. Both sides order
//! their write before their read, so a wake-up cannot be lost; the park timeout
//! (`TORC_YIELDTIME`) only bounds how long a parked worker goes without looking around.

use once_cell::sync::OnceCell;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::Thread;
use std::time::Duration;

/// The idle workers of one node.
pub struct Sleep {
    sleepers: AtomicUsize,
    idle: Mutex<Vec<usize>>,
    /// Each worker's handle, for unpark. once_cell's OnceCell rather than std's OnceLock: the
    /// same code, but compiled with torc, so ThreadSanitizer sees the store that publishes a
    /// handle (std's is in the precompiled, uninstrumented std, and a wake-up was reported as
    /// racing with the handle's creation).
    threads: Box<[OnceCell<Thread>]>,
}

impl Sleep {
    /// For `n` workers.
    pub fn new(n: usize) -> Sleep {
        Sleep {
            sleepers: AtomicUsize::new(0),
            idle: Mutex::new(Vec::with_capacity(n)),
            threads: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }

    /// Records the calling thread as worker `w` (so others can wake it).
    pub fn register_current(&self, w: usize) {
        let _ = self.threads[w].set(std::thread::current());
    }

    /// Parks worker `w` for at most `timeout` unless `still_idle` (checked after registering)
    /// says work has arrived meanwhile.
    pub fn sleep(&self, w: usize, timeout: Duration, still_idle: impl FnOnce() -> bool) {
        {
            let mut idle = self.idle.lock();
            idle.push(w);
            self.sleepers.fetch_add(1, Ordering::SeqCst);
        }
        // Dekker with `notify_one`: our registration (above) before our look at the queues
        // (in `still_idle`), as the publisher's work before its look at `sleepers`. The
        // read-modify-write alone does not order the later plain loads in the memory model.
        crate::sync::fence::full();
        if still_idle() {
            std::thread::park_timeout(timeout);
        }
        let mut idle = self.idle.lock();
        if let Some(pos) = idle.iter().position(|&x| x == w) {
            idle.swap_remove(pos);
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Workers parked waiting for work.
    pub fn idle_count(&self) -> usize {
        self.sleepers.load(Ordering::SeqCst)
    }

    /// Parks the calling thread without registering for new work (it waits for a latch only).
    pub fn park_alone(&self, timeout: Duration) {
        std::thread::park_timeout(timeout);
    }

    /// Wakes one idle worker, if any; call after publishing work.
    #[inline]
    pub fn notify_one(&self) {
        crate::sync::fence::full();
        if self.sleepers.load(Ordering::SeqCst) == 0 {
            return;
        }
        self.wake_one_idle();
    }

    #[inline(never)]
    fn wake_one_idle(&self) {
        let w = {
            let mut idle = self.idle.lock();
            let w = idle.pop();
            if w.is_some() {
                self.sleepers.fetch_sub(1, Ordering::SeqCst);
            }
            w
        };
        if let Some(w) = w {
            self.wake(w);
        }
    }

    /// Wakes worker `w` (whether it sleeps for work or on a latch).
    pub fn wake(&self, w: usize) {
        if let Some(t) = self.threads[w].get() {
            t.unpark();
        }
    }

    /// Wakes everybody (shutdown).
    pub fn wake_all(&self) {
        for w in 0..self.threads.len() {
            self.wake(w);
        }
    }
}
