//! Reuse of task descriptors: each worker keeps finished ones with their allocations, so that
//! creating a task costs no allocation in steady state (argument vectors keep their capacity
//! too). Descriptors are allocated in slabs and never freed: a pool holds at most as many as
//! were outstanding at the peak. Threads that are not workers use a thread-local pool.

use super::descriptor::{Task, TaskRef};
use std::cell::Cell;
use std::ptr::NonNull;

/// Descriptors allocated at once when a pool runs dry.
const SLAB: usize = 256;

/// A free list of task descriptors, owned by one thread: an intrusive stack linked through
/// the descriptors' `next_free` field (getting and putting is a couple of loads and stores).
pub struct Pool {
    head: Cell<*mut Task>,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            head: Cell::new(std::ptr::null_mut()),
        }
    }
}

// SAFETY: a pool is used by the one thread that owns it (a worker context or a thread-local);
// it is only moved to that thread when the worker starts. The descriptors it links are owned
// by the pool while they are on the list.
unsafe impl Send for Pool {}

impl Pool {
    /// A clean descriptor: recycled when possible.
    pub fn get(&self) -> TaskRef {
        let head = self.head.get();
        if let Some(t) = NonNull::new(head) {
            // SAFETY: `head` is a descriptor on this pool's list, owned by the pool.
            self.head.set(unsafe { (*head).next_free });
            // SAFETY: taken off the list, it now has exactly one owner: the caller.
            return unsafe { TaskRef::from_raw(t) };
        }
        let slab: &'static mut [Task] = Box::leak((0..SLAB).map(|_| Task::new()).collect());
        for t in slab[1..].iter_mut() {
            t.next_free = self.head.get();
            self.head.set(t);
        }
        // SAFETY: each slab entry is leaked (never freed); the first goes to the caller only.
        unsafe { TaskRef::from_raw(NonNull::from(&mut slab[0])) }
    }

    /// Returns a finished descriptor for reuse.
    pub fn put(&self, mut t: TaskRef) {
        t.reset();
        t.next_free = self.head.get();
        // The list owns the descriptor from now on (a TaskRef has no destructor to skip).
        self.head.set(t.as_ptr());
    }
}

thread_local! {
    static LOCAL: Pool = Pool::default();
}

/// A clean descriptor from the calling thread's pool.
pub fn get() -> TaskRef {
    LOCAL.with(|p| p.get())
}

/// Returns a finished descriptor to the calling thread's pool.
pub fn put(t: TaskRef) {
    let mut t = Some(t);
    // During thread teardown the descriptor is simply dropped (it is never freed).
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
        let addr = t.as_ptr();
        pool.put(t);
        let t = pool.get();
        assert_eq!(t.as_ptr(), addr);
        assert_eq!((t.level, t.flags, t.buf.len(), t.args.len()), (0, 0, 0, 0));
        put(t);
        assert_eq!(get().as_ptr(), addr, "the thread-local pool recycles too");
    }
}
