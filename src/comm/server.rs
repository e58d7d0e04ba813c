//! The communication thread: it drives the communication engine whenever no idle worker
//! does (every worker busy or parked). It backs off only while nothing arrives: a few yields,
//! then naps of an eighth of the time since the last message (at least 2 us, at most
//! `TORC_YIELDTIME`), so an answer is noticed at most ~12% later than it came, and a long wait
//! costs a few hundred wake-ups, not thousands per second.

use crate::comm::engine::{self, Progress};
use crate::sched::registry::Node;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const YIELD_ROUNDS: u32 = 20;
/// Shortest nap.
const MIN_NAP: Duration = Duration::from_micros(2);

/// Runs the communication loop of `node` until told to stop.
pub fn run(node: &'static Node) {
    let ch = node.comm.as_ref().expect("a channel on multi-node runs");
    ch.register_current();
    let mut idle: u32 = 0;
    let mut quiet_since = Instant::now();
    loop {
        match engine::progress(node, false) {
            Progress::Moved => {
                idle = 0;
                continue;
            }
            Progress::Busy => {
                // A worker drives the engine; it wakes this thread before it parks.
                ch.sleep(node.config.yield_time);
                idle = 0;
                continue;
            }
            Progress::Idle => {
                if ch.stop.load(Ordering::Acquire) && engine::drained(ch) {
                    break;
                }
            }
        }
        if idle == 0 {
            quiet_since = Instant::now();
        }
        idle += 1;
        if idle < YIELD_ROUNDS {
            std::thread::yield_now();
            continue;
        }
        let nap = (quiet_since.elapsed() / 8).clamp(MIN_NAP, node.config.yield_time);
        ch.sleep(nap);
    }
}
