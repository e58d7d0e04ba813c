//! What a worker can wait for ([`Waitable`]: a latch, a future, a set of futures) and how a
//! wait behaves meanwhile ([`WaitMode`]); the waiting itself is in `run.rs` and `wait.rs`.

use super::activity::Awaits;
use crate::sync::latch::Latch;
use crate::task::future::{FutureCell, Listener};

/// Something a worker can wait for: a latch, a future, a set of futures.
pub(crate) trait Waitable {
    /// Whether the wait is over.
    fn is_done(&self) -> bool;
    /// Worker `w` is about to sleep: registers it to be woken; true when the wait is over
    /// already (or `w` cannot be registered: it then naps and looks again).
    fn sleep_begin(&self, w: usize) -> bool;
    /// Worker `w` woke up (or did not sleep).
    fn sleep_end(&self, w: usize);
    /// What this is, for the state report.
    fn awaits(&self) -> Awaits;
    /// The longest the waiter may park before it looks again (None: `TORC_YIELDTIME`).
    fn nap(&self) -> Option<std::time::Duration> {
        None
    }
}

impl Waitable for Latch {
    #[inline(always)]
    fn is_done(&self) -> bool {
        Latch::is_done(self)
    }
    fn sleep_begin(&self, _: usize) -> bool {
        Latch::sleep_begin(self)
    }
    fn sleep_end(&self, _: usize) {
        Latch::sleep_end(self)
    }
    fn awaits(&self) -> Awaits {
        Awaits::Children(self)
    }
}

impl Waitable for FutureCell {
    #[inline(always)]
    fn is_done(&self) -> bool {
        FutureCell::is_done(self)
    }
    fn sleep_begin(&self, w: usize) -> bool {
        // A second waiter of the same future is not registered: it naps (TORC_YIELDTIME) and
        // looks again.
        !self.event.register(w) && self.is_done()
    }
    fn sleep_end(&self, w: usize) {
        self.event.unregister(w)
    }
    fn awaits(&self) -> Awaits {
        Awaits::Future
    }
}

/// Waiting until some future of an `as_completed` set is final.
impl Waitable for Listener {
    fn is_done(&self) -> bool {
        self.has_ready()
    }
    fn sleep_begin(&self, w: usize) -> bool {
        !self.wait_begin(w)
    }
    fn sleep_end(&self, _: usize) {
        self.wait_end()
    }
    fn awaits(&self) -> Awaits {
        Awaits::AnyFuture
    }
}

/// How a wait behaves while children are outstanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitMode {
    /// `torc_waitall`: run other tasks until the children are done.
    Help,
    /// `torc_waitall2`: as `Help`, but also return when the node has no queued work.
    HelpUntilIdle,
    /// `torc_waitall3`: do not run other tasks.
    NoHelp,
}
