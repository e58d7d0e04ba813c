//! What a worker does now, published for other threads: the state report (`SIGUSR1`, the
//! watchdog) and the watchdog's progress count read it from the diagnosis thread.
//!
//! The worker itself writes everything here with relaxed stores of words it owns (no
//! read-modify-write on the path of a task); readers get a recent value, which is all a report
//! needs. Waits are registered only once a wait is about to park (the slow path), under a
//! mutex that also keeps the waited-for latch alive while a reader looks at it.

use crate::sync::latch::Latch;
use crate::task::Task;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// What a waiting task waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Awaits {
    /// Its children (`torc_waitall`, the end of a task or scope), counted by this latch.
    Children(*const Latch),
    /// A future's result.
    Future,
    /// The first of several futures (`as_completed`).
    AnyFuture,
}

/// A wait that parked at least once and has not ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Waiting {
    /// The waiting task's function (0: the primary task, or no task).
    pub(crate) func: usize,
    /// Its nesting level.
    pub(crate) level: u32,
    /// What it waits for.
    pub(crate) awaits: Awaits,
    /// When it first parked.
    pub(crate) since: Instant,
}

// SAFETY: the latch pointer is read only under the worker's `waits` lock, while the wait that
// registered it (and so its latch) is alive.
unsafe impl Send for Waiting {}

/// One worker's published state.
#[derive(Default)]
pub(crate) struct Activity {
    /// The function of the task it runs now (0: none, or the primary task).
    func: AtomicUsize,
    /// That task's nesting level.
    level: AtomicU32,
    /// Task starts and ends so far (the watchdog's sign of life).
    steps: AtomicU64,
    /// Its waits that parked or were suspended, oldest first, each with its token.
    waits: Mutex<Vec<(usize, Waiting)>>,
    /// The next wait's token (only the worker writes it).
    next_token: AtomicUsize,
}

impl Activity {
    /// The worker starts running `t` (only the worker calls this).
    #[inline(always)]
    pub(crate) fn start(&self, t: &Task) {
        self.func.store(t.func, Ordering::Relaxed);
        self.level.store(t.level, Ordering::Relaxed);
        self.step();
    }

    /// The worker goes back to `prev` (null: no task), the task it ran before the one that
    /// just ended.
    ///
    /// # Safety
    /// `prev` is null or the task this worker was running when it started the one that ended
    /// (alive: it waits on this worker's stack).
    #[inline(always)]
    pub(crate) unsafe fn resume(&self, prev: *const Task) {
        // SAFETY: `prev` is null or the task this worker ran before, alive on its stack (this
        // function's contract).
        let (func, level) = unsafe { prev.as_ref() }.map_or((0, 0), |p| (p.func, p.level));
        self.func.store(func, Ordering::Relaxed);
        self.level.store(level, Ordering::Relaxed);
        self.step();
    }

    /// One more start or end (plain load and store: only the worker writes it).
    #[inline(always)]
    fn step(&self) {
        self.steps
            .store(self.steps.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Task starts and ends so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }

    /// The task running now: (function, level), if any.
    pub(crate) fn running(&self) -> Option<(usize, u32)> {
        let f = self.func.load(Ordering::Relaxed);
        (f != 0).then(|| (f, self.level.load(Ordering::Relaxed)))
    }

    /// A wait starts parking (or is suspended); returns its token, for
    /// [`Activity::wait_end`].
    pub(crate) fn wait_begin(&self, w: Waiting) -> usize {
        let mut v = self.waits.lock();
        let token = self.next_token.load(Ordering::Relaxed);
        self.next_token.store(token + 1, Ordering::Relaxed);
        v.push((token, w));
        token
    }

    /// The wait registered as `token` ended (suspended waits end in any order).
    pub(crate) fn wait_end(&self, token: usize) {
        let mut v = self.waits.lock();
        if let Some(i) = v.iter().rposition(|(t, _)| *t == token) {
            v.remove(i);
        }
    }

    /// Calls `f` with the waits registered now, oldest first (the latches they name are alive
    /// meanwhile).
    pub(crate) fn with_waits<R>(&self, f: impl FnOnce(&[Waiting]) -> R) -> R {
        let v = self.waits.lock();
        let waits: Vec<Waiting> = v.iter().map(|(_, w)| *w).collect();
        f(&waits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_and_resume_publish_the_running_task_and_count_steps() {
        let a = Activity::default();
        let mut outer = Task::new();
        outer.func = 0x10;
        outer.level = 1;
        let mut inner = Task::new();
        inner.func = 0x20;
        inner.level = 2;
        a.start(&outer);
        a.start(&inner);
        assert_eq!(a.running(), Some((0x20, 2)));
        // SAFETY: `outer` is alive.
        unsafe { a.resume(&outer) };
        assert_eq!(a.running(), Some((0x10, 1)));
        // SAFETY: null is allowed.
        unsafe { a.resume(std::ptr::null()) };
        assert_eq!(a.running(), None);
        assert_eq!(a.steps(), 4);
        let l = Latch::new();
        let w = Waiting {
            func: 0x10,
            level: 1,
            awaits: Awaits::Children(&l),
            since: Instant::now(),
        };
        let first = a.wait_begin(w);
        let second = a.wait_begin(Waiting { level: 2, ..w });
        assert_eq!(a.with_waits(|v| v.len()), 2);
        // A suspended wait may end before a later one.
        a.wait_end(first);
        assert_eq!(
            a.with_waits(|v| v.iter().map(|w| w.level).collect::<Vec<_>>()),
            [2]
        );
        a.wait_end(second);
        assert_eq!(a.with_waits(|v| v.len()), 0);
    }
}
