//! The C boundary: constants and exported functions of `torc.h`. The variadic `torc_task*`
//! functions live in `varargs.c`, which gathers the descriptors into an array and calls
//! [`exports::torc_task_argv`]'s private twin.

pub mod constants;
pub mod exports;
pub mod fortran;
