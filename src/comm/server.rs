//! The communication thread: it drives the communication engine whenever no idle worker
//! does (every worker busy or parked). It backs off only while nothing arrives: a few yields,
//! then naps of an eighth of the time since the last message (at least 2 us, at most
//! `TORC_YIELDTIME`), so an answer is noticed at most ~12% later than it came, and a long wait
//! costs a few hundred wake-ups, not thousands per second. While a worker of the node runs a
//! task (nobody else can answer a request then), naps last at most a 64th of the quiet time,
//! at most `BUSY_NAP_MAX` (1 ms): a steal request or a direct task that follows other traffic
//! within 6.4 ms is answered within `BUSY_NAP` (100 us), one after a long silence within 1 ms,
//! however long the task runs. While a worker drives the engine itself, this thread naps until
//! that worker parks or leaves the engine to run a task it was handed
//! (`Network::leaving_engine`); either wakes it. See README.md, "The engine driver" and "Sleep
//! and wake-up".

use super::drive::{self, Progress};
use super::outbox::BUSY_NAP;
use super::state::Comm;
use crate::sched::Node;
use std::time::{Duration, Instant};

const YIELD_ROUNDS: u32 = 20;
/// Longest nap while a worker drives the engine. Each wake-up costs this thread's processor
/// to the workers (about 10 us here); a driver that stops without a word leaves the node's
/// messages unattended for at most this long.
const DRIVEN_NAP: Duration = Duration::from_micros(500);
/// Shortest nap.
const MIN_NAP: Duration = Duration::from_micros(2);
/// With every worker parked, a nap lasts the quiet time over this (at most `TORC_YIELDTIME`).
const IDLE_SLOPE: u32 = 8;
/// While a worker runs a task, a nap lasts at most the quiet time over this...
const BUSY_SLOPE: u32 = 64;
/// ... and at most this long (see `run`). Naps over `BUSY_NAP` count as long: a worker that
/// queues a task to send wakes this thread (`Outbox::wake_if_napping_long`), so only what
/// comes from other nodes waits for the nap to end.
const BUSY_NAP_MAX: Duration = Duration::from_millis(1);
// A nap over BUSY_NAP is long (see BUSY_NAP_MAX): the busy naps must be able to be.
const _: () = assert!(BUSY_NAP_MAX.as_micros() > BUSY_NAP.as_micros());

/// Runs the communication loop of `node` until told to stop ([`Comm::stop`]).
pub(crate) fn run(node: &'static Node, comm: &Comm) {
    let ch = &comm.outbox;
    ch.register_current();
    // Naps are short while a worker is busy: ask the kernel to end them on time (the default
    // slack of 50 us would double a 50 us nap).
    // SAFETY: PR_SET_TIMERSLACK takes a plain integer and changes only this thread's slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
    let mut idle: u32 = 0;
    let mut quiet_since = Instant::now();
    loop {
        match drive::progress_comm_thread(node, comm) {
            Progress::Moved => {
                idle = 0;
                continue;
            }
            Progress::Busy | Progress::Driven => {
                // A worker drives the engine (it holds it now, or drove it since this thread's
                // last look: it spins in its idle loop or a wait): leave it to it, without a
                // round of this thread's (which would test MPI, and OpenMPI yields the
                // processor inside MPI_Test when oversubscribed). Messages queued meanwhile the
                // driver sends; looking at the queue here would spin while the driver is
                // descheduled inside MPI. The driver may stop without a word (a wait that is
                // over, a task found in the queues): look again within DRIVEN_NAP; one that
                // parks wakes this thread.
                ch.sleep_while_driven(node.config.yield_time.min(DRIVEN_NAP));
                // Not a message: the quiet time (and so this thread's next nap) goes on.
                continue;
            }
            Progress::Idle => {
                if ch.stopping() && drive::drained(comm) {
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
        let (slope, longest) = if node.idle_workers() < node.num_workers() {
            // A worker is busy (or spinning): this thread is the node's only ear. Answer
            // within a small fraction of the quiet time: a request that follows the last
            // message within BUSY_SLOPE x BUSY_NAP waits at most BUSY_NAP, one after a long
            // silence at most BUSY_NAP_MAX (each wake-up costs ~10 us of a core here, so
            // 100 us naps through a long task would cost 10% of a core).
            (BUSY_SLOPE, node.config.yield_time.min(BUSY_NAP_MAX))
        } else {
            (IDLE_SLOPE, node.config.yield_time)
        };
        let nap = (quiet_since.elapsed() / slope).clamp(MIN_NAP.min(longest), longest);
        ch.sleep(nap);
    }
}
