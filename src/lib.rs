//! # torc: a task-parallel runtime on MPI
//!
//! torc runs *tasks* (a function plus argument descriptors) on worker threads inside one or many
//! MPI processes ("nodes"), moves argument data between them and lets a task wait for the tasks
//! it created. It exports the C ABI of TORC Lite (see `include/torc.h`), so existing C/C++ TORC
//! applications relink with `-ltorc` unmodified.
//!
//! Layers, one folder each:
//! * [`task`]: the task descriptor, argument records and copies, calling a C function pointer;
//! * [`sched`]: the node's workers, their queues, parking, waiting and placement;
//! * [`comm`]: the thin layer over raw MPI;
//! * [`ffi`]: the C exports (and the small C file turning varargs into an argument array);
//! * [`api`]: the safe Rust interface.

#![warn(missing_docs)]

pub mod api;
pub mod comm;
pub mod env;
pub mod error;
pub mod ffi;
pub mod runtime;
pub mod sched;
pub mod stats;
pub mod task;

/// The header that `build.rs` generated from these sources with cbindgen; a test compares it
/// with the checked-in `include/torc.h`.
#[doc(hidden)]
pub const GENERATED_HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/torc.h"));
