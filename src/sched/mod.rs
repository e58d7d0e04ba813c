//! Scheduling inside a node: the registry of workers and queues, the worker loop, parking,
//! waiting for children, placement of new tasks and their execution.

pub mod execute;
pub mod levels;
pub mod node;
pub mod placement;
pub mod spawn;
pub mod wait;
pub mod worker;

pub use node::Node;
pub use worker::WorkerCtx;
