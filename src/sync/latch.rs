//! The children counter of a task: how many it created, how many completed, and whether its
//! worker sleeps waiting for them.
//!
//! Creating a child is a plain load and store by the owning worker (no atomic read-modify-write
//! on the hot path). A child that completes on the owner's own thread (the common case: a
//! worker runs most of the tasks it creates) is taken off `created` with a plain load and store
//! too; a child completing anywhere else is one `fetch_add` on `completed`. The waiter sets a
//! `SLEEPING` bit before it parks; a completion that sees the bit wakes the owner, found by
//! index in the node's table, so the completer never touches the latch after signalling it
//! (the waiter may be gone). A latch without an owner (the node's, for detached work) is
//! counted with atomic operations only.

use super::shim::{const_unless_loom, AtomicUsize};
use std::sync::atomic::Ordering;

/// Set in `completed` while the owner sleeps on this latch.
const SLEEPING: usize = 1 << (usize::BITS - 1);
/// The `owner` of a latch that no worker owns.
const NO_OWNER: usize = usize::MAX;
/// Set in `owner` for a latch that is counted atomically only (the node's): the rest of
/// `owner` names the worker to wake.
const SHARED: usize = 1 << (usize::BITS - 1);

/// Counts the outstanding children of one task (or of the node, for detached work).
#[derive(Debug)]
pub(crate) struct Latch {
    /// Children created, less those completed on the owner's thread (owner-written only,
    /// except for a latch without owner).
    created: AtomicUsize,
    completed: AtomicUsize,
    owner: AtomicUsize,
}

impl Latch {
    const_unless_loom! {
        /// A latch with no children.
        pub(crate) fn new() -> Latch {
            Latch {
                created: AtomicUsize::new(0),
                completed: AtomicUsize::new(0),
                owner: AtomicUsize::new(NO_OWNER),
            }
        }
    }

    const_unless_loom! {
        /// A latch counted with atomic operations only, whose waiter is local worker `waiter`.
        pub(crate) fn shared(waiter: usize) -> Latch {
            Latch {
                created: AtomicUsize::new(0),
                completed: AtomicUsize::new(0),
                owner: AtomicUsize::new(SHARED | waiter),
            }
        }
    }

    /// Clears the counts and the owner for reuse.
    pub(crate) fn reset(&mut self) {
        // Three plain stores, as through `get_mut` (which loom's atomics lack).
        *self = Latch::new();
    }

    /// Records which local worker waits on this latch (the one running its task); only that
    /// worker's thread creates children on it from now on.
    pub(crate) fn set_owner(&self, worker: usize) {
        self.owner.store(worker, Ordering::Relaxed);
    }

    /// Counts a new child. Only the owning thread may call this.
    pub(crate) fn add_child(&self) {
        let c = self.created.load(Ordering::Relaxed);
        self.created.store(c + 1, Ordering::Relaxed);
    }

    /// Counts a new child from any thread (the node's detached latch).
    pub(crate) fn add_child_shared(&self) {
        self.created.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether every child created so far has completed (and its effects are visible).
    pub(crate) fn is_done(&self) -> bool {
        let done = self.completed.load(Ordering::Acquire) & !SLEEPING;
        done == self.created.load(Ordering::Acquire)
    }

    /// (created, completed) so far, for termination detection.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let done = self.completed.load(Ordering::Acquire) & !SLEEPING;
        (self.created.load(Ordering::Acquire), done)
    }

    /// Children still outstanding (the tests' view: the runtime asks `is_done` or `counts`).
    #[cfg(test)]
    pub(crate) fn outstanding(&self) -> usize {
        let done = self.completed.load(Ordering::Acquire) & !SLEEPING;
        self.created.load(Ordering::Acquire).wrapping_sub(done)
    }

    /// Signals one completed child from local worker `worker`'s thread; returns the owner to
    /// wake, if it sleeps.
    ///
    /// # Safety
    /// As for [`Latch::complete`]; and `worker` must be the calling thread's worker index.
    #[inline]
    pub(crate) unsafe fn complete_by(this: *const Latch, worker: usize) -> Option<usize> {
        // SAFETY: `this` points to a live latch with an outstanding child (this function's
        // contract); it lives at least until that child is signalled, below.
        let l = unsafe { &*this };
        // (A shared latch's owner never equals a worker index.)
        if l.owner.load(Ordering::Relaxed) == worker {
            // The owner itself, so it is awake and nobody else writes `created`.
            let c = l.created.load(Ordering::Relaxed);
            l.created.store(c - 1, Ordering::Relaxed);
            return None;
        }
        // SAFETY: `this` is live with an outstanding child, this one's (this function's
        // contract), which `complete` signals once; `l` is not used afterwards.
        unsafe { Latch::complete(this) }
    }

    /// Signals that one child completed. Returns the owner to wake if it sleeps on the latch.
    ///
    /// # Safety
    /// `this` must point to a live latch with an outstanding child; after this call the latch
    /// may be freed by its owner at any moment, so it is not touched again.
    pub(crate) unsafe fn complete(this: *const Latch) -> Option<usize> {
        // SAFETY: the latch lives until its last child completes, which is this call.
        let l = unsafe { &*this };
        let owner = l.owner.load(Ordering::Relaxed);
        let old = l.completed.fetch_add(1, Ordering::SeqCst);
        // Only an owner sleeps on its latch; a latch without one has nobody to wake.
        (old & SLEEPING != 0 && owner != NO_OWNER).then_some(owner & !SHARED)
    }

    /// Marks the owner as sleeping; returns true when the latch is already done (do not sleep).
    pub(crate) fn sleep_begin(&self) -> bool {
        let old = self.completed.fetch_or(SLEEPING, Ordering::SeqCst);
        (old & !SLEEPING) == self.created.load(Ordering::Acquire)
    }

    /// Clears the sleeping mark.
    pub(crate) fn sleep_end(&self) {
        self.completed.fetch_and(!SLEEPING, Ordering::SeqCst);
    }
}

impl Default for Latch {
    fn default() -> Self {
        Latch::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// One child of `l` completed (the test added it).
    fn done(l: &Latch) -> Option<usize> {
        // SAFETY: `l` is live, and each call completes a child the test added, once.
        unsafe { Latch::complete(l) }
    }

    /// One child of `l` completed by worker `w` (the test added it).
    fn done_by(l: &Latch, w: usize) -> Option<usize> {
        // SAFETY: as in `done`; the test plays every worker on its one thread.
        unsafe { Latch::complete_by(l, w) }
    }

    #[test]
    fn counts_children_and_reports_sleepers() {
        let l = Latch::new();
        l.set_owner(3);
        assert!(l.is_done());
        l.add_child();
        l.add_child();
        assert_eq!(l.outstanding(), 2);
        assert_eq!(done(&l), None);
        assert!(!l.is_done());
        assert!(!l.sleep_begin());
        assert_eq!(done(&l), Some(3), "a sleeping owner is woken");
        assert!(l.is_done());
        l.sleep_end();
        assert!(l.is_done());
        assert!(l.sleep_begin(), "a done latch says so instead of sleeping");
    }

    #[test]
    fn the_owner_completes_without_atomics_and_others_with() {
        let l = Latch::new();
        l.set_owner(2);
        for _ in 0..3 {
            l.add_child();
        }
        assert_eq!(done_by(&l, 2), None);
        assert_eq!(l.outstanding(), 2);
        assert_eq!(done_by(&l, 0), None, "owner awake");
        assert!(!l.sleep_begin());
        assert_eq!(
            done_by(&l, 1),
            Some(2),
            "another worker's completion wakes the sleeping owner"
        );
        l.sleep_end();
        assert!(l.is_done());
        let mut l = l;
        l.reset();
        l.add_child();
        assert_eq!(done_by(&l, 2), None, "after reset nobody owns it");
        assert!(l.is_done(), "counted through the shared path");
        l.add_child();
        assert!(!l.sleep_begin());
        assert_eq!(done(&l), None, "a latch without owner names nobody to wake");
    }

    #[test]
    fn a_shared_latch_counts_atomically_and_wakes_its_waiter() {
        let l = Latch::shared(0);
        l.add_child_shared();
        l.add_child_shared();
        assert_eq!(done_by(&l, 0), None);
        assert_eq!(
            l.outstanding(),
            1,
            "counted in `completed`, not taken off `created`"
        );
        assert_eq!(l.counts(), (2, 1));
        assert!(!l.sleep_begin());
        assert_eq!(done_by(&l, 0), Some(0));
        l.sleep_end();
        assert!(l.is_done());
    }

    #[test]
    fn completions_from_many_threads() {
        let l = Latch::new();
        for _ in 0..4000 {
            l.add_child();
        }
        let p = &l as *const Latch as usize;
        let hs: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        // SAFETY: the latch outlives the threads (joined below) and had
                        // 4000 children added, completed once each.
                        unsafe { Latch::complete(p as *const Latch) };
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert!(l.is_done());
    }
}

/// Model-checked with loom (scripts/loom.sh): completions on other threads against the owner's
/// `sleep_begin` / `sleep_end`. The owner waits as `sched::wait` does (check, mark itself
/// sleeping, park unless done, clear the mark) but parks without a timeout, so a completion
/// that fails to wake it leaves it parked for ever: a deadlock loom reports.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::shim::{model, Arc};
    use loom::thread;

    /// A latch the model's threads share; its address is what `complete` takes.
    #[derive(Clone)]
    struct Shared(Arc<Latch>);

    impl Shared {
        fn ptr(&self) -> *const Latch {
            &*self.0
        }
    }

    /// The owner's wait for the latch (worker `w`), as in `sched::wait::wait_for`.
    fn wait(l: &Latch) {
        loop {
            if l.is_done() {
                return;
            }
            if !l.sleep_begin() {
                // Only a completion that returned `Some(w)` unparks this thread.
                thread::park();
            }
            l.sleep_end();
        }
    }

    /// A latch owned by worker 0, with two outstanding children.
    fn owned_with_two_children() -> Shared {
        let l = Shared(Arc::new(Latch::new()));
        l.0.set_owner(0);
        l.0.add_child();
        l.0.add_child();
        l
    }

    /// [`complete_on`] on a new thread, waking the calling thread.
    fn spawn_completion(l: &Shared, worker: usize) -> thread::JoinHandle<()> {
        let (l, me) = (l.clone(), thread::current());
        thread::spawn(move || complete_on(&l, worker, &me, 0))
    }

    /// Another thread's completion: wakes `owner` when the latch says so.
    fn complete_on(l: &Shared, worker: usize, owner: &thread::Thread, expect: usize) {
        // SAFETY: the latch is live (the Arc) and has an outstanding child: this one.
        if let Some(w) = unsafe { Latch::complete_by(l.ptr(), worker) } {
            assert_eq!(w, expect, "the completion names the waiter");
            owner.unpark();
        }
    }

    #[test]
    fn completions_elsewhere_wake_the_sleeping_owner() {
        model(|| {
            let l = owned_with_two_children();
            let hs: Vec<_> = (1..=2).map(|w| spawn_completion(&l, w)).collect();
            wait(&l.0);
            assert!(l.0.is_done());
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(l.0.counts(), (2, 2));
            assert_eq!(l.0.outstanding(), 0);
        });
    }

    #[test]
    fn the_owner_completes_plainly_while_others_complete_atomically() {
        model(|| {
            // Child A runs on worker 1; child B and, later, C on the owner.
            let l = owned_with_two_children();
            let h = spawn_completion(&l, 1);
            // SAFETY: B is outstanding; the owner (worker 0) completes it: no wake-up.
            assert_eq!(unsafe { Latch::complete_by(l.ptr(), 0) }, None);
            l.0.add_child();
            // SAFETY: as above, for C.
            assert_eq!(unsafe { Latch::complete_by(l.ptr(), 0) }, None);
            wait(&l.0);
            h.join().unwrap();
            // The owner's own completions come off `created`; A's is in `completed`.
            assert_eq!(l.0.counts(), (1, 1));
            assert!(l.0.is_done());
        });
    }

    #[test]
    fn a_shared_latch_wakes_its_waiter() {
        model(|| {
            // The node's detached latch, waited for by worker 0: a detached task (on worker
            // 1) creates another (completed on worker 2) before it completes itself.
            let l = Shared(Arc::new(Latch::shared(0)));
            l.0.add_child_shared();
            let me = thread::current();
            let h = {
                let (l, me) = (l.clone(), me.clone());
                thread::spawn(move || {
                    l.0.add_child_shared();
                    let h = {
                        let (l, me) = (l.clone(), me.clone());
                        thread::spawn(move || complete_on(&l, 2, &me, 0))
                    };
                    complete_on(&l, 1, &me, 0);
                    h.join().unwrap();
                })
            };
            wait(&l.0);
            h.join().unwrap();
            assert_eq!(l.0.counts(), (2, 2));
        });
    }
}
