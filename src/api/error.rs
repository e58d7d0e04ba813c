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
    /// A task's result cannot be read as the type asked for (or was taken already).
    BadResult(String),
    /// Tasks failed (panicked); the first is the first that was reported.
    Task(Vec<TaskError>),
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
            Error::BadResult(m) => write!(f, "the task's result cannot be read: {m}"),
            Error::Task(t) => {
                match t.first() {
                    Some(first) => write!(f, "{first}")?,
                    None => write!(f, "a task failed")?,
                }
                if t.len() > 1 {
                    write!(f, " (and {} more failed tasks)", t.len() - 1)?;
                }
                Ok(())
            }
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

/// A task that failed: which function, where, and the panic's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The task function (its Rust path), or what failed (e.g. `callback of ...`).
    pub function: String,
    /// The node that ran it.
    pub node: usize,
    /// The global worker that ran it (`None`: a thread that is no worker).
    pub worker: Option<usize>,
    /// Its nesting level.
    pub level: u32,
    /// The panic's message.
    pub message: String,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} panicked on node {}", self.function, self.node)?;
        if let Some(w) = self.worker {
            write!(f, " worker {w}")?;
        }
        write!(f, " (level {}): {}", self.level, self.message)
    }
}

impl std::error::Error for TaskError {}

impl From<crate::task::failure::Failure> for TaskError {
    fn from(f: crate::task::failure::Failure) -> TaskError {
        TaskError {
            function: f.function,
            node: f.node as usize,
            worker: (f.worker != u32::MAX).then_some(f.worker as usize),
            level: f.level,
            message: f.message,
        }
    }
}

/// The error of failed tasks (`None` when none failed).
pub(crate) fn failed(f: Vec<crate::task::failure::Failure>) -> Option<Error> {
    (!f.is_empty()).then(|| Error::Task(f.into_iter().map(TaskError::from).collect()))
}

/// Stops the calling task with `api`'s misuse `e` (a programming error, not a task failure).
#[cold]
#[track_caller]
pub(crate) fn misuse(api: &str, e: Error) -> ! {
    panic!("{api}: {e}")
}
