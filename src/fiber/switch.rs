//! The context switch itself (x86-64 System V): save what a call must preserve on the current
//! stack, store the stack pointer, load the other context's stack pointer, restore what it
//! saved there, and return into it.
//!
//! A saved context is its stack pointer; the stack holds, from that address up: the SSE
//! control/status word (`mxcsr`) and the x87 control word, `r15`, `r14`, `r13`, `r12`, `rbx`,
//! `rbp` and the return address. Every other register is caller-saved across the call to
//! [`switch`], so the compiler has already spilled whatever it needs.

/// Bytes a fresh context's stack starts with below its (16-aligned) top: see [`prepare`].
#[cfg(target_arch = "x86_64")]
const FRAME: usize = 80;

/// Saves the calling context's stack pointer in `*save` and continues the context saved at
/// `to`; returns when some later switch continues the saved one.
///
/// # Safety
/// `to` is a stack pointer saved by `switch` (or made by [`prepare`]) of a context that is not
/// running, and is continued once per save; `save` is writable.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch(save: *mut usize, to: usize) {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "sub rsp, 8",
        "stmxcsr [rsp]",
        "fnstcw [rsp + 4]",
        // The calling context is saved: publish where.
        "mov [rdi], rsp",
        // Enter the other one and restore what it saved.
        "mov rsp, rsi",
        "ldmxcsr [rsp]",
        "fldcw [rsp + 4]",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

/// Where a fresh context starts: calls `rbx(r12)` (placed there by [`prepare`]); the entry
/// never returns.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
unsafe extern "C" fn trampoline() {
    core::arch::naked_asm!("mov rdi, r12", "call rbx", "ud2")
}

/// Lays out a fresh context below `top` (16-aligned, inside a writable stack) that starts by
/// calling `entry(arg)`, with the calling thread's floating-point control words; returns its
/// stack pointer, for [`switch`].
///
/// # Safety
/// The `FRAME` bytes below `top` are writable and unused.
#[cfg(target_arch = "x86_64")]
pub(super) unsafe fn prepare(top: usize, entry: extern "C" fn(usize) -> !, arg: usize) -> usize {
    debug_assert_eq!(top % 16, 0);
    let sp = top - FRAME;
    let words = sp as *mut usize;
    let (mut mxcsr, mut fpcw) = (0u32, 0u16);
    // SAFETY: both instructions store the current control words into the given locals.
    unsafe {
        core::arch::asm!(
            "stmxcsr [{m}]",
            "fnstcw [{c}]",
            m = in(reg) &mut mxcsr,
            c = in(reg) &mut fpcw,
            options(nostack, preserves_flags)
        )
    };
    let frame: [usize; 8] = [
        mxcsr as usize | (fpcw as usize) << 32,
        0,                                // r15
        0,                                // r14
        0,                                // r13
        arg,                              // r12: the entry's argument
        entry as *const () as usize,      // rbx: the entry
        0,                                // rbp
        trampoline as *const () as usize, // return address
    ];
    for (i, w) in frame.into_iter().enumerate() {
        // SAFETY: inside the FRAME bytes below `top`, which the caller gives us.
        unsafe { words.add(i).write(w) };
    }
    // After `ret` the trampoline runs with rsp = top - 16 (16-aligned), so that its `call`
    // enters `entry` with the alignment the ABI requires.
    sp
}
