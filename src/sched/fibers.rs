//! One worker's contexts for suspended waits: the thread's own stack and the fibers made so
//! far, which of them runs, which are idle and which are stopped in a wait. Only the state:
//! switching between them is `suspend.rs`. Everything here is touched by the worker's own
//! thread only; the contexts of one worker never run at the same time, so plain cells suffice.

use super::waitable::Waitable;
use crate::fiber::{self, Context};
use crate::task::Task;
use crate::trace;
use std::cell::{Cell, RefCell};

/// One context of the worker and the lowest address a nested task may start above on it.
pub(super) struct Ctx {
    pub(super) cx: Context,
    pub(super) limit: usize,
    /// Its fiber number (0: the thread's own stack), for its trace lane.
    pub(super) no: usize,
    /// Its trace lane's buffer while it does not run (`TORC_TRACE`).
    pub(super) lane: Cell<Option<&'static trace::Buffer>>,
}

/// A context stopped in a wait: what it waits for and the task that waits.
pub(super) struct Waiter {
    pub(super) ctx: *mut Ctx,
    /// Alive while the waiter is stopped: it lives in the stopped frame of `wait_on`.
    pub(super) on: *const dyn Waitable,
    pub(super) task: *mut Task,
}

/// One worker's contexts.
pub(super) struct Fibers {
    /// Whether waits may suspend (`TORC_SUSPEND`, and a supported build).
    pub(super) enabled: bool,
    /// Stack size of a fiber.
    pub(super) size: usize,
    /// The context running now; null until the worker entered its thread.
    pub(super) running: Cell<*mut Ctx>,
    /// Contexts stopped at a scheduling point (between tasks, in the worker loop), reusable.
    pub(super) idle: RefCell<Vec<*mut Ctx>>,
    /// Contexts stopped in a wait, oldest first.
    pub(super) waiting: RefCell<Vec<Waiter>>,
    /// How many there are (read on every scheduling point: no borrow).
    pub(super) n_waiting: Cell<usize>,
    /// Fibers made so far.
    pub(super) made: Cell<usize>,
}

impl Fibers {
    /// For a worker whose waits may suspend when `enabled`, on fibers of `size` bytes.
    pub(super) fn new(enabled: bool, size: usize) -> Fibers {
        Fibers {
            enabled: enabled && fiber::SUPPORTED,
            size,
            running: Cell::new(std::ptr::null_mut()),
            idle: RefCell::new(Vec::new()),
            waiting: RefCell::new(Vec::new()),
            n_waiting: Cell::new(0),
            made: Cell::new(0),
        }
    }

    /// The calling thread's own stack becomes the running context, with `limit` as its
    /// lowest start address for nested tasks.
    pub(super) fn enter(&self, limit: usize) {
        if self.running.get().is_null() {
            let root = Box::new(Ctx {
                cx: Context::thread(),
                limit,
                no: 0,
                lane: Cell::new(None),
            });
            self.running.set(Box::into_raw(root));
        }
    }

    /// Whether some stopped wait is over.
    #[inline]
    pub(super) fn any_ready(&self) -> bool {
        self.n_waiting.get() != 0 && self.find_ready().is_some()
    }

    /// Whether waits may suspend.
    #[inline]
    pub(super) fn enabled(&self) -> bool {
        self.enabled
    }

    #[cold]
    fn find_ready(&self) -> Option<usize> {
        // SAFETY: each `on` lives in its stopped waiter's frame (see `Waiter`).
        self.waiting
            .borrow()
            .iter()
            .position(|w| unsafe { (*w.on).is_done() })
    }

    pub(super) fn take_ready(&self) -> Option<Waiter> {
        let i = self.find_ready()?;
        self.n_waiting.set(self.n_waiting.get() - 1);
        Some(self.waiting.borrow_mut().remove(i))
    }
}

impl Drop for Fibers {
    fn drop(&mut self) {
        // Dropped on the worker's thread after its loop ended, on its own stack: the fibers
        // are stopped (their frames are abandoned; they hold nothing to release).
        let running = self.running.get();
        for c in self.idle.get_mut().drain(..) {
            if c != running {
                // SAFETY: made by `Box::into_raw` here, not running, owned by this list only.
                drop(unsafe { Box::from_raw(c) });
            }
        }
        debug_assert!(self.waiting.get_mut().is_empty());
        if !running.is_null() {
            // SAFETY: made by `Box::into_raw` in `enter`, owned by `running` only; it is the
            // thread's own context (it owns no stack), on which this drop runs.
            drop(unsafe { Box::from_raw(running) });
        }
    }
}
