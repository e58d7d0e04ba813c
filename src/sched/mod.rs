//! Scheduling inside a node, above `task` and below `comm`: the node and its workers' queues,
//! the worker loop, placement of new tasks, where they are queued, their execution, and
//! waiting for children. What the scheduler needs from other nodes it asks of a
//! [`node::Network`], which `comm` implements.
//!
//! The files depend on each other one way (`tests/layers.rs` checks it), bottom up:
//! `layout.rs`, `levels.rs`, `activity.rs`, `failures.rs` (plain parts); `node.rs` (the node,
//! with `To` and `Network`); `placement.rs`, `report.rs`, `waitable.rs` (what a wait waits
//! for), `fibers.rs` (a worker's contexts); `worker.rs` (a worker: its queues, current task,
//! stack); `enqueue.rs` (where a task is queued), `call.rs` (calling a task's function),
//! `complete.rs` (settling and signalling a finished task), `suspend.rs` (switching
//! contexts); `run.rs` (running a task, waiting, the worker loop); `wait.rs` and `spawn.rs`
//! on top.
//!
//! # The one recursion
//!
//! Running a task and waiting call each other, and that is the design: a task waits for its
//! children ([`run::wait_for`], also when it returns with children left), and a waiting worker
//! does not idle: it runs other tasks, which may wait in turn. All of it lives in `run.rs`
//! ([`run::run`], [`run::wait_on`], the worker loop), so no two files call each other. It is
//! bounded two ways:
//!
//! * by levels: a wait in a task of level `l` runs only tasks of a deeper level on its own
//!   stack (`WorkerCtx::find_work_deeper`), so the frames on one stack are at most as many as
//!   the nesting of the program's tasks, not as many as the tasks queued; a task whose level
//!   is too deep for the room left on the stack (`WorkerCtx::stack_has_room`) is not started
//!   there;
//! * by suspension: a wait that cannot go on on its stack (only shallower tasks are left, or
//!   no room) is set aside on that stack and the worker goes on with another context, a fiber
//!   running the worker loop from its start (`suspend.rs`, with the entry `run.rs` gives it;
//!   the contexts are `fibers.rs`); at a scheduling point a stopped wait that is over is
//!   continued. Each fiber has a stack of its own, as deep as a thread's, and a worker makes
//!   at most `MAX_FIBERS` of them; beyond, a wait parks.
//!
//! Completing a task (`complete.rs`) never waits itself: the one completion that must wait, a
//! callback creating tasks of its own, runs inside the task it completes, in `run.rs`.

pub(crate) mod activity;
mod call;
pub(crate) mod complete;
pub(crate) mod enqueue;
pub(crate) mod failures;
mod fibers;
pub(crate) mod layout;
pub(crate) mod levels;
pub(crate) mod node;
pub(crate) mod placement;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod spawn;
mod suspend;
pub(crate) mod wait;
mod waitable;
pub(crate) mod worker;

pub(crate) use node::Node;
pub(crate) use worker::WorkerCtx;
