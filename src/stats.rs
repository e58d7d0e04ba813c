//! Counters for `TORC_STATS`: tasks created and executed per worker, steals per node.

use std::sync::atomic::{AtomicU64, Ordering};

/// A counter bumped by one thread and read (or reset) by others.
#[derive(Default, Debug)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds one; only the owning thread bumps, so a load and a store suffice (no locked op).
    pub(crate) fn bump(&self) {
        self.0
            .store(self.0.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Adds `n` from any thread.
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The value.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Back to zero.
    pub(crate) fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// Counters of one worker.
#[derive(Default, Debug)]
pub(crate) struct WorkerStats {
    /// Visible tasks this worker created.
    pub(crate) created: Counter,
    /// Visible tasks this worker ran.
    pub(crate) executed: Counter,
}

/// Counters of one node.
#[derive(Default, Debug)]
pub(crate) struct NodeStats {
    /// Visible tasks created by threads that are not workers.
    pub(crate) created_elsewhere: Counter,
    /// Steal requests this node sent to other nodes.
    pub(crate) steals_attempted: Counter,
    /// Steal requests of other nodes this node answered with a task.
    pub(crate) steals_served: Counter,
    /// Steal requests of this node that brought back a task.
    pub(crate) steals_hit: Counter,
}

/// The one-line report of a node.
pub(crate) fn report_line(
    node: usize,
    created: u64,
    executed: &[u64],
    stats: &NodeStats,
) -> String {
    let per: Vec<String> = executed.iter().map(|e| e.to_string()).collect();
    format!(
        "torc stats: node {node}: created {created} executed {} [{}] steals attempted {} served {} hit {}",
        executed.iter().sum::<u64>(),
        per.join(" "),
        stats.steals_attempted.get(),
        stats.steals_served.get(),
        stats.steals_hit.get()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line_lists_workers() {
        let s = NodeStats::default();
        s.steals_attempted.add(3);
        let line = report_line(1, 10, &[4, 6], &s);
        assert_eq!(
            line,
            "torc stats: node 1: created 10 executed 10 [4 6] steals attempted 3 served 0 hit 0"
        );
        let c = Counter::default();
        c.bump();
        c.bump();
        assert_eq!(c.get(), 2);
        c.reset();
        assert_eq!(c.get(), 0);
    }
}
