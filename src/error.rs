//! Reporting misuse: one line on stderr naming the function and the value, then the job stops.

use crate::mpi;
use std::fmt;
use std::io::Write;
use std::time::{Duration, Instant};

/// Prints `torc: FUNC: MESSAGE` and stops the job (`MPI_Abort`, starting MPI first if needed;
/// `exit(1)` after `MPI_Finalize`).
pub(crate) fn fatal(func: &str, msg: fmt::Arguments<'_>) -> ! {
    let line = format!("torc: {func}: {msg}\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
    drop(err);
    wait_until_read(libc::STDERR_FILENO);
    mpi::abort_job(1)
}

/// When `fd` is a pipe (a launcher forwarding this process's output), waits until its reader
/// has taken everything written to it, for at most 2 s: `MPI_Abort` makes some launchers
/// (MPICH's hydra) kill every process and exit at once, and output still in the pipe is lost.
/// Returns at once for a terminal or a file (nothing to wait for). Allocates nothing: signal
/// and exit handlers call it too.
pub(crate) fn wait_until_read(fd: libc::c_int) {
    // SAFETY: `st` is plain data filled by fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on a descriptor number only reads its state; `st` is valid for writing.
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFIFO {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut unread: libc::c_int = 0;
        // SAFETY: FIONREAD on a pipe writes the number of unread bytes into `unread`.
        let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut unread) };
        if r != 0 || unread == 0 || Instant::now() >= deadline {
            return;
        }
        std::thread::yield_now();
    }
}

/// Prints `torc: FUNC: MESSAGE (ignored)` for a misuse that can safely be refused.
pub(crate) fn refuse(func: &str, msg: fmt::Arguments<'_>) {
    eprintln!("torc: {func}: {msg} (ignored)");
}

/// Runs `f`; a panic in it (a runtime bug) stops the job with one line naming `what`, instead
/// of silently ending one thread and leaving the others to hang.
pub(crate) fn fatal_on_panic<R>(what: &str, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => fatal(what, format_args!("internal error: {}", panic_message(&*p))),
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
