//! `torc_broadcast`: copy a global variable's value to the same variable on every node.
//!
//! The address must lie inside a loaded module's data (executable or shared library); it is
//! identified by (module, offset) so that position-independent code works on every node.

use crate::comm::wire::{self, tag};
use crate::error::fatal;
use crate::sched::node::Node;
use crate::{mpi::datatype, symbol};
use mpi_sys::MPI_Datatype;
use std::os::raw::{c_long, c_void};
use std::sync::atomic::Ordering;

const API: &str = "torc_broadcast";

/// Checks the request and sends the data (nothing to send on one node).
pub fn broadcast(node: &'static Node, addr: *mut c_void, count: c_long, dt: MPI_Datatype) {
    if count < 0 {
        fatal(API, format_args!("negative count {count}"));
    }
    if count == 0 {
        return;
    }
    if addr.is_null() {
        fatal(API, format_args!("NULL address with count {count}"));
    }
    // SAFETY: `dt` is the application's, which torc.h requires to be a datatype handle.
    let size =
        unsafe { datatype::element_size(dt) }.unwrap_or_else(|e| fatal(API, format_args!("{e}")));
    let bytes = (count as usize)
        .checked_mul(size)
        .unwrap_or_else(|| fatal(API, format_args!("count {count} is too large")));
    if let Err(e) = symbol::locate_data(addr as usize, bytes) {
        fatal(API, format_args!("{e}"));
    }
    if let Err(e) = symbol::check_writable(addr as usize, bytes) {
        fatal(API, format_args!("{e}"));
    }
    let Some(ch) = node.comm.as_ref() else {
        return; // one node: nothing to send
    };
    let Some((key, offset)) = symbol::to_portable(addr as usize) else {
        fatal(
            API,
            format_args!("address {addr:p} is not inside a loaded module's data"),
        );
    };
    // SAFETY: the caller's variable holds `bytes` bytes at `addr` (checked to lie in a module).
    let data = unsafe { std::slice::from_raw_parts(addr as *const u8, bytes) };
    let msg = wire::encode_bcast(key, offset, data);
    let me = node.layout.node;
    let others = node.layout.nodes() - 1;
    ch.bcast_acks.fetch_add(others, Ordering::AcqRel);
    for n in (0..node.layout.nodes()).filter(|&n| n != me) {
        ch.send(n, tag::BCAST, msg.clone());
    }
    // Complete on return: wait for every node's acknowledgement.
    crate::comm::engine::drive_until(node, || ch.bcast_acks.load(Ordering::Acquire) == 0);
}
