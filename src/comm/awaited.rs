//! What other nodes owe this one: acknowledgements of broadcasts and stealing switches, node
//! 0's answers to its termination query, and the statistics lines sent at shutdown. Written by
//! message handling (`dispatch.rs`), waited for by the caller that asked.

use super::health::Health;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers expected from other nodes.
pub(super) struct Awaited {
    /// Broadcast acknowledgements still expected.
    pub(super) bcast_acks: AtomicUsize,
    /// Acknowledgements of stealing switches still expected.
    pub(super) stealing_acks: AtomicUsize,
    /// Answers to node 0's termination query: (created, completed) detached tasks per node.
    pub(super) query: Mutex<Vec<Option<(u64, u64)>>>,
    /// Statistics lines received at shutdown (node 0).
    pub(super) stats: Mutex<Vec<Option<String>>>,
    /// Answers to node 0's WATCH, per node.
    pub(super) watch: Mutex<Vec<Option<Health>>>,
    /// DUMP_DONE answers received since the last DUMP.
    pub(super) dumps: AtomicUsize,
    /// Which nodes answered the last DUMP.
    pub(super) dumped: Mutex<Vec<bool>>,
}

impl Awaited {
    /// For a job of `nodes` nodes.
    pub(super) fn new(nodes: usize) -> Awaited {
        Awaited {
            bcast_acks: AtomicUsize::new(0),
            stealing_acks: AtomicUsize::new(0),
            query: Mutex::new(vec![None; nodes]),
            stats: Mutex::new(vec![None; nodes]),
            watch: Mutex::new(vec![None; nodes]),
            dumps: AtomicUsize::new(0),
            dumped: Mutex::new(vec![false; nodes]),
        }
    }

    /// One acknowledgement of `count` arrived.
    pub(super) fn acked(count: &AtomicUsize) {
        count.fetch_sub(1, Ordering::AcqRel);
    }
}
