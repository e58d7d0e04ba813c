//! How an idle thread backs off: spin a little, yield a little, then park.
//!
//! Each spin round is short (at most 8 `pause` instructions, well under a microsecond): the
//! caller looks for work (and drives communication) between rounds, so a message or task that
//! arrives is noticed within about a microsecond while spinning.

/// Rounds of busy spinning before yielding (about 100 us in all, with the caller's checks).
const SPIN_ROUNDS: u32 = 256;
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
            for _ in 0..(1 << self.rounds.min(3)) {
                std::hint::spin_loop();
            }
            false
        } else if self.rounds <= SPIN_ROUNDS + YIELD_ROUNDS {
            std::thread::yield_now();
            false
        } else {
            true
        }
    }
}
