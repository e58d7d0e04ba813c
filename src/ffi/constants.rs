//! Constants of `torc.h`, at TORC Lite's values.
#![allow(missing_docs)]

use std::os::raw::c_int;

/// This is TORC Lite's API.
pub const TORC_LITE: c_int = 1;
/// Master/worker mode (the only one).
pub const MODE_MW: c_int = 0;
/// Master/slave mode (the same).
pub const MODE_MS: c_int = 0;
/// In: a private copy taken at creation.
pub const CALL_BY_COP: c_int = 1;
/// In/out: the caller's data, written back after a remote run.
pub const CALL_BY_REF: c_int = 2;
/// Out: a zeroed buffer remotely, written back.
pub const CALL_BY_RES: c_int = 3;
/// In by address: data goes out, nothing comes back.
pub const CALL_BY_PTR: c_int = 4;
/// Same as `CALL_BY_COP`.
pub const CALL_BY_VAL: c_int = 1;
/// Internal (a COP of several elements); treated as `CALL_BY_COP`.
pub const CALL_BY_COP2: c_int = 5;
/// An opaque word passed untouched.
pub const CALL_BY_VAD: c_int = 6;
/// The most arguments of one task.
pub const TORC_MAX_ARGS: c_int = 32;
const _: () = assert!(TORC_MAX_ARGS as usize == crate::task::MAX_ARGS);
/// `torc_task_argv` flag: leave the task out of the statistics.
pub const TORC_TASK_INVISIBLE: c_int = 1;
/// `torc_task_argv` flag: a detached task (no parent waits for it).
pub const TORC_TASK_DETACHED: c_int = 2;
/// `torc_task_argv` flag: a direct task (runs promptly outside the worker queues).
pub const TORC_TASK_DIRECT: c_int = 4;

/// Wall-clock time in seconds, as `torc_gettime` returns it.
#[allow(non_camel_case_types)]
pub type torc_time_t = f64;
