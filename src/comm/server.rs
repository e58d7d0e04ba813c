//! The communication thread: it drives the communication engine whenever no idle worker
//! does (every worker busy or parked), and backs off (a few yields, then ever longer naps) only
//! while nothing arrives: briefly while answers are due, up to `TORC_YIELDTIME` otherwise.

use crate::comm::engine::{self, Progress};
use crate::sched::registry::Node;
use std::sync::atomic::Ordering;
use std::time::Duration;

const YIELD_ROUNDS: u32 = 20;
/// Longest nap while this node waits for answers.
const BUSY_NAP: Duration = Duration::from_micros(200);

/// Runs the communication loop of `node` until told to stop.
pub fn run(node: &'static Node) {
    let ch = node.comm.as_ref().expect("a channel on multi-node runs");
    ch.register_current();
    let mut idle: u32 = 0;
    loop {
        match engine::progress(node, false) {
            Progress::Moved => {
                idle = 0;
                continue;
            }
            Progress::Busy => {
                // A worker drives the engine; it wakes this thread before it parks.
                ch.sleep(node.config.yield_time);
                continue;
            }
            Progress::Idle => {
                if ch.stop.load(Ordering::Acquire) && engine::drained(ch) {
                    break;
                }
            }
        }
        idle += 1;
        if idle < YIELD_ROUNDS {
            std::thread::yield_now();
            continue;
        }
        let waiting = ch.awaiting.load(Ordering::Relaxed) > 0
            || ch.steal_in_flight.load(Ordering::Relaxed)
            || ch.bcast_acks.load(Ordering::Relaxed) > 0;
        let cap = if waiting {
            BUSY_NAP.min(node.config.yield_time)
        } else {
            node.config.yield_time
        };
        let k = (idle - YIELD_ROUNDS).min(20);
        ch.sleep(Duration::from_micros(2u64 << k).min(cap));
    }
}
