//! Tasks: the descriptor that travels through queues (and, later, between nodes), its argument
//! records and copies, and the call of a C function pointer with the task's argument words.

pub mod args;
pub mod buffer;
pub mod call;
pub mod callway;
pub mod descriptor;
pub mod pool;

pub use args::{Arg, CArg};
pub use callway::CallWay;
pub use descriptor::{Task, TaskRef};

/// The most arguments a task may have (TORC Lite allows 24).
pub const MAX_ARGS: usize = 32;
