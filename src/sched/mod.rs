//! Scheduling inside a node, above `task` and below `comm`: the node and its workers' queues,
//! the worker loop, placement of new tasks, where they are queued, their execution, and
//! waiting for children. What the scheduler needs from other nodes it asks of a
//! [`network::Network`], which `comm` implements.

pub(crate) mod activity;
pub(crate) mod complete;
pub(crate) mod enqueue;
pub(crate) mod execute;
pub(crate) mod failures;
pub(crate) mod levels;
pub(crate) mod network;
pub(crate) mod node;
pub(crate) mod placement;
pub(crate) mod report;
pub(crate) mod spawn;
mod suspend;
pub(crate) mod wait;
pub(crate) mod worker;

pub(crate) use node::Node;
pub(crate) use worker::WorkerCtx;
