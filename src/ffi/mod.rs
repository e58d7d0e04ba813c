//! The C boundary: constants and exported functions of `torc.h` (and the Fortran layer). The
//! variadic `torc_task*` functions live in `varargs.c` (and `fortran.c`), which gather the
//! descriptors into an array and call the runtime.

/// Exports `$name`, a variadic entry point defined in C as `$target`: a cdylib exports only
/// symbols defined in Rust, so this naked function carries the name and jumps to the C code
/// with every register and stack slot untouched (a plain tail jump keeps the variadic ABI).
/// The caller declares `$target` in an `extern "C"` block.
macro_rules! trampoline {
    ($name:ident => $target:ident) => {
        /// Variadic entry point; see `torc.h` / `torcf.h`.
        #[no_mangle]
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!("jmp {}", sym $target);
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!("b {}", sym $target);
        }
    };
    // `narg == 0` (the third argument) goes straight to `$noargs(qid, f)`, a plain Rust
    // function: a variadic C function would first spill every argument register. On x86-64,
    // `1 <= narg <= TORC_MAX_ARGS` goes to `$words(qid, f, narg, words)` without the C shim:
    // the System V ABI passes variadic integer and pointer arguments exactly as fixed ones
    // (the first six in rdi, rsi, rdx, rcx, r8, r9, the rest in 8-byte stack slots from
    // 8(%rsp) up), so pushing rcx, r8 and r9 where the return address was puts every variadic
    // word in one array, in order (see `varargs.c`). Anything else (a bad count) takes the C
    // shim, which reports it.
    ($name:ident => $target:ident, no arguments => $noargs:path, words => $words:path) => {
        /// Variadic entry point; see `torc.h` / `torcf.h`.
        #[no_mangle]
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!(
                ".cfi_startproc",
                "test edx, edx",
                "jz {noargs}",
                "cmp edx, {max}",
                "ja {shim}",
                // The return address out, the three register words in: words[0..] = rcx, r8,
                // r9, then the caller's stack slots.
                "pop r11",
                ".cfi_adjust_cfa_offset -8",
                ".cfi_register rip, r11",
                "push r9",
                ".cfi_adjust_cfa_offset 8",
                "push r8",
                ".cfi_adjust_cfa_offset 8",
                "push rcx",
                ".cfi_adjust_cfa_offset 8",
                "mov rcx, rsp",
                // The return address back on top: the stack is 16-aligned for the call.
                "push r11",
                ".cfi_adjust_cfa_offset 8",
                ".cfi_offset rip, -32",
                "call {words}",
                "pop r11",
                ".cfi_adjust_cfa_offset -8",
                ".cfi_register rip, r11",
                "add rsp, 24",
                ".cfi_adjust_cfa_offset -24",
                "push r11",
                ".cfi_adjust_cfa_offset 8",
                ".cfi_offset rip, -8",
                "ret",
                ".cfi_endproc",
                noargs = sym $noargs,
                shim = sym $target,
                words = sym $words,
                max = const $crate::task::MAX_ARGS,
            );
            // (`cbz` reaches only 1 MiB and gets no linker veneer: branch over a plain `b`.)
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!(
                "cbnz w2, 2f",
                "b {}",
                "2:",
                "b {}",
                sym $noargs,
                sym $target
            );
        }
    };
}
pub(crate) use trampoline;

pub mod constants;
pub mod exports;
pub mod extensions;
pub mod fortran;

/// `torc_arg_t`: one task argument as C describes it (see `torc_task_argv`).
pub use crate::task::CArg;
