//! `torc_broadcast`: copy a global variable's value to the same variable on every node.
//!
//! The address must lie inside a loaded module's data (executable or shared library); it is
//! identified by (module, offset) so that position-independent code works on every node.

use super::drive;
use super::state::Comm;
use super::wire::{self, tag};
use crate::error::fatal;
use crate::mpi::datatype;
use crate::sched::Node;
use crate::symbol;
use mpi_sys::MPI_Datatype;
use std::os::raw::c_long;
use std::sync::atomic::Ordering;

const API: &str = "torc_broadcast";

/// Checks the request and sends the data to every other node (none on a one-node run, where
/// `comm` is `None`); returns once every node applied it.
///
/// # Safety
/// `dt` is an MPI datatype handle, as torc.h requires (`addr` is checked: it must lie in the
/// writable data of a loaded module).
pub(crate) unsafe fn broadcast(
    node: &'static Node,
    comm: Option<&Comm>,
    addr: usize,
    count: c_long,
    dt: MPI_Datatype,
) {
    if count < 0 {
        fatal(API, format_args!("negative count {count}"));
    }
    if count == 0 {
        return;
    }
    if addr == 0 {
        fatal(API, format_args!("NULL address with count {count}"));
    }
    // SAFETY: `dt` is a datatype handle (this function's contract), and MPI runs.
    let size =
        unsafe { datatype::element_size(dt) }.unwrap_or_else(|e| fatal(API, format_args!("{e}")));
    let bytes = (count as usize)
        .checked_mul(size)
        .unwrap_or_else(|| fatal(API, format_args!("count {count} is too large")));
    if let Err(e) = symbol::locate_data(addr, bytes) {
        fatal(API, format_args!("{e}"));
    }
    if let Err(e) = symbol::check_writable(addr, bytes) {
        fatal(API, format_args!("{e}"));
    }
    let Some(comm) = comm else {
        return; // one node: nothing to send
    };
    let Some((key, offset)) = symbol::to_portable(addr) else {
        fatal(
            API,
            format_args!("address {addr:#x} is not inside a loaded module's data"),
        );
    };
    // SAFETY: the caller's variable holds `bytes` bytes at `addr` (checked to lie in a module).
    let data = unsafe { std::slice::from_raw_parts(addr as *const u8, bytes) };
    let msg = wire::encode_bcast(key, offset, data);
    let me = node.layout.node;
    let others = node.layout.nodes() - 1;
    let acks = &comm.awaited.bcast_acks;
    acks.fetch_add(others, Ordering::AcqRel);
    for n in (0..node.layout.nodes()).filter(|&n| n != me) {
        comm.outbox.send(n, tag::BCAST, msg.clone());
    }
    // Complete on return: wait for every node's acknowledgement.
    drive::drive_until(node, comm, || acks.load(Ordering::Acquire) == 0);
}
