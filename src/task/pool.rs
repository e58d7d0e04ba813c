//! Reuse of task descriptors: each worker keeps finished ones with their allocations, so that
//! creating a task costs no allocation in steady state (argument vectors keep their capacity
//! too). Descriptors are allocated in slabs and never freed; every slab stays listed in
//! `SLABS`, so that it remains reachable when the pools that link its descriptors are gone (a
//! thread-local pool at thread exit): leak checkers see it as still in use rather than lost.
//! Threads that are not workers use a thread-local pool.
//!
//! A descriptor returns to the pool of the thread that finished it, which need not be the one
//! that created it: when one task creates the work and others run it, descriptors flow from
//! the creator to the runners. So a pool that has taken back more descriptors than it handed
//! out keeps at most `KEEP` of them and passes what is beyond, in chains of `SLAB`, to a
//! process-wide spare list that pools which run dry take from before allocating. (A pool that
//! gets back what it handed out, the common case, keeps everything.) Memory stays bounded by
//! the peak number of live tasks.
//!
//! [`get_task`] and [`put_task`] use the calling thread's pool: its worker's, registered for
//! the thread with [`register_thread_pool`] while the worker runs (found in one load: it
//! lives in C's initial-exec TLS, `src/ffi/tls.c`), else a thread-local one.

use super::descriptor::{Task, TaskRef};
use parking_lot::Mutex;
use std::cell::Cell;
use std::ptr::NonNull;

/// Descriptors allocated at once when a pool runs dry, and the length of spare chains.
const SLAB: usize = 256;
/// Descriptors a pool keeps for itself.
const KEEP: usize = 4 * SLAB;

/// A chain of `SLAB` free descriptors linked through `next_free`.
struct Chain(NonNull<Task>);
// SAFETY: a chain on the spare list is owned by the list; it moves whole to one pool.
unsafe impl Send for Chain {}

/// Chains given up by pools with more than they keep.
static SPARE: Mutex<Vec<Chain>> = Mutex::new(Vec::new());

/// The start of a slab of `SLAB` descriptors: an address only, never dereferenced (so the
/// list is `Send` without any `unsafe`).
struct Slab(#[allow(dead_code)] usize);

/// Every slab ever allocated. Descriptors live for the whole process (a late completion or a
/// stale pointer in a queue may still reach one), and are only ever linked through interior
/// pointers; this list holds each slab's start so that the memory stays reachable, and
/// valgrind counts it as such instead of "definitely lost" once a thread-local pool is gone.
static SLABS: Mutex<Vec<Slab>> = Mutex::new(Vec::new());

/// A free list of task descriptors, owned by one thread: an intrusive stack linked through
/// the descriptors' `next_free` field (getting and putting is a couple of loads and stores).
pub(crate) struct Pool {
    head: Cell<*mut Task>,
    len: Cell<usize>,
    /// Descriptors handed out less those taken back.
    balance: Cell<isize>,
    /// Descriptors beyond `KEEP`, gathered into a chain for the spare list.
    spill: Cell<*mut Task>,
    spill_len: Cell<usize>,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            head: Cell::new(std::ptr::null_mut()),
            len: Cell::new(0),
            balance: Cell::new(0),
            spill: Cell::new(std::ptr::null_mut()),
            spill_len: Cell::new(0),
        }
    }
}

// SAFETY: a pool is used by the one thread that owns it (a worker context or a thread-local);
// it is only moved to that thread when the worker starts. The descriptors it links are owned
// by the pool while they are on the list.
unsafe impl Send for Pool {}

impl Pool {
    /// A clean descriptor: recycled when possible.
    #[inline]
    pub(crate) fn get(&self) -> TaskRef {
        self.get_for(0)
    }

    /// [`Pool::get`] for a task with `nargs` arguments: the next descriptor is prefetched as
    /// far as a task like this one touches it (`Task::hot_lines`), on the guess that the next
    /// task created here is alike (tasks are created in loops). With many tasks queued the
    /// free descriptors are cold (see `sync/prefetch.rs`); prefetching more lines than a
    /// task touches costs memory traffic instead.
    #[inline]
    pub(crate) fn get_for(&self, nargs: usize) -> TaskRef {
        let head = self.head.get();
        if let Some(t) = NonNull::new(head) {
            // SAFETY: `head` is a descriptor on this pool's list, owned by the pool.
            let next = unsafe { (*head).next_free };
            self.head.set(next);
            crate::sync::prefetch::value(next, Task::hot_lines(nargs));
            self.len.set(self.len.get() - 1);
            self.balance.set(self.balance.get() + 1);
            // SAFETY: taken off the list, it now has exactly one owner: the caller.
            return unsafe { TaskRef::from_raw(t) };
        }
        self.refill()
    }

    /// The list is empty: take the spill, a spare chain, or a new slab; returns one of them.
    #[cold]
    fn refill(&self) -> TaskRef {
        let (chain, n) = if !self.spill.get().is_null() {
            let n = self.spill_len.replace(0);
            (self.spill.replace(std::ptr::null_mut()), n)
        } else if let Some(Chain(c)) = SPARE.lock().pop() {
            (c.as_ptr(), SLAB)
        } else {
            let slab: &'static mut [Task] = Box::leak((0..SLAB).map(|_| Task::new()).collect());
            SLABS.lock().push(Slab(slab.as_mut_ptr() as usize));
            let mut head: *mut Task = std::ptr::null_mut();
            for t in slab.iter_mut().rev() {
                t.next_free = head;
                head = t;
            }
            (head, SLAB)
        };
        self.head.set(chain);
        self.len.set(n);
        self.get()
    }

    /// Returns a finished descriptor for reuse.
    #[inline]
    pub(crate) fn put(&self, mut t: TaskRef) {
        t.reset();
        let balance = self.balance.get() - 1;
        self.balance.set(balance);
        if balance >= 0 || self.len.get() < KEEP {
            t.next_free = self.head.get();
            // The list owns the descriptor from now on (a TaskRef has no destructor to skip).
            self.head.set(t.as_ptr());
            self.len.set(self.len.get() + 1);
        } else {
            self.spill_one(t);
        }
    }

    #[cold]
    fn spill_one(&self, mut t: TaskRef) {
        t.next_free = self.spill.get();
        self.spill.set(t.as_ptr());
        if self.spill_len.get() + 1 < SLAB {
            self.spill_len.set(self.spill_len.get() + 1);
            return;
        }
        self.spill_len.set(0);
        let chain = self.spill.replace(std::ptr::null_mut());
        // SAFETY: `chain` is `t`, just linked: not null.
        SPARE
            .lock()
            .push(Chain(unsafe { NonNull::new_unchecked(chain) }));
    }

    /// Descriptors on this pool's own list (not counting its spill).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }
}

thread_local! {
    static LOCAL: Pool = Pool::default();
}

// The pool registered for the calling thread (null: none), kept in C with initial-exec TLS:
// see src/ffi/tls.c.
extern "C" {
    fn torc_tls_pool() -> *const std::ffi::c_void;
    fn torc_tls_set_pool(p: *const std::ffi::c_void);
}

/// Makes `pool` the calling thread's pool for [`get_task`] and [`put_task`] (null: none, the
/// thread-local one again).
///
/// # Safety
/// A non-null `pool` stays alive, and is used by the calling thread only, until the thread
/// registers another one (or null).
pub(crate) unsafe fn register_thread_pool(pool: *const Pool) {
    // SAFETY: a plain store to this thread's own variable.
    unsafe { torc_tls_set_pool(pool as *const std::ffi::c_void) };
}

/// The pool registered for the calling thread, if any.
#[inline]
fn thread_pool<'a>() -> Option<&'a Pool> {
    // SAFETY: a plain load of this thread's own variable.
    let p = unsafe { torc_tls_pool() } as *const Pool;
    // SAFETY: a registered pool is alive and used by this thread only until it is replaced
    // (the contract of `register_thread_pool`), and the reference does not leave this thread.
    unsafe { p.as_ref() }
}

/// A clean task descriptor from the calling thread's pool (its worker's, on a worker thread),
/// so that descriptors and their buffers are reused by the thread that fills them next.
pub(crate) fn get_task() -> TaskRef {
    match thread_pool() {
        Some(p) => p.get(),
        None => get(),
    }
}

/// Returns a finished descriptor to the calling thread's pool (see [`get_task`]).
pub(crate) fn put_task(t: TaskRef) {
    match thread_pool() {
        Some(p) => p.put(t),
        None => put(t),
    }
}

/// A clean descriptor from the calling thread's pool.
pub(crate) fn get() -> TaskRef {
    LOCAL.with(|p| p.get())
}

/// Returns a finished descriptor to the calling thread's pool.
pub(crate) fn put(t: TaskRef) {
    let mut t = Some(t);
    // During thread teardown the descriptor is simply dropped (it is never freed: its slab
    // stays on `SLABS`).
    let _ = LOCAL.try_with(|p| p.put(t.take().expect("once")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycled_descriptors_come_back_clean() {
        let pool = Pool::default();
        let mut t = pool.get();
        t.level = 7;
        t.flags = 3;
        t.buf.push_bytes(&[1, 2, 3]);
        t.mark_args();
        let addr = t.as_ptr();
        pool.put(t);
        let t = pool.get();
        assert_eq!(t.as_ptr(), addr);
        assert_eq!((t.level, t.flags, t.buf.len(), t.args.len()), (0, 0, 0, 0));
        put(t);
        assert_eq!(get().as_ptr(), addr, "the thread-local pool recycles too");
    }

    #[test]
    fn a_pool_that_only_receives_passes_the_surplus_on() {
        // One thread creates, another finishes: the finisher's pool stays bounded and the
        // creator's pool is refilled from the spare list rather than from new slabs.
        let creator = Pool::default();
        let finisher = Pool::default();
        let first: Vec<TaskRef> = (0..4 * KEEP).map(|_| creator.get()).collect();
        let addrs: std::collections::HashSet<usize> =
            first.iter().map(|t| t.as_ptr() as usize).collect();
        for t in first {
            finisher.put(t);
        }
        assert_eq!(finisher.len(), KEEP, "the finisher keeps only KEEP");
        // Other tests may share the spare list; chains of ours are on it, so the creator
        // gets back descriptors it made before rather than only fresh ones.
        let again: Vec<TaskRef> = (0..4 * KEEP).map(|_| creator.get()).collect();
        let reused = again
            .iter()
            .filter(|t| addrs.contains(&(t.as_ptr() as usize)))
            .count();
        assert!(
            reused >= SLAB,
            "only {reused} descriptors came back from the spare list"
        );
        for t in again {
            creator.put(t);
        }
    }

    #[test]
    fn a_pool_that_gets_back_what_it_handed_out_keeps_it_all() {
        let pool = Pool::default();
        let all: Vec<TaskRef> = (0..4 * KEEP).map(|_| pool.get()).collect();
        for t in all {
            pool.put(t);
        }
        assert_eq!(pool.len(), 4 * KEEP, "nothing passed to the spare list");
    }
}
