//! The home node's side of a task with a result: what its handle (a future) reads.
//!
//! The creator makes the cell and keeps one reference (the handle); the task keeps the other
//! while it is away: in its descriptor on this node, or in the table of tasks away from home
//! (`comm/outstanding.rs`) while it runs elsewhere. The completer (`sched/complete.rs`) writes
//! the outcome, runs the callback, then sets the event; from then on only the handle reads
//! the cell. So the outcome and the callback are plain cells whose accesses never overlap:
//! writes happen before [`Event::set`], reads after [`Event::is_set`] (acquire).

use super::failure::Failure;
use super::value::Value;
use crate::sync::event::Event;
use parking_lot::Mutex;
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How a task ended.
#[derive(Debug, Default)]
pub(crate) enum Outcome {
    /// Not yet (or taken by the handle).
    #[default]
    Pending,
    /// Its result.
    Ready(Value),
    /// It failed (the first is its own failure or the first of its children's).
    Failed(Vec<Failure>),
}

/// A function run on the home node when the task completes, before its parent's wait ends.
/// It returns the failure it caught, if it failed. `'a`: what it may borrow (the runtime
/// keeps `'static` ones; the API erases a scope's lifetime, which outlasts the callback).
pub(crate) type CallbackIn<'a> = Box<dyn FnOnce(&Arc<FutureCell>) -> Option<Failure> + Send + 'a>;
/// A callback as the runtime keeps it.
pub(crate) type Callback = CallbackIn<'static>;

/// Turns a result that came as bytes from another node into the value the handle expects.
pub(crate) type Decode = fn(Vec<u8>) -> Result<Value, String>;

impl std::fmt::Debug for FutureCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FutureCell(done: {})", self.is_done())
    }
}

/// The shared state of one task with a result.
pub(crate) struct FutureCell {
    /// Set when the outcome is final (after the callback ran).
    pub(crate) event: Event,
    outcome: UnsafeCell<Outcome>,
    callback: UnsafeCell<Option<Callback>>,
    /// How a result from another node becomes the handle's value (None: keep the bytes).
    pub(crate) decode: Option<Decode>,
    /// The set of handles (`as_completed`) to tell, with this handle's index in it.
    listener: Mutex<Option<(Arc<Listener>, usize)>>,
    /// Set once the handle's owner looked at the outcome (a failure nobody looked at is
    /// reported when the cell goes away).
    pub(crate) observed: std::sync::atomic::AtomicBool,
    /// Set once a listener was given (`listen`): only then does the completer take the lock.
    listening: std::sync::atomic::AtomicBool,
    /// The failure as text, made once for a C handle (`torc_future_error`).
    pub(crate) error_text: once_cell::sync::OnceCell<std::ffi::CString>,
    /// The callback is brief and non-blocking: a completion from another node runs it where
    /// the completion arrives (possibly the communication thread) instead of queueing it as a
    /// task (`sched/complete.rs`).
    pub(crate) inline_callback: bool,
}

impl Drop for FutureCell {
    fn drop(&mut self) {
        self.report_unread();
    }
}

/// Most cells a worker keeps for reuse (see [`FutureCell::recycle`]).
const SPARE_MAX: usize = 256;

/// Cells a worker released last, each with no other reference, ready for reuse: a task with
/// a future then allocates nothing. (One per worker, in its context: no thread-local lookup.)
#[derive(Default)]
pub(crate) struct Spare(std::cell::RefCell<Vec<Arc<FutureCell>>>);

// SAFETY: `outcome` and `callback` are accessed as the module comment says: by the creator
// before the task is published, by the completer before `event.set()`, and by the handle's
// owner after `event.is_set()`; the event's release/acquire orders these. Everything else is
// atomic or behind a mutex.
unsafe impl Sync for FutureCell {}
// SAFETY: the cells are reached from any thread in the order given above for `Sync`, and
// everything a cell owns (outcome, callback, listener) is `Send`.
unsafe impl Send for FutureCell {}

impl FutureCell {
    /// A cell for a task not yet created, with the decoder its handle needs: one of `spare`
    /// (the calling worker's) when it has one.
    #[inline]
    pub(crate) fn new_in(
        spare: Option<&Spare>,
        decode: Option<Decode>,
        callback: Option<Callback>,
    ) -> Arc<FutureCell> {
        if let Some(mut c) = spare.and_then(|s| s.0.borrow_mut().pop()) {
            // A spare cell keeps the decoder of its last use and has no callback: when that
            // is what is asked for (the usual case), it is ready as it is.
            let same = c.decode.map(|f| f as usize) == decode.map(|f| f as usize);
            if !same || callback.is_some() {
                let m = Arc::get_mut(&mut c).expect("a spare cell has no other reference");
                m.decode = decode;
                *m.callback.get_mut() = callback;
            }
            return c;
        }
        FutureCell::new(decode, callback)
    }

    /// A new cell for a task not yet created, with the decoder its handle needs.
    pub(crate) fn new(decode: Option<Decode>, callback: Option<Callback>) -> Arc<FutureCell> {
        Arc::new(FutureCell {
            event: Event::new(),
            outcome: UnsafeCell::new(Outcome::Pending),
            callback: UnsafeCell::new(callback),
            decode,
            listener: Mutex::new(None),
            observed: Default::default(),
            listening: Default::default(),
            error_text: Default::default(),
            inline_callback: false,
        })
    }

    /// Releases the handle's reference: when it is the last one and the caller is a worker
    /// (`spare`), the cell is cleared and kept there for its next future (a bounded number
    /// of them); else it goes away with the last reference (the task may still hold one).
    #[inline]
    pub(crate) fn recycle(this: Arc<FutureCell>, spare: Option<&Spare>) {
        let Some(spare) = spare else {
            return;
        };
        // No `Weak` of a cell is ever made, so a strong count of 1 (ours) means nobody else
        // can reach it. The plain load skips the compare-exchange of `Arc::get_mut` while the
        // task still holds its reference; `get_mut` then makes it certain and, with its
        // acquire, pairs with the release decrement of the task's reference, so everything
        // the completer wrote to the cell is visible. (A bare acquire fence would do the same
        // for the memory model, but the thread sanitizer does not see fences.)
        if Arc::strong_count(&this) != 1 {
            return;
        }
        let mut this = this;
        let Some(m) = Arc::get_mut(&mut this) else {
            return;
        };
        if matches!(m.outcome.get_mut(), Outcome::Failed(_)) {
            m.report_unread();
        }
        m.event = Event::new();
        match m.outcome.get_mut() {
            Outcome::Pending => {}
            // An inline result owns nothing: overwrite it without drop glue.
            // SAFETY: the slot is valid for writing; the old value needs no drop.
            o @ Outcome::Ready(Value::Inline { .. }) => unsafe {
                std::ptr::write(o, Outcome::Pending)
            },
            o => *o = Outcome::Pending,
        }
        // The completer took the callback and the listener; a failure's text is rare.
        if m.callback.get_mut().is_some() {
            *m.callback.get_mut() = None;
        }
        if *m.listening.get_mut() {
            *m.listener.get_mut() = None;
            *m.listening.get_mut() = false;
        }
        if m.error_text.get().is_some() {
            let _ = m.error_text.take();
        }
        m.inline_callback = false;
        // (`decode` stays: the next use most likely wants the same; `new_in` sets it.)
        *m.observed.get_mut() = false;
        let mut s = spare.0.borrow_mut();
        if s.len() < SPARE_MAX {
            s.push(this);
        }
    }

    /// Prints a failure nobody looked at (the handle is going away).
    fn report_unread(&mut self) {
        if let Outcome::Failed(f) = self.outcome.get_mut() {
            if !*self.observed.get_mut() {
                for x in f.iter() {
                    eprintln!("torc: a failed task's handle was dropped unread: {x}");
                }
            }
        }
    }

    /// Whether the outcome is final.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.event.is_set()
    }

    /// Stores the outcome.
    ///
    /// # Safety
    /// Only the completer calls it, once, before `event.set()`.
    pub(crate) unsafe fn put(&self, o: Outcome) {
        // SAFETY: only the completer, once, before the event is set (this function's
        // contract): nobody else touches the outcome now.
        let slot = unsafe { &mut *self.outcome.get() };
        if matches!(slot, Outcome::Pending) {
            // Nothing to drop (the usual case): a plain write, no drop glue.
            // SAFETY: `slot` is valid for writing; the old value needs no drop.
            unsafe { std::ptr::write(slot, o) };
        } else {
            *slot = o;
        }
    }

    /// Takes the callback out.
    ///
    /// # Safety
    /// Only the completer calls it, before `event.set()`.
    pub(crate) unsafe fn take_callback(&self) -> Option<Callback> {
        // SAFETY: only the completer, before the event is set (this function's contract):
        // nobody else touches the callback now.
        unsafe { (*self.callback.get()).take() }
    }

    /// Whether a callback waits to run.
    ///
    /// # Safety
    /// As for [`FutureCell::take_callback`].
    pub(crate) unsafe fn has_callback(&self) -> bool {
        // SAFETY: only the completer, before the event is set (this function's contract):
        // nobody writes the callback meanwhile.
        unsafe { (*self.callback.get()).is_some() }
    }

    /// The outcome, for reading.
    ///
    /// # Safety
    /// The caller is the completer (inside the callback, before `event.set()`), or the
    /// handle's owner after `is_done()`, and nobody takes the outcome meanwhile.
    pub(crate) unsafe fn outcome(&self) -> &Outcome {
        // SAFETY: the completer before the event is set, or the handle's owner after, and
        // nobody takes the outcome meanwhile (this function's contract): no write overlaps.
        unsafe { &*self.outcome.get() }
    }

    /// Takes the outcome out.
    ///
    /// # Safety
    /// The caller is the handle's single owner, after `is_done()`.
    pub(crate) unsafe fn take_outcome(&self) -> Outcome {
        // SAFETY: the handle's single owner, after the event is set (this function's
        // contract): the completer is done with the outcome and nobody else reads it.
        unsafe { std::mem::take(&mut *self.outcome.get()) }
    }

    /// Tells `listener` (as item `index`) when the outcome is final, at once if it is.
    pub(crate) fn listen(&self, listener: &Arc<Listener>, index: usize) {
        // Dekker with `notify_listener`: this flag before our look at the event, as the
        // completer's event before its look at the flag (all sequentially consistent).
        self.listening.store(true, Ordering::SeqCst);
        let mut l = self.listener.lock();
        if self.event.is_set_seqcst() {
            drop(l);
            listener.ready(index);
        } else {
            *l = Some((listener.clone(), index));
        }
    }

    /// Called by the completer right after `event.set()`: the listener learns of it.
    /// Returns the waiter of the listener to wake, if one sleeps.
    #[inline]
    pub(crate) fn notify_listener(&self) -> Option<usize> {
        if !self.listening.load(Ordering::SeqCst) {
            // No `listen` began before the event was set; one that begins later sees it set.
            return None;
        }
        self.notify_listener_slow()
    }

    /// [`FutureCell::notify_listener`] once a listener was given.
    fn notify_listener_slow(&self) -> Option<usize> {
        // `listen` checks the event under this lock, so it either sees it set (and reports
        // the item itself) or stores the listener before we take it here.
        let l = self.listener.lock().take();
        l.and_then(|(listener, index)| listener.ready(index))
    }
}

/// The handles of one `as_completed`: which became final, in order.
#[derive(Default)]
pub(crate) struct Listener {
    ready: Mutex<VecDeque<usize>>,
    /// The waiting worker's index plus one (0: none).
    waiter: AtomicUsize,
}

impl Listener {
    /// A listener with nothing ready.
    pub(crate) fn new() -> Arc<Listener> {
        Arc::new(Listener::default())
    }

    /// Item `index` became final; returns the worker to wake, if one waits.
    fn ready(&self, index: usize) -> Option<usize> {
        self.ready.lock().push_back(index);
        // Dekker with `wait_begin`: our push (under the lock) before our look at the waiter,
        // as its registration before its look at the queue (under the same lock).
        let w = self.waiter.swap(0, Ordering::SeqCst);
        (w != 0).then(|| w - 1)
    }

    /// Whether an item became final and was not taken yet.
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.lock().is_empty()
    }

    /// The next item that became final, if any.
    pub(crate) fn next_ready(&self) -> Option<usize> {
        self.ready.lock().pop_front()
    }

    /// Registers worker `w` as the waiter; returns false if an item is ready (do not sleep).
    pub(crate) fn wait_begin(&self, w: usize) -> bool {
        self.waiter.store(w + 1, Ordering::SeqCst);
        self.ready.lock().is_empty()
    }

    /// Clears the registration.
    pub(crate) fn wait_end(&self) {
        self.waiter.store(0, Ordering::SeqCst);
    }
}
