//! How the rest of the process hands messages to the network: an outgoing queue that whoever
//! drives the engine drains, and the communication thread's nap and wake-up (the protocol is
//! in README.md, "Sleep and wake-up").

use super::wire::Encoded;
use crate::sync::fence;
use crate::sync::queue::settle;
use crate::task::pool::put_task;
use crate::task::TaskRef;
use crossbeam_deque::Injector;
use once_cell::sync::OnceCell;
use parking_lot::Mutex;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::Thread;
use std::time::Duration;

/// A message for another node.
pub(super) struct Outgoing {
    /// Destination rank.
    pub(super) dest: usize,
    /// Message tag (see `wire::tag`).
    pub(super) tag: c_int,
    /// Encoded body.
    pub(super) body: Vec<u8>,
    /// Large blocks sent after it as DATA messages, from where they are.
    pub(super) blocks: Vec<(usize, usize)>,
    /// Keeps the blocks' memory alive until they are sent.
    pub(super) keep: Option<Arc<Keep>>,
}

/// Holds a task descriptor (whose buffer large blocks are sent from) until every send that
/// reads it has completed; then returns it to a pool.
pub(super) struct Keep(Mutex<Option<TaskRef>>);

impl Drop for Keep {
    fn drop(&mut self) {
        if let Some(t) = self.0.get_mut().take() {
            put_task(t);
        }
    }
}

/// What to do with a task descriptor once its message is encoded: when the message has no
/// large blocks (everything was copied into it), the descriptor goes back to a pool now; else
/// it is kept until the blocks, which are sent from its buffer or its creator's memory, are
/// out. The one "keep or recycle after encode" decision.
pub(super) fn keep_or_recycle(t: TaskRef, m: &Encoded) -> Option<Arc<Keep>> {
    if m.blocks.is_empty() {
        put_task(t);
        None
    } else {
        Some(Arc::new(Keep(Mutex::new(Some(t)))))
    }
}

/// Longest nap of the communication thread while a worker runs a task (see `server.rs`).
pub(super) const BUSY_NAP: Duration = Duration::from_micros(100);

/// The outgoing queue and the communication thread's sleep state.
pub(super) struct Outbox {
    queue: Injector<Outgoing>,
    /// once_cell's rather than std's OnceLock: the same code, but compiled with torc, so
    /// ThreadSanitizer sees the store that publishes the handle (std's is in the precompiled,
    /// uninstrumented std, and every unpark was reported as racing with the handle's creation).
    thread: OnceCell<Thread>,
    sleeping: AtomicBool,
    /// Set while the communication thread naps longer than [`BUSY_NAP`].
    napping_long: AtomicBool,
    /// Set when the communication thread should stop once everything is sent.
    stop: AtomicBool,
}

impl Outbox {
    pub(super) fn new() -> Outbox {
        Outbox {
            queue: Injector::new(),
            thread: OnceCell::new(),
            sleeping: AtomicBool::new(false),
            napping_long: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        }
    }

    /// Queues a small message with no large blocks and wakes the communication thread.
    pub(super) fn send(&self, dest: usize, tag: c_int, body: Vec<u8>) {
        self.send_encoded(
            dest,
            tag,
            Encoded {
                body,
                blocks: Vec::new(),
            },
            None,
            false,
        );
    }

    /// Queues an encoded message with its large blocks (kept alive by `keep`) and makes sure the
    /// communication thread sees it soon, unless `lazy` (the caller drives the engine next).
    pub(super) fn send_encoded(
        &self,
        dest: usize,
        tag: c_int,
        m: Encoded,
        keep: Option<Arc<Keep>>,
        lazy: bool,
    ) {
        self.queue.push(Outgoing {
            dest,
            tag,
            body: m.body,
            blocks: m.blocks,
            keep,
        });
        if !lazy {
            self.wake();
        }
    }

    /// Wakes the communication thread if it sleeps (README.md, "Sleep and wake-up").
    pub(super) fn wake(&self) {
        // Our message (or stop flag) before our look at `sleeping`.
        fence::full();
        if self.sleeping.load(Ordering::SeqCst) {
            if let Some(t) = self.thread.get() {
                t.unpark();
            }
        }
    }

    /// Wakes the communication thread only if it is in a long nap (it wakes from a short one
    /// soon enough by itself): cheap enough for the path of every remote task.
    pub(super) fn wake_if_napping_long(&self) {
        fence::full();
        if self.napping_long.load(Ordering::SeqCst) {
            self.wake();
        }
    }

    /// The next queued message.
    pub(super) fn pop(&self) -> Option<Outgoing> {
        settle(|| self.queue.steal())
    }

    /// Records the calling thread as the communication thread.
    pub(super) fn register_current(&self) {
        let _ = self.thread.set(std::thread::current());
    }

    /// Sleeps for at most `d` unless a message is queued (communication thread only).
    pub(super) fn sleep(&self, d: Duration) {
        self.sleep_unless(d, true)
    }

    /// Sleeps for at most `d` while a worker drives the engine (communication thread only):
    /// queued messages do not end the nap, since the driver sends them (and a sender that
    /// will not drive wakes this thread).
    pub(super) fn sleep_while_driven(&self, d: Duration) {
        self.sleep_unless(d, false)
    }

    fn sleep_unless(&self, d: Duration, queued_ends_it: bool) {
        // A nap while a worker drives is not "long": that worker, leaving the engine, does not
        // need to wake this thread (it comes back within the server's DRIVEN_NAP anyway).
        let long = queued_ends_it && d > BUSY_NAP;
        if long {
            self.napping_long.store(true, Ordering::SeqCst);
        }
        self.sleeping.store(true, Ordering::SeqCst);
        // Dekker with `wake`: the flag before the look at the queue, as the sender's message
        // before its look at the flag.
        fence::full();
        if (!queued_ends_it || self.queue.is_empty()) && !self.stop.load(Ordering::SeqCst) {
            std::thread::park_timeout(d);
        }
        self.sleeping.store(false, Ordering::SeqCst);
        if long {
            self.napping_long.store(false, Ordering::SeqCst);
        }
    }

    /// Whether messages wait to be sent.
    pub(super) fn has_outgoing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Tells the communication thread to stop once everything is sent.
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Whether [`Outbox::stop`] was called.
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}
