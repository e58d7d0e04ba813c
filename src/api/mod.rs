//! The safe Rust interface: the same runtime, nodes and workers as the C API, shaped for Rust.
//!
//! * [`run`] / [`Builder`] start the runtime, run a closure as the primary task on node 0 and
//!   serve tasks on the other nodes, then shut everything down;
//! * [`scope()`] creates tasks whose arguments borrow the caller's data ([`In`], [`InOut`],
//!   [`Out`], [`Borrow`]); the scope waits for them before the borrows end;
//! * task functions are plain `fn` items (or closures capturing nothing), so they run on any
//!   node; [`Scope::spawn_local`] runs capturing closures on this node's workers;
//! * [`Global`] and [`broadcast`] share a value with every node.

//!
//! The files, bottom up (each uses only those before it): `error.rs`, `data.rs`, `codec.rs`;
//! `args.rs` (argument kinds), `run.rs` (starting and ending, queries); `arity.rs` (argument
//! tuples and task trampolines), `wait.rs` (waiting for children), `future.rs`; `place.rs`
//! (where a task goes, and its creation); `scope.rs`; `join.rs`, `map.rs`, `spmd.rs`,
//! `global.rs`. This file only declares them and re-exports what is public.

pub mod args;
pub mod arity;
pub mod codec;
pub mod data;
pub mod error;
pub mod future;
pub mod global;
pub mod join;
pub mod map;
pub mod place;
mod run;
pub mod scope;
pub mod spmd;
mod wait;

pub use args::{Borrow, In, InOut, Moved, Out};
pub use arity::{Args, CopiedArgs, TaskFn};
pub use codec::Codec;
#[cfg(feature = "serde")]
pub use codec::Serde;
pub use data::{Data, Payload};
pub use error::{Error, TaskError};
pub use future::{as_completed, AsCompleted, Future, Stopped};
pub use global::{broadcast, Global};
pub use join::join;
pub use map::{map, map_with, MapOptions};
pub use place::Place;
pub use run::{abort, finalize, run, serve, serve_until, Builder, CallerWorker, Role};
pub use run::{level, local_worker_id, local_workers, node_id, node_of_worker, num_nodes};
pub use run::{num_workers, reset_statistics, set_stealing, statistics, worker_id};
pub use scope::{scope, spawn_detached, Scope};
pub use scope::{submit, submit_notify, submit_then};
pub use spmd::spmd;
pub use wait::{wait_all, wait_all_until};
