//! Communication between nodes, above the scheduler: the wire format, the engine that moves
//! messages over MPI and acts on what arrives, the communication thread, inter-node stealing,
//! termination detection, broadcast and the job-wide switches. [`Comm`] holds one node's
//! communication state (`state.rs`) and implements the scheduler's `Network` (`network.rs`).
//! The protocols are written down in `src/comm/README.md`.
//!
//! The files, bottom up (each uses only those before it): `wire/`, `outbox.rs`,
//! `outstanding.rs`, `health.rs`, `awaited.rs`, `thief.rs` (the parts of the state);
//! `engine.rs` (the engine's state and sending); `state.rs` ([`Comm`]); `watch.rs`,
//! `steal.rs`, `dispatch.rs` (acting on what arrives); `drive.rs` (a round of progress, who
//! drives it); `network.rs`, `server.rs`, `broadcast.rs`, `control.rs`, `termination.rs`.
//! This file only declares them.

mod awaited;
pub(crate) mod broadcast;
pub(crate) mod control;
mod dispatch;
mod drive;
mod engine;
mod health;
mod network;
mod outbox;
mod outstanding;
pub(crate) mod server;
mod state;
pub(crate) mod steal;
pub(crate) mod termination;
mod thief;
pub(crate) mod watch;
mod wire;

pub(crate) use state::Comm;
