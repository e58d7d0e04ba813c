//! The watchdog's and the progress report's view of the job (README.md, "Watching the job"):
//! node 0's diagnosis thread asks every node how it is doing (WATCH), each answers with its
//! counters (WATCH_REPLY); when the watchdog fires, node 0 asks every node to print its state
//! (DUMP) and waits for each to say it did (DUMP_DONE), at most a few seconds, before it stops
//! the job. Both run on the diagnosis thread and only queue messages: the engine, driven as
//! always, carries them.

use super::state::Comm;
use super::wire::tag;
use crate::sched::Node;

pub(crate) use super::health::Health;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
