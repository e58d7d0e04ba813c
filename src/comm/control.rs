//! The job-wide switches: inter-node stealing on every node (acknowledged, so that it holds
//! everywhere on return) and the reset of every node's statistics.

use super::drive;
use super::state::Comm;
use super::wire::{self, tag};
use crate::sched::Node;
use std::sync::atomic::Ordering;

/// Switches stealing on this node, then on every other, and returns once every node has
/// applied it (a node with stealing off neither asks for nor gives work, so after switching it
/// off everywhere no task moves between nodes by stealing).
pub(crate) fn set_stealing_everywhere(node: &'static Node, comm: Option<&Comm>, on: bool) {
    node.set_stealing(on);
    let Some(comm) = comm else { return };
    let acks = &comm.awaited.stealing_acks;
    acks.fetch_add(node.layout.nodes() - 1, Ordering::AcqRel);
    comm.send_to_others(tag::STEALING, &wire::encode_stealing(on));
    drive::drive_until(node, comm, || acks.load(Ordering::Acquire) == 0);
}

/// Zeroes the statistics of this node and tells every other node to do the same.
pub(crate) fn reset_statistics_everywhere(node: &Node, comm: Option<&Comm>) {
    node.reset_statistics();
    if let Some(comm) = comm {
        comm.send_to_others(tag::RESET_STATS, &[]);
    }
}
