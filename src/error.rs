//! Reporting misuse: one line on stderr naming the function and the value, then the job stops.

use crate::comm::mpi;
use std::fmt;
use std::io::Write;

/// Prints `torc: FUNC: MESSAGE` and stops the job (`MPI_Abort` once MPI runs, else `exit(1)`).
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
