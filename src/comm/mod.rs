//! Communication between nodes: a thin layer over raw `mpi-sys`, the communication thread and
//! its channel, the wire format, inter-node stealing, broadcast, and the identity of code and
//! data across processes.

pub mod broadcast;
pub mod channel;
pub mod dispatch;
pub mod engine;
pub mod outstanding;
pub mod server;
pub mod steal;
pub mod wire;
