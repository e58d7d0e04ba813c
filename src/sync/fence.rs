//! A full memory fence that costs what it must.
//!
//! `std::sync::atomic::fence(SeqCst)` compiles to `mfence` on x86-64, which measured 20 ns on
//! this project's machine (a virtual machine), against 2.3 ns for a locked read-modify-write of
//! a stack word. Locked instructions order every earlier load and store before every later one
//! on x86 (the same barrier the Linux kernel uses for `smp_mb()`), and an `asm!` block that may
//! touch memory is also a compiler barrier: the compiler must assume it could be any call,
//! including a sequentially consistent fence. Other targets use the standard fence, and the
//! loom tests (`--cfg loom`) loom's.

/// Orders every memory access before it against every access after it (a `SeqCst` fence).
#[inline(always)]
pub(crate) fn full() {
    // The loom tests (scripts/loom.sh): loom's model of the fence.
    #[cfg(all(loom, test))]
    loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
    #[cfg(all(target_arch = "x86_64", not(all(loom, test))))]
    // SAFETY: ORs zero into the word at the stack pointer: its value does not change, the
    // address is valid and owned by this thread; only the lock prefix's ordering matters.
    unsafe {
        core::arch::asm!("lock or qword ptr [rsp], 0", options(nostack))
    };
    #[cfg(all(not(target_arch = "x86_64"), not(all(loom, test))))]
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}
