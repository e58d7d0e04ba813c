//! Tasks: the descriptor that travels through queues (and, later, between nodes), its argument
//! records and copies, and the call of a C function pointer with the task's argument words.

pub(crate) mod arglist;
pub(crate) mod args;
pub(crate) mod buffer;
pub(crate) mod call;
pub(crate) mod callway;
pub(crate) mod descriptor;
pub(crate) mod failure;
pub(crate) mod future;
pub(crate) mod pool;
pub(crate) mod value;

pub(crate) use arglist::Arg;
pub use args::CArg;
pub(crate) use args::TrustedArgs;
pub(crate) use call::MAX_ARGS;
pub(crate) use callway::CallWay;
pub(crate) use descriptor::{Task, TaskRef};
