//! How an idle thread backs off: spin a little, yield a little, then park.
//!
//! Each spin round is one `pause` (about 25 ns on this class of machine; the caller's own checks
//! between rounds, a look at the queues and a test of MPI, take longer): a message or task that
//! arrives is noticed within a few hundred nanoseconds while spinning. Longer spins per round
//! were measured to add their length to every remote round trip.

/// Rounds of busy spinning before yielding: with the caller's checks, about 50 us on one node
/// and a few hundred on several (where each round tests MPI).
const SPIN_ROUNDS: u32 = 1024;
/// Rounds of `yield_now` before parking.
const YIELD_ROUNDS: u32 = 16;

/// Progress of one idle period.
#[derive(Default)]
pub(crate) struct Backoff {
    rounds: u32,
}

impl Backoff {
    /// A fresh idle period.
    pub(crate) fn new() -> Backoff {
        Backoff { rounds: 0 }
    }

    /// Work was found: start over.
    pub(crate) fn reset(&mut self) {
        self.rounds = 0;
    }

    /// Waits a little; returns true once the caller should park instead.
    pub(crate) fn snooze(&mut self) -> bool {
        self.rounds += 1;
        if self.rounds <= SPIN_ROUNDS {
            std::hint::spin_loop();
            false
        } else if self.rounds <= SPIN_ROUNDS + YIELD_ROUNDS {
            std::thread::yield_now();
            false
        } else {
            true
        }
    }
}

/// How long [`wait_until`] naps between tries once spinning and yielding are over.
const NAP: std::time::Duration = std::time::Duration::from_micros(20);

/// Calls `step` until `done()` holds, for a thread that waits for something another thread
/// or node will do: `step` makes what progress it can (runs a task, drives the network) and
/// says whether it made any. While it makes none the caller spins, then yields (as
/// [`Backoff::snooze`]), then naps `NAP` between tries. The one spin-then-sleep loop of the
/// runtime's slow paths (broadcast and stealing acknowledgements, termination answers,
/// `torc_fetch_work`'s steal, shutdown statistics).
pub(crate) fn wait_until(mut done: impl FnMut() -> bool, mut step: impl FnMut() -> bool) {
    let mut backoff = Backoff::new();
    while !done() {
        if step() {
            backoff.reset();
        } else if backoff.snooze() {
            std::thread::sleep(NAP);
        }
    }
}
