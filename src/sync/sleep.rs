//! Parking idle workers and waking them when work arrives (no fixed sleeps).
//!
//! A worker about to park registers in the idle list, then checks once more for work; a thread
//! that publishes work issues a full fence and wakes one registered worker. Both sides order
//! their write before their read, so a wake-up cannot be lost; the park timeout
//! (`TORC_YIELDTIME`) only bounds how long a parked worker goes without looking around.

use super::shim::{self, AtomicUsize, Mutex, OnceCell, Thread};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The idle workers of one node.
pub(crate) struct Sleep {
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
    pub(crate) fn new(n: usize) -> Sleep {
        Sleep {
            sleepers: AtomicUsize::new(0),
            idle: Mutex::new(Vec::with_capacity(n)),
            threads: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }

    /// Records the calling thread as worker `w` (so others can wake it).
    pub(crate) fn register_current(&self, w: usize) {
        let _ = self.threads[w].set(shim::current());
    }

    /// Parks worker `w` for at most `timeout` unless `still_idle` (checked after registering)
    /// says work has arrived meanwhile.
    pub(crate) fn sleep(&self, w: usize, timeout: Duration, still_idle: impl FnOnce() -> bool) {
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
            shim::park_timeout(timeout);
        }
        let mut idle = self.idle.lock();
        if let Some(pos) = idle.iter().position(|&x| x == w) {
            idle.swap_remove(pos);
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Workers parked waiting for work.
    pub(crate) fn idle_count(&self) -> usize {
        self.sleepers.load(Ordering::SeqCst)
    }

    /// Parks the calling thread without registering for new work (it waits for a latch only).
    pub(crate) fn park_alone(&self, timeout: Duration) {
        shim::park_timeout(timeout);
    }

    /// Wakes one idle worker, if any; call after publishing work.
    #[inline]
    pub(crate) fn notify_one(&self) {
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
    pub(crate) fn wake(&self, w: usize) {
        if let Some(t) = self.threads[w].get() {
            t.unpark();
        }
    }

    /// Wakes everybody (shutdown).
    pub(crate) fn wake_all(&self) {
        for w in 0..self.threads.len() {
            self.wake(w);
        }
    }
}

/// Model-checked with loom (scripts/loom.sh): idle workers going to sleep against a publisher
/// that publishes work and calls `notify_one`. Under loom a park has no timeout, so a lost
/// wake-up leaves a worker parked for ever with work queued: a deadlock loom reports.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::shim::{model, Arc};
    use loom::thread;

    /// A node's idle list and its work (a count of queued tasks).
    struct Node {
        sleep: Sleep,
        work: AtomicUsize,
    }

    /// Runs `f` on the node in a new thread.
    fn on_thread(
        node: &Arc<Node>,
        f: impl FnOnce(&Node) + Send + 'static,
    ) -> thread::JoinHandle<()> {
        let node = node.clone();
        thread::spawn(move || f(&node))
    }

    impl Node {
        fn new(workers: usize) -> Arc<Node> {
            Arc::new(Node {
                sleep: Sleep::new(workers),
                work: AtomicUsize::new(0),
            })
        }

        /// Takes one task, if any is queued.
        fn take(&self) -> bool {
            let mut n = self.work.load(Ordering::Acquire);
            while n > 0 {
                match self
                    .work
                    .compare_exchange(n, n - 1, Ordering::Acquire, Ordering::Acquire)
                {
                    Ok(_) => return true,
                    Err(m) => n = m,
                }
            }
            false
        }

        /// Worker `w`: sleeps until it has taken one task.
        fn worker(&self, w: usize) {
            self.sleep.register_current(w);
            while !self.take() {
                self.sleep
                    .sleep(w, Duration::ZERO, || self.work.load(Ordering::Acquire) == 0);
            }
        }

        /// Publishes `n` tasks, one `notify_one` each (as `Node::enqueue`).
        fn publish(&self, n: usize) {
            for _ in 0..n {
                self.work.fetch_add(1, Ordering::Release);
                self.sleep.notify_one();
            }
        }
    }

    #[test]
    fn a_published_task_wakes_the_idle_worker() {
        model(|| {
            let node = Node::new(1);
            let p = on_thread(&node, |n| n.publish(1));
            node.worker(0);
            p.join().unwrap();
            assert_eq!(node.work.load(Ordering::Relaxed), 0);
            assert_eq!(node.sleep.idle_count(), 0, "nobody left registered");
        });
    }

    #[test]
    fn two_tasks_wake_two_idle_workers() {
        model(|| {
            let node = Node::new(2);
            let w1 = on_thread(&node, |n| n.worker(1));
            let p = on_thread(&node, |n| n.publish(2));
            node.worker(0);
            w1.join().unwrap();
            p.join().unwrap();
            assert_eq!(node.work.load(Ordering::Relaxed), 0);
            assert_eq!(node.sleep.idle_count(), 0, "nobody left registered");
        });
    }
}
