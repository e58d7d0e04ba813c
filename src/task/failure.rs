//! What is known of a task that failed (a Rust panic, later a Python exception): enough for
//! the one who waits for it to say which task, where, and why.

use std::fmt;

/// A failed task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The task function's name (a Rust path, or a symbol).
    pub(crate) function: String,
    /// The node that ran it.
    pub(crate) node: u32,
    /// The global worker that ran it (`u32::MAX`: a thread that is not a worker).
    pub(crate) worker: u32,
    /// Its nesting level.
    pub(crate) level: u32,
    /// The panic's message.
    pub(crate) message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} failed on node {}", self.function, self.node)?;
        if self.worker != u32::MAX {
            write!(f, " worker {}", self.worker)?;
        }
        write!(f, " (level {}): {}", self.level, self.message)
    }
}
