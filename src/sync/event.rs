//! A one-shot event: set once by a completer, waited for by at most one registered waiter at a
//! time (the waiter of a future, or of a set of futures), who is woken when it sleeps.
//!
//! One atomic word holds everything: `SET`, and the waiter's index plus one (0: nobody).
//! Both sides use read-modify-write operations on that one word, so whichever comes second
//! sees the first: either the waiter sees `SET` and does not sleep, or the completer sees the
//! waiter and wakes it. (Parking keeps a wake-up that comes before the park: the park then
//! returns at once.)

use super::shim::AtomicUsize;
use std::sync::atomic::Ordering;

/// Set once the event happened.
const SET: usize = 1 << (usize::BITS - 1);

/// A one-shot event with one waiter.
#[derive(Debug, Default)]
pub(crate) struct Event {
    word: AtomicUsize,
}

impl Event {
    /// An event that has not happened.
    pub(crate) fn new() -> Event {
        Event {
            word: AtomicUsize::new(0),
        }
    }

    /// Whether it happened (and everything written before [`Event::set`] is visible).
    #[inline]
    pub(crate) fn is_set(&self) -> bool {
        self.word.load(Ordering::Acquire) & SET != 0
    }

    /// As [`Event::is_set`], sequentially consistent (for a Dekker-style handshake on other
    /// variables: see `task/future.rs`).
    pub(crate) fn is_set_seqcst(&self) -> bool {
        self.word.load(Ordering::SeqCst) & SET != 0
    }

    /// Records worker `waiter` as the one to wake. Returns false when the event already
    /// happened (do not sleep) or another waiter is registered (poll instead of sleeping).
    pub(crate) fn register(&self, waiter: usize) -> bool {
        // Acquire on failure too: a failure that sees SET must see what the setter wrote.
        self.word
            .compare_exchange(0, waiter + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Forgets the registered waiter (it woke up, or gave up), unless the event happened.
    pub(crate) fn unregister(&self, waiter: usize) {
        let _ = self
            .word
            .compare_exchange(waiter + 1, 0, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// Marks the event as happened; returns the waiter to wake, if one is registered.
    pub(crate) fn set(&self) -> Option<usize> {
        // Release: what the completer wrote before is visible to whoever sees SET (SeqCst
        // for the listener handshake of `task/future.rs`).
        let old = self.word.swap(SET, Ordering::SeqCst);
        debug_assert!(old & SET == 0, "an event is set once");
        (old != 0).then(|| old - 1)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_registered_waiter_is_named_once() {
        let e = Event::new();
        assert!(!e.is_set());
        assert!(e.register(3));
        assert!(!e.register(4), "one waiter at a time");
        e.unregister(3);
        assert!(e.register(4));
        assert_eq!(e.set(), Some(4));
        assert!(e.is_set());
        assert!(!e.register(5), "already set: do not sleep");
        e.unregister(5);
        assert!(e.is_set(), "unregistering keeps SET");
        let f = Event::new();
        assert_eq!(f.set(), None);
    }
}

/// Model-checked with loom (scripts/loom.sh): a waiter that registers and parks against a
/// completer that sets; parking has no timeout there, so a lost wake-up is a deadlock.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::super::shim::{self, model, Arc, AtomicUsize as Flag};
    use super::*;

    #[test]
    fn the_waiter_is_never_left_asleep() {
        model(|| {
            let e = Arc::new(Event::new());
            let data = Arc::new(Flag::new(0));
            let me = shim::current();
            let (e2, d2) = (e.clone(), data.clone());
            let t = loom::thread::spawn(move || {
                d2.store(7, Ordering::Relaxed);
                if e2.set().is_some() {
                    me.unpark();
                }
            });
            while !e.is_set() {
                if e.register(0) {
                    if !e.is_set() {
                        shim::park_timeout(std::time::Duration::from_secs(1));
                    }
                    e.unregister(0);
                }
            }
            assert_eq!(data.load(Ordering::Relaxed), 7);
            t.join().unwrap();
        });
    }
}
