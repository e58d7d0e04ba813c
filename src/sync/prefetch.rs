//! A hint to the processor: bring memory into the cache ahead of its use. It changes nothing
//! a program computes and never faults, whatever the address (a stale pointer included), so
//! callers may prefetch what they only guess they will touch next.
//!
//! Where it pays: with many tasks queued, descriptors are cold when they are filled and when
//! they run (`task/descriptor.rs`); the owner of a queue prefetches the descriptor a few places
//! behind the one it takes (`queue.rs`), and a descriptor pool the next free one
//! (`task/pool.rs`), so that the misses overlap with the work of the tasks in between.

/// Cache-line size assumed.
pub(crate) const LINE: usize = 64;

/// Prefetches the `n` cache lines from `p` (for reading and writing, into all levels).
#[inline(always)]
pub(crate) fn lines(p: *const u8, n: usize) {
    #[cfg(target_arch = "x86_64")]
    for i in 0..n {
        let at = p.wrapping_add(i * LINE) as *const i8;
        // SAFETY: PREFETCHT0 only hints: it accesses nothing architecturally and cannot fault.
        #[allow(unused_unsafe)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at)
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, n);
}

/// Prefetches what a value of type `T` at `p` occupies, at most `max_lines` lines of it.
#[inline(always)]
pub(crate) fn value<T>(p: *const T, max_lines: usize) {
    lines(
        p as *const u8,
        std::mem::size_of::<T>().div_ceil(LINE).min(max_lines),
    );
}
