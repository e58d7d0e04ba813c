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
pub struct Backoff {
    rounds: u32,
}

impl Backoff {
    /// A fresh idle period.
    pub fn new() -> Backoff {
        Backoff { rounds: 0 }
    }

    /// Work was found: start over.
    pub fn reset(&mut self) {
        self.rounds = 0;
    }

    /// Waits a little; returns true once the caller should park instead.
    pub fn snooze(&mut self) -> bool {
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
