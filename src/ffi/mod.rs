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
    // function: a variadic C function would first spill every argument register.
    ($name:ident => $target:ident, no arguments => $noargs:path) => {
        /// Variadic entry point; see `torc.h` / `torcf.h`.
        #[no_mangle]
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!(
                "test edx, edx",
                "jz {}",
                "jmp {}",
                sym $noargs,
                sym $target
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
