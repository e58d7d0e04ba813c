//! A worker's task deque (Chase-Lev): the owner pushes and pops at the bottom (deepest task
//! first), thieves take from the top (oldest, coarsest task first).
//!
//! Compared with a general-purpose deque it is tailored to the runtime in two ways:
//! - the ring only grows: a worker that queues 200,000 tasks per round does not free and
//!   fault in its ring again every round (retired rings are kept until the deque is dropped,
//!   which also makes a thief's read of a just-replaced ring safe without epochs);
//! - a deque created [`Deque::private`] has no thieves at all (one worker on a one-node job),
//!   so its owner pops without the full fence that a shared deque needs between publishing
//!   the new bottom and reading the top.

use crate::task::{Task, TaskRef};
use crossbeam_deque::Steal;
use crossbeam_utils::CachePadded;
use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicIsize, AtomicPtr, Ordering};
use std::sync::Arc;

/// Slots of a new deque's ring.
const INITIAL: usize = 64;

/// A ring of task pointers; `mask + 1` is a power of two.
struct Ring {
    slots: Box<[AtomicPtr<Task>]>,
    mask: usize,
}

impl Ring {
    fn new(cap: usize) -> Box<Ring> {
        debug_assert!(cap.is_power_of_two());
        let slots = (0..cap)
            .map(|_| AtomicPtr::new(std::ptr::null_mut()))
            .collect();
        Box::new(Ring {
            slots,
            mask: cap - 1,
        })
    }

    fn cap(&self) -> usize {
        self.mask + 1
    }

    #[inline]
    fn slot(&self, i: isize) -> &AtomicPtr<Task> {
        // SAFETY: `mask + 1` is the length of `slots`, so the masked index is in bounds.
        unsafe { self.slots.get_unchecked(i as usize & self.mask) }
    }
}

struct Inner {
    /// Next slot thieves take from.
    top: CachePadded<AtomicIsize>,
    /// Next slot the owner pushes to.
    bottom: CachePadded<AtomicIsize>,
    /// The current ring.
    ring: AtomicPtr<Ring>,
    /// Every ring ever used, the current one last (touched by the owner only, when growing).
    /// Boxed: `ring` points at them, so they must not move when the vector grows.
    #[allow(clippy::vec_box)]
    rings: UnsafeCell<Vec<Box<Ring>>>,
    /// No thieves: [`Stealer::steal`] is never called.
    private: bool,
}

// SAFETY: `top`, `bottom`, `ring` and the slots are atomics; `rings` is only touched by the
// owner (the single `Deque` handle, which is not Sync) and on drop; rings are freed only when
// the last handle goes.
unsafe impl Sync for Inner {}
// SAFETY: as above; the task pointers are owned descriptors (TaskRef is Send).
unsafe impl Send for Inner {}

/// The owner's handle: push and pop at the bottom.
pub struct Deque {
    inner: Arc<Inner>,
    /// Not Sync: one owner thread at a time.
    _owner: std::marker::PhantomData<std::cell::Cell<()>>,
}

/// A thief's handle: take from the top.
#[derive(Clone)]
pub struct Stealer {
    inner: Arc<Inner>,
}

impl Deque {
    /// A deque that thieves may take from.
    pub fn new() -> Deque {
        Deque::with(false)
    }

    /// A deque nobody steals from: its [`Stealer`] may only look ([`Stealer::is_empty`]).
    pub fn private() -> Deque {
        Deque::with(true)
    }

    fn with(private: bool) -> Deque {
        let ring = Ring::new(INITIAL);
        let p = &*ring as *const Ring as *mut Ring;
        Deque {
            inner: Arc::new(Inner {
                top: CachePadded::new(AtomicIsize::new(0)),
                bottom: CachePadded::new(AtomicIsize::new(0)),
                ring: AtomicPtr::new(p),
                rings: UnsafeCell::new(vec![ring]),
                private,
            }),
            _owner: std::marker::PhantomData,
        }
    }

    /// A handle for thieves.
    pub fn stealer(&self) -> Stealer {
        Stealer {
            inner: self.inner.clone(),
        }
    }

    /// Queues `t` at the bottom.
    #[inline]
    pub fn push(&self, t: TaskRef) {
        let inner = &*self.inner;
        let b = inner.bottom.load(Ordering::Relaxed);
        let top = inner.top.load(Ordering::Acquire);
        // SAFETY: the current ring lives as long as the deque (rings are only freed on drop).
        let mut ring = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        if b - top >= ring.cap() as isize {
            ring = self.grow(b, top);
        }
        ring.slot(b).store(t.as_ptr(), Ordering::Relaxed);
        // Publish the slot before the new bottom.
        inner.bottom.store(b + 1, Ordering::Release);
    }

    /// Takes the most recently pushed task.
    #[inline]
    pub fn pop(&self) -> Option<TaskRef> {
        let inner = &*self.inner;
        let b = inner.bottom.load(Ordering::Relaxed) - 1;
        // SAFETY: as in `push`.
        let ring = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        if inner.private {
            // Nobody else moves `top`: no race for the last task.
            if b < inner.top.load(Ordering::Relaxed) {
                return None;
            }
            inner.bottom.store(b, Ordering::Relaxed);
            return Some(take(ring.slot(b)));
        }
        inner.bottom.store(b, Ordering::Relaxed);
        // Thieves must see the new bottom before we read the top (and we theirs).
        crate::sched::fence::full();
        let t = inner.top.load(Ordering::Relaxed);
        if t > b {
            inner.bottom.store(b + 1, Ordering::Relaxed);
            return None;
        }
        if t < b {
            return Some(take(ring.slot(b)));
        }
        // The last task: race the thieves for it.
        let won = inner
            .top
            .compare_exchange(t, t + 1, Ordering::SeqCst, Ordering::Relaxed)
            .is_ok();
        inner.bottom.store(b + 1, Ordering::Relaxed);
        won.then(|| take(ring.slot(b)))
    }

    /// Whether the deque holds no task.
    pub fn is_empty(&self) -> bool {
        let b = self.inner.bottom.load(Ordering::Relaxed);
        let t = self.inner.top.load(Ordering::Relaxed);
        b <= t
    }

    /// Doubles the ring (the tasks in `[top, b)` move over); returns the new one.
    #[cold]
    fn grow(&self, b: isize, top: isize) -> &Ring {
        let inner = &*self.inner;
        // SAFETY: as in `push`.
        let old = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        let new = Ring::new(old.cap() * 2);
        for i in top..b {
            new.slot(i)
                .store(old.slot(i).load(Ordering::Relaxed), Ordering::Relaxed);
        }
        let p = &*new as *const Ring as *mut Ring;
        // Thieves that load the new ring see its slots.
        inner.ring.store(p, Ordering::Release);
        // SAFETY: only the owner touches `rings`, and this is the owner (Deque is not Sync).
        unsafe { (*inner.rings.get()).push(new) };
        // SAFETY: just pushed; it lives until the deque is dropped.
        unsafe { &*p }
    }
}

impl Default for Deque {
    fn default() -> Self {
        Deque::new()
    }
}

impl Stealer {
    /// Takes the oldest task (`Retry`: lost a race with another thief or the owner).
    pub fn steal(&self) -> Steal<TaskRef> {
        let inner = &*self.inner;
        debug_assert!(!inner.private, "a private deque has no thieves");
        let t = inner.top.load(Ordering::Acquire);
        crate::sched::fence::full();
        let b = inner.bottom.load(Ordering::Acquire);
        if t >= b {
            return Steal::Empty;
        }
        // SAFETY: rings live until the deque is dropped, and this handle keeps it.
        let ring = unsafe { &*inner.ring.load(Ordering::Acquire) };
        let p = ring.slot(t).load(Ordering::Relaxed);
        if inner
            .top
            .compare_exchange(t, t + 1, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            return Steal::Retry;
        }
        // SAFETY: winning the CAS on `top` made slot `t` ours; it held a queued descriptor.
        Steal::Success(unsafe { TaskRef::from_raw(NonNull::new_unchecked(p)) })
    }

    /// Whether the deque looks empty (a hint: it may change at once).
    pub fn is_empty(&self) -> bool {
        let t = self.inner.top.load(Ordering::Acquire);
        let b = self.inner.bottom.load(Ordering::Acquire);
        b <= t
    }
}

/// Retries a steal (from a deque, or any crossbeam queue) until it gives a definite answer.
pub fn settle<T>(mut f: impl FnMut() -> Steal<T>) -> Option<T> {
    loop {
        match f() {
            Steal::Success(t) => return Some(t),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

/// The task in a slot the caller has just claimed.
fn take(slot: &AtomicPtr<Task>) -> TaskRef {
    let p = slot.load(Ordering::Relaxed);
    // SAFETY: a claimed slot below `bottom` holds the descriptor pushed there; claiming it
    // (owner pop, or the won race for the last task) makes the caller its only owner.
    unsafe { TaskRef::from_raw(NonNull::new_unchecked(p)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::pool::Pool;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicBool;

    fn drain_pop(d: &Deque) -> Vec<usize> {
        std::iter::from_fn(|| d.pop().map(|t| t.as_ptr() as usize)).collect()
    }

    #[test]
    fn owner_pops_newest_first_and_thief_takes_oldest() {
        for private in [false, true] {
            let pool = Pool::default();
            let d = if private {
                Deque::private()
            } else {
                Deque::new()
            };
            let tasks: Vec<usize> = (0..300)
                .map(|_| {
                    let t = pool.get();
                    let p = t.as_ptr() as usize;
                    d.push(t);
                    p
                })
                .collect();
            assert!(!d.is_empty() && !d.stealer().is_empty());
            if !private {
                match d.stealer().steal() {
                    Steal::Success(t) => assert_eq!(t.as_ptr() as usize, tasks[0]),
                    _ => panic!("the thief finds the oldest task"),
                }
            }
            let popped = drain_pop(&d);
            let skip = usize::from(!private);
            let expect: Vec<usize> = tasks[skip..].iter().rev().copied().collect();
            assert_eq!(popped, expect, "private = {private}");
            assert!(d.is_empty() && d.pop().is_none());
        }
    }

    #[test]
    fn every_task_is_taken_exactly_once_under_contention() {
        let pool = Pool::default();
        let d = Deque::new();
        let done = Arc::new(AtomicBool::new(false));
        let thieves: Vec<_> = (0..3)
            .map(|_| {
                let s = d.stealer();
                let done = done.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while !done.load(Ordering::Acquire) || !s.is_empty() {
                        if let Steal::Success(t) = s.steal() {
                            got.push(t.as_ptr() as usize);
                        }
                    }
                    got
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut mine = Vec::new();
        for round in 0..5000 {
            for _ in 0..(round % 37 + 1) {
                let t = pool.get();
                all.push(t.as_ptr() as usize);
                // Descriptors are never freed: leaking them into the deque is fine here.
                d.push(t);
            }
            for _ in 0..(round % 5) {
                if let Some(t) = d.pop() {
                    mine.push(t.as_ptr() as usize);
                }
            }
        }
        mine.extend(drain_pop(&d));
        done.store(true, Ordering::Release);
        for h in thieves {
            mine.extend(h.join().unwrap());
        }
        assert_eq!(mine.len(), all.len(), "no task lost or taken twice");
        let seen: HashSet<usize> = mine.into_iter().collect();
        assert_eq!(seen, all.into_iter().collect::<HashSet<_>>());
    }
}
