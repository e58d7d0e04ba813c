//! `torc_broadcast`: copy a global variable's value to the same variable on every node.
//!
//! The address must lie inside a loaded module's data (executable or shared library); it is
//! identified by (module, offset) so that position-independent code works on every node.

use crate::comm::datatype;
use crate::error::fatal;
use crate::sched::registry::Node;
use mpi_sys::MPI_Datatype;
use std::os::raw::{c_long, c_void};

const API: &str = "torc_broadcast";

/// Checks the request and sends the data (nothing to send on one node).
pub fn broadcast(node: &Node, addr: *mut c_void, count: c_long, dt: MPI_Datatype) {
    if count < 0 {
        fatal(API, format_args!("negative count {count}"));
    }
    if count == 0 {
        return;
    }
    if addr.is_null() {
        fatal(API, format_args!("NULL address with count {count}"));
    }
    let size = datatype::element_size(dt).unwrap_or_else(|e| fatal(API, format_args!("{e}")));
    let bytes = (count as usize)
        .checked_mul(size)
        .unwrap_or_else(|| fatal(API, format_args!("count {count} is too large")));
    if let Err(e) = crate::comm::symbol::locate_data(addr as usize, bytes) {
        fatal(API, format_args!("{e}"));
    }
    if node.layout.nodes() == 1 {
        return;
    }
    fatal(API, format_args!("multi-node broadcast is not built yet"));
}
