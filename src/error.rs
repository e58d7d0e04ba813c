//! Reporting misuse: one line on stderr naming the function and the value, then the job stops.

use crate::comm::mpi;
use std::fmt;
use std::io::Write;

/// Prints `torc: FUNC: MESSAGE` and stops the job (`MPI_Abort`, starting MPI first if needed;
/// `exit(1)` after `MPI_Finalize`).
pub fn fatal(func: &str, msg: fmt::Arguments<'_>) -> ! {
    let line = format!("torc: {func}: {msg}\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
    drop(err);
    mpi::abort_job(1)
}

/// Prints `torc: FUNC: MESSAGE (ignored)` for a misuse that can safely be refused.
pub fn refuse(func: &str, msg: fmt::Arguments<'_>) {
    eprintln!("torc: {func}: {msg} (ignored)");
}

/// Runs `f`; a panic in it (a runtime bug) stops the job with one line naming `what`, instead
/// of silently ending one thread and leaving the others to hang.
pub fn fatal_on_panic<R>(what: &str, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => fatal(what, format_args!("internal error: {}", panic_message(&*p))),
    }
}

/// The message of a caught panic.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
