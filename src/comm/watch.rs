//! The watchdog's and the progress report's view of the job (README.md, "Watching the job"):
//! node 0's diagnosis thread asks every node how it is doing (WATCH), each answers with its
//! counters (WATCH_REPLY); when the watchdog fires, node 0 asks every node to print its state
//! (DUMP) and waits for each to say it did (DUMP_DONE), at most a few seconds, before it stops
//! the job. Both run on the diagnosis thread and only queue messages: the engine, driven as
//! always, carries them.

use super::wire::tag;
use super::Comm;
use crate::sched::Node;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// One node's answer to WATCH.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Health {
    /// Visible tasks created there so far.
    pub(crate) created: u64,
    /// Visible tasks executed there so far.
    pub(crate) finished: u64,
    /// Task starts and ends there so far.
    pub(crate) steps: u64,
    /// Whether work is outstanding there.
    pub(crate) busy: bool,
}

impl Health {
    /// This node's counters now.
    pub(crate) fn of(node: &Node) -> Health {
        let (created, finished) = node.task_counts();
        Health {
            created,
            finished,
            steps: node.steps(),
            busy: node.has_outstanding_work(),
        }
    }

    /// The WATCH_REPLY body.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut w = super::wire::Writer::with_capacity(32);
        w.u64(self.created)
            .u64(self.finished)
            .u64(self.steps)
            .u64(self.busy as u64);
        w.buf
    }

    /// Parses a WATCH_REPLY body.
    pub(super) fn decode(body: &[u8]) -> Result<Health, String> {
        let mut r = super::wire::Reader::new(body);
        Ok(Health {
            created: r.u64()?,
            finished: r.u64()?,
            steps: r.u64()?,
            busy: r.u64()? != 0,
        })
    }
}

impl Comm {
    /// Node 0: every node's health (this one's included), asking the others and waiting up to
    /// `patience` for their answers, and only while `go_on()`; `None` for a node that did not
    /// answer.
    pub(crate) fn job_health(
        &self,
        node: &Node,
        patience: Duration,
        go_on: &dyn Fn() -> bool,
    ) -> Vec<Option<Health>> {
        let n = self.world.size;
        *self.awaited.watch.lock() = vec![None; n];
        self.send_to_others(tag::WATCH, &[]);
        let deadline = Instant::now() + patience;
        loop {
            let got = self
                .awaited
                .watch
                .lock()
                .iter()
                .filter(|h| h.is_some())
                .count();
            if got + 1 >= n || Instant::now() >= deadline || !go_on() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut all = self.awaited.watch.lock().clone();
        all[self.world.rank] = Some(Health::of(node));
        all
    }

    /// Node 0: asks every other node to print its state; waits until all said they did, or
    /// `patience` passed. Returns the nodes that did not answer.
    pub(crate) fn dump_all(&self, patience: Duration) -> Vec<usize> {
        let others = self.world.size - 1;
        self.awaited.dumps.store(0, Ordering::Release);
        *self.awaited.dumped.lock() = vec![false; self.world.size];
        self.send_to_others(tag::DUMP, &[]);
        let deadline = Instant::now() + patience;
        while self.awaited.dumps.load(Ordering::Acquire) < others && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let done = self.awaited.dumped.lock();
        (0..self.world.size)
            .filter(|&k| k != self.world.rank && !done[k])
            .collect()
    }
}

/// Prints the state report of `node` on stderr, in one write.
pub(crate) fn print_state(node: &Node) {
    let mut text = node.state_lines().join("\n");
    text.push('\n');
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips() {
        let h = Health {
            created: 5,
            finished: 3,
            steps: 11,
            busy: true,
        };
        assert_eq!(Health::decode(&h.encode()), Ok(h));
        assert!(Health::decode(&[0u8; 8]).is_err());
    }
}
