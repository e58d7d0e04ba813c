//! # torc: a task-parallel runtime on MPI
//!
//! torc runs *tasks* (a function plus argument descriptors) on worker threads inside one or many
//! MPI processes ("nodes"), moves argument data between them and lets a task wait for the tasks
//! it created. It exports the C ABI of TORC Lite (see `include/torc.h`), so existing C/C++ TORC
//! applications relink with `-ltorc` unmodified.
//!
//! ## Rust
//!
//! ```
//! use torc::api::{self, In, Out};
//!
//! // A task function: a plain `fn`, so it can run on any node of the job.
//! fn square(x: &f64, y: &mut f64) {
//!     *y = x * x;
//! }
//!
//! let total = api::run(|| {
//!     let xs: Vec<f64> = (0..100).map(f64::from).collect();
//!     let mut ys = vec![0.0; xs.len()];
//!     api::scope(|s| {
//!         for (x, y) in xs.iter().zip(ys.iter_mut()) {
//!             s.spawn(square, (In(x), Out(y)));
//!         }
//!     }) // waits for the tasks: only now may `ys` be read again
//!     .unwrap();
//!     ys.iter().sum::<f64>()
//! })
//! .unwrap();
//! assert_eq!(total, (0..100).map(|i| (i * i) as f64).sum::<f64>());
//! ```
//!
//! Run the program under `mpirun -np N` to spread the tasks over N processes; node 0 runs the
//! closure, the other nodes serve tasks and exit when it returns.
//!
//! ## C
//!
//! `include/torc.h` declares TORC Lite's API (`torc_init`, `torc_task`, `torc_waitall`, ...)
//! and torc's extensions (byte-result futures `torc_task_future` / `torc_future_*`,
//! `torc_spmd`); link with `-ltorc`. See `docs/c-api.md`.
//!
//! ## Layers
//!
//! The public surface is the C ABI ([`ffi`], `include/torc.h`) and the Rust API ([`api`]);
//! everything else is private to the crate, in layers that depend one way only
//! (`tests/layers.rs` checks them): the layer table, and the path of one task through the
//! files, are in `docs/architecture.md`; the protocols between nodes (messages, ordering,
//! stealing, termination, sleep and wake-up) in `src/comm/README.md`.

#![warn(missing_docs)]

pub mod api;
mod comm;
mod env;
mod error;
pub mod ffi;
mod fiber;
mod mpi;
mod runtime;
mod sched;
mod stats;
mod symbol;
mod sync;
mod task;
mod trace;

/// The header that `build.rs` generated from these sources with cbindgen; a test compares it
/// with the checked-in `include/torc.h`.
#[doc(hidden)]
pub const GENERATED_HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/torc.h"));
