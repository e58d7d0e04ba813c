//! One nesting level's task queue: the owning worker appends at the back, and everybody (the
//! owner and thieves alike) takes from the front, oldest task first: TORC's FIFO order within
//! a level (see [`super::levels`] for the order between levels).
//!
//! It is a ring with two indices, `front` (next task to take) and `back` (next free slot):
//! - only the owner writes `back`, and only upward: it stores the task in slot `back`, then
//!   publishes `back + 1` with `Release`;
//! - a taker reads `front` and `back` (`Acquire`); when `front < back`, slot `front` holds a
//!   published task, which it claims by moving `front` forward with a compare-and-swap
//!   (`AcqRel`: its read of the slot happens before the owner can see the slot as free again).
//!   A taker that loses the race to another taker reports [`Steal::Retry`].
//! - the ring only grows: when it is full the owner copies the live slots to one twice the
//!   size and publishes it (`Release`, before the `back` that needs it); retired rings stay
//!   allocated until the queue is dropped, so a taker still reading an old ring reads a slot
//!   that was copied, not freed memory (no epochs needed). The owner reuses a slot only once
//!   `front` has moved past it, and a taker that read that slot before then loses its CAS.
//!
//! Unlike a Chase-Lev deque nobody takes at the back, so there is no race for the last task
//! and no full fence. A queue made `Queue::private` has no thieves (one worker on a one-node
//! job): its owner takes without the CAS.

use super::shim::{Arc, AtomicIsize, AtomicPtr};
use crossbeam_deque::Steal;
use crossbeam_utils::CachePadded;
use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

/// What a queue holds: a uniquely owned pointer, kept raw while it is queued.
///
/// # Safety
/// `from_raw(into_raw(x))` must give back `x`, and a pointer from `into_raw` must stay valid
/// until it is turned back (the queue hands each one out exactly once).
pub(crate) unsafe trait Owned: Send {
    /// What the pointer points at.
    type Target;
    /// Gives up ownership as a raw pointer.
    fn into_raw(self) -> NonNull<Self::Target>;
    /// Takes ownership back.
    ///
    /// # Safety
    /// `p` came from [`Owned::into_raw`] and is turned back once.
    unsafe fn from_raw(p: NonNull<Self::Target>) -> Self;
}

// SAFETY: Box::into_raw / Box::from_raw are exact inverses.
unsafe impl<T: Send> Owned for Box<T> {
    type Target = T;
    fn into_raw(self) -> NonNull<T> {
        // SAFETY: a box is never null.
        unsafe { NonNull::new_unchecked(Box::into_raw(self)) }
    }
    unsafe fn from_raw(p: NonNull<T>) -> Box<T> {
        // SAFETY: `p` came from `into_raw` (the trait's contract), i.e. from `Box::into_raw`.
        unsafe { Box::from_raw(p.as_ptr()) }
    }
}

/// Slots of a new queue's ring (2 in the loom tests, so that their few tasks grow it).
const INITIAL: usize = if cfg!(all(loom, test)) { 2 } else { 64 };

/// A ring of task pointers; `mask + 1` is a power of two.
struct Ring<T> {
    slots: Box<[AtomicPtr<T>]>,
    mask: usize,
}

impl<T> Ring<T> {
    fn new(cap: usize) -> Box<Ring<T>> {
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
    fn slot(&self, i: isize) -> &AtomicPtr<T> {
        // SAFETY: `mask + 1` is the length of `slots`, so the masked index is in bounds.
        unsafe { self.slots.get_unchecked(i as usize & self.mask) }
    }
}

struct Inner<T> {
    /// Next slot to take from.
    front: CachePadded<AtomicIsize>,
    /// Next slot the owner appends to.
    back: CachePadded<AtomicIsize>,
    /// The current ring.
    ring: AtomicPtr<Ring<T>>,
    /// Every ring ever used, the current one last (touched by the owner only, when growing).
    /// Boxed: `ring` points at them, so they must not move when the vector grows.
    #[allow(clippy::vec_box)]
    rings: UnsafeCell<Vec<Box<Ring<T>>>>,
    /// No thieves: [`Stealer::steal`] is never called.
    private: bool,
}

// SAFETY: `front`, `back`, `ring` and the slots are atomics; `rings` is only touched by the
// owner (the single `Queue` handle, which is not Sync) and on drop; rings are freed only when
// the last handle goes.
unsafe impl<T> Sync for Inner<T> {}
// SAFETY: the pointers are the raw form of an `Owned` value, which is `Send` (only
// `Queue<O: Owned>` makes an `Inner`), and the rest is atomics and the owner's vector.
unsafe impl<T> Send for Inner<T> {}

/// The owner's handle: append at the back, take at the front.
pub(crate) struct Queue<O: Owned> {
    inner: Arc<Inner<O::Target>>,
    /// Not Sync: one owner thread at a time.
    _owner: std::marker::PhantomData<std::cell::Cell<()>>,
}

/// A thief's handle: take at the front.
pub(crate) struct Stealer<O: Owned> {
    inner: Arc<Inner<O::Target>>,
    _owned: std::marker::PhantomData<fn() -> O>,
}

impl<O: Owned> Clone for Stealer<O> {
    fn clone(&self) -> Self {
        Stealer {
            inner: self.inner.clone(),
            _owned: std::marker::PhantomData,
        }
    }
}

impl<O: Owned> Queue<O> {
    /// A queue that thieves may take from.
    pub(crate) fn new() -> Queue<O> {
        Queue::with(false)
    }

    /// A queue nobody steals from: its [`Stealer`] may only look ([`Stealer::is_empty`]).
    pub(crate) fn private() -> Queue<O> {
        Queue::with(true)
    }

    fn with(private: bool) -> Queue<O> {
        let ring = Ring::new(INITIAL);
        let p = &*ring as *const Ring<O::Target> as *mut Ring<O::Target>;
        Queue {
            inner: Arc::new(Inner {
                front: CachePadded::new(AtomicIsize::new(0)),
                back: CachePadded::new(AtomicIsize::new(0)),
                ring: AtomicPtr::new(p),
                rings: UnsafeCell::new(vec![ring]),
                private,
            }),
            _owner: std::marker::PhantomData,
        }
    }

    /// A handle for thieves.
    pub(crate) fn stealer(&self) -> Stealer<O> {
        Stealer {
            inner: self.inner.clone(),
            _owned: std::marker::PhantomData,
        }
    }

    /// Appends `t` at the back.
    #[inline]
    pub(crate) fn push(&self, t: O) {
        let inner = &*self.inner;
        // Only this thread writes `back`.
        let b = inner.back.load(Ordering::Relaxed);
        // A stale (smaller) `front` only makes the ring look fuller than it is.
        let f = inner.front.load(Ordering::Acquire);
        // SAFETY: the current ring lives as long as the queue (rings are only freed on drop).
        let mut ring = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        if b - f >= ring.cap() as isize {
            ring = self.grow(b, f);
        }
        ring.slot(b).store(t.into_raw().as_ptr(), Ordering::Relaxed);
        // Publish the slot (and a grown ring) before the new back.
        inner.back.store(b + 1, Ordering::Release);
    }

    /// Takes the oldest task.
    #[inline]
    pub(crate) fn pop(&self) -> Option<O> {
        let inner = &*self.inner;
        if inner.private {
            // Nobody else moves `front`: plain loads and stores.
            let f = inner.front.load(Ordering::Relaxed);
            if f >= inner.back.load(Ordering::Relaxed) {
                return None;
            }
            // SAFETY: as in `push`.
            let ring = unsafe { &*inner.ring.load(Ordering::Relaxed) };
            let p = ring.slot(f).load(Ordering::Relaxed);
            inner.front.store(f + 1, Ordering::Relaxed);
            prefetch_ahead(inner, f + 1);
            // SAFETY: slot `f` below `back` holds the value pushed there, now ours alone.
            return Some(unsafe { O::from_raw(NonNull::new_unchecked(p)) });
        }
        let t = settle(|| take::<O>(inner));
        if t.is_some() {
            prefetch_ahead(inner, inner.front.load(Ordering::Relaxed));
        }
        t
    }

    /// Whether the queue holds no task.
    pub(crate) fn is_empty(&self) -> bool {
        is_empty(&self.inner)
    }

    /// How many tasks the queue holds (takers may be removing some at this moment).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        let inner = &*self.inner;
        // Only this thread writes `back`; `front` may be stale (smaller): a hint either way.
        let b = inner.back.load(Ordering::Relaxed);
        let f = inner.front.load(Ordering::Acquire);
        (b - f).max(0) as usize
    }

    /// Doubles the ring (the tasks in `[f, b)` move over); returns the new one.
    #[cold]
    fn grow(&self, b: isize, f: isize) -> &Ring<O::Target> {
        let inner = &*self.inner;
        // SAFETY: as in `push`.
        let old = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        let new = Ring::new(old.cap() * 2);
        for i in f..b {
            new.slot(i)
                .store(old.slot(i).load(Ordering::Relaxed), Ordering::Relaxed);
        }
        let p = &*new as *const Ring<O::Target> as *mut Ring<O::Target>;
        // Takers that load the new ring see its slots.
        inner.ring.store(p, Ordering::Release);
        // SAFETY: only the owner touches `rings`, and this is the owner (Queue is not Sync).
        unsafe { (*inner.rings.get()).push(new) };
        // SAFETY: just pushed; it lives until the queue is dropped.
        unsafe { &*p }
    }
}

impl<O: Owned> Default for Queue<O> {
    fn default() -> Self {
        Queue::new()
    }
}

impl<O: Owned> Stealer<O> {
    /// Takes the oldest task (`Retry`: lost a race with another taker).
    pub(crate) fn steal(&self) -> Steal<O> {
        debug_assert!(!self.inner.private, "a private queue has no thieves");
        take::<O>(&self.inner)
    }

    /// Whether the queue looks empty (a hint: it may change at once).
    pub(crate) fn is_empty(&self) -> bool {
        is_empty(&self.inner)
    }

    /// How many tasks the queue looks to hold (a hint, for reports).
    pub(crate) fn len(&self) -> usize {
        let f = self.inner.front.load(Ordering::Acquire);
        let b = self.inner.back.load(Ordering::Acquire);
        (b - f).max(0) as usize
    }
}

/// How far behind the front the owner prefetches: the value it will take that many takes
/// later (a few tasks' time ahead, about one memory latency).
const PREFETCH_AHEAD: isize = 8;
/// Lines of each value prefetched: a task descriptor's common fields and up to four records.
const PREFETCH_LINES: usize = 5;

/// The owner, after a take that left `front` at `f`: prefetches the value queued
/// `PREFETCH_AHEAD` places behind, if any. Only a hint: a thief may take that value first
/// (descriptors are never freed, and a prefetch of any address is harmless).
#[inline(always)]
fn prefetch_ahead<T>(inner: &Inner<T>, f: isize) {
    if cfg!(loom) {
        return;
    }
    let at = f + PREFETCH_AHEAD - 1;
    // Only the owner (the caller) writes `back`: its own value.
    if at < inner.back.load(Ordering::Relaxed) {
        // SAFETY: as in `push`.
        let ring = unsafe { &*inner.ring.load(Ordering::Relaxed) };
        super::prefetch::value(ring.slot(at).load(Ordering::Relaxed), PREFETCH_LINES);
    }
}

/// One attempt to claim the front task (owner or thief).
#[inline]
fn take<O: Owned>(inner: &Inner<O::Target>) -> Steal<O> {
    let f = inner.front.load(Ordering::Acquire);
    // `Acquire`: the slots below this `back` (and the ring holding them) are visible.
    let b = inner.back.load(Ordering::Acquire);
    if f >= b {
        return Steal::Empty;
    }
    // SAFETY: rings live until the queue is dropped, and `inner` is kept alive by the caller.
    let ring = unsafe { &*inner.ring.load(Ordering::Acquire) };
    let p = ring.slot(f).load(Ordering::Relaxed);
    // Claim slot `f`. Success orders the read above before the owner's reuse of the slot
    // (it reuses it only after seeing `front > f`); failure means someone else took it, and
    // `p` may be stale: drop it.
    if inner
        .front
        .compare_exchange(f, f + 1, Ordering::AcqRel, Ordering::Relaxed)
        .is_err()
    {
        return Steal::Retry;
    }
    // SAFETY: winning the CAS on `front` made slot `f` ours; it held a queued value.
    Steal::Success(unsafe { O::from_raw(NonNull::new_unchecked(p)) })
}

fn is_empty<T>(inner: &Inner<T>) -> bool {
    let f = inner.front.load(Ordering::Acquire);
    let b = inner.back.load(Ordering::Acquire);
    b <= f
}

/// Retries a steal (from a queue, or any crossbeam queue) until it gives a definite answer.
pub(crate) fn settle<T>(mut f: impl FnMut() -> Steal<T>) -> Option<T> {
    loop {
        match f() {
            Steal::Success(t) => return Some(t),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicBool;

    fn drain(q: &Queue<Box<usize>>) -> Vec<usize> {
        std::iter::from_fn(|| q.pop().map(|t| *t)).collect()
    }

    #[test]
    fn owner_and_thief_take_oldest_first() {
        for private in [false, true] {
            let q: Queue<Box<usize>> = if private {
                Queue::private()
            } else {
                Queue::new()
            };
            // 300 > INITIAL: the ring grows twice while the order is kept.
            let tasks: Vec<usize> = (0..300).inspect(|&i| q.push(Box::new(i))).collect();
            assert!(!q.is_empty() && !q.stealer().is_empty());
            let mut skip = 0;
            if !private {
                match q.stealer().steal() {
                    Steal::Success(t) => assert_eq!(*t, tasks[0]),
                    _ => panic!("the thief finds the oldest task"),
                }
                skip = 1;
            }
            assert_eq!(drain(&q), tasks[skip..].to_vec(), "private = {private}");
            assert!(q.is_empty() && q.pop().is_none());
        }
    }

    #[test]
    fn every_task_is_taken_exactly_once_under_contention() {
        let q: Queue<Box<usize>> = Queue::new();
        let done = Arc::new(AtomicBool::new(false));
        let thieves: Vec<_> = (0..3)
            .map(|_| {
                let s = q.stealer();
                let done = done.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while !done.load(Ordering::Acquire) || !s.is_empty() {
                        if let Steal::Success(t) = s.steal() {
                            got.push(*t);
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
                let v = all.len();
                all.push(v);
                q.push(Box::new(v));
            }
            for _ in 0..(round % 5) {
                if let Some(t) = q.pop() {
                    mine.push(*t);
                }
            }
        }
        mine.extend(drain(&q));
        done.store(true, Ordering::Release);
        for h in thieves {
            mine.extend(h.join().unwrap());
        }
        assert_eq!(mine.len(), all.len(), "no task lost or taken twice");
        let seen: HashSet<usize> = mine.into_iter().collect();
        assert_eq!(seen, all.into_iter().collect::<HashSet<_>>());
    }
}

/// Model-checked with loom (scripts/loom.sh; the ring starts with 2 slots there): the owner
/// pushing and popping while thieves steal, across a growth of the ring and the reuse of a
/// slot. Every pushed value must be taken exactly once, each taker's in push order.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::shim::model;
    use loom::thread;

    /// A value the queue can hold without allocating: `n` travels as the address `n + 1`.
    #[derive(Debug)]
    struct Tok(usize);

    // SAFETY: the address is only ever turned back into the number (never dereferenced), and
    // `from_raw(into_raw(Tok(n)))` is `Tok(n)`.
    unsafe impl Owned for Tok {
        type Target = u8;
        fn into_raw(self) -> NonNull<u8> {
            NonNull::new(std::ptr::without_provenance_mut(self.0 + 1)).expect("n + 1 > 0")
        }
        unsafe fn from_raw(p: NonNull<u8>) -> Tok {
            // A slot read before it was filled (null) comes out as usize::MAX.
            Tok(p.as_ptr().addr().wrapping_sub(1))
        }
    }

    /// [`thief`] on a new thread, with a stealer of `q`.
    fn spawn_thief(q: &Queue<Tok>, tries: usize) -> thread::JoinHandle<Vec<usize>> {
        let s = q.stealer();
        thread::spawn(move || thief(s, tries))
    }

    /// Up to `tries` single steal attempts (a lost race counts as one).
    fn thief(s: Stealer<Tok>, tries: usize) -> Vec<usize> {
        let mut got = Vec::new();
        for _ in 0..tries {
            if let Steal::Success(t) = s.steal() {
                got.push(t.0);
            }
        }
        got
    }

    /// Checks that `takers` (each taker's values, in the order taken) hold `0..n` exactly
    /// once, each in increasing order.
    fn exactly_once(takers: &[Vec<usize>], n: usize) {
        for t in takers {
            assert!(
                t.windows(2).all(|w| w[0] < w[1]),
                "oldest first: {takers:?}"
            );
        }
        let mut all: Vec<usize> = takers.concat();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..n).collect::<Vec<_>>(),
            "each value once: {takers:?}"
        );
    }

    #[test]
    fn a_thief_steals_while_the_ring_grows() {
        model(|| {
            let q: Queue<Tok> = Queue::new();
            let t = spawn_thief(&q, 2);
            // The third push finds the 2-slot ring full (unless the thief already took one).
            for i in 0..3 {
                q.push(Tok(i));
            }
            let mine: Vec<usize> = std::iter::from_fn(|| q.pop().map(|t| t.0)).collect();
            exactly_once(&[mine, t.join().unwrap()], 3);
        });
    }

    #[test]
    fn two_thieves_race_the_owner_across_reuse_and_growth() {
        model(|| {
            let q: Queue<Tok> = Queue::new();
            q.push(Tok(0));
            q.push(Tok(1));
            let ts: Vec<_> = (0..2).map(|_| spawn_thief(&q, 1)).collect();
            // The owner's pop races the thieves for value 0. Once `front` moved past slot 0,
            // value 2 goes there: a thief that read the slot before must lose its
            // compare-and-swap. Value 3 then grows the ring, or reuses slot 1 if the thieves
            // took value 1 already.
            let mut mine: Vec<usize> = q.pop().map(|t| t.0).into_iter().collect();
            q.push(Tok(2));
            q.push(Tok(3));
            mine.extend(std::iter::from_fn(|| q.pop().map(|t| t.0)));
            let mut takers = vec![mine];
            takers.extend(ts.into_iter().map(|t| t.join().unwrap()));
            exactly_once(&takers, 4);
        });
    }

    #[test]
    fn a_private_queue_keeps_order_across_growth() {
        model(|| {
            let q: Queue<Tok> = Queue::private();
            // Another thread may look (is_empty), never take.
            let look = {
                let s = q.stealer();
                thread::spawn(move || {
                    let _ = s.is_empty();
                })
            };
            let mut mine = Vec::new();
            for i in 0..3 {
                q.push(Tok(i));
            }
            mine.extend(q.pop().map(|t| t.0));
            for i in 3..6 {
                q.push(Tok(i));
            }
            mine.extend(std::iter::from_fn(|| q.pop().map(|t| t.0)));
            look.join().unwrap();
            assert!(q.is_empty());
            assert_eq!(mine, (0..6).collect::<Vec<_>>());
        });
    }
}
