//! Errors of the Rust API: misuse that can be refused is reported here instead of stopping
//! the job.

use std::fmt;

/// Why a request of the Rust API was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The runtime does not run (before [`crate::api::run`] or after it returned).
    NotRunning,
    /// The runtime already ran in this process and cannot start again.
    AlreadyStarted,
    /// The call must come from a task (the primary task or one run by a worker).
    NotInTask,
    /// A global worker id beyond the job's workers.
    NoSuchWorker {
        /// The id asked for.
        worker: usize,
        /// Workers in the job.
        workers: usize,
    },
    /// A setting (from the environment or the builder) is invalid.
    Config(String),
    /// An argument is larger than the runtime can move in one piece (2 GiB).
    TooLarge {
        /// Index of the argument.
        index: usize,
        /// Its size in bytes.
        bytes: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotRunning => write!(f, "the torc runtime is not running"),
            Error::AlreadyStarted => write!(f, "the torc runtime already ran in this process"),
            Error::NotInTask => write!(f, "called outside a torc task"),
            Error::NoSuchWorker { worker, workers } => {
                write!(
                    f,
                    "worker {worker} does not exist (the job has {workers} workers)"
                )
            }
            Error::Config(m) => write!(f, "bad setting: {m}"),
            Error::TooLarge { index, bytes } => {
                write!(
                    f,
                    "argument {index} has {bytes} bytes; at most 2 GiB can move at once"
                )
            }
        }
    }
}

impl std::error::Error for Error {}
