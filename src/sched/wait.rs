//! Waiting, as the rest of the crate asks for it: for a task's children (`torc_waitall`), a
//! future, a set of futures, from a worker (which runs other tasks meanwhile, then parks: the
//! loop is `run.rs`'s) or from any other thread (which naps between looks); with progress
//! ticks, with a bound.

use super::activity::Awaits;
use super::worker::{current_task, current_worker, WorkerCtx};
use crate::sync::latch::Latch;

pub(crate) use super::run::{wait_for, wait_on};
pub(crate) use super::waitable::{WaitMode, Waitable};

/// A latch whose wait reports progress: `tick(completed)` at most once per `every` while
/// the wait goes on (looked at whenever the waiter looks at the latch).
struct Ticking<'a> {
    latch: &'a Latch,
    every: std::time::Duration,
    next: std::cell::Cell<std::time::Instant>,
    tick: std::cell::RefCell<&'a mut dyn FnMut(usize)>,
}

impl Waitable for Ticking<'_> {
    fn is_done(&self) -> bool {
        let now = std::time::Instant::now();
        if now >= self.next.get() {
            self.next.set(now + self.every);
            (self.tick.borrow_mut())(self.latch.counts().1);
        }
        self.latch.is_done()
    }
    fn sleep_begin(&self, w: usize) -> bool {
        Waitable::sleep_begin(self.latch, w)
    }
    fn sleep_end(&self, w: usize) {
        Waitable::sleep_end(self.latch, w)
    }
    fn awaits(&self) -> Awaits {
        Awaits::Children(self.latch)
    }
}

/// Waits for the children of the calling worker's current task, as `torc_waitall`, calling
/// `tick(completed)` (the latch's completed count) at most once per `every` meanwhile. The
/// waiter parks at most `TORC_YIELDTIME` at a time, so ticks come that often at least.
pub(crate) fn wait_ticking(
    ctx: &WorkerCtx,
    every: std::time::Duration,
    tick: &mut dyn FnMut(usize),
) {
    // SAFETY: the current task is alive while it runs on this thread.
    let Some(t) = (unsafe { ctx.current().as_ref() }) else {
        return;
    };
    let w = Ticking {
        latch: &t.latch,
        every,
        next: std::cell::Cell::new(std::time::Instant::now() + every),
        tick: std::cell::RefCell::new(tick),
    };
    wait_on(ctx, &w, t.level, WaitMode::Help);
}

/// A wait that also ends when `stop()` says so: `stop` is asked whenever the waiter looks at
/// the wait, which is at least every `nap` while it parks. It must be cheap and must not
/// block (it is asked while the node's idle list is locked).
pub(crate) struct Bounded<'a, W: Waitable> {
    pub(crate) inner: &'a W,
    pub(crate) stop: std::cell::RefCell<&'a mut dyn FnMut() -> bool>,
    pub(crate) nap: std::time::Duration,
}

impl<W: Waitable> Waitable for Bounded<'_, W> {
    fn is_done(&self) -> bool {
        self.inner.is_done() || (self.stop.borrow_mut())()
    }
    fn sleep_begin(&self, w: usize) -> bool {
        self.inner.sleep_begin(w)
    }
    fn sleep_end(&self, w: usize) {
        self.inner.sleep_end(w)
    }
    fn awaits(&self) -> Awaits {
        self.inner.awaits()
    }
    fn nap(&self) -> Option<std::time::Duration> {
        Some(self.nap)
    }
}

/// Waits for `w` as [`wait_here`] does until it is done or `stop()` says so (asked at least
/// every `nap`); whether `w` is done. With `help` false a worker runs no task meanwhile
/// (`torc_waitall3`'s way): a wait with a deadline then cannot overrun it by a long task.
pub(crate) fn wait_here_until<W: Waitable>(
    w: &W,
    nap: std::time::Duration,
    help: bool,
    stop: &mut dyn FnMut() -> bool,
) -> bool {
    if w.is_done() {
        return true;
    }
    let b = Bounded {
        inner: w,
        stop: std::cell::RefCell::new(stop),
        nap,
    };
    match current_worker() {
        Some(ctx) if !help => {
            // SAFETY: the current task is alive while it runs on this thread.
            let level = unsafe { current_task().as_ref() }.map_or(0, |t| t.level);
            wait_on(ctx, &b, level, WaitMode::NoHelp);
        }
        _ => wait_here_slow(&b),
    }
    w.is_done()
}

/// Blocks until every detached task created on this node completed (worker 0 at shutdown),
/// running other tasks meanwhile.
pub(crate) fn wait_for_detached(ctx: &WorkerCtx) {
    wait_for(ctx, &ctx.node.detached, 0, WaitMode::Help);
}

/// Waits for `w` from whatever thread calls: a worker runs other tasks meanwhile (deeper than
/// its current task, as `torc_waitall`); another thread naps between looks.
#[inline]
pub(crate) fn wait_here<W: Waitable>(w: &W) {
    if !w.is_done() {
        wait_here_slow(w);
    }
}

/// [`wait_here`] once the wait is not over at the first look.
#[inline(never)]
fn wait_here_slow<W: Waitable>(w: &W) {
    match current_worker() {
        Some(ctx) => {
            // SAFETY: the current task is alive while it runs on this thread.
            let level = unsafe { current_task().as_ref() }.map_or(0, |t| t.level);
            wait_on(ctx, w, level, WaitMode::Help);
        }
        None => crate::sync::backoff::wait_until(|| w.is_done(), || false),
    }
}
