//! The C boundary: constants and exported functions of `torc.h` (and the Fortran layer). The
//! variadic `torc_task*` functions live in `varargs.c` (and `fortran.c`), which gather the
//! descriptors into an array and call the runtime.

/// Exports `$name`, a variadic entry point defined in C as `$target`: a cdylib exports only
/// symbols defined in Rust, so this naked function carries the name and jumps to the C code
/// with every register and stack slot untouched (a plain tail jump keeps the variadic ABI).
/// The caller declares `$target` in an `extern "C"` block.
macro_rules! trampoline {
    ($name:ident => $target:ident) => {
        $crate::ffi::trampoline!(@naked $name,
            x86_64: ("jmp {}", sym $target),
            aarch64: ("b {}", sym $target));
    };
    // `narg == 0` (the third argument) goes straight to `$noargs(qid, f)`, a plain Rust
    // function: a variadic C function would first spill every argument register. On x86-64,
    // `1 <= narg <= TORC_MAX_ARGS` goes to `$words(qid, f, narg, words)` without the C shim
    // (see `spill_call!`). Anything else (a bad count) takes the C shim, which reports it.
    // (On aarch64 `cbz` reaches only 1 MiB and gets no linker veneer: branch over a plain `b`.)
    ($name:ident => $target:ident, no arguments => $noargs:path, words => $words:path) => {
        $crate::ffi::trampoline!(@naked $name,
            x86_64: (
                ".cfi_startproc",
                "test edx, edx",
                "jz {noargs}",
                $crate::ffi::spill_call!(),
                ".cfi_endproc",
                noargs = sym $noargs,
                shim = sym $target,
                words = sym $words,
                max = const $crate::task::MAX_ARGS,
            ),
            aarch64: ("cbnz w2, 2f", "b {}", "2:", "b {}", sym $noargs, sym $target));
    };
    // On x86-64, `0 <= narg <= TORC_MAX_ARGS` (the third argument) goes to `$words(qid, f,
    // narg, words)` (see `spill_call!`), whose result (in rax) is returned; anything else takes
    // the C shim `$target`. Elsewhere every call takes the C shim.
    ($name:ident => $target:ident, words => $words:path) => {
        $crate::ffi::trampoline!(@naked $name,
            x86_64: (
                ".cfi_startproc",
                $crate::ffi::spill_call!(),
                ".cfi_endproc",
                shim = sym $target,
                words = sym $words,
                max = const $crate::task::MAX_ARGS,
            ),
            aarch64: ("b {}", sym $target));
    };
    // The exported naked function with its body for each architecture.
    (@naked $name:ident, x86_64: ($($x86:tt)*), aarch64: ($($arm:tt)*)) => {
        /// Variadic entry point; see `torc.h` / `torcf.h`.
        #[no_mangle]
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!($($x86)*);
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!($($arm)*);
        }
    };
}
pub(crate) use trampoline;

/// The x86-64 instructions that call `{words}(qid, f, narg, words)` from a variadic entry
/// `f(qid, fn, narg, ...)` and return its result, after sending a `narg` above `{max}` (or
/// negative) to the C shim `{shim}`. The System V ABI passes variadic integer and
/// pointer arguments exactly as fixed ones (the first six in rdi, rsi, rdx, rcx, r8, r9, the
/// rest in 8-byte stack slots from 8(%rsp) up), so popping the return address and pushing r9,
/// r8 and rcx in its place puts every variadic word in one array, in order; the return address
/// goes back on top (the stack is then 16-aligned for the call), and after the call the stack
/// is restored as the caller left it (see `varargs.c`). The CFI lines keep backtraces through
/// it working.
macro_rules! spill_call {
    () => {
        concat!(
            "cmp edx, {max}\n",
            "ja {shim}\n",
            "pop r11\n",
            ".cfi_adjust_cfa_offset -8\n",
            ".cfi_register rip, r11\n",
            "push r9\n",
            ".cfi_adjust_cfa_offset 8\n",
            "push r8\n",
            ".cfi_adjust_cfa_offset 8\n",
            "push rcx\n",
            ".cfi_adjust_cfa_offset 8\n",
            "mov rcx, rsp\n",
            "push r11\n",
            ".cfi_adjust_cfa_offset 8\n",
            ".cfi_offset rip, -32\n",
            "call {words}\n",
            "pop r11\n",
            ".cfi_adjust_cfa_offset -8\n",
            ".cfi_register rip, r11\n",
            "add rsp, 24\n",
            ".cfi_adjust_cfa_offset -24\n",
            "push r11\n",
            ".cfi_adjust_cfa_offset 8\n",
            ".cfi_offset rip, -8\n",
            "ret",
        )
    };
}
pub(crate) use spill_call;

pub mod constants;
pub mod exports;
pub mod extensions;
pub mod fortran;

/// `torc_arg_t`: one task argument as C describes it (see `torc_task_argv`).
pub use crate::task::CArg;
