//! Communication: a thin layer over raw `mpi-sys` (start, ranks, datatypes, abort, end), the
//! identity of code and data across processes, and broadcast.

pub mod broadcast;
pub mod datatype;
pub mod mpi;
pub mod symbol;
