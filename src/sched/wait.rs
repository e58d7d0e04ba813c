//! Waiting for children: the waiting worker runs other tasks meanwhile, then parks.

use super::activity::{Awaits, Waiting};
use super::enqueue::To;
use super::execute::{run, run_inline};
use super::suspend::suspend;
use super::worker::WorkerCtx;
use crate::sync::backoff::Backoff;
use crate::sync::latch::Latch;
use crate::task::future::{FutureCell, Listener};
use crate::trace;

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

/// Blocks until `latch` is done (or, for `HelpUntilIdle`, the node runs dry). `level` is the
/// nesting level of the waiting task: meanwhile the worker runs only deeper tasks.
#[inline]
pub(crate) fn wait_for(ctx: &WorkerCtx, latch: &Latch, level: u32, mode: WaitMode) {
    wait_on(ctx, latch, level, mode)
}

/// Blocks until `latch` (a latch, future or listener) is done; as [`wait_for`].
pub(crate) fn wait_on<W: Waitable>(ctx: &WorkerCtx, latch: &W, level: u32, mode: WaitMode) {
    // Where the wait is registered for the state report, once it parked.
    let mut registered = None;
    wait_loop(ctx, latch, level, mode, &mut registered);
    if let Some(at) = registered {
        ctx.shared().activity.wait_end(at);
    }
}

/// The loop of [`wait_on`]; registers the wait in `registered` when it first parks.
#[inline(always)]
fn wait_loop<W: Waitable>(
    ctx: &WorkerCtx,
    latch: &W,
    level: u32,
    mode: WaitMode,
    registered: &mut Option<usize>,
) {
    let node = ctx.node;
    let mut backoff = Backoff::new();
    loop {
        if latch.is_done() {
            return;
        }
        if mode != WaitMode::NoHelp {
            if let Some(t) = ctx.find_work_deeper(level) {
                if !ctx.stack_has_room() {
                    // No room for it on this stack: set this wait aside and run it on another.
                    let deep = t.level;
                    ctx.keep(t);
                    if suspend(ctx, latch) {
                        backoff.reset();
                        continue;
                    }
                    crate::error::fatal(
                        "torc_waitall",
                        format_args!(
                            "tasks nest too deeply for this thread's stack (level {}); raise \
                             the stack limit (ulimit -s) or use more workers",
                            deep
                        ),
                    );
                }
                run_inline(ctx, t);
                backoff.reset();
                continue;
            }
            if mode == WaitMode::HelpUntilIdle {
                return;
            }
        }
        match node.poll_net() {
            (_, Some(t)) => {
                // Run it here only if it is nested deeper (see `find_work_deeper`).
                if mode != WaitMode::NoHelp && t.level > level && ctx.stack_has_room() {
                    node.leaving_engine();
                    run(ctx, t);
                } else {
                    node.enqueue(Some(ctx), t, To::Anyone);
                }
                backoff.reset();
                continue;
            }
            (true, None) => {
                backoff.reset();
                continue;
            }
            (false, None) => {}
        }
        if mode == WaitMode::Help
            && ctx.fibers.enabled()
            && (ctx.sees_work() || ctx.fibers.any_ready())
        {
            // Work this wait may not run on its own stack (shallower tasks), or another wait
            // that is over: set this wait aside on its stack and go on with that.
            if registered.is_none() {
                *registered = Some(register_wait(ctx, latch.awaits()));
            }
            if suspend(ctx, latch) {
                backoff.reset();
                continue;
            }
        }
        if !backoff.snooze() {
            continue;
        }
        if registered.is_none() {
            *registered = Some(register_wait(ctx, latch.awaits()));
        }
        if !latch.sleep_begin(ctx.index) {
            let t0 = if trace::on() { trace::now() } else { 0 };
            let nap = latch
                .nap()
                .map_or(node.config.yield_time, |n| n.min(node.config.yield_time));
            if mode == WaitMode::NoHelp {
                node.sleep.park_alone(nap);
            } else {
                node.going_idle();
                node.sleep.sleep(ctx.index, nap, || {
                    !latch.is_done() && !ctx.sees_work() && !ctx.fibers.any_ready()
                });
            }
            if t0 != 0 {
                record_idle(t0);
            }
        }
        latch.sleep_end(ctx.index);
        backoff.reset();
    }
}

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
    match super::worker::current_worker() {
        Some(ctx) if !help => {
            // SAFETY: the current task is alive while it runs on this thread.
            let level = unsafe { super::worker::current_task().as_ref() }.map_or(0, |t| t.level);
            wait_on(ctx, &b, level, WaitMode::NoHelp);
        }
        _ => wait_here_slow(&b),
    }
    w.is_done()
}

/// Registers a wait of worker `ctx`'s current task for the state report.
#[cold]
fn register_wait(ctx: &WorkerCtx, awaits: Awaits) -> usize {
    // SAFETY: the current task is alive while it runs (waits) on this thread.
    let (func, level) = unsafe { ctx.current().as_ref() }.map_or((0, 0), |t| (t.func, t.level));
    ctx.shared().activity.wait_begin(Waiting {
        func,
        level,
        awaits,
        since: std::time::Instant::now(),
    })
}

/// Records an idle span from `t0` to now on the calling thread's trace lane.
#[cold]
pub(super) fn record_idle(t0: u64) {
    trace::push(trace::Record::span(trace::Kind::Idle, t0, trace::now()));
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
    match super::worker::current_worker() {
        Some(ctx) => {
            // SAFETY: the current task is alive while it runs on this thread.
            let level = unsafe { super::worker::current_task().as_ref() }.map_or(0, |t| t.level);
            wait_on(ctx, w, level, WaitMode::Help);
        }
        None => crate::sync::backoff::wait_until(|| w.is_done(), || false),
    }
}
