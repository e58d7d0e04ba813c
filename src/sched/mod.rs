//! Scheduling inside a node: the registry of workers and queues, the worker loop, parking,
//! waiting for children, placement of new tasks and their execution.

pub mod backoff;
pub mod execute;
pub mod fence;
pub mod latch;
pub mod levels;
pub mod placement;
pub mod queue;
pub mod registry;
pub mod sleep;
pub mod spawn;
pub mod wait;
pub mod worker;

pub use registry::Node;
pub use worker::WorkerCtx;
